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

import unicodedata
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from grader.proxy import cpu_seconds


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


def each_call(worker: Any, fn: Any, calls: list[Any]) -> Iterator[Any]:
    """``fn(*args, **kwargs)`` for each ``[args, kwargs]`` of ``calls``, in order, all made in
    one request to ``worker`` (``fn`` is one of its module's functions): through references
    each call would be a round trip. The worker stops before a call that raises
    (:func:`grader.drivers.calls.call_each`); that call is made again here when the loop
    reaches it, so its error is raised where a call-by-call loop would meet it, after the
    results before it were checked. For functions without state only: the failing call is
    made twice (a stateful object's second try may succeed; let its driver's error
    propagate instead, as day 36's ``lru_operations`` does)."""
    results = worker.drive("calls", "call_each", fn, calls)
    for i, (args, kwargs) in enumerate(calls):
        yield results[i] if i < len(results) else fn(*args, **kwargs)


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


@dataclass
class Caught:
    """What :func:`expect_error` caught: ``value`` is the exception, once the block raised it."""

    value: Any = None


@contextmanager
def expect_error(kind: type[BaseException], why: str) -> Iterator[Caught]:
    """Like ``pytest.raises`` but the failure message says what input should be refused.

    The exception is kept, for tests that check its fields::

        with expect_error(llm.RateLimitError, "for a 429") as caught:
            client.chat("hi")
        assert caught.value.status == 429
    """
    caught = Caught()
    try:
        yield caught
    except kind as exc:
        caught.value = exc
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
    """The fastest of ``repeats`` runs of ``fn``, in CPU time of this process and its workers.

    subtle: CPU time (grader.proxy.cpu_seconds), not wall time: the time the machine gives
    to other processes does not count, so a busy machine does not make correct code
    look slow. The attempt's code runs in a worker process, so the workers' CPU time is
    counted with the judge's own (time.process_time alone would see only the waiting).
    The minimum is the run least disturbed by caches and interrupts.
    """
    times = []
    for _ in range(repeats):
        start = cpu_seconds()
        fn()
        times.append(cpu_seconds() - start)
    return min(times)


TIMING_ROUNDS = 4  # a slow-looking ratio is measured again this many times before it fails


def timing_ratio(
    attempt_fn: Callable[[], Any], reference_fn: Callable[[], Any], *, repeats: int = 3
) -> float:
    """Best attempt time over best reference time, the two runs interleaved.

    subtle: interleaving (attempt, reference, attempt, ...) means a burst of load from
    another process slows both sides alike, and the minimum of several runs is the one
    least disturbed by it: together they keep the ratio honest on a busy machine.
    """
    attempt_s, reference_s = float("inf"), float("inf")
    for _ in range(repeats):
        attempt_s = min(attempt_s, best_time(attempt_fn, 1))
        reference_s = min(reference_s, best_time(reference_fn, 1))
    return attempt_s / max(reference_s, 1e-4)


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
    A ratio over ``factor`` is measured again (up to ``TIMING_ROUNDS`` rounds) and the
    best round counts, so correct code does not fail because the machine was busy for
    a moment; code that really is slower is slower in every round. The message starts
    with "timing test:" so the learner knows the values were right.
    """
    ratios = []
    for _ in range(TIMING_ROUNDS):
        ratios.append(timing_ratio(attempt_fn, reference_fn, repeats=repeats))
        if ratios[-1] <= factor:
            return
    raise AssertionError(
        f"timing test: {what} took {min(ratios):.1f}x the reference's time at best "
        f"(allowed: {factor:g}x; {len(ratios)} rounds, best of {repeats} runs each; "
        f"the results were right, the speed was not); {advice}"
    )


class Mistake(AssertionError):
    """A failed check that recognised the likely mistake behind the failure.

    Its ``hint`` replaces the test's own hint in the table and the report, so the
    learner reads a question about the mistake they made, not about another one::

        raise Mistake("weights scaled by 1/sqrt(d_v): ...", hint="Which of Q, K or V ...?")
    """

    def __init__(self, message: str, *, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


def _same_value(actual: Any, candidate: Any, rtol: float, atol: float) -> bool:
    try:
        a = np.asarray(actual, dtype=float)
        b = np.asarray(candidate, dtype=float)
    except (TypeError, ValueError):
        try:
            return bool(actual == candidate)
        except Exception:
            return False
    if a.shape != b.shape:
        return False
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


def name_the_mistake(
    actual: Any,
    mistakes: Mapping[str, tuple[Any, str]],
    *,
    what: str,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> None:
    """Raise :class:`Mistake` when ``actual`` is what a known wrong approach gives.

    ``mistakes`` maps a description of the mistake to ``(the value that mistake gives,
    the hint for it)``. Call this before comparing with the right value; it returns
    quietly when no known mistake matches, and the ordinary comparison then reports::

        name_the_mistake(out, {
            "scaled by 1/sqrt(d_v) instead of 1/sqrt(d_k)": (wrong, "Which dimension ...?"),
        }, what="attention output")
    """
    for description, (wrong_value, hint) in mistakes.items():
        if _same_value(actual, wrong_value, rtol, atol):
            raise Mistake(f"{what}: {description}", hint=hint)


def _code_points(text: str) -> str:
    return " ".join(f"U+{ord(ch):04X}" for ch in text) or "(nothing)"


def assert_same_text(actual: Any, expected: str, *, what: str) -> None:
    """Assert two strings are equal; when they are not, show *what* differs.

    Strings that look identical on screen can differ in code points (a composed "é"
    against "e" + a combining accent, a no-break space, a variation selector). The
    message gives the first differing position, the code points on both sides there,
    and says when the two are the same text in another normal form (NFC vs NFD).
    """
    if not isinstance(actual, str):
        raise AssertionError(f"{what}: expected a str, got {_describe(actual)}")
    if actual == expected:
        return
    at = next(
        (i for i, (a, b) in enumerate(zip(actual, expected)) if a != b),
        min(len(actual), len(expected)),
    )
    got, want = actual[at : at + 4], expected[at : at + 4]
    note = ""
    for form in ("NFC", "NFD", "NFKC"):
        if unicodedata.normalize(form, actual) == unicodedata.normalize(form, expected):
            note = f"; they are the same text in {form}, but not the same code points"
            break
    raise AssertionError(
        f"{what}: got {actual[:80]!r}, expected {expected[:80]!r}; they first differ at "
        f"index {at}: got {_code_points(got)} {got!r}, expected {_code_points(want)} "
        f"{want!r} (lengths {len(actual)} and {len(expected)}){note}"
    )


GROWTH_ROUNDS = 4  # a steep-looking growth is measured again this many times before it fails


def assert_grows_like_the_reference(
    attempt_fn: Callable[[Any], Any],
    reference_fn: Callable[[Any], Any],
    inputs: tuple[Any, Any],
    *,
    allowed: float,
    what: str,
    advice: str,
) -> None:
    """Fail when the attempt's time grows from ``inputs[0]`` to ``inputs[1]`` (4x as long)
    more than ``allowed`` times as steeply as the reference's.

    subtle: a growth, not a time: linear code grows 4x like the reference (relative growth
    about 1) however slow its constant factor, and quadratic code grows about 16x (relative
    growth about 4). Each run is timed in CPU time of this process and its workers
    (grader.proxy.cpu_seconds, as in best_time), so the time the machine gave to other
    processes does not count: on a busy machine a long run is interrupted more often
    than a short one, which would bend a wall-clock growth.
    The four runs are interleaved and the best of three counts; a steep growth is measured
    again (up to GROWTH_ROUNDS rounds) and the best round counts.
    """
    small, large = inputs
    rounds = []
    for _ in range(GROWTH_ROUNDS):
        best = [float("inf")] * 4
        for _ in range(3):
            for k, (fn, arg) in enumerate(
                [
                    (attempt_fn, small),
                    (reference_fn, small),
                    (attempt_fn, large),
                    (reference_fn, large),
                ]
            ):
                start = cpu_seconds()
                fn(arg)
                best[k] = min(best[k], cpu_seconds() - start)
        attempt_growth = best[2] / max(best[0], 1e-6)
        reference_growth = best[3] / max(best[1], 1e-6)
        rounds.append((attempt_growth / reference_growth, attempt_growth, reference_growth))
        if rounds[-1][0] <= allowed:
            return
    relative, attempt_growth, reference_growth = min(rounds)
    raise Mistake(
        f"timing test: {what}: from n to 4n your time grew {attempt_growth:.1f}x, the "
        f"reference's {reference_growth:.1f}x ({relative:.1f}x as steep; allowed: {allowed:g}x; "
        f"best of {len(rounds)} rounds; the results were right, the growth was not): "
        "that is quadratic, not linear",
        hint=advice,
    )
