"""A call's transcript as Server-Sent Events, read from what the call's turns write to the store.

`connected` first, then every stored turn as `turn` (its number as the event `id`, so a client that
reconnects with `Last-Event-ID` gets only what it missed), then live turns as they are stored, then
`ended` with the final call once it is over and the relay has written everything it had. Nothing
here reaches the process that holds the call: any API or relay process can serve any call's stream,
polling the call's item (one read) and, when it names a new turn, the call's turns. A comment line
keeps idle connections (and the proxies on the way) open.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from switchboard.container import Container
from switchboard.models.call import CallDetail, TranscriptTurn
from switchboard.services import calls as call_service
from switchboard.services.call_wait import finished

MEDIA_TYPE = "text/event-stream"
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def event(name: str, data: dict[str, Any], event_id: int | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def resume_from(last_event_id: str | None) -> int:
    """The turn number a reconnecting client already has (0: replay everything)."""
    return int(last_event_id) if last_event_id and last_event_id.isdigit() else 0


async def stream(c: Container, project_id: str, call: dict[str, Any], after: int = 0) -> AsyncIterator[bytes]:
    """The events of `call` (already checked to be visible to the caller), until it has ended."""
    settings = c.settings
    call_id = call["id"]
    yield event("connected", {"callId": call_id, "status": call["status"], "direction": call["direction"]})
    seen, quiet_since = after, time.monotonic()
    while True:
        done = finished(c, call)  # judged before reading turns, so every turn stored before the end is read
        if done or int(call.get("turnCount") or 0) > seen:
            for seq, turn in await asyncio.to_thread(c.calls.turns_after, call_id, seen):
                yield event("turn", TranscriptTurn.model_validate(turn).model_dump(mode="json"), seq)
                seen, quiet_since = seq, time.monotonic()
        if done:
            detail = await asyncio.to_thread(call_service.detail, c, project_id, call_id)
            yield event("ended", CallDetail.model_validate(detail).model_dump(mode="json"))
            return
        if time.monotonic() - quiet_since >= settings.transcript_keepalive_seconds:
            yield b": keep-alive\n\n"
            quiet_since = time.monotonic()
        await asyncio.sleep(settings.transcript_poll_seconds)
        call = await asyncio.to_thread(c.calls.get, project_id, call_id)
