"""The pytest plugin that runs inside the test process (the child).

The parent (:mod:`grader.runner`) starts ``pytest -p grader.plugin`` twice:

1. ``--collect-only --grader-manifest FILE``: writes the *manifest*, the list of
   hidden tests with their points, hints and time limits. Collection never
   imports the attempt, so the manifest is trusted.
2. a real run with ``--grader-events-fd N``: writes one JSON line when each
   test starts and one when it ends, flushed at once, to a pipe the parent
   opened and this process inherited as file descriptor N (never to a path),
   so the parent can see which test was running if the process hangs or dies.
   The parent checks every line (:mod:`grader.events`).

Hidden tests reach the attempt only through the fixtures defined here (see
:mod:`grader.testing` for the author-facing helpers).
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
import pytest

from grader import proxy
from grader.catalog import PROGRESS_ROOT
from grader.events import DETAIL_LIMIT, MESSAGE_LIMIT, encode, truncate
from grader.loading import AttemptLoadError
from grader.peer import PeerGone, RemoteRef
from grader.proxy import Worker, label_of, worker_args
from grader.proxy import start as start_worker

BYTECODE_CACHE = PROGRESS_ROOT / "cache" / "bytecode"  # see pytest_sessionstart


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("grader", "katas autograder (set by the grader, not by hand)")
    group.addoption("--grader-day", help="day name, e.g. day31")
    group.addoption("--grader-target", help="the attempt's day folder")
    group.addoption("--grader-target-label", help="how to show the attempt folder in messages")
    group.addoption("--grader-reference", help="the reference solution's day folder")
    group.addoption("--grader-manifest", help="collect-only: write the manifest here")
    group.addoption(
        "--grader-events-fd", type=int, help="inherited pipe to write test start/end events to"
    )
    group.addoption("--grader-select", help="file of node ids: run only these")
    group.addoption(
        "--grader-hide", action="append", help="a folder the attempt's sandbox must not show"
    )
    group.addoption(
        "--grader-sandbox",
        choices=("bubblewrap", "none"),
        help="what the attempt's worker runs in, as the grader decided (default: detect)",
    )
    group.addoption("--grader-seed", type=int, default=None, help="seed for every rng fixture")
    group.addoption(
        "--grader-poisoned",
        default="",
        help="file:reason lines: attempt files whose import killed or hung an earlier child",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "grade(points=1, hint='', task='', time_limit=None, bonus=False): "
        "points, hint and task (the function or class it grades) of a hidden test",
    )
    config._grader_events = None  # type: ignore[attr-defined]
    if (fd := config.getoption("--grader-events-fd")) is not None:
        os.set_inheritable(fd, False)  # for this process only, not for what it starts
        config._grader_events = os.fdopen(fd, "wb")  # type: ignore[attr-defined]
    # The workers boot (an interpreter, numpy) while this process collects the tests. The
    # reference's first: it is forked from this process (grader.proxy.forked_worker), which
    # is safe only before the attempt's connection starts a thread here.
    for role in _roles(config):
        _worker(config, role)


def pytest_sessionstart(session: pytest.Session) -> None:
    """From here on, the bytecode this process compiles is cached in :data:`BYTECODE_CACHE`:
    above all the hidden tests with pytest's rewritten asserts, rewritten at every grade
    otherwise (30-50 ms a day). Not beside the sources, as before this point the judge
    writes no bytecode at all (grader.child.child_env): modules imported late from the
    shared venv would change its fingerprint. ``progress/`` is hidden from attempts by
    the sandbox, so none can leave a forged test there."""
    sys.pycache_prefix = str(BYTECODE_CACHE)
    sys.dont_write_bytecode = False


def _roles(config: pytest.Config) -> list[str]:
    """The workers a real run needs: none when only collecting (the manifest)."""
    if config.getoption("--grader-manifest") or config.option.collectonly:
        return []
    options = {"reference": "--grader-reference", "attempt": "--grader-target"}
    return [role for role, option in options.items() if config.getoption(option)]


# --------------------------------------------------------------------------- manifest


def readable_name(item: pytest.Item) -> str:
    """``test_sigmoid_is_stable[neg]`` -> ``sigmoid is stable [neg]``."""
    name = item.originalname if isinstance(item, pytest.Function) else item.name
    text = name.removeprefix("test_").replace("_", " ")
    callspec = getattr(item, "callspec", None)
    return f"{text} [{callspec.id}]" if callspec else text


def manifest_entry(item: pytest.Item) -> dict[str, Any]:
    marker = item.get_closest_marker("grade")
    if marker is None:
        raise pytest.UsageError(f"hidden test {item.nodeid} has no @pytest.mark.grade(...)")
    kwargs = marker.kwargs
    return {
        "nodeid": item.nodeid,
        "name": readable_name(item),
        "file": Path(str(item.fspath)).name,
        "points": float(kwargs.get("points", 1)),
        "hint": str(kwargs.get("hint", "")),
        "task": str(kwargs.get("task", "")),
        "time_limit": kwargs.get("time_limit"),
        "bonus": bool(kwargs.get("bonus", False)),
        "uses_random": "rng" in getattr(item, "fixturenames", ()),
    }


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if select := config.getoption("--grader-select"):
        wanted = set(Path(select).read_text(encoding="utf-8").splitlines())
        kept = [item for item in items if item.nodeid in wanted]
        config.hook.pytest_deselected(items=[item for item in items if item.nodeid not in wanted])
        items[:] = kept
    if path := config.getoption("--grader-manifest"):
        entries = [manifest_entry(item) for item in items]
        Path(path).write_text(json.dumps(entries, indent=1), encoding="utf-8")


# --------------------------------------------------------------------------- events


def _emit(config: pytest.Config, **event: Any) -> None:
    stream: IO[bytes] | None = getattr(config, "_grader_events", None)
    if stream is not None:
        stream.write(encode(event))  # one line of at most MAX_EVENT_BYTES
        stream.flush()


def _short_message(excinfo: pytest.ExceptionInfo[BaseException], target: Path | None) -> str:
    """One teaching line: our assertion text, or ``TypeError: … (metrics.py line 12)``."""
    exc = excinfo.value
    if isinstance(exc, AssertionError) and str(exc):
        text = strip_introspection(str(exc))
    elif isinstance(exc, AttemptLoadError):
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if where := getattr(exc, "_remote_where", None):  # raised in the attempt's process
            text += f" ({where})"
        elif target is not None:
            inside = [e for e in excinfo.traceback if Path(str(e.path)).parent == target]
            if inside:
                text += f" ({Path(str(inside[-1].path)).name} line {inside[-1].lineno + 1})"
    return truncate(text, MESSAGE_LIMIT)


_WHERE_LINE = re.compile(r"^\s*[+-]\s+(where|and)\b")  # pytest's "+  where x = f()" lines
_ADDRESS = re.compile(r"<([\w.]+(?: object)?) at 0x[0-9a-fA-F]+>")


def strip_introspection(text: str) -> str:
    """Drop pytest's assertion introspection noise: ``+ where …`` lines and memory addresses.

    ``assert n == 3`` fails as ``assert 2 == 3\n +  where 2 = len(<Foo object at 0x7f…>)``:
    the first line teaches, the rest is pytest talking to itself.
    """
    lines = [line for line in text.splitlines() if not _WHERE_LINE.match(line)]
    return _ADDRESS.sub(r"<\1>", "\n".join(lines)).strip()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if call.excinfo is not None and not report.passed:
        target = item.config.getoption("--grader-target")
        item._grader_message = _short_message(call.excinfo, Path(target) if target else None)  # type: ignore[attr-defined]
        item._grader_detail = truncate(report.longreprtext, DETAIL_LIMIT)  # type: ignore[attr-defined]
        if isinstance(call.excinfo.value, AttemptLoadError):  # the file itself, not a check
            item._grader_load_error = item._grader_message  # type: ignore[attr-defined]
        # A check that recognised the mistake (grader.testing.Mistake) brings its own hint.
        hint = getattr(call.excinfo.value, "hint", None)
        if isinstance(call.excinfo.value, AssertionError) and isinstance(hint, str) and hint:
            item._grader_hint = truncate(hint, MESSAGE_LIMIT)  # type: ignore[attr-defined]


def _outcome(item: pytest.Item, reports: dict[str, pytest.TestReport]) -> str:
    """Fold setup/call/teardown into one status; xfail and friends earn nothing."""
    setup, call = reports.get("setup"), reports.get("call")
    if setup is not None and setup.failed:
        return "error"
    if setup is not None and setup.skipped:
        return "skipped"
    if call is None:
        return "error"
    if call.passed and not hasattr(call, "wasxfail"):
        teardown = reports.get("teardown")
        return "error" if teardown is not None and teardown.failed else "passed"
    if call.skipped and not hasattr(call, "wasxfail"):
        return "skipped"
    return "failed"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    reports: dict[str, pytest.TestReport] = {}
    _RUNNING[item.nodeid] = reports
    _emit(item.config, event="start", nodeid=item.nodeid, t=time.time())
    started = time.perf_counter()
    proxy.current_test = item.nodeid
    yield
    del _RUNNING[item.nodeid]
    outcome, message = _outcome(item, reports), getattr(item, "_grader_message", "")
    # A worker's death is charged to the test during which it was found (the test whose
    # call it broke); a worker that died between tests is just started again.
    proxy.current_test = None
    ended = {role: w for role, w in _WORKERS.items() if w.died_during == item.nodeid}
    for role, worker in ended.items():  # the attempt's process died: no verdict, an error
        outcome = "error"
        message = f"the {role}'s process {worker.exit_phrase()} during this test"
    _emit(
        item.config,
        event="end",
        nodeid=item.nodeid,
        outcome=outcome,
        duration=time.perf_counter() - started,
        message=message,
        detail=getattr(item, "_grader_detail", ""),
        seed=getattr(item, "_grader_seed", None),
        hint=getattr(item, "_grader_hint", ""),
        load_error=getattr(item, "_grader_load_error", ""),
    )
    for role in [r for r, w in _WORKERS.items() if not w.alive]:  # a fresh one, uncharged
        try:
            _worker(item.config, role).ready()
        except PeerGone:
            pass


_RUNNING: dict[str, dict[str, pytest.TestReport]] = {}  # nodeid -> its reports by phase


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.nodeid in _RUNNING:
        _RUNNING[report.nodeid][report.when] = report


# --------------------------------------------------------------------------- fixtures


def _folder(config: pytest.Config, option: str) -> Path:
    value = config.getoption(option)
    if not value:
        raise pytest.UsageError(f"{option} is required to run hidden tests")
    return Path(value)


# A failed import is cached too, so every test that needs the file reports the same
# clear error instead of re-running a broken import. A module that imported is not
# cached: each test asks its worker, which keeps the module loaded while it lives
# and is started again (importing afresh) after an attempt ended it.
_LOAD_ERRORS: dict[tuple[str, str], AttemptLoadError] = {}
_WORKERS: dict[str, Worker] = {}


def _poisoned(config: pytest.Config) -> dict[str, str]:
    """``{stem: reason}`` for attempt files whose import ended an earlier child process."""
    lines = str(config.getoption("--grader-poisoned") or "").splitlines()
    return dict(line.split(":", 1) for line in lines if ":" in line)


def _worker(config: pytest.Config, role: str) -> Worker:
    """The role's worker process, started (again, after an attempt ended it) when needed."""
    worker = _WORKERS.get(role)
    if worker is None or not worker.alive:
        _folder(config, "--grader-target" if role == "attempt" else "--grader-reference")
        folder, label, wrap = worker_args(role, config.getoption)
        fork = role == "reference"  # trusted code: forked when safe, never sandboxed
        worker = _WORKERS[role] = start_worker(role, folder, label, wrap=wrap, fork=fork)
    return worker


def _loader(config: pytest.Config, role: str) -> Callable[[str], RemoteRef]:
    """``load(stem)``: the role's module, a reference into its worker process.

    The judge (this process) never imports attempt or reference code: a worker does
    (:mod:`grader.worker`), and tests reach it through :mod:`grader.peer`'s
    references, receiving plain data only.
    """
    option = "--grader-target" if role == "attempt" else "--grader-reference"
    folder = _folder(config, option)
    label = label_of(
        role, folder, config.getoption("--grader-target-label") if role == "attempt" else None
    )
    poisoned = _poisoned(config) if role == "attempt" else {}

    def load(stem: str) -> RemoteRef:
        key = (role, stem)
        if key not in _LOAD_ERRORS and stem in poisoned:
            _LOAD_ERRORS[key] = AttemptLoadError(
                f"{label}/{stem}.py failed to import: {poisoned[stem]}"
            )
        if key in _LOAD_ERRORS:
            raise _LOAD_ERRORS[key]
        worker = _worker(config, role)
        fresh = stem not in worker.modules
        if fresh:
            # The parent watches these two events: if the child hangs between them,
            # the import itself is to blame (see grader.runner).
            _emit(config, event="import_start", role=role, stem=stem)
        try:
            return worker.module(stem)
        except AttemptLoadError as exc:
            _LOAD_ERRORS[key] = exc
            raise
        except PeerGone:
            _LOAD_ERRORS[key] = AttemptLoadError(
                f"{label}/{stem}.py failed to import: importing it {worker.exit_phrase()}"
            )
            raise _LOAD_ERRORS[key] from None
        finally:
            if fresh:
                _emit(config, event="import_end", role=role, stem=stem)

    return load


@pytest.fixture(scope="session")
def load_attempt(pytestconfig: pytest.Config) -> Callable[[str], RemoteRef]:
    """``load_attempt("metrics")`` imports the learner's ``metrics.py``."""
    return _loader(pytestconfig, "attempt")


@pytest.fixture(scope="session")
def load_reference(pytestconfig: pytest.Config) -> Callable[[str], RemoteRef]:
    """``load_reference("metrics")`` imports the reference solution's ``metrics.py``."""
    return _loader(pytestconfig, "reference")


def pytest_collection_finish(session: pytest.Session) -> None:
    """Wait for the workers (started in pytest_configure) before the first test: their
    start-up is then not charged to the first test's time limit."""
    for role in _roles(session.config) if session.items else []:
        try:
            _worker(session.config, role).ready()
        except PeerGone:
            pass  # the first test that needs it reports how it ended


@pytest.fixture
def attempt_worker(pytestconfig: pytest.Config) -> Worker:
    """The attempt's worker, for ``attempt_worker.drive("day36", "function", ...)``: a driver
    (:mod:`grader.drivers`) run beside the attempt, returning observations."""
    return _worker(pytestconfig, "attempt")


@pytest.fixture
def reference_worker(pytestconfig: pytest.Config) -> Worker:
    """The reference's worker (see ``attempt_worker``)."""
    return _worker(pytestconfig, "reference")


@pytest.fixture
def shared_tmp_path(request: pytest.FixtureRequest) -> Path:
    """A fresh folder both this test and the attempt's worker can read and write (under
    the test process's working folder, the one folder the sandbox lets the worker write):
    pytest's own ``tmp_path`` is in this process's /tmp, which a sandboxed worker cannot see."""
    folder = Path.cwd() / "shared" / re.sub(r"[^\w.-]", "_", request.node.name)[:80]
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def attempt_dir(pytestconfig: pytest.Config) -> Path:
    """The attempt's day folder (for non-Python files such as a quiz)."""
    return _folder(pytestconfig, "--grader-target")


@pytest.fixture(scope="session")
def reference_dir(pytestconfig: pytest.Config) -> Path:
    """The reference solution's day folder."""
    return _folder(pytestconfig, "--grader-reference")


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> np.random.Generator:
    """A seeded generator: the seed is derived from the test id (or ``--seed``) and reported."""
    given = request.config.getoption("--grader-seed")
    seed = given if given is not None else zlib.crc32(request.node.nodeid.encode())
    request.node._grader_seed = seed
    return np.random.default_rng(seed)
