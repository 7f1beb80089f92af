"""Put the Smart Turn v3.2 model (BSD-2-Clause, by Daily) where the relay looks for it.

The model ships only inside the `pipecat-ai` wheel on PyPI, whose dependencies are heavy; this
downloads that one wheel without them and copies out the ONNX file alone, to
`<prefix>/share/switchboard/models/` (the virtualenv's, or `--prefix`). Safe to run again.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "pipecat-ai==1.14.0"
MEMBER = "pipecat/audio/turn/smart_turn/data/smart-turn-v3.2-cpu.onnx"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prefix", default=sys.prefix)
    target = Path(parser.parse_args().prefix) / "share" / "switchboard" / "models" / Path(MEMBER).name
    if target.is_file() and target.stat().st_size > 1_000_000:
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                        "-d", tmp, WHEEL], check=True)
        wheel = next(Path(tmp).glob("*.whl"))
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as archive, archive.open(MEMBER) as source:
            target.write_bytes(source.read())
    print(f"turn model: {target} ({target.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
