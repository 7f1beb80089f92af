"""Pure rules behind sub-account scoping, SIP-URI transfer targets and `<Dial><Sip>`."""

from __future__ import annotations

import pytest

from switchboard.carrier import twiml
from switchboard.models.common import check_transfer_target
from switchboard.scope import Scope, index_keys, list_source, owner, sub_of, visible
from switchboard_local.carrier.twiml_reader import dial_target


def test_a_scope_is_the_project_id_and_carries_its_sub_account() -> None:
    whole, west = Scope("proj_1"), Scope("proj_1", "sub_w")
    assert whole == west == "proj_1" and f"PROJECT#{west}" == "PROJECT#proj_1"
    assert (sub_of(whole), sub_of(west), sub_of("proj_1")) == (None, "sub_w", None)
    mine, theirs, parents = {"subAccountId": "sub_w"}, {"subAccountId": "sub_e"}, {"subAccountId": None}
    assert visible(west, mine) and not visible(west, theirs) and not visible(west, parents)
    assert all(visible(whole, i) for i in (mine, theirs, parents)) and visible("proj_1", theirs)
    assert owner(west, theirs) == "sub_w" and owner(whole, theirs) == "sub_e" and owner(whole, {}) is None
    assert list_source(west) == ("SUB#sub_w", "gsi4") and list_source(whole) == ("PROJECT#proj_1", None)
    assert index_keys("sub_w", "AGENT#a") == {"gsi4pk": "SUB#sub_w", "gsi4sk": "AGENT#a"}
    assert index_keys(None, "AGENT#a") == {}


@pytest.mark.parametrize("target", ["+14155550123", "sip:frontdesk@pbx.example.com",
                                    "sips:alice@10.0.0.1:5061;transport=tls"])
def test_transfer_targets_are_numbers_or_sip_uris(target: str) -> None:
    assert check_transfer_target(target) == target


@pytest.mark.parametrize("target", ["555-0123", "sip:nohost", "sip:a b@host.com", "tel:+14155550123", "sip:@x.com"])
def test_other_transfer_targets_are_refused(target: str) -> None:
    with pytest.raises(ValueError, match="SIP URI"):
        check_transfer_target(target)


def test_a_sip_transfer_is_dialled_as_sip_and_read_back_by_the_carrier() -> None:
    doc = twiml.dial("sip:frontdesk@pbx.example.com", caller_id="+14155550100")
    assert '<Dial callerId="+14155550100"><Sip>sip:frontdesk@pbx.example.com</Sip></Dial>' in doc
    assert dial_target(doc) == "sip:frontdesk@pbx.example.com"
    assert dial_target(twiml.dial("+14155550188")) == "+14155550188"
