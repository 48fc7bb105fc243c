"""The handlers of ``python -m grader`` subcommands: grade, hint, progress, list.

Each takes the parsed arguments and returns an exit status; rendering is
delegated to :mod:`grader.display` and decisions to the modules they call.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from grader import sandbox
from grader.catalog import (
    PROGRESS_ROOT,
    Day,
    all_days,
    get_day,
    select_days,
)
from grader.display import (
    make_console,
    render_day,
    render_day_list,
    render_hint,
    render_hints,
    render_milestone_reached,
    render_progress,
    shown_path,
)
from grader.errors import GraderError, UsageError
from grader.hints import first_failing_task, hint_sequence, load_hints, reveal_next
from grader.history import clone_root_of
from grader.manifests import manifest_for
from grader.milestone import closes_milestone, milestone_name, milestone_status
from grader.parallel import grade_in_order
from grader.progress import empty_ledger, peek_ledger, read_ledger, update_ledger
from grader.record import record_grade
from grader.request import GradeRequest, grade_request
from grader.runner import Limits

EXIT_PASSED, EXIT_FELL_SHORT, EXIT_USAGE, EXIT_GRADER = 0, 1, 2, 3


def command_grade(args: argparse.Namespace) -> int:
    """Grade the days asked for; exit 0 when every one passed, else 1."""
    console = make_console(sys.stderr if args.json else None)
    request = grade_request(
        target=args.target,
        solutions=args.solutions,
        progress_dir=args.progress_dir,
        limits=Limits(per_test_s=args.test_timeout, per_day_s=args.day_timeout),
        seed=args.seed,
        only=args.only,
    )
    days = select_days(args.days)
    if sandbox.available() == "none":  # once per command, however many days
        console.print(f"Note: {sandbox.NO_SANDBOX_NOTICE}", style="grade.error", soft_wrap=True)
        if install := sandbox.install_command():
            console.print(install, soft_wrap=True)
    summary = grade_days(days, request, console, all_rows=args.all_rows, jobs=args.jobs)
    if args.json:
        print(json.dumps({"days": summary}))
    return EXIT_PASSED if all(d["passed"] for d in summary) else EXIT_FELL_SHORT


def grade_days(
    days: list[Day],
    request: GradeRequest,
    console: Console,
    *,
    all_rows: bool = False,
    jobs: int = 1,
) -> list[dict[str, Any]]:
    """Grade (up to ``jobs`` days at once, see :mod:`grader.parallel`), then record (see
    :mod:`grader.record`) and render each day in order; returns the JSON summary."""
    summary = []
    for day, result in zip(days, grade_in_order(days, request, jobs), strict=True):
        recorded = record_grade(result, request)
        for notice in recorded.notices:
            console.print(f"Warning: {notice}", style="grade.error")
        report = shown_path(recorded.report) if recorded.report else None
        render_day(console, result, report, all_rows=all_rows, replay=request.only is not None)
        if recorded.in_ledger and closes_milestone(day):
            render_milestone_reached(console, milestone_name(), recorded.milestone_reached_at)
        summary.append(
            {
                "day": result.day,
                "score": result.score,
                "max_score": result.max_score,
                "percent": result.percent,
                "passed": result.passed,
                "report": str(recorded.report) if recorded.report else None,
            }
        )
    return summary


def command_progress(args: argparse.Namespace) -> int:
    """Every day's status and the Milestone 4 checkpoint."""
    # Displaying never writes: the milestone date is recorded when a grade reaches it.
    if getattr(args, "target", None) is not None:
        ledger, notices = _learner_ledger(args.target)
    else:
        ledger, notices = read_ledger(args.progress_dir or PROGRESS_ROOT)
    status = milestone_status(ledger)
    if args.json:
        print(json.dumps(status))
    else:
        console = make_console()
        for notice in notices:
            console.print(f"Warning: {notice}", style="grade.error")
        render_progress(console, status)
    # Informational: exit 0 either way (a learner's "nox -s progress" is not a failure);
    # scripts read "reached" from --json.
    return EXIT_PASSED


def _learner_ledger(target: Path) -> tuple[dict[str, Any], list[str]]:
    """A learner's clone's ledger, strictly read-only (see :func:`peek_ledger`)."""
    if not target.is_dir():
        raise UsageError(f"--target {str(target)!r} is not a folder; give a learner's clone")
    clone = clone_root_of(target)
    ledger, problem = peek_ledger(clone / "progress")
    if ledger is None:
        notice = problem or "no progress/progress.json in that clone: the learner never graded"
        return empty_ledger(), [f"{clone.name}: {notice}"]
    return ledger, []


def command_hint(args: argparse.Namespace) -> int:
    """Reveal (and record) the next hint for the first failing task of a day."""
    day = get_day(args.day)
    progress_dir = args.progress_dir or PROGRESS_ROOT
    hints = load_hints(day)
    console = make_console()
    if args.all:
        ledger, _ = read_ledger(progress_dir)
        revealed = ledger["days"].get(day.name, {}).get("hints_revealed", {})
        render_hints(console, day.name, {t: hints.get(t, [])[:n] for t, n in revealed.items()})
        return EXIT_PASSED
    failing = first_failing_task(day, progress_dir, manifest_for(day))
    if failing is None:
        console.print(f"Every test of {day.name} passed at your last grade: no hint needed.")
        return EXIT_PASSED
    task, test_hint = failing
    if not hints.get(task):
        raise GraderError(f"no hints are written for task {task!r} of {day.name}")
    sequence = hint_sequence(test_hint, hints[task])
    shown = [0]

    def reveal(ledger: dict[str, Any]) -> None:
        shown[0], _ = reveal_next(ledger, day.name, task, sequence)

    update_ledger(progress_dir, reveal)
    render_hint(console, day.name, task, sequence, shown[0])
    return EXIT_PASSED


def command_list(args: argparse.Namespace) -> int:
    """All days with titles, topics and status, in one table."""
    ledger, notices = read_ledger(args.progress_dir or PROGRESS_ROOT)
    console = make_console()
    for notice in notices:
        console.print(f"Warning: {notice}", style="grade.error")
    render_day_list(console, all_days(), ledger)
    return EXIT_PASSED
