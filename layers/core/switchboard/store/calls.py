"""Calls (under their project, indexed by agent on gsi1 and by number on gsi2) and their turns.

Turns live in the call's own partition (pk CALL#<id>, sk TURN#<seq>), written one by one as
they complete, so a relay crash loses at most the turn in flight.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from switchboard.clock import Clock, iso, utcnow
from switchboard.errors import Conflict, NotFound
from switchboard.models.call import TERMINAL_STATUSES
from switchboard.scope import index_keys, owner, visible
from switchboard.store import counters, keys
from switchboard.store.call_lists import call_list_spec
from switchboard.store.dynamo import Expr, Table, is_conditional_failure, put_op, strip_keys, update_op
from switchboard.store.listing import Lister, ListSpec, Source

SNIPPET_CHARS = 160
CALL_EXISTS = "attribute_exists(pk)"


def turn_item(call_id: str, seq: int, turn: dict[str, Any]) -> dict[str, Any]:
    """The stored item of a call's turn number `seq` (the API lists a call's turns in that order)."""
    return {"pk": keys.call_pk(call_id), "sk": keys.turn_sk(seq), "kind": "turn", "seq": seq, **turn}


def turn_changes(turn: dict[str, Any]) -> dict[str, Any] | None:
    """What a new turn sets on its call besides `turnCount` (the snippet call lists show)."""
    snippet = (turn.get("response") or turn.get("transcript") or "")[:SNIPPET_CHARS]
    return {"lastTranscriptSnippet": snippet} if snippet else None
MOVE_ATTEMPTS = 5


def _missing(call_id: str) -> NotFound:
    return NotFound(f"No call with id '{call_id}' in this project.")


class CallRepo:
    def __init__(self, table: Table, clock: Clock = utcnow) -> None:
        self.table = table
        self.clock = clock

    # --- writes ----------------------------------------------------------------------------
    def create(self, project_id: str, call: dict[str, Any], carrier_call_id: str | None = None, *,
               live: bool = True) -> dict[str, Any]:
        """Store a new call and count it in every list it joins; `live=False` keeps a call waiting for its
        schedule out of the live index."""
        call = {**call, "subAccountId": owner(project_id, call)}
        item = self.item(project_id, call, live=live)
        if carrier_call_id:  # on the call item too (it was only on the lookup item): reconciling reads it
            item["carrierCallId"] = carrier_call_id
        ops = [put_op(item, new=True)]
        if carrier_call_id:
            ops.append(put_op(self._carrier_item(project_id, call["id"], carrier_call_id), new=True))
        self.table.transact(ops + self._joined(project_id, call))
        return strip_keys(item)

    @staticmethod
    def item(project_id: str, call: dict[str, Any], *, live: bool = True) -> dict[str, Any]:
        """The stored item of a call document, with the keys of every list it is in."""
        sk, sub = keys.call_sk(call["id"]), call.get("subAccountId")
        item = {"pk": keys.project_pk(project_id), "sk": sk, "kind": "call", "projectId": str(project_id), **call,
                **index_keys(sub, sk), **state_keys(project_id, sub, call["status"], call["direction"], sk)}
        if call.get("agentId"):
            item |= {"gsi1pk": keys.agent_index_pk(call["agentId"]), "gsi1sk": sk}
        if call.get("phoneNumberId"):
            item |= {"gsi2pk": keys.number_index_pk(call["phoneNumberId"]), "gsi2sk": sk}
        if live and call["status"] not in TERMINAL_STATUSES:
            item |= {"gsi3pk": keys.live_call_index_pk(project_id), "gsi3sk": sk}
        return item

    def _joined(self, project_id: str, call: dict[str, Any]) -> list[dict[str, Any]]:
        """Counter changes of a new call: its scope's lists, its agent's and its number's."""
        at = counters.epoch_ms(self.clock())
        ops = counters.scope_ops(project_id, call.get("subAccountId"),
                                 counters.calls_deltas(call["status"], call["direction"], 1), at)
        for owner_pk in (keys.agent_index_pk(call["agentId"]) if call.get("agentId") else None,
                         keys.number_index_pk(call["phoneNumberId"]) if call.get("phoneNumberId") else None):
            if owner_pk:
                ops.append(counters.change_op(owner_pk, {"calls": 1}, at))
        return ops

    @staticmethod
    def _carrier_item(project_id: str, call_id: str, carrier_call_id: str) -> dict[str, Any]:
        return {"pk": keys.carrier_call_pk(carrier_call_id), "sk": keys.CARRIER_CALL_SK, "kind": "carriercall",
                "projectId": project_id, "callId": call_id}

    def set_carrier_id(self, project_id: str, call_id: str, carrier_call_id: str) -> None:
        self.table.put(self._carrier_item(project_id, call_id, carrier_call_id))
        self.table.update(keys.project_pk(project_id), keys.call_sk(call_id),
                          set_={"carrierCallId": carrier_call_id})

    def update(self, project_id: str, call_id: str, changes: dict[str, Any], *,
               unless_terminal: bool = True) -> dict[str, Any] | None:
        """Apply changes; with `unless_terminal`, a call that already ended is left as it is (None)."""
        if "status" in changes:
            return self._move(project_id, call_id, changes, unless_terminal)
        expr = Expr()
        cond = "attribute_exists(pk)"
        if unless_terminal:
            values = ", ".join(expr.value(s) for s in sorted(TERMINAL_STATUSES))
            cond += f" AND NOT {expr.name('status')} IN ({values})"
        try:
            item = self.table.update(keys.project_pk(project_id), keys.call_sk(call_id), set_=changes,
                                     condition=cond, expr=expr)
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise
            self.get(project_id, call_id)  # raises NotFound for an unknown call
            return None
        return strip_keys(item)

    def _move(self, project_id: str, call_id: str, changes: dict[str, Any],
              unless_terminal: bool) -> dict[str, Any] | None:
        """A status change: the call, its state-index keys and its scope's counts move in one transaction.

        The write is conditioned on the status read just before, so the counts move from the status
        the call really had; a call that changed meanwhile is read again and the change retried.
        """
        pk, sk = keys.project_pk(project_id), keys.call_sk(call_id)
        for _ in range(MOVE_ATTEMPTS):
            current = self.table.get(pk, sk, consistent=True)
            if current is None:
                raise _missing(call_id)
            if unless_terminal and current["status"] in TERMINAL_STATUSES:
                return None
            if not self._moved(project_id, current, changes, {}):
                continue
            return strip_keys(self.table.get(pk, sk, consistent=True) or current)
        raise Conflict(f"Call '{call_id}' kept changing while its status was being set; try again.")

    def _moved(self, project_id: str, current: dict[str, Any], changes: dict[str, Any],
               conditions: dict[str, str]) -> bool:
        """One attempt at a status change from `current` (False: the call changed first; nothing written)."""
        old, new, sub = current["status"], changes["status"], current.get("subAccountId")
        expr = Expr()
        cond = " AND ".join([f"{expr.name('status')} = {expr.value(old)}"] +
                            [f"{expr.name(k)} = {expr.value(v)}" for k, v in conditions.items()])
        ended = new in TERMINAL_STATUSES
        set_ = {**changes, **state_keys(project_id, sub, new, current["direction"], current["sk"])}
        ops = [update_op(current["pk"], current["sk"], set_=set_, remove=["gsi3pk", "gsi3sk"] if ended else None,
                         condition=cond, expr=expr)]
        if old != new:
            direction = current["direction"]
            ops += counters.scope_ops(project_id, sub, counters.calls_moved(old, new, direction),
                                      counters.epoch_ms(self.clock()), moved=[f"calls.d.{direction}"])
        try:
            self.table.transact(ops)
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise
            return False
        return True

    def claim_scheduled(self, project_id: str, call_id: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        """Take a due scheduled call for dialing, once: only a queued, never-dialed scheduled call qualifies.

        The winner sets `dialedAt` and puts the call in the live index; a repeated or late firing,
        or a call canceled meanwhile, gets None.
        """
        expr = Expr()
        cond = (f"{expr.name('status')} = {expr.value('queued')} AND attribute_exists({expr.name('scheduledAt')})"
                f" AND attribute_not_exists({expr.name('dialedAt')})"
                f" AND attribute_not_exists({expr.name('carrierCallId')})")
        live = {"gsi3pk": keys.live_call_index_pk(project_id), "gsi3sk": keys.call_sk(call_id)}
        try:
            item = self.table.update(keys.project_pk(project_id), keys.call_sk(call_id),
                                     set_={**changes, "dialedAt": self.now(), **live}, condition=cond, expr=expr)
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise
            return None
        return strip_keys(item)

    def claim_web_call(self, project_id: str, call_id: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        """A browser joins a queued web call: it becomes live (gsi3), once; None if it is not queued."""
        pk, sk = keys.project_pk(project_id), keys.call_sk(call_id)
        current = self.table.get(pk, sk, consistent=True)
        if current is None or current["status"] != "queued" or current.get("direction") != "web":
            return None
        live = {"gsi3pk": keys.live_call_index_pk(project_id), "gsi3sk": sk}
        if not self._moved(project_id, current, {**changes, **live}, {"direction": "web"}):
            return None
        return strip_keys(self.table.get(pk, sk, consistent=True) or current)

    def claim_once(self, project_id: str, call_id: str, attr: str) -> bool:
        """Stamp `attr` on the call unless it is already there: True for exactly one caller."""
        expr = Expr()
        cond = f"attribute_exists(pk) AND attribute_not_exists({expr.name(attr)})"
        try:
            self.table.update(keys.project_pk(project_id), keys.call_sk(call_id), set_={attr: self.now()},
                              condition=cond, expr=expr)
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise
            return False
        return True

    def release_claim(self, project_id: str, call_id: str, attr: str) -> None:
        self.table.update(keys.project_pk(project_id), keys.call_sk(call_id), remove=[attr])

    def count_stream(self, project_id: str, call_id: str, delta: int, changes: dict[str, Any] | None = None) -> None:
        """The relay's open media streams on a call (+1 when one starts, -1 once it has written all it had)."""
        self.table.update(keys.project_pk(project_id), keys.call_sk(call_id), add={"streamsOpen": delta},
                          set_=changes or None, condition="attribute_exists(pk)")

    def append_turn(self, project_id: str, call_id: str, turn: dict[str, Any]) -> dict[str, Any]:
        """Store a completed turn (sequence from an atomic counter) and refresh the call's snippet."""
        call = self.table.update(keys.project_pk(project_id), keys.call_sk(call_id), add={"turnCount": 1},
                                 set_=turn_changes(turn), condition=CALL_EXISTS)
        self.table.put(turn_item(call_id, int(call["turnCount"]), turn))
        return turn

    # --- reads -----------------------------------------------------------------------------
    def get(self, project_id: str, call_id: str) -> dict[str, Any]:
        item = self.table.get(keys.project_pk(project_id), keys.call_sk(call_id))
        if item is None or not visible(project_id, item):
            raise _missing(call_id)
        return strip_keys(item)

    get_by_id = get

    def by_carrier_id(self, carrier_call_id: str) -> tuple[str, str] | None:
        """(projectId, callId) of a carrier call id, for status callbacks."""
        item = self.table.get(keys.carrier_call_pk(carrier_call_id), keys.CARRIER_CALL_SK)
        return (item["projectId"], item["callId"]) if item else None

    def list_turns(self, call_id: str) -> list[dict[str, Any]]:
        items = self.table.query(keys.call_pk(call_id), prefix="TURN#", newest_first=False)
        return [{k: v for k, v in strip_keys(i).items() if k != "seq"} for i in items]

    def turns_after(self, call_id: str, seq: int) -> list[tuple[int, dict[str, Any]]]:
        """Turns stored after turn number `seq`, with their numbers, oldest first (a stream's next read)."""
        items = self.table.query(keys.call_pk(call_id), between=(keys.turn_sk(seq + 1), keys.turn_sk(99_999)),
                                 newest_first=False)
        return [(int(i["seq"]), {k: v for k, v in strip_keys(i).items() if k != "seq"}) for i in items]

    def list(self, project_id: str, limit: int, offset: int, *, status: str | None = None,
             direction: str | None = None, search: str | None = None) -> tuple[list[dict[str, Any]], int, bool]:
        """A scope's calls, newest first; `status` reads its own index partition, `direction` filters.

        `search` (a substring of either number) has no index: it is read and counted the whole way.
        """
        spec = call_list_spec(project_id, status, direction, search)
        items, total, has_more = Lister(self.table, self.clock).page(spec, limit, offset)
        return [strip_keys(i) for i in items], total, has_more

    def list_for_agent(self, agent_id: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int, bool]:
        return self._list_index("gsi1", keys.agent_index_pk(agent_id), limit, offset)

    def list_for_number(self, number_id: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int, bool]:
        return self._list_index("gsi2", keys.number_index_pk(number_id), limit, offset)

    def _list_index(self, index: str, owner_pk: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int, bool]:
        """An agent's or a number's calls: their index partition, counted on the owner's counter item."""
        spec = ListSpec.of("calls", Source(owner_pk, index, "CALL#"), counters.Counter(owner_pk, ("calls",), "calls"))
        items, total, has_more = Lister(self.table, self.clock).page(spec, limit, offset)
        return [strip_keys(i) for i in items], total, has_more

    def count_live(self, project_id: str, sub_account_id: str | None = None) -> int:
        """Calls not yet ended (concurrent-call limit): a COUNT of the sparse live index.

        A sub-account's share reads the project's live calls (bounded by the plan's limit) and counts
        those whose call item names it: the live index keeps keys only, so the items are fetched.
        """
        pk = keys.live_call_index_pk(project_id)
        if sub_account_id is None:
            return self.table.count(pk, index="gsi3")
        live = [(i["pk"], i["sk"]) for i in self.table.query(pk, index="gsi3")]
        return sum(1 for item in self.table.batch_get(live) if item.get("subAccountId") == sub_account_id)

    def now(self) -> str:
        return iso(self.clock())


def state_keys(project_id: str, sub: str | None, status: str, direction: str, sk: str) -> dict[str, str]:
    """The call's place in the lists by status and direction: the project's (gsi5) and its sub-account's (gsi6)."""
    found = {"gsi5pk": keys.call_state_index_pk(project_id, status, direction), "gsi5sk": sk}
    if sub:
        found |= {"gsi6pk": keys.sub_call_state_index_pk(sub, status, direction), "gsi6sk": sk}
    return found

