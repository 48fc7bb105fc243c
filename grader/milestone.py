"""Milestone 4: the checkpoint of the sprint, computed from the ledger.

Milestone 4 is reached when every day from 31 to 40 has passed under its own
rule (days 31-37 and 39 on their coding tests, day 38 on its written answers,
day 40 on both its quiz and its beam search) and every day's written answers
were complete at its latest grade. The first time that holds, the ledger
records the date; it is never taken back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from grader.catalog import all_days

MILESTONE = "Milestone 4"
MILESTONE_DAYS = tuple(f"day{n}" for n in range(31, 41))


def day_rows(ledger: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per milestone day: what the ledger knows about it."""
    titles = {d.name: d.title for d in all_days()}
    rows = []
    for name in MILESTONE_DAYS:
        entry = ledger.get("days", {}).get(name, {})
        rows.append({
            "day": name,
            "title": titles.get(name, "(not available yet)"),
            "available": name in titles,
            "attempts": int(entry.get("attempts", 0)),
            "best_percent": entry.get("best_percent"),
            "passed": bool(entry.get("first_passed_at")),
            "first_passed_at": entry.get("first_passed_at"),
            "answers_complete": bool(entry.get("answers_complete", False)),
            "copy_flags": list(entry.get("copy_flags") or []),
        })  # fmt: skip
    return rows


def missing_for_milestone(rows: list[dict[str, Any]]) -> list[str]:
    """Exactly what is still missing, one short line per gap (empty when reached)."""
    missing = []
    for row in rows:
        if not row["available"]:
            missing.append(f"{row['day']}: not available in this version of the katas yet")
        elif row["attempts"] == 0:
            missing.append(f"{row['day']}: not graded yet (nox -s grade -- {row['day']})")
        else:
            if not row["passed"]:
                missing.append(f"{row['day']}: not passed yet (best {row['best_percent']:g} %)")
            if not row["answers_complete"]:
                missing.append(f"{row['day']}: written answers incomplete at the last grade")
    return missing


def update_milestone(ledger: dict[str, Any]) -> None:
    """Record the date Milestone 4 is first reached (for :func:`grader.progress.update_ledger`)."""
    milestone = ledger.setdefault("milestone", {"reached_at": None})
    if not milestone.get("reached_at") and not missing_for_milestone(day_rows(ledger)):
        milestone["reached_at"] = (
            datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        )


def milestone_status(ledger: dict[str, Any]) -> dict[str, Any]:
    """``{"name", "reached", "reached_at", "missing", "days"}`` for display and --json."""
    rows = day_rows(ledger)
    reached_at = ledger.get("milestone", {}).get("reached_at")
    return {
        "name": MILESTONE,
        "reached": bool(reached_at),
        "reached_at": reached_at,
        "missing": [] if reached_at else missing_for_milestone(rows),
        "days": rows,
    }
