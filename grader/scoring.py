"""Decide the points: the manifest says what was expected, the observations what happened.

The rule is deliberately one-sided: a test earns its points only if the test
process reported it ``passed``. A test that is missing from the observations
(never run, lost in a crash) is an ``error`` with 0 points, so no behaviour of
the attempt (exiting early, hanging, crashing) can raise the score.
"""

from __future__ import annotations

from typing import Any

from grader.catalog import Day
from grader.proctree import TREE_LIMITS
from grader.results import AnswerCheck, RunStatus, TestResult, TestStatus

_STATUSES = {s.value: s for s in TestStatus}


def score_tests(
    manifest: list[dict[str, Any]], outcomes: dict[str, dict[str, Any]]
) -> tuple[TestResult, ...]:
    """One :class:`TestResult` per manifest entry, in manifest order."""
    results = []
    for entry in manifest:
        seen = outcomes.get(entry["nodeid"])
        if seen is None:
            status, message = (
                TestStatus.ERROR,
                "no result: the test process never reported this test",
            )
        else:
            status = _STATUSES.get(str(seen.get("outcome")), TestStatus.ERROR)
            message = str(seen.get("message") or "")
            if status is TestStatus.SKIPPED:
                message = message or "skipped: a skipped test earns no points"
            elif status is not TestStatus.PASSED and not message:
                message = (
                    "the test did not finish (interrupted by pytest.exit or KeyboardInterrupt?)"
                )
        passed = status is TestStatus.PASSED
        results.append(
            TestResult(
                id=entry["nodeid"],
                name=entry["name"],
                file=entry["file"],
                status=status,
                points=entry["points"] if passed else 0.0,
                max_points=entry["points"],
                duration_s=round(float((seen or {}).get("duration") or 0.0), 4),
                message="" if passed else message,
                # the hint of the mistake the check recognised, else the test's own
                hint=(not passed and str((seen or {}).get("hint") or "")) or entry["hint"],
                bonus=entry["bonus"],
                seed=(seen or {}).get("seed") if entry["uses_random"] else None,
                detail="" if passed else str((seen or {}).get("detail") or ""),
                task=str(entry.get("task") or ""),
                load_error=None if passed else (str((seen or {}).get("load_error") or "") or None),
            )
        )
    return tuple(results)


def totals(tests: tuple[TestResult, ...], *, bonus: bool = False) -> tuple[float, float]:
    """(points earned, points possible) over the regular tests, or over the bonus ones."""
    chosen = [t for t in tests if t.bonus == bonus]
    return sum(t.points for t in chosen), sum(t.max_points for t in chosen)


def failing_tests(day: Day, tests: tuple[TestResult, ...]) -> tuple[TestResult, ...]:
    """The non-bonus tests that keep the day from passing, in report order.

    Every non-bonus test must pass, except in a file with its own share of points in
    ``[pass_marks]`` (day 40's quiz): there a failing question counts only if the
    file as a whole falls short of its mark.
    """
    marks = dict(day.pass_marks)
    short_files = set()
    for file, mark in marks.items():
        score, max_score = totals(tuple(t for t in tests if t.file == file))
        if max_score > 0 and score < mark * max_score - 1e-9:
            short_files.add(file)
    return tuple(
        t
        for t in tests
        if not t.bonus
        and t.status is not TestStatus.PASSED
        and (t.file not in marks or t.file in short_files)
    )


def is_passed(day: Day, tests: tuple[TestResult, ...], answers: tuple[AnswerCheck, ...]) -> bool:
    """Whether the day passes under its rule.

    ``pass_rule="answers"``: every written answer is complete (coding is a bonus).
    ``"all_green"``: no test in :func:`failing_tests`, and at least one regular test.
    """
    if day.pass_rule == "answers":
        return bool(answers) and all(a.complete for a in answers)
    if not any(not t.bonus for t in tests):
        return False
    return not failing_tests(day, tests)


def run_status(tests: tuple[TestResult, ...], runs: list[dict[str, Any]]) -> RunStatus:
    """The most telling thing that went wrong with the test process, if anything."""
    if any(t.load_error for t in tests):
        return RunStatus.LOAD_ERROR
    if any(t.status is TestStatus.TIMEOUT for t in tests):
        return RunStatus.TIMED_OUT
    if len(runs) > 1 or any(t.status is TestStatus.ERROR for t in tests):
        return (
            RunStatus.CRASHED
            if any(r["ended_by"] in ("exit", "flooded", *TREE_LIMITS) for r in runs)
            else RunStatus.TIMED_OUT
        )
    return RunStatus.COMPLETED


def problems(tests: tuple[TestResult, ...], status: RunStatus) -> tuple[str, ...]:
    """Sentences for the learner about the run as a whole (not about single assertions)."""
    found: list[str] = []
    for test in tests:
        if test.load_error and test.load_error not in found:
            found.append(test.load_error)
    if status is RunStatus.TIMED_OUT:
        count = sum(t.status is TestStatus.TIMEOUT for t in tests)
        found.append(
            f"{count} test(s) ran out of time: look for an infinite loop or slow Python loops"
        )
    if status is RunStatus.CRASHED:
        found.append(
            "the test process died during grading (os._exit, a crash, or too much memory); "
            "the tests it was running earn nothing"
        )
    return tuple(found)
