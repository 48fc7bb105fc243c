"""Nox sessions: grade a day, run the project's own tests, lint.

Every learner-facing session is a thin wrapper over ``python -m grader``, so the
same arguments work with or without nox. They all share one virtualenv,
``.nox/katas`` (made with uv when it is installed, venv otherwise), and packages
are installed only when ``pyproject.toml``'s requirements changed, so a warm
``nox -s grade -- day31`` spends its time grading, not in pip. ``tests`` and
``lint`` keep nox's own per-session virtualenvs.

The shared venv is fingerprinted (:func:`venv_fingerprint`) when it is built,
and checked before every learner session: a change since (a ``.pth`` file an
attempt planted in site-packages, an edited numpy) is named in one line and the
venv is rebuilt before anything runs in it.
"""

from __future__ import annotations

import shutil
import sys

if sys.version_info < (3, 11):  # noqa: UP036 - before tomllib is imported: one line, not a traceback
    sys.exit(f"These katas need Python 3.11 or newer; this nox runs on {sys.version.split()[0]}.")

import contextlib
import hashlib
import json
import os
import tomllib
from collections.abc import Iterator
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


FINGERPRINT_NAME = ".katas-fingerprint"


def venv_fingerprint(venv: Path) -> str:
    """A hash over every file, folder and link in ``venv``: relative path, size, mtime and
    ctime (and a link's target).

    That covers what its Python runs: ``site-packages`` (so any ``.pth`` file or
    ``sitecustomize`` planted there), ``bin/`` and ``pyvenv.cfg``. Top-level dotfiles
    (the stamps, uv's lock) are left out. ctime matters: a process can set a file's
    mtime back after editing it, never its ctime. Stats only, no reading: about 15 ms
    of CPU for the 3,200 entries of numpy, pytest and rich.
    """
    rows, folders, cut = [], [str(venv)], len(str(venv)) + 1
    while folders:
        folder = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if folder == str(venv) and entry.name.startswith("."):
                    continue
                info = entry.stat(follow_symlinks=False)
                target = os.readlink(entry.path) if entry.is_symlink() else ""
                rows.append(
                    f"{entry.path[cut:]}\0{info.st_size}\0{info.st_mtime_ns}"
                    f"\0{info.st_ctime_ns}\0{target}"
                )
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
    return hashlib.sha256("\n".join(sorted(rows)).encode()).hexdigest()


def venv_change(venv: Path) -> str | None:
    """Why ``venv`` cannot be trusted as built (one sentence), or None when it can."""
    stamp, name = venv / FINGERPRINT_NAME, f"{venv.parent.name}/{venv.name}"  # .nox/katas
    if not stamp.exists():
        return f"{name} has no fingerprint (built before they existed, or never finished)"
    if stamp.read_text(encoding="ascii", errors="replace") != venv_fingerprint(venv):
        return f"{name} changed since it was built (files added, removed or edited)"
    return None


def learner_python(session: nox.Session) -> str:
    """The interpreter of the one venv every learner session shares (``.nox/katas``).

    grade, hint, watch, progress… all run the same package with the same
    requirements, so they share one venv instead of installing numpy nine times.
    """
    with _building(KATAS_VENV):
        return str(ensure_venv(session, KATAS_VENV))


@contextlib.contextmanager
def _building(venv: Path) -> Iterator[None]:
    """One session at a time checks and builds ``venv`` (``<venv>.lock`` beside it, POSIX),
    so two sessions started together never rebuild it under each other."""
    try:
        import fcntl
    except ImportError:  # native Windows: no lock
        yield
        return
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.with_name(venv.name + ".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def ensure_venv(session: nox.Session, venv: Path) -> Path:
    """Build ``venv`` with the requirements unless it is already built and unchanged;
    returns its Python. A changed venv is removed and built again (said in one line)."""
    bin_dir = "Scripts" if sys.platform == "win32" else "bin"
    python = venv / bin_dir / ("python.exe" if sys.platform == "win32" else "python")
    if python.exists() and (change := venv_change(venv)):
        session.warn(f"{change}: rebuilding it before anything runs in it")
        shutil.rmtree(venv)
    if not python.exists():
        if UV:
            session.run(UV, "venv", "--quiet", "--python", sys.executable, str(venv), external=True)
        else:
            session.run(sys.executable, "-m", "venv", str(venv), external=True)
    wanted = requirements()
    same, stamp, digest = _stamp_matches(venv, wanted)
    if not same or not (venv / FINGERPRINT_NAME).exists():
        if UV:
            # subtle: copies, not uv's default hard links into its cache. A linked file
            # is the cache's own: editing it through another venv would edit this one,
            # and each new link changes its ctime, which the fingerprint watches.
            options = ["--quiet", "--compile-bytecode", "--link-mode", "copy"]
            session.run(
                UV, "pip", "install", *options, "--python", str(python), *wanted, external=True
            )
        else:
            # Said once, when it costs time: installing is the one slow step without uv.
            session.log(
                "uv not found: installing with pip, which is slower; "
                "for a faster setup: pip install uv"
            )
            session.run(str(python), "-m", "pip", "install", "--quiet", *wanted, external=True)
        stamp.write_text(digest)
        (venv / FINGERPRINT_NAME).write_text(venv_fingerprint(venv), encoding="ascii")
    return python


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


@nox.session(python=False)
def bench(session: nox.Session) -> None:
    """How fast grading is, side by side:
    nox -s bench -- [--day day31] [--repeats 3] [--split-days all]."""
    session.run(learner_python(session), "-m", "grader.bench", *session.posargs, external=True)


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
