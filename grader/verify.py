"""``python -m grader verify REPORT [--target CLONE]``: is this report genuine?

Re-grades the commit the report names, in a temporary checkout (a fresh
``git clone --no-checkout`` of the learner's clone, then ``checkout`` of that
commit: nothing is written into the clone, and its own hooks and filters are
not configured in the copy), with the same seed, then compares:

- every test's status and points, the totals, ``percent`` and ``passed``;
- each written answer's completeness and word count;
- each graded file's sha256;
- the grader's fingerprint (same grader code, hidden tests and library versions).

Prints ``VERIFIED`` or ``NOT VERIFIED`` with one line per difference; exit 0 or 1
(2 when the report or the clone cannot be used at all). A report edited by hand
fails on the values it changed; one made by another grader fails on the
fingerprint. A report of uncommitted work (``git.dirty``) cannot be verified:
only a commit can be re-graded.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from grader.catalog import get_day
from grader.display import make_console
from grader.errors import UsageError
from grader.grading import grade_day
from grader.identity import git
from grader.report import report_dict
from grader.request import GradeRequest

EXIT_VERIFIED, EXIT_DIFFERS = 0, 1
_REQUIRED = ("day", "git", "tests", "score", "max_score", "files", "answers", "grader")


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        "verify", help="re-grade the commit a report names and compare (is it genuine?)"
    )
    parser.add_argument("report", type=Path, metavar="REPORT", help="a JSON grade report")
    parser.add_argument(
        "--target",
        type=Path,
        metavar="CLONE",
        help="the learner's clone holding the report's commit "
        "(default: the clone the report was graded from)",
    )
    return parser


def load_report(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"no report at {str(path)!r}; give the path of a JSON report") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"{path.name} is not a JSON report ({type(exc).__name__})") from None
    missing = [k for k in _REQUIRED if not isinstance(data, dict) or k not in data]
    if missing:
        raise UsageError(f"{path.name} is not a grade report: it lacks {', '.join(missing)}")
    return data


def clone_for(report: dict[str, Any], target: Path | None) -> Path:
    """The learner's clone: --target, else the absolute folder the report was graded from."""
    if target is None:
        graded = Path(str(report.get("target", "")))
        if not graded.is_absolute():
            raise UsageError(
                "the report was graded inside its own clone; give the learner's "
                "clone with --target CLONE"
            )
        target = graded.parent.parent  # <clone>/exercises/<day>
    if not target.is_dir():
        raise UsageError(f"--target {str(target)!r} is not a folder; give the learner's clone")
    return target


def checkout(clone: Path, commit: str, into: Path) -> Path:
    """A fresh checkout of ``commit`` from ``clone`` in ``into``; returns its exercises/."""
    if git(clone, "cat-file", "-e", f"{commit}^{{commit}}") is None:
        raise UsageError(
            f"commit {commit[:12]} is not in {clone}: fetch the learner's "
            "branch first (git fetch), then verify again"
        )
    copy = into / "clone"
    if (
        git(into, "clone", "-q", "--no-checkout", "--no-hardlinks", str(clone.resolve()), str(copy))
        is None
        or git(copy, "checkout", "-q", commit) is None
    ):
        raise UsageError(f"could not check out {commit[:12]} from {clone}")
    return copy / "exercises"


def differences(claimed: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """One line per value the report claims that the re-grade does not reproduce."""
    found = []
    for key in ("score", "max_score", "percent", "passed", "answers_complete"):
        if claimed.get(key) != actual.get(key):
            found.append(f"{key}: report says {claimed.get(key)!r}, re-grade gives {actual[key]!r}")
    tests = {t["id"]: t for t in actual["tests"]}
    claimed_tests = {t.get("id"): t for t in claimed.get("tests", []) if isinstance(t, dict)}
    for test_id in sorted(set(tests) | set(claimed_tests)):
        mine, real = claimed_tests.get(test_id), tests.get(test_id)
        if mine is None or real is None:
            where = "missing from the report" if mine is None else "not a test of this grader"
            found.append(f"test {test_id}: {where}")
            continue
        for key in ("status", "points", "max_points"):
            if mine.get(key) != real[key]:
                timing = (
                    " (a timing test: verify again on an idle machine)"
                    if str(real.get("message", "")).startswith("timing test")
                    else ""
                )
                found.append(
                    f"test {real['name']!r}: {key} {mine.get(key)!r} in the report, "
                    f"{real[key]!r} on re-grade{timing}"
                )
    answers = {a["file"]: a for a in actual["answers"]}
    for claim in claimed.get("answers", []):
        real = answers.get(claim.get("file"))
        for key in ("complete", "words"):
            if real is not None and claim.get(key) != real[key]:
                found.append(
                    f"answer {claim.get('file')}: {key} {claim.get(key)!r} in the "
                    f"report, {real[key]!r} on re-grade"
                )
    hashes = {f["path"]: f["sha256"] for f in actual["files"]}
    for claim in claimed.get("files", []):
        if hashes.get(claim.get("path"), claim.get("sha256")) != claim.get("sha256"):
            found.append(f"file {claim.get('path')}: sha256 differs from the commit's file")
    mine_fp = (claimed.get("grader") or {}).get("fingerprint")
    if mine_fp != actual["grader"]["fingerprint"]:
        found.append(
            "grader fingerprint differs: the report was made by another grader, "
            "other hidden tests or other library versions"
        )
    return found


def command_verify(args: argparse.Namespace) -> int:
    claimed = load_report(args.report)
    day = get_day(str(claimed["day"]))
    state = claimed.get("git") or {}
    if not state.get("commit"):
        raise UsageError("the report names no commit (graded outside git): it cannot be verified")
    console = make_console()
    if state.get("dirty"):
        console.print(
            "NOT VERIFIED: the report was made from uncommitted changes (git.dirty); "
            "ask for a grade of a committed clone",
            style="grade.fail",
        )
        return EXIT_DIFFERS
    clone = clone_for(claimed, args.target)
    with tempfile.TemporaryDirectory(prefix="katas-verify-") as tmp:
        root = checkout(clone, state["commit"], Path(tmp))
        request = GradeRequest(
            target_root=root, graded=str(claimed.get("graded", "attempt")), seed=claimed.get("seed")
        )
        result = grade_day(day, request)
    actual = report_dict(result)
    # Paths in both are labelled "exercises/<day>/…": the checkout keeps the clone's layout.
    found = differences(claimed, actual)
    who = (claimed.get("learner") or {}).get("name") or clone.name
    what = f"{day.name} of {who} at {state['commit'][:10]}"
    if not found:
        console.print(
            f"VERIFIED: {what}: every test, the totals, the answers, the file "
            "hashes and the grader fingerprint match",
            style="grade.pass",
        )
        return EXIT_VERIFIED
    console.print(f"NOT VERIFIED: {what}: {len(found)} difference(s)", style="grade.fail")
    for line in found:
        console.print(f"  - {line}", soft_wrap=True, highlight=False, markup=False)
    return EXIT_DIFFERS
