"""Packaging: the licence pyproject names, and ``pip install -e .`` for a mentor's own venv.

The repository is a workspace (see pyproject.toml): an editable install keeps the
grader beside the exercises it grades, so ``python -m grader`` works from any folder.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest

from grader.catalog import REPO_ROOT

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_licence_file_is_the_one_pyproject_names():
    project = PYPROJECT["project"]
    assert project["license"] == "MIT"
    for name in project["license-files"]:
        text = (REPO_ROOT / name).read_text(encoding="utf-8")
        assert text.startswith("MIT License") and "WITHOUT WARRANTY" in text


def test_development_tools_are_dependency_groups_and_the_lab_an_extra():
    assert {"test", "lint"} <= PYPROJECT["dependency-groups"].keys()
    assert set(PYPROJECT["project"]["optional-dependencies"]) == {"lab"}


@pytest.mark.slow
def test_an_editable_install_runs_the_grader_from_anywhere(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "-e", str(REPO_ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if install.returncode and "No matching distribution" in install.stderr:
        pytest.skip("no package registry reachable to fetch setuptools")
    assert install.returncode == 0, install.stderr[-2000:]
    where = subprocess.run(
        [str(python), "-c", "import grader.catalog as c; print(c.REPO_ROOT)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.strip() == str(REPO_ROOT)
