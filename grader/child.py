"""One policed test process: started with limits, watched, killed when it must be.

:class:`ChildRun` starts ``pytest -p grader.plugin`` in its own process group
with resource limits (address space, file size, no core dumps), drains its
output into a bounded buffer, and reads the plugin's events while it runs.
Memory and the number of processes are also limited for the child's whole
process tree, the workers it starts and whatever they start, and that tree is
killed whole when the child ends (:class:`grader.proctree.TreeGuard`).
:mod:`grader.runner` decides what to run and what the outcome means.

Threat model of this module: the child is not trusted, and nothing passes
between the two by a path the child could swap. The events come over a pipe the
grader opened itself (:mod:`grader.events` checks every line); the list of tests
to run and pytest-json-report's summary go through anonymous files the child
inherits as ``/dev/fd/N``, so no FIFO, symlink or forged file can stand in for
them, and the summary is read within a size cap. Each child gets a fresh
working folder of its own, removed (with whatever the attempt wrote there) when
the child is done, even after a kill, a timeout or a Ctrl-C in the grader.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import IO, Any

from grader import judge
from grader.catalog import HIDDEN_ROOT, REPO_ROOT
from grader.events import EventCheck, EventReader
from grader.forking import ForkedProcess, can_fork
from grader.proctree import TreeGuard

POLL_S = 0.02


@dataclass(frozen=True)
class Limits:
    """What one grading run may use. Hidden tests may raise their own time limit."""

    per_test_s: float = 5.0
    per_day_s: float = 60.0
    memory_bytes: int = 4 * 1024**3  # each process's address space, and the tree's resident sum
    processes: int = 64  # processes alive at once in the whole tree
    file_bytes: int = 256 * 1024**2  # largest file the child may write
    output_bytes: int = 32 * 1024  # stdout/stderr kept for the report
    grace_s: float = 3.0  # time allowed to exit after the last test ended


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # only the plugins we name run
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    # The test process writes no bytecode beside its sources. subtle: pytest rewrites the
    # asserts of the plugins it loads and caches the result beside them, in the shared
    # venv, whose fingerprint would then change after every first grade (and the venv be
    # rebuilt). Once its session starts, what it compiles goes to a cache folder of its
    # own instead (grader.plugin.pytest_sessionstart).
    # Its workers do write (grader.proxy.worker_env): they compile the grader's own
    # modules once, not at every start; attempt files are imported from the private
    # snapshot, so their caches never reach the learner's folder.
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONHASHSEED"] = "0"
    # subtle: one BLAS thread. On a busy machine a multithreaded matmul swings 10x
    # or more while a Python loop slows ~2x, which would make the ratio tests favour
    # loops; one thread on both sides keeps attempt-vs-reference timing fair.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    return env


# Read once, when an interpreter starts (the hash seed) or imports numpy (BLAS threads): a
# process that forks judges must have started with the values a judge's would have.
STARTUP_VARIABLES = ("PYTHONHASHSEED", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
JUDGE_IMPORTS = ("numpy", "pytest", "pytest_jsonreport.plugin", "grader.plugin")


def startup_environment() -> dict[str, str]:
    """The :data:`STARTUP_VARIABLES` as a judge gets them."""
    env = child_env()
    return {name: env[name] for name in STARTUP_VARIABLES}


_judges_forked = False  # see fork_judges


def fork_judges() -> None:
    """From now on, this process forks its judges where it can (:func:`judge_can_fork`).
    Called by the processes made for it: ``grade all``'s pool (:mod:`grader.parallel`).
    Any other process starts them afresh: a judge forked from, say, a process running
    pytest itself would inherit that session's state."""
    global _judges_forked
    _judges_forked = True


def judge_can_fork() -> bool:
    """Whether this process forks the judge (:func:`grader.judge.fork`) instead of
    starting one: it was made for it (:func:`fork_judges`), it already imported what a
    judge imports (:data:`JUDGE_IMPORTS`: forking saves their time), its interpreter
    started with the judge's :data:`STARTUP_VARIABLES`, and forking is safe here
    (:func:`grader.forking.can_fork`)."""
    return (
        _judges_forked
        and all(name in sys.modules for name in JUDGE_IMPORTS)
        and all(os.environ.get(k) == v for k, v in startup_environment().items())
        and can_fork()
    )


def pytest_command(*args: str) -> list[str]:
    """pytest on the hidden tests (through :mod:`grader.judge`), with the grader's plugins
    and no others."""
    config = ["-c", str(HIDDEN_ROOT / "pytest.ini"), "--rootdir", str(HIDDEN_ROOT)]
    plugins = ["-p", "grader.plugin", "-p", "pytest_jsonreport.plugin", "-p", "no:cacheprovider"]
    # Its teardown runs a full garbage collection (~20 ms) to find exceptions raised in
    # __del__ methods: the judge runs no attempt code, so any there would be our own.
    plugins += ["-p", "no:unraisableexception"]
    return [sys.executable, "-m", "grader.judge", *config, *plugins, *args]


def _limit_resources(limits: Limits) -> None:
    """Runs in the child between fork and exec (POSIX only)."""
    import resource

    for name, value in (
        ("RLIMIT_AS", limits.memory_bytes),
        ("RLIMIT_FSIZE", limits.file_bytes),
        ("RLIMIT_CORE", 0),
    ):
        if hasattr(resource, name):
            resource.setrlimit(getattr(resource, name), (value, value))


class _Drain(threading.Thread):
    """Reads a pipe to its end, keeping the first ``limit`` bytes and counting the rest."""

    def __init__(self, pipe: IO[bytes], limit: int) -> None:
        super().__init__(daemon=True)
        self.pipe, self.limit, self.kept, self.dropped = pipe, limit, bytearray(), 0

    def run(self) -> None:
        while chunk := self.pipe.read1(65536):  # type: ignore[attr-defined]
            room = self.limit - len(self.kept)
            self.kept += chunk[:room]
            self.dropped += max(0, len(chunk) - room)

    def text(self) -> str:
        text = self.kept.decode("utf-8", errors="replace")
        return text + (f"\n… [output cut: {self.dropped} more bytes]" if self.dropped else "")


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def describe_signal(number: int) -> str:
    """``SIGSEGV``; ``35 (SIGRTMIN+1)`` for a real-time signal Python has no name for;
    ``99`` for a number it does not know at all. Never raises."""
    try:
        return signal.Signals(number).name
    except ValueError:
        pass
    low, high = getattr(signal, "SIGRTMIN", 0), getattr(signal, "SIGRTMAX", -1)
    if low < number <= high:
        return f"{number} (SIGRTMIN+{number - low})"
    return str(number)


def describe_exit(code: int | None) -> str:
    """How a process ended, for a sentence: ``was killed by signal SIGKILL``,
    ``was killed by signal 35 (SIGRTMIN+1)``, ``exited with status 1``."""
    if code is not None and code < 0:
        return f"was killed by signal {describe_signal(-code)}"
    return f"exited with status {code}"


_REPORT_OMITS = ("streams", "log", "keywords", "collectors", "traceback", "warnings")
SUMMARY_LIMIT = 1024 * 1024  # bytes of pytest-json-report's file worth parsing


def _read_summary(report: IO[bytes]) -> dict[str, int] | None:
    """pytest-json-report's ``summary`` (counts by outcome), if the child left a sane one.

    The child may have written anything there: a file over :data:`SUMMARY_LIMIT`
    (a 50 MB failure message is quoted in it), not JSON, or a summary with strange
    values; only string keys with integer counts are kept.
    """
    report.seek(0)
    data = report.read(SUMMARY_LIMIT + 1)
    try:
        summary = json.loads(data).get("summary") if len(data) <= SUMMARY_LIMIT else None
    except (ValueError, AttributeError):
        return None
    if not isinstance(summary, dict):
        return None
    return {str(k)[:40]: v for k, v in list(summary.items())[:20] if type(v) is int}


def _anonymous_file(text: str = "") -> IO[bytes]:
    """A temporary file with no name on disk, holding ``text``; see :func:`fd_path`."""
    handle = tempfile.TemporaryFile()
    handle.write(text.encode("utf-8"))
    handle.flush()
    handle.seek(0)
    return handle


def fd_path(handle: IO[bytes] | int) -> str:
    """How a child names a file descriptor it inherited: ``/dev/fd/N`` (Linux, macOS)."""
    return f"/dev/fd/{handle if isinstance(handle, int) else handle.fileno()}"


class ChildRun:
    """One child process over the tests in ``selected``, watched until it ends.

    Use it as a context manager: leaving the block (normally, or by an exception
    such as KeyboardInterrupt) kills what is left of the child's process group,
    closes the channels and removes the child's working folder.
    """

    def __init__(self, args: list[str], limits: Limits, selected: list[str]) -> None:
        self.limits, self.selected = limits, selected
        self.started_at = time.monotonic()
        self.importing: str | None = None  # the attempt file being imported right now
        self._stopped = False
        # The working folder: files the attempt writes land here, not in its own folder.
        self._cwd = tempfile.TemporaryDirectory(prefix="grader-cwd-", ignore_cleanup_errors=True)
        self._selection, self._report = _anonymous_file("\n".join(selected)), _anonymous_file()
        read_end, write_end = os.pipe()
        self.events = EventReader(read_end, EventCheck(set(selected)))
        self.guard = TreeGuard(limits.memory_bytes, limits.processes)
        command = pytest_command(
            *args,
            f"--grader-events-fd={write_end}",
            f"--grader-select={fd_path(self._selection)}",
            "--json-report",
            f"--json-report-file={fd_path(self._report)}",
            "--json-report-omit",
            *_REPORT_OMITS,
        )
        env = {**child_env(), **self.guard.environment}
        keep = (write_end, self._selection.fileno(), self._report.fileno())
        self.proc: subprocess.Popen[bytes] | ForkedProcess
        try:
            if judge_can_fork():
                self.proc = judge.fork(
                    command[3:], cwd=self._cwd.name, env=env, keep=keep, prepare=self._prepare_child
                )
            else:
                self.proc = subprocess.Popen(
                    command,
                    cwd=self._cwd.name,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    pass_fds=keep,
                    preexec_fn=self._prepare_child if os.name == "posix" else None,
                )
        except BaseException:
            self._release()
            raise
        finally:
            os.close(write_end)  # the child's copy is the only writer: its exit means EOF
        self.guard.started(self.proc.pid)
        self.drain = _Drain(self.proc.stdout, limits.output_bytes)  # type: ignore[arg-type]
        self.drain.start()

    def _prepare_child(self) -> None:
        """Runs in the child between fork and exec (POSIX only)."""
        _limit_resources(self.limits)
        self.guard.preexec()

    def __enter__(self) -> ChildRun:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
        self._release()

    def stop(self) -> None:
        """Kill whatever is left of the child's process tree and group, and reap the
        child (once: later, the group's number may belong to someone else)."""
        if not self._stopped:
            self._stopped = True
            self.guard.kill()  # daemons that left the group too (setsid, double fork)
            kill_group(self.proc)
            self.proc.wait()

    def _release(self) -> None:
        self.guard.close()
        os.close(self.events.fd)
        self._selection.close()
        self._report.close()
        self._cwd.cleanup()

    def _track_import(self, event: dict[str, Any]) -> None:
        if event.get("role") != "attempt":
            return
        if event["event"] == "import_start":
            self.importing = event["stem"]
        elif event["event"] == "import_end":
            self.importing = None

    def _wait_for_events(self) -> None:
        """Sleep until the child writes an event (or, its events over, exits) or
        :data:`POLL_S` passes."""
        if self.events.closed or self.events.flooded:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=POLL_S)
        else:
            select.select([self.events], [], [], POLL_S)

    def watch(
        self, time_limits: dict[str, float], deadline: float
    ) -> tuple[list[dict[str, Any]], str | None, str | None]:
        """Wait for the child; returns (end events, test running at the end, why it was killed)."""
        ended: list[dict[str, Any]] = []
        running: tuple[str, float] | None = None
        killed: str | None = None
        finished_at: float | None = None
        pending = set(self.selected)
        try:
            while True:
                for event in self.events.read():
                    self._track_import(event)
                    if event["event"] == "start":
                        running = (event["nodeid"], time.monotonic())
                    elif event["event"] == "end":
                        ended.append(event)
                        running = None
                now = time.monotonic()
                if self.events.flooded:
                    killed = "flooded"
                elif self.proc.poll() is not None:
                    break
                elif (over := self.guard.check()) is not None:
                    killed = over  # memory_limit or process_limit, for the whole tree
                elif running and now - running[1] > time_limits.get(
                    running[0], self.limits.per_test_s
                ):
                    killed = "test_timeout"
                elif now > deadline:
                    killed = "day_timeout"
                elif pending <= {e["nodeid"] for e in ended}:
                    finished_at = finished_at or now  # every test reported: allow a clean exit
                    killed = "lingered" if now - finished_at > self.limits.grace_s else None
                if killed:
                    break
                self._wait_for_events()
        finally:
            self.stop()  # also threads or children the attempt left behind
        for event in self.events.read():  # what was written before the end
            if not killed:
                # subtle: after a kill, the judge may outlive its worker long enough to
                # report the import it was waiting for as over; what was being imported
                # when the limit struck is what the parent must remember.
                self._track_import(event)
            if event["event"] != "end":
                continue
            # subtle: killing the tree (a time or memory limit, a flood) may kill the
            # workers first; the judge may still report the running test ("the worker
            # was killed"), but the kill is what ended it, so the test keeps its verdict.
            if running and running[0] == event["nodeid"] and killed:
                continue
            ended.append(event)
            if running and running[0] == event["nodeid"]:
                running = None
        self.drain.join(timeout=2)
        return ended, running[0] if running else None, killed

    def record(self, killed: str | None) -> dict[str, Any]:
        """What the report keeps of this child process."""
        return {
            "exit_code": self.proc.returncode,
            "ended_by": killed or "exit",
            "duration_s": round(time.monotonic() - self.started_at, 3),
            "invalid_events": self.events.check.invalid,
            "pytest_json_report_summary": _read_summary(self._report),
        }
