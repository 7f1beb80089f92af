"""How a stored call becomes AgentPhone's `agent.call_ended` data."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from switchboard.clock import iso
from switchboard.services.call_ended import (
    disconnection_reason,
    duration_seconds,
    event_data,
    settle_wait,
    transcript,
)

ENDED = datetime(2026, 11, 24, 10, 0, 0).astimezone()


@pytest.mark.parametrize(("status", "end_reason", "expected"), [
    ("completed", "caller-hangup", "user_hangup"), ("completed", "callee-hangup", "user_hangup"),
    ("completed", "agent-hangup", "agent_hangup"), ("completed", "api-ended", "agent_hangup"),
    ("completed", "transferred", "transfer"), ("completed", "voicemail", "voicemail"),
    ("completed", "silence-timeout", "silence_timeout"), ("completed", "max-duration", "max_duration"),
    ("completed", "error", "error"), ("no-answer", "no-answer", "no_answer"), ("busy", "busy", "busy"),
    ("failed", "error", "failed"), ("canceled", "api-ended", "agent_hangup"), ("canceled", "canceled", "agent_hangup"),
    ("completed", None, "user_hangup"), ("failed", None, "failed"),
])
def test_disconnection_reasons_follow_agentphones_words(status: str, end_reason: str | None, expected: str) -> None:
    assert disconnection_reason({"status": status, "endReason": end_reason}) == expected


def test_transcript_is_role_and_content_with_silent_sides_left_out() -> None:
    turns = [{"transcript": "", "response": "Hello."}, {"transcript": "Hi, where is it?", "response": ""},
             {"transcript": "Thanks.", "response": "Bye."}]
    assert transcript(turns) == [
        {"role": "agent", "content": "Hello."}, {"role": "user", "content": "Hi, where is it?"},
        {"role": "user", "content": "Thanks."}, {"role": "agent", "content": "Bye."}]


def test_duration_prefers_the_carrier_then_answer_to_end() -> None:
    base = {"direction": "outbound", "endedAt": iso(ENDED), "startedAt": iso(ENDED - timedelta(seconds=90))}
    assert duration_seconds({**base, "durationSeconds": 42}) == 42
    assert duration_seconds({**base, "answeredAt": iso(ENDED - timedelta(seconds=30))}) == 30
    assert duration_seconds(base) == 0  # an outbound call never answered
    assert duration_seconds({**base, "direction": "inbound"}) == 90


def test_analysis_fields_appear_only_when_stored() -> None:
    call = {"id": "call_1", "fromNumber": "+14155550123", "toNumber": "+14155550100", "direction": "inbound",
            "status": "completed", "endReason": "caller-hangup", "endedAt": iso(ENDED), "startedAt": iso(ENDED)}
    assert "summary" not in event_data(call, [])
    data = event_data({**call, "summary": "Short.", "userSentiment": "Neutral", "callSuccessful": False}, [])
    assert (data["summary"], data["userSentiment"], data["callSuccessful"]) == ("Short.", "Neutral", False)


def test_settling_waits_for_open_streams_but_not_forever() -> None:
    ended = {"status": "completed", "endedAt": iso(ENDED)}
    assert settle_wait({**ended, "streamsOpen": 0}, ENDED) == 0
    assert settle_wait(ended, ENDED) == 0  # never streamed (unanswered)
    assert 0 < settle_wait({**ended, "streamsOpen": 1}, ENDED + timedelta(seconds=1)) <= 2
    assert settle_wait({**ended, "streamsOpen": 1}, ENDED + timedelta(seconds=46)) == 0  # a relay that died
