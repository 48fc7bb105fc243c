"""A child process forked from this one, without a new interpreter: what the grader needs of
``subprocess.Popen`` for it, and when forking is safe.

Two trusted processes start this way, each skipping an interpreter's start-up and its
imports: the reference's worker, forked from the judge (:mod:`grader.proxy`), and the
judge itself, forked from a ``grade all`` process that imported pytest and numpy once
for every day it grades (:mod:`grader.parallel`, :func:`grader.judge.fork`). Attempt code
is never run in a forked process: an attempt's worker always starts afresh, in its sandbox.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Collection
from typing import IO

MAXFD = os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 1024
FAILED = 70  # the child's exit status when its body raised (EX_SOFTWARE)


def can_fork() -> bool:
    """Forking is safe only while this process has one thread: a lock another thread held
    at the fork would stay held forever in the child. And only on Linux: macOS's system
    libraries (Accelerate, which numpy may use there) are not safe to use after a fork,
    which is why Python itself starts processes afresh there."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


def keep_only(fds: Collection[int]) -> None:
    """In a forked child: close every descriptor above 2 but ``fds``."""
    low = 3
    for fd in sorted(fd for fd in fds if fd >= low):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, MAXFD)


class ForkedProcess:
    """A child forked from this process that runs ``body`` and exits with the status it
    returns (:data:`FAILED`, with the traceback on its stderr, if it raises): ``pid``,
    ``returncode``, ``poll``, ``wait`` and ``kill`` as ``subprocess.Popen`` has them.
    The child never returns into the caller's code, whatever ``body`` does."""

    def __init__(self, body: Callable[[], int]) -> None:
        self.returncode: int | None = None
        self.stdout: IO[bytes] | None = None  # set by whoever gave the child an output pipe
        self._reaping = threading.Lock()
        for stream in (sys.stdout, sys.stderr):  # or the child would write them out again
            with contextlib.suppress(OSError, ValueError, AttributeError):
                stream.flush()
        self.pid = os.fork()
        if self.pid == 0:
            status = FAILED
            try:
                status = body()
            except BaseException:
                with contextlib.suppress(BaseException):
                    traceback.print_exc()
            finally:
                os._exit(status)

    def poll(self) -> int | None:
        with self._reaping:  # a reader thread may ask while the main thread waits
            if self.returncode is None:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"process {self.pid}", timeout or 0)
            time.sleep(0.002)
        return code

    def kill(self) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
