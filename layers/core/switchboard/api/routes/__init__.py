"""All public routers, in the order their paths must be matched (static before `{id}`)."""

from __future__ import annotations

from switchboard.api.routes import (
    agent_webhooks,
    agents,
    calls,
    contacts,
    conversations,
    messages,
    numbers,
    sub_accounts,
    usage,
    webhooks,
)

ROUTERS = [
    agents.voices_router,
    agent_webhooks.router,
    agents.router,
    numbers.router,
    calls.router,
    contacts.router,
    webhooks.router,
    conversations.router,
    messages.router,
    usage.router,
    sub_accounts.router,
]
