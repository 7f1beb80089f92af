"""`LanguageModel` on Amazon Bedrock's `converse_stream` (boto3).

boto3 blocks, so each stream is read by its own daemon thread that hands events to the event
loop through an asyncio queue; the loop never waits on a socket. Closing the iterator early sets a
stop flag: the reader drops the stream at the next event (closing the connection, so Bedrock stops
generating) and nothing more is delivered. A thread per stream rather than a fixed pool, so a
stalled stream can never hold up another call's turn; its read timeout bounds how long one lives.

Errors, before the stream (`ClientError`, `ThrottlingException`) and inside it (exception frames,
`EventStreamError` with lowerCamel codes such as `modelStreamErrorException`), become the port's
`ModelError`s; both spellings are mapped.
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncGenerator, Callable, Iterable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from media_relay.llm.port import (
    ChatRequest,
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
)
from media_relay.threaded import read_in_thread

CONNECTED_NOTE = "(The call has connected.)"  # Bedrock wants the conversation to open with a user turn
ERROR_CLASSES: dict[str, type[ModelError]] = {
    "ThrottlingException": ModelThrottled,
    "ServiceQuotaExceededException": ModelThrottled,
    "ModelTimeoutException": ModelTimeout,
    "InternalServerException": ModelUnavailable,
    "ServiceUnavailableException": ModelUnavailable,
    "ModelNotReadyException": ModelUnavailable,
    "ModelErrorException": ModelUnavailable,
    "ModelStreamErrorException": ModelUnavailable,
    "ValidationException": ModelRejected,
    "AccessDeniedException": ModelRejected,
    "ResourceNotFoundException": ModelRejected,
    "UnrecognizedClientException": ModelRejected,
}


def _result_block(result: ToolResult) -> dict[str, Any]:
    # `status: error` is only accepted by some models, so a failure is said in the content instead.
    if isinstance(result.content, dict):
        return {"json": result.content}
    if isinstance(result.content, str):
        return {"text": result.content or "(empty)"}
    return {"json": {"result": result.content}}


def _content(message: Message) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [
        {"toolResult": {"toolUseId": r.call_id, "content": [_result_block(r)]}} for r in message.tool_results]
    if message.text.strip():
        blocks.append({"text": message.text})
    blocks += [{"toolUse": {"toolUseId": c.id, "name": c.name, "input": c.arguments}} for c in message.tool_calls]
    return blocks


def to_bedrock_messages(messages: list[Message]) -> list[dict[str, Any]]:
    """Converse messages: empty ones dropped, same-role neighbours merged, opening with a user turn."""
    out: list[dict[str, Any]] = []
    for message in messages:
        if not (content := _content(message)):
            continue
        if out and out[-1]["role"] == message.role:
            merged = out[-1]["content"] + content
            out[-1]["content"] = sorted(merged, key=lambda block: "toolResult" not in block)  # results first
        else:
            out.append({"role": message.role, "content": content})
    if out and out[0]["role"] == "assistant":
        out.insert(0, {"role": "user", "content": [{"text": CONNECTED_NOTE}]})
    return out


def request_params(request: ChatRequest) -> dict[str, Any]:
    inference: dict[str, Any] = {"maxTokens": request.max_tokens}
    if request.temperature is not None:
        inference["temperature"] = request.temperature
    params: dict[str, Any] = {"modelId": request.model, "messages": to_bedrock_messages(list(request.messages)),
                              "inferenceConfig": inference}
    if request.system:
        params["system"] = [{"text": request.system}]
    if request.tools:
        params["toolConfig"] = {"tools": [
            {"toolSpec": {"name": t.name, "description": t.description, "inputSchema": {"json": t.parameters}}}
            for t in request.tools]}
    return params


@dataclass
class ConverseTranslator:
    """Turns converse-stream events into port events; tool input fragments are joined per block."""

    tools: dict[int, dict[str, Any]] = field(default_factory=dict)
    stopped: bool = False

    def feed(self, event: dict[str, Any]) -> list[StreamEvent]:
        if "contentBlockStart" in event:
            body = event["contentBlockStart"]
            tool = (body.get("start") or {}).get("toolUse")
            if tool:
                self.tools[body.get("contentBlockIndex", 0)] = {"id": tool.get("toolUseId", ""),
                                                                "name": tool.get("name", ""), "input": ""}
        elif "contentBlockDelta" in event:
            return self._delta(event["contentBlockDelta"])
        elif "contentBlockStop" in event:
            return self._block_stop(event["contentBlockStop"].get("contentBlockIndex", 0))
        elif "messageStop" in event:
            self.stopped = True
            return [Stop(event["messageStop"].get("stopReason") or "end_turn")]
        return []

    def _delta(self, body: dict[str, Any]) -> list[StreamEvent]:
        delta = body.get("delta") or {}
        if delta.get("text"):
            return [TextDelta(delta["text"])]
        if "toolUse" in delta:
            index = body.get("contentBlockIndex", 0)
            if index not in self.tools:
                raise MalformedStream("Bedrock streamed tool input for a block it never started.")
            self.tools[index]["input"] += delta["toolUse"].get("input") or ""
        return []

    def _block_stop(self, index: int) -> list[StreamEvent]:
        tool = self.tools.pop(index, None)
        if tool is None:
            return []
        try:
            arguments = json.loads(tool["input"]) if tool["input"].strip() else {}
        except json.JSONDecodeError as exc:
            raise MalformedStream(f"Bedrock's input for tool '{tool['name']}' is not valid JSON.") from exc
        if not isinstance(arguments, dict) or not tool["name"]:
            raise MalformedStream(f"Bedrock streamed an unusable tool call ('{tool['name']}').")
        return [ToolCallEvent(ToolCall(tool["id"], tool["name"], arguments))]


def bedrock_error(exc: BaseException) -> ModelError:
    """The port's error for anything boto3 raised (both spellings of Bedrock's error codes)."""
    from botocore import exceptions as bex
    from urllib3 import exceptions as urllib3_errors

    if isinstance(exc, ModelError):
        return exc
    if isinstance(exc, bex.ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code") or "an unnamed error"  # e.g. an exception frame of a type botocore lacks
        canonical = code[:1].upper() + code[1:]
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        default = ModelRejected if 400 <= status < 500 else ModelUnavailable
        return ERROR_CLASSES.get(canonical, default)(f"Bedrock answered {canonical}: "
                                                     f"{error.get('Message') or 'no message'}")
    if isinstance(exc, bex.ReadTimeoutError | urllib3_errors.ReadTimeoutError):  # before / during the stream
        return ModelTimeout(f"Bedrock sent nothing within the read timeout ({exc}).")
    if isinstance(exc, bex.NoCredentialsError):
        return ModelRejected("No AWS credentials were found for Bedrock (environment, profile or role).")
    if isinstance(exc, bex.HTTPClientError | bex.EndpointConnectionError):
        return ModelUnavailable(f"Could not reach Bedrock: {exc}")
    if isinstance(exc, urllib3_errors.ProtocolError):
        return ModelUnavailable(f"Bedrock's connection broke mid-stream: {exc}")
    return MalformedStream(f"Bedrock's stream could not be read: {type(exc).__name__}: {exc}")


class BedrockModel:
    """`LanguageModel` on `bedrock-runtime`; pass `client` (boto3) or let it build one."""

    name = "bedrock"

    def __init__(self, client: Any = None, *, region: str | None = None, endpoint_url: str | None = None,
                 timeout: float = 20.0, max_attempts: int = 2) -> None:
        if client is None:
            import boto3
            from botocore.config import Config

            # One retry at most: a caller is waiting, and a failure has its own spoken fallback.
            client = boto3.client("bedrock-runtime", region_name=region, endpoint_url=endpoint_url, config=Config(
                read_timeout=timeout, connect_timeout=min(timeout, 5.0), max_pool_connections=64,
                retries={"mode": "standard", "total_max_attempts": max_attempts}))
        self.client = client

    async def aclose(self) -> None:
        return None

    async def stream(self, request: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        params = request_params(request)

        def open_stream() -> tuple[Iterable[Any], Callable[[], None]]:
            stream = self.client.converse_stream(**params)["stream"]
            return stream, stream.close

        def start(read: Callable[[], None]) -> None:
            threading.Thread(target=read, daemon=True, name="bedrock-stream").start()

        translator = ConverseTranslator()
        # Stopping early (barge-in) closes the reader: the thread drops the stream at its next event.
        async with aclosing(read_in_thread(open_stream, start, bedrock_error)) as events:
            async for item in events:
                for event in translator.feed(item):
                    yield event
        if not translator.stopped:
            raise MalformedStream("Bedrock closed the stream before the message stopped.")
