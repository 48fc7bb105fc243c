"""Gradescope's autograder ``results.json``, from grade reports.

The format is Gradescope's "Output format" of the autograder specification
(gradescope-autograders.readthedocs.io, "Autograder Specifications"). Every field
written is a documented one:

- ``score``: the regular points of every exported day, summed. It is the report's own
  ``score``: bonus tests are listed with their points but never added, exactly as the
  grader never counts them (Gradescope lets the top-level score override the tests' total).
  There is no top-level ``max_score`` in the specification; the maxima are per test and
  in ``extra_data``.
- ``execution_time``: the reports' ``duration_s`` summed, rounded to whole seconds.
- ``output``: one summary line per day (points, percent, verdict, written answers, and the
  problems of the run), with ``output_format: "text"`` so that nothing in it, an exception
  message from the learner's code included, is rendered as HTML.
- ``tests``: every hidden test of every day, in report order. ``name`` is the readable
  name; ``number`` is ``<day number>.<position in the day>`` (``"31.1"``, ``"31.2"``…);
  ``score`` and ``max_score`` are the test's points; ``status`` is ``"passed"`` for a
  passed test and ``"failed"`` for anything else (failed, error, timeout, skipped: none
  of them earns points); ``tags`` are the day, the task, and ``"bonus"`` for a bonus test;
  ``visibility`` is ``"visible"``: the hidden tests ship with the grader, so there is
  nothing to hide; ``output`` (only for a test that did not pass) is the failure message,
  the hint, the replay command, then the longer failure text of the report.
- ``extra_data``: per day, the report's totals and verdict, for the mentor.
"""

from __future__ import annotations

from typing import Any

from grader.exports import DayReport, explanation


def results(days: list[DayReport]) -> dict[str, Any]:
    """Gradescope's ``results.json`` for the latest reports of ``days`` (in day order)."""
    tests = [
        _test(entry, position, test)
        for entry in days
        for position, test in enumerate(entry.report["tests"], start=1)
    ]
    return {
        "score": round(sum(float(entry.report["score"]) for entry in days), 6),
        "execution_time": round(sum(float(entry.report.get("duration_s") or 0) for entry in days)),
        "output": "\n".join(line for entry in days for line in summary(entry.report)),
        "output_format": "text",
        "tests": tests,
        "extra_data": {"days": [_totals(entry.report) for entry in days]},
    }


def _test(entry: DayReport, position: int, test: dict[str, Any]) -> dict[str, Any]:
    passed = test["status"] == "passed"
    tags = [entry.day.name, *([test["task"]] if test.get("task") else [])]
    result: dict[str, Any] = {
        "name": test["name"],
        "number": f"{entry.day.number}.{position}",
        "score": float(test["points"]),
        "max_score": float(test["max_points"]),
        "status": "passed" if passed else "failed",
        "tags": tags + (["bonus"] if test.get("bonus") else []),
        "visibility": "visible",
    }
    if not passed:
        detail = str(test.get("detail") or "")
        result["output"] = explanation(test) + (f"\n\n{detail}" if detail else "")
    return result


def summary(report: dict[str, Any]) -> list[str]:
    """One line for a day (points, percent, verdict, answers), then its run's problems."""
    regular = [t for t in report["tests"] if not t.get("bonus")]
    not_passed = sum(t["status"] != "passed" for t in regular)
    verdict = "passed" if report["passed"] else "not passed"
    if not_passed:
        verdict += f", {not_passed} of {len(regular)} tests not passing"
    answers = "complete" if report.get("answers_complete") else "incomplete"
    line = (
        f"{report['day']} · {report['title']}: {report['score']:g} / {report['max_score']:g} "
        f"points ({report['percent']:g} %), {verdict}; written answers {answers}"
    )
    return [line, *(f"  - {problem}" for problem in report.get("problems", []))]


def _totals(report: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "day",
        "title",
        "score",
        "max_score",
        "percent",
        "passed",
        "bonus_score",
        "bonus_max_score",
        "answers_complete",
        "run_status",
        "finished_at",
    )
    return {key: report.get(key) for key in keys}
