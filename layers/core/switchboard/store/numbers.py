"""Phone numbers: the number document under its project, plus a PHONE#<e164> ownership item.

The ownership item is written in the same transaction as the number with
`attribute_not_exists`, so two projects can never hold one number, whatever the timing.
The project's `activeNumbers` counter moves in that transaction too (plan limit, 402).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from switchboard.clock import Clock, iso, utcnow
from switchboard.errors import Conflict, NotFound, PlanLimitReached
from switchboard.scope import index_keys, list_source, owner, sub_of, visible
from switchboard.store import counters, keys
from switchboard.store.dynamo import (
    Expr,
    Table,
    delete_op,
    is_conditional_failure,
    put_op,
    strip_keys,
    update_op,
)
from switchboard.store.listing import Legacy, Lister, ListSpec, Source

ACTIVE_PAGE = 1000
EXPIRY_INDEX_PK = "NUMBEREXPIRY"  # gsi2 partition ordering numbers by expiresAt (auto-release sweep)


def _missing(number_id: str) -> NotFound:
    return NotFound(f"No phone number with id '{number_id}' in this project.")


def _cancel_reasons(exc: ClientError) -> list[str]:
    return [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]


class NumberRepo:
    def __init__(self, table: Table, clock: Clock = utcnow) -> None:
        self.table = table
        self.clock = clock

    def active_count(self, project_id: str) -> int:
        project = self.table.get(keys.project_pk(project_id), keys.PROJECT_SK) or {}
        return int(project.get("activeNumbers", 0))

    def claim(self, project_id: str, number: dict[str, Any], limit: int,
              sub_limit: int | None = None) -> dict[str, Any]:
        """Store a bought number: its document, its ownership item and the counters, atomically.

        A number bought for a sub-account also moves that sub-account's counter, conditioned on
        `sub_limit` when the plan sets one.
        """
        sub = owner(project_id, number)
        number = {**number, "subAccountId": sub}
        item = self.item(project_id, number)
        holder = {"pk": keys.phone_pk(number["phoneNumber"]), "sk": keys.PHONE_SK, "kind": "phone",
                  "projectId": str(project_id), "numberId": number["id"]}
        expr = Expr()
        counter = update_op(
            keys.project_pk(project_id), keys.PROJECT_SK, add={"activeNumbers": 1}, expr=expr,
            condition=f"attribute_exists(pk) AND (attribute_not_exists({expr.name('activeNumbers')}) "
                      f"OR {expr.name('activeNumbers')} < {expr.value(limit)})",
        )
        ops = [put_op(item, new=True), put_op(holder, new=True), counter]
        if sub:
            ops.append(_sub_counter(project_id, sub, 1, sub_limit))
        at = counters.epoch_ms(self.clock())
        ops += [counters.create_op(keys.number_index_pk(number["id"]), {"calls": 0}, at),
                *counters.scope_ops(project_id, sub, {"numbers": 1}, at)]
        try:
            self.table.transact(ops)
        except ClientError as exc:
            reasons = _cancel_reasons(exc)
            if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
                raise Conflict(f"{number['phoneNumber']} is already owned by another project.") from exc
            if len(reasons) > 2 and reasons[2] == "ConditionalCheckFailed":
                raise PlanLimitReached(f"This plan allows {limit} phone numbers; release one first.") from exc
            if len(reasons) > 3 and reasons[3] == "ConditionalCheckFailed":
                raise PlanLimitReached(f"This plan allows {sub_limit} phone numbers per sub-account; "
                                       "release one of this sub-account's first.") from exc
            raise
        return number

    @classmethod
    def item(cls, project_id: str, number: dict[str, Any]) -> dict[str, Any]:
        """The stored item of a number document, with every index key it needs."""
        sk = keys.number_sk(number["id"])
        sub = number.get("subAccountId")
        item = {"pk": keys.project_pk(project_id), "sk": sk, "kind": "number", **number,
                **cls._index_keys(number), **index_keys(sub, sk)}
        if number.get("status") == "active":
            item |= active_keys(project_id, sub, sk)
        return item

    @staticmethod
    def _index_keys(number: dict[str, Any]) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if number.get("agentId"):
            extra["gsi1pk"] = keys.agent_index_pk(number["agentId"])
            extra["gsi1sk"] = f"NUMBER#{number.get('attachedAt') or number['createdAt']}#{number['id']}"
        if number.get("expiresAt") and number.get("status") == "active":
            extra["gsi2pk"] = EXPIRY_INDEX_PK
            extra["gsi2sk"] = f"{number['expiresAt']}#{number['id']}"
        return extra

    def get(self, project_id: str, number_id: str) -> dict[str, Any]:
        item = self.table.get(keys.project_pk(project_id), keys.number_sk(number_id))
        if item is None or not visible(project_id, item):
            raise _missing(number_id)
        return strip_keys(item)

    def owner_of(self, e164: str) -> dict[str, Any] | None:
        """Who holds a phone number: {projectId, numberId} or None (inbound routing, no scan)."""
        return self.table.get(keys.phone_pk(e164), keys.PHONE_SK)

    def list(self, project_id: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int, bool]:
        """Active numbers, newest first, from their own index partition; released ones stay readable by id."""
        sub = sub_of(project_id)
        active = (Source(keys.sub_active_numbers_index_pk(sub), "gsi6", "NUMBER#") if sub
                  else Source(keys.active_numbers_index_pk(project_id), "gsi5", "NUMBER#"))
        pk, index = list_source(project_id)
        legacy = Legacy(pk, index, "NUMBER#", lambda e: f"{e.name('status')} = {e.value('active')}")
        spec = ListSpec.of("numbers", active, counters.scope_counter(project_id, "numbers"), legacy=legacy)
        items, total, has_more = Lister(self.table, self.clock).page(spec, limit, offset)
        return [strip_keys(i) for i in items], total, has_more

    def active(self, project_id: str) -> list[dict[str, Any]]:
        """Every active number of the scope (the plan bounds how many), from their own index partition."""
        found: list[dict[str, Any]] = []
        while True:
            items, _, more = self.list(project_id, ACTIVE_PAGE, len(found))
            found += items
            if not more:
                return found

    def list_all(self, project_id: str) -> list[dict[str, Any]]:
        pk, index = list_source(project_id)
        return [strip_keys(i) for i in self.table.query(pk, index=index, prefix="NUMBER#")]

    def for_agent(self, agent_id: str) -> list[dict[str, Any]]:
        """An agent's numbers in the order they were attached (the first is its caller id)."""
        items = self.table.query(keys.agent_index_pk(agent_id), index="gsi1", prefix="NUMBER#", newest_first=False)
        return [strip_keys(i) for i in items]

    def update(self, project_id: str, number_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply changes (agentId included) to an active number, keeping its index keys in step."""
        current = self.get(project_id, number_id)
        if current["status"] != "active":
            raise Conflict(f"Phone number '{number_id}' has been released and cannot be changed.")
        merged = {**current, **changes}
        if "agentId" in changes and changes["agentId"] != current.get("agentId"):
            merged["attachedAt"] = iso(self.clock()) if changes["agentId"] else None
        index = self._index_keys(merged)
        set_ = {k: merged[k] for k in (*changes, "attachedAt") if k in merged} | index
        remove = [k for k in ("gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk") if k not in index]
        expr = Expr()
        cond = (f"{expr.name('status')} = {expr.value('active')} AND "
                f"{_same_or_missing(expr, 'agentId', current.get('agentId'))}")
        try:
            item = self.table.update(keys.project_pk(project_id), keys.number_sk(number_id), set_=set_,
                                     remove=remove, condition=cond, expr=expr)
        except ClientError as exc:
            if is_conditional_failure(exc):
                raise Conflict(f"Phone number '{number_id}' changed while updating it; try again.") from exc
            raise
        return strip_keys(item)

    def release(self, project_id: str, number_id: str) -> dict[str, Any]:
        """Mark released, drop the ownership item and the counter, atomically."""
        number = self.get(project_id, number_id)
        if number["status"] != "active":
            return number
        now = iso(self.clock())
        expr = Expr()
        ops = [
            update_op(keys.project_pk(project_id), keys.number_sk(number_id),
                      set_={"status": "released", "releasedAt": now, "agentId": None}, expr=expr,
                      remove=["gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi5pk", "gsi5sk", "gsi6pk", "gsi6sk"],
                      condition=f"{expr.name('status')} = {expr.value('active')}"),
            delete_op(keys.phone_pk(number["phoneNumber"]), keys.PHONE_SK),
            update_op(keys.project_pk(project_id), keys.PROJECT_SK, add={"activeNumbers": -1}),
            *counters.scope_ops(project_id, number.get("subAccountId"), {"numbers": -1},
                                counters.epoch_ms(self.clock())),
        ]
        if number.get("subAccountId"):
            ops.append(_sub_counter(project_id, number["subAccountId"], -1, None))
        try:
            self.table.transact(ops)
        except ClientError as exc:
            if is_conditional_failure(exc):
                return self.get(project_id, number_id)
            raise
        return {**number, "status": "released", "releasedAt": now, "agentId": None}

    def expired(self, now: str) -> list[tuple[str, str]]:
        """(projectId, numberId) of active numbers whose expiresAt has passed."""
        # From "0": DynamoDB refuses an empty string as a key value, and every ISO time starts with a digit.
        items = self.table.query(EXPIRY_INDEX_PK, index="gsi2", between=("0", f"{now}#~"), newest_first=False)
        return [(i["pk"].split("#", 1)[1], i["id"]) for i in items]


def active_keys(project_id: str, sub: str | None, sk: str) -> dict[str, str]:
    """The state-index keys of an active number: its project's active list, and its sub-account's."""
    found = {"gsi5pk": keys.active_numbers_index_pk(project_id), "gsi5sk": sk}
    if sub:
        found |= {"gsi6pk": keys.sub_active_numbers_index_pk(sub), "gsi6sk": sk}
    return found


def _same_or_missing(expr: Expr, attr: str, value: Any) -> str:
    name = expr.name(attr)
    if value is None:
        return f"(attribute_not_exists({name}) OR attribute_type({name}, {expr.value('NULL')}))"
    return f"{name} = {expr.value(value)}"


def _sub_counter(project_id: str, sub: str, delta: int, limit: int | None) -> dict[str, Any]:
    """The sub-account's active-number counter; going up, it must exist and stay under `limit`."""
    expr = Expr()
    cond = "attribute_exists(pk)"
    if delta > 0 and limit is not None:
        held = expr.name("activeNumbers")
        cond += f" AND (attribute_not_exists({held}) OR {held} < {expr.value(limit)})"
    return update_op(keys.project_pk(project_id), keys.sub_account_sk(sub), add={"activeNumbers": delta},
                     condition=cond if delta > 0 else None, expr=expr)
