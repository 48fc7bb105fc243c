"""git never runs the clone's configuration: every git command goes through one builder."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

from grader import reset
from grader.catalog import REPO_ROOT
from grader.identity import SAFE_OPTIONS, git_command

GRADER = REPO_ROOT / "grader"


def _git_commands(path: Path) -> list[int]:
    """Lines of ``path`` that write a git command by hand: a list or tuple starting with
    "git", or a call given a string starting with "git " (a shell command)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.List, ast.Tuple)) and node.elts:
            first = node.elts[0]
            if isinstance(first, ast.Constant) and first.value == "git":
                found.append(node.lineno)
        elif isinstance(node, ast.Call) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and str(first.value).startswith("git "):
                found.append(node.lineno)
    return found


def test_only_the_builder_writes_a_git_command():
    builders = {
        str(path.relative_to(REPO_ROOT)): lines
        for path in GRADER.rglob("*.py")
        if "hidden" not in path.parts and (lines := _git_commands(path))
    }
    assert builders == {"grader/identity.py": builders.get("grader/identity.py", [])}
    assert builders["grader/identity.py"], "the scan finds the builder itself"


def test_the_builder_turns_off_fsmonitor_and_hooks():
    command = git_command(Path("/x"), "status")
    assert command[0] == "git" and command[-3:] == ["-C", "/x", "status"]
    assert "core.fsmonitor=false" in SAFE_OPTIONS and "core.hooksPath=/dev/null" in SAFE_OPTIONS


def test_reset_reads_the_stubs_through_it(monkeypatch):
    seen = []

    def run(command, **kwargs):
        seen.append(command)
        return subprocess.CompletedProcess(command, 0, b"stub\n", b"")

    monkeypatch.setattr(reset.subprocess, "run", run)
    assert reset.pristine_bytes("HEAD", "exercises/day31/metrics.py") == b"stub\n"
    assert seen == [
        git_command(REPO_ROOT, "show", "--no-textconv", "HEAD:exercises/day31/metrics.py")
    ]
