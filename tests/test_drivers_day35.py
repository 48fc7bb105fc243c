"""Day 35's drivers (grader/drivers/day35.py): the stream drivers stop before the first
input the attempt raises on (raising only when it is the first), and the many-threads
MicroBatcher driver says which future it stopped at and why.

The drivers run here, in this process, with a ``load`` that returns small stand-ins.
"""

from __future__ import annotations

from concurrent.futures import Future
from types import SimpleNamespace

import pytest

from grader.catalog import SOLUTIONS_ROOT
from grader.drivers import day35
from grader.loading import load_module


def stand_in(**names):
    return lambda stem: SimpleNamespace(**names)


def reference(stem):
    path = SOLUTIONS_ROOT / "day35" / f"{stem}.py"
    return load_module(path, f"driver_test_{stem}", f"{stem}.py")


def test_parse_sse_reads_the_fields_of_each_event_and_stops_before_a_later_failure():
    streaming = reference("streaming")

    def iter_sse(chunks):
        chunks = list(chunks)
        if chunks == [b"boom"]:
            raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")
        return streaming.iter_sse(chunks)

    load = stand_in(iter_sse=iter_sse, SSEEvent=streaming.SSEEvent)
    got = day35.parse_sse(load, [[b"id: 1\n", b"data: a\n\n"], [b"boom"], [b"data: b\n\n"]])
    assert got == [{"events": [("message", "a", "1")], "strays": []}]
    with pytest.raises(UnicodeDecodeError):  # alone (first in its list), it raises
        day35.parse_sse(load, [[b"boom"]])


def test_parse_sse_hands_back_the_first_object_that_is_not_an_sse_event():
    streaming = reference("streaming")
    load = stand_in(
        iter_sse=lambda chunks: iter([streaming.SSEEvent(), ("t", "d", None)]),
        SSEEvent=streaming.SSEEvent,
    )
    assert day35.parse_sse(load, [[b""]]) == [{"events": None, "strays": [("t", "d", None)]}]


def test_text_of_sse_joins_the_deltas_of_the_reference():
    body = '{"choices": [{"delta": {"content": "hé"}}]}'
    stream = f"data: {body}\r\n\r\ndata: [DONE]\r\n\r\n".encode()
    cut = [stream[:7], stream[7:28], stream[28:]]
    assert day35.text_of_sse(reference, [[stream], cut]) == ["hé", "hé"]


def batcher_class(served_up_to):
    """A MicroBatcher stand-in that resolves the first ``served_up_to`` submits at once,
    fails the next one and leaves the rest pending."""

    class Batcher:
        def __init__(self, batch_fn, max_batch_size, max_wait_s):
            self.batch_fn, self.count = batch_fn, 0

        def submit(self, item):
            self.count += 1
            future = Future()
            if self.count <= served_up_to:
                future.set_result(self.batch_fn([item])[0])
            elif self.count == served_up_to + 1:
                future.set_exception(KeyError(item))
            return future

        def close(self):
            raise RuntimeError("close() failed")  # reported only when all went well

    return Batcher


def test_many_threads_stops_at_the_first_future_without_a_result():
    load = stand_in(MicroBatcher=batcher_class(served_up_to=3))
    seen = day35.submit_from_many_threads(load, 1, 5, 5, 0.0, result_timeout_s=0.05)
    assert seen["errors"] == []
    outcomes = seen["outcomes"]
    assert [o[:2] for o in outcomes] == [[(0, k), "result"] for k in range(3)] + [[(0, 3), "other"]]
    assert [o[2] for o in outcomes[:3]] == [("done", (0, k)) for k in range(3)]
    assert isinstance(outcomes[3][2].exception(), KeyError)
    assert seen["batches"] == [[(0, 0)], [(0, 1)], [(0, 2)]]


def test_many_threads_reports_a_pending_future_and_a_failing_close_when_all_went_well():
    load = stand_in(MicroBatcher=batcher_class(served_up_to=10))
    with pytest.raises(RuntimeError, match="close"):
        day35.submit_from_many_threads(load, 2, 3, 5, 0.0, result_timeout_s=0.05)
    load = stand_in(MicroBatcher=batcher_class(served_up_to=-1))  # none resolved
    seen = day35.submit_from_many_threads(load, 1, 2, 5, 0.0, result_timeout_s=0.05)
    assert seen["outcomes"] == [[(0, 0), "pending", None]]
