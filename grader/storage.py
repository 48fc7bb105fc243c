"""Safe JSON files: atomic writes under an exclusive lock, corruption moved aside.

Used by the progress ledger (and by anything else the learner must never lose).
The recipe: take an exclusive ``flock`` on a sibling ``.lock`` file, read,
change, write to a temporary file in the same folder, ``fsync``, then
``os.replace`` it over the original. A reader therefore sees the old file or
the new one, never half of one; a process killed mid-write leaves the previous
version intact; two writers take turns instead of losing an update.

A lock is never waited for forever: a process that holds it (another grade, or
one an attempt left behind to block every later command) costs at most
:data:`LOCK_TIMEOUT_S`, then one line names the lock file, its holder when the
system says (``/proc/locks``), and what to do. The lock file is opened without
following a symlink and without blocking, so a FIFO or a link planted in its
place is an error, not a hang.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader.errors import UsageError

try:  # POSIX (Linux, macOS, WSL)
    import fcntl
except ImportError:  # pragma: no cover - native Windows: no cross-process lock
    fcntl = None  # type: ignore[assignment]


LOCK_TIMEOUT_S = 10.0  # how long a command waits for a lock another process holds
_LOCK_POLL_S = 0.05


@contextmanager
def locked(path: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold an exclusive lock tied to ``path`` (on ``path.lock``) for the block.

    Raises :class:`~grader.errors.UsageError` when the lock stays held for
    ``timeout`` seconds (default :data:`LOCK_TIMEOUT_S`), or when ``path.lock``
    is not a regular file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.with_name(path.name + ".lock")
    flags = os.O_WRONLY | os.O_CREAT | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(lock, flags, 0o644)
    except OSError as exc:
        raise UsageError(
            f"cannot open the lock file {_shown(lock)} ({exc.strerror}): "
            "if it is not a plain file, remove it and try again"
        ) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UsageError(f"the lock file {_shown(lock)} is not a plain file: remove it")
        if fcntl is not None:
            _acquire(fd, lock, LOCK_TIMEOUT_S if timeout is None else timeout)
        yield  # closing the file below releases the lock
    finally:
        os.close(fd)


def _acquire(fd: int, lock: Path, timeout: float) -> None:
    """``flock`` without blocking, retried until ``timeout`` runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                break
            time.sleep(_LOCK_POLL_S)
    holder = lock_holder(lock)
    who = f" (process {holder})" if holder else ""
    raise UsageError(
        f"another grade is running, or a stale process holds {_shown(lock)}{who}; "
        f"waited {timeout:g} s: let it finish or end that process, then try again"
    )


def lock_holder(lock: Path) -> int | None:
    """The process holding an flock on ``lock``, from Linux's ``/proc/locks`` (else None)."""
    try:
        inode = os.stat(lock).st_ino
        table = Path("/proc/locks").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    for line in table.splitlines():
        # "1: FLOCK  ADVISORY  WRITE 4242 fd:01:1234567 0 EOF" (pid, device:inode)
        fields = line.split()
        if len(fields) > 5 and fields[1] == "FLOCK" and fields[5].rsplit(":", 1)[-1] == str(inode):
            return int(fields[4]) if fields[4].isdigit() else None
    return None


def _shown(path: Path) -> str:
    return _relative(path, Path.cwd())


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
