"""Day 35: batching for training and for inference (numpy and the standard library).

Training wants big, dense batches; serving wants each request back fast. Build the
tools in between: lazy chunking, padding with a mask, bucketing by length, and a
thread-safe micro-batcher that groups single requests for a model.

Implement every function and method below, then run ``nox -s grade -- day35``.
Stuck? ``nox -s hint -- day35`` shows the next hint.
"""

from __future__ import annotations

import threading  # noqa: F401 - you will need it
import time  # noqa: F401 - you will need it
from concurrent.futures import Future  # noqa: F401 - you will need it

import numpy as np  # noqa: F401 - you will need it


def batched(iterable, n):
    """Lazy tuples of ``n`` items; the last one may be shorter (never an empty tuple).

    >>> list(batched("abcde", 2))
    [('a', 'b'), ('c', 'd'), ('e',)]

    Must work on an infinite iterator such as ``itertools.count()``: never read more
    items than the batches asked for so far. ``ValueError`` for n < 1 (at call time,
    like ``itertools.batched``; raising on the first ``next()`` is accepted too).
    """
    raise NotImplementedError("batched: run 'nox -s hint -- day35' if stuck")


def pad_batch(seqs, pad_id=0, max_len=None):
    """Right-pad token lists into ``(ids, attention_mask)``, both of shape (B, T).

    ``seqs`` is a list of B token-id sequences (lists or 1-D arrays). T is the length
    of the longest row, or exactly ``max_len`` when given: shorter rows are padded,
    longer rows keep their FIRST ``max_len`` tokens. ``ids`` has dtype int64 and holds
    ``pad_id`` in the padding; ``attention_mask`` has dtype bool and is True exactly on
    the real tokens (a real token may equal ``pad_id``). No rows -> shape (0, T);
    ``ValueError`` for max_len < 0.

    >>> ids, mask = pad_batch([[5, 6, 7], [8]], pad_id=0)
    >>> ids.tolist(), mask.tolist()
    ([[5, 6, 7], [8, 0, 0]], [[True, True, True], [True, False, False]])
    """
    raise NotImplementedError("pad_batch: run 'nox -s hint -- day35' if stuck")


def bucket_by_length(seqs, batch_size):
    """A list of batches (lists or tuples) of indices into ``seqs``, similar lengths together.

    Every index appears exactly once; there are ceil(len(seqs) / batch_size) batches,
    each of at most ``batch_size`` indices; the total padding (over batches, the sum of
    longest length - each length) must be no more than sorting by length, ascending,
    and chunking gives. ``ValueError`` for batch_size < 1; no seqs -> [].

    Lengths [5, 1, 4, 2], batch_size 2 -> [[1, 3], [2, 0]]: lengths [1, 2] and [4, 5],
    so 1 + 1 = 2 pad tokens (the batches [[0, 1], [2, 3]] would cost 4 + 2 = 6).
    """
    raise NotImplementedError("bucket_by_length: run 'nox -s hint -- day35' if stuck")


class MicroBatcher:
    """Collect single requests into batches for ``batch_fn``, served by one background thread.

    - ``submit(item)`` returns a ``concurrent.futures.Future`` at once (thread-safe: many
      threads may submit together).
    - The worker calls ``batch_fn(list_of_items) -> list_of_results`` as soon as
      ``max_batch_size`` items are waiting or the oldest waiting item has waited
      ``max_wait_s`` seconds. A batch takes ALL the waiting items, oldest first, up to
      ``max_batch_size``: a backlog of 10 with max_batch_size 3 goes out as 3 + 3 + 3 + 1.
    - Result i goes to the future of item i. If ``batch_fn`` raises, every future of that
      batch gets the exception it raised; if it returns a list of the wrong length, every
      future of the batch gets an exception (a ``ValueError``, say). Either way the worker
      keeps serving later batches.
    - ``close()`` serves everything still pending (without waiting for the timer), then
      stops the thread and waits for it; calling it twice is fine. ``submit`` after
      ``close`` raises ``RuntimeError``. ``with MicroBatcher(...) as mb:`` closes on exit.
    - ``ValueError`` for max_batch_size < 1 or max_wait_s < 0.

    >>> with MicroBatcher(lambda xs: [x * 2 for x in xs], 8, 0.01) as mb:
    ...     mb.submit(21).result(timeout=5)
    42
    """

    def __init__(self, batch_fn, max_batch_size, max_wait_s):
        self.batch_fn = batch_fn
        self.max_batch_size = max_batch_size
        self.max_wait_s = max_wait_s
        # Also: validate the settings, create your lock/condition and queue, start the thread.

    def submit(self, item):
        """Queue one item; return the ``Future`` of its result."""
        raise NotImplementedError("MicroBatcher.submit: run 'nox -s hint -- day35' if stuck")

    def close(self):
        """Serve what is pending, stop the worker thread and join it."""
        raise NotImplementedError("MicroBatcher.close: run 'nox -s hint -- day35' if stuck")

    def __enter__(self):
        raise NotImplementedError("MicroBatcher.__enter__: run 'nox -s hint -- day35' if stuck")

    def __exit__(self, *exc_info):
        raise NotImplementedError("MicroBatcher.__exit__: run 'nox -s hint -- day35' if stuck")
