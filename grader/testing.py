"""Helpers for writing hidden tests: fixtures for the attempt and failure messages that teach.

A hidden test file looks like this::

    import pytest
    from grader.testing import assert_close, attempt_module, reference_module

    lr = attempt_module("logistic_regression")       # the learner's file, as a fixture
    ref_lr = reference_module("logistic_regression")  # the reference, as an oracle

    @pytest.mark.grade(points=2, hint="What does exp(1000) give in float64?")
    def test_sigmoid_does_not_overflow_for_large_inputs(lr):
        assert_close(lr.sigmoid(np.array([-1000.0, 1000.0])), [0.0, 1.0], what="sigmoid(±1000)")

The ``rng`` fixture (from :mod:`grader.plugin`) gives a seeded generator whose
seed is reported with any failure, so random inputs can be replayed.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import numpy as np
import pytest


def attempt_module(stem: str) -> Any:
    """A fixture that returns the attempt's ``<stem>.py`` as a module."""

    @pytest.fixture
    def _attempt(load_attempt: Callable[[str], ModuleType]) -> ModuleType:
        return load_attempt(stem)

    return _attempt


def reference_module(stem: str) -> Any:
    """A fixture that returns the reference solution's ``<stem>.py`` as a module."""

    @pytest.fixture
    def _reference(load_reference: Callable[[str], ModuleType]) -> ModuleType:
        return load_reference(stem)

    return _reference


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}, dtype {value.dtype}"
    return f"{type(value).__name__} {value!r}"[:200]


def assert_close(
    actual: Any,
    expected: Any,
    *,
    rtol: float = 1e-7,
    atol: float = 1e-9,
    what: str = "the result",
) -> None:
    """Assert two numbers or arrays agree, saying *how* they differ when they do not.

    Reports, in this order: a value that is not numeric, a shape mismatch, NaN or
    inf where none are expected, then the worst element with its index, the
    expected value and the tolerance.
    """
    expected_arr = np.asarray(expected, dtype=float)
    try:
        actual_arr = np.asarray(actual, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(f"{what}: expected numbers, got {_describe(actual)}") from None
    if actual_arr.shape != expected_arr.shape:
        raise AssertionError(
            f"{what}: expected shape {expected_arr.shape}, got {actual_arr.shape} "
            f"({_describe(actual)})"
        )
    bad = ~np.isfinite(actual_arr) & np.isfinite(expected_arr)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise AssertionError(
            f"{what}: {int(bad.sum())} value(s) are NaN or inf where a finite number is expected; "
            f"first at index {index}: got {float(actual_arr[index])!r}, "
            f"expected {float(expected_arr[index])!r}"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # inf - inf in the comparison below is fine
        close = np.isclose(actual_arr, expected_arr, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        error = np.where(close, 0.0, np.abs(actual_arr - expected_arr))
        error = np.nan_to_num(error, nan=np.inf)
        worst = np.unravel_index(int(np.argmax(error)), error.shape) if error.shape else ()
        where = f" at index {tuple(int(i) for i in worst)}" if worst else ""
        raise AssertionError(
            f"{what}: {int((~close).sum())} of {close.size} value(s) differ; worst{where}: "
            f"got {float(actual_arr[worst])!r}, expected {float(expected_arr[worst])!r} "
            f"(tolerance: rtol={rtol:g}, atol={atol:g})"
        )


@contextmanager
def expect_error(kind: type[BaseException], why: str) -> Iterator[None]:
    """Like ``pytest.raises`` but the failure message says what input should be refused."""
    try:
        yield
    except kind:
        return
    except Exception as exc:
        raise AssertionError(
            f"expected {kind.__name__} {why}, but got {type(exc).__name__}: {exc}"
        ) from None
    raise AssertionError(f"expected {kind.__name__} {why}, but nothing was raised")


@contextmanager
def no_warnings(what: str) -> Iterator[None]:
    """Fail with a clear message if the block emits any warning (overflow, divide by zero...)."""
    # subtle: underflow to 0.0 is the right answer for exp(-1000), so it is not a warning here.
    with (
        warnings.catch_warnings(record=True) as caught,
        np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"),
    ):
        warnings.simplefilter("always")
        yield
    if caught:
        first = caught[0]
        raise AssertionError(f"{what} emitted {first.category.__name__}: {first.message}")


def finite_difference_gradient(f: Callable[[np.ndarray], float], x: Any, h: float = 1e-6) -> Any:
    """Central differences (f(x + h e_i) - f(x - h e_i)) / 2h: the independent check of an
    analytic gradient. ``f`` maps a 1-D float array to a number."""
    x = np.asarray(x, dtype=float)
    grad = np.zeros_like(x)
    for i in range(len(x)):
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


def assert_frequencies_fit(
    counts: Any, expected_probs: Any, *, critical: dict[int, float], what: str
) -> None:
    """Exact support, then a chi-square goodness-of-fit test over the support.

    ``critical`` maps degrees of freedom (support size - 1) to the chi-square
    quantile the caller chose (state the significance level where you call it).
    X² = Σ (observed - expected)² / expected over the categories that can occur.
    """
    counts = np.asarray(counts)
    expected_probs = np.asarray(expected_probs, dtype=float)
    support = np.flatnonzero(expected_probs > 0)
    seen = np.flatnonzero(counts > 0)
    if set(seen.tolist()) - set(support.tolist()):
        raise AssertionError(
            f"{what}: categories {sorted(seen.tolist())} came out, but only "
            f"{sorted(support.tolist())} can (counts {counts.tolist()})"
        )
    df = len(support) - 1
    if df == 0:
        return
    expected = counts.sum() * expected_probs[support]
    stat = float(np.sum((counts[support] - expected) ** 2 / expected))
    if stat >= critical[df]:
        raise AssertionError(
            f"{what}: counts {counts.tolist()} vs expected {np.round(expected, 1).tolist()}; "
            f"chi-square {stat:.1f} > {critical[df]} (df {df}): the frequencies do not "
            "follow the distribution"
        )


def best_time(fn: Callable[[], Any], repeats: int = 3) -> float:
    """The fastest of ``repeats`` wall-clock runs of ``fn`` (the least noisy estimate)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def assert_not_much_slower(
    attempt_fn: Callable[[], Any],
    reference_fn: Callable[[], Any],
    *,
    factor: float,
    what: str,
    repeats: int = 3,
    advice: str = "look for a Python loop that numpy could do in one vectorised operation",
) -> None:
    """Time both in the same test and fail if the attempt is over ``factor`` x the reference.

    A ratio, not an absolute time: it holds on a slow laptop and a fast server alike.
    """
    reference_s = max(best_time(reference_fn, repeats), 1e-4)
    attempt_s = best_time(attempt_fn, repeats)
    ratio = attempt_s / reference_s
    if ratio > factor:
        raise AssertionError(
            f"{what} took {ratio:.0f}x the reference's time (allowed: {factor:g}x); {advice}"
        )
