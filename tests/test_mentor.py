"""What a mentor grading learners' clones can rely on: who, what, and nothing run or written.

Each clone here is a real git repository, named like the learners' (``alice/katas``,
``bob/katas``): the folder name is the same, the people are not.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from grader.catalog import REPO_ROOT
from grader.cli import main
from tests.conftest import make_clone

SCHEMA = json.loads((REPO_ROOT / "grader" / "schema" / "report.schema.json").read_text())


def _grade(clone: Path, progress: Path, capsys, *days: str) -> list[dict]:
    main(
        [
            "grade",
            *(days or ("day31",)),
            "--target",
            str(clone),
            "--progress-dir" if progress else "",
            *([str(progress)] if progress else []),
            "--json",
        ]
    )
    summary = json.loads(capsys.readouterr().out)["days"]
    return [json.loads(Path(d["report"]).read_text(encoding="utf-8")) for d in summary]


def _tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_two_learners_in_folders_of_the_same_name_keep_separate_ledgers(
    tmp_path, monkeypatch, capsys
):
    import grader.request as request

    monkeypatch.setattr(request, "PROGRESS_ROOT", tmp_path / "mentor")
    remote = "https://git.example/alice/katas.git"
    alice = make_clone(
        tmp_path / "alice" / "katas",
        "Alice A",
        "alice@example.org",
        {"day31": "solution"},
        remote=remote,
    )
    bob = make_clone(tmp_path / "bob" / "katas", "Bob B", "bob@example.org", {"day31": "stub"})
    main(["grade", "day31", "--target", str(alice), "--json"])
    main(["grade", "day31", "--target", str(bob), "--json"])
    capsys.readouterr()
    ledgers = {
        p.parent.name: json.loads(p.read_text(encoding="utf-8"))
        for p in (tmp_path / "mentor" / "targets").glob("*/progress.json")
    }
    assert len(ledgers) == 2, f"one ledger per learner, got {sorted(ledgers)}"
    by_person = {name.split("-")[0]: led for name, led in ledgers.items()}
    assert by_person["alice"]["days"]["day31"]["first_passed_at"]
    assert not by_person["bob"]["days"]["day31"]["first_passed_at"], "bob got alice's pass"


@pytest.mark.slow
def test_a_report_says_who_which_commit_and_which_grader(tmp_path, capsys):
    clone = make_clone(
        tmp_path / "alice" / "katas",
        "Alice A",
        "alice@example.org",
        {"day31": "stub"},
        remote="https://git.example/alice/katas.git",
    )
    head = subprocess.run(
        ["git", "-C", str(clone), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    (report,) = _grade(clone, tmp_path / "mentor", capsys)
    jsonschema.validate(report, SCHEMA)
    assert report["learner"]["name"] == "Alice A"
    assert report["learner"]["email"] == "alice@example.org"
    assert report["learner"]["remote"] == "https://git.example/alice/katas.git"
    assert report["learner"]["id"].startswith("alice-")
    assert report["git"]["commit"] == head and report["git"]["committed_at"][:4].isdigit()
    assert report["git"]["dirty"] is False
    assert len(report["grader"]["fingerprint"]) == 64
    assert report["grader_version"] == report["grader"]["version"]
    assert report["grader"]["version"].startswith("0.2.0"), "the version from pyproject.toml"
    assert report["grader"]["requirements"]["numpy"], "the installed requirement versions"
    assert all(t["task"] for t in report["tests"]), "each test keeps its task"

    (clone / "README.txt").write_text("a new file, never committed\n", encoding="utf-8")
    (report,) = _grade(clone, tmp_path / "mentor", capsys)
    assert report["git"]["dirty"] is True, "an untracked file anywhere makes the clone dirty"


@pytest.mark.slow
def test_the_learners_own_history_is_read_and_nothing_in_the_clone_changes(tmp_path, capsys):
    clone = make_clone(tmp_path / "ana" / "katas", "Ana", "ana@example.org", {"day31": "stub"})
    ledger = {
        "schema_version": 1,
        "milestone": {"reached_at": None},
        "days": {
            "day31": {
                "attempts": 7,
                "best_score": 3.0,
                "best_percent": 5.0,
                "history": [],
                "first_passed_at": "2026-11-30T09:00:00Z",
                "hints_revealed": {"sigmoid": 2, "roc_auc": 1},
            }
        },
    }
    (clone / "progress").mkdir()
    (clone / "progress" / "progress.json").write_text(json.dumps(ledger), encoding="utf-8")
    before = _tree_digest(clone)
    (report,) = _grade(clone, tmp_path / "mentor", capsys)
    assert report["learner_history"]["attempts"] == 7
    assert report["learner_history"]["first_passed_at"] == "2026-11-30T09:00:00Z"
    assert report["hints_revealed"] == {"sigmoid": 2, "roc_auc": 1}, "the learner's hints"
    assert main(["progress", "--target", str(clone), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["days"][0]["attempts"] == 7 and status["days"][0]["first_passed_at"]
    assert _tree_digest(clone) == before, "the mentor wrote into the learner's clone"


@pytest.mark.slow
def test_grading_a_clone_runs_none_of_its_git_configuration(tmp_path, capsys):
    """fsmonitor, hooks and clean filters are commands a hostile clone could configure."""
    clone = make_clone(tmp_path / "eve" / "katas", "Eve", "eve@example.org", {"day31": "stub"})
    marker = tmp_path / "PWNED"
    evil = f"touch {marker}; false"
    for key, value in (
        ("core.fsmonitor", evil),
        ("core.hooksPath", str(tmp_path)),
        ("filter.evil.clean", evil),
        ("filter.evil.smudge", evil),
        ("filter.evil.process", evil),
    ):
        subprocess.run(["git", "-C", str(clone), "config", key, value], check=True)
    (clone / ".gitattributes").write_text("* filter=evil\n", encoding="utf-8")
    for hook in ("post-checkout", "pre-commit", "post-index-change"):
        (tmp_path / hook).write_text(f"#!/bin/sh\n{evil}\n", encoding="utf-8")
        (tmp_path / hook).chmod(0o755)
    metrics = clone / "exercises" / "day31" / "metrics.py"
    metrics.write_text(metrics.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    (report,) = _grade(clone, tmp_path / "mentor", capsys)
    assert not marker.exists(), "grading ran a command from the clone's git configuration"
    assert report["git"]["dirty"] is True, "the edit is still seen, without the clean filter"


@pytest.mark.slow
def test_json_through_nox_prints_only_json_on_stdout(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "nox", "-s", "grade", "--", "day31", "--solutions", "--json"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)  # nothing but JSON
    assert summary["days"][0]["passed"] is True
    assert "PASSED" in done.stderr, "the table still reaches the terminal, on stderr"


@pytest.fixture(scope="module")
def graded_clone(tmp_path_factory):
    """A learner's clone with day 31 done, graded once by the mentor: (clone, report path)."""
    from grader.catalog import get_day
    from grader.grading import GradeRequest, grade_day
    from grader.report import write_report

    base = tmp_path_factory.mktemp("verify")
    clone = make_clone(
        base / "alice" / "katas", "Alice", "alice@example.org", {"day31": "solution"}
    )
    result = grade_day(get_day("day31"), GradeRequest(target_root=clone / "exercises"))
    return clone, write_report(result, base / "mentor")


def _verify(report: Path, *extra: str) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "grader", "verify", str(report), *extra],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done.returncode, done.stdout + done.stderr


def _edited(report: Path, tmp_path: Path, change) -> Path:
    data = json.loads(report.read_text(encoding="utf-8"))
    change(data)
    copy = tmp_path / "emailed.json"
    copy.write_text(json.dumps(data), encoding="utf-8")
    return copy


@pytest.mark.slow
def test_a_genuine_report_verifies(graded_clone):
    _clone, report = graded_clone
    code, text = _verify(report)
    assert code == 0 and "VERIFIED" in text and "NOT VERIFIED" not in text, text


@pytest.mark.slow
def test_a_report_edited_by_hand_names_what_differs(graded_clone, tmp_path):
    clone, report = graded_clone

    def forge(data):
        data["tests"][0]["status"], data["tests"][0]["points"] = "failed", 0.0
        data["score"] -= data["tests"][0]["max_points"]
        data["answers_complete"] = not data["answers_complete"]
        data["files"][0]["sha256"] = "0" * 64

    code, text = _verify(_edited(report, tmp_path, forge), "--target", str(clone))
    assert code == 1 and "NOT VERIFIED" in text, text
    for named in ("score:", "answers_complete", data_test_name(report), "sha256"):
        assert named in text, f"the difference in {named!r} is not named:\n{text}"


def data_test_name(report: Path) -> str:
    return json.loads(report.read_text(encoding="utf-8"))["tests"][0]["name"]


@pytest.mark.slow
def test_a_report_from_another_grader_fails_on_its_fingerprint(graded_clone, tmp_path):
    _clone, report = graded_clone

    def other_grader(data):
        data["grader"]["fingerprint"] = "f" * 64

    code, text = _verify(_edited(report, tmp_path, other_grader))
    assert code == 1 and "fingerprint" in text, text


def test_verify_explains_what_it_cannot_use(tmp_path, graded_clone):
    _clone, report = graded_clone
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    code, text = _verify(broken)
    assert code == 2 and len(text.strip().splitlines()) == 1 and "not a JSON report" in text
    code, text = _verify(_edited(report, tmp_path, lambda d: d["git"].update(dirty=True)))
    assert code == 1 and "uncommitted" in text, text
    unknown = _edited(report, tmp_path, lambda d: d["git"].update(commit="1" * 40))
    code, text = _verify(unknown)
    assert code == 2 and "fetch" in text, text
