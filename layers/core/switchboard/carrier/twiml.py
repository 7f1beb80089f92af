"""TwiML builders: small pure functions returning documents, every value XML-escaped."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'


def _doc(body: str) -> str:
    return f"{_HEAD}<Response>{body}</Response>"


def connect_stream(url: str, parameters: dict[str, str], *, status_callback: str | None = None,
                   after_url: str | None = None) -> str:
    """Connect the call's audio to a bidirectional Media Stream; call data travels as <Parameter>s.

    With `after_url`, Twilio fetches new TwiML from it once the stream closes (a <Redirect>),
    so the server decides then whether to hang up, transfer or reconnect.
    """
    attrs = f"url={quoteattr(url)}"
    if status_callback:
        attrs += f" statusCallback={quoteattr(status_callback)} statusCallbackMethod=\"POST\""
    params = "".join(f"<Parameter name={quoteattr(k)} value={quoteattr(str(v))}/>" for k, v in parameters.items())
    after = f'<Redirect method="POST">{escape(after_url)}</Redirect>' if after_url else ""
    return _doc(f"<Connect><Stream {attrs}>{params}</Stream></Connect>{after}")


def say_and_hangup(text: str, *, voice: str | None = None) -> str:
    attrs = f" voice={quoteattr(voice)}" if voice else ""
    return _doc(f"<Say{attrs}>{escape(text)}</Say><Hangup/>")


def dial(number: str, *, caller_id: str | None = None, action: str | None = None) -> str:
    """A cold transfer: the call leaves the agent and rings `number` (a SIP URI is dialled as `<Sip>`)."""
    attrs = ""
    if caller_id:
        attrs += f" callerId={quoteattr(caller_id)}"
    if action:
        attrs += f" action={quoteattr(action)}"
    target = f"<Sip>{escape(number)}</Sip>" if number.startswith(("sip:", "sips:")) else escape(number)
    return _doc(f"<Dial{attrs}>{target}</Dial>")


def play_digits(digits: str, then: str = "") -> str:
    """Send DTMF through the carrier (`w` = half a second), then continue with `then` (inner TwiML)."""
    return _doc(f"<Play digits={quoteattr(digits)}/>{then}")


def hangup() -> str:
    return _doc("<Hangup/>")


def empty() -> str:
    return _doc("")
