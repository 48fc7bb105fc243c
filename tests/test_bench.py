"""The benchmark session's lines and goals (grader.bench), on a fake clock: the real
numbers depend on the machine and are printed, never asserted."""

from __future__ import annotations

import json
from collections.abc import Sequence

from grader import bench


def fake_timer(seconds: dict[str, float]):
    """A timer that takes ``seconds[kind]`` for a single-day grade, ``grade all`` and
    pytest alone, and leaves a report where a single-day grade would."""

    def timer(command: Sequence[str]) -> float:
        if "pytest" in command:
            return seconds["pytest"]
        if "all" in command:
            return seconds["all"]
        reports = command[command.index("--progress-dir") + 1]
        latest = bench.Path(reports) / "reports" / "day31" / "latest.json"
        latest.parent.mkdir(parents=True, exist_ok=True)
        latest.write_text(json.dumps({"tests": [{"duration_s": 0.25}, {"duration_s": 0.5}]}))
        return seconds["day"]

    return timer


def test_each_goal_is_printed_as_met_when_the_numbers_meet_it():
    lines = bench.run("day31", 2, fake_timer({"day": 1.0, "pytest": 0.6, "all": 6.0}))
    text = " ".join(" ".join(lines).split())  # the columns' spacing aside
    assert "best of 2 run(s)" in lines[0]
    assert "grader overhead (grade - pytest alone)" in text and "0.40 s goal <= 0.5 s: met" in text
    assert "the tests' own durations (from the report) 0.75 s" in text
    assert "6.0x goal <= 6x: met" in text


def test_a_goal_the_numbers_miss_says_not_met():
    lines = bench.run("day31", 1, fake_timer({"day": 1.0, "pytest": 0.2, "all": 9.0}))
    text = " ".join(" ".join(lines).split())
    assert "0.80 s goal <= 0.5 s: NOT met" in text and "9.0x goal <= 6x: NOT met" in text


def test_the_pytest_alone_command_runs_the_days_tests_green():
    assert bench.wall_clock(bench.pytest_alone("day34")) > 0  # check=True: exit 0 or raise
