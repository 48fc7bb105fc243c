"""The verdict is all green; the summary names what still fails; messages teach."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest

from grader.catalog import get_day
from grader.display import make_console, next_step, render_day
from grader.plugin import strip_introspection
from grader.results import AnswerCheck, DayResult, RunStatus, TestResult, TestStatus
from grader.scoring import failing_tests, is_passed, score_tests
from grader.testing import Mistake, assert_same_text, name_the_mistake

COMPLETE = (AnswerCheck("answers/a.md", True, 1, 1, 40),)


def a_test(name: str, status: str = "passed", points: float = 1.0, **more) -> TestResult:
    passed = status == "passed"
    return TestResult(
        id=f"dayXX/{more.pop('file', 'test_x.py')}::test_{name.replace(' ', '_')}",
        name=name,
        file=more.pop("file_name", "test_x.py"),
        status=TestStatus(status),
        points=points if passed else 0.0,
        max_points=points,
        duration_s=0.0,
        message="" if passed else f"{name} went wrong",
        hint=f"Why does {name} fail?",
        **more,
    )


def day_result(tests: tuple[TestResult, ...], day: str = "day31", **more) -> DayResult:
    regular = [t for t in tests if not t.bonus]
    return DayResult(
        day=day,
        title="T",
        target=more.pop("target", "exercises/day31"),
        graded="attempt",
        started_at="2026-12-06T00:00:00Z",
        finished_at="2026-12-06T00:00:01Z",
        duration_s=1.0,
        run_status=RunStatus.COMPLETED,
        score=sum(t.points for t in regular),
        max_score=sum(t.max_points for t in regular),
        pass_rule="all_green",
        passed=is_passed(get_day(day), tests, COMPLETE),
        tests=tests,
        answers=COMPLETE,
        **more,
    )


def test_one_failing_test_among_many_fails_the_day():
    tests = tuple(a_test(f"check {i}", points=5) for i in range(19))
    tests += (a_test("the one concept", "failed"),)
    assert not is_passed(get_day("day31"), tests, COMPLETE), "99 % of points is not a pass"
    assert is_passed(get_day("day31"), tests[:-1], COMPLETE)


def test_a_failing_bonus_test_does_not_fail_the_day():
    tests = (a_test("core"), a_test("extra", "failed", bonus=True))
    assert is_passed(get_day("day31"), tests, COMPLETE)


def test_day_40_quiz_passes_at_its_threshold_and_beam_search_must_be_all_green():
    day = get_day("day40")
    quiz = tuple(
        a_test(f"q{i}", "passed" if i < 7 else "failed", file_name="test_quiz.py")
        for i in range(10)
    )  # 7 of 10 questions: exactly the 70 % mark
    beam = (a_test("beam a", file_name="test_beam_search.py"),)
    assert is_passed(day, quiz + beam, COMPLETE)
    assert failing_tests(day, quiz + beam) == ()
    short_quiz = tuple(
        replace(t, status=TestStatus.FAILED, points=0.0) if i == 6 else t
        for i, t in enumerate(quiz)
    )
    assert not is_passed(day, short_quiz + beam, COMPLETE), "6 of 10 is under 70 %"
    broken_beam = (a_test("beam a", "failed", file_name="test_beam_search.py"),)
    assert not is_passed(day, quiz + broken_beam, COMPLETE), "a perfect quiz cannot carry beam"


def test_day_38_passes_on_its_answers_whatever_the_bonus_does():
    tests = (a_test("reward", "failed", bonus=True),)
    assert is_passed(get_day("day38"), tests, COMPLETE)
    incomplete = (AnswerCheck("answers/a.md", True, 2, 1, 40, ("Answer 2",)),)
    assert not is_passed(get_day("day38"), tests, incomplete)


def render(result: DayResult, **options) -> str:
    buffer = io.StringIO()
    render_day(make_console(buffer, width=60), result, None, **options)
    return buffer.getvalue()


def test_the_summary_counts_the_failing_tests_and_names_the_first():
    tests = (a_test("alpha"), a_test("beta", "failed"), a_test("gamma", "failed"))
    text = render(day_result(tests))
    assert "NOT PASSED: 2 tests still failing; first: beta" in " ".join(text.split())
    assert "Next: make 'beta' pass. Hint: Why does beta fail?" in " ".join(text.split())
    assert text.index("beta") < text.index("1 test(s) passed"), "failing rows come first"
    assert "alpha" not in text, "passing rows collapse into a count"
    assert "alpha" in render(day_result(tests), all_rows=True)


def test_next_names_a_failing_test_before_the_written_answers():
    incomplete = (AnswerCheck("answers/a.md", True, 2, 0, 0, ("A", "B")),)
    result = replace(day_result((a_test("beta", "failed"),)), answers=incomplete)
    assert next_step(result).startswith("Next: make 'beta' pass")


def test_under_target_next_names_the_targets_folder():
    result = day_result((a_test("beta", "failed"),), target="/home/m/alice/day31")
    assert "pass in /home/m/alice/day31." in next_step(result), "the whole folder: whose clone"


def test_replay_commands_stand_whole_on_their_own_lines_at_any_width():
    result = day_result(
        (a_test("random", "failed", seed=12345),), target="/home/mentor/learners/alice-katas/day31"
    )
    text = render(result)
    replay_lines = [line for line in text.splitlines() if line.startswith("nox -s grade")]
    assert len(replay_lines) == 1 and replay_lines[0].endswith("--seed 12345"), text
    assert len(replay_lines[0]) > 60, "longer than the console, and still one line"


def test_a_replay_says_it_is_a_replay_not_a_verdict():
    text = render(day_result((a_test("random", "failed", seed=7),)), replay=True)
    assert "replay (not recorded)" in text and "NOT PASSED" not in text


def test_pytest_introspection_noise_is_stripped_from_messages():
    raw = "assert 2 == 3\n +  where 2 = len(<solution.Pipeline object at 0x7f3a2c1d9e50>)"
    assert strip_introspection(raw) == "assert 2 == 3"
    assert strip_introspection("got <Foo object at 0xdeadbeef>") == "got <Foo object>"


def test_an_observed_mistake_brings_its_own_hint_into_the_report():
    manifest = [
        {
            "nodeid": "n",
            "name": "n",
            "file": "test_x.py",
            "points": 1.0,
            "hint": "generic?",
            "task": "t",
            "bonus": False,
            "uses_random": False,
        }
    ]
    seen = {"n": {"outcome": "failed", "message": "scaled by sqrt(d_v)", "hint": "Which dim?"}}
    assert score_tests(manifest, seen)[0].hint == "Which dim?"
    seen["n"]["hint"] = ""
    assert score_tests(manifest, seen)[0].hint == "generic?"


def test_name_the_mistake_matches_known_wrong_values_only():
    with pytest.raises(Mistake) as caught:
        name_the_mistake([0.5, 0.5], {"halved": ([0.5, 0.5], "Did you halve?")}, what="out")
    assert caught.value.hint == "Did you halve?" and "out: halved" in str(caught.value)
    name_the_mistake([1.0, 1.0], {"halved": ([0.5, 0.5], "Did you halve?")}, what="out")
    name_the_mistake("abc", {"upper": ("ABC", "Case?")}, what="text")


def test_a_string_diff_shows_code_points_and_normal_forms():
    with pytest.raises(AssertionError) as caught:
        assert_same_text("cafe\u0301", "caf\u00e9", what="normalised")
    message = str(caught.value)
    assert "U+0065 U+0301" in message and "U+00E9" in message and "same text in NFC" in message


def test_the_report_states_the_rule(tmp_path):
    result = day_result(
        (a_test("alpha"),), day="day40", pass_marks=dict(get_day("day40").pass_marks)
    )
    report = json.loads(json.dumps(result.to_dict()))
    assert report["pass_rule"] == "all_green" and report["pass_marks"] == {"test_quiz.py": 0.7}
    assert "pass_mark" not in report
