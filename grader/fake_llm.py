"""A fake OpenAI-style chat-completions server that misbehaves on demand (day 37).

It speaks just enough of ``POST /v1/chat/completions`` for a client to be tested
over real HTTP on loopback: a JSON answer, or Server-Sent Events when the body
says ``"stream": true``. Tests *script* what the next requests get, in order::

    with FakeLLM() as fake:                       # 127.0.0.1, a port the OS picks
        fake.script(status(429, retry_after="2"), delay(2.0), answer('{"ok": true}'))
        ...                                       # point a client at fake.url
        assert len(fake.requests) == 3

When the script runs out it serves ``then`` (``script(..., then=status(503))``
fails forever) or, by default, the echo answer ``"echo: <last user message>"``.
Token counts are whitespace-separated words, so they can be worked out by hand.

Left out: authentication, tools, ``n > 1``, HTTP keep-alive (every response
closes its connection, which is what makes a clean shutdown easy).

From a shell: ``python -m grader.fake_llm --port 8765`` (Ctrl-C stops it); the
control endpoints ``POST /_fake/script`` and ``GET /_fake/requests`` let curl
script faults and read the log (see exercises/day37/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import threading
from collections import deque
from dataclasses import asdict, dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from grader.proctree import die_with_parent

CHAT_PATH = "/v1/chat/completions"


@dataclass(frozen=True)
class Reply:
    """What one request gets. Build them with the helpers below, not by hand."""

    status: int = 200
    content: str | None = None  # None: the default (echo) answer
    message: str | None = None  # the error message of a status >= 400
    retry_after: str | None = None  # the Retry-After header, sent as given
    delay: float = 0.0  # seconds to wait before answering (shutdown cuts it short)
    disconnect: bool = False  # read the request, then close without a byte
    raw_body: str | None = None  # send this body (status 200) instead of a valid answer
    chunk_bytes: int | None = None  # flush the body in pieces of this many bytes
    cut_stream: bool = False  # stream half the answer, then close without [DONE]


def answer(content: str, *, chunk_bytes: int | None = None) -> Reply:
    """A successful answer whose content is ``content``."""
    return Reply(content=content, chunk_bytes=chunk_bytes)


def status(code: int, message: str | None = None, *, retry_after: str | None = None) -> Reply:
    """An HTTP error with an OpenAI-style body ``{"error": {"message": ...}}``."""
    return Reply(status=code, message=message or f"fake error {code}", retry_after=retry_after)


def delay(seconds: float, then: Reply | None = None) -> Reply:
    """Wait ``seconds`` (longer than the client's timeout, say), then serve ``then``."""
    return replace(then or Reply(), delay=seconds)


def disconnect() -> Reply:
    """Close the connection after reading the request, without any response."""
    return Reply(disconnect=True)


def malformed(body: str = '{"id": "chatcmpl-1", "choices": [{"message": {"rol') -> Reply:
    """A 200 whose body is not the expected JSON (truncated by default)."""
    return Reply(raw_body=body)


def cut_stream(content: str) -> Reply:
    """A streamed answer that stops half-way, with no ``data: [DONE]``."""
    return Reply(content=content, cut_stream=True)


@dataclass(frozen=True)
class Recorded:
    """One request as the server received it (header names in lower case)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any  # the parsed JSON body, or the raw text when it was not JSON


def count_tokens(text: str) -> int:
    """The fake's tokenizer: whitespace-separated words (``"a b  c"`` -> 3)."""
    return len(text.split())


def echo(messages: list[dict[str, Any]]) -> str:
    """The default answer: ``"echo: "`` plus the last user message."""
    users = [m.get("content", "") for m in messages if m.get("role") == "user"]
    return f"echo: {users[-1] if users else ''}"


def split_pieces(content: str) -> list[str]:
    """How a streamed answer is cut into deltas: words with their trailing spaces."""
    return re.findall(r"\s*\S+\s*", content) or [content]


class _Server(ThreadingHTTPServer):
    # subtle: non-daemon handler threads are joined by server_close(), so a test
    # that stops the server leaves no thread behind; the delay fault waits on
    # ``stopping`` so that join is prompt.
    daemon_threads = False
    block_on_close = True
    fake: FakeLLM

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up is the point of the exercise, not news


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"  # one request per connection
    disable_nagle_algorithm = True  # small SSE pieces leave at once
    timeout = 5  # a client that connects and says nothing cannot pin a thread

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.fake.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        if self.path == "/_fake/requests":
            self._send_json(200, [asdict(r) for r in self.server.fake.requests])
        else:
            self._error(404, f"no route GET {self.path}")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", errors="replace")
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw
        fake = self.server.fake
        if self.path == "/_fake/script":
            return self._script_from(body)
        headers = {name.lower(): value for name, value in self.headers.items()}
        fake.record(Recorded(self.command, self.path, headers, body))
        reply = fake.next_reply()
        if reply.delay and fake.stopping.wait(reply.delay):
            return  # shutting down: give up on this request at once
        try:
            self._serve(reply, body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout) or stopped reading a stream

    def _script_from(self, body: Any) -> None:
        """``POST /_fake/script`` with ``[{"status": 429, "retry_after": "1"}, ...]``."""
        try:
            replies = [Reply(**item) for item in body]
        except TypeError as exc:
            fields = ", ".join(Reply.__dataclass_fields__)
            return self._error(400, f"expected a JSON list of objects with keys {fields}: {exc}")
        self.server.fake.script(*replies)
        self._send_json(200, {"scripted": len(replies)})

    def _serve(self, reply: Reply, body: Any) -> None:
        if reply.disconnect:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if reply.status >= 400:
            headers = {"Retry-After": reply.retry_after} if reply.retry_after else {}
            return self._error(reply.status, reply.message or f"fake error {reply.status}", headers)
        if self.path != CHAT_PATH:
            return self._error(404, f"no route POST {self.path}")
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return self._error(400, "the body needs a 'messages' list")
        if reply.raw_body is not None:
            return self._send(200, "application/json", reply.raw_body.encode(), reply.chunk_bytes)
        content = reply.content if reply.content is not None else echo(body["messages"])
        prompt = sum(count_tokens(str(m.get("content", ""))) for m in body["messages"])
        completion = count_tokens(content)
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
        if body.get("stream"):
            data = self._sse(content, usage, cut=reply.cut_stream)
            return self._send(200, "text/event-stream", data, reply.chunk_bytes)
        message = {"role": "assistant", "content": content}
        choice = {"index": 0, "message": message, "finish_reason": "stop"}
        self._send_json(
            200,
            {
                "id": self.server.fake.next_id(),
                "object": "chat.completion",
                "model": body.get("model", "fake-1"),
                "choices": [choice],
                "usage": usage,
            },
        )

    def _sse(self, content: str, usage: dict[str, int], *, cut: bool) -> bytes:
        """The stream: a comment, a role delta, content deltas, a usage chunk, [DONE]."""
        cid = self.server.fake.next_id()

        def chunk(choices: list[dict[str, Any]], **extra: Any) -> str:
            payload = {"id": cid, "object": "chat.completion.chunk", "choices": choices, **extra}
            return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

        def delta(d: dict[str, str], finish: str | None = None) -> dict[str, Any]:
            return {"index": 0, "delta": d, "finish_reason": finish}

        pieces = split_pieces(content)
        events = [": fake-llm stream\n\n", chunk([delta({"role": "assistant"})])]
        events += [chunk([delta({"content": p})]) for p in pieces]
        if cut:  # the connection drops half-way: no finish, no usage, no [DONE]
            return "".join(events[: 2 + len(pieces) // 2]).encode()
        # like OpenAI with stream_options.include_usage: the usage chunk has no choices
        events += [chunk([delta({}, "stop")]), chunk([], usage=usage), "data: [DONE]\n\n"]
        return "".join(events).encode()

    def _error(self, code: int, message: str, headers: dict[str, str] | None = None) -> None:
        error = {"message": message, "type": "fake_error", "code": code}
        self._send_json(code, {"error": error}, headers)

    def _send_json(self, code: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        self._send(code, "application/json", data, None, headers)

    def _send(
        self,
        code: int,
        content_type: str,
        data: bytes,
        chunk_bytes: int | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        if content_type != "text/event-stream":
            self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        step = chunk_bytes or len(data) or 1
        for start in range(0, len(data), step):
            self.wfile.write(data[start : start + step])
            if chunk_bytes and self.server.fake.stopping.wait(0.0002):
                return  # pieces leave one by one, so a reader sees awkward boundaries


@dataclass
class FakeLLM:
    """The server: ``start()``/``stop()`` or ``with FakeLLM() as fake:``."""

    host: str = "127.0.0.1"
    port: int = 0  # 0: the OS picks a free port (read it back from .port or .url)
    then: Reply = field(default_factory=Reply)  # served when the script is empty
    verbose: bool = False
    requests: list[Recorded] = field(default_factory=list, init=False)
    stopping: threading.Event = field(default_factory=threading.Event, init=False)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._script: deque[Reply] = deque()
        self._ids = 0
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: the base URL a client is given."""
        return f"http://{self.host}:{self.port}"

    def script(self, *replies: Reply, then: Reply | None = None) -> None:
        """Queue replies for the next requests, in order; ``then`` replaces the default."""
        with self._lock:
            self._script.extend(replies)
            if then is not None:
                self.then = then

    def next_reply(self) -> Reply:
        with self._lock:
            return self._script.popleft() if self._script else self.then

    def record(self, request: Recorded) -> None:
        with self._lock:
            self.requests.append(request)

    def next_id(self) -> str:
        with self._lock:
            self._ids += 1
            return f"chatcmpl-fake-{self._ids}"

    def start(self) -> FakeLLM:
        self.stopping.clear()
        self._httpd = _Server((self.host, self.port), _Handler)
        self._httpd.fake = self
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, name="fake-llm"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake delayed handlers, close the socket, join every thread."""
        if self._httpd is None:
            return
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()  # joins the handler threads (block_on_close)
        if self._thread is not None:
            self._thread.join()
        self._httpd = self._thread = None

    def __enter__(self) -> FakeLLM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    """``python -m grader.fake_llm [--host H] [--port P] [--quiet]``: serve until Ctrl-C.

    It also stops on SIGTERM and when the process that started it goes away (nox
    killed, a terminal closed), so no orphan server is left answering on the port.
    """
    parser = argparse.ArgumentParser(prog="python -m grader.fake_llm", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (0: any free one)")
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    args = parser.parse_args(argv)
    parent = os.getppid()
    terminated = threading.Event()
    # subtle: the handler only sets a flag; raising from it could land anywhere, even
    # inside the interpreter's own shutdown, and leave the server running.
    signal.signal(signal.SIGTERM, lambda signum, frame: terminated.set())
    die_with_parent(signal.SIGTERM)  # and the parent watch below, within half a second
    fake = FakeLLM(args.host, args.port, verbose=not args.quiet).start()
    print(f"fake LLM listening on {fake.url}{CHAT_PATH} (Ctrl-C to stop)", flush=True)
    try:
        while not terminated.wait(0.5):
            if os.getppid() != parent:  # reparented: whoever started us is gone
                print("the process that started the server is gone; stopping", flush=True)
                break
    except KeyboardInterrupt:
        print("stopping", flush=True)
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
