"""Amazon Transcribe streaming on `aws-sdk-transcribe-streaming` (the relay's "transcribe" provider).

The successor of `amazon-transcribe`: it idles at near-zero CPU while a stream is open, where the
old package spins a core (docs/aws-speech.md). Its default aiohttp transport cannot stream both
ways, so it runs on smithy's awscrt transport, which this module subclasses to share one CRT
event-loop thread and one TLS context (optionally trusting a given CA file) between calls. AWS
allows one stream per HTTP/2 session, so every stream gets its own client and connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import weakref
from collections.abc import AsyncIterator
from typing import Any

from aws_sdk_transcribe_streaming.client import AsyncTranscribeStreamingClient
from aws_sdk_transcribe_streaming.config import AsyncTranscribeStreamingConfig
from aws_sdk_transcribe_streaming.models import (
    AudioEvent,
    AudioStreamAudioEvent,
    Result,
    ServiceError,
    StartStreamTranscriptionInput,
    TranscriptResultStreamTranscriptEvent,
)
from awscrt import io as crt_io
from smithy_aws_core.config import ConfigSource
from smithy_aws_core.identity import AWSCredentialsIdentity
from smithy_aws_core.identity.chain import IdentityChain
from smithy_http.aio.crt import AWSCRTHTTPClient, AWSCRTHTTPClientConfig

from media_relay.ports import SAMPLE_RATE
from media_relay.stt.audio_events import EventSigner
from media_relay.stt.h2_body import DirectBody
from media_relay.stt.transcribe_events import RETRYABLE, messages, segments_of
from media_relay.stt.transcribe_stream import Segment, ServiceFault, TranscribeOptions, TranscribeStream


def as_fault(exc: BaseException) -> ServiceFault:
    """Map what the SDK raised: modelled service errors keep their name; transport failures are retryable."""
    if isinstance(exc, ServiceFault):
        return exc
    name = type(exc).__name__
    if isinstance(exc, ServiceError):
        return ServiceFault(name, exc.message or str(exc), retryable=name in RETRYABLE)
    return ServiceFault(name, str(exc) or "the connection failed", retryable=True)


def to_segment(result: Result) -> Segment:
    alternative = result.alternatives[0] if result.alternatives else None
    items = (alternative.items or []) if alternative else []
    confidences = tuple(i.confidence for i in items if i.confidence is not None and i.type != "punctuation")
    return Segment(result.result_id or "", result.is_partial, (alternative.transcript or "") if alternative else "",
                   result.start_time, result.end_time, confidences)


async def _close(client: AsyncTranscribeStreamingClient, stream: Any) -> None:
    """Tear a stream down in any state: drop input nobody will read, then close the client.

    `input_stream.close()` would wait for the buffered input to be read, which never happens on a
    stream that failed or never connected; so the publisher's buffer (smithy's AsyncBytesProvider,
    private) is closed without flushing. That also ends awscrt's request-body task.
    """
    _retrieve_body_writer_errors()
    provider = getattr(getattr(stream, "input_stream", None), "_writer", None)
    with contextlib.suppress(Exception):
        if provider is not None:
            await provider.close(flush=False)
    with contextlib.suppress(Exception):
        await client.close()


def _retrieve_body_writer_errors() -> None:
    """awscrt's request-body task fails when the server ended the stream first (a 400, an exception frame).

    Nothing awaits that task, so asyncio would log "exception was never retrieved"; the failure
    itself has already surfaced through the response. (Only pending tasks are listed: call this
    before ending the input.)
    """
    for task in asyncio.all_tasks():
        if getattr(task.get_coro(), "__qualname__", "").endswith("._set_request_body_generator"):
            task.add_done_callback(lambda t: t.cancelled() or t.exception())


class _CrtLoop:
    """One awscrt event-loop thread for every call (smithy's default makes one per client)."""

    def __init__(self) -> None:
        group = crt_io.EventLoopGroup(1)
        self.bootstrap = crt_io.ClientBootstrap(group, crt_io.DefaultHostResolver(group))


class CrtTransport(AWSCRTHTTPClient):
    """smithy's awscrt transport with a shared CRT loop, a shared TLS context and a connect timeout.

    It sets the attributes smithy's `__init__` would (same version pinned), without that `__init__`:
    it builds a TLS context of its own, loading the system's trust store, 29 ms of CPU per stream.
    """

    def __init__(self, loop: _CrtLoop, tls: crt_io.ClientTlsContext, connect_timeout_ms: int) -> None:
        self._config = AWSCRTHTTPClientConfig()
        self._eventloop = loop  # type: ignore[assignment]
        self._client_bootstrap = loop.bootstrap
        self._tls_ctx = tls
        self._socket_options = crt_io.SocketOptions()
        self._socket_options.connect_timeout_ms = connect_timeout_ms
        self._connections = {}
        self._closed = False
        self._body: Any = None  # the body of the request `send` is opening

    async def _build_new_connection(self, url: Any) -> Any:
        """smithy's connect, left to finish if the call that wanted it goes first (a call that ends
        while Transcribe connects). awscrt completes the connect on its own thread: a cancelled
        future there raises InvalidStateError in that thread, and a connection made anyway stays
        open with nobody to close it. So the connect is shielded, and one nobody awaits is closed."""
        connecting = asyncio.ensure_future(super()._build_new_connection(url))
        try:
            return await asyncio.shield(connecting)
        except asyncio.CancelledError:
            connecting.add_done_callback(_close_unwanted)
            raise

    def _create_body_generator(self, body: Any) -> Any:
        self._body = body
        return super()._create_body_generator(body)

    async def _await_response(self, stream: Any) -> Any:
        # `send` opens the stream for `_body` and hands it here at once (nothing awaited in between).
        if self._body is not None:
            with contextlib.suppress(TypeError):  # no weak references to either: no direct writes
                STREAMS_BY_BODY[self._body] = weakref.ref(stream)
            self._body = None
        return await super()._await_response(stream)


_closing: set[asyncio.Task[None]] = set()  # closes of unwanted connections, referenced until done


def _close_unwanted(connecting: asyncio.Future[Any]) -> None:
    """A connect whose caller went: close what it made (a failure needs nothing but retrieving)."""
    if connecting.cancelled() or connecting.exception() is not None:
        return
    task = asyncio.ensure_future(connecting.result().close())
    _closing.add(task)
    task.add_done_callback(_closing.discard)


# The HTTP/2 stream each of our transports opened for a request body (the publisher's buffer), so the
# publisher can write to it directly (`h2_body`). Weak both ways: the stream holds the body, and an
# entry must not keep either alive.
STREAMS_BY_BODY: weakref.WeakKeyDictionary[Any, weakref.ref[Any]] = weakref.WeakKeyDictionary()


async def _identity_chain(config: AsyncTranscribeStreamingConfig) -> IdentityChain[AWSCredentialsIdentity]:
    """The credentials chain the SDK would build for every client (its `_post_setup`), built once.

    Building it discovers its providers from every installed package's entry points: 40 ms of CPU
    per stream. Shared, it also caches the credentials once for every call.
    """
    context = config.resolution_context()
    config_file, profile_name = None, None
    if context is not None:
        config_file = await context.parsed_profiles()
        if context.profile_source is ConfigSource.OVERRIDE:
            profile_name = context.profile_name
    return await IdentityChain.create(AWSCredentialsIdentity, config_file=config_file, profile_name=profile_name,
                                      region_override=config.region, http_client=config.transport)  # type: ignore[arg-type]


class AudioPublisher:
    """Audio events onto the stream's request body, framed and signed here on the SDK's own chain.

    The SDK's publisher (smithy_aws_event_stream 0.3's `AWSEventPublisher`) spends 74-108 us per event
    in its generic serializer and signer; `EventSigner` writes the same bytes in a few C calls. The
    chain lives in the SDK's signer, so its end-of-stream frame (`SdkConnection.end`) follows on.
    """

    def __init__(self, publisher: Any, direct: DirectBody | None = None) -> None:
        self.publisher, self.direct = publisher, direct
        self.config, self.writer = publisher._signing_config, publisher._writer
        properties = self.config.signing_properties
        self.chain = EventSigner(self.config.signer._prior_signature, properties["region"], properties["service"])
        self.identity: Any = None  # the credentials the last `send` resolved, for `send_now`

    @classmethod
    def over(cls, publisher: Any) -> AudioPublisher | None:
        """Over the SDK's publisher, or None where its internals are not the ones this was written for.
        On a stream a `CrtTransport` opened, events skip the SDK's body task (`h2_body`), unless
        something is already queued there (it must go first)."""
        config = getattr(publisher, "_signing_config", None)
        signer = getattr(config, "signer", None)
        if not hasattr(publisher, "_writer") or not hasattr(signer, "_is_finalized") \
                or not isinstance(getattr(signer, "_prior_signature", None), bytes):
            return None
        direct = None
        ref = STREAMS_BY_BODY.get(publisher._writer)
        stream = ref() if ref is not None else None
        if stream is not None and not getattr(publisher._writer, "_data", True):
            direct = DirectBody.over(stream)
        return cls(publisher, direct)

    async def send(self, pcm: bytes) -> None:
        signer = self.config.signer
        if self.publisher.closed or signer._is_finalized:
            raise OSError("Attempted to write to closed stream.")
        identity = await self.config.identity_resolver.get_identity(properties=self.config.identity_properties)
        self.identity = identity
        message = self._signed(pcm, identity, datetime.datetime.now(datetime.UTC))
        signer._prior_signature = self.chain.prior
        try:
            if self.direct is not None:
                await self.direct.write(message)
            else:
                await self.writer.write(message)
        except Exception as exc:  # as the SDK's publisher does: the stream is over
            await self.publisher.close()
            raise OSError("Failed to write to stream.") from exc


    def send_now(self, pcm: bytes) -> bool:
        """`send` without a wait, on the direct path with the credentials `send` last resolved (while they
        are good for another `FRESH_FOR`): signed, written, True. Otherwise nothing is signed or written
        (the chain is unchanged) and `send` must go instead: the first event, credentials about to be
        refreshed, a stalled or failed connection, a closed stream."""
        direct, identity, signer = self.direct, self.identity, self.config.signer
        if direct is None or identity is None or self.publisher.closed or signer._is_finalized:
            return False
        now = datetime.datetime.now(datetime.UTC)
        if identity.expiration is not None and identity.expiration - now < FRESH_FOR:
            return False
        message = self._signed(pcm, identity, now)
        try:
            written = direct.write_now(message)
        except Exception:  # a stream awscrt has closed: `send` raises it where the writer handles faults
            written = False
        if written:  # the chain moves on only for an event that went
            signer._prior_signature = self.chain.prior
        return written

    def _signed(self, pcm: bytes, identity: Any, now: datetime.datetime) -> bytes:
        """The event for `pcm`, chained on the SDK signer's last signature (the signer itself is moved on
        by the caller, once the event is on its way)."""
        self.chain.prior = self.config.signer._prior_signature
        return self.chain.audio(pcm, identity.secret_access_key, now)


FRESH_FOR = datetime.timedelta(minutes=5)  # credentials closer to expiry go through the resolver (it refreshes)


class SdkConnection:
    """One stream: its own client (and so its own HTTP/2 connection)."""

    def __init__(self, client: AsyncTranscribeStreamingClient, stream: Any, output: Any) -> None:
        self.client, self.stream, self.output = client, stream, output
        self.audio = AudioPublisher.over(stream.input_stream)

    async def send(self, pcm: bytes) -> None:
        try:
            if self.audio is not None:
                await self.audio.send(pcm)
            else:  # another SDK version: its own (slower) publisher
                await self.stream.input_stream.send(AudioStreamAudioEvent(value=AudioEvent(audio_chunk=pcm)))
        except Exception as exc:
            raise as_fault(exc) from exc

    def send_now(self, pcm: bytes) -> bool:
        return self.audio is not None and self.audio.send_now(pcm)

    async def end(self) -> None:
        await self.stream.input_stream.close()

    async def segments(self) -> AsyncIterator[Segment]:
        source = getattr(self.output, "_source", None)  # the receiver's byte stream (smithy_aws_event_stream 0.3)
        if source is None:  # another SDK version: its own (slower) models
            async for segment in self._modelled_segments():
                yield segment
            return
        try:
            async for message in messages(source, self.output.close):
                for segment in segments_of(message):
                    yield segment
        except Exception as exc:
            raise as_fault(exc) from exc

    async def _modelled_segments(self) -> AsyncIterator[Segment]:
        try:
            async for event in self.output:
                if isinstance(event, TranscriptResultStreamTranscriptEvent):
                    transcript = event.value.transcript
                    for result in (transcript.results or []) if transcript else []:
                        yield to_segment(result)
                elif isinstance(getattr(event, "value", None), Exception):  # an exception frame as a union member
                    raise as_fault(event.value)
        except Exception as exc:
            raise as_fault(exc) from exc

    async def close(self) -> None:
        await _close(self.client, self.stream)


class TranscribeSdkStt:
    """`SpeechToText` on Amazon Transcribe streaming; credentials from the default chain."""

    name = "transcribe"

    def __init__(self, *, region: str | None = None, endpoint: str | None = None, ca_file: str | None = None,
                 options: TranscribeOptions | None = None) -> None:
        self.region, self.endpoint = region, endpoint
        self.options = options or TranscribeOptions()
        tls_options = crt_io.TlsContextOptions()
        if ca_file:
            tls_options.override_default_trust_store_from_path(None, ca_file)
        self._transport_args = (_CrtLoop(), crt_io.ClientTlsContext(tls_options),
                                max(1, int(self.options.connect_timeout_s * 1000)))
        self._config: AsyncTranscribeStreamingConfig | None = None
        self._identity: IdentityChain[AWSCredentialsIdentity] | None = None

    async def _base_config(self) -> AsyncTranscribeStreamingConfig:
        """Resolved once (environment, profile files): region, endpoint and credential settings."""
        if self._config is None:
            overrides: dict[str, Any] = {"transport": CrtTransport(*self._transport_args)}
            if self.region:
                overrides["region"] = self.region
            if self.endpoint:
                overrides["endpoint_uri"] = self.endpoint
            try:
                self._config = await AsyncTranscribeStreamingConfig.resolve(**overrides)
            except Exception as exc:
                raise ServiceFault("ConfigurationError", f"{exc} (set AWS_REGION)", retryable=False) from exc
            self._identity = await _identity_chain(self._config)
        return self._config

    def _own_transport(self, config: AsyncTranscribeStreamingConfig) -> None:
        """Client plugin: a transport (so an HTTP/2 connection) of its own for every client.

        The SDK's config copy shares the transport, so clients built from one resolved config would
        multiplex their streams on one connection, and closing one client would close them all.
        """
        config.transport = CrtTransport(*self._transport_args)
        config.aws_credentials_identity_resolver = self._identity  # one chain (and credentials cache) for all

    async def connect(self, options: TranscribeOptions) -> SdkConnection:
        client = AsyncTranscribeStreamingClient(config=await self._base_config(), plugins=[self._own_transport])
        request = StartStreamTranscriptionInput(
            language_code=options.language, media_sample_rate_hertz=options.sample_rate, media_encoding="pcm",
            enable_partial_results_stabilization=options.stability is not None,
            partial_results_stability=options.stability)
        stream = None
        try:
            stream = await client.start_stream_transcription(request)
            _, output = await stream.await_output()
        except BaseException as exc:
            await _close(client, stream)
            if isinstance(exc, Exception):
                raise as_fault(exc) from exc
            raise
        return SdkConnection(client, stream, output)

    async def open_stream(self, *, language: str, sample_rate: int = SAMPLE_RATE) -> TranscribeStream:
        options = dataclasses.replace(self.options, language=language, sample_rate=sample_rate)
        stream = TranscribeStream(self.connect, options)
        await stream.start()
        return stream
