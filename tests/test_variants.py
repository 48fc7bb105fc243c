"""Every realistic buggy variant fails its day (not just a point); every exercise file has five."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from grader.catalog import SOLUTIONS_ROOT, all_days, get_day
from grader.results import RunStatus, TestStatus
from tests.conftest import copy_solution, grade
from tests.variants import Variant, all_variants

VARIANTS = all_variants()
MIN_VARIANTS_PER_FILE = 5


@pytest.mark.slow
@pytest.mark.parametrize(
    "day, variant", VARIANTS, ids=[f"{d}/{v.file}: {v.name}" for d, v in VARIANTS]
)
def test_variant_fails_its_day(tmp_path: Path, day: str, variant: Variant):
    folder = copy_solution(day, tmp_path)
    path = folder / variant.file
    path.write_text(variant.apply(path.read_text(encoding="utf-8")), encoding="utf-8")
    test_file = f"test_{Path(variant.file).stem}.py"
    result = grade(day, tmp_path, test_files=(test_file,), fail_fast=True)
    assert result.run_status is not RunStatus.LOAD_ERROR, (
        f"the variant should be a bug, not a broken file: {result.problems}"
    )
    if get_day(day).pass_rule == "answers" or test_file in dict(get_day(day).pass_marks):
        # A bonus file (day 38 passes on its answers) or a file graded against a threshold
        # the curriculum sets (day 40's quiz, 70 %): one slip loses its question's points,
        # which is what such a file promises, not the day.
        failing = [t for t in result.tests if t.status is not TestStatus.PASSED]
        assert failing, f"no hidden test of {day}/{test_file} catches: {variant.name}"
    else:
        assert not result.passed, (
            f"{day} still PASSES with this bug in {variant.file}: {variant.name} "
            f"({result.score:g}/{result.max_score:g} points in {test_file})"
        )


@pytest.mark.parametrize("day", [d.name for d in all_days()])
def test_every_python_exercise_file_has_enough_variants(day: str):
    counts = Counter(v.file for d, v in VARIANTS if d == day)
    python_files = [
        f for f in next(d for d in all_days() if d.name == day).exercises if f.endswith(".py")
    ]
    short = {f: counts[f] for f in python_files if counts[f] < MIN_VARIANTS_PER_FILE}
    assert not short, (
        f"{day}: these files have fewer than {MIN_VARIANTS_PER_FILE} variants: {short}"
    )


def test_variant_edits_must_match_the_reference_exactly_once():
    variant = Variant("metrics.py", "no such text", (("this text is not there", "x"),))
    source = (SOLUTIONS_ROOT / "day31" / "metrics.py").read_text(encoding="utf-8")
    with pytest.raises(AssertionError, match="occurs 0 times"):
        variant.apply(source)
