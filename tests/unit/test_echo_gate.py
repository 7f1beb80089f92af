"""The agent's own voice coming back is not the caller: the echo gate on frame energies."""

from __future__ import annotations

from media_relay.audio.echo import EchoGate
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
