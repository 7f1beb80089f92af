"""Every key shape in the single table, in one place (docs/data-model.md explains the access patterns).

Base table (pk, sk), gsi1 (gsi1pk, gsi1sk), gsi2 (gsi2pk, gsi2sk); `ttl` expires items.
Ids embed their creation time, so `sk = <TYPE>#<id>` sorts by creation.
"""

from __future__ import annotations


def project_pk(project_id: str) -> str:
    return f"PROJECT#{project_id}"


PROJECT_SK = "PROJECT"
PROJECTS_INDEX_PK = "PROJECTS"  # gsi1 partition listing every project (the stuck-call sweep walks it)


def api_key_pk(key_hash: str) -> str:
    return f"APIKEY#{key_hash}"


API_KEY_SK = "APIKEY"


def api_keys_index_pk(project_id: str) -> str:
    """gsi1 partition listing a project's API keys (the key items themselves, by id)."""
    return f"KEYS#{project_id}"


def api_key_sk(key_id: str) -> str:
    return f"APIKEY#{key_id}"


def agent_sk(agent_id: str) -> str:
    return f"AGENT#{agent_id}"


def number_sk(number_id: str) -> str:
    return f"NUMBER#{number_id}"


def phone_pk(e164: str) -> str:
    """The ownership item of a phone number: at most one project holds it (conditional put)."""
    return f"PHONE#{e164}"


PHONE_SK = "PHONE"


def agent_index_pk(agent_id: str) -> str:
    """gsi1 partition of everything that belongs to an agent (numbers, calls, deliveries, conversations)."""
    return f"AGENT#{agent_id}"


def number_index_pk(number_id: str) -> str:
    """gsi2 partition of everything that happened on a number (calls, messages)."""
    return f"NUMBER#{number_id}"


def call_sk(call_id: str) -> str:
    return f"CALL#{call_id}"


def call_pk(call_id: str) -> str:
    """Partition of a call's transcript turns (and live-control records)."""
    return f"CALL#{call_id}"


def turn_sk(seq: int) -> str:
    return f"TURN#{seq:05d}"


def live_call_index_pk(project_id: str) -> str:
    """gsi3 (sparse) partition of a project's calls that have not ended yet."""
    return f"LIVE#{project_id}"


def carrier_call_pk(carrier_call_id: str) -> str:
    """Maps a carrier call id (Twilio CallSid) to our call for status callbacks."""
    return f"CARRIERCALL#{carrier_call_id}"


CARRIER_CALL_SK = "CARRIERCALL"


def webhook_sk(agent_id: str | None = None) -> str:
    return "WEBHOOK" if agent_id is None else f"WEBHOOK#AGENT#{agent_id}"


def delivery_sk(delivery_id: str) -> str:
    return f"DELIVERY#{delivery_id}"


def usage_pk(project_id: str) -> str:
    return f"USAGE#{project_id}"


def usage_day_sk(day: str) -> str:
    return f"DAY#{day}"


def usage_agent_day_sk(agent_id: str, day: str) -> str:
    """Day first, so a period of days is one key range across all agents."""
    return f"AGENTDAY#{day}#{agent_id}"


def usage_number_sk(number_id: str) -> str:
    return f"NUMBER#{number_id}"


def conversation_sk(conversation_id: str) -> str:
    return f"CONV#{conversation_id}"


def conversation_key_sk(number_id: str, participant: str) -> str:
    """Uniqueness item: one conversation per (our number, other party)."""
    return f"CONVKEY#{number_id}#{participant}"


def conversation_list_pk(project_id: str) -> str:
    """gsi1 partition ordering a project's conversations by last message."""
    return f"CONVS#{project_id}"


def conversation_pk(conversation_id: str) -> str:
    return f"CONV#{conversation_id}"


def message_sk(message_id: str) -> str:
    return f"MSG#{message_id}"


def contact_sk(contact_id: str) -> str:
    return f"CONTACT#{contact_id}"


def sub_account_sk(sub_account_id: str) -> str:
    return f"SUBACCOUNT#{sub_account_id}"


def sub_index_pk(sub_account_id: str) -> str:
    """gsi4 (sparse) partition of everything that belongs to a sub-account, each under its own sort key."""
    return f"SUB#{sub_account_id}"


def sub_suffix(sub_account_id: str | None) -> str:
    """Appended to a per-project key (webhook, usage, totals) to make the sub-account's own copy."""
    return f"#SUB#{sub_account_id}" if sub_account_id else ""


def contact_phone_sk(sub_account_id: str | None, e164: str) -> str:
    """Uniqueness item of a contact's number within its scope (and the name lookup for events)."""
    return f"CONTACTPHONE#{sub_account_id or '-'}#{e164}"


def verify_rate_pk(project_id: str, e164: str) -> str:
    return f"VERIFYRATE#{project_id}#{e164}"


def registration_sk(sub_account_id: str | None) -> str:
    """One 10DLC registration per scope (the project's, or a sub-account's)."""
    return f"REGISTRATION{sub_suffix(sub_account_id)}"


def web_token_pk(token_hash: str) -> str:
    """A web call's single-use access token, by its SHA-256 (the token itself is never stored)."""
    return f"WEBTOKEN#{token_hash}"


WEB_TOKEN_SK = "WEBTOKEN"


def scope_owner(project_id: str, sub_account_id: str | None = None) -> str:
    """Who a list's counters and cursors belong to: the project, or one of its sub-accounts."""
    return f"SUB#{sub_account_id}" if sub_account_id else project_pk(project_id)


def counts_pk(owner: str) -> str:
    """The counter item of a list owner (`PROJECT#<p>`, `SUB#<s>`, `AGENT#<a>`, `NUMBER#<n>`)."""
    return f"COUNTS#{owner}"


COUNTS_SK = "COUNTS"


def cursor_pk(owner: str, list_name: str) -> str:
    """The cached cursors of one list (one item per offset reached)."""
    return f"CURSOR#{owner}#{list_name}"


def cursor_sk(offset: int) -> str:
    return f"OFF#{offset:06d}"


def call_state_index_pk(project_id: str, status: str, direction: str) -> str:
    """gsi5 partition of a project's calls in one status and direction (`GET /v1/calls?status=&direction=`)."""
    return f"CALLS#{project_id}#{status}#{direction}"


def sub_call_state_index_pk(sub_account_id: str, status: str, direction: str) -> str:
    """gsi6 (sparse) partition of a sub-account's calls in one status and direction."""
    return f"CALLS#SUB#{sub_account_id}#{status}#{direction}"


def active_numbers_index_pk(project_id: str) -> str:
    """gsi5 (sparse) partition of a project's active numbers (released ones drop out)."""
    return f"NUMBERS#{project_id}#active"


def sub_active_numbers_index_pk(sub_account_id: str) -> str:
    """gsi6 (sparse) partition of a sub-account's active numbers."""
    return f"NUMBERS#SUB#{sub_account_id}#active"
