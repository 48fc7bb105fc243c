"""Several days are graded at once, one worker process per core (grader.parallel), and
come back in day order; stopping the grader stops every worker and test process."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

import pytest

from grader import proctree
from grader.catalog import REPO_ROOT, SOLUTIONS_ROOT, get_day
from grader.parallel import grade_in_order
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
def test_terminating_the_grader_stops_every_worker_and_test_process(tmp_path):
    root = tmp_path / "exercises"
    for day in ("day31", "day34"):
        shutil.copytree(SOLUTIONS_ROOT / day, root / day)
    for name in ("metrics.py", "attention.py"):  # an endless loop at import, in both days
        folder = root / ("day31" if name == "metrics.py" else "day34")
        (folder / name).write_text("while True:\n    pass\n", encoding="utf-8")
    temp, marker = tmp_path / "tmp", f"grader-parallel-{uuid.uuid4().hex}"
    temp.mkdir()
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
