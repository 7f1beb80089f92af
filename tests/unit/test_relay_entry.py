"""`python -m media_relay` gives numpy's OpenBLAS one thread (its idle workers spin a core per decision)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

# Runs the entry point with the server stubbed out, then asks the OpenBLAS numpy loaded how many threads it uses.
PROBE = """
import ctypes, glob, os, runpy, sys, types
server = types.ModuleType("media_relay.server")
server.run = lambda: None
sys.modules["media_relay.server"] = server
runpy.run_module("media_relay", run_name="__main__")
import numpy
lib = ctypes.CDLL(glob.glob(os.path.join(os.path.dirname(numpy.__file__), "..", "numpy.libs", "libscipy_openblas*"))[0])
print(lib.scipy_openblas_get_num_threads64_())
"""


def blas_threads(setting: str | None) -> int:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if setting is not None:
        env["OPENBLAS_NUM_THREADS"] = setting
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


@pytest.mark.skipif(not list((Path(np.__file__).parent.parent / "numpy.libs").glob("libscipy_openblas*")),
                    reason="numpy here is not the wheel's bundled OpenBLAS")
def test_the_relay_runs_numpy_on_one_blas_thread_unless_the_operator_says_otherwise() -> None:
    assert blas_threads(None) == 1
    assert blas_threads("2") == 2
