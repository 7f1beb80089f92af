"""One call on a Twilio Media Stream: the socket read into events, and the engine that decides on them.

The reader does the per-frame work (mu-law → PCM → VAD → STT) and turns what matters into typed
events on the engine's queue: speech started and ended, transcripts, keys, marks, the stream's
end. Everything the call starts (playout, the STT reader, the engine and the engine's own tasks)
is owned by one task group and ends with the call.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from media_relay import twilio_protocol as tp
from media_relay.audio import codec
from media_relay.audio.denoise import for_mode as denoiser_for
from media_relay.audio.echo import EchoGate
from media_relay.audio.vad import FrameAnalyzer, VadController
from media_relay.call_control import CallControl
from media_relay.endpointing.endpointer import Endpointer
from media_relay.endpointing.smart_turn import SmartTurn
from media_relay.engine import events as ev
from media_relay.engine.clock import Clock, LoopClock
from media_relay.engine.machine import CallEngine
from media_relay.engine.plan import CallPlan, RelayLimits
from media_relay.engine.speaker import Speaker
from media_relay.hosted import HostedResponder
from media_relay.listener import Listener
from media_relay.llm.config import LlmSettings
from media_relay.llm.factory import build_language_model
from media_relay.llm.port import LanguageModel
from media_relay.llm.unavailable import UnavailableModel
from media_relay.playout import Playout
from media_relay.ports import SpeechToText, TextToSpeech
from media_relay.records import CallContext, CallRecords
from media_relay.responders.hosted import HostedReplies
from media_relay.responders.port import Responder
from media_relay.responders.webhook import WebhookResponder
from media_relay.speech.timing import WordTimer
from media_relay.stats import RelayStats
from switchboard.logging import logger

ONSET_WHEN_NEVER_MS = 160  # with barge-in off, the VAD still needs an onset to find the caller's turns


def default_word_timer() -> WordTimer:
    """Forced alignment when pocketsphinx is installed (it is, in the relay image); the estimate otherwise."""
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        return WordTimer()
    from media_relay.speech.alignment import SphinxAligner

    return WordTimer(SphinxAligner())


@dataclass
class RelayDeps:
    stt: SpeechToText
    tts: TextToSpeech
    records: CallRecords
    http: httpx.AsyncClient
    control: CallControl | None = None
    vad_mode: int = 2
    limits: RelayLimits = field(default_factory=RelayLimits)
    stats: RelayStats = field(default_factory=RelayStats)
    word_timer: WordTimer = field(default_factory=default_word_timer)
    turn_model: SmartTurn | None = None  # without it, turns end after the end-of-turn window
    clock: Clock = field(default_factory=LoopClock)
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

    def responder(self, ctx: CallContext, plan: CallPlan) -> Responder:
        if plan.mode == "hosted":
            return HostedReplies(HostedResponder.for_call(
                ctx.call, ctx.agent, model=self.language_model(), settings=self.llm_settings(), http=self.http,
                signing_secret=(ctx.webhook or {}).get("secret")))
        return WebhookResponder(ctx, self.http, self.records)


class BoundRecords:
    """The store, for one call."""

    def __init__(self, records: CallRecords, ctx: CallContext) -> None:
        self.records, self.ctx = records, ctx

    async def append_turn(self, turn: dict[str, Any]) -> None:
        await self.records.append_turn(self.ctx, turn)

    async def set_end_reason(self, reason: str | None) -> None:
        await self.records.set_end_reason(self.ctx, reason)


class StreamCarrier:
    """Carrier actions for one call; closing the socket ends `<Connect><Stream>` if all else fails."""

    def __init__(self, control: CallControl | None, carrier_call_id: str, ws: Any) -> None:
        self.control, self.carrier_call_id, self.ws = control, carrier_call_id, ws

    def _control(self) -> CallControl:
        if self.control is None:
            raise RuntimeError("this relay has no carrier to act through")
        return self.control

    async def hang_up(self) -> None:
        await self._control().hang_up(self.carrier_call_id)

    async def transfer(self, number: str) -> None:
        await self._control().transfer(self.carrier_call_id, number)

    async def close_stream(self) -> None:
        await self.ws.close()


class CallSession:
    def __init__(self, ws: Any, deps: RelayDeps) -> None:
        self.ws, self.deps = ws, deps

    async def run(self) -> None:
        start = await self._wait_for_start()
        if start is None:
            return
        params = start.parameters
        ctx = await self.deps.records.load(params.get("projectId", ""), params.get("callId", ""))
        plan = CallPlan.resolve(ctx.call, ctx.agent, project_id=ctx.project_id, limits=self.deps.limits,
                                stream_mode=params.get("mode"))
        echo = EchoGate()
        self.playout = Playout(self.ws.send, start.stream_sid, stats=self.deps.stats, echo=echo)
        stt = await self.deps.stt.open_stream(language=plan.language)
        vad = VadController(FrameAnalyzer(self.deps.vad_mode, echo=echo),
                            start_ms=plan.barge_in_ms or ONSET_WHEN_NEVER_MS, stop_ms=plan.end_of_turn_ms)
        logger.info("call connected", extra={"callId": plan.call_id, "streamSid": start.stream_sid})
        reason: str | None = None
        try:
            async with asyncio.TaskGroup() as group:
                engine = CallEngine(
                    plan, playout=self.playout, responder=self.deps.responder(ctx, plan),
                    speaker=Speaker(self.deps.tts, self.playout, plan, lambda e: engine.post(e)),
                    records=BoundRecords(self.deps.records, ctx), clock=self.deps.clock,
                    carrier=StreamCarrier(self.deps.control, start.call_sid or ctx.call.get("carrierCallId", ""),
                                          self.ws),
                    spawn=group.create_task, timer=self.deps.word_timer)
                listener = Listener(vad, stt, Endpointer(plan, self.deps.turn_model), engine.post, group.create_task,
                                    denoise=denoiser_for(plan.denoising_mode))
                helpers = [group.create_task(self.playout.run()), group.create_task(listener.transcripts())]
                deciding = group.create_task(engine.run())
                try:
                    await self._read(listener, engine)
                finally:
                    engine.post(ev.StreamStopped())
                    await stt.close()
                    reason = await deciding
                    for task in helpers:
                        task.cancel()
        finally:
            # Always: the call's record (and its end event) must not wait on a session that failed.
            await self.deps.records.call_ended(ctx, reason)
        logger.info("call ended", extra={"callId": plan.call_id, "framesSent": self.playout.frames_sent,
                                         "endReason": reason, "bargeIns": engine.barge_ins})

    async def _wait_for_start(self) -> tp.Start | None:
        async for raw in self.ws:
            msg = tp.parse(raw)
            if isinstance(msg, tp.Start):
                return msg
            if isinstance(msg, tp.Stop):
                return None
        return None

    # -- the socket --------------------------------------------------------------------------------------
    async def _read(self, listener: Listener, engine: CallEngine) -> None:
        async for raw in self.ws:
            msg = tp.parse(raw)
            if isinstance(msg, tp.Media):
                self.deps.stats.frames_in += 1
                await listener.hear(codec.decode(msg.payload))
            elif isinstance(msg, tp.Mark):
                engine.post(ev.MarkPlayed(msg.name))
            elif isinstance(msg, tp.Dtmf):
                engine.post(ev.DigitPressed(msg.digit, time.monotonic()))
            elif isinstance(msg, tp.Stop):
                return
