"""One call's pipeline, whatever carries its audio: a Twilio Media Stream or a browser's WebSocket.

A transport brings three things: a wire (how frames, marks and clears look on its socket), a carrier
(hang up, transfer, close), and a reader that feeds the far end's audio, marks and keys into a
`CallSink` until the far end stops. Everything else (VAD, STT, the endpointer, the engine, the
speaker, the playout, the recording) is the same for every call, and is owned by one task group
that ends with the call.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from media_relay.audio.denoise import for_mode as denoiser_for
from media_relay.audio.echo import EchoGate
from media_relay.audio.vad import FrameAnalyzer, VadController
from media_relay.call_control import CallControl
from media_relay.endpointing.endpointer import Endpointer
from media_relay.endpointing.smart_turn import SmartTurn
from media_relay.engine import events as ev
from media_relay.engine.actions import CarrierPort
from media_relay.engine.clock import Clock, LoopClock
from media_relay.engine.machine import CallEngine
from media_relay.engine.plan import CallPlan, RelayLimits
from media_relay.engine.speaker import Speaker
from media_relay.hosted import HostedResponder
from media_relay.listener import Heard, Listener
from media_relay.llm.config import LlmSettings
from media_relay.llm.factory import build_language_model
from media_relay.llm.port import LanguageModel
from media_relay.llm.unavailable import UnavailableModel
from media_relay.playout import Playout
from media_relay.ports import SpeechToText, TextToSpeech
from media_relay.recording.recorder import CallRecorder, Store, wanted
from media_relay.records import CallContext, CallRecords
from media_relay.responders.hosted import HostedReplies
from media_relay.responders.port import Responder
from media_relay.responders.webhook import WebhookResponder
from media_relay.speech.timing import WordTimer
from media_relay.stats import RelayStats
from media_relay.wire import TWILIO_FRAMES_PER_MESSAGE, Wire
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
    frames_per_message: int = TWILIO_FRAMES_PER_MESSAGE  # Twilio media messages (the browser's wire: always 1)
    limits: RelayLimits = field(default_factory=RelayLimits)
    stats: RelayStats = field(default_factory=RelayStats)
    word_timer: WordTimer = field(default_factory=default_word_timer)
    turn_model: SmartTurn | None = None  # without it, turns end after the end-of-turn window
    clock: Clock = field(default_factory=LoopClock)
    # Where a finished call's recording goes (None: this relay records nothing), and where it spools.
    recordings: Callable[[CallContext], Store] | None = None
    spool_dir: str | None = None
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

    def recorder(self, ctx: CallContext) -> CallRecorder | None:
        if self.recordings is None or not wanted(ctx.call, ctx.agent):
            return None
        return CallRecorder(ctx.call["id"], self.recordings(ctx), self.spool_dir)


class BoundRecords:
    """The store, for one call."""

    def __init__(self, records: CallRecords, ctx: CallContext) -> None:
        self.records, self.ctx = records, ctx

    async def append_turn(self, turn: dict[str, Any]) -> None:
        await self.records.append_turn(self.ctx, turn)

    async def set_end_reason(self, reason: str | None) -> None:
        await self.records.set_end_reason(self.ctx, reason)


class CallSink:
    """What a transport feeds: the far end's audio (PCM 8 kHz), its marks and its keys."""

    def __init__(self, listener: Listener, engine: CallEngine, stats: RelayStats,
                 recorder: CallRecorder | None) -> None:
        self.listener, self.engine, self.stats, self.recorder = listener, engine, stats, recorder

    async def audio(self, pcm: bytes) -> None:
        await self.follow(self.audio_now(pcm))

    def audio_now(self, pcm: bytes) -> Heard | None:
        """`audio` without a task switch: None when it is all done, else what `follow` must finish
        before any later audio (see `Listener.take`)."""
        self.stats.frames_in += 1
        if self.recorder is not None:
            self.recorder.caller(pcm)
        return self.listener.take(pcm)

    async def follow(self, heard: Heard | None) -> None:
        await self.listener.follow(heard)

    def mark(self, name: str) -> None:
        self.engine.post(ev.MarkPlayed(name))

    def digit(self, digit: str) -> None:
        self.engine.post(ev.DigitPressed(digit, time.monotonic()))


class Transport(Protocol):
    @property
    def wire(self) -> Wire: ...  # read-only members: a transport may hold a more specific kind

    @property
    def carrier(self) -> CarrierPort: ...

    async def read(self, sink: CallSink) -> None:
        """Feed the far end's traffic into `sink` until the far end stops."""
        ...


async def run_call(deps: RelayDeps, ctx: CallContext, plan: CallPlan, transport: Transport,
                   responder: Responder | None = None) -> str | None:
    """Run the call to its end; returns why the platform ended it (None: the far end did)."""
    echo = EchoGate()
    recorder = deps.recorder(ctx)
    wire = transport.wire if recorder is None else recorder.wire(transport.wire)
    playout = Playout(None, wire=wire, stats=deps.stats, echo=echo)
    stt = await deps.stt.open_stream(language=plan.language)
    vad = VadController(FrameAnalyzer(deps.vad_mode, echo=echo),
                        start_ms=plan.barge_in_ms or ONSET_WHEN_NEVER_MS, stop_ms=plan.end_of_turn_ms)
    reason: str | None = None
    engine: CallEngine | None = None
    try:
        async with asyncio.TaskGroup() as group:
            engine = CallEngine(
                plan, playout=playout, responder=responder or deps.responder(ctx, plan),
                speaker=Speaker(deps.tts, playout, plan, lambda e: engine.post(e)),  # type: ignore[union-attr]
                records=BoundRecords(deps.records, ctx), clock=deps.clock, carrier=transport.carrier,
                spawn=group.create_task, timer=deps.word_timer)
            listener = Listener(vad, stt, Endpointer(plan, deps.turn_model), engine.post, group.create_task,
                                denoise=denoiser_for(plan.denoising_mode), agent_floor=lambda: bool(playout.pieces))
            helpers = [group.create_task(playout.run()), group.create_task(listener.transcripts())]
            deciding = group.create_task(engine.run())
            try:
                await transport.read(CallSink(listener, engine, deps.stats, recorder))
            finally:
                engine.post(ev.StreamStopped())
                # The far end is gone: release its socket now, not after the turns and recording are stored.
                with contextlib.suppress(Exception):
                    await transport.carrier.close_stream()
                await stt.close()
                reason = await deciding
                for task in helpers:
                    task.cancel()
    finally:
        if recorder is not None:  # before the call's end is released: its record then names the recording
            await recorder.finish()
        # Always: the call's record (and its end event) must not wait on a session that failed.
        await deps.records.call_ended(ctx, reason)
    logger.info("call ended", extra={"callId": plan.call_id, "framesSent": playout.frames_sent,
                                     "endReason": reason, "bargeIns": engine.barge_ins if engine else 0})
    return reason
