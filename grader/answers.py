"""Completeness of the markdown answer templates (written answers are read by a
mentor, not scored by the grader).

A template holds prompts and guiding questions, then answer sections. Templates
are read with a real Markdown parser (markdown-it-py in CommonMark mode, plus
GitHub-style tables), so the structure is the one a Markdown viewer shows:

- An answer section is a level-1 or level-2 heading, ATX (``## Answer: ...``)
  or setext (``Answer`` underlined with ``===`` or ``---``), whose text starts
  with ``Answer`` (any case). It runs to the next level-1 or level-2 heading
  *as the parser sees it*: a ``#`` line inside fenced or indented code, an HTML
  block or a list item is not a heading, and neither is a heading inside a
  blockquote (it belongs to the quote, so it neither starts nor ends a section;
  its words count for the section holding the quote). Level-3 and deeper
  headings stay inside the section. Beware the parser's view: a line of
  ``---`` right under a paragraph makes that paragraph a level-2 heading.
- HTML comments are the template's placeholders and never count, whether the
  parser sees them as a block or inline in a paragraph; text outside the
  comments and tags of an HTML block does count (it is shown when rendered).
- Words are the learner's prose: paragraphs, list items, table cells (never
  the pipes and dashes of the table syntax), block quotes, sub-headings, link
  text and image alt text. Each CJK character counts as a word, so answers in
  Chinese are measured fairly.
- Code does not count as prose. Text in fenced or indented code blocks (and in
  raw ``<pre>``/``<script>``/``<style>``/``<textarea>`` HTML blocks) counts
  zero words: the minimum asks for an explanation in the learner's own words,
  which a snippet, a log or an ASCII diagram illustrates but does not replace,
  and code splits into many pseudo-words (``np.where(x > 0, a, b)`` would be
  five), so a pasted block could meet the minimum without a sentence written.
  An inline code span counts as one word however long it is: in a sentence it
  names a term (``use `alpha / r` as the scale``), so it is neither dropped
  nor allowed to pad the count.

A section is complete when it holds at least ``MIN_WORDS`` such words.
``answer_sections`` returns each section's Markdown source (comments removed
outside code), so the published notes reproduce exactly what was written.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from grader.results import AnswerCheck

MIN_WORDS = 25
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_WORD = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W_](?:[\w'’-]*[^\W_])?")
_NEWLINE = re.compile(r"\r\n?")  # what markdown-it normalises before it maps lines
_BLOCK_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)  # unclosed: hides the rest
_TAG = re.compile(r"<[^>]*>")
_RAW_HTML = re.compile(r"\s*<(?:pre|script|style|textarea)[\s>]", re.IGNORECASE)
_CODE_BLOCKS = ("fence", "code_block")
_CODE_SPAN_WORD = " x "  # an inline code span stands for one word

_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _parse(markdown: str) -> tuple[list[str], list[Token]]:
    """The source split into the lines ``token.map`` counts, and its block tokens."""
    source = _NEWLINE.sub("\n", markdown)
    lines = source.split("\n")
    if source.endswith("\n"):
        lines.pop()  # the final newline ends the last line, it does not start another
    return lines, _MD.parse(source)


def _inline_prose(children: Iterable[Token]) -> str:
    """The words an inline run shows: text, link text, alt text; code spans as one word."""
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "text_special"):
            parts.append(child.content)
        elif child.type == "code_inline":
            parts.append(_CODE_SPAN_WORD if child.content.strip() else " ")
        elif child.type in ("softbreak", "hardbreak", "html_inline"):
            parts.append(" ")  # inline HTML (comments included) never counts
        elif child.type == "image":
            parts.append(f" {_inline_prose(child.children or [])} ")
    return "".join(parts)


def _html_block_prose(content: str) -> str:
    if _RAW_HTML.match(content):
        return ""
    return html.unescape(_TAG.sub(" ", _BLOCK_COMMENT.sub(" ", content)))


def _count(tokens: Iterable[Token]) -> int:
    parts: list[str] = []
    for token in tokens:
        if token.type == "inline":
            parts.append(_inline_prose(token.children or []))
        elif token.type == "html_block":
            parts.append(_html_block_prose(token.content))
        # fence and code_block: code is not prose (see the module docstring)
    # A comment the parser could not see (opened in one paragraph, closed in another)
    # is still a comment to the learner: it never pads the count.
    return len(_WORD.findall(COMMENT.sub(" ", "\n".join(parts))))


def count_words(text: str) -> int:
    """Words of real prose in Markdown: ``"Batch scoring, 批处理"`` -> 2 + 3 = 5."""
    return _count(_parse(text)[1])


def _plain(inline: Token) -> str:
    kinds = ("text", "text_special", "code_inline")
    return "".join(c.content if c.type in kinds else " " for c in inline.children or [])


def _source_without_comments(lines: Sequence[str], first: int, tokens: Sequence[Token]) -> str:
    """``lines`` (numbered from ``first``) with the HTML comments the reader never sees
    removed; code blocks are kept verbatim, and so is a comment written in a code span."""
    kind = ["text"] * len(lines)
    for token in tokens:
        if token.map and token.type in (*_CODE_BLOCKS, "html_block"):
            for number in range(max(token.map[0], first), min(token.map[1], first + len(lines))):
                kind[number - first] = "code" if token.type in _CODE_BLOCKS else "html"
    spans = [
        c.content
        for t in tokens
        if t.type == "inline"
        for c in t.children or []
        if c.type == "code_inline"
    ]

    def drop(match: re.Match[str]) -> str:
        return match.group() if any(match.group() in span for span in spans) else ""

    regions: list[str] = []
    start = 0
    for end in range(1, len(lines) + 1):
        if end == len(lines) or kind[end] != kind[start]:
            text = "\n".join(lines[start:end])
            if kind[start] == "html":
                text = _BLOCK_COMMENT.sub("", text)
            elif kind[start] == "text":
                text = COMMENT.sub(drop, text)
            regions.append(text)
            start = end
    return "\n".join(regions)


def _sections(markdown: str) -> list[tuple[str, str, int]]:
    """``(heading, body source, words)`` for every answer section, in order."""
    lines, tokens = _parse(markdown)
    headings = [
        i
        for i, token in enumerate(tokens)
        if token.type == "heading_open" and token.level == 0 and token.tag in ("h1", "h2")
    ]
    sections = []
    for n, start in enumerate(headings):
        inline = tokens[start + 1]
        if not COMMENT.sub("", _plain(inline)).strip().casefold().startswith("answer"):
            continue
        end = headings[n + 1] if n + 1 < len(headings) else len(tokens)
        body_tokens = tokens[start + 3 : end]  # after heading_open, inline, heading_close
        first = tokens[start].map[1] if tokens[start].map else 0
        last = tokens[end].map[0] if end < len(tokens) and tokens[end].map else len(lines)
        title = " ".join(COMMENT.sub("", inline.content).split())
        body = _source_without_comments(lines[first:last], first, body_tokens)
        sections.append((title, body, _count(body_tokens)))
    return sections


def answer_sections(markdown: str) -> list[tuple[str, str]]:
    """``[(heading, body), ...]`` for every answer section: the body is the section's
    Markdown source with the placeholders (HTML comments) removed outside code."""
    return [(title, body) for title, body, _ in _sections(markdown)]


def check_answer_file(path: Path, display_name: str) -> AnswerCheck:
    """How complete one template is; a missing or unreadable file is simply incomplete."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return AnswerCheck(
            file=display_name, exists=False, sections=0, complete_sections=0, words=0
        )
    counts = [(title, words) for title, _, words in _sections(text)]
    return AnswerCheck(
        file=display_name,
        exists=True,
        sections=len(counts),
        complete_sections=sum(words >= MIN_WORDS for _, words in counts),
        words=sum(words for _, words in counts),
        missing=tuple(title for title, words in counts if words < MIN_WORDS),
    )


def check_answers(day_dir: Path, files: tuple[str, ...], label: str) -> tuple[AnswerCheck, ...]:
    """Check every template a day lists (``label`` replaces the folder in file names)."""
    return tuple(check_answer_file(day_dir / name, f"{label}/{name}") for name in files)
