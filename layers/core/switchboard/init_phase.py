"""A Lambda function's init with Python's cyclic garbage collector paused, and what it built frozen.

Init allocates hundreds of thousands of long-lived objects (modules, classes, pydantic's validators), and
the collector scans them over and over while they are being made: 115 young collections, 11 middle and
one full one took ~40 ms of a ~400 ms API init here, and freed 427 objects. With the collector paused
until init ends, and everything init built moved to the permanent generation (`gc.freeze()`), later
collections (the first request's and every warm request's) skip that heap too. The price is that cyclic
garbage made during init is never freed: a few hundred objects, once per process. Reference counting,
which frees everything else, is untouched.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def init_phase() -> Iterator[None]:
    """Build the function inside this block: the collector is paused, then what was built is frozen."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
