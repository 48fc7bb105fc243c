"""Nox sessions: grade a day, run the project's own tests, lint.

Every learner-facing session is a thin wrapper over ``python -m grader``, so the
same arguments work with or without nox. Virtualenvs are reused between runs and
packages are installed only when ``pyproject.toml``'s requirements changed, so a
warm ``nox -s grade -- day31`` spends its time grading, not in pip.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

import nox

nox.needs_version = ">=2024.3.2"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["tests", "lint"]

ROOT = Path(__file__).parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def install(session: nox.Session, *extras: str) -> None:
    """Install the run-time requirements (plus ``extras``) unless they are already there.

    A stamp in the venv records the hash of what was installed; when it still
    matches, pip (or uv) is not called at all.
    """
    requirements = list(PYPROJECT["dependencies"])
    for extra in extras:
        requirements += PYPROJECT["optional-dependencies"][extra]
    digest = hashlib.sha256(json.dumps(requirements).encode()).hexdigest()
    stamp = Path(session.virtualenv.location) / ".katas-requirements"
    if stamp.exists() and stamp.read_text() == digest:
        return
    session.install(*requirements)
    stamp.write_text(digest)


def run_grader(session: nox.Session, command: str) -> None:
    """Run ``python -m grader COMMAND`` with the session's arguments, keeping its exit status."""
    install(session)
    session.run("python", "-m", "grader", command, *session.posargs, external=False)


@nox.session
def grade(session: nox.Session) -> None:
    """Grade one or more days: nox -s grade -- day31 [--solutions] [--json]."""
    run_grader(session, "grade")


@nox.session
def hint(session: nox.Session) -> None:
    """Show the next hint for the first failing task: nox -s hint -- day31 [--all]."""
    run_grader(session, "hint")


@nox.session
def progress(session: nox.Session) -> None:
    """Show every day's status and the Milestone 4 checkpoint."""
    run_grader(session, "progress")


@nox.session(name="fake-llm")
def fake_llm(session: nox.Session) -> None:
    """Run day 37's local fake LLM server: nox -s fake-llm -- --port 8765."""
    install(session)
    session.run("python", "-m", "grader.fake_llm", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the project's own test suite (the README's test command)."""
    install(session, "test")
    session.run("python", "-m", "pytest", *(session.posargs or ("-n", "2", "-q")))


@nox.session
def lint(session: nox.Session) -> None:
    """Lint and format-check with ruff."""
    install(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
