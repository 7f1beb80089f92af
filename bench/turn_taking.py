"""Turn-taking as people do it, through the real relay (make dev's stack), counted per class of event.

Classes, each of at least 20 events, spread over five synthetic voices (flite rms, slt, awb, kal16
and espeak-ng) at levels from -6 to +4 dB:
- backchannels ("uh-huh", "yeah", ...) said during the agent's long answer;
- noises during the answer: coughs, clicks, keyboard typing, a door;
- a TV in the room (babble 15 dB down) throughout the call;
- a speakerphone: the agent's voice back 150 ms later, 15 dB down;
- true interruptions, 1-3 s into the answer;
- account numbers and addresses read with 0.8-1.2 s pauses;
- plain questions;
- two of our agents on one call placed through EventBridge.

It prints, per class: false interruptions (a turn cut, or a turn made, by something that was not
an interruption), pauses (the agent stopped and played on), missed interruptions, onset to
`clear`, premature ends of turn, and end of speech to first audio. Run:
.venv/bin/python bench/turn_taking.py [class ...]   (all eight: about 25 minutes; classes: backchannels,
noises, tv, echo, interruptions, pauses, plain, two-agents)
TURN_TAKING_DEBUG=1 prints each call's stored turns; STACK_LOG=<file> keeps the stack's log there.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import boto3
import httpx
from callers import NOISES, VOICES, babble, level, mulaw, say, trim, with_pauses
from stack import LocalStack, Webhook, percentile, summary

from media_relay.audio import codec
from media_relay.audio.vad import FrameAnalyzer
from switchboard_local.carrier.dialer import CallerScript, CallResult, Line
from switchboard_local.carrier.media_client import Room

LONG = ("We are open every weekday from nine in the morning until six in the evening. "
        "On Saturdays we open a little later, at ten, and close at four. "
        "On Sundays and public holidays the store is closed all day. "
        "Parking is free behind the building, and the entrance is on the side street.")
QUESTIONS = ["When are you open?", "Where can I park?", "Do you open on Sundays?", "Is there a side entrance?",
             "What time do you close on Saturday?"]
BACKCHANNELS = ["Uh-huh.", "Yeah.", "Okay.", "Mm-hmm.", "Right.", "I see.", "Sure.", "Got it."]
INTERRUPTIONS = ["Wait, what about Sunday?", "Sorry, can you repeat that?", "Hold on, I have another question.",
                 "No, I asked about the parking.", "Actually, can I change my order?"]
PAUSED = [("My account number is four seven two nine, one five eight three.", [7, 9]),
          ("The code is alpha bravo seven, nine nine two.", [5]),
          ("I live at twelve Oak Street, apartment four, in Springfield.", [5, 7]),
          ("My phone number is four one five, five five five, zero one nine nine.", [7, 10]),
          ("Please send it to twenty one Elm Road, near the station.", [6])]
LEVELS = [0.0, -6.0, 4.0, -3.0, 0.0]
CONCURRENT = 2  # calls at once: make dev's one process shares two cores with the callers
rand = random.Random(7)


FAILED_CALLS: list[str] = []
DEBUG = bool(os.environ.get("TURN_TAKING_DEBUG"))


async def gathered(jobs: list[Any]) -> None:
    """Run the calls `CONCURRENT` at a time; a call that fails is reported, not fatal."""
    for start in range(0, len(jobs), CONCURRENT):
        for outcome in await asyncio.gather(*jobs[start:start + CONCURRENT], return_exceptions=True):
            if isinstance(outcome, BaseException):
                FAILED_CALLS.append(f"{type(outcome).__name__}: {outcome}")


@dataclass
class Tally:
    name: str
    events: int = 0
    false: int = 0
    pauses: int = 0
    missed: int = 0
    premature: int = 0
    clear_ms: list[float] = field(default_factory=list)
    resume_ms: list[float] = field(default_factory=list)
    first_audio_ms: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    recovery: list[tuple[int, int]] = field(default_factory=list)
    said: int = 0


@dataclass
class Call:
    result: CallResult
    turns: list[dict[str, Any]]
    requests: list[dict[str, Any]]


def onset_s(audio: bytes) -> float:
    """Seconds into a line before its first frame the relay's VAD calls speech."""
    analyzer, pcm = FrameAnalyzer(), codec.decode(audio)
    for i in range(0, len(pcm) - 319, 320):
        if analyzer.is_speech(pcm[i:i + 320]):
            return i / 16000
    return 0.0


async def call(stack: LocalStack, lines: list[Line], reply: Any, room: Room | None = None,
               **agent: Any) -> Call:
    with Webhook(reply) as hook:
        agent_item, number = stack.agent_with_number(**agent)
        with stack.api() as api:
            api.post(f"/v1/agents/{agent_item['id']}/webhook", json={"url": hook.url}).raise_for_status()
        script = CallerScript(lines=lines, greeting_timeout_s=1.0, room=room or Room())
        result = await stack.dial(number["phoneNumber"], script)
        await asyncio.sleep(1.5)  # the relay writes the last turn after the stream ends
        with stack.api() as api:
            calls = api.get(f"/v1/numbers/{number['id']}/calls").json()["data"]
            turns = api.get(f"/v1/calls/{calls[0]['id']}/transcript").json()["data"]
        if DEBUG:
            print("DEBUG", number["phoneNumber"], [(t["transcript"], t["response"][:30], t["interrupted"],
                  t["latencyMs"]) for t in turns], len(hook.requests), file=sys.stderr)
        return Call(result, turns, [r for r in hook.requests if r.get("event") == "agent.message"])


def spoken(text: str, voice: str, db: float = 0.0) -> Line:
    return Line(text, mulaw(level(trim(say(text, voice)), db)))


def long_answer(_: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"text": LONG}]


def short_answer(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"text": "Okay, noted."}]


def resumes(result: CallResult, events: list[int]) -> tuple[int, list[float]]:
    """Pauses after the given caller lines, and how long after each line the agent played on."""
    client = result.client
    assert client is not None
    pauses, latencies = 0, []
    for index in events:
        _, started, finished = result.line_times[index]
        if any(started <= t <= finished + 1.0 for t in client.clear_times):
            pauses += 1
            after = [t for t, _ in client.agent.chunks if t > finished]
            if after:
                latencies.append((min(after) - finished) * 1000)
    return pauses, latencies


async def overlaps(stack: LocalStack, name: str, make: Any, room: Room | None = None) -> Tally:
    """Sounds over the agent's long answers that must not interrupt it: 2 questions x 2 sounds, per voice."""
    tally = Tally(name)

    async def one(i: int, voice: str) -> None:
        lines, sounds = [], []
        for q in range(2):
            lines.append(spoken(QUESTIONS[(i + q) % 5], voice, LEVELS[i]))
            for k in range(2):
                sounds.append(len(lines))
                lines.append(Line("(sound)", make(i, q, k, voice), interrupt_after_s=rand.uniform(1.5, 3.0)))
        got = await call(stack, lines, long_answer, room)
        tally.events += len(sounds)
        tally.false += sum(1 for t in got.turns if t["interrupted"]) + max(0, len(got.requests) - 2)
        pauses, latencies = resumes(got.result, sounds)
        tally.pauses += pauses
        tally.resume_ms += latencies

    await gathered([one(i, v) for i, v in enumerate(VOICES)])
    return tally


def backchannel(i: int, q: int, k: int, voice: str) -> bytes:
    text = BACKCHANNELS[(i * 4 + q * 2 + k) % len(BACKCHANNELS)]
    return mulaw(level(trim(say(text, voice)), LEVELS[i]))


def noise(i: int, q: int, k: int, voice: str) -> bytes:
    kind = list(NOISES)[(i + q * 2 + k) % len(NOISES)]
    return mulaw(level(NOISES[kind](i * 10 + q * 2 + k), LEVELS[i] - 3))


async def rooms(stack: LocalStack, name: str, room: Room) -> Tally:
    """The agent answers four questions per voice at length, in a room that sends sound back."""
    tally = Tally(name)

    async def one(i: int, voice: str) -> None:
        lines = [spoken(QUESTIONS[(i + q) % 5], voice, LEVELS[i]) for q in range(4)]
        got = await call(stack, lines, long_answer, room)
        tally.events += len(lines)
        tally.false += sum(1 for t in got.turns if t["interrupted"]) + max(0, len(got.requests) - len(lines))
        tally.missed += max(0, len(lines) - len(got.requests))  # questions never answered
        client = got.result.client
        tally.pauses += len(client.clear_times) if client else 0

    await gathered([one(i, v) for i, v in enumerate(VOICES)])
    return tally


async def interruptions(stack: LocalStack) -> Tally:
    tally = Tally("true interruptions")

    async def one(i: int, voice: str) -> None:
        lines, cuts = [], []
        for q in range(4):
            lines.append(spoken(QUESTIONS[(i + q) % 5], voice, LEVELS[i]))
            cuts.append(len(lines))
            cut = spoken(INTERRUPTIONS[(i + q) % 5], voice, LEVELS[i])
            cut.interrupt_after_s = rand.uniform(1.0, 3.0)
            lines.append(cut)
        got = await call(stack, lines, long_answer)
        client = got.result.client
        assert client is not None
        missed = 0
        for index in cuts:
            tally.events += 1
            _, started, _ = got.result.line_times[index]
            onset = started + onset_s(lines[index].mulaw)
            clear = next((t for t in client.clear_times if t >= started), None)
            if clear is None or clear - onset > 2.0:
                missed += 1
            else:
                tally.clear_ms.append((clear - onset) * 1000)
        # A `clear` the agent then took back (it resumed) is not an interruption: count the cut turns too.
        cut_turns = sum(1 for t in got.turns if t["interrupted"])
        tally.missed += max(missed, len(cuts) - cut_turns)

    await gathered([one(i, v) for i, v in enumerate(VOICES)])
    return tally


async def paused(stack: LocalStack) -> Tally:
    tally = Tally("pauses of 0.8-1.2 s mid-utterance")

    async def one(i: int, voice: str) -> None:
        lines = []
        for text, after in PAUSED:
            pauses = [rand.uniform(0.8, 1.2) for _ in after]
            lines.append(Line(text, mulaw(level(with_pauses(text, voice, after, pauses), LEVELS[i]))))
        got = await call(stack, lines, short_answer)
        tally.events += len(lines)
        # A turn that ended early reaches the webhook as two (or more) requests for one line.
        tally.premature += max(0, len(got.requests) - len(lines))

    await gathered([one(i, v) for i, v in enumerate(VOICES[:4])])
    return tally


async def plain(stack: LocalStack) -> Tally:
    tally = Tally("plain questions")

    async def one(i: int, voice: str) -> None:
        lines = [spoken(QUESTIONS[(i + q) % 5], voice, LEVELS[i]) for q in range(5)]
        got = await call(stack, lines, short_answer)
        tally.events += len(lines)
        answers = [t for t in got.turns if t["transcript"]]
        tally.first_audio_ms += [t["latencyMs"]["firstAudio"] for t in answers if t["latencyMs"].get("firstAudio")]
        tally.premature += max(0, len(got.requests) - len(lines))

    await gathered([one(i, v) for i, v in enumerate(VOICES[:4])])
    return tally


A_LINES = ["I would like to book a table for two people tonight.", "Seven o'clock, please.",
           "Thank you very much, goodbye."]
B_LINES = ["Certainly, for what time?", "Done, we will see you at seven.", "Goodbye."]
# Agent A's greeting and voice, agent B's voice: one call each.
CALLS = [("Hi, this is Sam calling about a reservation.", "rms", "kal16"),
         ("Hello, I am calling to book a table for this evening.", "slt", "awb"),
         ("Good afternoon, this is Anna from the travel office.", "awb", "rms"),
         ("Hi there, I would like to ask about a dinner reservation.", "kal16", "slt"),
         ("Hello, this is the dental office calling about your appointment.", "rms", "slt"),
         ("Good morning, I am calling about the table I booked last week.", "slt", "rms")]


async def one_agent_call(stack: LocalStack, tally: Tally, greeting: str, a_voice: str, b_voice: str) -> None:
    """Agent A calls agent B's number through EventBridge; both answer from scripts."""
    a_said, b_said = list(A_LINES), list(B_LINES)

    def a_reply(_: dict[str, Any]) -> list[dict[str, Any]]:
        text = a_said.pop(0) if a_said else "Goodbye."
        return [{"text": text, **({"hangup": True} if not a_said else {})}]

    def b_reply(_: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"text": b_said.pop(0) if b_said else "Goodbye."}]

    with Webhook(a_reply) as hook_a, Webhook(b_reply) as hook_b:
        a, _ = stack.agent_with_number(name="Caller", beginMessage=greeting, voice=a_voice)
        b, b_number = stack.agent_with_number(name="Restaurant", voice=b_voice,
                                              beginMessage="Good evening, Luigi's restaurant. How can I help you?")
        with stack.api() as api:
            api.post(f"/v1/agents/{a['id']}/webhook", json={"url": hook_a.url}).raise_for_status()
            api.post(f"/v1/agents/{b['id']}/webhook", json={"url": hook_b.url}).raise_for_status()
        c = stack.config
        events = boto3.client("events", endpoint_url=c["awsEndpointUrl"], region_name=c["awsRegion"],
                              aws_access_key_id="local", aws_secret_access_key="local")
        events.put_events(Entries=[{"EventBusName": c["eventBusName"], "Source": "bench", "DetailType":
                                    "OutboundCallRequested", "Detail": json.dumps({
                                        "projectId": c["projectId"], "agentId": a["id"],
                                        "toNumber": b_number["phoneNumber"]})}])
        deadline = time.monotonic() + 120
        a_calls: list[dict[str, Any]] = []
        b_calls: list[dict[str, Any]] = []
        async with httpx.AsyncClient(base_url=c["apiUrl"], headers={"Authorization": f"Bearer {c['apiKey']}"}) as h:
            while time.monotonic() < deadline:
                a_calls = (await h.get(f"/v1/agents/{a['id']}/calls")).json()["data"]
                b_calls = (await h.get(f"/v1/agents/{b['id']}/calls")).json()["data"]
                if a_calls and b_calls and all(x["status"] == "completed" for x in a_calls + b_calls):
                    break
                await asyncio.sleep(1)
            await asyncio.sleep(2)
            b_turns = (await h.get(f"/v1/calls/{b_calls[0]['id']}/transcript")).json()["data"] if b_calls else []
            a_turns = (await h.get(f"/v1/calls/{a_calls[0]['id']}/transcript")).json()["data"] if a_calls else []
    heard_by_b = [r["data"]["transcript"] for r in hook_b.requests if r.get("event") == "agent.message"]
    heard_by_a = [r["data"]["transcript"] for r in hook_a.requests if r.get("event") == "agent.message"]
    # Each side's lines reach the other as whole turns: B hears A's greeting and A's lines (the last
    # ends the call), A hears B's greeting and B's lines. More turns than that = a sentence cut in pieces.
    expected_b, expected_a = len(A_LINES), len(B_LINES)
    tally.events += expected_a + expected_b
    tally.premature += max(0, len(heard_by_b) - expected_b) + max(0, len(heard_by_a) - expected_a)
    tally.missed += max(0, expected_b - len(heard_by_b)) + max(0, expected_a - len(heard_by_a))
    tally.false += sum(1 for t in a_turns + b_turns if t["interrupted"])
    alone = await decoded_alone(greeting, a_voice)
    callee_heard = heard_by_b[0] if heard_by_b else ""
    tally.recovery.append((recovered(callee_heard, greeting), recovered(alone, greeting)))
    tally.said += len(said_words(greeting))
    tally.notes.append(f"{a_voice}->{b_voice}: B heard {heard_by_b}; A heard {heard_by_a}; "
                       f"the greeting alone decodes as {alone!r}")


async def two_agents(stack: LocalStack) -> Tally:
    """Six agent-to-agent calls, two voices each; every line either side says is an event."""
    tally = Tally("agent-to-agent calls")
    for greeting, a_voice, b_voice in CALLS:
        try:
            await one_agent_call(stack, tally, greeting, a_voice, b_voice)
        except Exception as error:  # one failed call is reported, not fatal
            FAILED_CALLS.append(f"agent-to-agent {a_voice}->{b_voice}: {type(error).__name__}: {error}")
    if tally.recovery:
        heard, alone = sum(r for r, _ in tally.recovery), sum(a for _, a in tally.recovery)
        tally.notes.append(f"greeting words recovered by the callee: {heard} of {tally.said}; decoded alone: "
                           f"{alone} ({heard / max(1, alone):.0%} of alone)")
    return tally


def recovered(heard: str, said: str) -> int:
    """How many of the words said (each counted once) the transcript has."""
    return len(said_words(said) & {w.lower() for w in heard.split()})


def said_words(text: str) -> set[str]:
    return {w.strip(",.?!").lower() for w in text.split()}


async def decoded_alone(text: str, voice: str) -> str:
    from media_relay.stt.pocketsphinx_stt import PocketsphinxStt

    stream = await PocketsphinxStt().open_stream(language="en-US")
    pcm = codec.decode(codec.encode(say(text, voice)))
    for i in range(0, len(pcm), 320):
        await stream.push(pcm[i:i + 320])
    await stream.flush()
    await stream.close()
    finals = [t.text async for t in stream.results() if t.is_final]
    return finals[-1] if finals else ""


def report(tallies: list[Tally]) -> None:
    print(f"{'class':<34} {'events':>6} {'false':>6} {'paused':>6} {'missed':>6} {'premature':>9}  "
          f"{'onset->clear p50':>16} {'resume p50':>10} {'1st audio p50':>13}")
    for t in tallies:
        def p50(values: list[float]) -> str:
            return f"{percentile(values, 50):.0f} ms" if values else "-"
        rate = f"{100 * t.false / t.events:.0f}%" if t.events else "-"
        print(f"{t.name:<34} {t.events:>6} {t.false:>3} {rate:>3} {t.pauses:>6} {t.missed:>6} {t.premature:>9}  "
              f"{p50(t.clear_ms):>16} {p50(t.resume_ms):>10} {p50(t.first_audio_ms):>13}")
    for t in tallies:
        for note in t.notes:
            print(f"  {t.name}: {note}")
        if t.first_audio_ms:
            print("  " + summary(f"{t.name}: first audio", list(t.first_audio_ms)))
        if t.resume_ms:
            print("  " + summary(f"{t.name}: played on after the sound ended", list(t.resume_ms)))


CLASSES = ("backchannels", "noises", "tv", "echo", "interruptions", "pauses", "plain", "two-agents")


async def run_class(stack: LocalStack, name: str) -> Tally:
    match name:
        case "backchannels":
            return await overlaps(stack, "backchannels during an answer", backchannel)
        case "noises":
            return await overlaps(stack, "noises during an answer", noise)
        case "tv":
            return await rooms(stack, "TV in the room (-15 dB)", Room(background=mulaw(babble()), background_db=-15))
        case "echo":
            return await rooms(stack, "speakerphone echo (150 ms, -15 dB)", Room(echo_db=-15, echo_delay_s=0.15))
        case "interruptions":
            return await interruptions(stack)
        case "pauses":
            return await paused(stack)
        case "plain":
            return await plain(stack)
        case _:
            return await two_agents(stack)


async def main(names: list[str]) -> None:
    started = time.monotonic()
    with LocalStack() as stack:
        tallies = [await run_class(stack, name) for name in names]
    print(f"turn-taking benchmark ({time.monotonic() - started:.0f} s); voices: {', '.join(VOICES)}; "
          f"levels {min(LEVELS):+.0f} to {max(LEVELS):+.0f} dB; default agent settings")
    report(tallies)
    for failure in FAILED_CALLS:
        print(f"  a call failed: {failure}")


if __name__ == "__main__":
    chosen = [a for a in sys.argv[1:] if a in CLASSES] or list(CLASSES)
    asyncio.run(main(chosen))
