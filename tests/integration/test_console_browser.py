"""The console in a real headless Chromium with a fake microphone fed from a synthesised WAV: sign in,
talk to an agent (a web call from the page), watch the transcript arrive live, hang up; screenshots of
the main pages are written to build/screenshots/."""

from __future__ import annotations

import json
import wave
from pathlib import Path
from typing import Any

import httpx
import pytest

from media_relay.audio import codec
from switchboard_local.carrier.dialer import script_from_lines
from tests.support.voice_webhook import Reply, voice_webhook

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
LINE = "I would like to check the status of my order."
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--use-fake-device-for-media-stream",
         "--use-fake-ui-for-media-stream", "--autoplay-policy=no-user-gesture-required"]


async def caller_wav(path: Path) -> Path:
    """Seven seconds of quiet (the greeting plays, late on a busy machine), then the caller's line, once."""
    pcm = codec.decode((await script_from_lines([LINE])).lines[0].mulaw)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00" * 8000 * 2 * 7 + pcm + b"\x00" * 8000 * 2)
    return path


def words(text: str) -> set[str]:
    return {w.strip(",.?!").lower() for w in text.split()}


@pytest.mark.skipif(not CHROMIUM.exists(), reason="scripts/bootstrap.sh installs Debian's chromium")
async def test_talk_to_an_agent_from_the_console(api: httpx.Client, api_url: str, project: Any, relay: Any,
                                                 tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    wav = await caller_wav(tmp_path / "caller.wav")
    with voice_webhook([Reply(single={"text": "Your order ships tomorrow."})]) as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        agent = api.post("/v1/agents", json={"name": "Console agent", "beginMessage": "Hello from the console."}).json()
        api.post("/v1/numbers", json={"areaCode": "415", "agentId": agent["id"]})
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(CHROMIUM),
                                               args=[*FLAGS, f"--use-file-for-fake-audio-capture={wav}%noloop"])
            page = await browser.new_page(viewport={"width": 1100, "height": 900})
            await page.goto(f"{api_url}/console/")
            await page.screenshot(path=SHOTS / "sign-in.png")
            await page.get_by_label("API key").fill(project.api_key)
            await page.keyboard.press("Enter")  # the form works from the keyboard
            await expect(page.get_by_role("heading", name="Agents")).to_be_visible()
            await page.screenshot(path=SHOTS / "agents.png", full_page=True)

            await page.get_by_role("button", name="Talk to this agent").click()
            live = page.locator("#call-live")
            await expect(live.locator(".turn .agent").first).to_have_text("Agent: Hello from the console.",
                                                                          timeout=15_000)
            await expect(live.get_by_text("Agent: Your order ships tomorrow.")).to_be_visible(timeout=30_000)
            await expect(live.locator(".caller")).to_have_count(1)
            assert await page.evaluate("window.sbWebCall.marks") >= 2  # the page played the agent's audio
            await page.screenshot(path=SHOTS / "web-call.png", full_page=True)
            await page.get_by_role("button", name="Hang up").click()
            await expect(page.locator("#call-state")).to_have_text("Call ended.")
            await expect(live.locator(".state .badge")).to_have_text("completed", timeout=10_000)

            await page.goto(f"{api_url}/console/#calls")
            await expect(page.locator("#rows .badge").first).to_have_text("completed")
            await page.screenshot(path=SHOTS / "calls.png", full_page=True)
            await page.locator("#rows a").first.click()
            await expect(page.locator("#player")).to_be_attached(timeout=10_000)
            assert await page.evaluate("fetch(document.querySelector('#player').src).then(r => r.status)") == 200
            await page.screenshot(path=SHOTS / "call.png", full_page=True)
            await page.goto(f"{api_url}/console/#numbers")
            await expect(page.get_by_role("heading", name="Numbers")).to_be_visible()
            await page.screenshot(path=SHOTS / "numbers.png", full_page=True)
            await page.set_viewport_size({"width": 390, "height": 844})  # a phone
            await page.goto(f"{api_url}/console/#calls")
            await expect(page.locator("#rows .badge").first).to_be_visible()
            await page.screenshot(path=SHOTS / "calls-phone.png", full_page=True)
            await browser.close()

    assert len(hook.requests) == 1  # the caller's line, through the fake microphone, reached the webhook
    event = json.loads(hook.requests[0][1])
    assert event["data"]["direction"] == "web"
    assert len(words(event["data"]["transcript"]) & words(LINE)) >= 3, event["data"]["transcript"]
    call = api.get(f"/v1/calls/{event['data']['callId']}").json()
    assert call["status"] == "completed" and call["endReason"] == "caller-hangup"
