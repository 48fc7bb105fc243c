"""The event channel from the test process to the grader, and what the grader believes of it.

The test process (``pytest -p grader.plugin``) writes one JSON object per line as
each test starts and ends, and around each import of an exercise file. The
grader opened the channel itself: an :func:`os.pipe` whose write end the child
inherits (``--grader-events-fd N``), so there is no path an attempt could
replace with a FIFO, a symlink or a forged file.

Nothing read from the pipe is trusted. :class:`EventReader` reads without ever
blocking and :class:`EventCheck` keeps only events that make sense:

- known kinds only (``start``, ``end``, ``import_start``, ``import_end``);
- a ``start`` names a test of this child's selection (node ids come from the
  manifest, never from the child), that has not run yet, while no other test runs;
- an ``end`` names the test that is running; the first end of a test is final;
- outcomes are the four the plugin reports (``timeout`` is the grader's own word);
- texts are cut to the plugin's limits, numbers must be finite, extra keys dropped.

Anything else (garbage, JSON that is not an event, a line longer than
:data:`MAX_EVENT_BYTES`) is counted in :attr:`EventCheck.invalid` and ignored,
never fatal. An ``end`` of the running test that fails these checks still ends
it, as an ``error``: a test whose result cannot be read earns nothing.

The whole stream of one child is capped at :data:`STREAM_LIMIT` bytes. Past it
the reader stops reading and :attr:`EventReader.flooded` is set; the grader then
kills the child (see :mod:`grader.child`). The cap cannot cut an honest child
short of progress: :func:`encode` keeps every line within
:data:`MAX_EVENT_BYTES`, so a child reports at least
``STREAM_LIMIT // (2 * MAX_EVENT_BYTES)`` = 16 whole tests before it could
reach it, and the grader restarts a fresh child on the tests not run yet.

What this does not stop: code running inside the test process can still write
well-formed events for the test that is running. Keeping attempt code out of
that process is what makes those events the judge's own.
"""

from __future__ import annotations

import json
import math
import os
import re
from typing import Any

MESSAGE_LIMIT = 600  # characters of the one-line failure message (and of a mistake's hint)
DETAIL_LIMIT = 4000  # characters of the longer failure text kept for mentors
MAX_EVENT_BYTES = 64 * 1024  # one line, newline included
STREAM_LIMIT = 2 * 1024 * 1024  # bytes read from one child's channel, in all

OUTCOMES = frozenset({"passed", "failed", "error", "skipped"})
ROLES = frozenset({"attempt", "reference"})
_CUT_ROOM = 64  # room for the "… [cut: N more characters]" a text already carries
_STEM = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")
_TEXTS = {  # load_error: the message of an exercise file that did not import, else ""
    "message": MESSAGE_LIMIT,
    "detail": DETAIL_LIMIT,
    "hint": MESSAGE_LIMIT,
    "load_error": MESSAGE_LIMIT,
}


def truncate(text: str, limit: int) -> str:
    """``text`` itself, or its first ``limit`` characters and how many were cut."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"… [cut: {len(text) - limit} more characters]"


# --------------------------------------------------------------------------- child side


def encode(event: dict[str, Any]) -> bytes:
    """One event as one line of UTF-8 JSON, never longer than :data:`MAX_EVENT_BYTES`.

    Texts within the plugin's limits always fit (6 bytes per character at worst,
    for an escaped control character); if a line would still be too long, the
    longest text is halved until it fits.
    """
    event = dict(event)
    while True:
        line = (json.dumps(event, ensure_ascii=False) + "\n").encode("utf-8", "replace")
        texts = [key for key in _TEXTS if isinstance(event.get(key), str) and event[key]]
        if len(line) <= MAX_EVENT_BYTES or not texts:
            return line
        longest = max(texts, key=lambda key: len(event[key]))
        text = event[longest]  # halved, with a note of the cut while the note is worth it
        event[longest] = (
            truncate(text, len(text) // 2) if len(text) > 200 else text[: len(text) // 2]
        )


# --------------------------------------------------------------------------- grader side


class EventCheck:
    """Turns lines into events the grader can act on, or counts them as invalid."""

    def __init__(self, selected: set[str]) -> None:
        self.selected = selected  # node ids this child was asked to run (from the manifest)
        self.running: str | None = None
        self.ended: set[str] = set()
        self.invalid = 0  # lines that were not a valid event, ignored

    def check(self, line: bytes) -> dict[str, Any] | None:
        """The clean event of ``line``, or None (and one more invalid line)."""
        try:
            raw = json.loads(line)
        except ValueError:  # also UnicodeDecodeError
            raw = None
        event = self._clean(raw) if isinstance(raw, dict) else None
        if event is None:
            self.invalid += 1
        return event

    def overlong(self) -> None:
        """A line longer than :data:`MAX_EVENT_BYTES` was dropped unread."""
        self.invalid += 1

    def _clean(self, raw: dict[str, Any]) -> dict[str, Any] | None:
        kind = raw.get("event")
        if kind == "start":
            nodeid = raw.get("nodeid")
            if not isinstance(nodeid, str) or nodeid not in self.selected - self.ended:
                return None
            if self.running is not None:
                return None
            self.running = nodeid
            return {"event": "start", "nodeid": nodeid}
        if kind == "end":
            if self.running is None or raw.get("nodeid") != self.running:
                return None
            nodeid, self.running = self.running, None
            self.ended.add(nodeid)
            return _clean_end(nodeid, raw)
        if kind in ("import_start", "import_end"):
            role, stem = raw.get("role"), raw.get("stem")
            if not (_is_one_of(role, ROLES) and isinstance(stem, str) and _STEM.fullmatch(stem)):
                return None
            return {"event": kind, "role": role, "stem": stem}
        return None


def _clean_end(nodeid: str, raw: dict[str, Any]) -> dict[str, Any]:
    """The end of the running test, with only checked values; unreadable means ``error``."""
    outcome, duration, seed = raw.get("outcome"), raw.get("duration"), raw.get("seed")
    texts = {key: raw.get(key, "") for key in _TEXTS}
    readable = (
        _is_one_of(outcome, OUTCOMES)
        and _is_number(duration)
        and math.isfinite(duration)
        and duration >= 0
        and (seed is None or (type(seed) is int and abs(seed) < 2**64))
        and all(isinstance(text, str) for text in texts.values())
    )
    if not readable:
        return {
            "event": "end",
            "nodeid": nodeid,
            "outcome": "error",
            "duration": 0.0,
            "message": "the test process sent an unreadable result for this test",
            "detail": "",
            "hint": "",
            "load_error": "",
            "seed": None,
        }
    bounded = {
        key: text if len(text) <= limit + _CUT_ROOM else truncate(text, limit)
        for (key, limit), text in zip(_TEXTS.items(), texts.values(), strict=True)
    }
    return {
        "event": "end",
        "nodeid": nodeid,
        "outcome": outcome,
        "duration": float(duration),
        "seed": seed,
        **bounded,
    }


def _is_one_of(value: Any, allowed: frozenset[str]) -> bool:
    return isinstance(value, str) and value in allowed  # a list or dict is not even hashable


def _is_number(value: Any) -> bool:
    return type(value) in (int, float)  # not bool, not a subclass with its own comparisons


class EventReader:
    """Reads the grader's end of the channel without blocking, within the byte cap."""

    def __init__(self, fd: int, check: EventCheck, limit: int = STREAM_LIMIT) -> None:
        os.set_blocking(fd, False)
        self.fd, self.check, self.limit = fd, check, limit
        self.bytes_read = 0
        self.flooded = False  # the child wrote more than ``limit``: reading stopped
        self.closed = False  # every writer has closed its end
        self._pending = b""  # the start of a line whose end has not arrived yet
        self._skipping = False  # inside an overlong line: drop bytes up to its newline

    def fileno(self) -> int:
        return self.fd

    def read(self) -> list[dict[str, Any]]:
        """Every valid event that can be read right now."""
        events: list[dict[str, Any]] = []
        while not (self.flooded or self.closed):
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                break
            if not chunk:
                self.closed = True
                break
            room = self.limit - self.bytes_read
            self.bytes_read += len(chunk)
            if len(chunk) > room:
                chunk, self.flooded = chunk[:room], True
            events += self._lines(chunk)
        return events

    def _lines(self, chunk: bytes) -> list[dict[str, Any]]:
        *complete, rest = chunk.split(b"\n")
        events = []
        for part in complete:
            line, self._pending = self._pending + part, b""
            if self._skipping:  # the end of an overlong line, already counted
                self._skipping = False
            elif len(line) >= MAX_EVENT_BYTES:  # no room left for its newline
                self.check.overlong()
            elif (event := self.check.check(line)) is not None:
                events.append(event)
        if not self._skipping:
            self._pending += rest
            if len(self._pending) >= MAX_EVENT_BYTES:  # too long already: never buffered whole
                self.check.overlong()
                self._pending, self._skipping = b"", True
        return events
