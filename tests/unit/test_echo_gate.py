"""The agent's own voice coming back is not the caller: the echo gate on frame energies."""

from __future__ import annotations

import random
from collections import deque

import numpy as np
import pytest

from media_relay.audio.echo import HISTORY, MIN_HISTORY, PERCENTILE, EchoGate
from media_relay.audio.quantile import percentile
from tests.support.fake_clock import FakeClock

AGENT = 4_000_000.0  # mean power of a loud agent frame


def talk(gate: EchoGate, clock: FakeClock, caller: list[float], echo_loss_db: float | None) -> list[bool]:
    """The agent talks at AGENT power; each 20 ms the caller's frame is `caller[i]` plus the echo."""
    verdicts = []
    for level in caller:
        gate.played(clock.now(), AGENT)
        echo = AGENT * 10 ** (-echo_loss_db / 10) if echo_loss_db is not None else 0.0
        clock.advance(0.02)
        verdicts.append(gate.is_echo(level + echo + 100.0))  # + line noise
    return verdicts


def test_speakerphone_echo_is_gated_and_a_caller_talking_over_it_is_not() -> None:
    clock = FakeClock()
    gate = EchoGate(clock=clock)
    echo_only = talk(gate, clock, [0.0] * 100, echo_loss_db=15)
    assert all(echo_only)  # from the first frame (the prior), and as learnt
    # A caller 6 dB under the agent, over the echo: heard for the 160 ms the agent needs to pause.
    assert not any(talk(gate, clock, [AGENT * 0.25] * 8, echo_loss_db=15))


def test_on_a_clean_line_even_a_quiet_caller_is_heard_once_the_line_is_known() -> None:
    clock = FakeClock()
    gate = EchoGate(clock=clock)
    talk(gate, clock, [0.0] * 100, echo_loss_db=None)  # two seconds of the agent: nothing comes back
    assert not any(talk(gate, clock, [AGENT * 0.01] * 8, echo_loss_db=None))  # 20 dB under the agent


def test_a_backchannel_barely_moves_what_was_learnt() -> None:
    clock = FakeClock()
    gate = EchoGate(clock=clock)
    talk(gate, clock, [0.0] * 200, echo_loss_db=15)
    talk(gate, clock, [AGENT * 0.5] * 20, echo_loss_db=15)  # "uh-huh" over the agent
    assert all(talk(gate, clock, [0.0] * 50, echo_loss_db=15))  # the echo is still only echo


def test_nothing_is_gated_once_the_agent_has_been_quiet_or_was_paused() -> None:
    clock = FakeClock()
    gate = EchoGate(clock=clock)
    talk(gate, clock, [0.0] * 50, echo_loss_db=15)
    clock.advance(1.0)
    assert gate.reference() == 0.0 and not gate.is_echo(10.0)
    talk(gate, clock, [0.0] * 50, echo_loss_db=15)
    gate.reset()
    assert gate.reference() == 0.0 and not gate.is_echo(10.0)


def test_a_caller_who_keeps_cutting_in_does_not_teach_the_gate_their_voice() -> None:
    clock = FakeClock()
    gate = EchoGate(clock=clock)
    for _ in range(6):  # a call full of barge-ins: the caller's frames arrive while the agent is audible
        talk(gate, clock, [0.0] * 40, echo_loss_db=None)
        for _ in range(30):
            gate.played(clock.now(), AGENT)
            clock.advance(0.02)
            gate.is_echo(AGENT * 0.3, learn=False)  # the VAD already hears them: not the line's echo
    assert not any(talk(gate, clock, [AGENT * 0.3] * 8, echo_loss_db=None))


class ScanningGate(EchoGate):
    """The gate as first written: the window a deque scanned whole per caller frame, the ratios a deque
    copied into an array for each percentile. What the O(1) window and the ring must match exactly."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__(clock=clock)
        self.window: deque[tuple[float, float]] = deque()
        self.history: deque[float] = deque(maxlen=HISTORY)

    def played(self, at: float, energy: float) -> None:
        self.window.append((at, energy))

    def reset(self) -> None:
        self.window.clear()
        self.history.clear()

    def reference(self, now: float | None = None) -> float:
        now = self.clock() if now is None else now
        while self.window and self.window[0][0] < now - self.window_s:
            self.window.popleft()
        return max((e for t, e in self.window if t <= now), default=0.0)

    def is_echo(self, energy: float, *, learn: bool = True) -> bool:
        ref = self.reference()
        if ref <= 0.0:
            return False
        ratio = energy / ref
        if learn:
            self.history.append(ratio)
            self._count += 1
            if len(self.history) >= MIN_HISTORY and self._count % 10 == 0:
                self.level = percentile(np.fromiter(self.history, dtype=np.float64), PERCENTILE)
        return ratio < self.level * self.margin


@pytest.mark.parametrize("seed", range(6))
def test_the_sliding_window_and_ring_decide_exactly_as_a_scan_of_every_frame(seed: int) -> None:
    rng = random.Random(seed)
    clock = FakeClock()
    fast, scan = EchoGate(clock=clock), ScanningGate(clock)
    sent_until = clock.now()
    for step in range(6000):
        if rng.random() < 0.6:  # the playout sends a message of 1-5 frames up to 100-300 ms ahead
            sent_until = max(sent_until, clock.now())
            for _ in range(rng.randint(1, 5)):
                if sent_until < clock.now() + rng.choice((0.1, 0.3)):
                    energy = rng.choice((0.0, AGENT, AGENT * rng.random(), float(rng.randint(0, 3))))
                    fast.played(sent_until, energy)
                    scan.played(sent_until, energy)
                    sent_until += 0.02
        if rng.random() < 0.003:  # a barge-in
            fast.reset()
            scan.reset()
        clock.advance(rng.choice((0.02, 0.02, 0.02, 0.5, 1.0)) if step % 97 == 0 else 0.02)
        energy, learn = AGENT * rng.random() ** 3, rng.random() < 0.8
        assert fast.reference() == scan.reference()
        assert fast.is_echo(energy, learn=learn) == scan.is_echo(energy, learn=learn)
        assert fast.level == scan.level
