"""Timing helpers count the CPU the attempt spends in its worker process, not only the judge's.

The attempt runs in a worker (grader.worker); the judge only waits for its answers. A
helper that timed the judge's own CPU time would see every attempt as instant, so a
slow or quadratic attempt would pass every timing test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader import proxy
from grader.testing import Mistake, assert_grows_like_the_reference, best_time

SPIN = '''
import time


def spin(seconds):
    """Keep this process's CPU busy for ``seconds`` of CPU time."""
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass
'''


@pytest.fixture
def spinner(tmp_path: Path) -> Iterator[Any]:
    """``spin(seconds)`` of a module that runs in a worker process of its own."""
    (tmp_path / "spinner.py").write_text(SPIN, encoding="utf-8")
    worker = proxy.start("attempt", tmp_path, "spinner")
    try:
        yield worker.module("spinner").spin
    finally:
        worker.close()


def test_best_time_counts_the_cpu_time_of_the_worker(spinner):
    assert best_time(lambda: spinner(0.1), repeats=1) >= 0.09


def test_a_quadratic_growth_in_the_worker_is_seen(spinner):
    """n -> 4n: the "attempt" spins 16x longer, the "reference" 4x: 4x as steep, over 2."""
    with pytest.raises(Mistake, match="timing test: spin: from n to 4n your time grew"):
        assert_grows_like_the_reference(
            lambda n: spinner(0.002 * n * n),
            lambda n: spinner(0.002 * n),
            (1, 4),
            allowed=2.0,
            what="spin",
            advice="Which loop runs n times inside another?",
        )
