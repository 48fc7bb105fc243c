"""Day 36 drivers: what the hidden tests must run beside the attempt, in its process.

Three kinds of check cannot reach ``concurrency.py`` through references (grader.peer):

- Races made likely on purpose. The tests hand the attempt values that pause while it
  compares, hashes or adds them (``SlowCompare``, ``SlowKey``, ``SlowCount``), so an
  unlocked check-then-act is interleaved on almost every run. Sent across, such a value
  arrives as a plain float, str or int and the pauses are gone; a key sent as a
  reference is hashed by identity, without a call. So the threads hammer the attempt's
  object here, with these values, in the attempt's own process.
- asyncio: a factory must return a coroutine of the event loop the attempt awaits in.
- Counting the hashes and ``==`` checks an LRU cache makes on its keys.

One more only for speed: ``lru_operations`` applies a long sequence of gets and puts
in one request, where a loop through references would cost a round trip per operation.

Each function takes the inputs the test chose and returns what it saw (grants, values
read, counters, the tracker's peaks, errors as text); it decides nothing. The hidden
tests (grader/hidden/day36/) judge, with their own messages.

Three more, for sampling.py and quantization.py: numpy warns (overflow in exp, 0 / 0) in
the process that computes, so ``grader.testing.no_warnings`` in the test's process would
see nothing: ``calls_recording_warnings`` records them where they happen. An array sent
to the attempt is a copy, so whether a filter changed its input in place is seen here
(``call_watching_inputs``). And a sampler drawn from thousands of times gets a generator
made here (``draw_tokens``), not the test's through a reference, which would cost a call
back per draw.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

PAUSE_S = 2e-4  # how long a "slow" comparison or hash holds the thread (GIL released)
THREADS_TIMEOUT_S = 10.0  # a thread still running after this long is reported as stuck


class FakeTime:
    """A clock that moves only when told to; ``sleep`` records the call and moves it.

    Used here by threads in the attempt's process, and by the hidden test itself for
    single-threaded checks (there the attempt reaches it through a reference).
    """

    def __init__(self, start: float = 100.0) -> None:
        self.start = self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        if seconds < 0:
            raise AssertionError(f"sleep({seconds!r}) was called with a negative duration")
        with self._lock:
            self.sleeps.append(seconds)
            if len(self.sleeps) > 10_000:
                raise AssertionError("sleep was called 10000 times: is acquire looping forever?")
            self.now += seconds
        time.sleep(0)  # let other threads run, as a real sleep would

    def advance(self, seconds: float) -> None:
        self.now += seconds


class SlowCompare(float):
    """A number whose comparisons and arithmetic pause (releasing the GIL) before answering.

    ``bucket_tokens >= SlowCompare(1.0)`` calls our ``__le__`` first (a float subclass
    wins the reflected operation), and ``bucket_tokens - SlowCompare(1.0)`` our
    ``__rsub__``, so every check of "enough tokens?" and every take becomes a point
    where other threads run: the deliberate interleaving an unlocked bucket fails,
    however the check is written.
    """

    def _pause(self) -> None:
        time.sleep(PAUSE_S)

    def _slow(name: str) -> Callable[[SlowCompare, Any], Any]:  # builds the methods below
        def method(self: SlowCompare, other: Any) -> Any:
            self._pause()
            return getattr(float, name)(self, other)

        return method

    __add__, __radd__ = _slow("__add__"), _slow("__radd__")
    __sub__, __rsub__ = _slow("__sub__"), _slow("__rsub__")
    __mul__, __rmul__ = _slow("__mul__"), _slow("__rmul__")
    __truediv__, __rtruediv__ = _slow("__truediv__"), _slow("__rtruediv__")
    __lt__, __le__ = _slow("__lt__"), _slow("__le__")
    __gt__, __ge__ = _slow("__gt__"), _slow("__ge__")
    del _slow

    __hash__ = float.__hash__


class SlowKey:
    """A cache key whose hash pauses: every dict lookup becomes a point where threads switch."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __hash__(self) -> int:
        time.sleep(PAUSE_S / 4)
        return hash(self.name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SlowKey) and self.name == other.name

    def __repr__(self) -> str:
        return f"SlowKey({self.name!r})"


class SlowCount(int):
    """A counter whose ``+`` pauses (releasing the GIL): ``self.hits += 1`` reads the old
    value, pauses, then stores it plus one. Outside a lock, another thread's increment
    made during the pause is overwritten: a lost update on almost every concurrent pair."""

    def __add__(self, other: Any) -> SlowCount:
        time.sleep(PAUSE_S / 4)
        return SlowCount(int(self) + other)

    __radd__ = __add__


class CountingKey:
    """A key that counts every hash and equality check made on it (in ``counter``)."""

    def __init__(self, n: int, counter: list[int]) -> None:
        self.n, self.counter = n, counter

    def __hash__(self) -> int:
        self.counter[0] += 1
        return hash(self.n)

    def __eq__(self, other: object) -> bool:
        self.counter[0] += 1
        return isinstance(other, CountingKey) and self.n == other.n


def describe(exc: BaseException) -> str:
    """``Type: message`` of an exception raised in a thread (its text crosses, it does not)."""
    try:
        return f"{type(exc).__name__}: {exc}"
    except Exception:  # a __str__ that raises is still an error to report
        return type(exc).__name__


def run_threads(target: Callable[[int], None], n_threads: int) -> dict[str, Any]:
    """Start ``target(i)`` on n threads at once (after a barrier) and wait for them.

    Returns ``{"errors": [...], "stuck": n}``: each exception a thread raised, described,
    and how many threads were still running after ``THREADS_TIMEOUT_S`` (a deadlock?).
    """
    start = threading.Barrier(n_threads)
    errors: list[str] = []

    def body(i: int) -> None:
        try:
            start.wait(timeout=5)
            target(i)
        except BaseException as exc:  # collected; the test reports it
            errors.append(describe(exc))

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(n_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(THREADS_TIMEOUT_S)
    return {"errors": errors, "stuck": sum(thread.is_alive() for thread in threads)}


# ---------------------------------------------------------------- TokenBucket


def bucket_burst(
    load: Callable[[str], Any],
    method: str,
    *,
    rate: float,
    capacity: float,
    tokens: float,
    rounds: int,
    threads: int,
    timeout: float | None = None,
) -> list[dict[str, Any]]:
    """Each round: a fresh full bucket on a frozen FakeTime, and ``threads`` threads that
    call ``method(tokens)`` (with ``timeout=`` when given) at the same moment. Rate,
    capacity and request are SlowCompare numbers.

    One observation per round: ``granted`` (what each call returned), ``slept`` (fake
    seconds the bucket's sleeps moved the clock), ``errors`` and ``stuck``.
    """
    module = load("concurrency")
    rounds_seen = []
    for _ in range(rounds):
        fake = FakeTime()
        bucket = module.TokenBucket(
            rate=SlowCompare(rate), capacity=SlowCompare(capacity), clock=fake.clock,
            sleep=fake.sleep,
        )  # fmt: skip
        ask = getattr(bucket, method)
        granted: list[Any] = []  # list.append is atomic

        def call(i: int, ask: Any = ask, granted: list[Any] = granted) -> None:
            if timeout is None:
                granted.append(ask(SlowCompare(tokens)))
            else:
                granted.append(ask(SlowCompare(tokens), timeout=timeout))

        threads_seen = run_threads(call, threads)
        rounds_seen.append({"granted": granted, "slept": fake.now - fake.start, **threads_seen})
    return rounds_seen


def bucket_shared_by_threads(
    load: Callable[[str], Any],
    *,
    rate: float,
    capacity: float,
    threads: int,
    calls_each: int,
    extra_tokens: float,
) -> dict[str, Any]:
    """``threads`` threads share one bucket on one FakeTime; each, ``calls_each`` times,
    calls ``acquire(1.0)`` (blocking) then ``try_acquire(SlowCompare(extra_tokens))``.

    Observed: ``acquired`` and ``extra`` (what each call returned), ``span`` (fake
    seconds from the start to the end), ``errors`` and ``stuck``.
    """
    fake = FakeTime()
    bucket = load("concurrency").TokenBucket(
        rate=rate, capacity=capacity, clock=fake.clock, sleep=fake.sleep
    )
    acquired: list[Any] = []
    extra: list[Any] = []

    def worker(i: int) -> None:
        for _ in range(calls_each):
            acquired.append(bucket.acquire(1.0))
            extra.append(bucket.try_acquire(SlowCompare(extra_tokens)))

    threads_seen = run_threads(worker, threads)
    return {"acquired": acquired, "extra": extra, "span": fake.now - fake.start, **threads_seen}


# ---------------------------------------------------------------- LRUCache


def lru_shared_by_threads(
    load: Callable[[str], Any], *, capacity: int, n_keys: int, threads: int, ops_each: int
) -> dict[str, Any]:
    """``threads`` threads make ``ops_each`` random gets and puts (half each, seeded by the
    thread's number) on one cache, with SlowKey keys ``k0, k1, ...``; a put stores the
    key's name. After every operation the thread reads ``len(cache)``.

    Observed: ``gets`` (``[key name, value read]``), ``sizes`` (every len read),
    ``errors`` and ``stuck``; when every thread finished cleanly, also ``final_len``,
    ``hits`` and ``misses``.
    """
    keys = [SlowKey(f"k{i}") for i in range(n_keys)]
    cache = load("concurrency").LRUCache(capacity)
    gets: list[list[Any]] = []
    sizes: list[Any] = []

    def worker(i: int) -> None:
        local = random.Random(i)
        for _ in range(ops_each):
            key = local.choice(keys)
            if local.random() < 0.5:
                gets.append([key.name, cache.get(key)])
            else:
                cache.put(key, key.name)
            sizes.append(len(cache))

    seen: dict[str, Any] = {"gets": gets, "sizes": sizes, **run_threads(worker, threads)}
    if not seen["errors"] and not seen["stuck"]:
        seen.update(final_len=len(cache), hits=int(cache.hits), misses=int(cache.misses))
    return seen


def lru_counters_shared_by_threads(
    load: Callable[[str], Any],
    *,
    capacity: int,
    stored: dict[str, Any],
    asked: list[str],
    threads: int,
    gets_each: int,
) -> dict[str, Any]:
    """A cache holding ``stored``; its ``hits`` and ``misses`` then replaced by SlowCount(0)
    (left alone when they cannot be set). Thread i makes ``gets_each`` gets, of
    ``asked[(i + j) % len(asked)]`` for j = 0, 1, ...

    Observed: ``gets`` (``[key, value read]``), ``errors``, ``stuck``, ``slowed`` (whether
    the counters could be replaced) and, when every thread finished cleanly, ``hits``
    and ``misses``.
    """
    cache = load("concurrency").LRUCache(capacity)
    for key, value in stored.items():
        cache.put(key, value)
    try:
        cache.hits, cache.misses = SlowCount(0), SlowCount(0)
        slowed = True
    except AttributeError:  # read-only counters (properties): nothing to slow down
        slowed = False
    gets: list[list[Any]] = []

    def worker(i: int) -> None:
        for j in range(gets_each):
            key = asked[(i + j) % len(asked)]
            gets.append([key, cache.get(key)])

    seen: dict[str, Any] = {"gets": gets, "slowed": slowed, **run_threads(worker, threads)}
    if not seen["errors"] and not seen["stuck"]:
        seen.update(hits=int(cache.hits), misses=int(cache.misses))
    return seen


def lru_key_touches(
    load: Callable[[str], Any], *, size: int, get_order: list[int], evicting_puts: int
) -> int:
    """Fill a cache of ``size`` with CountingKeys 0..size-1, then count the hash and ``==``
    calls made on keys by ``get`` of each key in ``get_order`` followed by
    ``evicting_puts`` puts of new keys."""
    counter = [0]
    keys = [CountingKey(i, counter) for i in range(size)]
    cache = load("concurrency").LRUCache(size)
    for key in keys:
        cache.put(key, key.n)
    counter[0] = 0
    for i in get_order:
        cache.get(keys[i])
    for i in range(evicting_puts):
        cache.put(CountingKey(size + i, counter), i)
    return counter[0]


def lru_operations(load: Callable[[str], Any], cache: Any, operations: list[Any]) -> list[Any]:
    """Apply ``operations`` to ``cache`` in order, each ``[op, key, value]``: ``get(key)``
    when op is "get", else ``put(key, value)``. Observed: what each returned.

    An operation that raises ends the sequence with its error (raised in the test as the
    attempt's own, with its line), as a loop through references would end: it is not
    made again later, since an operation that raised halfway may have changed the
    cache, and a second try could pass where the first failed.
    """
    return [cache.get(k) if op == "get" else cache.put(k, v) for op, k, v in operations]


# ---------------------------------------------------------------- gather_limited


def _run(coro: Any, timeout_s: float) -> Any:
    """Run a coroutine to completion; ``TimeoutError`` after ``timeout_s`` (a hang)."""

    async def guarded() -> Any:
        return await asyncio.wait_for(coro, timeout_s)

    return asyncio.run(guarded())


class Tracker:
    """Counts coroutines created (factory called), running and finished; records the peaks."""

    def __init__(self) -> None:
        self.created = self.running = self.finished = 0
        self.peak_running = self.peak_alive = 0

    def factory(self, yields: int, value: Any) -> Callable[[], Any]:
        def make() -> Any:
            self.created += 1
            self.peak_alive = max(self.peak_alive, self.created - self.finished)
            return self.body(yields, value)

        return make

    async def body(self, yields: int, value: Any) -> Any:
        self.running += 1
        self.peak_running = max(self.peak_running, self.running)
        for _ in range(yields):
            await asyncio.sleep(0)
        self.running -= 1
        self.finished += 1
        return value


def gather_tracked(
    load: Callable[[str], Any], *, yields: list[int], values: list[Any], limit: Any,
    timeout_s: float,
) -> dict[str, Any]:  # fmt: skip
    """``gather_limited`` over factories whose coroutine i yields ``yields[i]`` loop turns
    and returns ``values[i]``. Observed: ``results`` and the tracker's ``created``,
    ``peak_running`` (coroutines running at once) and ``peak_alive`` (created, not done)."""
    tracker = Tracker()
    factories = [tracker.factory(n, value) for n, value in zip(yields, values, strict=True)]
    results = _run(load("concurrency").gather_limited(factories, limit), timeout_s)
    return {
        "results": results,
        "created": tracker.created,
        "peak_running": tracker.peak_running,
        "peak_alive": tracker.peak_alive,
    }


class FailureLog:
    """What the factories of a batch with one failing request did, and the error they raised."""

    def __init__(self, fail_at: int) -> None:
        self.error = ValueError(f"request {fail_at} failed")
        self.called: list[int] = []  # factories called
        self.started: list[int] = []  # coroutines that began running
        self.cancelled: list[int] = []  # coroutines whose CancelledError handler ran
        self.finished: list[int] = []  # coroutines that returned

    def snapshot(self) -> dict[str, list[int]]:
        names = ("called", "started", "cancelled", "finished")
        return {name: sorted(getattr(self, name)) for name in names}

    def factory(self, i: int, kind: Any) -> Callable[[], Any]:
        """``kind`` "fail": raise after one loop turn; "hang": sleep an hour (recording its
        cancellation); an int n: yield n loop turns and return i."""

        async def body() -> Any:
            self.started.append(i)
            if kind == "fail":
                await asyncio.sleep(0)
                raise self.error
            try:
                if kind == "hang":
                    await asyncio.sleep(3600)
                for _ in range(0 if kind == "hang" else int(kind)):
                    await asyncio.sleep(0)
            except asyncio.CancelledError:
                self.cancelled.append(i)
                raise
            self.finished.append(i)
            return i

        def make() -> Any:
            self.called.append(i)
            return body()

        return make


def gather_with_a_failure(
    load: Callable[[str], Any], *, kinds: list[Any], limit: int, turns_after: int,
    timeout_s: float,
) -> dict[str, Any]:  # fmt: skip
    """``gather_limited`` over factories of the given kinds (see ``FailureLog.factory``;
    exactly one "fail"), observed the moment its exception reaches the caller (in the
    ``except`` clause, no loop turn in between) and again ``turns_after`` turns later.

    Observed: ``raised`` (did it raise?), ``is_the_failure`` (is what it raised the very
    exception the failing request raised?), ``error`` (its repr), ``pending`` (tasks it
    created still not done when it raised), ``at_raise`` and ``later`` (the log's
    snapshots: called, started, cancelled, finished).
    """
    log = FailureLog(kinds.index("fail"))
    factories = [log.factory(i, kind) for i, kind in enumerate(kinds)]
    seen: dict[str, Any] = {"raised": False, "is_the_failure": False, "error": None}

    async def main() -> None:
        before = asyncio.all_tasks()
        try:
            await load("concurrency").gather_limited(factories, limit)
        except Exception as exc:  # what it raised is the observation
            mine = asyncio.all_tasks() - before - {asyncio.current_task()}
            seen.update(raised=True, is_the_failure=exc is log.error, error=repr(exc))
            seen["pending"] = sum(1 for task in mine if not task.done())
            seen["at_raise"] = log.snapshot()
        for _ in range(turns_after):
            await asyncio.sleep(0)
        seen["later"] = log.snapshot()

    _run(main(), timeout_s)
    return seen


# ---------------------------------------------------------------- sampling and warnings


def call_watching_inputs(
    load: Callable[[str], Any], *, module: str, name: str, args: list[Any]
) -> dict[str, Any]:
    """``load(module).<name>(*args)`` on this process's copies of ``args``.

    An array sent from the test arrives here as a copy, so a function that changes its
    caller's array in place would change only the copy, and the test's array would look
    untouched. Observed: ``result`` and ``args_after`` (the arguments after the call).
    """
    result = getattr(load(module), name)(*args)
    return {"result": result, "args_after": args}


@contextmanager
def recording_warnings() -> Iterator[list[str]]:
    """Every warning in the block, as ``"Category: message"``, recorded as
    ``grader.testing.no_warnings`` records them: numpy's overflow, divide-by-zero and
    invalid-value warnings included, underflow to 0 not (the right answer for exp(-1000))."""
    described: list[str] = []
    with (
        warnings.catch_warnings(record=True) as caught,
        np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"),
    ):
        warnings.simplefilter("always")
        yield described
    described += [f"{w.category.__name__}: {w.message}" for w in caught]


def calls_recording_warnings(
    load: Callable[[str], Any], *, module: str, name: str, calls: list[list[Any]]
) -> dict[str, Any]:
    """Call ``load(module).<name>(*args, **kwargs)`` for each ``[args, kwargs]`` in ``calls``.

    Observed: ``results`` (one per call) and ``warnings`` (see ``recording_warnings``).
    """
    target = getattr(load(module), name)
    with recording_warnings() as seen_warnings:
        results = [target(*args, **kwargs) for args, kwargs in calls]
    return {"results": results, "warnings": seen_warnings}


def draw_tokens(
    load: Callable[[str], Any], *, logits: Any, seed: int, n: int, options: dict[str, Any]
) -> dict[str, Any]:
    """``n`` calls of ``sampling.sample_next_token(logits, rng, **options)`` with one
    ``np.random.default_rng(seed)`` made here: a generator of this process, so a draw
    costs no call back to the test's process (thousands of draws stay fast).

    Observed: ``tokens`` (what each call returned) and ``warnings``.
    """
    sample = load("sampling").sample_next_token
    rng = np.random.default_rng(seed)
    with recording_warnings() as seen_warnings:
        tokens = [sample(np.array(logits, dtype=float), rng, **options) for _ in range(n)]
    return {"tokens": tokens, "warnings": seen_warnings}
