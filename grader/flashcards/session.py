"""The review session: ``python -m grader flashcards [DAY] [--count N] [--answers FILE]``.

Cards come from the learner's ``exercises/flashcards.md`` and the built-in deck
(:mod:`grader.flashcards.cards`); the order and what a grade does come from
:mod:`grader.flashcards.schedule`. Each review is saved as soon as it is graded, so
stopping (Ctrl-C, end of input, ``q``) loses nothing already reviewed.

Two ways to answer:

- interactive: the question, Enter reveals the answer, then a self-grade
  (``a``/``h``/``g``/``e``, ``1``-``4`` or the words); anything else asks again;
- ``--answers FILE`` (``-`` for stdin): one grade per line, consumed in order,
  one per card, no Enter needed; blank lines and ``#`` comments are skipped. The
  whole file is checked before the first card, so a typo records nothing. When
  the grades run out, the session ends like a stop.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from grader.catalog import EXERCISES_ROOT, PROGRESS_ROOT
from grader.display import make_console, shown_path
from grader.errors import UsageError
from grader.flashcards import render
from grader.flashcards.cards import Card, load_cards, parse_day
from grader.flashcards.schedule import (
    CardState,
    Grade,
    next_due,
    parse_grade,
    queue,
    read_schedule,
    record_review,
    today_utc,
)

DEFAULT_COUNT = 20
LEARNER_CARDS = EXERCISES_ROOT / "flashcards.md"
Ask = Callable[[str], str]  # shows a prompt, returns the reply; raises EOFError at end of input


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number of cards, got {text!r}")
    return value


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add the ``flashcards`` subcommand to an argparse subparsers object."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "flashcards",
        help="review flashcards (spaced repetition)",
        description="Review due flashcards, then new ones, from the built-in deck and "
        "exercises/flashcards.md. Grades: a(gain) h(ard) g(ood) e(asy).",
    )
    parser.add_argument("day", nargs="?", metavar="DAY", help="only cards tagged day34 (or 34)")
    parser.add_argument(
        "--count",
        type=_count,
        default=DEFAULT_COUNT,
        metavar="N",
        help="at most N cards (default %(default)s)",
    )
    parser.add_argument(
        "--progress-dir",
        type=Path,
        metavar="DIR",
        help="where flashcards.json goes (default: progress/)",
    )
    parser.add_argument(
        "--answers",
        metavar="FILE",
        help="grades one per line (a/h/g/e) instead of asking; - for stdin",
    )
    parser.add_argument(
        "--cards",
        type=Path,
        metavar="FILE",
        help="your own cards (default: exercises/flashcards.md)",
    )
    return parser


def read_answers(spec: str) -> list[Grade]:
    """The grades of an ``--answers`` file (``-``: stdin); ``UsageError`` names a bad line."""
    try:
        text = sys.stdin.read() if spec == "-" else Path(spec).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"cannot read --answers {spec!r}: it is not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"cannot read --answers {spec!r}: {exc.strerror or exc}") from None
    grades = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        grade = parse_grade(line)
        if grade is None:
            raise UsageError(
                f"--answers line {number} is {line.strip()!r}; write one grade per "
                "line: a/h/g/e, again/hard/good/easy or 1-4"
            )
        grades.append(grade)
    return grades


def _ask_grade(console: Console, ask: Ask) -> Grade | None:
    """Ask until the reply is a grade; None when the learner types q."""
    while True:
        reply = ask(render.GRADE_PROMPT)
        if reply.strip().lower() in ("q", "quit"):
            return None
        grade = parse_grade(reply)
        if grade is not None:
            return grade
        render.not_a_grade(console, reply)


def run_session(
    plan: list[Card],
    states: dict[str, CardState],
    progress_dir: Path,
    console: Console,
    today: date,
    grades: Iterator[Grade] | None,
    ask: Ask,
) -> tuple[Counter[Grade], bool]:
    """Review ``plan`` in order, saving each grade; returns the tally and whether it stopped.

    ``grades`` drives a non-interactive session; without it, ``ask`` prompts the learner.
    ``states`` is updated in place.
    """
    tally: Counter[Grade] = Counter()
    for index, card in enumerate(plan, 1):
        try:
            grade = next(grades, None) if grades is not None else None
            if grades is not None and grade is None:
                return tally, True  # the answers ran out
            render.front(console, card, index, len(plan), states.get(card.id), today)
            if grades is None:
                ask(render.REVEAL_PROMPT)
            render.back(console, card)
            if grades is None:
                grade = _ask_grade(console, ask)
            if grade is None:
                return tally, True  # q
            states[card.id], notices = record_review(progress_dir, card.id, grade, today)
        except (KeyboardInterrupt, EOFError):
            return tally, True
        for notice in notices:
            render.warning(console, notice)
        tally[grade] += 1
        render.graded(console, grade, states[card.id], today)
    return tally, False


def command_flashcards(
    args: argparse.Namespace,
    *,
    console: Console | None = None,
    today: date | None = None,
    ask: Ask | None = None,
) -> int:
    """Run a review session; 0 when it ran (even if stopped early), ``UsageError`` otherwise.

    ``console``, ``today`` and ``ask`` are for tests (defaults: stdout, the UTC date,
    ``input``).
    """
    day = parse_day(args.day) if getattr(args, "day", None) else None
    count = getattr(args, "count", DEFAULT_COUNT)
    if not isinstance(count, int) or count < 1:
        raise UsageError(f"--count must be a positive whole number, got {count!r}")
    answers = getattr(args, "answers", None)
    grades = iter(read_answers(answers)) if answers else None
    progress_dir = getattr(args, "progress_dir", None) or PROGRESS_ROOT
    learner = getattr(args, "cards", None) or LEARNER_CARDS
    console = console or make_console()
    today = today or today_utc()

    cards, warnings = load_cards(learner, shown_path(learner))
    states, notices = read_schedule(progress_dir)
    for message in warnings + notices:
        render.warning(console, message)
    chosen = [card for card in cards if day is None or card.day == day]
    plan = queue(chosen, states, today, count)
    if not plan:
        render.nothing_due(console, day, next_due(chosen, states), today)
        return 0
    due = sum(1 for card in chosen if card.id in states and states[card.id].due <= today)
    render.header(console, day, due, sum(card.id not in states for card in chosen), len(plan))
    tally, stopped = run_session(
        plan,
        states,
        progress_dir,
        console,
        today,
        grades,
        ask or (lambda prompt: console.input(Text(prompt, style="grade.next"))),
    )
    render.summary(console, tally, len(plan), next_due(chosen, states), today, stopped)
    return 0
