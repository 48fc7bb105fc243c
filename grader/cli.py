"""The command line: ``python -m grader grade day31 [options]`` (and the nox sessions).

Exit status: 0 every graded day passed; 1 grading ran but some day fell short;
2 usage error (one line naming what is valid); 3 the grader itself failed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

from rich.console import Console

from grader import __version__
from grader.catalog import EXERCISES_ROOT, REPO_ROOT, SOLUTIONS_ROOT, get_day, select_days
from grader.display import (
    make_console,
    render_day,
    render_hint,
    render_hints,
    render_progress,
    shown_path,
)
from grader.errors import GraderError, UsageError
from grader.grading import GradeRequest, grade_day, manifest_for
from grader.hints import first_failing_task, load_hints, reveal_next
from grader.milestone import milestone_status, update_milestone
from grader.progress import read_ledger, record_attempt, update_ledger
from grader.report import write_report
from grader.results import DayResult
from grader.runner import Limits

EXIT_PASSED, EXIT_FELL_SHORT, EXIT_USAGE, EXIT_GRADER = 0, 1, 2, 3
DEFAULT_PROGRESS = REPO_ROOT / "progress"


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad command line in one line, with exit status 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see: python -m grader {self.prog.split()[-1]} --help)")


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="grader", description="Grade ML & LLM fundamentals katas.")
    parser.add_argument("--version", action="version", version=f"grader {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    grade = commands.add_parser("grade", help="grade one or more days")
    grade.add_argument("days", nargs="+", metavar="DAY", help="day31, 31, or all")
    source = grade.add_mutually_exclusive_group()
    source.add_argument(
        "--solutions",
        action="store_true",
        help="grade the reference solutions (self-check; no ledger entry)",
    )
    source.add_argument(
        "--target",
        type=Path,
        metavar="DIR",
        help="grade another exercises/-shaped folder (e.g. a learner's clone)",
    )
    grade.add_argument(
        "--progress-dir",
        type=Path,
        metavar="DIR",
        help="where the ledger and reports go (default: progress/)",
    )
    grade.add_argument(
        "--json",
        action="store_true",
        help="print one JSON summary on stdout; the table goes to stderr",
    )
    grade.add_argument("--only", metavar="TEST", help="run one test (a replay; not recorded)")
    grade.add_argument("--seed", type=int, help="seed for every randomised test")
    grade.add_argument(
        "--test-timeout",
        type=_positive,
        default=Limits.per_test_s,
        metavar="S",
        help="seconds allowed per test (default %(default)s)",
    )
    grade.add_argument("--day-timeout", type=_positive, default=Limits.per_day_s, metavar="S",
                       help="seconds allowed per day (default %(default)s)")  # fmt: skip
    hint = commands.add_parser("hint", help="the next hint for the first failing task")
    hint.add_argument("day", metavar="DAY", help="day31 or 31")
    hint.add_argument("--all", action="store_true", help="show every hint revealed so far")
    hint.add_argument("--progress-dir", type=Path, metavar="DIR")
    progress = commands.add_parser("progress", help="every day's status and Milestone 4")
    progress.add_argument("--progress-dir", type=Path, metavar="DIR")
    progress.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


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
    limits = Limits(per_test_s=args.test_timeout, per_day_s=args.day_timeout)
    return GradeRequest(
        target_root=root, graded="solutions" if args.solutions else "attempt",
        limits=limits, seed=args.seed, only=args.only,
    )  # fmt: skip


def _history_entry(result: DayResult, report: Path, progress_dir: Path) -> dict[str, Any]:
    return {
        "day": result.day, "at": result.finished_at, "score": result.score,
        "max_score": result.max_score, "percent": result.percent, "passed": result.passed,
        "answers_complete": result.answers_complete, "graded": result.graded,
        "report": str(report.relative_to(progress_dir)),
    }  # fmt: skip


def command_grade(args: argparse.Namespace) -> int:
    days = select_days(args.days)
    request = _request(args)
    # The self-check and replays never touch the learner's ledger.
    record = args.only is None and (not args.solutions or args.progress_dir is not None)
    progress_dir = args.progress_dir or DEFAULT_PROGRESS
    console = make_console(sys.stderr if args.json else None)
    summary = []
    for day in days:
        result = grade_day(day, request)
        report_path, milestone_at = None, None
        if record:
            result, report_path, milestone_at = _record_result(result, progress_dir, console)
        render_day(console, result, shown_path(report_path) if report_path else None)
        if milestone_at and day.name == "day40":
            console.print(f"Milestone 4 reached on {milestone_at[:10]}.", style="grade.pass")
        summary.append({
            "day": result.day, "score": result.score, "max_score": result.max_score,
            "percent": result.percent, "passed": result.passed,
            "report": str(report_path) if report_path else None,
        })  # fmt: skip
    if args.json:
        print(json.dumps({"days": summary}))
    return EXIT_PASSED if all(d["passed"] for d in summary) else EXIT_FELL_SHORT


def _record(ledger: dict[str, Any], entry: dict[str, Any]) -> None:
    record_attempt(ledger, entry)
    update_milestone(ledger)


def _record_result(
    result: DayResult, progress_dir: Path, console: Console
) -> tuple[DayResult, Path, str | None]:
    """Write the report and the ledger entry; returns (result, report, milestone date)."""
    ledger, notices = read_ledger(progress_dir)
    revealed = ledger["days"].get(result.day, {}).get("hints_revealed", {})
    result = dataclasses.replace(result, hints_revealed=dict(revealed))
    report_path = write_report(result, progress_dir)
    entry = _history_entry(result, report_path, progress_dir)
    ledger, more = update_ledger(progress_dir, lambda led: _record(led, entry))
    for notice in notices + more:
        console.print(f"Warning: {notice}", style="grade.error")
    return result, report_path, ledger["milestone"].get("reached_at")


def command_progress(args: argparse.Namespace) -> int:
    """Every day's status and the checkpoint; exit 0 when Milestone 4 is reached, else 1."""
    progress_dir = args.progress_dir or DEFAULT_PROGRESS
    ledger, notices = update_ledger(progress_dir, update_milestone)
    status = milestone_status(ledger)
    if args.json:
        print(json.dumps(status))
    else:
        console = make_console()
        for notice in notices:
            console.print(f"Warning: {notice}", style="grade.error")
        render_progress(console, status)
    return EXIT_PASSED if status["reached"] else EXIT_FELL_SHORT


def command_hint(args: argparse.Namespace) -> int:
    """Reveal (and record) the next hint for the first failing task of a day."""
    day = get_day(args.day)
    progress_dir = args.progress_dir or DEFAULT_PROGRESS
    hints = load_hints(day)
    console = make_console()
    if args.all:
        ledger, _ = read_ledger(progress_dir)
        revealed = ledger["days"].get(day.name, {}).get("hints_revealed", {})
        render_hints(console, day.name, {t: hints.get(t, [])[:n] for t, n in revealed.items()})
        return EXIT_PASSED
    task = first_failing_task(day, progress_dir, manifest_for(day))
    if task is None:
        console.print(f"Every test of {day.name} passed at your last grade: no hint needed.")
        return EXIT_PASSED
    if not hints.get(task):
        raise GraderError(f"no hints are written for task {task!r} of {day.name}")
    shown = [0]

    def reveal(ledger: dict[str, Any]) -> None:
        shown[0], _ = reveal_next(ledger, day.name, task, hints[task])

    update_ledger(progress_dir, reveal)
    render_hint(console, day.name, task, hints[task], shown[0])
    return EXIT_PASSED


def _save_traceback(progress_dir: Path) -> str | None:
    """Keep the traceback for a mentor; returns where it went."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = progress_dir / f"grader-error-{stamp}.log"
    try:
        progress_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(traceback.format_exc(), encoding="utf-8")
    except OSError:
        return None
    return shown_path(path)


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        handler = {"grade": command_grade, "progress": command_progress, "hint": command_hint}[
            args.command
        ]
        return handler(args)
    except UsageError as exc:
        print(f"grader: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except GraderError as exc:
        print(
            f"grader: the grader itself failed (not your attempt's fault): {exc}", file=sys.stderr
        )
        return EXIT_GRADER
    except KeyboardInterrupt:
        print("grader: interrupted; nothing was recorded for the day being graded", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug of ours: one sentence now, the traceback kept
        saved = _save_traceback(DEFAULT_PROGRESS)
        where = f"; details in {saved}" if saved else ""
        print(f"grader: internal error {type(exc).__name__}: {exc}{where}", file=sys.stderr)
        return EXIT_GRADER
