"""Per-turn latency of a webhook-mode call through the whole local platform.

A caller speaks 22 lines (flite, through mu-law, real time) to an agent whose webhook answers at
once; each turn's breakdown comes back through the API. Prints p50/p95 of endpointing, webhook
first byte and first audio, and of the relay's own overhead: first audio minus the silence
window, STT finalisation, the webhook's time to its first object and TTS time to first audio.
Target: overhead p95 <= 20 ms. Run: .venv/bin/python bench/turn_latency.py
"""

from __future__ import annotations

import asyncio

from stack import LocalStack, Webhook, spoken, summary

from switchboard_local.carrier.dialer import CallerScript

LINES = [
    "Hi, I would like to check the status of my order.", "Please transfer me to a human agent.",
    "My account number is one two three four.", "What time do you open tomorrow?",
    "I want to book an appointment.", "Can you help me with my bill?", "Thank you very much.",
    "I need to change my address.", "Where is my package?", "Is the store open on Sunday?",
    "How much does shipping cost?",
] * 2


async def main() -> None:
    # A fresh sentence every turn, so TTS really runs (a repeated phrase would come from the cache).
    reply = lambda p: [{"text": f"Okay, noted as item {len(hook.requests)}."}]  # noqa: E731
    with LocalStack() as stack, Webhook(reply) as hook:
        with stack.api() as api:
            api.post("/v1/webhooks", json={"url": hook.url})
        agent, number = stack.agent_with_number(beginMessage="Hello.")
        script = CallerScript(lines=await spoken(LINES), pause_s=0.3)
        result = await stack.dial(number["phoneNumber"], script)
        turns = [t for t in stack.turns() if t["transcript"]]
    lat = [t["latencyMs"] for t in turns]
    print(f"turn latency over {len(turns)} turns of one call ({result.duration_s:.0f} s), "
          f"agent endOfTurnSilenceMs {agent['endOfTurnSilenceMs']} (a turn the end-of-turn model finds finished "
          "is judged at its first 250 ms pause and ends at 500 ms of quiet), webhook answering at once")
    for key, label in [("endpointing", "endpointing"), ("silenceWindow", "  silence window"),
                       ("sttFinalize", "  STT finalisation"), ("firstResponseByte", "webhook first byte"),
                       ("webhook", "webhook first object"), ("tts", "TTS first audio"),
                       ("firstAudio", "first audio to caller"), ("overhead", "relay overhead")]:
        print(summary(label, [x.get(key) for x in lat]))
    first_audio = sorted(x["firstAudio"] for x in lat if x.get("firstAudio") is not None)
    overhead = sorted(x["overhead"] for x in lat if x.get("overhead") is not None)
    if first_audio and overhead:
        share = 100 * sum(overhead) / sum(first_audio)
        print(f"relay overhead is {share:.1f}% of first-audio time (target: overhead p95 <= 20 ms)")


if __name__ == "__main__":
    asyncio.run(main())
