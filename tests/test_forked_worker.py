"""The reference's worker is forked from the judge (grader.proxy.ForkedProcess): it must
behave as a worker started afresh does, and keep nothing of the judge's.

Forking is only done while the judge has a single thread, and this test session has
several (xdist), so each check runs in a fresh interpreter of its own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from grader.catalog import REPO_ROOT

MODULE = """
import os
import time


def pid():
    return os.getpid()


def descriptors():
    return sorted(int(fd) for fd in os.listdir("/proc/self/fd"))


def spin(seconds):
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass
"""


def judge_script(tmp_path: Path, body: str) -> str:
    """A judge's code: ``worker`` forked for the probe module (``probe``), then ``body``."""
    (tmp_path / "probe.py").write_text(MODULE, encoding="utf-8")
    opening = f"""
        import os, threading, time
        from pathlib import Path
        from grader import proxy
        events = open(os.devnull, "wb")  # a descriptor of the judge's, as its event pipe is
        worker = proxy.start("reference", Path({str(tmp_path)!r}), "probe", fork=True)
        probe = worker.module("probe")
        """
    return textwrap.dedent(opening) + textwrap.dedent(body)


ENV = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}


def run_judge(tmp_path: Path, body: str) -> None:
    """Run :func:`judge_script` in a fresh interpreter (one thread, as a judge starts); every
    assertion in ``body`` must hold."""
    script = judge_script(tmp_path, body) + 'print("ok")\n'
    ran = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=ENV, timeout=60
    )
    assert ran.returncode == 0 and ran.stdout.strip() == "ok", ran.stderr


def test_the_reference_worker_is_forked_and_answers_like_any_worker(tmp_path):
    run_judge(
        tmp_path,
        """
        assert isinstance(worker.proc, proxy.ForkedProcess), type(worker.proc)
        assert probe.pid() == worker.proc.pid != os.getpid()
        before = proxy.cpu_seconds()
        probe.spin(0.1)
        assert proxy.cpu_seconds() - before >= 0.09, "its CPU is counted as a worker's"
        """,
    )


def test_the_forked_worker_keeps_only_its_socket_and_the_standard_streams(tmp_path):
    run_judge(
        tmp_path,
        """
        fds = probe.descriptors()
        # 0, 1, 2, its socket, and the one listing /proc/self/fd while it is read
        assert len(fds) <= 5 and fds[:3] == [0, 1, 2], fds
        """,
    )


def test_a_closed_forked_worker_is_killed_and_reaped(tmp_path):
    run_judge(
        tmp_path,
        """
        worker.close()
        assert worker.proc.poll() == -9 and not worker.alive
        assert worker.exit_phrase() == "was killed by signal SIGKILL", worker.exit_phrase()
        """,
    )


def test_a_judge_with_threads_starts_its_worker_afresh(tmp_path):
    # A lock held by another thread at the fork would stay held in the child for good.
    run_judge(
        tmp_path,
        """
        stop = threading.Event()
        threading.Thread(target=stop.wait, daemon=True).start()
        again = proxy.start("reference", worker.folder, "probe", fork=True)
        assert not isinstance(again.proc, proxy.ForkedProcess), "forked with two threads"
        assert again.module("probe").pid() == again.proc.pid
        stop.set()
        """,
    )


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie is dead, waiting to be reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_the_forked_worker_dies_with_the_judge(tmp_path):
    script = judge_script(tmp_path, "print(probe.pid(), flush=True)\ntime.sleep(60)\n")
    running = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, env=ENV)
    try:
        worker_pid = int(running.stdout.readline())  # type: ignore[union-attr]
        assert _running(worker_pid)
        os.kill(running.pid, signal.SIGKILL)
        running.wait()
        deadline = time.monotonic() + 5
        while _running(worker_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _running(worker_pid), "the forked worker outlived its judge"
    finally:
        running.kill()
        running.wait()
