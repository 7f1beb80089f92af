"""Every outbound request to a tenant's URL goes through the guard: refused at set time, re-checked at send
time, pinned to the checked address (no second lookup), no redirects to refused targets, bodies capped.

Names resolve through a scripted resolver (`container.resolver`), so a name can "rebind" between two
lookups; nothing here ever connects to an address other than loopback.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from media_relay.llm.port import ToolCall
from media_relay.llm.tools import CustomTool, ToolRunner
from switchboard.container import Container
from switchboard.net.client import Refused, guarded_async_client, guarded_client
from switchboard.webhooks.sender import WebhookSender
from tests.support.receiver import webhook_receiver
from tests.support.servers import ThreadedUvicorn


class Rebinding:
    """Answers each name's lookups from a script: the first answer, then the next, and so on (the last repeats)."""

    def __init__(self, **script: list[str]) -> None:
        self.script = {name.replace("_", "."): answers for name, answers in script.items()}
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        if host not in self.script:
            raise OSError(f"{host} does not resolve")
        seen = self.lookups.count(host)
        self.lookups.append(host)
        answers = self.script[host]
        return [answers[min(seen, len(answers) - 1)]]


def tool(url: str) -> dict[str, str]:
    return {"name": "lookup", "description": "Looks things up.", "url": url}


@pytest.fixture
def production(container: Container) -> Iterator[Container]:
    """The same container outside local mode: https only, public addresses only."""
    container.settings.local_mode = False
    container.resolver = Rebinding(meta_example=["169.254.169.254"], private_example=["10.0.0.7"],
                                   rebind_example=["169.254.169.254"], mapped_example=["::ffff:127.0.0.1"])
    yield container
    container.settings.local_mode = True


@pytest.mark.parametrize("url", [
    "https://169.254.169.254/latest/meta-data", "https://meta.example/x", "https://private.example/x",
    "https://rebind.example/x", "https://mapped.example/x", "https://[::ffff:a9fe:a9fe]/x", "https://0x7f.1/x",
    "http://public.example/x"])
def test_metadata_private_and_rebinding_urls_are_refused_when_set(api: httpx.Client, production: Container,
                                                                  url: str) -> None:
    agent = api.post("/v1/agents", json={"name": "A"}).json()
    for method, path, body in (("POST", "/v1/webhooks", {"url": url}),
                               ("POST", f"/v1/agents/{agent['id']}/webhook", {"url": url}),
                               ("POST", "/v1/agents", {"name": "T", "customTools": [tool(url)]}),
                               ("PATCH", f"/v1/agents/{agent['id']}", {"customTools": [tool(url)]})):
        resp = api.request(method, path, json=body)
        assert resp.status_code == 400, (method, path, resp.text)
        assert "URL" in resp.json()["detail"] or "host" in resp.json()["detail"], resp.text
    assert api.get("/v1/webhooks").content == b"null"
    assert api.get(f"/v1/agents/{agent['id']}").json()["customTools"] is None
    assert api.get("/v1/agents").json()["total"] == 1


def test_a_name_that_rebinds_after_it_was_set_is_never_fetched(api: httpx.Client, container: Container) -> None:
    with webhook_receiver() as receiver:
        port = httpx.URL(receiver.url).port
        container.resolver = Rebinding(hook_example=["127.0.0.1", "169.254.169.254"])
        assert api.post("/v1/webhooks", json={"url": f"http://hook.example:{port}/hook"}).status_code in (200, 201)
        result = api.post("/v1/webhooks/test").json()
    assert result["success"] is False and result["responseBody"] is None, result
    assert "metadata" in result["errorMessage"], result
    assert receiver.requests == []


def test_the_connection_goes_to_the_checked_address_with_the_name_as_host(container: Container) -> None:
    """One lookup per request: the name is never resolved a second time (by httpx or the system)."""
    with webhook_receiver(body="x" * 50_000) as receiver:
        port = httpx.URL(receiver.url).port
        resolver = Rebinding(pinned_example=["127.0.0.1", "10.9.9.9"])
        sender = WebhookSender(local_mode=True, resolver=resolver)
        first = sender.send(f"http://pinned.example:{port}/hook", "s", {"a": 1}, "dlv_1", 5)
        second = sender.send(f"http://pinned.example:{port}/hook", "s", {"a": 2}, "dlv_2", 5)
    assert first.ok and len(first.response_body or "") == 1024, first
    assert receiver.requests[0].headers["host"] == f"pinned.example:{port}"
    assert not second.ok and "private" in (second.error_message or "") and len(receiver.requests) == 1
    assert resolver.lookups == ["pinned.example", "pinned.example"]


def _redirector(to: str) -> FastAPI:
    app = FastAPI()

    @app.post("/hook")
    @app.get("/hook")
    async def hook(request: Request) -> Response:
        return Response(status_code=302, headers={"Location": to})

    return app


def test_redirects_to_refused_targets_are_not_followed(container: Container) -> None:
    server = ThreadedUvicorn(_redirector("http://169.254.169.254/latest/meta-data")).start()
    try:
        result = WebhookSender(local_mode=True).send(f"{server.url}/hook", "s", {"a": 1}, "dlv_1", 5)
        assert result.http_status == 302 and not result.ok
        with guarded_client(local_mode=True, follow_redirects=True) as client, pytest.raises(Refused):
            client.get(f"{server.url}/hook")  # even a client that follows redirects checks each hop
    finally:
        server.stop()


def _cert_for(name: str, directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    assert ipaddress.ip_address("127.0.0.1")  # the certificate names no address: only the name verifies
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_tls_to_a_pinned_address_uses_the_name_for_sni_and_the_certificate(tmp_path: Path) -> None:
    cert, key = _cert_for("hook.example", tmp_path)
    seen: dict[str, Any] = {}
    app = FastAPI()

    @app.post("/hook")
    async def hook(request: Request) -> dict[str, bool]:
        seen["host"] = request.headers["host"]
        return {"ok": True}

    server = ThreadedUvicorn(app, ssl_certfile=str(cert), ssl_keyfile=str(key)).start()
    trust = ssl.create_default_context(cafile=str(cert))
    try:
        with guarded_client(local_mode=True, resolver=Rebinding(hook_example=["127.0.0.1"]), verify=trust) as client:
            resp = client.post(f"https://hook.example:{server.port}/hook", json={})
        assert resp.status_code == 200 and seen["host"] == f"hook.example:{server.port}"
        with httpx.Client(verify=trust) as plain, pytest.raises(httpx.ConnectError):
            plain.post(f"https://127.0.0.1:{server.port}/hook", json={})  # by address the certificate fails
    finally:
        server.stop()


async def test_a_custom_tool_is_checked_again_when_the_call_runs(container: Container) -> None:
    with webhook_receiver(body='{"answer": 42}') as receiver:
        port = httpx.URL(receiver.url).port
        resolver = Rebinding(tool_example=["127.0.0.1", "169.254.169.254"])
        async with guarded_async_client(local_mode=True, resolver=resolver) as http:
            runner = ToolRunner(http, secret="s", call_id="call_1")
            spec = CustomTool.from_api(tool(f"http://tool.example:{port}/hook"))
            first = await runner.run(spec, ToolCall("1", "lookup", {}))
            second = await runner.run(spec, ToolCall("2", "lookup", {}))
    assert first.content == {"answer": 42} and not first.is_error
    assert second.is_error and "metadata" in str(second.content) and len(receiver.requests) == 1
