"""Day 36: concurrency for model serving (standard library only).

Four tools an inference gateway is built from: a token-bucket rate limiter, a
bounded async fan-out, a thread-safe LRU cache and an order-keeping thread-pool map.
Time is injected (``clock``, ``sleep``) so the tests can use a fake clock.

Implement everything below, then run ``nox -s grade -- day36``. Stuck?
``nox -s hint -- day36`` shows the next hint.
"""

from __future__ import annotations

import asyncio  # noqa: F401 - you will need it
import threading  # noqa: F401 - you will need it
import time
from collections import OrderedDict  # noqa: F401 - one way to do it
from concurrent.futures import ThreadPoolExecutor  # noqa: F401 - you will need it


class TokenBucket:
    """A token bucket: starts full, refills continuously at ``rate`` tokens/s up to ``capacity``.

    ``clock()`` returns the time in seconds and ``sleep(s)`` waits s seconds; tests
    pass fakes. ``ValueError`` for rate <= 0 or capacity <= 0, and (in both acquire
    methods) for tokens <= 0 or tokens > capacity (such a request could never be granted).
    Thread safe: however many threads share the bucket, at most
    ``capacity + rate * s`` tokens are granted over any span of s seconds.

    rate = 2, capacity = 1: take 1 token at t = 0 (now empty); at t = 0.25 the bucket
    holds 0.5 tokens, so ``try_acquire()`` is False; at t = 0.5 it holds 1 again.
    """

    def __init__(self, rate, capacity, clock=time.monotonic, sleep=time.sleep):
        self.rate = rate
        self.capacity = capacity

    def try_acquire(self, tokens=1.0):
        """Take ``tokens`` now and return True if that many are available; else take none.

        Never sleeps. With 2.5 tokens in the bucket, try_acquire(3) is False and leaves
        all 2.5 there.
        """
        raise NotImplementedError("try_acquire: run 'nox -s hint -- day36' if stuck")

    def acquire(self, tokens=1.0, timeout=None):
        """Wait (with ``sleep``) until ``tokens`` can be taken; return True once taken.

        timeout None waits as long as needed. With a timeout in seconds it returns
        False, never sleeping past the deadline, when the tokens cannot be had in time
        (tokens that arrive exactly at the deadline are in time); it may give up at once
        when they clearly cannot arrive before the deadline.
        rate = 4, empty bucket: acquire(1) sleeps 0.25 s in total, then returns True.
        """
        raise NotImplementedError("acquire: run 'nox -s hint -- day36' if stuck")


async def gather_limited(factories, limit):
    """Await ``factory()`` for every zero-argument factory, ``limit`` at once.

    Up to ``limit`` run concurrently (exactly ``limit`` while enough are waiting; a new
    one starts as soon as one finishes). Returns the results in input order (not in
    completion order). A factory is called only when a slot is free, so at most
    ``limit`` coroutines exist at once. Once it has seen the first exception,
    gather_limited calls no further factory, cancels the coroutines still running,
    waits until they have finished cancelling, and re-raises that exception.
    ``ValueError`` for limit < 1; no factories -> [].

    [lambda: fetch(1), lambda: fetch(2), lambda: fetch(3)] with limit 2: fetch(3)
    starts only when fetch(1) or fetch(2) is done; returns [r1, r2, r3].
    """
    raise NotImplementedError("gather_limited: run 'nox -s hint -- day36' if stuck")


class LRUCache:
    """A least-recently-used cache of at most ``capacity`` entries; every operation O(1).

    Both ``get`` (on a hit) and ``put`` make a key the most recently used; ``put``
    of a new key into a full cache evicts the least recently used one. ``hits`` and
    ``misses`` count the lookups made with ``get``. Thread safe: ``get``, ``put``,
    ``len`` and the counts stay right however many threads share the cache.
    ``ValueError`` for capacity < 1.

    capacity 2: put("a", 1), put("b", 2), get("a") -> 1, put("c", 3) evicts "b";
    get("b") -> None (a miss), len(cache) -> 2, hits 1, misses 1.
    """

    def __init__(self, capacity):
        self.capacity = capacity
        self.hits = 0
        self.misses = 0

    def get(self, key, default=None):
        """The value stored for ``key`` (now the most recently used), or ``default``.

        A stored value of None is a hit like any other.
        """
        raise NotImplementedError("get: run 'nox -s hint -- day36' if stuck")

    def put(self, key, value):
        """Store ``value`` for ``key`` as the most recently used; evict the LRU if over capacity."""
        raise NotImplementedError("put: run 'nox -s hint -- day36' if stuck")

    def __len__(self):
        """The number of entries stored now."""
        raise NotImplementedError("__len__: run 'nox -s hint -- day36' if stuck")


def parallel_map(fn, items, max_workers):
    """``[fn(x) for x in items]`` run on a pool of ``max_workers`` threads, in input order.

    ``items`` may be any iterable. Up to ``max_workers`` calls run at once (never more,
    and as many as that while enough items are waiting). If calls
    raise, the exception of the first failing item in input order is re-raised (as
    ``Executor.map`` does). ``ValueError`` for max_workers < 1.

    parallel_map(lambda x: x * x, [1, 2, 3], max_workers=2) -> [1, 4, 9].
    """
    raise NotImplementedError("parallel_map: run 'nox -s hint -- day36' if stuck")
