"""``nox -s bench`` (``python -m grader.bench``): how fast grading is, side by side, in one run.

Every timing is a whole process started as a learner starts it (``python -m grader
grade ... --solutions``, wall clock), the best of ``--repeats`` runs: the run least
disturbed by whatever else the machine is doing. One warm-up grade first fills the
manifest cache, so every measured grade is a warm one. Printed, one line each:

- a warm single-day grade (``day31`` unless ``--day``), and the same hidden tests
  run by pytest alone (the grader's plugin, no grader around it); the difference
  is the grader's overhead, goal: at most 0.5 s. The tests' own durations, as the
  report gives them, are shown too;
- ``grade all`` against that single day, goal: at most 6x;
- the process split: each day's warm grade (every day unless ``--split-days``) against
  the one made by the last grader that ran attempt code inside its test process
  (commit :data:`IN_PROCESS_GRADER`, checked out from this clone's history into a
  temporary folder, grading its own copy of the day with its own hidden tests: day
  33's timing test and day 37's real waits have since been made lighter, so their lines
  show that too), goal: at most 1.5x for the worst day.

Nothing is asserted and the exit status is 0: the numbers and whether each goal
is met are for people, on the machine at hand. To add a line, add a function to
:data:`MEASUREMENTS`.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.catalog import REPO_ROOT, SOLUTIONS_ROOT, get_day, select_days
from grader.child import child_env, pytest_command
from grader.identity import git_command
from grader.parallel import default_jobs
from grader.report import latest_report_path

DESCRIPTION = "How fast grading is: warm overhead and grade all, side by side."
Timer = Callable[[Sequence[str], Path], float]  # runs a command in a folder: wall-clock seconds

# main just before the judge/worker split (issue 12): the attempt ran inside the judge's
# own test process. The split's cost is measured against it.
IN_PROCESS_GRADER = "de02115c5bfb35cc3187046f87eccc28b1609cc4"


@dataclass(frozen=True)
class Line:
    """One printed measurement, and its goal when it has one."""

    what: str
    value: str
    goal: str = ""  # e.g. "<= 0.5 s"
    met: bool | None = None

    def text(self) -> str:
        verdict = "" if self.met is None else (": met" if self.met else ": NOT met")
        goal = f"   goal {self.goal}{verdict}" if self.goal else ""
        return f"  {self.what:<46} {self.value:>8}{goal}"


@dataclass
class Bench:
    """What the measurements share: the day, how to time a command, where reports go."""

    day: str
    repeats: int
    timer: Timer
    reports: Path
    split_days: list[str] = field(default_factory=list)  # measured against the in-process grader
    _best: dict[str, float] = field(default_factory=dict)

    def best(self, name: str, command: Sequence[str], cwd: Path = REPO_ROOT) -> float:
        """The fastest of ``repeats`` runs of ``command`` in ``cwd``, remembered as ``name``."""
        if name not in self._best:
            self._best[name] = min(self.timer(command, cwd) for _ in range(self.repeats))
        return self._best[name]

    def grade(self, *days: str, progress: str = "") -> list[str]:
        return [
            sys.executable,
            "-m",
            "grader",
            "grade",
            *days,
            "--solutions",
            "--json",
            "--progress-dir",
            str(self.reports / progress),
        ]


def single_day_overhead(bench: Bench) -> list[Line]:
    """The warm grade of one day against pytest alone on its hidden tests."""
    day = get_day(bench.day)
    graded = bench.best("day", bench.grade(day.name))
    # in a folder of its own, as the grader's test process is: tests write there
    scratch = bench.reports / "pytest-alone"
    scratch.mkdir(exist_ok=True)
    alone = bench.best("pytest", pytest_alone(day.name), scratch)
    overhead = graded - alone
    return [
        Line(f"grade {day.name} --solutions (warm)", f"{graded:.2f} s"),
        Line(f"pytest alone on {day.name}'s hidden tests", f"{alone:.2f} s"),
        Line("  the tests' own durations (from the report)", f"{_own(bench):.2f} s"),
        Line(
            "grader overhead (grade - pytest alone)",
            f"{overhead:.2f} s",
            "<= 0.5 s",
            overhead <= 0.5,
        ),
    ]


def all_days_ratio(bench: Bench) -> list[Line]:
    """``grade all`` against the warm single day."""
    every = bench.best("all", bench.grade("all"))
    single = bench.best("day", bench.grade(bench.day))
    ratio = every / single
    return [
        Line(f"grade all --solutions ({default_jobs()} jobs)", f"{every:.2f} s"),
        Line(f"grade all / grade {bench.day}", f"{ratio:.1f}x", "<= 6x", ratio <= 6),
    ]


def process_split_ratio(bench: Bench) -> list[Line]:
    """Each split day's warm grade against the in-process grader's (:data:`IN_PROCESS_GRADER`);
    the goal holds for the worst day."""
    what = "process split: worst day / in-process grader"
    folder = bench.reports / "in-process-grader"
    if not folder.exists() and not checkout(IN_PROCESS_GRADER, folder):
        return [Line(what, "n/a", f"<= 1.5x (commit {IN_PROCESS_GRADER[:7]} not in this clone)")]
    lines, ratios = [], {}
    for day in bench.split_days:
        baseline = bench.grade(day, progress="in-process")
        bench.timer(baseline, folder)  # warm: its own manifest cache
        before = bench.best(f"in-process {day}", baseline, folder)
        now = bench.best("day" if day == bench.day else day, bench.grade(day))
        ratios[day] = now / before
        lines.append(
            Line(f"  {day}: {now:.2f} s here, {before:.2f} s in-process", f"{now / before:.2f}x")
        )
    worst = max(ratios, key=ratios.__getitem__)
    lines.append(
        Line(f"{what} ({worst})", f"{ratios[worst]:.2f}x", "<= 1.5x", ratios[worst] <= 1.5)
    )
    return lines


def checkout(commit: str, folder: Path) -> bool:
    """This repository's files at ``commit``, written to ``folder``; False if the clone does
    not hold that commit (a shallow clone)."""
    archive = subprocess.run(
        git_command(REPO_ROOT, "archive", "--format=tar", commit),
        capture_output=True,
    )
    if archive.returncode != 0:
        return False
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return True


def pytest_alone(day_name: str) -> list[str]:
    """The day's hidden tests on its reference, run by pytest with the grader's plugin
    as the grader's test process runs them, but with no grader around it."""
    day = get_day(day_name)
    folder = str(SOLUTIONS_ROOT / day.name)
    options = [
        f"--grader-day={day.name}",
        f"--grader-target={folder}",
        f"--grader-reference={folder}",
    ]
    return pytest_command("-q", "-p", "no:warnings", *options, str(day.hidden_dir))


MEASUREMENTS: list[Callable[[Bench], list[Line]]] = [
    single_day_overhead,
    all_days_ratio,
    process_split_ratio,
]


def _own(bench: Bench) -> float:
    """The summed test durations in the latest report of the bench's day."""
    latest = latest_report_path(bench.reports, get_day(bench.day).name)
    return sum(t["duration_s"] for t in json.loads(latest.read_text(encoding="utf-8"))["tests"])


def wall_clock(command: Sequence[str], cwd: Path = REPO_ROOT) -> float:
    """Run ``command`` in ``cwd`` and return its wall-clock seconds; a failing command is
    an error. In a repository (``cwd/grader``) that repository's grader is imported, else
    this one. Every command gets the environment the grader gives its test processes
    (one BLAS thread), so the comparison is between like and like."""
    env = child_env()
    if (cwd / "grader").is_dir():
        env["PYTHONPATH"] = str(cwd)
    if list(command[1:3]) == ["-m", "grader"]:
        # a grader process caches its own bytecode, as a learner's does (pytest alone, the
        # judge, must not: it would cache rewritten plugins inside the venv, see child_env)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, capture_output=True, check=True)
    return time.perf_counter() - start


def run(
    day: str, repeats: int, timer: Timer = wall_clock, split_days: list[str] | None = None
) -> list[str]:
    """Every measurement's lines, after one warm-up grade of every day (``split_days``: the
    days graded by both graders, ``[day]`` unless given)."""
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as reports:
        bench = Bench(day, repeats, timer, Path(reports), split_days or [day])
        timer(bench.grade("all"), REPO_ROOT)  # warm: manifests cached, files in the page cache
        lines = [f"Grading speed: best of {repeats} run(s), wall clock, whole processes"]
        for measurement in MEASUREMENTS:
            lines += [line.text() for line in measurement(bench)]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.bench", description=DESCRIPTION)
    parser.add_argument("--day", default="day31", help="the single day measured (default day31)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per timing (best counts)")
    parser.add_argument(
        "--split-days",
        default="all",
        help="days graded by this grader and by the in-process one (default all; e.g. 31,34)",
    )
    args = parser.parse_args(argv)
    split = [d.name for d in select_days(args.split_days.replace(",", " ").split())]
    for line in run(get_day(args.day).name, max(1, args.repeats), split_days=split):
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
