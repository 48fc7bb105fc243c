"""The ledger: atomic, locked, and never silently overwritten when corrupt."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

from grader.progress import read_ledger, record_attempt, update_ledger


def entry(day: str, percent: float, passed: bool, at: str = "2026-11-29T10:00:00Z") -> dict:
    return {
        "day": day,
        "at": at,
        "score": percent,
        "max_score": 100.0,
        "percent": percent,
        "passed": passed,
        "answers_complete": True,
        "graded": "attempt",
        "report": f"reports/{day}/x.json",
    }


def add(progress_dir: Path, attempt: dict) -> None:
    update_ledger(progress_dir, lambda ledger: record_attempt(ledger, attempt))


def test_attempts_best_last_and_first_pass_are_tracked(tmp_path):
    for percent, passed, at in [(40, False, "t1"), (90, True, "t2"), (85, True, "t3")]:
        add(tmp_path, entry("day31", percent, passed, at))
    day = read_ledger(tmp_path)[0]["days"]["day31"]
    assert day["attempts"] == 3 and len(day["history"]) == 3
    assert day["best_percent"] == 90 and day["last_percent"] == 85
    assert day["first_passed_at"] == "t2"


def _record_many(progress_dir: str, day: str, count: int) -> None:
    for i in range(count):
        add(Path(progress_dir), entry(day, i, False))


def test_concurrent_grades_all_land_in_the_ledger(tmp_path):
    workers = [
        multiprocessing.Process(target=_record_many, args=(str(tmp_path), day, 25))
        for day in ("day31", "day31", "day32", "day33")
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    ledger, notices = read_ledger(tmp_path)
    assert not notices
    assert ledger["days"]["day31"]["attempts"] == 50
    assert ledger["days"]["day32"]["attempts"] == 25 and ledger["days"]["day33"]["attempts"] == 25


def test_a_corrupt_ledger_is_moved_aside_with_a_clear_message(tmp_path):
    (tmp_path / "progress.json").write_text('{"days": {"day31": \n oops', encoding="utf-8")
    ledger, notices = update_ledger(
        tmp_path, lambda led: record_attempt(led, entry("day31", 50, False))
    )
    (notice,) = notices
    assert "progress.json is not valid JSON (line 2); it was moved to" in notice
    aside = list(tmp_path.glob("progress.json.corrupt-*"))
    assert len(aside) == 1 and "oops" in aside[0].read_text(encoding="utf-8"), "nothing lost"
    assert ledger["days"]["day31"]["attempts"] == 1


def test_json_that_is_not_a_ledger_is_also_kept(tmp_path):
    (tmp_path / "progress.json").write_text("[1, 2, 3]", encoding="utf-8")
    _, notices = read_ledger(tmp_path)
    assert "did not look like a ledger" in notices[0]
    (aside,) = tmp_path.glob("progress.json.invalid-*")
    assert json.loads(aside.read_text()) == [1, 2, 3]


def test_a_second_bad_ledger_does_not_replace_the_first_one_set_aside(tmp_path):
    for content in ("[1]", "[2]", "{oops", "{oops again"):
        (tmp_path / "progress.json").write_text(content, encoding="utf-8")
        read_ledger(tmp_path)
    kept = sorted(p.read_text() for p in tmp_path.glob("progress.json.*-*"))
    assert kept == ["[1]", "[2]", "{oops", "{oops again"], "every bad file is kept"


def test_a_write_that_dies_midway_leaves_the_previous_ledger_intact(tmp_path, monkeypatch):
    update_ledger(tmp_path, lambda led: record_attempt(led, entry("day31", 10, False)))
    before = (tmp_path / "progress.json").read_bytes()

    def die(*_args, **_kwargs):
        raise OSError("killed mid-write")

    monkeypatch.setattr("grader.storage.os.replace", die)
    try:
        update_ledger(tmp_path, lambda led: record_attempt(led, entry("day31", 99, True)))
    except OSError:
        pass
    assert (tmp_path / "progress.json").read_bytes() == before
    assert not list(tmp_path.glob(".progress.json.*.tmp")), "no temp files left behind"
