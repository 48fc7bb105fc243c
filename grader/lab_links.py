"""The published notes' "Labs" section: every day's lab, linked where it was exported.

``nox -s lab -- day34 --export`` writes ``progress/labs/day34.html``, a static page.
The notes link each such page by a path relative to the notes file, so the notes and
the pages still find each other when the progress folder is copied or published whole.
A lab not exported yet is listed with the command that exports it, whole on its own
line (a code block), ready to copy.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from grader.catalog import PROGRESS_ROOT, Day

HEADING = "Labs"


def export_command(day: Day) -> str:
    return f"nox -s lab -- {day.name} --export"


def exported_page(day: Day, progress_dir: Path) -> Path:
    """Where the day's exported lab is under ``progress_dir`` (``labs/<day>.html``)."""
    return progress_dir / day.exported_lab.relative_to(PROGRESS_ROOT)


def relative_link(page: Path, notes_dir: Path) -> str:
    """``page`` as a Markdown link target relative to ``notes_dir`` (forward slashes,
    spaces and other unsafe characters percent-encoded)."""
    relative = os.path.relpath(page.resolve(), notes_dir.resolve())
    return quote(Path(relative).as_posix())


def lab_item(day: Day, progress_dir: Path, notes_dir: Path) -> str:
    """One list item: a link to the exported page, or the command that exports it."""
    name = f"Day {day.number} · {day.title}"
    page = exported_page(day, progress_dir)
    if page.is_file():
        return f"- [{name}]({relative_link(page, notes_dir)})"
    command = export_command(day)  # in a code block: whole on its own line, to copy
    return f"- {name}: not exported yet. Export it with:\n\n  ```bash\n  {command}\n  ```"


def labs_section(days: tuple[Day, ...], progress_dir: Path, notes_dir: Path) -> str:
    """The ``## Labs`` section for the days that have a lab ("" when none has)."""
    items = [lab_item(d, progress_dir, notes_dir) for d in days if d.lab is not None]
    if not items:
        return ""
    intro = (
        "Each lab draws what its day teaches with your own code (the reference where a "
        "function is still a stub, and labelled so). An exported lab is a static page "
        "that opens offline in any browser."
    )
    return f"## {HEADING}\n\n{intro}\n\n" + "\n".join(items) + "\n"
