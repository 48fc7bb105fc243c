"""Grade several days at once, in a pool of processes, results in day order.

Each day is independent (its own snapshot, its own policed test processes), so
``grade all`` hands the days to a pool of worker processes and yields each day's
result in the order the days were asked for, so the output, the reports and the
ledger entries come out as a serial run's would. One day, or ``jobs=1``, is graded
right here, without a pool.

How fast (``nox -s bench`` measures it):

- **two days per core** by default (:func:`default_jobs`). A day rarely keeps a core
  busy: its judge and its workers take turns (each waits for the other's answer),
  and days 35-37 sleep on purpose (batching windows, timeouts). With one day per
  core, half the cores' time went idle.
- **the longest first** (:func:`longest_first`): a long day started last would finish
  alone at the end. The measure is each day's duration in its latest report.
- **judges forked, not started** (:func:`_pool_context`): on Linux the pool's
  processes come from a fork server that imported pytest and numpy once, and fork
  each day's judge from there (about 0.3 s of CPU a day saved).

Processes, not threads: a worker starts its test processes with ``preexec_fn``
(resource limits, the subreaper) or forks them, which is unsafe while other
threads run, and each worker can stop its own test processes when told to stop.

Stopping: Ctrl-C reaches the workers as it reaches the grader; SIGTERM or SIGHUP
to the grader (or anything that ends the iteration early) is passed on to the
workers. A worker told to stop unwinds the day it grades, which ends that day's
test processes and removes its temporary folders, and refuses any day still
queued for it.
"""

from __future__ import annotations

import contextlib
import json
import math
import multiprocessing
import multiprocessing.context
import os
import signal
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import forkserver
from pathlib import Path

from grader.catalog import Day
from grader.child import JUDGE_IMPORTS, fork_judges, startup_environment
from grader.grading import grade_day
from grader.report import latest_report_path
from grader.request import GradeRequest
from grader.results import DayResult

REPORT_READ_LIMIT = 8 * 1024 * 1024  # a latest report larger than this is not read for its duration
# Imported once by the fork server, for every judge forked below it: what each judge would
# import anyway. Past JUDGE_IMPORTS: pytest's own plugins that load modules of their own
# (pdb, unittest, xml.etree), and what every day's hidden tests import.
PRELOAD = (
    "grader.grading",
    "grader.judge",
    *JUDGE_IMPORTS,
    *("_pytest.debugging", "_pytest.junitxml", "_pytest.skipping", "_pytest.unittest"),
    *("numpy.random", "grader.testing"),
)
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


def default_jobs() -> int:
    """Days graded at once unless told: two per usable core (see the module's docstring)."""
    return 2 * usable_cores()


def longest_first(days: list[Day], request: GradeRequest) -> list[Day]:
    """``days`` in the order to start them: the slowest in its latest report first; days
    without a readable one keep their order, ahead of the rest (they may be slow too)."""
    if request.progress_dir is None:
        return list(days)
    durations = {day: _last_duration(request.progress_dir, day) for day in days}
    return sorted(days, key=lambda day: -durations[day])  # stable: ties keep their order


def _last_duration(progress_dir: Path, day: Day) -> float:
    """Seconds the day took at its latest grade; infinite when unknown."""
    path = latest_report_path(progress_dir, day.name)
    try:
        if path.stat().st_size > REPORT_READ_LIMIT:
            return math.inf
        duration = json.loads(path.read_bytes()).get("duration_s")
    except (OSError, ValueError, AttributeError):
        return math.inf
    return float(duration) if type(duration) in (int, float) and duration >= 0 else math.inf


def grade_in_order(days: list[Day], request: GradeRequest, jobs: int) -> Iterator[DayResult]:
    """Each day's result, in the order of ``days``, graded by up to ``jobs`` workers."""
    if jobs <= 1 or len(days) <= 1:
        for day in days:
            yield grade_day(day, request)
        return
    context = _pool_context()
    with ProcessPoolExecutor(min(jobs, len(days)), context, initializer=_start_worker) as pool:
        started = {day: pool.submit(_grade, day, request) for day in longest_first(days, request)}
        futures = [started[day] for day in days]
        try:
            for future in futures:
                yield future.result()
        except BaseException:  # Ctrl-C, SIGTERM, a grader error, or the caller stopped early
            for future in futures:
                future.cancel()
            _stop_workers()
            raise


def _pool_context() -> multiprocessing.context.BaseContext:
    """How the pool's processes start: never by forking this process, which may run threads.

    On Linux they are forked from a fork server (a fresh interpreter, no threads) that
    imported once what every judge imports (:data:`PRELOAD`), and that started with the
    judge's start-up variables (:func:`grader.child.startup_environment`): each of them
    then forks the judge of every day it grades (:func:`grader.child.judge_can_fork`)
    instead of starting a new interpreter that imports pytest and numpy again. Elsewhere
    they are fresh interpreters, and so are the judges they start.
    """
    if not sys.platform.startswith("linux"):
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOAD))
    try:
        with _environment(startup_environment()):  # read by the server's interpreter, numpy
            forkserver.ensure_running()  # a no-op when it already runs (judges may not fork)
    except OSError:  # its socket's path, in TMPDIR, longer than a socket's path may be
        return multiprocessing.get_context("spawn")
    return context


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """``os.environ`` with ``values`` set, for processes started in the block."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


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


def _start_worker() -> None:
    """In a worker, at start: the first stop signal unwinds the day being graded, and
    judges are forked where they can be (:func:`grader.child.fork_judges`)."""
    fork_judges()
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
