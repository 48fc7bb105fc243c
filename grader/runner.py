"""Run the hidden tests of one day in a policed child process.

The parent never trusts the child to finish. It starts ``pytest`` in its own
process group with resource limits, reads the event stream the plugin writes
(one JSON line as each test starts and ends) and enforces two clocks:

- a per-test limit: when a test runs too long the whole process group gets
  SIGKILL, which no signal handler in the attempt can block; that test is a
  ``timeout`` and the child is restarted on the tests that have not run yet;
- a per-day limit: when it runs out, the running test is a ``timeout`` and every
  test not yet run is an ``error`` ("not run").

If the child dies in the middle of a test (``os._exit``, a segfault, the memory
limit, any signal, even one Python has no name for) that test is an ``error``
and the rest run in a fresh child. The outcomes are only *observations*:
:mod:`grader.scoring` decides the points from the manifest, so a test that never
reported earns nothing.

Threat model: this stops attempts that crash, exit, hang, ignore signals, flood
output, leave threads behind or exhaust memory, and everything the child sends
is checked (:mod:`grader.events`): garbage on the event channel is counted and
ignored, an unreadable result earns nothing, and a child that floods the
channel is stopped like one that hangs. The report's ``problems`` say when
either happened, since an honest run never does either.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import sandbox
from grader.catalog import REPO_ROOT, Day
from grader.child import ChildRun, Limits, child_env, describe_exit, pytest_command
from grader.errors import GraderError
from grader.events import STREAM_LIMIT
from grader.proctree import TREE_LIMITS, describe_limit

__all__ = ["Limits", "Observed", "collect_manifest", "run_tests"]


@dataclass
class Observed:
    """Everything seen while running one day's tests."""

    outcomes: dict[str, dict[str, Any]] = field(default_factory=dict)  # nodeid -> end event
    runs: list[dict[str, Any]] = field(default_factory=list)  # one record per child process
    output: str = ""  # the children's stdout and stderr, truncated
    problems: list[str] = field(default_factory=list)  # what went wrong with the channel
    sandbox: str = "none"  # what the attempt's worker ran in, decided here for the judge


def collect_manifest(day: Day) -> list[dict[str, Any]]:
    """The list of hidden tests of ``day`` with points and hints, from a collect-only run."""
    with tempfile.TemporaryDirectory(prefix="grader-") as work:
        manifest = Path(work) / "manifest.json"
        proc = subprocess.run(
            pytest_command(
                "--collect-only", "-q", f"--grader-manifest={manifest}", str(day.hidden_dir)
            ),
            cwd=work,
            env=child_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if proc.returncode != 0 or not manifest.exists():
            tail = (proc.stdout + proc.stderr)[-1500:]
            raise GraderError(f"could not collect the hidden tests of {day.name}:\n{tail}")
        entries: list[dict[str, Any]] = json.loads(manifest.read_text(encoding="utf-8"))
    if not entries:
        raise GraderError(f"{day.name} has no hidden tests")
    return entries


def run_tests(
    day: Day,
    manifest: list[dict[str, Any]],
    attempt_dir: Path,
    reference_dir: Path,
    attempt_label: str,
    limits: Limits | None = None,
    seed: int | None = None,
    fail_fast: bool = False,
    hide: tuple[Path, ...] = (),
) -> Observed:
    """Run every test in ``manifest`` on ``attempt_dir``, restarting after kills and crashes.

    ``hide``: folders the attempt's sandbox must not show (where the attempt was copied from).
    """
    limits = limits or Limits()
    observed = Observed(sandbox=sandbox.available())
    remaining = [entry["nodeid"] for entry in manifest]
    time_limits = {e["nodeid"]: float(e["time_limit"] or limits.per_test_s) for e in manifest}
    deadline = time.monotonic() + limits.per_day_s
    outputs: list[str] = []
    poisoned: dict[str, str] = {}  # attempt file -> why its import cannot be retried
    base_args = [
        f"--grader-day={day.name}",
        f"--grader-target={attempt_dir}",
        f"--grader-reference={reference_dir}",
        f"--grader-target-label={attempt_label}",
        "-q",
        "-p",
        "no:warnings",
        *(["-x"] if fail_fast else []),
        *([f"--grader-seed={seed}"] if seed is not None else []),
        *(f"--grader-hide={folder}" for folder in hide),
        f"--grader-sandbox={observed.sandbox}",
    ]
    while remaining:
        poison = "\n".join(f"{stem}:{why}" for stem, why in poisoned.items())
        args = [*base_args, f"--grader-poisoned={poison}", str(day.hidden_dir)]
        with ChildRun(args, limits, remaining) as child:
            ended, running, killed = child.watch(time_limits, deadline)
            if child.importing is not None and killed != "day_timeout":
                # subtle: the import itself killed or hung the child; importing it
                # again would only repeat that for every remaining test.
                limit = time_limits.get(running or "", limits.per_test_s)
                poisoned[child.importing] = f"importing it {_what_ended(child, killed, limit)}"
            observed.runs.append(child.record(killed))
            outputs.append(child.drain.text())
        for event in ended:
            observed.outcomes[event["nodeid"]] = event
        if running is not None:
            outcome = _synthetic_outcome(running, killed, child, time_limits)
            if child.importing in poisoned:
                file = f"{attempt_label}/{child.importing}.py"
                outcome["message"] = f"{file} failed to import: {poisoned[child.importing]}"
                outcome["load_error"] = outcome["message"]
            observed.outcomes[running] = outcome
        remaining = [n for n in remaining if n not in observed.outcomes]
        if killed == "day_timeout" or (fail_fast and _any_failed(observed)):
            break
        if remaining and not ended and running is None:
            raise GraderError(
                f"the test process for {day.name} {describe_exit(child.proc.returncode)} "
                f"before running any test:\n{outputs[-1][-1500:]}"
            )
    for nodeid in remaining:
        why = "the day's time limit" if not fail_fast else "grading stopped at the first failure"
        observed.outcomes[nodeid] = {
            "nodeid": nodeid,
            "outcome": "error",
            "duration": 0.0,
            "message": f"not run: {why} ({limits.per_day_s:g} s) ran out first"
            if not fail_fast
            else f"not run: {why}",
        }
    observed.problems = _channel_problems(observed.runs) + _limit_problems(observed.runs, limits)
    observed.output = "\n".join(outputs)[: limits.output_bytes * 2]
    strip = _path_stripper(attempt_dir, attempt_label)
    observed.output = strip(observed.output)
    for outcome in observed.outcomes.values():
        for key in ("message", "detail", "load_error"):
            if isinstance(outcome.get(key), str):
                outcome[key] = strip(outcome[key])
    return observed


def _path_stripper(attempt_dir: Path, label: str):
    """Replace absolute paths in reports: the attempt folder by its label, the repo by ''."""
    replacements = [(str(attempt_dir.resolve()), label), (str(REPO_ROOT) + "/", "")]

    def strip(text: str) -> str:
        for old, new in replacements:
            text = text.replace(old, new)
        return text

    return strip


def _any_failed(observed: Observed) -> bool:
    return any(o.get("outcome") != "passed" for o in observed.outcomes.values())


def _what_ended(child: ChildRun, killed: str | None, limit: float) -> str:
    """How the child's work was cut short, to follow "importing it" or "the test process"."""
    if killed == "test_timeout":
        return f"did not finish within {limit:g} s"
    if killed == "flooded":
        return f"flooded the grader's event channel (over {STREAM_LIMIT // 1024**2} MiB)"
    if killed in TREE_LIMITS:
        return f"was stopped: {describe_limit(killed, child.limits)}"
    return describe_exit(child.proc.returncode)


def _synthetic_outcome(
    nodeid: str, killed: str | None, child: ChildRun, time_limits: dict[str, float]
) -> dict[str, Any]:
    """The outcome of the test that was running when the child was killed or died."""
    if killed in ("test_timeout", "day_timeout"):
        limit = time_limits[nodeid]
        message = (
            f"timed out after {limit:g} s (an infinite loop, or far too slow?)"
            if killed == "test_timeout"
            else "timed out: the day's time limit ran out during this test"
        )
        return {"nodeid": nodeid, "outcome": "timeout", "duration": limit, "message": message}
    if killed in TREE_LIMITS:
        return {
            "nodeid": nodeid,
            "outcome": "error",
            "duration": 0.0,
            "message": f"the test process was stopped during this test: "
            f"{describe_limit(killed, child.limits)}",
        }
    why = (
        ""
        if killed == "flooded"
        else " (os._exit, sys.exit outside a test, a crash, or the memory limit?)"
    )
    return {
        "nodeid": nodeid,
        "outcome": "error",
        "duration": 0.0,
        "message": f"the test process {_what_ended(child, killed, 0)} during this test{why}",
    }


def _channel_problems(runs: list[dict[str, Any]]) -> list[str]:
    """Sentences for the report when the event channel was abused (never by an honest run)."""
    found = []
    if any(run["ended_by"] == "flooded" for run in runs):
        found.append(
            f"the test process flooded the grader's event channel (over "
            f"{STREAM_LIMIT // 1024**2} MiB): it was stopped, and the test it was running "
            "earns nothing"
        )
    if invalid := sum(run["invalid_events"] for run in runs):
        found.append(
            f"{invalid} invalid line(s) on the grader's event channel were ignored "
            "(something in the test process wrote to it)"
        )
    return found


def _limit_problems(runs: list[dict[str, Any]], limits: Limits) -> list[str]:
    """One sentence per whole-tree limit that stopped a test process."""
    hit = sorted({run["ended_by"] for run in runs} & set(TREE_LIMITS))
    return [f"the attempt was stopped: {describe_limit(reason, limits)}" for reason in hit]
