"""Day 37's drivers (grader/drivers/day37.py): servers and calls run beside the attempt.

Most checks call the driver functions in this process, with a ``load`` that imports
small stand-in modules; the last runs them in a worker inside a sandbox with no
network, where a server in the judge is out of reach and only the driver's works.
"""

from __future__ import annotations

import json
import os
import random
import urllib.error
import urllib.request
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from grader import proxy, sandbox
from grader.catalog import REPO_ROOT, SOLUTIONS_ROOT
from grader.drivers import day37
from grader.fake_llm import CHAT_PATH, FakeLLM, answer, status
from grader.loading import load_module
from tests.conftest import needs_bwrap

USER = [{"role": "user", "content": "hello there"}]


def post(url: str, content: str) -> int:
    """The HTTP status one chat request to ``url`` gets."""
    body = {"messages": [{"role": "user", "content": content}]}
    request = urllib.request.Request(url + CHAT_PATH, data=json.dumps(body).encode())
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code


def loader(folder: Path):
    """A driver's ``load``: ``folder/<stem>.py``, imported once."""
    loaded = {}

    def load(stem: str):
        if stem not in loaded:
            loaded[stem] = load_module(folder / f"{stem}.py", f"stand_in_{stem}", f"{stem}.py")
        return loaded[stem]

    return load


def test_a_fake_is_scripted_and_its_requests_come_back_as_plain_fields():
    url = day37.start_fake_llm(None)
    try:
        day37.script(None, url, [asdict(status(503))], asdict(answer("later")))
        assert [post(url, "one"), post(url, "two"), post(url, "three")] == [503, 200, 200]
        seen = day37.requests_seen(None, url)
        assert [r["body"]["messages"][0]["content"] for r in seen] == ["one", "two", "three"]
        assert seen[0]["method"] == "POST" and seen[0]["path"] == CHAT_PATH
    finally:
        day37.stop(None, url)
    with pytest.raises(ValueError, match="no fake LLM server runs at"):
        day37.requests_seen(None, url)


def test_proxies_are_bypassed_while_a_server_runs_and_restored_after_the_last(monkeypatch):
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.setenv("NO_PROXY", "example.org")
    first, second = day37.start_fake_llm(None), day37.refusing_url(None)
    assert (os.environ["no_proxy"], os.environ["NO_PROXY"]) == ("*", "*")
    day37.stop(None, first)
    assert os.environ["NO_PROXY"] == "*", "a server still runs: loopback must stay direct"
    day37.stop(None, second)
    assert "no_proxy" not in os.environ and os.environ["NO_PROXY"] == "example.org"


def test_the_broken_servers_stall_after_the_headers_and_refuse():
    stalling, refusing = day37.start_stalling_server(None), day37.refusing_url(None)
    try:
        request = urllib.request.Request(stalling + CHAT_PATH, data=b"{}")
        with urllib.request.urlopen(request, timeout=0.3) as response:
            assert response.status == 200  # the headers came at once...
            with pytest.raises(TimeoutError):
                response.read()  # ...the body never does
        with pytest.raises(urllib.error.URLError) as refused:
            urllib.request.urlopen(refusing + CHAT_PATH, data=b"{}", timeout=5)
        assert isinstance(refused.value.reason, ConnectionRefusedError)
    finally:
        day37.stop(None, stalling)
        day37.stop(None, refusing)


def test_backoff_delays_draw_from_a_numpy_generator_with_the_given_seed(tmp_path):
    (tmp_path / "llm_client.py").write_text(
        "def backoff_delay(attempt, base, cap, rng):\n    return rng.uniform(0.0, cap)\n"
    )
    got = day37.backoff_delays(loader(tmp_path), 5, 3, 0, 0.5, 2.0)
    assert got == list(np.random.default_rng(5).uniform(0.0, 2.0, size=3))


def test_chat_waits_from_a_fresh_import_start_from_fresh_module_state(tmp_path):
    # a client that sleeps the number of chats its module has seen: module-level state
    (tmp_path / "llm_client.py").write_text(
        "CHATS = []\n"
        "class LLMClient:\n"
        "    def __init__(self, url, sleep):\n"
        "        self.sleep = sleep\n"
        "    def chat(self, messages):\n"
        "        CHATS.append(messages)\n"
        "        self.sleep(len(CHATS))\n"
    )
    load = loader(tmp_path)
    runs = [day37.chat_waits(load, "url", USER, fresh_import=fresh) for fresh in (0, 0, 1, 0)]
    assert runs == [[1], [2], [1], [3]]


@needs_bwrap
def test_in_a_sandbox_with_no_network_the_client_reaches_only_the_drivers_fake(monkeypatch):
    # the repository shown read-only (the sandbox's private /tmp would hide a checkout there)
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))

    def no_network(command: list[str], fd: int) -> list[str]:
        return sandbox.wrap(command, visible=(REPO_ROOT,), writable=(), hidden=())[0]

    worker = proxy.start("attempt", SOLUTIONS_ROOT / "day37", "solutions/day37", wrap=no_network)
    try:
        client_module = worker.module("llm_client")
        waits: list[float] = []

        def client(url: str):
            return client_module.LLMClient(
                url, sleep=waits.append, rng=random.Random(0), max_retries=1, timeout=5.0
            )

        url = worker.drive("day37", "start_fake_llm")
        with FakeLLM() as judges_own:  # on the judge's loopback, not the worker's: refused
            with pytest.raises(client_module.ServerError, match="refused"):
                client(judges_own.url).chat(USER)
        waits.clear()
        worker.drive("day37", "script", url, [asdict(status(503))], None)
        assert client(url).chat(USER) == "echo: hello there"
        seen = worker.drive("day37", "requests_seen", url)
        assert [r["body"]["messages"] for r in seen] == [USER, USER]
        assert waits == [pytest.approx(random.Random(0).uniform(0.0, 0.5))]
        worker.drive("day37", "stop", url)
    finally:
        worker.close()
