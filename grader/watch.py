"""``python -m grader watch day34``: grade, then grade again on every save.

Change detection polls file modification times and sizes (file-system events
are unreliable on network and WSL-style mounts). A change starts a debounce:
grading waits until the folder has been quiet for ``debounce_s``, so an
editor's burst of writes (temp file, rename, backup) grades once. Every grade
is a normal attempt in the ledger. Ctrl-C stops cleanly, without a traceback.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from grader.catalog import EXERCISES_ROOT, get_day
from grader.commands import grade_days
from grader.display import make_console
from grader.request import grade_request
from grader.runner import Limits

Snapshot = dict[str, tuple[int, int]]
IGNORED_SUFFIXES = (".swp", ".swx", ".tmp", "~")


def snapshot(folder: Path) -> Snapshot:
    """``{relative path: (mtime_ns, size)}`` of the files an edit could change."""
    found: Snapshot = {}
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if "__pycache__" in relative.parts or path.name.startswith((".", "#")):
            continue
        if path.name.endswith(IGNORED_SUFFIXES) or not path.is_file():
            continue
        try:
            stat = path.stat()
        except OSError:  # deleted between listing and stat: the next poll sees it
            continue
        found[str(relative)] = (stat.st_mtime_ns, stat.st_size)
    return found


def wait_for_change(
    folder: Path,
    last: Snapshot,
    *,
    interval_s: float,
    debounce_s: float,
    sleep: Callable[[float], None] = time.sleep,
) -> Snapshot:
    """Block until ``folder`` differs from ``last`` and then stays quiet for ``debounce_s``."""
    current = snapshot(folder)
    while current == last:
        sleep(interval_s)
        current = snapshot(folder)
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < debounce_s:
        sleep(min(interval_s, debounce_s))
        newer = snapshot(folder)
        if newer != current:  # still being written: restart the quiet period
            current, quiet_since = newer, time.monotonic()
    return current


def command_watch(args: argparse.Namespace) -> int:
    """Grade once, then on every change, until Ctrl-C (or ``--max-cycles`` grades)."""
    day = get_day(args.day)
    folder = (args.target or EXERCISES_ROOT) / day.name
    console = make_console()
    limits = Limits(per_test_s=args.test_timeout, per_day_s=args.day_timeout)
    cycles = 0
    try:
        last = snapshot(folder)
        while True:
            console.clear()
            # a request per grade: it carries the hints revealed since the last one
            request = grade_request(
                target=args.target, progress_dir=args.progress_dir, limits=limits
            )
            grade_days([day], request, console)
            cycles += 1
            if args.max_cycles and cycles >= args.max_cycles:
                return 0
            console.print(
                f"Watching {folder.name}/ for changes (Ctrl-C to stop)…", style="grade.dim"
            )
            last = wait_for_change(folder, last, interval_s=args.interval, debounce_s=args.debounce)
    except KeyboardInterrupt:
        console.print(f"Stopped watching after {cycles} grade(s).")
        return 0
