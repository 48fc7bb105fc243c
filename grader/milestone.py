"""The milestone: the checkpoint of the sprint, computed from the ledger.

Which days count towards it is data: each ``day.toml`` names its milestone
(``milestone = "Milestone 4"``), and the catalog names exactly one. The
milestone is reached when every one of its days has passed under its own rule
(today: days 31-37 and 39 on their coding tests, day 38 on its written answers,
day 40 on both its quiz and its beam search) and every one of its days' written
answers were complete at its latest grade. The first time that holds, the
ledger records the date; it is never taken back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from grader.catalog import Day, all_days
from grader.errors import GraderError


def milestone_name() -> str:
    """The one milestone the catalog's days name (``"Milestone 4"``)."""
    names = sorted({day.milestone for day in all_days() if day.milestone})
    if len(names) != 1:
        raise GraderError(
            f"the catalog must name exactly one milestone, it names {names or 'none'}: "
            'set milestone = "..." in the day.toml of every day it gathers'
        )
    return names[0]


def closes_milestone(day: Day) -> bool:
    """Whether ``day`` is the milestone's last day: grading it is the time to look back."""
    days = [d for d in all_days() if d.milestone]
    return bool(days) and days[-1].name == day.name


def day_rows(ledger: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per day of the catalog: what the ledger knows about it."""
    rows = []
    for day in all_days():
        entry = ledger.get("days", {}).get(day.name, {})
        rows.append(
            {
                "day": day.name,
                "title": day.title,
                "in_milestone": bool(day.milestone),
                "attempts": int(entry.get("attempts", 0)),
                "best_percent": entry.get("best_percent"),
                "passed": bool(entry.get("first_passed_at")),
                "first_passed_at": entry.get("first_passed_at"),
                "answers_complete": bool(entry.get("answers_complete", False)),
                "copy_flags": list(entry.get("copy_flags") or []),
            }
        )
    return rows


def missing_for_milestone(rows: list[dict[str, Any]]) -> list[str]:
    """Exactly what is still missing, one short line per gap (empty when reached)."""
    missing = []
    for row in rows:
        if not row["in_milestone"]:
            continue
        if row["attempts"] == 0:
            missing.append(f"{row['day']}: not graded yet (nox -s grade -- {row['day']})")
            continue
        if not row["passed"]:
            missing.append(f"{row['day']}: not passed yet (best {row['best_percent']:g} %)")
        if not row["answers_complete"]:
            missing.append(f"{row['day']}: written answers incomplete at the last grade")
    return missing


def update_milestone(ledger: dict[str, Any]) -> None:
    """Record the date the milestone is first reached (for ``grader.progress.update_ledger``)."""
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
        "name": milestone_name(),
        "reached": bool(reached_at),
        "reached_at": reached_at,
        "missing": [] if reached_at else missing_for_milestone(rows),
        "days": rows,
    }
