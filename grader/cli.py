"""The command line: ``python -m grader grade day31 [options]`` (and the nox sessions).

Exit status: 0 every graded day passed; 1 grading ran but some day fell short;
2 usage error (one line naming what is valid); 3 the grader itself failed.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from grader import __version__, cohort, commands, export, flashcards, verify
from grader.catalog import PROGRESS_ROOT
from grader.display import shown_path
from grader.errors import GraderError, UsageError
from grader.notes import command_notes
from grader.parallel import default_jobs
from grader.reset import command_reset
from grader.runner import Limits
from grader.watch import command_watch

EXIT_USAGE, EXIT_GRADER = 2, 3


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad command line in one line, with exit status 2."""

    def error(self, message: str) -> NoReturn:
        command = " ".join(self.prog.split()[1:])  # "grader grade" -> "grade"; "grader" -> ""
        raise UsageError(f"{message} (see: python -m grader {command} --help)".replace("  ", " "))


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _positive_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="grader", description="Grade ML & LLM fundamentals katas.")
    parser.add_argument("--version", action="version", version=f"grader {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    grade = subparsers.add_parser("grade", help="grade one or more days")
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
        help="where the ledger and reports go (default: progress/, or "
        "progress/targets/<name>/ with --target)",
    )
    grade.add_argument(
        "--json",
        action="store_true",
        help="print one JSON summary on stdout; the table goes to stderr",
    )
    grade.add_argument("--only", metavar="TEST", help="run one test (a replay; not recorded)")
    grade.add_argument(
        "--all-rows", action="store_true", help="list passing tests too, not only their count"
    )
    grade.add_argument("--seed", type=int, help="seed for every randomised test")
    grade.add_argument(
        "--test-timeout",
        type=_positive,
        default=Limits.per_test_s,
        metavar="S",
        help="seconds allowed per test (default %(default)s)",
    )
    grade.add_argument(
        "--day-timeout",
        type=_positive,
        default=Limits.per_day_s,
        metavar="S",
        help="seconds allowed per day (default %(default)s)",
    )
    grade.add_argument(
        "--jobs",
        type=_positive_count,
        default=default_jobs(),
        metavar="N",
        help="days graded at once (default: two per core, %(default)s)",
    )
    hint = subparsers.add_parser("hint", help="the next hint for the first failing task")
    hint.add_argument("day", metavar="DAY", help="day31 or 31")
    hint.add_argument("--all", action="store_true", help="show every hint revealed so far")
    hint.add_argument("--progress-dir", type=Path, metavar="DIR")
    progress = subparsers.add_parser("progress", help="every day's status and Milestone 4")
    progress.add_argument("--progress-dir", type=Path, metavar="DIR")
    progress.add_argument("--json", action="store_true", help="print JSON instead of a table")
    progress.add_argument(
        "--target", type=Path, metavar="CLONE", help="a learner's own ledger, read-only"
    )
    listing = subparsers.add_parser("list", help="every day with its title, topics and status")
    listing.add_argument("--progress-dir", type=Path, metavar="DIR")
    reset = subparsers.add_parser("reset", help="restore a day's stubs (after a backup)")
    reset.add_argument("day", metavar="DAY", help="day31 or 31")
    reset.add_argument("--answers", action="store_true", help="restore the answer templates too")
    reset.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    reset.add_argument("--progress-dir", type=Path, metavar="DIR", help="where backups go")
    watch = subparsers.add_parser("watch", help="grade again on every save")
    watch.add_argument("day", metavar="DAY", help="day31 or 31")
    watch.add_argument("--target", type=Path, metavar="DIR", help="an exercises/-shaped folder")
    watch.add_argument("--progress-dir", type=Path, metavar="DIR")
    watch.add_argument(
        "--interval",
        type=_positive,
        default=0.5,
        metavar="S",
        help="seconds between polls (default %(default)s)",
    )
    watch.add_argument(
        "--debounce",
        type=_positive,
        default=0.3,
        metavar="S",
        help="quiet seconds before grading (default %(default)s)",
    )
    watch.add_argument(
        "--max-cycles",
        type=int,
        default=0,
        metavar="N",
        help="stop after N grades (0: run until Ctrl-C)",
    )
    watch.add_argument("--test-timeout", type=_positive, default=Limits.per_test_s, metavar="S")
    watch.add_argument("--day-timeout", type=_positive, default=Limits.per_day_s, metavar="S")
    notes = subparsers.add_parser("notes", help="compile your answers into one notes document")
    notes.add_argument(
        "--source",
        type=Path,
        metavar="DIR",
        help="an exercises/-shaped folder to read (default: exercises/)",
    )
    notes.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="where to write (default: progress/llm-fundamentals-notes.md)",
    )
    notes.add_argument("--progress-dir", type=Path, metavar="DIR")
    flashcards.add_parser(subparsers)
    verify.add_parser(subparsers)
    export.add_parser(subparsers)
    cohort.add_parser(subparsers)
    return parser


def _save_traceback(progress_dir: Path) -> str | None:
    """Keep the traceback for a mentor in ``progress_dir`` (the command's
    ``--progress-dir``, else ``progress/``); returns where it went."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = progress_dir / f"grader-error-{stamp}.log"
    try:
        progress_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(traceback.format_exc(), encoding="utf-8")
    except OSError:
        return None
    return shown_path(path)


def _never_fail_to_print() -> None:
    """An ASCII-only terminal (PYTHONIOENCODING=ascii) shows '?' for '·', never a crash."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")


class Terminated(BaseException):
    """SIGTERM or SIGHUP reached the grader: unwinds like Ctrl-C, so ``finally`` blocks
    stop the test processes and remove their temporary folders before it exits."""


def _terminate(signum: int, frame: object) -> NoReturn:
    raise Terminated(signum)


@contextmanager
def _unwinding_on_termination() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise :class:`Terminated` (main thread only);
    the previous handlers come back after it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    numbers = [getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)]
    previous = {number: signal.signal(number, _terminate) for number in numbers}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def main(argv: list[str] | None = None) -> int:
    _never_fail_to_print()
    with _unwinding_on_termination():
        return _run(argv)


def _run(argv: list[str] | None) -> int:
    args = None
    try:
        args, extra = build_parser().parse_known_args(argv)
        if extra:
            raise UsageError(
                f"unrecognized arguments: {' '.join(extra)} "
                f"(see: python -m grader {args.command} --help)"
            )
        handler = {
            "grade": commands.command_grade,
            "hint": commands.command_hint,
            "progress": commands.command_progress,
            "list": commands.command_list,
            "reset": command_reset,
            "notes": command_notes,
            "watch": command_watch,
            "flashcards": flashcards.command_flashcards,
            "verify": verify.command_verify,
            "export": export.command_export,
            "cohort": cohort.command_cohort,
        }[args.command]
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
        print("grader: interrupted; what was already saved is kept", file=sys.stderr)
        return 130
    except Terminated as exc:
        print("grader: terminated; what was already saved is kept", file=sys.stderr)
        return 128 + exc.args[0]
    except BrokenPipeError:
        # Whoever read our output went away (`... | head`): stop quietly, as cat does.
        # Python flushes stdout once more at exit: let that go to /dev/null, not fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    except Exception as exc:  # a bug of ours: one sentence now, the traceback kept
        saved = _save_traceback(getattr(args, "progress_dir", None) or PROGRESS_ROOT)
        where = f"; details in {saved}" if saved else ""
        print(f"grader: internal error {type(exc).__name__}: {exc}{where}", file=sys.stderr)
        return EXIT_GRADER
