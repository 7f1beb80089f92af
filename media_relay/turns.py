"""A call's turns: ask the webhook, speak each chunk as it arrives, write the turn when it completes.

Latency is stamped per turn on the monotonic clock: `endpointing` (caller's speech end → final
transcript), `firstResponseByte` (request sent → first byte of the reply), `firstAudio` (speech
end → first frame of the answer sent to the caller).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from media_relay.playout import Playout, Segment
from media_relay.ports import Transcript
from media_relay.responder import Exchange, respond
from media_relay.tts.flite_tts import sentences
from switchboard.clock import iso, utcnow
from switchboard.ids import new_id
from switchboard.logging import logger

if TYPE_CHECKING:
    from media_relay.records import CallContext
    from media_relay.session import RelayDeps


def _ms(later: float | None, earlier: float | None) -> int | None:
    return None if later is None or earlier is None else max(0, round((later - earlier) * 1000))


class TurnRunner:
    def __init__(self, ctx: CallContext, deps: RelayDeps, playout: Playout) -> None:
        self.ctx, self.deps, self.playout = ctx, deps, playout
        self.history: list[dict[str, Any]] = []
        self.digits = ""
        self.last_latency: dict[str, int | None] | None = None

    async def speak(self, text: str, turn_id: str) -> list[Segment]:
        agent = self.ctx.agent
        segments = []
        for sentence in sentences(text):
            async for pcm in self.deps.tts.synthesize(sentence, voice=self.ctx.call.get("voice") or agent["voice"],
                                                      speed=float(agent.get("voiceSpeed", 1.0)),
                                                      language=agent.get("language", "en-US")):
                segments.append(self.playout.enqueue(pcm, sentence, turn_id))
        return segments

    async def greet(self, text: str) -> None:
        turn_id = new_id("tr")
        await self.speak(text, turn_id)
        self._remember(text, "outbound")
        await self.deps.records.append_turn(self.ctx, {
            "id": turn_id, "transcript": "", "response": text, "confidence": None, "interrupted": False,
            "createdAt": iso(utcnow()), "latencyMs": {"endpointing": None, "firstResponseByte": None,
                                                      "firstAudio": None}})

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
        if self.last_latency:
            data["latencyMs"] = self.last_latency
        return {"event": "agent.message", "channel": "voice", "timestamp": iso(utcnow()),
                "agentId": self.ctx.agent["id"], "data": data,
                "recentHistory": self.history[-limit:] if limit else []}

    async def answer(self, transcript: Transcript, speech_ended_at: float) -> None:
        transcript_at = time.monotonic()
        turn_id = new_id("tr")
        payload = self.payload(transcript, turn_id)
        self._remember(transcript.text, "inbound")
        exchange, spoken, segments = Exchange(), [], []
        hook = self.ctx.webhook
        if hook is None:
            exchange.error = "No webhook is set for this agent or project."
        else:
            async for obj in respond(self.deps.http, hook["url"], hook["secret"], float(hook["timeout"]), payload,
                                     exchange):
                text = obj.get("text")
                if isinstance(text, str) and text.strip():
                    segments += await self.speak(text, turn_id)
                    spoken.append(text.strip())
        if exchange.skipped:
            logger.warning("webhook reply lines skipped", extra={"callId": self.ctx.call["id"],
                                                                 "skipped": exchange.skipped})
        if segments:
            await asyncio.wait_for(segments[0].started.wait(), timeout=10)
        response = " ".join(spoken)
        if response:
            self._remember(response, "outbound")
        latency = {"endpointing": _ms(transcript_at, speech_ended_at),
                   "firstResponseByte": _ms(exchange.first_byte, exchange.started or None),
                   "firstAudio": _ms(segments[0].sent_at if segments else None, speech_ended_at)}
        self.last_latency = latency
        await self.deps.records.append_turn(self.ctx, {
            "id": turn_id, "transcript": transcript.text, "response": response,
            "confidence": transcript.confidence, "interrupted": False, "createdAt": iso(utcnow()),
            "latencyMs": latency})
        if hook is not None:
            note = "; ".join(exchange.skipped) or None
            await self.deps.records.record_delivery(
                self.ctx, ok=exchange.ok, http_status=exchange.status, error=exchange.error or note,
                body=exchange.body_head[:1024] or None, duration_ms=_ms(time.monotonic(), exchange.started) or 0)
        logger.info("turn", extra={"callId": self.ctx.call["id"], "latencyMs": latency, "ok": exchange.ok})
