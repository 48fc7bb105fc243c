"""Hidden tests for exercises/day40/quiz.md: one test, one point, per question.

The questions and their right answers come from the key, solutions/day40/quiz.md,
read when the tests are collected (the key is trusted; the attempt is read only
inside each test, through the ``attempt_dir`` fixture). The format both files share:

    ### Q7. [day 34 · KV cache] During autoregressive decoding, what does ...
    - [ ] A. ...
    - [x] B. ...

A failure names the question and the day to revisit, never the right letter.
By hand: Q16's key is B, because a rank-8 adapter on a 4096 x 4096 weight adds
2 · 4096 · 8 = 65,536 parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from grader.catalog import SOLUTIONS_ROOT
from grader.testing import Mistake

KEY_PATH = SOLUTIONS_ROOT / "day40" / "quiz.md"
MIN_QUESTIONS = 20

_QUESTION = re.compile(r"^###\s*Q(\d+)\.\s*(.*)$")
_TAG = re.compile(r"^\[day\s*(\d+)\s*[·:,-]\s*([^\]]+?)\s*\]")
_HEADING = re.compile(r"^#{1,6}\s")
# "- [ ] A. text", "- [x] B. text", "* [X] C) text": a list item with a box and a letter
_OPTION = re.compile(r"^\s*[-*+]\s*\[\s*([xX]?)\s*\]\s*([A-Za-z])[.)]")


@dataclass
class Question:
    number: int
    tag: str  # "day 34 (KV cache)"
    options: list[str] = field(default_factory=list)  # option letters, in order
    ticked: list[str] = field(default_factory=list)  # letters whose box is ticked
    copies: int = 1  # how many times the heading appears


def parse_quiz(text: str) -> dict[int, Question]:
    """``{number: Question}``: a question runs from its ``### Qn.`` heading to the next heading."""
    questions: dict[int, Question] = {}
    current: Question | None = None
    for line in text.splitlines():
        if match := _QUESTION.match(line):
            number = int(match.group(1))
            tag = _TAG.match(match.group(2))
            if number in questions:
                questions[number].copies += 1
                current = None  # a second copy earns nothing: its ticks are not read
                continue
            current = questions[number] = Question(
                number, f"day {tag.group(1)} ({tag.group(2)})" if tag else "its day"
            )
        elif _HEADING.match(line):
            current = None
        elif current is not None and (option := _OPTION.match(line)):
            letter = option.group(2).upper()
            current.options.append(letter)
            if option.group(1):
                current.ticked.append(letter)
    return questions


def load_key() -> dict[int, tuple[str, str]]:
    """``{number: (right letter, "day NN (topic)")}``, checked: the key must be sound."""
    questions = parse_quiz(KEY_PATH.read_text(encoding="utf-8"))
    numbers = sorted(questions)
    problems = [f"Q{n}: {len(q.ticked)} ticks" for n, q in questions.items() if len(q.ticked) != 1]
    problems += [f"Q{n}: no [day NN · topic] tag" for n, q in questions.items() if "(" not in q.tag]
    if numbers != list(range(1, len(numbers) + 1)) or len(numbers) < MIN_QUESTIONS:
        problems.append(f"questions must be numbered 1..N with N >= {MIN_QUESTIONS}: {numbers}")
    if problems:
        raise RuntimeError(f"the quiz key {KEY_PATH.name} is broken: " + "; ".join(problems))
    return {n: (q.ticked[0], q.tag) for n, q in questions.items()}


KEY = load_key()


def read_attempt(folder: Path) -> dict[int, Question]:
    path = folder / "quiz.md"
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        raise AssertionError(
            "quiz.md is missing from your day40 folder; restore it from the template"
        ) from None
    return parse_quiz(text)


@pytest.mark.grade(
    points=1,
    hint="Which day does the message name, and what does that day's README say on the topic?",
    task="quiz",
)
@pytest.mark.parametrize("number", sorted(KEY), ids=[f"Q{n}" for n in sorted(KEY)])
def test_the_ticked_answer_is_the_right_one(attempt_dir, number):
    right, tag = KEY[number]
    question = read_attempt(attempt_dir).get(number)
    if question is None:
        raise Mistake(
            f"Q{number}: not found in quiz.md; keep its heading '### Q{number}.' and its options",
            hint=f"Is the heading '### Q{number}.' still in quiz.md, as in the template?",
        )
    if question.copies > 1:
        raise Mistake(
            f"Q{number}: the heading '### Q{number}.' appears {question.copies} times; keep one",
            hint=f"Did you copy the question Q{number}? Only one copy of it can be graded.",
        )
    if not question.ticked:
        raise Mistake(
            f"Q{number}: no box ticked; tick exactly one",
            hint="Did you tick a box for this question: '- [x] B. ...'?",
        )
    if len(question.ticked) > 1:
        raise Mistake(
            f"Q{number}: {len(question.ticked)} boxes ticked ({', '.join(question.ticked)}); "
            "tick exactly one",
            hint="Which ONE of the boxes you ticked is the answer? Several ticks earn nothing.",
        )
    if question.ticked[0] != right:
        raise AssertionError(f"Q{number}: not the right answer; revisit {tag}")
