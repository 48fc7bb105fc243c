"""The grader's results: frozen dataclasses, status enums, one serialisation.

Everything a report, the ledger or the display needs is here; nothing here
prints or writes files. ``REPORT_SCHEMA_VERSION`` changes whenever the shape of
:meth:`DayResult.to_dict` changes, and ``grader/schema/report.schema.json``
with it.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

REPORT_SCHEMA_VERSION = 4


class TestStatus(StrEnum):
    """What happened to one hidden test. Only ``passed`` earns points."""

    __test__ = False  # not a pytest test class, despite the name

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"  # the test could not run to a verdict (import error, crash, not run)
    TIMEOUT = "timeout"
    SKIPPED = "skipped"


class RunStatus(StrEnum):
    """How the test process behaved as a whole, for the mentor's first glance."""

    COMPLETED = "completed"  # every test reported a verdict
    LOAD_ERROR = "load_error"  # an exercise file does not import
    CRASHED = "crashed"  # the test process died at least once
    TIMED_OUT = "timed_out"  # a test or the whole day hit its time limit


@dataclass(frozen=True)
class TestResult:
    """One hidden test's verdict and points."""

    __test__ = False

    id: str  # pytest node id, e.g. "day31/test_metrics.py::test_roc_auc_..."
    name: str  # readable sentence
    file: str  # the hidden test file, e.g. "test_metrics.py"
    status: TestStatus
    points: float
    max_points: float
    duration_s: float
    message: str  # one teaching line; empty when passed
    hint: str
    bonus: bool = False
    seed: int | None = None  # the rng seed, when the test used random inputs
    detail: str = ""  # longer failure text (truncated), for mentors
    task: str = ""  # the exercise task the test belongs to (hints are per task)
    # why an exercise file the test needs did not import (AttemptLoadError), else None
    load_error: str | None = None


@dataclass(frozen=True)
class AnswerCheck:
    """Completeness of one markdown answer template (not its quality)."""

    file: str
    exists: bool
    sections: int  # answer sections found
    complete_sections: int
    words: int
    missing: tuple[str, ...] = ()  # headings of incomplete sections

    @property
    def complete(self) -> bool:
        return self.exists and self.sections > 0 and self.complete_sections == self.sections


@dataclass(frozen=True)
class DayResult:
    """The whole grade of one day, as reported and recorded."""

    day: str
    title: str
    target: str  # the graded folder, relative to the repo when inside it
    graded: str  # "attempt" or "solutions"
    started_at: str  # UTC ISO-8601
    finished_at: str
    duration_s: float
    run_status: RunStatus
    score: float
    max_score: float
    pass_rule: str  # "all_green" or "answers" (see grader.catalog)
    passed: bool
    tests: tuple[TestResult, ...]
    answers: tuple[AnswerCheck, ...]
    bonus_score: float = 0.0
    bonus_max_score: float = 0.0
    problems: tuple[str, ...] = ()  # one sentence each, for the learner
    seed: int | None = None
    environment: dict[str, Any] = field(default_factory=dict)
    files: tuple[dict[str, Any], ...] = ()
    git: dict[str, Any] | None = None  # {"commit", "committed_at", "dirty"} of the whole clone
    learner: dict[str, Any] | None = None  # {"id", "name", "email", "remote"}
    grader: dict[str, Any] = field(default_factory=dict)  # {"version", "fingerprint", ...}
    # the learner's own ledger for this day, read-only, when a mentor grades a clone
    learner_history: dict[str, Any] | None = None
    similarity: dict[str, Any] | None = None  # copy detection (grader.similarity)
    runs: tuple[dict[str, Any], ...] = ()  # the child processes, with pytest-json-report summaries
    output: str = ""  # the test processes' own output, truncated
    hints_revealed: dict[str, int] = field(default_factory=dict)  # task -> hints shown so far
    pass_marks: dict[str, float] = field(default_factory=dict)  # hidden file -> its own share
    # what the attempt's code ran in: "bubblewrap" or "none" (see grader.sandbox)
    sandbox: str = "none"

    @property
    def percent(self) -> float:
        """Share of the regular points; for a day with none (graded on its written
        answers), the share of complete answer sections."""
        if self.max_score:
            return round(100.0 * self.score / self.max_score, 2)
        sections = sum(a.sections for a in self.answers)
        complete = sum(a.complete_sections for a in self.answers)
        return round(100.0 * complete / sections, 2) if sections else 0.0

    @property
    def answers_complete(self) -> bool:
        return all(a.complete for a in self.answers)

    @property
    def copy_flags(self) -> list[dict[str, Any]]:
        """Files and answers at or above the similarity threshold against the reference:
        ``[{"file": "metrics.py", "score": 0.97}]`` (paths within the day's folder)."""
        block = self.similarity or {}
        entries = block.get("files", []) + block.get("answers", [])
        return [{"file": e["file"], "score": e["similarity"]} for e in entries if e.get("flagged")]

    def to_dict(self) -> dict[str, Any]:
        """The JSON report (see ``grader/schema/report.schema.json``)."""
        data = asdict(self)
        data["tests"] = [
            {**asdict(t), "status": t.status.value, "replay": replay_command(self, t)}
            for t in self.tests
        ]
        data["answers"] = [{**asdict(a), "complete": a.complete} for a in self.answers]
        data["run_status"] = self.run_status.value
        report = {
            "schema_version": REPORT_SCHEMA_VERSION,
            "grader_version": self.grader.get("version", ""),
            **data,
            "percent": self.percent,
            "answers_complete": self.answers_complete,
        }
        return json.loads(json.dumps(report))  # tuples become lists: plain JSON values only


def replay_command(result: DayResult, test: TestResult) -> str | None:
    """The command that reruns one failing randomised test with the same seed."""
    if test.status is TestStatus.PASSED or test.seed is None:
        return None
    if result.graded == "solutions":
        target = " --solutions"
    elif result.target.startswith("exercises/"):
        target = ""
    else:
        target = f" --target {shlex.quote(str(Path(result.target).parent))}"
    test_name = shlex.quote(test.id.split("::")[-1])
    return f"nox -s grade -- {result.day}{target} --only {test_name} --seed {test.seed}"
