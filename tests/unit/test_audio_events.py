"""The relay's audio events are the Transcribe SDK's, byte for byte, signature chain included."""

from __future__ import annotations

import datetime
import types

import pytest
from aws_sdk_signers import signers as sdk_signers
from aws_sdk_transcribe_streaming.models import AudioEvent, AudioStreamAudioEvent
from smithy_aws_core.identity import AWSCredentialsIdentity
from smithy_aws_event_stream.aio import AWSEventPublisher, SigningConfig
from smithy_aws_event_stream.events import EventHeaderEncoder, EventMessage
from smithy_json import JSONCodec

from media_relay.stt.audio_events import EventSigner
from media_relay.stt.transcribe_sdk import AudioPublisher
from tests.support.eventstream import MessageDecoder

SEED = b"6d1f3a2b" * 8  # the request's signature, as hex
REGION, SECRET = "eu-west-1", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


class Clock:
    """What the SDK's signer reads as `datetime.datetime.now`."""

    def __init__(self, now: datetime.datetime) -> None:
        self.now_value = now

    def now(self, tz: datetime.tzinfo | None = None) -> datetime.datetime:
        return self.now_value


class Capture:
    def __init__(self) -> None:
        self.written: list[bytes] = []

    async def write(self, data: bytes) -> None:
        self.written.append(data)


class Identity:
    async def get_identity(self, *, properties: object) -> AWSCredentialsIdentity:
        return AWSCredentialsIdentity(access_key_id="AKIDEXAMPLE", secret_access_key=SECRET)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock(datetime.datetime(2026, 12, 1, 23, 59, 59, 987654, tzinfo=datetime.UTC))
    fake_datetime = types.SimpleNamespace(datetime=clock, UTC=datetime.UTC)
    monkeypatch.setattr(sdk_signers, "datetime", fake_datetime)
    return clock


def sdk_publisher(sink: Capture) -> tuple[AWSEventPublisher, sdk_signers.AsyncEventSigner]:
    signer = sdk_signers.AsyncEventSigner(initial_signature=SEED, event_encoder_cls=EventHeaderEncoder)
    config = SigningConfig(signer=signer, signing_properties={"region": REGION, "service": "transcribe"},  # type: ignore[arg-type]
                           identity_resolver=Identity(), identity_properties={})  # type: ignore[arg-type]
    return AWSEventPublisher(payload_codec=JSONCodec(), async_writer=sink, signing_config=config), signer


async def test_audio_events_match_the_sdks_bytes_across_the_chain_and_midnight(clock: Clock) -> None:
    sink = Capture()
    publisher, sdk_signer = sdk_publisher(sink)
    ours = EventSigner(SEED, REGION, "transcribe")
    chunks = [bytes(range(256)) * 6 + b"\x01\x02", b"", bytes(3200)]
    times = [clock.now_value, clock.now_value + datetime.timedelta(milliseconds=100),
             clock.now_value + datetime.timedelta(seconds=1)]  # the last one on the next day: a new signing key
    for pcm, when in zip(chunks, times, strict=True):
        clock.now_value = when
        await publisher.send(AudioStreamAudioEvent(value=AudioEvent(audio_chunk=pcm)))
        assert ours.audio(pcm, SECRET, when) == sink.written[-1]
        assert ours.prior == sdk_signer._prior_signature
    # The SDK's own end-of-stream frame chains on our last signature, and ours matches it too.
    end = await sdk_signer.sign_empty(event=EventMessage(), identity=await Identity().get_identity(properties={}),
                                      properties={"region": REGION, "service": "transcribe"})  # type: ignore[arg-type]
    assert ours.envelope(b"", SECRET, clock.now_value) == end.encode()


def test_an_event_decodes_as_the_audio_inside_a_signed_envelope() -> None:
    when = datetime.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.UTC)
    message = EventSigner(SEED, REGION, "transcribe").audio(b"\x10\x20", SECRET, when)
    ((envelope, inner),) = MessageDecoder().feed(message)
    assert set(envelope) == {":date", ":chunk-signature"}
    assert int.from_bytes(envelope[":date"], "big") == 1767323045678
    assert len(envelope[":chunk-signature"]) == 32
    ((headers, audio),) = MessageDecoder().feed(inner)
    assert list(headers.items()) == [(":message-type", "event"), (":event-type", "AudioEvent"),
                                     (":content-type", "application/octet-stream")]
    assert audio == b"\x10\x20"


def test_each_signature_depends_on_the_one_before() -> None:
    when = datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC)
    a, b = EventSigner(SEED, REGION, "transcribe"), EventSigner(SEED, REGION, "transcribe")
    assert a.audio(b"x", SECRET, when) == b.audio(b"x", SECRET, when)
    a.audio(b"first", SECRET, when)
    b.audio(b"other", SECRET, when)
    assert a.audio(b"same", SECRET, when) != b.audio(b"same", SECRET, when)
    assert a.prior != b.prior


def test_a_publisher_of_another_sdk_version_keeps_the_sdks_own_path() -> None:
    sink = Capture()
    publisher, _ = sdk_publisher(sink)
    assert isinstance(AudioPublisher.over(publisher), AudioPublisher)
    del publisher._signing_config.signer._prior_signature  # internals this was not written for
    assert AudioPublisher.over(publisher) is None
    assert AudioPublisher.over(object()) is None
