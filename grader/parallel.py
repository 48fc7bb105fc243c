"""Grade several days at once: one worker process per core, results in day order.

Each day is independent (its own snapshot, its own policed test processes), so
``grade all`` hands the days to a pool of worker processes, at most one per
usable core, and yields each day's result in the order the days were asked for,
so the output, the reports and the ledger entries come out as a serial run's
would. One day, or ``jobs=1``, is graded right here, without a pool.

Processes, not threads: a worker starts its test processes with ``preexec_fn``
(resource limits, the subreaper), which is unsafe while other threads run, and
each worker can stop its own test processes when told to stop.

Stopping: Ctrl-C reaches the workers as it reaches the grader; SIGTERM or SIGHUP
to the grader (or anything that ends the iteration early) is passed on to the
workers. A worker told to stop unwinds the day it grades, which ends that day's
test processes and removes its temporary folders, and refuses any day still
queued for it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

from grader.catalog import Day
from grader.grading import grade_day
from grader.request import GradeRequest
from grader.results import DayResult

_STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
_stopping = False  # in a worker: a stop signal came, grade nothing more
_grading = False  # in a worker: a day is being graded (a stop signal unwinds it)


def usable_cores() -> int:
    """The cores this process may run on (its affinity where the system says)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def grade_in_order(days: list[Day], request: GradeRequest, jobs: int) -> Iterator[DayResult]:
    """Each day's result, in the order of ``days``, graded by up to ``jobs`` workers."""
    if jobs <= 1 or len(days) <= 1:
        for day in days:
            yield grade_day(day, request)
        return
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited threads
    with ProcessPoolExecutor(min(jobs, len(days)), context, initializer=_stop_on_signals) as pool:
        futures = [pool.submit(_grade, day, request) for day in days]
        try:
            for future in futures:
                yield future.result()
        except BaseException:  # Ctrl-C, SIGTERM, a grader error, or the caller stopped early
            for future in futures:
                future.cancel()
            _stop_workers()
            raise


def _grade(day: Day, request: GradeRequest) -> DayResult:
    """In a worker: grade one day, unless told to stop."""
    global _grading
    if _stopping:
        raise KeyboardInterrupt(f"{day.name} not graded: grading was stopped")
    _grading = True
    try:
        return grade_day(day, request)
    finally:
        _grading = False


def _stop_on_signals() -> None:
    """In a worker, at start: the first stop signal unwinds the day being graded."""
    for number in _STOP_SIGNALS:
        signal.signal(number, _stop)


def _stop(signum: int, frame: object) -> None:
    # subtle: only the first signal raises, and only while a day is being graded. Ctrl-C
    # reaches a worker directly and then again through _stop_workers: a second exception
    # inside the first one's cleanup would leave that day's test processes running, and
    # one raised in an idle worker would only kill it with a traceback.
    global _stopping
    first, _stopping = not _stopping, True
    if first and _grading:
        raise KeyboardInterrupt(f"stopped by signal {signum}")


def _stop_workers() -> None:
    """Tell every worker of this process to stop (they are its only multiprocessing children)."""
    for worker in multiprocessing.active_children():
        if worker.pid is not None:
            try:
                os.kill(worker.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
