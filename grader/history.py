"""The learner's own history, read from their clone's ledger (under ``--target``).

A mentor's grade records the mentor's attempts in the mentor's ledger; what the
learner did (hints revealed, attempts, when each day first passed) is in the
learner's ``progress/progress.json``. It is read strictly read-only
(:func:`grader.progress.peek_ledger`) and copied into the report, so the
mentor's views show the learner's history, not the mentor's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.progress import peek_ledger


def clone_root_of(target_root: Path) -> Path:
    """The clone that holds an ``exercises/``-shaped folder (the folder itself otherwise)."""
    root = target_root.resolve()
    return root.parent if root.name == "exercises" else root


def learner_history(clone_root: Path, day: str) -> dict[str, Any]:
    """``{"found", "attempts", "first_passed_at", "best_percent", "hints_revealed", "problem"}``."""
    ledger, problem = peek_ledger(clone_root / "progress")
    entry = (ledger or {}).get("days", {}).get(day) or {}
    if not isinstance(entry, dict):
        entry, problem = {}, f"the ledger's entry for {day} is not an object"
    hints = entry.get("hints_revealed") or {}
    return {
        "found": ledger is not None,
        "attempts": _int(entry.get("attempts")),
        "first_passed_at": entry.get("first_passed_at")
        if isinstance(entry.get("first_passed_at"), str)
        else None,
        "best_percent": _number(entry.get("best_percent")),
        "hints_revealed": {str(k): _int(v) for k, v in hints.items()}
        if isinstance(hints, dict)
        else {},
        "problem": problem,
    }


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _number(value: Any) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if ok else None
