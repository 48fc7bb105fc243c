"""Terminal output with rich. Rendering only: every number shown was decided elsewhere.

Styles are named (``grade.pass``, ``grade.hint`` …) so the look can change in one
place. Without a terminal, or with ``NO_COLOR`` set, output is plain: no colour,
no box drawing, so logs and CI stay readable.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text
from rich.theme import Theme

from grader.catalog import Day, get_day, next_day
from grader.milestone import closes_milestone, milestone_name
from grader.results import DayResult, RunStatus, TestResult, TestStatus, replay_command

THEME = Theme(
    {
        "grade.pass": "bold green",
        "grade.fail": "bold red",
        "grade.error": "bold magenta",
        "grade.timeout": "bold yellow",
        "grade.skipped": "dim",
        "grade.hint": "cyan",
        "grade.title": "bold",
        "grade.next": "bold cyan",
        "grade.dim": "dim",
    }
)
STATUS_STYLE = {
    TestStatus.PASSED: "grade.pass",
    TestStatus.FAILED: "grade.fail",
    TestStatus.ERROR: "grade.error",
    TestStatus.TIMEOUT: "grade.timeout",
    TestStatus.SKIPPED: "grade.skipped",
}


def wants_colour(stream: IO[str]) -> bool:
    """Colour on a terminal, unless NO_COLOR is set to anything but the empty string
    (no-color.org); FORCE_COLOR (non-empty) turns it on even without a terminal."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """The reader went away (``... | head``): rich would exit with status 1 (which
        means "fell short" for ``grade``); raise instead, for the command line to end
        quietly, as cat does (see ``grader.cli``)."""
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, "the reader of our output went away")


def make_console(file: IO[str] | None = None, width: int | None = None) -> Console:
    """A console that is plain unless :func:`wants_colour` says otherwise."""
    stream = file or sys.stdout
    plain = not wants_colour(stream)
    return _Console(
        file=stream,
        theme=THEME,
        width=width,
        highlight=False,
        no_color=plain,
        color_system=None if plain else "auto",
        emoji=False,
        force_terminal=False if plain else None,
    )


def _plain(console: Console) -> bool:
    return console.no_color


def _points(value: float) -> str:
    return f"{value:g}"


def _shown_target(result: DayResult) -> str:
    """The graded folder: ``exercises/day31``, or a clone's folder (relative to here when
    possible), so a mentor sees whose clone it was: ``alice/katas/exercises/day31``."""
    target = Path(result.target)
    return shown_path(target) if target.is_absolute() else result.target


def failing_first(result: DayResult) -> list[TestResult]:
    """The tests that did not pass, regular before bonus, in report order."""
    failing = [t for t in result.tests if t.status is not TestStatus.PASSED]
    return sorted(failing, key=lambda t: t.bonus)


def render_day(
    console: Console,
    result: DayResult,
    report_path: str | None,
    *,
    all_rows: bool = False,
    replay: bool = False,
) -> None:
    """The failing tests, a count of the passing ones, replays, answers, problems, summary.

    Failing rows come first and passing rows collapse into one line (``all_rows``
    lists them too). Replay commands go below the table, each whole on its own line,
    so they can be copied at any terminal width.
    """
    console.print(
        Text.assemble(
            (f"{result.day} · {result.title}", "grade.title"),
            (f"  (graded: {_shown_target(result)})", "grade.dim"),
        )
    )
    failing = failing_first(result)
    passing = [t for t in result.tests if t.status is TestStatus.PASSED]
    rows = failing + passing if all_rows else failing
    if rows:
        _render_table(console, rows)
    if passing and not all_rows:
        console.print(
            Text(
                f"{len(passing)} test(s) passed" + (" (--all-rows lists them)" if failing else ""),
                style="grade.pass",
            )
        )
    replays = [cmd for t in failing if (cmd := replay_command(result, t))]
    if replays and not replay:
        console.print(Text("Replay a failing randomised test with its seed:", style="grade.dim"))
        for command in replays:
            console.print(command, soft_wrap=True, markup=False)
    render_answers(console, result)
    for problem in result.problems:
        console.print(Text(f"Problem: {problem}", style="grade.error"))
    render_copy_flags(console, result)
    render_summary(console, result, report_path, replay=replay)


def render_copy_flags(console: Console, result: DayResult) -> None:
    """Files and answers that look like the reference, with the threshold that flagged them."""
    flags = result.copy_flags
    if not flags:
        return
    found = ", ".join(f"{f['file']} {f['score']:.2f}" for f in flags)
    block = result.similarity or {}
    console.print(
        Text(
            f"Copy check: {found} look like the reference (flagged at {block.get('threshold')} "
            f"for code, {block.get('answers_threshold')} for answers; your mentor sees this too)",
            style="grade.error",
        )
    )


def _render_table(console: Console, rows: list[TestResult]) -> None:
    table = Table(box=None if _plain(console) else box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("Test", overflow="fold", ratio=3)
    table.add_column("Status", no_wrap=True)
    table.add_column("Points", justify="right", no_wrap=True)
    table.add_column("What to look at", overflow="fold", ratio=4)
    previous = ""
    for test in rows:
        note = Text()
        if test.status is not TestStatus.PASSED and test.message == previous:
            # A stub or a broken import fails many tests the same way: say it once.
            note.append("(same as above)", style="grade.dim")
        elif test.status is not TestStatus.PASSED:
            note.append(test.message)
            if test.hint and not test.load_error:  # no hint fixes an import
                note.append(f"\nHint: {test.hint}", style="grade.hint")
        previous = test.message if test.status is not TestStatus.PASSED else ""
        name = f"{test.name} (bonus)" if test.bonus else test.name
        table.add_row(
            Text(name),
            Text(test.status.value, style=STATUS_STYLE[test.status]),
            f"{_points(test.points)}/{_points(test.max_points)}",
            note,
        )
    console.print(table)


def render_answers(console: Console, result: DayResult) -> None:
    if not result.answers:
        return
    console.print(Text("Written answers (read by your mentor, not scored):", style="grade.title"))
    for answer in result.answers:
        if answer.complete:
            line = Text(f"  done      {answer.file} ({answer.words} words)", style="grade.pass")
        elif not answer.exists:
            line = Text(f"  missing   {answer.file}", style="grade.error")
        else:
            todo = ", ".join(answer.missing)
            line = Text(
                f"  to write  {answer.file}: {answer.complete_sections}/{answer.sections} sections "
                f"complete; still to write: {todo}",
                style="grade.timeout",
            )
        console.print(line)


def next_step(result: DayResult) -> str:
    """What the learner should do now, in one line: failing tests before written answers."""
    where = "" if result.target.startswith("exercises/") else f" in {_shown_target(result)}"
    failing = [t for t in failing_first(result) if not t.bonus]
    if result.pass_rule == "answers" and not result.passed:
        return f"Next: complete every answer section in {_shown_target(result)}/answers/."
    if result.run_status is RunStatus.LOAD_ERROR and result.problems:
        return f"Next: make your file import again{where} (see Problem above), then grade again."
    if not result.passed and failing:
        first = failing[0]
        return (
            f"Next: make '{first.name}' pass{where}. Hint: {first.hint} "
            f"(more: nox -s hint -- {result.day})"
        )
    if not result.answers_complete:
        return f"Next: finish the written answers in {_shown_target(result)}/answers/."
    day = get_day(result.day)
    following = next_day(day)
    if following is None or closes_milestone(day):
        return f"Next: nox -s progress, to see the {milestone_name()} checkpoint."
    return f"Next: {following.name}."


def verdict_text(result: DayResult) -> tuple[str, str]:
    """``("PASSED", style)`` or ``("NOT PASSED: 3 tests still failing; first: …", style)``."""
    if result.passed:
        return "PASSED", "grade.pass"
    failing = [t for t in failing_first(result) if not t.bonus]
    if result.pass_rule == "answers" or not failing:
        return "NOT PASSED", "grade.fail"
    count = f"{len(failing)} test{'s' if len(failing) > 1 else ''} still failing"
    return f"NOT PASSED: {count}; first: {failing[0].name}", "grade.fail"


def render_summary(
    console: Console, result: DayResult, report_path: str | None, *, replay: bool = False
) -> None:
    if replay:
        # A replay reruns one test with one seed: it says how that test went, no verdict.
        ran = ", ".join(f"{t.name}: {t.status.value}" for t in result.tests)
        style = (
            "grade.pass"
            if all(t.status is TestStatus.PASSED for t in result.tests)
            else ("grade.fail")
        )
        console.print(Text.assemble(f"{result.day} replay (not recorded): ", (ran, style)))
        console.print()
        return
    if result.pass_rule == "answers":
        rule = "pass: every written answer complete"
    else:
        rule = "pass: every test green" + "".join(
            f", {file.removeprefix('test_').removesuffix('.py')} at {mark * 100:g} %"
            for file, mark in result.pass_marks.items()
        )
    if result.max_score:
        measured = f"{_points(result.score)}/{_points(result.max_score)} points"
    else:
        measured = "written answers"
    line = Text.assemble(
        f"{result.day}: {measured} ({result.percent:g} %), {rule}: ", verdict_text(result)
    )
    if result.bonus_max_score:
        line.append(f"  bonus {_points(result.bonus_score)}/{_points(result.bonus_max_score)}")
    console.print(line)
    if report_path:
        console.print(Text(f"Report: {report_path}", style="grade.dim"))
    console.print(Text(next_step(result), style="grade.next"))
    console.print()


def shown_path(path: Path) -> str:
    """A path relative to the current folder when possible (no absolute paths for learners)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def render_hint(console: Console, day: str, task: str, hints: list[str], shown: int) -> None:
    """The newest hint of a task, with how many remain."""
    console.print(Text(f"{day} · {task}: hint {shown} of {len(hints)}", style="grade.title"))
    console.print(Text(hints[shown - 1], style="grade.hint"))
    if shown < len(hints):
        console.print(
            Text(
                f"Still stuck? Run the same command again for hint {shown + 1}.", style="grade.dim"
            )
        )
    else:
        console.print(
            Text(
                f"That was the last hint. After trying, compare with solutions/{day}/.",
                style="grade.dim",
            )
        )


def render_hints(console: Console, day: str, revealed: dict[str, list[str]]) -> None:
    """Every hint revealed so far, by task."""
    if not any(revealed.values()):
        console.print(f"No hints revealed for {day} yet: nox -s hint -- {day}")
        return
    for task, hints in revealed.items():
        console.print(Text(f"{day} · {task}", style="grade.title"))
        for number, hint in enumerate(hints, 1):
            console.print(Text(f"  {number}. {hint}", style="grade.hint"))


def render_progress(console: Console, status: dict[str, Any]) -> None:
    """All milestone days in one table, then the checkpoint."""
    table = Table(box=None if _plain(console) else box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    flagged = any(row["copy_flags"] for row in status["days"])
    columns = ("Day", "Title", "Best", "Attempts", "Answers", "Passed") + ("Copy?",) * flagged
    for column in columns:
        table.add_column(column, no_wrap=column not in ("Title", "Copy?"))
    for row in status["days"]:
        best = "-" if row["best_percent"] is None else f"{row['best_percent']:g} %"
        passed = f"yes ({row['first_passed_at'][:10]})" if row["passed"] else "no"
        # the same fact the milestone reads: the answers at the day's latest grade
        answers = (
            "-"
            if not row["attempts"]
            else ("complete" if row["answers_complete"] else "incomplete")
        )
        style = "grade.pass" if row["passed"] else "grade.fail"
        cells = [
            row["day"],
            Text(row["title"]),
            best,
            str(row["attempts"]),
            answers,
            Text(passed, style=style),
        ]
        if flagged:
            cells.append(Text(", ".join(f["file"] for f in row["copy_flags"]), style="grade.error"))
        table.add_row(*cells)
    console.print(table)
    if status["reached"]:
        console.print(
            Text(f"{status['name']}: reached on {status['reached_at'][:10]}.", style="grade.pass")
        )
        return
    console.print(Text(f"{status['name']}: not reached yet. Still missing:", style="grade.title"))
    for line in status["missing"]:
        console.print(Text(f"  - {line}", style="grade.timeout"))


def render_milestone_reached(console: Console, name: str, reached_at: str | None) -> None:
    """After grading the milestone's last day: reached (and when), or where to look."""
    if reached_at:
        console.print(f"{name} reached on {reached_at[:10]}.", style="grade.pass")
    else:
        console.print(f"{name}: not reached yet; nox -s progress lists what is missing.")


def render_day_list(console: Console, days: Iterable[Day], ledger: dict[str, Any]) -> None:
    """One row per day: title, topics, best score and whether it passed."""
    table = Table(box=None if _plain(console) else box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in ("Day", "Title", "Topics", "Best", "Status"):
        table.add_column(column, overflow="fold", no_wrap=column in ("Day", "Best"))
    for day in days:
        entry = ledger.get("days", {}).get(day.name, {})
        attempts = entry.get("attempts", 0)
        best = f"{entry.get('best_percent', 0):g} %" if attempts else "-"
        if entry.get("first_passed_at"):
            status = Text("passed", style="grade.pass")
        else:
            status = Text("in progress" if attempts else "not started", style="grade.dim")
        table.add_row(day.name, Text(day.title), Text(", ".join(day.topics)), best, status)
    console.print(table)
