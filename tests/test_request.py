"""One typed grade request from the command line down: grader.request.grade_request."""

from __future__ import annotations

import shutil

import pytest

from grader.catalog import EXERCISES_ROOT, PROGRESS_ROOT, SOLUTIONS_ROOT
from grader.errors import UsageError
from grader.progress import update_ledger
from grader.request import grade_request
from tests.conftest import make_clone


def test_the_learners_own_attempt_is_recorded_in_progress():
    request = grade_request()
    assert request.target_root == EXERCISES_ROOT and request.graded == "attempt"
    assert request.progress_dir == PROGRESS_ROOT and not request.foreign


def test_a_replay_and_a_self_check_without_a_folder_are_never_recorded(tmp_path):
    assert grade_request(only="test_x", progress_dir=tmp_path).progress_dir is None
    assert grade_request(solutions=True).progress_dir is None
    self_check = grade_request(solutions=True, progress_dir=tmp_path)
    assert self_check.graded == "solutions" and self_check.progress_dir == tmp_path


def test_the_references_given_as_a_target_are_a_self_check(tmp_path):
    request = grade_request(target=SOLUTIONS_ROOT)
    assert request.graded == "solutions" and request.progress_dir is None


def test_a_whole_clone_is_graded_in_its_exercises_and_recorded_per_learner(tmp_path):
    clone = make_clone(tmp_path / "alice", "Alice", "alice@example.org", {"day31": "stub"})
    request = grade_request(target=clone)
    assert request.target_root == clone / "exercises" and request.foreign
    assert request.progress_dir is not None
    assert request.progress_dir.parent == PROGRESS_ROOT / "targets"


def test_a_target_that_is_not_a_folder_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="is not a folder; give the learner's exercises/"):
        grade_request(target=tmp_path / "missing")


def test_an_attempt_carries_the_hints_its_ledger_revealed_and_a_self_check_none(tmp_path):
    def reveal(ledger):
        ledger["days"]["day31"] = {"hints_revealed": {"sigmoid": 2}}

    update_ledger(tmp_path, reveal)
    assert grade_request(progress_dir=tmp_path).hints_revealed == {"day31": {"sigmoid": 2}}
    assert grade_request(solutions=True, progress_dir=tmp_path).hints_revealed == {}


def test_an_attempt_outside_the_repository_given_without_git_is_still_a_target(tmp_path):
    shutil.copytree(EXERCISES_ROOT / "day31", tmp_path / "day31")
    request = grade_request(target=tmp_path, progress_dir=tmp_path / "progress")
    assert request.target_root == tmp_path and request.foreign
    assert request.progress_dir == tmp_path / "progress"
