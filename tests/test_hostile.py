"""Hostile and broken attempts: each ends as a clear status with no points for what did
not pass, and the grader returns within its limits.

Every case starts from the reference day 31 (so untouched tests would pass) and
breaks ``metrics.py`` in one way; only the metrics tests are run, to stay fast.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader import proctree
from grader.catalog import EXERCISES_ROOT, HIDDEN_ROOT, SOLUTIONS_ROOT
from grader.results import RunStatus, TestStatus
from grader.runner import Limits
from tests.conftest import copy_solution, grade, needs_bwrap

LIMITS = Limits(per_test_s=1.5, per_day_s=30.0, memory_bytes=1024**3, grace_s=1.0)
ROC_TESTS = "roc_auc"  # the tests whose function the cases below sabotage


def attempt(tmp_path: Path, *, append: str = "", replace: tuple[str, str] | None = None) -> Path:
    folder = copy_solution("day31", tmp_path)
    path = folder / "metrics.py"
    source = path.read_text(encoding="utf-8")
    if replace is not None:
        assert source.count(replace[0]) == 1
        source = source.replace(*replace)
    path.write_text(source + append, encoding="utf-8")
    return tmp_path


def grade_metrics(root: Path):
    return grade("day31", root, test_files=("test_metrics.py",), limits=LIMITS)


ROC_BODY_START = "    y = np.asarray(y_true)\n    s = np.asarray(scores, dtype=float)\n"


def sabotage_roc_auc(code: str) -> tuple[str, str]:
    """Insert ``code`` at the start of roc_auc's body."""
    return ROC_BODY_START, f"    {code}\n{ROC_BODY_START}"


@pytest.mark.slow
@pytest.mark.parametrize(
    "append, expected",
    [
        ("import os\nos._exit(0)\n", "importing it exited with status 0"),
        ("import sys\nsys.exit(0)\n", "SystemExit"),
        ("raise ImportError('no module named tensorflow')\n", "ImportError"),
        (
            "import os, signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True: pass\n",
            "did not finish within",
        ),
    ],
    ids=["os._exit at import", "sys.exit at import", "ImportError", "endless loop at import"],
)
def test_an_attempt_that_cannot_be_imported_earns_nothing_and_says_why(tmp_path, append, expected):
    result = grade_metrics(attempt(tmp_path, append=append))
    assert result.score == 0
    assert all(t.status in (TestStatus.ERROR, TestStatus.TIMEOUT) for t in result.tests)
    assert any(expected in t.message for t in result.tests), result.tests[0].message
    assert result.run_status is RunStatus.LOAD_ERROR
    assert "metrics.py failed to import" in " ".join(result.problems)
    assert len(result.runs) <= 2, "a broken import must not cost one restart per test"


@pytest.mark.slow
def test_a_syntax_error_is_reported_with_file_and_line(tmp_path):
    result = grade_metrics(attempt(tmp_path, append="def broken(:\n"))
    lines = len((tmp_path / "day31" / "metrics.py").read_text().splitlines())
    assert result.score == 0 and result.run_status is RunStatus.LOAD_ERROR
    assert f"metrics.py failed to import (line {lines}): SyntaxError" in result.tests[0].message
    assert str(tmp_path) not in result.tests[0].message, "no absolute paths in learner messages"


@pytest.mark.slow
def test_an_empty_file_scores_zero(tmp_path):
    root = attempt(tmp_path)
    (root / "day31" / "metrics.py").write_text("", encoding="utf-8")
    result = grade_metrics(root)
    assert result.score == 0
    assert "has no attribute 'confusion_counts'" in result.tests[0].message


@pytest.mark.slow
@pytest.mark.parametrize(
    "code, status, message",
    [
        ("import os; os._exit(0)", TestStatus.ERROR, "exited with status 0 during this test"),
        (
            "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)",
            TestStatus.ERROR,
            "killed by signal SIGSEGV",
        ),
        ("while True: pass", TestStatus.TIMEOUT, "timed out after 1.5 s"),
        # pytest's own outcomes and KeyboardInterrupt, raised in the attempt's process, are
        # just exceptions there: the judge is another process, so the test fails, naming them
        ("import pytest; pytest.exit('bye', returncode=0)", TestStatus.FAILED, "Exit"),
        ("raise KeyboardInterrupt", TestStatus.FAILED, "KeyboardInterrupt"),
        ("x = bytearray(8 * 1024**3)", TestStatus.FAILED, "MemoryError"),
        ("import pytest; pytest.skip('not today')", TestStatus.FAILED, "Skipped"),
        ("import pytest; pytest.xfail('claims expected failure')", TestStatus.FAILED, "XFailed"),
    ],
    ids=[
        "os._exit",
        "segfault",
        "endless loop",
        "pytest.exit",
        "KeyboardInterrupt",
        "memory bomb",
        "skip",
        "xfail",
    ],
)
def test_sabotaging_one_function_loses_only_its_tests(tmp_path, code, status, message):
    result = grade_metrics(attempt(tmp_path, replace=sabotage_roc_auc(code)))
    roc = [t for t in result.tests if ROC_TESTS in t.id]
    others = [t for t in result.tests if ROC_TESTS not in t.id]
    assert roc and all(t.points == 0 for t in roc)
    # subtle: a test that wraps the call in expect_error sees pytest.exit (an Exception) as a
    # wrong exception and fails; the others are interrupted. Neither earns points.
    allowed = {status, TestStatus.FAILED} if status is TestStatus.ERROR else {status}
    assert all(t.status in allowed for t in roc), [(t.status, t.message) for t in roc]
    assert any(t.status is status for t in roc)
    assert all(message in t.message and t.message for t in roc if t.status is status), roc[
        0
    ].message
    assert all(t.status is TestStatus.PASSED for t in others), "partial credit must survive"
    assert result.score == sum(t.max_points for t in others)


@pytest.mark.slow
def test_output_floods_are_truncated_in_the_report(tmp_path):
    flood = "    print('spam ' * 200_000)\n    import sys; sys.stderr.write('x' * 1_000_000)"
    result = grade_metrics(attempt(tmp_path, replace=sabotage_roc_auc(flood.strip())))
    assert result.score == result.max_score  # printing is not a crime
    assert len(result.output) <= 2 * LIMITS.output_bytes
    assert all(len(t.detail) <= 4100 and len(t.message) <= 700 for t in result.tests)


@pytest.mark.slow
def test_noisy_failures_keep_short_messages(tmp_path):
    noisy = "print('debug ' * 100_000); raise ValueError('x' * 100_000)"
    result = grade_metrics(attempt(tmp_path, replace=sabotage_roc_auc(noisy)))
    roc = [t for t in result.tests if ROC_TESTS in t.id]
    assert all(
        len(t.message) <= 700 and "cut:" in t.message for t in roc if "ValueError" in t.message
    )
    assert all(len(t.detail) <= 4100 for t in roc)


@pytest.mark.slow
def test_a_thread_left_running_does_not_hang_the_grader(tmp_path):
    code = "import threading, time\nthreading.Thread(target=lambda: time.sleep(3600)).start()\n"
    result = grade_metrics(attempt(tmp_path, append=code))
    assert result.score == result.max_score
    # The thread lives in the attempt's worker, which the judge ends when its tests are
    # done (it exits even with threads running), so the test process exits on its own.
    assert result.runs[-1]["ended_by"] == "exit"


@pytest.mark.slow
def test_the_day_time_limit_stops_everything_and_marks_the_rest_not_run(tmp_path):
    # Every test loops; the per-test limit is longer than the day's, so the day's fires.
    root = attempt(
        tmp_path,
        replace=(
            "def _binary_labels(y_true, y_pred):\n",
            "def _binary_labels(y_true, y_pred):\n    while True: pass\n",
        ),
    )
    limits = Limits(per_test_s=30.0, per_day_s=3.0, grace_s=1.0)
    result = grade("day31", root, test_files=("test_metrics.py",), limits=limits)
    assert result.runs[-1]["ended_by"] == "day_timeout" and len(result.runs) == 1
    assert result.score == 0
    assert all(t.status in (TestStatus.TIMEOUT, TestStatus.ERROR) for t in result.tests)
    assert all("not run" in t.message for t in result.tests if t.status is TestStatus.ERROR)
    assert result.run_status is RunStatus.TIMED_OUT


@pytest.mark.slow
def test_files_written_by_the_attempt_do_not_land_in_the_attempt_folder(tmp_path):
    root = attempt(tmp_path, append="open('scratch.txt', 'w').write('hi')\n")
    before = sorted(p.name for p in (root / "day31").iterdir())
    grade_metrics(root)
    assert sorted(p.name for p in (root / "day31").iterdir()) == before, "no stray files or caches"


# What gets graded: a private copy of the day folder, taken before any attempt code runs.


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_an_attempt_that_fills_in_its_quiz_while_graded_earns_nothing_from_it(tmp_path):
    # The blank quiz and answer templates, and a beam search that, once imported, writes
    # the key into quiz.md and a model answer into notes.md next to itself.
    folder = tmp_path / "day40"
    shutil.copytree(EXERCISES_ROOT / "day40", folder)
    key = (SOLUTIONS_ROOT / "day40" / "quiz.md").read_text(encoding="utf-8")
    model = (SOLUTIONS_ROOT / "day40" / "answers" / "notes.md").read_text(encoding="utf-8")
    payload = (
        "\nfrom pathlib import Path as _Path\n_here = _Path(__file__).parent\n"
        f"(_here / 'quiz.md').write_text({key!r})\n"
        f"(_here / 'answers' / 'notes.md').write_text({model!r})\n"
    )
    reference = (SOLUTIONS_ROOT / "day40" / "beam_search.py").read_text(encoding="utf-8")
    (folder / "beam_search.py").write_text(reference + payload, encoding="utf-8")
    learners_files = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    result = grade("day40", tmp_path, limits=LIMITS)

    quiz = [t for t in result.tests if t.file == "test_quiz.py"]
    assert quiz and all(t.points == 0 for t in quiz), "the key written at import earns nothing"
    hashes = {Path(f["path"]).name: f["sha256"] for f in result.files}
    assert hashes["quiz.md"] == _sha256(EXERCISES_ROOT / "day40" / "quiz.md"), "what was graded"
    notes = next(a for a in result.answers if a.file.endswith("notes.md"))
    assert not notes.complete, "answers are read before any attempt code runs"
    # Without a sandbox the write lands in the private copy and voids the grade; in one,
    # the copy is read-only and the import fails. Either way the report says so.
    said = " ".join(result.problems)
    voided = "quiz.md" in said and "changed while the tests ran" in said
    assert voided or result.run_status is RunStatus.LOAD_ERROR, result.problems
    assert result.score == 0
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == learners_files


@pytest.mark.slow
def test_a_link_to_the_reference_is_not_graded_and_the_report_says_why(tmp_path):
    root = attempt(tmp_path)
    metrics = root / "day31" / "metrics.py"
    metrics.unlink()
    metrics.symlink_to(SOLUTIONS_ROOT / "day31" / "metrics.py")
    result = grade_metrics(root)
    assert result.score == 0
    assert any(
        "metrics.py not graded: symbolic links are not followed" in p for p in result.problems
    )
    assert not next(f for f in result.files if f["path"].endswith("metrics.py"))["exists"]


# The whole process tree: limits for all of it, and nothing left behind. Each process an
# attempt starts carries a marker in its command line (a sleep of 600.<random> seconds),
# so the test finds it by that, inside a sandbox's PID namespace or not.


def _running_with(marker: str) -> list[int]:
    """The live processes whose command line holds ``marker`` (zombies have none)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _marker() -> str:
    return f"600.{secrets.randbelow(10**9):09d}"


needs_proc = pytest.mark.skipif(not proctree.SUPPORTED, reason="needs Linux /proc")


@pytest.mark.slow
@needs_proc
def test_a_setsid_double_fork_daemon_does_not_outlive_the_grade(tmp_path):
    marker = _marker()
    daemon = (
        "\nimport os as _os\n"
        "if _os.fork() == 0:\n"
        "    _os.setsid()\n"
        "    if _os.fork() == 0:\n"
        f"        _os.execvp('sleep', ['sleep', '{marker}'])\n"
        "    _os._exit(0)\n"
        "_os.wait()\n"
    )
    result = grade_metrics(attempt(tmp_path, append=daemon))
    assert result.score == result.max_score, "starting a process is not a crime"
    assert _running_with(marker) == [], "a process outlived the grade"


TREE_LIMITS = Limits(per_test_s=20.0, per_day_s=60.0, memory_bytes=1024**3, grace_s=1.0)
ONE_ROC_TEST = "test_roc_auc_matches_a_hand_worked_value"


@pytest.mark.slow
@needs_proc
def test_processes_each_under_the_limit_but_together_over_it_are_stopped(tmp_path):
    # Three processes, each far under the 1 GiB per-process limit, 1.2 GiB between them.
    marker = _marker()
    hold = f"b = b'x' * (400 * 1024**2); import time; time.sleep({marker})"
    hog = (
        "import subprocess, sys, time; "
        f"[subprocess.Popen([sys.executable, '-c', {hold!r}]) for _ in range(3)]; "
        "time.sleep(600)"
    )
    root = attempt(tmp_path, replace=sabotage_roc_auc(hog))
    result = grade("day31", root, only=ONE_ROC_TEST, limits=TREE_LIMITS)
    (test,) = result.tests
    assert test.points == 0 and test.status is TestStatus.ERROR
    # not the 20 s time limit: the memory limit, within a fraction of a second
    assert test.message == (
        "the test process was stopped during this test: memory limit for the whole attempt "
        "(1 GiB) exceeded, counting every process it started"
    )
    assert [run["ended_by"] for run in result.runs] == ["memory_limit"]
    assert result.run_status is RunStatus.CRASHED
    assert "the attempt was stopped: memory limit for the whole attempt (1 GiB)" in " ".join(
        result.problems
    )
    assert _running_with(marker) == []


@pytest.mark.slow
@needs_proc
def test_too_many_processes_are_stopped(tmp_path):
    marker = _marker()
    spawn = (
        "import subprocess, time; "
        f"[subprocess.Popen(['sleep', '{marker}']) for _ in range(100)]; time.sleep(600)"
    )
    root = attempt(tmp_path, replace=sabotage_roc_auc(spawn))
    result = grade("day31", root, only=ONE_ROC_TEST, limits=TREE_LIMITS)
    (test,) = result.tests
    assert test.points == 0
    assert test.message == (
        "the test process was stopped during this test: too many processes, more than 64 at once"
    )
    assert [run["ended_by"] for run in result.runs] == ["process_limit"]
    assert _running_with(marker) == []


# ------------------------------------------------------------------ the parent trusts nothing
# The cases below replace the test process itself (pytest with the hidden tests) with a
# script that abuses what it is given: the event channel, the files passed to it, its
# own death. What the grader believes of that is what is tested. Each script is
# FAKE_JUDGE followed by a body; ``first`` is true in the first test process of a grade
# only, so the tests left after a kill run honestly in the next one.

FAKE_JUDGE = """
import json, os, signal, sys, time
options = dict(a.split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
channel = os.fdopen(int(options["--grader-events-fd"]), "wb")
selected = open(options["--grader-select"]).read().splitlines()
first = not os.path.exists(sys.argv[0] + ".ran")
open(sys.argv[0] + ".ran", "a").close()
if first:
    open(sys.argv[0] + ".pid", "w").write(str(os.getpid()))

def send(data):
    channel.write(data)
    channel.flush()

def event(**fields):
    send(json.dumps(fields).encode() + b"\\n")

def end(nodeid, outcome="passed", **fields):
    texts = {"message": "", "detail": "", "hint": "", **fields}
    event(event="end", nodeid=nodeid, outcome=outcome, duration=0.01, seed=None, **texts)

def pass_all(nodeids):
    for nodeid in nodeids:
        event(event="start", nodeid=nodeid)
        end(nodeid)
"""


@pytest.fixture
def fake_judge(tmp_path, monkeypatch):
    """``fake_judge(body)``: the next grades run ``FAKE_JUDGE + body`` as their test
    process. Returns the script's path; its first process writes its pid next to it
    (``judge.py.pid``)."""
    from grader import child

    script = tmp_path / "judge.py"

    def install(body: str) -> Path:
        script.write_text(FAKE_JUDGE + body, encoding="utf-8")
        monkeypatch.setattr(child, "pytest_command", lambda *a: [sys.executable, str(script), *a])
        return script

    return install


def assert_gone(pid: int) -> None:
    """The process ``pid`` no longer exists (it was killed and reaped)."""
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


@pytest.mark.slow
def test_garbage_and_forged_events_are_ignored_and_an_unreadable_result_earns_nothing(
    tmp_path, fake_judge
):
    fake_judge(
        'send(b"garbage\\n[1, 2]\\n{\\"event\\": \\"end\\"}\\n\\xff\\xfe\\n")\n'
        'event(event="start", nodeid="day31/test_metrics.py::test_not_in_the_manifest")\n'
        'end("day31/test_metrics.py::test_not_in_the_manifest")\n'
        'event(event="start", nodeid=selected[0])\n'
        'end(selected[0], outcome="PASSED!!")\n'
        "end(selected[0])  # a second end cannot overturn the first\n"
        "end(selected[1])  # not running\n"
        "pass_all(selected[1:])\n"
    )
    result = grade_metrics(attempt(tmp_path))
    first, rest = result.tests[0], result.tests[1:]
    assert first.status is TestStatus.ERROR and first.points == 0
    assert "unreadable result" in first.message
    assert all(t.status is TestStatus.PASSED for t in rest)
    assert result.score == result.max_score - first.max_points
    assert result.runs[0]["invalid_events"] == 8
    assert "8 invalid line(s) on the grader's event channel were ignored" in " ".join(
        result.problems
    )


@pytest.mark.slow
def test_a_flood_of_events_is_cut_off_and_the_test_that_sent_it_earns_nothing(tmp_path, fake_judge):
    script = fake_judge(
        "if first:\n"
        '    event(event="start", nodeid=selected[0])\n'
        '    send((b"y" * 1000 + b"\\n") * 3000)  # 3 MB of lines\n'
        "    time.sleep(60)\n"
        "pass_all(selected)\n"
    )
    result = grade_metrics(attempt(tmp_path))
    assert [run["ended_by"] for run in result.runs] == ["flooded", "exit"]
    assert result.runs[0]["duration_s"] < LIMITS.per_test_s, "stopped by the cap, not a clock"
    first, rest = result.tests[0], result.tests[1:]
    assert first.status is TestStatus.ERROR and first.points == 0
    assert "flooded the grader's event channel (over 2 MiB)" in first.message
    assert all(t.status is TestStatus.PASSED for t in rest), "the other tests still count"
    assert any("flooded" in problem for problem in result.problems)
    assert result.run_status is RunStatus.CRASHED
    assert_gone(int(script.with_suffix(".py.pid").read_text()))


@pytest.mark.slow
def test_huge_messages_are_bounded_by_the_grader(tmp_path, fake_judge):
    fake_judge(
        "if first:\n"
        '    event(event="start", nodeid=selected[0])\n'
        '    end(selected[0], outcome="failed", message="m" * 20_000, detail="d" * 40_000)\n'
        '    event(event="start", nodeid=selected[1])\n'
        '    end(selected[1], outcome="passed", message="x" * 1_000_000)  # an overlong line\n'
        "    sys.exit(0)\n"
        "pass_all(selected)\n"
    )
    result = grade_metrics(attempt(tmp_path))
    first, second = result.tests[:2]
    assert first.status is TestStatus.FAILED and "[cut: 19400 more characters]" in first.message
    assert len(first.message) <= 700 and len(first.detail) <= 4100
    assert second.status is TestStatus.ERROR and second.points == 0, "its result was unreadable"
    assert result.runs[0]["invalid_events"] == 1
    assert all(t.status is TestStatus.PASSED for t in result.tests[2:])


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGRTMIN"), reason="no real-time signals here")
def test_death_by_a_signal_python_has_no_name_for_is_described(tmp_path, fake_judge):
    number = signal.SIGRTMIN + 1
    fake_judge(
        "if first:\n"
        '    event(event="start", nodeid=selected[0])\n'
        f"    os.kill(os.getpid(), {number})\n"
        "    time.sleep(60)\n"
        "pass_all(selected)\n"
    )
    result = grade_metrics(attempt(tmp_path))
    first = result.tests[0]
    assert first.status is TestStatus.ERROR and first.points == 0
    assert f"killed by signal {number} (SIGRTMIN+1)" in first.message
    assert all(t.status is TestStatus.PASSED for t in result.tests[1:])
    assert result.runs[0]["exit_code"] == -number


@pytest.mark.slow
def test_files_handed_to_the_test_process_cannot_be_swapped(tmp_path, fake_judge):
    # Before: the selection, the events and pytest-json-report's file were paths in argv;
    # a FIFO put in place of one hung the grader forever.
    fifo = tmp_path / "fifo"
    fake_judge(
        'for option in ("--grader-select", "--json-report-file"):\n'
        "    for swap in (os.unlink, os.mkfifo):\n"
        "        try:\n"
        "            swap(options[option])\n"
        "        except OSError:\n"
        "            pass\n"
        f"os.mkfifo({str(fifo)!r})\n"
        f"fifo = os.open({str(fifo)!r}, os.O_RDWR)\n"
        'os.dup2(fifo, int(options["--json-report-file"].rsplit("/", 1)[1]))\n'
        "pass_all(selected)\n"
    )
    result = grade_metrics(attempt(tmp_path))
    assert result.score == result.max_score
    assert result.runs[0]["pytest_json_report_summary"] is None
    assert result.duration_s < LIMITS.per_day_s


@pytest.mark.slow
def test_the_working_folder_is_removed_after_a_kill(tmp_path, fake_judge, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    where = tmp_path / "cwd.txt"
    script = fake_judge(
        "if first:\n"
        '    os.makedirs("locked/deeper")\n'
        '    open("locked/deeper/file", "w").write("left behind?")\n'
        '    os.chmod("locked/deeper", 0o500)\n'
        '    os.chmod("locked", 0o500)\n'
        f"    open({str(where)!r}, 'w').write(os.getcwd())\n"
        '    event(event="start", nodeid=selected[0])\n'
        "    time.sleep(60)  # killed at the test's time limit\n"
        "pass_all(selected)\n"
    )
    result = grade_metrics(attempt(tmp_path))
    assert result.tests[0].status is TestStatus.TIMEOUT
    assert result.runs[0]["ended_by"] == "test_timeout"
    assert Path(where.read_text()).parent == tmp_path / "tmp"
    assert not Path(where.read_text()).exists(), "the killed process's folder is gone"
    assert list((tmp_path / "tmp").iterdir()) == [], "no temporary folder is left"
    assert_gone(int(script.with_suffix(".py.pid").read_text()))


@pytest.mark.slow
@needs_proc
def test_terminating_the_grader_stops_the_test_process_and_removes_its_folders(tmp_path):
    root = attempt(tmp_path, replace=sabotage_roc_auc("while True: pass"))
    temp = tmp_path / "tmp"
    temp.mkdir()
    options = ["--target", str(root), "--progress-dir", str(tmp_path / "p"), "--test-timeout", "60"]
    command = [sys.executable, "-m", "grader", "grade", "day31", *options]
    environment = {**os.environ, "TMPDIR": str(temp)}
    grader = subprocess.Popen(
        command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while not list(temp.glob("grader-cwd-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(temp.glob("grader-cwd-*")), "the grade never started a test process"
    time.sleep(1.0)
    grader.send_signal(signal.SIGTERM)
    _, stderr = grader.communicate(timeout=30)
    assert grader.returncode == 128 + signal.SIGTERM
    assert b"terminated; what was already saved is kept" in stderr
    assert list(temp.iterdir()) == [], "every temporary folder was removed"
    assert _running_with(str(root)) == [], "no process of the grade is left"


def test_a_crash_log_goes_to_the_progress_dir_given(tmp_path, monkeypatch, capsys):
    from grader import cli, commands

    def crash(args):
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr(commands, "command_grade", crash)
    monkeypatch.setattr(cli, "PROGRESS_ROOT", tmp_path / "default")
    assert cli.main(["grade", "day31", "--progress-dir", str(tmp_path / "mine")]) == 3
    (log,) = (tmp_path / "mine").glob("grader-error-*.log")
    assert "RuntimeError: a bug of ours" in log.read_text(encoding="utf-8")
    assert not (tmp_path / "default").exists()
    assert "details in" in capsys.readouterr().err


def test_a_held_ledger_lock_ends_in_one_line_not_a_hang(tmp_path, monkeypatch, capsys):
    import fcntl

    from grader import cli, storage

    monkeypatch.setattr(storage, "LOCK_TIMEOUT_S", 0.5)
    ledger = tmp_path / "progress.json"
    ledger.write_text('{"days": {}}', encoding="utf-8")
    with open(tmp_path / "progress.json.lock", "a") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX)  # as a process an attempt left behind would
        started = time.monotonic()
        status = cli.main(["progress", "--progress-dir", str(tmp_path)])
        waited = time.monotonic() - started
    err = capsys.readouterr().err
    assert status == 2 and 0.5 <= waited < 5
    assert len(err.strip().splitlines()) == 1
    assert "another grade is running, or a stale process holds" in err
    assert f"progress.json.lock (process {os.getpid()})" in err
    assert ledger.read_text(encoding="utf-8") == '{"days": {}}', "nothing of the learner's lost"


@pytest.mark.slow
def test_a_fifty_megabyte_message_floods_neither_the_report_nor_the_display(tmp_path):
    from grader.display import make_console, render_day

    # pytest takes seconds to format a 50 MB message: the test's own time limit allows it.
    limits = Limits(per_test_s=30.0, per_day_s=120.0, memory_bytes=1024**3, grace_s=1.0)
    root = attempt(tmp_path, replace=sabotage_roc_auc("raise ValueError('x' * 50_000_000)"))
    result = grade("day31", root, test_files=("test_metrics.py",), limits=limits)
    failing = [t for t in result.tests if t.status is not TestStatus.PASSED]
    assert failing and all(ROC_TESTS in t.id and t.points == 0 for t in failing)
    assert all("ValueError: xxx" in t.message and "more characters]" in t.message for t in failing)
    assert all(len(t.message) <= 700 and len(t.detail) <= 4100 for t in result.tests)
    assert len(json.dumps(result.to_dict())) < 1_000_000
    screen = io.StringIO()
    render_day(make_console(screen, width=100), result, None)
    assert len(screen.getvalue()) < 100_000


# The judge and the attempt are different processes: what an attempt could once reach in
# the test process (the expected values in the callers' frames, the test functions, the
# comparison itself) is simply not there. Each case below is checked twice: in-process,
# the trick works (so the test can fail); in a grade, the attempt's roc_auc earns nothing.

ROC_RETURNS_ZERO = (ROC_BODY_START, "    return 0.0\n" + ROC_BODY_START)


def roc_points(result) -> float:
    roc = [t for t in result.tests if ROC_TESTS in t.id]
    assert roc, "the roc_auc tests ran"
    return sum(t.points for t in roc)


LIAR = """
class _Liar:
    '''Equal to everything, an array of anything, a float of the expected value.'''
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __float__(self): return 0.75
    def __array__(self, dtype=None, copy=None):
        import numpy
        return numpy.asarray(0.75)
    def __sub__(self, other): return 0.0
    __rsub__ = __sub__
    def __abs__(self): return 0.0
    def __lt__(self, other): return True
    __le__ = __gt__ = __ge__ = __lt__

class _LyingFloat(float):
    def __eq__(self, other): return True
    def __sub__(self, other): return 0.0
    __rsub__ = __sub__
"""

FRAME_WALKER = """
def _steal_expected():
    '''Walk up the callers' frames for an expected value a test keeps in a local.'''
    import sys
    frame = sys._getframe(1)
    while frame is not None:
        for name, value in frame.f_locals.items():
            if name.startswith('expected') and isinstance(value, float):
                return value
        frame = frame.f_back
    return 0.0
"""

TEST_REWRITER = """
def _pass_every_test():
    '''Give every test function in the process an empty body.'''
    import gc
    empty = (lambda *args, **kwargs: None).__code__
    for found in gc.get_objects():
        if type(found).__name__ == 'function' and found.__name__.startswith('test_'):
            try:
                found.__code__ = empty.replace(co_name=found.__name__)
            except Exception:
                pass
_pass_every_test()
"""


def _run_in_process(source: str) -> dict:
    namespace: dict = {}
    exec(source, namespace)
    return namespace


@pytest.mark.slow
@pytest.mark.parametrize("liar", ["_Liar()", "_LyingFloat(0.0)"])
def test_objects_that_lie_about_equality_earn_nothing(tmp_path, liar):
    made = _run_in_process(LIAR + f"value = {liar}")["value"]
    assert made == 0.75 and abs(made - 0.75) == 0, "in-process, the liar passes a comparison"
    root = attempt(tmp_path, append=LIAR, replace=(ROC_BODY_START, f"    return {liar}\n"))
    result = grade_metrics(root)
    assert roc_points(result) == 0
    assert result.score == result.max_score - sum(
        t.max_points for t in result.tests if ROC_TESTS in t.id
    )


@pytest.mark.slow
def test_walking_up_the_callers_frames_finds_no_expected_value(tmp_path):
    steal = _run_in_process(FRAME_WALKER)["_steal_expected"]

    def a_test():
        expected = 0.75
        return steal(), expected

    assert a_test() == (0.75, 0.75), "in-process, the frames hold the expected value"
    root = attempt(
        tmp_path, append=FRAME_WALKER, replace=(ROC_BODY_START, "    return _steal_expected()\n")
    )
    assert roc_points(grade_metrics(root)) == 0


@pytest.mark.slow
def test_rewriting_the_hidden_tests_at_import_changes_nothing(tmp_path):
    # The control runs in an interpreter of its own: here, it would empty every test of
    # this test session too (and trip over whatever else it finds named test_*).
    control = "def test_that_fails():\n    raise AssertionError('a real check')\n"
    control += TEST_REWRITER + "assert test_that_fails() is None\n"
    ran = subprocess.run([sys.executable, "-c", control], capture_output=True, text=True)
    assert ran.returncode == 0, f"in-process, the rewrite empties a test: {ran.stderr}"
    root = attempt(tmp_path, append=TEST_REWRITER, replace=ROC_RETURNS_ZERO)
    result = grade_metrics(root)
    assert roc_points(result) == 0
    assert all(t.status is not TestStatus.PASSED for t in result.tests if ROC_TESTS in t.id)


# What the attempt's worker can see: with bubblewrap, none of the grader's or the learner's
# files but its own copy, and nothing it can write but a scratch folder.


@pytest.mark.slow
@needs_bwrap
def test_the_reference_and_the_hidden_tests_cannot_be_read(tmp_path, monkeypatch):
    reference = SOLUTIONS_ROOT / "day31" / "metrics.py"
    hidden = HIDDEN_ROOT / "day31" / "test_metrics.py"
    # With the reference read and run, roc_auc would be the reference's own.
    thief = (
        f"\nfor _path in ({str(reference)!r}, {str(hidden)!r}):\n"
        "    try:\n"
        "        _text = open(_path).read()\n"
        "    except OSError:\n"
        "        continue\n"
        "    if 'def roc_auc' in _text:\n"
        "        exec(_text, globals())\n"
    )
    assert "def roc_auc" in reference.read_text(), "outside the sandbox, the file is there"
    root = attempt(tmp_path, append=thief, replace=ROC_RETURNS_ZERO)
    assert roc_points(grade_metrics(root)) == 0
    # The grader decides for the judge, and the report says what the attempt ran in:
    # told "none", the judge runs the worker as it is, and the theft works.
    from grader import runner

    monkeypatch.setattr(runner.sandbox, "available", lambda: "none")
    unsandboxed = grade_metrics(root)
    assert unsandboxed.sandbox == "none" and roc_points(unsandboxed) > 0


def vandal(paths: list[Path]) -> str:
    """Attempt code that writes ``# forged`` into each path (making its folder), quietly."""
    return "\nimport os as _os\n" + "".join(
        f"try:\n    _os.makedirs({str(p.parent)!r}, exist_ok=True)\n"
        f"    open({str(p)!r}, 'w').write('# forged\\n')\nexcept OSError:\n    pass\n"
        for p in paths
    )


@pytest.mark.slow
@needs_bwrap
def test_the_learners_the_mentors_and_the_venvs_files_cannot_be_changed(tmp_path):
    import sysconfig

    root = attempt(tmp_path)
    progress = tmp_path / "mentor-progress"
    progress.mkdir()
    ledger = progress / "progress.json"
    ledger.write_text('{"days": {}}', encoding="utf-8")
    tag = secrets.token_hex(4)
    planted = Path(sysconfig.get_paths()["purelib"]) / f"zz_hostile_{tag}.pth"
    targets = {
        "ledger": ledger,
        "forged": progress / "reports" / "day31" / "latest.json",
        "repo progress": Path(__file__).resolve().parents[1] / "progress" / f"forged-{tag}.json",
        "learner's file": root / "day31" / "metrics.py",
        "venv": planted,
    }
    decoy = tmp_path / "decoy" / "x.json"
    _run_in_process(vandal([decoy]))
    assert decoy.read_text() == "# forged\n", "in-process, the vandal writes where it likes"
    vandal_code = vandal(list(targets.values()))
    source = (root / "day31" / "metrics.py").read_text(encoding="utf-8") + vandal_code
    (root / "day31" / "metrics.py").write_text(source, encoding="utf-8")
    before = {name: p.read_bytes() if p.exists() else None for name, p in targets.items()}
    try:
        result = grade(
            "day31", root, test_files=("test_metrics.py",), limits=LIMITS, progress_dir=progress
        )
        after = {name: p.read_bytes() if p.exists() else None for name, p in targets.items()}
    finally:
        for name in ("venv", "repo progress"):
            targets[name].unlink(missing_ok=True)
    assert after == before, [name for name in targets if after[name] != before[name]]
    assert result.score == result.max_score, "trying is not a crime; the code is right"
