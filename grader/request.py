"""What to grade and how: one typed request, from the command line down to the runner.

A :class:`GradeRequest` is built once per grade by :func:`grade_request` (from
``grade``'s options; ``watch`` and ``export`` call it with theirs) and read by
grading (:mod:`grader.grading`) and recording (:mod:`grader.record`); nothing
below the command line sees the options in any other shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from grader.catalog import EXERCISES_ROOT, PROGRESS_ROOT, REPO_ROOT, SOLUTIONS_ROOT
from grader.child import Limits
from grader.errors import UsageError
from grader.history import clone_root_of
from grader.identity import learner
from grader.progress import peek_ledger


@dataclass(frozen=True)
class GradeRequest:
    """What to grade and how, and where the grade is recorded."""

    target_root: Path  # an exercises/-shaped folder: <root>/<day>/<files>
    graded: str = "attempt"  # or "solutions" for the self-check
    reference_root: Path = SOLUTIONS_ROOT
    limits: Limits = field(default_factory=Limits)
    seed: int | None = None
    only: str | None = None  # one test (function name, optionally with [params]): a replay
    test_files: tuple[str, ...] = ()  # only these hidden test files (empty: all)
    fail_fast: bool = False
    progress_dir: Path | None = None  # where the report and ledger go (None: nothing recorded)
    # {day: {task: hints shown}}: the learner's ledger, read before grading
    hints_revealed: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    @property
    def foreign(self) -> bool:
        """Someone else's clone (``--target`` outside this repository and outside the
        catalog's exercises and solutions roots): read, never run."""
        return is_foreign(self.target_root)


def is_foreign(folder: Path) -> bool:
    """Whether ``folder`` is outside this repository and the catalog's exercises and
    solutions roots: someone else's clone."""
    home = (REPO_ROOT, EXERCISES_ROOT, SOLUTIONS_ROOT)
    return not any(folder.resolve().is_relative_to(root) for root in home)


def grade_request(
    *,
    target: Path | None = None,
    solutions: bool = False,
    progress_dir: Path | None = None,
    limits: Limits | None = None,
    seed: int | None = None,
    only: str | None = None,
) -> GradeRequest:
    """The request ``grade`` makes of its options.

    ``target`` is an exercises/-shaped folder or a learner's whole clone (its
    ``exercises/`` is used); by default the learner's own ``exercises/``, or the
    references with ``solutions``. Folders inside ``solutions/`` are a self-check
    however they are given. Where the grade is recorded: nowhere for a replay
    (``only``) or a self-check without ``progress_dir``; else ``progress_dir``, or by
    default :func:`default_progress_dir`. An attempt that enters a ledger carries
    the hints already revealed in it.
    """
    root = SOLUTIONS_ROOT if solutions else EXERCISES_ROOT
    if target is not None:
        root = target
        if (root / "exercises").is_dir() and not any(root.glob("day[0-9][0-9]")):
            root = root / "exercises"  # a whole clone was given: use its exercises/
        if not root.is_dir():
            raise UsageError(
                f"--target {str(target)!r} is not a folder; give the learner's "
                "exercises/ folder (or their clone)"
            )
    # The references are a self-check however they are named: never a learner's grade.
    solutions = solutions or root.resolve().is_relative_to(SOLUTIONS_ROOT)
    # Replays are never recorded. The self-check never enters a ledger or the milestone,
    # whatever progress_dir says; with a progress_dir it writes its report only.
    if only is not None or (solutions and progress_dir is None):
        progress_dir = None
    elif progress_dir is None:
        progress_dir = default_progress_dir(root)
    enters_ledger = progress_dir is not None and not solutions
    return GradeRequest(
        target_root=root,
        graded="solutions" if solutions else "attempt",
        limits=limits or Limits(),
        seed=seed,
        only=only,
        progress_dir=progress_dir,
        hints_revealed=hints_revealed(progress_dir) if enters_ledger else {},
    )


def default_progress_dir(target_root: Path) -> Path:
    """``progress/``, or for someone else's clone ``progress/targets/<learner id>/``: a
    mentor keeps one ledger per learner, keyed by who they are (their git email, else
    their remote), not by the folder's name, so alice/katas and bob/katas never share."""
    if not is_foreign(target_root):
        return PROGRESS_ROOT
    return learner_progress_dir(PROGRESS_ROOT, target_root)


def learner_progress_dir(mentor_progress: Path, target: Path) -> Path:
    """Where a mentor keeps one learner's ledger and reports: ``<progress>/targets/<id>/``."""
    return mentor_progress / "targets" / learner(clone_root_of(target))["id"]


def hints_revealed(progress_dir: Path) -> dict[str, dict[str, int]]:
    """``{day: {task: hints shown}}`` from the ledger in ``progress_dir``, read before
    grading (without its lock: it is replaced atomically); empty when there is none yet
    or it is unreadable (recording the grade then moves it aside and says so)."""
    ledger, _ = peek_ledger(progress_dir)
    days = (ledger or {}).get("days", {})
    return {name: dict(entry.get("hints_revealed") or {}) for name, entry in days.items()}
