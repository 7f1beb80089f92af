"""The speaker: one turn's reply, from text to audio in the playout, piece by piece, as early as it can.

Text is cut by `speech.text.TextChunker`: a sentence goes to text-to-speech the moment its full stop
arrives, and whatever is buffered goes once the reply has been quiet for `quiet_s` (a model
thinking, a tool running, a slow webhook). Each piece's audio is handed to the playout as the
engine synthesises it, so the first sentence plays while the rest is still being written. The
speaker decides nothing about the call: it reports to the engine when audio is first queued and
when the reply is over, with the chunk that closed it (its hang-up, transfer).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass

from media_relay.audio import dtmf
from media_relay.engine.events import AudioQueued, Event, ReplyEnded
from media_relay.engine.plan import CallPlan
from media_relay.playout import Piece, Playout
from media_relay.ports import TextToSpeech
from media_relay.reply import ReplyChunk
from media_relay.speech.text import TextChunker
from media_relay.streams import QUIET, with_quiet
from switchboard.logging import logger


@dataclass
class SpeechStamps:
    """When a turn's first words reached text-to-speech, and how long its first audio took."""

    first_text: float | None = None
    tts_ms: int | None = None


class Speaker:
    def __init__(self, tts: TextToSpeech, playout: Playout, plan: CallPlan, post: Callable[[Event], None], *,
                 quiet_s: float = 0.15, clock: Callable[[], float] = time.monotonic) -> None:
        self.tts, self.playout, self.plan, self.post = tts, playout, plan, post
        self.quiet_s, self.clock = quiet_s, clock

    async def speak(self, turn_id: str, pieces: list[Piece], stamps: SpeechStamps,
                    replies: AsyncIterator[ReplyChunk]) -> None:
        """Speak a reply; always ends by posting ReplyEnded (unless the engine cancelled the turn)."""
        chunker = TextChunker()
        last: ReplyChunk | None = None
        problems: list[str] = []
        try:
            async with aclosing(with_quiet(replies, self.quiet_s)) as items:
                async for item in items:
                    if item is QUIET:
                        if chunker.pending:
                            await self._say(chunker.release(), turn_id, pieces, stamps, problems)
                        continue
                    assert isinstance(item, ReplyChunk)
                    last = item
                    problems += item.problems
                    for text in chunker.add(item.text):
                        await self._say(text, turn_id, pieces, stamps, problems)
                    if (item.complete or item.digits or not item.interim) and chunker.pending:
                        await self._say(chunker.release(), turn_id, pieces, stamps, problems)
                    if item.digits:
                        self._press(item.digits, turn_id, pieces)
                    if item.hangup or item.transfer or not item.interim:
                        break  # nothing after a hang-up or transfer is said
            if chunker.pending:
                await self._say(chunker.release(), turn_id, pieces, stamps, problems)
        except Exception as exc:
            logger.exception("reply failed", extra={"callId": self.plan.call_id, "turnId": turn_id})
            problems.append(f"the reply failed: {type(exc).__name__}")
        self.post(ReplyEnded(turn_id, last, tuple(problems)))

    async def say(self, turn_id: str, pieces: list[Piece], stamps: SpeechStamps, text: str) -> None:
        """A line of the agent's own (greeting, goodbye): a reply of one chunk."""
        async def line() -> AsyncIterator[ReplyChunk]:
            yield ReplyChunk(text=text)
        await self.speak(turn_id, pieces, stamps, line())

    async def _say(self, text: str, turn_id: str, pieces: list[Piece], stamps: SpeechStamps,
                   problems: list[str]) -> None:
        piece = self.playout.start_piece(text, turn_id)
        pieces.append(piece)
        asked = self.clock()
        stamps.first_text = stamps.first_text or asked
        plan = self.plan
        try:
            async for pcm in self.tts.synthesize(text, voice=plan.voice, speed=plan.speed, language=plan.language):
                if stamps.tts_ms is None:
                    stamps.tts_ms = max(0, round((self.clock() - asked) * 1000))
                first = not any(p.audio for p in pieces)
                self.playout.add_audio(piece, pcm)
                if first:
                    self.post(AudioQueued(turn_id))
        except Exception as exc:
            logger.exception("text-to-speech failed", extra={"callId": plan.call_id, "turnId": turn_id})
            problems.append(f"text-to-speech failed: {type(exc).__name__}")
        finally:
            self.playout.finish_piece(piece)

    def _press(self, digits: str, turn_id: str, pieces: list[Piece]) -> None:
        """Key `digits` toward the far end as in-band tones, after what is already queued."""
        first = not any(p.audio for p in pieces)
        pieces.append(self.playout.play(dtmf.tones(digits), "", turn_id))
        if first:
            self.post(AudioQueued(turn_id))
