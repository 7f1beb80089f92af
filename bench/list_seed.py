"""Fill a table with one project of N agents and N calls for bench/lists.py, fast: batch writes.

Going through the API would take hours at 100,000 items on moto, so items are written straight to
the table by BatchWriteItem, built by the repositories' own item builders (`AgentRepo.item`,
`CallRepo.item`), and their counts are added to the counter items as the writes would have moved
them (`backfill.tally` over the same items). Numbers (ten) and the sub-account go through their
repositories.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from switchboard import voices
from switchboard.container import Container
from switchboard.ids import new_id
from switchboard.models.agent import AGENT_DEFAULTS
from switchboard.store import counters, keys
from switchboard.store.agents import AgentRepo
from switchboard.store.backfill import tally
from switchboard.store.calls import CallRepo
from switchboard.store.dynamo import serialize

NUMBERS = 10
STATUSES = ("completed",) * 7 + ("failed", "no-answer", "busy")
DIRECTIONS = ("inbound",) * 10 + ("outbound",) * 9 + ("web",)


@dataclass(frozen=True)
class Seeded:
    project_id: str
    api_key: str
    sub_id: str
    agent_ids: list[str]
    number_ids: list[str]


def batch_write(container: Container, items: Iterator[dict[str, Any]]) -> int:
    """BatchWriteItem in 25s, retrying what DynamoDB leaves unprocessed; the number written."""
    client, name, written, chunk = container.dynamodb, container.table.name, 0, []
    for item in items:
        chunk.append({"PutRequest": {"Item": serialize(item)}})
        if len(chunk) == 25:
            written += _flush(client, name, chunk)
            chunk = []
    if chunk:
        written += _flush(client, name, chunk)
    return written


def _flush(client: Any, name: str, chunk: list[dict[str, Any]]) -> int:
    pending = {name: chunk}
    while pending:
        pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
    return len(chunk)


def _agents(c: Container, project_id: str, sub: str, n: int) -> list[dict[str, Any]]:
    fields = {**AGENT_DEFAULTS, "voice": voices.default_voice(c.settings.tts_provider)}
    return [{"id": new_id("agent"), **fields, "name": f"agent {i}", "subAccountId": sub if i % 2 == 0 else None,
             "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z"} for i in range(n)]


def _call(i: int, agent: dict[str, Any], number: dict[str, Any]) -> dict[str, Any]:
    return {"id": new_id("call"), "agentId": agent["id"], "agentName": agent["name"], "phoneNumberId": number["id"],
            "phoneNumber": number["phoneNumber"], "fromNumber": "+14155550199", "toNumber": number["phoneNumber"],
            "direction": DIRECTIONS[i % len(DIRECTIONS)], "status": STATUSES[(i // 3) % len(STATUSES)],
            "startedAt": "2026-01-01T00:00:00Z", "createdAt": "2026-01-01T00:00:00Z",
            "endedAt": "2026-01-01T00:01:00Z", "durationSeconds": 60, "endReason": "caller-hangup",
            "lastTranscriptSnippet": "Thank you, goodbye.", "recordingAvailable": False, "recordingUrl": None,
            "metadata": None, "variables": {}, "answeredBy": None, "voiceMode": "webhook",
            "subAccountId": agent.get("subAccountId")}


def _count(c: Container, project_id: str, items: list[dict[str, Any]]) -> None:
    """Add the batch-written items to their owners' counts, as the writes that make them would."""
    now = counters.epoch_ms(c.clock())
    for owner, counts in tally(project_id, items, api_keys=0).items():
        if counts:
            c.table.transact([counters.change_op(owner, dict(counts), now)])


def seed(c: Container, n: int) -> Seeded:
    """The project, its sub-account, ten numbers and the counts first, the batch writes last: moto copies the
    whole table for every transaction (to roll it back), which at 100,000 items takes minutes and gigabytes."""
    created = c.projects.create("bench")
    project_id = created.project_id
    sub = c.sub_accounts.create(project_id, "bench sub")["id"]
    agents = _agents(c, project_id, sub, n)
    numbers = []
    for i, agent in enumerate(agents[:NUMBERS]):
        c.table.put(counters.created_item(keys.agent_index_pk(agent["id"]), {}, counters.epoch_ms(c.clock())))
        number = {"id": new_id("pn"), "phoneNumber": f"+1415555{i:04d}", "country": "US", "status": "active",
                  "type": "local", "agentId": agent["id"], "attachedAt": "2026-01-01T00:00:00Z",
                  "inboundCallsEnabled": True, "externalId": None, "expiresAt": None,
                  "createdAt": "2026-01-01T00:00:00Z", "purchasedAt": "2026-01-01T00:00:00Z",
                  "carrierId": f"PN{i}", "areaCode": "415", "subAccountId": agent.get("subAccountId")}
        numbers.append(c.numbers.claim(project_id, number, limit=1000))
    agent_items = [AgentRepo.item(project_id, a) for a in agents]
    call_items = [CallRepo.item(project_id, _call(i, agents[i % NUMBERS], numbers[i % NUMBERS]), live=False)
                  for i in range(n)]
    _count(c, project_id, agent_items + call_items)
    batch_write(c, iter(agent_items))
    batch_write(c, iter(call_items))
    return Seeded(project_id, created.api_key, sub, [a["id"] for a in agents[:NUMBERS]], [p["id"] for p in numbers])
