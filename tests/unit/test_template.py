"""What cfn-lint no longer checks on SAM resources (aws.md §6): the values that break deployments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from switchboard.store.schema import load_template, table_definition

TEMPLATE = load_template(Path(__file__).resolve().parents[2] / "template.yaml")
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
GLOBALS = TEMPLATE["Globals"]["Function"]
FUNCTIONS = {name: {**GLOBALS, **r["Properties"]} for name, r in RESOURCES.items()
             if r["Type"] == "AWS::Serverless::Function"}


def test_every_function_runs_python312_on_arm64_with_sane_limits() -> None:
    assert FUNCTIONS, "no functions declared"
    for name, fn in FUNCTIONS.items():
        assert fn["Runtime"] == "python3.12", name
        assert fn["Architectures"] == ["arm64"], name
        assert 1 <= fn["Timeout"] <= 900, name
        assert 128 <= fn["MemorySize"] <= 10240, name
        assert fn["Handler"] == "app.handler" and (Path("functions") / Path(fn["CodeUri"]).name / "app.py").exists()


def test_http_api_functions_answer_within_the_integration_limit() -> None:
    for name, fn in FUNCTIONS.items():
        if any(e["Type"] == "HttpApi" for e in fn.get("Events", {}).values()):
            assert fn["Timeout"] <= 29, f"{name}: HTTP API integrations time out at 30 s"
    assert FUNCTIONS["TelephonyFunction"]["Timeout"] <= 14, "Twilio waits 15 s for TwiML"


def test_queue_visibility_covers_six_function_timeouts_and_redrives() -> None:
    for name, fn in FUNCTIONS.items():
        for event in fn.get("Events", {}).values():
            if event["Type"] != "SQS":
                continue
            queue = RESOURCES[event["Properties"]["Queue"]["GetAtt"].split(".")[0]]["Properties"]
            assert queue["VisibilityTimeout"] >= 6 * fn["Timeout"], name
            assert queue["RedrivePolicy"]["maxReceiveCount"] >= 1
            assert 0 <= event["Properties"].get("MaximumBatchingWindowInSeconds", 0) <= 300
            assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_layer_is_built_for_the_functions_runtime() -> None:
    layer = RESOURCES["CoreLayer"]
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    assert layer["Properties"]["ContentUri"].rstrip("/") == "layers/core"
    assert GLOBALS["Layers"] == [{"Ref": "CoreLayer"}]


def test_table_is_on_demand_with_pitr_and_ttl() -> None:
    table = RESOURCES["Table"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    created = table_definition(Path(__file__).resolve().parents[2] / "template.yaml")
    assert {i["IndexName"] for i in created["GlobalSecondaryIndexes"]} == {"gsi1", "gsi2", "gsi3", "gsi4", "gsi5",
                                                                          "gsi6"}


def test_an_older_stack_can_gain_the_state_indexes_one_per_update() -> None:
    """CloudFormation creates one index per table update: with project-only, the template adds gsi5 alone."""
    indexes = RESOURCES["Table"]["Properties"]["GlobalSecondaryIndexes"]
    unconditional = [i["IndexName"] for i in indexes if "IndexName" in i]
    conditional = [i["If"] for i in indexes if "If" in i]
    assert unconditional == ["gsi1", "gsi2", "gsi3", "gsi4", "gsi5"]
    assert [(c[0], c[1]["IndexName"], c[2]) for c in conditional] == [
        ("HasSubStateIndex", "gsi6", {"Ref": "AWS::NoValue"})]
    assert TEMPLATE["Conditions"]["HasSubStateIndex"] == {"Equals": [{"Ref": "TableStateIndexes"}, "both"]}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_policies_name_their_resources(name: str) -> None:
    for policy in FUNCTIONS[name].get("Policies", []):
        assert isinstance(policy, dict), f"{name}: managed policy names grant too much"
        for template, args in policy.items():
            if template == "Statement":  # an inline statement names its resources itself
                assert all(s["Resource"] not in ("*", "") for s in args), f"{name}: a statement is unscoped"
                continue
            assert args and all(v not in ("*", "") for v in args.values()), f"{name}: {template} is unscoped"


def test_api_throttling_is_set() -> None:
    route = RESOURCES["HttpApi"]["Properties"]["DefaultRouteSettings"]
    assert route["ThrottlingBurstLimit"] and route["ThrottlingRateLimit"]


# --- the media relay on Fargate (aws.md §6: values cfn-lint accepts but deployments or calls trip on) ---

# Valid task memory (MiB) for each task CPU size (units).
FARGATE_MEMORY_MIB: dict[int, Any] = {
    256: (512, 1024, 2048), 512: range(1024, 4097, 1024), 1024: range(2048, 8193, 1024),
    2048: range(4096, 16385, 1024), 4096: range(8192, 30721, 1024), 8192: range(16384, 61441, 4096),
    16384: range(32768, 122881, 8192),
}
TASK = RESOURCES["RelayTaskDefinition"]["Properties"]
CONTAINER = TASK["ContainerDefinitions"][0]
RELAY_ENV = {e["Name"]: e["Value"] for e in CONTAINER["Environment"]}
SERVICE = RESOURCES["RelayService"]["Properties"]


def attributes(resource: str, key: str) -> dict[str, str]:
    return {a["Key"]: a["Value"] for a in RESOURCES[resource]["Properties"][key]}


def test_relay_load_balancer_keeps_quiet_websockets_open() -> None:
    idle = int(attributes("RelayLoadBalancer", "LoadBalancerAttributes")["idle_timeout.timeout_seconds"])
    assert 3600 <= idle <= 4000  # the ALB's maximum is 4000 s


def test_relay_drain_fits_inside_the_stop_timeout() -> None:
    stop_timeout = CONTAINER["StopTimeout"]
    drain = float(RELAY_ENV["SWITCHBOARD_RELAY_DRAIN_SECONDS"])
    deregistration = int(attributes("RelayTargetGroup", "TargetGroupAttributes")
                         ["deregistration_delay.timeout_seconds"])
    assert stop_timeout <= 120, "Fargate's maximum stopTimeout"
    assert 0 < drain < stop_timeout, "the relay must finish draining before SIGKILL"
    assert 0 <= deregistration <= min(stop_timeout, drain)


def test_relay_task_size_is_a_valid_fargate_pair() -> None:
    cpu, memory = int(TASK["Cpu"]), int(TASK["Memory"])
    assert memory in FARGATE_MEMORY_MIB[cpu], f"{cpu} CPU units cannot have {memory} MiB on Fargate"
    assert TASK["RequiresCompatibilities"] == ["FARGATE"] and TASK["NetworkMode"] == "awsvpc"


def test_relay_runs_one_worker_process_per_vcpu() -> None:
    assert int(RELAY_ENV["SWITCHBOARD_RELAY_WORKERS"]) == int(TASK["Cpu"]) // 1024


def test_relay_health_check_and_port_line_up() -> None:
    group = RESOURCES["RelayTargetGroup"]["Properties"]
    port = CONTAINER["PortMappings"][0]["ContainerPort"]
    assert group["HealthCheckPath"] == "/health" and group["TargetType"] == "ip"
    assert group["Port"] == port == int(RELAY_ENV["SWITCHBOARD_RELAY_PORT"])
    assert RELAY_ENV["SWITCHBOARD_RELAY_HOST"] == "0.0.0.0"
    assert SERVICE["LoadBalancers"][0]["ContainerPort"] == port
    assert SERVICE["LoadBalancers"][0]["ContainerName"] == CONTAINER["Name"]
    assert SERVICE["HealthCheckGracePeriodSeconds"] > 0
    assert SERVICE["DeploymentConfiguration"]["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}


def test_relay_is_reachable_only_through_https_on_the_load_balancer() -> None:
    listener = RESOURCES["RelayHttpsListener"]["Properties"]
    assert listener["Port"] == 443 and listener["Protocol"] == "HTTPS"
    assert listener["Certificates"] == [{"CertificateArn": {"Ref": "CertificateArn"}}]
    public = RESOURCES["RelayLoadBalancerSecurityGroup"]["Properties"]["SecurityGroupIngress"]
    assert [(r["FromPort"], r["ToPort"], r["CidrIp"]) for r in public] == [(443, 443, "0.0.0.0/0")]
    private = RESOURCES["RelayTaskSecurityGroup"]["Properties"]["SecurityGroupIngress"]
    # The two container ports (sockets; transcript streams), each only from the load balancer.
    assert [(r["FromPort"], r["ToPort"]) for r in private] == [(m["ContainerPort"],) * 2
                                                               for m in CONTAINER["PortMappings"]]
    for rule in private:
        assert "CidrIp" not in rule
        assert rule["SourceSecurityGroupId"] == {"GetAtt": "RelayLoadBalancerSecurityGroup.GroupId"}


def test_relay_scales_on_the_active_calls_metric_it_publishes() -> None:
    from media_relay.lifecycle import METRIC, NAMESPACE

    config = RESOURCES["RelayScalingPolicy"]["Properties"]["TargetTrackingScalingPolicyConfiguration"]
    metric = config["CustomizedMetricSpecification"]
    assert (metric["Namespace"], metric["MetricName"], metric["Statistic"]) == (NAMESPACE, METRIC, "Average")
    service_name = SERVICE["ServiceName"]
    assert metric["Dimensions"] == [{"Name": "ServiceName", "Value": service_name}]
    assert RELAY_ENV["SWITCHBOARD_RELAY_SERVICE_NAME"] == service_name
    assert config["ScaleInCooldown"] >= 600 > config["ScaleOutCooldown"]
    target = RESOURCES["RelayScalableTarget"]["Properties"]
    assert target["ScalableDimension"] == "ecs:service:DesiredCount"
    assert "RelayService.Name" in target["ResourceId"]["Sub"]


def test_relay_task_role_allows_what_the_relay_calls() -> None:
    role = RESOURCES["RelayTaskRole"]["Properties"]
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    granted = {action: s["Resource"] for s in statements for action in
               (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
    for action in ("transcribe:StartStreamTranscription", "transcribe:StartStreamTranscriptionWebSocket",
                   "polly:SynthesizeSpeech", "polly:DescribeVoices"):
        assert action in granted, action
    for action in ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem",
                   "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"):
        assert granted[action] == [{"GetAtt": "Table.Arn"}, {"Sub": "${Table.Arn}/index/*"}], action
    assert granted["s3:PutObject"] == {"Sub": "${RecordingsBucket.Arn}/*"}
    assert "task/${RelayCluster}/*" in granted["ecs:UpdateTaskProtection"]["Sub"]  # for the agent endpoint
    assert not [a for a in granted if a.endswith(":*") or a == "*"], "no wildcard actions"


def test_relay_gets_twilio_credentials_from_the_secret_not_the_template() -> None:
    secrets = {s["Name"]: s["ValueFrom"] for s in CONTAINER["Secrets"]}
    assert secrets["SWITCHBOARD_TWILIO_AUTH_TOKEN"] == {"Sub": "${TwilioSecret}:authToken::"}
    assert not [name for name in RELAY_ENV if "TOKEN" in name or "SECRET" in name]
    execution = RESOURCES["RelayExecutionRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert execution == [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                          "Resource": [{"Ref": "TwilioSecret"}, {"Ref": "SigningSecret"}]}]
    assert secrets["SWITCHBOARD_SIGNING_KEY"] == {"Ref": "SigningSecret"}
    assert RESOURCES["RelayLogGroup"]["Properties"]["RetentionInDays"] > 0
    assert CONTAINER["LogConfiguration"]["LogDriver"] == "awslogs"


def test_the_telephony_function_puts_the_url_the_relay_checks_signatures_against() -> None:
    function_url = GLOBALS["Environment"]["Variables"]["SWITCHBOARD_RELAY_URL"]
    assert function_url == RELAY_ENV["SWITCHBOARD_RELAY_URL"] == TEMPLATE["Outputs"]["RelayUrl"]["Value"]
    fallback = function_url["If"][2]["If"]
    assert fallback[1] == {"Sub": "wss://${RelayDomainName}/twilio"}
    assert fallback[2] == {"Sub": "wss://${RelayLoadBalancer.DNSName}/twilio"}


# --- functions/outbound: the bus rule, scheduled calls, outcome events -----------------------------------------

OUTBOUND = FUNCTIONS["OutboundFunction"]
GLOBAL_ENV = GLOBALS["Environment"]["Variables"]
OUTBOUND_NAME = "${AWS::StackName}-outbound"


def statements(resource: str) -> list[dict[str, Any]]:
    props = RESOURCES[resource]["Properties"]
    documents = [props["PolicyDocument"]] if "PolicyDocument" in props else [
        p["PolicyDocument"] for p in props["Policies"]]
    return [s for d in documents for s in d["Statement"]]


def test_outbound_rule_takes_outbound_call_requested_from_any_source_on_the_platform_bus() -> None:
    from switchboard_local.provision import outbound_rule_pattern

    (event,) = OUTBOUND["Events"].values()
    rule = event["Properties"]
    assert event["Type"] == "EventBridgeRule" and rule["EventBusName"] == {"Ref": "EventBus"}
    assert rule["Pattern"] == {"detail-type": ["OutboundCallRequested"]}  # no `source`: users' own workflows
    assert outbound_rule_pattern() == rule["Pattern"]  # local mode provisions the very same rule
    assert rule["DeadLetterConfig"] == {"Arn": {"GetAtt": "OutboundDLQ.Arn"}}
    assert 0 < rule["RetryPolicy"]["MaximumEventAgeInSeconds"] <= 86400
    assert 0 <= rule["RetryPolicy"]["MaximumRetryAttempts"] <= 185


def test_failed_outbound_invocations_retry_briefly_then_park_in_the_dlq() -> None:
    config = OUTBOUND["EventInvokeConfig"]
    assert 0 <= config["MaximumRetryAttempts"] <= 2
    assert 60 <= config["MaximumEventAgeInSeconds"] <= 21600
    assert config["DestinationConfig"]["OnFailure"] == {"Type": "SQS", "Destination": {"GetAtt": "OutboundDLQ.Arn"}}
    assert OUTBOUND["Timeout"] <= 60
    (dlq_rule,) = statements("OutboundDLQPolicy")
    assert dlq_rule["Principal"] == {"Service": "events.amazonaws.com"} and dlq_rule["Action"] == "sqs:SendMessage"
    assert dlq_rule["Condition"]["ArnEquals"]["aws:SourceArn"] == {"GetAtt": "OutboundFunctionRequested.Arn"}


def test_schedules_invoke_the_outbound_functions_alias_by_a_name_everyone_agrees_on() -> None:
    assert OUTBOUND["FunctionName"] == {"Sub": OUTBOUND_NAME}
    target = GLOBAL_ENV["SWITCHBOARD_OUTBOUND_FUNCTION_ARN"]["Sub"]
    assert target.endswith(f":function:{OUTBOUND_NAME}:{GLOBALS['AutoPublishAlias']}")
    (invoke,) = statements("SchedulerRole")
    assert invoke["Action"] == "lambda:InvokeFunction"
    function, versions = (r["Sub"] for r in invoke["Resource"])
    assert function.endswith(f":function:{OUTBOUND_NAME}") and versions == f"{function}:*"
    assert target.startswith(function)
    trust = RESOURCES["SchedulerRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "scheduler.amazonaws.com"}]
    assert trust[0]["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert GLOBAL_ENV["SWITCHBOARD_SCHEDULER_ROLE_ARN"] == {"GetAtt": "SchedulerRole.Arn"}
    assert GLOBAL_ENV["SWITCHBOARD_SCHEDULE_GROUP_NAME"] == {"Ref": "CallScheduleGroup"}
    assert RESOURCES["CallScheduleGroup"]["Type"] == "AWS::Scheduler::ScheduleGroup"


def test_scheduling_environment_names_real_settings() -> None:
    from switchboard.settings import Settings

    fields = set(Settings.model_fields)
    for name in ("SWITCHBOARD_SCHEDULE_GROUP_NAME", "SWITCHBOARD_SCHEDULER_ROLE_ARN",
                 "SWITCHBOARD_OUTBOUND_FUNCTION_ARN", "SWITCHBOARD_EVENT_BUS_NAME"):
        assert name in GLOBAL_ENV and name.removeprefix("SWITCHBOARD_").lower() in fields, name


def test_api_and_outbound_may_create_and_delete_only_the_groups_schedules() -> None:
    policy = RESOURCES["CallSchedulingPolicy"]["Properties"]
    assert policy["Roles"] == [{"Ref": "ApiFunctionRole"}, {"Ref": "OutboundFunctionRole"}]
    schedules, pass_role = statements("CallSchedulingPolicy")
    assert {"scheduler:CreateSchedule", "scheduler:DeleteSchedule"} <= set(schedules["Action"])
    assert schedules["Resource"]["Sub"].endswith(":schedule/${CallScheduleGroup}/*")
    assert pass_role["Action"] == "iam:PassRole" and pass_role["Resource"] == {"GetAtt": "SchedulerRole.Arn"}
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}


def test_whoever_ends_an_outbound_call_can_put_its_outcome_on_the_bus() -> None:
    for name in ("ApiFunction", "TelephonyFunction", "OutboundFunction"):
        assert {"EventBridgePutEventsPolicy": {"EventBusName": {"Ref": "EventBus"}}} in FUNCTIONS[name]["Policies"]


def test_outbound_function_knows_the_public_url_twilio_calls_back() -> None:
    url = OUTBOUND["Environment"]["Variables"]["SWITCHBOARD_PUBLIC_BASE_URL"]["If"]
    assert url[0] == "HasPublicBaseUrl" and url[1] == {"Ref": "PublicBaseUrl"}
    assert url[2] == {"Sub": TEMPLATE["Outputs"]["ApiUrl"]["Value"]["Sub"]}


def test_the_api_may_manage_only_its_own_sip_trunk_secrets() -> None:
    api = FUNCTIONS["ApiFunction"]
    prefix = api["Environment"]["Variables"]["SWITCHBOARD_SIP_SECRET_PREFIX"]["Sub"]
    statements = [s for p in api["Policies"] if isinstance(p, dict) and "Statement" in p for s in p["Statement"]]
    (sip,) = [s for s in statements if s.get("Sid") == "SipTrunkCredentials"]
    assert sip["Resource"]["Sub"].endswith(f":secret:{prefix}/*")
    assert set(sip["Action"]) >= {"secretsmanager:CreateSecret", "secretsmanager:PutSecretValue",
                                  "secretsmanager:DeleteSecret", "secretsmanager:GetSecretValue"}
    assert "SWITCHBOARD_SIP_SECRET_PREFIX" not in GLOBAL_ENV  # no other function touches trunk credentials


def test_the_whatsapp_routes_reach_the_api_to_be_answered_501() -> None:
    paths = {e["Properties"]["Path"] for e in FUNCTIONS["ApiFunction"]["Events"].values()}
    assert "/integrations/{proxy+}" in paths and "/v1/{proxy+}" in paths


def test_recordings_are_private_encrypted_and_expire_and_streams_reach_the_relays_http_side() -> None:
    bucket = RESOURCES["RecordingsBucket"]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"] is True
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
        "ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    (rule,) = bucket["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == {"Ref": "RecordingRetentionDays"} and rule["Prefix"] == "recordings/"
    from switchboard.recordings import recording_key

    assert recording_key("proj_1", "call_1").startswith(rule["Prefix"])
    api_env = RESOURCES["ApiFunction"]["Properties"]["Environment"]["Variables"]
    assert "SWITCHBOARD_TRANSCRIPT_STREAM_URL" in api_env
    assert int(api_env["SWITCHBOARD_RECORDING_INLINE_MAX_BYTES"]) * 4 / 3 < 6_000_000  # Lambda's response, base64
    stream_rule = RESOURCES["RelayStreamListenerRule"]["Properties"]
    assert stream_rule["Conditions"][0]["PathPatternConfig"]["Values"] == ["/v1/calls/*/transcript/stream"]
    group = RESOURCES["RelayStreamTargetGroup"]["Properties"]
    assert str(group["Port"]) == RELAY_ENV["SWITCHBOARD_RELAY_HTTP_PORT"]
    sockets = RESOURCES["RelayListenerRule"]["Properties"]["Conditions"][0]["PathPatternConfig"]["Values"]
    assert sockets == ["/twilio", "/web"]
