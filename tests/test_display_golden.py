"""Golden terminal output for the grader's tricky cases.

Each case grades a real attempt (day 31's metrics tests only) and renders it to an
80-column plain console; the text must equal ``tests/golden/<case>.txt``. After an
intended change of wording, regenerate on purpose with::

    UPDATE_GOLDEN=1 nox -s tests -- tests/test_display_golden.py
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
from pathlib import Path

import pytest

from grader.display import make_console, render_day
from tests.conftest import copy_solution, grade

GOLDEN = Path(__file__).parent / "golden"
ROC_START = "    y = np.asarray(y_true)\n"


def break_metrics(source: str, case: str) -> str:
    """The attempt for each case, made from the reference metrics.py."""
    if case == "pass":
        return source
    if case == "partial":  # a realistic bug: ties ignored in AUC
        return source.replace(
            "    ranks = np.bincount(inverse, weights=ranks)[inverse] / "
            "np.bincount(inverse)[inverse]\n",
            "",
        )
    if case == "syntax_error":
        return source.replace("def recall(", "def recall(:", 1)
    if case == "import_error":
        return "import sklearn_is_not_allowed_here\n" + source
    if case == "empty_file":
        return ""
    if case == "noisy_stdout":
        return source.replace(ROC_START, "    print('debug!' * 10_000)\n" + ROC_START)
    raise ValueError(case)


CASES = ["pass", "partial", "syntax_error", "import_error", "empty_file", "noisy_stdout"]


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_rendered_output_matches_the_golden_file(tmp_path, case):
    root = tmp_path / "learner"
    path = copy_solution("day31", root) / "metrics.py"
    path.write_text(break_metrics(path.read_text(encoding="utf-8"), case), encoding="utf-8")
    result = grade("day31", root, test_files=("test_metrics.py",))
    result = dataclasses.replace(result, target="<learner>/day31")  # no temporary paths
    buffer = io.StringIO()
    render_day(make_console(buffer, width=80), result, "progress/reports/day31/<id>.json")
    text = re.sub(r"\s+\n", "\n", buffer.getvalue())
    golden = GOLDEN / f"{case}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden file yet: run with UPDATE_GOLDEN=1 to create {golden.name}"
    assert text == golden.read_text(encoding="utf-8")
