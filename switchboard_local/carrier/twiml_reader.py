"""Reading the TwiML the platform answers with: what the local carrier follows, as Twilio would."""

from __future__ import annotations

import xml.etree.ElementTree as ET


def stream_of(connect: ET.Element) -> tuple[str, dict[str, str]] | None:
    """A `<Connect>` verb's `<Stream>`: its URL and `<Parameter>`s."""
    stream = connect.find("Stream")
    if stream is None:
        return None
    return stream.get("url", ""), {p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")}


def stream_target(twiml: str) -> tuple[str, dict[str, str]] | None:
    """The document's `<Connect><Stream>`, if any."""
    connect = ET.fromstring(twiml).find("Connect")
    return stream_of(connect) if connect is not None else None


def dial_target(twiml: str) -> str | None:
    """The number, or `<Sip>` URI, of the document's `<Dial>` (a transfer), if any."""
    dial = ET.fromstring(twiml).find("Dial") if "<Dial" in twiml else None
    if dial is None:
        return None
    sip = dial.find("Sip")
    return ((sip.text if sip is not None else dial.text) or "").strip() or None
