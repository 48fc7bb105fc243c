"""Fixtures for day 36: drivers run beside the attempt (grader/drivers/day36.py).

Some checks cannot reach the attempt through references: threads racing with values
that pause, asyncio, counting the hashes a cache makes, thousands of draws from a
sampler, and numpy's warnings, which are emitted in the process that computes (the
attempt's worker, where ``grader.testing.no_warnings`` in the tests' process sees
nothing). A driver does those there and reports what it saw; the tests judge.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def drive(load_attempt, attempt_worker):
    """``drive(stem, function, **inputs)``: the observations of the day-36 driver
    ``function``, run beside the attempt after ``<stem>.py`` was imported through the
    loader (so a file that fails to import says so, as in every other test)."""

    def run(stem, function, **inputs):
        load_attempt(stem)
        return attempt_worker.drive("day36", function, **inputs)

    return run


@pytest.fixture
def drive_without_warnings(drive):
    """``drive_without_warnings(stem, function, what, **inputs)``: like ``drive`` for a
    driver that records warnings; fails with ``"<what> emitted RuntimeWarning: overflow
    encountered in exp"`` on the first one (underflow to 0 is not one: it is the right
    answer for exp(-1000))."""

    def run(stem, function, what, **inputs):
        seen = drive(stem, function, **inputs)
        if seen["warnings"]:
            raise AssertionError(f"{what} emitted {seen['warnings'][0]}")
        return seen

    return run
