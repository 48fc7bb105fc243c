"""Fixtures for day 37: a real fake-LLM server on loopback and a sleep that only records.

Every test that needs the server gets a fresh one on 127.0.0.1 with a port the
OS picks, stopped (threads joined, socket closed) when the test ends.
"""

from __future__ import annotations

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
