"""Pocketsphinx runs in a host process: its C decoder holds the GIL, which must not stall the event loop."""

from __future__ import annotations

import asyncio
import time

import pytest

from media_relay.audio import codec
from media_relay.speech.alignment import LocalAligner, SphinxAligner
from media_relay.speech.sphinx_host import SphinxHost
from switchboard_local.carrier.dialer import script_from_lines

TEXT = "Sure, I noted request twelve, and I will call you back tomorrow morning."

pytestmark = pytest.mark.slow


async def loop_lag_while(work: object, times: int) -> float:
    """The event loop's worst lateness (ms) while `work` runs `times` in a worker thread."""
    lags: list[float] = []

    async def watch() -> None:
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(0.005)
            lags.append(time.perf_counter() - asked - 0.005)

    watcher = asyncio.create_task(watch())
    for _ in range(times):
        await asyncio.to_thread(work)  # type: ignore[arg-type]
    watcher.cancel()
    return 1000 * max(lags)


async def test_alignment_in_the_host_gives_the_same_words_without_stalling_the_loop() -> None:
    pcm = codec.decode((await script_from_lines([TEXT], voice="rms")).lines[0].mulaw)
    here, host = LocalAligner(), SphinxAligner(SphinxHost())
    assert host.align(TEXT, pcm) == here.align(TEXT, pcm) is not None
    stalled = await loop_lag_while(lambda: here.align(TEXT, pcm), 3)
    free = await loop_lag_while(lambda: host.align(TEXT, pcm), 3)
    assert stalled > 40, "in-process alignment no longer holds the GIL: this test proves nothing"
    assert free < 30, f"the loop waited {free:.0f} ms while the host aligned"


def test_a_failure_in_the_host_comes_back_as_the_same_exception_and_the_host_goes_on() -> None:
    host = SphinxHost()
    with pytest.raises(KeyError):
        host.call("stt_process", 12345, b"\x00" * 320)  # no such stream
    host.call("stt_open", 1)
    assert host.call("stt_finish", 1, b"") == ("", None)
    host.call("stt_close", 1)
