"""What to grade and how: one typed request, from the command line down to the runner.

A :class:`GradeRequest` is built once per command and read by grading
(:mod:`grader.grading`) and recording (:mod:`grader.record`); nothing below the
command line sees its options in any other shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from grader.catalog import EXERCISES_ROOT, REPO_ROOT, SOLUTIONS_ROOT
from grader.child import Limits


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
        home = (REPO_ROOT, EXERCISES_ROOT, SOLUTIONS_ROOT)
        return not any(self.target_root.resolve().is_relative_to(root) for root in home)
