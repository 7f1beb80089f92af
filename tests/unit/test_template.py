"""What cfn-lint no longer checks on SAM resources (aws.md §6): the values that break deployments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from switchboard.store.schema import load_template

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
    assert layer["Metadata"] == {"BuildMethod": "python3.12", "BuildArchitecture": "arm64"}
    assert layer["Properties"]["ContentUri"].rstrip("/") == "layers/core"
    assert GLOBALS["Layers"] == [{"Ref": "CoreLayer"}]


def test_table_is_on_demand_with_pitr_and_ttl() -> None:
    table = RESOURCES["Table"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert {i["IndexName"] for i in table["GlobalSecondaryIndexes"]} == {"gsi1", "gsi2", "gsi3"}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_policies_name_their_resources(name: str) -> None:
    for policy in FUNCTIONS[name].get("Policies", []):
        assert isinstance(policy, dict), f"{name}: managed policy names grant too much"
        for template, args in policy.items():
            assert args and all(v not in ("*", "") for v in args.values()), f"{name}: {template} is unscoped"


def test_api_throttling_is_set() -> None:
    route = RESOURCES["HttpApi"]["Properties"]["DefaultRouteSettings"]
    assert route["ThrottlingBurstLimit"] and route["ThrottlingRateLimit"]
