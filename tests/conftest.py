"""Shared fixtures for the project's own tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader import sandbox
from grader.catalog import SOLUTIONS_ROOT, get_day
from grader.grading import GradeRequest, grade_day
from grader.results import DayResult

# Tests of what the sandbox hides: .ci/run installs bubblewrap, so CI runs them.
needs_bwrap = pytest.mark.skipif(
    sandbox.available() == "none", reason="bubblewrap is not installed or cannot run here"
)


def copy_solution(day: str, root: Path) -> Path:
    """Copy ``solutions/<day>`` to ``root/<day>`` and return that folder."""
    folder = root / day
    shutil.copytree(SOLUTIONS_ROOT / day, folder)
    return folder


def grade(day: str, target_root: Path, **options) -> DayResult:
    """Grade one day of ``target_root`` (no report, no ledger)."""
    return grade_day(get_day(day), GradeRequest(target_root=target_root, **options))


def make_clone(
    where: Path, name: str, email: str, days: dict[str, str], remote: str | None = None
) -> Path:
    """A learner's git clone at ``where``: ``exercises/<day>`` copied from ``days[day]``
    (``"stub"`` or ``"solution"``), committed as ``name <email>``. A test asking for a
    stub that holds the learner's work (in their fork) is skipped, naming the files."""
    import subprocess

    from grader.catalog import EXERCISES_ROOT
    from tests.stubs_lock import day_files, skip_if_learner_work

    for day, source in days.items():
        if source == "stub":
            skip_if_learner_work(*day_files(day))
        origin = EXERCISES_ROOT if source == "stub" else SOLUTIONS_ROOT
        shutil.copytree(origin / day, where / "exercises" / day)
    (where / ".gitignore").write_text("progress/*\n", encoding="utf-8")

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(where), *args], check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("config", "user.name", name)
    git("config", "user.email", email)
    if remote:
        git("remote", "add", "origin", remote)
    git("add", "-A")
    git("commit", "-q", "-m", "my work")
    return where
