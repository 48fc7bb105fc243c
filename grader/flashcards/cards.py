"""Flashcards as text: parse ``Q:`` / ``A:`` blocks from markdown into :class:`Card`.

The format (the built-in ``deck.md`` and the learner's ``exercises/flashcards.md``)::

    ## Attention                      <- a heading: ignored
    Q: Why divide attention scores by sqrt(d_k)?  #day34
    A: Dot products of d_k-dimensional vectors have variance ~d_k;
       large scores saturate the softmax.       <- answers run on ...
                                                 <- ... until a blank line or the next Q:
    <!-- an HTML comment, even over several lines: ignored -->

Forgiving on purpose: ``q:``, ``Q :``, ``**Q:**``, ``- Q:``, a full-width colon, CRLF
line endings and a BOM all work; a question may run over several lines until its
``A:``; text outside a block is ignored. A block that cannot be a card (an ``A:``
with no ``Q:``, a ``Q:`` with no ``A:``, an empty answer, a repeated question) is
skipped with a warning naming its line; parsing never raises.

A card's id is the first 12 hex digits of the sha1 of its normalised question
(NFKC, case-folded, whitespace collapsed, tag removed), so editing the answer,
the tag or the spacing keeps the card's schedule; rewording the question starts
it afresh. Left out: cloze deletions, images, reversed cards.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grader.catalog import all_days
from grader.errors import UsageError

DECK_PATH = Path(__file__).with_name("deck.md")
DECK_SOURCE = "deck"

_MARKER = re.compile(r"^\s*(?:[-*+]\s+)?(?:\*\*)?([qa])(?:\*\*)?\s*[:：](?:\*\*)?\s*(.*)$", re.I)
_HEADING = re.compile(r"^\s*#{1,6}(?:\s|$)")
_TAG = re.compile(r"#day\s*(\d+)\b", re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


@dataclass(frozen=True)
class Card:
    """One flashcard: ``day`` is its ``#dayNN`` tag (None when untagged)."""

    id: str
    question: str
    answer: str
    day: int | None
    source: str  # "deck" or the learner's file as shown to them
    line: int  # line of the Q: in that source


def card_id(question: str) -> str:
    """Stable id of a question: ``"What is F1?"`` and ``"what  is F1? #day31"`` agree."""
    text = _TAG.sub(" ", unicodedata.normalize("NFKC", question)).casefold()
    return hashlib.sha1(" ".join(text.split()).encode("utf-8")).hexdigest()[:12]


def sprint_days() -> tuple[int, ...]:
    """The day numbers a card may be tagged with: every day of the catalog, in order."""
    return tuple(day.number for day in all_days())


def _span() -> str:
    days = sprint_days()
    return f"day{days[0]} to day{days[-1]}"


def parse_day(text: str) -> int:
    """``"day34"``, ``"34"`` or ``"#day34"`` -> 34; ``UsageError`` names the valid days."""
    match = re.fullmatch(r"#?(?:day)?\s*(\d+)", text.strip(), re.I)
    if match and int(match.group(1)) in sprint_days():
        return int(match.group(1))
    first, last = sprint_days()[0], sprint_days()[-1]
    raise UsageError(f"unknown day {text!r}; valid days are {_span()} (or {first} to {last})")


@dataclass
class _Block:
    line: int  # the Q: line
    question: list[str]
    answer: list[str] | None = None  # None until the A: is seen


def _without_comments(text: str, source: str, warnings: list[str]) -> str:
    """HTML comments blanked out, keeping their newlines so line numbers stay true."""
    text = _COMMENT.sub(lambda m: "\n" * m.group().count("\n"), text)
    start = text.find("<!--")
    if start != -1:  # an unclosed comment runs to the end, as in HTML
        line = text.count("\n", 0, start) + 1
        warnings.append(
            f"{source} line {line}: this HTML comment is never closed (-->); "
            "the rest of the file is ignored"
        )
        text = text[:start]
    return text


def parse_cards(text: str, source: str) -> tuple[list[Card], list[str]]:
    """The cards of one file, in order, and a warning per skipped block.

    ``"Q: 2+2? #day31\\nA: 4"`` -> one card, day 31, answer ``"4"``.
    """
    warnings: list[str] = []
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = _without_comments(text, source, warnings).split("\n")
    cards: list[Card] = []
    seen: dict[str, int] = {}

    def warn(line: int, message: str) -> None:
        warnings.append(f"{source} line {line}: {message}")

    def close(block: _Block | None) -> None:
        if block is None:
            return
        if block.answer is None:
            warn(block.line, "this Q: has no A: line after it; the card was skipped")
            return
        card = _card(block, source, warn)
        if card is None:
            return
        if card.id in seen:
            warn(block.line, f"the same question as line {seen[card.id]}; skipped")
            return
        seen[card.id] = block.line
        cards.append(card)

    block: _Block | None = None  # text outside a block (prose, an orphan A:'s lines) is ignored
    for number, raw in enumerate(lines, 1):
        marker = _MARKER.match(raw)
        if not raw.strip() or _HEADING.match(raw):
            if block is not None and (block.answer is not None or raw.strip()):
                close(block)  # a blank ends an answer; a heading ends any block
                block = None
        elif marker and marker.group(1).lower() == "q":
            close(block)
            block = _Block(number, [marker.group(2)])
        elif marker:  # an A:
            if block is not None and block.answer is None:
                block.answer = [marker.group(2)]
                continue
            if block is not None:
                warn(
                    number,
                    f"a second A: for the Q: on line {block.line}; "
                    "each A: needs its own Q:, so it was skipped",
                )
            else:
                warn(number, "this A: has no Q: before it; it was skipped")
            close(block)
            block = None
        elif block is not None:
            (block.question if block.answer is None else block.answer).append(raw.rstrip())
    close(block)
    return cards, warnings


def _card(block: _Block, source: str, warn: Callable[[int, str], None]) -> Card | None:
    """The card of a complete block, or None (with a warning) when a side is empty."""
    question = " ".join(" ".join(part.split()) for part in block.question).strip()
    tags = [int(t) for t in _TAG.findall(question)]
    question = " ".join(_TAG.sub(" ", question).split())
    first, *rest = block.answer or [""]
    answer = "\n".join([first.strip(), textwrap.dedent("\n".join(rest))]).strip()
    if not question:
        warn(block.line, "this Q: has no question text; the card was skipped")
        return None
    if not answer:
        warn(block.line, "this card's A: is empty; the card was skipped")
        return None
    day = tags[0] if tags else None
    if day is not None and day not in sprint_days():
        warn(
            block.line,
            f"#day{day} is not a day of this sprint ({_span()}); the card is kept without a day",
        )
        day = None
    return Card(card_id(question), question, answer, day, source, block.line)


def read_cards(path: Path, source: str) -> tuple[list[Card], list[str]]:
    """Cards of a file; a missing file has none, an unreadable one gives a warning."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], []
    except (OSError, UnicodeDecodeError) as exc:
        reason = "it is not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else exc.strerror
        return [], [f"{source} could not be read ({reason}); its cards were left out"]
    return parse_cards(text, source)


def load_cards(learner: Path | None, learner_source: str) -> tuple[list[Card], list[str]]:
    """The learner's cards first, then the built-in deck; a question in both counts once."""
    mine, warnings = read_cards(learner, learner_source) if learner else ([], [])
    deck, deck_warnings = read_cards(DECK_PATH, DECK_SOURCE)
    known = {card.id for card in mine}
    return mine + [c for c in deck if c.id not in known], warnings + deck_warnings
