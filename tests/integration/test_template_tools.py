"""cfn-lint stays clean and `sam build` succeeds offline (no Docker) for the python3.12/arm64 template."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / ".venv-tools" / "bin"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not (TOOLS / "sam").exists(),
                                                    reason="SAM CLI not installed (run scripts/bootstrap.sh)")]


def run(*args: str, cwd: Path = REPO, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{TOOLS}:{os.environ['PATH']}", "AWS_DEFAULT_REGION": "us-east-1",
           "SAM_CLI_TELEMETRY": "0"}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def test_cfn_lint_reports_nothing() -> None:
    result = run(str(TOOLS / "cfn-lint"), "template.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_sam_build_packages_the_layer_and_functions(tmp_path: Path) -> None:
    build = tmp_path / "build"
    result = run(str(TOOLS / "sam"), "build", "--template", "template.yaml", "--build-dir", str(build),
                 "--cache-dir", str(tmp_path / "cache"), timeout=540)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    layer = build / "CoreLayer" / "python"
    assert (layer / "switchboard" / "api" / "app.py").exists()
    assert (layer / "fastapi").is_dir() and (layer / "mangum").is_dir()
    # The development stack and its tools stay out (Lambda's runtime provides snapshot_restore_py).
    assert not (layer / "switchboard_local").exists() and not list(layer.glob("switchboard/local*"))
    assert not list(layer.glob("moto*")) and not list(layer.glob("snapshot_restore_py*"))
    assert (build / "ApiFunction" / "app.py").exists()
