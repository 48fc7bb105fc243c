"""Grade reports converted for other platforms (``python -m grader export``).

One module per format, each a pure function from the latest report of each exported day
to that platform's ``results.json`` as plain JSON values:

- :mod:`grader.exports.gradescope`: Gradescope's autograder results;
- :mod:`grader.exports.exercism`: exercism's test runner interface, version 3.

They only read reports; nothing is graded again. What both share is here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.catalog import Day


@dataclass(frozen=True)
class DayReport:
    """One exported day: its catalog entry and its latest grade report (a JSON object)."""

    day: Day
    report: dict[str, Any]


def explanation(test: dict[str, Any]) -> str:
    """Why a test did not pass, for the learner: the failure message, the hint for the
    mistake, and the replay command of a randomised test. Empty for a passed test."""
    if test.get("status") == "passed":
        return ""
    lines = [str(test.get("message") or f"the test ended as {test.get('status')}")]
    if test.get("hint"):
        lines.append(f"Hint: {test['hint']}")
    if test.get("replay"):
        lines.append(f"Replay: {test['replay']}")
    return "\n".join(lines)
