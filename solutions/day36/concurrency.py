"""Concurrency for model serving: a token-bucket rate limiter, bounded async fan-out,
a thread-safe LRU cache and an order-keeping thread-pool map.

These are the four small tools an inference gateway is built from: admit requests at
a steady rate (``TokenBucket``), call a model API with at most N requests in flight
(``gather_limited``), reuse answers for repeated prompts (``LRUCache``) and fan a
batch of blocking calls out to threads (``parallel_map``).

Time is injected (``clock`` and ``sleep``) so the rate limiter can be tested with a
fake clock, without waiting in real time. Left out: distributed rate limiting
(Redis and friends), fairness between waiters, TTL expiry, cache size in bytes,
and process pools.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

# --------------------------------------------------------------------------- rate limiting


class TokenBucket:
    """A token bucket: starts full, refills continuously at ``rate`` tokens/s up to ``capacity``.

    ``clock()`` returns the time in seconds and ``sleep(s)`` waits s seconds; tests
    pass fakes. ``ValueError`` for rate <= 0 or capacity <= 0, and (in both acquire
    methods) for tokens <= 0 or tokens > capacity. Thread safe: over any span of s
    seconds at most ``capacity + rate * s`` tokens are granted, however many threads
    share the bucket.

    rate = 2, capacity = 1: take 1 token at t = 0 (now empty); at t = 0.25 the bucket
    holds 0.5 tokens, so ``try_acquire()`` is False; at t = 0.5 it holds 1 again.
    """

    def __init__(self, rate, capacity, clock=time.monotonic, sleep=time.sleep):
        if not rate > 0:
            raise ValueError(f"rate must be > 0 tokens per second, got {rate!r}")
        if not capacity > 0:
            raise ValueError(f"capacity must be > 0 tokens, got {capacity!r}")
        self.rate = rate
        self.capacity = capacity
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = capacity  # starts full: a burst of `capacity` is allowed at once
        self._last = clock()

    def _check(self, tokens):
        if not 0 < tokens <= self.capacity:
            raise ValueError(
                f"tokens must be in (0, capacity={self.capacity!r}], got {tokens!r}: "
                "a request larger than the bucket could never be granted"
            )

    def _refill(self):
        """Add the tokens earned since the last look. The caller holds the lock."""
        now = self._clock()
        # subtle: if the clock ever steps back, elapsed time must not go negative
        # (removing tokens) nor may _last move backwards (granting them twice later).
        elapsed = max(0.0, now - self._last)
        self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
        self._last = max(self._last, now)

    def _take(self, tokens):
        """Take ``tokens`` if they are there (all or nothing) and return None; else
        return how many seconds to wait for them."""
        with self._lock:
            # subtle: refill, check and take form ONE critical section. Without the
            # lock two threads can both see 1 token and both take it.
            self._refill()
            if self._tokens >= tokens:
                self._tokens -= tokens
                return None
            return (tokens - self._tokens) / self.rate

    def try_acquire(self, tokens=1.0):
        """Take ``tokens`` now and return True if that many are available; else take none.

        Never sleeps. With 2.5 tokens in the bucket, try_acquire(3) is False and leaves
        all 2.5 there.
        """
        self._check(tokens)
        return self._take(tokens) is None

    def acquire(self, tokens=1.0, timeout=None):
        """Wait (with ``sleep``) until ``tokens`` can be taken; return True once taken.

        With a ``timeout`` in seconds it returns False instead of sleeping past the
        deadline (tokens that arrive exactly at the deadline are in time); it gives up
        at once when the tokens cannot arrive in time.
        rate = 4, empty bucket: acquire(1) sleeps 0.25 s, then returns True.
        """
        self._check(tokens)
        deadline = None if timeout is None else self._clock() + timeout
        while True:
            wait = self._take(tokens)
            if wait is None:
                return True
            if deadline is not None:
                remaining = deadline - self._clock()
                # subtle: the bucket cannot refill faster than `rate`, so if the wait
                # is longer than the time left, sleeping would only waste the caller's time.
                if wait > remaining:
                    return False
            self._sleep(wait)


# --------------------------------------------------------------------------- async fan-out


async def gather_limited(factories, limit):
    """Await ``factory()`` for every factory, ``limit`` at once; results in input order.

    Exactly ``limit`` run at once while enough are waiting. A factory is called only
    when a slot is free. Once the first exception is seen, no further factory is
    called, the others are cancelled and awaited until they have finished
    cancelling, and the exception is re-raised. ``ValueError`` for limit < 1; no
    factories -> [].

    ``[lambda: fetch(1), lambda: fetch(2), lambda: fetch(3)]`` with limit 2 -> fetch(3)
    starts only when fetch(1) or fetch(2) is done; returns [r1, r2, r3].
    """
    if limit < 1:
        raise ValueError(f"limit must be >= 1, got {limit!r}")
    factories = list(factories)
    results = [None] * len(factories)
    next_index = iter(range(len(factories)))  # shared by the workers: each index once

    async def worker():
        for i in next_index:
            # subtle: the factory is called only here, when a slot is free, so at most
            # `limit` coroutines exist at once (not len(factories) of them).
            results[i] = await factories[i]()

    workers = [asyncio.ensure_future(worker()) for _ in range(min(limit, len(factories)))]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        # subtle: gather does not cancel its siblings when one fails; we must, and
        # wait for them to finish cancelling before re-raising.
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        raise
    return results


# --------------------------------------------------------------------------- caching


class LRUCache:
    """A least-recently-used cache of at most ``capacity`` entries; every operation O(1).

    An ``OrderedDict`` is a hash map threaded on a doubly linked list, so "move this
    key to the newest end" and "drop the oldest" are both O(1). ``hits`` and ``misses``
    count the lookups made with ``get``. Thread safe: get, put, len and the counts
    (every operation holds one lock). ``ValueError`` for capacity < 1.

    capacity 2: put(a), put(b), get(a), put(c) evicts b (a was used more recently).
    """

    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity!r}")
        self.capacity = capacity
        self.hits = 0
        self.misses = 0
        self._data = OrderedDict()  # oldest first, most recently used last
        self._lock = threading.Lock()

    def get(self, key, default=None):
        """The value stored for ``key`` (now the most recently used), or ``default``."""
        with self._lock:
            # subtle: test membership, not `value is None`: None can be a cached value.
            if key not in self._data:
                self.misses += 1
                return default
            self._data.move_to_end(key)
            self.hits += 1
            return self._data[key]

    def put(self, key, value):
        """Store ``value`` for ``key`` as the most recently used; evict the LRU if over capacity."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
            self._data[key] = value
            if len(self._data) > self.capacity:
                self._data.popitem(last=False)  # the least recently used

    def __len__(self):
        """The number of entries stored now."""
        with self._lock:
            return len(self._data)


# --------------------------------------------------------------------------- thread pool


def parallel_map(fn, items, max_workers):
    """``[fn(x) for x in items]`` on a pool of ``max_workers`` threads, in input order.

    Up to ``max_workers`` calls run at once, never more. If calls raise, the exception
    of the first failing item in input order is re-raised (as ``Executor.map`` does).
    ``ValueError`` for max_workers < 1. Threads help when ``fn`` waits on I/O (an
    HTTP call to a model server); pure-Python CPU work is serialised by the GIL.
    """
    if max_workers < 1:
        raise ValueError(f"max_workers must be >= 1, got {max_workers!r}")
    items = list(items)
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        futures = [pool.submit(fn, item) for item in items]
        # subtle: collect in submission order, not as_completed order.
        return [future.result() for future in futures]
