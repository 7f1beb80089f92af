"""Whether a sound the caller makes over the agent is an interruption (the engine has already paused)."""

from __future__ import annotations

from enum import Enum

from media_relay.engine.plan import CallPlan


class Verdict(Enum):
    CONFIRM = "confirm"  # the caller is taking the floor: drop the rest
    RESUME = "resume"  # not an interruption after all: play on
    WAIT = "wait"  # not known yet


class InterruptionPolicy:
    """The caller's speech onset already needed `plan.barge_in_ms` of voicing (from
    `interruptionSensitivity`), so it is confirmed at once."""

    def on_onset(self, plan: CallPlan) -> Verdict:
        return Verdict.CONFIRM
