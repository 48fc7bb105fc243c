"""An exercise file that does not import is a field of each test's result (load_error),
carried from the plugin through the events to scoring, the display and the report;
nothing recognises it by the wording of a message."""

from __future__ import annotations

import json

import jsonschema

from grader import scoring
from grader.display import make_console, render_day
from grader.events import EventCheck
from grader.report import SCHEMA_PATH
from grader.results import RunStatus, TestStatus
from tests.conftest import copy_solution, grade

BROKEN = "exercises/day31/metrics.py failed to import (line 3): NameError: name 'x' is not defined"
ENTRY = {
    "nodeid": "day31/test_metrics.py::test_a",
    "name": "a",
    "file": "test_metrics.py",
    "points": 1.0,
    "hint": "Which case?",
    "bonus": False,
    "uses_random": False,
}


def scored(**seen):
    [test] = scoring.score_tests([ENTRY], {ENTRY["nodeid"]: {"outcome": "error", **seen}})
    return test


def test_a_load_error_marks_the_test_the_run_and_the_problems_once():
    test = scored(message=BROKEN, load_error=BROKEN)
    assert test.load_error == BROKEN and test.status is TestStatus.ERROR
    tests = (test, test)
    assert scoring.run_status(tests, [{"ended_by": "exit"}]) is RunStatus.LOAD_ERROR
    assert scoring.problems(tests, RunStatus.LOAD_ERROR) == (BROKEN,)


def test_a_message_that_merely_says_failed_to_import_is_not_a_load_error():
    test = scored(outcome="failed", message="assert: the file failed to import its config")
    assert test.load_error is None
    assert scoring.run_status((test,), [{"ended_by": "exit"}]) is RunStatus.COMPLETED
    assert scoring.problems((test,), RunStatus.COMPLETED) == ()


def test_the_event_channel_keeps_a_load_error_and_refuses_one_that_is_not_text():
    check = EventCheck({"n"})
    check.check(b'{"event": "start", "nodeid": "n"}')
    end = {
        "event": "end",
        "nodeid": "n",
        "outcome": "error",
        "duration": 0.1,
        "message": BROKEN,
        "load_error": BROKEN,
    }
    assert check.check(json.dumps(end).encode())["load_error"] == BROKEN
    check = EventCheck({"n"})
    check.check(b'{"event": "start", "nodeid": "n"}')
    forged = check.check(json.dumps({**end, "load_error": ["not", "text"]}).encode())
    assert forged["load_error"] == "" and forged["outcome"] == "error"


def test_a_file_that_does_not_import_fills_the_field_in_the_report_and_shows_no_hints(tmp_path):
    folder = copy_solution("day31", tmp_path)
    (folder / "metrics.py").write_text("import numpy\nx = 1\ny = undefined_name\n", "utf-8")
    result = grade("day31", tmp_path, test_files=("test_metrics.py",))
    assert result.run_status is RunStatus.LOAD_ERROR
    assert all(
        t.load_error and "metrics.py failed to import (line 3)" in t.load_error
        for t in result.tests
    )
    report = result.to_dict()
    jsonschema.validate(report, json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    assert report["tests"][0]["load_error"] == result.tests[0].load_error
    console = make_console(width=200)
    with console.capture() as captured:
        render_day(console, result, None)
    assert "failed to import" in captured.get() and "Hint:" not in captured.get()
