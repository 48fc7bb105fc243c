"""python -m grader export: Gradescope and exercism results.json from the latest reports.

Each format is checked against a JSON Schema written from its documentation (every
documented field, type and enum; nothing undocumented allowed), then value by value
against the report it came from.
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from grader import request
from grader.catalog import EXERCISES_ROOT, REPO_ROOT, SOLUTIONS_ROOT, get_day
from grader.cli import main
from grader.export import progress_dir_of
from grader.exports import DayReport, exercism, gradescope
from grader.hints import load_hints
from grader.identity import learner
from grader.report import write_report
from tests.conftest import copy_solution, grade, make_clone

# --- the documented formats, as JSON Schemas ---------------------------------------------

# Gradescope, "Autograder Specifications", Output format.
_VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
_FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
GRADESCOPE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["score", "tests"],
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "integer", "minimum": 0},
        "output": {"type": "string"},
        "output_format": _FORMAT,
        "test_output_format": _FORMAT,
        "test_name_format": _FORMAT,
        "visibility": _VISIBILITY,
        "stdout_visibility": _VISIBILITY,
        "extra_data": {"type": "object"},
        "leaderboard": {"type": "array"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "score": {"type": "number"},
                    "max_score": {"type": "number"},
                    "status": {"enum": ["passed", "failed"]},
                    "name": {"type": "string"},
                    "name_format": _FORMAT,
                    "number": {"type": "string"},
                    "output": {"type": "string"},
                    "output_format": _FORMAT,
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "visibility": _VISIBILITY,
                    "extra_data": {"type": "object"},
                },
            },
        },
    },
}

# exercism, "The Test Runner Interface", version 3.
_EXERCISM_TEST = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "status"],
    "properties": {
        "name": {"type": "string"},
        "test_code": {"type": "string"},
        "status": {"enum": ["pass", "fail", "error"]},
        "message": {"type": ["string", "null"]},
        "output": {"type": "string", "maxLength": 500},
        "task_id": {"type": "integer", "minimum": 1},  # "the number at the start of the task"
    },
    # message: "required if status is fail or error"
    "if": {"properties": {"status": {"enum": ["fail", "error"]}}},
    "then": {"required": ["message"], "properties": {"message": {"type": "string"}}},
}
EXERCISM = {
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "status"],
    "properties": {
        "version": {"const": 3},
        "status": {"enum": ["pass", "fail", "error"]},
        "message": {"type": ["string", "null"], "maxLength": 65535},
        "tests": {"type": "array", "items": _EXERCISM_TEST},
    },
    # message: required if status is error; tests: required if status is fail or pass
    "if": {"properties": {"status": {"const": "error"}}},
    "then": {"required": ["message"], "properties": {"message": {"type": "string"}}},
    "else": {"required": ["tests"]},
}


# --- reports to export ----------------------------------------------------------------


def _graded(progress: Path, day: str, target_root: Path, **options) -> Path:
    write_report(grade(day, target_root, **options), progress)
    return progress


def _break(file: Path, line: str) -> None:
    file.write_text(file.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


@pytest.fixture(scope="module")
def progress(tmp_path_factory) -> dict[str, Path]:
    """Progress folders holding day 31's latest report: the reference (all green), the
    stub (plus day 38's stub, a day of bonus tests), an attempt whose two files do not
    import, and the reference with only metrics.py broken."""
    tmp = tmp_path_factory.mktemp("export")
    broken, half = tmp / "broken-attempt", tmp / "half-attempt"
    copy_solution("day31", broken)
    _break(broken / "day31" / "logistic_regression.py", "def oops(:")
    _break(broken / "day31" / "metrics.py", "import no_such_module_anywhere")
    copy_solution("day31", half)
    _break(half / "day31" / "metrics.py", "def oops(:")
    stub = _graded(tmp / "stub", "day31", EXERCISES_ROOT)
    return {
        "reference": _graded(tmp / "reference", "day31", SOLUTIONS_ROOT, graded="solutions"),
        "stub": _graded(stub, "day38", EXERCISES_ROOT),
        "broken": _graded(tmp / "broken", "day31", broken),
        "half": _graded(tmp / "half", "day31", half),
    }


def latest(progress_dir: Path, day: str = "day31") -> DayReport:
    path = progress_dir / "reports" / day / "latest.json"
    return DayReport(get_day(day), json.loads(path.read_text(encoding="utf-8")))


def export(capsys, *args: str) -> tuple[int, dict | None, str]:
    """(exit status, the JSON printed on stdout or None, stderr) of an in-process export."""
    status = main(["export", *args])
    out, err = capsys.readouterr()
    return status, (json.loads(out) if out.strip() else None), err


# --- Gradescope -----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("which", ["reference", "stub"])
def test_gradescope_results_are_the_documented_format_with_the_reports_values(progress, which):
    entry = latest(progress[which])
    report = entry.report
    results = gradescope.results([entry])
    jsonschema.validate(results, GRADESCOPE)
    assert results["score"] == report["score"]
    assert results["execution_time"] == round(report["duration_s"])
    assert results["output_format"] == "text"  # learner text is never rendered as HTML
    assert results["output"].startswith(f"day31 · ML refresh: {report['score']:g} / 98 points")
    assert results["extra_data"]["days"][0]["max_score"] == report["max_score"] == 98
    assert len(results["tests"]) == len(report["tests"])
    for position, (got, test) in enumerate(zip(results["tests"], report["tests"]), start=1):
        assert got["name"] == test["name"]
        assert got["number"] == f"31.{position}"
        assert (got["score"], got["max_score"]) == (test["points"], test["max_points"])
        assert got["status"] == ("passed" if test["status"] == "passed" else "failed")
        assert got["tags"] == ["day31", test["task"]]
        assert got["visibility"] == "visible"
        if test["status"] == "passed":
            assert "output" not in got
        else:
            assert got["output"].startswith(test["message"])
            assert f"Hint: {test['hint']}" in got["output"]
            assert test["detail"] in got["output"]
    statuses = {t["status"] for t in results["tests"]}
    assert statuses == ({"passed"} if which == "reference" else {"failed"})


@pytest.mark.slow
def test_gradescope_all_holds_every_graded_day_with_scores_summed(progress, capsys):
    status, results, err = export(
        capsys, "all", "--format", "gradescope", "--progress-dir", str(progress["stub"])
    )
    assert status == 0
    jsonschema.validate(results, GRADESCOPE)
    day31, day38 = latest(progress["stub"]).report, latest(progress["stub"], "day38").report
    assert len(results["tests"]) == len(day31["tests"]) + len(day38["tests"])
    assert results["score"] == day31["score"] + day38["score"]
    numbers = [t["number"] for t in results["tests"]]
    assert numbers[0] == "31.1" and numbers[len(day31["tests"])] == "38.1"
    bonus = [t for t in results["tests"] if t["number"].startswith("38.")]
    assert bonus and all(t["tags"][0] == "day38" and t["tags"][-1] == "bonus" for t in bonus)
    assert [line[:5] for line in results["output"].splitlines()] == ["day31", "day38"]
    assert "Not graded yet, left out: day32, day33" in err


# --- exercism -------------------------------------------------------------------------


def _task_ids(day: str, first: int = 1) -> dict[str, int]:
    return {task: first + i for i, task in enumerate(load_hints(get_day(day)))}


@pytest.mark.slow
def test_exercism_reference_passes_with_test_code_and_task_ids(progress):
    entry = latest(progress["reference"])
    results = exercism.results([entry])
    jsonschema.validate(results, EXERCISM)
    assert results["status"] == "pass" and "message" not in results
    ids = _task_ids("day31")
    assert len(results["tests"]) == len(entry.report["tests"])
    for got, test in zip(results["tests"], entry.report["tests"]):
        assert got["name"] == test["name"]  # report order: the order of the test files
        assert got["status"] == "pass" and "message" not in got
        assert got["task_id"] == ids[test["task"]]
        assert "output" not in got  # only the learner's own prints may go there
    assert sorted({t["task_id"] for t in results["tests"]}) == list(range(1, len(ids) + 1))
    shape = next(t for t in results["tests"] if t["name"] == "sigmoid keeps the shape of an array")
    assert shape["test_code"] == (
        "z = np.arange(-3.0, 3.0).reshape(2, 3)\n"
        'assert_close(lr.sigmoid(z), 1 / (1 + np.exp(-z)), what="sigmoid of a 2-D array")'
    )


@pytest.mark.slow
def test_exercism_stub_fails_every_test_with_its_message_and_hint(progress):
    entry = latest(progress["stub"])
    results = exercism.results([entry])
    jsonschema.validate(results, EXERCISM)
    assert results["status"] == "fail" and "message" not in results
    for got, test in zip(results["tests"], entry.report["tests"], strict=True):
        assert got["status"] == "fail"
        replay = f"\nReplay: {test['replay']}" if test["replay"] else ""
        assert got["message"] == f"{test['message']}\nHint: {test['hint']}{replay}"
    assert any("\nReplay: nox -s grade -- day31 --only " in t["message"] for t in results["tests"])


@pytest.mark.slow
def test_exercism_an_attempt_that_does_not_import_is_an_error_with_the_problems(progress):
    entry = latest(progress["broken"])
    assert entry.report["run_status"] == "load_error"
    results = exercism.results([entry])
    jsonschema.validate(results, EXERCISM)
    assert results["status"] == "error"
    assert results["message"] == "\n".join(entry.report["problems"])
    assert "logistic_regression.py failed to import" in results["message"]
    assert "SyntaxError" in results["message"] and "no_such_module_anywhere" in results["message"]
    assert {t["status"] for t in results["tests"]} == {"error"}


@pytest.mark.slow
def test_exercism_one_file_that_does_not_import_fails_the_run_without_erroring_it(progress):
    """exercism's top-level error is for a run where *every* test errored."""
    entry = latest(progress["half"])
    assert entry.report["run_status"] == "load_error"
    results = exercism.results([entry])
    jsonschema.validate(results, EXERCISM)
    assert results["status"] == "fail" and "message" not in results
    by_file = {
        (t["file"], got["status"]) for got, t in zip(results["tests"], entry.report["tests"])
    }
    assert by_file == {("test_logistic_regression.py", "pass"), ("test_metrics.py", "error")}


@pytest.mark.slow
def test_exercism_timeouts_are_errors_and_skips_are_failures(progress):
    entry = latest(progress["reference"])
    report = copy.deepcopy(entry.report)
    report["tests"][0].update(status="timeout", message="ran out of time")
    report["tests"][1].update(status="skipped", message="skipped: earns no points")
    results = exercism.results([DayReport(entry.day, report)])
    jsonschema.validate(results, EXERCISM)
    assert [t["status"] for t in results["tests"][:3]] == ["error", "fail", "pass"]
    assert results["tests"][0]["message"].startswith("ran out of time")
    assert results["status"] == "fail"
    scored = gradescope.results([DayReport(entry.day, report)])["tests"]
    assert [t["status"] for t in scored[:3]] == ["failed", "failed", "passed"]


@pytest.mark.slow
def test_exercism_top_level_message_is_cut_to_the_documented_65535_characters(progress):
    entry = latest(progress["broken"])
    report = copy.deepcopy(entry.report)
    report["problems"] = [f"problem {i}: " + "x" * 1000 for i in range(100)]
    results = exercism.results([DayReport(entry.day, report)])
    jsonschema.validate(results, EXERCISM)
    assert len(results["message"]) == 65535
    assert results["message"].startswith("problem 0: xxx")
    assert results["message"].endswith("… [message cut]")


@pytest.mark.slow
def test_exercism_error_message_falls_back_on_the_tests_and_names_days(progress):
    entry = latest(progress["broken"])
    report = copy.deepcopy(entry.report)
    report["problems"] = []  # then the tests' own messages, each once, in report order
    quiet = DayReport(entry.day, report)
    messages = list(dict.fromkeys(t["message"] for t in report["tests"]))
    assert len(messages) == 2
    assert exercism.results([quiet])["message"] == "\n".join(messages)
    both = exercism.results([entry, quiet])["message"].splitlines()
    assert both == [f"day31: {line}" for line in entry.report["problems"] + messages]


@pytest.mark.slow
def test_exercism_task_ids_continue_from_day_to_day(progress, capsys):
    status, results, _ = export(
        capsys, "31", "day38", "--format", "exercism", "--progress-dir", str(progress["stub"])
    )
    assert status == 0
    jsonschema.validate(results, EXERCISM)
    day31 = latest(progress["stub"]).report["tests"]
    ids31, ids38 = _task_ids("day31"), _task_ids("day38", first=len(_task_ids("day31")) + 1)
    expected = [ids31[t["task"]] for t in day31]
    expected += [ids38[t["task"]] for t in latest(progress["stub"], "day38").report["tests"]]
    assert [t["task_id"] for t in results["tests"]] == expected
    assert min(ids38.values()) == 12


def test_test_code_is_the_function_body_without_docstring_or_decorators(tmp_path):
    source = tmp_path / "test_sample.py"
    source.write_text(
        "import pytest\n\n"
        "@pytest.mark.grade(points=1)\n"
        "def test_plain(m):\n"
        '    """Docstring left out."""\n'
        "    got = m.f(1)\n"
        "    assert got == 2\n\n"
        "class TestGroup:\n"
        "    def test_inside(self, m):\n"
        "        @decorated\n"
        "        def helper():\n"
        "            return 1\n"
        "        assert helper() == 1\n",
        encoding="utf-8",
    )
    bodies = exercism.function_bodies(source)
    assert bodies["test_plain"] == "got = m.f(1)\nassert got == 2"
    assert bodies["TestGroup.test_inside"] == (
        "@decorated\ndef helper():\n    return 1\nassert helper() == 1"
    )


@pytest.mark.parametrize(
    "test_id, file",
    [
        ("day31/test_metrics.py::test_that_was_never_written", "test_metrics.py"),
        ("day31/test_cli.py::main", "../../cli.py"),  # a report cannot point outside
    ],
)
def test_test_code_of_an_unknown_test_is_a_comment_naming_it(test_id, file):
    got = exercism.hidden_test_source(get_day("day31"), test_id, file)
    assert got == f"# hidden test {test_id}: not in this grader's tests"


def test_test_code_of_a_parametrised_test_is_its_functions_body():
    day = get_day("day31")
    got = exercism.hidden_test_source(
        day,
        "day31/test_logistic_regression.py::test_sigmoid_does_not_overflow_or_warn_for_extreme_inputs[z=710]",
        "test_logistic_regression.py",
    )
    assert got.startswith('with no_warnings(f"sigmoid({z:g})"):')


# --- the command ----------------------------------------------------------------------


@pytest.mark.slow
def test_the_command_writes_the_same_json_to_a_file_as_to_stdout(progress, tmp_path):
    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "grader",
                "export",
                "day31",
                "--format",
                "exercism",
                "--progress-dir",
                str(progress["stub"]),
                *extra,
            ],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )

    printed = run()
    assert printed.returncode == 0, printed.stderr
    out = tmp_path / "results" / "results.json"
    written = run("--out", str(out))
    assert written.returncode == 0 and written.stdout == ""
    assert written.stderr.startswith("Wrote exercism results for day31 to ")
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(printed.stdout)
    assert json.loads(printed.stdout) == exercism.results([latest(progress["stub"])])


@pytest.mark.parametrize(
    "extra, says",
    [
        (
            [],
            [
                "no grade report for day31 in ",
                "/: run",
                ": run `nox -s grade -- day31 --progress-dir ",
            ],
        ),
        (["--format", "moodle"], ["invalid choice: 'moodle'"]),
        (["--out", "."], ["--out '.' is a folder; give a file name"]),
    ],
    ids=["no report", "unknown format", "out is a folder"],
)
def test_bad_exports_exit_2_with_one_line(capsys, tmp_path, extra, says):
    args = ["export", "day31", "--format", "gradescope", "--progress-dir", str(tmp_path), *extra]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert all(part in err for part in says) and err.count("\n") == 1


def test_a_missing_clone_is_a_usage_error(capsys):
    assert main(["export", "day31", "--format", "exercism", "--target", "/no/such/clone"]) == 2
    assert "--target '/no/such/clone' is not a folder" in capsys.readouterr().err


def test_all_with_no_report_at_all_is_a_usage_error(capsys, tmp_path):
    assert main(["export", "all", "--format", "exercism", "--progress-dir", str(tmp_path)]) == 2
    assert "no grade report for day31" in capsys.readouterr().err


def test_a_report_of_another_day_is_refused(capsys, tmp_path):
    folder = tmp_path / "reports" / "day31"
    folder.mkdir(parents=True)
    report = {
        "day": "day32",
        "git": None,
        "tests": [],
        "score": 0,
        "max_score": 1,
        "files": [],
        "answers": [],
        "grader": {},
    }
    (folder / "latest.json").write_text(json.dumps(report), encoding="utf-8")
    assert main(["export", "31", "--format", "exercism", "--progress-dir", str(tmp_path)]) == 2
    assert "is a report of day32, not of day31" in capsys.readouterr().err


def test_reports_are_read_where_grade_writes_them(tmp_path, monkeypatch):
    """progress/ by default; progress/targets/<learner id>/ for a clone; --progress-dir wins."""
    monkeypatch.setattr(request, "PROGRESS_ROOT", tmp_path / "progress")
    clone = make_clone(tmp_path / "alice", "Alice", "alice@example.org", {"day31": "stub"})

    def where(**options) -> Path:
        return progress_dir_of(argparse.Namespace(**options))

    assert where(target=None, progress_dir=None) == tmp_path / "progress"
    alice = learner(clone)["id"]
    assert alice.startswith("alice-")
    assert where(target=clone, progress_dir=None) == tmp_path / "progress" / "targets" / alice
    assert where(target=clone, progress_dir=tmp_path / "mine") == tmp_path / "mine"
