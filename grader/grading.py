"""Grade one day end to end: manifest, policed test run, answers, score, result.

This module decides; it does not print (see :mod:`grader.display`) and it does
not write files (see :mod:`grader.report` and :mod:`grader.progress`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader import scoring
from grader.answers import check_answers
from grader.catalog import REPO_ROOT, SOLUTIONS_ROOT, Day
from grader.errors import UsageError
from grader.history import clone_root_of, learner_history
from grader.identity import learner, repo_state
from grader.provenance import environment, file_digests, grader_fingerprint
from grader.results import DayResult
from grader.runner import Limits, collect_manifest, run_tests
from grader.similarity import day_similarity

_MANIFESTS: dict[tuple[str, tuple[tuple[str, int], ...]], list[dict[str, Any]]] = {}


@dataclass(frozen=True)
class GradeRequest:
    """What to grade and how."""

    target_root: Path  # an exercises/-shaped folder: <root>/<day>/<files>
    graded: str = "attempt"  # or "solutions" for the self-check
    reference_root: Path = SOLUTIONS_ROOT
    limits: Limits = field(default_factory=Limits)
    seed: int | None = None
    only: str | None = None  # one test (function name, optionally with [params])
    test_files: tuple[str, ...] = ()  # only these hidden test files (empty: all)
    fail_fast: bool = False

    @property
    def foreign(self) -> bool:
        """Someone else's clone (``--target`` outside this repository): read, never run."""
        return not self.target_root.resolve().is_relative_to(REPO_ROOT)


def manifest_for(day: Day) -> list[dict[str, Any]]:
    """The day's manifest, collected once per process while the hidden tests are unchanged."""
    stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in day.hidden_dir.glob("*")))
    key = (day.name, stamp)
    if key not in _MANIFESTS:
        _MANIFESTS[key] = collect_manifest(day)
    return _MANIFESTS[key]


def display_label(folder: Path) -> str:
    """``exercises/day31`` inside this repository; the folder's own name elsewhere."""
    try:
        return str(folder.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return f"{folder.resolve().parent.name}/{folder.name}"


def select_only(manifest: list[dict[str, Any]], only: str, day: Day) -> list[dict[str, Any]]:
    """The entries whose test name is ``only`` (all its parameters unless some are given)."""
    chosen = [
        e for e in manifest
        if (name := e["nodeid"].split("::")[-1]) == only or name.split("[")[0] == only
    ]  # fmt: skip
    if not chosen:
        raise UsageError(
            f"{day.name} has no hidden test named {only!r}; copy a name from the table or report"
        )
    return chosen


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def grade_day(day: Day, request: GradeRequest) -> DayResult:
    """Run the hidden tests of ``day`` against the request's target and score them."""
    attempt_dir = request.target_root / day.name
    if not attempt_dir.is_dir():
        raise UsageError(f"{display_label(attempt_dir)} does not exist: is --target the folder "
                         "that holds day31/, day32/, …?")  # fmt: skip
    label = display_label(attempt_dir)
    started, clock = _now(), time.monotonic()
    manifest = manifest_for(day)
    if request.only:
        manifest = select_only(manifest, request.only, day)
    if request.test_files:
        manifest = [e for e in manifest if e["file"] in request.test_files]
    observed = run_tests(
        day, manifest, attempt_dir.resolve(), (request.reference_root / day.name).resolve(),
        label, request.limits, request.seed, request.fail_fast,
    )  # fmt: skip
    tests = scoring.score_tests(manifest, observed.outcomes)
    score, max_score = scoring.totals(tests)
    bonus, bonus_max = scoring.totals(tests, bonus=True)
    answers = check_answers(attempt_dir, day.answers, label)
    status = scoring.run_status(tests, observed.runs)
    reference_dir = request.reference_root / day.name
    history = learner_history(clone_root_of(request.target_root), day.name) if request.foreign \
        else None  # fmt: skip
    copies = None if request.graded == "solutions" else day_similarity(
        attempt_dir, reference_dir, day.exercises, day.answers, label)  # fmt: skip
    return DayResult(
        day=day.name,
        title=day.title,
        target=str(attempt_dir) if request.foreign else label,
        graded=request.graded,
        started_at=started,
        finished_at=_now(),
        duration_s=round(time.monotonic() - clock, 3),
        run_status=status,
        score=score,
        max_score=max_score,
        pass_rule=day.pass_rule,
        pass_marks=dict(day.pass_marks),
        passed=scoring.is_passed(day, tests, answers),
        tests=tests,
        answers=answers,
        bonus_score=bonus,
        bonus_max_score=bonus_max,
        problems=scoring.problems(tests, status),
        seed=request.seed,
        environment=environment(),
        files=file_digests(attempt_dir, day.exercises, label, reference_dir),
        git=repo_state(attempt_dir, request.foreign),
        learner=learner(clone_root_of(request.target_root), request.foreign),
        grader=grader_fingerprint(),
        learner_history=history,
        similarity=copies,
        runs=tuple(observed.runs),
        output=observed.output,
    )
