"""Completeness of the markdown answer templates (written answers are read by a
mentor, not scored by the grader).

A template holds prompts and guiding questions, then answer sections: level-2
headings that start with ``Answer`` (``## Answer: your trade-off story``). A
section runs to the next heading of level 1 or 2. HTML comments are the
template's placeholders and are ignored, so a section is complete when it
holds at least ``MIN_WORDS`` words of the learner's own (each CJK character
counts as a word, so answers in Chinese are measured fairly).
"""

from __future__ import annotations

import re
from pathlib import Path

from grader.results import AnswerCheck

MIN_WORDS = 25
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_WORD = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W_](?:[\w'’-]*[^\W_])?")


def count_words(text: str) -> int:
    """Words of real text: ``"Batch scoring, 批处理"`` -> 2 + 3 = 5."""
    return len(_WORD.findall(COMMENT.sub(" ", text)))


def answer_sections(markdown: str) -> list[tuple[str, str]]:
    """``[(heading, body), ...]`` for every ``## Answer...`` section, comments removed."""
    sections: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    for line in COMMENT.sub("", markdown).splitlines():
        match = _HEADING.match(line)
        if match and len(match.group(1)) <= 2:
            title = match.group(2)
            current = [] if title.lower().startswith("answer") else None
            if current is not None:
                sections.append((title, current))
            continue
        if current is not None:
            current.append(line)
    return [(title, "\n".join(body)) for title, body in sections]


def check_answer_file(path: Path, display_name: str) -> AnswerCheck:
    """How complete one template is; a missing or unreadable file is simply incomplete."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return AnswerCheck(
            file=display_name, exists=False, sections=0, complete_sections=0, words=0
        )
    sections = answer_sections(text)
    counts = [(title, count_words(body)) for title, body in sections]
    return AnswerCheck(
        file=display_name,
        exists=True,
        sections=len(sections),
        complete_sections=sum(words >= MIN_WORDS for _, words in counts),
        words=sum(words for _, words in counts),
        missing=tuple(title for title, words in counts if words < MIN_WORDS),
    )


def check_answers(day_dir: Path, files: tuple[str, ...], label: str) -> tuple[AnswerCheck, ...]:
    """Check every template a day lists (``label`` replaces the folder in file names)."""
    return tuple(check_answer_file(day_dir / name, f"{label}/{name}") for name in files)
