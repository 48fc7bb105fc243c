"""Recording a grade is one step (grader.record): what it writes depends on the request
alone, and the hints the learner revealed are in the result before it is built."""

from __future__ import annotations

import json
from dataclasses import replace

from grader.catalog import EXERCISES_ROOT
from grader.cli import main
from grader.progress import update_ledger
from grader.record import record_grade
from grader.request import GradeRequest, hints_revealed
from tests.test_verdict import a_test, day_result


def result(**more):
    return day_result((a_test("core"), a_test("edge", "failed")), **more)


def test_a_grade_without_a_progress_folder_writes_nothing(tmp_path):
    recorded = record_grade(result(), GradeRequest(target_root=EXERCISES_ROOT))
    assert recorded.report is None and not recorded.in_ledger
    assert list(tmp_path.iterdir()) == []


def test_a_self_check_writes_its_report_and_never_a_ledger_entry(tmp_path):
    request = GradeRequest(target_root=EXERCISES_ROOT, graded="solutions", progress_dir=tmp_path)
    recorded = record_grade(replace(result(), graded="solutions"), request)
    assert recorded.report is not None and recorded.report.is_file()
    assert (tmp_path / "reports" / "day31" / "latest.json").is_file()
    assert not recorded.in_ledger and not (tmp_path / "progress.json").exists()


def test_an_attempt_writes_its_report_and_one_ledger_entry_pointing_at_it(tmp_path):
    request = GradeRequest(target_root=EXERCISES_ROOT, progress_dir=tmp_path)
    recorded = record_grade(result(), request)
    ledger = json.loads((tmp_path / "progress.json").read_text(encoding="utf-8"))
    [entry] = ledger["days"]["day31"]["history"]
    assert recorded.in_ledger and entry["percent"] == 50.0 and not entry["passed"]
    assert tmp_path / entry["report"] == recorded.report
    assert recorded.milestone_reached_at is None, "one day of ten is not the milestone"


def test_hints_revealed_are_read_from_the_ledger_and_empty_without_one(tmp_path):
    assert hints_revealed(tmp_path) == {}
    (tmp_path / "progress.json").write_text("{ not json", encoding="utf-8")
    assert hints_revealed(tmp_path) == {}, "an unreadable ledger is left for recording to move"

    def reveal(ledger):
        ledger["days"]["day31"] = {"hints_revealed": {"sigmoid": 2}}

    (tmp_path / "progress.json").unlink()
    update_ledger(tmp_path, reveal)
    assert hints_revealed(tmp_path) == {"day31": {"sigmoid": 2}}


def test_the_report_of_a_grade_holds_the_hints_revealed_before_it(tmp_path):
    def reveal(ledger):
        ledger["days"]["day31"] = {
            "attempts": 0,
            "best_score": 0.0,
            "best_percent": 0.0,
            "first_passed_at": None,
            "history": [],
            "hints_revealed": {"sigmoid": 2},
        }

    update_ledger(tmp_path, reveal)
    assert main(["grade", "day31", "--progress-dir", str(tmp_path), "--json"]) == 1
    report = json.loads((tmp_path / "reports" / "day31" / "latest.json").read_text("utf-8"))
    assert report["hints_revealed"] == {"sigmoid": 2}
