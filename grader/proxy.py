"""The judge's side of a worker: start it, reach its modules, measure its CPU, stop it.

A hidden test asks for the attempt's ``metrics`` module and gets a
:class:`grader.peer.RemoteRef` to it: ``metrics.precision(y, p)`` reads exactly as
in-process code, but runs in the worker (:mod:`grader.worker`) and returns plain
data. The reference runs in a worker of its own, serving the same way, so the two
are timed alike (:func:`cpu_seconds` adds the workers' CPU time, read from the
kernel, to the judge's own).

A worker process starts in one of three ways, all ending in :func:`grader.worker.serve`:

- a fresh interpreter (``python -m grader.worker``), inside the sandbox for an attempt;
- the same, started before pytest is imported (:func:`start_early`, by
  :mod:`grader.judge`) and adopted by the first :func:`start` asking for it: the
  attempt's, so that it boots while the judge does;
- forked from the judge (:func:`forked_worker`): the reference's, trusted code that then
  needs no start-up of its own.
"""

from __future__ import annotations

import atexit
import faulthandler
import gc
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader import sandbox
from grader.child import describe_exit
from grader.forking import ForkedProcess, can_fork, keep_only
from grader.peer import Peer, PeerGone, RemoteRef
from grader.proctree import children, die_with_parent

_WORKERS: list[Worker] = []
current_test: str | None = None  # set by the plugin: a worker's death is charged to it
_LOCK = threading.Lock()


class Worker:
    """One worker process serving one role (``attempt`` or ``reference``) of one day."""

    def __init__(
        self, role: str, folder: Path, label: str, *, wrap: Any = None, fork: bool = False
    ) -> None:
        self.role, self.folder, self.label = role, folder, label
        self.proc: subprocess.Popen[bytes] | ForkedProcess
        early = _EARLY.pop(_early_key(role, folder, label, wrap), None)
        if early is not None:  # started before pytest was (grader.judge): adopted
            self.proc, ours = early
        elif fork and wrap is None and can_fork():
            ours, theirs = socket.socketpair()
            self.proc = forked_worker(role, folder, label, theirs.fileno())
            theirs.close()
        else:
            self.proc, ours = _launch(role, folder, label, wrap)
        self.peer = Peer(ours, "judge", guarded=True, describe_exit=self.describe_exit)
        self.modules: dict[str, RemoteRef] = {}
        self.wrapped = wrap is not None
        self.died_during: str | None = None  # the test running when it was found dead

    def describe_exit(self) -> str:
        """Called once, when the connection is found closed: remembers during which test."""
        self.died_during = current_test
        return f"the {self.role}'s process {self.exit_phrase()}"

    def exit_phrase(self) -> str:
        """How the process ended: "exited with status 0", "was killed by signal SIGKILL"…"""
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "stopped answering"
        if self.wrapped and code > 128:  # the sandbox reports its child's signal as 128+n
            code = 128 - code
        return describe_exit(code)

    def ready(self) -> None:
        """Wait until the worker answers (raises PeerGone if it ended first)."""
        self.peer.request("ready")

    def module(self, stem: str) -> RemoteRef:
        if stem not in self.modules:
            self.modules[stem] = self.peer.request("import", stem)
        return self.modules[stem]

    def drive(self, driver: str, function: str, /, *args: Any, **kwargs: Any) -> Any:
        """Run ``grader.drivers.<driver>.<function>(load, *args, **kwargs)`` in the worker."""
        return self.peer.request("drive", driver, function, list(args), kwargs)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None and not self.peer.gone

    def close(self) -> None:
        try:
            self.peer.sock.close()
        except OSError:
            pass
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def _launch(
    role: str, folder: Path, label: str, wrap: Any
) -> tuple[subprocess.Popen[bytes], socket.socket]:
    """A fresh interpreter running grader.worker (in the sandbox ``wrap`` makes, if any),
    and this side of its connection."""
    ours, theirs = socket.socketpair()
    command = [
        sys.executable,
        "-m",
        "grader.worker",
        role,
        str(folder),
        label,
        str(theirs.fileno()),
    ]
    if wrap is not None:  # the sandbox (grader.sandbox) wraps the command
        command = wrap(command, theirs.fileno())
    process = subprocess.Popen(
        command,
        env=worker_env(),
        pass_fds=(theirs.fileno(),),
        stdin=subprocess.DEVNULL,
        preexec_fn=die_with_parent,  # the judge killed: its workers go too
    )
    theirs.close()
    return process, ours


# Worker processes started ahead of time (start_early), by what start() must be asked for.
_EARLY: dict[tuple[str, str, str, bool], tuple[subprocess.Popen[bytes], socket.socket]] = {}


def _early_key(role: str, folder: Path, label: str, wrap: Any) -> tuple[str, str, str, bool]:
    return role, str(folder), label, wrap is not None


def label_of(role: str, folder: Path, given: str | None = None) -> str:
    """How messages name a role's folder: as the grader said, else ``exercises/day31`` or
    ``solutions/day31``."""
    return given or f"{'solutions' if role == 'reference' else 'exercises'}/{folder.name}"


def worker_args(role: str, option: Callable[[str], Any]) -> tuple[Path, str, Any]:
    """``(folder, label, wrap)`` of the role's worker, from the judge's options (``option``:
    a value by its name, ``--grader-target``...; pytest's in the plugin, the command
    line's in grader.judge), so both start the same worker. The attempt's is sandboxed
    when the grader said so (``--grader-sandbox``), else when this machine can."""
    folder = Path(option("--grader-target" if role == "attempt" else "--grader-reference"))
    label = label_of(role, folder, option("--grader-target-label") if role == "attempt" else None)
    if role != "attempt" or (option("--grader-sandbox") or sandbox.available()) == "none":
        return folder, label, None
    hide = tuple(Path(p) for p in option("--grader-hide") or ())
    return folder, label, sandbox.worker_wrap(folder, hide)


def start_early(role: str, folder: Path, label: str, wrap: Any = None) -> None:
    """Start a worker's process now, and connect to it later: the first :func:`start` with
    the same role, folder, label and sandboxing adopts it. :mod:`grader.judge` starts the
    attempt's this way before importing pytest, so that it boots (an interpreter, numpy,
    inside bubblewrap: about 0.1 s) while the judge starts, not after."""
    _EARLY[_early_key(role, folder, label, wrap)] = _launch(role, folder, label, wrap)


def worker_env() -> dict[str, str]:
    """The judge's environment, bytecode allowed again: a worker compiles the grader's
    modules once, not at every start (see grader.child.child_env for why the judge does
    not write any)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def start(role: str, folder: Path, label: str, wrap: Any = None, fork: bool = False) -> Worker:
    """A worker for ``role``. ``fork``: a trusted role (the reference) may be forked from
    this process instead of started afresh, where that is safe (see :func:`forked_worker`);
    an attempt's worker never is."""
    worker = Worker(role, folder, label, wrap=wrap, fork=fork)
    with _LOCK:
        _WORKERS.append(worker)
    return worker


def forked_worker(role: str, folder: Path, label: str, fd: int) -> ForkedProcess:
    """A worker forked from the judge, serving over ``fd``: used for the reference only
    (trusted code, never sandboxed). It starts with numpy and the grader already
    imported, which saves an interpreter's start-up (about 0.1 s of CPU on every grade).
    The judge forks it in ``pytest_configure``, before collecting the hidden tests and
    before any thread, so the child holds no test code and no stray lock. Timing stays
    fair: the child is its own process, its CPU read from the kernel as any worker's,
    and the judge's objects it inherits are frozen out of its garbage collector
    (``gc.freeze``), so collections cost it what they cost a fresh worker."""
    return ForkedProcess(lambda: _become_worker(role, folder, label, fd))


def _become_worker(role: str, folder: Path, label: str, fd: int) -> int:
    """In a freshly forked child: keep only the worker's socket and the standard streams,
    die with the judge, and serve."""
    die_with_parent()
    faulthandler.disable()  # it wrote to a descriptor of the judge's, closed below
    keep_only([fd])
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    # pytest's captured streams were the judge's: the worker writes to its own 1 and 2
    sys.stdout = open(1, "w", closefd=False)  # they live as long as the process
    sys.stderr = open(2, "w", closefd=False)
    faulthandler.enable()
    gc.freeze()
    from grader.worker import serve

    serve(role, folder, label, fd)
    return 0


@atexit.register
def stop_all() -> None:
    with _LOCK:
        workers, _WORKERS[:] = list(_WORKERS), []
    for worker in workers:
        worker.close()
    while _EARLY:  # started early, never asked for
        process, connection = _EARLY.popitem()[1]
        connection.close()
        process.kill()
        process.wait()


def cpu_seconds() -> float:
    """CPU time of every live worker (and their threads): the time the code under test used.

    Read from the kernel (``/proc/<pid>/task/*/schedstat``, nanoseconds), not asked of
    the worker: an attempt cannot report itself fast. The judge's own time (sending
    arguments, rebuilding results) is left out: it is the same for the attempt and the
    reference and would only dilute their ratio. Where /proc is missing (macOS),
    wall-clock time stands in.
    """
    if not _PROC_TASKS:
        return time.perf_counter()
    total = 0.0
    with _LOCK:
        pids = [w.proc.pid for w in _WORKERS if w.proc.poll() is None]
    for pid in pids:
        total += _task_seconds(pid)
    return total


_PROC_TASKS = Path("/proc/self/task").is_dir()


def _task_seconds(pid: int, depth: int = 0) -> float:
    """CPU seconds of ``pid``'s threads and of its descendants (a sandbox's own child)."""
    folder = Path(f"/proc/{pid}/task")
    try:
        tasks = os.listdir(folder)
    except OSError:
        return 0.0
    seconds = 0.0
    for task in tasks:
        try:
            seconds += int((folder / task / "schedstat").read_text().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            continue
    if depth < 8:
        seconds += sum(_task_seconds(child, depth + 1) for child in children(pid))
    return seconds


__all__ = ["PeerGone", "Worker", "cpu_seconds", "start", "stop_all"]
