"""The command-line caller: dial a local number, speak lines (or a WAV), hear the agent, see the turns.

    python -m switchboard_local.carrier.cli call --to +14155550100 \\
        --say "Hi, I would like to check the status of my order." --say "Thank you, goodbye." --out call.wav

    python -m switchboard_local.carrier.cli text --to +14155550100 --body "Are you open today?" --wait 10

    python -m switchboard_local.carrier.cli callee --number +14155550142 --say "Hello, this is Sam."

It reads `.switchboard/local.json` (written by `make dev`) and plays the carrier exactly as
Twilio would: a signed voice webhook, then the Media Stream to the relay; for a text, a signed
SMS webhook, then the agent's replies as the local carrier receives them.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sys
import wave
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from switchboard_local.carrier.dialer import CallerScript, CarrierLink, Line, place_inbound_call, script_from_lines
from switchboard_local.carrier.media_client import MediaStreamClient
from switchboard_local.carrier.progress import Progress


def _wav_script(path: Path) -> CallerScript:
    from media_relay.audio import codec
    from media_relay.audio.resample import downsample

    with wave.open(str(path)) as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2 or w.getframerate() % 8000:
            raise SystemExit("--wav must be 16-bit mono PCM at 8, 16, 24 or 48 kHz")
        pcm = w.readframes(w.getnframes())
        rate = w.getframerate()
    pcm8k = downsample(pcm, rate // 8000)
    return CallerScript(lines=[Line(f"<{path.name}>", codec.encode(pcm8k))])


def save_both_sides(client: MediaStreamClient, path: Path) -> None:
    """Stereo WAV at 8 kHz: the caller on the left, the agent (as heard) on the right."""
    from media_relay.audio import codec

    start = client.started_at
    end = max([t + len(a) / 8000 for t, a in client.agent.chunks] + [t + 0.02 for t, _ in client.caller_frames]
              + [start])
    out = np.zeros((int((end - start) * 8000) + 1, 2), dtype=np.int16)
    for channel, pieces in ((0, client.caller_frames), (1, client.agent.chunks)):
        for at, mulaw in pieces:
            pcm = np.frombuffer(codec.decode(mulaw), dtype=np.int16)
            i = max(0, int((at - start) * 8000))
            n = min(len(pcm), len(out) - i)
            out[i:i + n, channel] = pcm[:n]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(out.tobytes())


async def _watch(api_url: str, api_key: str, done: asyncio.Event) -> None:
    """Print each turn as it is written (the relay stores turns as they complete)."""
    seen: set[str] = set()
    progress = Progress()
    async with httpx.AsyncClient(base_url=api_url, headers={"Authorization": f"Bearer {api_key}"}) as http:
        while not done.is_set():
            await asyncio.sleep(0.5)
            calls = (await http.get("/v1/calls", params={"limit": 1})).json().get("data", [])
            if not calls:
                progress.show("dialling")
                continue
            progress.show(calls[0]["status"])  # ringing, in-progress, completed
            for turn in (await http.get(f"/v1/calls/{calls[0]['id']}/transcript")).json().get("data", []):
                if turn["id"] not in seen:
                    seen.add(turn["id"])
                    progress.done()
                    print_turn(turn)
    progress.done()


def print_turn(turn: dict[str, Any]) -> None:
    lat = turn.get("latencyMs") or {}
    if turn["transcript"]:
        print(f"  caller: {turn['transcript']!r}  (confidence {turn.get('confidence')})")
    print(f"  agent:  {turn['response']!r}")
    if lat.get("firstAudio") is not None:
        print(f"          latency ms: endpointing {lat['endpointing']}, webhook first byte "
              f"{lat['firstResponseByte']}, first audio {lat['firstAudio']}")
    sys.stdout.flush()


async def call(args: argparse.Namespace) -> int:
    cfg = json.loads(Path(args.config).read_text())
    script = _wav_script(Path(args.wav)) if args.wav else await script_from_lines(args.say, voice=args.voice)
    done = asyncio.Event()
    watcher = asyncio.create_task(_watch(cfg["apiUrl"], cfg["apiKey"], done))
    print(f"Calling {args.to} from {args.from_number} ...")
    result = await place_inbound_call(
        voice_url=cfg["voiceWebhookUrl"], status_url=cfg.get("statusCallbackUrl"),
        account_sid=cfg["twilioAccountSid"], auth_token=cfg["twilioAuthToken"], from_number=args.from_number,
        to_number=args.to, script=script,
        carrier=CarrierLink(f"{cfg['twilioApiBase']}/2010-04-01/Accounts/{cfg['twilioAccountSid']}",
                            cfg["twilioAccountSid"], cfg["twilioAuthToken"]))
    await asyncio.sleep(1.0)
    done.set()
    await watcher
    if result.said:
        print("  carrier said: " + " ".join(result.said))
    if result.client is not None and args.out:
        save_both_sides(result.client, Path(args.out))
        print(f"Saved both sides to {args.out} (left: caller, right: agent).")
    if result.transferred_to:
        print(f"  the agent transferred the call to {result.transferred_to}")
    elif result.ended_by == "carrier":
        print("  the agent hung up")
    print(f"Call over after {result.duration_s:.1f} s.")
    return 0


async def _replies(http: httpx.AsyncClient, account_api: str, auth: tuple[str, str], phone: str,
                   number: str) -> list[dict[str, Any]]:
    """Texts the local carrier holds from `number` to `phone`, oldest first."""
    resp = await http.get(f"{account_api}/Messages.json", params={"To": phone, "From": number}, auth=auth)
    resp.raise_for_status()
    return list(reversed(resp.json().get("messages", [])))


async def text(args: argparse.Namespace) -> int:
    """Text a local number as a phone would, then show what the agent texts back within --wait seconds."""
    from switchboard_local.carrier.sms import inbound_form, send_inbound_sms

    cfg = json.loads(Path(args.config).read_text())
    sms_url = cfg.get("smsWebhookUrl") or cfg["apiUrl"].rstrip("/") + "/telephony/twilio/sms"
    account_api = f"{cfg['twilioApiBase']}/2010-04-01/Accounts/{cfg['twilioAccountSid']}"
    auth = (cfg["twilioAccountSid"], cfg["twilioAuthToken"])
    async with httpx.AsyncClient(timeout=20) as http:
        try:
            seen = {m["sid"] for m in await _replies(http, account_api, auth, args.from_number, args.to)}
            form = inbound_form(account_sid=cfg["twilioAccountSid"], from_=args.from_number, to=args.to,
                                body=args.body)
            print(f"{args.from_number} -> {args.to}: {args.body}")
            resp = await send_inbound_sms(http, sms_url, form, cfg["twilioAuthToken"])
            if resp.status_code != 200:
                print(f"The platform refused the text (HTTP {resp.status_code}): {resp.text}", file=sys.stderr)
                return 1
            replies = await _watch_replies(http, account_api, auth, args, seen)
        except httpx.HTTPError as exc:
            print(f"Could not reach the local stack ({exc}); is `make dev` running?", file=sys.stderr)
            return 1
    if not replies:
        print(f"No reply within {args.wait:g} s.")
    return 0


async def _watch_replies(http: httpx.AsyncClient, account_api: str, auth: tuple[str, str],
                         args: argparse.Namespace, seen: set[str]) -> int:
    """Print each new text to the phone as it shows up at the carrier; returns how many arrived."""
    loop = asyncio.get_running_loop()
    deadline, count = loop.time() + args.wait, 0
    progress = Progress()
    while loop.time() < deadline:
        progress.show(f"waiting for a reply, {max(0.0, deadline - loop.time()):.0f} s left")
        await asyncio.sleep(min(0.25, max(0.0, deadline - loop.time())))
        for m in await _replies(http, account_api, auth, args.from_number, args.to):
            if m["sid"] not in seen:
                seen.add(m["sid"])
                count += 1
                progress.done()
                print(f"{m['from']} -> {m['to']}: {m['body']}")
                sys.stdout.flush()
    progress.done()
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="switchboard_local.carrier.cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    dial = sub.add_parser("call", help="dial one of the local numbers")
    dial.add_argument("--to", required=True, help="the number to call (E.164)")
    dial.add_argument("--from", dest="from_number", default="+14155550123", help="the caller's number")
    dial.add_argument("--say", action="append", default=[], help="a line to speak (repeat for more turns)")
    dial.add_argument("--wav", help="a WAV file to play instead of --say lines")
    dial.add_argument("--voice", default="rms", help="flite voice for --say (rms is recognised best)")
    dial.add_argument("--out", help="save both sides of the call to this WAV")
    dial.add_argument("--config", default=".switchboard/local.json")
    sms = sub.add_parser("text", help="text one of the local numbers and print the agent's replies")
    sms.add_argument("--to", required=True, help="the number to text (E.164)")
    sms.add_argument("--body", required=True, help="the text to send")
    sms.add_argument("--from", dest="from_number", default="+14155550123", help="the phone's number")
    sms.add_argument("--wait", type=float, default=10.0, help="seconds to wait for replies (default 10)")
    sms.add_argument("--config", default=".switchboard/local.json")
    who = sub.add_parser("callee", help="say who answers when an agent calls a number (outbound calls)")
    who.add_argument("--number", required=True, help="the number agents will call (E.164)")
    who.add_argument("--say", action="append", default=[], help="a line the person says (repeat for more)")
    who.add_argument("--wav", help="a recording the person plays instead of --say lines")
    who.add_argument("--machine", action="store_true", help="an answering machine picks up (voicemail)")
    who.add_argument("--greeting", help="the machine's greeting, played before the beep")
    who.add_argument("--behaviour", choices=["answer", "busy", "no-answer", "failed"], default="answer")
    who.add_argument("--config", default=".switchboard/local.json")
    args = parser.parse_args(argv)
    if args.command == "callee":
        return set_callee(args)
    return asyncio.run(call(args) if args.command == "call" else text(args))


def set_callee(args: argparse.Namespace) -> int:
    cfg = json.loads(Path(args.config).read_text())
    form: dict[str, Any] = {"Number": args.number, "Say": args.say, "Behaviour": args.behaviour,
                            "AnsweredBy": "machine" if args.machine else "human"}
    if args.greeting:
        form["Greeting"] = args.greeting
    if args.wav:
        form["Audio"] = base64.b64encode(_wav_script(Path(args.wav)).lines[0].mulaw).decode()
    url = f"{cfg['twilioApiBase']}/2010-04-01/Accounts/{cfg['twilioAccountSid']}/Local/Callees.json"
    resp = httpx.post(url, data=form, auth=(cfg["twilioAccountSid"], cfg["twilioAuthToken"]))
    if resp.status_code != 201:
        print(f"The local carrier refused: {resp.text}", file=sys.stderr)
        return 1
    kind = "an answering machine" if args.machine else ("a person" if args.behaviour == "answer" else args.behaviour)
    print(f"Calls to {args.number} now reach {kind} on the local carrier.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
