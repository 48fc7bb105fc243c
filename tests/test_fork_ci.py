"""CI for a learner's fork: the grading workflow and its script, and the project's own
tests in a fork whose exercises/ hold real work."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from grader.catalog import REPO_ROOT, SOLUTIONS_ROOT, all_days

SCRIPT = REPO_ROOT / ".github" / "scripts" / "grade_fork.py"
WORKFLOW = REPO_ROOT / ".github" / "workflows" / "grade.yml"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("grade_fork", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def git(where: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(where), *args], check=True, capture_output=True)


def fork_of_this_repository(where: Path, solved_days: list[str]) -> Path:
    """A learner's fork: this repository's files as a clone has them (tracked ones and new
    ones not yet committed, nothing git ignores), committed as published, then the
    reference solutions of ``solved_days`` (code and answers) committed as their work."""
    listing = subprocess.run(
        [
            "git",
            "-C",
            str(REPO_ROOT),
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, listing):
        if (REPO_ROOT / name).is_file():
            (where / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, where / name)
    git(where, "init", "-q", "-b", "main")
    git(where, "config", "user.name", "Lea Learner")  # who the reports say graded
    git(where, "config", "user.email", "lea@example.org")
    git(where, "add", "-A")
    git(where, "commit", "-q", "-m", "the katas as published")
    for day in solved_days:
        shutil.copytree(SOLUTIONS_ROOT / day, where / "exercises" / day, dirs_exist_ok=True)
    git(where, "add", "-A")
    git(where, "commit", "-q", "--allow-empty", "-m", "my work")
    return where


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without pytest's own variables (the child runs its own pytest)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "GITHUB_"))}
    return {**env, **extra}


# --- the workflow ------------------------------------------------------------------------


def test_the_workflow_runs_the_script_on_push_and_always_uploads_the_reports():
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert set(triggers) == {"push", "workflow_dispatch"}
    (job,) = workflow["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest"
    steps = {step.get("uses", step.get("run")): step for step in job["steps"]}
    assert "actions/checkout@v4" in steps
    assert steps["actions/setup-python@v5"]["with"]["python-version"] == "3.11"
    assert "python .github/scripts/grade_fork.py" in steps
    upload = steps["actions/upload-artifact@v4"]
    assert upload["if"] == "always()", "the reports are uploaded even when a step failed"
    assert upload["with"]["path"].split() == ["progress/reports", "progress/cohort"]
    assert upload["with"]["name"] == "katas-reports", "the name the README gives"
    assert "nox -s tests" not in WORKFLOW.read_text(encoding="utf-8").replace("# ", "")


# --- the script, step by step ------------------------------------------------------------


@pytest.mark.parametrize(
    "value, days",
    [
        (None, ["all"]),
        ("", ["all"]),
        ("day31 day32", ["day31", "day32"]),
        ("31,day40", ["31", "day40"]),
    ],
)
def test_katas_days_limits_the_days(monkeypatch, value, days):
    if value is None:
        monkeypatch.delenv("KATAS_DAYS", raising=False)
    else:
        monkeypatch.setenv("KATAS_DAYS", value)
    assert load_script().days_asked() == days


def report(tmp_path: Path, day: str, **fields) -> dict:
    """A day of grade's JSON summary, with its report file written under ``tmp_path``."""
    data = {
        "day": day,
        "title": "Title",
        "tests": [],
        "answers": [],
        "answers_complete": True,
        "problems": [],
        **fields,
    }
    path = tmp_path / f"{day}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    percent = fields.get("percent", 0.0)
    return {
        "day": day,
        "percent": percent,
        "passed": fields.get("passed", False),
        "report": str(path),
    }


def test_the_summary_has_a_row_per_day_with_the_first_failing_test_and_its_hint(tmp_path):
    script = load_script()
    passed = report(tmp_path, "day31", title="ML refresh", percent=100.0, passed=True)
    failing = report(
        tmp_path,
        "day32",
        percent=37.5,
        tests=[
            {"name": "passes", "status": "passed", "bonus": False, "hint": ""},
            {"name": "a bonus", "status": "failed", "bonus": True, "hint": "not this one"},
            {
                "name": "cosine | of zero",
                "status": "failed",
                "bonus": False,
                "hint": "What is |v|\nwhen v = 0?",
            },
        ],
    )
    answers = report(
        tmp_path,
        "day38",
        percent=100.0,
        answers_complete=False,
        answers=[
            {"file": "exercises/day38/answers/notes.md", "complete": True, "missing": []},
            {
                "file": "exercises/day38/answers/guardrails.md",
                "complete": False,
                "missing": ["Answer: guardrails", "Answer: HITL"],
            },
        ],
    )
    text = script.summary([passed, failing, answers])
    assert "1 of 3 day(s) passed." in text
    rows = [line for line in text.splitlines() if line.startswith("| day")]
    assert rows == [
        "| day31 · ML refresh | 100 % | yes | — | — |",
        r"| day32 · Title | 37.5 % | no | cosine \| of zero | What is \|v\| when v = 0? |",
        "| day38 · Title | 100 % | no | written answers incomplete | exercises/day38/answers/"
        "guardrails.md: Answer: guardrails, Answer: HITL (25 words or more each) |",
    ]


def test_without_a_json_summary_the_summary_says_the_grader_did_not_finish():
    assert "The grader did not finish" in load_script().summary(None)


def fake_runs(monkeypatch, script: ModuleType, outcomes: dict[str, tuple[int, str]]) -> list:
    """Replace the commands the script runs: ``outcomes`` maps "pip", "grade" and "cohort"
    to (exit status, stdout). Returns the list of commands run."""
    ran = []

    def run(*args: str, capture: bool = False):
        step = "pip" if "pip" in args else args[3]  # -m nox -s <session>
        ran.append(step)
        status, out = outcomes[step]
        return subprocess.CompletedProcess(args, status, out if capture else None)

    monkeypatch.setattr(script, "run", run)
    return ran


@pytest.mark.parametrize(
    "outcomes, status, steps",
    [
        ({"grade": (1, '{"days": []}'), "cohort": (0, "")}, 0, ["grade", "cohort"]),
        ({"grade": (1, ""), "cohort": (0, "")}, 3, ["grade"]),
        ({"grade": (0, '{"days": []}'), "cohort": (1, "")}, 3, ["grade", "cohort"]),
    ],
    ids=["a day fell short: green", "no JSON: grader failed", "no cohort page"],
)
def test_only_a_grader_failure_turns_the_run_red(
    monkeypatch, tmp_path, capsys, outcomes, status, steps
):
    script = load_script()
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    monkeypatch.setattr(script, "nox_installed", lambda: True)
    ran = fake_runs(monkeypatch, script, outcomes)
    assert script.main() == status
    assert ran == steps
    assert capsys.readouterr().out == "", "the summary goes to GitHub's file, not stdout"
    assert (tmp_path / "summary.md").read_text(encoding="utf-8").startswith("## Katas grade")


def test_set_up_runs_pip_when_nox_is_missing_and_stops_when_pip_fails(monkeypatch, tmp_path):
    script = load_script()
    monkeypatch.setattr(script, "nox_installed", lambda: False)
    ran = fake_runs(monkeypatch, script, {"pip": (7, "")})
    assert script.main() == 7 and ran == ["pip"]


# --- the script, for real, in a fork -----------------------------------------------------


def run_script(fork: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(fork / ".github" / "scripts" / "grade_fork.py")],
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_grading_a_fork_green_writes_the_summary_the_reports_and_the_cohort_page(tmp_path):
    """Then a grader that cannot finish (an unknown day) is the one red run."""
    fork = fork_of_this_repository(tmp_path / "fork", solved_days=["day31"])
    summary_file = tmp_path / "summary.md"
    done = run_script(fork, KATAS_DAYS="day31 day32", GITHUB_STEP_SUMMARY=str(summary_file))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "$ python -m nox -s grade -- day31 day32 --json" in done.stderr
    latest = {
        day: json.loads((fork / "progress" / "reports" / day / "latest.json").read_text())
        for day in ("day31", "day32")
    }
    first = next(t for t in latest["day32"]["tests"] if t["status"] != "passed")
    rows = [line for line in summary_file.read_text().splitlines() if line.startswith("| day")]
    assert rows == [
        "| day31 · ML refresh | 100 % | yes | — | — |",
        f"| day32 · {latest['day32']['title']} | 0 % | no | {first['name']} | {first['hint']} |",
    ]
    assert latest["day31"]["learner"]["name"] == "Lea Learner"
    page = (fork / "progress" / "cohort" / "index.html").read_text(encoding="utf-8")
    assert "Lea Learner" in page and "day32" in page

    failed = run_script(fork, KATAS_DAYS="day99")  # no GITHUB_STEP_SUMMARY: printed
    assert failed.returncode == 3
    assert "unknown day 'day99'" in failed.stderr, "the grader's own line is in the log"
    assert "The grader did not finish" in failed.stdout


# --- the project's own tests, in a fork with real work ------------------------------------

# Every test that reads a published file under exercises/ (the stubs, the answer
# templates, the flashcards template, day 39's example), and the lock's own tests.
STUB_TESTS = [
    "tests/test_days.py::test_stub_scores_zero_points",
    "tests/test_days.py::test_stubs_and_solutions_mirror_each_other_file_for_file",
    "tests/test_days.py::test_stub_answer_templates_are_empty_placeholders",
    "tests/test_examples.py",
    "tests/test_flashcards.py::test_the_learners_template_holds_two_example_cards",
    "tests/test_learner_loop.py::test_notes_keep_what_was_written_and_list_what_is_not",
    "tests/test_learner_loop.py::test_reset_backs_up_the_exact_bytes_then_restores_the_stub",
    "tests/test_cli.py::test_grading_the_stub_prints_hints_writes_a_valid_report_and_a_ledger_entry",
    "tests/test_cli.py::test_a_mentor_grading_a_clone_gets_a_ledger_per_learner",
    "tests/test_mentor.py::test_two_learners_in_folders_of_the_same_name_keep_separate_ledgers",
    "tests/test_mentor.py::test_the_learners_own_history_is_read_and_nothing_in_the_clone_changes",
    "tests/test_mentor.py::test_grading_a_clone_runs_none_of_its_git_configuration",
    "tests/test_stubs_lock.py",
]


@pytest.mark.slow
def test_project_tests_green_with_real_work(tmp_path):
    days = [d.name for d in all_days()]
    fork = fork_of_this_repository(tmp_path / "fork", solved_days=days)
    cards = fork / "exercises" / "flashcards.md"
    cards.write_text(cards.read_text(encoding="utf-8") + "\nQ: Mine? #day31\nA: Yes.\n", "utf-8")
    git(fork, "commit", "-q", "-am", "my own flashcard")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", *STUB_TESTS],
        cwd=fork,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-4000:]
    skips = [line for line in done.stdout.splitlines() if line.startswith("SKIPPED")]
    assert skips and all("your work, not the published stub" in line for line in skips), skips
    reasons = "\n".join(skips)
    for day in days:  # every day's stub checks were skipped, naming the day's files
        assert f"exercises/{day}/" in reasons, f"no skip names {day}'s work"
    assert "exercises/flashcards.md holds your work" in reasons
    passed = int(re.search(r"(\d+) passed", done.stdout).group(1))
    assert passed >= 10, "the lock's own checks and the tests that need no stub still ran"
