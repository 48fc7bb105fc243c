"""The learner's ledger: ``progress/progress.json``.

Shape (``schema_version`` 1)::

    {"schema_version": 1,
     "days": {"day31": {"attempts": 3, "best_score": 41.0, "best_percent": 95.3,
                         "last_percent": 95.3, "max_score": 43.0,
                         "first_passed_at": "2026-11-29T10:02:11Z",
                         "answers_complete": true,
                         "history": [{"at": "...", "score": 41.0, "max_score": 43.0,
                                      "percent": 95.3, "passed": true,
                                      "answers_complete": true, "report": "reports/day31/…json"}],
                         "hints_revealed": {"sigmoid": 2}}},
     "milestone": {"reached_at": null}}

Every update goes through :func:`update_ledger`: locked, atomic, and a corrupt
ledger is moved aside with a message instead of being overwritten.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader.storage import locked, read_json_or_move_aside, write_json_atomic

LEDGER_SCHEMA_VERSION = 1
LEDGER_NAME = "progress.json"


def empty_ledger() -> dict[str, Any]:
    return {"schema_version": LEDGER_SCHEMA_VERSION, "days": {}, "milestone": {"reached_at": None}}


def _valid(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("days"), dict)


def read_ledger(progress_dir: Path) -> tuple[dict[str, Any], list[str]]:
    """The ledger (empty when there is none yet) and any notices for the learner."""
    with locked(progress_dir / LEDGER_NAME):
        return _read_unlocked(progress_dir)


def _read_unlocked(progress_dir: Path) -> tuple[dict[str, Any], list[str]]:
    path = progress_dir / LEDGER_NAME
    data, notice = read_json_or_move_aside(path, progress_dir.parent, _valid, "ledger")
    notices = [notice] if notice else []
    ledger = data if data is not None else empty_ledger()
    ledger.setdefault("milestone", {"reached_at": None})
    return ledger, notices


def peek_ledger(progress_dir: Path) -> tuple[dict[str, Any] | None, str | None]:
    """Read someone else's ledger strictly read-only: no lock file, nothing moved aside.

    ``(ledger, None)``, ``(None, None)`` when there is none, or ``(None, problem)``.
    Used for a learner's clone under ``--target``: a mentor never writes there.
    """
    path = progress_dir / LEDGER_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return None, f"{LEDGER_NAME} could not be read ({type(exc).__name__})"
    if not _valid(data):
        return None, f"{LEDGER_NAME} does not look like a ledger"
    return data, None


def update_ledger(
    progress_dir: Path, change: Callable[[dict[str, Any]], None]
) -> tuple[dict[str, Any], list[str]]:
    """Apply ``change`` to the ledger under the lock and write it back atomically."""
    path = progress_dir / LEDGER_NAME
    with locked(path):
        ledger, notices = _read_unlocked(progress_dir)
        change(ledger)
        write_json_atomic(path, ledger)
    return ledger, notices


def day_entry(ledger: dict[str, Any], day: str) -> dict[str, Any]:
    """The ledger's record of ``day``, created empty on first use."""
    return ledger["days"].setdefault(
        day,
        {
            "attempts": 0,
            "best_score": 0.0,
            "best_percent": 0.0,
            "first_passed_at": None,
            "history": [],
            "hints_revealed": {},
        },
    )


def record_attempt(ledger: dict[str, Any], entry: dict[str, Any]) -> None:
    """Add one graded attempt (the ``history`` entry shape above) to its day."""
    day = day_entry(ledger, entry["day"])
    day["attempts"] += 1
    day["history"].append({k: v for k, v in entry.items() if k != "day"})
    day["last_percent"] = entry["percent"]
    day["max_score"] = entry["max_score"]
    day["answers_complete"] = entry["answers_complete"]
    day["copy_flags"] = entry.get("copy_flags", [])  # at the latest grade, like the answers
    if entry["percent"] >= day["best_percent"]:
        day["best_score"], day["best_percent"] = entry["score"], entry["percent"]
    if entry["passed"] and not day["first_passed_at"]:
        day["first_passed_at"] = entry["at"]
