"""The `LanguageModel` port: one chat turn streamed as events, in a provider-neutral form.

A conversation is a list of `Message`s. Assistant messages may carry `tool_calls`; the results
travel back in the next user message's `tool_results` (Bedrock's shape; the OpenAI adapter turns
them into `tool` role messages). A stream yields `TextDelta`s as tokens arrive, a `ToolCallEvent`
per complete tool call (arguments already parsed), and ends with exactly one `Stop`.

Adapters raise only `ModelError` subclasses, so the caller can handle every provider the same way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from switchboard.errors import UpstreamError

Role = Literal["user", "assistant"]


@dataclass(frozen=True)
class ToolSpec:
    """A function the model may call; `parameters` is a JSON Schema object."""

    name: str
    description: str
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ToolResult:
    """What a tool returned: a JSON value or text; `is_error` when it failed (the content says why)."""

    call_id: str
    name: str
    content: Any
    is_error: bool = False


@dataclass
class Message:
    """One conversation entry. Mutable on purpose: a reply cut off by the caller is shortened in place."""

    role: Role
    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_results: list[ToolResult] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.text.strip() or self.tool_calls or self.tool_results)


@dataclass(frozen=True)
class ChatRequest:
    model: str
    system: str
    messages: Sequence[Message]
    tools: Sequence[ToolSpec] = ()
    max_tokens: int = 400
    temperature: float | None = None


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class ToolCallEvent:
    call: ToolCall


@dataclass(frozen=True)
class Stop:
    """The end of a stream. `reason`: `end_turn`, `tool_use`, `max_tokens`, or the provider's own word."""

    reason: str


StreamEvent = TextDelta | ToolCallEvent | Stop


class LanguageModel(Protocol):
    name: str

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """Stream one assistant turn (an async generator: `aclose()` early stops generation and its reads)."""
        ...

    async def aclose(self) -> None: ...


# -- errors -----------------------------------------------------------------------------------------
class ModelError(UpstreamError):
    """The language model could not answer; `detail` says why in a sentence an operator can act on."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, status=type(self).status)


class ModelUnavailable(ModelError):
    """Connection refused, 5xx, service unavailable, model not ready."""

    status = 503


class ModelThrottled(ModelError):
    """The provider is rate limiting us."""

    status = 503


class ModelTimeout(ModelError):
    """No first token (or no next token) within the configured timeout."""

    status = 504


class ModelRejected(ModelError):
    """The request was refused (bad model id, access denied, validation): retrying will not help."""

    status = 502
    retryable = False


class MalformedStream(ModelError):
    """The stream could not be understood or ended without finishing."""

    status = 502
    retryable = False
