"""The hosted responder: the agent's own language model answers each caller turn (no webhook).

One instance per call. `respond()` streams the model's reply as sentence-sized `ReplyChunk`s, each
yielded the moment it is complete (interim, except the turn's last), so the caller hears the first
sentence while the rest is generated. The model may call tools: `end_call`, `transfer_call` (only
offered with a transfer number) and `press_digits` become the chunk's `hangup` / `transfer` /
`digits`; the agent's custom tools are called over HTTP (a filler is said first) and their results
fed back, for at most `max_tool_rounds` rounds per turn. A model that fails (unreachable, 5xx,
timeout, throttled, malformed stream) costs the call, never the relay: the caller hears a short
apology and the call hangs up; the cause is logged.

Closing the iterator (or cancelling its task) stops generation at once: the model stream is
closed, which closes its HTTP connection. Use `contextlib.aclosing(responder.respond(...))` when
breaking out of the loop, so the close happens now rather than when the generator is collected.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, cast

import httpx

from media_relay.llm.config import LlmSettings
from media_relay.llm.conversation import Conversation, Turn
from media_relay.llm.port import (
    ChatRequest,
    LanguageModel,
    Message,
    ModelError,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolCallEvent,
    ToolResult,
)
from media_relay.llm.tools import BUILT_IN, CustomTool, ToolRunner, builtin_specs, valid_digits
from media_relay.reply import ReplyChunk
from media_relay.speech.text import TextChunker
from media_relay.streams import QUIET, with_quiet
from media_relay.templating import fill
from switchboard.logging import logger

APOLOGY = "I'm sorry, I'm having technical trouble and can't continue this call. Please call back later. Goodbye."
GAVE_UP = "Sorry, I couldn't finish that just now."
GUIDANCE = ("You are speaking with someone on a live phone call, and everything you write is read aloud by a "
            "text-to-speech voice. Answer in short, natural spoken sentences: no markdown, lists, emojis or "
            "symbols. When the conversation is over, say goodbye and call end_call in the same reply.")
TRANSFER_GUIDANCE = "If the caller needs a human, tell them you are transferring them and call transfer_call."
SKIPPED = {"error": "Not run: the call is ending."}


@dataclass(frozen=True)
class HostedOptions:
    max_tool_rounds: int = 5
    max_tokens: int = 400
    temperature: float | None = None
    apology: str = APOLOGY
    guidance: bool = True  # add phone-call instructions after the agent's prompt
    clause_words: int = 12  # a sentence this long is cut at its last clause break
    quiet_s: float = 0.15  # the model said nothing this long: what it wrote so far is spoken


@dataclass
class _Round:
    """What one model request produced after its sentences were handed out."""

    reply: Message
    tail: str = ""
    spoke: bool = False


@dataclass
class _Actions:
    results: dict[str, ToolResult]
    runs: list[tuple[CustomTool, ToolCall]]
    hangup: bool = False
    transfer: bool = False
    digits: str = ""
    ask_model: bool = False  # a tool failed on bad input: let the model try again


class HostedResponder:
    def __init__(self, *, model: LanguageModel, model_id: str, system_prompt: str, http: httpx.AsyncClient,
                 variables: dict[str, Any] | None = None, custom_tools: list[dict[str, Any]] | None = None,
                 transfer_number: str | None = None, signing_secret: str | None = None,
                 call_id: str | None = None, options: HostedOptions | None = None) -> None:
        self.model, self.model_id, self.call_id = model, model_id, call_id
        self.options = options or HostedOptions()
        self.transfer_number = transfer_number or None
        self.tools = _custom_tools(custom_tools or [], call_id)
        self.specs = [*builtin_specs(can_transfer=self.transfer_number is not None),
                      *(t.spec for t in self.tools.values())]
        self.system = self._system(fill(system_prompt, variables))
        self.runner = ToolRunner(http, secret=signing_secret, call_id=call_id)
        self.conversation = Conversation()

    @classmethod
    def for_call(cls, call: dict[str, Any], agent: dict[str, Any], *, model: LanguageModel, settings: LlmSettings,
                 http: httpx.AsyncClient, signing_secret: str | None = None) -> HostedResponder:
        """A responder for a stored call and its agent (the call's prompt and tier win over the agent's)."""
        return cls(model=model, model_id=settings.model_for(call.get("modelTier") or agent.get("modelTier")),
                   system_prompt=call.get("systemPrompt") or agent.get("systemPrompt") or "", http=http,
                   variables=call.get("variables"), custom_tools=agent.get("customTools"),
                   transfer_number=agent.get("transferNumber"), signing_secret=signing_secret, call_id=call.get("id"),
                   options=HostedOptions(max_tokens=settings.llm_max_tokens, temperature=settings.llm_temperature))

    def _system(self, prompt: str) -> str:
        if not self.options.guidance:
            return prompt
        guidance = GUIDANCE + (" " + TRANSFER_GUIDANCE if self.transfer_number else "")
        return f"{prompt.strip()}\n\n{guidance}".strip()

    @property
    def history(self) -> list[Message]:
        return self.conversation.messages

    def truncate_last_reply(self, heard: str) -> None:
        """After a barge-in: keep only what the caller heard of the last reply; the model is told next turn."""
        self.conversation.truncate_last_reply(heard)

    def add_caller_line(self, text: str) -> None:
        """Record what the caller said before the greeting, so the model knows who answered and how."""
        self.conversation.add_caller_line(text)

    def add_agent_line(self, text: str) -> None:
        """Record a line said outside `respond()` (the greeting), so the model does not say it again."""
        self.conversation.add_agent_line(text)

    async def respond(self, user_text: str, *, digits: str | None = None,
                      interrupted: dict[str, Any] | None = None) -> AsyncGenerator[ReplyChunk, None]:
        """The reply to one caller turn, chunk by chunk; never raises (failures end in an apology)."""
        turn = self.conversation.begin_turn(user_text, digits=digits, interrupted=interrupted)
        try:
            async with aclosing(self._turn(turn)) as chunks:
                async for chunk in chunks:
                    yield chunk
        finally:
            self.conversation.end_turn(turn)

    async def _turn(self, turn: Turn) -> AsyncGenerator[ReplyChunk, None]:
        try:
            for _ in range(self.options.max_tool_rounds + 1):
                state = _Round(self.conversation.start_reply())
                async with aclosing(self._generate(state)) as pieces:
                    async for chunk in pieces:
                        yield chunk
                calls = state.reply.tool_calls
                if not calls:
                    yield ReplyChunk(text=state.tail, complete=True)
                    return
                actions = self._sort(calls)
                if actions.hangup or actions.transfer or not (actions.runs or actions.ask_model):
                    self._answer(calls, actions.results | {c.id: _skipped(c) for _, c in actions.runs})
                    yield self._final(state.tail, actions)
                    return
                async with aclosing(self._run_tools(state, actions)) as pieces:
                    async for chunk in pieces:
                        yield chunk
            self.conversation.said(self.conversation.start_reply(), GAVE_UP)
            yield ReplyChunk(text=GAVE_UP, complete=True)
        except ModelError as exc:
            logger.warning("hosted model failed", extra={"callId": self.call_id, "model": self.model_id,
                                                         "error": exc.detail, "kind": type(exc).__name__})
            yield ReplyChunk(text=self.options.apology, hangup=True, complete=True)
        except Exception:
            logger.exception("hosted responder failed", extra={"callId": self.call_id, "model": self.model_id})
            yield ReplyChunk(text=self.options.apology, hangup=True, complete=True)

    async def _generate(self, state: _Round) -> AsyncGenerator[ReplyChunk, None]:
        """One model request: each piece is yielded the moment it is complete, or once the model pauses."""
        request = ChatRequest(model=self.model_id, system=self.system, messages=self.conversation.snapshot(),
                              tools=self.specs, max_tokens=self.options.max_tokens,
                              temperature=self.options.temperature)
        chunker = TextChunker(clause_words=self.options.clause_words)
        calls: list[ToolCall] = []
        # Every adapter's stream() is an async generator, so it can be closed the moment we stop.
        stream = cast(AsyncGenerator[StreamEvent, None], self.model.stream(request))
        async with aclosing(with_quiet(stream, self.options.quiet_s)) as events:
            async for event in events:
                if event is QUIET:
                    pieces = [chunker.release()] if chunker.pending else []
                elif isinstance(event, TextDelta):
                    pieces = chunker.feed(event.text)
                else:
                    if isinstance(event, ToolCallEvent):
                        calls.append(event.call)
                    continue
                for piece in pieces:
                    self.conversation.said(state.reply, piece)
                    state.spoke = True
                    yield ReplyChunk(text=piece, interim=True, complete=True)
        state.tail = chunker.release()
        if state.tail:
            self.conversation.said(state.reply, state.tail)
            state.spoke = True
        if calls:
            self.conversation.called(state.reply, calls)

    def _sort(self, calls: list[ToolCall]) -> _Actions:
        """Built-in calls applied, custom ones queued, mistakes answered with an error for the model."""
        actions = _Actions(results={}, runs=[])
        for call in calls:
            if call.name == "end_call":
                actions.hangup = True
                actions.results[call.id] = ToolResult(call.id, call.name, {"ok": True, "result": "Hanging up."})
            elif call.name == "transfer_call" and self.transfer_number:
                actions.transfer = True
                actions.results[call.id] = ToolResult(call.id, call.name, {"ok": True, "result": "Transferring."})
            elif call.name == "press_digits" and (digits := valid_digits(call)):
                actions.digits += digits
                actions.results[call.id] = ToolResult(call.id, call.name, {"ok": True, "pressed": digits})
            elif call.name in self.tools:
                actions.runs.append((self.tools[call.name], call))
            else:
                actions.ask_model = True
                actions.results[call.id] = ToolResult(call.id, call.name, _mistake(call), is_error=True)
        return actions

    def _final(self, tail: str, actions: _Actions) -> ReplyChunk:
        return ReplyChunk(text=tail, hangup=actions.hangup and not actions.transfer, transfer=actions.transfer,
                          transfer_number=self.transfer_number if actions.transfer else None,
                          digits=actions.digits or None, complete=True)

    async def _run_tools(self, state: _Round, actions: _Actions) -> AsyncGenerator[ReplyChunk, None]:
        """Say what is pending, a filler while the custom tools run, then hand their results back."""
        if state.tail or actions.digits:
            yield ReplyChunk(text=state.tail, interim=True, digits=actions.digits or None, complete=True)
        filler = self._filler(actions.runs, model_spoke=state.spoke)
        if filler:
            self.conversation.said(None, filler)
            yield ReplyChunk(text=filler, interim=True, complete=True)
        done = await asyncio.gather(*(self.runner.run(tool, call) for tool, call in actions.runs))
        self._answer(state.reply.tool_calls, actions.results | {r.call_id: r for r in done})

    @staticmethod
    def _filler(runs: list[tuple[CustomTool, ToolCall]], *, model_spoke: bool) -> str | None:
        """A tool's own execution message; the default filler only when the model has not just spoken."""
        explicit = next((t.execution_message for t, _ in runs if t.speak_during_execution and t.execution_message),
                        None)
        if explicit or model_spoke:
            return explicit
        return next((filler for t, _ in runs if (filler := t.filler())), None)

    def _answer(self, calls: list[ToolCall], results: dict[str, ToolResult]) -> None:
        self.conversation.answered([results[c.id] for c in calls if c.id in results])


def _custom_tools(tools: list[dict[str, Any]], call_id: str | None) -> dict[str, CustomTool]:
    """The agent's custom tools by name; a malformed stored entry is logged and left out, never fatal."""
    usable: dict[str, CustomTool] = {}
    for raw in tools:
        try:
            tool = CustomTool.from_api(raw)
        except (KeyError, TypeError, AttributeError):
            logger.warning("custom tool left out", extra={"callId": call_id, "tool": str(raw)[:200]})
            continue
        if tool.name not in BUILT_IN:
            usable[tool.name] = tool
    return usable


def _skipped(call: ToolCall) -> ToolResult:
    return ToolResult(call.id, call.name, SKIPPED, is_error=True)


def _mistake(call: ToolCall) -> dict[str, str]:
    if call.name == "press_digits":
        return {"error": "'digits' must be a string of 0-9, *, # and w (a half-second pause)."}
    return {"error": f"There is no tool named '{call.name}'."}
