"""Safe JSON files: atomic writes under an exclusive lock, corruption moved aside.

Used by the progress ledger (and by anything else the learner must never lose).
The recipe: take an exclusive ``flock`` on a sibling ``.lock`` file, read,
change, write to a temporary file in the same folder, ``fsync``, then
``os.replace`` it over the original. A reader therefore sees the old file or
the new one, never half of one; a process killed mid-write leaves the previous
version intact; two writers take turns instead of losing an update.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

try:  # POSIX (Linux, macOS, WSL)
    import fcntl
except ImportError:  # pragma: no cover - native Windows: no cross-process lock
    fcntl = None  # type: ignore[assignment]


class CorruptFileError(Exception):
    """A JSON file could not be parsed; it has been moved aside (see the message)."""


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock tied to ``path`` (on ``path.lock``) for the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_UN)


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` so that ``path`` is always either old or new, never torn."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically (see :func:`write_text_atomic`)."""
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def move_aside(path: Path, tag: str) -> Path:
    """Rename ``path`` to ``<name>.<tag>-<UTC timestamp>`` without replacing an earlier one."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.{tag}-{stamp}")
    counter = 1
    while aside.exists():  # subtle: two bad files within one second must both survive
        counter += 1
        aside = path.with_name(f"{path.name}.{tag}-{stamp}-{counter}")
    os.replace(path, aside)
    return aside


def read_json_or_move_aside(
    path: Path, relative_to: Path, is_valid: Callable[[Any], bool], kind: str
) -> tuple[Any | None, str | None]:
    """``(data, None)``, ``(None, None)`` when missing, or ``(None, message)`` when unusable.

    A file that is not JSON is renamed to ``<name>.corrupt-<UTC timestamp>``; one that
    is JSON but fails ``is_valid`` (not a ``kind``) to ``<name>.invalid-<UTC timestamp>``.
    The message says where it went: nothing is ever silently overwritten.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, None
    try:
        data = json.loads(text)
    except ValueError as exc:
        problem, tag = f"is not valid JSON (line {getattr(exc, 'lineno', '?')})", "corrupt"
    else:
        if is_valid(data):
            return data, None
        problem, tag = f"did not look like a {kind}", "invalid"
    aside = move_aside(path, tag)
    return None, (
        f"{_relative(path, relative_to)} {problem}; it was moved to "
        f"{_relative(aside, relative_to)} and a new one was started (your reports are "
        "untouched, and the old file can be repaired by hand)"
    )


def _relative(path: Path, base: Path) -> str:
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)
