"""Day 35 drivers: what the stream, MicroBatcher and LoRA tests observe in the attempt's process.

- Parsing a stream through references costs a round trip per chunk (the chunks'
  iterator stays in the judge), per event and per field read; the stream tests parse
  hundreds of cuts of a stream each. Here a whole list of cuts is parsed in one request,
  and the events come back as plain ``(event, data, id)`` tuples.
- Which thread runs ``batch_fn``, and which threads are left after ``close()``, are facts
  about the worker's threads: a ``batch_fn`` handed in from the judge would run on the
  judge's own request threads, and the judge's thread list never shows the attempt's.
- ``isinstance(future, concurrent.futures.Future)`` only means something where the
  Future lives (in the judge it is a reference named "Future").
- Eight threads submitting 320 items, and a ``batch_fn`` that records each batch, are
  one round trip per submit, per batch and per result read when the threads and the
  model are the judge's: here the whole scenario runs in the worker.
- The memory ``lora_forward`` allocates is measured by tracemalloc around the call in
  this process; in the judge it would measure the arrays' copies arriving instead.

Each function runs one scenario and returns what it observed (events, texts, times,
flags, thread names, and the attempt's own futures and results, which reach the judge as
plain data or references); the tests decide what is right.
"""

from __future__ import annotations

import contextlib
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any

from grader.drivers.calls import until_one_raises

Load = Callable[[str], Any]


@contextlib.contextmanager
def _running(batching: Any, batch_fn: Any, max_batch_size: int, max_wait_s: float) -> Iterator[Any]:
    """A batcher closed whatever happens; when the scenario itself failed, that failure is
    the one reported, not a second one from ``close()``."""
    batcher = batching.MicroBatcher(batch_fn, max_batch_size, max_wait_s)
    try:
        yield batcher
    except BaseException:
        with contextlib.suppress(Exception):
            batcher.close()
        raise
    batcher.close()


def _settle(futures: list[Any], timeout_s: float) -> None:
    """Wait until every future is done, at most ``timeout_s`` in all (the test then reads
    each one, and reports any still pending)."""
    deadline = time.monotonic() + timeout_s
    for future in futures:
        with contextlib.suppress(Exception):  # an error or a timeout: the test reads it
            future.exception(timeout=max(0.0, deadline - time.monotonic()))


def parse_sse(load: Load, chunkings: list[list[bytes]]) -> list[dict[str, Any]]:
    """``list(iter_sse(iter(chunks)))`` for each ``chunks`` in ``chunkings``, in order,
    stopping before the first that raises (raising its error if it is the first).

    Observed, for each: ``events`` (``(e.event, e.data, e.id)`` per event, when every one
    is an ``SSEEvent``) or ``strays`` (the first yielded object that is not one; the
    attempt's own, reaching the judge as plain data or a reference).
    """
    streaming = load("streaming")

    def parse(chunks: list[bytes]) -> dict[str, Any]:
        events = list(streaming.iter_sse(iter(chunks)))
        strays = [e for e in events if not isinstance(e, streaming.SSEEvent)][:1]
        if strays:
            return {"events": None, "strays": strays}
        return {"events": [(e.event, e.data, e.id) for e in events], "strays": []}

    return until_one_raises(parse, chunkings)


def text_of_sse(load: Load, chunkings: list[list[bytes]]) -> list[Any]:
    """``"".join(iter_text_deltas(iter_sse(iter(chunks))))`` for each ``chunks`` in
    ``chunkings``, in order, stopping before the first that raises (raising its error if
    it is the first)."""
    streaming = load("streaming")

    def text(chunks: list[bytes]) -> Any:
        return "".join(streaming.iter_text_deltas(streaming.iter_sse(iter(chunks))))

    return until_one_raises(text, chunkings)


def submit_while_the_model_is_busy(
    load: Load, n_items: int, busy_for_s: float, settle_s: float
) -> dict[str, Any]:
    """Submit ``0 .. n_items-1`` from this thread to ``MicroBatcher(model, 1, 0.0)`` while
    the model (``x -> x + 1``) is blocked, for at most ``busy_for_s``, until the submits
    have returned; then let the futures settle (``settle_s``) and close the batcher.

    Observed: ``took`` (seconds the submits took), ``is_future`` (each is a
    ``concurrent.futures.Future``), ``future_type``, ``futures`` (the attempt's own),
    ``model_threads`` (how many threads ran the model) and ``ran_on_submitter`` (whether
    one of them was the thread that called submit).
    """
    batching = load("batching")
    submitter = threading.current_thread()
    gate = threading.Event()
    model_threads: list[threading.Thread] = []

    def busy_model(items: list[Any]) -> list[Any]:
        gate.wait(timeout=busy_for_s)  # the model is busy until every submit returned
        model_threads.append(threading.current_thread())
        return [x + 1 for x in items]

    with _running(batching, busy_model, 1, 0.0) as batcher:  # every submit is a full batch
        try:
            started = time.monotonic()
            futures = [batcher.submit(i) for i in range(n_items)]
            took = time.monotonic() - started
        finally:
            gate.set()
        _settle(futures, settle_s)
    return {
        "took": took,
        "is_future": [isinstance(f, Future) for f in futures],
        "future_type": type(futures[0]).__name__ if futures else None,
        "futures": futures,
        "model_threads": len({id(t) for t in model_threads}),
        "ran_on_submitter": any(t is submitter for t in model_threads),
    }


def close_with_a_slow_model(
    load: Load, n_items: int, model_delay_s: float, max_batch_size: int, max_wait_s: float
) -> dict[str, Any]:
    """Submit ``0 .. n_items-1`` to ``MicroBatcher(model, max_batch_size, max_wait_s)`` with
    a slow model (``x -> 10 * x`` after ``model_delay_s``), then call ``close()`` at once.

    Observed: ``took`` (seconds ``close()`` took), ``done`` (each future's ``done()`` right
    after it returned), ``futures`` (the attempt's own) and ``threads_left`` (names of the
    threads started during the scenario and still alive after ``close()``).
    """
    batching = load("batching")
    before = set(threading.enumerate())

    def slow_model(items: list[Any]) -> list[Any]:
        time.sleep(model_delay_s)  # a close() that does not join returns before this ends
        return [10 * x for x in items]

    batcher = batching.MicroBatcher(slow_model, max_batch_size, max_wait_s)
    try:
        futures = [batcher.submit(i) for i in range(n_items)]
        started = time.monotonic()
        batcher.close()
        took = time.monotonic() - started
        done = [f.done() for f in futures]
    finally:
        with contextlib.suppress(Exception):
            batcher.close()
    left = [t.name for t in set(threading.enumerate()) - before if t.is_alive()]
    return {"took": took, "done": done, "futures": futures, "threads_left": left}


def submit_from_many_threads(
    load: Load,
    n_threads: int,
    per_thread: int,
    max_batch_size: int,
    max_wait_s: float,
    result_timeout_s: float,
) -> dict[str, Any]:
    """``n_threads`` threads, released together by a barrier, each submit ``(t, k)`` for
    ``k < per_thread`` to ``MicroBatcher(model, max_batch_size, max_wait_s)``, where the
    model records each batch and maps ``x -> ("done", x)``. Once they have joined (at most
    10 s each), and unless one of them raised, each future in submission order is given up
    to ``result_timeout_s`` for its result, until one has none; then the batcher is closed.

    Observed: ``errors`` (what ``submit`` raised in the threads), ``outcomes``
    (``[key, "result", value]`` for a future resolved with a result; the last may be
    ``[key, "pending", None]`` for one still not resolved, or ``[key, "other", future]``
    for anything else, an error or an object that is not a future, for the test to read
    itself) and ``batches`` (the items of every batch the model was called with, in order).
    """
    batching = load("batching")
    lock = threading.Lock()
    batches: list[list[Any]] = []

    def model(items: list[Any]) -> list[Any]:
        with lock:
            batches.append(list(items))
        return [("done", x) for x in items]

    futures: dict[tuple[int, int], Any] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(n_threads)

    def client(t: int, batcher: Any) -> None:
        try:
            start.wait(timeout=5)
            for k in range(per_thread):
                futures[(t, k)] = batcher.submit((t, k))
        except BaseException as exc:
            errors.append(exc)

    outcomes: list[list[Any]] = []
    batcher = batching.MicroBatcher(model, max_batch_size, max_wait_s)
    try:
        threads = [threading.Thread(target=client, args=(t, batcher)) for t in range(n_threads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        for key, future in [] if errors else list(futures.items()):
            try:
                outcomes.append([key, "result", future.result(timeout=result_timeout_s)])
            except TimeoutError:
                outcomes.append([key, "pending", None])
                break  # the test fails on this one: the later ones are not waited for
            except Exception:
                outcomes.append([key, "other", future])
                break
    except BaseException:
        with contextlib.suppress(Exception):
            batcher.close()
        raise
    if errors or (outcomes and outcomes[-1][1] != "result"):
        # the test fails on what was seen, not on a second error from close()
        with contextlib.suppress(Exception):
            batcher.close()
    else:
        batcher.close()
    return {"errors": errors, "outcomes": outcomes, "batches": batches}


def lora_forward_peak(load: Load, x: Any, W: Any, A: Any, B: Any, alpha: float) -> dict[str, Any]:
    """``lora_forward(x, W, A, B, alpha)`` once to warm up, then again under tracemalloc.

    Observed: ``peak_bytes`` (the most memory the second call's own allocations held at
    once) and ``result`` (what it returned).
    """
    lora = load("lora")
    lora.lora_forward(x, W, A, B, alpha)  # first-call imports and caches are not counted
    tracemalloc.start()
    try:
        result = lora.lora_forward(x, W, A, B, alpha)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {"peak_bytes": peak, "result": result}
