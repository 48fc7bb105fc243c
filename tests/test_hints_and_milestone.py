"""Hints are progressive and recorded; Milestone 4 is computed from the ledger."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from grader.catalog import all_days, get_day
from grader.cli import main
from grader.hints import hint_sequence, load_hints
from grader.manifests import manifest_for
from grader.milestone import milestone_status, update_milestone
from grader.progress import empty_ledger, read_ledger


def test_hints_are_revealed_one_at_a_time_and_recorded(tmp_path, capsys):
    first_test = manifest_for(get_day("day31"))[0]
    hints = hint_sequence(first_test["hint"], load_hints(get_day("day31"))["sigmoid"])
    assert hints[0] == first_test["hint"], "hint 1 is the failing test's own hint"
    for number in range(1, len(hints) + 2):
        assert main(["hint", "day31", "--progress-dir", str(tmp_path)]) == 0
        out = capsys.readouterr().out
        shown = min(number, len(hints))
        assert f"hint {shown} of {len(hints)}" in out
        assert hints[shown - 1].split()[0] in out
    assert "That was the last hint" in out
    ledger, _ = read_ledger(tmp_path)
    assert ledger["days"]["day31"]["hints_revealed"] == {"sigmoid": len(hints)}
    assert main(["hint", "31", "--all", "--progress-dir", str(tmp_path)]) == 0
    assert "3. " in capsys.readouterr().out


def test_the_hint_follows_the_first_failing_test_of_the_latest_report(tmp_path, capsys):
    folder = tmp_path / "reports" / "day31"
    folder.mkdir(parents=True)
    tests = [
        {
            "id": "day31/test_logistic_regression.py::test_sigmoid_matches_hand_worked_values",
            "status": "passed",
            "bonus": False,
        },
        {
            "id": "day31/test_metrics.py::test_roc_auc_matches_a_hand_worked_value",
            "status": "failed",
            "bonus": False,
        },
    ]
    tests[1]["hint"] = "Did your check see a tie counted as a whole win?"  # as the report showed
    (folder / "latest.json").write_text(json.dumps({"tests": tests}), encoding="utf-8")
    assert main(["hint", "day31", "--progress-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "day31 · roc_auc: hint 1 of" in out
    assert "counted as a whole win?" in out, "hint 1 is the failing test's own (observed) hint"
    assert main(["hint", "day31", "--progress-dir", str(tmp_path)]) == 0
    second = load_hints(get_day("day31"))["roc_auc"][0].split()[0]
    assert second in capsys.readouterr().out, "then the task's progressive hints"


@pytest.mark.parametrize("day", [d.name for d in all_days()])
def test_every_day_has_hints_for_every_task_its_tests_name(day):
    hints = load_hints(get_day(day))
    tasks = {e["task"] for e in manifest_for(get_day(day))}
    assert "" not in tasks, f"{day}: a hidden test has no task="
    missing = {t for t in tasks if len(hints.get(t, [])) < 2}
    assert not missing, f"{day}: fewer than two hints for tasks {sorted(missing)}"


MILESTONE_DAYS = [d.name for d in all_days() if d.milestone]


def passed_day(percent: float = 100.0, answers: bool = True) -> dict:
    return {
        "attempts": 1,
        "best_percent": percent,
        "first_passed_at": "2026-11-29T10:00:00Z",
        "answers_complete": answers,
        "history": [],
    }


def test_the_milestone_lists_exactly_what_is_missing(monkeypatch):
    import grader.milestone as milestone

    fake_days = [
        SimpleNamespace(name=d, title=f"title of {d}", milestone="M") for d in MILESTONE_DAYS
    ]
    monkeypatch.setattr(milestone, "all_days", lambda: fake_days)
    ledger = empty_ledger()
    for day in MILESTONE_DAYS:
        ledger["days"][day] = passed_day()
    ledger["days"]["day34"]["answers_complete"] = False
    ledger["days"]["day36"] = {**passed_day(60.0), "first_passed_at": None}
    del ledger["days"]["day40"]
    status = milestone_status(ledger)
    missing = "\n".join(status["missing"])
    assert not status["reached"]
    assert "day34: written answers incomplete" in missing
    assert "day36: not passed yet (best 60 %)" in missing
    assert "day40: not graded yet" in missing
    assert "day31" not in missing and len(status["missing"]) == 3


def test_the_milestone_date_is_recorded_once_when_everything_holds(monkeypatch):
    import grader.milestone as milestone

    monkeypatch.setattr(
        milestone,
        "day_rows",
        lambda ledger: [
            {**passed_day(), "day": d, "title": "t", "in_milestone": True, "passed": True}
            for d in MILESTONE_DAYS
        ],
    )
    ledger = empty_ledger()
    update_milestone(ledger)
    first = ledger["milestone"]["reached_at"]
    assert first
    update_milestone(ledger)
    assert ledger["milestone"]["reached_at"] == first
    assert milestone_status(ledger)["reached"]


def test_progress_shows_all_ten_days_and_what_is_missing(tmp_path, capsys):
    assert main(["progress", "--progress-dir", str(tmp_path), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert [row["day"] for row in status["days"]] == list(MILESTONE_DAYS)
    assert main(["progress", "--progress-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Milestone 4: not reached yet" in out and "day40" in out


def test_list_shows_every_day_with_its_title_and_status(tmp_path, capsys):
    assert main(["list", "--progress-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for day in all_days():
        assert day.name in out and day.title.split()[0] in out
    assert "not started" in out


def test_progress_shows_complete_or_incomplete_answers_for_every_graded_day(tmp_path, capsys):
    from grader.progress import update_ledger

    def graded(ledger):
        ledger["days"]["day31"] = passed_day(answers=True)
        ledger["days"]["day32"] = passed_day(answers=False)

    update_ledger(tmp_path, graded)
    assert main(["progress", "--progress-dir", str(tmp_path)]) == 0
    rows = {
        line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line[:3] == "day"
    }
    assert "complete" in rows["day31"] and "incomplete" not in rows["day31"]
    assert "incomplete" in rows["day32"], "the same fact the milestone list reports"
    assert "complete" not in rows["day33"], "a day never graded shows '-'"


@pytest.mark.parametrize("day", [d.name for d in all_days()])
def test_the_first_hint_a_learner_sees_is_always_a_question(day):
    """`nox -s hint` starts with the failing test's own hint, then the task's: both ask."""
    tests = [e["name"] for e in manifest_for(get_day(day)) if "?" not in e["hint"]]
    assert not tests, f"{day}: these tests' hints are not questions: {tests[:5]}"
    tasks = [t for t, hints in load_hints(get_day(day)).items() if hints and "?" not in hints[0]]
    assert not tasks, f"{day}: hint 1 of these tasks is not a question: {tasks}"
