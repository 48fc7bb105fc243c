"""``python -m grader notes``: publish the learner's "LLM Fundamentals" notes.

Compiles every day's answer templates into one Markdown document: a title, a
table of contents, one section per day holding each template's prompt and the
learner's own answers. Placeholders (HTML comments) and empty answer sections
are left out and counted in a closing "Still to write" list, so the document
only ever shows what the learner actually wrote. A "Labs" section links each
exported lab page, or gives the command that exports it (:mod:`grader.lab_links`).
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.answers import COMMENT, answer_sections, count_words
from grader.catalog import EXERCISES_ROOT, PROGRESS_ROOT, Day, all_days
from grader.display import make_console, shown_path
from grader.errors import UsageError
from grader.lab_links import HEADING as LABS_HEADING
from grader.lab_links import labs_section
from grader.storage import write_text_atomic

OUTPUT_NAME = "llm-fundamentals-notes.md"


@dataclass
class Notes:
    """The compiled document and what is still missing from it."""

    title: str = "LLM Fundamentals: notes"  # names the catalog's days once compiled
    sections: list[str] = field(default_factory=list)  # one Markdown block per day
    toc: list[str] = field(default_factory=list)
    still_to_write: list[str] = field(default_factory=list)
    answers_written: int = 0


def _anchor(text: str) -> str:
    """GitHub-style heading anchor: lower-case, spaces to dashes, punctuation dropped."""
    return re.sub(r"[^\w\- ]", "", text.lower()).strip().replace(" ", "-")


def template_parts(markdown: str) -> tuple[str, str]:
    """(title, prompt) of a template: its ``#`` heading and the ``**Prompt.**`` paragraph."""
    text = COMMENT.sub("", markdown)
    title = next((ln[2:].strip() for ln in text.splitlines() if ln.startswith("# ")), "")
    match = re.search(r"\*\*Prompt\.\*\*(.*?)(?:\n\s*\n|$)", text, re.DOTALL)
    prompt = " ".join(match.group(1).split()) if match else ""
    return title, prompt


def compile_day(day: Day, day_dir: Path, notes: Notes) -> None:
    """Add one day's written answers to ``notes``."""
    blocks: list[str] = []
    for name in day.answers:
        path = day_dir / name
        if not path.is_file():
            notes.still_to_write.append(f"{day.name}/{name}: the file is missing")
            continue
        markdown = path.read_text(encoding="utf-8")
        title, prompt = template_parts(markdown)
        written = []
        for heading, body in answer_sections(markdown):
            if count_words(body) == 0:
                notes.still_to_write.append(f"{day.name}/{name}: {heading}")
                continue
            written.append(f"#### {heading}\n\n{body.strip()}\n")
        if written:
            notes.answers_written += len(written)
            intro = f"> {prompt}\n\n" if prompt else ""
            blocks.append(f"### {title or name}\n\n{intro}" + "\n".join(written))
    if blocks:
        heading = f"Day {day.number} · {day.title}"
        notes.toc.append(f"- [{heading}](#{_anchor(heading)})")
        notes.sections.append(f"## {heading}\n\n" + "\n".join(blocks))


def render_notes(notes: Notes, labs: str = "") -> str:
    """The Markdown document; ``labs`` (a ``## Labs`` section) follows the days."""
    toc = notes.toc + ([f"- [{LABS_HEADING}](#{_anchor(LABS_HEADING)})"] if labs else [])
    contents = "\n".join(toc) or "_Nothing written yet._"
    parts = [f"# {notes.title}\n", "## Contents\n", contents, ""]
    parts += notes.sections
    if labs:
        parts.append(labs)
    if notes.still_to_write:
        heading = f"Still to write ({len(notes.still_to_write)})"
        items = "\n".join(f"- {item}" for item in notes.still_to_write)
        parts.append(f"## {heading}\n\n{items}\n")
    return "\n".join(parts).rstrip() + "\n"


def compile_notes(source_root: Path, days: tuple[Day, ...]) -> Notes:
    """Every day's answers under ``source_root``, titled with the span of ``days``."""
    notes = Notes()
    if days:
        notes.title = f"LLM Fundamentals: notes from days {days[0].number}–{days[-1].number}"
    for day in days:
        compile_day(day, source_root / day.name, notes)
    return notes


def command_notes(args: argparse.Namespace) -> int:
    """Write the notes document and say where it went and what is still missing."""
    source = args.source or EXERCISES_ROOT
    if not source.is_dir():
        raise UsageError(
            f"--source {str(source)!r} is not a folder; give an exercises/-shaped "
            "folder (the one holding day31/, day32/, …)"
        )
    progress_dir = args.progress_dir or PROGRESS_ROOT
    output = args.output or progress_dir / OUTPUT_NAME
    notes = compile_notes(source, all_days())
    labs = labs_section(all_days(), progress_dir, output.parent)
    write_text_atomic(output, render_notes(notes, labs))
    console = make_console()
    console.print(
        f"Wrote {shown_path(output)}: {notes.answers_written} answer(s) from "
        f"{len(notes.sections)} day(s)."
    )
    if notes.still_to_write:
        console.print(f"Still to write: {len(notes.still_to_write)} section(s), listed at the end.")
    return 0
