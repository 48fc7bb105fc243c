"""The sandbox a worker runs attempt code in (grader.sandbox).

The folder rules are checked as bwrap arguments everywhere; what a sandboxed
process can actually read, write and reach is checked by running a probe inside
the real sandbox, on machines where bubblewrap works.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from grader import sandbox
from grader.catalog import HIDDEN_ROOT, REPO_ROOT, SOLUTIONS_ROOT
from grader.report import SCHEMA_PATH
from grader.results import DayResult
from tests.conftest import needs_bwrap


def pairs(arguments: list[str]) -> list[tuple[str, str]]:
    """bwrap folder rules as (option, folder): --tmpfs takes one path, binds two."""
    found, rest = [], list(arguments)
    while rest:
        option = rest.pop(0)
        found.append((option, rest.pop(0) if option == "--tmpfs" else rest.pop(1)))
        if option != "--tmpfs":
            rest.pop(0)
    return found


def test_rules_apply_from_the_outermost_folder_in(tmp_path):
    home, python, secret = tmp_path / "home", tmp_path / "home" / "python", tmp_path / "repo"
    for folder in (python, secret / "solutions"):
        folder.mkdir(parents=True)
    rules = sandbox.folder_rules(
        visible=[secret, python], writable=[], hidden=[home, secret / "solutions"]
    )
    assert pairs(rules) == [
        ("--tmpfs", str(home)),  # hidden first, then the Python inside it shown again
        ("--ro-bind", str(secret)),
        ("--ro-bind", str(python)),
        ("--tmpfs", str(secret / "solutions")),  # and a hidden folder inside a shown one
    ]


def test_a_path_named_twice_keeps_the_stronger_rule(tmp_path):
    both, shared = tmp_path / "both", tmp_path / "shared"
    both.mkdir()
    shared.mkdir()
    rules = sandbox.folder_rules(visible=[both, shared], writable=[shared], hidden=[both])
    assert pairs(rules) == [("--tmpfs", str(both)), ("--bind", str(shared))]


def test_missing_paths_and_the_root_are_left_out_and_a_hidden_file_reads_empty(tmp_path):
    secret = tmp_path / "key.txt"
    secret.write_text("42", encoding="utf-8")
    rules = sandbox.folder_rules(
        visible=[Path("/")], writable=[tmp_path / "missing"], hidden=[secret, tmp_path / "gone"]
    )
    assert rules == ["--ro-bind", "/dev/null", str(secret)]


def test_symbolic_links_are_resolved_so_the_real_folder_is_hidden(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    assert sandbox.folder_rules(visible=[], writable=[], hidden=[tmp_path / "link"]) == [
        "--tmpfs",
        str(real),
    ]


def test_the_worker_policy_hides_the_repository_but_the_grader_package(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    snapshot, scratch = tmp_path / "snapshot", tmp_path / "scratch"
    policy = sandbox.worker_policy(
        snapshot=snapshot, scratch=scratch, target_root=tmp_path / "clone" / "exercises"
    )
    assert policy.writable == (scratch,)
    assert {REPO_ROOT, SOLUTIONS_ROOT, HIDDEN_ROOT, tmp_path / "home"} <= set(policy.hidden)
    assert {tmp_path / "clone" / "exercises", tmp_path / "clone"} <= set(policy.hidden)
    assert {REPO_ROOT / "grader", snapshot, Path(sys.prefix).resolve()} <= set(policy.visible)
    assert not any(p.is_relative_to(HIDDEN_ROOT) or p == REPO_ROOT for p in policy.visible), (
        "a sys.path folder must not show the hidden tests or the repository again"
    )


def test_without_bubblewrap_the_command_runs_unchanged_and_says_none(monkeypatch):
    monkeypatch.setattr(sandbox, "available", lambda: "none")
    command = [sys.executable, "-c", "pass"]
    assert sandbox.wrap(command, visible=[], writable=[], hidden=[]) == (command, "none")
    assert '"sandbox": "none"' in sandbox.NO_SANDBOX_NOTICE


def test_the_install_command_is_offered_only_where_apt_get_exists(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert sandbox.install_command() is None, "macOS: no command we could vouch for"
    (tmp_path / "apt-get").write_text("#!/bin/sh\n")
    (tmp_path / "apt-get").chmod(0o755)
    assert sandbox.install_command() == "sudo apt-get install bubblewrap"


def test_availability_needs_the_binary_and_a_working_trial(tmp_path, monkeypatch):
    detect = sandbox.available.__wrapped__  # the uncached check
    monkeypatch.setenv("PATH", str(tmp_path))
    assert detect() == "none", "no bwrap on PATH"
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    assert detect() == "none", "a bwrap that cannot create namespaces"
    fake.write_text("#!/bin/sh\nexit 0\n")
    assert detect() == "bubblewrap"


# Run inside the sandbox: tries each thing an attempt must not do and reports what happened.
PROBE = r"""
import json, os, socket, sys

def attempt(action):
    try:
        result = action()
        return "ok" if result is None else result
    except OSError as error:
        return type(error).__name__

def write(path):
    return lambda: open(path, "w").write("x") and None

checks = json.loads(sys.argv[1])
seen = {f"read {name}": attempt(lambda p=path: open(p).read() and None)
        for name, path in checks["read"].items()}
seen |= {f"write {name}": attempt(write(path)) for name, path in checks["write"].items()}
seen["listing of home"] = sorted(os.listdir(checks["home"]))
connect = lambda address: lambda: socket.create_connection(address, 2) and None
seen["loopback server"] = attempt(connect(("127.0.0.1", checks["port"])))
seen["internet"] = attempt(connect(("1.1.1.1", 53)))
seen["grader's pid visible"] = str(checks["pid"]) in os.listdir("/proc")
status = open("/proc/self/status").read().splitlines()
seen["capabilities"] = next(line.split()[1] for line in status if line.startswith("CapEff"))
import numpy
seen["numpy"] = int(numpy.arange(4).sum())
print(json.dumps(seen))
"""


@pytest.fixture
def outside_tmp() -> Iterator[Path]:
    """A folder outside /tmp, which every sandbox replaces anyway: what is hidden in
    it is hidden by a rule of the policy, not by the private /tmp."""
    base = Path(tempfile.mkdtemp(prefix="grader-sandbox-test-", dir=Path("/var/tmp")))
    yield base
    shutil.rmtree(base)


@needs_bwrap
def test_a_sandboxed_worker_sees_only_its_snapshot_and_writes_only_its_scratch(
    outside_tmp, monkeypatch
):
    tmp_path = outside_tmp
    home, clone, progress = tmp_path / "home", tmp_path / "clone", tmp_path / "progress"
    snapshot, scratch = tmp_path / "snapshot" / "day31", tmp_path / "scratch"
    for folder in (home, clone / "exercises" / "day31", progress, snapshot, scratch):
        folder.mkdir(parents=True)
    (clone / "solutions").mkdir()
    for path in (
        home / ".netrc",
        clone / "exercises" / "day31" / "metrics.py",
        clone / "solutions" / "metrics.py",
        progress / "progress.json",
    ):
        path.write_text("secret", encoding="utf-8")
    (snapshot / "quiz.md").write_text("my answers", encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    listener = socket.create_server(("127.0.0.1", 0))
    site_packages = next(p for p in map(Path, sys.path) if p.name == "site-packages")
    checks = {
        "read": {
            "snapshot": str(snapshot / "quiz.md"),
            "reference": str(SOLUTIONS_ROOT / "day31" / "metrics.py"),
            "hidden test": str(HIDDEN_ROOT / "day31" / "test_metrics.py"),
            "git history": str(REPO_ROOT / ".git" / "HEAD"),
            "variants": str(REPO_ROOT / "tests" / "variants" / "day31.py"),
            "home": str(home / ".netrc"),
            "the attempt's own folder": str(clone / "exercises" / "day31" / "metrics.py"),
            "the clone's solutions": str(clone / "solutions" / "metrics.py"),
            "ledger": str(progress / "progress.json"),
            "grader package": str(REPO_ROOT / "grader" / "loading.py"),
        },
        "write": {
            "scratch": str(scratch / "out.txt"),
            "snapshot": str(snapshot / "quiz.md"),
            "grader package": str(REPO_ROOT / "grader" / "evil.py"),
            "venv": str(site_packages / "evil.pth"),
        },
        "home": str(home),
        "port": listener.getsockname()[1],
        "pid": os.getpid(),
    }
    policy = sandbox.worker_policy(
        snapshot=snapshot, scratch=scratch, target_root=clone / "exercises", progress_dir=progress
    )
    command, kind = sandbox.wrap(
        [sys.executable, "-c", PROBE, json.dumps(checks)],
        visible=policy.visible,
        writable=policy.writable,
        hidden=policy.hidden,
    )
    with listener:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert kind == "bubblewrap" and done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["read snapshot"] == "ok" and seen["read grader package"] == "ok"
    secrets = ("reference", "hidden test", "git history", "variants", "home", "ledger")
    for secret in (*secrets, "the clone's solutions"):
        assert seen[f"read {secret}"] == "FileNotFoundError", (secret, seen)
    assert seen["read the attempt's own folder"] == "FileNotFoundError"
    shown_in_home = [p for p in policy.visible if p.is_relative_to(home)]
    assert seen["listing of home"] == sorted({p.relative_to(home).parts[0] for p in shown_in_home})
    assert seen["write scratch"] == "ok" and (scratch / "out.txt").read_text() == "x"
    for read_only in ("snapshot", "grader package", "venv"):
        assert seen[f"write {read_only}"] == "OSError", (read_only, seen)  # EROFS
    assert (snapshot / "quiz.md").read_text() == "my answers"
    assert not (REPO_ROOT / "grader" / "evil.py").exists()
    assert not (site_packages / "evil.pth").exists()
    assert seen["loopback server"] == "ConnectionRefusedError", "its loopback is its own"
    assert seen["internet"] == "OSError"  # network unreachable: no interface but lo
    assert seen["grader's pid visible"] is False
    assert int(seen["capabilities"], 16) == 0
    assert seen["numpy"] == 6, "the Python installation and its packages still work"


def test_every_report_says_what_the_attempt_ran_in():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["properties"]["sandbox"]
    assert {f.name: f.default for f in dataclasses.fields(DayResult)}["sandbox"] == "none"
    for kind in ("bubblewrap", "none"):
        jsonschema.validate(kind, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate("docker", schema)


@needs_bwrap
def test_a_python_under_tmp_does_not_read_as_no_sandbox(monkeypatch):
    """A fresh clone in a temporary folder has its virtualenv under /tmp, which the trial's
    private /tmp hides; the real sandbox shows the installation again (worker_policy)."""
    detect = sandbox.available.__wrapped__  # the uncached check
    monkeypatch.setattr(sys, "executable", "/tmp/a-fresh-clone/.nox/tests/bin/python")
    assert detect() == "bubblewrap"
