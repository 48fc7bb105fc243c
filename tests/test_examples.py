"""The runnable example day 39 ships works on the untouched stub and on the reference."""

from __future__ import annotations

import subprocess
import sys

import pytest

from grader.catalog import REPO_ROOT
from tests.stubs_lock import skip_if_learner_work

EXAMPLE = REPO_ROOT / "exercises" / "day39" / "run_example.py"


def run_example(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLE), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_example_says_in_one_line_what_the_stub_lacks():
    skip_if_learner_work("exercises/day39/eval_harness.py", "exercises/day39/run_example.py")
    done = run_example()
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("eval_harness.py is not finished yet: load_jsonl")
    assert len(done.stdout.strip().splitlines()) == 1


def test_the_example_prints_the_offline_gate_for_the_reference():
    done = run_example("solutions/day39")
    assert done.returncode == 0, done.stderr
    assert "Offline gate on 20 items: BLOCKED by groundedness, latency_p95, cost" in done.stdout


@pytest.mark.parametrize("folder", ["nowhere", "exercises/day31"])
def test_the_example_refuses_a_folder_without_a_harness(folder):
    done = run_example(folder)
    assert done.returncode == 2 and "no eval_harness.py in" in done.stdout
