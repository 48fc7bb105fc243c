"""The benchmark session's lines and goals (grader.bench), on a fake clock: the real
numbers depend on the machine and are printed, never asserted."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from grader import bench


def fake_timer(seconds: dict[str, float]):
    """A timer that takes ``seconds[kind]`` for a single-day grade, ``grade all``, pytest
    alone and the in-process grader's grade, and leaves a report where a single-day
    grade would."""

    def timer(command: Sequence[str], cwd: Path) -> float:
        if "grader.judge" in command:  # pytest alone
            return seconds["pytest"]
        if cwd != bench.REPO_ROOT:
            return seconds["in-process"]
        if "all" in command:
            return seconds["all"]
        reports = command[command.index("--progress-dir") + 1]
        latest = bench.Path(reports) / "reports" / "day31" / "latest.json"
        latest.parent.mkdir(parents=True, exist_ok=True)
        latest.write_text(json.dumps({"tests": [{"duration_s": 0.25}, {"duration_s": 0.5}]}))
        return seconds["day"]

    return timer


@pytest.fixture
def fake_checkout(monkeypatch):
    """The in-process grader's files: only the folder matters to the fake timer."""
    monkeypatch.setattr(bench, "checkout", lambda _commit, folder: folder.mkdir() or True)


def test_each_goal_is_printed_as_met_when_the_numbers_meet_it(fake_checkout):
    seconds = {"day": 1.0, "pytest": 0.6, "all": 6.0, "in-process": 0.8}
    lines = bench.run("day31", 2, fake_timer(seconds))
    text = " ".join(" ".join(lines).split())  # the columns' spacing aside
    assert "best of 2 run(s)" in lines[0]
    assert "grader overhead (grade - pytest alone)" in text and "0.40 s goal <= 0.5 s: met" in text
    assert "the tests' own durations (from the report) 0.75 s" in text
    assert "6.0x goal <= 6x: met" in text
    assert "process split: worst day / in-process grader (day31) 1.25x goal <= 1.5x: met" in text


def test_a_goal_the_numbers_miss_says_not_met(fake_checkout):
    seconds = {"day": 1.0, "pytest": 0.2, "all": 9.0, "in-process": 0.5}
    text = " ".join(" ".join(bench.run("day31", 1, fake_timer(seconds))).split())
    assert "0.80 s goal <= 0.5 s: NOT met" in text and "9.0x goal <= 6x: NOT met" in text
    assert "2.00x goal <= 1.5x: NOT met" in text


def test_a_clone_without_the_in_process_grader_says_so(monkeypatch):
    monkeypatch.setattr(bench, "checkout", lambda _commit, _folder: False)
    seconds = {"day": 1.0, "pytest": 0.6, "all": 6.0, "in-process": 0.8}
    text = " ".join(" ".join(bench.run("day31", 1, fake_timer(seconds))).split())
    assert "n/a goal <= 1.5x (commit de02115 not in this clone)" in text


def test_the_split_goal_holds_for_the_worst_day(fake_checkout):
    seconds = {"day": 1.0, "pytest": 0.6, "all": 6.0, "in-process": 0.8}
    timer = fake_timer(seconds)

    def slower_day34(command, cwd):
        took = timer(command, cwd)
        return took * 2 if "day34" in command and cwd == bench.REPO_ROOT else took

    text = " ".join(" ".join(bench.run("day31", 1, slower_day34, ["day31", "day34"])).split())
    assert "day31: 1.00 s here, 0.80 s in-process 1.25x" in text
    assert "(day34) 2.50x goal <= 1.5x: NOT met" in text


def test_the_in_process_grader_is_checked_out_from_history(tmp_path):
    assert bench.checkout(bench.IN_PROCESS_GRADER, tmp_path / "old")
    assert (tmp_path / "old" / "grader" / "cli.py").is_file()
    assert not (tmp_path / "old" / "grader" / "worker.py").exists(), "before the split"
    assert not bench.checkout("0" * 40, tmp_path / "none")


def test_the_pytest_alone_command_runs_the_days_tests_green(tmp_path):
    # check=True: exit 0 or raise; in a scratch folder, as the grader's test process runs
    assert bench.wall_clock(bench.pytest_alone("day34"), tmp_path) > 0
