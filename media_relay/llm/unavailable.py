"""A stand-in model for when none could be built (bad configuration): every turn fails cleanly,
so a hosted call hears the apology and hangs up instead of the relay failing at start."""

from __future__ import annotations

from collections.abc import AsyncIterator

from media_relay.llm.port import ChatRequest, ModelUnavailable, StreamEvent


class UnavailableModel:
    name = "unavailable"

    def __init__(self, reason: str) -> None:
        self.reason = reason

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        raise ModelUnavailable(f"No language model is configured: {self.reason}")
        yield  # an async generator, like every adapter's stream()

    async def aclose(self) -> None:
        return None
