"""A mentor with a class: ``cohort`` answers who is stuck where, with how many hints,
who copied from whom, and when each day first passed, from the project's own commands.

Four learners' clones (real git repositories):
- Alice pasted the references, with a comment added;
- Bob wrote his own metrics (an honest implementation), left the rest, used hints;
- Carol left everything untouched;
- Dave took Bob's metrics and renamed a variable.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from grader.catalog import REPO_ROOT
from grader.cli import main
from tests.conftest import make_clone

HONEST = REPO_ROOT / "tests" / "similarity" / "honest" / "day31"


def _commit(clone: Path) -> None:
    subprocess.run(["git", "-C", str(clone), "commit", "-qam", "more work"], check=True)


def _ledger(clone: Path, hints: dict[str, int], attempts: int) -> None:
    """The learner's own progress/progress.json, as their grades and hints left it."""
    day = {
        "attempts": attempts,
        "best_score": 0.0,
        "best_percent": 40.0,
        "history": [],
        "first_passed_at": None,
        "hints_revealed": hints,
    }
    ledger = {"schema_version": 1, "days": {"day31": day}, "milestone": {"reached_at": None}}
    (clone / "progress").mkdir()
    (clone / "progress" / "progress.json").write_text(json.dumps(ledger), encoding="utf-8")


@pytest.fixture(scope="module")
def classroom(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("class")
    alice = make_clone(
        base / "alice" / "katas",
        "Alice",
        "alice@example.org",
        {"day31": "solution"},
        "https://example.org/alice/katas.git",
    )
    metrics = alice / "exercises" / "day31" / "metrics.py"
    metrics.write_text("# my metrics\n" + metrics.read_text(encoding="utf-8"), encoding="utf-8")
    _commit(alice)
    bob = make_clone(base / "bob" / "katas", "Bob", "bob@example.org", {"day31": "stub"})
    shutil.copy(HONEST / "metrics.py", bob / "exercises" / "day31" / "metrics.py")
    _commit(bob)
    _ledger(bob, {"sigmoid": 2, "train_logistic_regression": 1}, attempts=4)
    carol = make_clone(
        base / "carol" / "katas", "Carol & Co", "carol@example.org", {"day31": "stub"}
    )
    dave = make_clone(base / "dave" / "katas", "Dave", "dave@example.org", {"day31": "stub"})
    copied = (HONEST / "metrics.py").read_text(encoding="utf-8").replace("guess", "predicted")
    (dave / "exercises" / "day31" / "metrics.py").write_text(copied, encoding="utf-8")
    _commit(dave)
    return {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "base": base}


@pytest.fixture(scope="module")
def cohort(classroom) -> dict:
    """The cohort as JSON, graded once for the module (a mentor's progress folder in tmp)."""
    clones = [str(classroom[n]) for n in ("alice", "bob", "carol", "dave")]
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "cohort",
            *clones,
            "--days",
            "day31",
            "--json",
            "--progress-dir",
            str(classroom["base"] / "mentor"),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout)
    data["by_name"] = {row["name"]: row for row in data["cells"]}
    return data


def test_who_is_stuck_where_and_on_which_test(cohort):
    cells = cohort["by_name"]
    assert cells["Alice"]["passed"] and cells["Alice"]["first_failing"] is None
    for stuck in ("Bob", "Carol & Co", "Dave"):
        assert not cells[stuck]["passed"]
        assert cells[stuck]["first_failing"], f"{stuck}: no first failing test named"
    # Bob's own metrics pass, so what stops him is in logistic regression, not in metrics
    assert cells["Bob"]["percent"] > cells["Carol & Co"]["percent"] == 0


def test_hints_and_attempts_are_the_learners_own(cohort):
    assert cohort["by_name"]["Bob"]["hints"] == 3
    assert cohort["by_name"]["Bob"]["attempts"] == 4
    assert cohort["by_name"]["Carol & Co"]["hints"] == 0


def test_who_copied_and_from_whom(cohort):
    flags = {
        name: {(f["file"], f["like"]) for f in row["copy_flags"]}
        for name, row in cohort["by_name"].items()
    }
    assert ("metrics.py", "reference") in flags["Alice"], "a comment line hid a copy"
    assert ("metrics.py", "Bob") in flags["Dave"], "a renamed variable hid a copy"
    assert ("metrics.py", "Dave") in flags["Bob"]
    assert not any(like == "reference" for _, like in flags["Bob"]), "honest work flagged"
    assert flags["Carol & Co"] == set(), "an untouched stub is nobody's copy"


def test_when_each_day_first_passed(cohort):
    assert cohort["by_name"]["Alice"]["first_passed_at"].startswith("20")
    assert cohort["by_name"]["Bob"]["first_passed_at"] is None


def test_csv_and_reports_give_the_same_cells(cohort, classroom):
    rebuilt = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "cohort",
            "--from-reports",
            str(classroom["base"] / "mentor" / "targets"),
            "--days",
            "day31",
            "--csv",
            "--out",
            str(classroom["base"] / "from-reports"),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = {row["name"]: row for row in csv.DictReader(io.StringIO(rebuilt.stdout))}
    assert set(rows) == {"Alice", "Bob", "Carol & Co", "Dave"}
    for name, row in rows.items():
        assert float(row["percent"]) == cohort["by_name"][name]["percent"]
        assert row["first_failing"] == (cohort["by_name"][name]["first_failing"] or "")
    assert "like reference" in rows["Alice"]["copy_flags"]


def test_the_page_links_every_cell_and_escapes_what_learners_wrote(cohort):
    index = Path(cohort["page"])
    html = index.read_text(encoding="utf-8")
    assert "Carol &amp; Co" in html and "Carol & Co" not in html
    assert "<script" not in html and "http" not in html.replace("https://example.org", "")
    for row in cohort["cells"]:
        link = f"{row['learner']}/day31.html"
        assert f'href="{link}"' in html
        page = (index.parent / link).read_text(encoding="utf-8")
        assert "Tests (failures first)" in page and "Hints used" in page
    bob = next(r for r in cohort["cells"] if r["name"] == "Bob")
    bob_page = (index.parent / bob["learner"] / "day31.html").read_text(encoding="utf-8")
    assert "sigmoid: 2" in bob_page and "Copy flags" in bob_page


def test_a_cohort_needs_clones_or_reports(capsys):
    assert main(["cohort"]) == 2
    assert "--from-reports" in capsys.readouterr().err


def test_the_page_renders_in_a_browser(cohort, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no Chromium installed (Debian: apt-get install chromium); page not rendered")
    png = tmp_path / "cohort.png"
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--screenshot={png}",
            "--window-size=1200,900",
            Path(cohort["page"]).as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert len(set(_png_pixels(png.read_bytes()))) > 8, "the rendered page is blank"


def _png_pixels(data: bytes) -> bytes:
    """The raw (filtered) pixel bytes of a PNG: enough to tell a blank page from a table."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    at, chunks = 8, []
    while at < len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        kind = data[at + 4 : at + 8]
        if kind == b"IDAT":
            chunks.append(data[at + 8 : at + 8 + length])
        at += 12 + length
    return zlib.decompress(b"".join(chunks))
