"""Hidden tests for exercises/day36/concurrency.py.

Time is fake wherever it can be: the token bucket gets a clock that only moves when
the test (or the bucket's own ``sleep``) moves it, so no test waits in real time
and every sleep is recorded. Races are made likely on purpose, not hoped for: the
thread-safety tests hand the attempt values whose comparisons or hashes pause for a
moment (releasing the GIL), so an unlocked check-then-act is interleaved on almost
every run, while a locked one is always right.

The attempt runs in a worker process of its own. What the tests can do through
references (call the bucket with a fake clock, hand parallel_map a function) they do
here. The races, asyncio and the counting of hashes cannot cross: a pausing number
would arrive as a plain float, a coroutine cannot be awaited in another process. For
those a driver (grader/drivers/day36.py) runs the threads or the event loop beside
the attempt and reports what it saw; these tests judge it.
"""

from __future__ import annotations

import random
import threading
import time

import pytest

from grader.drivers.day36 import THREADS_TIMEOUT_S, FakeTime
from grader.testing import attempt_module, expect_error

c = attempt_module("concurrency")

GATHER_TIMEOUT_S = 3.0  # a gather_limited still running after this long is a hang


def assert_threads_ran(seen, failed, advice=""):
    """No thread of a driver hung or raised; ``failed`` starts the message for an error and
    ``advice`` ends it."""
    if seen["stuck"]:
        raise AssertionError(
            f"{seen['stuck']} thread(s) still running after {THREADS_TIMEOUT_S:g} s: a deadlock?"
        )
    if seen["errors"]:
        raise AssertionError(f"{failed}: {seen['errors'][0]}{advice}")


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
def test_a_burst_of_threads_gets_only_the_tokens_in_the_bucket(drive):
    """8 threads ask a bucket holding 1 token at the same moment, 5 times: 1 grant each time.

    The clock is frozen, so no token is earned during the race. The request, the rate
    and the capacity are SlowCompare numbers: "enough tokens?", the take and the refill
    (tokens + elapsed x rate, capped with the capacity) each pause, so without a lock
    the 8 threads interleave between reading the tokens and writing them back. The
    threads run beside the attempt (driver ``bucket_burst``): sent from here, the
    pausing numbers would arrive as plain floats.
    """
    rounds = drive("concurrency", "bucket_burst", method="try_acquire", rate=1.0, capacity=1.0,
                   tokens=1.0, rounds=5, threads=8)  # fmt: skip
    for round_, seen in enumerate(rounds):
        assert_threads_ran(seen, "try_acquire raised in a thread")
        wins = sum(1 for g in seen["granted"] if g)
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
def test_many_threads_never_get_more_than_capacity_plus_rate_times_span(drive):
    """8 threads each acquire 10 tokens (blocking) and try 10 more on a shared fake clock.

    The rate is a power of two so every fake time and token count is exact in binary
    floating point: no rounding residue can leave a waiter 1e-15 tokens short forever.
    The extra requests (0.5 tokens) are SlowCompare numbers, so the threads run beside
    the attempt (driver ``bucket_shared_by_threads``).
    """
    seen = drive("concurrency", "bucket_shared_by_threads", rate=16.0, capacity=5, threads=8,
                 calls_each=10, extra_tokens=0.5)  # fmt: skip
    assert_threads_ran(seen, "a thread failed")
    refused = [got for got in seen["acquired"] if got is not True]
    assert not refused, f"acquire() without a timeout returned {refused[0]!r}, not True"
    span = seen["span"]
    bound = 5 + 16.0 * span
    total = 1.0 * len(seen["acquired"]) + 0.5 * sum(1 for got in seen["extra"] if got)
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
def test_a_burst_of_threads_in_acquire_gets_only_the_tokens_in_the_bucket(drive):
    """8 threads call acquire(1, timeout=0.5) at once on a full bucket of 1 token, 5 times.

    rate 1: the next token is 1 s away, later than the deadline, so at most
    capacity + rate x (fake seconds slept) tokens may be granted: 1 if nobody sleeps.
    The request, rate and capacity are SlowCompare numbers, as in the try_acquire burst.
    """
    rounds = drive("concurrency", "bucket_burst", method="acquire", rate=1.0, capacity=1.0,
                   tokens=1.0, rounds=5, threads=8, timeout=0.5)  # fmt: skip
    for round_, seen in enumerate(rounds):
        assert_threads_ran(seen, "acquire raised in a thread")
        wins = sum(1 for g in seen["granted"] if g)
        bound = 1 + 1.0 * seen["slept"]
        assert wins <= bound + 1e-9, (
            f"round {round_}: 8 threads called acquire(1, timeout=0.5) on a bucket holding 1 "
            f"token and {wins} got one over {seen['slept']:.4g} fake seconds (at most "
            f"{bound:.4g} may): acquire's check and take are not one critical section"
        )


# ---------------------------------------------------------------- gather_limited

# gather_limited runs in the attempt's event loop, in its process: a driver builds the
# factories there (gather_tracked counts the coroutines created and running, and
# gather_with_a_failure logs which were called, started, cancelled) and reports.


def gather(drive, function, **inputs):
    """Run a gather_limited driver; a gather_limited that hangs is a failure, not a stall."""
    try:
        return drive("concurrency", function, timeout_s=GATHER_TIMEOUT_S, **inputs)
    except TimeoutError:
        raise AssertionError(
            f"gather_limited did not finish within {GATHER_TIMEOUT_S:g} s"
        ) from None


@pytest.mark.grade(
    points=2,
    hint="Where does the result of factory i go: at index i, or wherever it finishes?",
    task="gather_limited",
)
@pytest.mark.parametrize("limit", [2, 6], ids=["limit-2", "limit-6"])
def test_gather_limited_returns_results_in_input_order(drive, limit):
    # coroutine i yields 6 - i times, so later ones finish first when they run together
    seen = gather(drive, "gather_tracked", yields=[6 - i for i in range(6)],
                  values=[i * i for i in range(6)], limit=limit)  # fmt: skip
    got = seen["results"]
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
def test_gather_limited_runs_up_to_limit_at_once(drive, limit, expected_peak):
    seen = gather(drive, "gather_tracked", yields=[3] * 10, values=list(range(10)), limit=limit)
    assert seen["peak_running"] == expected_peak, (
        f"with limit={limit} and 10 coroutines, {expected_peak} should run at once at the "
        f"peak; saw {seen['peak_running']}"
    )


@pytest.mark.grade(
    points=1,
    hint="When do you call each factory: all up front, or only when a slot is free?",
    task="gather_limited",
)
def test_gather_limited_calls_a_factory_only_when_a_slot_is_free(drive):
    seen = gather(drive, "gather_tracked", yields=[3] * 12, values=list(range(12)), limit=3)
    assert seen["created"] == 12, f"every factory is called once; {seen['created']} were"
    assert seen["peak_alive"] <= 3, (
        f"{seen['peak_alive']} coroutines existed at once with limit 3: call each factory "
        "only when it can start (not all of them up front)"
    )


# limit 3 over this batch: requests 0, 1 and 2 start; 2 raises ValueError after one loop
# turn while 0 and 1 sleep for an hour; 3 and 4 (also hour-long sleepers) wait for a slot.
FAILING_BATCH = ["hang", "hang", "fail", "hang", "hang"]
FAIL_AT = FAILING_BATCH.index("fail")


def assert_reraised(seen, request):
    """gather_limited raised, and what it raised is the failing request's own exception.

    The driver compares identities in the attempt's process: an exception that crosses
    to this one is rebuilt, so ``is`` here could not tell the original from a copy.
    """
    if not seen["raised"]:
        raise AssertionError(
            f"gather_limited returned although request {request} raised ValueError"
        )
    if not seen["is_the_failure"]:
        raise AssertionError(
            f"the exception raised by request {request} must be re-raised as is; "
            f"got {seen['error']}"
        )


@pytest.mark.grade(
    points=1,
    hint="When one request fails, what should the caller of gather_limited see?",
    task="gather_limited",
)
def test_gather_limited_reraises_the_first_error(drive):
    seen = gather(drive, "gather_with_a_failure", kinds=FAILING_BATCH, limit=3, turns_after=0)
    assert_reraised(seen, FAIL_AT)


@pytest.mark.grade(
    points=2,
    hint="When one request fails, does asyncio.gather cancel the others? Who does?",
    task="gather_limited",
)
def test_gather_limited_cancels_the_requests_still_running_after_a_failure(drive):
    seen = gather(drive, "gather_with_a_failure", kinds=FAILING_BATCH, limit=3, turns_after=5)
    assert_reraised(seen, FAIL_AT)
    still_running = sorted(set(seen["later"]["started"]) - {FAIL_AT})
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
def test_gather_limited_has_finished_cancelling_when_it_raises(drive):
    """Checked the moment the error reaches the caller: cancel() only asks a task to stop;
    the task stops at its next loop turn, and gather_limited must wait for that."""
    seen = gather(drive, "gather_with_a_failure", kinds=FAILING_BATCH, limit=3, turns_after=0)
    assert_reraised(seen, FAIL_AT)
    still_running = sorted(set(seen["at_raise"]["started"]) - {FAIL_AT})
    assert seen["at_raise"]["cancelled"] == still_running, (
        f"when gather_limited raised, requests {still_running} had been started but only "
        f"{seen['at_raise']['cancelled']} had finished cancelling: await the cancelled tasks "
        "(e.g. gather them with return_exceptions=True) before re-raising"
    )
    assert not seen["pending"], (
        f"{seen['pending']} task(s) that gather_limited created were still pending when "
        "it raised: cancel them and wait until they are done"
    )


@pytest.mark.grade(
    points=1,
    hint="After a failure, do your other workers keep pulling new work?",
    task="gather_limited",
)
def test_gather_limited_calls_no_factory_after_a_failure(drive):
    """10 quick requests, limit 2, request 1 fails: no factory is called once the
    error has reached the caller (checked over 30 loop turns), and not all 10 ran."""
    kinds = [2] * 10  # each yields 2 loop turns and returns
    kinds[1] = "fail"
    seen = gather(drive, "gather_with_a_failure", kinds=kinds, limit=2, turns_after=30)
    assert_reraised(seen, 1)
    others = {when: [i for i in seen[when]["called"] if i != 1] for when in ("at_raise", "later")}
    assert others["later"] == others["at_raise"], (
        f"{len(others['later']) - len(others['at_raise'])} more factories were called after "
        "gather_limited had raised: the work not yet started must be dropped"
    )
    assert len(others["at_raise"]) < 9, (
        f"{len(others['at_raise'])} of the 9 other factories were called although request 1 "
        "failed on its first loop turn: stop handing out work after the first failure"
    )


@pytest.mark.grade(
    points=1, hint="What should no work return? And a limit of 0?", task="gather_limited"
)
def test_gather_limited_handles_no_work_and_rejects_a_limit_below_one(drive):
    seen = gather(drive, "gather_tracked", yields=[], values=[], limit=4)
    assert list(seen["results"]) == [], "no factories -> []"
    with expect_error(ValueError, "for limit=0"):
        gather(drive, "gather_tracked", yields=[3], values=[0], limit=0)


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
def test_lru_matches_a_brute_force_model_on_random_operations(c, attempt_worker, rng):
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
        # all the operations in one request (driver ``lru_operations``), not one each
        got = attempt_worker.drive("day36", "lru_operations", cache, ops)
        got = [g for (op, _, _), g in zip(ops, got) if op == "get"]
        expected, order = brute_force_lru(capacity, ops)
        first_bad = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b), None)
        assert first_bad is None, (
            f"capacity {capacity}: get number {first_bad} returned {got[first_bad]!r}, "
            f"a list-based LRU returns {expected[first_bad]!r}"
        )
        assert len(cache) == len(order), f"len is {len(cache)}, expected {len(order)}"
        assert cache.hits + cache.misses == len(got), "every get is either a hit or a miss"


@pytest.mark.grade(
    points=1,
    hint="Does list.remove or `key in a_list` visit every entry? What moves a key last in O(1)?",
    task="LRUCache",
)
def test_lru_operations_do_not_scan_the_whole_cache(drive):
    """A hash map touches a key O(1) times per operation; a scan of a list compares it
    with ~n others. We count hashes and == checks instead of timing (timing is noisy).
    The counting keys live beside the attempt (driver ``lru_key_touches``): a key sent
    from here would be hashed and compared by identity there, without a call to count."""
    touches = drive("concurrency", "lru_key_touches", size=1000,
                    get_order=random.Random(0).sample(range(1000), 500),  # 500 hits, shuffled
                    evicting_puts=500)  # fmt: skip
    per_op = touches / 1000
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
def test_lru_stays_consistent_when_many_threads_share_it(drive):
    """8 threads do gets and puts on 12 keys in a cache of 4; every hash pauses (SlowKey,
    so the threads run beside the attempt: driver ``lru_shared_by_threads``)."""
    seen = drive(
        "concurrency", "lru_shared_by_threads", capacity=4, n_keys=12, threads=8, ops_each=40
    )
    assert_threads_ran(
        seen,
        "a thread failed while 8 threads shared the cache",
        "; guard every operation with one lock",
    )
    for key, value in seen["gets"]:  # a put stores the key's name
        assert value is None or value == key, f"get(SlowKey({key!r})) returned {value!r}"
    too_big = [size for size in seen["sizes"] if not size <= 4]
    assert not too_big, f"len(cache) was {too_big[0]} while threads shared a cache of capacity 4"
    assert seen["final_len"] <= 4, f"a cache of capacity 4 holds {seen['final_len']} entries"
    counted = seen["hits"] + seen["misses"]
    assert counted == len(seen["gets"]), (
        f"{len(seen['gets'])} gets were made but hits + misses = {counted}"
    )


@pytest.mark.grade(
    points=2,
    hint="Is `self.hits += 1` one step? What happens when two threads do it at once outside "
    "the lock?",
    task="LRUCache",
    time_limit=15,
)
def test_lru_counts_every_hit_and_miss_when_many_threads_share_it(drive):
    """8 threads make 30 gets each on a cache of 4 keys (half of them hits).

    The counters start as SlowCount(0) (an int whose + pauses, set beside the attempt by
    driver ``lru_counters_shared_by_threads``), so an unlocked read-add-store of hits or
    misses is interleaved with the other threads' and loses their increments.
    """
    stored = {"a": "A", "b": "B"}
    seen = drive("concurrency", "lru_counters_shared_by_threads", capacity=4, stored=stored,
                 asked=["a", "x", "b", "y"], threads=8, gets_each=30)  # fmt: skip
    assert_threads_ran(seen, "a thread failed")
    for key, value in seen["gets"]:
        assert value == stored.get(key), f"get({key!r}) -> {value!r}"
    hits, misses = seen["hits"], seen["misses"]
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
    state = {"running": 0, "peak": 0, "barrier_broke": False}

    def fn(x):
        with lock:
            state["running"] += 1
            state["peak"] = max(state["peak"], state["running"])
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            # noted here: the error reaches this test through the attempt's process as a
            # stand-in class, which `except threading.BrokenBarrierError` would not catch
            state["barrier_broke"] = True
            raise
        time.sleep(0.02)
        with lock:
            state["running"] -= 1
        return x

    try:
        got = c.parallel_map(fn, range(6), max_workers=3)
    except Exception:
        if not state["barrier_broke"]:
            raise
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
