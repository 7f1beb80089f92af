"""What confirms an interruption, at each interruptionSensitivity, from words and voiced time."""

from __future__ import annotations

from media_relay.engine.interruption import InterruptionPolicy, Overlap, Verdict, is_backchannel
from tests.support.engine_harness import plan_for

POLICY = InterruptionPolicy()


def judge(words: str, voiced_ms: int, sensitivity: float = 0.8, *, ended: bool = False,
          greeting: bool = False) -> Verdict:
    plan = plan_for({"interruptionSensitivity": sensitivity})
    return POLICY.judge(plan, Overlap(greeting, voiced_ms, words.split()), ended=ended)


def test_at_the_default_a_word_asking_for_the_floor_confirms_from_250_ms() -> None:
    assert judge("wait", 200) is Verdict.WAIT
    assert judge("wait", 250) is Verdict.CONFIRM
    assert judge("sorry can you", 300) is Verdict.CONFIRM


def test_content_words_confirm_from_500_ms_once_held_200_ms_and_function_words_never_do() -> None:
    assert judge("sunday", 400) is Verdict.WAIT
    assert judge("sunday", 500) is Verdict.CONFIRM  # heard from the start
    plan, overlap = plan_for({}), Overlap(voiced_ms=600)
    overlap.hear(["and", "and", "eight"])  # a new content word at 600 ms...
    assert POLICY.judge(plan, overlap) is Verdict.WAIT
    overlap.voiced_ms = 800  # ...holds to 800 ms
    assert POLICY.judge(plan, overlap) is Verdict.CONFIRM
    overlap.hear(["and", "and", "eighty"])  # the recogniser changed its mind: the hold starts again
    assert POLICY.judge(plan, overlap) is Verdict.WAIT
    assert judge("i'm i'm a", 900) is Verdict.WAIT  # a long hum, as a recogniser hears it
    assert judge("but oh", 400, ended=True) is Verdict.RESUME  # "uh-huh", as a recogniser hears it


def test_any_speech_longer_than_a_backchannel_confirms() -> None:
    assert judge("", 1100) is Verdict.WAIT
    assert judge("", 1200) is Verdict.CONFIRM
    assert judge("", 2200, sensitivity=0.5) is Verdict.WAIT and judge("", 2250, sensitivity=0.5) is Verdict.CONFIRM


def test_what_ends_before_any_evidence_resumes_the_agent() -> None:
    assert judge("yeah", 300, ended=True) is Verdict.RESUME
    assert judge("", 200, ended=True) is Verdict.RESUME  # a cough


def test_the_ends_of_the_scale() -> None:
    assert judge("", 0, sensitivity=1.0) is Verdict.CONFIRM  # the first sound
    assert not POLICY.pauses(plan_for({"interruptionSensitivity": 0}))  # never


def test_hello_over_the_greeting_is_an_acknowledgement() -> None:
    assert judge("hello", 400, greeting=True, ended=True) is Verdict.RESUME
    assert judge("hello", 400, ended=True) is Verdict.CONFIRM  # over an answer it asks for the floor
    assert is_backchannel("hello", greeting=True) and not is_backchannel("hello")
    assert is_backchannel("uh huh yeah") and not is_backchannel("yeah yeah right okay")


def test_a_final_transcript_takes_the_floor_back_only_with_more_than_one_stray_word() -> None:
    plan = plan_for({})
    assert not POLICY.takes_back(plan, Overlap(voiced_ms=600, words=["and", "and", "eight"]))
    assert POLICY.takes_back(plan, Overlap(voiced_ms=600, words=["sunday", "hours"]))
    assert POLICY.takes_back(plan, Overlap(voiced_ms=300, words=["okay", "wait"]))  # a floor word
    assert POLICY.takes_back(plan, Overlap(voiced_ms=1200, words=[]))  # length


def test_a_content_word_holds_over_the_recognisers_audio_when_it_gives_times() -> None:
    # A recogniser running behind: voiced time moves on while its last partial still says "eight".
    plan, overlap = plan_for({}), Overlap(voiced_ms=600)
    overlap.hear(["and", "and", "eight"], audio_ms=11_040)
    overlap.voiced_ms = 900
    assert POLICY.judge(plan, overlap) is Verdict.WAIT  # it has not heard any more audio yet
    overlap.hear(["and", "and", "eight"], audio_ms=11_240)  # kept over 200 ms more of its audio
    assert POLICY.judge(plan, overlap) is Verdict.CONFIRM
