"""The responder port: a caller's turn in, the reply's chunks out, and the turn's outcome back.

Two adapters: `WebhookResponder` (a signed `agent.message`, the reply read as NDJSON) and
`HostedReplies` (the agent's own language model). The engine never asks which one it has.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from media_relay.engine.outcome import TurnOutcome
from media_relay.ports import Transcript
from media_relay.reply import ReplyChunk


@dataclass
class ReplyTiming:
    """Stamped by the adapter (monotonic): when it asked, and when the first byte of the answer came."""

    request: float | None = None
    first_byte: float | None = None


@dataclass(frozen=True)
class TurnRequest:
    turn_id: str
    transcript: Transcript
    digits: str | None  # keys the caller pressed since the last turn
    previous: TurnOutcome | None  # the turn before this one, as the caller experienced it
    timing: ReplyTiming


class Responder(Protocol):
    def reply(self, request: TurnRequest) -> AsyncIterator[ReplyChunk]:
        """The reply, chunk by chunk; failures end the stream (never raise into the call)."""
        ...

    async def turn_finished(self, outcome: TurnOutcome) -> None:
        """Every turn's outcome (greetings too), in order: history, model memory, delivery log."""
        ...
