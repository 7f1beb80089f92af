"""One call: its Media Stream, its pipeline stages and its turns, in one task group.

reader (socket → codec → VAD → STT) · turns (final transcript → webhook → TTS → playout) · playout
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import httpx

from media_relay import twilio_protocol as tp
from media_relay.audio import codec
from media_relay.audio.vad import FrameAnalyzer, VadController, start_ms_for
from media_relay.playout import Playout
from media_relay.ports import FRAME_BYTES_PCM, FRAME_MS, SpeechToText, SttStream, TextToSpeech
from media_relay.records import CallContext, CallRecords
from media_relay.templating import fill
from media_relay.turns import TurnRunner
from switchboard.logging import logger

PREROLL_FRAMES = 15  # 300 ms of audio before the VAD decided "speech", so first syllables reach STT


@dataclass
class RelayDeps:
    stt: SpeechToText
    tts: TextToSpeech
    records: CallRecords
    http: httpx.AsyncClient
    vad_mode: int = 2


class CallSession:
    def __init__(self, ws: Any, deps: RelayDeps) -> None:
        self.ws, self.deps = ws, deps
        self.preroll: deque[bytes] = deque(maxlen=PREROLL_FRAMES)
        self.speech_ended_at = 0.0
        self.stream_ms = 0

    async def run(self) -> None:
        start = await self._wait_for_start()
        if start is None:
            return
        params = start.parameters
        ctx = await self.deps.records.load(params.get("projectId", ""), params.get("callId", ""))
        agent = ctx.agent
        playout = Playout(self.ws.send, start.stream_sid)
        stt = await self.deps.stt.open_stream(language=agent.get("language", "en-US"))
        vad = VadController(FrameAnalyzer(self.deps.vad_mode),
                            start_ms=start_ms_for(agent.get("interruptionSensitivity", 0.5)),
                            stop_ms=int(agent.get("maxSilenceMs", 700)))
        turns = TurnRunner(ctx, self.deps, playout)
        logger.info("call connected", extra={"callId": ctx.call["id"], "streamSid": start.stream_sid})
        async with asyncio.TaskGroup() as group:
            background = [group.create_task(playout.run()), group.create_task(self._answer_turns(stt, turns))]
            await self._greet(ctx, turns)
            try:
                await self._read(stt, vad, playout, turns)
            finally:
                await stt.close()
                for task in background:
                    task.cancel()
        await self.deps.records.call_ended(ctx, None)
        logger.info("call ended", extra={"callId": ctx.call["id"], "framesSent": playout.frames_sent})

    async def _wait_for_start(self) -> tp.Start | None:
        async for raw in self.ws:
            msg = tp.parse(raw)
            if isinstance(msg, tp.Start):
                return msg
            if isinstance(msg, tp.Stop):
                return None
        return None

    async def _greet(self, ctx: CallContext, turns: TurnRunner) -> None:
        text = ctx.call.get("initialGreeting") or ctx.agent.get("beginMessage")
        if text:
            await turns.greet(fill(text, ctx.call.get("variables")))

    async def _read(self, stt: SttStream, vad: VadController, playout: Playout, turns: TurnRunner) -> None:
        async for raw in self.ws:
            msg = tp.parse(raw)
            if isinstance(msg, tp.Media):
                await self._on_audio(codec.decode(msg.payload), stt, vad)
            elif isinstance(msg, tp.Mark):
                playout.on_mark(msg.name)
            elif isinstance(msg, tp.Dtmf):
                turns.digits += msg.digit
            elif isinstance(msg, tp.Stop):
                return

    async def _on_audio(self, pcm: bytes, stt: SttStream, vad: VadController) -> None:
        for start in range(0, len(pcm) - FRAME_BYTES_PCM + 1, FRAME_BYTES_PCM):
            frame = pcm[start:start + FRAME_BYTES_PCM]
            event = vad.feed(frame, self.stream_ms)
            self.stream_ms += FRAME_MS
            if event is not None and event.kind == "speech_started":
                for earlier in self.preroll:
                    await stt.push(earlier)
                self.preroll.clear()
            if vad.speaking or event is not None:
                await stt.push(frame)
            else:
                self.preroll.append(frame)
            if event is not None and event.kind == "speech_stopped":
                # The caller went quiet `stop_ms` ago: that is when their speech ended.
                self.speech_ended_at = time.monotonic() - (self.stream_ms - event.at_ms) / 1000
                await stt.flush()

    async def _answer_turns(self, stt: SttStream, turns: TurnRunner) -> None:
        async for transcript in stt.results():
            if transcript.text.strip():
                await turns.answer(transcript, self.speech_ended_at)
            else:
                logger.info("utterance with no recognised words", extra={"callId": turns.ctx.call["id"]})

