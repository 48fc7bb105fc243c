"""The fake LLM server (grader/fake_llm.py) starts and stops cleanly and serves faults in order."""

from __future__ import annotations

import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from grader.catalog import REPO_ROOT
from grader.fake_llm import CHAT_PATH, FakeLLM, answer, cut_stream, delay, disconnect, malformed
from grader.fake_llm import status as fault_status

BODY = {"model": "fake-1", "messages": [{"role": "user", "content": "hello there"}]}


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "*")


def post(url: str, body: object = BODY, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of one POST; HTTP errors are answers here, not exceptions."""
    request = urllib.request.Request(
        url + CHAT_PATH,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, dict(exc.headers), exc.read()


def assert_no_new_threads(before: set[threading.Thread]) -> None:
    # subtle: compare sets, not just counts: a thread another test left behind may end meanwhile
    leaked = [t.name for t in threading.enumerate() if t not in before]
    assert not leaked, f"threads left running after stop(): {leaked}"
    assert threading.active_count() <= len(before)


def assert_port_is_free(port: int) -> None:
    # subtle: SO_REUSEADDR lets us bind past the server side's TIME_WAIT connections,
    # but bind still fails while any socket LISTENS on the port: the real check.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
        probe.listen()


def test_the_server_stops_with_no_leaked_thread_or_port():
    before = set(threading.enumerate())
    fake = FakeLLM().start()
    assert fake.port != 0 and fake.url == f"http://127.0.0.1:{fake.port}"
    fake.script(fault_status(503), answer("fine"))
    assert post(fake.url)[0] == 503
    assert post(fake.url)[0] == 200
    fake.script(delay(30.0))
    with pytest.raises(TimeoutError):  # leaves a handler waiting when we stop
        post(fake.url, timeout=0.2)
    fake.stop()
    assert_no_new_threads(before)
    assert_port_is_free(fake.port)
    with FakeLLM(port=fake.port) as again:  # the same port serves again
        assert post(again.url)[0] == 200
    assert_no_new_threads(before)


def test_a_request_in_flight_does_not_hold_up_shutdown():
    before = set(threading.enumerate())
    outcome: list[object] = []
    with FakeLLM() as fake:
        fake.script(delay(30.0))

        def client() -> None:
            try:
                outcome.append(post(fake.url, timeout=10.0))
            except Exception as exc:  # the server closes the connection: expected
                outcome.append(exc)

        thread = threading.Thread(target=client)
        thread.start()
        deadline = time.monotonic() + 5
        while not fake.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.monotonic()
    stopped_in = time.monotonic() - started
    thread.join(timeout=5)
    assert stopped_in < 2.0, f"stop() waited {stopped_in:.1f} s for a delayed handler"
    assert isinstance(outcome[0], http.client.RemoteDisconnected | ConnectionError), outcome
    assert_no_new_threads(before)


def test_scripted_faults_are_served_in_order_and_recorded():
    with FakeLLM() as fake:
        fake.script(
            fault_status(503, "busy"),
            fault_status(429, "slow down", retry_after="2"),
            disconnect(),
            malformed("{oops"),
            answer("fine"),
        )
        code, _, body = post(fake.url)
        assert (code, json.loads(body)["error"]["message"]) == (503, "busy")
        code, headers, _ = post(fake.url)
        assert (code, headers.get("Retry-After")) == (429, "2")
        with pytest.raises(http.client.RemoteDisconnected):
            post(fake.url)
        assert post(fake.url)[::2] == (200, b"{oops")
        reply = json.loads(post(fake.url)[2])
        assert reply["choices"][0]["message"] == {"role": "assistant", "content": "fine"}
        assert reply["usage"] == {"prompt_tokens": 2, "completion_tokens": 1, "total_tokens": 3}
        echo = json.loads(post(fake.url, {**BODY, "temperature": 0.5})[2])  # script exhausted
        assert echo["choices"][0]["message"]["content"] == "echo: hello there"
        assert len(fake.requests) == 6
        last = fake.requests[-1]
        assert (last.method, last.path) == ("POST", CHAT_PATH)
        assert last.headers["content-type"] == "application/json"
        assert last.body == {**BODY, "temperature": 0.5}
        fake.script(then=fault_status(500))
        assert [post(fake.url)[0] for _ in range(3)] == [500, 500, 500]


def sse_events(raw: bytes) -> list[str]:
    """The data: payloads of an SSE body, comments and blank lines skipped."""
    lines = raw.decode("utf-8").split("\n")
    return [line[len("data: ") :] for line in lines if line.startswith("data: ")]


def test_streams_are_well_formed_sse_even_when_flushed_in_pieces():
    text = "héllo wörld ✓ done"
    with FakeLLM() as fake:
        fake.script(answer(text, chunk_bytes=3), cut_stream(text))
        code, headers, raw = post(fake.url, {**BODY, "stream": True})
        assert code == 200 and headers["Content-Type"] == "text/event-stream"
        events = sse_events(raw)
        assert events[-1] == "[DONE]" and raw.endswith(b"data: [DONE]\n\n")
        chunks = [json.loads(e) for e in events[:-1]]
        pieces = [c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"]]
        assert "".join(pieces) == text
        usage = chunks[-1]  # like OpenAI's include_usage: no choices, the token counts
        assert usage["choices"] == [] and usage["usage"] == {
            "prompt_tokens": 2,
            "completion_tokens": 4,
            "total_tokens": 6,
        }
        _, _, cut = post(fake.url, {**BODY, "stream": True})
        assert "[DONE]" not in sse_events(cut)


def test_the_command_line_serves_until_ctrl_c():
    process = subprocess.Popen(
        [sys.executable, "-m", "grader.fake_llm", "--host", "127.0.0.1", "--port", "0", "--quiet"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
        # subtle: a parent that ignores SIGINT (a background shell) would pass that on
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        first = process.stdout.readline()  # type: ignore[union-attr]
        match = re.search(r"http://127\.0\.0\.1:(\d+)", first)
        assert match, f"the first line should give the URL, got {first!r}"
        url = match.group(0)
        scripted = urllib.request.Request(
            url + "/_fake/script", data=json.dumps([{"status": 418}]).encode()
        )
        with urllib.request.urlopen(scripted, timeout=5) as response:
            assert json.loads(response.read()) == {"scripted": 1}
        assert post(url)[0] == 418
        assert post(url)[0] == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=5) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()  # type: ignore[union-attr]


def _wait_until_refused(port: int, within_s: float = 10.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        except OSError:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_killing_the_process_that_started_the_server_stops_it(how):
    """`nox -s fake-llm` runs the server as nox's child: when nox dies, no orphan is left."""
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys; subprocess.run([sys.executable, '-m', 'grader.fake_llm',"
            " '--port', '0', '--quiet'])",
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first = parent.stdout.readline()  # type: ignore[union-attr]
        match = re.search(r"http://127\.0\.0\.1:(\d+)", first)
        assert match, f"the first line should give the URL, got {first!r}"
        port = int(match.group(1))
        parent.send_signal(getattr(signal, how))
        parent.wait(timeout=5)
        assert _wait_until_refused(port), f"the server still answers on {port} after {how}"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        parent.stdout.close()  # type: ignore[union-attr]


def test_the_official_openai_client_reads_every_field_it_needs():
    """Completions, streams with include_usage, 429 with Retry-After and 400 bodies."""
    import openai  # a test dependency: never skipped, so the check cannot silently vanish

    with FakeLLM(verbose=False) as fake:
        client = openai.OpenAI(base_url=fake.url + "/v1", api_key="fake", max_retries=0)
        reply = client.chat.completions.create(model="fake-1", messages=BODY["messages"])
        assert reply.choices[0].message.content and reply.choices[0].finish_reason == "stop"
        usage = reply.usage
        assert usage is not None and usage.total_tokens == (
            usage.prompt_tokens + usage.completion_tokens
        )
        stream = client.chat.completions.create(
            model="fake-1",
            messages=BODY["messages"],
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = list(stream)
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert text == reply.choices[0].message.content
        assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == usage.total_tokens
        fake.script(fault_status(429, retry_after="2"), fault_status(400, "bad messages"))
        with pytest.raises(openai.RateLimitError) as limited:
            client.chat.completions.create(model="fake-1", messages=BODY["messages"])
        assert limited.value.response.headers["retry-after"] == "2"
        with pytest.raises(openai.BadRequestError) as bad:
            client.chat.completions.create(model="fake-1", messages=BODY["messages"])
        assert "bad messages" in str(bad.value)
