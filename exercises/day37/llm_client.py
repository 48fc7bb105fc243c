"""Day 37: a chat-completions client that survives a misbehaving service.

Standard library HTTP only (urllib.request or http.client). The service speaks the
OpenAI style: ``POST {base_url}/v1/chat/completions`` with a JSON body
``{"model", "messages", ...params}`` (plus ``"stream": true`` for a stream) answers
``{"choices": [{"message": {"role": "assistant", "content": ...}}],
"usage": {"prompt_tokens": ..., "completion_tokens": ...}}``; an error answers a
4xx/5xx status with ``{"error": {"message": ...}}`` and maybe a ``Retry-After``
header (seconds). Try it by hand: ``python -m grader.fake_llm --port 8765`` (see
the README). Hints: ``nox -s hint -- day37``.
"""

from __future__ import annotations

import time

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
    raise NotImplementedError("backoff_delay: run 'nox -s hint -- day37' if stuck")


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
        self.base_url = base_url
        self.model = model
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.sleep = sleep
        self.rng = rng
        self.usage = {"prompt_tokens": 0, "completion_tokens": 0}

    def chat(self, messages, **params):
        """The assistant's content for ``messages``; ``params`` go into the body as given.

        Sends ``{"model": self.model, "messages": messages, **params}`` as JSON
        (header ``Content-Type: application/json``).
        chat([{"role": "user", "content": "hi"}], temperature=0) -> "echo: hi" (the fake).
        """
        raise NotImplementedError("chat: run 'nox -s hint -- day37' if stuck")

    def complete_json(self, messages, required_keys=(), max_repairs=2):
        """The answer as a JSON object, asking the model to repair it up to ``max_repairs`` times.

        The content may sit in a code fence (```json ... ``` or ``` ... ```). When it
        is not valid JSON, not an object, or lacks a key of ``required_keys``, ask
        again with ``messages`` plus ONE user message that quotes the bad answer and
        states the problem (naming any missing key); after ``max_repairs`` such
        repairs, raise InvalidResponseError.
        ``'```json\\n{"a": 1}\\n```'`` -> ``{"a": 1}``.
        """
        raise NotImplementedError("complete_json: run 'nox -s hint -- day37' if stuck")

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
        raise NotImplementedError("stream_chat: run 'nox -s hint -- day37' if stuck")
