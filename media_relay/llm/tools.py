"""The tools a hosted agent offers its model: three built-ins and the agent's `customTools`.

Built-ins act on the call (`end_call`, `transfer_call`, `press_digits`). A custom tool is an HTTP
endpoint of the customer's: POST sends the JSON body `{"tool", "arguments", "callId"}`; GET sends
the arguments as query parameters (objects and lists JSON-encoded). Both carry the tool's own
headers, `X-Switchboard-Call-Id`, and, when a webhook secret exists, the webhook signature headers
(for GET the signed body is empty, so only POST protects the arguments). Whatever happens comes
back as a `ToolResult` (an error result on timeout, refusal or a bad answer), never an exception.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from media_relay.audio import dtmf
from media_relay.llm.port import ToolCall, ToolResult, ToolSpec
from switchboard.logging import logger
from switchboard.net.client import Refused, aread_capped
from switchboard.webhooks import signing

END_CALL = ToolSpec("end_call", "Hang up the phone call. Use it once the conversation is over, after saying "
                                "goodbye in the same reply.")
TRANSFER_CALL = ToolSpec("transfer_call", "Transfer the caller to a human colleague. Tell the caller first, in "
                                          "the same reply.")
PRESS_DIGITS = ToolSpec(
    "press_digits", "Press telephone keys (DTMF), e.g. to navigate a phone menu.",
    {"type": "object", "required": ["digits"], "properties": {"digits": {
        "type": "string", "pattern": "^[0-9*#wW]+$",
        "description": "Keys to press in order: 0-9, * and #; w waits half a second."}}})
BUILT_IN = frozenset({END_CALL.name, TRANSFER_CALL.name, PRESS_DIGITS.name})
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_FILLER = "One moment."
MAX_RESULT_CHARS = 4000
MAX_RESPONSE_BYTES = 64_000  # read from a tool's answer at most; the model sees MAX_RESULT_CHARS of it


@dataclass(frozen=True)
class CustomTool:
    """One entry of an agent's `customTools`, as the API stores it."""

    name: str
    description: str
    url: str
    method: str = "POST"
    headers: dict[str, str] | None = None
    parameters: dict[str, Any] | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    speak_during_execution: bool = True
    execution_message: str | None = None

    @classmethod
    def from_api(cls, tool: dict[str, Any]) -> CustomTool:
        headers = {k: v for k, v in (tool.get("headers") or {}).items() if v is not None}
        timeout_ms = tool.get("timeoutMs")
        return cls(name=tool["name"], description=tool.get("description") or tool["name"], url=tool["url"],
                   method=(tool.get("method") or "POST").upper(), headers=headers or None,
                   parameters=tool.get("parameters") or None,
                   timeout_s=timeout_ms / 1000 if timeout_ms else DEFAULT_TIMEOUT_S,
                   speak_during_execution=tool.get("speakDuringExecution") is not False,
                   execution_message=(tool.get("executionMessage") or "").strip() or None)

    @property
    def spec(self) -> ToolSpec:
        schema = self.parameters or {"type": "object", "properties": {}}
        return ToolSpec(self.name, self.description, schema)

    def filler(self) -> str | None:
        """What is said while the tool runs: its message, a default, or nothing when asked for silence."""
        if not self.speak_during_execution:
            return None
        return self.execution_message or DEFAULT_FILLER


def builtin_specs(*, can_transfer: bool) -> list[ToolSpec]:
    return [END_CALL, *([TRANSFER_CALL] if can_transfer else []), PRESS_DIGITS]


def valid_digits(call: ToolCall) -> str | None:
    digits = call.arguments.get("digits")
    if isinstance(digits, int) and not isinstance(digits, bool):
        digits = str(digits)
    return digits if isinstance(digits, str) and dtmf.valid(digits) else None


def _query(arguments: dict[str, Any]) -> dict[str, str]:
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in arguments.items()}


def _decode(response: httpx.Response, body: bytes) -> Any:
    text = body.decode("utf-8", errors="replace")
    if "json" in response.headers.get("content-type", ""):
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text[:MAX_RESULT_CHARS]


class ToolRunner:
    """Calls an agent's custom tools over HTTP for one call."""

    def __init__(self, http: httpx.AsyncClient, *, secret: str | None, call_id: str | None) -> None:
        self.http, self.secret, self.call_id = http, secret, call_id

    def _headers(self, tool: CustomTool, body: bytes) -> dict[str, str]:
        headers = dict(tool.headers or {})
        if self.call_id:
            headers["X-Switchboard-Call-Id"] = self.call_id
        if self.secret:
            signed = signing.headers(self.secret, body, "dlv_" + uuid.uuid4().hex)
            if not body:
                signed.pop("Content-Type")
            headers |= signed  # the signature wins over a tool header of the same name
        elif body:
            headers["Content-Type"] = "application/json"
        return headers

    async def run(self, tool: CustomTool, call: ToolCall) -> ToolResult:
        started = time.monotonic()
        try:
            async with asyncio.timeout(tool.timeout_s):  # the whole exchange, not each read
                response, body = await self._send(tool, call)
        except Refused as exc:  # the guard refused the address: nothing was sent
            return self._failed(tool, call, f"The tool's address is not allowed ({exc}).", started)
        except (TimeoutError, httpx.TimeoutException):
            return self._failed(tool, call, f"The tool did not answer within {tool.timeout_s:g} s.", started)
        except httpx.HTTPError as exc:
            return self._failed(tool, call, f"The tool could not be reached ({type(exc).__name__}).", started)
        if not response.is_success:
            message = f"The tool answered HTTP {response.status_code}: {body[:300].decode('utf-8', 'replace')}"
            return self._failed(tool, call, message, started)
        logger.info("custom tool", extra={"callId": self.call_id, "tool": tool.name, "ok": True,
                                          "ms": round((time.monotonic() - started) * 1000)})
        return ToolResult(call.id, call.name, _decode(response, body))

    async def _send(self, tool: CustomTool, call: ToolCall) -> tuple[httpx.Response, bytes]:
        """The answer and at most MAX_RESPONSE_BYTES of its body (the rest is never read)."""
        timeout = httpx.Timeout(tool.timeout_s)
        if tool.method == "GET":
            request = self.http.build_request("GET", tool.url, params=_query(call.arguments),
                                              headers=self._headers(tool, b""), timeout=timeout)
        else:
            body = json.dumps({"tool": tool.name, "arguments": call.arguments, "callId": self.call_id},
                              separators=(",", ":"), ensure_ascii=False).encode()
            request = self.http.build_request("POST", tool.url, content=body, headers=self._headers(tool, body),
                                              timeout=timeout)
        response = await self.http.send(request, stream=True)
        try:
            return response, await aread_capped(response, MAX_RESPONSE_BYTES)
        finally:
            await response.aclose()

    def _failed(self, tool: CustomTool, call: ToolCall, message: str, started: float) -> ToolResult:
        logger.warning("custom tool failed", extra={"callId": self.call_id, "tool": tool.name, "error": message,
                                                    "ms": round((time.monotonic() - started) * 1000)})
        return ToolResult(call.id, call.name, {"error": message}, is_error=True)
