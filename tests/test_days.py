"""Every day: the reference scores 100 %, the stub scores 0, and the two mirror each other."""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import pytest

from grader.catalog import EXERCISES_ROOT, SOLUTIONS_ROOT, all_days
from grader.results import RunStatus, TestStatus
from tests.conftest import grade
from tests.stubs_lock import answer_files, day_files, exercise_files, skip_if_learner_work

DAYS = [d.name for d in all_days()]


@pytest.mark.slow
@pytest.mark.parametrize("day", DAYS)
def test_reference_solution_scores_full_marks(day: str):
    result = grade(day, SOLUTIONS_ROOT)
    failing = [f"{t.name}: {t.message}" for t in result.tests if t.status is not TestStatus.PASSED]
    assert not failing, f"{day} reference fails hidden tests:\n" + "\n".join(failing)
    assert result.run_status is RunStatus.COMPLETED
    assert result.passed and result.answers_complete, f"{day} model answers are incomplete"


@pytest.mark.slow
@pytest.mark.parametrize("day", DAYS)
def test_stub_scores_zero_points(day: str):
    skip_if_learner_work(*day_files(day))  # day 38 passes on its answers: they count too
    result = grade(day, EXERCISES_ROOT)
    earned = [t.name for t in result.tests if t.points > 0]
    assert not earned, f"{day}: the untouched stub earns points in: {earned}"
    assert not result.passed


def public_signatures(path: Path) -> dict[str, str]:
    """``{"sigmoid": "(z)", "LogisticRegression.fit": "(self, X, y)", ...}`` read from source."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: dict[str, str] = {}

    def visit(nodes: list[ast.stmt], prefix: str) -> None:
        for node in nodes:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                if node.name.startswith("_") and node.name != "__init__":
                    continue
                name = prefix + node.name
                if isinstance(node, ast.ClassDef):
                    found[name] = "class"
                    visit(node.body, name + ".")
                else:
                    kind = "async " if isinstance(node, ast.AsyncFunctionDef) else ""
                    found[name] = kind + ast.unparse(node.args)

    visit(tree.body, "")
    return found


@pytest.mark.parametrize("day", DAYS)
def test_stubs_and_solutions_mirror_each_other_file_for_file(day: str):
    day_info = next(d for d in all_days() if d.name == day)
    for name in (*day_info.exercises, *day_info.answers):
        assert (EXERCISES_ROOT / day / name).is_file(), f"exercises/{day}/{name} is missing"
        assert (SOLUTIONS_ROOT / day / name).is_file(), f"solutions/{day}/{name} is missing"
    skip_if_learner_work(*exercise_files(day))
    for name in day_info.exercises:
        if name.endswith(".py"):
            stub = public_signatures(EXERCISES_ROOT / day / name)
            ref = public_signatures(SOLUTIONS_ROOT / day / name)
            assert stub == ref, f"{day}/{name}: public signatures differ"


@pytest.mark.parametrize("day", DAYS)
def test_stub_answer_templates_are_empty_placeholders(day: str):
    from grader.answers import check_answers

    day_info = next(d for d in all_days() if d.name == day)
    skip_if_learner_work(*answer_files(day))
    checks = check_answers(EXERCISES_ROOT / day, day_info.answers, f"exercises/{day}")
    for check in checks:
        assert check.exists and check.sections >= 1, f"{check.file} has no '## Answer' section"
        assert check.complete_sections == 0, f"{check.file} ships with a filled-in answer"


@pytest.mark.slow
def test_grading_every_reference_reaches_milestone_4_in_a_fresh_progress_dir(tmp_path, capsys):
    """A learner's clone holding complete work (here: the references, copied) reaches it;
    the self-check of the same code (--solutions) never does, whatever --progress-dir says."""
    from grader.cli import main

    assert all(d.milestone == "Milestone 4" for d in all_days()), "every day counts towards it"
    self_check = tmp_path / "self-check"
    assert (
        main(
            ["grade", "day31", "day40", "--solutions", "--progress-dir", str(self_check), "--json"]
        )
        == 0
    )
    assert "Milestone 4 reached" not in capsys.readouterr().err
    assert not (self_check / "progress.json").exists(), "--solutions entered a ledger"
    assert list((self_check / "reports" / "day31").glob("*.json")), "its report is still written"
    clone, progress = tmp_path / "clone", tmp_path / "progress"
    shutil.copytree(SOLUTIONS_ROOT, clone / "exercises")
    assert (
        main(["grade", "all", "--target", str(clone), "--progress-dir", str(progress), "--json"])
        == 0
    )
    assert "Milestone 4 reached on" in capsys.readouterr().err
    assert main(["progress", "--progress-dir", str(progress), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["reached"] and status["reached_at"] and not status["missing"]
    ledger = json.loads((progress / "progress.json").read_text(encoding="utf-8"))
    assert ledger["milestone"]["reached_at"] == status["reached_at"]


TIMED_DAYS = [
    d.name
    for d in all_days()
    if any(
        "assert_not_much_slower(" in p.read_text(encoding="utf-8")
        or "assert_grows_like_the_reference(" in p.read_text(encoding="utf-8")
        for p in d.hidden_dir.glob("test_*.py")
    )
]


@pytest.fixture
def two_busy_cores():
    """Two CPU-bound processes beside the grade: a busy machine, as on a learner's laptop."""
    import subprocess
    import sys

    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    yield
    for burner in burners:
        burner.kill()
        burner.wait()


@pytest.mark.slow
@pytest.mark.parametrize("day", TIMED_DAYS)
def test_the_reference_passes_its_timing_tests_on_a_busy_machine(day: str, two_busy_cores):
    assert TIMED_DAYS, "some day has timing tests"
    result = grade(day, SOLUTIONS_ROOT)
    failing = [f"{t.name}: {t.message}" for t in result.tests if t.status is not TestStatus.PASSED]
    assert not failing, f"{day} reference fails beside two CPU-bound processes:\n" + "\n".join(
        failing
    )
