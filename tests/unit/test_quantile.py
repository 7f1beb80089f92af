"""The VAD's and echo gate's percentile is numpy's, to the bit."""

from __future__ import annotations

import numpy as np
import pytest

from media_relay.audio.quantile import Window, percentile, percentiles


@pytest.mark.parametrize("p", [10, 90, 50, 0, 100, 37.5])
def test_the_same_number_as_numpy_for_random_energies(p: float) -> None:
    rng = np.random.default_rng(int(p * 10))
    for n in (1, 2, 3, 10, 50, 249, 250, 251, 500):
        for _ in range(40):
            values = rng.exponential(1e6, n) * rng.choice([0.0, 1.0, 1e-3], n)  # ties and zeros too
            before = values.copy()
            assert percentile(values, p) == float(np.percentile(values, p)), (n, p)
            assert np.array_equal(values, before)


@pytest.mark.parametrize("ps", [(10, 50), (50, 10), (0, 100), (10, 10), (37.5, 99.9, 80)])
def test_several_from_one_partition_are_each_numpys(ps: tuple[float, ...]) -> None:
    rng = np.random.default_rng(len(ps) * 7 + int(ps[0]))
    for n in (1, 2, 3, 10, 75, 250):
        for _ in range(40):
            values = rng.exponential(1e6, n) * rng.choice([0.0, 1.0, 1e-3], n)
            assert percentiles(values, ps) == tuple(float(np.percentile(values, p)) for p in ps), (n, ps)


def test_integers_in_floats_and_repeated_values() -> None:
    values = np.array([5.0] * 100 + [1.0] * 150)
    assert percentile(values, 10) == float(np.percentile(values, 10)) == 1.0


def test_a_window_holds_the_last_values_added_and_forgets_them_on_clear() -> None:
    window = Window(4)
    assert window.values().size == 0
    for value in (1.0, 2.0, 3.0):
        window.add(value)
    assert sorted(window.values()) == [1.0, 2.0, 3.0]
    for value in (4.0, 5.0, 6.0):
        window.add(value)
    assert sorted(window.values()) == [3.0, 4.0, 5.0, 6.0] and window.count == 6
    window.clear()
    window.add(7.0)
    assert list(window.values()) == [7.0]
