"""Usage reports, built from per-day atomic counters."""

from __future__ import annotations

from switchboard.models.common import ResponseModel


class PlanLimitsOut(ResponseModel):
    numbers: int
    messagesPerMonth: int
    voiceMinutesPerMonth: int
    maxCallDurationMinutes: int
    concurrentCalls: int


class PlanOut(ResponseModel):
    name: str
    limits: PlanLimitsOut


class NumberLimits(ResponseModel):
    used: int
    limit: int
    remaining: int


class UsageStats(ResponseModel):
    totalMessages: int
    messagesLast24h: int
    messagesLast7d: int
    messagesLast30d: int
    totalCalls: int
    callsLast24h: int
    callsLast7d: int
    callsLast30d: int
    minutesLast30d: float
    totalWebhookDeliveries: int
    successfulWebhookDeliveries: int
    failedWebhookDeliveries: int


class Usage(ResponseModel):
    plan: PlanOut
    numbers: NumberLimits
    stats: UsageStats
    periodStart: str
    periodEnd: str
    reportGeneratedAt: str


class DailyPoint(ResponseModel):
    date: str
    messages: int
    calls: int
    webhooks: int
    voiceMinutes: float


class DailyUsage(ResponseModel):
    data: list[DailyPoint]
    days: int


class MonthlyPoint(ResponseModel):
    month: str
    messages: int
    calls: int
    webhooks: int
    voiceMinutes: float


class MonthlyUsage(ResponseModel):
    data: list[MonthlyPoint]
    months: int


class NumberUsage(ResponseModel):
    numberId: str
    phoneNumber: str
    country: str
    status: str
    agentId: str | None
    agentName: str | None
    messages: int
    calls: int


class NumberUsageList(ResponseModel):
    data: list[NumberUsage]


class AgentUsage(ResponseModel):
    agentId: str | None
    agentName: str
    messages: int
    calls: int
    totalSeconds: int
    isOrphan: bool


class AgentUsageList(ResponseModel):
    data: list[AgentUsage]
    period: str
    periodStart: str
    periodEnd: str
