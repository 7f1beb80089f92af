"""One call on a Twilio Media Stream: the start message names the call, then the socket feeds the pipeline.

The reader does the per-frame parsing (JSON, base64, mu-law) and hands the caller's audio, marks and
keys to the call's sink (`media_relay.call`); hang-ups and transfers go through the carrier's REST
API, and closing the socket ends `<Connect><Stream>` if all else fails.
"""

from __future__ import annotations

import asyncio
from typing import Any

from media_relay import twilio_protocol as tp
from media_relay.audio import codec
from media_relay.call import BoundRecords, CallSink, RelayDeps, default_word_timer, run_call
from media_relay.call_control import CallControl
from media_relay.engine.plan import CallPlan
from media_relay.wire import TWILIO_FRAMES_PER_MESSAGE, TwilioWire
from media_relay.ws import WsConnection
from switchboard.logging import logger

__all__ = ["BoundRecords", "CallSession", "RelayDeps", "StreamCarrier", "default_word_timer"]


class StreamCarrier:
    """Carrier actions for one call; closing the socket ends `<Connect><Stream>` if all else fails."""

    def __init__(self, control: CallControl | None, carrier_call_id: str, ws: Any) -> None:
        self.control, self.carrier_call_id, self.ws = control, carrier_call_id, ws

    def _control(self) -> CallControl:
        if self.control is None:
            raise RuntimeError("this relay has no carrier to act through")
        return self.control

    async def hang_up(self) -> None:
        await self._control().hang_up(self.carrier_call_id)

    async def transfer(self, number: str) -> None:
        await self._control().transfer(self.carrier_call_id, number)

    async def close_stream(self) -> None:
        await self.ws.close()


class TwilioTransport:
    """A Media Stream after its `start`: Twilio's wire, the carrier's REST API, and the socket's reader."""

    def __init__(self, ws: Any, start: tp.Start, carrier: StreamCarrier,
                 frames_per_message: int = TWILIO_FRAMES_PER_MESSAGE) -> None:
        self.ws = ws
        self.wire = TwilioWire(ws.send, start.stream_sid, frames_per_message)
        self.carrier = carrier
        self._busy = False  # `read` holds a message (and may be awaiting): later ones queue behind it
        self._waiting: asyncio.Task[None] | None = None  # audio that had to wait, queued for `read`
        self._loop = asyncio.get_running_loop()

    async def read(self, sink: CallSink) -> None:
        """Audio is taken as it arrives (`WsConnection.direct`) and finished at once when nothing in it
        has to wait; what does wait, and whatever arrives meanwhile, is read here, in order."""
        direct = isinstance(self.ws, WsConnection)
        if direct:
            self.ws.direct = lambda raw: self._take(raw, sink)
        try:
            async for item in self.ws:
                self._busy = True
                if isinstance(item, asyncio.Task):
                    await item
                elif isinstance(item, Exception):
                    raise item
                elif await self._handle(tp.parse(item) if isinstance(item, str | bytes) else item, sink):
                    return
                self._busy = False
        finally:
            if direct:
                self.ws.direct = None
            if self._waiting is not None:  # the far end went while it waited: it has nothing to finish
                self._waiting.cancel()

    def _take(self, raw: str | bytes, sink: CallSink) -> object | None:
        """A message as it arrives: None when it is done with, else what `read` must do with it."""
        if self._busy:  # `read` is awaiting something: this waits its turn
            return raw
        try:
            payload = tp.media_payload(raw)
            if payload is None:  # another event, or media only the general parse takes
                msg = tp.parse(raw)
                if not isinstance(msg, tp.Media):
                    return msg
                payload = msg.payload
            heard = sink.audio_now(codec.decode(payload))
            if heard is None:  # quiet: all done
                return None
            # A caller talking: run what follows at once, as far as it goes without waiting (with
            # Transcribe, all the way); if it has to wait (a local recogniser), `read` waits for it.
            follow = asyncio.Task(sink.follow(heard), loop=self._loop, eager_start=True)
            if not follow.done():
                self._waiting = follow
                follow.add_done_callback(self._followed)
                return follow
            return follow.exception()
        except Exception as exc:  # raised where `read` would have raised it
            return exc

    def _followed(self, task: asyncio.Task[None]) -> None:
        if self._waiting is task:
            self._waiting = None

    @staticmethod
    async def _handle(msg: tp.Inbound, sink: CallSink) -> bool:
        """One message in `read`; True at the stream's end."""
        if isinstance(msg, tp.Media):
            await sink.audio(codec.decode(msg.payload))
        elif isinstance(msg, tp.Mark):
            sink.mark(msg.name)
        elif isinstance(msg, tp.Dtmf):
            sink.digit(msg.digit)
        elif isinstance(msg, tp.Stop):
            return True
        return False


class CallSession:
    def __init__(self, ws: Any, deps: RelayDeps) -> None:
        self.ws, self.deps = ws, deps

    async def run(self) -> None:
        start = await self._wait_for_start()
        if start is None:
            return
        params = start.parameters
        ctx = await self.deps.records.load(params.get("projectId", ""), params.get("callId", ""))
        plan = CallPlan.resolve(ctx.call, ctx.agent, project_id=ctx.project_id, limits=self.deps.limits,
                                stream_mode=params.get("mode"))
        logger.info("call connected", extra={"callId": plan.call_id, "streamSid": start.stream_sid})
        carrier = StreamCarrier(self.deps.control, start.call_sid or ctx.call.get("carrierCallId", ""), self.ws)
        await run_call(self.deps, ctx, plan, TwilioTransport(self.ws, start, carrier, self.deps.frames_per_message))

    async def _wait_for_start(self) -> tp.Start | None:
        async for raw in self.ws:
            msg = tp.parse(raw)
            if isinstance(msg, tp.Start):
                return msg
            if isinstance(msg, tp.Stop):
                return None
        return None
