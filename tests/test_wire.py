"""What crosses between the judge and a worker (grader.wire) and how references behave
(grader.peer): plain data is rebuilt from base types only, everything else is a reference."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import numpy as np
import pytest

from grader import wire
from grader.peer import Peer, RemoteRef
from grader.proxy import start


def round_trip(value):
    """``value`` encoded and decoded; anything not plain comes back as ``("ref", value)``."""
    exported = []

    def export(obj):
        exported.append(obj)
        return {"id": len(exported) - 1}

    tree, buffers = wire.encode(value, export)
    return wire.decode(tree, buffers, lambda ref: ("ref", exported[ref["id"]]))


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        3,
        2.5,
        1 + 2j,
        "tokens ü",
        b"\x00\xff",
        [1, [2, (3, "x")]],
        (1, 2),
        {"a": [1.5, None], 2: "b"},
        {1, 2},
        frozenset({"a"}),
        Path("/tmp/x"),
    ],
)
def test_plain_values_cross_unchanged_with_their_types(value):
    back = round_trip(value)
    assert back == value and type(back) is type(value)


@pytest.mark.parametrize("dtype", ["bool", "int8", "int64", "uint16", "float32", "float64"])
def test_numeric_arrays_cross_with_shape_dtype_and_values(dtype):
    array = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    back = round_trip(array)
    assert type(back) is np.ndarray and back.dtype == array.dtype and back.shape == (3, 4)
    assert np.array_equal(back, array)
    assert round_trip(np.float32(1.5)) == np.float32(1.5)


def test_an_object_array_never_crosses():
    with pytest.raises(wire.WireError, match="only numeric or bool arrays"):
        round_trip(np.array([1, "a", None], dtype=object))


def test_lying_subclasses_arrive_as_their_honest_base_values():
    class Liar(float):
        def __eq__(self, other):
            return True

    class LyingList(list):
        def __eq__(self, other):
            return True

    class LyingArray(np.ndarray):
        def __eq__(self, other):
            return True

    number, items = round_trip(Liar(0.0)), round_trip(LyingList([1]))
    assert type(number) is float and number != 0.75
    assert type(items) is list and items != [2]
    array = round_trip(np.zeros(3).view(LyingArray))
    assert type(array) is np.ndarray and not np.array_equal(array, np.ones(3))


def test_an_object_with_array_and_eq_hooks_is_a_reference_not_a_value():
    class Pretender:
        def __array__(self, dtype=None, copy=None):
            return np.ones(3)

        def __eq__(self, other):
            return True

    pretender = Pretender()
    assert round_trip(pretender) == ("ref", pretender)


def test_a_message_too_deep_or_too_large_is_refused_not_followed():
    deep: list = []
    for _ in range(wire.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(wire.WireError):
        wire.encode(deep, lambda obj: {"id": 0})
    ours, theirs = socket.socketpair()
    ours.sendall((wire.MAX_HEADER + 1).to_bytes(4, "big"))
    with pytest.raises(wire.WireError):
        wire.receive(theirs)


@pytest.fixture
def reference_metrics():
    """Day 31's reference metrics module, in a worker of its own."""
    from grader.catalog import SOLUTIONS_ROOT

    worker = start("reference", SOLUTIONS_ROOT / "day31", "solutions/day31")
    yield worker, worker.module("metrics")
    worker.close()


def count_requests(peer: Peer) -> list[str]:
    seen: list[str] = []
    original = peer.request

    def counting(op, *values, **fields):
        seen.append(op)
        return original(op, *values, **fields)

    peer.request = counting  # type: ignore[method-assign]
    return seen


def test_a_modules_function_is_looked_up_once_and_forgotten_when_rebound(reference_metrics):
    worker, metrics = reference_metrics
    seen = count_requests(worker.peer)
    first, second = metrics.precision, metrics.precision
    assert first is second and isinstance(first, RemoteRef)
    assert first([0, 1, 1], [0, 1, 0]) == 1.0
    assert seen == ["getattr", "call"], "one lookup, then calls only"
    metrics.precision = metrics.recall  # a test that swaps a function forgets the old one
    assert metrics.precision is metrics.recall
    assert metrics.precision([0, 1, 1], [0, 1, 0]) == 0.5


def test_module_data_is_read_afresh_every_time(reference_metrics):
    worker, metrics = reference_metrics
    seen = count_requests(worker.peer)
    metrics.SOME_DATA = [1]
    assert metrics.SOME_DATA == [1] and metrics.SOME_DATA == [1]
    assert seen.count("getattr") == 2, "plain values are never cached"


def test_one_reference_per_remote_object_across_threads(reference_metrics):
    _, metrics = reference_metrics
    found: list = []
    threads = [threading.Thread(target=lambda: found.append(metrics.recall)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(f) for f in found}) == 1
