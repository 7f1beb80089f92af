"""The call engine's decisions, driven with fake STT events, TTS, responder, carrier, store and clock.

The fake voice says every word in 200 ms, and the fake far end plays exactly as the test advances
the clock, so "what was heard" is known to the word. No test waits on real time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from media_relay.engine import events as ev
from media_relay.engine.interruption import InterruptionPolicy, Overlap, Verdict
from media_relay.engine.machine import CallPhase
from media_relay.engine.outcome import TurnEnd, TurnKind
from media_relay.engine.plan import CallPlan, RelayLimits
from media_relay.ports import Transcript
from media_relay.reply import ReplyChunk
from media_relay.responders.port import TurnRequest
from tests.support.engine_harness import Harness, ScriptedResponder, plan_for

OPEN_HOURS = "We are open every weekday from nine until five."  # nine words: 1.8 s


def said(harness: Harness) -> list[str]:
    return [t["response"] for t in harness.records.turns]


async def test_the_greeting_is_spoken_then_stored_once_heard() -> None:
    async with Harness(plan_for({"beginMessage": "Hello {{name}}, this is Acme."},
                                {"variables": {"name": "Sam"}})) as call:
        assert call.spoken == ["Hello Sam, this is Acme."]
        assert call.records.turns == []  # not heard yet
        await call.play_all()
        [turn] = call.records.turns
        assert turn["response"] == "Hello Sam, this is Acme." and turn["transcript"] == ""
        assert call.engine.phase is CallPhase.TALKING and call.engine.turn is None
        assert call.responder.outcomes[0].kind is TurnKind.GREETING


async def test_a_caller_turn_is_answered_and_its_latency_stored() -> None:
    responder = ScriptedResponder([[ReplyChunk(text="Let me check.", interim=True),
                                    ReplyChunk(text="It ships tomorrow.")]])
    async with Harness(plan_for({"endOfTurnSilenceMs": 700}), responder) as call:
        await call.say("Where is my order?")
        assert [r.transcript.text for r in responder.requests] == ["Where is my order?"]
        assert call.spoken == ["Let me check.", "It ships tomorrow."]
        await call.play_all()
        [turn] = call.records.turns
        assert turn["transcript"] == "Where is my order?" and turn["response"] == "Let me check. It ships tomorrow."
        assert turn["interrupted"] is False
        latency = turn["latencyMs"]
        assert latency["silenceWindow"] == 700 and latency["sttFinalize"] == 50
        assert latency["firstAudio"] is not None and latency["overhead"] is not None


async def test_an_interruption_keeps_the_words_heard_and_tells_the_next_turn() -> None:
    responder = ScriptedResponder([[ReplyChunk(text=OPEN_HOURS + " On Saturdays we open at ten.")],
                                   [ReplyChunk(text="Sorry, go ahead.")]])
    async with Harness(plan_for(), responder) as call:
        await call.say("When are you open?")
        await call.advance(1.0)  # five words of the answer have played
        await call.say("Wait, what about Sunday?")
        assert call.clears() == 1
        cut = call.records.turns[0]
        assert cut["interrupted"] is True
        assert cut["response"] == "We are open every weekday"
        outcome = responder.outcomes[0]
        assert outcome.ended is TurnEnd.INTERRUPTED
        assert outcome.not_heard == "from nine until five. On Saturdays we open at ten."
        second = responder.requests[1]
        assert second.previous is not None and second.previous.heard == "We are open every weekday"
        assert call.engine.barge_ins == 1


async def test_an_interruption_closes_the_reply_stream_still_being_written() -> None:
    async def slow(request: TurnRequest) -> AsyncIterator[ReplyChunk]:
        yield ReplyChunk(text=OPEN_HOURS, interim=True)
        await asyncio.Event().wait()  # the rest never comes
        yield ReplyChunk(text="never")

    responder = ScriptedResponder([slow])
    async with Harness(plan_for(), responder) as call:
        await call.say("When are you open?")
        await call.advance(0.45)
        await call.say("Stop.")
        assert responder.closed == [responder.requests[0].turn_id]
        assert call.records.turns[0]["response"] == "We are"  # 0.45 s: two words, not half of the third


class ResumeAlways(InterruptionPolicy):
    def judge(self, plan: CallPlan, overlap: Overlap, *, ended: bool = False) -> Verdict:
        return Verdict.RESUME


async def test_a_sound_that_is_not_an_interruption_resumes_the_cut_sentence() -> None:
    responder = ScriptedResponder([[ReplyChunk(text="Sure thing. " + OPEN_HOURS)]])
    async with Harness(plan_for(), responder, policy=ResumeAlways()) as call:
        await call.say("When are you open?")
        frames_before = sum(1 for m in call.sent if m["event"] == "media")
        await call.advance(1.0)  # "Sure thing." is heard whole, and three words of the next sentence...
        await call.post(ev.SpeechStarted(call.clock.now()))  # ...then a cough
        assert call.clears() == 1 and call.engine.turn is not None
        # The cut sentence ("We are open...", 1.8 s) went out again.
        resent = sum(1 for m in call.sent if m["event"] == "media") - frames_before
        assert resent == 9 * 10  # that sentence again, from its start; not "Sure thing."
        await call.play_all()
        [turn] = call.records.turns
        assert turn["interrupted"] is False and turn["response"] == "Sure thing. " + OPEN_HOURS


async def test_sensitivity_zero_never_interrupts_and_the_caller_waits_their_turn() -> None:
    responder = ScriptedResponder([[ReplyChunk(text=OPEN_HOURS)], [ReplyChunk(text="You are welcome.")]])
    async with Harness(plan_for({"interruptionSensitivity": 0}), responder) as call:
        await call.say("When are you open?")
        await call.say("Thanks.")  # over the agent: not a barge-in, a turn that waits
        assert call.clears() == 0 and len(responder.requests) == 1
        await call.play_all()
        assert [r.transcript.text for r in responder.requests] == ["When are you open?", "Thanks."]
        await call.play_all()
        assert said(call) == [OPEN_HOURS, "You are welcome."]


async def test_keys_alone_become_a_turn_after_a_quiet_moment() -> None:
    responder = ScriptedResponder([[ReplyChunk(text="You chose four.")]])
    async with Harness(plan_for(), responder) as call:
        await call.post(ev.DigitPressed("4", call.clock.now()))
        await call.advance(1.0)
        await call.post(ev.DigitPressed("2", call.clock.now()))
        await call.advance(1.4)
        assert responder.requests == []
        await call.advance(0.2)
        [request] = responder.requests
        assert request.digits == "42" and request.transcript.text == ""


async def test_keys_pressed_while_speaking_ride_with_the_spoken_turn() -> None:
    responder = ScriptedResponder()
    async with Harness(plan_for(), responder) as call:
        await call.post(ev.DigitPressed("7", call.clock.now()))
        await call.say("My account number.")
        assert responder.requests[0].digits == "7"
        await call.advance(2.0)
        assert len(responder.requests) == 1  # the keys were used up


async def test_the_agents_max_silence_hangs_up_politely() -> None:
    async with Harness(plan_for({"maxSilenceMs": 60_000})) as call:
        await call.advance(59.8, step=1.0)
        assert call.spoken == []
        await call.advance(0.4)
        assert " ".join(call.spoken) == RelayLimits().silence_goodbye
        assert call.engine.phase is CallPhase.ENDING
        await call.play_all()
        assert call.carrier.hangups == 1 and call.records.end_reasons == ["silence-timeout"]
        assert call.records.turns[-1]["response"] == RelayLimits().silence_goodbye


async def test_a_calls_shorter_max_silence_wins_and_talking_resets_the_clock() -> None:
    async with Harness(plan_for({"maxSilenceMs": 60_000}, {"maxSilenceMs": 15_000})) as call:
        await call.advance(10.0, step=1.0)
        await call.say("Hello?")
        await call.play_all()
        await call.advance(14.5, step=1.0)
        assert call.carrier.hangups == 0 and call.engine.phase is CallPhase.TALKING
        await call.advance(1.0)
        await call.play_all()
        assert call.records.end_reasons == ["silence-timeout"]


async def test_the_deployments_ceiling_caps_max_silence() -> None:
    plan = plan_for({"maxSilenceMs": 600_000}, limits=RelayLimits(max_silence_ceiling_ms=20_000))
    assert plan.max_silence_ms == 20_000


async def test_the_time_limit_cuts_the_agent_off_and_says_goodbye() -> None:
    responder = ScriptedResponder([[ReplyChunk(text=OPEN_HOURS)]])
    async with Harness(plan_for({"endOfTurnSilenceMs": 700}, limits=RelayLimits(max_duration_s=30)),
                       responder) as call:
        await call.advance(27.3, step=1.0)
        await call.say("When are you open?")  # the answer starts at 28.55 s
        await call.advance(2.0)
        outcome = responder.outcomes[0]
        assert outcome.ended is TurnEnd.PREEMPTED and outcome.heard == "We are open every weekday from nine"
        assert " ".join(call.spoken[-2:]) == RelayLimits().max_duration_goodbye
        await call.play_all()
        assert call.records.end_reasons == ["max-duration"] and call.carrier.hangups == 1


async def test_hangup_comes_after_the_words_are_heard() -> None:
    responder = ScriptedResponder([[ReplyChunk(text="Goodbye now.", hangup=True)]])
    async with Harness(plan_for(), responder) as call:
        await call.say("That is all.")
        assert call.carrier.hangups == 0
        await call.play_all()
        assert call.carrier.hangups == 1 and call.records.end_reasons == ["agent-hangup"]
        assert call.carrier.stored_when_asked == [1]  # the goodbye turn is stored before the carrier ends the call
        await call.advance(5.1)
        assert call.carrier.closed == 1  # the carrier never stopped the stream, so we closed it


async def test_transfer_goes_to_the_replys_number_else_the_agents() -> None:
    responder = ScriptedResponder([[ReplyChunk(text="Transferring.", transfer=True)]])
    async with Harness(plan_for({"transferNumber": "+14155550188"}), responder) as call:
        await call.say("A human, please.")
        await call.play_all()
        assert call.carrier.transfers == ["+14155550188"] and call.records.end_reasons == ["transferred"]
        assert call.carrier.stored_when_asked == [1]


async def test_a_refused_transfer_is_apologised_for_and_the_call_goes_on() -> None:
    responder = ScriptedResponder([[ReplyChunk(text="Transferring.", transfer=True,
                                               transfer_number="+14155550199")]])
    async with Harness(plan_for(), responder) as call:
        call.carrier.refuse_transfer = True
        await call.say("A human, please.")
        await call.play_all()
        assert call.spoken[-1] == RelayLimits().transfer_failed
        assert call.engine.phase is CallPhase.TALKING and call.records.end_reasons == ["transferred", None]


async def test_a_transfer_without_any_number_is_reported_not_performed() -> None:
    responder = ScriptedResponder([[ReplyChunk(text="Transferring.", transfer=True)]])
    async with Harness(plan_for(), responder) as call:
        await call.say("A human, please.")
        await call.play_all()
        assert call.carrier.transfers == [] and call.engine.phase is CallPhase.TALKING
        assert "transferNumber" in responder.outcomes[0].problems[0]


async def test_digits_in_a_reply_are_played_as_tones_after_its_words() -> None:
    responder = ScriptedResponder([[ReplyChunk(text="Pressing.", digits="12")]])
    async with Harness(plan_for(), responder) as call:
        await call.say("Press one two.")
        pieces = [m for m in call.sent if m["event"] == "mark"]
        assert len(pieces) == 2  # the words, then the tones
        await call.play_all()
        assert said(call) == ["Pressing."]


async def test_a_failing_responder_costs_the_turn_not_the_call() -> None:
    async def broken(request: TurnRequest) -> AsyncIterator[ReplyChunk]:
        raise RuntimeError("webhook exploded")
        yield ReplyChunk()  # pragma: no cover

    responder = ScriptedResponder([broken, [ReplyChunk(text="Back again.")]])
    async with Harness(plan_for(), responder) as call:
        await call.say("Hello?")
        assert said(call) == [""] and "the reply failed" in responder.outcomes[0].problems[0]
        await call.say("Hello again?")
        await call.play_all()
        assert said(call) == ["", "Back again."]


async def test_a_failing_voice_skips_the_sentence_and_says_the_rest() -> None:
    responder = ScriptedResponder([[ReplyChunk(text="First part. Second part.")]])
    async with Harness(plan_for(), responder) as call:
        call.tts.fail_on = "First"
        await call.say("Hi.")
        await call.play_all()
        assert said(call) == ["Second part."]
        assert "text-to-speech failed" in responder.outcomes[0].problems[0]


async def test_the_stream_stopping_mid_answer_stores_what_was_heard() -> None:
    responder = ScriptedResponder([[ReplyChunk(text=OPEN_HOURS)]])
    async with Harness(plan_for(), responder) as call:
        await call.say("When are you open?")
        await call.advance(0.8)
        await call.stop()
        assert call.engine.phase is CallPhase.ENDED and call.result is None
        assert said(call) == ["We are open every"]
        assert responder.outcomes[0].ended is TurnEnd.HUNG_UP


async def test_voicemail_is_left_and_nothing_the_machine_plays_is_a_turn() -> None:
    responder = ScriptedResponder()
    plan = plan_for({"voicemailMessage": "Hi, it is Acme. Call us back."}, stream_mode="voicemail")
    async with Harness(plan, responder) as call:
        await call.say("Please leave a message after the tone.")
        assert responder.requests == [] and call.clears() == 0
        await call.play_all()
        assert call.carrier.hangups == 1 and call.records.end_reasons == ["voicemail"]
        assert call.carrier.stored_when_asked == [1]  # the message's turn is stored before the hang-up
        assert said(call) == ["Hi, it is Acme. Call us back."]


async def test_a_reply_that_pauses_still_speaks_its_first_sentence_at_once() -> None:
    gate = asyncio.Event()

    async def thinking(request: TurnRequest) -> AsyncIterator[ReplyChunk]:
        yield ReplyChunk(text="Sure, I can help with that.", interim=True)
        yield ReplyChunk(text=" Let me", interim=True)
        await gate.wait()  # a tool call, a slow model
        yield ReplyChunk(text=" check.")

    async with Harness(plan_for(), ScriptedResponder([thinking])) as call:
        await call.say("Can you help?")
        assert call.spoken == ["Sure, I can help with that."]  # before the pause ends, without its next token
        await asyncio.sleep(0.1)  # the speaker's quiet gap (0.05 s here) passes
        assert call.spoken == ["Sure, I can help with that.", "Let me"]
        gate.set()
        await call.idle()
        assert call.spoken[-1] == "check."


# -- turn-taking a person accepts ---------------------------------------------------------------------
async def test_a_backchannel_pauses_the_agent_which_resumes_its_sentence_and_makes_no_turn() -> None:
    responder = ScriptedResponder([[ReplyChunk(text="Sure thing. " + OPEN_HOURS)]])
    async with Harness(plan_for(), responder) as call:
        await call.say("When are you open?")
        await call.advance(1.0)  # "Sure thing." heard, three words into the next sentence
        frames = sum(1 for m in call.sent if m["event"] == "media")
        await call.say("uh huh", speech_s=0.3)
        assert call.clears() == 1 and call.engine.barge_ins == 0
        assert sum(1 for m in call.sent if m["event"] == "media") - frames == 90  # the sentence again
        await call.play_all()
        assert len(responder.requests) == 1  # "uh huh" was no turn
        [turn] = call.records.turns
        assert turn["interrupted"] is False and turn["response"] == "Sure thing. " + OPEN_HOURS
        assert turn["backchannels"] == ["uh huh"]


async def test_two_backchannels_in_one_utterance_are_each_judged_alone_and_make_no_turn() -> None:
    # "Sure." ... "Got it.": 0.7 s each, 0.6 s apart (inside the end-of-turn window, so one utterance).
    # Together they are longer than any backchannel; each alone is not, and neither has a content word.
    responder = ScriptedResponder([[ReplyChunk(text=OPEN_HOURS + " " + OPEN_HOURS)]])
    async with Harness(plan_for(), responder) as call:
        await call.say("When are you open?")
        await call.advance(0.6)
        voiced = 0
        for text in ("and", "and h and m"):
            await call.post(ev.SpeechStarted(call.clock.now()) if not voiced else ev.SpeechResumed(call.clock.now()))
            for _ in range(7):
                await call.advance(0.1)
                voiced += 100
                await call.post(ev.SpeechProgress(voiced))
            await call.post(ev.TranscriptPartial(Transcript(text, False)))
            paused_at = call.clock.now()
            await call.advance(0.3)
            await call.post(ev.SpeechPaused(paused_at))
            assert call.engine.turn is not None and call.engine.turn.state.value == "speaking"  # played on
            await call.advance(0.3)
        await call.advance(1.2)
        await call.post(ev.SpeechEnded(paused_at, call.clock.now()))
        await call.advance(0.05)
        await call.post(ev.TranscriptFinal(Transcript("and and h and m", True, 0.4), call.clock.now()))
        await call.play_all()
        assert call.engine.barge_ins == 0 and len(responder.requests) == 1
        [turn] = call.records.turns
        assert turn["interrupted"] is False and turn["backchannels"] == ["and and h and m"]


async def test_the_agent_resumes_a_quarter_second_after_a_cough() -> None:
    responder = ScriptedResponder([[ReplyChunk(text=OPEN_HOURS)]])
    async with Harness(plan_for(), responder) as call:
        await call.say("When are you open?")
        await call.advance(0.6)
        await call.post(ev.SpeechStarted(call.clock.now()))  # a cough: 200 ms, no words
        await call.advance(0.2)
        paused_at = call.clock.now()
        assert call.engine.turn is not None and call.engine.turn.state.value == "paused"
        await call.advance(0.25)
        await call.post(ev.SpeechPaused(paused_at))
        assert call.engine.turn.state.value == "speaking" and call.clock.now() - paused_at <= 0.5


async def test_words_that_ask_for_the_floor_confirm_at_once_and_long_speech_confirms_without_words() -> None:
    responder = ScriptedResponder([[ReplyChunk(text=OPEN_HOURS)], [ReplyChunk(text=OPEN_HOURS)], []])
    async with Harness(plan_for(), responder) as call:
        await call.say("When?")
        await call.advance(0.4)
        await call.post(ev.SpeechStarted(call.clock.now()))
        await call.advance(0.3)
        await call.post(ev.SpeechProgress(300))
        await call.post(ev.TranscriptPartial(Transcript("stop", False)))
        assert call.engine.barge_ins == 1  # "stop" after 300 ms
        await call.advance(2.0)
        await call.post(ev.SpeechEnded(call.clock.now(), call.clock.now()))
        await call.post(ev.TranscriptFinal(Transcript("stop", True), call.clock.now()))
        await call.advance(0.4)
        await call.say("mmm", speech_s=1.2, words=False)  # nothing recognised, but 1.2 s of speech
        assert call.engine.barge_ins == 2


async def test_a_content_word_counts_once_it_holds_and_a_stray_one_in_a_final_does_not() -> None:
    # "Mm-hmm" over the agent: the recogniser's last partial before it ends is "and and eight".
    responder = ScriptedResponder([[ReplyChunk(text=OPEN_HOURS + " " + OPEN_HOURS)], [ReplyChunk(text="Sunday?")]])
    async with Harness(plan_for(), responder) as call:
        await call.say("When are you open?")
        await call.advance(0.5)
        await call.post(ev.SpeechStarted(call.clock.now()))
        for voiced in range(100, 700, 100):
            await call.advance(0.1)
            await call.post(ev.SpeechProgress(voiced))
        await call.post(ev.TranscriptPartial(Transcript("and and eight", False)))
        assert call.engine.barge_ins == 0  # "eight" has not held yet
        paused_at = call.clock.now()
        await call.advance(0.25)
        await call.post(ev.SpeechPaused(paused_at))
        await call.advance(1.25)
        await call.post(ev.SpeechEnded(paused_at, call.clock.now()))
        await call.post(ev.TranscriptFinal(Transcript("and and eight", True, 0.3), call.clock.now()))
        assert call.engine.barge_ins == 0 and len(responder.requests) == 1  # absorbed: one stray word
        await call.advance(0.5)
        # A short utterance whose final holds two content words takes the floor back.
        await call.say("uh", speech_s=0.6, final="uh sunday hours")
        assert call.engine.barge_ins == 1 and responder.requests[-1].transcript.text == "uh sunday hours"


async def test_hello_over_the_greeting_acknowledges_it_and_the_greeting_goes_on() -> None:
    responder = ScriptedResponder()
    async with Harness(plan_for({"beginMessage": "Thanks for calling Acme. How can I help?"}), responder) as call:
        await call.advance(0.5)
        await call.say("Hello?", speech_s=0.4)
        assert call.engine.barge_ins == 0 and responder.requests == []
        await call.play_all()
        [greeting] = call.records.turns
        assert greeting["response"] == "Thanks for calling Acme. How can I help?" and greeting["interrupted"] is False


async def test_more_than_a_backchannel_in_the_final_transcript_takes_the_floor_after_all() -> None:
    responder = ScriptedResponder([[ReplyChunk(text=OPEN_HOURS + " " + OPEN_HOURS)], [ReplyChunk(text="Sunday?")]])
    async with Harness(plan_for(), responder) as call:
        await call.say("When are you open?")
        await call.advance(0.5)
        # Judged a backchannel at its pause, but the final transcript says more: the agent yields and answers it.
        await call.say("okay", speech_s=0.6, final="okay so what about sunday")
        assert call.engine.barge_ins == 1 and responder.requests[-1].transcript.text == "okay so what about sunday"


async def test_when_both_start_at_once_the_agent_yields() -> None:
    gate = asyncio.Event()

    async def late(request: TurnRequest) -> AsyncIterator[ReplyChunk]:
        await gate.wait()
        yield ReplyChunk(text=OPEN_HOURS)

    responder = ScriptedResponder([late, [ReplyChunk(text="Go on.")]])
    async with Harness(plan_for(), responder) as call:
        await call.say("When are you open?")
        await call.post(ev.SpeechStarted(call.clock.now()))  # the caller starts again...
        gate.set()  # ...as the answer becomes audible
        await call.idle()
        assert call.clears() == 1
        await call.advance(0.5)
        await call.post(ev.SpeechProgress(500))
        await call.post(ev.TranscriptPartial(Transcript("and also on sunday", False)))
        await call.advance(0.2)
        await call.post(ev.SpeechProgress(700))  # "sunday" held for 200 ms of speech
        assert call.engine.barge_ins == 1  # the agent let them finish


async def test_sensitivity_one_stops_at_the_first_sound() -> None:
    responder = ScriptedResponder([[ReplyChunk(text=OPEN_HOURS)]])
    async with Harness(plan_for({"interruptionSensitivity": 1.0}), responder) as call:
        await call.say("When are you open?")
        await call.advance(0.5)
        await call.post(ev.SpeechStarted(call.clock.now()))
        assert call.engine.barge_ins == 1


async def test_a_callee_first_call_greets_after_their_hello_which_is_no_question_for_the_responder() -> None:
    responder = ScriptedResponder()
    plan = plan_for({"beginMessage": "Hi, this is Acme about your cleaning."}, {"direction": "outbound"})
    assert plan.first_speaker == "callee"
    async with Harness(plan, responder) as call:
        await call.advance(1.0)
        assert call.spoken == []  # waiting for them
        await call.say("Hello?", speech_s=0.4)
        assert call.spoken == ["Hi, this is Acme about your cleaning."] and responder.requests == []
        await call.play_all()
        [greeting] = call.records.turns
        assert greeting["transcript"] == "Hello?" and greeting["response"].startswith("Hi, this is Acme")


async def test_a_callee_who_says_nothing_is_greeted_after_a_moment() -> None:
    plan = plan_for({"beginMessage": "Hi, this is Acme."}, {"direction": "outbound", "firstSpeaker": None})
    async with Harness(plan) as call:
        await call.advance(1.4)
        assert call.spoken == []
        await call.advance(0.2)
        assert call.spoken == ["Hi, this is Acme."]


async def test_an_agent_first_outbound_call_greets_at_once() -> None:
    plan = plan_for({"beginMessage": "Hi.", "firstSpeaker": "agent"}, {"direction": "outbound"})
    async with Harness(plan) as call:
        assert call.spoken == ["Hi."]


async def long_turn_with_a_gap(call: Harness, gap_s: float) -> None:
    """The caller talks for five seconds, then stops for `gap_s` mid-thought."""
    await call.post(ev.SpeechStarted(call.clock.now()))
    for voiced in range(100, 5001, 100):
        await call.advance(0.1)
        await call.post(ev.SpeechProgress(voiced))
    await call.advance(0.25)
    await call.post(ev.SpeechPaused(call.clock.now()))
    await call.advance(gap_s)


async def test_the_agent_says_uh_huh_in_a_gap_of_a_long_turn_and_stops_when_the_caller_goes_on() -> None:
    async with Harness(plan_for()) as call:
        await long_turn_with_a_gap(call, 0.5)
        cues = [m for m in call.sent if m["event"] == "media"]
        assert cues and call.engine.cues.played == 1
        await call.post(ev.SpeechResumed(call.clock.now()))  # they go on: the cue stops at once
        assert call.clears() == 1 and not call.engine.cues.playing()
        await call.advance(0.3)
        await call.post(ev.SpeechPaused(call.clock.now()))
        await call.advance(0.5)
        assert call.engine.cues.played == 1  # not again so soon
        assert call.records.turns == []  # a cue is never an agent turn


async def test_no_cue_when_disabled_in_a_short_gap_or_in_a_language_the_voice_lacks() -> None:
    async with Harness(plan_for({"enableBackchannel": False})) as call:
        await long_turn_with_a_gap(call, 0.5)
        assert call.engine.cues.played == 0 and not any(m["event"] == "media" for m in call.sent)
    async with Harness(plan_for()) as call:
        await long_turn_with_a_gap(call, 0.2)  # the caller's gap is too short
        assert call.engine.cues.played == 0
    async with Harness(plan_for({"language": "de-DE"})) as call:  # the fake voice speaks English only
        await long_turn_with_a_gap(call, 0.5)
        assert call.engine.cues.played == 0
