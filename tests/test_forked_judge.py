"""``grade all`` forks each day's judge from a pool process that imported pytest and numpy
once (grader.judge.fork, grader.parallel): a forked judge must be the process a started
one is, and grade alike, hostile attempts included.

Each case runs in a fresh interpreter set up as a pool process is (the judge's start-up
variables, the judge's imports, grader.child.fork_judges), never in this test process:
a judge forked from a process running pytest would inherit that session.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grader import child, forking
from grader.catalog import REPO_ROOT
from tests.conftest import copy_solution
from tests.test_hostile import _marker, _running_with, needs_proc

needs_fork = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")

PRELUDE = """
import json, os, sys
import numpy, pytest, pytest_jsonreport.plugin, grader.plugin
from grader import child, judge
child.fork_judges()
forks = []
_fork = judge.fork
def counted(*args, **kwargs):
    forks.append(1)
    return _fork(*args, **kwargs)
judge.fork = counted
"""


def run_preloaded(code: str, cwd: Path, pass_fds: tuple[int, ...] = ()) -> dict:
    """Run ``code`` after :data:`PRELUDE` in a fresh interpreter (given ``pass_fds``); its
    last line of output, as JSON."""
    env = {**os.environ, **child.startup_environment(), "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(code)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        pass_fds=pass_fds,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


PROBE = """
import gc, os, signal, sys

def descriptors():
    found = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            found[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the listing's own, closed since
            pass
    return found

def test_the_judge_is_a_new_process_in_all_but_its_start():
    seen = {
        "env": dict(os.environ),
        "cwd": os.getcwd(),
        "own_session": os.getsid(0) == os.getpid(),
        "stdin": os.read(0, 100).decode(),
        "fds": descriptors(),
        "sigint": signal.getsignal(signal.SIGINT) is signal.default_int_handler,
        "sigterm": signal.getsignal(signal.SIGTERM) == signal.SIG_DFL,
        "hash": hash("grader"),
        "bytecode": sys.dont_write_bytecode,
        "frozen": gc.get_freeze_count() > 0,
        "prepared": os.environ.get("PREPARED_IN_CHILD"),
    }
    with open(os.environ["PROBE_OUT"], "w") as out:
        json.dump(seen, out)
"""


@needs_fork
def test_a_forked_judge_is_set_up_as_subprocess_would_set_up_a_new_one(tmp_path):
    (tmp_path / "test_probe.py").write_text("import json\n" + PROBE, encoding="utf-8")
    (tmp_path / "stray").touch()
    work = tmp_path / "work"
    work.mkdir()
    out = tmp_path / "seen.json"
    kept_r, kept_w = os.pipe()
    code = f"""
    import os
    from grader import parallel
    parallel._start_worker()  # the pool's own signal handlers, which the judge must not keep
    env = {{"PROBE_OUT": {str(out)!r}, "PATH": os.environ["PATH"],
           "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
           **child.startup_environment()}}
    def prepare():
        os.environ["PREPARED_IN_CHILD"] = "yes"  # replaced by env afterwards
        open({str(tmp_path / "prepared")!r}, "w").close()
    stray = os.open({str(tmp_path / "stray")!r}, os.O_RDONLY)  # the parent's: not the judge's
    process = judge.fork(
        ["-q", "-p", "no:cacheprovider", {str(tmp_path / "test_probe.py")!r}],
        cwd={str(work)!r}, env=env, keep=({kept_w},), prepare=prepare,
    )
    output = process.stdout.read().decode()
    print(json.dumps({{"status": process.wait(), "output": output}}))
    """
    os.set_inheritable(kept_w, True)
    try:
        result = run_preloaded(code, tmp_path, pass_fds=(kept_w,))
    finally:
        os.close(kept_r)
        os.close(kept_w)
    assert result["status"] == 0, result["output"]
    assert "1 passed" in result["output"], "pytest's output goes to the returned pipe"
    seen = json.loads(out.read_text(encoding="utf-8"))
    assert (tmp_path / "prepared").exists(), "prepare runs in the child"
    assert seen["prepared"] is None, "the environment is exactly the one given"
    assert seen["env"]["PROBE_OUT"] == str(out)
    assert seen["cwd"] == str(work)
    assert seen["own_session"], "a session of its own, as start_new_session=True"
    assert seen["stdin"] == "", "stdin is /dev/null"
    assert seen["fds"].get(str(kept_w), "").startswith("pipe:"), "kept descriptors stay"
    assert str(tmp_path / "stray") not in seen["fds"].values(), "the parent's others are closed"
    assert seen["sigint"] and seen["sigterm"], "the parent's signal handlers are not the judge's"
    assert seen["bytecode"], "no bytecode until the grader plugin says (grader.child.child_env)"
    assert seen["frozen"], "what the judge inherited is frozen out of its collector"
    fresh = subprocess.run(
        [sys.executable, "-c", "print(hash('grader'))"],
        env={**os.environ, "PYTHONHASHSEED": "0"},
        capture_output=True,
        text=True,
    )
    assert seen["hash"] == int(fresh.stdout), "the judge hashes as PYTHONHASHSEED=0 says"


GRADE = """
from pathlib import Path
from grader.catalog import get_day
from grader.grading import grade_day
from grader.request import GradeRequest
from grader.runner import Limits
limits = Limits(per_test_s=1.5, per_day_s=30.0, grace_s=1.0)
request = GradeRequest(target_root=Path({root!r}), test_files=("test_metrics.py",), limits=limits)
result = grade_day(get_day("day31"), request)
print(json.dumps({{
    "forks": len(forks),
    "statuses": {{t.id: t.status.value for t in result.tests}},
    "messages": {{t.id: t.message for t in result.tests}},
    "runs": [r["ended_by"] for r in result.runs],
}}))
"""


@needs_fork
@pytest.mark.slow
def test_a_forked_judge_grades_the_reference_as_a_started_one(tmp_path):
    copy_solution("day31", tmp_path)
    forked = run_preloaded(GRADE.format(root=str(tmp_path)), tmp_path)
    assert forked["forks"] == 1, "the judge was forked"
    assert set(forked["statuses"].values()) == {"passed"}, forked["messages"]


@needs_fork
@needs_proc
@pytest.mark.slow
def test_a_forked_judge_still_stops_a_looping_attempt_and_its_daemons(tmp_path):
    folder = copy_solution("day31", tmp_path)
    marker = _marker()
    metrics = folder / "metrics.py"
    body = "    y = np.asarray(y_true)\n"
    hostile = (
        "    import os as _os\n"
        "    if _os.fork() == 0:\n"
        "        _os.setsid()\n"
        f"        _os.execvp('sleep', ['sleep', '{marker}'])\n"
        "    while True: pass\n"
    )
    source = metrics.read_text(encoding="utf-8")
    metrics.write_text(source.replace(body, hostile + body, 1), encoding="utf-8")
    forked = run_preloaded(GRADE.format(root=str(tmp_path)), tmp_path)
    assert forked["forks"] >= 2, "each restart after a kill forks a judge again"
    roc = {k: v for k, v in forked["statuses"].items() if "roc_auc" in k}
    assert roc and set(roc.values()) <= {"timeout", "error"}, roc
    others = {k: v for k, v in forked["statuses"].items() if "roc_auc" not in k}
    assert set(others.values()) == {"passed"}, "the untouched tests still pass"
    assert "test_timeout" in forked["runs"]
    assert _running_with(marker) == [], "a process outlived the grade"


@needs_fork
def test_the_pools_processes_fork_their_judges_and_no_other_process_does(tmp_path):
    code = """
    from concurrent.futures import ProcessPoolExecutor
    from grader import parallel
    child._judges_forked = False  # this process is not one of the pool's
    here = child.judge_can_fork()
    context = parallel._pool_context()
    with ProcessPoolExecutor(1, context, initializer=parallel._start_worker) as pool:
        there = pool.submit(child.judge_can_fork).result()
    print(json.dumps({"here": here, "there": there}))
    """
    seen = run_preloaded(code, tmp_path)
    assert seen == {"here": False, "there": True}


def test_a_judge_is_forked_only_where_it_is_safe_and_saves_time(monkeypatch):
    monkeypatch.setattr(child, "_judges_forked", True)
    for name, value in child.startup_environment().items():
        monkeypatch.setenv(name, value)
    for name in child.JUDGE_IMPORTS:
        __import__(name)
    monkeypatch.setattr(child, "can_fork", lambda: True)
    assert child.judge_can_fork()
    monkeypatch.setattr(child, "can_fork", lambda: False)  # threads, or not Linux
    assert not child.judge_can_fork()
    monkeypatch.setattr(child, "can_fork", lambda: True)
    monkeypatch.setenv("PYTHONHASHSEED", "random")  # started with another hash seed
    assert not child.judge_can_fork()
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    monkeypatch.setattr(child, "_judges_forked", False)  # not a process made for it
    assert not child.judge_can_fork()


def test_a_forked_process_that_raises_exits_with_failed_and_says_why(capfd):
    if not forking.can_fork():
        pytest.skip("this test process runs threads: it must not fork")

    def body() -> int:
        raise RuntimeError("the body broke")

    process = forking.ForkedProcess(body)
    assert process.wait(timeout=10) == forking.FAILED
    assert "RuntimeError: the body broke" in capfd.readouterr().err


@needs_fork
def test_a_forked_judge_that_cannot_be_set_up_says_why_in_its_output(tmp_path):
    code = f"""
    def prepare():
        raise RuntimeError("no cgroup for you")
    process = judge.fork(["-q"], cwd={str(tmp_path)!r}, env={{}}, keep=(), prepare=prepare)
    output = process.stdout.read().decode()
    print(json.dumps({{"status": process.wait(), "output": output}}))
    """
    seen = run_preloaded(code, tmp_path)
    assert seen["status"] == forking.FAILED
    assert "RuntimeError: no cgroup for you" in seen["output"], "told in the judge's output"
