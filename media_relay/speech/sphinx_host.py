"""Pocketsphinx in a process of its own, so its C code never holds the relay's GIL.

pocketsphinx's decoder keeps the GIL for the whole of each call into it: aligning a 5 s sentence
(the words a caller heard, at every barge-in) holds it 120 ms, decoding a caller's speech up to
340 ms. Meanwhile the relay's event loop, which paces every call's audio, cannot run: one
barge-in stalled every call on the process. Here a host process owns the decoders; the relay's
worker threads send it a request over a pipe and wait on the reply, which releases the GIL.

Requests are pickled `(op, args)` frames with a 4-byte length; the host answers each in order
with `(ok, value)`, an exception travelling back as the value. One host serves one request at a
time (as one decoder thread did); the host exits when the relay closes its pipe or exits.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
import threading
import weakref
from collections.abc import Callable
from typing import IO, Any

from media_relay.background import lower_this_process


def _frame(value: Any) -> bytes:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return len(data).to_bytes(4) + data


def _read(stream: IO[bytes]) -> Any:
    header = stream.read(4)
    if len(header) < 4:
        raise EOFError("the pocketsphinx host closed its pipe")
    size = int.from_bytes(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the pocketsphinx host closed its pipe")
    return pickle.loads(data)


class SphinxHost:
    """The relay's side: a host process started on first use; `call` blocks its thread, not the GIL."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def call(self, op: str, *args: Any) -> Any:
        with self._lock:
            proc = self._started()
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write(_frame((op, args)))
                proc.stdin.flush()
                ok, value = _read(proc.stdout)
            except (OSError, EOFError):
                self._stop()  # started afresh on the next call
                raise
        if not ok:
            raise value
        return value

    def _started(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._proc.poll() is not None:
            self._proc = subprocess.Popen([sys.executable, "-m", "media_relay.speech.sphinx_host"],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            weakref.finalize(self, _end, self._proc)
        return self._proc

    def _stop(self) -> None:
        if self._proc is not None:
            _end(self._proc)
            self._proc = None


def _end(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError, ValueError):
        if proc.stdin is not None:
            proc.stdin.close()  # the host reads EOF and exits
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)
    if proc.poll() is None:
        proc.kill()


_shared: SphinxHost | None = None
_shared_lock = threading.Lock()


def shared_host() -> SphinxHost:
    """The process-wide host for forced alignment (started when the first caller cuts in)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SphinxHost()
        return _shared


def _ops() -> dict[str, Callable[..., Any]]:
    from media_relay.speech import alignment
    from media_relay.stt import pocketsphinx_stt

    return {"align": alignment.align_here, **pocketsphinx_stt.HOST_OPS}


def serve() -> None:
    """The host: answer requests until the relay closes the pipe."""
    lower_this_process()  # the relay's event loop comes first
    requests = sys.stdin.buffer
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever a library prints must not corrupt the replies
    ops = _ops()
    while True:
        try:
            op, args = _read(requests)
        except EOFError:
            return
        try:
            reply: tuple[bool, Any] = (True, ops[op](*args))
        except Exception as exc:
            reply = (False, exc)
        replies.write(_frame(reply))
        replies.flush()


if __name__ == "__main__":
    serve()
