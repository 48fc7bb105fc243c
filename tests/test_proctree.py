"""Whole-tree limits and kill (grader.proctree), on real processes.

Each test starts a root process the way the grader starts a test process (a
child subreaper, with the tree's token in its environment); the root starts the
processes under test, prints their pids and waits for a line on stdin before
it exits.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from grader import proctree
from grader.child import Limits
from grader.proctree import ProcessTree, TreeGuard, describe_limit

pytestmark = pytest.mark.skipif(not proctree.SUPPORTED, reason="needs Linux /proc")

# A daemon made the classic way: fork, setsid, fork again, the middle one exits.
DAEMON = """
import os, sys, time
def daemon():
    read, write = os.pipe()
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.write(write, str(os.getpid()).encode()); time.sleep(120); os._exit(0)
        os._exit(0)
    os.wait()
    return int(os.read(read, 20))
"""


def start_root(body: str) -> tuple[subprocess.Popen[str], ProcessTree]:
    """A root running DAEMON's helpers and ``body``, and its tree."""
    token = "t" + os.urandom(6).hex()
    env = {**os.environ, proctree.TOKEN_VARIABLE: token}
    root = subprocess.Popen(
        [sys.executable, "-c", DAEMON + body + "\nsys.stdout.flush(); sys.stdin.readline()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=proctree.adopt_orphans,
    )
    return root, ProcessTree(root.pid, token=token)


def alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except OSError:
        return False


def end(root: subprocess.Popen[str]) -> None:
    root.stdin.write("\n")  # type: ignore[union-attr]
    root.stdin.flush()  # type: ignore[union-attr]
    root.wait(timeout=10)


@pytest.fixture
def cleanup():
    """Kills whatever a failing test left behind."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        if alive(pid):
            os.kill(pid, 9)


def test_a_double_forked_daemon_stays_in_the_tree_and_dies_with_it(cleanup):
    root, tree = start_root("print(daemon())")
    daemon = int(root.stdout.readline())  # type: ignore[union-attr]
    cleanup.append(daemon)
    assert tree.members() == sorted([root.pid, daemon])
    assert proctree._read_stat(daemon).ppid == root.pid, "the subreaper adopted it"  # type: ignore[union-attr]
    killed = tree.kill()
    assert daemon in killed and root.pid in killed
    root.wait(timeout=10)
    assert not alive(daemon)
    assert tree.members(by_token=True) == []


def test_a_daemon_orphaned_by_its_roots_exit_is_found_by_its_token(cleanup):
    root, tree = start_root("print(daemon())")
    daemon = int(root.stdout.readline())  # type: ignore[union-attr]
    cleanup.append(daemon)
    end(root)  # the daemon now belongs to init, not to the tree's root
    assert proctree._read_stat(daemon).ppid != root.pid  # type: ignore[union-attr]
    assert tree.members(by_token=True) == [daemon]
    tree.kill()
    time.sleep(0.05)
    assert not alive(daemon)


def test_a_process_that_dropped_the_token_is_found_once_seen(cleanup):
    body = (
        "import subprocess\n"
        "p = subprocess.Popen(['sleep', '120'], env={}, start_new_session=True)\n"
        "print(p.pid)"
    )
    root, tree = start_root(body)
    sleeper = int(root.stdout.readline())  # type: ignore[union-attr]
    cleanup.append(sleeper)
    assert sleeper in tree.members()  # seen while its parent was the root
    end(root)
    assert tree.members(by_token=True) == [sleeper]
    tree.kill()
    time.sleep(0.05)
    assert not alive(sleeper)


def test_a_reused_pid_is_never_taken_for_a_member(cleanup):
    stranger = subprocess.Popen(["sleep", "120"])
    cleanup.append(stranger.pid)
    tree = ProcessTree(root=stranger.pid)
    tree._seen[stranger.pid] += 1  # as if the pid had named another process before
    assert tree.members() == []
    assert tree.kill() == []
    assert alive(stranger.pid)
    stranger.kill()
    stranger.wait()


def test_usage_sums_the_memory_of_every_process_and_over_names_the_limit(cleanup):
    body = (
        "import subprocess, sys\n"
        "hold = \"b = b'x' * (60 * 1024**2); print(1, flush=True); import time; time.sleep(120)\"\n"
        "kids = [subprocess.Popen([sys.executable, '-c', hold], stdout=subprocess.PIPE)"
        " for _ in range(3)]\n"
        "[k.stdout.readline() for k in kids]\n"
        "print(' '.join(str(k.pid) for k in kids))"
    )
    root, tree = start_root(body)
    cleanup.extend(int(pid) for pid in root.stdout.readline().split())  # type: ignore[union-attr]
    resident, count = tree.usage()
    assert count == 4
    assert resident > 3 * 60 * 1024**2, "each child holds 60 MB of its own"
    assert tree.over(memory_bytes=150 * 1024**2, processes=10) == "memory_limit"
    assert tree.over(memory_bytes=4 * 1024**3, processes=3) == "process_limit"
    assert tree.over(memory_bytes=4 * 1024**3, processes=4) is None
    tree.kill()
    root.wait(timeout=10)
    assert not any(alive(pid) for pid in cleanup)


def test_limits_are_described_for_the_learner():
    limits = Limits(memory_bytes=4 * 1024**3, processes=64)
    assert describe_limit("memory_limit", limits) == (
        "memory limit for the whole attempt (4 GiB) exceeded, counting every process it started"
    )
    assert describe_limit("process_limit", limits) == "too many processes, more than 64 at once"


def test_without_proc_there_is_nothing_to_find_or_kill(monkeypatch):
    monkeypatch.setattr(proctree, "SUPPORTED", False)
    tree = ProcessTree(root=os.getpid())
    assert tree.members(by_token=True) == [] and tree.kill() == []
    assert tree.usage() == (0, 0) and tree.over(0, 0) is None


class FakeClock:
    """proctree's view of time: moved by hand, so a loaded machine cannot skip a check."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    sleep = staticmethod(time.sleep)


def test_a_guard_checks_the_tree_at_most_every_tenth_of_a_second_and_kills_it_whole(
    cleanup, monkeypatch
):
    clock = FakeClock()
    monkeypatch.setattr(proctree, "time", clock)
    guard = TreeGuard(memory_bytes=4 * 1024**3, processes=1)
    assert guard.check() is None, "nothing to measure before the child starts"
    root = subprocess.Popen(
        [sys.executable, "-c", DAEMON + "print(daemon(), flush=True); sys.stdin.readline()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **guard.environment},
        preexec_fn=guard.preexec,
    )
    guard.started(root.pid)
    daemon = int(root.stdout.readline())  # type: ignore[union-attr]
    cleanup.append(daemon)
    assert guard.check() == "process_limit", "the root and its daemon: two processes"
    clock.now += proctree.TREE_CHECK_S / 2
    assert guard.check() is None, "measured again only after TREE_CHECK_S"
    clock.now += proctree.TREE_CHECK_S
    assert guard.check() == "process_limit"
    guard.kill()
    root.wait(timeout=10)
    assert not alive(daemon)
    guard.close()


def test_a_test_process_dies_with_a_grader_killed_without_warning(cleanup):
    """A grader killed with SIGKILL cannot clean up: its test process must not run on."""
    grader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time\n"
            "from grader.proctree import TreeGuard\n"
            "guard = TreeGuard(memory_bytes=4 * 1024**3, processes=8)\n"
            "child = subprocess.Popen([sys.executable, '-c', 'while True: pass'],"
            " preexec_fn=guard.preexec)\n"
            "print(child.pid, flush=True); time.sleep(120)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    child = int(grader.stdout.readline())  # type: ignore[union-attr]
    cleanup.append(child)
    assert alive(child)
    grader.kill()
    grader.wait(timeout=10)
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child), "the test process outlived its grader"
