"""VAD: real speech starts and stops turns; a cough-length burst does not count as speech."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from media_relay.audio.resample import downsample
from media_relay.audio.vad import FrameAnalyzer, VadController
from media_relay.engine.plan import onset_ms
from media_relay.ports import FRAME_BYTES_PCM


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    out = Path(tmp_path_factory.mktemp("vad")) / "s.wav"
    subprocess.run(["flite", "-voice", "rms", "-t", "Where is my package?", "-o", str(out)], check=True)
    with wave.open(str(out)) as w:
        return downsample(w.readframes(w.getnframes()), w.getframerate() // 8000)


def run(controller: VadController, pcm: bytes) -> list[tuple[str, int]]:
    events = []
    for i in range(0, len(pcm) - FRAME_BYTES_PCM + 1, FRAME_BYTES_PCM):
        event = controller.feed(pcm[i:i + FRAME_BYTES_PCM], i // 16)
        if event:
            events.append((event.kind, event.at_ms))
    return events


def test_speech_padded_with_silence_gives_one_start_and_one_stop(speech: bytes) -> None:
    silence = bytes(16000)  # one second
    events = run(VadController(FrameAnalyzer(), start_ms=200, stop_ms=700), silence + speech + silence * 2)
    events = [(kind, at) for kind, at in events if kind in ("speech_started", "speech_stopped")]
    assert [kind for kind, _ in events] == ["speech_started", "speech_stopped"]
    started, stopped = events[0][1], events[1][1]
    assert 900 <= started <= 1300 and stopped - started > 700


def test_silence_and_a_cough_do_not_start_speech() -> None:
    rng = np.random.default_rng(7)
    cough = (rng.normal(0, 6000, 8000 * 100 // 1000)).astype(np.int16).tobytes()  # 100 ms of loud noise
    pcm = bytes(8000) + cough + bytes(16000)
    controller = VadController(FrameAnalyzer(), start_ms=onset_ms(0.8), stop_ms=700)
    assert run(controller, pcm) == []


def test_sensitivity_sets_how_much_speech_counts() -> None:
    assert onset_ms(0.1) > onset_ms(0.5) > onset_ms(0.8) > onset_ms(1.0) == 40  # 1: the first sounds
    assert onset_ms(0.8) == 160  # the default: longer than a cough
    assert onset_ms(0.0) is None  # 0: never


def test_a_turn_judged_over_at_a_pause_is_not_ended_once_the_voice_is_back(speech: bytes) -> None:
    """The end-of-turn model can take a while; if the caller has started their next words by then
    (not yet long enough to count as resumed), ending the utterance would cut them off."""
    controller = VadController(FrameAnalyzer(), start_ms=160, stop_ms=1500)
    run(controller, bytes(16000) + speech + bytes(8000))  # speech, then 500 ms of quiet: paused
    assert controller.paused
    frame = speech[len(speech) // 2:len(speech) // 2 + FRAME_BYTES_PCM]
    assert controller.analyzer.is_speech(frame, caller_speaking=True)
    controller.feed(frame, 99_000)  # one voiced frame: the voice is coming back
    assert controller.end_utterance() is None and controller.speaking
    for i in range(4):  # 80 ms of quiet: it was a click
        controller.feed(bytes(FRAME_BYTES_PCM), 99_020 + 20 * i)
    event = controller.end_utterance()
    assert event is not None and event.kind == "speech_stopped" and not controller.speaking


def _voices_at_once(seconds: float) -> np.ndarray:
    """A TV or a room: four flite voices talking at once, all the time, 15 dB down (8 kHz float)."""
    from tests.support.speech_reference import flite

    lines = ["The weather tomorrow will be sunny with a light breeze in the afternoon.",
             "Scientists announced a new discovery about the oceans on Tuesday.",
             "The home team scored twice in the second half and won the match.",
             "Prices at the market went up again this week, shoppers said."]
    total = np.zeros(int(8000 * seconds), dtype=np.float32)
    for i, (line, voice) in enumerate(zip(lines, ("rms", "slt", "awb", "kal16"), strict=True)):
        pcm, rate = flite(line, voice)
        one = np.frombuffer(downsample(pcm, rate // 8000) if rate > 8000 else pcm, dtype=np.int16)
        reps = np.tile(one.astype(np.float32), int(total.size / one.size) + 2)
        total += reps[i * 8000 // 3:i * 8000 // 3 + total.size] * 0.5
    return total * 10 ** (-15 / 20)


def test_a_tv_in_the_room_is_not_speech_but_the_caller_over_it_is(speech: bytes) -> None:
    room = _voices_at_once(14.0)
    caller = np.frombuffer(speech, dtype=np.int16).astype(np.float32) * 10 ** (-6 / 20)  # a quiet caller
    at = 9 * 8000
    mixed = room.copy()
    mixed[at:at + caller.size] += caller
    pcm = np.clip(mixed, -32768, 32767).astype(np.int16).tobytes()
    events = run(VadController(FrameAnalyzer(), start_ms=160, stop_ms=1500), pcm)
    after_learning = [(kind, ms) for kind, ms in events if ms >= 2000]  # 1.5 s to learn the room
    starts = [ms for kind, ms in after_learning if kind == "speech_started"]
    stops = [ms for kind, ms in after_learning if kind == "speech_stopped"]
    assert len(starts) == 1 and 8800 <= starts[0] <= 9600, after_learning  # the caller, and only them
    assert len(stops) == 1 and stops[0] - starts[0] < caller.size / 8 + 500, after_learning  # and they finish
