"""The relay's batched records store what the direct writes stored: turns in order, each call's
turn count and snippet, voice deliveries and their totals, as the API reads them."""

from __future__ import annotations

import asyncio
from typing import Any

from media_relay.record_writer import RecordWriter
from media_relay.records import CallContext, DynamoCallRecords
from switchboard.container import Container
from switchboard.store import keys
from switchboard.store.projects import NewProject


def new_call(container: Container, project_id: str, agent_id: str, call_id: str) -> None:
    container.calls.create(project_id, {"id": call_id, "agentId": agent_id, "status": "in-progress",
                                        "direction": "inbound", "fromNumber": "+14155550123",
                                        "toNumber": "+14155550100", "startedAt": "2026-12-01T00:00:00.000Z"})


async def open_calls(container: Container, project_id: str, call_ids: list[str]
                     ) -> tuple[str, DynamoCallRecords, list[CallContext]]:
    """An agent, these calls of it (in progress), and the relay's records with each call loaded."""
    agent_id = container.agents.create(project_id, {"name": "A"})["id"]
    records = DynamoCallRecords(container)
    contexts = []
    for call_id in call_ids:
        new_call(container, project_id, agent_id, call_id)
        contexts.append(await records.load(project_id, call_id))
    return agent_id, records, contexts


async def test_turns_and_deliveries_of_several_calls_are_stored_as_the_api_reads_them(
        container: Container, project: NewProject) -> None:
    pid = project.project_id
    agent_id, records, contexts = await open_calls(container, pid, [f"call_r{i}" for i in range(3)])
    for n in range(2):
        for i, ctx in enumerate(contexts):
            turn: dict[str, Any] = {"id": f"tr_{i}_{n}", "transcript": f"line {n}", "response": f"answer {i}.{n}"}
            await records.append_turn(ctx, turn)
            await records.record_delivery(ctx, ok=n == 0, http_status=200 if n == 0 else 500, error=None,
                                          body="{}", duration_ms=10)
    await records.flush()
    for i in range(3):
        turns = container.calls.list_turns(f"call_r{i}")
        assert [t["id"] for t in turns] == [f"tr_{i}_0", f"tr_{i}_1"]
        call = container.calls.get(pid, f"call_r{i}")
        assert call["turnCount"] == 2 and call["lastTranscriptSnippet"] == f"answer {i}.1"
    assert container.deliveries.totals(pid) == {"total": 6, "success": 3, "failed": 3}
    voice = container.deliveries.list_for_agent(agent_id, 10)
    assert len(voice) == 6 and {d["channel"] for d in voice} == {"voice"}


async def test_a_stream_that_starts_again_numbers_its_turns_after_the_stored_ones(
        container: Container, project: NewProject) -> None:
    pid = project.project_id
    _, first, (ctx,) = await open_calls(container, pid, ["call_again"])
    await first.append_turn(ctx, {"id": "tr_1", "transcript": "one", "response": "1"})
    await first.call_ended(ctx, None)
    second = DynamoCallRecords(container)  # the call's next stream (a transfer back, a reconnect)
    ctx = await second.load(pid, "call_again")
    await second.append_turn(ctx, {"id": "tr_2", "transcript": "two", "response": "2"})
    await second.flush()
    assert [t["id"] for t in container.calls.list_turns("call_again")] == ["tr_1", "tr_2"]
    assert container.calls.get(pid, "call_again")["turnCount"] == 2


async def test_a_turn_of_a_deleted_call_does_not_stop_the_other_calls_turns(
        container: Container, project: NewProject) -> None:
    pid = project.project_id
    _, records, contexts = await open_calls(container, pid, ["call_kept", "call_deleted"])
    container.calls.table.delete(keys.project_pk(pid), keys.call_sk("call_deleted"))
    for ctx in contexts:
        await records.append_turn(ctx, {"id": f"tr_{ctx.call['id']}", "transcript": "hi", "response": "hello"})
    await records.flush()
    assert container.calls.get(pid, "call_kept")["turnCount"] == 1
    assert container.calls.table.get(keys.project_pk(pid), keys.call_sk("call_deleted")) is None  # not revived


async def test_the_turns_queued_are_stored_before_the_end_reason_the_carrier_reports(
        container: Container, project: NewProject) -> None:
    pid = project.project_id
    records = DynamoCallRecords(container, RecordWriter(container.calls.table, linger_s=30.0))
    new_call(container, pid, container.agents.create(pid, {"name": "B"})["id"], "call_ending")
    ctx = await records.load(pid, "call_ending")
    await records.append_turn(ctx, {"id": "tr_bye", "transcript": "bye", "response": "Goodbye."})
    # The writer would hold the turn for 30 s; the hang-up that follows must not outrun it.
    await asyncio.wait_for(records.set_end_reason(ctx, "agent-hangup"), 10)
    assert [t["id"] for t in container.calls.list_turns("call_ending")] == ["tr_bye"]
    assert container.calls.get(pid, "call_ending")["endReason"] == "agent-hangup"
