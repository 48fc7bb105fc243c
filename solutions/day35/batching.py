"""Batching for training and for inference: chunk a stream, pad a batch, bucket by
length, and a dynamic micro-batcher that serves single requests in groups.

Training wants big, dense batches (throughput); serving wants each request back
fast (latency). The tools here sit between the two:

- ``batched``: lazy chunks of an iterator (the stdlib's ``itertools.batched``, 3.12+);
- ``pad_batch``: ragged token lists -> a rectangular ``ids`` array and a mask;
- ``bucket_by_length``: group similar lengths so padding wastes little compute;
- ``MicroBatcher``: callers submit one item each and get a ``Future``; a background
  thread runs the model on up to ``max_batch_size`` items at a time, waiting at most
  ``max_wait_s`` for a batch to fill (the idea behind dynamic batching in servers
  such as Triton or TorchServe).

Left out: shuffling batches between epochs, left padding (decoder-only generation
often wants it), token-budget batches, priorities, back-pressure (a bounded queue
that makes ``submit`` wait), and continuous batching at the token level.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from concurrent.futures import Future
from itertools import islice

import numpy as np

# --------------------------------------------------------------------------- training side


def batched(iterable, n):
    """Lazy tuples of ``n`` items; the last one may be shorter (never an empty tuple).

    >>> list(batched("abcde", 2))
    [('a', 'b'), ('c', 'd'), ('e',)]

    Must work on an infinite iterator such as ``itertools.count()``: never read more
    items than the batches asked for so far. ``ValueError`` for n < 1 (at call time,
    like ``itertools.batched``; raising on the first ``next()`` is accepted too).
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n!r}")
    # subtle: the check sits outside the generator; inside it, the error would only
    # appear on the first next(), far from the bad call.
    return _batches(iter(iterable), n)


def _batches(it, n):
    while batch := tuple(islice(it, n)):  # islice reads at most n items
        yield batch


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
    rows = [np.asarray(s, dtype=np.int64).reshape(-1) for s in seqs]
    if max_len is not None and max_len < 0:
        raise ValueError(f"max_len must be >= 0 or None, got {max_len!r}")
    T = max((len(r) for r in rows), default=0) if max_len is None else max_len
    ids = np.full((len(rows), T), pad_id, dtype=np.int64)  # (B, T)
    mask = np.zeros((len(rows), T), dtype=bool)  # (B, T)
    for i, row in enumerate(rows):
        row = row[:T]  # truncation keeps the first tokens
        ids[i, : len(row)] = row
        # subtle: the mask comes from the lengths, never from ids != pad_id: a real
        # token may have the same id as the padding.
        mask[i, : len(row)] = True
    return ids, mask


def bucket_by_length(seqs, batch_size):
    """A list of batches (lists or tuples) of indices into ``seqs``, similar lengths together.

    Every index appears exactly once; there are ceil(len(seqs) / batch_size) batches,
    each of at most ``batch_size`` indices; the total padding (over batches, the sum of
    longest length - each length) must be no more than sorting by length, ascending,
    and chunking gives. ``ValueError`` for batch_size < 1; no seqs -> [].

    Lengths [5, 1, 4, 2], batch_size 2 -> [[1, 3], [2, 0]]: lengths [1, 2] and [4, 5],
    so 1 + 1 = 2 pad tokens (the batches [[0, 1], [2, 3]] would cost 4 + 2 = 6).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size!r}")
    # subtle: ascending, so the one short batch holds the longest rows; sorted
    # descending, the short batch holds the shortest rows and a long row may
    # share a batch with a much shorter one.
    order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))  # stable on ties
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]


# --------------------------------------------------------------------------- serving side


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
        if max_batch_size < 1:
            raise ValueError(f"max_batch_size must be at least 1, got {max_batch_size!r}")
        if max_wait_s < 0:
            raise ValueError(f"max_wait_s must be >= 0, got {max_wait_s!r}")
        self.batch_fn = batch_fn
        self.max_batch_size = max_batch_size
        self.max_wait_s = max_wait_s
        self._cond = threading.Condition()  # guards everything below
        self._pending = deque()  # (item, future, time it arrived), oldest first
        self._closed = False
        self._worker = threading.Thread(target=self._run, name="MicroBatcher", daemon=True)
        self._worker.start()

    def submit(self, item):
        """Queue one item; return the ``Future`` of its result."""
        future = Future()
        with self._cond:
            if self._closed:
                raise RuntimeError("submit() on a closed MicroBatcher")
            self._pending.append((item, future, time.monotonic()))
            self._cond.notify()  # the worker recomputes its deadline or sees a full batch
        return future

    def close(self):
        """Serve what is pending, stop the worker thread and join it."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        # subtle: a batch_fn that calls close() runs on the worker, which cannot join itself.
        if threading.current_thread() is not self._worker:
            self._worker.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # ----------------------------------------------------------------- the worker

    def _next_batch(self):
        """Block until a batch is due; ``None`` once closed and drained."""
        with self._cond:
            while True:
                if self._pending:
                    if self._closed or len(self._pending) >= self.max_batch_size:
                        break
                    # subtle: the deadline belongs to the OLDEST item; measuring from the
                    # newest would let a steady trickle of requests starve the first one.
                    remaining = self._pending[0][2] + self.max_wait_s - time.monotonic()
                    if remaining <= 0:
                        break
                    self._cond.wait(remaining)  # may wake early: the loop re-checks
                elif self._closed:
                    return None
                else:
                    self._cond.wait()
            size = min(self.max_batch_size, len(self._pending))
            return [self._pending.popleft() for _ in range(size)]

    def _run(self):
        while (batch := self._next_batch()) is not None:
            self._serve(batch)

    def _serve(self, batch):
        # A future the caller cancelled is dropped; the others can no longer be cancelled.
        live = [(item, f) for item, f, _ in batch if f.set_running_or_notify_cancel()]
        if not live:
            return
        items = [item for item, _ in live]
        try:
            results = list(self.batch_fn(items))
            if len(results) != len(items):
                raise ValueError(f"batch_fn returned {len(results)} results for {len(items)} items")
        except Exception as exc:  # subtle: the worker must survive a failing batch
            for _, future in live:
                future.set_exception(exc)
            return
        for (_, future), result in zip(live, results):
            future.set_result(result)
