"""Read a Dockerfile into (instruction, arguments) pairs: enough to check it where no Docker engine runs."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "media_relay" / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"


@dataclass(frozen=True)
class Instruction:
    name: str  # upper case: FROM, RUN, ...
    args: str  # the rest of the logical line, continuations joined

    def words(self) -> list[str]:
        """Exec form (a JSON array) or shell words."""
        if self.args.startswith("["):
            return list(json.loads(self.args))
        return shlex.split(self.args)


def parse(path: Path = DOCKERFILE) -> list[Instruction]:
    out: list[Instruction] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue  # comments inside a continued instruction are dropped by Docker too
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        name, _, args = (pending + line).partition(" ")
        out.append(Instruction(name.upper(), args.strip()))
        pending = ""
    return out


def stages(instructions: list[Instruction]) -> list[list[Instruction]]:
    """One list per build stage, each starting with its FROM."""
    result: list[list[Instruction]] = []
    for ins in instructions:
        if ins.name == "FROM":
            result.append([])
        if result:
            result[-1].append(ins)
    return result


def healthcheck_command(instructions: list[Instruction]) -> list[str]:
    """The HEALTHCHECK's CMD (exec form), options stripped."""
    check = next(i for i in instructions if i.name == "HEALTHCHECK")
    _, _, command = check.args.partition("CMD ")
    return list(json.loads(command))
