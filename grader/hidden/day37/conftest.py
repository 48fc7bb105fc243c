"""Fixtures for day 37: a real fake-LLM server on loopback and a sleep that only records.

Every test that needs the server gets a fresh one on 127.0.0.1 with a port the
OS picks, stopped (threads joined, socket closed) when the test ends.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from grader.fake_llm import FakeLLM

MAX_SLEEPS = 50


class RecordingSleep:
    """Stands in for ``time.sleep``: records the seconds asked for, never waits.

    After ``MAX_SLEEPS`` calls it fails the test: a client that retries forever
    is stopped here (or, if it never sleeps, by the grader's per-test limit).
    """

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        if len(self.calls) > MAX_SLEEPS:
            raise AssertionError(
                f"the client slept {len(self.calls)} times: does it ever stop retrying? "
                "(max_retries bounds the retries)"
            )


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLLM]:
    """A running fake LLM server; ``fake.url`` is its base URL."""
    # subtle: an http_proxy in the environment must not swallow loopback requests
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "*")
    with FakeLLM() as server:
        yield server


@pytest.fixture
def sleeps() -> RecordingSleep:
    """The injected sleep; ``sleeps.calls`` lists the waits in order."""
    return RecordingSleep()


@pytest.fixture
def stalling_server() -> Iterator[str]:
    """A base URL whose server sends a 200's headers and half its body, then stalls.

    Each connection gets ``Content-Length: 200`` and 19 bytes, then nothing until
    the test ends: a client sees the headers at once and must time out reading the
    body. Count the attempts with the sleeps.
    """
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.02)
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.settimeout(2.0)
            try:
                request = b""
                while b"\r\n\r\n" not in request:
                    piece = conn.recv(65536)
                    if not piece:
                        break
                    request += piece
                conn.sendall(
                    b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 200\r\n\r\n" + b'{"choices": [{"mess'
                )
            except OSError:
                pass
            held.append(conn)  # kept open, silent, until the test ends

    thread = threading.Thread(target=serve, name="stalling-server")
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()
