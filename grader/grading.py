"""Grade one day end to end: manifest, policed test run, answers, score, result.

This module decides; it does not print (see :mod:`grader.display`) and it does
not write files (see :mod:`grader.record`).
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader import scoring
from grader.answers import check_answers
from grader.catalog import REPO_ROOT, Day
from grader.errors import UsageError
from grader.history import clone_root_of, learner_history
from grader.identity import learner, repo_state
from grader.manifests import manifest_for
from grader.provenance import environment, file_digests, grader_fingerprint
from grader.request import GradeRequest
from grader.results import DayResult, TestResult, TestStatus
from grader.runner import run_tests
from grader.similarity import day_similarity
from grader.snapshot import take_snapshot


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


def _void(tests: tuple[TestResult, ...], changed: list[str]) -> tuple[tuple[TestResult, ...], str]:
    """Every test as an error earning nothing, and the sentence that says why: the
    attempt changed its own graded files while its tests ran, so no verdict can be
    trusted to be about the files the report hashes."""
    files = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
    why = (
        f"not graded: {files} changed while the tests ran; only the files as they were "
        "when grading began count, and code that rewrites them earns nothing"
    )
    voided = tuple(
        replace(t, status=TestStatus.ERROR, points=0.0, message=why, hint="", detail="")
        for t in tests
    )
    return voided, why


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
    reference_dir = request.reference_root / day.name
    with take_snapshot(attempt_dir, label) as snap:
        # Whatever the report says of the files is read from the private copy, before
        # any attempt code runs; the tests then run on that copy too.
        answers = check_answers(snap.folder, day.answers, label)
        files = file_digests(snap.folder, day.exercises, label, reference_dir)
        copies = None
        if request.graded != "solutions":
            copies = day_similarity(snap.folder, reference_dir, day.exercises, day.answers, label)
        observed = run_tests(
            day,
            manifest,
            snap.folder.resolve(),
            reference_dir.resolve(),
            label,
            request.limits,
            request.seed,
            request.fail_fast,
            # where the attempt came from, and where reports go (a mentor's folder of
            # other learners' reports): neither is the attempt's to read
            hide=tuple(
                p.resolve() for p in (request.target_root, request.progress_dir) if p is not None
            ),
        )
        changed = snap.changed()
    tests = scoring.score_tests(manifest, observed.outcomes)
    status = scoring.run_status(tests, observed.runs)
    problems = snap.problems() + scoring.problems(tests, status) + tuple(observed.problems)
    if changed:
        tests, void = _void(tests, [f"{label}/{name}" for name in changed])
        problems += (void,)
    score, max_score = scoring.totals(tests)
    bonus, bonus_max = scoring.totals(tests, bonus=True)
    history = learner_history(clone_root_of(request.target_root), day.name) if request.foreign \
        else None  # fmt: skip
    # the hints the learner revealed: their own in their clone, else the ledger's
    hints = history["hints_revealed"] if history else request.hints_revealed.get(day.name, {})
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
        problems=problems,
        seed=request.seed,
        environment=environment(),
        files=files,
        git=repo_state(attempt_dir, request.foreign),
        learner=learner(clone_root_of(request.target_root), request.foreign),
        grader=grader_fingerprint(),
        sandbox=observed.sandbox,
        learner_history=history,
        hints_revealed=dict(hints),
        similarity=copies,
        runs=tuple(observed.runs),
        output=observed.output,
    )
