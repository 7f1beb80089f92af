"""awscrt's event-loop threads keep one Python thread state instead of building one per callback.

awscrt calls into Python from its own C threads (a Transcribe stream's body reads, each write's
completion, each piece of the response) through `PyGILState_Ensure`/`Release`. A thread Python did
not start has no thread state between calls, so every callback creates one and deletes it again,
and in CPython 3.12 a new thread state maps a fresh page for its frame stack and unmaps it after:
perf on a relay with 25 talking calls put a third of awscrt's thread in those page faults, mmaps
and munmaps (each munmap also interrupts the other cores to flush their TLBs).

`keep()`, called from any callback awscrt runs, takes one more `PyGILState_Ensure` on that thread
and never releases it, so the state outlives the callback and the next one reuses it: the
documented way to give a foreign thread a lasting thread state. awscrt checks that the interpreter
is still initialised before each callback, and interpreter shutdown deletes these states with the
others, so nothing is left to a thread once Python is gone.
"""

from __future__ import annotations

import ctypes
import threading

_mine = threading.local()  # lives on the thread state: a state built for one callback starts without it
_count = 0  # lasting states made (for tests)


def keep() -> None:
    """Give the calling thread (one of awscrt's, inside a callback) a lasting thread state, once.

    The mark is thread-local, so it is exactly as old as the state: a thread whose state was built
    for this callback finds none (a thread id would not do: awscrt's threads come and go with their
    clients, and a new thread may reuse an old one's id).
    """
    global _count
    if getattr(_mine, "kept", False):
        return
    ctypes.pythonapi.PyGILState_Ensure()  # the GIL is held already: this only counts the state once more
    _mine.kept = True
    _count += 1


def kept() -> int:
    """How many lasting states were made (for tests)."""
    return _count
