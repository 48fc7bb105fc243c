"""What exactly was graded: file hashes, the git commit, and the software versions."""

from __future__ import annotations

import hashlib
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any


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
        digests.append({
            "path": f"{label}/{name}",
            "exists": digest is not None,
            "sha256": digest,
            "bytes": path.stat().st_size if digest is not None else 0,
            "same_as_reference": digest is not None and digest == _sha256(reference_dir / name),
        })  # fmt: skip
    return tuple(digests)


def git_state(folder: Path) -> dict[str, Any] | None:
    """``{"commit", "dirty"}`` of the checkout holding ``folder``, or None outside git."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True,
                                  text=True, timeout=10)  # fmt: skip
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return None
    status = git("status", "--porcelain", "--", ".")
    return {"commit": commit, "dirty": bool(status)}


def environment() -> dict[str, Any]:
    """Python, numpy and platform versions of the grading machine."""
    import numpy
    import pytest

    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "numpy": numpy.__version__,
        "pytest": pytest.__version__,
        "platform": platform.platform(),
        "executable": Path(sys.executable).name,
    }
