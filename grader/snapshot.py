"""A private copy of the attempt, taken before any of its code runs: what gets graded.

Grading reads the attempt's folder many times: the tests import its files, the
quiz test reads ``quiz.md``, and the report hashes every file and checks every
answer. If each read went to the learner's folder, an attempt could change its
own files in between (fill ``quiz.md`` in at import, restore the blank template
before the hashes are taken) and the report would describe something other than
what earned the points. So the day folder is copied once into a private
temporary folder, and everything is read from the copy.

The copy holds regular files only: symbolic links are not followed (a link to
``solutions/`` is not the attempt's work), FIFOs and devices are skipped, and so
are ``__pycache__`` folders and ``.pyc`` files (Python would run a cached
``.pyc`` in place of the source the report hashes). Files are taken smallest
first up to :data:`MAX_BYTES` in all; whatever does not fit is named in a
problem line, never a crash.

Without a sandbox an attempt could still write into the copy while it runs, so
:meth:`Snapshot.changed` compares every copied file with its hash, inode and
change time (``st_ctime``, which no program can set back) at copy time: a file
rewritten and then restored is caught too. The grade of a changed copy counts
for nothing (see :mod:`grader.grading`).
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

MAX_BYTES = 20 * 1024**2  # a day folder holds code, markdown and a small dataset
MAX_FILES = 2000  # entries looked at before giving up on a folder

_CACHES = ("__pycache__",)


@dataclass
class Snapshot:
    """The private copy of one day folder (``folder``) and what was left out of it."""

    folder: Path
    label: str  # how messages name the original folder: exercises/day31
    digests: dict[str, str] = field(default_factory=dict)  # relative path -> sha256 at copy
    stamps: dict[str, tuple[int, int]] = field(default_factory=dict)  # path -> (inode, ctime)
    links: list[str] = field(default_factory=list)  # symbolic links, not followed
    too_big: list[str] = field(default_factory=list)  # files left out by MAX_BYTES
    too_many: bool = False  # the walk stopped at MAX_FILES entries

    def problems(self) -> tuple[str, ...]:
        """One sentence for each kind of file that was not graded."""
        found = []
        if self.links:
            found.append(
                f"{self.label}: {_names(self.links)} not graded: symbolic links are not "
                "followed; put the file itself in the folder"
            )
        if self.too_big:
            found.append(
                f"{self.label}: {_names(self.too_big)} not graded: a day folder may hold "
                f"{MAX_BYTES / 1024**2:g} MB in all; move large files out of it"
            )
        if self.too_many:
            found.append(f"{self.label}: more than {MAX_FILES} files; only the first were graded")
        return tuple(found)

    def changed(self) -> list[str]:
        """The copied files written, replaced or removed since they were copied."""
        return [
            name
            for name, digest in self.digests.items()
            if _stamp(self.folder / name) != self.stamps[name]
            or _sha256(self.folder / name) != digest
        ]


def _names(paths: list[str], shown: int = 5) -> str:
    more = f" and {len(paths) - shown} more" if len(paths) > shown else ""
    return ", ".join(paths[:shown]) + more


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat(follow_symlinks=False)
    except OSError:
        return None
    return status.st_ino, status.st_ctime_ns


def _sha256(path: Path) -> str | None:
    try:
        with path.open("rb") as stream:
            return hashlib.file_digest(stream, "sha256").hexdigest()
    except OSError:
        return None


@contextmanager
def take_snapshot(day_dir: Path, label: str) -> Iterator[Snapshot]:
    """Copy ``day_dir`` into a private temporary folder named like it; removed on exit.

    ``label`` names the original folder in problem lines (``exercises/day31``).
    """
    with tempfile.TemporaryDirectory(prefix="grader-snapshot-", ignore_cleanup_errors=True) as tmp:
        snapshot = Snapshot(folder=Path(tmp) / day_dir.name, label=label)
        snapshot.folder.mkdir()
        files = _regular_files(day_dir, snapshot)
        room = MAX_BYTES
        for size, name in sorted(files):
            data = _read_regular(day_dir / name, room) if size <= room else b""
            if data is None:
                continue  # no longer a regular file: replaced since the listing
            if size > room or len(data) > room:
                snapshot.too_big.append(name)
                continue
            room -= len(data)
            (snapshot.folder / name).parent.mkdir(parents=True, exist_ok=True)
            (snapshot.folder / name).write_bytes(data)
            snapshot.digests[name] = hashlib.sha256(data).hexdigest()
            snapshot.stamps[name] = _stamp(snapshot.folder / name) or (0, 0)
        yield snapshot


def _regular_files(day_dir: Path, snapshot: Snapshot) -> list[tuple[int, str]]:
    """(size, relative path) of every regular file under ``day_dir``, links noted."""
    found: list[tuple[int, str]] = []
    seen = 0
    folders = [day_dir]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                seen += 1
                if seen > MAX_FILES:
                    snapshot.too_many = True
                    return found
                name = Path(entry.path).relative_to(day_dir).as_posix()
                if entry.is_symlink():
                    snapshot.links.append(name)
                elif entry.is_dir(follow_symlinks=False):
                    if entry.name not in _CACHES:
                        folders.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False) and not entry.name.endswith(".pyc"):
                    found.append((entry.stat(follow_symlinks=False).st_size, name))
    return found


def _read_regular(source: Path, room: int) -> bytes | None:
    """Up to ``room + 1`` bytes of ``source``, or None if it is not a regular file now."""
    # subtle: O_NOFOLLOW and the fstat below close the gap between listing and reading,
    # in which the file could be swapped for a link or a FIFO (which would block open).
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(source, flags)
    except OSError:
        return None
    with open(descriptor, "rb") as stream:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        return stream.read(room + 1)
