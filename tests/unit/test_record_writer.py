"""The relay's record writer: writes of many calls go out as few requests, counters summed, items
first, and a call's end waits until what it queued is stored."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from botocore.exceptions import ClientError

from media_relay.record_writer import Batch, RecordWriter, Update, write
from media_relay.records import CallContext, DynamoCallRecords
from switchboard.store.deliveries import DeliveryRepo


class FakeTable:
    """Counts requests as DynamoDB would see them."""

    def __init__(self, fail_update: str | None = None) -> None:
        self.requests: list[tuple[str, Any]] = []
        self.fail_update = fail_update

    def batch_put(self, items: list[dict[str, Any]]) -> None:
        self.requests.append(("batch_put", [i["sk"] for i in items]))

    def transact(self, operations: list[dict[str, Any]]) -> None:
        keys = [op["Update"]["Key"]["sk"]["S"] for op in operations]
        if self.fail_update in keys:
            self.requests.append(("transact cancelled", keys))
            raise ClientError({"Error": {"Code": "TransactionCanceledException", "Message": "a condition failed"}},
                              "TransactWriteItems")
        values = [sorted(v["N"] for v in op["Update"]["ExpressionAttributeValues"].values()) for op in operations]
        self.requests.append(("transact", list(zip(keys, values, strict=True))))

    def update(self, pk: str, sk: str, *, set_: dict[str, Any] | None = None,
               add: dict[str, int] | None = None, condition: str | None = None) -> dict[str, Any]:
        if sk == self.fail_update:
            raise ClientError({"Error": {"Code": "ConditionalCheckFailedException", "Message": "gone"}}, "UpdateItem")
        self.requests.append(("update", (sk, add, set_)))
        return {}


def no_retry(action: Any) -> Any:
    return action()


def test_updates_of_one_item_are_summed_and_the_last_attributes_win() -> None:
    batch = Batch()
    batch.update(Update("P#1", "DELIVERYTOTALS", {"total": 1, "success": 1}))
    batch.update(Update("P#1", "CALL#a", {"turnCount": 1}, {"lastTranscriptSnippet": "one"}, "attribute_exists(pk)"))
    batch.update(Update("P#1", "DELIVERYTOTALS", {"total": 1, "failed": 1}))
    batch.update(Update("P#1", "CALL#a", {"turnCount": 1}, {"lastTranscriptSnippet": "two"}, "attribute_exists(pk)"))
    assert [(u.sk, u.add, u.set_) for u in batch.updates.values()] == [
        ("DELIVERYTOTALS", {"total": 2, "success": 1, "failed": 1}, None),
        ("CALL#a", {"turnCount": 2}, {"lastTranscriptSnippet": "two"})]


def test_items_go_first_and_a_vanished_call_sends_the_other_updates_alone() -> None:
    table = FakeTable(fail_update="CALL#gone")
    batch = Batch()
    batch.update(Update("P#1", "CALL#gone", {"turnCount": 1}, None, "attribute_exists(pk)"))
    batch.update(Update("P#1", "CALL#b", {"turnCount": 1}))
    batch.put({"sk": "TURN#00001"})
    write(table, batch, retry=no_retry)
    assert table.requests == [("batch_put", ["TURN#00001"]), ("transact cancelled", ["CALL#gone", "CALL#b"]),
                              ("update", ("CALL#b", {"turnCount": 1}, None))]


async def test_many_calls_writes_go_out_as_one_batch_and_a_flush_waits_for_them() -> None:
    table = FakeTable()
    gate = threading.Event()

    def gated(t: Any, batch: Batch) -> None:
        gate.wait(5)
        write(t, batch, retry=no_retry)

    writer = RecordWriter(table, linger_s=0.01, writer=gated)
    for call in range(10):  # ten calls' turns and deliveries, queued together
        writer.put({"sk": f"TURN#{call}"})
        writer.update(Update("P#1", f"CALL#{call}", {"turnCount": 1}))
        writer.put({"sk": f"DELIVERY#{call}"})
        writer.update(Update("P#1", "DELIVERYTOTALS", {"total": 1, "success": 1}))
    flushed = asyncio.create_task(writer.flush())
    await asyncio.sleep(0.05)
    assert not flushed.done()  # the table does not have them yet
    gate.set()
    await asyncio.wait_for(flushed, 5)
    assert [kind for kind, _ in table.requests] == ["batch_put", "transact"]  # 40 requests before
    [(_, items), (_, updates)] = table.requests
    assert len(items) == 20 and len(updates) == 11  # ten calls' counts, and the project's totals once
    assert ("DELIVERYTOTALS", ["10", "10"]) in updates  # total and success, summed
    await asyncio.wait_for(writer.flush(), 1)  # nothing queued: at once


async def test_a_calls_end_does_not_wait_out_the_linger() -> None:
    table = FakeTable()
    writer = RecordWriter(table, linger_s=30.0)
    writer.put({"sk": "TURN#1"})
    await asyncio.sleep(0.05)  # the writer is lingering for other calls' writes
    assert table.requests == []
    writer.put({"sk": "TURN#2"})
    await asyncio.wait_for(writer.flush(), 5)
    assert table.requests == [("batch_put", ["TURN#1", "TURN#2"])]


async def test_a_writer_that_failed_for_good_still_releases_the_flush() -> None:
    def broken(t: Any, batch: Batch) -> None:
        raise RuntimeError("the table stayed away")

    writer = RecordWriter(FakeTable(), linger_s=0.0, writer=broken)
    writer.put({"sk": "TURN#1"})
    await asyncio.wait_for(writer.flush(), 5)


class CapturingWriter:
    def __init__(self) -> None:
        self.puts: list[dict[str, Any]] = []
        self.updates: list[Update] = []
        self.flushed = 0

    def put(self, item: dict[str, Any]) -> None:
        self.puts.append(item)

    def update(self, update: Update) -> None:
        self.updates.append(update)

    async def flush(self) -> None:
        self.flushed += 1


def records(writer: CapturingWriter) -> DynamoCallRecords:
    clock = lambda: datetime(2026, 12, 1, tzinfo=UTC)  # noqa: E731
    container = SimpleNamespace(deliveries=DeliveryRepo(None, clock))  # type: ignore[arg-type]
    return DynamoCallRecords(container, writer)  # type: ignore[arg-type]


def context(turns_stored: int) -> CallContext:
    call = {"id": "call_1", "agentId": "agt_1", "turnCount": turns_stored}
    return CallContext("prj_1", call, {"id": "agt_1"}, {"url": "https://example.com/hook"})


async def test_turns_are_numbered_on_from_the_count_stored_when_the_stream_started() -> None:
    writer = CapturingWriter()
    recs = records(writer)
    ctx = context(turns_stored=3)
    await recs.append_turn(ctx, {"id": "tr_a", "transcript": "hello", "response": "hi"})
    await recs.append_turn(ctx, {"id": "tr_b", "transcript": "bye", "response": ""})
    assert [(p["sk"], p["seq"]) for p in writer.puts] == [("TURN#00004", 4), ("TURN#00005", 5)]
    assert [(u.sk, u.add, u.set_, u.condition) for u in writer.updates] == [
        ("CALL#call_1", {"turnCount": 1}, {"lastTranscriptSnippet": "hi"}, "attribute_exists(pk)"),
        ("CALL#call_1", {"turnCount": 1}, {"lastTranscriptSnippet": "bye"}, "attribute_exists(pk)")]


async def test_a_voice_delivery_is_one_item_and_its_totals() -> None:
    writer = CapturingWriter()
    await records(writer).record_delivery(context(0), ok=True, http_status=200, error=None, body="{}",
                                          duration_ms=12)
    [item] = writer.puts
    assert item["kind"] == "delivery" and item["status"] == "success" and item["channel"] == "voice"
    assert item["gsi1pk"] == "AGENT#agt_1" and item["durationMs"] == 12
    assert [(u.sk, u.add) for u in writer.updates] == [("DELIVERYTOTALS", {"total": 1, "success": 1})]
