"""Barge-in reaction: from the caller's speech onset to the relay's `clear`, through the whole stack.

One call; the agent answers every line with four long sentences, and the caller cuts in one
second into each answer (flite speech, real time). The onset is the first voiced frame of the
caller's line as the relay's own VAD classifies it, stamped when the carrier sent that frame;
the reaction is the time until the carrier received `clear`. The agent's default
interruptionSensitivity (0.8) asks for 160 ms of speech before it counts, so a cough does not.
Target: p95 <= 200 ms. Run: .venv/bin/python bench/barge_in.py
"""

from __future__ import annotations

import asyncio

from stack import LocalStack, Webhook, spoken, summary

from media_relay.audio import codec
from media_relay.audio.vad import FrameAnalyzer
from media_relay.engine.plan import onset_ms
from switchboard_local.carrier.dialer import CallerScript

ANSWER = ("Our store opens at nine in the morning. On weekends we open at ten instead. "
          "We close at six in the evening every day. Parking is free behind the building.")
LINES = ["Wait, what about Sunday?", "Sorry, can you repeat that?", "Hold on a second.", "No, that is not right.",
         "Excuse me, one question.", "Actually, never mind."] * 4
CUT_IN_AFTER_S = 1.0


def onset_s(mulaw: bytes) -> float:
    """Seconds into a line before its first frame the VAD calls speech."""
    analyzer, pcm = FrameAnalyzer(), codec.decode(mulaw)
    for i in range(0, len(pcm) - 319, 320):
        if analyzer.is_speech(pcm[i:i + 320]):
            return i / 16000
    return 0.0


async def main() -> None:
    with LocalStack() as stack, Webhook(lambda p: [{"text": ANSWER}]) as hook:
        with stack.api() as api:
            api.post("/v1/webhooks", json={"url": hook.url})
        _, number = stack.agent_with_number()
        lines = await spoken(["When do you open?", *LINES])
        for line in lines[1:]:
            line.interrupt_after_s = CUT_IN_AFTER_S
        result = await stack.dial(number["phoneNumber"], CallerScript(lines=lines, greeting_timeout_s=1.0))
        turns = stack.turns()
    client = result.client
    assert client is not None
    reactions, missed = [], 0
    for (_, started, _), line in zip(result.line_times[1:], lines[1:], strict=True):
        onset = started + onset_s(line.mulaw)
        clear = next((t for t in client.clear_times if t >= started), None)
        if clear is None or clear - onset > 2.0:
            missed += 1
            continue
        reactions.append((clear - onset) * 1000)
    print(f"barge-in over {len(LINES)} interruptions in one call ({result.duration_s:.0f} s); "
          f"onset threshold {onset_ms(0.8)} ms of speech")
    print(summary("speech onset -> clear", reactions))
    print(f"interruptions not detected: {missed}; turns stored as interrupted: "
          f"{sum(1 for t in turns if t['interrupted'])} of {len(turns)}")


if __name__ == "__main__":
    asyncio.run(main())
