"""CLI progress: a line per state off a terminal, one line rewritten in place on a terminal."""

from __future__ import annotations

import io

from switchboard_local.carrier.progress import Progress


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_off_a_terminal_each_new_state_is_one_line() -> None:
    out = io.StringIO()
    progress = Progress(out)
    for state in ("dialling", "dialling", "ringing", "in-progress", "in-progress"):
        progress.show(state)
    progress.done("Call over.")
    lines = out.getvalue().splitlines()
    assert [line.split(" (")[0] for line in lines[:-1]] == ["  … dialling", "  … ringing", "  … in-progress"]
    assert lines[-1] == "Call over."


def test_on_a_terminal_the_line_is_rewritten_and_cleared() -> None:
    out = Tty()
    progress = Progress(out)
    progress.show("ringing")
    progress.show("in-progress")
    progress.done()
    text = out.getvalue()
    assert "\n" not in text and text.count("\r") == 4 and "in-progress" in text
