"""The private copy of an attempt that gets graded (grader.snapshot)."""

from __future__ import annotations

import hashlib
import os
import py_compile
import time

import pytest

from grader import snapshot as snapshots
from grader.snapshot import take_snapshot


@pytest.fixture
def day(tmp_path):
    folder = tmp_path / "day40"
    (folder / "answers").mkdir(parents=True)
    (folder / "quiz.md").write_text("### Q1.\n- [x] A\n", encoding="utf-8")
    (folder / "answers" / "notes.md").write_text("# Notes\n", encoding="utf-8")
    (folder / "beam_search.py").write_text("def beam_search():\n    return 1\n", encoding="utf-8")
    return folder


def test_the_copy_holds_every_regular_file_with_its_hash_and_is_removed_after(day):
    with take_snapshot(day, "exercises/day40") as snap:
        copy = snap.folder
        assert copy.name == "day40" and not copy.is_relative_to(day.parent)
        names = sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*") if p.is_file())
        assert names == ["answers/notes.md", "beam_search.py", "quiz.md"]
        for name in names:
            assert (copy / name).read_bytes() == (day / name).read_bytes()
            assert snap.digests[name] == hashlib.sha256((day / name).read_bytes()).hexdigest()
        assert snap.problems() == ()
    assert not copy.exists()


def test_links_are_not_followed_and_named_in_a_problem(day, tmp_path):
    secret = tmp_path / "solutions_quiz.md"
    secret.write_text("the key", encoding="utf-8")
    (day / "quiz.md").unlink()
    (day / "quiz.md").symlink_to(secret)
    (day / "data").symlink_to(tmp_path, target_is_directory=True)
    with take_snapshot(day, "exercises/day40") as snap:
        assert not (snap.folder / "quiz.md").exists() and not (snap.folder / "data").exists()
        (problem,) = snap.problems()
    assert problem.startswith("exercises/day40: data, quiz.md not graded: symbolic links")


def test_cached_bytecode_is_left_out_so_the_hashed_source_is_what_runs(day):
    # An unchecked-hash .pyc is used by Python whatever the source says.
    cache = day / "__pycache__"
    py_compile.compile(
        str(day / "beam_search.py"),
        cfile=str(cache / "beam_search.cpython-311.pyc"),
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    (day / "stale.pyc").write_bytes(b"\0")
    with take_snapshot(day, "exercises/day40") as snap:
        assert not (snap.folder / "__pycache__").exists()
        assert not (snap.folder / "stale.pyc").exists()
        assert snap.problems() == ()


def test_a_fifo_is_skipped_without_blocking(day):
    os.mkfifo(day / "answers" / "pipe.md")
    with take_snapshot(day, "exercises/day40") as snap:
        assert not (snap.folder / "answers" / "pipe.md").exists()
        assert "answers/notes.md" in snap.digests


def test_files_over_the_size_cap_are_left_out_smallest_first(day, monkeypatch):
    small = sum(p.stat().st_size for p in day.rglob("*") if p.is_file() and p.name != "model.bin")
    monkeypatch.setattr(snapshots, "MAX_BYTES", 1024**2 // 4)
    (day / "model.bin").write_bytes(b"\0" * (1024**2 // 4 - small + 1))
    with take_snapshot(day, "exercises/day40") as snap:
        assert set(snap.digests) == {"answers/notes.md", "beam_search.py", "quiz.md"}
        assert snap.too_big == ["model.bin"]
        (problem,) = snap.problems()
    assert problem == (
        "exercises/day40: model.bin not graded: a day folder may hold 0.25 MB in all; "
        "move large files out of it"
    )


def test_a_folder_with_too_many_files_stops_with_a_problem(day, monkeypatch):
    monkeypatch.setattr(snapshots, "MAX_FILES", 3)
    with take_snapshot(day, "exercises/day40") as snap:
        assert snap.too_many and len(snap.digests) < 3
        assert "more than 3 files" in snap.problems()[-1]


def test_changed_names_the_copied_files_edited_or_removed_but_not_new_ones(day):
    with take_snapshot(day, "exercises/day40") as snap:
        assert snap.changed() == []
        (snap.folder / "quiz.md").write_text("### Q1.\n- [x] B\n", encoding="utf-8")
        (snap.folder / "answers" / "notes.md").unlink()
        (snap.folder / "scratch.txt").write_text("new", encoding="utf-8")
        assert sorted(snap.changed()) == ["answers/notes.md", "quiz.md"]


def test_a_file_rewritten_then_restored_still_counts_as_changed(day):
    with take_snapshot(day, "exercises/day40") as snap:
        quiz = snap.folder / "quiz.md"
        original = quiz.read_bytes()
        time.sleep(0.05)  # file times tick in steps of a few milliseconds
        quiz.write_text("### Q1.\n- [x] B\n", encoding="utf-8")
        quiz.write_bytes(original)
        os.utime(quiz, ns=(0, 0))  # even with its modification time set back
        assert snap.changed() == ["quiz.md"]
