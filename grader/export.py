"""``python -m grader export DAY... --format gradescope|exercism``: a grade for another platform.

Reads the latest grade report of each day, ``<progress>/reports/<day>/latest.json``,
and converts it; nothing is graded again, so grade first, then export. The progress
folder is the one ``grade`` writes to for the same options (the resolution is
``grade``'s own, in :mod:`grader.request`): ``--progress-dir DIR``, else
``progress/``, or ``progress/targets/<learner id>/`` for ``--target CLONE``.

Formats (each module's docstring lists its field-by-field choices):

- ``gradescope``: the autograder's ``results.json`` (:mod:`grader.exports.gradescope`);
  with several days, one file holding every day's tests, their scores summed;
- ``exercism``: the test runner interface, version 3 (:mod:`grader.exports.exercism`);
  with several days, one file whose task numbers continue from day to day.

Days: ``day31``, ``31``, several, or ``all``. ``all`` exports every day that has a
report and names the others on stderr; a day named on its own must have a report
(otherwise one line says which ``grade`` command to run). Output: the JSON on stdout
(ASCII-escaped, so any terminal prints it intact), or ``--out FILE``, written
atomically. Exit status 0, or 2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader.catalog import Day, select_days
from grader.display import shown_path
from grader.errors import UsageError
from grader.exports import DayReport, exercism, gradescope
from grader.report import latest_report_path
from grader.request import grade_request
from grader.storage import write_json_atomic
from grader.verify import load_report

FORMATS: dict[str, Callable[[list[DayReport]], dict[str, Any]]] = {
    "gradescope": gradescope.results,
    "exercism": exercism.results,
}


def add_parser(subcommands: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subcommands.add_parser(
        "export", help="the latest grade as a Gradescope or exercism results.json"
    )
    parser.add_argument("days", nargs="+", metavar="DAY", help="day31, 31, several, or all")
    parser.add_argument(
        "--format",
        required=True,
        choices=sorted(FORMATS),
        help="the platform whose results.json to write",
    )
    parser.add_argument("--out", type=Path, metavar="FILE", help="write here (default: stdout)")
    parser.add_argument(
        "--progress-dir",
        type=Path,
        metavar="DIR",
        help="where grade wrote the reports (default: as grade chooses)",
    )
    parser.add_argument(
        "--target", type=Path, metavar="CLONE", help="the clone that was graded with grade --target"
    )
    return parser


def progress_dir_of(args: argparse.Namespace) -> Path:
    """The folder ``grade`` would have written to with the same options."""
    request = grade_request(target=args.target, progress_dir=args.progress_dir)
    assert request.progress_dir is not None  # an attempt's grade is always recorded
    return request.progress_dir


def latest_reports(days: list[Day], args: argparse.Namespace) -> tuple[list[DayReport], list[Day]]:
    """``(reports found, days without one)``; a missing report is a UsageError unless
    ``all`` was asked for (then only when no day has one)."""
    folder = progress_dir_of(args)
    found, missing = [], []
    for day in days:
        path = latest_report_path(folder, day.name)
        if not path.is_file():
            missing.append(day)
            continue
        report = load_report(path)
        if report["day"] != day.name:
            raise UsageError(
                f"{shown_path(path)} is a report of {report['day']}, not of "
                f"{day.name}; grade {day.name} again"
            )
        found.append(DayReport(day, report))
    wants_all = any(name.lower() == "all" for name in args.days)
    if missing and (not wants_all or not found):
        day = missing[0].name
        raise UsageError(
            f"no grade report for {day} in {shown_path(folder)}/: run "
            f"`nox -s grade -- {day}{_grade_options(args)}` first"
        )
    return found, missing


def _grade_options(args: argparse.Namespace) -> str:
    """The options that make grade write where export reads."""
    options = ""
    if args.target is not None:
        options += f" --target {shlex.quote(str(args.target))}"
    if args.progress_dir is not None:
        options += f" --progress-dir {shlex.quote(str(args.progress_dir))}"
    return options


def command_export(args: argparse.Namespace) -> int:
    if args.out is not None and args.out.is_dir():
        raise UsageError(
            f"--out {str(args.out)!r} is a folder; give a file name, for example results.json"
        )
    reports, missing = latest_reports(select_days(args.days), args)
    if missing:
        print(f"Not graded yet, left out: {', '.join(d.name for d in missing)}", file=sys.stderr)
    results = FORMATS[args.format](reports)
    if args.out is None:
        print(json.dumps(results, indent=2))
    else:
        write_json_atomic(args.out, results)
        print(
            f"Wrote {args.format} results for {', '.join(r.day.name for r in reports)} "
            f"to {shown_path(args.out)}",
            file=sys.stderr,
        )
    return 0
