"""Progressive hints: the next one for the first failing task, recorded in the ledger.

Hints live in ``grader/hidden/<day>/hints.toml``, keyed by task (the function or
class a hidden test grades)::

    [sigmoid]
    hints = ["a question", "a pointer", "the reference's idea"]

The first failing task comes from the day's latest report; with no report yet,
it is the task of the first hidden test. Each hint revealed is counted in the ledger
(``days.<day>.hints_revealed``) and copied into later reports, so a mentor sees
how much help was used.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from grader.catalog import Day
from grader.errors import GraderError
from grader.progress import day_entry


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


def first_failing_task(day: Day, progress_dir: Path, manifest: list[dict[str, Any]]) -> str | None:
    """The task of the first non-passing test in the latest report (None: all passed)."""
    latest = progress_dir / "reports" / day.name / "latest.json"
    tasks = {e["nodeid"]: e.get("task", "") for e in manifest}
    try:
        report = json.loads(latest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return next((t for t in tasks.values() if t), None)
    for test in report.get("tests", []):
        if test.get("status") != "passed" and not test.get("bonus"):
            return tasks.get(test.get("id"), "") or None
    return None


def reveal_next(ledger: dict[str, Any], day: str, task: str, hints: list[str]) -> tuple[int, bool]:
    """Count one more hint of ``task`` as revealed; returns (hints now shown, was a new one)."""
    revealed = day_entry(ledger, day).setdefault("hints_revealed", {})
    shown = int(revealed.get(task, 0))
    if shown < len(hints):
        revealed[task] = shown + 1
        return shown + 1, True
    return shown, False
