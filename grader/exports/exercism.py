"""exercism's test runner ``results.json`` (interface version 3), from grade reports.

The format is exercism's "The Test Runner Interface" (exercism/docs,
building/tooling/test-runners/interface.md). Every documented constraint is kept:

- ``version`` is ``3``: tests are linked to tasks.
- ``status`` follows the tests, not the day's pass rule: ``pass`` when every test
  passes, ``error`` only when every test errored (no test reached a verdict: the
  attempt does not import, or every test crashed or ran out of time), ``fail``
  otherwise. So a day-40 quiz above its 70 % mark, or day 38's bonus file, still
  says ``fail`` while a question or a bonus test fails: exercism has no pass mark.
- ``message`` (top level) only with ``error``: the problems of the run, one per line
  (the paths in them are already relative: ``exercises/day31/metrics.py``), cut to
  the documented 65,535 characters. It is left out otherwise.
- ``tests``: every hidden test in report order, which is the order of the hidden test
  files. Each has ``name`` (readable), ``status`` (``passed`` -> ``pass``; ``failed``
  and ``skipped`` -> ``fail``; ``error`` and ``timeout`` -> ``error``: the test
  returned no verdict), ``message`` for ``fail`` and ``error`` (the failure message,
  the hint and the replay command; no length limit is documented), and ``test_code``.
- ``test_code`` is the body of the hidden test function, read with :mod:`ast` from
  ``grader/hidden/<day>/<file>`` (docstring and decorators left out, as in the
  specification's example). When this copy of the grader has no such function (a
  report from another grader version), it is a one-line comment naming the test.
- ``task_id`` is the task's number: tasks are numbered from 1 in the day's order, the
  order of ``hints.toml``, which is the order of the day's README. With several days the
  numbering continues (day 32's first task follows day 31's last), so every test still
  links to exactly one task. A test without a task gets no ``task_id``.
- ``output`` is left out. The specification reserves it for what the learner's code
  printed during the test, and forbids the runner's own output there; reports keep no
  per-test captured output (only the test processes' first 32 KB as a whole), so there
  is nothing honest to put in it.
"""

from __future__ import annotations

import ast
import textwrap
from functools import cache
from pathlib import Path
from typing import Any

from grader.catalog import Day
from grader.exports import DayReport, explanation
from grader.hints import load_hints

MESSAGE_LIMIT = 65_535  # the documented limit of the top-level message
_STATUS = {
    "passed": "pass",
    "failed": "fail",
    "skipped": "fail",
    "error": "error",
    "timeout": "error",
}


def results(days: list[DayReport]) -> dict[str, Any]:
    """exercism's ``results.json`` (version 3) for the latest reports of ``days``."""
    tests, first_task = [], 1
    for entry in days:
        task_ids = {task: first_task + i for i, task in enumerate(load_hints(entry.day))}
        first_task += len(task_ids)
        tests += [_test(entry.day, test, task_ids) for test in entry.report["tests"]]
    statuses = {test["status"] for test in tests}
    if statuses <= {"error"}:  # every test errored (or there were none): nothing was graded
        return {"version": 3, "status": "error", "message": _error_message(days), "tests": tests}
    return {"version": 3, "status": "pass" if statuses == {"pass"} else "fail", "tests": tests}


def _test(day: Day, test: dict[str, Any], task_ids: dict[str, int]) -> dict[str, Any]:
    status = _STATUS.get(str(test.get("status")), "error")
    result: dict[str, Any] = {"name": test["name"], "status": status}
    if status != "pass":
        result["message"] = explanation(test)
    result["test_code"] = hidden_test_source(day, str(test["id"]), str(test["file"]))
    if test.get("task") in task_ids:
        result["task_id"] = task_ids[test["task"]]
    return result


def _error_message(days: list[DayReport]) -> str:
    """The problems of each run (the day named when there are several), else the tests'
    own messages: what the learner needs to make the attempt load."""
    lines = []
    for entry in days:
        prefix = f"{entry.day.name}: " if len(days) > 1 else ""
        found = entry.report.get("problems") or dict.fromkeys(
            str(t.get("message") or "") for t in entry.report["tests"]
        )
        lines += [f"{prefix}{problem}" for problem in found if problem]
    text = "\n".join(lines) or "no test reached a verdict"
    cut = "\n… [message cut]"
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - len(cut)] + cut


def hidden_test_source(day: Day, test_id: str, file: str) -> str:
    """The body of the hidden test ``test_id`` (a pytest node id) as source text, or a
    one-line comment naming it when this grader has no such test."""
    path = day.hidden_dir / Path(file).name  # a name only: a report cannot point elsewhere
    names = [part.split("[")[0] for part in test_id.split("::")[1:]]  # class?, function
    body = function_bodies(path).get(".".join(names))
    return body if body is not None else f"# hidden test {test_id}: not in this grader's tests"


@cache
def function_bodies(path: Path) -> dict[str, str]:
    """``{"test_x": body, "TestClass.test_y": body}`` for every function of a test file."""
    try:
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
    except (OSError, SyntaxError, UnicodeDecodeError):
        return {}
    lines = source.splitlines()
    bodies: dict[str, str] = {}

    def visit(nodes: list[ast.stmt], prefix: str) -> None:
        for node in nodes:
            if isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.")
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                bodies[prefix + node.name] = _body_source(node, lines)

    visit(tree.body, "")
    return bodies


def _body_source(function: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> str:
    """The function's statements without its ``def`` line and docstring, dedented."""
    body = function.body
    if len(body) > 1 and ast.get_docstring(function, clean=False) is not None:
        body = body[1:]
    first = body[0]
    # a decorated statement (a nested def) starts at its first decorator
    start = min([first.lineno, *(d.lineno for d in getattr(first, "decorator_list", []))])
    end = function.end_lineno or body[-1].lineno
    return textwrap.dedent("\n".join(lines[start - 1 : end])).strip("\n")
