"""Hidden tests for exercises/day37/llm_client.py, over real HTTP to grader.fake_llm.

Every test talks to a fresh fake server on 127.0.0.1 (the ``fake`` fixture), started
beside the attempt in its worker (a sandboxed worker has no network, only a loopback of its own),
that serves scripted faults in order, and injects a ``sleep`` that records instead of
waiting (the ``sleeps`` fixture). Most tests use :class:`CeilingRng`, whose
``uniform(a, b)`` returns ``b``: full jitter at its ceiling, so the expected
waits are exactly the bounds ``min(cap, base * 2**attempt)`` and can be written
down by hand (base 0.5: 0.5, 1.0, 2.0, ...).
"""

from __future__ import annotations

import random
import time

import pytest

from grader.fake_llm import answer, cut_stream, delay, disconnect, malformed, status
from grader.testing import (
    Mistake,
    assert_close,
    assert_same_text,
    attempt_module,
    expect_error,
    name_the_mistake,
    reference_module,
)

llm = attempt_module("llm_client")
ref = reference_module("llm_client")

USER = [{"role": "user", "content": "hello there"}]


class CeilingRng:
    """A stand-in rng at the top of its range: ``uniform(a, b) -> b`` (and ``random() -> 1``)."""

    def uniform(self, low: float, high: float) -> float:
        return float(high)

    def random(self) -> float:
        return 1.0


@pytest.fixture
def make_client(llm, fake, sleeps):
    """``make_client(max_retries=2)``: an LLMClient aimed at the fake, sleeping into ``sleeps``."""

    def make(**options):
        options.setdefault("rng", CeilingRng())
        options.setdefault("timeout", 5.0)
        return llm.LLMClient(fake.url, sleep=sleeps, **options)

    return make


def assert_requests(fake, expected: int, why: str) -> None:
    got = len(fake.requests)
    assert got == expected, f"the server got {got} request(s), expected {expected} ({why})"


SLEPT_AFTER_THE_LAST = "After the last attempt failed, is there anything left to wait for?"


def assert_not_retried(fake, sleeps, what: str) -> None:
    """One request and no sleep; a Mistake naming the retry when there were more."""
    got = len(fake.requests)
    if got > 1:
        raise Mistake(
            f"{what} was retried: the server got {got} requests, expected 1 (the same "
            f"request fails the same way again; nothing else is retried)",
            hint=f"Will sending the same request again help after {what}?",
        )
    assert_sleeps(sleeps, [], f"{what} is not retried, so there is nothing to wait for")


def assert_sleeps(sleeps, expected: list[float], why: str, *, last_failed: bool = False) -> None:
    """``sleeps.calls == expected``; ``last_failed``: the last attempt failed too."""
    calls = sleeps.calls
    if last_failed and len(calls) == len(expected) + 1:
        raise Mistake(
            f"the client slept {len(calls)} time(s) {calls}, expected {len(expected)} "
            f"{expected} ({why}): the extra sleep came after the last attempt, when "
            "there was nothing left to retry",
            hint=SLEPT_AFTER_THE_LAST,
        )
    assert len(sleeps.calls) == len(expected), (
        f"the client slept {len(sleeps.calls)} time(s) {sleeps.calls}, expected "
        f"{len(expected)} {expected} ({why})"
    )
    assert_close(sleeps.calls, expected, what=f"the sleeps ({why})")


# ---------------------------------------------------------------------------- backoff_delay


@pytest.mark.grade(
    points=2,
    hint="What is min(cap, base * 2**attempt) for attempt 0, 1, ..., 5?",
    task="backoff_delay",
)
def test_backoff_bounds_double_from_base_and_stop_at_the_cap(llm):
    # base 0.5, cap 8: 0.5·2^a = 0.5, 1, 2, 4, 8, then 16 -> capped at 8
    got = [llm.backoff_delay(a, 0.5, 8.0, CeilingRng()) for a in range(6)]
    assert_close(got, [0.5, 1.0, 2.0, 4.0, 8.0, 8.0], what="the upper bounds of the waits")


@pytest.mark.grade(
    points=1,
    hint="Full jitter is ONE rng.uniform(0, bound) draw. Same seed, same waits?",
    task="backoff_delay",
)
def test_backoff_draws_uniformly_below_the_bound_from_the_given_rng(llm, ref):
    # one shared random.Random(37): its draws scaled to the bounds 0.25, 0.5, 1, 2, 3, 3
    shared = random.Random(37)
    got = [llm.backoff_delay(a, 0.25, 3.0, shared) for a in range(6)]
    assert_close(got, _draws(37, [0.25, 0.5, 1.0, 2.0, 3.0, 3.0]), what="waits from Random(37)")
    again = random.Random(37)
    expected = [ref.backoff_delay(a, 0.25, 3.0, again) for a in range(6)]
    assert_close(got, expected, what="waits from Random(37), against the reference")


def _draws(seed: int, bounds: list[float]) -> list[float]:
    rng = random.Random(seed)
    return [rng.uniform(0.0, b) for b in bounds]


@pytest.mark.grade(
    points=1,
    hint="Is every wait in [0, bound]? Does the mean sit near bound / 2?",
    task="backoff_delay",
)
def test_backoff_with_a_numpy_generator_is_uniform_on_zero_to_the_bound(attempt_worker, rng):
    # The Generator is made beside the attempt (a driver): 2000 draws through a reference
    # would be 2000 round trips to this process. Its seed comes from the test's own rng,
    # so a replay with --seed draws the same waits.
    seed = int(rng.integers(2**32))
    waits = attempt_worker.drive("day37", "backoff_delays", seed, 2000, 3, 0.5, 8.0)  # bound 4
    assert min(waits) >= 0.0 and max(waits) <= 4.0, (
        f"waits outside [0, 4]: {min(waits), max(waits)}"
    )
    # uniform on [0, 4]: mean 2, std 4/sqrt(12) = 1.15, so the mean of 2000 is 2 ± 0.026
    assert_close(sum(waits) / len(waits), 2.0, atol=0.15, what="the mean of 2000 waits")
    assert max(waits) > 3.9, "full jitter spans the whole [0, bound]: no wait came near 4"


@pytest.mark.grade(
    points=1,
    hint="0.5 * 2**1100: what does Python say? Can you cap the exponent first?",
    task="backoff_delay",
)
@pytest.mark.parametrize(
    "attempt",
    [
        1100,  # 2.0**1100 is past the largest float (about 2**1024): OverflowError
        10_000,  # the docstring's example: the bound is the cap, 8
    ],
)
def test_backoff_does_not_overflow_for_a_huge_attempt_number(llm, attempt):
    try:
        got = llm.backoff_delay(attempt, 0.5, 8.0, CeilingRng())
    except OverflowError as exc:
        raise Mistake(
            f"backoff_delay({attempt}, 0.5, 8.0) raised OverflowError ({exc}): "
            "base * 2**attempt is computed before the cap is applied",
            hint="How large can 2**attempt get before min(cap, ...) sees it?",
        ) from None
    assert_close(got, 8.0, what=f"the bound at attempt {attempt} (base 0.5, cap 8)")


@pytest.mark.grade(
    points=1,
    hint="Is a base or cap of 0 negative? What wait does it give?",
    task="backoff_delay",
)
@pytest.mark.parametrize(
    "args",
    [
        (0, 0.0, 8.0),  # base 0: every bound is 0 (no wait at all)
        (3, 0.5, 0.0),  # cap 0: every bound is min(0, 4) = 0
        (10_000, 0.0, 8.0),  # base 0 at a huge attempt: 0 * 2**10000 is still 0
    ],
    ids=["zero-base", "zero-cap", "zero-base-huge-attempt"],
)
def test_backoff_with_a_zero_base_or_cap_waits_zero(llm, args):
    try:
        got = llm.backoff_delay(*args, CeilingRng())
    except ValueError as exc:
        raise Mistake(
            f"backoff_delay{args} raised ValueError ({exc}): only a NEGATIVE attempt, "
            "base or cap is refused; 0 is allowed",
            hint="Is 0 a negative number? Which comparison refuses only negative values?",
        ) from None
    assert_close(got, 0.0, what=f"backoff_delay{args}")


@pytest.mark.grade(points=1, hint="Which inputs make no sense for a wait?", task="backoff_delay")
@pytest.mark.parametrize(
    "args",
    [
        (-1, 0.5, 8.0),  # attempt numbers start at 0
        (0, -0.5, 8.0),  # a negative base gives negative waits
        (0, 0.5, -1.0),  # a negative cap too
    ],
    ids=["negative-attempt", "negative-base", "negative-cap"],
)
def test_backoff_rejects_negative_inputs(llm, args):
    with expect_error(ValueError, f"for backoff_delay{args}"):
        llm.backoff_delay(*args, random.Random(0))


# ---------------------------------------------------------------------------- chat


@pytest.mark.grade(
    points=2,
    hint="Which method and path does the server expect? Are model, messages, params in the body?",
    task="LLMClient.chat",
)
def test_chat_returns_the_content_and_sends_model_messages_and_params(make_client, fake):
    client = make_client(model="tiny-2")
    got = client.chat(USER, temperature=0.3)
    assert got == "echo: hello there", f"expected the fake's echo answer, got {got!r}"
    assert_requests(fake, 1, "one call, no failure")
    request = fake.requests[0]
    assert (request.method, request.path) == ("POST", "/v1/chat/completions"), request
    assert request.headers.get("content-type", "").startswith("application/json"), (
        f"Content-Type should be application/json, got {request.headers.get('content-type')!r}"
    )
    body = request.body
    assert isinstance(body, dict), f"the body should be JSON, the server got {body!r}"
    assert body.get("model") == "tiny-2", f"model: {body.get('model')!r}"
    assert body.get("messages") == USER, f"messages: {body.get('messages')!r}"
    assert body.get("temperature") == 0.3, f"params go into the body: {body!r}"


@pytest.mark.grade(
    points=2,
    hint="After two calls, is usage the sum of both responses' tokens or only the last one's?",
    task="LLMClient.usage",
)
def test_usage_totals_accumulate_across_calls(make_client):
    """The fake counts words: "hello there" -> 2 prompt tokens; "echo: hello there" -> 3.

    Second call "a b c d" -> 4 prompt, "echo: a b c d" -> 5 completion.
    Totals: prompt 2 + 4 = 6, completion 3 + 5 = 8.
    """
    client = make_client()
    client.chat(USER)
    client.chat([{"role": "user", "content": "a b c d"}])
    assert client.usage == {"prompt_tokens": 6, "completion_tokens": 8}, client.usage


@pytest.mark.grade(
    points=2,
    hint="Which failures can pass if you wait? Count the requests the server saw.",
    task="LLMClient.chat",
)
@pytest.mark.parametrize(
    "fault",
    [
        status(429, "slow down"),  # rate limited
        status(500, "internal error"),
        status(502, "bad gateway"),
        status(503, "overloaded"),
        status(504, "gateway timeout"),
        disconnect(),  # the connection closes with no answer at all
    ],
    ids=["429", "500", "502", "503", "504", "closed-connection"],
)
def test_transient_failures_are_retried_after_one_backoff_sleep(make_client, fake, sleeps, fault):
    fake.script(fault, answer("recovered"))
    got = make_client(max_retries=3).chat(USER)
    assert got == "recovered", f"after one retry the answer is 'recovered', got {got!r}"
    assert_requests(fake, 2, "one failure, then one retry that succeeds")
    assert_sleeps(sleeps, [0.5], "one backoff: attempt 0 -> bound 0.5")


@pytest.mark.grade(
    points=2,
    hint="Which attempt number do you pass to backoff_delay before each retry? Does the wait grow?",
    task="LLMClient.chat",
)
def test_backoff_between_attempts_doubles_up_to_the_cap(make_client, fake, sleeps):
    # base 1, cap 3: bounds 1, 2, min(3, 4) = 3
    fake.script(status(503), status(503), status(503), answer("ok"))
    assert make_client(max_retries=3, backoff_base=1.0, backoff_cap=3.0).chat(USER) == "ok"
    assert_sleeps(sleeps, [1.0, 2.0, 3.0], "bounds 1, 2, then capped at 3")


@pytest.mark.grade(
    points=1,
    hint="Is the rng you were given the one that draws the waits?",
    task="LLMClient.chat",
)
def test_backoff_waits_are_jittered_with_the_given_rng(make_client, fake, sleeps):
    fake.script(status(502), status(502), answer("ok"))
    make_client(rng=random.Random(2024)).chat(USER)
    assert_sleeps(sleeps, _draws(2024, [0.5, 1.0]), "two draws from random.Random(2024)")


@pytest.mark.grade(
    points=1,
    hint="Two clients built without an rng: do they draw the same waits?",
    task="LLMClient.chat",
)
def test_clients_built_with_the_default_rng_do_not_jitter_alike(attempt_worker, fake):
    """Three 503s, then an answer, for three clients with ``rng`` left out: two from the
    module already loaded and one from a fresh import of the file (a module-level
    ``random.Random(37)`` shared by all clients would repeat in every process). The
    fresh import happens in the attempt's worker (a driver): this process imports no
    attempt code."""
    schedules = []
    for fresh_import in (False, False, True):
        fake.script(status(503), status(503), status(503), answer("ok"))
        waits = attempt_worker.drive(
            "day37", "chat_waits", fake.url, USER,
            fresh_import=fresh_import, timeout=5.0, max_retries=3,
        )  # fmt: skip
        assert len(waits) == 3, f"three 503s should give three sleeps, got {waits}"
        for wait, bound in zip(waits, [0.5, 1.0, 2.0]):
            assert 0.0 <= wait <= bound, f"waits {waits} should lie in [0, 0.5], [0, 1], [0, 2]"
        schedules.append(waits)
    if len({tuple(w) for w in schedules}) < len(schedules):
        raise Mistake(
            f"clients built with the default rng drew the same waits: {schedules}; the "
            "default rng has a fixed seed, so every client (every process) jitters alike "
            "and their retries arrive together",
            hint="What seed does your default rng get? Would two clients ever wait differently?",
        )


@pytest.mark.grade(
    points=4,
    hint="Read the Retry-After header of a 429 or 503. Does it replace the backoff?",
    task="LLMClient.chat",
)
def test_retry_after_is_honoured_instead_of_backoff(make_client, fake, sleeps):
    fake.script(
        status(429, "quota", retry_after="3"),
        status(503, "busy", retry_after="1.5"),
        status(503, "busy"),  # no header: back to the backoff, attempt 2 -> 0.5 * 4
        answer("ok"),
    )
    assert make_client(max_retries=3).chat(USER) == "ok"
    assert_sleeps(sleeps, [3.0, 1.5, 2.0], "Retry-After 3, then 1.5, then backoff 2.0")


@pytest.mark.grade(
    points=2,
    hint="When the server says Retry-After: 1 and your backoff says 4, how long do you wait?",
    task="LLMClient.chat",
)
def test_retry_after_is_used_as_given_even_below_the_backoff(make_client, fake, sleeps):
    # base 4, cap 8, rng at its ceiling: the backoff would be 4, then 8.
    # The server asks for 1 s, then 0 s: the client waits exactly that.
    fake.script(
        status(503, "busy", retry_after="1"),
        status(429, "quota", retry_after="0"),  # "retry at once": 0 is a value, not absent
        answer("ok"),
    )
    assert make_client(max_retries=3, backoff_base=4.0, backoff_cap=8.0).chat(USER) == "ok"
    name_the_mistake(
        sleeps.calls,
        {
            "waited max(Retry-After, backoff), not the Retry-After": (
                [4.0, 8.0],
                "Does the server's Retry-After replace the backoff, or only raise it?",
            ),
            "waited Retry-After + backoff": (
                [5.0, 8.0],
                "Does the server's Retry-After replace the backoff, or add to it?",
            ),
            "Retry-After 0 treated as absent (if retry_after: ...), so the backoff was used": (
                [1.0, 8.0],
                "Is 0 a Retry-After the server sent? What does `if retry_after:` do with it?",
            ),
        },
        what="the sleeps for Retry-After 1 then 0 (backoff 4 then 8)",
    )
    assert_sleeps(sleeps, [1.0, 0.0], "Retry-After 1, then Retry-After 0, as given")


@pytest.mark.grade(
    points=1,
    hint="Which fields of the error does the caller read? status, message, retry_after?",
    task="LLMClient.chat",
)
def test_the_error_carries_status_message_and_retry_after(llm, make_client, fake, sleeps):
    # max_retries=0: the 429 is raised as it came, with the server's own fields
    fake.script(status(429, "quota exceeded for fake-1", retry_after="7"))
    with expect_error(llm.RateLimitError, "for a 429") as caught:
        make_client(max_retries=0).chat(USER)
    exc = caught.value
    assert exc.status == 429, f"RateLimitError.status should be 429, got {exc.status!r}"
    assert_same_text(exc.message, "quota exceeded for fake-1", what="error.message (the server's)")
    assert_same_text(str(exc), "HTTP 429: quota exceeded for fake-1", what="str(error)")
    assert exc.retry_after == 7.0, f"retry_after should be 7.0 (seconds), got {exc.retry_after!r}"
    assert_sleeps(sleeps, [], "max_retries=0: one attempt, no sleep", last_failed=True)


@pytest.mark.grade(
    points=2,
    hint="Which 4xx statuses could ever succeed if you send the same request again?",
    task="LLMClient.chat",
)
@pytest.mark.parametrize(
    "code, message",
    [
        (400, "messages must not be empty"),  # a malformed request
        (401, "invalid api key"),  # bad credentials
        (403, "model not allowed"),
        (404, "model 'tiny-9' not found"),
        (408, "request timeout"),  # a 4xx, so a ClientError, though its name says timeout
        (422, "temperature must be <= 2"),
    ],
    ids=["400", "401", "403", "404", "408", "422"],
)
def test_client_errors_are_raised_at_once_with_status_and_message(
    llm, make_client, fake, sleeps, code, message
):
    fake.script(then=status(code, message))  # the same answer every time, as a real server
    with expect_error(llm.ClientError, f"for HTTP {code}") as caught:
        make_client(max_retries=3).chat(USER)
    exc = caught.value
    assert_not_retried(fake, sleeps, f"a {code}")
    assert exc.status == code, f"ClientError.status should be {code}, got {exc.status!r}"
    assert message in str(exc), f"the server's message {message!r} is not in {str(exc)!r}"
    assert isinstance(exc, llm.LLMError), "ClientError should be an LLMError"


@pytest.mark.grade(
    points=2,
    hint="Is every 5xx in RETRYABLE_STATUSES? What does a 501 Not Implemented mean?",
    task="LLMClient.chat",
)
@pytest.mark.parametrize(
    "code",
    [
        501,  # not implemented: the server will never do it
        505,  # HTTP version not supported
    ],
    ids=["501", "505"],
)
def test_a_5xx_outside_the_retryable_set_is_a_server_error_raised_at_once(
    llm, make_client, fake, sleeps, code
):
    fake.script(then=status(code, "not here"))
    with expect_error(llm.ServerError, f"for HTTP {code}") as caught:
        make_client(max_retries=3).chat(USER)
    exc = caught.value
    assert_not_retried(fake, sleeps, f"a {code} (not in RETRYABLE_STATUSES)")
    assert exc.status == code, f"ServerError.status should be {code}, got {exc.status!r}"


@pytest.mark.grade(
    points=4,
    hint="After the last attempt, which error do you raise: the first, or the last?",
    task="LLMClient.chat",
)
def test_exhausted_retries_raise_the_error_of_the_last_attempt(llm, make_client, fake, sleeps):
    fake.script(status(429, "quota"), status(503, "busy"), status(502, "upstream went away"))
    with expect_error(
        llm.ServerError, "after 429, 503, 502 with max_retries=2 (the last failure)"
    ) as caught:
        make_client(max_retries=2).chat(USER)
    exc = caught.value
    assert_requests(fake, 3, "max_retries=2 means 3 attempts")
    assert_sleeps(sleeps, [0.5, 1.0], "one sleep between attempts", last_failed=True)
    assert exc.status == 502, f"the last failure was a 502, the error says {exc.status!r}"
    assert "upstream went away" in str(exc), f"the server's message is missing: {exc}"


@pytest.mark.grade(points=2, hint=SLEPT_AFTER_THE_LAST, task="LLMClient.chat")
@pytest.mark.parametrize(
    "max_retries",
    [
        0,  # one attempt: no sleep at all
        2,  # three attempts: sleeps between them only, 0.5 and 1
    ],
    ids=["no-retries", "two-retries"],
)
def test_no_sleep_follows_the_last_failed_attempt(llm, make_client, fake, sleeps, max_retries):
    fake.script(then=status(503, "busy"))
    with expect_error(llm.ServerError, f"when every attempt gets a 503 ({max_retries=})"):
        make_client(max_retries=max_retries).chat(USER)
    expected = [0.5, 1.0][:max_retries]
    assert_sleeps(sleeps, expected, f"{max_retries + 1} attempts", last_failed=True)


@pytest.mark.grade(
    points=2, hint="429 every time: what is raised, after how many requests?", task="LLMClient.chat"
)
def test_a_rate_limit_that_never_lifts_raises_rate_limit_error(llm, make_client, fake, sleeps):
    fake.script(then=status(429, "quota exceeded"))
    with expect_error(llm.RateLimitError, "when every attempt gets a 429"):
        make_client(max_retries=3).chat(USER)
    assert_requests(fake, 4, "max_retries=3 means 4 attempts")
    assert_sleeps(sleeps, [0.5, 1.0, 2.0], "three backoffs between four attempts", last_failed=True)
    assert issubclass(llm.RateLimitError, llm.LLMError), "RateLimitError should be an LLMError"


@pytest.mark.grade(
    points=1,
    hint="Does your loop have an end? max_retries bounds it.",
    task="LLMClient.chat",
    time_limit=4,
)
@pytest.mark.parametrize("max_retries", [0, 4], ids=["no-retries", "four-retries"])
def test_a_service_that_always_fails_is_given_up_on(llm, make_client, fake, sleeps, max_retries):
    fake.script(then=status(503, "down for maintenance"))
    with expect_error(llm.ServerError, f"when the service is down (max_retries={max_retries})"):
        make_client(max_retries=max_retries).chat(USER)
    assert_requests(fake, max_retries + 1, f"max_retries={max_retries}")


@pytest.mark.grade(
    points=2,
    hint="A connection closed without a response: which exception does urllib raise?",
    task="LLMClient.chat",
)
def test_a_connection_that_keeps_closing_raises_server_error_without_status(
    llm, make_client, fake, sleeps
):
    fake.script(then=disconnect())
    with expect_error(llm.ServerError, "when the connection closes without an answer") as caught:
        make_client(max_retries=2).chat(USER)
    exc = caught.value
    assert exc.status is None, f"no response came, so status is None, not {exc.status!r}"
    assert_requests(fake, 3, "closed connections are retried")


@pytest.mark.grade(
    points=2,
    hint="Nobody listens on the port: what does urlopen raise, and is it an LLMError?",
    task="LLMClient.chat",
)
def test_a_refused_connection_is_a_server_error_without_status_and_is_retried(
    llm, refusing_url, sleeps
):
    # A socket bound to a port but not listening, beside the attempt (the refusing_url
    # fixture): every connection to it is refused.
    client = llm.LLMClient(refusing_url, sleep=sleeps, rng=CeilingRng(), timeout=5.0, max_retries=2)
    with expect_error(llm.ServerError, "when the connection is refused") as caught:
        client.chat(USER)
    exc = caught.value
    assert exc.status is None, f"no response came, so status is None, not {exc.status!r}"
    assert_sleeps(sleeps, [0.5, 1.0], "a refused connection is retried", last_failed=True)


@pytest.mark.grade(
    points=4,
    hint="Pass timeout= to urlopen. Which exception comes out when it expires?",
    task="LLMClient.chat",
)
def test_a_timeout_shorter_than_the_servers_delay_raises_promptly(llm, make_client, fake, sleeps):
    # The server waits 2 s per request; the client gives up after 0.1 s, twice
    # (max_retries=1): about 0.2 s in all. A client that waited would take 4 s, and
    # one whose timeout is not the one it was given at least 2 s: under one server
    # delay (1.9 s) leaves room for a busy machine, not for a wrong timeout.
    fake.script(then=delay(2.0))
    started = time.monotonic()
    with expect_error(llm.LLMTimeoutError, "when the server is slower than the timeout"):
        make_client(timeout=0.1, max_retries=1).chat(USER)
    elapsed = time.monotonic() - started
    assert elapsed < 1.9, f"giving up took {elapsed:.1f} s: is the timeout passed to the socket?"
    assert_requests(fake, 2, "a timeout is retried")
    assert_sleeps(sleeps, [0.5], "one backoff between the two attempts", last_failed=True)
    assert issubclass(llm.LLMTimeoutError, llm.LLMError), "LLMTimeoutError should be an LLMError"


@pytest.mark.grade(
    points=2,
    hint="The headers came in time, the body did not: is response.read() covered as well?",
    task="LLMClient.chat",
)
def test_a_body_that_stalls_after_the_headers_times_out_too(llm, stalling_server, sleeps):
    # 200 and Content-Length: 200 at once, then 19 bytes and silence: "no complete
    # answer within timeout" is a timeout too, retried like one (max_retries=1). The
    # headers come at once: 0.2 s is ample for them even on a busy machine.
    client = llm.LLMClient(
        stalling_server, sleep=sleeps, rng=CeilingRng(), timeout=0.2, max_retries=1
    )
    started = time.monotonic()
    with expect_error(llm.LLMTimeoutError, "when the body stops arriving after the headers"):
        client.chat(USER)
    elapsed = time.monotonic() - started
    assert elapsed < 1.9, f"giving up took {elapsed:.1f} s: is the timeout passed to the socket?"
    assert_sleeps(sleeps, [0.5], "one backoff between the two attempts", last_failed=True)


@pytest.mark.grade(points=1, hint="Is a timeout retried like a 503?", task="LLMClient.chat")
def test_a_timeout_then_a_fast_answer_succeeds(make_client, fake, sleeps):
    fake.script(delay(2.0), answer("finally"))
    assert make_client(timeout=0.2).chat(USER) == "finally"
    assert_requests(fake, 2, "one timeout, one success")


@pytest.mark.grade(
    points=2,
    hint="A 200 whose body is not the JSON you expect: will asking again help?",
    task="LLMClient.chat",
)
@pytest.mark.parametrize(
    "body",
    [
        '{"id": "chatcmpl-1", "choices": [{"message": {"rol',  # truncated JSON
        "<html><body>502 Bad Gateway</body></html>",  # a proxy's error page, status 200
        '{"id": "chatcmpl-1", "choices": []}',  # valid JSON, no choice
        '{"result": "ok"}',  # valid JSON, another API's shape
    ],
    ids=["truncated", "html", "no-choices", "wrong-shape"],
)
def test_a_malformed_body_raises_invalid_response_at_once(llm, make_client, fake, sleeps, body):
    fake.script(then=malformed(body))  # the same broken body every time
    with expect_error(llm.InvalidResponseError, f"for the body {body[:30]!r}..."):
        make_client(max_retries=3).chat(USER)
    assert_not_retried(fake, sleeps, "a 200 with a malformed body")


@pytest.mark.grade(
    points=1,
    hint="A 400 came back with no answer: what should that call add to usage?",
    task="LLMClient.usage",
)
def test_failed_calls_add_no_usage(llm, make_client, fake):
    client = make_client(max_retries=0)
    fake.script(status(400, "bad"))
    with expect_error(llm.ClientError, "for a 400"):
        client.chat(USER)
    assert client.usage == {"prompt_tokens": 0, "completion_tokens": 0}, client.usage


@pytest.mark.grade(
    points=2,
    hint="Do you add the usage before or after you know the body is a valid answer?",
    task="LLMClient.usage",
)
@pytest.mark.parametrize(
    "body",
    [
        # usage present, but no choice: the call failed, its usage must not count
        '{"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 7}}',
        # usage present, but a choice without a message
        '{"choices": [{"index": 0}], "usage": {"prompt_tokens": 5, "completion_tokens": 7}}',
    ],
    ids=["no-choices", "no-message"],
)
def test_a_body_that_does_not_validate_adds_no_usage(llm, make_client, fake, body):
    """The bad body says 5 + 7 tokens; then "hello there" -> 2 prompt, "echo: hello there" -> 3.

    Only the valid answer counts: {prompt 2, completion 3}; with the bad one, {7, 10}.
    """
    client = make_client(max_retries=0)
    fake.script(malformed(body))
    with expect_error(llm.InvalidResponseError, f"for the body {body[:40]!r}..."):
        client.chat(USER)
    client.chat(USER)
    name_the_mistake(
        [client.usage.get("prompt_tokens"), client.usage.get("completion_tokens")],
        {
            "the usage of the body that failed validation was counted": (
                [7, 10],
                "Do you add the usage before or after you know the body is a valid answer?",
            )
        },
        what="usage after a malformed body and a valid answer",
    )
    assert client.usage == {"prompt_tokens": 2, "completion_tokens": 3}, (
        f"usage {client.usage}: only the valid answer counts (2 prompt, 3 completion)"
    )


# ---------------------------------------------------------------------------- complete_json


@pytest.mark.grade(
    points=1,
    hint="Models love ```json fences. Can you find the JSON inside one?",
    task="LLMClient.complete_json",
)
@pytest.mark.parametrize(
    "content",
    [
        '{"label": "spam", "score": 0.9}',  # bare JSON
        '```json\n{"label": "spam", "score": 0.9}\n```',  # fenced, tagged json
        '```\n{"label": "spam", "score": 0.9}\n```',  # fenced, no tag
        'Here you go:\n```json\n{"label": "spam", "score": 0.9}\n```\nAnything else?',  # chatty
        '  \n{"label": "spam", "score": 0.9}\n  ',  # surrounding whitespace
    ],
    ids=["bare", "json-fence", "plain-fence", "chatty-fence", "whitespace"],
)
def test_complete_json_parses_bare_and_fenced_objects(make_client, fake, content):
    fake.script(answer(content))
    got = make_client().complete_json(USER, required_keys=("label",))
    assert got == {"label": "spam", "score": 0.9}, f"parsed {got!r} from {content!r}"
    assert_requests(fake, 1, "a valid answer needs no repair")


@pytest.mark.grade(
    points=3,
    hint="What does the repair send: the original messages plus how many new ones, from whom?",
    task="LLMClient.complete_json",
)
def test_complete_json_repairs_an_answer_that_is_not_json(make_client, fake):
    fake.script(answer("Sure! The sentiment is positive."), answer('{"sentiment": "positive"}'))
    got = make_client().complete_json(USER, required_keys=("sentiment",))
    assert got == {"sentiment": "positive"}, got
    assert_requests(fake, 2, "one bad answer, one repair")
    repair = fake.requests[1].body["messages"]
    assert repair[: len(USER)] == USER, "the repair request starts with the original messages"
    assert len(repair) == len(USER) + 1, (
        f"the repair adds exactly one message, got {len(repair) - len(USER)}"
    )
    last = repair[-1]
    assert last.get("role") == "user", f"the repair message is from the user, got {last!r}"
    assert "json" in last.get("content", "").lower(), f"it should say JSON is expected: {last!r}"


@pytest.mark.grade(
    points=1,
    hint="Can the model fix an answer it cannot see? Is the bad answer in the repair message?",
    task="LLMClient.complete_json",
)
def test_complete_json_repair_quotes_the_bad_answer(make_client, fake):
    bad = "The label is spam, with confidence 0.8."
    fake.script(answer(bad), answer('{"label": "spam"}'))
    assert make_client().complete_json(USER, required_keys=("label",)) == {"label": "spam"}
    assert_requests(fake, 2, "one bad answer, one repair")
    text = fake.requests[1].body["messages"][-1].get("content", "")
    assert bad in text, f"the repair message should quote the bad answer {bad!r}: {text!r}"


@pytest.mark.grade(
    points=2,
    hint="The JSON parses but lacks a required key: do you repair, and does the repair name it?",
    task="LLMClient.complete_json",
)
def test_complete_json_repairs_a_missing_required_key_and_names_it(make_client, fake):
    fake.script(answer('{"label": "spam"}'), answer('{"label": "spam", "confidence": 0.8}'))
    got = make_client().complete_json(USER, required_keys=("label", "confidence"))
    assert got == {"label": "spam", "confidence": 0.8}, got
    assert_requests(fake, 2, "one answer without 'confidence', one repair")
    text = fake.requests[1].body["messages"][-1].get("content", "")
    assert "confidence" in text, f"the repair message should name the missing key: {text!r}"


@pytest.mark.grade(
    points=1, hint="A JSON list is valid JSON. Is it an object?", task="LLMClient.complete_json"
)
def test_complete_json_repairs_json_that_is_not_an_object(make_client, fake):
    fake.script(answer('["spam", 0.9]'), answer('{"label": "spam"}'))
    assert make_client().complete_json(USER) == {"label": "spam"}
    assert_requests(fake, 2, "a list is not an object: one repair")


@pytest.mark.grade(
    points=2,
    hint="How many requests may complete_json make in all? What is raised at the end?",
    task="LLMClient.complete_json",
)
@pytest.mark.parametrize("max_repairs", [0, 2], ids=["no-repairs", "two-repairs"])
def test_complete_json_gives_up_after_max_repairs(llm, make_client, fake, max_repairs):
    fake.script(then=answer("I cannot answer in JSON, sorry."))
    with expect_error(llm.InvalidResponseError, f"after {max_repairs} failed repair(s)"):
        make_client().complete_json(USER, max_repairs=max_repairs)
    assert_requests(fake, 1 + max_repairs, f"one ask plus {max_repairs} repair(s)")
    for request in fake.requests[1:]:
        n = len(request.body["messages"])
        assert n == len(USER) + 1, f"each repair is the original + 1 message, one had {n}"


# ---------------------------------------------------------------------------- stream_chat

STORY = "Once upon a time a small model answered in pieces, and the client put them together."


@pytest.mark.grade(
    points=2,
    hint="Did you ask for stream: true? Which field of each data: line holds the next piece?",
    task="LLMClient.stream_chat",
)
def test_stream_reassembles_the_answer_from_its_pieces(make_client, fake):
    fake.script(answer(STORY))
    pieces = list(make_client().stream_chat(USER, temperature=0))
    assert "".join(pieces) == STORY, f"joined pieces: {''.join(pieces)!r}"
    assert len(pieces) > 1, "stream_chat should yield the pieces as they come, not one string"
    assert all(isinstance(p, str) and p for p in pieces), f"empty or non-str pieces: {pieces}"
    body = fake.requests[0].body
    assert body.get("stream") is True, f"the body should ask for a stream: {body!r}"
    assert body.get("temperature") == 0, f"params go into the body: {body!r}"


@pytest.mark.grade(
    points=2,
    hint="A network read can end mid-line, even mid-character. What does a line iterator do?",
    task="LLMClient.stream_chat",
)
@pytest.mark.parametrize("chunk_bytes", [5, 17], ids=["5-byte-reads", "17-byte-reads"])
def test_stream_survives_awkward_chunk_boundaries(make_client, fake, chunk_bytes):
    text = "Café ✓ naïve 日本語 — the end."  # multi-byte characters get split across reads
    fake.script(answer(text, chunk_bytes=chunk_bytes))
    pieces = list(make_client().stream_chat(USER))
    assert "".join(pieces) == text, f"joined pieces: {''.join(pieces)!r}"


@pytest.mark.grade(
    points=2,
    hint="What does the chunk with an empty choices list carry? Do you skip comment lines?",
    task="LLMClient.stream_chat",
)
def test_stream_counts_usage_and_skips_comments_and_the_usage_chunk(make_client, fake):
    """ "hello there" -> 2 prompt tokens; "one two three four" -> 4 completion tokens."""
    fake.script(answer("one two three four"))
    client = make_client()
    assert "".join(client.stream_chat(USER)) == "one two three four"
    assert client.usage == {"prompt_tokens": 2, "completion_tokens": 4}, client.usage


@pytest.mark.grade(
    points=2,
    hint="How do you know a stream is complete? What if the connection drops first?",
    task="LLMClient.stream_chat",
)
def test_a_stream_cut_before_done_raises_invalid_response(llm, make_client, fake):
    fake.script(cut_stream(STORY))
    with expect_error(llm.InvalidResponseError, "when the stream ends without data: [DONE]"):
        list(make_client().stream_chat(USER))


@pytest.mark.grade(
    points=1,
    hint="What if the server answers the stream request with a 503? Is it retried like chat?",
    task="LLMClient.stream_chat",
)
def test_opening_a_stream_is_retried_like_chat(make_client, fake, sleeps):
    fake.script(status(503, "busy"), answer("second time lucky"))
    assert "".join(make_client().stream_chat(USER)) == "second time lucky"
    assert_requests(fake, 2, "one 503, one stream")
    assert_sleeps(sleeps, [0.5], "one backoff")
