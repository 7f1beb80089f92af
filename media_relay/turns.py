"""A call's turns: ask the webhook, speak each chunk as it arrives, act, write the turn when it ends.

A turn ends when everything it said has been heard (marks), or when the caller cuts in: then
the session cancels it, and the stored `response` holds only the sentences whose marks came
back before the `clear`; the next `agent.message` says what was heard and what was not.

Latency is stamped per turn on the monotonic clock: `endpointing` (caller's speech end → final
transcript), `firstResponseByte` (request sent → first byte of the reply), `firstAudio` (speech
end → first frame of the answer sent to the caller).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from media_relay.audio import dtmf
from media_relay.hosted import HostedResponder
from media_relay.playout import Playout, Segment
from media_relay.ports import Transcript
from media_relay.reply import ReplyChunk, parse_chunk
from media_relay.responder import Exchange, respond
from media_relay.tts.flite_tts import sentences
from switchboard.clock import iso, utcnow
from switchboard.ids import new_id
from switchboard.logging import logger

if TYPE_CHECKING:
    from media_relay.records import CallContext
    from media_relay.session import RelayDeps

# What the session does when a reply asks to end or transfer the call: (kind, transfer number).
ActionHandler = Callable[[str, str | None], Awaitable[None]]
HEARD_SLACK_S = 5.0  # how much longer than the audio itself we wait for its marks to come back
MIN_SPOKEN_CHARS = 40  # shorter sentences ride with the next one: fewer TTS requests, same marks


def speakable(text: str) -> list[str]:
    """Sentences to synthesise and mark one by one; short ones ("Okay.") are joined to the next."""
    groups: list[str] = []
    for sentence in sentences(text):
        if groups and len(groups[-1]) < MIN_SPOKEN_CHARS:
            groups[-1] += " " + sentence
        else:
            groups.append(sentence)
    return groups


def _ms(later: float | None, earlier: float | None) -> int | None:
    return None if later is None or earlier is None else max(0, round((later - earlier) * 1000))


@dataclass
class Turn:
    id: str
    transcript: Transcript | None = None
    speech_ended_at: float | None = None
    flushed_at: float | None = None
    transcript_at: float | None = None
    first_object_at: float | None = None  # the reply's first object with something to say
    tts_ms: int | None = None  # text handed to TTS → its first audio, for the first sentence
    segments: list[Segment] = field(default_factory=list)
    exchange: Exchange | None = None
    interrupted: bool = False  # the caller cut in
    completed: bool = False  # everything queued was played out and its marks came back
    problems: list[str] = field(default_factory=list)

    def heard_text(self) -> str:
        return " ".join(s.text for s in self.segments if s.text and s.heard.is_set())

    def unheard_text(self) -> str:
        return " ".join(s.text for s in self.segments if s.text and not s.heard.is_set())


class TurnRunner:
    def __init__(self, ctx: CallContext, deps: RelayDeps, playout: Playout,
                 on_action: ActionHandler | None = None) -> None:
        self.ctx, self.deps, self.playout = ctx, deps, playout
        self.on_action = on_action
        self.history: list[dict[str, Any]] = []
        self.digits = ""
        self.last_latency: dict[str, int | None] | None = None
        self.last_interruption: dict[str, str] | None = None
        self.current: Turn | None = None
        # Hosted mode: the agent's language model answers instead of a webhook.
        self.hosted: HostedResponder | None = None
        if (ctx.call.get("voiceMode") or ctx.agent.get("voiceMode")) == "hosted":
            self.hosted = HostedResponder.for_call(
                ctx.call, ctx.agent, model=deps.language_model(), settings=deps.llm_settings(), http=deps.http,
                signing_secret=(ctx.webhook or {}).get("secret"))

    # -- speaking ---------------------------------------------------------------------------------
    async def speak(self, text: str, turn: Turn) -> None:
        agent = self.ctx.agent
        for sentence in speakable(text):
            asked, before = time.monotonic(), len(turn.segments)
            async for pcm in self.deps.tts.synthesize(sentence, voice=self.ctx.call.get("voice") or agent["voice"],
                                                      speed=float(agent.get("voiceSpeed", 1.0)),
                                                      language=agent.get("language", "en-US")):
                if turn.tts_ms is None:
                    turn.tts_ms = _ms(time.monotonic(), asked)
                turn.segments.append(self.playout.enqueue(pcm, "", turn.id))
            if len(turn.segments) > before:  # the words count as heard once the last of their audio is
                turn.segments[-1].text = sentence

    def press(self, digits: str, turn: Turn) -> None:
        """Key `digits` toward the far end as in-band tones, after what is already queued."""
        turn.segments.append(self.playout.enqueue(dtmf.tones(digits), "", turn.id))

    async def _until_heard(self, turn: Turn) -> None:
        if not turn.segments:
            return
        budget = sum(s.duration_ms for s in turn.segments) / 1000 + HEARD_SLACK_S
        try:
            await asyncio.wait_for(asyncio.gather(*(s.done.wait() for s in turn.segments)), budget)
        except TimeoutError:
            logger.warning("marks did not come back", extra={"callId": self.ctx.call["id"], "turnId": turn.id})

    def interrupt(self) -> Turn | None:
        """The caller cut in: the turn in flight (if any) is marked; the session cancels its task."""
        if self.current is not None:
            self.current.interrupted = True
        return self.current

    # -- turns ------------------------------------------------------------------------------------
    async def say(self, text: str) -> None:
        """An agent-initiated line (greeting, goodbye): a turn with an empty transcript."""
        turn = self.current = Turn(new_id("tr"))
        try:
            if self.hosted is not None:
                self.hosted.add_agent_line(text)
            await self.speak(text, turn)
            await self._until_heard(turn)
            turn.completed = True
        finally:
            await asyncio.shield(self._finish(turn))

    def _remember(self, content: str, direction: str) -> None:
        self.history.append({"content": content, "direction": direction, "channel": "voice", "at": iso(utcnow())})

    def payload(self, transcript: Transcript, turn_id: str) -> dict[str, Any]:
        call, limit = self.ctx.call, self.ctx.context_limit
        data: dict[str, Any] = {
            "callId": call["id"], "transcript": transcript.text, "confidence": transcript.confidence,
            "from": call["fromNumber"], "to": call["toNumber"], "direction": call["direction"],
            "status": "in-progress", "numberId": call.get("phoneNumberId"), "turnId": turn_id}
        if self.digits:
            data["digits"], self.digits = self.digits, ""
        if self.last_interruption:
            data["interrupted"], self.last_interruption = self.last_interruption, None
        if self.last_latency:
            data["latencyMs"] = self.last_latency
        return {"event": "agent.message", "channel": "voice", "timestamp": iso(utcnow()),
                "agentId": self.ctx.agent["id"], "data": data,
                "recentHistory": self.history[-limit:] if limit else []}

    async def answer(self, transcript: Transcript, speech_ended_at: float | None,
                     flushed_at: float | None = None) -> None:
        turn = self.current = Turn(new_id("tr"), transcript, speech_ended_at, flushed_at, time.monotonic())
        action: tuple[str, str | None] | None = None
        try:
            async with aclosing(self._replies(transcript, turn)) as replies:
                async for chunk in replies:
                    turn.problems += chunk.problems
                    if turn.first_object_at is None and (chunk.text or chunk.digits):
                        turn.first_object_at = time.monotonic()
                    await self._perform_speech(chunk, turn)
                    action = action or self._action_of(chunk, turn)
                    if action:
                        break  # nothing after a hang-up or transfer is said
            if turn.segments:
                await asyncio.wait_for(turn.segments[0].started.wait(), timeout=10)
            await self._until_heard(turn)
            turn.completed = True
        finally:
            await asyncio.shield(self._finish(turn))
        if action and self.on_action is not None:
            await self.on_action(*action)

    async def _replies(self, transcript: Transcript, turn: Turn) -> AsyncGenerator[ReplyChunk, None]:
        """The answer to one caller turn, chunk by chunk: from the agent's webhook, or its own model."""
        payload = None if self.hosted is not None else self.payload(transcript, turn.id)
        if transcript.text:
            self._remember(transcript.text, "inbound")
        if self.hosted is not None:
            digits, self.digits = self.digits or None, ""
            interrupted, self.last_interruption = self.last_interruption, None
            turn.exchange = Exchange(started=time.monotonic())  # latency only: no delivery for a model turn
            async with aclosing(self.hosted.respond(transcript.text, digits=digits, interrupted=interrupted)) as out:
                async for chunk in out:
                    turn.exchange.first_byte = turn.exchange.first_byte or time.monotonic()
                    yield chunk
            return
        hook = self.ctx.webhook
        turn.exchange = Exchange()
        if hook is None or payload is None:
            turn.exchange.error = "No webhook is set for this agent or project."
            return
        async for obj in respond(self.deps.http, hook["url"], hook["secret"], float(hook["timeout"]), payload,
                                 turn.exchange):
            yield parse_chunk(obj)

    async def _perform_speech(self, chunk: ReplyChunk, turn: Turn) -> None:
        if chunk.text:
            await self.speak(chunk.text, turn)
        if chunk.digits:
            self.press(chunk.digits, turn)

    def _action_of(self, chunk: ReplyChunk, turn: Turn) -> tuple[str, str | None] | None:
        if chunk.transfer:
            number = chunk.transfer_number or self.ctx.agent.get("transferNumber")
            if number:
                return "transfer", number
            turn.problems.append("transfer asked for, but neither the reply nor the agent has a transferNumber")
        return ("hangup", None) if chunk.hangup else None

    # -- records ----------------------------------------------------------------------------------
    @staticmethod
    def _breakdown(turn: Turn, first_audio: int | None) -> dict[str, int | None]:
        """Where the time from the caller's last word to the agent's first sound went.

        `overhead` is what is left once the silence window, STT finalisation, the webhook (request
        sent → first object with text) and TTS (text → first audio) are taken out: the relay's own.
        """
        exchange = turn.exchange
        parts = {
            "silenceWindow": _ms(turn.flushed_at, turn.speech_ended_at),
            "sttFinalize": _ms(turn.transcript_at, turn.flushed_at),
            "webhook": _ms(turn.first_object_at, exchange.started or None) if exchange else None,
            "tts": turn.tts_ms,
        }
        overhead = None
        if first_audio is not None and None not in parts.values():
            overhead = first_audio - sum(v for v in parts.values() if v is not None)
        return {**parts, "overhead": overhead}

    async def _finish(self, turn: Turn) -> None:
        """Write the turn as the caller experienced it; never raises (a crash costs the turn only)."""
        if self.current is turn:
            self.current = None
        # Cut short (barge-in, hang-up, time limit): only what the marks prove was heard.
        heard = " ".join(s.text for s in turn.segments if s.text) if turn.completed else turn.heard_text()
        if turn.interrupted:
            self.last_interruption = {"heard": heard, "notHeard": turn.unheard_text()}
        if self.hosted is not None and not turn.completed and turn.transcript is not None:
            self.hosted.truncate_last_reply(heard)  # the model remembers only what the caller heard
        if heard:
            self._remember(heard, "outbound")
        exchange, started = turn.exchange, turn.segments[0].sent_at if turn.segments else None
        latency = {"endpointing": _ms(turn.transcript_at, turn.speech_ended_at),
                   "firstResponseByte": _ms(exchange.first_byte, exchange.started or None) if exchange else None,
                   "firstAudio": _ms(started, turn.speech_ended_at)}
        if turn.transcript is not None:
            latency |= self._breakdown(turn, latency["firstAudio"])
            self.last_latency = latency
        record = {"id": turn.id, "transcript": turn.transcript.text if turn.transcript else "", "response": heard,
                  "confidence": turn.transcript.confidence if turn.transcript else None,
                  "interrupted": turn.interrupted, "createdAt": iso(utcnow()), "latencyMs": latency}
        try:
            await self.deps.records.append_turn(self.ctx, record)
            if exchange is not None and self.ctx.webhook is not None and self.hosted is None:
                note = "; ".join(exchange.skipped + turn.problems) or None
                await self.deps.records.record_delivery(
                    self.ctx, ok=exchange.ok, http_status=exchange.status, error=exchange.error or note,
                    body=exchange.body_head[:1024] or None,
                    duration_ms=_ms(time.monotonic(), exchange.started) or 0)
        except Exception:
            logger.exception("could not write a turn", extra={"callId": self.ctx.call["id"], "turnId": turn.id})
        logger.info("turn", extra={"callId": self.ctx.call["id"], "latencyMs": latency,
                                   "interrupted": turn.interrupted, "ok": exchange.ok if exchange else None})
