"""Spaced repetition with Leitner boxes, stored in ``progress/flashcards.json``.

Every card sits in one of five boxes; the box sets how long it waits before it is
due again::

    box        1    2    3    4    5
    interval   0    1    3    7   16   days

After a review, the learner's self-grade moves the card:

- ``again``: back to box 1, due today (a *lapse* when it fell from box 2 or higher);
- ``hard``: same box, due after half its interval, rounded down, and at least one
  day from box 2 up (box 1 stays due today);
- ``good``: one box up, due after the new box's interval;
- ``easy``: two boxes up (it skips one), due after the new box's interval.

Boxes stop at 5. A card never reviewed is *new*: it has no entry and counts as box
1, so a first ``good`` puts it in box 2, due tomorrow. Example, reviewed on
2026-12-01 in box 3: again -> box 1 due 12-01; hard -> box 3 due 12-02; good ->
box 4 due 12-08; easy -> box 5 due 12-17.

The file (``schema_version`` 1; dates are UTC ISO dates)::

    {"schema_version": 1,
     "cards": {"3f1c0e9a4b2d": {"box": 3, "due": "2026-12-04", "reviews": 4,
                                "lapses": 1, "last_reviewed": "2026-12-01"}}}

It is written through :mod:`grader.storage` like the ledger: locked, atomic, and a
corrupt file is moved aside with a message. Entries of cards that no longer exist
are kept (harmless), so restoring a deleted card restores its schedule. Left out:
per-card ease factors (SM-2, FSRS) and re-showing "again" cards in the same session.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from grader.errors import GraderError
from grader.flashcards.cards import Card
from grader.storage import locked, read_json_or_move_aside, write_json_atomic

INTERVALS = (0, 1, 3, 7, 16)  # days to wait in box 1 .. 5
TOP_BOX = len(INTERVALS)
SCHEMA_VERSION = 1
SCHEDULE_NAME = "flashcards.json"


class Grade(StrEnum):
    """The learner's self-grade after seeing the answer."""

    AGAIN = "again"
    HARD = "hard"
    GOOD = "good"
    EASY = "easy"


_GRADE_WORDS = {word: g for g in Grade for word in (g.value, g.value[0])} | {
    str(number): g for number, g in enumerate(Grade, 1)
}


def parse_grade(text: str) -> Grade | None:
    """``"g"``, ``"Good"``, ``"3"`` -> ``Grade.GOOD``; anything else -> None."""
    return _GRADE_WORDS.get(text.strip().lower())


def today_utc() -> date:
    """Today's date in UTC (the default clock; tests pass ``today`` instead)."""
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class CardState:
    """Where one card stands: its box, when it is due, and its history in numbers."""

    box: int
    due: date
    reviews: int = 0
    lapses: int = 0
    last_reviewed: date | None = None

    def to_dict(self) -> dict[str, Any]:
        last = self.last_reviewed.isoformat() if self.last_reviewed else None
        return {
            "box": self.box,
            "due": self.due.isoformat(),
            "reviews": self.reviews,
            "lapses": self.lapses,
            "last_reviewed": last,
        }

    @classmethod
    def from_dict(cls, data: Any) -> CardState:
        """The state stored in the file; ``ValueError`` (or a ``TypeError``) when malformed."""
        box = int(data["box"])
        if not 1 <= box <= TOP_BOX:
            raise ValueError(f"box {box!r} is not 1 to {TOP_BOX}")
        last = data.get("last_reviewed")
        return cls(
            box=box,
            due=date.fromisoformat(data["due"]),
            reviews=int(data["reviews"]),
            lapses=int(data["lapses"]),
            last_reviewed=date.fromisoformat(last) if last else None,
        )


def review(state: CardState | None, grade: Grade, today: date) -> CardState:
    """The card's state after one review graded ``grade`` on ``today`` (None = a new card)."""
    box = state.box if state else 1
    if grade is Grade.AGAIN:
        new_box, wait = 1, 0
    elif grade is Grade.HARD:
        new_box, wait = box, INTERVALS[box - 1] // 2
        wait = max(wait, 1) if box >= 2 else wait  # subtle: box 2's half interval is 0
    else:
        new_box = min(box + (1 if grade is Grade.GOOD else 2), TOP_BOX)
        wait = INTERVALS[new_box - 1]
    lapse = grade is Grade.AGAIN and box >= 2
    return CardState(
        box=new_box,
        due=today + timedelta(days=wait),
        reviews=(state.reviews if state else 0) + 1,
        lapses=(state.lapses if state else 0) + int(lapse),
        last_reviewed=today,
    )


def queue(
    cards: Sequence[Card], states: dict[str, CardState], today: date, count: int
) -> list[Card]:
    """At most ``count`` cards: due ones (most overdue, then lowest box first), then new ones.

    New cards keep the order given (the learner's own cards, then the deck by day).
    """
    due = [c for c in cards if c.id in states and states[c.id].due <= today]
    due.sort(key=lambda c: (states[c.id].due, states[c.id].box))  # stable: ties keep order
    new = [c for c in cards if c.id not in states]
    return (due + new)[:count]


def next_due(cards: Sequence[Card], states: dict[str, CardState]) -> date | None:
    """The earliest due date among the scheduled ``cards`` (None when none is scheduled)."""
    return min((states[c.id].due for c in cards if c.id in states), default=None)


def _state_or_none(entry: Any) -> CardState | None:
    """The stored state, or None when the entry is missing or malformed (a new card)."""
    try:
        return CardState.from_dict(entry)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _is_schedule(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("cards"), dict)


def _read_unlocked(progress_dir: Path) -> tuple[dict[str, Any], list[str]]:
    path = progress_dir / SCHEDULE_NAME
    data, notice = read_json_or_move_aside(
        path, progress_dir.parent, _is_schedule, "flashcard schedule"
    )
    notices = [notice] if notice else []
    version = data.get("schema_version") if data is not None else None
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise GraderError(
            f"{path.name} has schema_version {version}, newer than this grader "
            f"knows ({SCHEMA_VERSION}); update the grader"
        )
    return data if data is not None else {"schema_version": SCHEMA_VERSION, "cards": {}}, notices


def read_schedule(progress_dir: Path) -> tuple[dict[str, CardState], list[str]]:
    """Every readable card state, and notices for the learner (a file moved aside…)."""
    with locked(progress_dir / SCHEDULE_NAME):
        data, notices = _read_unlocked(progress_dir)
    parsed = {card: _state_or_none(entry) for card, entry in data["cards"].items()}
    states = {card: state for card, state in parsed.items() if state is not None}
    if bad := len(parsed) - len(states):
        notices.append(
            f"{bad} card entr{'y' if bad == 1 else 'ies'} in {SCHEDULE_NAME} could "
            "not be read; those cards start again as new"
        )
    return states, notices


def record_review(
    progress_dir: Path, card: str, grade: Grade, today: date
) -> tuple[CardState, list[str]]:
    """Apply one review of card id ``card`` to the file, under the lock; returns the new state."""
    path = progress_dir / SCHEDULE_NAME
    with locked(path):
        data, notices = _read_unlocked(progress_dir)
        state = review(_state_or_none(data["cards"].get(card)), grade, today)
        data["cards"][card] = state.to_dict()
        data["schema_version"] = SCHEMA_VERSION
        write_json_atomic(path, data)
    return state, notices
