"""``python -m grader cohort CLONE... | --from-reports DIR``: a class at a glance.

Grades many learners' clones in parallel (one ``python -m grader grade --target``
process per clone, at most one per core; each grades in the same policed test
processes as a single grade), or gathers reports made elsewhere (for example one
CI job per learner, see the README). Either way the unit is the JSON report, and
the cohort is built from reports alone:

- one cell per learner × day: the latest grade's percent and verdict, the best
  percent seen, the hints the learner revealed and their attempts (from their own
  ledger, copied into the report), the first failing test, when the day first
  passed, and copy flags;
- copy flags: the report's own (each file against the reference, each answer
  against the model answer) and, with clones at hand, each file against every
  other learner's (:mod:`grader.similarity`); from reports alone, only byte-equal
  files (same sha256) can be matched between learners.

Outputs: a table (``--json`` and ``--csv`` give the same cells), and a static
page ``progress/cohort/index.html`` with a heat map linking to one page per
report (:mod:`grader.cohort_page`).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text

from grader.catalog import EXERCISES_ROOT, PROGRESS_ROOT, REPO_ROOT, get_day, select_days
from grader.cohort_page import flag_lines, write_pages
from grader.display import make_console, shown_path
from grader.errors import UsageError
from grader.request import learner_progress_dir
from grader.similarity import (
    ANSWER_THRESHOLD,
    CODE_THRESHOLD,
    answer_similarity,
    code_similarity,
)


@dataclass
class Cell:
    """One learner's standing on one day, from their reports."""

    learner: str  # learner id
    day: str
    percent: float
    best_percent: float
    passed: bool
    hints: int
    attempts: int
    first_failing: str | None
    first_passed_at: str | None
    copy_flags: list[dict[str, Any]] = field(default_factory=list)  # {file, like, score}
    report: str = ""  # the latest report's path


@dataclass
class Cohort:
    learners: dict[str, dict[str, Any]]  # id -> {"id", "name", "email", "remote"}
    days: list[str]
    cells: dict[tuple[str, str], Cell]
    reports: dict[tuple[str, str], dict[str, Any]]  # latest report per cell

    def rows(self) -> list[dict[str, Any]]:
        """Flat rows for --json and --csv, learner by learner."""
        out = []
        for (learner_id, _day), cell in sorted(self.cells.items()):
            out.append({"name": self.learners[learner_id].get("name"), **asdict(cell)})
        return out


# --- gathering --------------------------------------------------------------------------


def grade_clones(clones: list[Path], days: list[str], jobs: int, progress: Path) -> list[Path]:
    """Grade every clone (in parallel) into the mentor's ledgers; returns the report paths."""

    def one(clone: Path) -> list[Path]:
        ledger = learner_progress_dir(progress, clone)
        command = [
            sys.executable,
            "-m",
            "grader",
            "grade",
            *days,
            "--target",
            str(clone),
            "--json",
            "--progress-dir",
            str(ledger),
            "--jobs",  # the clones already share the cores: one day at a time in each
            "1",
        ]
        done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)
        try:
            summary = json.loads(done.stdout)["days"]
        except (ValueError, KeyError, TypeError):
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise UsageError(f"grading {clone} failed: {last}") from None
        return [Path(d["report"]) for d in summary if d.get("report")]

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return [path for paths in pool.map(one, clones) for path in paths]


def read_reports(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Every readable grade report among ``paths`` (other JSON files are skipped)."""
    reports = []
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        if isinstance(data, dict) and {"day", "tests", "learner"} <= data.keys():
            if data.get("graded") == "attempt" and data.get("learner"):
                data["_path"] = str(path)
                reports.append(data)
    return reports


def reports_under(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise UsageError(f"--from-reports {str(folder)!r} is not a folder of JSON reports")
    return sorted(p for p in folder.rglob("*.json") if p.name != "latest.json")


def build(reports: list[dict[str, Any]], days: list[str]) -> Cohort:
    """The cohort from reports: the latest per learner and day, the best percent of all."""
    learners: dict[str, dict[str, Any]] = {}
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    best: dict[tuple[str, str], float] = {}
    passed_at: dict[tuple[str, str], str] = {}
    for report in sorted(reports, key=lambda r: str(r.get("finished_at"))):
        key = (report["learner"]["id"], report["day"])
        learners[key[0]] = report["learner"]
        latest[key] = report
        best[key] = max(best.get(key, 0.0), float(report.get("percent") or 0.0))
        if report.get("passed") and key not in passed_at:
            passed_at[key] = str(report.get("finished_at"))
    cells = {}
    for key, report in latest.items():
        history = report.get("learner_history") or {}
        failing = [t for t in report["tests"] if t["status"] != "passed" and not t.get("bonus")]
        cells[key] = Cell(
            learner=key[0],
            day=key[1],
            percent=float(report.get("percent") or 0.0),
            best_percent=best[key],
            passed=bool(report.get("passed")),
            hints=sum((report.get("hints_revealed") or {}).values()),
            attempts=int(history.get("attempts") or 0),
            first_failing=failing[0]["name"] if failing else None,
            first_passed_at=history.get("first_passed_at") or passed_at.get(key),
            copy_flags=_own_flags(report),
            report=str(report.get("_path", "")),
        )
    shown_days = days or sorted({d for _, d in cells})
    return Cohort(learners, shown_days, cells, latest)


def _own_flags(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's flags: files and answers too close to the reference."""
    similarity = report.get("similarity") or {}
    entries = similarity.get("files", []) + similarity.get("answers", [])
    return [
        {"file": e["file"], "like": "reference", "score": e["similarity"]}
        for e in entries
        if e.get("flagged")
    ]


def flag_pairs(cohort: Cohort, clone_of: dict[str, Path] | None) -> None:
    """Add learner-to-learner flags for files neither learner took from the reference.

    With the clones at hand, each file and answer is compared like the reference
    comparison (normalised code, 5-word phrases), with the published stub's own
    code set aside; from reports alone only byte-equal files (same sha256) can be
    matched. A pair where both files already match the reference says nothing new
    (both copied the reference), so it is not flagged again.
    """
    ids = sorted(cohort.learners)
    for day in cohort.days:
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                if (a, day) not in cohort.reports or (b, day) not in cohort.reports:
                    continue
                for name, score in _pair_scores(cohort, day, a, b, clone_of):
                    for me, other in ((a, b), (b, a)):
                        label = cohort.learners[other].get("name") or other
                        cohort.cells[me, day].copy_flags.append(
                            {"file": name, "like": label, "score": score}
                        )


def _worked_hashes(report: dict[str, Any]) -> dict[str, str]:
    return {
        f["path"].rsplit("/", 1)[-1]: f["sha256"]
        for f in report.get("files", [])
        if f.get("exists") and not f.get("same_as_reference")
    }


def _pair_scores(
    cohort: Cohort, day: str, a: str, b: str, clone_of: dict[str, Path] | None
) -> list[tuple[str, float]]:
    from_reference = {
        f["file"]
        for who in (a, b)
        for f in cohort.cells[who, day].copy_flags
        if f["like"] == "reference"
    }
    scores: list[tuple[str, float | None]] = []
    if clone_of:
        day_info = get_day(day)
        folders = [clone_of[a] / "exercises" / day, clone_of[b] / "exercises" / day]
        for name in day_info.exercises:
            if name.endswith(".py"):
                stub = EXERCISES_ROOT / day / name
                scores.append((name, code_similarity(folders[0] / name, folders[1] / name, stub)))
        for name in day_info.answers:
            both = [
                answer_similarity(folders[0] / name, folders[1] / name),
                answer_similarity(folders[1] / name, folders[0] / name),
            ]
            scores.append((name, max((s for s in both if s is not None), default=None)))
        thresholds = {name: ANSWER_THRESHOLD for name in day_info.answers}
    else:
        hashes = [_worked_hashes(cohort.reports[who, day]) for who in (a, b)]
        scores = [
            (name, 1.0) for name, digest in hashes[0].items() if hashes[1].get(name) == digest
        ]
        thresholds = {}
    return [
        (name, score)
        for name, score in scores
        if score is not None
        and score >= thresholds.get(name, CODE_THRESHOLD)
        and name not in from_reference
    ]


# --- output -----------------------------------------------------------------------------


def cell_text(cell: Cell | None) -> Text:
    if cell is None:
        return Text("-", style="grade.dim")
    text = Text()
    verdict = ("passed", "grade.pass") if cell.passed else ("not passed", "grade.fail")
    text.append(f"{cell.percent:g} % {verdict[0]}", style=verdict[1])
    text.append(f"\nbest {cell.best_percent:g} % · hints {cell.hints} · tries {cell.attempts}")
    if cell.first_passed_at:
        text.append(f"\nfirst passed {cell.first_passed_at[:10]}")
    if cell.first_failing:
        text.append(f"\nfailing: {cell.first_failing}", style="grade.fail")
    for line in flag_lines(cell.copy_flags, brief=True):
        text.append(f"\nCOPY? {line}", style="grade.error")
    return text


def render_table(console: Any, cohort: Cohort) -> None:
    table = Table(title="Cohort: learner × day", show_lines=True)
    table.add_column("Learner")
    for day in cohort.days:
        table.add_column(day)
    for learner_id in sorted(cohort.learners):
        person = cohort.learners[learner_id]
        who = Text(person.get("name") or learner_id)
        who.append(f"\n{person.get('email') or ''}\n{learner_id}", style="grade.dim")
        table.add_row(who, *(cell_text(cohort.cells.get((learner_id, d))) for d in cohort.days))
    console.print(table)


def to_csv(cohort: Cohort) -> str:
    buffer = io.StringIO()
    rows = cohort.rows()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["learner", "day"])
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "copy_flags": "; ".join(flag_lines(row["copy_flags"]))})
    return buffer.getvalue()


# --- command ----------------------------------------------------------------------------


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        "cohort", help="grade many clones (or gather reports): learner × day"
    )
    parser.add_argument("clones", nargs="*", type=Path, metavar="CLONE", help="learners' clones")
    parser.add_argument(
        "--from-reports",
        type=Path,
        metavar="DIR",
        help="build the cohort from JSON reports gathered here instead",
    )
    parser.add_argument(
        "--days", nargs="+", default=["all"], metavar="DAY", help="which days (default: all)"
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the cells as JSON")
    output.add_argument("--csv", action="store_true", help="print the cells as CSV")
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="where the HTML pages go (default: cohort/ in the progress folder)",
    )
    parser.add_argument(
        "--progress-dir",
        type=Path,
        default=PROGRESS_ROOT,
        metavar="DIR",
        help="the mentor's progress folder: one ledger per learner under "
        "targets/<learner id>/ (default: progress/)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="clones graded at once (default: one per core)",
    )
    return parser


def command_cohort(args: argparse.Namespace) -> int:
    if bool(args.clones) == bool(args.from_reports):
        raise UsageError(
            "give learners' clones (cohort CLONE...) or --from-reports DIR, "
            "not both and not neither"
        )
    days = [d.name for d in select_days(args.days)]
    clone_of = None
    if args.clones:
        missing = [str(c) for c in args.clones if not c.is_dir()]
        if missing:
            raise UsageError(f"not a folder: {', '.join(missing)}; give each learner's clone")
        paths = grade_clones(args.clones, days, args.jobs, args.progress_dir)
        reports = read_reports(paths)
        clone_of = {r["learner"]["id"]: Path(r["target"]).parent.parent for r in reports}
        # the best percent needs every report of these learners, not only today's
        reports = read_reports(
            {p for path in paths for p in path.parent.glob("*.json") if p.name != "latest.json"}
        )
    else:
        reports = read_reports(reports_under(args.from_reports))
    if not reports:
        raise UsageError("no learner's grade reports found (self-checks are not counted)")
    cohort = build(reports, days)
    flag_pairs(cohort, clone_of)
    index = write_pages(cohort, args.out or args.progress_dir / "cohort", clone_of)
    if args.json:
        print(
            json.dumps(
                {
                    "learners": cohort.learners,
                    "days": cohort.days,
                    "cells": cohort.rows(),
                    "page": str(index),
                }
            )
        )
    elif args.csv:
        sys.stdout.write(to_csv(cohort))
    else:
        console = make_console()
        render_table(console, cohort)
        console.print(f"Page: {shown_path(index)}")
    return 0
