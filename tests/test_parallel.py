"""Several days are graded at once, one worker process per core (grader.parallel), and
come back in day order; stopping the grader stops every worker and test process."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

import pytest

from grader import proctree
from grader.catalog import REPO_ROOT, SOLUTIONS_ROOT, get_day
from grader.parallel import default_jobs, grade_in_order, longest_first, usable_cores
from grader.request import grade_request


def grader(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "grader", "grade", *args]
    return subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def interval(report: Path) -> tuple[datetime, datetime]:
    data = json.loads(report.read_text(encoding="utf-8"))
    return (
        datetime.fromisoformat(data["started_at"].replace("Z", "+00:00")),
        datetime.fromisoformat(data["finished_at"].replace("Z", "+00:00")),
    )


@pytest.mark.slow
def test_two_days_are_graded_at_once_and_shown_in_the_order_asked(tmp_path):
    done = grader("34", "31", "--solutions", "--jobs", "2", "--progress-dir", str(tmp_path))
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err
    assert out.index("day34 · ") < out.index("day31 · "), "the order asked for, not the finish"
    (day34,) = (tmp_path / "reports" / "day34").glob("2*.json")
    (day31,) = (tmp_path / "reports" / "day31").glob("2*.json")
    (start34, end34), (start31, end31) = interval(day34), interval(day31)
    assert start31 < end34 and start34 < end31, "the two grades overlapped in time"


def test_one_job_grades_here_and_gives_the_same_results_in_order():
    days = [get_day("day40"), get_day("day34")]
    request = grade_request(solutions=True)
    results = list(grade_in_order(days, request, jobs=1))
    assert [r.day for r in results] == ["day40", "day34"] and all(r.passed for r in results)


def _processes_with(marker: str) -> list[int]:
    """Live processes whose environment holds ``marker`` (every worker and test process
    of the grade inherits the grader's environment)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return [pid for pid in found if pid != os.getpid()]


@pytest.mark.slow
@pytest.mark.skipif(not proctree.SUPPORTED, reason="needs Linux /proc")
@pytest.mark.parametrize(
    "short_tmpdir",
    [True, False],
    # a TMPDIR too long for the fork server's socket: its pool is started afresh instead
    ids=["pool from the fork server", "pool started afresh"],
)
def test_terminating_the_grader_stops_every_worker_and_test_process(
    tmp_path, short_tmpdir, request
):
    root = tmp_path / "exercises"
    for day in ("day31", "day34"):
        shutil.copytree(SOLUTIONS_ROOT / day, root / day)
    for name in ("metrics.py", "attention.py"):  # an endless loop at import, in both days
        folder = root / ("day31" if name == "metrics.py" else "day34")
        (folder / name).write_text("while True:\n    pass\n", encoding="utf-8")
    temp, marker = tmp_path / "tmp", f"grader-parallel-{uuid.uuid4().hex}"
    if short_tmpdir:
        temp = Path(tempfile.mkdtemp(prefix="gp-", dir="/tmp"))
        request.addfinalizer(lambda: shutil.rmtree(temp, ignore_errors=True))
    temp.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(temp), "GRADER_TEST_MARKER": marker}
    run = grader(
        "31",
        "34",
        "--target",
        str(root),
        "--progress-dir",
        str(tmp_path / "p"),
        "--test-timeout",
        "60",
        "--jobs",
        "2",
        env=env,
    )
    deadline = time.monotonic() + 60
    while len(list(temp.glob("grader-cwd-*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(list(temp.glob("grader-cwd-*"))) == 2, "both days started a test process"
    time.sleep(1.0)
    run.send_signal(signal.SIGTERM)
    try:
        _, err = run.communicate(timeout=20)  # the days' own limits would take 60 s
    finally:
        run.kill()  # only if the test failed: nothing is left of a grader that exited
    assert run.returncode == 128 + signal.SIGTERM, err
    assert "terminated; what was already saved is kept" in err
    assert _processes_with(marker) == [], "no worker or test process outlived the grader"
    assert list(temp.iterdir()) == [], "every temporary folder was removed"


def _latest(progress: Path, day: str, text: str) -> None:
    path = progress / "reports" / day / "latest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_the_slowest_days_at_their_latest_grade_start_first(tmp_path):
    days = [get_day(name) for name in ("day31", "day32", "day33", "day34", "day35", "day36")]
    _latest(tmp_path, "day31", json.dumps({"duration_s": 0.5}))
    _latest(tmp_path, "day32", json.dumps({"duration_s": 2.0}))
    _latest(tmp_path, "day33", "{ not json")  # unreadable: unknown, so maybe slow
    _latest(tmp_path, "day34", json.dumps({"duration_s": "3"}))  # not a number: unknown too
    _latest(tmp_path, "day35", json.dumps({"duration_s": 3.5}))
    # day36: never graded, unknown
    request = grade_request(solutions=True, progress_dir=tmp_path)
    order = [day.name for day in longest_first(days, request)]
    assert order == ["day33", "day34", "day36", "day35", "day32", "day31"]


def test_without_a_progress_folder_the_days_start_in_the_order_asked():
    days = [get_day("day40"), get_day("day31"), get_day("day37")]
    assert longest_first(days, grade_request(solutions=True)) == days


def test_two_days_per_core_are_graded_at_once_by_default():
    assert default_jobs() == 2 * usable_cores()
    shown = subprocess.run(
        [sys.executable, "-m", "grader", "grade", "--help"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    ).stdout
    assert f"two per core, {default_jobs()})" in " ".join(shown.split())
