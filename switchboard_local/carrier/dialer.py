"""Place a call the way Twilio would: signed voice webhook, TwiML followed, Media Stream opened.

Used by the command-line caller and the integration tests; any Twilio-protocol client could
do the same with the credentials in `.switchboard/local.json`. Given the carrier's REST base,
the call is registered with the local carrier and follows what the platform does to it over
REST, as Twilio would: `Status=completed` ends the stream, a `<Dial>` redirect transfers it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import httpx

from switchboard.carrier import signature
from switchboard_local.carrier.media_client import MediaStreamClient, Room
from switchboard_local.carrier.state import sid
from switchboard_local.carrier.twiml_reader import dial_target, stream_of


@dataclass
class Line:
    text: str
    mulaw: bytes
    # Speak this long after the agent starts answering, without waiting for it to finish (barge-in).
    interrupt_after_s: float | None = None
    keys: str = ""  # keypresses (Media Streams `dtmf` events) sent just before speaking


@dataclass
class CallerScript:
    """What the caller says: each line once the agent has finished talking, after a short pause."""

    lines: list[Line] = field(default_factory=list)
    pause_s: float = 0.4
    answer_timeout_s: float = 12.0  # how long to wait for the agent to start answering a line
    greeting_timeout_s: float = 3.0  # how long to wait for a greeting before speaking first
    quiet_s: float = 0.9  # agent silence that counts as "finished talking"
    linger_s: float = 0.0  # stay on the line (silent) this long after the last line, unless the call ends
    room: Room = field(default_factory=Room)  # echo and background noise around the caller


@dataclass
class CarrierLink:
    """The local carrier's REST account base (`.../2010-04-01/Accounts/AC...`) and its credentials."""

    api: str
    account_sid: str
    auth_token: str
    poll_s: float = 0.1


@dataclass
class CallResult:
    call_sid: str
    twiml: str
    said: list[str]  # <Say> texts the carrier spoke
    client: MediaStreamClient | None
    line_times: list[tuple[str, float, float]]  # (text, started, finished) of caller lines
    duration_s: float
    ended_by: str = "caller"  # "caller", or "carrier" when the platform ended or transferred the call
    transferred_to: str | None = None


async def _wait_agent_starts(client: MediaStreamClient, since: float, timeout: float) -> None:
    """Wait for the agent to start talking after `since`, or give up after `timeout`."""
    deadline = time.monotonic() + timeout
    while client.agent.last_media_at <= since and time.monotonic() < deadline and not client.closed.is_set():
        await asyncio.sleep(0.01)


async def _wait_agent_done(client: MediaStreamClient, script: CallerScript, since: float, timeout: float) -> None:
    """Wait for the agent to start talking after `since` (or give up), then for it to go quiet."""
    await _wait_agent_starts(client, since, timeout)
    while client.agent_idle_for() < script.quiet_s and not client.closed.is_set():
        await asyncio.sleep(0.05)


async def _converse(client: MediaStreamClient, script: CallerScript) -> list[tuple[str, float, float]]:
    times: list[tuple[str, float, float]] = []
    while not client.started_at and not client.closed.is_set():
        await asyncio.sleep(0.01)
    answered_from, timeout = client.started_at, script.greeting_timeout_s  # the greeting, if any
    for line in script.lines:
        if client.closed.is_set():
            break
        if line.interrupt_after_s is not None:
            await _wait_agent_starts(client, answered_from, timeout)
            await asyncio.sleep(line.interrupt_after_s)
        else:
            await _wait_agent_done(client, script, answered_from, timeout)
            await asyncio.sleep(script.pause_s)
        for key in line.keys:
            await client.dtmf(key)
        started = time.monotonic()
        client.say(line.mulaw)
        while client.caller_speaking and not client.closed.is_set():
            await asyncio.sleep(0.02)
        finished = time.monotonic()
        times.append((line.text, started, finished))
        answered_from, timeout = finished, script.answer_timeout_s
    await _wait_agent_done(client, script, answered_from, timeout)
    if script.linger_s:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(client.closed.wait(), script.linger_s)
    return times


class _FollowCarrier:
    """Polls the local carrier for what the platform did to the call over REST, and acts like Twilio."""

    def __init__(self, http: httpx.AsyncClient, link: CarrierLink, call_sid: str) -> None:
        self.http, self.link, self.call_sid = http, link, call_sid
        self.auth = (link.account_sid, link.auth_token)
        self.transferred_to: str | None = None
        self.ended = False

    async def register(self, from_number: str, to_number: str) -> str | None:
        """Tell the carrier about the call; a number on a SIP trunk answers where the call went instead."""
        resp = await self.http.post(f"{self.link.api}/Local/InboundCalls.json", auth=self.auth,
                                    data={"CallSid": self.call_sid, "From": from_number, "To": to_number})
        resp.raise_for_status()
        return resp.json().get("routedTo")

    async def follow(self, client: MediaStreamClient) -> None:
        while not client.closed.is_set():
            await asyncio.sleep(self.link.poll_s)
            resp = await self.http.get(f"{self.link.api}/Calls/{self.call_sid}.json", auth=self.auth)
            if resp.status_code != 200:
                continue
            call = resp.json()
            dial = dial_target(call.get("twiml") or "")
            if dial or call.get("status") in ("completed", "canceled"):
                self.transferred_to, self.ended = dial, True
                await client.hang_up()  # Twilio sends `stop` and closes the stream
                return

    async def report_end(self, duration_s: float) -> None:
        await self.http.post(f"{self.link.api}/Local/InboundCalls/{self.call_sid}.json", auth=self.auth,
                             data={"Status": "completed", "Duration": str(round(duration_s))})


async def signed_post(http: httpx.AsyncClient, url: str, form: dict[str, str], auth_token: str) -> httpx.Response:
    body, headers = signature.signed_form(url, form, auth_token)
    return await http.post(url, content=body, headers=headers)


async def place_inbound_call(*, voice_url: str, account_sid: str, auth_token: str, from_number: str,
                             to_number: str, script: CallerScript, status_url: str | None = None,
                             http: httpx.AsyncClient | None = None, carrier: CarrierLink | None = None
                             ) -> CallResult:
    """Dial `to_number` as `from_number`; speak the script; hang up; report what happened."""
    call_sid = sid("CA")
    client_http = http or httpx.AsyncClient(timeout=20)
    started = time.monotonic()
    follower = _FollowCarrier(client_http, carrier, call_sid) if carrier else None
    routed = await follower.register(from_number, to_number) if follower is not None else None
    if routed:  # as Twilio does for a trunk's number: the call goes to your SIP URI, not to the voice URL
        if http is None:
            await client_http.aclose()
        return CallResult(call_sid, "", [], None, [], 0.0, ended_by="carrier", transferred_to=routed)
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
            target = stream_of(verb)
            if target is None:
                continue
            client = MediaStreamClient(target[0], auth_token, account_sid, call_sid, target[1])
            client.room = script.room
            runner = asyncio.create_task(client.run())
            following = asyncio.create_task(follower.follow(client)) if follower else None
            try:
                times = await _converse(client, script)
            finally:
                if following is not None:
                    following.cancel()
                await client.hang_up()
                with contextlib.suppress(Exception):  # a slow close on the far side is not the caller's failure
                    await asyncio.wait_for(runner, timeout=10)
    duration = time.monotonic() - started
    if follower is not None:
        await follower.report_end(duration)
    if status_url:
        await signed_post(client_http, status_url, {**form, "CallStatus": "completed",
                                                    "CallDuration": str(round(duration)), "SequenceNumber": "1",
                                                    "CallbackSource": "call-progress-events"}, auth_token)
    if http is None:
        await client_http.aclose()
    return CallResult(call_sid, twiml, said, client, times, duration,
                      ended_by="carrier" if follower and follower.ended else "caller",
                      transferred_to=follower.transferred_to if follower else None)


async def script_from_lines(lines: list[str], voice: str = "rms") -> CallerScript:
    from media_relay.audio import codec
    from media_relay.tts.flite_tts import FliteTts

    tts = FliteTts()
    rendered = []
    for text in lines:
        pcm = b"".join([chunk async for chunk in tts.synthesize(text, voice=voice)])
        rendered.append(Line(text, codec.encode(pcm)))
    return CallerScript(lines=rendered)

