"""The command line: exit statuses, one-line usage errors, --json, reports and the ledger."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from grader.catalog import REPO_ROOT
from grader.cli import main
from grader.report import SCHEMA_PATH
from tests.stubs_lock import exercise_files, skip_if_learner_work

SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def run_cli(*args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    "args, says",
    [
        (["grade", "day99"], "unknown day 'day99'; valid days are day31"),
        (["grade", "banana"], "unknown day 'banana'"),
        (["grade"], "the following arguments are required: DAY"),
        (["grade", "day31", "--frobnicate"], "unrecognized arguments: --frobnicate"),
        (["grade", "day31", "--target", "/no/such/folder"], "is not a folder"),
        (["grade", "day31", "--solutions", "--target", "x"], "not allowed with argument"),
        (["grade", "day31", "--test-timeout", "-1"], "expected a positive number of seconds"),
        (
            ["grade", "day31", "--only", "test_nothing_like_this", "--solutions"],
            "has no hidden test named 'test_nothing_like_this'",
        ),
        (["launch"], "invalid choice: 'launch'"),
        (["hint", "day99"], "unknown day 'day99'"),
        (["watch", "41"], "unknown day '41'"),
        (["notes", "--source", "/no/such/folder"], "is not a folder"),
        (["progress", "extra"], "unrecognized arguments: extra (see: python -m grader progress"),
        (["flashcards", "day99"], "unknown day 'day99'"),
    ],
    ids=[
        "unknown day",
        "not a day",
        "no day",
        "bad option",
        "missing target",
        "solutions and target",
        "negative timeout",
        "unknown test",
        "unknown command",
        "hint unknown day",
        "watch unknown day",
        "notes missing source",
        "progress extra",
        "flashcards unknown day",
    ],
)
def test_bad_command_lines_exit_2_with_one_helpful_line(capsys, args, says):
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert says in err
    assert len(err.splitlines()) == 1, f"expected one line, got:\n{err}"


@pytest.mark.slow
def test_grading_the_stub_prints_hints_writes_a_valid_report_and_a_ledger_entry(tmp_path):
    skip_if_learner_work(*exercise_files("day31"))
    done = run_cli("grade", "day31", "--progress-dir", str(tmp_path))
    assert done.returncode == 1, done.stderr
    assert re.search(r"day31: 0/\d+ points \(0 %\)", done.stdout), done.stdout
    assert "Hint:" in done.stdout and "NOT PASSED" in done.stdout
    assert "\x1b[" not in done.stdout, "no colour codes when not a terminal"
    reports = sorted((tmp_path / "reports" / "day31").glob("2*.json"))
    assert len(reports) == 1
    report = json.loads(reports[0].read_text(encoding="utf-8"))
    jsonschema.validate(report, SCHEMA)
    assert report == json.loads((tmp_path / "reports" / "day31" / "latest.json").read_text())
    assert str(REPO_ROOT) not in json.dumps(report["tests"]) + report["output"], "no absolute paths"
    assert not any(f["same_as_reference"] for f in report["files"]), "the stub is not the reference"
    ledger = json.loads((tmp_path / "progress.json").read_text(encoding="utf-8"))
    assert ledger["days"]["day31"]["attempts"] == 1
    assert ledger["days"]["day31"]["history"][0]["report"].startswith("reports/day31/")


@pytest.mark.slow
def test_json_mode_prints_exactly_one_summary_object_on_stdout(tmp_path):
    done = run_cli("grade", "31", "--solutions", "--json", "--progress-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)  # nothing else on stdout
    (day,) = summary["days"]
    assert day["day"] == "day31" and day["passed"] and day["percent"] == 100.0
    jsonschema.validate(json.loads(Path(day["report"]).read_text(encoding="utf-8")), SCHEMA)
    assert "PASSED" in done.stderr, "the table goes to stderr in --json mode"


@pytest.mark.slow
def test_the_self_check_never_touches_the_default_ledger(tmp_path):
    ledger = REPO_ROOT / "progress" / "progress.json"
    before = ledger.read_bytes() if ledger.exists() else None
    done = run_cli("grade", "day31", "--solutions", "--json")
    assert done.returncode == 0
    assert json.loads(done.stdout)["days"][0]["report"] is None
    assert (ledger.read_bytes() if ledger.exists() else None) == before


@pytest.mark.slow
def test_target_accepts_a_learners_clone(tmp_path):
    clone = tmp_path / "clone"
    (clone / "exercises").mkdir(parents=True)
    import shutil

    shutil.copytree(REPO_ROOT / "solutions" / "day31", clone / "exercises" / "day31")
    done = run_cli(
        "grade", "day31", "--target", str(clone), "--json", "--progress-dir", str(tmp_path / "p")
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(Path(json.loads(done.stdout)["days"][0]["report"]).read_text())
    assert report["target"].endswith("exercises/day31") and report["graded"] == "attempt"
    assert all(f["sha256"] and f["same_as_reference"] for f in report["files"])


def test_an_internal_error_exits_3_with_one_sentence(monkeypatch, capsys, tmp_path):
    import grader.cli as cli
    import grader.parallel as parallel

    def explode(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(parallel, "grade_day", explode)
    monkeypatch.setattr(cli, "PROGRESS_ROOT", tmp_path)
    assert main(["grade", "day31", "--solutions"]) == 3
    err = capsys.readouterr().err
    assert "internal error RuntimeError: disk on fire; details in" in err
    assert list(tmp_path.glob("grader-error-*.log")), "the traceback is kept for a mentor"


@pytest.mark.parametrize("kind", ["none", "bubblewrap"])
def test_grading_without_a_sandbox_says_so_once_per_command(monkeypatch, capsys, tmp_path, kind):
    import grader.cli as cli
    import grader.parallel as parallel
    from grader import sandbox

    monkeypatch.setattr(sandbox, "available", lambda: kind)
    monkeypatch.setattr(parallel, "grade_day", lambda *_a, **_k: 1 / 0)  # stop after the notice
    monkeypatch.setattr(cli, "PROGRESS_ROOT", tmp_path)
    main(["grade", "day31", "day32", "--solutions"])
    shown = capsys.readouterr()
    assert (shown.out + shown.err).count(sandbox.NO_SANDBOX_NOTICE) == (kind == "none")


@pytest.mark.slow
def test_a_mentor_grading_a_clone_gets_a_ledger_per_learner(tmp_path, monkeypatch, capsys):
    import shutil

    import grader.request as request

    skip_if_learner_work(*exercise_files("day31"))
    monkeypatch.setattr(request, "PROGRESS_ROOT", tmp_path / "progress")
    clone = tmp_path / "ana"
    shutil.copytree(REPO_ROOT / "exercises" / "day31", clone / "exercises" / "day31")
    assert main(["grade", "day31", "--target", str(clone), "--json"]) == 1
    report = Path(json.loads(capsys.readouterr().out)["days"][0]["report"])
    (ledger_dir,) = (tmp_path / "progress" / "targets").iterdir()
    assert ledger_dir.name.startswith("ana-"), "outside git, the id comes from the clone's path"
    assert report.is_relative_to(ledger_dir / "reports" / "day31")
    assert (ledger_dir / "progress.json").exists()
    assert not (tmp_path / "progress" / "progress.json").exists(), "the mentor's own ledger"


def _run_with_env(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    import os

    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**base, **env},
    )


def test_an_ascii_only_terminal_gets_question_marks_not_a_crash(tmp_path):
    done = _run_with_env(
        {"PYTHONIOENCODING": "ascii"},
        "-m",
        "grader",
        "hint",
        "day31",
        "--progress-dir",
        str(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    assert "day31 ? " in done.stdout, "the '·' is replaced, not fatal"


@pytest.mark.parametrize(
    "env, colour",
    [
        ({"FORCE_COLOR": "1"}, True),  # honoured without a terminal
        ({"FORCE_COLOR": "1", "NO_COLOR": ""}, True),  # an empty NO_COLOR does not count
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),  # NO_COLOR wins (no-color.org)
        ({}, False),  # not a terminal: plain
    ],
)
def test_colour_follows_no_color_and_force_color(tmp_path, env, colour):
    done = _run_with_env(env, "-m", "grader", "list", "--progress-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert ("\x1b[" in done.stdout) is colour, done.stdout[:200]


def test_python_older_than_3_11_gets_one_line_not_a_traceback():
    code = "import sys; sys.version_info = (3, 10, 12); import grader"
    done = _run_with_env({}, "-c", code)
    assert done.returncode == 1 and "Python 3.11 or newer is needed" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [("list",), ("progress", "--json")], ids=["table", "json"])
def test_a_reader_that_goes_away_ends_the_command_quietly(args, tmp_path):
    """``python -m grader list | head -1``: head exits early; we stop as cat would."""
    command = subprocess.Popen(
        [sys.executable, "-m", "grader", *args, "--progress-dir", str(tmp_path)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    command.stdout.close()  # type: ignore[union-attr]  # before it writes a byte
    stderr = command.stderr.read()  # type: ignore[union-attr]
    assert command.wait(timeout=60) == 141, stderr
    assert stderr == "", "no internal error, no traceback"
