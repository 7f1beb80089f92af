"""The core layer as a checkout's template.yaml has SAM build it, for this machine: what Lambda puts in /opt/python.

BuildMethod makefile: layers/core/Makefile's own target (dependencies and every module compiled), with this
machine's wheels (PLATFORM= instead of arm64's). BuildMethod python3.12: what SAM's python builder does (its
PythonPipBuilder: the requirements' wheels extracted, the sources copied without __pycache__ or .pyc, nothing
compiled), with pip standing in for its wheel extraction. Used by bench/api_cold_start.py.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from switchboard.store.schema import load_template


def build_method(tree: Path) -> str:
    return str(load_template(tree / "template.yaml")["Resources"]["CoreLayer"]["Metadata"]["BuildMethod"])


def build_layer(tree: Path, artifacts: Path) -> Path:
    """Build `tree`'s core layer into `artifacts` (as SAM's ARTIFACTS_DIR); returns its `python/` directory."""
    source = tree / "layers" / "core"
    site = artifacts / "python"
    if build_method(tree) == "makefile":
        command = ["make", "-s", "-C", str(source), "build-CoreLayer", f"ARTIFACTS_DIR={artifacts}", "PLATFORM=",
                   f"PYTHON={sys.executable}"]
    else:
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile", "--target", str(site),
                   "-r", str(source / "requirements.txt")]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"building the layer failed:\n{done.stderr[-3000:]}")
    if build_method(tree) != "makefile":
        shutil.rmtree(site / "bin", ignore_errors=True)
        shutil.copytree(source / "switchboard", site / "switchboard",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return site


def compiled_share(site: Path) -> tuple[int, int]:
    """(modules with a .pyc beside them, modules) in a built layer."""
    sources = list(site.rglob("*.py"))
    compiled = sum(1 for s in sources if any((s.parent / "__pycache__").glob(f"{s.stem}.cpython-*.pyc")))
    return compiled, len(sources)
