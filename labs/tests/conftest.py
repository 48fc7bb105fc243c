"""Shared fixtures for the lab tests: each lab exported once per code source, headless.

``exported(day, source)`` runs ``python -m labs DAY --export`` in a fresh process
(marimo and the imported exercise modules keep state in the process) and returns
the page and the process's stderr. ``source`` is ``"solutions"`` (the references)
or ``"stubs"`` (the untouched exercises, to prove the reference fallback; skipped for a
day whose exercises hold the learner's work).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader.catalog import EXERCISES_ROOT, REPO_ROOT
from tests.stubs_lock import exercise_files, skip_if_learner_work


@dataclass(frozen=True)
class Export:
    day: str
    source: str
    html: str
    stderr: str
    path: Path


def _export(day: str, source: str, out_dir: Path) -> Export:
    out = out_dir / f"{day}-{source}.html"
    where = ["--solutions"] if source == "solutions" else ["--target", str(EXERCISES_ROOT)]
    done = subprocess.run(
        [sys.executable, "-m", "labs", day, "--export", "--out", str(out), *where],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, f"{day} lab on the {source} failed:\n{done.stderr[-3000:]}"
    return Export(day, source, out.read_text(encoding="utf-8"), done.stderr, out)


@pytest.fixture(scope="session")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Export]:
    cache: dict[tuple[str, str], Export] = {}
    out_dir = tmp_path_factory.mktemp("labs")

    def get(day: str, source: str = "solutions") -> Export:
        if source == "stubs":  # in a learner's fork the lab draws their code, not the stubs
            skip_if_learner_work(*exercise_files(day))
        if (day, source) not in cache:
            cache[day, source] = _export(day, source, out_dir)
        return cache[day, source]

    return get
