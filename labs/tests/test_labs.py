"""Every lab exports headless, on the references and on the untouched stubs.

Each day's own ``test_<day>.py`` checks that its figures and tables are there;
this file checks what every lab promises: a self-contained page (no network, no
script, no marimo element that would render blank offline), no error output,
and a source line under every figure and table: "yours" on the references, and
on the stubs the reference fallback, labelled as such.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess

import pytest

from grader.catalog import EXERCISES_ROOT, all_days
from labs.export import leftover_marimo_tags

LAB_DAYS = [d.name for d in all_days() if d.lab is not None]
SOURCES = ["solutions", "stubs"]
_EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)
_ERROR = re.compile(r"Traceback \(most recent call last\)|marimo-error|\bError:", re.IGNORECASE)


def test_the_labs_are_the_curriculums_build_column():
    assert LAB_DAYS == ["day32", "day33", "day34", "day35", "day36", "day37", "day39"]


@pytest.mark.parametrize("day", LAB_DAYS)
def test_the_days_readme_gives_the_commands_of_its_lab(day):
    lines = (EXERCISES_ROOT / day / "README.md").read_text(encoding="utf-8").splitlines()
    for command in [f"nox -s lab -- {day}", f"nox -s lab -- {day} --export"]:
        assert command in lines, f"exercises/{day}/README.md: no line {command!r}"


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("day", LAB_DAYS)
def test_the_export_is_self_contained_and_error_free(exported, day, source):
    page = exported(day, source)
    assert "<img" in page.html and "data:image/png;base64," in page.html, "no figure embedded"
    assert not _EXTERNAL.findall(page.html), "the page loads something from the network"
    assert "<script" not in page.html.lower(), "a static page needs no script"
    assert not leftover_marimo_tags(page.html), "marimo elements render blank offline"
    assert not _ERROR.search(page.html), "an error reached the page"
    assert "Traceback" not in page.stderr, page.stderr[-2000:]


# Tables of fixed data that no exercise computes: the only outputs without a source line.
FIXED_DATA_TABLES = {"Corpus sizes (training runs to vocab_size=512, 256 merges)"}
_OUTPUT = re.compile(
    r'<figure class="lab-figure">.*?<figcaption>(?P<figure>.*?)</figcaption>'
    r'(?:<p class="lab-source">(?P<figure_label>.*?)</p>)?</figure>'
    r'|<table class="lab-table">(?:<caption>(?P<table>.*?)</caption>)?.*?</table>'
    r'(?:<p class="lab-source">(?P<table_label>.*?)</p>)?',
    re.DOTALL,
)


def labelled_outputs(page: str) -> list[tuple[str, str | None]]:
    """(caption, source line or None) of every figure and table, in page order."""
    found = []
    for match in _OUTPUT.finditer(page):
        caption = match["figure"] if match["figure"] is not None else match["table"] or ""
        label = match["figure_label"] if match["figure"] is not None else match["table_label"]
        found.append((html.unescape(caption), None if label is None else html.unescape(label)))
    return found


@pytest.mark.parametrize("day", LAB_DAYS)
def test_every_figure_and_table_says_whose_code_made_it(exported, day):
    stubs, solutions = exported(day, "stubs"), exported(day, "solutions")
    for page, whose in [(stubs, "the stubs"), (solutions, "the references")]:
        outputs = labelled_outputs(page.html)
        assert outputs, f"no figure or table on {whose}"
        unlabelled = [c for c, label in outputs if label is None and c not in FIXED_DATA_TABLES]
        assert not unlabelled, f"on {whose}, no source line under {unlabelled}"
    for caption, label in labelled_outputs(stubs.html):
        assert label is None or "reference (your " in label, (caption, label)
    for caption, label in labelled_outputs(solutions.html):
        assert label is None or label == "yours", (caption, label)
    assert stubs.html.count("<img") == solutions.html.count("<img"), "a figure went missing"


def test_an_exported_page_renders_in_a_browser(exported, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no Chromium installed (Debian: apt-get install chromium); page not rendered")
    page = exported("day34", "solutions")
    png = tmp_path / "page.png"
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--screenshot={png}", "--window-size=1200,1600", page.path.as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    import matplotlib.image

    pixels = matplotlib.image.imread(png)
    assert pixels.std() > 0.05, "the rendered page is blank"
