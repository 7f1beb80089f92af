"""The AWS speech adapters over real sockets: Transcribe (HTTP/2 + TLS fake) and Polly (HTTP fake)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import math
import os
import struct
import sys
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from awscrt.aio.http import AIOHttpClientConnectionUnified
from smithy_core import URI

from media_relay.config import RelaySettings
from media_relay.ports import FRAME_BYTES_PCM, Transcript
from media_relay.providers import build_stt, build_tts
from media_relay.stt import crt_thread_state
from media_relay.stt.h2_body import DirectBody
from media_relay.stt.transcribe_sdk import CrtTransport, TranscribeSdkStt
from media_relay.stt.transcribe_stream import TranscribeStream
from media_relay.tts.polly_tts import PollyTts, batches
from switchboard.errors import UpstreamError
from switchboard.voices import POLLY_VOICES
from tests.support.fake_polly import FakePolly
from tests.support.fake_transcribe import FakeTranscribe, ThreadedHypercorn, expected_confidence, make_localhost_cert
from tests.support.servers import ThreadedUvicorn

pytestmark = pytest.mark.timeout(30)

SCRIPT = ["hello there general kenobi.", "I would like a table for two.", "thank you goodbye."]


def tone(ms: int) -> bytes:
    n = 8 * ms
    return struct.pack(f"<{n}h", *(int(8000 * math.sin(2 * math.pi * 440 * i / 8000)) for i in range(n)))


def silence(ms: int) -> bytes:
    return bytes(16 * ms)


def utterance(speech_ms: int = 1000) -> bytes:
    """What the relay pushes for one turn: speech, then the VAD's 700 ms of trailing silence."""
    return tone(speech_ms) + silence(700)


async def push(stream: TranscribeStream, pcm: bytes, *, realtime: bool = False) -> None:
    """Push 20 ms frames as the relay does; `realtime` paces them to a deadline clock."""
    start = time.monotonic()
    for i in range(0, len(pcm), FRAME_BYTES_PCM):
        await stream.push(pcm[i:i + FRAME_BYTES_PCM])
        if realtime:
            await asyncio.sleep(max(0.0, start + (i // FRAME_BYTES_PCM + 1) * 0.02 - time.monotonic()))
        elif i % (FRAME_BYTES_PCM * 5) == 0:
            await asyncio.sleep(0)


async def until_final(results: AsyncIterator[Transcript], timeout: float = 5) -> list[Transcript]:
    """Transcripts up to and including the next final one."""
    seen: list[Transcript] = []
    async with asyncio.timeout(timeout):
        async for transcript in results:
            seen.append(transcript)
            if transcript.is_final:
                return seen
    raise AssertionError(f"the stream ended without a final transcript: {seen}")


async def wait_until(predicate: Callable[[], bool], timeout: float = 5) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


# --- Amazon Transcribe ---

@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_localhost_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def fake(tls: tuple[Path, Path]) -> Iterator[tuple[FakeTranscribe, ThreadedHypercorn]]:
    app = FakeTranscribe(SCRIPT, secret_key=os.environ["AWS_SECRET_ACCESS_KEY"])
    server = ThreadedHypercorn(app, *tls).start()
    yield app, server
    server.stop()


def transcribe_settings(server: ThreadedHypercorn, ca_file: Path | None, **overrides: object) -> RelaySettings:
    values: dict[str, object] = {
        "stt_provider": "transcribe", "transcribe_endpoint": server.url, "aws_region": "us-east-1",
        "transcribe_ca_file": str(ca_file) if ca_file else None, "transcribe_partials": True,
        "transcribe_connect_timeout_s": 3, "transcribe_grace_ms": 300, **overrides}
    return RelaySettings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def open_stt(fake: tuple[FakeTranscribe, ThreadedHypercorn], tls: tuple[Path, Path]):
    """Open a recognition stream through the configured provider; closed at the end of the test."""
    streams: list[TranscribeStream] = []

    async def open_(**overrides: object) -> TranscribeStream:
        stt = build_stt(transcribe_settings(fake[1], tls[0], **overrides))
        assert isinstance(stt, TranscribeSdkStt)
        stt.options = dataclasses.replace(stt.options, backoff_s=0.05)
        stream = await stt.open_stream(language="en-US")
        streams.append(stream)
        return stream

    yield open_
    for stream in streams:
        await stream.close()


async def test_transcripts_arrive_as_growing_partials_then_the_services_final(open_stt, fake) -> None:
    app, _ = fake
    stream = await open_stt(transcribe_grace_ms=2000)
    results = stream.results()
    await push(stream, silence(200) + utterance(1000))
    flushed_at = time.monotonic()
    await stream.flush()
    seen = await until_final(results)
    final = seen[-1]
    partials = [t.text for t in seen[:-1]]
    assert partials[:4] == ["hello", "hello there", "hello there general", "hello there general kenobi"]
    assert final.text == "hello there general kenobi."  # the service's own final, with punctuation
    assert final.confidence == expected_confidence(SCRIPT[0])
    assert final.start_ms is not None and 150 <= final.start_ms <= 250
    assert time.monotonic() - flushed_at < 1.0, "the service's final waited for the grace period"
    headers = app.streams[0].headers
    assert headers["x-amzn-transcribe-language-code"] == "en-US"
    assert headers["x-amzn-transcribe-sample-rate"] == "8000"
    assert headers["x-amzn-transcribe-enable-partial-results-stabilization"] == "true"
    assert headers["x-amzn-transcribe-partial-results-stability"] == "high"
    assert app.streams[0].audio_bytes / app.streams[0].audio_events >= 1000, "audio went out in 20 ms frames"


async def test_voiced_audio_goes_in_200_ms_events_until_the_pace_turns_fine(open_stt, fake) -> None:
    """The listener sets the pace: coarse while the caller talks and the agent is silent; at a pause
    what is pending goes at once, so the words before it are no later than with 100 ms events."""
    app, _ = fake
    stream = await open_stt(transcribe_keepalive_seconds=10)
    stream.pace(True)
    await push(stream, tone(1000), realtime=True)
    await push(stream, tone(140), realtime=True)  # 140 ms wait for a 200 ms event
    await wait_until(lambda: bool(app.streams) and sum(app.streams[0].event_bytes) >= 16000)
    assert app.streams[0].event_bytes == [3200] * 5
    paced_at = time.monotonic()
    stream.pace(False)
    await wait_until(lambda: sum(app.streams[0].event_bytes) >= 16000 + 2240)
    assert time.monotonic() - paced_at < 0.08, "the pending 140 ms waited for its tick"
    await push(stream, tone(200), realtime=True)
    await wait_until(lambda: sum(app.streams[0].event_bytes) >= 16000 + 2240 + 3200)
    assert app.streams[0].event_bytes[5:] == [2240, 1600, 1600]


async def test_silence_keeps_an_idle_stream_fed_at_real_time(open_stt, fake) -> None:
    """The service ends a stream after 15 s without audio; a caller on hold must not cause that."""
    app, _ = fake
    await open_stt(transcribe_keepalive_seconds=0)
    started = time.monotonic()
    await wait_until(lambda: bool(app.streams) and app.streams[0].audio_bytes >= 16000, timeout=3)
    assert 0.9 <= time.monotonic() - started < 1.6, "silence was not paced to the clock"
    assert app.streams[0].utterances == []


async def test_keepalive_mode_sends_a_silent_chunk_now_and_then(open_stt, fake) -> None:
    """The relay's default: an idle stream costs one signed event every few seconds, not ten a second."""
    app, _ = fake
    await open_stt(transcribe_keepalive_seconds=0.5)
    await wait_until(lambda: bool(app.streams) and app.streams[0].audio_events >= 1, timeout=3)
    await asyncio.sleep(1.3)
    assert 2 <= app.streams[0].audio_events <= 4, app.streams[0].audio_events  # every 0.5 s, not every 0.1 s


async def test_speech_after_a_quiet_spell_goes_out_at_once_though_the_next_keepalive_is_seconds_away(
        open_stt, fake) -> None:
    """Idle, the writer sleeps until the next keep-alive; the caller's first frames must wake it."""
    app, _ = fake
    stream = await open_stt(transcribe_keepalive_seconds=10)
    await asyncio.sleep(0.5)  # quiet: the writer is waiting for a keep-alive 10 s away
    assert not app.streams or app.streams[0].audio_bytes == 0
    started = time.monotonic()
    await push(stream, tone(60))  # three frames: less than one 100 ms chunk
    await wait_until(lambda: bool(app.streams) and app.streams[0].audio_bytes >= 960, timeout=3)
    assert time.monotonic() - started < 0.5, "a partial chunk waited for the keep-alive"


async def test_flush_publishes_the_latest_partial_after_the_grace_when_the_service_has_not_finalised(
        open_stt, fake) -> None:
    app, _ = fake
    app.final_silence_ms = None  # the service's pause detection never fires
    stream = await open_stt(transcribe_grace_ms=300)
    results = stream.results()
    await push(stream, tone(1000))
    async with asyncio.timeout(5):
        async for partial in results:
            if partial.text == "hello there general kenobi":
                break
    flushed_at = time.monotonic()
    await stream.flush()
    seen = await until_final(results)
    waited = time.monotonic() - flushed_at
    assert seen[-1] == Transcript("hello there general kenobi", True, 0.867, seen[-1].start_ms, seen[-1].end_ms)
    assert 0.28 <= waited < 1.0
    await stream.close()  # the service now closes that segment: it must not become a second turn
    assert [t async for t in results] == []


async def test_stream_is_replaced_before_its_time_limit_and_recognition_continues(open_stt, fake) -> None:
    app, _ = fake
    stream = await open_stt(transcribe_max_stream_s=1.0)
    results = stream.results()
    await push(stream, utterance(600))
    await stream.flush()
    assert (await until_final(results))[-1].text == SCRIPT[0]
    await wait_until(lambda: len(app.streams) >= 2)
    await push(stream, utterance(1200))
    await stream.flush()
    final = (await until_final(results))[-1]
    assert final.text == SCRIPT[1]
    assert app.streams[0].ended_by_client, "the old stream was not ended cleanly"
    # Every event's chunk signature held, the SDK's own end-of-stream frame's too (it chains on ours).
    assert app.streams[0].verified_signatures == app.streams[0].audio_events + 1
    assert app.streams[1].verified_signatures == app.streams[1].audio_events > 0
    assert SCRIPT[1] in app.streams[1].utterances
    assert final.start_ms is not None and final.start_ms > 1000  # times run on across streams


async def test_a_mid_stream_exception_reconnects_with_backoff(open_stt, fake) -> None:
    app, _ = fake
    app.exception_after_bytes = 3200  # LimitExceededException once 200 ms of audio arrived
    stream = await open_stt(transcribe_keepalive_seconds=0)
    results = stream.results()
    await wait_until(lambda: len(app.streams) >= 2)  # the keep-alive silence alone triggers it
    await push(stream, utterance(600))
    await stream.flush()
    assert (await until_final(results))[-1].text == SCRIPT[0]
    assert app.streams[0].utterances == [] and app.streams[1].utterances == [SCRIPT[0]]


async def test_events_signed_with_another_key_are_refused_by_the_service(open_stt, fake) -> None:
    """The fake checks every chunk signature (above, they all held): a wrong key ends the stream."""
    app, _ = fake
    app.secret_key = "not-the-key-the-relay-signs-with"
    stream = await open_stt(transcribe_keepalive_seconds=0, transcribe_max_retries=0)
    with pytest.raises(UpstreamError, match="BadRequestException"):
        await until_final(stream.results())
    assert app.streams[0].verified_signatures == 0 and app.streams[0].audio_events == 0


async def test_audio_events_go_straight_onto_the_http2_stream_in_order_and_signed(fake, tls) -> None:
    """The relay writes each event to awscrt's HTTP/2 stream itself (`h2_body`), awaited or at once
    (`send_now`, from the listener's push); the SDK's end of stream follows them, and the service
    checks every signature in the chain."""
    app, server = fake
    stt = build_stt(transcribe_settings(server, tls[0]))
    assert isinstance(stt, TranscribeSdkStt)
    conn = await stt.connect(dataclasses.replace(stt.options, language="en-US"))
    try:
        assert conn.audio is not None and conn.audio.direct is not None
        assert not conn.send_now(tone(100))  # no credentials resolved yet: nothing signed or written
        sizes = [1600 + 320 * (i % 3) for i in range(40)]
        for i, size in enumerate(sizes):
            await asyncio.sleep(0.002)  # awscrt's thread completes the writes (a burst would fill `MAX_UNWRITTEN`)
            if i % 4 == 0:
                await conn.send(tone(size // 16))
            else:
                assert conn.send_now(tone(size // 16))
        await conn.end()
        async with asyncio.timeout(5):
            async for _ in conn.segments():
                pass
    finally:
        await conn.close()
    log = app.streams[0]
    assert log.event_bytes == sizes and log.ended_by_client
    assert log.verified_signatures == len(sizes) + 1  # every audio event and the end, chained
    assert conn.audio.direct.written == len(sizes) and conn.audio.direct.error_code == 0
    body = weakref.ref(conn.stream.input_stream._writer)
    del conn
    await asyncio.sleep(0.1)
    gc.collect()
    assert body() is None  # nothing kept it (the registry's entries are weak), so its entry is gone too


async def test_awscrts_thread_keeps_one_python_thread_state_across_its_callbacks(fake, tls, monkeypatch) -> None:
    """Each write's completion runs on awscrt's thread through PyGILState_Ensure; after the first, the
    thread keeps its Python state, so what one callback left in thread-local storage the next finds
    (a state built per callback would start empty every time, and cost a page mapping each)."""
    local, found, threads = threading.local(), [], set()
    completed = DirectBody._completed

    def probe(self: DirectBody, error_code: int) -> None:
        completed(self, error_code)
        found.append(getattr(local, "mark", None))
        local.mark = threading.get_ident()
        threads.add(threading.get_ident())

    monkeypatch.setattr(DirectBody, "_completed", probe)
    _, server = fake
    stt = build_stt(transcribe_settings(server, tls[0]))
    conn = await stt.connect(dataclasses.replace(stt.options, language="en-US"))
    try:
        for _ in range(12):
            await conn.send(tone(100))
            await asyncio.sleep(0.01)
        await wait_until(lambda: len(found) == 12)
    finally:
        await conn.close()
    assert threading.get_ident() not in threads and crt_thread_state.kept() >= len(threads) == 1
    assert found[0] is None and found[1:] == [threads.pop()] * 11


async def test_a_connect_cut_short_leaves_awscrt_nothing_to_fail_on_and_no_connection_open(
        fake, tls, monkeypatch) -> None:
    """A call that ends while its Transcribe connection is being made cancels the connect. awscrt
    still finishes it on its own thread: it must find its future waiting (not cancelled, which made
    it raise InvalidStateError there) and a connection nobody wants is closed."""
    unraisable: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    closed: list[AIOHttpClientConnectionUnified] = []
    close = AIOHttpClientConnectionUnified.close

    async def recording_close(self: AIOHttpClientConnectionUnified) -> None:
        closed.append(self)
        await close(self)

    monkeypatch.setattr(AIOHttpClientConnectionUnified, "close", recording_close)
    _, server = fake
    stt = build_stt(transcribe_settings(server, tls[0]))
    assert isinstance(stt, TranscribeSdkStt)
    transport = CrtTransport(*stt._transport_args)
    url = URI(host="localhost", port=server.port, scheme="https")
    for _ in range(3):
        connecting = asyncio.create_task(transport._build_new_connection(url))
        await asyncio.sleep(0)  # awscrt has started: its TLS handshake takes milliseconds
        connecting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await connecting
    await wait_until(lambda: len(closed) == 3 and not any(conn.is_open() for conn in closed))
    assert unraisable == []


async def test_a_400_at_start_is_a_clear_error_and_is_not_retried(fake, tls) -> None:
    app, server = fake
    app.reject_next.append((400, "BadRequestException", "The language code xx-XX is not supported."))
    stt = build_stt(transcribe_settings(server, tls[0]))
    with pytest.raises(UpstreamError) as caught:
        await stt.open_stream(language="xx-XX")
    assert str(caught.value) == ("Amazon Transcribe refused to start a stream (BadRequestException): "
                                 "The language code xx-XX is not supported.")
    assert caught.value.retryable is False
    assert app.reject_next == [] and app.streams == []


async def test_an_untrusted_certificate_fails_fast_instead_of_hanging(fake) -> None:
    _, server = fake
    stt = build_stt(transcribe_settings(server, None, transcribe_connect_timeout_s=1.5, transcribe_max_retries=0))
    started = time.monotonic()
    with pytest.raises(UpstreamError, match="Amazon Transcribe refused to start a stream"):
        await stt.open_stream(language="en-US")
    assert time.monotonic() - started < 5


async def test_an_open_stream_costs_little_cpu(open_stt) -> None:
    """amazon-transcribe spun a core per open stream; 3 s of real-time audio must cost well under 0.5 s."""
    stream = await open_stt()
    results = stream.results()
    await push(stream, silence(100))  # connection warm
    cpu, wall = time.process_time(), time.monotonic()
    await push(stream, utterance(1000) + silence(1300), realtime=True)
    cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    await stream.flush()
    assert (await until_final(results))[-1].text == SCRIPT[0]
    assert wall >= 2.9
    assert cpu < 0.5, f"{cpu:.2f} s of CPU for {wall:.1f} s of audio"


# --- Amazon Polly ---

@pytest.fixture
def polly_server() -> Iterator[tuple[FakePolly, str]]:
    fake_polly = FakePolly()
    server = ThreadedUvicorn(fake_polly.app).start()
    yield fake_polly, server.url
    server.stop()


def make_polly(url: str, **overrides: object) -> PollyTts:
    values: dict[str, object] = {"tts_provider": "polly", "polly_endpoint": url, "aws_region": "us-east-1",
                                 **overrides}
    tts = build_tts(RelaySettings(**values))  # type: ignore[arg-type]
    assert isinstance(tts, PollyTts)
    tts.backoff_s = 0.05
    return tts


LONG = ("Thanks for calling the Blue Door restaurant. We are open from noon until ten every day. "
        "I can book a table, change a booking, or answer questions about the menu. "
        "Tell me what you would like to do and I will take care of it.")


async def test_polly_audio_streams_before_the_whole_text_is_synthesised(polly_server) -> None:
    fake_polly, url = polly_server
    tts = make_polly(url)
    arrivals: list[tuple[float, int]] = []
    async for chunk in tts.synthesize(LONG, voice="Joanna"):
        arrivals.append((time.monotonic(), len(chunk)))
    assert len(fake_polly.requests) >= 2
    assert arrivals[0][0] < fake_polly.finished[0], "the first audio waited for the whole answer"
    assert all(size % FRAME_BYTES_PCM == 0 for _, size in arrivals[:-1])
    assert sum(size for _, size in arrivals) > 8000 * 2 * 5  # seconds of real speech-length audio


async def test_polly_request_carries_ssml_rate_voice_engine_format_and_rate(polly_server) -> None:
    fake_polly, url = polly_server
    audio = b"".join([c async for c in make_polly(url).synthesize("Tom & Jerry <3 fish.", voice="Matthew",
                                                                  speed=1.25)])
    assert audio
    assert fake_polly.requests == [{
        "Text": '<speak><prosody rate="125%">Tom &amp; Jerry &lt;3 fish.</prosody></speak>', "TextType": "ssml",
        "VoiceId": "Matthew", "Engine": "neural", "OutputFormat": "pcm", "SampleRate": "8000"}]
    [c async for c in make_polly(url, polly_engine="standard").synthesize("Hi.", voice="Nobody", language="en-GB")]
    assert fake_polly.requests[-1]["Engine"] == "standard" and fake_polly.requests[-1]["VoiceId"] == "Amy"


async def test_polly_batches_short_sentences_into_few_requests(polly_server) -> None:
    fake_polly, url = polly_server
    fake_polly.pace_s = 0
    tts = make_polly(url, polly_max_chars=400)
    [c async for c in tts.synthesize("Hi. Yes. Sure. Okay. Thanks a lot. Bye now.", voice="Joanna")]
    assert len(fake_polly.requests) == 1
    text = " ".join(f"This is sentence number {i} of a long answer that goes on." for i in range(30))
    fake_polly.requests.clear()
    [c async for c in tts.synthesize(text, voice="Joanna")]
    expected = batches(text, max_chars=400)
    assert len(fake_polly.requests) == len(expected) < 30 / 4
    assert all(len(b) <= 400 for b in expected) and len(expected[0]) <= 200


async def test_polly_cache_answers_a_repeated_phrase_without_a_request(polly_server) -> None:
    fake_polly, url = polly_server
    tts = make_polly(url)
    first = b"".join([c async for c in tts.synthesize("Hello! How can I help?", voice="Joanna")])
    second = b"".join([c async for c in tts.synthesize("Hello! How can I help?", voice="Joanna")])
    assert first == second and len(fake_polly.requests) == 1
    [c async for c in tts.synthesize("Hello! How can I help?", voice="Joanna", speed=1.5)]
    assert len(fake_polly.requests) == 2  # another speed is another phrase


async def test_polly_throttling_is_retried_with_backoff(polly_server) -> None:
    fake_polly, url = polly_server
    fake_polly.errors = [(400, "ThrottlingException", "Rate exceeded")] * 2
    audio = b"".join([c async for c in make_polly(url).synthesize("One more time.", voice="Joanna")])
    assert audio and len(fake_polly.requests) == 3


async def test_polly_text_length_error_is_clear_and_not_retried(polly_server) -> None:
    fake_polly, url = polly_server
    fake_polly.errors = [(400, "TextLengthExceededException", "Maximum text length has been exceeded")]
    with pytest.raises(UpstreamError, match=r"Amazon Polly refused to synthesise speech "
                                            r"\(TextLengthExceededException\).*SWITCHBOARD_RELAY_POLLY_MAX_CHARS"):
        [c async for c in make_polly(url).synthesize("Too long.", voice="Joanna")]
    assert len(fake_polly.requests) == 1


def test_polly_voices_follow_the_api_catalogue() -> None:
    tts = PollyTts(client=object())
    assert [(v.voice_id, v.language) for v in tts.voices()] == [(v.voice_id, v.language) for v in POLLY_VOICES]
