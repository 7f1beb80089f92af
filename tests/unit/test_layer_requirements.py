"""The Lambda layer installs exactly the runtime dependencies the project declares."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_layer_requirements_match_pyproject() -> None:
    declared = set(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"])
    lines = (REPO / "layers/core/requirements.txt").read_text().splitlines()
    layer = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    assert layer == declared
