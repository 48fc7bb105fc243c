"""Every process an attempt starts: found, held to whole-tree limits, and killed.

Per-process limits are not enough. An attempt can start three processes that
each stay under a 4 GiB address-space limit and together hold 12 GiB, and a
process that calls ``setsid()`` (or forks twice) leaves the process group that
``killpg`` reaches, so it would outlive the grade. :class:`ProcessTree` closes
both gaps on Linux, reading ``/proc``:

- **who belongs**: the test process is made a *child subreaper*
  (:func:`adopt_orphans`, run in the child before ``exec``; the setting survives
  ``exec``), so a process whose parent exits is re-parented to it, not to init:
  daemons stay inside its tree while it lives. Every process also inherits a
  random token in its environment (:data:`TOKEN_VARIABLE`), which finds the ones
  orphaned after the test process itself died; and every process seen in the
  tree is remembered with its start time, which finds one that also dropped the
  token, yet never kills a stranger that was given the same pid later.
- **how much**: :meth:`ProcessTree.usage` sums the resident memory
  (``/proc/<pid>/statm``) and counts the live processes; :meth:`ProcessTree.over`
  says which limit the whole tree broke, for the watch loop to kill it.
- **the end**: :meth:`ProcessTree.kill` stops every member with SIGKILL, the
  tree's root last (while it lives, orphans gather under it), and looks again
  until none is left.

The grader itself is not made a subreaper: it may run several trees at once and
would have to reap every orphan that ended on its own.

Where the grader may make a cgroup v2 of its own (:mod:`grader.cgroup`), the
kernel holds the limits too; :class:`TreeGuard` puts both together for one
child process. In a bubblewrap sandbox (:mod:`grader.sandbox`) the tree is also
a PID namespace, which the kernel empties when its first process dies; the
above still applies.

Elsewhere (macOS, or a system without ``/proc``) there is nothing to read: only
the per-process limits (``RLIMIT_AS`` and friends) and the process-group kill
hold, and :data:`SUPPORTED` is false.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import secrets
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import cgroup

PROC = Path("/proc")
SUPPORTED = sys.platform.startswith("linux") and (PROC / "self" / "stat").exists()
TOKEN_VARIABLE = "GRADER_PROCESS_TREE"
_PR_SET_PDEATHSIG, _PR_SET_CHILD_SUBREAPER = 1, 36  # from <linux/prctl.h>
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
# Loaded now, in the parent: adopt_orphans() runs between fork and exec, where
# loading a library is not safe.
_LIBC = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True) if SUPPORTED else None


def adopt_orphans() -> None:
    """Make the calling process a child subreaper (Linux; nothing elsewhere).

    Meant for ``preexec_fn``: the test process then adopts every orphan among its
    descendants, and the setting is kept across ``exec``.
    """
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def die_with_parent(signal_number: int = signal.SIGKILL) -> None:
    """Ask Linux to send the calling process ``signal_number`` when its parent dies
    (nothing elsewhere).

    Meant for ``preexec_fn``: a grader killed with SIGKILL cannot clean up, and its
    test process would otherwise run on, spinning, with nobody to read its results.
    subtle: "parent" is the thread that forked, so call it only in processes started
    from a thread that outlives them (the grader's main thread does).
    """
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal_number, 0, 0, 0)


@dataclass(frozen=True)
class _Process:
    pid: int
    ppid: int
    state: str  # "R", "S", ... "Z" for a zombie (already dead, waiting to be reaped)
    started: int  # clock ticks after boot: with the pid, names one process for good


def _read_stat(pid: int) -> _Process | None:
    try:
        data = (PROC / str(pid) / "stat").read_bytes()
    except OSError:
        return None
    # subtle: the command name in parentheses may hold spaces and ")", so split
    # after the last ")".
    fields = data[data.rindex(b")") + 2 :].split()
    return _Process(pid, int(fields[1]), fields[0].decode(), int(fields[19]))


def _all_processes() -> dict[int, _Process]:
    found = {}
    for name in os.listdir(PROC):
        if name.isdigit() and (process := _read_stat(int(name))) is not None:
            found[process.pid] = process
    return found


def children(pid: int) -> list[int]:
    """The children of every thread of ``pid`` (``/proc/<pid>/task/<tid>/children``)."""
    kids: list[int] = []
    try:
        tasks = os.listdir(PROC / str(pid) / "task")
    except OSError:
        return kids
    for task in tasks:
        try:
            kids += [
                int(kid)
                for kid in (PROC / str(pid) / "task" / task / "children").read_bytes().split()
            ]
        except (OSError, ValueError):
            continue
    return kids


def _descendants(tops: dict[int, int]) -> dict[int, _Process]:
    """Each top (pid -> start time) that is still that process, and everything below it,
    read from the tree itself: a few files per member, not every process on the machine."""
    table: dict[int, _Process] = {}
    stack = [pid for pid, started in tops.items() if _same_process(pid, started)]
    while stack:
        pid = stack.pop()
        if pid not in table and (process := _read_stat(pid)) is not None:
            table[pid] = process
            stack += children(pid)
    return table


def _same_process(pid: int, started: int) -> bool:
    process = _read_stat(pid)
    return process is not None and process.started == started


# Where the kernel lists each thread's children (Linux 3.5 and later), a check walks the
# tree down from its root; elsewhere it reads every process's parent.
_CHILDREN_LISTED = SUPPORTED and (PROC / "self" / "task" / str(os.getpid()) / "children").exists()


def _carries(pid: int, token: bytes) -> bool:
    try:
        return token in (PROC / str(pid) / "environ").read_bytes().split(b"\0")
    except OSError:
        return False  # gone, or another user's


@dataclass
class ProcessTree:
    """The processes of one test run, from its root process down (see the module doc)."""

    root: int
    token: str = field(default_factory=lambda: secrets.token_hex(8))
    # pid -> start time of every member seen so far, the root first: a pid that names
    # another process by now (reused) is never taken for a member.
    _seen: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if SUPPORTED and (root := _read_stat(self.root)) is not None:
            self._seen[self.root] = root.started

    def members(self, *, by_token: bool = False) -> list[int]:
        """The live processes of the tree, the root included while it lives.

        ``by_token`` also reads the environment of every process born since the root,
        to find members whose root died (slower: for the final kill, not every check).
        """
        if not SUPPORTED:
            return []
        if _CHILDREN_LISTED and not by_token:
            table = _descendants(self._seen)
            live = [
                pid for pid, p in table.items() if p.state not in ("Z", "X") and pid != os.getpid()
            ]
            self._seen.update((pid, table[pid].started) for pid in live)
            return sorted(live)
        table = _all_processes()
        children: dict[int, list[int]] = {}
        for process in table.values():
            children.setdefault(process.ppid, []).append(process.pid)
        tops = {pid for pid, started in self._seen.items() if _same(table, pid, started)}
        if by_token:
            token = f"{TOKEN_VARIABLE}={self.token}".encode()
            born = self._seen.get(self.root, 0)  # no member is older than the root
            tops |= {
                pid
                for pid, process in table.items()
                if process.started >= born and pid != os.getpid() and _carries(pid, token)
            }
        found: set[int] = set()
        stack = [pid for pid in tops if pid in table]
        while stack:
            pid = stack.pop()
            if pid not in found and pid != os.getpid():
                found.add(pid)
                stack.extend(children.get(pid, ()))
        live = [pid for pid in found if table[pid].state not in ("Z", "X")]
        self._seen.update((pid, table[pid].started) for pid in live)
        return sorted(live)

    def usage(self) -> tuple[int, int]:
        """(resident bytes, live processes) of the whole tree right now."""
        members = self.members()
        resident = 0
        for pid in members:
            try:
                resident += int((PROC / str(pid) / "statm").read_bytes().split()[1])
            except (OSError, IndexError, ValueError):
                continue  # ended meanwhile
        return resident * _PAGE_BYTES, len(members)

    def over(self, memory_bytes: int, processes: int) -> str | None:
        """``"memory_limit"`` or ``"process_limit"`` when the whole tree holds more than
        allowed, else None."""
        resident, count = self.usage()
        if count > processes:
            return "process_limit"
        if resident > memory_bytes:
            return "memory_limit"
        return None

    def kill(self, rounds: int = 50) -> list[int]:
        """SIGKILL every member, the root last, until none is left; the pids killed."""
        killed: list[int] = []
        for _ in range(rounds):
            members = self.members(by_token=True)
            if not members:
                break
            # subtle: while the root lives it adopts the orphans of what is killed
            # here, so the next round still finds them under it.
            others = [pid for pid in members if pid != self.root] or members
            for pid in others:
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.005)  # let the kernel deliver before looking again
        return killed


def _same(table: dict[int, _Process], pid: int, started: int) -> bool:
    return pid in table and table[pid].started == started


def describe_limit(reason: str, limits: Any) -> str:
    """The sentence for a run stopped by a whole-tree limit (``reason`` from
    :data:`TREE_LIMITS`; ``limits`` has ``memory_bytes`` and ``processes``)."""
    if reason == "memory_limit":
        return (
            f"memory limit for the whole attempt ({limits.memory_bytes / 1024**3:g} GiB) "
            "exceeded, counting every process it started"
        )
    return f"too many processes, more than {limits.processes} at once"


TREE_LIMITS = ("memory_limit", "process_limit")  # what over() and TreeGuard.check() return
TREE_CHECK_S = 0.1  # how often the watch loop measures the tree (a /proc scan costs ~4 ms)


class TreeGuard:
    """The whole-tree limits of one child process, for :class:`grader.child.ChildRun`.

    A cgroup v2 of its own where one can be made (:mod:`grader.cgroup`: the kernel
    enforces), and always the ``/proc`` view of :class:`ProcessTree`. Use:
    add :attr:`environment` to the child's, call :meth:`preexec` in its
    ``preexec_fn`` and :meth:`started` with its pid; then :meth:`check` on every
    poll, :meth:`kill` when it must end, :meth:`close` once it is reaped.
    """

    def __init__(self, memory_bytes: int, processes: int) -> None:
        self.memory_bytes, self.processes = memory_bytes, processes
        self.cgroup = cgroup.create(memory_bytes, processes) if SUPPORTED else None
        self.token = secrets.token_hex(8)
        self.tree: ProcessTree | None = None
        self._next_check = 0.0

    @property
    def environment(self) -> dict[str, str]:
        return {TOKEN_VARIABLE: self.token}

    def preexec(self) -> None:
        """In the child, before exec: die with the grader, adopt orphans, and enter the
        cgroup if there is one."""
        die_with_parent()
        adopt_orphans()
        if self.cgroup is not None:
            self.cgroup.enter()

    def started(self, pid: int) -> None:
        self.tree = ProcessTree(pid, token=self.token)

    def check(self) -> str | None:
        """The limit the tree broke (``memory_limit``, ``process_limit``), else None;
        measures at most every :data:`TREE_CHECK_S`."""
        now = time.monotonic()
        if self.tree is None or now < self._next_check:
            return None
        self._next_check = now + TREE_CHECK_S
        hit = self.cgroup.limit_hit() if self.cgroup is not None else None
        return hit or self.tree.over(self.memory_bytes, self.processes)

    def kill(self) -> None:
        """End every process of the tree."""
        if self.cgroup is not None:
            self.cgroup.kill()
        if self.tree is not None:
            self.tree.kill()

    def close(self) -> None:
        if self.cgroup is not None:
            self.cgroup.remove()
