"""Outbound calls on the local carrier: ring, answer, follow the TwiML, report status like Twilio.

Who answers a call the platform places:
- one of this carrier's own numbers: that number's agent. The carrier makes the inbound leg
  (a signed voice webhook, then a second Media Stream) and bridges the two streams, so two
  agents talk to each other;
- a number with a configured callee (`POST .../Local/Callees.json`, or the command-line
  `callee` command): a scripted person (lines to speak) or an answering machine (a greeting,
  then a beep), or a busy / failed / unanswered line;
- anything else rings out as `no-answer`.

Status callbacks (`ringing`, `in-progress`, then the final status) are signed like Twilio's;
with `MachineDetection` the asynchronous AMD result goes to `AsyncAmdStatusCallback`. REST
updates from the platform are followed while the call is up: `Status=completed` ends it, a
`<Dial>` transfers it, a new `<Connect><Stream>` restarts the stream with its parameters.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI, Request

from switchboard.carrier import signature
from switchboard.logging import logger
from switchboard_local.carrier.dialer import CallerScript, Line, _converse, script_from_lines
from switchboard_local.carrier.errors import TwilioError
from switchboard_local.carrier.media_client import MediaStreamClient
from switchboard_local.carrier.state import CarrierState, rfc2822, sid
from switchboard_local.carrier.twiml_reader import dial_target, stream_target
from switchboard_local.carrier.validation import check_to, require

BEHAVIOURS = ("answer", "busy", "no-answer", "failed")
BEEP_HZ, BEEP_MS = 1000, 400


@dataclass
class Callee:
    lines: list[str] = field(default_factory=list)
    audio: bytes = b""  # or a recording (mu-law, 8 kHz) played once the agent has greeted
    answered_by: str = "human"  # "human" | "machine"
    behaviour: str = "answer"
    greeting: str = "Hi, you have reached my voicemail. Please leave a message after the tone."


@dataclass
class OutboundSession:
    """What happened on one outbound call (tests and the command line read it)."""

    clients: list[MediaStreamClient] = field(default_factory=list)  # every stream the callee side opened
    bridged_to: MediaStreamClient | None = None  # the other agent's leg, for a call to our own number
    transferred_to: str | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)


def _beep() -> bytes:
    import numpy as np

    from media_relay.audio import codec

    n = np.arange(8 * BEEP_MS)
    return codec.encode((12000 * np.sin(2 * np.pi * BEEP_HZ * n / 8000)).astype(np.int16).tobytes())


class OutboundCalls:
    def __init__(self, state: CarrierState, account_sid: str, auth_token: str, *, ring_s: float = 1.0,
                 no_answer_s: float = 6.0) -> None:
        self.state, self.account_sid, self.auth_token = state, account_sid, auth_token
        self.ring_s, self.no_answer_s = ring_s, no_answer_s
        self.callees: dict[str, Callee] = {}
        self.sessions: dict[str, OutboundSession] = {}
        self.answering = True  # False: placed calls stay queued (a carrier that never gets to them)
        # True: a call's final status callback is lost (Twilio does not retry them); its record still says it.
        self.drop_final_status = False
        self._tasks: set[asyncio.Task[None]] = set()

    def on_call(self, call: dict[str, Any]) -> None:
        """Called by `POST Calls.json`: the call proceeds in the background, as Twilio's would."""
        if not self.answering:
            return
        self.sessions[call["sid"]] = OutboundSession()
        self._keep(asyncio.get_running_loop().create_task(self._run(call)))

    def _keep(self, task: asyncio.Task[None]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- carrier callbacks -------------------------------------------------------------------------
    async def _post(self, http: httpx.AsyncClient, url: str | None, form: dict[str, str]) -> None:
        if not url:
            return
        body, headers = signature.signed_form(url, form, self.auth_token)
        try:
            await http.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            logger.warning("local carrier callback failed", extra={"url": url, "error": str(exc)})

    async def _status(self, http: httpx.AsyncClient, call: dict[str, Any], status: str, **extra: str) -> None:
        """A signed status callback; SequenceNumber counts up per call, as Twilio's does."""
        with self.state.lock:
            seq = call["sequence"] = call.get("sequence", -1) + 1
        await self._post(http, call.get("status_callback"), self._form(call, status, seq, **extra))

    def _form(self, call: dict[str, Any], status: str, seq: int, **extra: str) -> dict[str, str]:
        return {"CallSid": call["sid"], "AccountSid": self.account_sid, "From": call["from"], "To": call["to"],
                "CallStatus": status, "Direction": call.get("direction", "outbound-api"), "ApiVersion": "2010-04-01",
                "SequenceNumber": str(seq), "CallbackSource": "call-progress-events", **extra}

    def _set(self, call: dict[str, Any], **changes: Any) -> None:
        with self.state.lock:
            call.update(changes)

    # -- the call ----------------------------------------------------------------------------------
    async def _run(self, call: dict[str, Any]) -> None:
        session = self.sessions[call["sid"]]
        async with httpx.AsyncClient(timeout=20) as http:
            try:
                self._set(call, status="ringing")
                await self._status(http, call, "ringing")
                final = await self._ring_and_talk(call, session, http)
                started = call.get("answered_at")
                duration = str(round(time.monotonic() - started)) if started else "0"
                self._set(call, status=final, end_time=rfc2822(), duration=duration)
                if not self.drop_final_status:
                    await self._status(http, call, final, CallDuration=duration)
            except Exception:
                logger.exception("local outbound call failed", extra={"callSid": call["sid"]})
                self._set(call, status="failed")
                await self._status(http, call, "failed")
            finally:
                session.done.set()

    async def _ring_and_talk(self, call: dict[str, Any], session: OutboundSession, http: httpx.AsyncClient) -> str:
        own = self.state.number_by_phone(call["to"])
        callee = self.callees.get(call["to"])
        behaviour = "answer" if own is not None else (callee.behaviour if callee else "no-answer")
        wait = self.no_answer_s if behaviour == "no-answer" else self.ring_s
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if call["status"] == "canceled":
                return "canceled"
            await asyncio.sleep(0.05)
        if behaviour != "answer":
            return behaviour
        self._set(call, status="in-progress", start_time=rfc2822(), answered_at=time.monotonic())
        await self._status(http, call, "in-progress")
        target = stream_target(call.get("twiml") or "<Response/>")
        if target is None:
            return "completed"  # TwiML without a stream: nothing to do, the call ends
        if own is not None:
            await self._bridge_to_agent(call, session, own, target, http)
        else:
            await self._scripted(call, session, callee or Callee(), target, http)
        return "completed"

    def _client(self, call: dict[str, Any], target: tuple[str, dict[str, str]]) -> MediaStreamClient:
        url, params = target
        return MediaStreamClient(url, self.auth_token, self.account_sid, call["sid"], params)

    async def _scripted(self, call: dict[str, Any], session: OutboundSession, callee: Callee,
                        target: tuple[str, dict[str, str]], http: httpx.AsyncClient) -> None:
        machine = callee.answered_by == "machine"
        lines = [callee.greeting] if machine else callee.lines
        script: CallerScript = await script_from_lines(lines) if lines else CallerScript()
        if callee.audio and not machine:
            script.lines = [Line("<recording>", callee.audio)]
        if machine:
            script.lines[0].mulaw += _beep()
            script.greeting_timeout_s = 0.0  # a machine plays its greeting at once
        client = self._client(call, target)
        session.clients.append(client)
        runner = asyncio.create_task(client.run())
        follower = asyncio.create_task(self._follow(call, session, client))
        try:
            if call.get("machine_detection"):
                if machine:  # the AMD result comes once the greeting and its beep are over
                    await _converse(client, script)
                    await self._amd(call, http, "machine_end_beep")
                else:
                    await asyncio.sleep(1.0)
                    await self._amd(call, http, "human")
                    await _converse(client, script)
            else:
                await _converse(client, script)
            await follower  # stay on the line until the platform ends, redirects or transfers the call
        finally:
            follower.cancel()
            for c in session.clients:
                await c.hang_up()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(runner, 10)

    async def _amd(self, call: dict[str, Any], http: httpx.AsyncClient, answered_by: str) -> None:
        self._set(call, answered_by=answered_by)
        await self._post(http, call.get("amd_callback") or call.get("status_callback"), {
            "CallSid": call["sid"], "AccountSid": self.account_sid, "AnsweredBy": answered_by,
            "MachineDetectionDuration": "1200"})

    async def _follow(self, call: dict[str, Any], session: OutboundSession, client: MediaStreamClient) -> None:
        """Act on the platform's REST updates until the call is over; a new stream replaces the old one."""
        seen = len(call["updates"])
        while True:
            await asyncio.sleep(0.05)
            if client.closed.is_set() and not call["updates"][seen:]:
                return  # the stream ended (the relay closed it): so does the call
            for update in call["updates"][seen:]:
                seen += 1
                if update.get("status") in ("completed", "canceled"):
                    return
                twiml = update.get("twiml") or ""
                if (number := dial_target(twiml)) is not None:
                    session.transferred_to = number
                    return
                if (target := stream_target(twiml)) is not None:
                    await client.hang_up()  # Twilio stops the old stream, then opens the new one
                    client = self._client(call, target)
                    session.clients.append(client)
                    self._keep(asyncio.create_task(client.run()))

    async def _bridge_to_agent(self, call: dict[str, Any], session: OutboundSession, own: dict[str, Any],
                               target: tuple[str, dict[str, str]], http: httpx.AsyncClient) -> None:
        """A call to one of our own numbers: its agent answers on a second leg, bridged audio both ways."""
        leg_sid = sid("CA")
        form = {"CallSid": leg_sid, "AccountSid": self.account_sid, "From": call["from"], "To": call["to"],
                "CallStatus": "ringing", "Direction": "inbound", "ApiVersion": "2010-04-01"}
        body, headers = signature.signed_form(own["voice_url"], form, self.auth_token)
        answer = (await http.post(own["voice_url"], content=body, headers=headers)).text
        other = stream_target(answer)
        if other is None:
            return
        with self.state.lock:
            self.state.calls[leg_sid] = {**call, "sid": leg_sid, "direction": "inbound", "from": call["from"],
                                         "to": call["to"], "status": "in-progress", "updates": [], "twiml": answer,
                                         "status_callback": own.get("status_callback"), "machine_detection": None}
        a, b = self._client(call, target), MediaStreamClient(other[0], self.auth_token, self.account_sid, leg_sid,
                                                              other[1])
        a.on_agent_audio, b.on_agent_audio = b.say, a.say  # each agent hears the other
        session.clients.append(a)
        session.bridged_to = b
        runners = [asyncio.create_task(a.run()), asyncio.create_task(b.run())]
        followers = [asyncio.create_task(self._follow(call, session, a)),
                     asyncio.create_task(self._follow(self.state.calls[leg_sid], session, b))]
        await asyncio.wait(followers, return_when=asyncio.FIRST_COMPLETED)  # either side ends the call
        for f in followers:
            f.cancel()
        await a.hang_up()
        await b.hang_up()
        await asyncio.gather(*runners, return_exceptions=True)
        leg = self.state.calls[leg_sid]
        self._set(leg, status="completed", end_time=rfc2822())
        await self._status(http, leg, "completed", CallDuration=str(round(time.monotonic() - call["answered_at"])))


def install(app: FastAPI, base: str, outbound: OutboundCalls, read_form: Any) -> None:
    """Emulator-only route: who answers calls to a number (`Say` repeatable or `Audio`, base64 mu-law;
    `AnsweredBy`; `Behaviour`; `Greeting` for a machine)."""

    @app.post(base + "/Local/Callees.json", status_code=201)
    async def set_callee(request: Request) -> dict[str, Any]:
        form = await read_form(request)
        number = require(form, "Number", 21201, "No 'Number' is specified")
        check_to(number)
        behaviour = (form.get("Behaviour") or ["answer"])[-1]
        answered_by = (form.get("AnsweredBy") or ["human"])[-1]
        if behaviour not in BEHAVIOURS or answered_by not in ("human", "machine"):
            raise TwilioError(400, 21205, f"Behaviour must be one of {', '.join(BEHAVIOURS)}; "
                                          "AnsweredBy human or machine.")
        try:
            audio = base64.b64decode((form.get("Audio") or [""])[-1], validate=True)
        except binascii.Error as exc:
            raise TwilioError(400, 21205, "Audio must be base64 of 8 kHz mu-law.") from exc
        callee = Callee(lines=form.get("Say", []), audio=audio, answered_by=answered_by, behaviour=behaviour)
        if form.get("Greeting"):
            callee.greeting = form["Greeting"][-1]
        outbound.callees[number] = callee
        return {"number": number, "behaviour": behaviour, "answered_by": answered_by, "lines": callee.lines}
