"""``python -m grader reset day34``: put a day's stub files back, after backing up the attempt.

Where the pristine stubs come from: the repository the learner cloned. The
first of ``origin/HEAD``, ``origin/main`` and ``HEAD`` that exists is read with
``git show`` (so a learner who committed their attempt still gets the stub as
published upstream). Before anything is overwritten, every file of the day's
folder is copied byte for byte to ``progress/backups/<day>/<UTC timestamp>/``,
and that path is printed: nothing a learner wrote is ever lost.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from grader.catalog import EXERCISES_ROOT, PROGRESS_ROOT, REPO_ROOT, Day, get_day
from grader.display import make_console, shown_path
from grader.errors import GraderError, UsageError
from grader.identity import git_command

REFS = ("origin/HEAD", "origin/main", "HEAD")


def _git(*args: str) -> subprocess.CompletedProcess[bytes]:
    """git in this repository, with hooks and fsmonitor off like every git the grader runs."""
    return subprocess.run(git_command(REPO_ROOT, *args), capture_output=True, timeout=30)


def pristine_ref() -> str:
    """The git ref that holds the published stubs."""
    for ref in REFS:
        try:
            if _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode == 0:
                return ref
        except (OSError, subprocess.TimeoutExpired):
            break
    raise GraderError("reset needs the git checkout you cloned (no git history was found)")


def pristine_bytes(ref: str, relative: str) -> bytes:
    """The published content of one file (``exercises/day34/attention.py``)."""
    done = _git("show", "--no-textconv", f"{ref}:{relative}")  # the bytes, never a filter
    if done.returncode != 0:
        raise GraderError(f"{relative} is not in {ref}; is this the katas repository?")
    return done.stdout


def files_to_reset(day: Day, answers: bool) -> list[str]:
    """The day's exercise files, plus its answer templates when asked."""
    return [*day.exercises, *(day.answers if answers else ())]


def back_up(day_dir: Path, progress_dir: Path, day: str) -> Path:
    """Copy the whole day folder, byte for byte, to a new timestamped backup folder."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    target = progress_dir / "backups" / day / stamp
    shutil.copytree(day_dir, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def _confirm(question: str) -> bool:
    if not sys.stdin or not sys.stdin.isatty():
        raise UsageError("reset asks for confirmation; add --yes to run it without a terminal")
    try:
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False


def command_reset(args: argparse.Namespace) -> int:
    """Back up ``exercises/<day>`` then restore its stubs (and templates with --answers)."""
    day = get_day(args.day)
    day_dir = EXERCISES_ROOT / day.name
    progress_dir = args.progress_dir or PROGRESS_ROOT
    console = make_console()
    names = files_to_reset(day, args.answers)
    what = "stub files and answer templates" if args.answers else "stub files (answers are kept)"
    if not args.yes and not _confirm(f"Reset exercises/{day.name} to its {what}?"):
        console.print("Nothing was changed.")
        return 1
    ref = pristine_ref()
    stubs = {name: pristine_bytes(ref, f"exercises/{day.name}/{name}") for name in names}
    backup = back_up(day_dir, progress_dir, day.name)
    for name, content in stubs.items():
        (day_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (day_dir / name).write_bytes(content)
    console.print(f"Backed up exercises/{day.name} to {shown_path(backup)}")
    console.print(f"Restored {len(stubs)} file(s) from {ref}: {', '.join(names)}")
    return 0
