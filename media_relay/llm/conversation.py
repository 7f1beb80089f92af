"""One call's conversation with the model, kept as the caller experienced it.

Every assistant message records the text that was handed out to be spoken, piece by piece, in
the order it was said (fillers spoken while a tool ran count for the order but belong to no
message). After a barge-in, `truncate_last_reply(heard)` keeps only as many words as were heard,
and the next user message tells the model it was cut off. A turn that ends before its tool calls
got results (cancelled mid-tool) is closed with error results, so the history stays valid for
providers that insist every tool call is answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from media_relay.llm.port import Message, ToolCall, ToolResult

NOT_FINISHED = {"error": "Not finished: the conversation moved on before this tool completed."}


@dataclass
class _Piece:
    message: Message | None  # None: a filler said while a tool ran
    text: str


@dataclass
class Turn:
    replies: list[Message] = field(default_factory=list)
    pieces: list[_Piece] = field(default_factory=list)
    pending: list[ToolCall] = field(default_factory=list)
    truncated: bool = False


def interruption_note(heard: str) -> str:
    if heard.strip():
        return (f'[You were interrupted: the caller heard only "{heard.strip()}" of your last reply, '
                "then spoke.]")
    return "[You were interrupted before the caller heard any of your last reply.]"


class Conversation:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.turn: Turn | None = None
        self.note: str | None = None

    def snapshot(self) -> list[Message]:
        """The history to send: copies (the live messages change while the caller listens), none empty."""
        return [Message(m.role, m.text, list(m.tool_calls), list(m.tool_results)) for m in self.messages
                if not m.empty]

    # -- turns ------------------------------------------------------------------------------------
    def begin_turn(self, user_text: str, *, digits: str | None = None, interrupted: dict | None = None) -> Turn:
        self.end_turn()
        if interrupted is not None and self.turn is not None and not self.turn.truncated:
            self.truncate_last_reply(str(interrupted.get("heard") or ""))
        parts = [self.note or ""]
        self.note = None
        if digits:
            parts.append(f"[The caller pressed the keys: {digits}]")
        text = user_text.strip()
        parts.append(text or ("" if digits else "[The caller said nothing.]"))
        self.messages.append(Message("user", "\n".join(p for p in parts if p)))
        self.turn = Turn()
        return self.turn

    def start_reply(self) -> Message:
        message = Message("assistant")
        self.messages.append(message)
        if self.turn is not None:
            self.turn.replies.append(message)
        return message

    def said(self, message: Message | None, text: str) -> None:
        """`text` was handed out to be spoken (as part of `message`, or as a filler when None)."""
        if message is not None:
            message.text = f"{message.text} {text}".strip()
        if self.turn is not None:
            self.turn.pieces.append(_Piece(message, text))

    def called(self, message: Message, calls: list[ToolCall]) -> None:
        message.tool_calls = list(calls)
        if self.turn is not None:
            self.turn.pending = list(calls)

    def answered(self, results: list[ToolResult]) -> None:
        self.messages.append(Message("user", tool_results=list(results)))
        if self.turn is not None:
            self.turn.pending = []

    def end_turn(self, turn: Turn | None = None) -> None:
        """Close the current turn (or `turn`, if still current): unanswered tool calls get error results."""
        if turn is not None and turn is not self.turn:
            return  # already closed when the next turn began
        if self.turn is not None and self.turn.pending:
            self.answered([ToolResult(c.id, c.name, NOT_FINISHED, is_error=True) for c in self.turn.pending])
        self._prune()

    def add_caller_line(self, text: str) -> None:
        """Words the caller said outside a model turn (a callee's "Hello?" before the greeting)."""
        self.end_turn()
        self.turn = None
        self.messages.append(Message("user", text.strip()))

    def add_agent_line(self, text: str) -> None:
        """A line the agent said outside a model turn (the greeting), so the model knows it was said."""
        self.end_turn()
        self.turn = Turn()
        self.said(self.start_reply(), text.strip())

    # -- barge-in ---------------------------------------------------------------------------------
    def truncate_last_reply(self, heard: str) -> None:
        """Keep only the words of the last turn's reply the caller heard (in the order they were said)."""
        turn = self.turn
        if turn is None:
            return
        budget = len(heard.split())
        kept: dict[int, list[str]] = {}
        for piece in turn.pieces:
            words = piece.text.split()[:budget]
            budget -= len(words)
            if piece.message is not None:
                kept.setdefault(id(piece.message), []).extend(words)
        for message in turn.replies:
            message.text = " ".join(kept.get(id(message), []))
        turn.truncated = True
        self.note = interruption_note(heard)
        self._prune()

    def _prune(self) -> None:
        self.messages = [m for m in self.messages if not (m.role == "assistant" and m.empty)]
