"""Manifests are cached on disk, keyed by what they are made from (grader.manifests)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

import grader.manifests as manifests
from grader.catalog import HIDDEN_ROOT, REPO_ROOT, get_day

DAY = get_day("day31")


@pytest.fixture
def fresh(monkeypatch):
    """No manifest in this process's memory, and a count of collections."""
    monkeypatch.setattr(manifests, "_MEMO", {})
    collected = []

    def collect(day):
        collected.append(day.name)
        return [
            {
                "nodeid": "day31/test_x.py::test_a",
                "name": "a",
                "file": "test_x.py",
                "points": 1.0,
                "hint": "h?",
                "task": "t",
                "time_limit": None,
                "bonus": False,
                "uses_random": False,
            }
        ]

    monkeypatch.setattr(manifests, "collect_manifest", collect)
    return collected


def cached_path(cache):
    return cache / f"day31-{manifests.manifest_key(DAY)[:16]}.json"


def test_a_manifest_is_collected_once_then_read_from_the_cache(tmp_path, fresh, monkeypatch):
    first = manifests.manifest_for(DAY, tmp_path)
    assert fresh == ["day31"] and cached_path(tmp_path).is_file()
    monkeypatch.setattr(manifests, "_MEMO", {})  # a new process
    assert manifests.manifest_for(DAY, tmp_path) == first and fresh == ["day31"]


def test_a_corrupt_or_misshapen_entry_is_collected_again_and_replaced(tmp_path, fresh, monkeypatch):
    path = cached_path(tmp_path)
    for text in ("{ not json", '[{"nodeid": "day31/test_x.py::test_a"}]', "[]", '{"a": 1}'):
        path.write_text(text, encoding="utf-8")
        monkeypatch.setattr(manifests, "_MEMO", {})
        assert manifests.manifest_for(DAY, tmp_path)[0]["name"] == "a"
    assert len(fresh) == 4
    assert manifests._read(path) is not None, "the entry was rewritten whole"


def test_a_stale_entry_of_the_day_is_removed_when_a_new_one_is_written(tmp_path, fresh):
    stale = tmp_path / "day31-0123456789abcdef.json"
    other_day = tmp_path / "day32-0123456789abcdef.json"
    for path in (stale, other_day):
        path.write_text("[]", encoding="utf-8")
    manifests.manifest_for(DAY, tmp_path)
    assert not stale.exists() and other_day.exists() and cached_path(tmp_path).is_file()


def test_a_cache_folder_that_cannot_be_written_only_means_collecting(tmp_path, fresh):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    assert manifests.manifest_for(DAY, blocked / "cache")[0]["name"] == "a"


def test_the_key_changes_with_a_hidden_test_and_not_with_the_checkouts_place(tmp_path):
    shutil.copytree(HIDDEN_ROOT, tmp_path / "hidden", ignore=shutil.ignore_patterns("__pycache__"))
    code = "from grader.catalog import get_day; from grader.manifests import manifest_key; "
    code += "print(manifest_key(get_day('day31')))"

    def key() -> str:
        env = {**os.environ, "KATAS_HIDDEN_ROOT": str(tmp_path / "hidden")}
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    assert key() == manifests.manifest_key(DAY), "the same files give the same key anywhere"
    test_file = tmp_path / "hidden" / "day31" / "test_metrics.py"
    test_file.write_text(test_file.read_text(encoding="utf-8") + "\n# edited\n", "utf-8")
    assert key() != manifests.manifest_key(DAY)
