"""A chat-completions client that survives a misbehaving service (standard library only).

It speaks the OpenAI-style ``POST {base_url}/v1/chat/completions`` over urllib and
adds what a real service needs:

- retries with "full jitter" exponential backoff for the failures that may pass
  (429, 500, 502, 503, 504, a dropped connection, a timeout), honouring the
  server's ``Retry-After``; never for the ones that will not (other 4xx, a body
  that is not the expected JSON);
- typed errors a caller can act on (:class:`RateLimitError`, :class:`ClientError`…);
- ``complete_json``: parse a JSON answer, asking the model to repair it when needed;
- ``stream_chat``: Server-Sent Events reassembled line by line;
- running token ``usage``.

Left out: authentication, connection pooling (urllib opens one connection per
request), async, a retry budget shared between calls, tool calls.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


class LLMError(Exception):
    """Base of every error the client raises.

    ``status`` is the HTTP status (None when no response came), ``message`` the
    server's own message, ``retry_after`` the server's Retry-After in seconds.
    ``str(error)`` is ``"HTTP 404: model 'x' not found"`` when there is a status.
    """

    def __init__(
        self, message: str, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(f"HTTP {status}: {message}" if status is not None else message)
        self.message = message
        self.status = status
        self.retry_after = retry_after


class RateLimitError(LLMError):
    """429 Too Many Requests (retried)."""


class ServerError(LLMError):
    """A 5xx status, or a connection that failed or closed early (``status`` None)."""


class ClientError(LLMError):
    """Any other 4xx: the request itself is wrong; retrying cannot help."""


class LLMTimeoutError(LLMError):
    """No complete answer within the client's ``timeout`` (retried)."""


class InvalidResponseError(LLMError):
    """A 200 whose body is not the expected JSON, or a stream cut before [DONE]."""


def backoff_delay(attempt, base, cap, rng):
    """Full jitter: ``rng.uniform(0, min(cap, base * 2**attempt))``, one draw.

    ``attempt`` is 0 for the wait after the first failure. ``rng`` is a
    ``random.Random`` (a numpy ``Generator`` works too: both have ``uniform``).
    With base 0.5 and cap 8 the upper bounds are 0.5, 1, 2, 4, 8, 8, ...
    Any attempt works, however large: the bound stays ``cap`` (attempt 10_000
    gives a wait in [0, cap], never an OverflowError). A base or cap of 0 gives 0.0.
    ``ValueError`` for a negative attempt, base or cap.
    """
    if attempt < 0 or base < 0 or cap < 0:
        raise ValueError(f"attempt, base and cap must be >= 0, got {attempt!r}, {base!r}, {cap!r}")
    # subtle: clamp the exponent, or 2.0**attempt overflows a float after ~1000 retries.
    bound = min(cap, base * 2.0 ** min(attempt, 64))
    return float(rng.uniform(0.0, bound))


def _retryable(exc: LLMError) -> bool:
    if isinstance(exc, LLMTimeoutError):
        return True
    if isinstance(exc, ServerError) and exc.status is None:
        return True  # the connection failed or closed before an answer
    return exc.status in RETRYABLE_STATUSES


def _retry_after_seconds(value: str | None) -> float | None:
    """``"3"`` -> 3.0; absent, negative or an HTTP date (not honoured) -> None: use backoff."""
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return seconds if seconds >= 0 else None


def _http_error(exc: urllib.error.HTTPError) -> LLMError:
    raw = exc.read().decode("utf-8", errors="replace")
    exc.close()
    try:
        message = str(json.loads(raw)["error"]["message"])
    except (ValueError, KeyError, TypeError):
        message = raw[:200] or str(exc.reason)  # a proxy's HTML page, say
    retry_after = _retry_after_seconds(exc.headers.get("Retry-After"))
    kind = RateLimitError if exc.code == 429 else ServerError if exc.code >= 500 else ClientError
    return kind(message, exc.code, retry_after)


@contextmanager
def _transport_errors(timeout: float) -> Iterator[None]:
    """Turn urllib's and http.client's exceptions into this module's errors."""
    try:
        yield
    except urllib.error.HTTPError as exc:  # subtle: a subclass of URLError, so first
        raise _http_error(exc) from None
    except TimeoutError as exc:
        raise LLMTimeoutError(f"no answer within {timeout:g} s") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise LLMTimeoutError(f"no answer within {timeout:g} s") from exc
        raise ServerError(f"connection failed: {exc.reason}") from exc
    except (http.client.HTTPException, ConnectionError) as exc:  # RemoteDisconnected, ...
        raise ServerError(f"connection failed: {type(exc).__name__}: {exc}") from exc


def _completion_content(raw: bytes) -> tuple[str, dict[str, Any]]:
    """``(content, usage)`` of a chat.completion body, or InvalidResponseError."""
    try:
        data = json.loads(raw)
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise InvalidResponseError(
            f"expected a chat.completion JSON body ({type(exc).__name__}: {exc}); got {raw[:80]!r}"
        ) from None
    if not isinstance(content, str):
        raise InvalidResponseError(f"choices[0].message.content is not a string: {content!r}")
    return content, data.get("usage") or {}


_FENCE = re.compile(r"```(?:json)?[ \t]*\n?(.*?)```", re.DOTALL | re.IGNORECASE)


def _json_object(content: str, required_keys) -> dict[str, Any]:
    """Parse ``content`` as a JSON object; ValueError says what is wrong with it."""
    fenced = _FENCE.search(content)
    text = fenced.group(1) if fenced else content  # ```json\n{...}\n``` -> {...}
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"the answer is not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise ValueError(f"the answer is JSON but not an object (got {type(value).__name__})")
    missing = [key for key in required_keys if key not in value]
    if missing:
        raise ValueError(f"the JSON object lacks the required key(s) {', '.join(missing)}")
    return value


class LLMClient:
    """``LLMClient("http://127.0.0.1:8765").chat([{"role": "user", "content": "hi"}])``.

    Failures of a request: status 429 raises RateLimitError, any 5xx
    ServerError, any other 4xx ClientError; a connection refused,
    reset or closed without an answer ServerError with status None; no answer
    within ``timeout`` seconds LLMTimeoutError; a 200 whose body is not the
    expected JSON InvalidResponseError.

    Retries: RateLimitError and ServerError with a status in RETRYABLE_STATUSES,
    ServerError with status None and LLMTimeoutError are retried, at most
    ``max_retries`` times (``max_retries + 1`` attempts). Before retry number
    ``r`` (r = 0 after the first failure) call ``sleep(seconds)`` once, with the
    failure's ``retry_after`` when the server sent one (as given, even when it is
    shorter than the backoff, even 0), else
    ``backoff_delay(r, backoff_base, backoff_cap, rng)``. No sleep after the last
    attempt. Nothing else is retried (not a ClientError, not a 501 or 505, not
    an InvalidResponseError). When every attempt failed, raise the error of the
    LAST attempt. ``rng`` defaults to a new ``random.Random()``, seeded by the
    OS: never a fixed seed, or every client would jitter alike.

    ``usage`` holds running totals ``{"prompt_tokens": int, "completion_tokens": int}``
    over every successful call (streams too). A failed call, or a 200 whose body
    does not validate, adds nothing.
    """

    def __init__(
        self,
        base_url,
        *,
        model="fake-1",
        timeout=10.0,
        max_retries=3,
        backoff_base=0.5,
        backoff_cap=8.0,
        sleep=time.sleep,
        rng=None,
    ):
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries!r}")
        self.url = base_url.rstrip("/") + "/v1/chat/completions"
        self.model = model
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.sleep = sleep  # injected, so tests record the waits instead of waiting
        self.rng = rng if rng is not None else random.Random()
        self.usage = {"prompt_tokens": 0, "completion_tokens": 0}

    # ------------------------------------------------------------------ transport

    def _open(self, payload: dict[str, Any]) -> http.client.HTTPResponse:
        request = urllib.request.Request(
            self.url,
            data=json.dumps(payload).encode("utf-8"),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        with _transport_errors(self.timeout):
            return urllib.request.urlopen(request, timeout=self.timeout)

    def _post(self, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        response = self._open(payload)
        with response, _transport_errors(self.timeout):
            raw = response.read()  # subtle: the body can time out too, after the headers
        return _completion_content(raw)

    def _with_retries(self, call: Callable[[], Any]) -> Any:
        """Run ``call`` up to ``max_retries + 1`` times; raise the last failure."""
        last: LLMError | None = None
        for attempt in range(self.max_retries + 1):
            if last is not None:
                self.sleep(self._delay(last, attempt - 1))
            try:
                return call()
            except LLMError as exc:
                if not _retryable(exc):
                    raise  # 400, 401, 404, a malformed body: the same request fails again
                last = exc
        assert last is not None
        raise last

    def _delay(self, exc: LLMError, attempt: int) -> float:
        if exc.retry_after is not None:
            return exc.retry_after  # the server knows best when it will have room
        return backoff_delay(attempt, self.backoff_base, self.backoff_cap, self.rng)

    def _add_usage(self, usage: dict[str, Any] | None) -> None:
        for key in ("prompt_tokens", "completion_tokens"):
            self.usage[key] += int((usage or {}).get(key) or 0)

    def _payload(self, messages, params: dict[str, Any], stream: bool) -> dict[str, Any]:
        payload = {"model": self.model, "messages": list(messages), **params}
        if stream:
            payload["stream"] = True
        return payload

    # ------------------------------------------------------------------ public API

    def chat(self, messages, **params):
        """The assistant's content for ``messages``; ``params`` go into the body as given.

        Sends ``{"model": self.model, "messages": messages, **params}`` as JSON
        (header ``Content-Type: application/json``).
        chat([{"role": "user", "content": "hi"}], temperature=0) -> "echo: hi" (the fake).
        """
        content, usage = self._with_retries(
            lambda: self._post(self._payload(messages, params, False))
        )
        self._add_usage(usage)
        return content

    def complete_json(self, messages, required_keys=(), max_repairs=2):
        """The answer as a JSON object, asking the model to repair it up to ``max_repairs`` times.

        The content may sit in a code fence (```json ... ``` or ``` ... ```). When it
        is not valid JSON, not an object, or lacks a key of ``required_keys``, ask
        again with ``messages`` plus ONE user message that quotes the bad answer and
        states the problem (naming any missing key); after ``max_repairs`` such
        repairs, raise InvalidResponseError.
        ``'```json\\n{"a": 1}\\n```'`` -> ``{"a": 1}``.
        """
        asked = list(messages)
        for _ in range(max_repairs + 1):
            content = self.chat(asked)
            try:
                return _json_object(content, required_keys)
            except ValueError as exc:
                problem = str(exc)
            keys = f" with the keys {', '.join(required_keys)}" if required_keys else ""
            fix = (
                f"Your previous answer was:\n{content}\n\nProblem: {problem}. Reply with only "
                f"a JSON object{keys}: no prose, no code fence."
            )
            # subtle: the original conversation plus ONE message, not a growing pile of them
            asked = [*messages, {"role": "user", "content": fix}]
        raise InvalidResponseError(f"no valid JSON after {max_repairs} repair(s): {problem}")

    def stream_chat(self, messages, **params):
        """Yield the text pieces of a streamed answer (SSE ``data:`` lines up to ``[DONE]``).

        The body gets ``"stream": true``; the answer is ``text/event-stream``:
        ``data: {"choices": [{"delta": {"content": "Hel"}}]}`` lines separated by
        blank lines, ending with ``data: [DONE]``. Skip comments (``: ...``), blank
        lines and empty deltas; a chunk with ``usage`` (and an empty ``choices``)
        adds to ``self.usage``. Bytes arrive in arbitrary pieces. A stream that
        ends without ``data: [DONE]`` raises InvalidResponseError. Opening the
        stream is retried like ``chat``.
        """
        payload = self._payload(messages, params, True)
        response = self._with_retries(lambda: self._open(payload))
        with response, _transport_errors(self.timeout):
            # subtle: iterate lines, not reads: a network read can end mid-line or
            # mid-character, a line cannot.
            for raw_line in response:
                line = raw_line.decode("utf-8").rstrip("\r\n")
                if not line.startswith("data:"):
                    continue  # blank separators and ": comments"
                data = line[len("data:") :].strip()
                if data == "[DONE]":
                    return
                try:
                    chunk = json.loads(data)
                except ValueError:
                    raise InvalidResponseError(f"an SSE chunk is not JSON: {data[:80]!r}") from None
                self._add_usage(chunk.get("usage"))
                for choice in chunk.get("choices") or ():  # the usage chunk has none
                    piece = (choice.get("delta") or {}).get("content")
                    if piece:
                        yield piece
        raise InvalidResponseError("the stream ended before 'data: [DONE]': the answer is cut")
