"""The judge's entry point (grader.judge) leaves at once, with pytest's exit status and
everything pytest printed: the grader reads both."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from _pytest.assertion.rewrite import PYC_TAIL

from grader import judge
from grader.catalog import HIDDEN_ROOT, REPO_ROOT
from grader.child import child_env
from grader.plugin import BYTECODE_CACHE
from tests.conftest import copy_solution, grade


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


def test_the_options_read_before_pytest_starts_are_the_plugins():
    """grader.judge reads a few of the plugin's options itself, before pytest is imported:
    they must be the plugin's, or the early worker would never be the one asked for."""
    shown = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "grader.plugin", "--help"],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=60,
    ).stdout
    for name in (*judge.EARLY_OPTIONS, "--grader-hide"):
        assert f"{name}=" in shown, f"{name} is not an option of grader.plugin"


EARLY = """
import sys
from pathlib import Path
from grader import proxy
folder = Path(sys.argv[1])
proxy.start_early("attempt", folder, "early")
early_pid = next(iter(proxy._EARLY.values()))[0].pid
worker = proxy.start("attempt", folder, "early")
assert worker.proc.pid == early_pid, "the early process was not adopted"
assert worker.module("probe").answer() == 42
proxy.start_early("attempt", folder, "never asked for")
leftover = next(iter(proxy._EARLY.values()))[0]
proxy.stop_all()
assert leftover.poll() is not None and not proxy._EARLY, "an early worker outlived stop_all"
print("ok")
"""


def run_beside_a_probe(script: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """``script`` in a fresh interpreter, given ``folder``, which holds a ``probe.py``
    whose ``answer()`` is 42."""
    (folder / "probe.py").write_text("def answer():\n    return 42\n", encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-c", script, str(folder)],
        capture_output=True,
        text=True,
        env={**child_env(), "PYTHONPATH": str(REPO_ROOT)},
        timeout=60,
    )


def test_a_worker_started_early_is_adopted_and_one_never_asked_for_is_stopped(tmp_path):
    ran = run_beside_a_probe(EARLY, tmp_path)
    assert ran.returncode == 0 and ran.stdout.strip() == "ok", ran.stderr


THROUGH_THE_JUDGE = """
import sys
from grader import judge, proxy
folder = sys.argv[1]
options = {"--grader-target": folder, "--grader-target-label": "exercises/day99",
           "--grader-sandbox": "none"}
args = ["-q", *(f"{name}={value}" for name, value in options.items()), "tests/"]
assert judge.start_attempt_worker(args), "no worker was started early"
(early,) = [process.pid for process, _ in proxy._EARLY.values()]
# what the plugin does with the same options, read through pytest
worker = proxy.start("attempt", *proxy.worker_args("attempt", options.get))
assert worker.proc.pid == early, "the plugin started a second worker"
assert worker.label == "exercises/day99" and worker.module("probe").answer() == 42
proxy.stop_all()
print("ok")
"""


def test_the_judge_starts_the_worker_the_plugin_then_asks_for(tmp_path):
    ran = run_beside_a_probe(THROUGH_THE_JUDGE, tmp_path)
    assert ran.returncode == 0 and ran.stdout.strip() == "ok", ran.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--collect-only", "--grader-target=/x"],  # collecting: no worker
        ["--grader-manifest=m.json", "--grader-target=/x"],
        ["-q", "tests/"],  # no attempt
    ],
)
def test_no_worker_is_started_early_when_the_run_needs_none(args):
    assert judge.start_attempt_worker(args) is False


@pytest.mark.slow
def test_the_hidden_tests_rewritten_asserts_are_cached_under_progress_not_beside_them(tmp_path):
    copy_solution("day31", tmp_path)
    name = f"test_metrics{PYC_TAIL}"  # pytest's name for a module whose asserts it rewrote
    hidden = HIDDEN_ROOT / "day31"
    cached = BYTECODE_CACHE.joinpath(*hidden.parts[1:], name)
    cached.unlink(missing_ok=True)
    beside = hidden / "__pycache__" / name
    before = beside.stat().st_mtime_ns if beside.exists() else None
    result = grade("day31", tmp_path, test_files=("test_metrics.py",))
    assert result.score == result.max_score
    assert cached.is_file(), "the judge caches the rewritten test module in progress/cache"
    after = beside.stat().st_mtime_ns if beside.exists() else None
    assert after == before, "nothing is written beside the hidden tests"
