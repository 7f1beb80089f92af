"""What carrier callbacks do to texts: store inbound SMS and tell the agent, move sent texts along.

Inbound rules (README "Text messages"): a number nobody owns, or a released one, gets an empty
answer and nothing is stored. Otherwise the text is stored in its conversation and reported as
`message.received`; the agent is asked (`agent.message`, channel sms) only when the number has
an agent whose `enableMessaging` is on. A repeated webhook (same MessageSid) changes nothing.
"""

from __future__ import annotations

from typing import Any

from switchboard.clock import iso
from switchboard.container import Container
from switchboard.errors import Conflict
from switchboard.logging import logger
from switchboard.services import messages as service
from switchboard.store.conversations import message_view

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
MAX_MEDIA = 10

# Twilio's MessageStatus → (our status, rank). A callback applies only if its rank is above the
# stored one, so late or out-of-order callbacks never move a message backwards.
STATUS_MAP: dict[str, tuple[str, int]] = {
    "accepted": ("queued", 0), "scheduled": ("queued", 0), "queued": ("queued", 0),
    "sending": ("sending", 1), "sent": ("sent", 2), "delivered": ("delivered", service.FINAL_RANK),
    "undelivered": ("failed", service.FINAL_RANK), "failed": ("failed", service.FINAL_RANK),
    "canceled": ("failed", service.FINAL_RANK),
}
DELIVERY_ERRORS = {
    "30001": "the carrier's queue overflowed", "30002": "the account was suspended",
    "30003": "the destination handset is unreachable", "30004": "the message was blocked",
    "30005": "the destination number is unknown or no longer in service",
    "30006": "the destination is a landline or an unreachable carrier",
    "30007": "the message was filtered by the carrier", "30008": "an unknown error at the carrier",
}


def _carrier_id(form: dict[str, str]) -> str:
    return form.get("MessageSid") or form.get("SmsMessageSid") or form.get("SmsSid") or ""


def _media(form: dict[str, str]) -> list[str]:
    try:
        count = min(int(form.get("NumMedia") or 0), MAX_MEDIA)
    except ValueError:
        count = 0
    return [form[f"MediaUrl{i}"] for i in range(count) if form.get(f"MediaUrl{i}")]


def receive(c: Container, form: dict[str, str]) -> dict[str, Any] | None:
    """Store an inbound text and raise its events; returns the message, or None when ignored."""
    to, sender, carrier_id = form.get("To", ""), form.get("From", ""), _carrier_id(form)
    owner = c.numbers.owner_of(to)
    if owner is None or not sender:
        logger.warning("inbound SMS for a number nobody owns (or without a sender)", extra={"to": to})
        return None
    project_id = owner["projectId"]
    number = c.numbers.get(project_id, owner["numberId"])
    if number["status"] != "active" or c.conversations.by_carrier_id(carrier_id):
        return None
    agent = c.agents.find(project_id, number["agentId"]) if number.get("agentId") else None
    media = _media(form)
    try:
        message, _ = c.conversations.record_message(
            project_id, number=number, participant=sender, agent_id=agent["id"] if agent else None,
            direction="inbound", body=form.get("Body", ""), status="received",
            carrier_message_id=carrier_id or None, media_urls=media)
    except Conflict:  # the same MessageSid arrived twice at once; the other request handles it
        return None
    agent_id = agent["id"] if agent else None
    c.usage.add(project_id, messages=1, agent_id=agent_id, number_id=number["id"],
                sub_account_id=number.get("subAccountId"))
    service.publish(c, project_id, "message.received", message, agent_id)
    if agent is not None and agent.get("enableMessaging", True):
        service.agent_message(c, project_id, agent, message)
    return message


def _locate(c: Container, query: dict[str, str], carrier_id: str) -> tuple[str, str] | None:
    """(conversation id, message id) from the callback URL we gave, else from the carrier's id."""
    if query.get("conversationId") and query.get("messageId"):
        return query["conversationId"], query["messageId"]
    marker = c.conversations.by_carrier_id(carrier_id)
    return (marker["conversationId"], marker["messageId"]) if marker else None


def failure_reason(status: str, code: str | None) -> str:
    what = DELIVERY_ERRORS.get(code or "", "the carrier gave no reason")
    suffix = f" (carrier error {code})" if code else ""
    return f"The text was {status}: {what}{suffix}."


def apply_status(c: Container, form: dict[str, str], query: dict[str, str]) -> dict[str, Any] | None:
    """Move a sent text to the status the carrier reports; emit `message.sent` the first time it is
    sent or delivered. A failure is recorded on the message (`failureReason`, `errorCode`)."""
    reported = form.get("MessageStatus") or form.get("SmsStatus") or ""
    carrier_id = _carrier_id(form)
    if reported not in STATUS_MAP:
        return None
    found = _locate(c, query, carrier_id)
    stored = c.conversations.get_message(*found) if found else None
    if stored is None or (carrier_id and stored.get("carrierMessageId") not in (None, carrier_id)):
        logger.warning("status callback for an unknown text", extra={"messageSid": carrier_id})
        return None
    status, rank = STATUS_MAP[reported]
    now = iso(c.clock())
    changes: dict[str, Any] = {"status": status, "updatedAt": now}
    if status in ("sent", "delivered"):
        changes[f"{status}At"] = now
    if status == "failed":
        code = form.get("ErrorCode") or None
        changes |= {"failureReason": failure_reason(reported, code), "errorCode": code}
    updated = c.conversations.advance_message(stored["conversationId"], stored["id"], changes, rank)
    if updated is None:
        return None
    if status in ("sent", "delivered") and c.conversations.claim_sent_event(stored["conversationId"], stored["id"]):
        service.publish(c, stored["projectId"], "message.sent", message_view(updated), stored.get("agentId"))
    return updated
