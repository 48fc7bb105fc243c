"""Flashcards with spaced repetition: ``python -m grader flashcards [DAY]``.

Modules, one concern each:

- ``cards``     parse ``Q:`` / ``A:`` markdown (the built-in ``deck.md`` and the
                learner's ``exercises/flashcards.md``) into cards with stable ids
- ``schedule``  Leitner boxes: what a grade does, what is due, ``progress/flashcards.json``
- ``render``    rich output of a session (no logic)
- ``session``   the review loop and the command (``add_parser``, ``command_flashcards``)
"""

from __future__ import annotations

from grader.flashcards.cards import Card, card_id, load_cards, parse_cards, parse_day
from grader.flashcards.schedule import (
    CardState,
    Grade,
    next_due,
    parse_grade,
    queue,
    read_schedule,
    record_review,
    review,
)
from grader.flashcards.session import add_parser, command_flashcards, read_answers, run_session

__all__ = [
    "Card",
    "CardState",
    "Grade",
    "add_parser",
    "card_id",
    "command_flashcards",
    "load_cards",
    "next_due",
    "parse_cards",
    "parse_day",
    "parse_grade",
    "queue",
    "read_answers",
    "read_schedule",
    "record_review",
    "review",
    "run_session",
]
