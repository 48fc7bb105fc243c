"""One policed test process (grader/child.py): what it says of a death, what it reads back,
and what it leaves behind when the grader is interrupted."""

from __future__ import annotations

import io
import json
import os
import signal
import sys
from pathlib import Path

import pytest

from grader import child
from grader.child import ChildRun, Limits, _read_summary, describe_exit, describe_signal


@pytest.mark.parametrize(
    "number, described",
    [
        (signal.SIGSEGV, "SIGSEGV"),
        (signal.SIGKILL, "SIGKILL"),
        *(
            [(signal.SIGRTMIN + 1, f"{signal.SIGRTMIN + 1} (SIGRTMIN+1)")]
            if hasattr(signal, "SIGRTMIN")
            else []
        ),
        (200, "200"),
    ],
)
def test_every_signal_number_is_described_never_an_exception(number, described):
    assert describe_signal(number) == described
    assert describe_exit(-number) == f"was killed by signal {described}"


def test_an_exit_status_is_described():
    assert describe_exit(3) == "exited with status 3"


def _file(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


def test_the_summary_is_read_only_when_small_and_sane():
    good = {"created": 1, "summary": {"passed": 3, "failed": 1, "total": 4}, "tests": []}
    assert _read_summary(_file(json.dumps(good).encode())) == {
        "passed": 3,
        "failed": 1,
        "total": 4,
    }
    odd = {"summary": {"passed": "all of them", "failed": 0, "x" * 100: 1, "flag": True}}
    assert _read_summary(_file(json.dumps(odd).encode())) == {"failed": 0, "x" * 40: 1}
    assert _read_summary(_file(b"")) is None
    assert _read_summary(_file(b"[1, 2]")) is None
    assert _read_summary(_file(b'{"summary": [1]}')) is None
    huge = json.dumps({"summary": {"passed": 1}, "tests": "x" * (child.SUMMARY_LIMIT + 1)})
    assert _read_summary(_file(huge.encode())) is None


def test_an_interrupted_watch_kills_the_process_and_removes_its_folder(tmp_path, monkeypatch):
    script = tmp_path / "sleeper.py"
    script.write_text("import os, time\nopen('here.txt', 'w').write(os.getcwd())\ntime.sleep(60)\n")
    monkeypatch.setattr(child, "pytest_command", lambda *a: [sys.executable, str(script), *a])
    waits = iter(range(10_000))

    def interrupted() -> None:
        if next(waits) == 50:  # once the child has had time to start
            raise KeyboardInterrupt
        child.time.sleep(child.POLL_S)

    with pytest.raises(KeyboardInterrupt), ChildRun([], Limits(), ["t::a"]) as run:
        monkeypatch.setattr(run, "_wait_for_events", interrupted)
        run.watch({}, deadline=child.time.monotonic() + 60)
    assert run.proc.returncode == -signal.SIGKILL, "killed and reaped"
    with pytest.raises(ProcessLookupError):
        os.kill(run.proc.pid, 0)
    assert not Path(run._cwd.name).exists(), "its working folder is gone"
    with pytest.raises(OSError):
        os.fstat(run.events.fd)


def test_the_test_process_writes_no_bytecode_and_its_workers_do(monkeypatch):
    """pytest caches the rewritten asserts of the plugins it loads beside them, in the
    shared venv: the test process must not, or the venv's fingerprint changes after the
    first grade and every grade rebuilds it. Workers compile the grader's modules once."""
    from grader.child import child_env
    from grader.proxy import worker_env

    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    judge = child_env()
    assert judge["PYTHONDONTWRITEBYTECODE"] == "1"
    monkeypatch.setattr("os.environ", judge)
    assert "PYTHONDONTWRITEBYTECODE" not in worker_env()
