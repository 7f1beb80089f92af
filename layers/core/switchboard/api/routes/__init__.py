"""All public routers, in the order their paths must be matched (static before `{id}`), each with the
path prefixes its routes start with (`{}`: any one segment). Nothing is imported here: `LazyRoutes` imports
a router when a request's path first starts with one of its prefixes (tests/unit/test_route_groups.py
holds the prefixes to the routes).
"""

from __future__ import annotations

from switchboard.api.route_groups import RouteGroup


def _group(spec: str, *prefixes: str) -> RouteGroup:
    module, _, attribute = spec.partition(":")
    return RouteGroup(f"switchboard.api.routes.{module}", attribute, prefixes)


PUBLIC = [
    _group("agents:voices_router", "/v1/agents/voices"),
    _group("agent_webhooks:router", "/v1/agents/{}/webhook"),
    _group("agents:router", "/v1/agents"),
    _group("agent_activity:router", "/v1/agents/{}/calls", "/v1/agents/{}/conversations"),
    _group("verify_lookup_feedback:lookup_router", "/v1/numbers/lookup"),
    _group("numbers:router", "/v1/numbers"),
    _group("calls:router", "/v1/calls"),
    _group("call_media:router", "/v1/calls/{}/recording", "/v1/calls/{}/transcript/stream"),
    _group("contacts:router", "/v1/contacts"),
    _group("webhooks:router", "/v1/webhooks"),
    _group("conversations:router", "/v1/conversations"),
    _group("messages:router", "/v1/messages"),
    _group("usage:router", "/v1/usage"),
    _group("sub_accounts:router", "/v1/sub-accounts"),
    _group("api_keys:router", "/v1/api-keys"),
    _group("sip_trunks:router", "/v1/sip-trunks"),
    _group("register:router", "/v1/register"),
    _group("verify_lookup_feedback:verify_router", "/v1/verify"),
    _group("verify_lookup_feedback:feedback_router", "/v1/feedback"),
    _group("unavailable:router", "/v1/conversations/{}/typing", "/v1/conversations/{}/background",
           "/v1/messages/{}/reactions", "/v1/numbers/{}/contact-card", "/v1/location", "/integrations/whatsapp"),
]

TELEPHONY = [RouteGroup("switchboard.telephony.routes", "router", ("/telephony/twilio",))]
