"""Day 37's servers, run inside the attempt's worker, where the attempt's client can reach them.

A sandboxed worker has a network of its own (only its own loopback): a server the
judge starts on 127.0.0.1 is out of its reach. So the fake LLM server
(:class:`grader.fake_llm.FakeLLM`), the server that stalls half-way through a body
and the port that refuses connections run here, in threads of the worker, and the
hidden tests use them through drive calls (``grader/hidden/day37/conftest.py`` wraps
them in fixtures shaped like the in-process ones). Each one is named by its base URL.
Scripted replies arrive as plain dicts of :class:`~grader.fake_llm.Reply` fields; the
requests a server saw leave as plain dicts of :class:`~grader.fake_llm.Recorded`
fields.

Two more drivers run what a test cannot do through references: draw thousands of
waits from a numpy ``Generator`` (each draw would be a round trip to the judge), and
import the attempt's module a second time (the judge never imports attempt code).

subtle: these servers share the attempt's process, so an attempt could reach into
them; what they report is an observation the judge weighs, like any driver's.
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from grader.fake_llm import FakeLLM, Reply
from grader.loading import load_module

CLIENT_STEM = "llm_client"
# While any server runs, requests to it must not go to an http_proxy named in the
# environment: the sandbox could not reach one, and a proxy would swallow loopback.
PROXY_BYPASS = ("no_proxy", "NO_PROXY")


class Endpoint(Protocol):
    def stop(self) -> None: ...


_RUNNING: dict[str, Endpoint] = {}  # base URL -> the server behind it
_SAVED_ENVIRONMENT: dict[str, str | None] = {}
_LOCK = threading.Lock()
_FRESH_IMPORTS = itertools.count(1)


def _register(url: str, endpoint: Endpoint) -> str:
    with _LOCK:
        if not _RUNNING:
            for name in PROXY_BYPASS:
                _SAVED_ENVIRONMENT[name] = os.environ.get(name)
                os.environ[name] = "*"
        _RUNNING[url] = endpoint
    return url


def stop(load: Any, url: str) -> None:
    """Stop the server at ``url`` (threads joined, sockets closed); unknown URLs are ignored.
    When the last one stops, the proxy settings are restored."""
    with _LOCK:
        endpoint = _RUNNING.pop(url, None)
        if not _RUNNING:
            for name, value in _SAVED_ENVIRONMENT.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            _SAVED_ENVIRONMENT.clear()
    if endpoint is not None:
        endpoint.stop()


def _fake(url: str) -> FakeLLM:
    endpoint = _RUNNING.get(url)
    if not isinstance(endpoint, FakeLLM):
        raise ValueError(f"no fake LLM server runs at {url!r} in this worker")
    return endpoint


# --------------------------------------------------------------------------- the fake LLM


def start_fake_llm(load: Any) -> str:
    """Start a :class:`FakeLLM` on 127.0.0.1 (a port the OS picks); its base URL."""
    server = FakeLLM().start()
    return _register(server.url, server)


def script(load: Any, url: str, replies: list[dict[str, Any]], then: dict[str, Any] | None) -> None:
    """``FakeLLM.script(*replies, then=then)``, each reply given as its fields."""
    _fake(url).script(
        *(Reply(**reply) for reply in replies), then=None if then is None else Reply(**then)
    )


def requests_seen(load: Any, url: str) -> list[dict[str, Any]]:
    """The requests the server at ``url`` received, in order, as dicts of their fields."""
    return [asdict(request) for request in list(_fake(url).requests)]


# --------------------------------------------------------------------------- broken servers


class StallingServer:
    """Answers every request with a 200's headers (``Content-Length: 200``) and 19 bytes of
    body, then says nothing until stopped: a client gets the headers at once and must
    time out reading the body."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.02)  # how often the accept loop looks at `stopping`
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, name="stalling-server")
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
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
            self.held.append(conn)  # kept open, silent, until the server stops

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()
        for conn in self.held:
            conn.close()
        self.listener.close()


class RefusingPort:
    """A port bound on 127.0.0.1 but not listening: every connection to it is refused."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def stop(self) -> None:
        self.sock.close()


def start_stalling_server(load: Any) -> str:
    """Start a :class:`StallingServer`; its base URL."""
    server = StallingServer()
    return _register(server.url, server)


def refusing_url(load: Any) -> str:
    """A base URL whose port refuses every connection (see :class:`RefusingPort`)."""
    port = RefusingPort()
    return _register(port.url, port)


# --------------------------------------------------------------------------- the attempt


def backoff_delays(
    load: Any, seed: int, count: int, attempt: int, base: float, cap: float
) -> list[Any]:
    """``count`` calls of the attempt's ``backoff_delay(attempt, base, cap, rng)``, all with
    one ``np.random.default_rng(seed)`` made here, and what each returned."""
    module = load(CLIENT_STEM)
    rng = np.random.default_rng(seed)
    return [module.backoff_delay(attempt, base, cap, rng) for _ in range(count)]


def chat_waits(
    load: Any, url: str, messages: list[Any], *, fresh_import: bool = False, **options: Any
) -> list[Any]:
    """The waits one ``LLMClient(url, sleep=<records>, **options).chat(messages)`` slept.

    ``fresh_import``: the client comes from a second import of the attempt's file, a new
    module whose module-level state (a shared rng, say) is made afresh, as in a new
    process; otherwise from the module the tests use.
    """
    module = load(CLIENT_STEM)
    if fresh_import:
        path = Path(module.__file__)
        name = f"{module.__name__}_again_{next(_FRESH_IMPORTS)}"
        module = load_module(path, name, path.name)
    waits: list[Any] = []
    module.LLMClient(url, sleep=waits.append, **options).chat(messages)
    return waits
