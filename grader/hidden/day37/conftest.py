"""Fixtures for day 37: fake LLM servers beside the attempt, and a sleep that only records.

The attempt's client runs in its worker process, which may have no network of its
own but a loopback: a server in this process would be out of its reach. So each
server runs in the worker (:mod:`grader.drivers.day37`), a fresh one per test on
127.0.0.1 with a port the OS picks, stopped (threads joined, sockets closed) when
the test ends. :class:`FakeInWorker` is used like :class:`grader.fake_llm.FakeLLM`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict

import pytest

from grader.fake_llm import Recorded, Reply
from grader.proxy import PeerGone, Worker

MAX_SLEEPS = 50
DRIVER = "day37"


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


class FakeInWorker:
    """A :class:`grader.fake_llm.FakeLLM` running in the attempt's worker, used as one:
    ``url``, ``script(*replies, then=None)`` and ``requests`` (each read asks the worker
    for the requests seen so far, rebuilt as :class:`Recorded` from plain fields)."""

    def __init__(self, worker: Worker, url: str) -> None:
        self.worker, self.url = worker, url

    def script(self, *replies: Reply, then: Reply | None = None) -> None:
        fields = [asdict(reply) for reply in replies]
        self.worker.drive(
            DRIVER, "script", self.url, fields, None if then is None else asdict(then)
        )

    @property
    def requests(self) -> list[Recorded]:
        return [Recorded(**seen) for seen in self.worker.drive(DRIVER, "requests_seen", self.url)]


@contextmanager
def _serving(worker: Worker, starter: str) -> Iterator[str]:
    """The base URL of a server the driver's ``starter`` opens in ``worker``, stopped after."""
    url = worker.drive(DRIVER, starter)
    try:
        yield url
    finally:
        try:
            worker.drive(DRIVER, "stop", url)
        except PeerGone:
            pass  # the attempt ended its worker, and the server with it


@pytest.fixture
def fake(attempt_worker: Worker) -> Iterator[FakeInWorker]:
    """A running fake LLM server beside the attempt; ``fake.url`` is its base URL."""
    with _serving(attempt_worker, "start_fake_llm") as url:
        yield FakeInWorker(attempt_worker, url)


@pytest.fixture
def sleeps() -> RecordingSleep:
    """The injected sleep; ``sleeps.calls`` lists the waits in order."""
    return RecordingSleep()


@pytest.fixture
def stalling_server(attempt_worker: Worker) -> Iterator[str]:
    """A base URL whose server sends a 200's headers and half its body, then stalls.

    Each connection gets ``Content-Length: 200`` and 19 bytes, then nothing until
    the test ends: a client sees the headers at once and must time out reading the
    body. Count the attempts with the sleeps.
    """
    with _serving(attempt_worker, "start_stalling_server") as url:
        yield url


@pytest.fixture
def refusing_url(attempt_worker: Worker) -> Iterator[str]:
    """A base URL on 127.0.0.1 whose port is bound but not listening: refused at once."""
    with _serving(attempt_worker, "refusing_url") as url:
        yield url
