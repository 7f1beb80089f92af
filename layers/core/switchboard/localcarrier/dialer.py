"""Place a call the way Twilio would: signed voice webhook, TwiML followed, Media Stream opened.

Used by the command-line caller and the integration tests; any Twilio-protocol client could
do the same with the credentials in `.switchboard/local.json`.
"""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import httpx

from switchboard.carrier import signature
from switchboard.localcarrier.media_client import MediaStreamClient
from switchboard.localcarrier.state import sid


@dataclass
class Line:
    text: str
    mulaw: bytes


@dataclass
class CallerScript:
    """What the caller says: each line once the agent has finished talking, after a short pause."""

    lines: list[Line] = field(default_factory=list)
    pause_s: float = 0.4
    answer_timeout_s: float = 12.0  # how long to wait for the agent to start answering a line
    greeting_timeout_s: float = 3.0  # how long to wait for a greeting before speaking first
    quiet_s: float = 0.9  # agent silence that counts as "finished talking"


@dataclass
class CallResult:
    call_sid: str
    twiml: str
    said: list[str]  # <Say> texts the carrier spoke
    client: MediaStreamClient | None
    line_times: list[tuple[str, float, float]]  # (text, started, finished) of caller lines
    duration_s: float


async def _wait_agent_done(client: MediaStreamClient, script: CallerScript, since: float, timeout: float) -> None:
    """Wait for the agent to start talking after `since` (or give up), then for it to go quiet."""
    deadline = time.monotonic() + timeout
    while client.agent.last_media_at <= since and time.monotonic() < deadline and not client.closed.is_set():
        await asyncio.sleep(0.05)
    while client.agent_idle_for() < script.quiet_s and not client.closed.is_set():
        await asyncio.sleep(0.05)


async def _converse(client: MediaStreamClient, script: CallerScript) -> list[tuple[str, float, float]]:
    times = []
    while not client.started_at and not client.closed.is_set():
        await asyncio.sleep(0.01)
    await _wait_agent_done(client, script, client.started_at, script.greeting_timeout_s)  # the greeting, if any
    for line in script.lines:
        await asyncio.sleep(script.pause_s)
        started = time.monotonic()
        client.say(line.mulaw)
        while client.caller_speaking and not client.closed.is_set():
            await asyncio.sleep(0.02)
        finished = time.monotonic()
        times.append((line.text, started, finished))
        await _wait_agent_done(client, script, finished, script.answer_timeout_s)
    return times


async def signed_post(http: httpx.AsyncClient, url: str, form: dict[str, str], auth_token: str) -> httpx.Response:
    body, headers = signature.signed_form(url, form, auth_token)
    return await http.post(url, content=body, headers=headers)


async def place_inbound_call(*, voice_url: str, account_sid: str, auth_token: str, from_number: str,
                             to_number: str, script: CallerScript, status_url: str | None = None,
                             http: httpx.AsyncClient | None = None) -> CallResult:
    """Dial `to_number` as `from_number`; speak the script; hang up; report what happened."""
    call_sid = sid("CA")
    client_http = http or httpx.AsyncClient(timeout=20)
    started = time.monotonic()
    form = {"CallSid": call_sid, "AccountSid": account_sid, "From": from_number, "To": to_number,
            "Caller": from_number, "Called": to_number, "CallStatus": "ringing", "Direction": "inbound",
            "ApiVersion": "2010-04-01"}
    resp = await signed_post(client_http, voice_url, form, auth_token)
    resp.raise_for_status()
    twiml = resp.text
    said, client, times = [], None, []
    for verb in ET.fromstring(twiml):
        if verb.tag == "Say":
            said.append(verb.text or "")
        elif verb.tag == "Hangup":
            break
        elif verb.tag == "Connect":
            stream = verb.find("Stream")
            if stream is None:
                continue
            params = {p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")}
            client = MediaStreamClient(stream.get("url", ""), auth_token, account_sid, call_sid, params)
            runner = asyncio.create_task(client.run())
            try:
                times = await _converse(client, script)
            finally:
                await client.hang_up()
                await asyncio.wait_for(runner, timeout=10)
    duration = time.monotonic() - started
    if status_url:
        await signed_post(client_http, status_url, {**form, "CallStatus": "completed",
                                                    "CallDuration": str(round(duration)), "SequenceNumber": "1",
                                                    "CallbackSource": "call-progress-events"}, auth_token)
    if http is None:
        await client_http.aclose()
    return CallResult(call_sid, twiml, said, client, times, duration)


async def script_from_lines(lines: list[str], voice: str = "rms") -> CallerScript:
    from media_relay.audio import codec
    from media_relay.tts.flite_tts import FliteTts

    tts = FliteTts()
    rendered = []
    for text in lines:
        pcm = b"".join([chunk async for chunk in tts.synthesize(text, voice=voice)])
        rendered.append(Line(text, codec.encode(pcm)))
    return CallerScript(lines=rendered)

