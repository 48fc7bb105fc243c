"""The catalog is the one list of days: a new day folder is graded, listed and shown in
progress without editing any module of grader/.

The new day is built in a temporary catalog (the repository's days plus a ``day41``
copied from day 31) that the grader is pointed at with its ``KATAS_*_ROOT``
variables, and driven through ``python -m grader`` as a learner would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.catalog import EXERCISES_ROOT, HIDDEN_ROOT, REPO_ROOT, SOLUTIONS_ROOT


def build_catalog(root: Path, milestone: str = "Milestone 4") -> dict[str, str]:
    """The repository's catalog plus day41 (day 31's tests, stub and reference) under
    ``root``; returns the environment that points the grader at it."""
    shutil.copytree(HIDDEN_ROOT, root / "hidden", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(HIDDEN_ROOT / "day31", root / "hidden" / "day41")
    toml = root / "hidden" / "day41" / "day.toml"
    text = toml.read_text(encoding="utf-8").replace('"ML refresh"', '"Day forty-one"')
    toml.write_text(text.replace('"Milestone 4"', f'"{milestone}"'), encoding="utf-8")
    for source, name in ((EXERCISES_ROOT, "exercises"), (SOLUTIONS_ROOT, "solutions")):
        shutil.copytree(source / "day31", root / name / "day41")
    return {
        **os.environ,
        "KATAS_HIDDEN_ROOT": str(root / "hidden"),
        "KATAS_EXERCISES_ROOT": str(root / "exercises"),
        "KATAS_SOLUTIONS_ROOT": str(root / "solutions"),
        "NO_COLOR": "1",
    }


def grader(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "grader", *args]
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def day41(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path]:
    root = tmp_path_factory.mktemp("catalog")
    return build_catalog(root), root / "progress"


def test_a_new_day_folder_grades_with_its_reference_at_100_percent(day41):
    env, _ = day41
    done = grader(env, "grade", "day41", "--solutions", "--json")
    assert done.returncode == 0, done.stderr
    [summary] = json.loads(done.stdout)["days"]
    assert summary["day"] == "day41" and summary["percent"] == 100.0 and summary["passed"]
    # the last day of the milestone points at the checkpoint, by data, not by name
    assert "Next: nox -s progress, to see the Milestone 4 checkpoint." in done.stderr


def test_a_new_day_grades_its_stub_at_0_and_shows_in_list_and_progress(day41):
    env, progress = day41
    done = grader(env, "grade", "41", "--progress-dir", str(progress))
    assert done.returncode == 1, done.stderr
    assert "day41: 0/" in done.stdout and "NOT PASSED" in done.stdout
    assert "(graded: exercises/day41)" in done.stdout, "the catalog's exercises are the learner's"
    assert "Milestone 4: not reached yet" in done.stdout, "day41 now closes the milestone"
    listing = grader(env, "list", "--progress-dir", str(progress))
    assert listing.returncode == 0 and "Day forty-one" in listing.stdout
    assert "day41" in listing.stdout and "in progress" in listing.stdout
    shown = grader(env, "progress", "--progress-dir", str(progress), "--json")
    status = json.loads(shown.stdout)
    assert [row["day"] for row in status["days"]][-2:] == ["day40", "day41"]
    assert status["days"][-1]["attempts"] == 1 and status["name"] == "Milestone 4"
    assert "day41: not passed yet (best 0 %)" in status["missing"]


def test_a_day_of_another_milestone_is_refused_with_what_to_fix(tmp_path):
    env = build_catalog(tmp_path, milestone="Milestone 5")
    done = grader(env, "progress", "--progress-dir", str(tmp_path / "progress"))
    assert done.returncode == 3
    assert "exactly one milestone, it names ['Milestone 4', 'Milestone 5']" in done.stderr


def test_the_flashcards_accept_the_new_day(day41):
    env, _ = day41
    code = "from grader.flashcards import parse_day; print(parse_day('day41'))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    assert done.stdout.strip() == "41", done.stderr
