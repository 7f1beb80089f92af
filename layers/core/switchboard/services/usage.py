"""Usage reports, assembled from counters (never by scanning calls or messages)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from switchboard.clock import iso
from switchboard.container import Container
from switchboard.errors import InvalidInput
from switchboard.scope import sub_of

PERIOD_DAYS = {"week": 7, "month": 30, "year": 365}


def _zero() -> dict[str, int]:
    return {"calls": 0, "messages": 0, "webhooks": 0, "webhooksSuccess": 0, "webhooksFailed": 0, "callSeconds": 0}


def _sum(days: dict[str, dict[str, int]], start: date, end: date) -> dict[str, int]:
    total = _zero()
    for day, counts in days.items():
        if start.isoformat() <= day <= end.isoformat():
            for k, v in counts.items():
                total[k] += v
    return total


def minutes(counts: dict[str, int]) -> float:
    """Call time in minutes (AgentPhone's `voiceMinutes`), from the counted seconds."""
    return round(counts["callSeconds"] / 60, 2)


def _limits(c: Container, project_id: str) -> tuple[int, int, int]:
    """(number limit, concurrent calls, numbers held) of the scope: a sub-account meets its own limits
    where the plan sets them, and the project's otherwise."""
    plan, sub = c.settings.plan, sub_of(project_id)
    if sub is None:
        return plan.numbers, plan.concurrent_calls, c.numbers.active_count(project_id)
    numbers = plan.numbers if plan.sub_account_numbers is None else min(plan.numbers, plan.sub_account_numbers)
    calls = plan.concurrent_calls if plan.sub_account_concurrent_calls is None else min(
        plan.concurrent_calls, plan.sub_account_concurrent_calls)
    return numbers, calls, c.sub_accounts.active_numbers(project_id, sub)


def summary(c: Container, project_id: str) -> dict[str, Any]:
    now = c.clock()
    today = now.date()
    days = c.usage.days(project_id, today - timedelta(days=29), today)
    totals = c.usage.totals(project_id)
    # "Last 24h" is today and yesterday (UTC days): counters are per day, not per hour.
    windows = {n: _sum(days, today - timedelta(days=n - 1), today) for n in (2, 7, 30)}
    plan = c.settings.plan
    number_limit, call_limit, used = _limits(c, project_id)
    month_start = datetime.combine(today.replace(day=1), time(), tzinfo=now.tzinfo)
    delivered = c.deliveries.totals(project_id)
    return {
        "plan": {"name": plan.name, "limits": {
            "numbers": plan.numbers, "messagesPerMonth": plan.messages_per_month,
            "voiceMinutesPerMonth": plan.voice_minutes_per_month,
            "maxCallDurationMinutes": plan.max_call_duration_minutes, "concurrentCalls": call_limit}},
        "numbers": {"used": used, "limit": number_limit, "remaining": max(0, number_limit - used)},
        "stats": {
            "totalMessages": totals["messages"], "messagesLast24h": windows[2]["messages"],
            "messagesLast7d": windows[7]["messages"], "messagesLast30d": windows[30]["messages"],
            "totalCalls": totals["calls"], "callsLast24h": windows[2]["calls"], "callsLast7d": windows[7]["calls"],
            "callsLast30d": windows[30]["calls"], "minutesLast30d": round(windows[30]["callSeconds"] / 60, 2),
            "totalWebhookDeliveries": delivered["total"], "successfulWebhookDeliveries": delivered["success"],
            "failedWebhookDeliveries": delivered["failed"]},
        "periodStart": iso(month_start), "periodEnd": iso(now), "reportGeneratedAt": iso(now),
    }


def daily(c: Container, project_id: str, days: int) -> dict[str, Any]:
    """One point per UTC day, oldest first, days without activity as zeros."""
    today = c.clock().date()
    start = today - timedelta(days=days - 1)
    counted = c.usage.days(project_id, start, today)
    points = []
    for n in range(days):
        day = (start + timedelta(days=n)).isoformat()
        counts = counted.get(day, _zero())
        points.append({"date": day, "messages": counts["messages"], "calls": counts["calls"],
                       "webhooks": counts["webhooks"], "voiceMinutes": minutes(counts)})
    return {"data": points, "days": days}


def monthly(c: Container, project_id: str, months: int) -> dict[str, Any]:
    """One point per calendar month (UTC), oldest first."""
    today = c.clock().date()
    first = today.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    counted = c.usage.days(project_id, first, today)
    buckets: dict[str, dict[str, int]] = {}
    cursor = first
    while cursor <= today:
        buckets.setdefault(cursor.strftime("%Y-%m"), _zero())
        cursor = (cursor.replace(day=28) + timedelta(days=4)).replace(day=1)
    for day, counts in counted.items():
        for k, v in counts.items():
            buckets[day[:7]][k] += v
    data = [{"month": m, "messages": v["messages"], "calls": v["calls"], "webhooks": v["webhooks"],
             "voiceMinutes": minutes(v)} for m, v in sorted(buckets.items())]
    return {"data": data, "months": months}


def by_number(c: Container, project_id: str) -> dict[str, Any]:
    numbers = c.numbers.list_all(project_id)
    counters = c.usage.numbers(project_id)
    agents = c.agents.get_many(project_id, [n["agentId"] for n in numbers if n.get("agentId")])
    data = []
    for n in numbers:
        counts = counters.get(n["id"], _zero())
        agent = agents.get(n.get("agentId") or "")
        data.append({"numberId": n["id"], "phoneNumber": n["phoneNumber"], "country": n["country"],
                     "status": n["status"], "agentId": n.get("agentId"), "agentName": agent["name"] if agent else None,
                     "messages": counts["messages"], "calls": counts["calls"]})
    return {"data": data}


def by_agent(c: Container, project_id: str, period: str, tz: str | None) -> dict[str, Any]:
    try:
        zone = ZoneInfo(tz) if tz else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"'tz' must be an IANA time zone such as America/New_York; got '{tz}'.") from exc
    now = c.clock().astimezone(zone)
    start_local = datetime.combine(now.date() - timedelta(days=PERIOD_DAYS[period] - 1), time(), tzinfo=zone)
    # Counters are per UTC day: the UTC days overlapping the local period.
    totals = c.usage.agent_days(project_id, start_local.astimezone(ZoneInfo("UTC")).date(), c.clock().date())
    agents = c.agents.get_many(project_id, list(totals))
    data = []
    for agent_id, counts in sorted(totals.items(), key=lambda kv: -kv[1]["calls"]):
        agent = agents.get(agent_id)
        data.append({"agentId": agent_id, "agentName": agent["name"] if agent else "Deleted agent",
                     "messages": counts["messages"], "calls": counts["calls"], "totalSeconds": counts["callSeconds"],
                     "isOrphan": agent is None})
    return {"data": data, "period": period, "periodStart": iso(start_local), "periodEnd": iso(now)}
