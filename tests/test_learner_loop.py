"""The learner's loop: watch mode, reset with backups, and published notes."""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from grader.catalog import REPO_ROOT, all_days, get_day
from grader.cli import main
from grader.notes import compile_notes, render_notes
from grader.watch import command_watch, snapshot, wait_for_change
from tests.conftest import copy_solution, grade
from tests.stubs_lock import skip_if_learner_work


def progress_attempts(progress_dir: Path) -> int:
    try:
        ledger = json.loads((progress_dir / "progress.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    return ledger["days"].get("day31", {}).get("attempts", 0)


@pytest.mark.slow
def test_watch_grades_again_after_a_real_file_change(tmp_path):
    copy_solution("day31", tmp_path / "attempt")
    progress = tmp_path / "progress"
    watcher = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "grader",
            "watch",
            "day31",
            "--target",
            str(tmp_path / "attempt"),
            "--progress-dir",
            str(progress),
            "--max-cycles",
            "2",
            "--interval",
            "0.1",
            "--debounce",
            "0.2",
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while progress_attempts(progress) < 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert progress_attempts(progress) == 1, "the first grade happens at once"
        metrics = tmp_path / "attempt" / "day31" / "metrics.py"
        metrics.write_text(metrics.read_text() + "\n# an edit\n", encoding="utf-8")
        out, _ = watcher.communicate(timeout=120)
    finally:
        watcher.kill()
    assert watcher.returncode == 0, out
    assert progress_attempts(progress) == 2, "every watch-mode grade is an attempt"
    assert out.count("day31 · ML refresh") == 2


def test_a_burst_of_writes_is_debounced_into_one_change(tmp_path):
    target = tmp_path / "notes.py"
    target.write_text("0", encoding="utf-8")
    before = snapshot(tmp_path)
    writes = iter(range(1, 6))

    def sleep_and_keep_writing(seconds: float) -> None:
        # An editor's burst: a write on each of the first polls, then quiet.
        if (n := next(writes, None)) is not None:
            target.write_text(str(n) * n, encoding="utf-8")
        time.sleep(seconds)

    after = wait_for_change(
        tmp_path, before, interval_s=0.02, debounce_s=0.15, sleep=sleep_and_keep_writing
    )
    assert after == snapshot(tmp_path), "returns only once the folder is quiet"
    assert target.read_text() == "55555"
    assert (tmp_path / "__pycache__").exists() is False


def test_editor_droppings_and_caches_are_not_changes(tmp_path):
    (tmp_path / "a.py").write_text("x", encoding="utf-8")
    before = snapshot(tmp_path)
    (tmp_path / ".a.py.swp").write_text("swap", encoding="utf-8")
    (tmp_path / "a.py~").write_text("backup", encoding="utf-8")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "a.pyc").write_bytes(b"\0")
    assert snapshot(tmp_path) == before


def test_ctrl_c_stops_watch_mode_cleanly(monkeypatch, capsys):
    import grader.watch as watch

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(watch, "grade_days", interrupted)
    args = argparse.Namespace(
        day="day31",
        target=None,
        progress_dir=None,
        interval=0.1,
        debounce=0.1,
        max_cycles=0,
        test_timeout=5.0,
        day_timeout=60.0,
    )
    assert command_watch(args) == 0
    assert "Stopped watching after 0 grade(s)." in capsys.readouterr().out


@pytest.fixture
def clone(tmp_path) -> Path:
    """A real git clone of this repository, as a learner has it."""
    path = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO_ROOT), str(path)], check=True)
    return path


def run_in(clone: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.slow
def test_reset_backs_up_the_exact_bytes_then_restores_the_stub(clone):
    day_dir = clone / "exercises" / "day31"
    stub = (day_dir / "metrics.py").read_bytes()
    attempt = b"def confusion_counts(y_true, y_pred):\r\n    return 1, 2, 3, 4  # mine\xc3\xa9\r\n"
    (day_dir / "metrics.py").write_bytes(attempt)
    answer = (day_dir / "answers" / "notes.md").read_bytes() + "my notes 笔记\n".encode()
    (day_dir / "answers" / "notes.md").write_bytes(answer)

    done = run_in(clone, "reset", "day31", "--yes")
    assert done.returncode == 0, done.stderr
    (backup,) = (clone / "progress" / "backups" / "day31").iterdir()
    assert f"Backed up exercises/day31 to progress/backups/day31/{backup.name}" in done.stdout
    assert (backup / "metrics.py").read_bytes() == attempt, "the backup holds the exact bytes"
    assert (backup / "answers" / "notes.md").read_bytes() == answer
    assert (day_dir / "metrics.py").read_bytes() == stub
    assert (day_dir / "answers" / "notes.md").read_bytes() == answer, "answers kept by default"

    assert run_in(clone, "reset", "31", "--yes", "--answers").returncode == 0
    assert b"my notes" not in (day_dir / "answers" / "notes.md").read_bytes()
    assert len(list((clone / "progress" / "backups" / "day31").iterdir())) == 2


@pytest.mark.parametrize(
    "args, says",
    [
        (["reset", "day99", "--yes"], "unknown day 'day99'"),
        (["reset", "day31"], "add --yes to run it without a terminal"),
    ],
    ids=["unknown day", "no terminal, no --yes"],
)
def test_reset_refuses_with_exit_2_and_a_clear_line(monkeypatch, capsys, args, says):
    monkeypatch.setattr(sys, "stdin", None)
    assert main(args) == 2
    assert says in capsys.readouterr().err


def test_notes_keep_what_was_written_and_list_what_is_not(tmp_path):
    skip_if_learner_work("exercises/day31/answers/notes.md")
    folder = copy_solution("day31", tmp_path)
    template = (REPO_ROOT / "exercises" / "day31" / "answers" / "notes.md").read_text()
    (folder / "answers" / "notes.md").write_text(template, encoding="utf-8")  # placeholders only
    notes = compile_notes(tmp_path, (get_day("day31"),))
    text = render_notes(notes)
    assert text.startswith("# LLM Fundamentals")
    assert "- [Day 31 · ML refresh](#day-31--ml-refresh)" in text
    assert "#### Answer: bias and variance" in text and "**Bias** is error" in text
    assert "<!--" not in text, "placeholders are left out"
    assert "## Still to write (2)" in text
    assert "- day31/answers/notes.md: Answer: notes" in text
    assert notes.answers_written == 6


def test_notes_command_writes_the_document(tmp_path, capsys):
    output = tmp_path / "notes.md"
    assert main(["notes", "--source", str(REPO_ROOT / "solutions"), "--output", str(output)]) == 0
    assert output.read_text(encoding="utf-8").count("## Day ") >= 1
    assert "answer(s) from" in capsys.readouterr().out


LAB_DAYS = [d for d in all_days() if d.lab is not None]


def lab_references(markdown: str) -> tuple[list[str], list[str]]:
    """(targets of the links to .html pages, commands in code blocks) of the notes' Labs
    section (the answers above it quote code blocks of their own)."""
    section = markdown.split("\n## Labs\n", 1)[1].split("\n## ", 1)[0]
    tokens = MarkdownIt().parse(section)
    links = [
        child.attrs["href"]
        for token in tokens
        for child in token.children or []
        if child.type == "link_open" and str(child.attrs["href"]).endswith(".html")
    ]
    commands = [t.content.strip() for t in tokens if t.type == "fence"]
    return links, commands


@pytest.mark.parametrize("elsewhere", [False, True], ids=["in progress/", "--output elsewhere"])
def test_notes_link_each_exported_lab_and_give_the_command_for_the_others(tmp_path, elsewhere):
    progress = tmp_path / "progress"
    page = progress / "labs" / "day34.html"
    page.parent.mkdir(parents=True)
    page.write_text("<!doctype html>", encoding="utf-8")
    output = tmp_path / "published" / "notes.md" if elsewhere else None
    args = ["notes", "--source", str(REPO_ROOT / "solutions"), "--progress-dir", str(progress)]
    assert main(args + (["--output", str(output)] if output else [])) == 0
    notes_file = output or progress / "llm-fundamentals-notes.md"
    text = notes_file.read_text(encoding="utf-8")
    links, commands = lab_references(text)
    assert links == ["../progress/labs/day34.html" if elsewhere else "labs/day34.html"]
    assert (notes_file.parent / links[0]).resolve() == page.resolve()
    # each code block is one whole command: the lab days but day34, in order
    assert commands == [f"nox -s lab -- {d.name} --export" for d in LAB_DAYS if d.name != "day34"]
    assert "- [Labs](#labs)" in text, "the contents list the Labs section"
    assert text.index("\n## Labs\n") > text.index("\n## Day 40"), "the labs follow the days"


@pytest.mark.slow
def test_the_replay_command_reproduces_a_failure_on_random_inputs(tmp_path, capsys):
    from grader.results import replay_command

    folder = copy_solution("day31", tmp_path / "learner")
    source = (folder / "metrics.py").read_text(encoding="utf-8")
    tie_line = (
        "    ranks = np.bincount(inverse, weights=ranks)[inverse] / np.bincount(inverse)[inverse]\n"
    )
    (folder / "metrics.py").write_text(source.replace(tie_line, ""), encoding="utf-8")
    first = grade("day31", tmp_path / "learner", test_files=("test_metrics.py",))
    failing = next(t for t in first.tests if t.seed is not None and t.points == 0)
    command = replay_command(first, failing)
    words = shlex.split(command)
    assert words[:4] == ["nox", "-s", "grade", "--"] and "--seed" in words

    args = dict(zip(words[5::2], words[6::2], strict=False))  # --target, --only, --seed
    replay = grade("day31", Path(args["--target"]), only=args["--only"], seed=int(args["--seed"]))
    (again,) = replay.tests
    assert again.id == failing.id and again.seed == failing.seed
    assert again.message == failing.message, "same seed, same inputs, same failure"
    assert main(["grade", *words[4:], "--json"]) == 1, "the printed command itself runs"
