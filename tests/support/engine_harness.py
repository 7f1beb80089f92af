"""The call engine with fakes all round (STT events, TTS, responder, carrier, store, clock), so its
decisions can be driven and checked in milliseconds, without real time or audio."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from media_relay.engine import events as ev
from media_relay.engine.cues import CUES
from media_relay.engine.interruption import InterruptionPolicy
from media_relay.engine.machine import CallEngine
from media_relay.engine.outcome import TurnOutcome
from media_relay.engine.plan import CallPlan, RelayLimits
from media_relay.engine.speaker import Speaker
from media_relay.playout import Playout
from media_relay.ports import Transcript, VoiceInfo
from media_relay.reply import ReplyChunk
from media_relay.responders.port import TurnRequest
from media_relay.speech.timing import WordSpan
from tests.support.fake_clock import FakeClock

WORD_MS = 200  # the fake voice says every word in exactly this long
SAMPLE = b"\x10\x27"  # int16 10000: loud enough to be audio, the same in every frame


class FakeTts:
    name = "fake"

    def __init__(self, language: str | None = "en-US") -> None:
        self.said: list[str] = []
        self.fail_on: str | None = None
        self.language = language

    def voices(self) -> list[Any]:
        return [VoiceInfo("fake", "Fake", "fake", "female", self.language)] if self.language else []

    async def synthesize(self, text: str, *, voice: str, speed: float = 1.0, language: str = "en-US"
                         ) -> AsyncIterator[bytes]:
        if self.fail_on and self.fail_on in text:
            raise RuntimeError("the voice is down")
        self.said.append(text)
        yield SAMPLE * (8 * WORD_MS * len(text.split()))


class EvenTimer:
    """Word times of the fake voice: every word WORD_MS long, back to back."""

    costly = False  # so the engine works them out on the loop, within the test's virtual time

    def spans(self, text: str, pcm: bytes, language: str = "en-US") -> list[WordSpan]:
        return [WordSpan(w, i * WORD_MS, (i + 1) * WORD_MS) for i, w in enumerate(text.split())]


Reply = list[ReplyChunk] | Callable[[TurnRequest], AsyncIterator[ReplyChunk]]


class ScriptedResponder:
    """Answers each turn with the next scripted reply; remembers requests, outcomes and closed streams."""

    def __init__(self, replies: list[Reply] | None = None) -> None:
        self.replies = list(replies or [])
        self.requests: list[TurnRequest] = []
        self.outcomes: list[TurnOutcome] = []
        self.closed: list[str] = []  # turn ids whose reply stream was closed before it ended
        self.clock: Callable[[], float] | None = None

    async def reply(self, request: TurnRequest) -> AsyncIterator[ReplyChunk]:
        self.requests.append(request)
        request.timing.request = request.timing.first_byte = self.clock() if self.clock else None
        script = self.replies.pop(0) if self.replies else [ReplyChunk(text="Okay.")]
        finished = False
        try:
            if callable(script):
                async for chunk in script(request):
                    yield chunk
            else:
                for chunk in script:
                    yield chunk
            finished = True
        finally:
            if not finished:
                self.closed.append(request.turn_id)

    async def turn_finished(self, outcome: TurnOutcome) -> None:
        self.outcomes.append(outcome)


@dataclass
class FakeCarrier:
    hangups: int = 0
    transfers: list[str] = field(default_factory=list)
    closed: int = 0
    refuse_transfer: bool = False
    records: FakeRecords | None = None
    stored_when_asked: list[int] = field(default_factory=list)  # turns in the store at each hang-up or transfer

    async def hang_up(self) -> None:
        self.hangups += 1
        self._asked()

    def _asked(self) -> None:
        if self.records is not None:
            self.stored_when_asked.append(len(self.records.turns))

    async def transfer(self, number: str) -> None:
        self._asked()
        if self.refuse_transfer:
            raise RuntimeError("the carrier refused")
        self.transfers.append(number)

    async def close_stream(self) -> None:
        self.closed += 1


@dataclass
class FakeRecords:
    turns: list[dict[str, Any]] = field(default_factory=list)
    end_reasons: list[str | None] = field(default_factory=list)

    async def append_turn(self, turn: dict[str, Any]) -> None:
        for _ in range(3):  # a store takes a few rounds of the loop, as a real one does
            await asyncio.sleep(0)
        self.turns.append(turn)

    async def set_end_reason(self, reason: str | None) -> None:
        self.end_reasons.append(reason)


def plan_for(agent: dict[str, Any] | None = None, call: dict[str, Any] | None = None,
             limits: RelayLimits | None = None, stream_mode: str | None = None) -> CallPlan:
    agent = {"id": "agent_1", "voice": "slt", **(agent or {})}
    return CallPlan.resolve({"id": "call_1", **(call or {})}, agent, project_id="proj_1",
                            limits=limits, stream_mode=stream_mode)


class Harness:
    """One call: the engine and a real Playout on a fake clock, with a far end the test plays by hand."""

    def __init__(self, plan: CallPlan, responder: ScriptedResponder | None = None,
                 policy: InterruptionPolicy | None = None) -> None:
        self.clock = FakeClock()
        self.sent: list[dict[str, Any]] = []
        self.plan = plan
        self.tts = FakeTts()
        self.responder = responder or ScriptedResponder()
        self.responder.clock = self.clock
        self.records = FakeRecords()
        self.carrier = FakeCarrier(records=self.records)
        # A lead far beyond any reply: every frame goes out at once, and the fake clock says what was played.
        self.playout = Playout(self._send, "MZ1", lead_ms=3_600_000, clock=self.clock)
        self.policy = policy
        self.result: str | None = None

    @property
    def spoken(self) -> list[str]:
        """What the agent's turns synthesised (the backchannel cues, made once at the start, left out)."""
        cues = {line for lines in CUES.values() for line in lines}
        return [text for text in self.tts.said if text not in cues]

    async def _send(self, text: str) -> None:
        self.sent.append(json.loads(text))

    async def __aenter__(self) -> Harness:
        self.group = asyncio.TaskGroup()
        await self.group.__aenter__()
        self.engine = CallEngine(
            self.plan, playout=self.playout, responder=self.responder,
            speaker=Speaker(self.tts, self.playout, self.plan, lambda e: self.engine.post(e), quiet_s=0.05,
                            clock=self.clock),
            records=self.records, carrier=self.carrier, clock=self.clock, spawn=self.group.create_task,
            timer=EvenTimer(), policy=self.policy)  # type: ignore[arg-type]
        self.player = self.group.create_task(self.playout.run())
        self.running = self.group.create_task(self._run())
        await self.idle()
        return self

    async def _run(self) -> None:
        self.result = await self.engine.run()

    async def __aexit__(self, *exc: Any) -> None:
        if not self.running.done():
            await self.stop()
        self.player.cancel()
        await self.group.__aexit__(*exc)

    async def idle(self, rounds: int = 60) -> None:
        """Let every task run until nothing is left to do (no real time passes)."""
        for _ in range(rounds):
            await asyncio.sleep(0)

    async def post(self, event: ev.Event) -> None:
        self.engine.post(event)
        await self.idle()

    async def advance(self, seconds: float, step: float = 0.1) -> None:
        """Let `seconds` pass on the clock, in steps, handling what falls due on the way."""
        remaining = seconds
        while remaining > 1e-9:
            self.clock.advance(min(step, remaining))
            remaining -= step
            await self.idle()

    async def play_all(self) -> None:
        """The far end plays everything sent so far: time passes, and every mark comes back."""
        frames = sum(1 for m in self.sent if m["event"] == "media")
        played = getattr(self, "_frames_played", 0)
        await self.advance((frames - played) * 0.02)
        self._frames_played = frames
        for name in self.marks_pending():
            await self.post(ev.MarkPlayed(name))

    def marks_pending(self) -> list[str]:
        echoed = getattr(self, "_echoed", set())
        names = [m["mark"]["name"] for m in self.sent if m["event"] == "mark" and m["mark"]["name"] not in echoed]
        self._echoed = echoed | set(names)
        return names

    def clears(self) -> int:
        return sum(1 for m in self.sent if m["event"] == "clear")

    async def say(self, text: str, speech_s: float = 0.5, *, words: bool = True, final: str | None = None) -> None:
        """The caller says `text`: speech starts, lasts `speech_s` (voiced time reported as it grows,
        the words recognised as it ends), pauses, the silence window closes and STT finalises (as `final`,
        when the last words changed the recognition)."""
        await self.post(ev.SpeechStarted(self.clock.now()))
        for voiced in range(100, round(speech_s * 1000) + 1, 100):
            await self.advance(0.1)
            await self.post(ev.SpeechProgress(voiced))
        if words:
            await self.post(ev.TranscriptPartial(Transcript(text, False)))
        ended = self.clock.now()
        await self.advance(0.25)
        await self.post(ev.SpeechPaused(ended))
        await self.advance(self.plan.end_of_turn_ms / 1000 - 0.25)
        await self.post(ev.SpeechEnded(ended, self.clock.now()))
        await self.advance(0.05)
        await self.post(ev.TranscriptFinal(Transcript(final or text, True, 0.9), self.clock.now()))

    async def stop(self) -> None:
        await self.post(ev.StreamStopped())
        await asyncio.wait_for(self.running, 5)
