"""The handlers of ``python -m grader`` subcommands: grade, hint, progress, list.

Each takes the parsed arguments and returns an exit status; rendering is
delegated to :mod:`grader.display` and decisions to the modules they call.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from grader.catalog import (
    EXERCISES_ROOT,
    PROGRESS_ROOT,
    SOLUTIONS_ROOT,
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
from grader.grading import grade_day, manifest_for
from grader.hints import first_failing_task, hint_sequence, load_hints, reveal_next
from grader.history import clone_root_of
from grader.identity import learner
from grader.milestone import closes_milestone, milestone_name, milestone_status
from grader.progress import empty_ledger, peek_ledger, read_ledger, update_ledger
from grader.record import hints_revealed, record_grade
from grader.request import GradeRequest
from grader.runner import Limits

EXIT_PASSED, EXIT_FELL_SHORT, EXIT_USAGE, EXIT_GRADER = 0, 1, 2, 3


def _request(args: argparse.Namespace) -> GradeRequest:
    if args.target is not None:
        root = args.target
        if (root / "exercises").is_dir() and not any(root.glob("day[0-9][0-9]")):
            root = root / "exercises"  # a whole clone was given: use its exercises/
        if not root.is_dir():
            raise UsageError(f"--target {str(args.target)!r} is not a folder; give the learner's "
                             "exercises/ folder (or their clone)")  # fmt: skip
    else:
        root = SOLUTIONS_ROOT if args.solutions else EXERCISES_ROOT
    # The references are a self-check however they are named: never a learner's grade.
    solutions = args.solutions or root.resolve().is_relative_to(SOLUTIONS_ROOT)
    limits = Limits(per_test_s=args.test_timeout, per_day_s=args.day_timeout)
    request = GradeRequest(
        target_root=root, graded="solutions" if solutions else "attempt",
        limits=limits, seed=args.seed, only=args.only,
    )  # fmt: skip
    # Replays are never recorded. The self-check (--solutions) never enters a ledger or the
    # milestone, whatever --progress-dir says; with --progress-dir it writes its report only.
    if args.only is not None or (solutions and args.progress_dir is None):
        return request
    progress_dir = args.progress_dir or _default_progress_dir(request)
    hints = {} if solutions else hints_revealed(progress_dir)
    return dataclasses.replace(request, progress_dir=progress_dir, hints_revealed=hints)


def _default_progress_dir(request: GradeRequest) -> Path:
    """progress/, or for someone else's clone (--target) progress/targets/<learner id>/:
    a mentor keeps one ledger per learner, keyed by who they are (their git email, else
    their remote), not by the folder's name, so alice/katas and bob/katas never share."""
    if not request.foreign:
        return PROGRESS_ROOT
    return learner_progress_dir(PROGRESS_ROOT, request.target_root)


def learner_progress_dir(mentor_progress: Path, target: Path) -> Path:
    """Where a mentor keeps one learner's ledger and reports: ``<progress>/targets/<id>/``."""
    return mentor_progress / "targets" / learner(clone_root_of(target))["id"]


def command_grade(args: argparse.Namespace) -> int:
    """Grade the days asked for; exit 0 when every one passed, else 1."""
    console = make_console(sys.stderr if args.json else None)
    summary = grade_days(select_days(args.days), args, console)
    if args.json:
        print(json.dumps({"days": summary}))
    return EXIT_PASSED if all(d["passed"] for d in summary) else EXIT_FELL_SHORT


def grade_days(days: list[Day], args: argparse.Namespace, console: Console) -> list[dict[str, Any]]:
    """Grade, record (see :mod:`grader.record`) and render; returns the JSON summary."""
    request = _request(args)
    summary = []
    for day in days:
        result = grade_day(day, request)
        recorded = record_grade(result, request)
        for notice in recorded.notices:
            console.print(f"Warning: {notice}", style="grade.error")
        report = shown_path(recorded.report) if recorded.report else None
        render_day(console, result, report, all_rows=getattr(args, "all_rows", False),
                   replay=request.only is not None)  # fmt: skip
        if recorded.in_ledger and closes_milestone(day):
            render_milestone_reached(console, milestone_name(), recorded.milestone_reached_at)
        summary.append({
            "day": result.day, "score": result.score, "max_score": result.max_score,
            "percent": result.percent, "passed": result.passed,
            "report": str(recorded.report) if recorded.report else None,
        })  # fmt: skip
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
