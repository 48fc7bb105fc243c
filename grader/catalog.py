"""The catalog of days: what each day asks for and how it is passed.

Each day is described by ``grader/hidden/<day>/day.toml`` next to its hidden
tests, so adding a day never edits a shared file::

    title = "ML refresh"
    topics = ["logistic regression", "precision / recall / F1"]
    exercises = ["logistic_regression.py", "metrics.py"]   # what the learner edits
    answers = ["answers/system_design.md"]                 # markdown templates
    pass_rule = "all_green"  # or "answers" for a day graded on writing only
    milestone = "Milestone 4"  # the checkpoint this day counts towards (optional)

    [pass_marks]           # optional, only where the curriculum sets a threshold:
    "test_quiz.py" = 0.7   # this hidden file passes at 70 % of its points

The verdict is all green, as in rustlings and exercism: a day passes only when
every non-bonus hidden test passes, because each test checks one thing the day
teaches. Points stay as partial credit for progress and mentors. A file named in
``[pass_marks]`` passes at its own share of points instead (day 40's concept quiz).

Hidden tests for ``exercises/<day>/foo.py`` live in ``grader/hidden/<day>/test_foo.py``.

The catalog is the one list of days: grading, ``list``, ``progress``, the
milestone, flashcards and notes all read it, so a new ``grader/hidden/day41/``
(with ``exercises/day41/`` and ``solutions/day41/``) is graded and shown without
editing any module. Each of the three roots can be moved with an environment
variable (``KATAS_HIDDEN_ROOT``, ``KATAS_EXERCISES_ROOT``, ``KATAS_SOLUTIONS_ROOT``),
read once at import: the project's tests build a catalog in a temporary folder
that way, and an author can try a new day outside the repository.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from grader.errors import GraderError, UsageError

REPO_ROOT = Path(__file__).resolve().parent.parent


def _root(variable: str, default: Path) -> Path:
    """The folder ``variable`` names in the environment, else the repository's own."""
    value = os.environ.get(variable)
    return Path(value).resolve() if value else default


HIDDEN_ROOT = _root("KATAS_HIDDEN_ROOT", REPO_ROOT / "grader" / "hidden")
EXERCISES_ROOT = _root("KATAS_EXERCISES_ROOT", REPO_ROOT / "exercises")
SOLUTIONS_ROOT = _root("KATAS_SOLUTIONS_ROOT", REPO_ROOT / "solutions")
PROGRESS_ROOT = REPO_ROOT / "progress"  # the learner's ledger and reports (default)
LABS_ROOT = REPO_ROOT / "labs"  # a day has a lab when labs/<day>.py exists

PASS_RULES = ("all_green", "answers")
_DAY_NAME = re.compile(r"^day(\d{2})$")


@dataclass(frozen=True)
class Day:
    """One day of the sprint as the grader sees it."""

    name: str  # "day31"
    title: str
    topics: tuple[str, ...]
    exercises: tuple[str, ...]  # file names relative to the day folder
    answers: tuple[str, ...]  # markdown templates relative to the day folder
    pass_rule: str
    pass_marks: tuple[tuple[str, float], ...] = ()  # (hidden test file, its own share of points)
    milestone: str = ""  # the checkpoint the day counts towards ("" for none)

    @property
    def number(self) -> int:
        return int(self.name[3:])

    @property
    def hidden_dir(self) -> Path:
        return HIDDEN_ROOT / self.name

    @property
    def lab(self) -> Path | None:
        """The day's marimo lab (``labs/day34.py``), or None for a day without one."""
        path = LABS_ROOT / f"{self.name}.py"
        return path if path.is_file() else None

    @property
    def exported_lab(self) -> Path:
        """Where ``nox -s lab -- <day> --export`` writes the lab's static page."""
        return PROGRESS_ROOT / "labs" / f"{self.name}.html"


def _load_day(folder: Path) -> Day:
    path = folder / "day.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        day = Day(
            name=folder.name,
            title=str(data["title"]),
            topics=tuple(data.get("topics", ())),
            exercises=tuple(data.get("exercises", ())),
            answers=tuple(data.get("answers", ())),
            pass_rule=str(data.get("pass_rule", "all_green")),
            pass_marks=tuple((str(k), float(v)) for k, v in data.get("pass_marks", {}).items()),
            milestone=str(data.get("milestone", "")),
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        shown = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path
        raise GraderError(f"the catalog entry {shown} is broken: {exc}") from exc
    if "pass_mark" in data:
        raise GraderError(
            f"{path.name} of {day.name}: 'pass_mark' is gone; a day passes when every test "
            "passes, and [pass_marks] sets a threshold for one file where the curriculum has one"
        )
    if day.pass_rule not in PASS_RULES:
        raise GraderError(
            f"{path.name} of {day.name}: pass_rule {day.pass_rule!r} not in {PASS_RULES}"
        )
    return day


@cache
def all_days() -> tuple[Day, ...]:
    """Every day that has a ``day.toml``, in order."""
    folders = sorted(p for p in HIDDEN_ROOT.iterdir() if _DAY_NAME.match(p.name))
    return tuple(_load_day(p) for p in folders if (p / "day.toml").exists())


def next_day(day: Day) -> Day | None:
    """The day after ``day`` in the catalog, or None for the last one."""
    later = [d for d in all_days() if d.name > day.name]
    return later[0] if later else None


def get_day(name: str) -> Day:
    """Look a day up by ``day31`` or ``31``; ``UsageError`` lists the valid names."""
    wanted = f"day{name}" if name.isdigit() else name.lower()
    for day in all_days():
        if day.name == wanted:
            return day
    valid = ", ".join(d.name for d in all_days())
    raise UsageError(f"unknown day {name!r}; valid days are {valid} (31 works for day31)")


def select_days(names: list[str]) -> list[Day]:
    """Resolve command-line day names (``all`` means every day), keeping order, no repeats."""
    if not names:
        raise UsageError("name at least one day to grade, for example: day31 (or 'all')")
    chosen: list[Day] = []
    for name in names:
        try:
            days = all_days() if name.lower() == "all" else (get_day(name),)
        except UsageError as exc:
            raise UsageError(f"{exc}, or 'all'") from None
        for day in days:
            if day not in chosen:
                chosen.append(day)
    return chosen
