"""Work that may wait for the CPU: what the relay runs beside its event loop, at a lower priority.

The event loop paces every call's audio; the end-of-turn model (80 ms a decision) and pocketsphinx
(its host processes) compete with it for the same cores. Niced, they take the CPU the loop leaves
(a decision comes a little later on a saturated core) instead of making every call's frames late.
"""

from __future__ import annotations

import contextlib
import os
import threading

NICE = 10


def lower_this_thread() -> None:
    """Lower the calling thread's scheduling priority (Linux: a thread's nice value is its own)."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)


def lower_this_process() -> None:
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, 0, NICE)
