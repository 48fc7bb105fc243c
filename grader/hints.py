"""Progressive hints: the next one for the first failing task, recorded in the ledger.

Hints live in ``grader/hidden/<day>/hints.toml``, keyed by task (the function or
class a hidden test grades)::

    [sigmoid]
    hints = ["a question", "a pointer", "the reference's idea"]

The first failing task comes from the day's latest report; with no report yet,
it is the task of the first hidden test. Hint 1 is that failing test's own hint
(the one the table showed), then the task's progressive hints follow. Each hint
revealed is counted in the ledger (``days.<day>.hints_revealed``) and copied into
later reports, so a mentor sees how much help was used.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from grader.catalog import Day
from grader.errors import GraderError
from grader.progress import day_entry
from grader.report import latest_report_path


def load_hints(day: Day) -> dict[str, list[str]]:
    """``{task: [hint, ...]}`` in file order."""
    path = day.hidden_dir / "hints.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise GraderError(f"grader/hidden/{day.name}/hints.toml is broken: {exc}") from exc
    return {task: [str(h) for h in entry.get("hints", [])] for task, entry in data.items()}


def first_failing_task(
    day: Day, progress_dir: Path, manifest: list[dict[str, Any]]
) -> tuple[str, str] | None:
    """``(task, that test's own hint)`` of the first non-passing test in the latest
    report; with no report yet, the first test's. None when everything passed.

    The test's hint is the one the report showed: when the check recognised the
    mistake (:class:`grader.testing.Mistake`), it is the hint for that mistake.
    """
    by_id = {e["nodeid"]: e for e in manifest}
    latest = latest_report_path(progress_dir, day.name)
    try:
        report = json.loads(latest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        first = next((e for e in manifest if e.get("task")), None)
        return (first["task"], first["hint"]) if first else None
    for test in report.get("tests", []):
        if test.get("status") != "passed" and not test.get("bonus"):
            entry = by_id.get(test.get("id"), {})
            if not entry.get("task"):
                return None
            return entry["task"], str(test.get("hint") or entry.get("hint") or "")
    return None


def hint_sequence(test_hint: str, task_hints: list[str]) -> list[str]:
    """The hints to reveal one by one: the failing test's own hint first (it speaks to
    what failed), then the task's progressive hints."""
    return ([test_hint] if test_hint and test_hint not in task_hints else []) + task_hints


def reveal_next(ledger: dict[str, Any], day: str, task: str, hints: list[str]) -> tuple[int, bool]:
    """Count one more hint of ``task`` as revealed; returns (hints now shown, was a new one)."""
    revealed = day_entry(ledger, day).setdefault("hints_revealed", {})
    shown = int(revealed.get(task, 0))
    if shown < len(hints):
        revealed[task] = shown + 1
        return shown + 1, True
    return shown, False
