"""Language models for hosted mode: the `LanguageModel` port, its adapters, and their configuration.

`build_language_model()` picks the adapter (Bedrock or any OpenAI-compatible server) from
`LlmSettings`; `media_relay.hosted.HostedResponder` holds a call's conversation on top of it.
"""

from media_relay.llm.config import LlmSettings
from media_relay.llm.factory import build_language_model
from media_relay.llm.port import (
    ChatRequest,
    LanguageModel,
    MalformedStream,
    Message,
    ModelError,
    ModelRejected,
    ModelThrottled,
    ModelTimeout,
    ModelUnavailable,
    Stop,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolCallEvent,
    ToolResult,
    ToolSpec,
)

__all__ = [
    "ChatRequest",
    "LanguageModel",
    "LlmSettings",
    "MalformedStream",
    "Message",
    "ModelError",
    "ModelRejected",
    "ModelThrottled",
    "ModelTimeout",
    "ModelUnavailable",
    "Stop",
    "StreamEvent",
    "TextDelta",
    "ToolCall",
    "ToolCallEvent",
    "ToolResult",
    "ToolSpec",
    "build_language_model",
]
