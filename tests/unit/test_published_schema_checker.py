"""The conformance checker catches what it must (so the route walk can fail)."""

from __future__ import annotations

from tests.support.published_schema import SCHEMA_CACHE, conforms

NUMBER = {"id": "pn_1", "phoneNumber": "+14155550100", "country": "US", "status": "active",
          "createdAt": "2026-01-01T00:00:00.000Z"}


def test_schema_document_is_parsed() -> None:
    assert "AgentResponse" in SCHEMA_CACHE.types and len(SCHEMA_CACHE.types) > 80
    assert SCHEMA_CACHE.enums["AgentResponse.VoiceMode"] == ["webhook", "hosted"]
    assert SCHEMA_CACHE.types["PhoneNumberResponse"]["agentId"] == ("string or null", True)


def test_a_conforming_value_passes_and_extras_are_fine() -> None:
    assert conforms({**NUMBER, "extra": 1}, "PhoneNumberResponse") == []


def test_missing_mistyped_null_and_enum_errors_are_reported() -> None:
    missing = {k: v for k, v in NUMBER.items() if k != "country"}
    assert conforms(missing, "PhoneNumberResponse") == ["$.country: missing (required by PhoneNumberResponse)"]
    assert "expected string" in conforms({**NUMBER, "id": 5}, "PhoneNumberResponse")[0]
    assert "null where" in conforms({**NUMBER, "phoneNumber": None}, "PhoneNumberResponse")[0]
    page = {"data": [{**NUMBER, "status": 1}], "hasMore": False, "total": 1}
    assert conforms(page, "PhoneNumberListResponse") == ["$.data[0].status: expected string, got int 1"]
    agent_err = conforms({"voiceMode": "robot"}, "AgentResponse")
    assert any("'robot' is not one of" in e for e in agent_err)
