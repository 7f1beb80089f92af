"""Sending texts, and the events texts raise: one rule set for the API and the carrier callbacks."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from switchboard.container import Container
from switchboard.errors import InvalidInput, SwitchboardError
from switchboard.ids import new_id
from switchboard.logging import logger
from switchboard.models.message import MessageSend
from switchboard.services import contacts
from switchboard.settings import Settings
from switchboard.store.conversations import message_view

STATUS_PATH = "/telephony/twilio/sms-status"
DEFAULT_CONTEXT_LIMIT = 10
# How far along its way a text is; a status callback may only move a message forward.
FINAL_RANK = 3


def status_callback_url(settings: Settings, conversation_id: str, message_id: str) -> str:
    """Where the carrier reports a sent text's progress; naming the message lets a callback that
    overtakes the send's own response still find it."""
    query = urlencode({"conversationId": conversation_id, "messageId": message_id})
    return f"{settings.public_base_url.rstrip('/')}{STATUS_PATH}?{query}"


def sent_view(message: dict[str, Any]) -> dict[str, Any]:
    """A message with the SDK's snake_case names beside the camelCase ones (SendMessageResponse)."""
    view = message_view(message)
    return {**view, "from_number": view["fromNumber"], "to_number": view["toNumber"],
            "conversation_id": view.get("conversationId"), "media_urls": view.get("mediaUrls") or []}


def _sender(c: Container, project_id: str, agent: dict[str, Any], body: MessageSend) -> dict[str, Any]:
    """The number the text goes out from: the one named, else the agent's first."""
    numbers = [n for n in c.numbers.for_agent(agent["id"]) if n.get("status", "active") == "active"]
    if body.numberId:
        c.numbers.get(project_id, body.numberId)  # unknown or another project's: 404
        match = [n for n in numbers if n["id"] == body.numberId]
        if not match:
            raise InvalidInput(f"'numberId' {body.numberId} is not attached to agent '{agent['id']}'.")
        return match[0]
    if body.fromNumber:
        match = [n for n in numbers if n["phoneNumber"] == body.fromNumber]
        if not match:
            raise InvalidInput(f"'fromNumber' {body.fromNumber} is not a number of agent '{agent['id']}'.")
        return match[0]
    if not numbers:
        raise InvalidInput(f"Agent '{agent['id']}' has no phone number to text from; attach one first.")
    return numbers[0]


def _media(body: MessageSend) -> str | None:
    if body.recipients:
        raise InvalidInput("'recipients' (group messages) is not supported for SMS; send to one 'toNumber'.")
    urls = ([body.mediaUrl] if body.mediaUrl else []) + list(body.mediaUrls or [])
    urls = list(dict.fromkeys(urls))
    if len(urls) > 1:
        raise InvalidInput("Only one media URL per message is supported; send the others as further messages.")
    if urls and not urls[0].startswith(("https://", "http://")):
        raise InvalidInput(f"'mediaUrl' must be an http(s) URL; got '{urls[0]}'.")
    return urls[0] if urls else None


def send(c: Container, project_id: str, body: MessageSend) -> dict[str, Any]:
    """Store the text as queued, hand it to the carrier, and return it.

    A carrier refusal marks the message failed, with the carrier's reason, and is raised (4xx/502).
    """
    agent = c.agents.get(project_id, body.agentId)
    number = _sender(c, project_id, agent, body)
    media_url = _media(body)
    if body.toNumber == number["phoneNumber"]:
        raise InvalidInput("'toNumber' is the sending number itself.")
    message, conv = c.conversations.record_message(
        project_id, number=number, participant=body.toNumber, agent_id=agent["id"], direction="outbound",
        body=body.body, status="queued", media_url=media_url, message_id=new_id("msg"))
    try:
        sent = c.carrier.send_message(to=body.toNumber, from_=number["phoneNumber"], body=body.body,
                                      status_callback=status_callback_url(c.settings, conv["id"], message["id"]),
                                      media_url=media_url)
    except SwitchboardError as exc:
        code = getattr(exc, "code", None)
        c.conversations.advance_message(conv["id"], message["id"], {
            "status": "failed", "failureReason": exc.detail, "errorCode": str(code) if code else None}, FINAL_RANK)
        raise
    c.conversations.set_carrier_id(project_id, conv["id"], message["id"], sent.carrier_message_id)
    c.usage.add(project_id, messages=1, agent_id=agent["id"], number_id=number["id"],
                sub_account_id=number.get("subAccountId"))
    # As the carrier's own answer does, this reports the text as accepted for sending (queued);
    # its progress arrives by status callback and shows on the conversation's messages.
    return sent_view(message)


def publish(c: Container, project_id: str, event: str, data: dict[str, Any], agent_id: str | None,
            extra: dict[str, Any] | None = None) -> None:
    """Queue an SMS event for webhook delivery; a queue outage never fails the carrier callback."""
    try:
        c.event_queue.publish(project_id, event, data, agent_id=agent_id, channel="sms", extra=extra)
    except Exception:
        logger.exception("could not queue a message event", extra={"event": event, "messageId": data.get("id")})


def recent_history(c: Container, message: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    """The conversation's last `limit` texts before `message`, oldest first, in the voice history's shape."""
    earlier = c.conversations.recent(message["conversationId"], limit, exclude_id=message["id"])
    return [{"content": m["body"], "direction": m["direction"], "channel": "sms", "at": m["receivedAt"]}
            for m in earlier]


def agent_message(c: Container, project_id: str, agent: dict[str, Any], message: dict[str, Any]) -> None:
    """Ask the agent about an inbound text: `agent.message` (channel sms) with the conversation so far."""
    hook = c.webhooks.resolve(project_id, agent["id"], agent.get("subAccountId"))
    limit = hook.get("contextLimit", DEFAULT_CONTEXT_LIMIT) if hook else DEFAULT_CONTEXT_LIMIT
    data = {**message, "from": message["fromNumber"], "to": message["toNumber"], "message": message["body"],
            "messageId": message["id"]}
    contact = contacts.for_event(c, project_id, agent.get("subAccountId"), message["fromNumber"])
    if contact:
        data["contact"] = contact
    publish(c, project_id, "agent.message", data, agent["id"],
            extra={"recentHistory": recent_history(c, message, limit)})
