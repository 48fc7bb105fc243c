"""Streaming inference: parse Server-Sent Events, pull the text out of OpenAI-style
chat-completion chunks, and measure time to first token.

An LLM server streams its answer as SSE over HTTP: ``data: {json}`` lines, each
event ended by a blank line, and a final ``data: [DONE]``. The network cuts that
byte stream wherever it likes, so a parser must keep state across chunks: half a
line, half a UTF-8 character, or a ``\\r`` whose ``\\n`` has not arrived yet.

The parser follows the WHATWG HTML spec ("Server-sent events", parsing an event
stream). Left out: the ``retry`` field (reconnection), reconnecting with
``Last-Event-ID``, and HTTP itself (any iterator of bytes will do, for example
``response.iter_content()`` or a socket read loop).
"""

from __future__ import annotations

import codecs
import json
import re
import time
from dataclasses import dataclass

_EOL = re.compile(r"\r\n|\r|\n")  # order matters: try \r\n before a lone \r


@dataclass(frozen=True)
class SSEEvent:
    """One dispatched event: its type, its data (lines joined by ``\\n``) and the last id."""

    event: str = "message"
    data: str = ""
    id: str | None = None


def _iter_lines(chunks):
    """Decoded lines of a byte stream, without their line endings, as soon as each ends.

    A line still unterminated when the stream ends is dropped (it cannot be complete).
    """
    # subtle: one decoder for the whole stream keeps the first bytes of a split
    # multi-byte character until the rest arrives; chunk.decode() would fail on them.
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    buffer, after_cr, at_start = "", False, True
    for chunk in chunks:
        text = decoder.decode(chunk)
        if at_start and text:
            text, at_start = text.removeprefix("\ufeff"), False  # one leading BOM is ignored
        if after_cr and text:
            # subtle: "\r" ended a line in the previous chunk; a "\n" opening this one is
            # the rest of that "\r\n", not an empty line (which would dispatch an event).
            text, after_cr = text.removeprefix("\n"), False
        buffer += text
        start = 0
        for match in _EOL.finditer(buffer):
            yield buffer[start : match.start()]
            start = match.end()
            after_cr = match.group() == "\r" and start == len(buffer)
        buffer = buffer[start:]
    # At the end of the stream the rest of ``buffer`` is an unterminated line: dropped.


def iter_sse(chunks):
    """Parse an SSE byte stream (an iterable of ``bytes`` chunks) into ``SSEEvent``s, lazily.

    The rules (WHATWG HTML, "parsing an event stream"):

    - the bytes are UTF-8 (one leading byte-order mark is ignored); a chunk boundary may
      fall anywhere, even inside a character or between ``\\r`` and ``\\n``;
    - lines end in ``\\n``, ``\\r\\n`` or ``\\r``;
    - a line starting with ``:`` is a comment; ``name: value`` sets a field: a single
      space after the colon is dropped, no more (``data:  x`` has value `` x``); a line
      without a colon is a field name with an empty value;
    - ``data``: appends a line to the event's data (lines join with ``\\n``);
      ``event``: sets the type (default ``"message"``, and an empty type means
      ``"message"`` too); ``id``: sets the id unless the value contains a NUL; other
      names (``retry``, ``Data``, ...) are ignored;
    - a blank line dispatches the event if at least one ``data`` line was seen (``data:``
      alone counts: data ""), then clears data and type. The id is NOT cleared: it stays
      on later events until an ``id`` line changes it (None before any);
    - an event not ended by a blank line when the stream ends is dropped.

    Yield each event as soon as its blank line has arrived, before reading more chunks.

    b"event: add\\ndata: 1\\ndata:2\\n\\n: ping\\ndata:  x\\n\\n" ->
    SSEEvent("add", "1\\n2", None), SSEEvent("message", " x", None)
    """
    event_type, data_lines, last_id = "", [], None
    for line in _iter_lines(chunks):
        if not line:
            # subtle: an event with no data line is not dispatched, but "data:" alone is
            # one empty data line, so it dispatches data "".
            if data_lines:
                yield SSEEvent(event_type or "message", "\n".join(data_lines), last_id)
            event_type, data_lines = "", []  # the id is NOT reset
            continue
        if line.startswith(":"):
            continue  # a comment, often a keep-alive ": ping"
        name, colon, value = line.partition(":")  # no colon: the whole line is the name
        if colon and value.startswith(" "):
            value = value[1:]  # subtle: exactly one space, "data:  x" keeps " x"
        if name == "data":
            data_lines.append(value)
        elif name == "event":
            event_type = value
        elif name == "id" and "\0" not in value:
            last_id = value
        # "retry" and unknown field names are ignored (names are case-sensitive)


def iter_text_deltas(events):
    """Text pieces of an OpenAI-style chat-completion stream of ``SSEEvent``s, lazily.

    Each event's data is JSON such as ``{"choices": [{"delta": {"content": "Hel"}}]}``:
    yield ``choices[0].delta.content`` when it is a non-empty string. Chunks without
    content yield nothing: the role-only first delta ``{"role": "assistant"}``, a null
    content, the finish chunk ``"delta": {}``, a usage chunk whose ``choices`` is ``[]``.
    Stop at the event whose data is ``[DONE]``, without reading any further event.
    Malformed JSON: ``ValueError`` whose message names the event (its index) and quotes
    its data.

    data "{...Hel...}", "{...lo...}", "[DONE]" -> "Hel", "lo"
    """
    for index, event in enumerate(events):
        if event.data.strip() == "[DONE]":
            return
        try:
            chunk = json.loads(event.data)
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"event {index} (type {event.event!r}) is not valid JSON: {event.data!r} ({exc})"
            ) from None
        choices = chunk.get("choices") if isinstance(chunk, dict) else None
        if not choices:  # subtle: the usage chunk at the end has "choices": []
            continue
        content = (choices[0].get("delta") or {}).get("content")
        if isinstance(content, str) and content:
            yield content


def time_stream(pieces, clock=time.perf_counter):
    """Consume ``pieces`` and return ``(text, time_to_first_token_s, total_s, n_pieces)``.

    Times come from ``clock()`` (injectable for tests), measured from just before the
    first piece is asked for: to the arrival of the first piece, and to the end of the
    stream (when the iterator is exhausted, not when the last piece arrived).
    ``time_to_first_token_s`` is None for an empty stream; ``n_pieces`` counts pieces.

    Clock at 100.0; pieces "He", "ll", "o" arrive 0.5 s, 0.6 s and 0.8 s later and the
    stream ends at 1.1 s -> ("Hello", 0.5, 1.1, 3).
    """
    parts, first = [], None
    start = clock()
    for piece in pieces:
        if first is None:
            first = clock() - start  # time to first token: what a user feels as lag
        parts.append(piece)
    total = clock() - start  # subtle: after exhaustion, so the wait for [DONE] counts
    return "".join(parts), first, total, len(parts)
