"""Hidden tests for exercises/day35/streaming.py.

Streams are cut at every byte position and at random ones, and the parse must not
change. The random streams are generated together with the events they encode,
so the expected events are known independently of any parser.
"""

from __future__ import annotations

import itertools
import json
import re

import pytest

from grader.testing import assert_close, attempt_module, reference_module

m = attempt_module("streaming")
ref = reference_module("streaming")

# A hand-worked stream with CRLF endings, multi-byte characters and the traps:
HAND_STREAM = (
    b": keep-alive comment\r\n"
    b"event: greeting\r\n"
    b"id: 7\r\n"
    b"data: h\xc3\xa9llo\r\n"  # "héllo": 2-byte character
    b"data:  two spaces\r\n"  # one space is dropped, the second one stays
    b"\r\n"  # dispatch 1
    b'data:{"t": "\xf0\x9f\x91\x8b"}\r\n'  # "👋": 4 bytes; no space after the colon
    b"\r\n"  # dispatch 2: type back to "message", id still "7"
    b"event: lost\r\n"
    b"\r\n"  # no data line: nothing is dispatched
    b"data: \xe4\xb8\x96\r"  # "世" (3 bytes), a lone CR ends the line
    b"\r"  # dispatch 3
    b"data: no blank line follows\n"  # unfinished when the stream ends: dropped
)
HAND_EVENTS = [
    ("greeting", "héllo\n two spaces", "7"),
    ("message", '{"t": "👋"}', "7"),
    ("message", "世", "7"),
]


def driven(worker, function, chunkings):
    """What the day-35 driver ``function`` observes for each ``chunks`` in ``chunkings``, in
    order, run beside the module in its ``worker`` (the attempt's or the reference's; the
    test asks for the module first, so one that does not import fails there).

    All the chunkings go in one request, instead of one round trip per chunk, per event
    and per field read. The driver stops before a chunking the module raises on (or
    raises its error when it is the first); that one runs again on its own when the loop
    here reaches it, so the error is raised where the test reads its result, after the
    earlier ones were checked.
    """
    chunkings = list(chunkings)
    seen = worker.drive("day35", function, chunkings)
    for k, chunks in enumerate(chunkings):
        if k == len(seen):  # it raised on these chunks: alone, they raise here
            seen += worker.drive("day35", function, [chunks])
        yield seen[k]


def parses(worker, chunkings):
    """``[(event, data, id), ...]`` from iter_sse for each ``chunks`` in ``chunkings``, in
    order, checking the record type (see ``driven``)."""
    for parsed in driven(worker, "parse_sse", chunkings):
        strays = parsed["strays"]
        assert not strays, f"iter_sse should yield SSEEvent, got {strays[0]!r}"
        yield parsed["events"]


def parse(worker, chunks):
    """``[(event, data, id), ...]`` from iter_sse for one list of chunks (see ``parses``)."""
    return next(parses(worker, [chunks]))


def split_at(data, cuts):
    cuts = [0, *sorted(cuts), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(cuts)]


# ---------------------------------------------------------------- iter_sse


@pytest.mark.grade(
    points=3,
    hint="Walk the hand stream line by line: which lines dispatch an event?",
    task="iter_sse",
)
def test_iter_sse_parses_a_hand_worked_stream(m, attempt_worker):
    assert parse(attempt_worker, [HAND_STREAM]) == HAND_EVENTS


@pytest.mark.grade(
    points=1,
    hint="Which field rule does this stream test, and does your parser follow it exactly?",
    task="iter_sse",
)
@pytest.mark.parametrize(
    "stream, expected",
    [
        # exactly one space after the colon is dropped
        (b"data:x\n\ndata: x\n\ndata:  x\n\n", [("message", v, None) for v in ("x", "x", " x")]),
        # a line with no colon is a field with an empty value; "data:" alone is data ""
        (b"data\n\ndata:\n\n", [("message", "", None), ("message", "", None)]),
        # data lines join with "\n", empty ones included
        (b"data: a\ndata:\ndata: b\n\n", [("message", "a\n\nb", None)]),
        # the event type applies to one event only
        (b"event: a\ndata: 1\n\ndata: 2\n\n", [("a", "1", None), ("message", "2", None)]),
        # an empty event type ("event:" or "event") means "message"
        (
            b"event:\ndata: 1\n\nevent\ndata: 2\n\n",
            [("message", "1", None), ("message", "2", None)],
        ),
        # the docstring's example
        (
            b"event: add\ndata: 1\ndata:2\n\n: ping\ndata:  x\n\n",
            [("add", "1\n2", None), ("message", " x", None)],
        ),
        # the id persists; an id with NUL is ignored; "id" alone sets it to ""
        (
            b"id: 1\ndata: a\n\ndata: b\n\nid: 2\x00\ndata: c\n\nid\ndata: d\n\n",
            [
                ("message", "a", "1"),
                ("message", "b", "1"),
                ("message", "c", "1"),
                ("message", "d", ""),
            ],
        ),
        # field names are case-sensitive; retry and unknown fields are ignored
        (b"Data: no\nretry: 10\nfoo: bar\ndata: yes\n\n", [("message", "yes", None)]),
        # comments, including a bare ":"
        (b": hi\n:\ndata: x\n: between\n\n", [("message", "x", None)]),
        # an event with no data line is not dispatched, and its type does not leak
        (b"event: ghost\n\ndata: real\n\n", [("message", "real", None)]),
        # at the end of the stream an unfinished event is dropped
        (b"data: a\n\ndata: b\n", [("message", "a", None)]),
        # one leading UTF-8 byte-order mark is ignored
        (b"\xef\xbb\xbfdata: a\n\n", [("message", "a", None)]),
    ],
    ids=[
        "one-space",
        "no-colon",
        "multi-line",
        "type-resets",
        "empty-type-is-message",
        "docstring-example",
        "id-persists",
        "unknown-fields",
        "comments",
        "no-data-no-event",
        "eof-drops-unfinished",
        "bom",
    ],
)
def test_iter_sse_follows_the_field_rules(m, attempt_worker, stream, expected):
    got = parse(attempt_worker, [stream])
    assert got == expected, f"for {stream!r}: got {got}, expected {expected}"


@pytest.mark.grade(points=1, hint="Which three byte sequences end a line?", task="iter_sse")
@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"], ids=["LF", "CRLF", "CR"])
def test_iter_sse_accepts_every_line_ending(m, attempt_worker, eol):
    lines = [b"event: e", b"data: 1", b"data: 2", b"", b"data: 3", b""]
    stream = b"".join(line + eol for line in lines)
    got = parse(attempt_worker, [stream])
    assert got == [("e", "1\n2", None), ("message", "3", None)], f"with {eol!r} endings: {got}"


@pytest.mark.grade(
    points=1,
    hint="Which byte-order mark is ignored: one at the start of the stream, or of every chunk?",
    task="iter_sse",
)
@pytest.mark.parametrize(
    "chunks, expected",
    [
        # the leading BOM cut in two: it is still the leading BOM
        ([b"\xef", b"\xbb\xbfdata: a\n\n"], [("message", "a", None)]),
        # a second BOM is not leading: it is part of the field name "\ufeffdata", ignored
        ([b"\xef\xbb\xbf\xef\xbb\xbfdata: a\n\ndata: b\n\n"], [("message", "b", None)]),
        # a BOM at the start of a later chunk is not at the start of the stream
        (
            [b"data: a\n\n", b"\xef\xbb\xbfdata: b\n\ndata: c\n\n"],
            [("message", "a", None), ("message", "c", None)],
        ),
    ],
    ids=["split-bom", "second-bom-kept", "bom-in-a-later-chunk-kept"],
)
def test_iter_sse_ignores_only_the_one_bom_that_starts_the_stream(
    m, attempt_worker, chunks, expected
):
    got = parse(attempt_worker, chunks)
    assert got == expected, f"for chunks {chunks!r}: got {got}, expected {expected}"


@pytest.mark.grade(
    points=3,
    hint="A chunk may end inside a UTF-8 character or a line: what state must survive it?",
    task="iter_sse",
)
def test_iter_sse_gives_the_same_events_when_split_at_every_byte_position(m, attempt_worker):
    splits = [[HAND_STREAM[:i], HAND_STREAM[i:]] for i in range(len(HAND_STREAM) + 1)]
    one_byte = [HAND_STREAM[i : i + 1] for i in range(len(HAND_STREAM))]
    got_all = parses(attempt_worker, [*splits, one_byte])
    for i, got in zip(range(len(splits)), got_all, strict=False):
        assert got == HAND_EVENTS, (
            f"split at byte {i} ({HAND_STREAM[max(0, i - 8) : i]!r} | …): {got}"
        )
    assert next(got_all) == HAND_EVENTS, "one byte per chunk gives different events"


@pytest.mark.grade(
    points=2,
    hint="When a chunk ends with \\r, is the \\n that starts the next chunk a new (blank) line?",
    task="iter_sse",
)
def test_iter_sse_keeps_a_crlf_split_across_chunks_as_one_line_ending(m, attempt_worker):
    # "data: a\r" | "\ndata: b\r" | "\n\r" | "\n": two data lines, then ONE blank line
    chunks = [b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]
    got = parse(attempt_worker, chunks)
    assert got == [("message", "a\nb", None)], (
        f"got {got}: a \\r\\n split across chunks was read as two line endings"
    )


@pytest.mark.grade(
    points=2, hint="Is an event yielded as soon as its blank line arrives?", task="iter_sse"
)
@pytest.mark.parametrize(
    "chunks, pulls",
    [
        ([b"data: 1\n", b"\n", b"data: 2\n\n"], 2),  # the blank line is in chunk 2
        ([b"data: 1\r\r", b"data: 2\r\r"], 1),  # a final \r needs no look-ahead to dispatch
    ],
    ids=["LF", "CR"],
)
def test_iter_sse_yields_each_event_before_reading_the_next_chunk(m, chunks, pulls):
    pulled = []

    def network():
        for chunk in chunks:
            pulled.append(chunk)
            yield chunk

    events = m.iter_sse(network())
    first = next(events)
    assert first.data == "1", f"first event: {first!r}"
    why = (
        " (a final \\r already ends the line: waiting to see whether \\n follows holds the "
        "event back)"
        if chunks[0].endswith(b"\r")
        else ""
    )
    assert len(pulled) == pulls, (
        f"the first event needed {pulls} chunk(s) but iter_sse read {len(pulled)}: a live "
        f"stream would hold it back until the server sends more{why}"
    )


EOLS = ["\n", "\r\n", "\r"]
ALPHABET = [*'ab :xy{}"é世', "👋", "data", "id"]


def random_stream(rng):
    """A random SSE stream and the events it encodes, built together."""
    lines, expected, last_id, prev_eol = [], [], None, "\n"

    def add(line, blank=False):
        nonlocal prev_eol
        # subtle: "\r" then a blank line ending in "\n" would read as one "\r\n"
        choices = ["\r\n", "\r"] if blank and prev_eol == "\r" else EOLS
        prev_eol = choices[int(rng.integers(len(choices)))]
        lines.append(line + prev_eol)

    for _ in range(int(rng.integers(1, 7))):
        event_type, data = None, []
        if rng.random() < 0.3:
            add(": comment " + "".join(rng.choice(ALPHABET, size=3)))
        if rng.random() < 0.4:
            event_type = "t" + str(int(rng.integers(100)))
            add("event: " + event_type)
        if rng.random() < 0.3:
            last_id = str(int(rng.integers(1000)))
            add("id: " + last_id)
        for _ in range(int(rng.integers(0, 4))):  # 0 data lines: nothing is dispatched
            value = "".join(rng.choice(ALPHABET, size=int(rng.integers(0, 6))))
            data.append(value)
            add(
                (
                    "data:"
                    if value and not value.startswith(" ") and rng.random() < 0.5
                    else "data: "
                )
                + value
            )  #
        add("", blank=True)
        if data:
            expected.append((event_type or "message", "\n".join(data), last_id))
    if rng.random() < 0.5:
        lines.append("data: unfinished")  # no line ending, no blank line: dropped
    return "".join(lines).encode("utf-8"), expected


@pytest.mark.grade(
    points=2,
    hint="Does your parser give the same events for any cuts, empty chunks included?",
    task="iter_sse",
)
def test_iter_sse_agrees_with_the_encoded_events_under_random_splits(
    m, ref, attempt_worker, reference_worker, rng
):
    cases = []
    for _ in range(40):
        stream, expected = random_stream(rng)
        cuts = rng.integers(0, len(stream) + 1, size=int(rng.integers(0, 12))).tolist()
        cases.append((stream, expected, split_at(stream, cuts)))  # repeated cuts: empty chunks
    chunkings = [chunks for _, _, chunks in cases]
    got_all = parses(attempt_worker, chunkings)
    ref_all = parses(reference_worker, chunkings)
    for (stream, expected, chunks), got in zip(cases, got_all, strict=False):
        assert got == expected, f"stream {stream!r} cut into {chunks!r}: got {got}"
        assert got == next(ref_all)


# ---------------------------------------------------------------- iter_text_deltas


def chunk_json(delta=None, choices=True, **extra):
    """An OpenAI-style chat.completion.chunk as JSON text."""
    body = {"id": "c1", "object": "chat.completion.chunk", **extra}
    body["choices"] = [{"index": 0, "delta": delta or {}, "finish_reason": None}] if choices else []
    return json.dumps(body, ensure_ascii=False)


def events_of(m, *datas):
    return [m.SSEEvent(data=d) for d in datas]


@pytest.mark.grade(
    points=2,
    hint="Where in each chunk is the text, and which event ends the stream?",
    task="iter_text_deltas",
)
def test_iter_text_deltas_yields_the_content_pieces(m):
    datas = [
        chunk_json({"role": "assistant", "content": ""}),  # role-only first delta
        chunk_json({"content": "Hel"}),
        chunk_json({"content": "lo"}),
        chunk_json({}, finish_reason="stop"),  # the finish chunk has an empty delta
        "[DONE]",
    ]
    got = list(m.iter_text_deltas(events_of(m, *datas)))
    assert got == ["Hel", "lo"], f"got {got!r}"


@pytest.mark.grade(
    points=1,
    hint="Does every chunk carry choices[0].delta.content? What if choices is empty?",
    task="iter_text_deltas",
)
@pytest.mark.parametrize(
    "data",
    [
        chunk_json({"role": "assistant"}),  # the first delta carries only the role
        chunk_json({"content": None}),  # an explicit null
        chunk_json({"content": ""}),  # an empty piece is not a piece
        chunk_json({}),  # the finish chunk
        chunk_json(choices=False, usage={"prompt_tokens": 5, "total_tokens": 9}),  # usage chunk
    ],
    ids=["role-only", "null-content", "empty-content", "empty-delta", "usage-no-choices"],
)
def test_iter_text_deltas_skips_chunks_without_content(m, data):
    events = events_of(m, data, chunk_json({"content": "x"}), "[DONE]")
    got = list(m.iter_text_deltas(events))
    assert got == ["x"], f"a chunk {data} should yield nothing; got {got!r}"


@pytest.mark.grade(
    points=1,
    hint="Do you collect every piece before yielding the first one?",
    task="iter_text_deltas",
)
def test_iter_text_deltas_yields_each_piece_before_reading_the_next_event(m):
    read = []

    def events():
        for e in events_of(m, chunk_json({"content": "a"}), chunk_json({"content": "b"}), "[DONE]"):
            read.append(e.data)
            yield e

    deltas = m.iter_text_deltas(events())
    assert next(deltas) == "a"
    assert len(read) == 1, (
        f"to yield the first piece iter_text_deltas read {len(read)} events, not 1: a live "
        "stream would show no text until the answer is complete"
    )
    assert list(deltas) == ["b"]


@pytest.mark.grade(
    points=2, hint="After [DONE], should you even look at the next event?", task="iter_text_deltas"
)
def test_iter_text_deltas_stops_at_done_without_reading_further(m):
    read = []

    def events():
        for e in events_of(m, chunk_json({"content": "a"}), "[DONE]", "{broken", "more"):
            read.append(e.data)
            yield e

    got = list(m.iter_text_deltas(events()))
    assert got == ["a"], f"got {got!r}"
    assert read == [chunk_json({"content": "a"}), "[DONE]"], f"events read: {read}"


@pytest.mark.grade(
    points=2,
    hint="Does your ValueError say which event (its index) was broken and what it held?",
    task="iter_text_deltas",
)
def test_iter_text_deltas_names_the_malformed_event(m):
    # events 0-2 are fine, event 3 is broken: the message must say 3 and quote "{not json"
    good = [chunk_json({"content": c}) for c in ("a", "b", "c")]
    deltas = m.iter_text_deltas(iter(events_of(m, *good, "{not json", "[DONE]")))
    assert [next(deltas) for _ in range(3)] == ["a", "b", "c"]
    try:
        next(deltas)
    except ValueError as exc:
        message = str(exc)
    else:
        raise AssertionError("expected ValueError for the malformed JSON event") from None
    assert "{not json" in message, (
        f"the ValueError should quote the bad event's data; its message is: {message}"
    )
    assert re.search(r"(?<![\d.])3(?![\d.])", message), (
        f"the ValueError should name the bad event by its index (3); its message is: {message}"
    )


@pytest.mark.grade(
    points=2,
    hint="Chained, bytes -> iter_sse -> iter_text_deltas: does the text survive any split?",
    task="iter_text_deltas",
)
def test_sse_and_text_deltas_rebuild_an_openai_stream_cut_at_random(m, attempt_worker, rng):
    datas = [
        chunk_json({"role": "assistant", "content": ""}),
        chunk_json({"content": "Hello"}),
        chunk_json({"content": ", wörld"}),
        chunk_json({"content": "! 👋"}),
        chunk_json({}, finish_reason="stop"),
        chunk_json(choices=False, usage={"total_tokens": 9}),
        "[DONE]",
    ]
    stream = "".join(f"data: {d}\r\n\r\n" for d in datas).encode("utf-8")
    all_cuts = [rng.integers(0, len(stream) + 1, size=8).tolist() for _ in range(20)]
    chunkings = [split_at(stream, cuts) for cuts in all_cuts]
    # "".join(m.iter_text_deltas(m.iter_sse(iter(chunks)))) for each, beside the attempt
    texts = driven(attempt_worker, "text_of_sse", chunkings)
    for cuts, text in zip(all_cuts, texts, strict=False):
        assert text == "Hello, wörld! 👋", f"got {text!r} with cuts {sorted(cuts)}"


# ---------------------------------------------------------------- time_stream


class FakeClock:
    """A clock that only moves when the test moves it: deterministic timings."""

    def __init__(self, now=100.0):
        self.now = now

    def __call__(self):
        return self.now


def arriving(clock, pieces_and_delays, tail):
    """Yield each piece after advancing the clock by its delay; the end comes ``tail`` later."""
    for piece, delay in pieces_and_delays:
        clock.now += delay
        yield piece
    clock.now += tail


@pytest.mark.grade(
    points=3,
    hint="When do you read the clock: before the first piece is asked for, and when else?",
    task="time_stream",
)
def test_time_stream_matches_a_hand_worked_timeline_on_a_fake_clock(m):
    # clock at 100.0; "He" at +0.5, "ll" at +0.6, "o" at +0.8, the end at +1.1
    clock = FakeClock()
    pieces = arriving(clock, [("He", 0.5), ("ll", 0.1), ("o", 0.2)], tail=0.3)
    text, ttft, total, n = m.time_stream(pieces, clock=clock)
    assert text == "Hello", f"text: {text!r}"
    assert_close(ttft, 0.5, what="time_to_first_token_s")
    assert_close(total, 1.1, what="total_s (the wait after the last piece counts)")
    assert n == 3, f"n_pieces should count pieces (3), got {n!r}"


@pytest.mark.grade(
    points=1, hint="What is the time to first token when no token ever comes?", task="time_stream"
)
def test_time_stream_of_an_empty_stream_has_no_first_token(m):
    clock = FakeClock()
    text, ttft, total, n = m.time_stream(arriving(clock, [], tail=0.25), clock=clock)
    assert (text, ttft, n) == ("", None, 0), f"got text {text!r}, ttft {ttft!r}, n {n!r}"
    assert_close(total, 0.25, what="total_s of an empty stream")


@pytest.mark.grade(
    points=1, hint="Without a clock argument, which clock is used?", task="time_stream"
)
def test_time_stream_works_with_the_default_clock_and_a_real_stream(m):
    text, ttft, total, n = m.time_stream(iter(["a", "b", "c"]))
    assert (text, n) == ("abc", 3)
    assert 0.0 <= ttft <= total < 5.0, f"ttft {ttft!r}, total {total!r}"
