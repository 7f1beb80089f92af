"""The relay image's Dockerfile, checked by reading it (no Docker engine here): pinned base, non-root,
health check, no secrets, and the port/command the template and the relay expect."""

from __future__ import annotations

import re

from media_relay.config import RelaySettings
from switchboard.store.schema import load_template
from tests.support.dockerfile import DOCKERFILE, DOCKERIGNORE, REPO, Instruction, healthcheck_command, parse, stages

INSTRUCTIONS = parse()
FINAL = stages(INSTRUCTIONS)[-1]
PINNED_BASE = re.compile(r"^python:3\.12\.\d+-slim-[a-z]+(@sha256:[0-9a-f]{64})?( AS \w+)?$")


def env(stage: list[Instruction]) -> dict[str, str]:
    pairs = [word.split("=", 1) for ins in stage if ins.name == "ENV" for word in ins.words()]
    return dict(pairs)  # type: ignore[arg-type]


def test_every_stage_starts_from_a_pinned_python312_slim_tag() -> None:
    bases = [ins.args for ins in INSTRUCTIONS if ins.name == "FROM"]
    assert bases, "no FROM"
    for base in bases:
        assert PINNED_BASE.match(base), f"{base}: pin the patch release (no 'latest', no bare '3.12')"


def test_the_relay_runs_as_a_non_root_user() -> None:
    users = [ins.args for ins in FINAL if ins.name == "USER"]
    assert users, "the final stage never leaves root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    last_user = max(i for i, ins in enumerate(FINAL) if ins.name == "USER")
    assert all(ins.name not in ("RUN", "COPY", "ADD") or i < last_user for i, ins in enumerate(FINAL))


def test_healthcheck_asks_the_relay_for_health_with_python_alone() -> None:
    command = healthcheck_command(FINAL)
    assert command[:2] == ["python", "-c"] and "/health" in command[2]
    assert "curl" not in DOCKERFILE.read_text() and "wget" not in DOCKERFILE.read_text()


def test_listens_on_all_interfaces_at_the_port_the_template_routes_to() -> None:
    values = env(FINAL)
    assert values["SWITCHBOARD_RELAY_HOST"] == "0.0.0.0"
    port = int(values["SWITCHBOARD_RELAY_PORT"])
    assert [ins.args for ins in FINAL if ins.name == "EXPOSE"] == [str(port)]
    assert port == RelaySettings().port
    relay = load_template(REPO / "template.yaml")["Resources"]["RelayTaskDefinition"]["Properties"]
    assert relay["ContainerDefinitions"][0]["PortMappings"][0]["ContainerPort"] == port


def test_runs_the_relay_module_as_pid_1() -> None:
    cmds = [ins for ins in FINAL if ins.name == "CMD"]
    assert len(cmds) == 1 and cmds[0].words() == ["python", "-m", "media_relay"]
    assert cmds[0].args.startswith("["), "exec form, so python itself receives SIGTERM"
    assert not any(ins.name == "ENTRYPOINT" for ins in FINAL)


def test_installs_flite_and_the_project_with_the_relay_extra() -> None:
    runs = " ".join(ins.args for ins in INSTRUCTIONS if ins.name == "RUN")
    assert 'pip install ".[relay]"' in runs
    assert "flite" in " ".join(ins.args for ins in FINAL if ins.name == "RUN")


def test_no_secrets_in_the_image_definition() -> None:
    text = DOCKERFILE.read_text()
    assert not re.search(r"AKIA[0-9A-Z]{16}", text)
    for ins in INSTRUCTIONS:
        if ins.name in ("ENV", "ARG"):
            names = [word.split("=", 1)[0] for word in ins.words()]
            assert not [n for n in names if re.search(r"SECRET|TOKEN|PASSWORD|KEY|SID", n, re.I)], ins.args


def test_build_context_holds_only_what_the_dockerfile_copies() -> None:
    rules = [line.strip() for line in DOCKERIGNORE.read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert rules[0] == "*", "an allow-list: everything else (.venv, .git, .switchboard/) stays out"
    allowed = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    sources = [word.rstrip("/") for ins in INSTRUCTIONS if ins.name == "COPY" and "--from" not in ins.args
               for word in ins.words()[:-1]]
    assert sources and set(sources) == allowed
    for source in sources:
        assert (REPO / source).exists(), source
