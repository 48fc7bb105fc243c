"""Hidden tests for exercises/day36/concurrency.py.

Time is fake wherever it can be: the token bucket gets a clock that only moves when
the test (or the bucket's own ``sleep``) moves it, so no test waits in real time
and every sleep is recorded. Races are made likely on purpose, not hoped for: the
thread-safety tests pass values whose comparisons or hashes pause for a moment
(releasing the GIL), so an unlocked check-then-act is interleaved on almost every
run, while a locked one is always right.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time

import pytest

from grader.testing import attempt_module, expect_error

c = attempt_module("concurrency")

PAUSE_S = 2e-4  # how long a "slow" comparison or hash holds the thread (GIL released)


class FakeTime:
    """A clock that moves only when told to; ``sleep`` records the call and moves it."""

    def __init__(self, start=100.0):
        self.now = start
        self.sleeps = []
        self._lock = threading.Lock()

    def clock(self):
        return self.now

    def sleep(self, seconds):
        if seconds < 0:
            raise AssertionError(f"sleep({seconds!r}) was called with a negative duration")
        with self._lock:
            self.sleeps.append(seconds)
            if len(self.sleeps) > 10_000:
                raise AssertionError("sleep was called 10000 times: is acquire looping forever?")
            self.now += seconds
        time.sleep(0)  # let other threads run, as a real sleep would

    def advance(self, seconds):
        self.now += seconds


class SlowCompare(float):
    """A number whose comparisons and arithmetic pause (releasing the GIL) before answering.

    ``bucket_tokens >= SlowCompare(1.0)`` calls our ``__le__`` first (a float subclass
    wins the reflected operation), and ``bucket_tokens - SlowCompare(1.0)`` our
    ``__rsub__``, so every check of "enough tokens?" and every take becomes a point
    where other threads run: the deliberate interleaving an unlocked bucket fails,
    however the check is written.
    """

    def _pause(self):
        time.sleep(PAUSE_S)

    def _slow(name):  # builds the pausing arithmetic methods below
        def method(self, other):
            self._pause()
            return getattr(float, name)(self, other)

        return method

    __add__, __radd__ = _slow("__add__"), _slow("__radd__")
    __sub__, __rsub__ = _slow("__sub__"), _slow("__rsub__")
    __mul__, __rmul__ = _slow("__mul__"), _slow("__rmul__")
    __truediv__, __rtruediv__ = _slow("__truediv__"), _slow("__rtruediv__")
    del _slow

    def __lt__(self, other):
        self._pause()
        return float.__lt__(self, other)

    def __le__(self, other):
        self._pause()
        return float.__le__(self, other)

    def __gt__(self, other):
        self._pause()
        return float.__gt__(self, other)

    def __ge__(self, other):
        self._pause()
        return float.__ge__(self, other)

    __hash__ = float.__hash__


class SlowKey:
    """A cache key whose hash pauses: every dict lookup becomes a point where threads switch."""

    def __init__(self, name):
        self.name = name

    def __hash__(self):
        time.sleep(PAUSE_S / 4)
        return hash(self.name)

    def __eq__(self, other):
        return isinstance(other, SlowKey) and self.name == other.name

    def __repr__(self):
        return f"SlowKey({self.name!r})"


def run_threads(target, n_threads, timeout=10.0):
    """Start ``target(i)`` on n threads at once (after a barrier); return their exceptions."""
    start = threading.Barrier(n_threads)
    errors = []

    def body(i):
        try:
            start.wait(timeout=5)
            target(i)
        except BaseException as exc:  # collected and reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(n_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    if any(thread.is_alive() for thread in threads):
        raise AssertionError(f"threads still running after {timeout} s: a deadlock?")
    return errors


# ---------------------------------------------------------------- TokenBucket


@pytest.mark.grade(points=1, hint="How many tokens does a new bucket hold?", task="TokenBucket")
def test_bucket_starts_full_and_grants_a_burst_of_capacity(c):
    fake = FakeTime()
    bucket = c.TokenBucket(rate=1.0, capacity=3, clock=fake.clock, sleep=fake.sleep)
    got = [bucket.try_acquire() for _ in range(4)]
    assert got == [True, True, True, False], (
        f"a new bucket of capacity 3 with a frozen clock should grant 3 then refuse; got {got}"
    )


@pytest.mark.grade(
    points=2,
    hint="Are tokens earned continuously (elapsed seconds x rate) or only in whole seconds?",
    task="TokenBucket",
)
def test_bucket_refills_continuously_at_rate(c):
    """rate 2, capacity 1, emptied at t: t + 0.25 s -> 0.5 tokens; t + 0.75 s -> 1 token."""
    fake = FakeTime()
    bucket = c.TokenBucket(rate=2.0, capacity=1, clock=fake.clock, sleep=fake.sleep)
    assert bucket.try_acquire(), "a new bucket should grant its first token"
    fake.advance(0.25)
    assert not bucket.try_acquire(1.0), "0.25 s at 2 tokens/s gives 0.5 tokens: 1 must be refused"
    assert bucket.try_acquire(0.5), "0.25 s at 2 tokens/s gives 0.5 tokens: 0.5 must be granted"
    fake.advance(0.5)
    assert bucket.try_acquire(1.0), "0.5 s at 2 tokens/s refills a whole token"
    assert not bucket.try_acquire(0.25), "the bucket was just emptied and the clock has not moved"


@pytest.mark.grade(
    points=1,
    hint="After a long idle time, how many tokens can the bucket hold?",
    task="TokenBucket",
)
def test_bucket_never_holds_more_than_capacity(c):
    fake = FakeTime()
    bucket = c.TokenBucket(rate=10.0, capacity=2, clock=fake.clock, sleep=fake.sleep)
    bucket.try_acquire(2)
    fake.advance(100.0)  # 1000 tokens earned, but the bucket holds 2
    got = [bucket.try_acquire() for _ in range(3)]
    assert got == [True, True, False], f"after 100 idle seconds capacity 2 allows 2; got {got}"


@pytest.mark.grade(
    points=1,
    hint="When there are not enough tokens, does try_acquire leave the bucket untouched?",
    task="TokenBucket",
)
def test_try_acquire_takes_all_or_nothing(c):
    fake = FakeTime()
    bucket = c.TokenBucket(rate=1.0, capacity=4, clock=fake.clock, sleep=fake.sleep)
    assert bucket.try_acquire(1.5), "4 tokens: 1.5 should be granted"
    assert not bucket.try_acquire(3), "2.5 tokens left: 3 should be refused"
    assert bucket.try_acquire(2.5), "the refused request must not take any: 2.5 are still there"
    assert fake.sleeps == [], f"try_acquire must never sleep; it slept {fake.sleeps}"


@pytest.mark.grade(
    points=1,
    hint="Can a bucket with this rate or capacity ever grant anything? Which error says so?",
    task="TokenBucket",
)
@pytest.mark.parametrize(
    "rate, capacity",
    [
        (0, 2),  # a bucket that never refills
        (-1.0, 2),  # negative rate
        (1.0, 0),  # a bucket that can hold nothing
        (1.0, -2),  # negative capacity
    ],
    ids=["rate-0", "rate-negative", "capacity-0", "capacity-negative"],
)
def test_bucket_rejects_a_rate_or_capacity_that_is_not_positive(c, rate, capacity):
    fake = FakeTime()
    with expect_error(ValueError, f"for TokenBucket(rate={rate}, capacity={capacity})"):
        c.TokenBucket(rate=rate, capacity=capacity, clock=fake.clock, sleep=fake.sleep)


@pytest.mark.grade(
    points=1,
    hint="Could a request for more tokens than the bucket holds ever be granted? Or one for 0?",
    task="TokenBucket",
)
@pytest.mark.parametrize(
    "method, tokens",
    [
        ("try_acquire", 3),  # more than capacity 2: would be refused forever
        ("acquire", 3),  # would wait forever: must raise, not hang
        ("try_acquire", 0),  # nothing to take: a caller's bug, not a free grant
        ("acquire", 0),
        ("try_acquire", -1.0),  # a negative take would ADD tokens to the bucket
        ("acquire", -1.0),
    ],
    ids=[
        "try-over-capacity",
        "acquire-over-capacity",
        "try-zero",
        "acquire-zero",
        "try-negative",
        "acquire-negative",
    ],
)
def test_bucket_rejects_requests_that_could_never_be_granted(c, method, tokens):
    fake = FakeTime()
    bucket = c.TokenBucket(rate=1.0, capacity=2, clock=fake.clock, sleep=fake.sleep)
    with expect_error(ValueError, f"for {method}({tokens}) on a bucket of capacity 2"):
        if method == "try_acquire":
            bucket.try_acquire(tokens)
        else:
            bucket.acquire(tokens, timeout=10.0)


@pytest.mark.grade(
    points=2,
    hint="How long until the missing tokens arrive? Do you sleep with the sleep you were given?",
    task="TokenBucket",
)
def test_acquire_sleeps_until_the_tokens_arrive(c):
    """rate 4, emptied: 1 token is 1/4 s away, so acquire sleeps 0.25 s in total."""
    fake = FakeTime()
    bucket = c.TokenBucket(rate=4.0, capacity=1, clock=fake.clock, sleep=fake.sleep)
    bucket.try_acquire()
    assert bucket.acquire() is True, "acquire() without a timeout should return True"
    slept = sum(fake.sleeps)
    assert 0.25 - 1e-9 <= slept <= 0.26, (
        f"1 token at 4 tokens/s is 0.25 s away; acquire slept {slept:.4g} s in total "
        f"({len(fake.sleeps)} calls). Use the sleep you were given, not time.sleep."
    )
    assert not bucket.try_acquire(0.1), "acquire must take the token it waited for"


@pytest.mark.grade(
    points=1,
    hint="Do you ever sleep past the deadline? Is a token arriving AT the deadline in time?",
    task="TokenBucket",
)
@pytest.mark.parametrize(
    "timeout, expected",
    [
        (0.0, False),  # no time at all: like try_acquire
        (0.5, False),  # the token is 1 s away: give up, sleeping at most 0.5 s
        (1.0, True),  # the token arrives exactly at the deadline
        (3.0, True),  # plenty of time
    ],
    ids=["timeout-0", "too-short", "exactly-enough", "plenty"],
)
def test_acquire_with_timeout_never_sleeps_past_the_deadline(c, timeout, expected):
    fake = FakeTime()
    bucket = c.TokenBucket(rate=1.0, capacity=1, clock=fake.clock, sleep=fake.sleep)
    bucket.try_acquire()  # empty: the next token is 1 s away
    got = bucket.acquire(1.0, timeout=timeout)
    assert got is expected, f"acquire(1, timeout={timeout}) with the token 1 s away: got {got!r}"
    slept = sum(fake.sleeps)
    assert slept <= timeout + 1e-9, (
        f"acquire(timeout={timeout}) slept {slept:.4g} s: past the deadline ({fake.sleeps})"
    )


@pytest.mark.grade(
    points=1,
    hint="While one thread sleeps in acquire, can another thread still use the bucket?",
    task="TokenBucket",
)
def test_acquire_does_not_hold_the_lock_while_sleeping(c):
    fake = FakeTime()
    other_done = []

    def sleep_and_check(seconds):
        if not other_done:  # on the first sleep only: can another thread get in?
            other = threading.Thread(target=lambda: other_done.append(bucket.try_acquire(0.5)))
            other.daemon = True
            other.start()
            other.join(2.0)
            if other.is_alive():
                other_done.append("blocked")
        fake.sleep(seconds)

    bucket = c.TokenBucket(rate=1.0, capacity=1, clock=fake.clock, sleep=sleep_and_check)
    bucket.try_acquire()
    assert bucket.acquire(1.0, timeout=5.0), "acquire should succeed after sleeping"
    assert other_done, "acquire on an empty bucket never called the sleep it was given"
    assert other_done[0] != "blocked", (
        "another thread's try_acquire was blocked while acquire slept: release the lock "
        "before sleeping, or one waiting request stalls every other"
    )
    assert other_done[0] is False, (
        f"try_acquire(0.5) on an empty bucket with a frozen clock returned {other_done[0]!r}"
    )


@pytest.mark.grade(
    points=3,
    hint="What if two threads both see 1 token before either takes it? What must one lock cover?",
    task="TokenBucket",
    time_limit=15,
)
def test_a_burst_of_threads_gets_only_the_tokens_in_the_bucket(c):
    """8 threads ask a bucket holding 1 token at the same moment, 5 times: 1 grant each time.

    The clock is frozen, so no token is earned during the race. The request, the rate
    and the capacity are SlowCompare numbers: "enough tokens?", the take and the refill
    (tokens + elapsed x rate, capped with the capacity) each pause, so without a lock
    the 8 threads interleave between reading the tokens and writing them back.
    """
    for round_ in range(5):
        bucket = c.TokenBucket(
            rate=SlowCompare(1.0), capacity=SlowCompare(1.0), clock=lambda: 0.0, sleep=time.sleep
        )
        granted = []

        def ask(i, bucket=bucket, granted=granted):
            granted.append(bucket.try_acquire(SlowCompare(1.0)))

        errors = run_threads(ask, 8)
        assert not errors, f"try_acquire raised in a thread: {errors[0]!r}"
        wins = sum(1 for g in granted if g)
        assert wins == 1, (
            f"round {round_}: 8 threads raced for the 1 token of a frozen bucket and "
            f"{wins} got it; the check and the take are not one critical section"
        )


@pytest.mark.grade(
    points=2,
    hint="With many threads and a moving clock, can you grant more than capacity + rate x span?",
    task="TokenBucket",
    time_limit=15,
)
def test_many_threads_never_get_more_than_capacity_plus_rate_times_span(c):
    """8 threads each acquire 10 tokens (blocking) and try 10 more on a shared fake clock.

    The rate is a power of two so every fake time and token count is exact in binary
    floating point: no rounding residue can leave a waiter 1e-15 tokens short forever.
    """
    fake = FakeTime()
    bucket = c.TokenBucket(rate=16.0, capacity=5, clock=fake.clock, sleep=fake.sleep)
    start = fake.now
    granted = []  # list.append is atomic

    def worker(i):
        for _ in range(10):
            assert bucket.acquire(1.0) is True, "acquire() without a timeout returned False"
            granted.append(1.0)
            if bucket.try_acquire(SlowCompare(0.5)):
                granted.append(0.5)

    errors = run_threads(worker, 8)
    assert not errors, f"a thread failed: {errors[0]!r}"
    span = fake.now - start
    bound = 5 + 16.0 * span
    total = sum(granted)
    assert total <= bound + 1e-6, (
        f"{total} tokens were granted over {span:.4g} fake seconds; at most capacity + rate x "
        f"span = {bound:.4g} may be: the bucket hands out tokens it does not have"
    )


@pytest.mark.grade(
    points=2,
    hint="Does acquire check and take its tokens under the lock, as one step?",
    task="TokenBucket",
    time_limit=15,
)
def test_a_burst_of_threads_in_acquire_gets_only_the_tokens_in_the_bucket(c):
    """8 threads call acquire(1, timeout=0.5) at once on a full bucket of 1 token, 5 times.

    rate 1: the next token is 1 s away, later than the deadline, so at most
    capacity + rate x (fake seconds slept) tokens may be granted: 1 if nobody sleeps.
    The request, rate and capacity are SlowCompare numbers, as in the try_acquire burst.
    """
    for round_ in range(5):
        fake = FakeTime()
        bucket = c.TokenBucket(
            rate=SlowCompare(1.0), capacity=SlowCompare(1.0), clock=fake.clock, sleep=fake.sleep
        )
        granted = []

        def ask(i, bucket=bucket, granted=granted):
            granted.append(bucket.acquire(SlowCompare(1.0), timeout=0.5))

        errors = run_threads(ask, 8)
        assert not errors, f"acquire raised in a thread: {errors[0]!r}"
        wins = sum(1 for g in granted if g)
        bound = 1 + 1.0 * (fake.now - 100.0)
        assert wins <= bound + 1e-9, (
            f"round {round_}: 8 threads called acquire(1, timeout=0.5) on a bucket holding 1 "
            f"token and {wins} got one over {fake.now - 100.0:.4g} fake seconds (at most "
            f"{bound:.4g} may): acquire's check and take are not one critical section"
        )


# ---------------------------------------------------------------- gather_limited


def run(coro, timeout=3.0):
    """Run a coroutine to completion with a safety timeout (a hang is a failure, not a stall)."""

    async def guarded():
        return await asyncio.wait_for(coro, timeout)

    try:
        return asyncio.run(guarded())
    except TimeoutError:
        raise AssertionError(f"gather_limited did not finish within {timeout} s") from None


class Tracker:
    """Counts coroutines created (factory called), running and finished; records the peaks."""

    def __init__(self):
        self.created = self.running = self.finished = 0
        self.peak_running = self.peak_alive = 0
        self.started = []

    def factory(self, i, yields=3, value=None):
        def make():
            self.created += 1
            self.peak_alive = max(self.peak_alive, self.created - self.finished)
            return self.body(i, yields, i * i if value is None else value)

        return make

    async def body(self, i, yields, value):
        self.started.append(i)
        self.running += 1
        self.peak_running = max(self.peak_running, self.running)
        for _ in range(yields):
            await asyncio.sleep(0)
        self.running -= 1
        self.finished += 1
        return value


@pytest.mark.grade(
    points=2,
    hint="Where does the result of factory i go: at index i, or wherever it finishes?",
    task="gather_limited",
)
@pytest.mark.parametrize("limit", [2, 6], ids=["limit-2", "limit-6"])
def test_gather_limited_returns_results_in_input_order(c, limit):
    # coroutine i yields 6 - i times, so later ones finish first when they run together
    tracker = Tracker()
    factories = [tracker.factory(i, yields=6 - i) for i in range(6)]
    got = run(c.gather_limited(factories, limit))
    assert list(got) == [0, 1, 4, 9, 16, 25], f"results must follow the input order; got {got}"


@pytest.mark.grade(
    points=2,
    hint="Do exactly `limit` requests run at once when there is enough work: not more, not fewer?",
    task="gather_limited",
)
@pytest.mark.parametrize(
    "limit, expected_peak",
    [
        (1, 1),  # one at a time
        (3, 3),  # exactly 3 at once: not fewer (that is no concurrency), not more
        (15, 10),  # more slots than work: all 10 run together
    ],
    ids=["limit-1", "limit-3", "limit-above-n"],
)
def test_gather_limited_runs_up_to_limit_at_once(c, limit, expected_peak):
    tracker = Tracker()
    run(c.gather_limited([tracker.factory(i) for i in range(10)], limit))
    assert tracker.peak_running == expected_peak, (
        f"with limit={limit} and 10 coroutines, {expected_peak} should run at once at the "
        f"peak; saw {tracker.peak_running}"
    )


@pytest.mark.grade(
    points=1,
    hint="When do you call each factory: all up front, or only when a slot is free?",
    task="gather_limited",
)
def test_gather_limited_calls_a_factory_only_when_a_slot_is_free(c):
    tracker = Tracker()
    run(c.gather_limited([tracker.factory(i) for i in range(12)], 3))
    assert tracker.created == 12, f"every factory is called once; {tracker.created} were"
    assert tracker.peak_alive <= 3, (
        f"{tracker.peak_alive} coroutines existed at once with limit 3: call each factory "
        "only when it can start (not all of them up front)"
    )


def failing_batch(n_hanging=4, fail_at=2):
    """Factories: ``n_hanging`` coroutines that sleep for an hour, and at ``fail_at`` one
    that raises after one loop turn. Records which factories were called, which
    coroutines started and which have finished cancelling (their ``except`` ran)."""
    boom = ValueError(f"request {fail_at} failed")
    log = {"called": [], "started": [], "cancelled": [], "boom": boom}

    def hang(i):
        async def body():
            log["started"].append(i)
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                log["cancelled"].append(i)
                raise

        def make():
            log["called"].append(i)
            return body()

        return make

    def fail():
        async def body():
            await asyncio.sleep(0)
            raise log["boom"]

        def make():
            log["called"].append(fail_at)
            return body()

        return make

    factories = [fail() if i == fail_at else hang(i) for i in range(n_hanging + 1)]
    return factories, log


def run_until_failure(c, factories, limit, *, turns_after=0):
    """Run gather_limited; return (the exception, pending tasks it left, snapshots).

    The snapshot is taken in the ``except`` clause itself, the moment the error
    reaches the caller (no loop turn in between), and again ``turns_after`` turns later.
    """
    seen = {}

    async def main(log_ref):
        before = asyncio.all_tasks()
        try:
            await c.gather_limited(factories, limit)
        except Exception as exc:  # the error is what we check
            seen["error"] = exc
            seen["pending"] = [
                t
                for t in asyncio.all_tasks() - before
                if t is not asyncio.current_task() and not t.done()
            ]
            seen["at_raise"] = {k: sorted(v) for k, v in log_ref.items() if k != "boom"}
        for _ in range(turns_after):
            await asyncio.sleep(0)
        seen["later"] = {k: sorted(v) for k, v in log_ref.items() if k != "boom"}

    return main, seen


@pytest.mark.grade(
    points=1,
    hint="When one request fails, what should the caller of gather_limited see?",
    task="gather_limited",
)
def test_gather_limited_reraises_the_first_error(c):
    factories, log = failing_batch()
    main, seen = run_until_failure(c, factories, 3)
    run(main(log))
    assert "error" in seen, "gather_limited returned although request 2 raised ValueError"
    assert seen["error"] is log["boom"], (
        f"the exception raised by request 2 must be re-raised as is; got {seen['error']!r}"
    )


@pytest.mark.grade(
    points=2,
    hint="When one request fails, does asyncio.gather cancel the others? Who does?",
    task="gather_limited",
)
def test_gather_limited_cancels_the_requests_still_running_after_a_failure(c):
    # limit 3: requests 0, 1 and 2 run; 2 fails after one loop turn; 0 and 1 hang
    factories, log = failing_batch()
    main, seen = run_until_failure(c, factories, 3, turns_after=5)
    run(main(log))
    assert seen.get("error") is log["boom"], "the exception raised by request 2 must be re-raised"
    still_running = sorted(set(seen["later"]["started"]) - {2})
    assert {0, 1} <= set(still_running) and seen["later"]["cancelled"] == still_running, (
        f"requests {still_running} were still running when request 2 failed and must all be "
        f"cancelled; cancelled (5 loop turns later): {seen['later']['cancelled']}"
    )


@pytest.mark.grade(
    points=2,
    hint="After task.cancel(), has the task finished cancelling? What must you await before "
    "re-raising?",
    task="gather_limited",
)
def test_gather_limited_has_finished_cancelling_when_it_raises(c):
    """Checked the moment the error reaches the caller: cancel() only asks a task to stop;
    the task stops at its next loop turn, and gather_limited must wait for that."""
    factories, log = failing_batch()
    main, seen = run_until_failure(c, factories, 3)
    run(main(log))
    assert seen.get("error") is log["boom"], "the exception raised by request 2 must be re-raised"
    still_running = sorted(set(seen["at_raise"]["started"]) - {2})
    assert seen["at_raise"]["cancelled"] == still_running, (
        f"when gather_limited raised, requests {still_running} had been started but only "
        f"{seen['at_raise']['cancelled']} had finished cancelling: await the cancelled tasks "
        "(e.g. gather them with return_exceptions=True) before re-raising"
    )
    assert not seen["pending"], (
        f"{len(seen['pending'])} task(s) that gather_limited created were still pending when "
        "it raised: cancel them and wait until they are done"
    )


@pytest.mark.grade(
    points=1,
    hint="After a failure, do your other workers keep pulling new work?",
    task="gather_limited",
)
def test_gather_limited_calls_no_factory_after_a_failure(c):
    """10 quick requests, limit 2, request 1 fails: no factory is called once the
    error has reached the caller (checked over 30 loop turns), and not all 10 ran."""
    tracker = Tracker()
    factories = [tracker.factory(i, yields=2) for i in range(10)]
    boom = RuntimeError("request 1 failed")

    async def failing():
        await asyncio.sleep(0)
        raise boom

    factories[1] = lambda: failing()
    seen = {}

    async def main():
        try:
            await c.gather_limited(factories, 2)
        except RuntimeError as exc:
            seen["error"] = exc
            seen["created"] = tracker.created
        for _ in range(30):
            await asyncio.sleep(0)
        seen["created_later"] = tracker.created

    run(main())
    assert seen.get("error") is boom, "the exception raised by request 1 must be re-raised"
    assert seen["created_later"] == seen["created"], (
        f"{seen['created_later'] - seen['created']} more factories were called after "
        "gather_limited had raised: the work not yet started must be dropped"
    )
    assert seen["created"] < 9, (
        f"{seen['created']} of the 9 other factories were called although request 1 failed "
        "on its first loop turn: stop handing out work after the first failure"
    )


@pytest.mark.grade(
    points=1, hint="What should no work return? And a limit of 0?", task="gather_limited"
)
def test_gather_limited_handles_no_work_and_rejects_a_limit_below_one(c):
    assert list(run(c.gather_limited([], 4))) == [], "no factories -> []"
    with expect_error(ValueError, "for limit=0"):
        run(c.gather_limited([Tracker().factory(0)], 0))


# ---------------------------------------------------------------- LRUCache


@pytest.mark.grade(
    points=2,
    hint="Which entry was used least recently? Does a get count as a use?",
    task="LRUCache",
)
def test_lru_evicts_the_least_recently_used_entry(c):
    """capacity 2: put a, put b, get a (a is now newest), put c -> b is evicted."""
    cache = c.LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert len(cache) == 2, f"capacity 2 holds 2 entries; len is {len(cache)}"
    assert cache.get("b") is None, "b was the least recently used and should be evicted"
    assert (cache.get("a"), cache.get("c")) == (1, 3), "a (recently read) and c must stay"


@pytest.mark.grade(
    points=1,
    hint="What should a put of a key already there do to its value, its recency, the size?",
    task="LRUCache",
)
def test_lru_put_of_an_existing_key_updates_and_refreshes_it(c):
    cache = c.LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 10)  # a is now the newest, with the new value
    cache.put("c", 3)  # evicts b
    assert len(cache) == 2, f"updating a key must not grow the cache; len is {len(cache)}"
    assert cache.get("a") == 10, "put of an existing key stores the new value"
    assert cache.get("b", "gone") == "gone", "b was the least recently used after a's update"


@pytest.mark.grade(
    points=1,
    hint="Is a stored None a miss? Do you test membership or the value?",
    task="LRUCache",
)
def test_lru_counts_hits_and_misses_and_returns_the_default(c):
    cache = c.LRUCache(3)
    cache.put("none", None)
    assert cache.get("none", "default") is None, "a stored None is a value: a hit"
    assert cache.get("missing", "default") == "default", "a miss returns the default"
    assert cache.get("missing") is None, "the default default is None"
    assert (cache.hits, cache.misses) == (1, 2), (
        f"1 hit and 2 misses expected; got hits={cache.hits}, misses={cache.misses}"
    )


def brute_force_lru(capacity, operations):
    """The same operations on a plain list (oldest first): O(n), obviously right."""
    order, values, results = [], {}, []
    for op, key, value in operations:
        if op == "get":
            if key in values:
                order.remove(key)
                order.append(key)
                results.append(values[key])
            else:
                results.append(None)
        else:
            if key in values:
                order.remove(key)
            order.append(key)
            values[key] = value
            if len(order) > capacity:
                del values[order.pop(0)]
    return results, order


@pytest.mark.grade(
    points=2,
    hint="On a random mix of gets and puts, which key do you evict, and when?",
    task="LRUCache",
)
def test_lru_matches_a_brute_force_model_on_random_operations(c, rng):
    for capacity in (1, 3, 8):
        ops = [
            (
                "get" if rng.random() < 0.5 else "put",
                int(rng.integers(0, 12)),
                int(rng.integers(99)),
            )
            for _ in range(300)
        ]
        cache = c.LRUCache(capacity)
        got = [cache.get(k) if op == "get" else cache.put(k, v) for op, k, v in ops]
        got = [g for (op, _, _), g in zip(ops, got) if op == "get"]
        expected, order = brute_force_lru(capacity, ops)
        first_bad = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b), None)
        assert first_bad is None, (
            f"capacity {capacity}: get number {first_bad} returned {got[first_bad]!r}, "
            f"a list-based LRU returns {expected[first_bad]!r}"
        )
        assert len(cache) == len(order), f"len is {len(cache)}, expected {len(order)}"
        assert cache.hits + cache.misses == len(got), "every get is either a hit or a miss"


class CountingKey:
    """A key that counts every hash and equality check made on it (in ``counter``)."""

    def __init__(self, n, counter):
        self.n, self.counter = n, counter

    def __hash__(self):
        self.counter[0] += 1
        return hash(self.n)

    def __eq__(self, other):
        self.counter[0] += 1
        return isinstance(other, CountingKey) and self.n == other.n


@pytest.mark.grade(
    points=1,
    hint="Does list.remove or `key in a_list` visit every entry? What moves a key last in O(1)?",
    task="LRUCache",
)
def test_lru_operations_do_not_scan_the_whole_cache(c):
    """A hash map touches a key O(1) times per operation; a scan of a list compares it
    with ~n others. We count hashes and == checks instead of timing (timing is noisy)."""
    counter = [0]
    keys = [CountingKey(i, counter) for i in range(1000)]
    cache = c.LRUCache(1000)
    for key in keys:
        cache.put(key, key.n)
    counter[0] = 0
    for i in random.Random(0).sample(range(1000), 500):  # 500 hits, in no particular order
        cache.get(keys[i])
    for i in range(500):  # 500 evicting puts
        cache.put(CountingKey(1000 + i, counter), i)
    per_op = counter[0] / 1000
    assert per_op <= 10, (
        f"each get or put on a cache of 1000 made {per_op:.0f} hash or == calls on average: "
        "an O(1) cache needs a handful; some operation scans the entries"
    )


@pytest.mark.grade(
    points=3,
    hint="Can another thread evict a key between `key in data` and its use? What prevents it?",
    task="LRUCache",
    time_limit=15,
)
def test_lru_stays_consistent_when_many_threads_share_it(c):
    """8 threads do gets and puts on 12 keys in a cache of 4; every hash pauses (SlowKey)."""
    keys = [SlowKey(f"k{i}") for i in range(12)]
    cache = c.LRUCache(4)
    gets = []

    def worker(i):
        local = random.Random(i)
        n_gets = 0
        for _ in range(40):
            key = local.choice(keys)
            if local.random() < 0.5:
                value = cache.get(key)
                n_gets += 1
                assert value is None or value == key.name, f"get({key}) returned {value!r}"
            else:
                cache.put(key, key.name)
            size = len(cache)
            assert size <= 4, f"len(cache) was {size} while threads shared a cache of capacity 4"
        gets.append(n_gets)

    errors = run_threads(worker, 8)
    assert not errors, (
        f"a thread failed while 8 threads shared the cache: {type(errors[0]).__name__}: "
        f"{errors[0]}; guard every operation with one lock"
    )
    assert len(cache) <= 4, f"a cache of capacity 4 holds {len(cache)} entries"
    assert cache.hits + cache.misses == sum(gets), (
        f"{sum(gets)} gets were made but hits + misses = {cache.hits + cache.misses}"
    )


class SlowCount(int):
    """A counter whose ``+`` pauses (releasing the GIL): ``self.hits += 1`` reads the old
    value, pauses, then stores it plus one. Outside a lock, another thread's increment
    made during the pause is overwritten: a lost update on almost every concurrent pair."""

    def __add__(self, other):
        time.sleep(PAUSE_S / 4)
        return SlowCount(int(self) + other)

    __radd__ = __add__


@pytest.mark.grade(
    points=2,
    hint="Is `self.hits += 1` one step? What happens when two threads do it at once outside "
    "the lock?",
    task="LRUCache",
    time_limit=15,
)
def test_lru_counts_every_hit_and_miss_when_many_threads_share_it(c):
    """8 threads make 30 gets each on a cache of 4 keys (half of them hits).

    The counters start as SlowCount(0), so an unlocked read-add-store of hits or
    misses is interleaved with the other threads' and loses their increments.
    """
    cache = c.LRUCache(4)
    for key in ("a", "b"):
        cache.put(key, key.upper())
    try:
        cache.hits, cache.misses = SlowCount(0), SlowCount(0)
    except AttributeError:  # read-only counters (properties): nothing to slow down
        pass

    def worker(i):
        for j in range(30):
            key = ("a", "x", "b", "y")[(i + j) % 4]
            value = cache.get(key)
            assert value == (key.upper() if key in "ab" else None), f"get({key!r}) -> {value!r}"

    errors = run_threads(worker, 8)
    assert not errors, f"a thread failed: {type(errors[0]).__name__}: {errors[0]}"
    hits, misses = int(cache.hits), int(cache.misses)
    assert (hits, misses) == (120, 120), (
        f"240 gets (120 hits, 120 misses) were made by 8 threads; the counters say hits={hits}, "
        f"misses={misses}: increments were lost. Update the counters under the same lock"
    )


@pytest.mark.grade(points=1, hint="What could a capacity of 0 mean?", task="LRUCache")
def test_lru_rejects_a_capacity_below_one(c):
    with expect_error(ValueError, "for capacity=0"):
        c.LRUCache(0)


# ---------------------------------------------------------------- parallel_map


@pytest.mark.grade(
    points=2,
    hint="In which order do you read the results: submission order or completion order?",
    task="parallel_map",
)
def test_parallel_map_returns_results_in_input_order(c):
    # item i waits until item i + 1 has finished: with 6 workers they finish 5, 4, ..., 0
    done = [threading.Event() for _ in range(6)]

    def fn(i):
        if i < 5:
            done[i + 1].wait(2.0)
        done[i].set()
        return i * 10

    got = c.parallel_map(fn, range(6), max_workers=6)
    assert list(got) == [0, 10, 20, 30, 40, 50], (
        f"results must follow the input order even when the last finishes first; got {got}"
    )


@pytest.mark.grade(
    points=2,
    hint="Are the calls really running at the same time, on max_workers threads and no more?",
    task="parallel_map",
    time_limit=10,
)
def test_parallel_map_runs_max_workers_calls_at_once(c):
    barrier = threading.Barrier(3, timeout=2.0)  # passes only when 3 calls run together
    lock = threading.Lock()
    state = {"running": 0, "peak": 0}

    def fn(x):
        with lock:
            state["running"] += 1
            state["peak"] = max(state["peak"], state["running"])
        barrier.wait()
        time.sleep(0.02)
        with lock:
            state["running"] -= 1
        return x

    try:
        got = c.parallel_map(fn, range(6), max_workers=3)
    except threading.BrokenBarrierError:
        raise AssertionError(
            "3 calls never ran at the same time with max_workers=3: are they run one by one?"
        ) from None
    assert list(got) == list(range(6)), f"expected [0, ..., 5], got {got}"
    assert state["peak"] == 3, f"max_workers=3 but {state['peak']} calls ran at once at the peak"


@pytest.mark.grade(
    points=2,
    hint="Which exception is 'first': the first to happen or the first item that failed?",
    task="parallel_map",
)
def test_parallel_map_reraises_the_error_of_the_first_failing_item(c):
    # item 3 fails first in time, item 1 fails later: item 1 comes first in the input
    item3_failed = threading.Event()

    def fn(x):
        if x == 1:
            item3_failed.wait(2.0)
            raise ValueError("item 1")
        if x == 3:
            item3_failed.set()
            raise KeyError("item 3")
        return x

    with expect_error(ValueError, "(item 1 is the first failing item in input order)"):
        c.parallel_map(fn, [0, 1, 2, 3], max_workers=4)


@pytest.mark.grade(
    points=1,
    hint="Do you accept any iterable (a generator, an empty list)? And max_workers=0?",
    task="parallel_map",
)
def test_parallel_map_accepts_any_iterable_and_rejects_no_workers(c):
    got = c.parallel_map(lambda x: x + 1, (x for x in range(5)), max_workers=2)
    assert list(got) == [1, 2, 3, 4, 5], f"a generator of 0..4 with x + 1: got {got}"
    assert list(c.parallel_map(abs, [], max_workers=2)) == [], "no items -> []"
    with expect_error(ValueError, "for max_workers=0"):
        c.parallel_map(abs, [1], max_workers=0)
