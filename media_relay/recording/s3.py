"""Where a finished recording goes: the deployment's S3 bucket, then the call's record names it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from media_relay.recording.recorder import Store
from media_relay.records import CallContext
from switchboard.container import Container
from switchboard.recordings import recording_key


def s3_recordings(container: Container) -> Callable[[CallContext], Store] | None:
    """A store function per call, or None when the deployment has no recordings bucket."""
    store = container.recordings
    if store is None:
        return None

    def for_call(ctx: CallContext) -> Store:
        call_id = ctx.call["id"]

        async def save(path: Path, seconds: float) -> None:
            key = recording_key(ctx.project_id, call_id)
            await asyncio.to_thread(store.upload, path, key)
            url = f"{container.settings.public_base_url.rstrip('/')}/v1/calls/{call_id}/recording"
            await asyncio.to_thread(container.calls.update, ctx.project_id, call_id, {
                "recordingAvailable": True, "recordingUrl": url, "recordingKey": key,
                "recordingSeconds": round(seconds, 2)}, unless_terminal=False)

        return save

    return for_call
