"""The judge's entry point (grader.judge) leaves at once, with pytest's exit status and
everything pytest printed: the grader reads both."""

from __future__ import annotations

import subprocess
import sys

import pytest

from grader.child import child_env


@pytest.mark.parametrize(
    ("body", "status", "summary"), [("pass", 0, "1 passed"), ("assert 0", 1, "1 failed")]
)
def test_the_judge_exits_with_pytests_status_and_output(tmp_path, body, status, summary):
    (tmp_path / "test_one.py").write_text(f"def test_one():\n    {body}\n", encoding="utf-8")
    ran = subprocess.run(
        [sys.executable, "-m", "grader.judge", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        env=child_env(),
        cwd=tmp_path,
        timeout=60,
    )
    assert ran.returncode == status, ran.stderr
    assert summary in ran.stdout.splitlines()[-1]
