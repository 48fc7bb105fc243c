"""What exactly was graded: file hashes, the git commit, and the software versions."""

from __future__ import annotations

import hashlib
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any


def file_digests(day_dir: Path, names: tuple[str, ...], label: str) -> tuple[dict[str, Any], ...]:
    """sha256 and size of each graded file (``exists: false`` for a missing one)."""
    digests = []
    for name in names:
        path = day_dir / name
        try:
            data = path.read_bytes()
        except OSError:
            digests.append({"path": f"{label}/{name}", "exists": False, "sha256": None, "bytes": 0})
            continue
        digest = hashlib.sha256(data).hexdigest()
        digests.append({"path": f"{label}/{name}", "exists": True, "sha256": digest,
                        "bytes": len(data)})  # fmt: skip
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
