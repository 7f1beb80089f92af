"""Capacity: how many simultaneous calls one relay process carries with its outbound audio on time.

Three processes besides this one: the local platform (`make dev`'s stack: DynamoDB emulator, API,
carrier), the network speech fakes (Transcribe streaming over HTTP/2+TLS and Polly over HTTP, so the
relay does the same socket work as against AWS), and the relay under test (`python -m media_relay`).
This process plays the carrier for N calls at once: 20 ms caller frames at real time both ways,
and every caller says a line every few seconds, which the relay transcribes, sends to the webhook
(also here) and answers with fresh synthesised speech.

For each N it prints the relay's outbound pacing (how far behind its deadline clock frames went
out: p50/p99/max), frames that went out later than the far end needed them, frames lost either
way, event-loop lag, CPU per idle call (its Transcribe stream open, nobody talking) and per busy
call, and memory per call; the verdict is the largest N with pacing p99
<= 20 ms and no late or lost frame. Target: 100 calls per relay process.
Run: .venv/bin/python bench/capacity.py [N ...]   (default steps 25 50 100 150)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import subprocess
import sys
import time
from typing import Any

import httpx
from stack import ROOT, LocalStack, Webhook, free_port, process_cpu_seconds, process_rss_mib, spoken

from switchboard.carrier import signature
from switchboard.localcarrier.media_client import MediaStreamClient
from switchboard.localcarrier.state import sid
from switchboard.localcarrier.twiml_reader import stream_target

TURN_EVERY_S = 6.0
STEADY_S = 24.0
IDLE_S = 8.0
PACING_P99_MS = 20.0


class Relay:
    """The relay under test, in its own process, on the network speech providers."""

    def __init__(self, stack: LocalStack, fakes: dict[str, str], *, turn_model: bool = True) -> None:
        self.port = free_port()
        self.url = f"ws://127.0.0.1:{self.port}/twilio"
        c = stack.config
        self.env = {**os.environ, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
                    "AWS_REGION": c["awsRegion"], "SWITCHBOARD_AWS_ENDPOINT_URL": c["awsEndpointUrl"],
                    "SWITCHBOARD_TABLE_NAME": "switchboard", "SWITCHBOARD_CARRIER": "local",
                    "SWITCHBOARD_TWILIO_API_BASE": c["twilioApiBase"],
                    "SWITCHBOARD_TWILIO_ACCOUNT_SID": c["twilioAccountSid"],
                    "SWITCHBOARD_TWILIO_AUTH_TOKEN": c["twilioAuthToken"],
                    "SWITCHBOARD_RELAY_HOST": "127.0.0.1", "SWITCHBOARD_RELAY_PORT": str(self.port),
                    "SWITCHBOARD_RELAY_PUBLIC_URL": self.url,
                    "SWITCHBOARD_RELAY_STT_PROVIDER": "transcribe", "SWITCHBOARD_RELAY_TTS_PROVIDER": "polly",
                    "SWITCHBOARD_RELAY_TRANSCRIBE_ENDPOINT": fakes["transcribe"],
                    "SWITCHBOARD_RELAY_TRANSCRIBE_CA_FILE": fakes["ca"],
                    "SWITCHBOARD_RELAY_POLLY_ENDPOINT": fakes["polly"],
                    "POWERTOOLS_LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1",
                    **({} if turn_model else {"SWITCHBOARD_RELAY_TURN_MODEL_PATH": ""})}
        self.proc = subprocess.Popen([sys.executable, "-m", "media_relay"], cwd=ROOT, env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=1).status_code == 200:
                    return
            if self.proc.poll() is not None:
                raise RuntimeError("relay exited: " + (self.proc.stderr.read().decode() if self.proc.stderr else ""))
            time.sleep(0.2)
        raise RuntimeError("relay did not come up")

    def stats(self, reset: bool = False) -> dict[str, Any]:
        url = f"http://127.0.0.1:{self.port}/stats" + ("?reset" if reset else "")
        return httpx.get(url, timeout=5).json()

    def stop(self) -> None:
        self.proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=15)
        if self.proc.poll() is None:
            self.proc.kill()


async def open_call(http: httpx.AsyncClient, stack: LocalStack, relay: Relay, number: str, i: int
                    ) -> MediaStreamClient:
    """What Twilio does for an inbound call: the signed voice webhook, then the stream to the relay."""
    c = stack.config
    call_sid = sid("CA")
    form = {"CallSid": call_sid, "AccountSid": c["twilioAccountSid"], "From": f"+1415555{1000 + i:04d}",
            "To": number, "CallStatus": "ringing", "Direction": "inbound", "ApiVersion": "2010-04-01"}
    body, headers = signature.signed_form(c["voiceWebhookUrl"], form, c["twilioAuthToken"])
    twiml = (await http.post(c["voiceWebhookUrl"], content=body, headers=headers)).text
    target = stream_target(twiml)
    if target is None:
        raise RuntimeError(f"no stream in the answer: {twiml}")
    return MediaStreamClient(relay.url, c["twilioAuthToken"], c["twilioAccountSid"], call_sid, target[1])


async def talk(client: MediaStreamClient, line: bytes, stop: asyncio.Event) -> None:
    await asyncio.sleep(random.uniform(0.5, TURN_EVERY_S))
    while not stop.is_set():
        client.say(line)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), TURN_EVERY_S)


async def step(n: int, stack: LocalStack, relay: Relay, number: str, line: bytes, fakes_pid: int
               ) -> dict[str, Any]:
    relay.stats(reset=True)
    rss_idle = process_rss_mib(relay.proc.pid)
    async with httpx.AsyncClient(timeout=30) as http:
        clients = [await open_call(http, stack, relay, number, i) for i in range(n)]
    runners = [asyncio.create_task(c.run()) for c in clients]
    while not all(c.started_at for c in clients):
        await asyncio.sleep(0.05)
    # Idle first: every call's streams are open (Transcribe keep-alive, caller frames at real time)
    # but nobody talks: the cost of an open call and its recognition stream.
    await asyncio.sleep(2.0)
    idle0, i0 = process_cpu_seconds(relay.proc.pid), time.monotonic()
    await asyncio.sleep(IDLE_S)
    idle_cpu = (process_cpu_seconds(relay.proc.pid) - idle0) / (time.monotonic() - i0)
    stop = asyncio.Event()
    talkers = [asyncio.create_task(talk(c, line, stop)) for c in clients]
    await asyncio.sleep(2.0)
    cpu0, t0 = process_cpu_seconds(relay.proc.pid), time.monotonic()
    model0 = relay.stats().get("turnModel") or {"decisions": 0, "cpuSeconds": 0.0}
    others0 = [process_cpu_seconds(os.getpid()), process_cpu_seconds(fakes_pid), process_cpu_seconds(stack.pid)]
    await asyncio.sleep(STEADY_S)
    cpu = process_cpu_seconds(relay.proc.pid) - cpu0
    elapsed = time.monotonic() - t0
    model1 = relay.stats().get("turnModel") or {"decisions": 0, "cpuSeconds": 0.0}
    decisions = model1["decisions"] - model0["decisions"]
    model_cpu = model1["cpuSeconds"] - model0["cpuSeconds"]
    others = [(process_cpu_seconds(pid) - before) / elapsed
              for pid, before in zip((os.getpid(), fakes_pid, stack.pid), others0, strict=True)]
    rss = process_rss_mib(relay.proc.pid)
    stop.set()
    await asyncio.gather(*talkers)
    while any(c.caller_speaking for c in clients) or any(c.agent_idle_for() < 2.0 for c in clients):
        await asyncio.sleep(0.1)
    for c in clients:
        await c.hang_up()
    await asyncio.gather(*runners, return_exceptions=True)
    deadline = time.monotonic() + 20
    while (stats := relay.stats())["activeCalls"] and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    sent_in = sum(len(c.caller_frames) for c in clients)
    got_out = sum(len(c.agent.chunks) for c in clients)
    return {"n": n, "stats": stats, "cpu_per_call_ms_per_s": 1000 * cpu / elapsed / n, "cpu_share": cpu / elapsed,
            "idle_per_call_ms_per_s": 1000 * idle_cpu / n, "others": others,
            "rss_per_call_mib": (rss - rss_idle) / n, "rss": rss, "lost_in": sent_in - stats["framesIn"],
            "model_decisions": decisions, "model_ms_each": 1000 * model_cpu / decisions if decisions else None,
            "model_ms_per_call_s": 1000 * model_cpu / elapsed / n,
            "lost_out": stats["framesOut"] - got_out}


async def main(steps: list[int]) -> None:
    fakes_proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "speech_fakes.py")], cwd=ROOT,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert fakes_proc.stdout is not None and fakes_proc.stdin is not None
    fakes = json.loads(fakes_proc.stdout.readline())
    counter = 0

    def reply(_: dict[str, Any]) -> list[dict[str, Any]]:
        nonlocal counter
        counter += 1  # a new sentence each time, so every answer is a real Polly request
        return [{"text": f"Sure, I noted request {counter}."}]

    best = 0
    with LocalStack(PLAN_CONCURRENT_CALLS="10000") as stack, Webhook(reply) as hook:
        with stack.api() as api:
            api.post("/v1/webhooks", json={"url": hook.url})
        _, number = stack.agent_with_number()
        line = (await spoken(["I have a question about my order."]))[0].mulaw
        relay = Relay(stack, fakes)
        try:
            relay.wait_ready()
            print(f"relay: STT transcribe (fake at {fakes['transcribe']}, HTTP/2+TLS), TTS polly (fake at "
                  f"{fakes['polly']}); a caller line every {TURN_EVERY_S:.0f} s per call; {STEADY_S:.0f} s measured")
            print(f"{'calls':>5} {'pacing p50/p99/max ms':>22} {'late':>5} {'lost in/out':>11} {'loop lag p99':>12} "
                  f"{'CPU/call':>10} {'relay CPU':>9} {'MiB/call':>8} {'turns':>6}")
            for n in steps:
                turns0 = len(hook.requests)
                r = await step(n, stack, relay, number["phoneNumber"], line, fakes_proc.pid)
                s = r["stats"]
                pace = s["pacingLatenessMs"]
                ok = (pace["p99"] or 0) <= PACING_P99_MS and s["lateFrames"] == 0 and r["lost_out"] == 0 \
                    and r["lost_in"] == 0
                print(f"{n:>5} {pace['p50'] or 0:>8.0f}/{pace['p99'] or 0:>4.0f}/{pace['max']:>6.1f} "
                      f"{s['lateFrames']:>5} {r['lost_in']:>5}/{r['lost_out']:<5} "
                      f"{s['loopLagMs']['p99'] or 0:>10.0f} ms"
                      f" {r['cpu_per_call_ms_per_s']:>6.2f} ms/s {100 * r['cpu_share']:>8.0f}% "
                      f"{r['rss_per_call_mib']:>8.2f} {len(hook.requests) - turns0:>6}  {'ok' if ok else 'OVER'}",
                      flush=True)
                print(f"      idle (streams open, nobody talking): {r['idle_per_call_ms_per_s']:.2f} ms of CPU per "
                      "call-second, the cost of an open call and its Transcribe stream", flush=True)
                if r["model_decisions"]:
                    print(f"      end-of-turn model: {r['model_decisions']} decisions, {r['model_ms_each']:.0f} ms "
                          f"of CPU each, {r['model_ms_per_call_s']:.2f} ms per call-second (in the CPU/call above)",
                          flush=True)
                load, fake, platform = (100 * x for x in r["others"])
                print(f"      the same 2 cores also ran: load generator {load:.0f}%, speech fakes {fake:.0f}%, "
                      f"API+emulators {platform:.0f}% of a core", flush=True)
                if not ok:
                    break
                best = n
        finally:
            relay.stop()
        bare = Relay(stack, fakes, turn_model=False)  # the same first step, turns ended by silence alone
        try:
            bare.wait_ready()
            r = await step(steps[0], stack, bare, number["phoneNumber"], line, fakes_proc.pid)
            print(f"{steps[0]:>5} calls without the end-of-turn model: {r['cpu_per_call_ms_per_s']:.2f} ms of CPU per "
                  f"talking call-second, {r['idle_per_call_ms_per_s']:.2f} idle", flush=True)
        finally:
            bare.stop()
            fakes_proc.stdin.close()
            print("speech fakes served: " + fakes_proc.stdout.readline().strip())
            fakes_proc.wait(timeout=10)
    print(f"largest N within {PACING_P99_MS:.0f} ms p99 pacing with no late or lost frame: {best} "
          f"(target 100; peers: about 5 calls per core)")


if __name__ == "__main__":
    asyncio.run(main([int(a) for a in sys.argv[1:]] or [25, 50, 100, 150]))
