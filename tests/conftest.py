"""Shared fixtures for the project's own tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.catalog import SOLUTIONS_ROOT, get_day
from grader.grading import GradeRequest, grade_day
from grader.results import DayResult


def copy_solution(day: str, root: Path) -> Path:
    """Copy ``solutions/<day>`` to ``root/<day>`` and return that folder."""
    folder = root / day
    shutil.copytree(SOLUTIONS_ROOT / day, folder)
    return folder


def grade(day: str, target_root: Path, **options) -> DayResult:
    """Grade one day of ``target_root`` (no report, no ledger)."""
    return grade_day(get_day(day), GradeRequest(target_root=target_root, **options))
