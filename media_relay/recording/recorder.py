"""One call's recording: taps at the session's edge (caller frames in, agent frames out), and the end.

The caller's audio is taken as the transport hands it to the listener, the agent's as the playout
hands frames to the wire, so the engine and listener know nothing of it. At the end the spool is
closed and handed to the store (S3), and the call is marked `recordingAvailable`.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from media_relay.ports import FRAME_BYTES_MULAW
from media_relay.recording.spool import StereoSpool
from media_relay.wire import Wire
from switchboard.logging import logger

Store = Callable[[Path, float], Awaitable[None]]


def wanted(call: dict[str, Any], agent: dict[str, Any]) -> bool:
    """`disableRecording` on the call or on its agent turns recording off."""
    return not (call.get("disableRecording") or agent.get("disableRecording"))


class RecordingWire:
    """A wire that notes each agent frame (and each clear) before passing it on."""

    def __init__(self, inner: Wire, spool: StereoSpool) -> None:
        self.inner, self.spool = inner, spool
        self.frames_per_message = inner.frames_per_message

    async def media(self, mulaw: bytes) -> None:
        for start in range(0, len(mulaw), FRAME_BYTES_MULAW):
            self.spool.agent_frame(mulaw[start:start + FRAME_BYTES_MULAW])
        await self.inner.media(mulaw)

    async def mark(self, name: str) -> None:
        await self.inner.mark(name)

    async def clear(self) -> None:
        self.spool.agent_cleared()
        await self.inner.clear()


class CallRecorder:
    def __init__(self, call_id: str, store: Store, directory: str | None = None) -> None:
        handle, name = tempfile.mkstemp(prefix=f"{call_id}-", suffix=".wav", dir=directory)
        os.close(handle)  # the spool reopens it by name
        self.call_id, self.store = call_id, store
        self.spool = StereoSpool(Path(name))

    def wire(self, inner: Wire) -> Wire:
        return RecordingWire(inner, self.spool)

    def caller(self, pcm: bytes) -> None:
        self.spool.caller_audio(pcm)

    async def finish(self) -> None:
        """Close the spool and store it; never raises (a lost recording must not fail the call's end)."""
        try:
            seconds = self.spool.finish()
            await self.store(self.spool.path, seconds)
        except Exception:
            logger.exception("could not store the call's recording", extra={"callId": self.call_id})
        finally:
            await asyncio.to_thread(self.spool.path.unlink, missing_ok=True)
