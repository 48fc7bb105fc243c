"""What exactly was graded: file hashes, the grader's fingerprint and the software versions.

The learner and their commit come from :mod:`grader.identity`."""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from grader import __version__
from grader.identity import git

GRADER_DIR = Path(__file__).resolve().parent


def source_digest(path: Path) -> bytes:
    """The sha256 of a grader source file, read once per process while its size and
    modification time stay the same (``grade all`` and ``watch`` hash the grader's
    files for every day they grade)."""
    stat = path.stat()
    return _digest(path, stat.st_size, stat.st_mtime_ns)


@cache
def _digest(path: Path, size: int, mtime_ns: int) -> bytes:
    return hashlib.sha256(path.read_bytes()).digest()


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def file_digests(
    day_dir: Path, names: tuple[str, ...], label: str, reference_dir: Path
) -> tuple[dict[str, Any], ...]:
    """sha256 and size of each graded file (``exists: false`` for a missing one).

    ``same_as_reference`` tells a mentor when a file is a byte-for-byte copy of the
    reference solution (always true for the self-check, --solutions).
    """
    digests = []
    for name in names:
        path = day_dir / name
        digest = _sha256(path)
        digests.append(
            {
                "path": f"{label}/{name}",
                "exists": digest is not None,
                "sha256": digest,
                "bytes": path.stat().st_size if digest is not None else 0,
                "same_as_reference": digest is not None and digest == _sha256(reference_dir / name),
            }
        )
    return tuple(digests)


def grader_fingerprint() -> dict[str, Any]:
    """What graded: a hash over every file of ``grader/`` (the hidden tests included)
    plus the versions of Python and of every run-time requirement, and the real
    version (``0.2.0+g1a2b3c4``, ``.dirty`` when the grader's checkout has changes).

    Two reports with the same ``fingerprint`` were graded by the same code and
    tests on the same library versions; ``nox -s verify`` compares them.
    """
    digest = hashlib.sha256()
    for path in sorted(p for p in GRADER_DIR.rglob("*") if _is_source(p)):
        digest.update(path.relative_to(GRADER_DIR).as_posix().encode() + b"\0")
        digest.update(source_digest(path))
    requirements = {"python": platform.python_version()}
    for name in ("numpy", "pytest", "pytest-json-report", "rich"):
        try:
            requirements[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            requirements[name] = None
    digest.update(json.dumps(requirements, sort_keys=True).encode())
    return {
        "version": real_version(),
        "fingerprint": digest.hexdigest(),
        "requirements": requirements,
    }


def _is_source(path: Path) -> bool:
    return path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"


@cache
def real_version() -> str:
    """``__version__`` plus the grader checkout's commit, when it is a git checkout."""
    head = git(GRADER_DIR, "rev-parse", "--short=8", "HEAD", foreign=False)
    if head is None:
        return __version__
    changed = git(GRADER_DIR, "status", "--porcelain", "--", ".", foreign=False)
    return f"{__version__}+g{head}{'.dirty' if changed else ''}"


def environment() -> dict[str, Any]:
    """Python, numpy and platform versions of the grading machine.

    The versions come from the installed packages' metadata: importing numpy only to
    read its version cost the grader 0.3 s on every grade.
    """
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "numpy": metadata.version("numpy"),
        "pytest": metadata.version("pytest"),
        "platform": platform.platform(),
        "executable": Path(sys.executable).name,
    }
