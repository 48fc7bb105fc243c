"""Record a grade: the report file, the ledger entry (history, best, first pass) and the
milestone, in one step after the result is built.

What a grade leaves behind depends on its request only:

- a replay (``--only``) and a self-check without ``--progress-dir``: nothing;
- a self-check (``--solutions``) with ``--progress-dir``: its report, never a ledger
  entry, so the references can never reach the milestone;
- an attempt: its report, then one entry in the ledger under its lock, which also
  records the date the milestone is first reached.

The hints the learner revealed are not copied here: the request carries them
(:func:`grader.request.hints_revealed`), so the result is built whole and never
patched afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.milestone import update_milestone
from grader.progress import record_attempt, update_ledger
from grader.report import write_report
from grader.request import GradeRequest
from grader.results import DayResult


@dataclass(frozen=True)
class Recorded:
    """Where a grade went: its report (None when none was written), whether it entered
    the ledger, the milestone's date once reached, and notices for the learner."""

    report: Path | None = None
    in_ledger: bool = False
    milestone_reached_at: str | None = None
    notices: tuple[str, ...] = ()


def record_grade(result: DayResult, request: GradeRequest) -> Recorded:
    """Write what ``result`` leaves behind under its request (see the module docstring)."""
    if request.progress_dir is None or request.only is not None:
        return Recorded()
    report = write_report(result, request.progress_dir)
    if request.graded == "solutions":
        return Recorded(report=report)
    entry = history_entry(result, report, request.progress_dir)

    def add(ledger: dict[str, Any]) -> None:
        record_attempt(ledger, entry)
        update_milestone(ledger)

    ledger, notices = update_ledger(request.progress_dir, add)
    reached = ledger["milestone"].get("reached_at")
    return Recorded(report, True, reached, tuple(notices))


def history_entry(result: DayResult, report: Path, progress_dir: Path) -> dict[str, Any]:
    """The ledger's line for one attempt (see :mod:`grader.progress`)."""
    return {
        "day": result.day,
        "at": result.finished_at,
        "score": result.score,
        "max_score": result.max_score,
        "percent": result.percent,
        "passed": result.passed,
        "answers_complete": result.answers_complete,
        "graded": result.graded,
        "report": str(report.relative_to(progress_dir)),
        "copy_flags": result.copy_flags,
    }
