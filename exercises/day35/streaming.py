"""Day 35: streaming inference (standard library only).

An LLM server streams its answer as Server-Sent Events (SSE): ``data: {json}``
lines, each event ended by a blank line, then ``data: [DONE]``. The network may cut
the byte stream anywhere: inside a line, inside a multi-byte UTF-8 character, or
between the ``\\r`` and the ``\\n`` of a line ending. Parse it, extract the text, and
measure time to first token.

``SSEEvent`` is given (do not change it). Implement the three functions, then run
``nox -s grade -- day35``. Stuck? ``nox -s hint -- day35``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class SSEEvent:
    """One dispatched event: its type, its data (lines joined by ``\\n``) and the last id."""

    event: str = "message"
    data: str = ""
    id: str | None = None


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
    raise NotImplementedError("iter_sse: run 'nox -s hint -- day35' if stuck")


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
    raise NotImplementedError("iter_text_deltas: run 'nox -s hint -- day35' if stuck")


def time_stream(pieces, clock=time.perf_counter):
    """Consume ``pieces`` and return ``(text, time_to_first_token_s, total_s, n_pieces)``.

    Times come from ``clock()`` (injectable for tests), measured from just before the
    first piece is asked for: to the arrival of the first piece, and to the end of the
    stream (when the iterator is exhausted, not when the last piece arrived).
    ``time_to_first_token_s`` is None for an empty stream; ``n_pieces`` counts pieces.

    Clock at 100.0; pieces "He", "ll", "o" arrive 0.5 s, 0.6 s and 0.8 s later and the
    stream ends at 1.1 s -> ("Hello", 0.5, 1.1, 3).
    """
    raise NotImplementedError("time_stream: run 'nox -s hint -- day35' if stuck")
