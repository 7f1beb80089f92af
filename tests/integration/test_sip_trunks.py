"""/v1/sip-trunks through the SDK: a trunk at the (local) carrier, credentials in Secrets Manager."""

from __future__ import annotations

from typing import Any

import boto3
import httpx
from agentphone import AgentPhone
from agentphone.models import SipTrunk

from switchboard.container import Container
from switchboard.settings import Settings
from switchboard_local.carrier.dialer import CallerScript
from tests.support.calls import dial

PBX = {"uris": [{"sip_uri": "sip:pbx.example.com", "name": "office", "priority": 1, "weight": 10}]}


def carrier_state(settings: Settings, local_carrier: Any) -> Any:
    return local_carrier.server.config.app.state.carrier


def secret_of(settings: Settings, arn: str) -> dict[str, str]:
    import json

    sm = boto3.client("secretsmanager", endpoint_url=settings.aws_endpoint_url, region_name="us-east-1",
                      aws_access_key_id="local", aws_secret_access_key="local")
    return dict(json.loads(sm.get_secret_value(SecretId=arn)["SecretString"]))


def test_the_sdk_manages_a_trunk_and_its_credentials(api_url: str, project: Any, container: Container,
                                                     settings: Settings, local_carrier: Any) -> None:
    sdk = AgentPhone(api_key=project.api_key, base_url=api_url)
    trunk = sdk.sip_trunks.create()
    assert trunk.id.startswith("trunk_") and trunk.transfers == "none" and trunk.encrypted is True
    assert trunk.termination_sip_uri.startswith("sip:sb-") and trunk.termination_sip_uri.endswith(".pstn.twilio.com")
    first = trunk.credentials[0].password
    assert first and len(first) >= 12 and trunk.credentials[0].password_last4 == first[-4:]

    stored = container.sip_trunks.get(project.project_id, trunk.id)
    assert secret_of(settings, stored["secretArn"]) == {"username": trunk.credentials[0].username, "password": first}
    assert "password" not in str(stored.keys() - {"passwordLast4"})  # the table never holds it
    state = carrier_state(settings, local_carrier)
    at_carrier = state.resources[stored["carrierTrunkSid"]]
    creds = state.resources[stored["credentialListSid"]]["credentials"]
    assert at_carrier["transfer_mode"] == "disable-all" and [c["password"] for c in creds.values()] == [first]

    again = sdk.sip_trunks.get(trunk.id)
    assert again.credentials[0].password is None and again.credentials[0].password_last4 == first[-4:]
    assert [t.id for t in sdk.sip_trunks.list()] == [trunk.id]

    changed = sdk.sip_trunks.update(trunk.id, name="Office PBX", transfers="sip", transfer_caller_id="transferor",
                                    origination=PBX)
    assert (changed.name, changed.transfers, changed.transfer_caller_id) == ("Office PBX", "sip", "transferor")
    assert [u.sip_uri for u in changed.origination_uris] == ["sip:pbx.example.com"]
    assert changed.credentials[0].password is None
    assert (at_carrier["transfer_mode"], at_carrier["transfer_caller_id"]) == ("sip-only", "from-transferor")
    assert [u["sip_url"] for u in at_carrier["origination"].values()] == ["sip:pbx.example.com"]

    rotated = sdk.sip_trunks.update(trunk.id)  # no fields: new credentials, shown once
    second = rotated.credentials[0].password
    assert second and second != first and [c["password"] for c in creds.values()] == [second]
    assert secret_of(settings, stored["secretArn"])["password"] == second

    assert sdk.sip_trunks.delete(trunk.id)["success"] is True
    assert stored["carrierTrunkSid"] not in state.resources and sdk.sip_trunks.list() == []
    sm = boto3.client("secretsmanager", endpoint_url=settings.aws_endpoint_url, region_name="us-east-1")
    try:
        sm.get_secret_value(SecretId=stored["secretArn"])
        raise AssertionError("the trunk's secret outlived it")
    except sm.exceptions.ResourceNotFoundException:
        pass


async def test_a_number_on_a_trunk_rings_your_sip_infrastructure(api: httpx.Client, api_url: str,
                                                                 settings: Settings, local_carrier: Any) -> None:
    number = api.post("/v1/numbers", json={"areaCode": "415"}).json()
    bare = api.post("/v1/sip-trunks").json()
    refused = api.patch(f"/v1/numbers/{number['id']}", json={"sipTrunkId": bare["id"]})
    assert refused.status_code == 400 and "origination" in refused.json()["detail"]
    trunk = api.patch(f"/v1/sip-trunks/{bare['id']}", json={"origination": PBX}).json()

    attached = api.patch(f"/v1/numbers/{number['id']}", json={"sipTrunkId": trunk["id"]})
    assert attached.status_code == 200 and attached.json()["sipTrunkId"] == trunk["id"]
    assert api.get(f"/v1/sip-trunks/{trunk['id']}").json()["attachedNumbers"] == 1
    carrier = f"{settings.twilio_api_base}/2010-04-01/Accounts/{settings.twilio_account_sid}"
    auth = (settings.twilio_account_sid, settings.twilio_auth_token)
    rung = httpx.post(f"{carrier}/Local/InboundCalls.json", auth=auth,
                      data={"CallSid": "CA" + "1" * 32, "To": number["phoneNumber"], "From": "+14155550123"})
    assert rung.json()["routedTo"] == "sip:pbx.example.com"
    dialled = await dial(api_url, settings, number, CallerScript())  # a caller through the carrier
    assert dialled.transferred_to == "sip:pbx.example.com" and api.get("/v1/calls").json()["total"] == 0
    busy = api.delete(f"/v1/sip-trunks/{trunk['id']}")
    assert busy.status_code == 409 and "detach" in busy.json()["detail"]

    assert api.patch(f"/v1/numbers/{number['id']}", json={"sipTrunkId": None}).json()["sipTrunkId"] is None
    rung = httpx.post(f"{carrier}/Local/InboundCalls.json", auth=auth,
                      data={"CallSid": "CA" + "2" * 32, "To": number["phoneNumber"], "From": "+14155550123"})
    assert rung.json()["routedTo"] is None
    assert api.delete(f"/v1/sip-trunks/{trunk['id']}").json()["success"] is True


def test_bad_trunk_input_is_refused_and_changes_nothing(api: httpx.Client) -> None:
    trunk = api.post("/v1/sip-trunks", json={"transfers": "all"}).json()
    assert SipTrunk.from_dict(trunk).transfers == "all"
    for body in ({"transfers": "everything"}, {"transfer_caller_id": "me"}, {"origination": {"uris": "x"}},
                 {"origination": {"uris": [{"sip_uri": "http://pbx"}]}}, {"name": ""}):
        resp = api.patch(f"/v1/sip-trunks/{trunk['id']}", json=body)
        assert resp.status_code == 400, (body, resp.text)
        assert isinstance(resp.json()["detail"], str)
    after = api.get(f"/v1/sip-trunks/{trunk['id']}").json()
    assert (after["transfers"], after["originationUris"], after["name"]) == ("all", [], "SIP trunk")
    assert api.post("/v1/sip-trunks", content=b"{nope", headers={"Content-Type": "application/json"}
                    ).status_code == 400
    assert api.get("/v1/sip-trunks").json()["total"] == 1
    assert api.get("/v1/sip-trunks/trunk_unknown").status_code == 404
