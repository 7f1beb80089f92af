"""SMS conversations (one per our number and the other party) and their messages.

A conversation is found or created through a uniqueness item written with
`attribute_not_exists`; its activity order lives on gsi1 (CONVS#<project>, lastMessageAt),
an agent's conversations on gsi2 (AGENTCONV#<agent>), a number's messages on gsi2 too.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from switchboard.clock import Clock, iso, parse_iso, utcnow
from switchboard.errors import NotFound
from switchboard.ids import new_id, time_part
from switchboard.store import keys
from switchboard.store.dynamo import Table, is_conditional_failure, put_op, strip_keys
from switchboard.store.pages import page

PREVIEW_CHARS = 100


def agent_conversations_pk(agent_id: str) -> str:
    return f"AGENTCONV#{agent_id}"


def _missing(conversation_id: str) -> NotFound:
    return NotFound(f"No conversation with id '{conversation_id}' in this project.")


def message_view(item: dict[str, Any]) -> dict[str, Any]:
    """A message with both spellings of its parties (published schema and api.md)."""
    m = strip_keys(item)
    return {**m, "from_": m["fromNumber"], "to": m["toNumber"]}


class ConversationRepo:
    def __init__(self, table: Table, clock: Clock = utcnow) -> None:
        self.table = table
        self.clock = clock

    def find_or_create(self, project_id: str, number: dict[str, Any], participant: str,
                       agent_id: str | None) -> dict[str, Any]:
        key_sk = keys.conversation_key_sk(number["id"], participant)
        existing = self.table.get(keys.project_pk(project_id), key_sk)
        if existing:
            return self.get(project_id, existing["conversationId"])
        now = iso(self.clock())
        conv = {"id": new_id("conv"), "agentId": agent_id, "phoneNumberId": number["id"],
                "phoneNumber": number["phoneNumber"], "participant": participant, "messageCount": 0,
                "lastMessageAt": now, "lastMessagePreview": "", "metadata": None, "createdAt": now}
        item = {"pk": keys.project_pk(project_id), "sk": keys.conversation_sk(conv["id"]), "kind": "conversation",
                "gsi1pk": keys.conversation_list_pk(project_id), "gsi1sk": f"{now}#{conv['id']}", **conv}
        if agent_id:
            item |= {"gsi2pk": agent_conversations_pk(agent_id), "gsi2sk": f"{now}#{conv['id']}"}
        marker = {"pk": keys.project_pk(project_id), "sk": key_sk, "kind": "convkey", "conversationId": conv["id"]}
        try:
            self.table.transact([put_op(marker, new=True), put_op(item, new=True)])
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise
            return self.find_or_create(project_id, number, participant, agent_id)  # lost a race: read theirs
        return conv

    def record_message(self, project_id: str, *, number: dict[str, Any], participant: str, agent_id: str | None,
                       direction: str, body: str, status: str, carrier_message_id: str | None = None,
                       media_url: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        """Store a message in its conversation and bump the conversation's activity atomically."""
        conv = self.find_or_create(project_id, number, participant, agent_id)
        now = iso(self.clock())
        ours, theirs = number["phoneNumber"], participant
        message = {"id": new_id("msg"), "fromNumber": theirs if direction == "inbound" else ours,
                   "toNumber": ours if direction == "inbound" else theirs, "body": body, "direction": direction,
                   "channel": "sms", "status": status, "receivedAt": now, "conversationId": conv["id"],
                   "numberId": number["id"], "agentId": agent_id, "mediaUrl": media_url,
                   "carrierMessageId": carrier_message_id, "failureReason": None}
        self.table.put({"pk": keys.conversation_pk(conv["id"]), "sk": keys.message_sk(message["id"]),
                        "kind": "message", "projectId": project_id, "gsi2pk": keys.number_index_pk(number["id"]),
                        "gsi2sk": keys.message_sk(message["id"]), **message})
        changes = {"lastMessageAt": now, "lastMessagePreview": body[:PREVIEW_CHARS], "gsi1sk": f"{now}#{conv['id']}"}
        if conv.get("agentId"):
            changes["gsi2sk"] = f"{now}#{conv['id']}"
        updated = self.table.update(keys.project_pk(project_id), keys.conversation_sk(conv["id"]),
                                    set_=changes, add={"messageCount": 1})
        return message_view(message), strip_keys(updated)

    def get(self, project_id: str, conversation_id: str) -> dict[str, Any]:
        item = self.table.get(keys.project_pk(project_id), keys.conversation_sk(conversation_id))
        if item is None:
            raise _missing(conversation_id)
        return strip_keys(item)

    def update_metadata(self, project_id: str, conversation_id: str, metadata: dict[str, Any] | None
                        ) -> dict[str, Any]:
        self.get(project_id, conversation_id)
        item = self.table.update(keys.project_pk(project_id), keys.conversation_sk(conversation_id),
                                 set_={"metadata": metadata})
        return strip_keys(item)

    def list(self, project_id: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int, bool]:
        pk = keys.conversation_list_pk(project_id)
        items, has_more = page(self.table.query(pk, index="gsi1"), limit, offset)
        return [strip_keys(i) for i in items], self.table.count(pk, index="gsi1"), has_more

    def list_for_agent(self, project_id: str, agent_id: str, limit: int, offset: int
                       ) -> tuple[list[dict[str, Any]], int, bool]:
        pk = agent_conversations_pk(agent_id)
        items, has_more = page(self.table.query(pk, index="gsi2"), limit, offset)
        return [strip_keys(i) for i in items], self.table.count(pk, index="gsi2"), has_more

    def messages(self, conversation_id: str, limit: int, before: str | None = None, after: str | None = None
                 ) -> tuple[list[dict[str, Any]], bool]:
        """Newest first; `before`/`after` are ISO times, turned into id ranges (ids embed their time)."""
        return self._messages(keys.conversation_pk(conversation_id), None, limit, before, after)

    def list_for_number(self, project_id: str, number_id: str, limit: int, before: str | None = None,
                        after: str | None = None) -> tuple[list[dict[str, Any]], bool]:
        return self._messages(keys.number_index_pk(number_id), "gsi2", limit, before, after)

    def _messages(self, pk: str, index: str | None, limit: int, before: str | None, after: str | None
                  ) -> tuple[list[dict[str, Any]], bool]:
        low = keys.message_sk("msg_" + time_part(parse_iso(after))) if after else "MSG#"
        high = keys.message_sk("msg_" + time_part(parse_iso(before))) if before else "MSG#~"
        items, has_more = page(self.table.query(pk, index=index, between=(low, high)), limit, 0)
        return [message_view(i) for i in items], has_more
