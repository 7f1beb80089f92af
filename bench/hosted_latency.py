"""Hosted-mode latency: from the end of the caller's speech to the agent's first audio, per turn.

The whole local platform runs as `make dev` runs it, with SWITCHBOARD_OPENAI_BASE_URL pointing at a
local OpenAI-compatible server (the tests' fake) that waits a fixed time to first token (300 ms)
and streams a token every 20 ms. A caller speaks 20 lines to a hosted agent. Prints p50/p95 of
the parts (silence window, STT finalisation, model time to the first complete sentence, TTS) and
of the platform's own share: first audio minus all of those.
Run: .venv/bin/python bench/hosted_latency.py
"""

from __future__ import annotations

import asyncio

from stack import LocalStack, spoken, summary  # also puts the repository on sys.path for tests.support

from switchboard_local.carrier.dialer import CallerScript
from tests.support.fake_openai import FakeOpenAI, Script
from tests.support.servers import ThreadedUvicorn

TTFT_S, TOKEN_S = 0.3, 0.02
LINES = ["What time do you open tomorrow?", "Can you help me with my bill?", "I need to change my address.",
         "Where is my package?", "Is the store open on Sunday?"] * 4


async def main() -> None:
    model = FakeOpenAI()
    model.push(*[Script(text=f"Sure, I can help with that, request {i}. Is there anything else?", ttft=TTFT_S,
                        delay=TOKEN_S) for i in range(len(LINES) + 5)])
    server = ThreadedUvicorn(model.app).start()
    try:
        with LocalStack(OPENAI_BASE_URL=f"{server.url}/v1", MODEL_BALANCED="fake-model") as stack:
            with stack.api() as api:
                agent = api.post("/v1/agents", json={"name": "Hosted bench", "voiceMode": "hosted",
                                                     "systemPrompt": "You are a helpful front desk."}).json()
                number = api.post("/v1/numbers", json={"areaCode": "415", "agentId": agent["id"]}).json()
            result = await stack.dial(number["phoneNumber"], CallerScript(lines=await spoken(LINES), pause_s=0.3,
                                                                           greeting_timeout_s=1.0))
            turns = [t for t in stack.turns() if t["transcript"]]
    finally:
        server.stop()
    lat = [t["latencyMs"] for t in turns]
    print(f"hosted-mode latency over {len(turns)} turns ({result.duration_s:.0f} s); model: time to first token "
          f"{TTFT_S * 1000:.0f} ms, a token every {TOKEN_S * 1000:.0f} ms; endOfTurnSilenceMs "
          f"{agent['endOfTurnSilenceMs']} with the end-of-turn model")
    for key, label in [("silenceWindow", "silence window"), ("sttFinalize", "STT finalisation"),
                       ("webhook", "model to first sentence"), ("tts", "TTS first audio"),
                       ("firstAudio", "speech end -> first audio"), ("overhead", "platform's own share")]:
        print(summary(label, [x.get(key) for x in lat]))
    total = sum(x["firstAudio"] for x in lat if x.get("firstAudio") is not None)
    own = sum(x["overhead"] for x in lat if x.get("overhead") is not None)
    if total:
        print(f"the platform's own share is {100 * own / total:.1f}% of the time to first audio")


if __name__ == "__main__":
    asyncio.run(main())
