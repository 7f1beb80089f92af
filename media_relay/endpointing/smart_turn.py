"""Smart Turn v3.2 (BSD-2, 8.7 MB ONNX): is the utterance so far a finished turn? From audio alone.

The model ships inside the `pipecat-ai` wheel on PyPI; `scripts/fetch_turn_model.py` (run by
`make install` and the relay image's build) copies the file alone to `<venv>/share/switchboard/models`.
One decision costs ~75 ms of CPU (features ~4 ms, inference ~70 ms) on one core, so it runs in
its own single-thread pool, never on the event loop, and only at pauses the transcript leaves
undecided. `decisions` and `cpu_s` count what it cost.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from media_relay.audio.resample import upsample_2x
from media_relay.background import lower_this_thread
from media_relay.endpointing.features import fit, log_mel
from switchboard.logging import logger

MODEL_NAME = "smart-turn-v3.2-cpu.onnx"


def default_model_path() -> Path:
    return Path(sys.prefix) / "share" / "switchboard" / "models" / MODEL_NAME


class SmartTurn:
    def __init__(self, path: Path | str | None = None, *, threshold: float = 0.8, threads: int = 1) -> None:
        self.path = Path(path) if path else default_model_path()
        self.threshold = threshold  # a score this high ends the turn at a pause
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="smart-turn",
                                           initializer=lower_this_thread)  # the audio loop comes first
        self._session: Any = None
        self._lock = threading.Lock()
        self.decisions = 0
        self.cpu_s = 0.0

    @property
    def available(self) -> bool:
        return self.path.is_file()

    def _load(self) -> Any:
        with self._lock:
            if self._session is None:
                import onnxruntime as ort

                options = ort.SessionOptions()
                options.intra_op_num_threads = options.inter_op_num_threads = 1
                options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
                self._session = ort.InferenceSession(str(self.path), sess_options=options,
                                                     providers=["CPUExecutionProvider"])
        return self._session

    def probability(self, pcm8k: bytes) -> float:
        """P(the turn is complete) for the caller's audio so far (8 kHz PCM, its last 8 s are used)."""
        started = time.thread_time()
        samples = np.frombuffer(upsample_2x(pcm8k[-8000 * 2 * 8:]), dtype=np.int16).astype(np.float32) / 32768
        features = log_mel(fit(samples))[None]
        output = self._load().run(None, {"input_features": features})[0]
        self.decisions += 1
        self.cpu_s += time.thread_time() - started
        return float(np.asarray(output).reshape(-1)[0])

    async def decide(self, pcm8k: bytes) -> float | None:
        """The probability, computed off the event loop; None when the model is missing or fails."""
        if not self.available:
            return None
        try:
            return await asyncio.get_running_loop().run_in_executor(self.executor, self.probability, pcm8k)
        except Exception:
            logger.exception("turn model failed", extra={"model": str(self.path)})
            return None
