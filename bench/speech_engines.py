"""Local speech engines through the telephone path: what they recognise and how fast.

Each sentence is spoken by flite, sent through mu-law at 8 kHz (as a phone call carries it) and
decoded by the relay's own pocketsphinx stream (100 ms chunks, VAD-free). Prints word recovery
per caller voice, the decoder's real-time factor, the time to finalise an utterance, and flite's
time to the first sentence of audio. Run: .venv/bin/python bench/speech_engines.py
"""

from __future__ import annotations

import asyncio
import time

from media_relay.audio import codec
from media_relay.stt.pocketsphinx_stt import PocketsphinxStt
from media_relay.tts.flite_tts import FliteTts

SENTENCES = [
    "Hi, I would like to check the status of my order.", "Please transfer me to a human agent.",
    "My account number is one two three four.", "What time do you open tomorrow?",
    "I want to book an appointment.", "Can you help me with my bill?", "Thank you very much.",
    "I need to change my address.", "Where is my package?",
]
VOICES = ["rms", "slt", "kal16", "awb"]


def words(text: str) -> set[str]:
    return {w.strip(",.?!").lower() for w in text.split()}


async def main() -> None:
    tts, stt = FliteTts(), PocketsphinxStt(threads=1)
    first_chunk = []
    for sentence in SENTENCES:
        tts.cache.clear()
        t0 = time.perf_counter()
        async for _ in tts.synthesize(sentence, voice="slt"):
            first_chunk.append((time.perf_counter() - t0) * 1000)
            break
    print(f"flite time to first sentence of audio: median {sorted(first_chunk)[len(first_chunk) // 2]:.0f} ms")
    for voice in VOICES:
        stream = await stt.open_stream(language="en-US")
        shares, audio_s, cpu_s, finalise = [], 0.0, 0.0, []
        for sentence in SENTENCES:
            pcm = b"".join([c async for c in tts.synthesize(sentence, voice=voice)])
            telephone = codec.decode(codec.encode(pcm))
            audio_s += len(telephone) / 16000
            t0 = time.perf_counter()
            for i in range(0, len(telephone), 320):
                await stream.push(telephone[i:i + 320])
            t1 = time.perf_counter()
            await stream.flush()
            result = await anext(stream.results())
            t2 = time.perf_counter()
            cpu_s += t2 - t0
            finalise.append((t2 - t1) * 1000)
            shares.append(len(words(result.text) & words(sentence)) / len(words(sentence)))
        await stream.close()
        print(f"caller voice {voice:6s}: words recovered {sum(shares) / len(shares):.0%} "
              f"(per sentence {', '.join(f'{s:.0%}' for s in shares)}); decoding {cpu_s / audio_s:.2f} x real time; "
              f"finalise median {sorted(finalise)[len(finalise) // 2]:.0f} ms")


if __name__ == "__main__":
    asyncio.run(main())
