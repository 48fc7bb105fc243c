"""The manifest of a day: its hidden tests with points, hints and time limits, cached.

Collecting a manifest starts pytest in collect-only mode
(:func:`grader.runner.collect_manifest`), about a second per day. The result
depends only on the day's hidden tests and on the grader code that collects
them, so it is kept on disk, ``progress/cache/manifests/<day>-<key>.json``, where
the key is a sha256 over the names and bytes of every file in
``grader/hidden/<day>/``, of ``grader/hidden/pytest.ini`` and of every module of
the grader package (``plugin.py`` writes the manifest, ``testing.py`` and
``fake_llm.py`` are imported while collecting), and over the Python and pytest
versions.

Editing any of them changes the key, so a stale entry is never read. An entry
that cannot be read or is not a manifest is ignored and collected again, and a
cache folder that cannot be written only means collecting every time. Like the
rest of ``progress/``, the cache is hidden from attempts by the sandbox.
"""

from __future__ import annotations

import hashlib
import json
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from grader.catalog import HIDDEN_ROOT, PROGRESS_ROOT, Day
from grader.provenance import source_digest
from grader.runner import collect_manifest
from grader.storage import write_json_atomic

GRADER_DIR = Path(__file__).resolve().parent
CACHE_DIR = PROGRESS_ROOT / "cache" / "manifests"
_MEMO: dict[str, list[dict[str, Any]]] = {}  # key -> manifest, for this process


def manifest_for(day: Day, cache_dir: Path = CACHE_DIR) -> list[dict[str, Any]]:
    """The day's manifest: from this process's memory, else the cache, else collected
    (and then cached in place of the day's older entries)."""
    key = manifest_key(day)
    if key not in _MEMO:
        path = cache_dir / f"{day.name}-{key[:16]}.json"
        manifest = _read(path)
        if manifest is None:
            manifest = collect_manifest(day)
            _store(path, manifest, day.name)
        _MEMO[key] = manifest
    return _MEMO[key]


def manifest_key(day: Day) -> str:
    """The sha256 of everything the day's manifest is made from (see the module docstring)."""
    digest = hashlib.sha256()
    day_files = [p for p in day.hidden_dir.rglob("*") if p.is_file() and _is_source(p)]
    modules = [p for p in GRADER_DIR.rglob("*.py") if _is_source(p) and not _is_hidden(p)]
    sources = [
        *sorted((f"{day.name}/{p.relative_to(day.hidden_dir).as_posix()}", p) for p in day_files),
        ("pytest.ini", HIDDEN_ROOT / "pytest.ini"),
        *sorted((f"grader/{p.relative_to(GRADER_DIR).as_posix()}", p) for p in modules),
    ]
    for name, path in sources:
        digest.update(name.encode() + b"\0")
        digest.update(source_digest(path))
    digest.update(f"{platform.python_version()} {metadata.version('pytest')}".encode())
    return digest.hexdigest()


def _is_source(path: Path) -> bool:
    return "__pycache__" not in path.parts and path.suffix != ".pyc"


def _is_hidden(path: Path) -> bool:
    """A hidden test of any day: those of the day at hand are hashed on their own."""
    return path.relative_to(GRADER_DIR).parts[0] == "hidden"


def _store(path: Path, manifest: list[dict[str, Any]], day: str) -> None:
    """Write the entry and remove the day's stale ones; a folder that cannot be written
    (a read-only checkout) only means collecting again next time."""
    try:
        for stale in path.parent.glob(f"{day}-*.json"):
            stale.unlink(missing_ok=True)
        write_json_atomic(path, manifest)
    except OSError:
        pass


_TYPES = {
    "nodeid": str,
    "name": str,
    "file": str,
    "hint": str,
    "task": str,
    "points": (int, float),
    "bonus": bool,
    "uses_random": bool,
}


def _read(path: Path) -> list[dict[str, Any]] | None:
    """The cached manifest at ``path``, or None when missing, unreadable or not a manifest."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, list) or not data:
        return None
    for entry in data:
        if not isinstance(entry, dict) or "time_limit" not in entry:
            return None
        if not all(isinstance(entry.get(key), kind) for key, kind in _TYPES.items()):
            return None
    return data
