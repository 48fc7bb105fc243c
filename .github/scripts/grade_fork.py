"""Grade a learner's fork in CI: the README's set-up, every day, a job summary, a cohort page.

``.github/workflows/grade.yml`` runs this on every push; run it locally the same
way, from anywhere: ``python3 .github/scripts/grade_fork.py``. Standard library
only, because it runs before anything is installed. Steps, in the repository root:

1. The README's two set-up commands, with this script's interpreter:
   ``python -m pip install nox`` (left out when nox is already importable, where
   pip would only say "Requirement already satisfied"), then
   ``python -m nox -s grade -- all --json``: the tables go to the log, the JSON
   summary is read from stdout.
2. A Markdown table, one row per day (score, passed, first failing test, its
   hint), appended to the file ``$GITHUB_STEP_SUMMARY`` names (the run's
   summary page), or printed when it is unset.
3. The cohort page from the reports:
   ``python -m nox -s cohort -- --from-reports progress/reports --out progress/cohort``.
   The workflow uploads both folders as an artifact.

Environment: ``KATAS_DAYS`` limits the days graded, e.g. ``KATAS_DAYS="day31 day32"``
(default ``all``).

Exit status: 0 when grading ran, whatever the days' verdicts, because an
unfinished day is progress, not a broken build (so grade's own status 1, "some
day fell short", counts as success). Otherwise pip's status when set-up failed,
and 3 when the grader failed: no JSON summary came back (a usage error, an
internal error, a virtualenv that could not be built; nox reports them all as
status 1, so the JSON is the one reliable sign) or the cohort page could not be
built.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
REPORTS = "progress/reports"
COHORT = "progress/cohort"
EXIT_GRADER_FAILED = 3
NONE = "—"


def run(*args: str, capture: bool = False) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGS`` in the repository root, echoing the command as a learner types it.

    stderr always goes to the log; stdout too unless ``capture``."""
    print(f"$ python {' '.join(args)}", file=sys.stderr, flush=True)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, text=True, stdout=subprocess.PIPE if capture else None
    )


def nox_installed() -> bool:
    return importlib.util.find_spec("nox") is not None


def install_nox() -> int:
    """The README's first set-up command; 0 without running pip when nox is importable."""
    if nox_installed():
        print("nox is already installed", file=sys.stderr)
        return 0
    return run("-m", "pip", "install", "nox").returncode


def days_asked() -> list[str]:
    """The days named by ``KATAS_DAYS`` (spaces or commas between them), else ``["all"]``."""
    return os.environ.get("KATAS_DAYS", "").replace(",", " ").split() or ["all"]


def grade(days: list[str]) -> list[dict[str, Any]] | None:
    """Grade through nox; the JSON summary's days, or None when the grader did not finish."""
    done = run("-m", "nox", "-s", "grade", "--", *days, "--json", capture=True)
    try:
        return list(json.loads(done.stdout)["days"])
    except (ValueError, KeyError, TypeError):
        return None


def _cell(text: Any) -> str:
    """One table cell: a single line, with the pipes that would split it escaped."""
    return " ".join(str(text).split()).replace("|", "\\|") or NONE


def shortfall(report: dict[str, Any]) -> tuple[str, str]:
    """``(what still fails, its hint)`` for a day not passed: the first failing test that
    counts (bonus tests never do), else the written answers, else the run's first problem."""
    for test in report.get("tests", []):
        if test.get("status") != "passed" and not test.get("bonus"):
            return test.get("name") or test.get("id", "?"), test.get("hint") or NONE
    unfinished = [a for a in report.get("answers", []) if not a.get("complete")]
    if unfinished:
        where = f"{unfinished[0]['file']}: {', '.join(unfinished[0].get('missing') or ())}"
        return "written answers incomplete", f"{where.rstrip(': ')} (25 words or more each)"
    problems = report.get("problems") or [NONE]
    return problems[0], NONE


def summary_row(day: dict[str, Any]) -> list[str]:
    """Day, score, passed, first failing test, hint: one day of grade's JSON summary."""
    report_path = day.get("report")
    report = json.loads(Path(report_path).read_text(encoding="utf-8")) if report_path else {}
    title = f"{day['day']} · {report['title']}" if report.get("title") else day["day"]
    failing, hint = (NONE, NONE) if day["passed"] else shortfall(report)
    cells = [title, f"{day['percent']:g} %", "yes" if day["passed"] else "no", failing, hint]
    return [_cell(c) for c in cells]


def summary(days: list[dict[str, Any]] | None) -> str:
    """The job summary in Markdown: a heading, one line of totals, the table."""
    if days is None:
        return (
            "## Katas grade\n\nThe grader did not finish: its message is in the job's "
            "log, under the grade step.\n"
        )
    passed = sum(d["passed"] for d in days)
    lines = [
        "## Katas grade",
        "",
        f"{passed} of {len(days)} day(s) passed. The reports and the cohort page "
        "(`progress/cohort/index.html`) are in this run's artifacts.",
        "",
        "| Day | Score | Passed | First failing test | Hint |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += ["| " + " | ".join(summary_row(day)) + " |" for day in days]
    return "\n".join(lines) + "\n"


def write_summary(markdown: str) -> None:
    """Append to ``$GITHUB_STEP_SUMMARY`` (GitHub's summary file), else print to stdout."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(markdown)
    else:
        print(markdown)


def build_cohort() -> bool:
    """The cohort page from this fork's reports; True when it was built."""
    done = run("-m", "nox", "-s", "cohort", "--", "--from-reports", REPORTS, "--out", COHORT)
    return done.returncode == 0


def main() -> int:
    status = install_nox()
    if status != 0:
        print(f"grade_fork: 'python -m pip install nox' failed (exit {status})", file=sys.stderr)
        return status
    days = grade(days_asked())
    write_summary(summary(days))
    if days is None:
        print("grade_fork: the grader did not finish; its message is above", file=sys.stderr)
        return EXIT_GRADER_FAILED
    if not build_cohort():
        print("grade_fork: the cohort page could not be built; see above", file=sys.stderr)
        return EXIT_GRADER_FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main())
