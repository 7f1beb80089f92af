"""Progress a person can see for the CLI's long operations, on stderr (stdout stays the result).

On a terminal one status line is rewritten in place (`\\r`); anywhere else each change is a plain line,
so logs and pipes stay readable.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stderr
        self.tty = self.out.isatty()
        self.started = time.monotonic()
        self.last = ""

    def show(self, state: str) -> None:
        """The operation's state, with the seconds since it began (a new state gets its own line off a tty)."""
        line = f"  … {state} ({time.monotonic() - self.started:.0f} s)"
        if self.tty:
            self.out.write("\r" + line.ljust(len(self.last)))
        elif state != self.last.split(" (")[0].removeprefix("  … "):
            self.out.write(line + "\n")
        self.out.flush()
        self.last = line

    def done(self, message: str = "") -> None:
        if self.tty and self.last:
            self.out.write("\r" + " " * len(self.last) + "\r")
        if message:
            self.out.write(message + "\n")
        self.out.flush()
        self.last = ""
