"""The event channel: what the grader believes of the lines a test process writes."""

from __future__ import annotations

import json
import os

import pytest

from grader.events import (
    DETAIL_LIMIT,
    MAX_EVENT_BYTES,
    MESSAGE_LIMIT,
    EventCheck,
    EventReader,
    encode,
    truncate,
)

A, B = "day31/test_a.py::test_one", "day31/test_a.py::test_two"


def line(**event) -> bytes:
    return json.dumps(event).encode()


def end(nodeid: str = A, **fields) -> bytes:
    event = {
        "event": "end",
        "nodeid": nodeid,
        "outcome": "passed",
        "duration": 0.1,
        "message": "",
        "detail": "",
        "hint": "",
        "seed": None,
    }
    return line(**{**event, **fields})


def started(check: EventCheck, nodeid: str = A) -> EventCheck:
    assert check.check(line(event="start", nodeid=nodeid, t=1.0)) == {
        "event": "start",
        "nodeid": nodeid,
    }
    return check


def test_an_honest_test_starts_and_ends_with_only_the_known_fields():
    check = started(EventCheck({A, B}))
    event = check.check(end(message="m", extra="dropped", seed=7))
    assert event == {
        "event": "end",
        "nodeid": A,
        "outcome": "passed",
        "duration": 0.1,
        "message": "m",
        "detail": "",
        "hint": "",
        "load_error": "",
        "seed": 7,
    }
    assert check.invalid == 0


@pytest.mark.parametrize(
    "raw",
    [
        b"not json at all",
        b"\xff\xfe garbage bytes",
        b"[1, 2, 3]",
        b'"a string"',
        line(event="explode"),
        line(nodeid=A, outcome="passed"),  # no kind
        line(event="start", nodeid="day31/test_a.py::test_not_in_the_manifest"),
        line(event="start", nodeid=["not", "a", "string"]),
        line(event="import_start", role="judge", stem="metrics"),
        line(event="import_start", role=["attempt"], stem="metrics"),
        line(event="import_start", role="attempt", stem="../../etc/passwd"),
        end(),  # nothing is running
    ],
    ids=[
        "text",
        "bytes",
        "list",
        "string",
        "unknown kind",
        "no kind",
        "unknown test",
        "list node id",
        "unknown role",
        "list role",
        "path as stem",
        "end with nothing running",
    ],
)
def test_garbage_is_counted_and_ignored(raw):
    check = EventCheck({A, B})
    assert check.check(raw) is None
    assert check.invalid == 1


def test_only_the_running_test_can_end_and_its_first_end_is_final():
    check = started(EventCheck({A, B}))
    assert check.check(end(B)) is None, "B is not running"
    assert check.check(end(A, outcome="failed"))["outcome"] == "failed"
    assert check.check(end(A, outcome="passed")) is None, "a second end cannot overturn the first"
    assert check.check(line(event="start", nodeid=A)) is None, "a test runs once per child"
    assert check.invalid == 3


def test_a_start_while_another_test_runs_is_ignored():
    check = started(EventCheck({A, B}))
    assert check.check(line(event="start", nodeid=B)) is None
    assert check.running == A


@pytest.mark.parametrize(
    "fields",
    [
        {"outcome": "PASSED"},
        {"outcome": "timeout"},  # the grader's word, never the child's
        {"outcome": None},
        {"outcome": {"passed": True}},
        {"duration": float("nan")},
        {"duration": -1},
        {"duration": True},
        {"duration": "0.1"},
        {"seed": True},
        {"seed": 2**70},
        {"message": 42},
        {"detail": ["x"]},
    ],
    ids=lambda fields: "-".join(f"{k}={v!r}" for k, v in fields.items()),
)
def test_an_unreadable_end_of_the_running_test_ends_it_as_an_error(fields):
    event = started(EventCheck({A})).check(end(**fields))
    assert event["nodeid"] == A and event["outcome"] == "error"
    assert "unreadable result" in event["message"]


def test_texts_are_cut_to_the_plugins_limits():
    check = started(EventCheck({A}))
    event = check.check(
        end(outcome="failed", message="m" * 50_000, detail="d" * 50_000, hint="h" * 50_000)
    )
    assert event["message"] == truncate("m" * 50_000, MESSAGE_LIMIT)
    assert event["detail"] == truncate("d" * 50_000, DETAIL_LIMIT)
    assert len(event["hint"]) < MESSAGE_LIMIT + 64


def test_a_text_the_plugin_already_cut_is_kept_whole():
    message = truncate("x" * 10_000, MESSAGE_LIMIT)
    event = started(EventCheck({A})).check(end(outcome="failed", message=message))
    assert event["message"] == message and "9400 more characters" in message


def test_encode_keeps_every_line_within_the_limit_and_honest_texts_whole():
    honest = {
        "event": "end",
        "nodeid": A,
        "message": truncate("é" * 5000, MESSAGE_LIMIT),
        "detail": truncate("\x1b" * 9000, DETAIL_LIMIT),
        "hint": "h",
    }
    assert json.loads(encode(honest)) == honest
    huge = {**honest, "message": "\x00" * 100_000, "detail": "🙂" * 100_000}
    encoded = encode(huge)
    assert len(encoded) <= MAX_EVENT_BYTES and encoded.endswith(b"\n")
    assert json.loads(encoded)["nodeid"] == A


def test_a_lone_surrogate_cannot_break_the_line():
    decoded = json.loads(encode({"event": "end", "message": "bad \udc80 text"}))
    assert decoded["message"].startswith("bad ")


# --------------------------------------------------------------------------- the reader


@pytest.fixture
def pipe():
    read_end, write_end = os.pipe()
    yield read_end, write_end
    for fd in (read_end, write_end):
        try:
            os.close(fd)
        except OSError:
            pass


def test_the_reader_never_blocks_and_joins_lines_split_across_writes(pipe):
    read_end, write_end = pipe
    reader = EventReader(read_end, EventCheck({A}))
    assert reader.read() == [], "nothing written yet: returns at once"
    start = line(event="start", nodeid=A) + b"\n"
    os.write(write_end, start[:10])
    assert reader.read() == []
    os.write(write_end, start[10:])
    assert reader.read() == [{"event": "start", "nodeid": A}]
    os.close(write_end)
    assert reader.read() == [] and reader.closed


def test_an_overlong_line_is_dropped_unbuffered_and_the_next_line_still_counts(pipe):
    read_end, write_end = pipe
    check = EventCheck({A})
    reader = EventReader(read_end, check)
    os.write(write_end, b"{" + b"x" * 60_000)
    reader.read()
    os.write(write_end, b"y" * 60_000)
    reader.read()
    assert len(reader._pending) == 0, "an overlong line is never held in memory whole"
    os.write(write_end, b"z\n" + line(event="start", nodeid=A) + b"\n")
    assert reader.read() == [{"event": "start", "nodeid": A}]
    assert check.invalid == 1


def test_past_the_byte_cap_the_reader_stops_and_says_flooded(pipe):
    read_end, write_end = pipe
    reader = EventReader(read_end, EventCheck({A}), limit=1000)
    os.write(write_end, line(event="start", nodeid=A) + b"\n" + b"x" * 5000)
    assert reader.read() == [{"event": "start", "nodeid": A}], "what came first still counts"
    assert reader.flooded and reader.bytes_read > 1000
    os.write(write_end, end() + b"\n")
    assert reader.read() == [], "nothing is read once flooded"
