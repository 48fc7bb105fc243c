"""Nox sessions: grade a day, run the project's own tests, lint.

Every learner-facing session is a thin wrapper over ``python -m grader``, so the
same arguments work with or without nox. They all share one virtualenv,
``.nox/katas`` (made with uv when it is installed, venv otherwise), and packages
are installed only when ``pyproject.toml``'s requirements changed, so a warm
``nox -s grade -- day31`` spends its time grading, not in pip. ``tests`` and
``lint`` keep nox's own per-session virtualenvs.
"""

from __future__ import annotations

import shutil
import sys

if sys.version_info < (3, 11):  # noqa: UP036 - before tomllib is imported: one line, not a traceback
    sys.exit(f"These katas need Python 3.11 or newer; this nox runs on {sys.version.split()[0]}.")

import hashlib
import json
import tomllib
from pathlib import Path

import nox

nox.needs_version = ">=2024.3.2"
# Chosen here, once, so nox never probes for a missing uv in every session.
UV = shutil.which("uv")
nox.options.default_venv_backend = "uv" if UV else "virtualenv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["tests", "lint"]

ROOT = Path(__file__).parent
KATAS_VENV = ROOT / ".nox" / "katas"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def requirements(*groups: str) -> list[str]:
    """The run-time requirements from pyproject.toml, plus the named extras (``lab``) or
    dependency groups (``test``, ``lint``)."""
    wanted = list(PYPROJECT["project"]["dependencies"])
    extras, dev_groups = (
        PYPROJECT["project"]["optional-dependencies"],
        PYPROJECT["dependency-groups"],
    )
    for group in groups:
        wanted += extras[group] if group in extras else dev_groups[group]
    return wanted


def _stamp_matches(venv: Path, wanted: list[str]) -> tuple[bool, Path, str]:
    digest = hashlib.sha256(json.dumps(wanted).encode()).hexdigest()
    stamp = venv / ".katas-requirements"
    return stamp.exists() and stamp.read_text() == digest, stamp, digest


def install(session: nox.Session, *extras: str) -> None:
    """Install requirements into the session's own venv unless they are already there.

    A stamp in the venv records the hash of what was installed; when it still
    matches, pip (or uv) is not called at all.
    """
    wanted = requirements(*extras)
    same, stamp, digest = _stamp_matches(Path(session.virtualenv.location), wanted)
    if not same:
        # uv does not precompile bytecode unless asked; pip does by default.
        compile_flag = ["--compile-bytecode"] if session.venv_backend == "uv" else []
        session.install(*compile_flag, *wanted)
        stamp.write_text(digest)


def learner_python(session: nox.Session) -> str:
    """The interpreter of the one venv every learner session shares (``.nox/katas``).

    grade, hint, watch, progress… all run the same package with the same
    requirements, so they share one venv instead of installing numpy nine times.
    """
    bin_dir = "Scripts" if sys.platform == "win32" else "bin"
    python = KATAS_VENV / bin_dir / ("python.exe" if sys.platform == "win32" else "python")
    if not python.exists():
        if UV:
            session.run(UV, "venv", "--quiet", "--python", sys.executable, str(KATAS_VENV),
                        external=True)  # fmt: skip
        else:
            session.run(sys.executable, "-m", "venv", str(KATAS_VENV), external=True)
    wanted = requirements()
    same, stamp, digest = _stamp_matches(KATAS_VENV, wanted)
    if not same:
        if UV:
            session.run(UV, "pip", "install", "--quiet", "--compile-bytecode",
                        "--python", str(python), *wanted, external=True)  # fmt: skip
        else:
            # Said once, when it costs time: installing is the one slow step without uv.
            session.log("uv not found: installing with pip, which is slower; "
                        "for a faster setup: pip install uv")  # fmt: skip
            session.run(str(python), "-m", "pip", "install", "--quiet", *wanted, external=True)
        stamp.write_text(digest)
    return str(python)


def run_grader(session: nox.Session, command: str) -> None:
    """Run ``python -m grader COMMAND`` with the session's arguments in the shared venv."""
    python = learner_python(session)
    # stderr=None: nox would otherwise merge the grader's stderr (the table in --json mode)
    # into stdout, and `nox -s grade -- day31 --json` would not print JSON alone.
    session.run(python, "-m", "grader", command, *session.posargs, external=True, stderr=None)


@nox.session(python=False)
def grade(session: nox.Session) -> None:
    """Grade one or more days: nox -s grade -- day31 [--solutions] [--json]."""
    run_grader(session, "grade")


@nox.session(python=False)
def hint(session: nox.Session) -> None:
    """Show the next hint for the first failing task: nox -s hint -- day31 [--all]."""
    run_grader(session, "hint")


@nox.session(python=False)
def progress(session: nox.Session) -> None:
    """Show every day's status and the Milestone 4 checkpoint."""
    run_grader(session, "progress")


@nox.session(name="list", python=False)
def list_days(session: nox.Session) -> None:
    """List every day with its title, topics and status."""
    run_grader(session, "list")


@nox.session(python=False)
def watch(session: nox.Session) -> None:
    """Grade a day again on every save: nox -s watch -- day34."""
    run_grader(session, "watch")


@nox.session(python=False)
def reset(session: nox.Session) -> None:
    """Restore a day's stubs after backing up your attempt: nox -s reset -- day34."""
    run_grader(session, "reset")


@nox.session(python=False)
def notes(session: nox.Session) -> None:
    """Compile your written answers into progress/llm-fundamentals-notes.md."""
    run_grader(session, "notes")


@nox.session(python=False)
def flashcards(session: nox.Session) -> None:
    """Review flashcards with spaced repetition: nox -s flashcards -- [day34] [--count 20]."""
    run_grader(session, "flashcards")


@nox.session(python=False)
def verify(session: nox.Session) -> None:
    """Re-grade a report's commit and compare: nox -s verify -- REPORT [--target CLONE]."""
    run_grader(session, "verify")


@nox.session(python=False)
def export(session: nox.Session) -> None:
    """Export the latest grade: nox -s export -- day31 --format gradescope|exercism [--out F]."""
    run_grader(session, "export")


@nox.session(python=False)
def cohort(session: nox.Session) -> None:
    """Grade learners' clones side by side: nox -s cohort -- CLONE... [--json|--csv]."""
    run_grader(session, "cohort")


@nox.session(name="fake-llm", python=False)
def fake_llm(session: nox.Session) -> None:
    """Run day 37's local fake LLM server: nox -s fake-llm -- --port 8765."""
    session.run(learner_python(session), "-m", "grader.fake_llm", *session.posargs, external=True)


@nox.session
def lab(session: nox.Session) -> None:
    """Open a day's lab in the browser, or export it: nox -s lab -- day34 [--export]."""
    install(session, "lab")
    session.run("python", "-m", "labs", *session.posargs)


@nox.session
def labs(session: nox.Session) -> None:
    """Export every lab headless, on the references and on the stubs, and check the pages."""
    install(session, "lab", "test")
    session.run("python", "-m", "pytest", "labs/tests", *(session.posargs or ("-n", "2", "-q")))


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
