"""SMS conversations (one per our number and the other party) and their messages.

A conversation is found or created through a uniqueness item written with
`attribute_not_exists`; its activity order lives on gsi1 (CONVS#<project>, lastMessageAt),
an agent's conversations on gsi2 (AGENTCONV#<agent>), a number's messages on gsi2 too.
A carrier message id (Twilio's MessageSid) maps to our message through a marker item, which
also makes a repeated inbound webhook a no-op.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from switchboard.clock import Clock, iso, parse_iso, utcnow
from switchboard.errors import Conflict, NotFound
from switchboard.ids import new_id, time_part
from switchboard.scope import index_keys, sub_of, visible
from switchboard.store import counters, keys
from switchboard.store.dynamo import Expr, Table, is_conditional_failure, put_op, strip_keys, update_op
from switchboard.store.listing import Lister, ListSpec, Source
from switchboard.store.pages import page

PREVIEW_CHARS = 100
MOVE_ATTEMPTS = 3
# Bookkeeping kept on a stored message but never shown to API users or webhooks.
INTERNAL_FIELDS = frozenset({"projectId", "carrierMessageId", "statusRank", "sentEventAt"})


def agent_conversations_pk(agent_id: str) -> str:
    return f"AGENTCONV#{agent_id}"


def carrier_message_pk(carrier_message_id: str) -> str:
    return f"CARRIERMSG#{carrier_message_id}"


CARRIER_MESSAGE_SK = "CARRIERMSG"


def _activity_sk(at: str, conversation_id: str) -> str:
    """gsi4 sort key ordering a sub-account's conversations by last message."""
    return f"CONVS#{at}#{conversation_id}"


def _cancel_codes(exc: ClientError) -> list[str]:
    return [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]


def _missing(conversation_id: str) -> NotFound:
    return NotFound(f"No conversation with id '{conversation_id}' in this project.")


def message_view(item: dict[str, Any]) -> dict[str, Any]:
    """A message with both spellings of its parties (published schema and api.md)."""
    m = {k: v for k, v in strip_keys(item).items() if k not in INTERNAL_FIELDS}
    return {**m, "from_": m["fromNumber"], "from": m["fromNumber"], "to": m["toNumber"]}


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
                "phoneNumber": number["phoneNumber"], "participant": participant, "channel": "sms",
                "messageCount": 0, "lastMessageAt": now, "lastMessagePreview": "", "metadata": None,
                "createdAt": now, "subAccountId": number.get("subAccountId")}
        item = {"pk": keys.project_pk(project_id), "sk": keys.conversation_sk(conv["id"]), "kind": "conversation",
                "gsi1pk": keys.conversation_list_pk(project_id), "gsi1sk": f"{now}#{conv['id']}", **conv,
                **index_keys(conv["subAccountId"], _activity_sk(now, conv["id"]))}
        if agent_id:
            item |= {"gsi2pk": agent_conversations_pk(agent_id), "gsi2sk": f"{now}#{conv['id']}"}
        marker = {"pk": keys.project_pk(project_id), "sk": key_sk, "kind": "convkey", "conversationId": conv["id"]}
        at = counters.epoch_ms(self.clock())
        counted = counters.scope_ops(project_id, conv["subAccountId"], {"conversations": 1}, at)
        if agent_id:
            counted.append(counters.change_op(keys.agent_index_pk(agent_id), {"conversations": 1}, at))
        try:
            self.table.transact([put_op(marker, new=True), put_op(item, new=True), *counted])
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise
            return self.find_or_create(project_id, number, participant, agent_id)  # lost a race: read theirs
        return conv

    def record_message(self, project_id: str, *, number: dict[str, Any], participant: str, agent_id: str | None,
                       direction: str, body: str, status: str, carrier_message_id: str | None = None,
                       media_url: str | None = None, media_urls: list[str] | None = None,
                       message_id: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        """Store a message and bump its conversation in one transaction.

        With `carrier_message_id`, a message already recorded under that id raises Conflict and
        nothing is written (carriers repeat webhooks).
        """
        for _ in range(MOVE_ATTEMPTS):
            conv = self.find_or_create(project_id, number, participant, agent_id)
            conv = self.get(project_id, conv["id"], consistent=True)  # its agent now: a move is counted from it
            stored = self._store_message(project_id, conv, number, participant, agent_id, direction, body, status,
                                         carrier_message_id, media_url, media_urls, message_id)
            if stored is not None:
                return stored, self.get(project_id, conv["id"], consistent=True)
        raise Conflict("The conversation kept changing agents while storing this text; try again.")

    def _store_message(self, project_id: str, conv: dict[str, Any], number: dict[str, Any], participant: str,
                       agent_id: str | None, direction: str, body: str, status: str, carrier_message_id: str | None,
                       media_url: str | None, media_urls: list[str] | None,
                       message_id: str | None) -> dict[str, Any] | None:
        """One attempt at the message's transaction; None when the conversation changed agent first."""
        now = iso(self.clock())
        ours, theirs = number["phoneNumber"], participant
        media = media_urls or ([media_url] if media_url else [])
        message = {"id": message_id or new_id("msg"), "fromNumber": theirs if direction == "inbound" else ours,
                   "toNumber": ours if direction == "inbound" else theirs, "body": body, "direction": direction,
                   "channel": "sms", "status": status, "receivedAt": now, "conversationId": conv["id"],
                   "numberId": number["id"], "agentId": agent_id, "mediaUrl": media[0] if media else None,
                   "mediaUrls": media, "failureReason": None, "errorCode": None}
        item = {"pk": keys.conversation_pk(conv["id"]), "sk": keys.message_sk(message["id"]), "kind": "message",
                "projectId": project_id, "gsi2pk": keys.number_index_pk(number["id"]),
                "gsi2sk": keys.message_sk(message["id"]), **message}
        ops = []
        if carrier_message_id:
            item["carrierMessageId"] = carrier_message_id
            ops.append(put_op(self._carrier_marker(project_id, conv["id"], message["id"], carrier_message_id),
                              new=True))
        ops += [put_op(item, new=True), *self._bump(project_id, conv, agent_id, now, body)]
        try:
            self.table.transact(ops)
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise
            if carrier_message_id and _cancel_codes(exc)[:1] == ["ConditionalCheckFailed"]:
                raise Conflict(f"Carrier message {carrier_message_id} is already recorded.") from exc
            if any(code == "ConditionalCheckFailed" for code in _cancel_codes(exc)):
                return None
            raise
        return message_view(item)

    def _bump(self, project_id: str, conv: dict[str, Any], agent_id: str | None, now: str,
              body: str) -> list[dict[str, Any]]:
        """The conversation's activity update; a number handed to another agent moves the thread (and its
        count) too, conditioned on the agent it had, so a move is counted once."""
        changes: dict[str, Any] = {"lastMessageAt": now, "lastMessagePreview": body[:PREVIEW_CHARS],
                                   "gsi1sk": f"{now}#{conv['id']}"}
        owner = agent_id or conv.get("agentId")
        ops: list[dict[str, Any]] = []
        expr, condition = Expr(), None
        if agent_id and agent_id != conv.get("agentId"):
            changes |= {"agentId": agent_id, "gsi2pk": agent_conversations_pk(agent_id)}
            had = conv.get("agentId")
            condition = (f"{expr.name('agentId')} = {expr.value(had)}" if had else
                         f"(attribute_not_exists({expr.name('agentId')}) OR "
                         f"attribute_type({expr.name('agentId')}, {expr.value('NULL')}))")
            at = counters.epoch_ms(self.clock())
            ops.append(counters.change_op(keys.agent_index_pk(agent_id), {"conversations": 1}, at))
            if had:
                ops.append(counters.change_op(keys.agent_index_pk(had), {"conversations": -1}, at))
        if owner:
            changes["gsi2sk"] = f"{now}#{conv['id']}"
        if conv.get("subAccountId"):
            changes["gsi4sk"] = _activity_sk(now, conv["id"])
        bump = update_op(keys.project_pk(project_id), keys.conversation_sk(conv["id"]), set_=changes,
                         add={"messageCount": 1}, condition=condition, expr=expr)
        return [bump, *ops]

    @staticmethod
    def _carrier_marker(project_id: str, conversation_id: str, message_id: str, carrier_id: str) -> dict[str, Any]:
        return {"pk": carrier_message_pk(carrier_id), "sk": CARRIER_MESSAGE_SK, "kind": "carriermsg",
                "projectId": project_id, "conversationId": conversation_id, "messageId": message_id}

    def set_carrier_id(self, project_id: str, conversation_id: str, message_id: str, carrier_id: str) -> None:
        """Remember the carrier's id of a sent message (status callbacks may also name it)."""
        marker = self._carrier_marker(project_id, conversation_id, message_id, carrier_id)
        self.table.transact([
            put_op(marker),
            update_op(keys.conversation_pk(conversation_id), keys.message_sk(message_id),
                      set_={"carrierMessageId": carrier_id}),
        ])

    def by_carrier_id(self, carrier_id: str) -> dict[str, Any] | None:
        """{projectId, conversationId, messageId} of the message the carrier calls `carrier_id`."""
        return self.table.get(carrier_message_pk(carrier_id), CARRIER_MESSAGE_SK) if carrier_id else None

    def get_message(self, conversation_id: str, message_id: str) -> dict[str, Any] | None:
        """The stored message, bookkeeping included (callers render it with `message_view`)."""
        item = self.table.get(keys.conversation_pk(conversation_id), keys.message_sk(message_id), consistent=True)
        return strip_keys(item) if item else None

    def advance_message(self, conversation_id: str, message_id: str, changes: dict[str, Any],
                        rank: int) -> dict[str, Any] | None:
        """Apply a status change only if it moves the message forward (`rank` above the stored one).

        Returns the updated message, or None for a late, repeated or backward change.
        """
        expr = Expr()
        rank_name = expr.name("statusRank")
        cond = (f"attribute_exists(pk) AND (attribute_not_exists({rank_name}) OR "
                f"{rank_name} < {expr.value(rank)})")
        try:
            item = self.table.update(keys.conversation_pk(conversation_id), keys.message_sk(message_id),
                                     set_={**changes, "statusRank": rank}, condition=cond, expr=expr)
        except ClientError as exc:
            if is_conditional_failure(exc):
                return None
            raise
        return strip_keys(item)

    def claim_sent_event(self, conversation_id: str, message_id: str) -> bool:
        """True exactly once per message: whoever claims it emits `message.sent`."""
        expr = Expr()
        cond = f"attribute_not_exists({expr.name('sentEventAt')})"
        try:
            self.table.update(keys.conversation_pk(conversation_id), keys.message_sk(message_id),
                              set_={"sentEventAt": iso(self.clock())}, condition=cond, expr=expr)
        except ClientError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def recent(self, conversation_id: str, limit: int, exclude_id: str | None = None) -> list[dict[str, Any]]:
        """The last `limit` messages of a conversation, oldest first, without `exclude_id`."""
        if limit <= 0:
            return []
        items = self.table.query(keys.conversation_pk(conversation_id), prefix="MSG#", limit=limit + 1)
        kept = [message_view(i) for i in items if i["id"] != exclude_id][:limit]
        return list(reversed(kept))

    def get(self, project_id: str, conversation_id: str, *, consistent: bool = False) -> dict[str, Any]:
        item = self.table.get(keys.project_pk(project_id), keys.conversation_sk(conversation_id),
                              consistent=consistent)
        if item is None or item.get("kind") != "conversation" or not visible(project_id, item):
            raise _missing(conversation_id)
        return strip_keys(item)

    def update_metadata(self, project_id: str, conversation_id: str, metadata: dict[str, Any] | None
                        ) -> dict[str, Any]:
        self.get(project_id, conversation_id)
        item = self.table.update(keys.project_pk(project_id), keys.conversation_sk(conversation_id),
                                 set_={"metadata": metadata})
        return strip_keys(item)

    def list(self, project_id: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int, bool]:
        sub = sub_of(project_id)
        if sub:  # a sub-account's conversations, by last activity, on gsi4
            source = Source(keys.sub_index_pk(sub), "gsi4", "CONVS#")
        else:
            source = Source(keys.conversation_list_pk(project_id), "gsi1")
        spec = ListSpec.of("conversations", source, counters.scope_counter(project_id, "conversations"), cursors=False)
        items, total, has_more = Lister(self.table, self.clock).page(spec, limit, offset)
        return [strip_keys(i) for i in items], total, has_more

    def list_for_agent(self, project_id: str, agent_id: str, limit: int, offset: int
                       ) -> tuple[list[dict[str, Any]], int, bool]:
        owner_pk = keys.agent_index_pk(agent_id)
        spec = ListSpec.of("conversations", Source(agent_conversations_pk(agent_id), "gsi2"),
                        counters.Counter(owner_pk, ("conversations",), "conversations"), cursors=False)
        items, total, has_more = Lister(self.table, self.clock).page(spec, limit, offset)
        return [strip_keys(i) for i in items], total, has_more

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
        items, has_more = page(self.table.query(pk, index=index, between=(low, high), limit=limit + 1), limit, 0)
        return [message_view(i) for i in items], has_more
