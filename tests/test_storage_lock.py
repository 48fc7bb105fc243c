"""The ledger lock: never waited for forever, never a FIFO or a link followed."""

from __future__ import annotations

import fcntl
import os
import threading
import time

import pytest

from grader.errors import UsageError
from grader.storage import locked


def test_a_free_lock_is_taken_at_once_and_given_back(tmp_path):
    ledger = tmp_path / "progress.json"
    for _ in range(2):
        started = time.monotonic()
        with locked(ledger, timeout=5):
            pass
        assert time.monotonic() - started < 1


def test_a_held_lock_times_out_with_one_line_naming_the_file_and_its_holder(tmp_path):
    ledger = tmp_path / "progress.json"
    with open(tmp_path / "progress.json.lock", "a") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX)
        started = time.monotonic()
        with pytest.raises(UsageError) as caught, locked(ledger, timeout=0.3):
            pass
        waited = time.monotonic() - started
    message = str(caught.value)
    assert 0.3 <= waited < 3
    assert "\n" not in message
    assert "another grade is running, or a stale process holds" in message
    assert f"progress.json.lock (process {os.getpid()})" in message
    assert "then try again" in message
    with locked(ledger, timeout=0.3):
        pass  # released by its holder: free again


def test_a_lock_given_back_while_waiting_is_taken(tmp_path):
    ledger = tmp_path / "progress.json"
    holder = open(tmp_path / "progress.json.lock", "a")
    fcntl.flock(holder, fcntl.LOCK_EX)
    threading.Timer(0.3, holder.close).start()
    started = time.monotonic()
    with locked(ledger, timeout=10):
        assert time.monotonic() - started < 5


def _fails_fast(ledger) -> str:
    """The UsageError message of locking ``ledger``, failing the test if it blocks."""
    outcome: list[BaseException | None] = []

    def attempt() -> None:
        try:
            with locked(ledger, timeout=0.2):
                outcome.append(None)
        except BaseException as exc:  # handed to the test's thread
            outcome.append(exc)

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout=5)
    assert not thread.is_alive(), "locking blocked"
    assert isinstance(outcome[0], UsageError), outcome
    return str(outcome[0])


def test_a_fifo_planted_as_the_lock_file_is_an_error_not_a_hang(tmp_path):
    os.mkfifo(tmp_path / "progress.json.lock")
    message = _fails_fast(tmp_path / "progress.json")
    assert "progress.json.lock" in message and "remove it" in message


def test_a_link_planted_as_the_lock_file_is_not_followed(tmp_path):
    victim = tmp_path / "elsewhere.txt"
    (tmp_path / "progress.json.lock").symlink_to(victim)
    message = _fails_fast(tmp_path / "progress.json")
    assert "progress.json.lock" in message
    assert not victim.exists(), "nothing was created through the link"


def test_a_folder_in_place_of_the_lock_file_is_an_error(tmp_path):
    (tmp_path / "progress.json.lock").mkdir()
    assert "progress.json.lock" in _fails_fast(tmp_path / "progress.json")
