"""The stub lock: which files under ``exercises/`` still hold what the katas publish.

Some of the project's tests are about the published stubs: the stub scores 0,
its signatures mirror the reference's, the answer templates hold only
placeholders, day 39's example names what the stub lacks. In a learner's fork
the same files hold the learner's work, and those tests would fail there
although nothing is broken. So ``tests/stubs.lock.json`` records the sha256 of
every file under ``exercises/`` as published, and a test about a stub first
calls :func:`skip_if_learner_work`: a file whose bytes differ from the lock is
the learner's, and the test is skipped with a reason that names that file.

Decisions:

- Exact hashes, not "does it still raise NotImplementedError": work half done
  still raises in places, and a stub test run on it would fail.
- Skip, not fetch the published stub from git history: a fork's CI may check
  out one commit, where the published stub is nowhere; and nothing is lost,
  because upstream, where every file matches the lock, runs every stub test.
- Line endings are read as LF, so a checkout that writes CRLF still holds the
  published stub.
- The lock can go stale: a maintainer edits a stub and forgets to lock it
  again, and every test of that stub would then skip without a word.
  :func:`stale_stubs` catches it: a file that differs from the lock yet holds
  no work (:func:`holds_no_work`) is a changed stub, not a learner's attempt,
  and ``tests/test_stubs_lock.py`` fails naming it and the command below. The
  one case it cannot tell apart: a learner who edited a stub without
  implementing anything (a comment, say) is taken for a maintainer until they
  write one function body of their own.

After changing anything under ``exercises/``, lock again (with a Python that has
the katas' requirements, e.g. ``.nox/tests/bin/python``)::

    python -m tests.stubs_lock

It prints what changed, and refuses to lock a catalog file that holds work
(an implemented function, a written answer, a ticked box).
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from grader.catalog import REPO_ROOT, all_days, get_day
from grader.errors import UsageError

LOCK_PATH = Path(__file__).resolve().with_name("stubs.lock.json")
RELOCK = "python -m tests.stubs_lock"
_ABOUT = (
    "sha256 (CRLF read as LF) of every file under exercises/ as published. Tests of a stub "
    f"skip when its file differs (a learner's work). After editing a stub: {RELOCK}"
)
_TICKED_BOX = re.compile(r"^\s*[-*+] \[[xX]\]", re.MULTILINE)


def digest(path: Path) -> str:
    """sha256 of the file's bytes with CRLF line endings read as LF."""
    return hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()


def read_lock(path: Path = LOCK_PATH) -> dict[str, str]:
    """``{"exercises/day31/metrics.py": sha256, ...}`` from the lock file."""
    try:
        return dict(json.loads(path.read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{path.name} is missing or broken ({exc}): run {RELOCK}") from None


def catalog_files() -> list[str]:
    """Every file the catalog names (each day's exercises and answer templates), from the
    repository root: ``exercises/day31/metrics.py``, ..."""
    return [path for day in all_days() for path in day_files(day.name)]


def exercise_files(day: str) -> list[str]:
    """One day's exercise files: ``["exercises/day31/logistic_regression.py", ...]``."""
    info = get_day(day)
    return [f"exercises/{info.name}/{name}" for name in info.exercises]


def answer_files(day: str) -> list[str]:
    """One day's answer templates: ``["exercises/day31/answers/notes.md", ...]``."""
    info = get_day(day)
    return [f"exercises/{info.name}/{name}" for name in info.answers]


def day_files(day: str) -> list[str]:
    """One day's exercise files and answer templates."""
    return exercise_files(day) + answer_files(day)


def learner_work(
    paths: Iterable[str], root: Path = REPO_ROOT, lock: Mapping[str, str] | None = None
) -> list[str]:
    """The files among ``paths`` (relative to ``root``) whose bytes are not the published
    ones: the learner's work (a missing file counts too)."""
    lock = read_lock() if lock is None else lock
    paths = list(paths)
    unlocked = [p for p in paths if p not in lock]
    if unlocked:
        raise UsageError(f"{unlocked[0]} is not in {LOCK_PATH.name}: run {RELOCK}")
    return [p for p in paths if not (root / p).is_file() or digest(root / p) != lock[p]]


def skip_if_learner_work(
    *paths: str, root: Path = REPO_ROOT, lock: Mapping[str, str] | None = None
) -> None:
    """Skip the calling test when any of ``paths`` holds the learner's work, naming them."""
    import pytest

    mine = learner_work(paths, root, lock)
    if mine:
        verb = "holds" if len(mine) == 1 else "hold"
        pytest.skip(f"{', '.join(mine)} {verb} your work, not the published stub this test checks")


def _raises_not_implemented(body: list[ast.stmt]) -> bool:
    """The body is an optional docstring, then ``raise NotImplementedError(...)`` alone."""
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if len(body) != 1 or not isinstance(body[0], ast.Raise):
        return False
    exc = body[0].exc
    exc = exc.func if isinstance(exc, ast.Call) else exc
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"


def _implements_nothing(source: str) -> bool:
    """Every function and method but ``__init__`` (which stubs may give) raises
    NotImplementedError, so a helper of the learner's own counts as work. A file that
    does not parse is someone's work in progress."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    functions = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name != "__init__"
    ]
    return bool(functions) and all(_raises_not_implemented(f.body) for f in functions)


def holds_no_work(path: Path) -> bool:
    """True for a catalog file that implements, answers and ticks nothing: a ``.py`` file
    whose functions all raise NotImplementedError (``__init__`` aside), an answer template
    (``answers/*.md``) without a word written, a quiz (other ``.md``) without a ticked box."""
    from grader.answers import check_answer_file

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if path.suffix == ".py":
        return _implements_nothing(text)
    if path.parent.name == "answers":
        return check_answer_file(path, path.name).words == 0
    return path.suffix == ".md" and not _TICKED_BOX.search(text)


def stale_stubs(
    paths: Iterable[str], root: Path = REPO_ROOT, lock: Mapping[str, str] | None = None
) -> list[str]:
    """The files among ``paths`` that differ from the lock yet hold no work: stubs edited
    without locking them again."""
    return [p for p in learner_work(paths, root, lock) if holds_no_work(root / p)]


def published_files(root: Path = REPO_ROOT) -> list[str]:
    """Every file under ``exercises/`` that git tracks or would track (ignored ones left out)."""
    done = subprocess.run(
        [
            "git",
            "-C",
            str(root),
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
            "--",
            "exercises",
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise UsageError(f"{root} is not a git checkout: run {RELOCK} in the katas repository")
    return sorted(p for p in done.stdout.split("\0") if p and (root / p).is_file())


def write_lock(root: Path = REPO_ROOT, path: Path = LOCK_PATH) -> list[str]:
    """Lock every published file as it is now; returns the paths whose hash changed.

    Refuses when a catalog file holds work: the lock records stubs, not attempts."""
    worked = [p for p in catalog_files() if (root / p).exists() and not holds_no_work(root / p)]
    if worked:
        day = worked[0].split("/")[1]
        raise UsageError(
            f"{worked[0]} holds work (an implemented function, a written answer "
            "or a ticked box); the lock records the published stubs: restore them "
            f"first (nox -s reset -- {day} --answers)"
        )
    old = read_lock(path) if path.exists() else {}
    new = {p: digest(root / p) for p in published_files(root)}
    path.write_text(json.dumps({"about": _ABOUT, "files": new}, indent=2) + "\n", "utf-8")
    return sorted(p for p in old.keys() | new.keys() if old.get(p) != new.get(p))


def main(root: Path = REPO_ROOT, path: Path = LOCK_PATH) -> int:
    """Lock ``root``'s published files into ``path``; print what changed. Exit 2 on refusal."""
    try:
        changed = write_lock(root, path)
    except UsageError as exc:
        print(f"stubs lock: {exc}", file=sys.stderr)
        return 2
    print(f"Locked {path.name}: {len(changed)} file(s) changed")
    for name in changed:
        print(f"  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
