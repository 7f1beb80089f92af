"""The caller's side of a call: audio in, events out.

Per 20 ms frame: VAD (with the room's background and the agent's echo taken out), STT fed while
the caller speaks (with 300 ms of audio from before the onset, so first syllables are not lost),
and the endpointer's early end of turn at pauses (judged at the pause, ended once the quiet is
long enough). What matters becomes an event on the engine's
queue: speech started, progressed, paused, resumed and ended; transcripts, partial and final.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from media_relay.audio.vad import VadController, VadEvent
from media_relay.endpointing.endpointer import Endpointer
from media_relay.engine import events as ev
from media_relay.ports import FRAME_BYTES_PCM, FRAME_MS, SttStream
from switchboard.logging import logger

PREROLL_FRAMES = 15  # 300 ms of audio before the VAD decided "speech", so first syllables reach STT
# The caller's audio may go to STT in larger pieces while they are voiced, unless the agent holds the
# floor (words over it decide an interruption). After this much quiet it goes in the smallest pieces
# again, so the words before a pause reach the recogniser no later than with small pieces throughout.
FINE_AFTER_QUIET_MS = 100


@dataclass(frozen=True, slots=True)
class Heard:
    """Caller audio `Listener.take` could not finish at once: a frame that needs awaiting, and the rest."""

    frame: bytes
    event: VadEvent | None
    rest: bytes


class Listener:
    def __init__(self, vad: VadController, stt: SttStream, endpointer: Endpointer, post: Callable[[ev.Event], None],
                 spawn: Callable[[Any], asyncio.Task[Any]], denoise: Callable[[bytes], bytes] | None = None,
                 agent_floor: Callable[[], bool] = lambda: False) -> None:
        self.vad, self.stt, self.endpointer, self.post, self.spawn = vad, stt, endpointer, post, spawn
        self.denoise = denoise  # the agent's denoisingMode, applied before VAD and STT
        self.agent_floor = agent_floor  # is the agent's audio playing, queued or held over a sound?
        self.coarse = False  # the pace STT was last given
        self.preroll: deque[bytes] = deque(maxlen=PREROLL_FRAMES)
        self.stream_ms = 0

    async def hear(self, pcm: bytes) -> None:
        """Caller audio (PCM8K), any whole number of frames."""
        await self.follow(self.take(pcm))

    def take(self, pcm: bytes) -> Heard | None:
        """Caller audio taken at once, with nothing to await while the caller is quiet (most frames of
        every call): None when every frame was quiet, else the first frame that was not, with the rest
        of `pcm`, for `follow` (which the caller awaits before any later audio)."""
        for start in range(0, len(pcm) - FRAME_BYTES_PCM + 1, FRAME_BYTES_PCM):
            frame, event = self._classify(pcm[start:start + FRAME_BYTES_PCM])
            if event is None and not self.vad.speaking:
                self.preroll.append(frame)
            else:
                return Heard(frame, event, pcm[start + FRAME_BYTES_PCM:])
        return None

    async def follow(self, heard: Heard | None) -> None:
        """What `take` left: its frame's consequences, then the audio after it."""
        while heard is not None:
            await self._act(heard.frame, heard.event)
            heard = self.take(heard.rest) if heard.rest else None

    def _classify(self, frame: bytes) -> tuple[bytes, VadEvent | None]:
        if self.denoise is not None:
            frame = self.denoise(frame)
        event = self.vad.feed(frame, self.stream_ms)
        self.stream_ms += FRAME_MS
        return frame, event

    async def _act(self, frame: bytes, event: VadEvent | None) -> None:
        """A frame that is voiced, inside an utterance, or changed the VAD's state."""
        if event is not None and event.kind != "speech_stopped":
            await self._on_vad(event)  # first: a barge-in must not wait for the recogniser
        if self.vad.speaking:
            self._pace()
        if event is not None and event.kind == "speech_started":
            self.endpointer.start(b"".join(self.preroll))
            for earlier in self.preroll:
                await self.stt.push(earlier)
            self.preroll.clear()
        if self.vad.speaking or event is not None:
            self.endpointer.add(frame)
            await self.stt.push(frame)
        else:  # the utterance ended (early) between the frame's VAD and now
            self.preroll.append(frame)
        if event is not None and event.kind == "speech_stopped":
            await self._on_vad(event)  # after the last frame reached the recogniser
        elif self.vad.paused and self.endpointer.ends_now(self.vad.silent_ms):
            await self._end_early()

    def _pace(self) -> None:
        coarse = self.vad.silent_ms < FINE_AFTER_QUIET_MS and not self.agent_floor()
        if coarse != self.coarse:
            self.coarse = coarse
            self.stt.pace(coarse)

    async def _on_vad(self, event: VadEvent) -> None:
        match event.kind:
            case "speech_started":
                self.post(ev.SpeechStarted(self._when(event)))
            case "speech_resumed":
                self.endpointer.resumed()
                self.post(ev.SpeechResumed(self._when(event)))
            case "speech_progress":
                self.post(ev.SpeechProgress(event.voiced_ms))
            case "speech_paused":
                self.post(ev.SpeechPaused(self._when(event)))
                self.spawn(self._maybe_finished())
            case "speech_stopped":
                await self._ended(event)

    def _when(self, event: VadEvent) -> float:
        """The monotonic time the frame `event` names was spoken."""
        return time.monotonic() - (self.stream_ms - event.at_ms) / 1000

    async def _ended(self, event: VadEvent) -> None:
        # The caller's last voiced frame is when their speech ended; now is when we decided it had.
        self.endpointer.ended()
        self.post(ev.SpeechEnded(self._when(event), time.monotonic()))
        await self.stt.flush()

    async def _maybe_finished(self) -> None:
        """At a pause: judge whether the turn is plainly finished; it ends once the quiet is long enough
        (now, if the decision took that long), unless the caller has spoken since."""
        try:
            await self.endpointer.judge_pause()
            if self.vad.paused and self.endpointer.ends_now(self.vad.silent_ms):
                await self._end_early()
        except Exception:
            logger.exception("end-of-turn check failed")

    async def _end_early(self) -> None:
        event = self.vad.end_utterance()
        if event is not None:
            await self._ended(event)

    def words(self, text: str) -> None:
        self.endpointer.partial = text

    async def transcripts(self) -> None:
        """STT results as events: partials are evidence while the caller speaks, finals make turns."""
        async for transcript in self.stt.results():
            if transcript.is_final:
                self.post(ev.TranscriptFinal(transcript, time.monotonic()))
            else:
                self.words(transcript.text)
                self.post(ev.TranscriptPartial(transcript))
