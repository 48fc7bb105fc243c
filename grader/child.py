"""One policed test process: started with limits, watched, killed when it must be.

:class:`ChildRun` starts ``pytest -p grader.plugin`` in its own process group
with resource limits (address space, file size, no core dumps), drains its
output into a bounded buffer, and reads the plugin's event stream while it
runs. :mod:`grader.runner` decides what to run and what the outcome means.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from grader.catalog import HIDDEN_ROOT, REPO_ROOT

POLL_S = 0.02


@dataclass(frozen=True)
class Limits:
    """What one grading run may use. Hidden tests may raise their own time limit."""

    per_test_s: float = 5.0
    per_day_s: float = 60.0
    memory_bytes: int = 4 * 1024**3
    file_bytes: int = 256 * 1024**2  # largest file the child may write
    output_bytes: int = 32 * 1024  # stdout/stderr kept for the report
    grace_s: float = 3.0  # time allowed to exit after the last test ended


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # only the plugins we name run
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    # No __pycache__ in the learner's folder. subtle: every test process then relies
    # on site-packages being precompiled (the noxfile asks uv for --compile-bytecode),
    # or it would recompile numpy and pytest from source each time.
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONHASHSEED"] = "0"
    # subtle: one BLAS thread. On a busy machine a multithreaded matmul swings 10x
    # or more while a Python loop slows ~2x, which would make the ratio tests favour
    # loops; one thread on both sides keeps attempt-vs-reference timing fair.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    return env


def pytest_command(*args: str) -> list[str]:
    return [
        sys.executable, "-m", "pytest",
        "-c", str(HIDDEN_ROOT / "pytest.ini"), "--rootdir", str(HIDDEN_ROOT),
        "-p", "grader.plugin", "-p", "pytest_jsonreport.plugin", "-p", "no:cacheprovider",
        *args,
    ]  # fmt: skip


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


class _EventReader:
    """Reads the events file incrementally; a half-written last line waits for the next read."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset, self.pending = path, 0, b""

    def read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with self.path.open("rb") as stream:
            stream.seek(self.offset)
            data = stream.read()
        self.offset += len(data)
        *lines, self.pending = (self.pending + data).split(b"\n")
        events = []
        for line in lines:
            try:
                events.append(json.loads(line))
            except ValueError:
                continue  # garbage in the stream is not evidence of anything
        return events


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        return f"was killed by signal {signal.Signals(-code).name}"
    return f"exited with status {code}"


class ChildRun:
    """One child process over the tests in ``selected``, watched until it ends."""

    def __init__(self, work: Path, index: int, args: list[str], limits: Limits) -> None:
        self.limits = limits
        self.events = _EventReader(work / f"events-{index}.jsonl")
        self.json_report = work / f"report-{index}.json"
        command = pytest_command(
            *args, f"--grader-events={self.events.path}", "--json-report",
            f"--json-report-file={self.json_report}", "--json-report-omit", "streams",
            "log", "keywords", "collectors", "traceback", "warnings",
        )  # fmt: skip
        cwd = work / "cwd"  # an empty folder: files the attempt writes land here
        cwd.mkdir(exist_ok=True)
        self.proc = subprocess.Popen(
            command, cwd=cwd, env=child_env(), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=(lambda: _limit_resources(limits)) if os.name == "posix" else None,
        )  # fmt: skip
        self.drain = _Drain(self.proc.stdout, limits.output_bytes)  # type: ignore[arg-type]
        self.drain.start()
        self.started_at = time.monotonic()
        self.importing: str | None = None  # the attempt file being imported right now

    def _track_import(self, event: dict[str, Any]) -> None:
        if event.get("role") != "attempt":
            return
        if event.get("event") == "import_start":
            self.importing = str(event.get("stem"))
        elif event.get("event") == "import_end":
            self.importing = None

    def watch(
        self, time_limits: dict[str, float], deadline: float, pending: set[str]
    ) -> tuple[list[dict[str, Any]], str | None, str | None]:
        """Wait for the child; returns (end events, test running at the end, why it was killed)."""
        ended: list[dict[str, Any]] = []
        running: tuple[str, float] | None = None
        killed: str | None = None
        finished_at: float | None = None
        while True:
            for event in self.events.read():
                self._track_import(event)
                if event.get("event") == "start":
                    running = (str(event.get("nodeid")), time.monotonic())
                elif event.get("event") == "end":
                    ended.append(event)
                    running = None
            now = time.monotonic()
            if self.proc.poll() is not None:
                break
            if running and now - running[1] > time_limits.get(running[0], self.limits.per_test_s):
                killed = "test_timeout"
            elif now > deadline:
                killed = "day_timeout"
            elif pending <= {e.get("nodeid") for e in ended}:
                finished_at = finished_at or now  # every test reported: allow a clean exit
                killed = "lingered" if now - finished_at > self.limits.grace_s else None
            if killed:
                kill_group(self.proc)
                self.proc.wait()
                break
            time.sleep(POLL_S)
        kill_group(self.proc)  # threads or children the attempt left behind
        for event in self.events.read():
            self._track_import(event)
            if event.get("event") == "end":
                ended.append(event)
                if running and running[0] == event.get("nodeid"):
                    running = None
        self.drain.join(timeout=2)
        return ended, running[0] if running else None, killed

    def record(self, killed: str | None) -> dict[str, Any]:
        summary = None
        try:
            summary = json.loads(self.json_report.read_text(encoding="utf-8")).get("summary")
        except (OSError, ValueError):
            pass  # a killed or crashed child writes no report; the events still count
        return {
            "exit_code": self.proc.returncode,
            "ended_by": killed or "exit",
            "duration_s": round(time.monotonic() - self.started_at, 3),
            "pytest_json_report_summary": summary,
        }
