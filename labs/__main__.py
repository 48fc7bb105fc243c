"""``python -m labs DAY [--export | --app] [--target DIR | --solutions] [--out FILE]``.

The command behind ``nox -s lab``. Without ``--export`` it opens the lab in the
browser with ``marimo edit`` (``--app``: ``marimo run``, the read-only app view).
With ``--export`` it runs the lab headless and writes ``progress/labs/<day>.html``.
Which code the lab shows is passed to the notebook in ``$KATAS_LAB_TARGET``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

from grader.catalog import EXERCISES_ROOT, SOLUTIONS_ROOT, Day, all_days, get_day
from grader.errors import GraderError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise GraderError(f"{message} (see: nox -s lab -- --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="nox -s lab --", description="Open or export a day's lab.")
    parser.add_argument("day", metavar="DAY", help="a day with a lab, e.g. day34 or 34")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--export", action="store_true",
                      help="write a static page (default: progress/labs/DAY.html)")  # fmt: skip
    mode.add_argument("--app", action="store_true", help="open the read-only app view")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--target", type=Path, metavar="DIR",
                        help="show another clone's code (its exercises/ folder)")  # fmt: skip
    source.add_argument("--solutions", action="store_true", help="show the reference solutions")
    parser.add_argument("--out", type=Path, metavar="FILE", help="where --export writes")
    return parser


def lab_day(name: str) -> Day:
    day = get_day(name)
    if day.lab is None:
        with_labs = ", ".join(d.name for d in all_days() if d.lab is not None)
        raise GraderError(f"{day.name} has no lab; the labs are {with_labs}")
    return day


def code_root(args: argparse.Namespace) -> Path:
    """The folder whose ``dayNN/`` the lab imports (a whole clone means its exercises/)."""
    if args.solutions:
        return SOLUTIONS_ROOT
    if args.target is None:
        return EXERCISES_ROOT
    root = args.target.resolve()
    if (root / "exercises").is_dir():
        root = root / "exercises"
    if not root.is_dir():
        raise GraderError(f"--target {str(args.target)!r} is not a folder; give a clone or "
                          "its exercises/ folder")  # fmt: skip
    return root


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        day = lab_day(args.day)
        root = code_root(args)
    except GraderError as exc:  # UsageError is one too
        print(f"lab: {exc}", file=sys.stderr)
        return 2
    os.environ["KATAS_LAB_TARGET"] = str(root)
    shown = "the reference solutions" if args.solutions else f"{root}"
    if args.export:
        from labs.export import export  # imports marimo: only in the lab's own venv

        out = export(day.name, day.title, args.out or day.exported_lab, f"{shown}")
        print(f"Wrote {out}")
        print("Open it in any browser; it needs no network.")
        return 0
    command = "run" if args.app else "edit"
    assert day.lab is not None
    return subprocess.call([sys.executable, "-m", "marimo", command, str(day.lab)])


if __name__ == "__main__":
    sys.exit(main())
