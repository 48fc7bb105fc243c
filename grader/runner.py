"""Run the hidden tests of one day in a policed child process.

The parent never trusts the child to finish. It starts ``pytest`` in its own
process group with resource limits, reads the event stream the plugin writes
(one JSON line as each test starts and ends) and enforces two clocks:

- a per-test limit: when a test runs too long the whole process group gets
  SIGKILL, which no signal handler in the attempt can block; that test is a
  ``timeout`` and the child is restarted on the tests that have not run yet;
- a per-day limit: when it runs out, the running test is a ``timeout`` and every
  test not yet run is an ``error`` ("not run").

If the child dies in the middle of a test (``os._exit``, a segfault, the memory
limit) that test is an ``error`` and the rest run in a fresh child. The outcomes
are only *observations*: :mod:`grader.scoring` decides the points from the
manifest, so a test that never reported earns nothing.

Threat model: this stops attempts that crash, exit, hang, ignore signals, flood
output, leave threads behind or exhaust memory. It is not a sandbox against code
written to attack the grader itself (forging the event stream from inside the
same process, or killing the parent): run untrusted code from strangers in a
container.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from grader.catalog import HIDDEN_ROOT, REPO_ROOT, Day
from grader.errors import GraderError

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


@dataclass
class Observed:
    """Everything seen while running one day's tests."""

    outcomes: dict[str, dict[str, Any]] = field(default_factory=dict)  # nodeid -> end event
    runs: list[dict[str, Any]] = field(default_factory=list)  # one record per child process
    output: str = ""  # the children's stdout and stderr, truncated


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # only the plugins we name run
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ in the learner's folder
    env["PYTHONHASHSEED"] = "0"
    return env


def _pytest_command(*args: str) -> list[str]:
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


def collect_manifest(day: Day) -> list[dict[str, Any]]:
    """The list of hidden tests of ``day`` with points and hints, from a collect-only run."""
    with tempfile.TemporaryDirectory(prefix="grader-") as work:
        manifest = Path(work) / "manifest.json"
        proc = subprocess.run(
            _pytest_command("--collect-only", "-q", f"--grader-manifest={manifest}",
                            str(day.hidden_dir)),
            cwd=work, env=_child_env(), capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        if proc.returncode != 0 or not manifest.exists():
            tail = (proc.stdout + proc.stderr)[-1500:]
            raise GraderError(f"could not collect the hidden tests of {day.name}:\n{tail}")
        entries: list[dict[str, Any]] = json.loads(manifest.read_text(encoding="utf-8"))
    if not entries:
        raise GraderError(f"{day.name} has no hidden tests")
    return entries


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


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        return f"was killed by signal {signal.Signals(-code).name}"
    return f"exited with status {code}"


class _ChildRun:
    """One child process over the tests in ``selected``, watched until it ends."""

    def __init__(self, work: Path, index: int, args: list[str], limits: Limits) -> None:
        self.limits = limits
        self.events = _EventReader(work / f"events-{index}.jsonl")
        self.json_report = work / f"report-{index}.json"
        command = _pytest_command(
            *args, f"--grader-events={self.events.path}", "--json-report",
            f"--json-report-file={self.json_report}", "--json-report-omit", "streams",
            "log", "keywords", "collectors", "traceback", "warnings",
        )  # fmt: skip
        cwd = work / "cwd"  # an empty folder: files the attempt writes land here
        cwd.mkdir(exist_ok=True)
        self.proc = subprocess.Popen(
            command, cwd=cwd, env=_child_env(), stdin=subprocess.DEVNULL,
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
                _kill_group(self.proc)
                self.proc.wait()
                break
            time.sleep(POLL_S)
        _kill_group(self.proc)  # threads or children the attempt left behind
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


def run_tests(
    day: Day,
    manifest: list[dict[str, Any]],
    attempt_dir: Path,
    reference_dir: Path,
    attempt_label: str,
    limits: Limits = Limits(),
    seed: int | None = None,
    fail_fast: bool = False,
) -> Observed:
    """Run every test in ``manifest`` on ``attempt_dir``, restarting after kills and crashes."""
    observed = Observed()
    remaining = [entry["nodeid"] for entry in manifest]
    time_limits = {e["nodeid"]: float(e["time_limit"] or limits.per_test_s) for e in manifest}
    deadline = time.monotonic() + limits.per_day_s
    outputs: list[str] = []
    poisoned: dict[str, str] = {}  # attempt file -> why its import cannot be retried
    base_args = [
        f"--grader-day={day.name}", f"--grader-target={attempt_dir}",
        f"--grader-reference={reference_dir}", f"--grader-target-label={attempt_label}",
        "-q", "-p", "no:warnings", *(["-x"] if fail_fast else []),
        *([f"--grader-seed={seed}"] if seed is not None else []),
    ]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="grader-") as tmp:
        work = Path(tmp)
        while remaining:
            select = work / f"select-{len(observed.runs)}.txt"
            select.write_text("\n".join(remaining), encoding="utf-8")
            poison = "\n".join(f"{stem}:{why}" for stem, why in poisoned.items())
            child = _ChildRun(
                work, len(observed.runs), [*base_args, f"--grader-select={select}",
                                            f"--grader-poisoned={poison}", str(day.hidden_dir)],
                limits,
            )  # fmt: skip
            ended, running, killed = child.watch(time_limits, deadline, set(remaining))
            if child.importing is not None and killed != "day_timeout":
                # subtle: the import itself killed or hung the child; importing it
                # again would only repeat that for every remaining test.
                limit = time_limits.get(running or "", limits.per_test_s)
                poisoned[child.importing] = (
                    f"importing it did not finish within {limit:g} s"
                    if killed == "test_timeout"
                    else f"importing it {_describe_exit(child.proc.returncode)}"
                )
            observed.runs.append(child.record(killed))
            outputs.append(child.drain.text())
            for event in ended:
                observed.outcomes[str(event["nodeid"])] = event
            if running is not None:
                outcome = _synthetic_outcome(running, killed, child, time_limits)
                if child.importing in poisoned:
                    file = f"{attempt_label}/{child.importing}.py"
                    outcome["message"] = f"{file} failed to import: {poisoned[child.importing]}"
                observed.outcomes[running] = outcome
            remaining = [n for n in remaining if n not in observed.outcomes]
            if killed == "day_timeout" or (fail_fast and _any_failed(observed)):
                break
            if remaining and not ended and running is None:
                raise GraderError(
                    f"the test process for {day.name} {_describe_exit(child.proc.returncode)} "
                    f"before running any test:\n{outputs[-1][-1500:]}"
                )
        for nodeid in remaining:
            why = (
                "the day's time limit" if not fail_fast else "grading stopped at the first failure"
            )
            observed.outcomes[nodeid] = {
                "nodeid": nodeid, "outcome": "error", "duration": 0.0,
                "message": f"not run: {why} ({limits.per_day_s:g} s) ran out first"
                if not fail_fast else f"not run: {why}",
            }  # fmt: skip
    observed.output = "\n".join(outputs)[: limits.output_bytes * 2]
    return observed


def _any_failed(observed: Observed) -> bool:
    return any(o.get("outcome") != "passed" for o in observed.outcomes.values())


def _synthetic_outcome(
    nodeid: str, killed: str | None, child: _ChildRun, time_limits: dict[str, float]
) -> dict[str, Any]:
    """The outcome of the test that was running when the child was killed or died."""
    if killed in ("test_timeout", "day_timeout"):
        limit = time_limits[nodeid]
        message = (
            f"timed out after {limit:g} s (an infinite loop, or far too slow?)"
            if killed == "test_timeout"
            else "timed out: the day's time limit ran out during this test"
        )
        return {"nodeid": nodeid, "outcome": "timeout", "duration": limit, "message": message}
    return {
        "nodeid": nodeid,
        "outcome": "error",
        "duration": 0.0,
        "message": f"the test process {_describe_exit(child.proc.returncode)} during this test "
        "(os._exit, sys.exit outside a test, a crash, or the memory limit?)",
    }
