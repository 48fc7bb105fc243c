"""Terminal output of a flashcard session. Rendering only: the schedule decides.

Uses the named styles of :data:`grader.display.THEME` (``grade.title``,
``grade.pass`` …) on a console from :func:`grader.display.make_console`, so it is
plain text in logs and tests. Card text is always wrapped in ``Text``: a ``[x]``
in a question is shown as typed, never read as rich markup. Example::

    Flashcards · day34: 2 due, 5 new; this session: 7 cards
    Card 1/7 · day34 · box 2, due 2026-11-30 (overdue)
    Q: Why divide attention scores by sqrt(d_k)?
    A: Dot products of d_k-dimensional vectors grow with d_k …
    -> good: box 3, next on 2026-12-04 (in 3 days)
    Reviewed 7 cards: again 1, hard 1, good 4, easy 1. Next due: 2026-12-01 (today).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.flashcards.cards import Card
from grader.flashcards.schedule import CardState, Grade

GRADE_STYLE = {
    Grade.AGAIN: "grade.fail",
    Grade.HARD: "grade.timeout",
    Grade.GOOD: "grade.pass",
    Grade.EASY: "grade.next",
}
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")
REVEAL_PROMPT = "Press Enter to show the answer (Ctrl-C to stop) "
GRADE_PROMPT = "How well did you recall it? [a]gain [h]ard [g]ood [e]asy, q to stop: "


def when(day: date, today: date) -> str:
    """``2026-12-04 (in 3 days)``; also ``(today)``, ``(tomorrow)``, ``(overdue)``."""
    gap = (day - today).days
    words = {0: "today", 1: "tomorrow"}.get(gap, "overdue" if gap < 0 else f"in {gap} days")
    return f"{day.isoformat()} ({words})"


def warning(console: Console, message: str) -> None:
    """A problem the learner should fix (a malformed card, a file moved aside)."""
    console.print(Text(f"Warning: {message}", style="grade.error"))


def header(console: Console, day: int | None, due: int, new: int, planned: int) -> None:
    """What this session holds."""
    scope = f" · day{day}" if day is not None else ""
    console.print(
        Text(
            f"Flashcards{scope}: {due} due, {new} new; this session: {planned} cards",
            style="grade.title",
        ),
        soft_wrap=True,
    )


def _side(label: str, text: str, style: str) -> Table:
    """``Q:`` or ``A:`` with the text wrapped under it (a hanging indent)."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(Text(label, style=style), Text(reflow(text), style=style if label == "Q:" else ""))
    return grid


def reflow(text: str) -> str:
    """Markdown-style soft wraps: lines join with a space unless a line starts a list item.

    ``"a\nb\n- c\n2. d"`` -> ``"a b\n- c\n2. d"``.
    """
    out: list[str] = []
    for line in text.split("\n"):
        if out and line.strip() and not _LIST_ITEM.match(line):
            out[-1] = f"{out[-1]} {line.strip()}"
        else:
            out.append(line.strip())
    return "\n".join(out)


def front(
    console: Console, card: Card, index: int, total: int, state: CardState | None, today: date
) -> None:
    """The card's position, tag and box, then its question."""
    meta = [f"Card {index}/{total}"]
    if card.day is not None:
        meta.append(f"day{card.day}")
    meta.append(f"box {state.box}, due {when(state.due, today)}" if state else "new")
    if card.source != "deck":
        meta.append(f"{card.source} line {card.line}")
    console.print()
    console.print(Text(" · ".join(meta), style="grade.dim"))
    console.print(_side("Q:", card.question, "grade.title"))


def back(console: Console, card: Card) -> None:
    """The answer, wrapped under its ``A:``."""
    console.print(_side("A:", card.answer, "grade.hint"))


def graded(console: Console, grade: Grade, state: CardState, today: date) -> None:
    """Where the grade sent the card."""
    console.print(
        Text.assemble(
            ("-> ", "grade.dim"),
            (grade.value, GRADE_STYLE[grade]),
            f": box {state.box}, next on {when(state.due, today)}",
        ),
    )


def not_a_grade(console: Console, reply: str) -> None:
    console.print(
        Text(
            f"{reply.strip()!r} is not a grade: type a, h, g or e (or 1 to 4), or q to stop.",
            style="grade.hint",
        )
    )


def counts(tally: Counter[Grade]) -> str:
    """``again 1, hard 0, good 2, easy 0``."""
    return ", ".join(f"{g.value} {tally[g]}" for g in Grade)


def summary(
    console: Console,
    tally: Counter[Grade],
    planned: int,
    upcoming: date | None,
    today: date,
    stopped: bool,
) -> None:
    """One line: how many were reviewed, the grades, and when the next card is due."""
    done = sum(tally.values())
    nxt = f" Next due: {when(upcoming, today)}." if upcoming else ""
    if stopped:
        text = f"Stopped after {done} of {planned} cards (saved): {counts(tally)}.{nxt}"
    else:
        text = f"Reviewed {done} card{'' if done == 1 else 's'}: {counts(tally)}.{nxt}"
    console.print()
    console.print(Text(text, style="grade.next"), soft_wrap=True)


def nothing_due(console: Console, day: int | None, upcoming: date | None, today: date) -> None:
    """Nothing to review now: say when something will be."""
    scope = f" for day{day}" if day is not None else ""
    if upcoming is None:
        console.print(
            Text(
                f"No flashcards{scope} yet. Add yours to exercises/flashcards.md "
                f"(tag them #day{day or 31})."
            ),
            soft_wrap=True,
        )
        return
    console.print(
        Text(
            f"Nothing is due{scope}. The next card is due on {when(upcoming, today)}.",
            style="grade.pass",
        ),
        soft_wrap=True,
    )
