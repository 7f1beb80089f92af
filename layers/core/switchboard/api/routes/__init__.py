"""All public routers, in the order their paths must be matched (static before `{id}`)."""

from __future__ import annotations

from switchboard.api.routes import (
    agent_webhooks,
    agents,
    api_keys,
    call_media,
    calls,
    contacts,
    conversations,
    messages,
    numbers,
    register,
    sip_trunks,
    sub_accounts,
    unavailable,
    usage,
    verify_lookup_feedback,
    webhooks,
)

ROUTERS = [
    agents.voices_router,
    agent_webhooks.router,
    agents.router,
    verify_lookup_feedback.lookup_router,
    numbers.router,
    calls.router,
    call_media.router,
    contacts.router,
    webhooks.router,
    conversations.router,
    messages.router,
    usage.router,
    sub_accounts.router,
    api_keys.router,
    sip_trunks.router,
    register.router,
    verify_lookup_feedback.verify_router,
    verify_lookup_feedback.feedback_router,
    unavailable.router,
]
