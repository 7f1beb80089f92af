"""A Lambda init runs with the cyclic collector paused and ends with what it built frozen."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from switchboard.init_phase import init_phase


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    gc.enable() if enabled else gc.disable()


def test_collector_is_paused_during_init_and_running_after() -> None:
    gc.enable()
    with init_phase():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_what_init_built_is_frozen() -> None:
    gc.unfreeze()
    with init_phase():
        built = [[] for _ in range(1000)]
    assert gc.get_freeze_count() >= len(built)


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with init_phase():
        pass
    assert not gc.isenabled()


def test_the_collector_runs_again_after_an_init_that_failed() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), init_phase():
        raise RuntimeError("init failed")
    assert gc.isenabled()
