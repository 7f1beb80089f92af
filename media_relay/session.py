"""One call: its Media Stream, its pipeline stages and its turns, in one task group.

reader (socket → codec → VAD → STT; barge-in; timeouts) · collector (final transcripts → queue)
· conversation (one turn at a time: greeting, answers, goodbye) · playout · call-length limit.

Barge-in: caller speech while the agent is audible (VAD onset threshold from the agent's
`interruptionSensitivity`, so a cough does not count) sends `clear` from the reader at once,
then cancels the turn in flight, which closes its webhook stream and stops its TTS.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import httpx

from media_relay import twilio_protocol as tp
from media_relay.audio import codec
from media_relay.audio.vad import FrameAnalyzer, VadController, start_ms_for
from media_relay.call_control import CallControl
from media_relay.llm.config import LlmSettings
from media_relay.llm.factory import build_language_model
from media_relay.llm.port import LanguageModel
from media_relay.llm.unavailable import UnavailableModel
from media_relay.playout import Playout
from media_relay.ports import FRAME_BYTES_PCM, FRAME_MS, SpeechToText, SttStream, TextToSpeech, Transcript
from media_relay.records import CallContext, CallRecords
from media_relay.stats import RelayStats
from media_relay.templating import fill
from media_relay.turns import TurnRunner
from switchboard.logging import logger

PREROLL_FRAMES = 15  # 300 ms of audio before the VAD decided "speech", so first syllables reach STT
HANGUP_GRACE_S = 5.0  # after asking the carrier to end the call, close the socket ourselves if it has not


@dataclass
class CallLimits:
    """Ends a call politely: after this long with nobody talking, or once it has lasted this long."""

    silence_timeout_s: float = 30.0
    max_duration_s: float = 3600.0
    digits_idle_ms: int = 1500  # keys pressed and then quiet this long: a turn of their own
    silence_goodbye: str = "It sounds like nobody is there, so I will hang up now. Goodbye."
    max_duration_goodbye: str = "We have reached the time limit for this call. Goodbye."


@dataclass
class RelayDeps:
    stt: SpeechToText
    tts: TextToSpeech
    records: CallRecords
    http: httpx.AsyncClient
    control: CallControl | None = None
    vad_mode: int = 2
    limits: CallLimits = field(default_factory=CallLimits)
    stats: RelayStats = field(default_factory=RelayStats)
    # Hosted mode's language model, built on first use (a missing model costs hosted calls, not the relay).
    llm_factory: Callable[[], LanguageModel] | None = None
    _llm: LanguageModel | None = None
    _llm_settings: LlmSettings | None = None

    def llm_settings(self) -> LlmSettings:
        if self._llm_settings is None:
            self._llm_settings = LlmSettings()
        return self._llm_settings

    def language_model(self) -> LanguageModel:
        if self._llm is None:
            try:
                self._llm = (self.llm_factory or (lambda: build_language_model(self.llm_settings(),
                                                                                http=self.http)))()
            except Exception as exc:
                logger.exception("no language model for hosted calls")
                return UnavailableModel(str(exc))
        return self._llm


class CallSession:
    def __init__(self, ws: Any, deps: RelayDeps) -> None:
        self.ws, self.deps = ws, deps
        self.preroll: deque[bytes] = deque(maxlen=PREROLL_FRAMES)
        self.speech_ended_at = 0.0
        self.flushed_at = 0.0  # when the VAD's end of speech asked STT to finalise
        self.stream_ms = 0
        self.last_activity_ms = 0  # stream time the caller or the agent last made a sound
        self.last_digit_ms = 0
        self.utterances: asyncio.Queue[tuple[Transcript, float | None, float | None]] = asyncio.Queue()
        self.turn_task: asyncio.Task[None] | None = None
        self.ending: str | None = None  # the end reason, once the platform decided to end the call
        self.barge_ins = 0  # `clear`s sent because the caller cut in
        self._tasks: list[asyncio.Task[Any]] = []

    async def run(self) -> None:
        start = await self._wait_for_start()
        if start is None:
            return
        params = start.parameters
        ctx = await self.deps.records.load(params.get("projectId", ""), params.get("callId", ""))
        self.ctx: CallContext = ctx
        self.carrier_call_id: str = start.call_sid or ctx.call.get("carrierCallId", "")
        self.mode = params.get("mode")  # "voicemail": an answering machine picked up (carrier AMD)
        agent = ctx.agent
        self.playout = Playout(self.ws.send, start.stream_sid, stats=self.deps.stats)
        stt = await self.deps.stt.open_stream(language=agent.get("language", "en-US"))
        vad = VadController(FrameAnalyzer(self.deps.vad_mode),
                            start_ms=start_ms_for(agent.get("interruptionSensitivity", 0.5)),
                            stop_ms=int(agent.get("maxSilenceMs", 700)))
        self.turns = TurnRunner(ctx, self.deps, self.playout, on_action=self._act)
        logger.info("call connected", extra={"callId": ctx.call["id"], "streamSid": start.stream_sid})
        async with asyncio.TaskGroup() as group:
            self.group = group
            self._tasks = [group.create_task(self.playout.run()), group.create_task(self._collect(stt)),
                           group.create_task(self._converse()), group.create_task(self._time_limit())]
            try:
                await self._read(stt, vad)
            finally:
                await stt.close()
                for task in self._tasks:
                    task.cancel()
        await self.deps.records.call_ended(ctx, self.ending)
        logger.info("call ended", extra={"callId": ctx.call["id"], "framesSent": self.playout.frames_sent,
                                         "endReason": self.ending, "bargeIns": self.barge_ins})

    async def _wait_for_start(self) -> tp.Start | None:
        async for raw in self.ws:
            msg = tp.parse(raw)
            if isinstance(msg, tp.Start):
                return msg
            if isinstance(msg, tp.Stop):
                return None
        return None

    # -- the socket -------------------------------------------------------------------------------
    async def _read(self, stt: SttStream, vad: VadController) -> None:
        async for raw in self.ws:
            msg = tp.parse(raw)
            if isinstance(msg, tp.Media):
                self.deps.stats.frames_in += 1
                await self._on_audio(codec.decode(msg.payload), stt, vad)
            elif isinstance(msg, tp.Mark):
                self.playout.on_mark(msg.name)
            elif isinstance(msg, tp.Dtmf):
                self.turns.digits += msg.digit
                self.last_digit_ms = self.last_activity_ms = self.stream_ms
            elif isinstance(msg, tp.Stop):
                return

    async def _on_audio(self, pcm: bytes, stt: SttStream, vad: VadController) -> None:
        for start in range(0, len(pcm) - FRAME_BYTES_PCM + 1, FRAME_BYTES_PCM):
            frame = pcm[start:start + FRAME_BYTES_PCM]
            event = vad.feed(frame, self.stream_ms)
            self.stream_ms += FRAME_MS
            if event is not None and event.kind == "speech_started":
                if self.playout.busy and not self.ending:
                    await self._barge_in()
                for earlier in self.preroll:
                    await stt.push(earlier)
                self.preroll.clear()
            if vad.speaking or event is not None:
                await stt.push(frame)
            else:
                self.preroll.append(frame)
            if event is not None and event.kind == "speech_stopped":
                # The caller went quiet `stop_ms` ago: that is when their speech ended.
                self.flushed_at = time.monotonic()
                self.speech_ended_at = self.flushed_at - (self.stream_ms - event.at_ms) / 1000
                await stt.flush()
        self._watch_quiet(vad)

    def _watch_quiet(self, vad: VadController) -> None:
        """Per packet: keep the silence clock, and turn a burst of keypresses into a turn of its own."""
        if vad.speaking or self.playout.busy or self.turn_task is not None:
            self.last_activity_ms = self.stream_ms
        limits = self.deps.limits
        if (self.turns.digits and not vad.speaking and self.turn_task is None and self.utterances.empty()
                and self.stream_ms - self.last_digit_ms >= limits.digits_idle_ms):
            self.utterances.put_nowait((Transcript("", True), None, None))
            self.last_digit_ms = self.stream_ms
        if not self.ending and self.stream_ms - self.last_activity_ms >= limits.silence_timeout_s * 1000:
            self._end_politely("silence-timeout", limits.silence_goodbye)

    async def _barge_in(self) -> None:
        await self.playout.clear()  # first: the caller must stop hearing the agent now
        self.barge_ins += 1
        turn = self.turns.interrupt()
        if self.turn_task is not None:
            self.turn_task.cancel()
        logger.info("barge-in", extra={"callId": self.ctx.call["id"], "turnId": turn.id if turn else None})

    # -- turns ------------------------------------------------------------------------------------
    async def _collect(self, stt: SttStream) -> None:
        async for transcript in stt.results():
            if not transcript.is_final:
                continue  # partials (streaming engines) only refine; a turn starts on a final transcript
            if transcript.text.strip():
                self.utterances.put_nowait((transcript, self.speech_ended_at, self.flushed_at))
            else:
                logger.info("utterance with no recognised words", extra={"callId": self.ctx.call["id"]})

    async def _converse(self) -> None:
        if self.mode == "voicemail":
            await self._leave_voicemail()
            return
        text = self.ctx.call.get("initialGreeting") or self.ctx.agent.get("beginMessage")
        if text:
            await self._run_turn(self.turns.say(fill(text, self.ctx.call.get("variables"))))
        while not self.ending:
            transcript, ended_at, flushed_at = await self.utterances.get()
            if not self.ending:
                await self._run_turn(self.turns.answer(transcript, ended_at, flushed_at))

    async def _run_turn(self, turn: Coroutine[Any, Any, None]) -> None:
        """Run one turn as its own task, so a barge-in can cancel it without cancelling the conversation."""
        task = self.turn_task = asyncio.create_task(turn)
        try:
            await asyncio.wait({task})
        except asyncio.CancelledError:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
            raise
        finally:
            if self.turn_task is task:
                self.turn_task = None
        if not task.cancelled() and task.exception() is not None:
            logger.error("turn failed", exc_info=task.exception(), extra={"callId": self.ctx.call["id"]})

    async def _leave_voicemail(self) -> None:
        self.ending = "voicemail"  # nothing the machine plays interrupts or starts a turn
        text = self.ctx.agent.get("voicemailMessage") or ""
        if text:
            await self._run_turn(self.turns.say(fill(text, self.ctx.call.get("variables"))))
        await self._hang_up("voicemail")

    # -- ending the call --------------------------------------------------------------------------
    async def _time_limit(self) -> None:
        await asyncio.sleep(self.deps.limits.max_duration_s)
        self._end_politely("max-duration", self.deps.limits.max_duration_goodbye)

    def _end_politely(self, reason: str, goodbye: str) -> None:
        if self.ending:
            return
        self.ending = reason
        self._tasks.append(self.group.create_task(self._say_goodbye(reason, goodbye)))

    async def _say_goodbye(self, reason: str, goodbye: str) -> None:
        if self.turn_task is not None:
            self.turn_task.cancel()
        if self.playout.busy:
            await self.playout.clear()
        await self._run_turn(self.turns.say(goodbye))
        await self._hang_up(reason)

    async def _act(self, kind: str, number: str | None) -> None:
        """A reply asked to end the call (`hangup`) or hand it on (`transfer`), after its words were heard."""
        if kind == "transfer" and number:
            self.ending = "transferred"
            await self.deps.records.set_end_reason(self.ctx, "transferred")
            try:
                if self.deps.control is None:
                    raise RuntimeError("this relay has no carrier to transfer through")
                await self.deps.control.transfer(self.carrier_call_id, number)
            except Exception:
                logger.exception("transfer failed", extra={"callId": self.ctx.call["id"]})
                self.ending = None
                await self.deps.records.set_end_reason(self.ctx, None)
                await self.turns.say("Sorry, I could not transfer your call.")
                return
            self._close_later()
        else:
            await self._hang_up("agent-hangup")

    async def _hang_up(self, reason: str) -> None:
        self.ending = self.ending or reason
        await self.deps.records.set_end_reason(self.ctx, self.ending)
        try:
            if self.deps.control is None:
                raise RuntimeError("this relay has no carrier to hang up through")
            await self.deps.control.hang_up(self.carrier_call_id)
        except Exception:
            # Closing the socket ends <Connect><Stream> (nothing follows it), so the call still ends.
            logger.exception("carrier hang-up failed; closing the stream", extra={"callId": self.ctx.call["id"]})
            await self.ws.close()
            return
        self._close_later()

    def _close_later(self) -> None:
        """The carrier stops the stream after a hang-up or transfer; if it does not, stop it ourselves."""
        async def close() -> None:
            await asyncio.sleep(HANGUP_GRACE_S)
            await self.ws.close()

        self._tasks.append(self.group.create_task(close()))
