"""Day 32's lab: sampled distributions, Bayes updates, a cosine heat map, vector-op timings.

Each figure is found by its caption and paired with the label line under it, so a
test can say whose code drew it: "yours" on the references (they are the learner's
code there), the reference with the stub named on the untouched exercises.
"""

from __future__ import annotations

import html
import re

import pytest

SOURCES = ["solutions", "stubs"]

HEADINGS = [
    "Sampled distributions against their densities",
    "A Bayes update: prior → posterior",
    "Cosine similarity heat map",
    "Timing: pure Python against numpy",
    "Softmax, temperature and entropy",
    "Matrix intuition: a matrix moves the plane",
]

# caption -> the functions whose stubs its label must name on the exercises
FIGURES = {
    "Categorical draws from sample_categorical against probs": ["sample_categorical"],
    "Gaussian samples against gaussian_pdf, and a mixture picked by sample_categorical": [
        "gaussian_pdf",
        "sample_categorical",
    ],
    "Bayes update of P(ill) after each positive test, with bayes_posterior": ["bayes_posterior"],
    "Coin bias: prior to posterior on a grid (bayes_posterior) and as a Beta "
    "(beta_binomial_update, beta_mean)": [
        "bayes_posterior",
        "beta_binomial_update",
        "beta_mean",
        "sample_categorical",
    ],
    "Cosine similarity heat map of toy word vectors, with cosine_similarity": ["cosine_similarity"],
    "Timing of pure-Python and numpy vector operations against n (log-log)": [
        "dot",
        "cosine_similarity",
        "pairwise_cosine",
        "matmul",
    ],
    "Softmax at several temperatures and its entropy in bits": ["softmax", "entropy"],
    "Matrix intuition: the unit circle and square moved by matmul": ["matmul"],
}

TOP_K_CAPTION = "Nearest words to 'king' by top_k_similar (k = 5)"
TIMING_CAPTION = "Pure Python against numpy at the largest n"

_FIGURE = re.compile(
    r'<figure class="lab-figure"><img [^>]*src="data:image/png;base64,[^"]+"/>'
    r'<figcaption>(.*?)</figcaption><p class="lab-source">(.*?)</p></figure>'
)
_TABLE = re.compile(
    r'<table class="lab-table"><caption>(.*?)</caption>(.*?)</table>\s*(?:</div>\s*)*'
    r'(?:<div[^>]*>\s*)*<p class="lab-source">(.*?)</p>',
    re.DOTALL,
)


def figures(page: str) -> dict[str, str]:
    """caption -> label line, for every figure on the page."""
    return {html.unescape(c): html.unescape(s) for c, s in _FIGURE.findall(page)}


def tables(page: str) -> dict[str, tuple[list[str], list[list[str]], str]]:
    """caption -> (headers, rows, label line under the table)."""
    found = {}
    for caption, body, label in _TABLE.findall(page):
        headers = [html.unescape(h) for h in re.findall(r"<th>(.*?)</th>", body)]
        rows = [
            [html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", re.sub(r"<thead>.*?</thead>", "", body))
        ]
        found[html.unescape(caption)] = (headers, rows, html.unescape(label))
    return found


@pytest.mark.parametrize("source", SOURCES)
def test_every_section_heading_is_there(exported, source):
    page = html.unescape(exported("day32", source).html)
    for heading in HEADINGS:
        assert re.search(rf"<h2[^>]*>{re.escape(heading)}</h2>", page), heading


@pytest.mark.parametrize("source", SOURCES)
def test_every_figure_is_there_once_with_its_label(exported, source):
    page = exported("day32", source).html
    found = figures(page)
    assert sorted(found) == sorted(FIGURES)
    assert page.count("<img") == len(FIGURES), "a figure without the caption-and-label shape"


@pytest.mark.parametrize("source", SOURCES)
def test_the_intro_and_the_two_controls(exported, source):
    page = exported("day32", source).html
    assert "nox -s lab -- day32 --export" in page
    assert page.count('class="lab-control"') == 2, "the draws and prevalence sliders"


def test_on_the_references_every_figure_and_table_says_yours(exported):
    page = exported("day32", "solutions").html
    assert set(figures(page).values()) == {"yours"}
    labels = [label for _, _, label in tables(page).values()]
    assert labels == ["yours", "yours"]


def test_on_the_stubs_each_figure_names_the_stubs_it_fell_back_from(exported):
    found = figures(exported("day32", "stubs").html)
    for caption, names in FIGURES.items():
        label = found[caption]
        assert not label.startswith("yours"), caption
        for name in names:
            assert f"reference (your {name} is not implemented yet)" in label, (caption, name)


def test_the_top_k_table_compares_yours_with_the_reference(exported):
    headers, rows, _ = tables(exported("day32", "solutions").html)[TOP_K_CAPTION]
    assert headers == ["rank", "word (yours)", "cosine (yours)",
                       "word (reference)", "cosine (reference)"]  # fmt: skip
    assert [r[1] for r in rows] == ["king", "prince", "man", "princess", "queen"]
    assert [r[1] for r in rows] == [r[3] for r in rows]
    assert rows[0][2] == "1" and rows[1][2] == "0.9937"


def test_on_the_stubs_the_top_k_table_is_the_references(exported):
    headers, rows, label = tables(exported("day32", "stubs").html)[TOP_K_CAPTION]
    assert headers == ["rank", "word (reference)", "cosine (reference)"]
    assert [r[1] for r in rows] == ["king", "prince", "man", "princess", "queen"]
    assert label == "reference (your top_k_similar is not implemented yet)"


@pytest.mark.parametrize("source", SOURCES)
def test_numpy_beats_pure_python_at_the_largest_n(exported, source):
    headers, rows, _ = tables(exported("day32", source).html)[TIMING_CAPTION]
    assert headers == ["operation", "n", "pure Python (µs)", "numpy (µs)", "numpy speed-up"]
    assert [(r[0], r[1]) for r in rows] == [
        ("dot", "10000"),
        ("cosine against n rows", "1000"),
        ("matmul", "64"),
    ]
    for row in rows:
        assert float(row[2]) > 0 and float(row[3]) > 0
        assert row[4].endswith("×") and float(row[4][:-1]) >= 2, row  # by far, on any machine
