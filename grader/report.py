"""The JSON grade report for mentors: one file per attempt plus the day's latest.

Files: ``<progress>/reports/<day>/<UTC timestamp>-<id>.json`` and
``<progress>/reports/<day>/latest.json``. The format is ``DayResult.to_dict``,
described by ``grader/schema/report.schema.json``.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from grader.results import DayResult
from grader.storage import write_json_atomic

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "report.schema.json"


def report_dict(result: DayResult) -> dict[str, Any]:
    return result.to_dict()


def latest_report_path(progress_dir: Path, day_name: str) -> Path:
    """Where the day's latest report is (it may not exist)."""
    return progress_dir / "reports" / day_name / "latest.json"


def write_report(result: DayResult, progress_dir: Path) -> Path:
    """Write the report and the day's ``latest.json``; returns the attempt's file."""
    latest = latest_report_path(progress_dir, result.day)
    folder = latest.parent
    stamp = result.started_at.replace("-", "").replace(":", "").split(".")[0]
    path = folder / f"{stamp}-{secrets.token_hex(3)}.json"
    data = report_dict(result)
    write_json_atomic(path, data)
    write_json_atomic(latest, data)
    return path
