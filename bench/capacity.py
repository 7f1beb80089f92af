"""Capacity: what one relay process costs per call, and how many calls one core carries on time.

Three processes besides this one: the local platform (`make dev`'s stack: DynamoDB emulator, API,
carrier), the network speech fakes (Transcribe streaming over HTTP/2+TLS and Polly over HTTP, so the
relay does the same socket work as against AWS), and the relay under test (`python -m media_relay`).
This process plays the carrier for N calls at once: 20 ms caller frames at real time both ways;
first everyone is quiet (idle: streams open, silence both ways), then every caller says a line every
few seconds, which the relay transcribes, sends to the webhook (also here) and answers with fresh
synthesised speech.

For each N it prints the relay's CPU per call-second idle and talking (the relay's own process tree,
measured from /proc, since the load generator shares the cores; and split by kind of thread: its
event loop, awscrt's threads, the other threads), the end-of-turn model's share of
it, memory per call, calls per core (1000 ms / CPU per talking call-second), and outbound pacing:
how far behind its deadline clock frames went out (p50/p99/max), frames late for the far end,
frames lost either way, event-loop lag. Every N runs, so a cost per call that grows with N shows.
Targets: CPU per call-second flat with N (±15 %), <= 6 ms per talking call-second without the
model, <= 1 MiB per call, >= 100 calls per core with pacing p99 <= 20 ms and no late or lost frame.

Run: .venv/bin/python bench/capacity.py [N ...] [--offline] [--no-model] [--workers K] [--relay-from DIR]
(default steps 10 25 50 100; `--offline`: pocketsphinx and flite instead of the fakes; `--relay-from`:
run another checkout's relay, for before/after figures)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from relay_proc import EmbeddedRelay, Relay
from stack import ROOT, LocalStack, Webhook, process_cpu_seconds, spoken

from switchboard.carrier import signature
from switchboard_local.carrier.media_client import MediaStreamClient
from switchboard_local.carrier.state import sid
from switchboard_local.carrier.twiml_reader import stream_target

FRAME_BYTES = 160  # 20 ms of mu-law
TURN_EVERY_S = 6.0
STEADY_S = 24.0
IDLE_S = 10.0
PACING_P99_MS = 20.0
SATURATED = 0.9  # of one core per worker: more calls would only measure a starved relay


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


def model_totals(relay: Relay) -> tuple[int, float]:
    model = relay.stats().get("turnModel") or {"decisions": 0, "cpuSeconds": 0.0}
    return model["decisions"], model["cpuSeconds"]


async def measure(relay: Relay, seconds: float) -> tuple[float, float]:
    """Relay CPU seconds per second over `seconds`, and the seconds it took."""
    cpu0, t0 = relay.cpu_seconds(), time.monotonic()
    await asyncio.sleep(seconds)
    elapsed = time.monotonic() - t0
    return (relay.cpu_seconds() - cpu0) / elapsed, elapsed


async def step(n: int, stack: LocalStack, relay: Relay, number: str, line: bytes, others: list[int], hook: Webhook,
               steady_s: float = STEADY_S, idle_s: float = IDLE_S) -> dict[str, Any]:
    rss_before = relay.rss_mib()
    totals0 = relay.stats()  # no call is live: every frame after this is one of this step's calls
    async with httpx.AsyncClient(timeout=30) as http:
        clients = [await open_call(http, stack, relay, number, i) for i in range(n)]
    runners = [asyncio.create_task(c.run()) for c in clients]
    while not all(c.started_at for c in clients):
        await asyncio.sleep(0.05)
    await asyncio.sleep(3.0)  # greetings played
    # Pacing counts from here: N calls set up in the same second (never so on a real line) are not
    # the steady state this measures.
    relay.stats(reset=True)
    threads0 = relay.cpu_by_thread()
    idle, idle_elapsed = await measure(relay, idle_s)
    idle_threads = per_call_second(threads0, relay.cpu_by_thread(), idle_elapsed, n)
    rss_idle = relay.rss_mib()
    stop = asyncio.Event()
    talkers = [asyncio.create_task(talk(c, line, stop)) for c in clients]
    await asyncio.sleep(2.0)
    model0 = model_totals(relay)
    others0 = [process_cpu_seconds(pid) for pid in others]
    waited0 = relay.runqueue_wait_s()
    turns0 = len(hook.requests)
    threads0 = relay.cpu_by_thread()
    busy, elapsed = await measure(relay, steady_s)
    talking_threads = per_call_second(threads0, relay.cpu_by_thread(), elapsed, n)
    turns = len(hook.requests) - turns0
    waited = (relay.runqueue_wait_s() - waited0) / elapsed
    model1 = model_totals(relay)
    decisions, model_cpu = model1[0] - model0[0], model1[1] - model0[1]
    load = [(process_cpu_seconds(pid) - before) / elapsed for pid, before in zip(others, others0, strict=True)]
    rss = relay.rss_mib()
    stop.set()
    await asyncio.gather(*talkers)
    settle = time.monotonic() + 30  # let the last turns finish, but never wait forever on a starved relay
    while (any(c.caller_speaking for c in clients) or any(c.agent_idle_for() < 2.0 for c in clients)) \
            and time.monotonic() < settle:
        await asyncio.sleep(0.1)
    sent_in = 0
    for c in clients:  # frames after the stop message are not the relay's to read
        sent_in += len(c.caller_frames)
        await c.hang_up()
    await asyncio.gather(*runners, return_exceptions=True)
    deadline = time.monotonic() + 20
    while (stats := relay.stats())["activeCalls"] and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    # sent_in: over the calls' whole lives up to their stop, as the relay's totals count them
    got_out = sum(len(audio) // FRAME_BYTES for c in clients for _, audio in c.agent.chunks)  # messages: 20-100 ms
    if relay.workers > 1:  # /stats answers for one worker: only what the clients saw counts
        await asyncio.sleep(3.0)
        stats = {"framesInTotal": sent_in, "framesOutTotal": got_out, "lateFrames": 0, "activeCalls": 0,
                 "pacingLatenessMs": {"p50": None, "p99": None, "max": 0.0}, "loopLagMs": {"p99": None}}
        totals0 = {"framesInTotal": 0, "framesOutTotal": 0}
    talking = 1000 * busy / n
    model = 1000 * model_cpu / elapsed / n
    return {"n": n, "stats": stats, "talking": talking, "idle": 1000 * idle / n, "model": model,
            "bare": talking - model, "share": busy, "others": load,
            "threads": (idle_threads, talking_threads), "waited": waited, "turns": turns,
            # What a turn costs beyond the calls' idle cost: comparable even where a starved relay did fewer turns.
            "per_turn": 1000 * (busy - idle) * elapsed / turns if turns else None, "model_decisions": decisions,
            "model_ms_each": 1000 * model_cpu / decisions if decisions else None,
            "mib_idle": (rss_idle - rss_before) / n, "mib": (rss - rss_before) / n,
            "lost_in": sent_in - (total(stats, "In") - total(totals0, "In")),
            "lost_out": total(stats, "Out") - total(totals0, "Out") - got_out}


def per_call_second(before: dict[str, float], after: dict[str, float], elapsed: float, n: int) -> dict[str, float]:
    """Milliseconds of CPU per call-second, by kind of thread, between two snapshots."""
    return {kind: 1000 * (after[kind] - before[kind]) / elapsed / n for kind in after}


def total(stats: dict[str, Any], way: str) -> int:
    """Frames since the relay started (a relay from before these counters: since the last reset)."""
    return int(stats.get(f"frames{way}Total", stats.get(f"frames{way}", 0)))


def report(r: dict[str, Any], workers: int) -> bool:
    s = r["stats"]
    pace = s["pacingLatenessMs"]
    ok = pace["p99"] is not None and pace["p99"] <= PACING_P99_MS and s["lateFrames"] == 0 and r["lost_out"] == 0 \
        and r["lost_in"] == 0
    verdict = ("ok" if ok else "OVER") if pace["p99"] is not None else "(pacing: per worker, not shown)"
    per_core = 1000 / r["talking"] if r["talking"] > 0 else float("inf")
    print(f"{r['n']:>5} {r['idle']:>6.2f} {r['talking']:>8.2f} {r['model']:>6.2f} {r['bare']:>7.2f} "
          f"{per_core:>6.0f} {r['mib_idle']:>5.2f}/{r['mib']:<5.2f} {100 * r['share']:>4.0f}% "
          f"{pace['p50'] or 0:>4.0f}/{pace['p99'] or 0:>3.0f}/{pace['max']:>6.1f} {s['lateFrames']:>4} "
          f"{r['lost_in']:>4}/{r['lost_out']:<4} {s['loopLagMs']['p99'] or 0:>4.0f}  {verdict}",
          flush=True)
    if r["per_turn"] is not None:
        print(f"      {r['turns']} turns: {r['per_turn']:.0f} ms of relay CPU per turn beyond the idle cost",
              flush=True)
    else:  # the talking figure would be callers' speech alone, with no reply, TTS or playout
        print("      NO TURN reached the webhook: the talking figure measures no turns (see --relay-log)", flush=True)
        ok = False
    idle_threads, talking_threads = r["threads"]
    print("      by thread, idle / talking (ms per call-second): " + ", ".join(
        f"{THREAD_KINDS[kind]} {idle_threads[kind]:.2f} / {talking_threads[kind]:.2f}" for kind in THREAD_KINDS),
        flush=True)
    if r["model_decisions"]:
        print(f"      end-of-turn model: {r['model_decisions']} decisions, {r['model_ms_each']:.0f} ms of CPU each",
              flush=True)
    gen, fake, platform = (100 * x for x in r["others"])
    print(f"      the same 2 cores also ran: load generator {gen:.0f}%, speech fakes {fake:.0f}%, "
          f"API+emulators {platform:.0f}% of a core; the relay's event loop waited for a core "
          f"{1000 * r['waited']:.0f} ms a second", flush=True)
    return ok


THREAD_KINDS = {"main": "event loop", "awscrt": "awscrt (Transcribe's TLS, HTTP/2)",
                "threads": "other threads (boto3, Polly, records, model)"}

HEADER = (f"{'calls':>5} {'idle':>6} {'talking':>8} {'model':>6} {'no-model':>7} {'/core':>6} {'MiB/call':>11} "
          f"{'CPU':>5} {'pacing p50/p99/max':>18} {'late':>4} {'lost in/out':>9} {'lag':>4}\n"
          f"{'':>5} {'-- ms of relay CPU per call-second --':>38}")


async def run(args: argparse.Namespace) -> None:
    fakes_proc = None
    fakes: dict[str, str] | None = None
    if not (args.offline or args.embedded):
        fakes_proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "speech_fakes.py")], cwd=ROOT,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert fakes_proc.stdout is not None
        fakes = json.loads(fakes_proc.stdout.readline())
    counter = 0

    def reply(_: dict[str, Any]) -> list[dict[str, Any]]:
        nonlocal counter
        counter += 1  # a new sentence each time, so every answer is a real TTS request
        return [{"text": f"Sure, I noted request {counter}."}]

    best = 0
    with LocalStack(PLAN_CONCURRENT_CALLS="10000") as stack, Webhook(reply) as hook:
        with stack.api() as api:
            api.post("/v1/webhooks", json={"url": hook.url})
        _, number = stack.agent_with_number()
        line = (await spoken(["I have a question about my order."]))[0].mulaw
        relay = EmbeddedRelay(stack) if args.embedded else Relay(
            stack, fakes, turn_model=args.model, workers=args.workers, root=args.relay_from,
            env=dict(item.split("=", 1) for item in args.relay_env), log=args.relay_log)
        others = [os.getpid(), fakes_proc.pid if fakes_proc else os.getpid(), stack.pid]
        try:
            relay.wait_ready()
            speech = (f"STT transcribe (fake at {fakes['transcribe']}, HTTP/2+TLS), TTS polly (fake at "
                      f"{fakes['polly']})") if fakes else "STT pocketsphinx, TTS flite (offline)"
            if args.embedded:
                speech = "the relay inside make dev's own process, with its API and emulators (offline engines)"
            print(f"relay ({args.relay_from}, {args.workers} worker(s), end-of-turn model "
                  f"{'on' if args.model else 'off'}{''.join(', ' + e for e in args.relay_env)}): {speech}; "
                  f"a caller line every {TURN_EVERY_S:.0f} s per call; "
                  f"{args.idle_s:.0f} s idle and {args.talk_s:.0f} s talking measured per step")
            await step(2, stack, relay, number["phoneNumber"], line, others, hook, steady_s=8.0)  # warm-up, not shown
            print(HEADER, flush=True)
            for n in args.steps:
                r = await step(n, stack, relay, number["phoneNumber"], line, others, hook, args.talk_s, args.idle_s)
                if report(r, args.workers):
                    best = max(best, n)
                if r["share"] > SATURATED * args.workers:
                    print(f"      the relay is saturated ({100 * r['share']:.0f}% of a core): larger N not run")
                    break
        finally:
            relay.stop()
            if fakes_proc is not None and fakes_proc.stdin is not None and fakes_proc.stdout is not None:
                fakes_proc.stdin.close()
                print("speech fakes served: " + fakes_proc.stdout.readline().strip())
                fakes_proc.wait(timeout=10)
    print(f"largest N within {PACING_P99_MS:.0f} ms p99 pacing with no late or lost frame: {best} "
          "(pacing shares these 2 cores with the load generator; calls per core is the capacity figure)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("steps", nargs="*", type=int, default=[10, 25, 50, 100])
    parser.add_argument("--offline", action="store_true", help="pocketsphinx and flite instead of the fakes")
    parser.add_argument("--embedded", action="store_true",
                        help="measure make dev's own process (relay, API, emulators) rather than a relay of its own")
    parser.add_argument("--no-model", dest="model", action="store_false", help="without the end-of-turn model")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--relay-log", type=Path, help="append the relay's log (stdout) to this file")
    parser.add_argument("--idle-s", type=float, default=IDLE_S, help="seconds of idle calls measured per step")
    parser.add_argument("--talk-s", type=float, default=STEADY_S, help="seconds of talking calls measured per step")
    parser.add_argument("--relay-from", type=Path, default=ROOT, help="run the relay of another checkout")
    parser.add_argument("--relay-env", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting for the relay (e.g. SWITCHBOARD_RELAY_EVENT_LOOP=asyncio), to measure one step")
    args = parser.parse_args()
    args.steps = args.steps or [10, 25, 50, 100]
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
