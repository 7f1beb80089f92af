"""A call's live transcript stream (SSE) and its recording: the routes that carry more than JSON.

API Gateway's HTTP APIs return a Lambda's response whole, so a live stream cannot be served from
Lambda: where `transcript_stream_url` is set (the template sets the relay's HTTPS address), a live
call's stream answers `307` to the relay with a signed, short-lived token in the URL, because
clients drop `Authorization` on a redirect to another host. A finished call's stream is short and
final, so it is answered here in one piece. Locally uvicorn streams, so the API serves it itself.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from switchboard import signed
from switchboard.api.deps import CtxDep, authenticate, container
from switchboard.clock import iso
from switchboard.container import Container
from switchboard.errors import NotFound
from switchboard.recordings import CONTENT_TYPE, recording_key
from switchboard.services import transcript_stream
from switchboard.services.call_wait import finished

router = APIRouter(prefix="/v1/calls", tags=["calls"])
STREAM_TOKEN_SECONDS = 60  # only to open the redirected stream; it then runs as long as the call
CHUNK = 64 * 1024


@router.get("/{call_id}/transcript/stream", response_class=StreamingResponse,
            responses={200: {"content": {transcript_stream.MEDIA_TYPE: {}}}, 307: {"description": "to the relay"}})
async def stream_transcript(call_id: str, ctx: CtxDep,
                            last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None) -> Response:
    """Server-Sent Events: `connected`, every stored `turn`, live turns, then `ended` with the final call."""
    c = ctx.c
    call = await asyncio.to_thread(c.calls.get, ctx.project_id, call_id)
    base = c.settings.transcript_stream_url
    if base and not finished(c, call):
        token = signed.sign(c.signing_key, "transcript", str(ctx.project_id), call_id,
                            int(time.time()) + STREAM_TOKEN_SECONDS)
        return RedirectResponse(f"{base.rstrip('/')}/v1/calls/{call_id}/transcript/stream?token={quote(token)}",
                                status_code=307, headers={"Cache-Control": "no-store"})
    after = transcript_stream.resume_from(last_event_id)
    return StreamingResponse(transcript_stream.stream(c, ctx.project_id, call, after),
                             media_type=transcript_stream.MEDIA_TYPE, headers=transcript_stream.HEADERS)


def _recording_of(c: Container, project_id: str, call_id: str) -> str:
    """The call's recording key; NotFound (saying why) when it has none."""
    call = c.calls.get(project_id, call_id)
    if call.get("disableRecording"):
        raise NotFound(f"Call '{call_id}' was not recorded: recording was turned off for it (disableRecording).")
    if not call.get("recordingAvailable") or c.recordings is None:
        raise NotFound(f"Call '{call_id}' has no recording (it is stored when the call ends, unless recording "
                       "is off for the call, its agent or this deployment).")
    return str(call.get("recordingKey") or recording_key(project_id, call_id))


@router.get("/{call_id}/recording", response_class=StreamingResponse,
            responses={200: {"content": {CONTENT_TYPE: {}}}, 307: {"description": "to a presigned URL"}})
async def get_recording(call_id: str, request: Request, token: str | None = None) -> Response:
    """The recording (WAV, caller left, agent right), with the API key or a signed `token` from `/link`."""
    c = container(request)
    if token is not None:
        project_id = signed.verify(c.signing_key, token, "recording", call_id)
    else:
        project_id = await asyncio.to_thread(authenticate, c, request.headers)
    key = await asyncio.to_thread(_recording_of, c, project_id, call_id)
    stored = await asyncio.to_thread(c.recordings.head, key)
    if stored is None:
        raise NotFound(f"Call '{call_id}' has no recording any more (deleted, or past its retention).")
    limit = c.settings.recording_inline_max_bytes
    if limit is not None and stored.size > limit:  # larger than the front can return: fetch it from S3
        url = await asyncio.to_thread(c.recordings.presign, key, c.settings.recording_link_seconds)
        return RedirectResponse(url, status_code=307, headers={"Cache-Control": "no-store"})
    body = await asyncio.to_thread(c.recordings.body, key)

    async def chunks() -> Any:
        while data := await asyncio.to_thread(body.read, CHUNK):
            yield data

    return StreamingResponse(chunks(), media_type=CONTENT_TYPE, headers={
        "Content-Length": str(stored.size), "Cache-Control": "private, no-store",
        "Content-Disposition": f'inline; filename="{call_id}.wav"'})


@router.post("/{call_id}/recording/link")
def recording_link(call_id: str, ctx: CtxDep) -> JSONResponse:
    """A link to the recording that works without the API key until `expiresAt` (for an `<audio>` element)."""
    c = ctx.c
    _recording_of(c, ctx.project_id, call_id)
    expires = int(time.time()) + c.settings.recording_link_seconds
    token = signed.sign(c.signing_key, "recording", str(ctx.project_id), call_id, expires)
    path = f"/v1/calls/{call_id}/recording?token={quote(token)}"
    return JSONResponse({"url": f"{c.settings.public_base_url.rstrip('/')}{path}", "path": path,
                         "expiresAt": iso(datetime.fromtimestamp(expires, tz=UTC))})
