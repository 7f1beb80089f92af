"""`LanguageModel` on any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, llama.cpp, Ollama).

`POST {base_url}/chat/completions` with `stream: true`; the answer is Server-Sent Events, one JSON
chunk per `data:` line, ending with `data: [DONE]`. Tool calls arrive as `delta.tool_calls`
fragments keyed by `index` (id and name in the first, the JSON arguments spread over many) and are
emitted whole when the choice finishes. The timeout is httpx's read timeout, so it bounds the wait
for the first token and every gap between tokens. Closing the stream early closes the connection,
which is how a server learns to stop generating.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

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
from switchboard.net.client import aclose_shielded

FINISH_REASONS = {"stop": "end_turn", "tool_calls": "tool_use", "function_call": "tool_use", "length": "max_tokens"}


def result_text(result: ToolResult) -> str:
    return result.content if isinstance(result.content, str) else json.dumps(result.content, ensure_ascii=False)


def _assistant(message: Message) -> dict[str, Any] | None:
    if not message.text.strip() and not message.tool_calls:
        return None
    entry: dict[str, Any] = {"role": "assistant", "content": message.text or None}
    if message.tool_calls:
        entry["tool_calls"] = [{"id": c.id, "type": "function",
                                "function": {"name": c.name, "arguments": json.dumps(c.arguments)}}
                               for c in message.tool_calls]
    return entry


def to_openai_messages(system: str, messages: list[Message]) -> list[dict[str, Any]]:
    """The neutral conversation as chat-completions messages (tool results become `tool` messages)."""
    out: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
    for message in messages:
        if message.role == "assistant":
            if (entry := _assistant(message)) is not None:
                out.append(entry)
            continue
        out += [{"role": "tool", "tool_call_id": r.call_id, "content": result_text(r)} for r in message.tool_results]
        if message.text.strip():
            out.append({"role": "user", "content": message.text})
    return out


def request_body(request: ChatRequest) -> dict[str, Any]:
    body: dict[str, Any] = {"model": request.model, "stream": True, "max_tokens": request.max_tokens,
                            "messages": to_openai_messages(request.system, list(request.messages))}
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.tools:
        body["tools"] = [{"type": "function", "function": {"name": t.name, "description": t.description,
                                                           "parameters": t.parameters}} for t in request.tools]
    return body


@dataclass
class _PartialCall:
    id: str = ""
    name: str = ""
    arguments: str = ""


class ToolCallAssembler:
    """Joins streamed `tool_calls` fragments by `index`; `finish()` parses each call's arguments."""

    def __init__(self) -> None:
        self.calls: dict[int, _PartialCall] = {}

    def feed(self, fragments: list[dict[str, Any]]) -> None:
        for position, fragment in enumerate(fragments):
            index = fragment.get("index", position)
            call = self.calls.setdefault(index, _PartialCall())
            call.id = call.id or fragment.get("id") or ""
            function = fragment.get("function") or {}
            call.name = call.name or function.get("name") or ""
            arguments = function.get("arguments")
            # Most servers stream a string; a few (older Ollama) send the parsed object at once.
            call.arguments += arguments if isinstance(arguments, str) else json.dumps(arguments or {})

    def finish(self) -> list[ToolCall]:
        done = []
        for index in sorted(self.calls):
            call = self.calls[index]
            if not call.name:
                raise MalformedStream(f"The model streamed a tool call (index {index}) without a name.")
            try:
                arguments = json.loads(call.arguments) if call.arguments.strip() else {}
            except json.JSONDecodeError as exc:
                raise MalformedStream(f"The model's arguments for tool '{call.name}' are not valid JSON.") from exc
            if not isinstance(arguments, dict):
                raise MalformedStream(f"The model's arguments for tool '{call.name}' are not a JSON object.")
            done.append(ToolCall(call.id or f"call_{uuid.uuid4().hex[:12]}", call.name, arguments))
        self.calls.clear()
        return done


class SseDecoder:
    """Server-Sent Events line decoder: yields each event's data (data lines joined by newlines)."""

    def __init__(self) -> None:
        self.data: list[str] = []

    def feed(self, line: str) -> Iterator[str]:
        if not line:
            if self.data:
                yield "\n".join(self.data)
                self.data = []
        elif line.startswith("data:"):
            value = line[5:]
            self.data.append(value[1:] if value.startswith(" ") else value)

    def close(self) -> Iterator[str]:
        yield from self.feed("")


def status_error(status: int, body: str, url: str) -> ModelError:
    detail = f"The model server at {url} answered HTTP {status}: {body.strip()[:300] or '(no body)'}"
    if status == 429:
        return ModelThrottled(detail)
    if status >= 500:
        return ModelUnavailable(detail)
    return ModelRejected(detail)


class OpenAICompatModel:
    """`LanguageModel` over httpx; pass `http` to share a client (and its pool), else one is built."""

    name = "openai"

    def __init__(self, base_url: str, *, api_key: str | None = None, http: httpx.AsyncClient | None = None,
                 timeout: float = 20.0) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.headers = {"Accept": "text/event-stream"} | ({"Authorization": f"Bearer {api_key}"} if api_key else {})
        self.timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))
        self._owns_http = http is None
        self.http = http or httpx.AsyncClient()

    async def aclose(self) -> None:
        if self._owns_http:
            await self.http.aclose()

    async def stream(self, request: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        response: httpx.Response | None = None
        try:
            response = await self.http.send(self.http.build_request(
                "POST", self.url, json=request_body(request), headers=self.headers, timeout=self.timeout),
                stream=True)
            if response.status_code != 200:
                body = (await response.aread())[:1024].decode(errors="replace")
                raise status_error(response.status_code, body, self.url)
            async for event in self._events(response):
                yield event
        except httpx.TimeoutException as exc:
            raise ModelTimeout(f"The model server at {self.url} sent nothing for "
                               f"{self.timeout.read:g} s ({type(exc).__name__}).") from exc
        except httpx.HTTPError as exc:
            raise ModelUnavailable(f"Could not reach the model server at {self.url}: "
                                   f"{type(exc).__name__}: {exc}".rstrip(": ")) from exc
        finally:
            if response is not None:  # an interrupted turn cancels the stream as it closes
                await aclose_shielded(response)

    async def _events(self, response: httpx.Response) -> AsyncGenerator[StreamEvent, None]:
        decoder, tools = SseDecoder(), ToolCallAssembler()
        finish: str | None = None
        async for line in response.aiter_lines():
            for data in decoder.feed(line):
                if data.strip() == "[DONE]":
                    async for event in self._finish(tools, finish or "stop"):
                        yield event
                    return
                for event in self._chunk(data, tools):
                    if isinstance(event, Stop):
                        finish = event.reason
                    else:
                        yield event
        if any(d.strip() == "[DONE]" for d in decoder.close()) or finish is not None:
            async for event in self._finish(tools, finish or "stop"):  # some servers never send [DONE]
                yield event
            return
        raise MalformedStream(f"The model server at {self.url} closed the stream before finishing the reply.")

    @staticmethod
    async def _finish(tools: ToolCallAssembler, finish: str) -> AsyncGenerator[StreamEvent, None]:
        calls = tools.finish()
        for call in calls:
            yield ToolCallEvent(call)
        reason = FINISH_REASONS.get(finish, finish)
        yield Stop("tool_use" if calls else reason)

    def _chunk(self, data: str, tools: ToolCallAssembler) -> Iterator[StreamEvent]:
        """Events of one SSE chunk; a finish reason comes back as a `Stop` for `_events` to hold."""
        try:
            chunk = json.loads(data)
        except json.JSONDecodeError as exc:
            raise MalformedStream(f"The model server at {self.url} sent a chunk that is not JSON.") from exc
        if not isinstance(chunk, dict):
            raise MalformedStream(f"The model server at {self.url} sent a chunk that is not a JSON object.")
        if chunk.get("error"):
            error = chunk["error"]
            message = error.get("message") if isinstance(error, dict) else str(error)
            raise ModelUnavailable(f"The model server at {self.url} failed mid-reply: {message}")
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            if delta.get("content"):
                yield TextDelta(delta["content"])
            if delta.get("tool_calls"):
                tools.feed(delta["tool_calls"])
            if choice.get("finish_reason"):
                yield Stop(choice["finish_reason"])
