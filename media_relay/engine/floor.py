"""Who has the floor while the agent talks: a sound from the caller pauses the agent, evidence decides.

`Floor` holds one overlap at a time (from the caller's onset over the agent to the verdict) and
the one fact that outlives it: the utterance was judged a backchannel, so its final transcript is
absorbed instead of becoming a turn. The engine asks it what each event means and does the rest.
"""

from __future__ import annotations

from media_relay.engine.interruption import InterruptionPolicy, Overlap, Verdict, is_backchannel, words_of
from media_relay.engine.outcome import TurnKind
from media_relay.engine.plan import CallPlan
from media_relay.engine.turn import ActiveTurn, TurnState
from media_relay.playout import Playout


class Floor:
    def __init__(self, plan: CallPlan, playout: Playout, policy: InterruptionPolicy) -> None:
        self.plan, self.playout, self.policy = plan, playout, policy
        self.overlap: Overlap | None = None
        self.absorbing: ActiveTurn | None = None  # its caller utterance was a backchannel over this turn
        self._absorbed = Overlap()  # the evidence it was judged on (the longest of its backchannels)
        self._resumed_at_ms = 0  # the utterance's voiced time when the agent last played on
        self.voiced_ms = 0  # of the caller's current utterance

    def audible(self, turn: ActiveTurn | None) -> bool:
        return turn is not None and turn.state is TurnState.SPEAKING and self.playout.pending(turn.id)

    async def onset(self, turn: ActiveTurn | None, *, resumed: bool = False) -> Verdict | None:
        """The caller's voice began (`resumed`: came back after a pause in the same utterance).
        None: nothing to decide."""
        if self.overlap is not None and turn is not None and turn.state is TurnState.PAUSED:
            return self._judge()
        if not self.audible(turn) or not self.policy.pauses(self.plan):
            return None
        assert turn is not None
        await self.playout.pause()  # first: the caller must stop hearing the agent now
        turn.state = TurnState.PAUSED
        # A sound after a resumed backchannel in the same utterance ("sure ... got it") is judged on
        # its own voicing; one already under way when the agent started counts all of it.
        since = self.voiced_ms if resumed else 0
        self.overlap = Overlap(greeting=turn.kind is TurnKind.GREETING, voiced_ms=self.voiced_ms - since,
                               since_ms=since)
        return self._judge()

    async def overlapping_start(self, turn: ActiveTurn) -> Verdict | None:
        """The agent's reply became audible while the caller was already talking: it yields at once,
        and plays on only if what the caller says turns out to be a backchannel."""
        return await self.onset(turn, resumed=False)

    def progress(self, voiced_ms: int) -> Verdict | None:
        self.voiced_ms = voiced_ms
        if self.overlap is None:
            return None
        self.overlap.voiced_ms = voiced_ms - self.overlap.since_ms
        return self._judge()

    def words(self, text: str, audio_ms: int | None = None) -> Verdict | None:
        if self.overlap is None:
            return None
        self.overlap.hear(words_of(text), audio_ms)
        return self._judge()

    def quiet(self) -> Verdict | None:
        """The caller paused or stopped: no evidence of an interruption by now means there was none."""
        if self.overlap is None:
            return None
        return self._judge(ended=True)

    def _judge(self, *, ended: bool = False) -> Verdict:
        assert self.overlap is not None
        return self.policy.judge(self.plan, self.overlap, ended=ended)

    def settled(self, turn: ActiveTurn, verdict: Verdict) -> None:
        """The verdict is in: a resumed turn remembers to absorb the utterance's final transcript."""
        if verdict is Verdict.CONFIRM:
            self.absorbing = None  # the caller has the floor: the utterance's words make a turn
        elif self.overlap is not None:
            if self.absorbing is not turn:
                self._absorbed = Overlap(self.overlap.greeting)
            self.absorbing = turn  # every backchannel of the utterance so far was over this turn
            self._absorbed.voiced_ms = max(self._absorbed.voiced_ms, self.overlap.voiced_ms)
            self._resumed_at_ms = self.voiced_ms
        self.overlap = None

    def absorbs(self, text: str) -> ActiveTurn | None:
        """Is this final transcript the backchannel the agent talked through? Returns the turn it was over.

        The final transcript is judged on the same evidence rules as the partials were, so a short
        sound the recogniser turned into some word ("uh-huh" heard as "ahead") stays absorbed.
        """
        turn, self.absorbing = self.absorbing, None
        if turn is None:
            return None
        # Judged on the longest backchannel, or on what the caller said after the last one if longer.
        after = max(0, self.voiced_ms - self._resumed_at_ms)
        final = Overlap(self._absorbed.greeting, max(self._absorbed.voiced_ms, after), words_of(text))
        if is_backchannel(text, greeting=final.greeting) or not self.policy.takes_back(self.plan, final):
            return turn
        return None

    def caller_started(self) -> None:
        self.voiced_ms = self._resumed_at_ms = 0

    def caller_stopped(self) -> None:
        after = self.voiced_ms - self._resumed_at_ms  # what the caller said after the agent last played on
        self._absorbed.voiced_ms = max(self._absorbed.voiced_ms, after) if self.absorbing else 0
        self.voiced_ms = self._resumed_at_ms = 0
