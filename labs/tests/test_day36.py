"""Day 36's lab: token bucket, fan-out, LRU cache, sampling and int8 quantisation pictures.

The generic checks (self-contained page, no error, stub fallback labelled) are in
``test_labs.py``; these check that each of the day's figures and tables is there,
with the numbers the experiments must give, and that learner code returning
garbage is replaced by the reference instead of breaking the page.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
import textwrap

import pytest

from grader.catalog import REPO_ROOT

DAY = "day36"
SOURCES = ["solutions", "stubs"]

HEADINGS = [
    "Rate limiting: the token bucket under a burst",
    "Bounded fan-out: gather_limited",
    "Caching: LRU hit rate against capacity",
    "Sampling: temperature",
    "Sampling: top-k and top-p",
    "Sampling: what sample_next_token actually draws",
    "Try your own settings",
    "Quantisation: int8 per tensor against per channel",
]
# caption -> the learner functions whose stubs the label must name on the stubs
FIGURES = {
    "Admitted requests over time against the configured rate": ("TokenBucket",),
    "Histogram of waits before admission": ("TokenBucket",),
    "Coroutines in flight under gather_limited": ("gather_limited",),
    "LRU cache hit rate against capacity": ("LRUCache",),
    "Probabilities at several temperatures": ("apply_temperature",),
    "Probabilities after top-k and top-p filtering": ("top_k_filter", "top_p_filter"),
    "Empirical token frequencies from sample_next_token": ("sample_next_token",),
    "Your settings: temperature = 0.8, top_p = 0.9": ("sample_next_token",),
    "int8 quantisation errors, per tensor against per channel": (
        "quantize_int8",
        "dequantize_int8",
    ),
}
TABLES = [
    "Token bucket policies under the same burst",
    "Sampled frequencies against the probabilities",
    "Round-trip error of quantize_int8 then dequantize_int8",
]
_FIGURE = re.compile(
    r'<figure class="lab-figure"><img [^>]*/><figcaption>(.*?)</figcaption>'
    r'(?:<p class="lab-source">(.*?)</p>)?</figure>',
    re.DOTALL,
)
_TAG = re.compile(r"<[^>]+>")


def figures(page: str) -> dict[str, str]:
    """caption -> source label of every figure on the page."""
    return {html.unescape(c): html.unescape(lab) for c, lab in _FIGURE.findall(page)}


def text(page: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", page)).split())


def table(page: str, caption: str) -> list[dict[str, str]]:
    """The rows of the table with ``caption``, as header -> cell text."""
    found = re.search(
        rf'<table class="lab-table"><caption>{re.escape(html.escape(caption))}</caption>'
        r"<thead><tr>(.*?)</tr></thead><tbody>(.*?)</tbody></table>",
        page,
        re.DOTALL,
    )
    assert found, f"no table {caption!r}"
    heads = [html.unescape(h) for h in re.findall(r"<th>(.*?)</th>", found.group(1))]
    rows = re.findall(r"<tr>(.*?)</tr>", found.group(2), re.DOTALL)
    return [
        dict(zip(heads, [html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", r)], strict=True))
        for r in rows
    ]


@pytest.mark.parametrize("source", SOURCES)
def test_every_section_heading_is_there(exported, source):
    page = text(exported(DAY, source).html)
    missing = [h for h in HEADINGS if h not in page]
    assert not missing, f"missing headings on the {source}: {missing}"


@pytest.mark.parametrize("source", SOURCES)
def test_every_figure_and_table_is_there(exported, source):
    page = exported(DAY, source).html
    shown = figures(page)
    assert list(shown) == list(FIGURES), f"figures on the {source}: {list(shown)}"
    assert page.count("<img") == len(FIGURES)
    for caption in TABLES:
        assert table(page, caption), f"table {caption!r} is empty on the {source}"


def test_on_the_references_every_figure_is_labelled_yours(exported):
    labels = figures(exported(DAY, "solutions").html)
    assert set(labels.values()) == {"yours"}, labels


def test_on_the_stubs_every_figure_names_the_missing_function(exported):
    labels = figures(exported(DAY, "stubs").html)
    for caption, functions in FIGURES.items():
        assert "yours" not in labels[caption], labels[caption]
        for function in functions:
            assert f"reference (your {function} is not implemented yet)" in labels[caption]


@pytest.mark.parametrize("source", SOURCES)
def test_the_token_bucket_keeps_its_rate_under_the_burst(exported, source):
    rows = {r["policy"]: r for r in table(exported(DAY, source).html, TABLES[0])}
    assert set(rows) == {
        "try_acquire (turn away)",
        "acquire() (queue)",
        "acquire(timeout) (0.5 s patience)",
    }
    queue, drop = rows["acquire() (queue)"], rows["try_acquire (turn away)"]
    patience = rows["acquire(timeout) (0.5 s patience)"]
    offered = int(queue["offered"])
    assert offered > 30
    # queueing admits everyone, late; turning away never waits; patience caps the wait
    assert int(queue["admitted"]) == offered and int(queue["turned away"]) == 0
    assert float(queue["max wait (s)"]) > 1.0
    assert 0 < int(drop["admitted"]) < offered and float(drop["max wait (s)"]) == 0
    assert float(patience["max wait (s)"]) <= 0.5
    assert int(drop["admitted"]) <= int(patience["admitted"]) < offered
    # capacity 5 + rate 5/s: never more than 10 in one second, and the burst reaches it
    busiest = [int(r["most admitted in 1 s (bound 10)"]) for r in rows.values()]
    assert max(busiest) == 10, busiest


@pytest.mark.parametrize("source", SOURCES)
def test_the_sampler_stays_in_its_support_and_near_the_probabilities(exported, source):
    rows = table(exported(DAY, source).html, TABLES[1])
    settings = ["greedy (T = 0)", "T = 0.7", "T = 1, top-k = 3", "T = 1.5, top-p = 0.8"]
    codes = ["yours", "reference"] if source == "solutions" else ["reference"]
    assert [(r["setting"], r["code"]) for r in rows] == [(s, c) for s in settings for c in codes]
    for row in rows:
        assert row["draws"] == "2000"
        assert row["draws outside the support"] == "0", row
        assert float(row["total variation distance"]) < 0.05, row
    greedy = [r for r in rows if r["setting"] == "greedy (T = 0)"]
    assert all(float(r["total variation distance"]) == 0 for r in greedy)
    sampled = [r for r in rows if r["setting"] != "greedy (T = 0)"]
    assert all(float(r["total variation distance"]) > 0 for r in sampled), "no randomness?"


@pytest.mark.parametrize("source", SOURCES)
def test_per_channel_scales_beat_one_scale_on_the_outlier_matrix(exported, source):
    rows = table(exported(DAY, source).html, TABLES[2])
    mine = {r["scheme"]: r for r in rows if r["code"] == rows[0]["code"]}
    tensor, channel = mine["per tensor"], mine["per channel (axis 0)"]
    assert (tensor["scales"], channel["scales"]) == ("1", "48")
    assert all(r["every error within scale / 2"] == "yes" for r in rows)
    relative = "RMS error / RMS weight, ordinary rows"
    # one scale set by the 30x outlier rows: ordinary rows lose most of their precision
    assert float(tensor[relative]) > 0.1
    assert float(channel[relative]) < 0.01
    codes = "codes used per ordinary row (median)"
    assert float(tensor[codes]) < 16 < 64 < float(channel[codes])


@pytest.mark.parametrize("source", SOURCES)
def test_the_sliders_are_replaced_and_their_defaults_drawn(exported, source):
    page = exported(DAY, source).html
    assert page.count('class="lab-control"') == 3
    assert "Your settings: temperature = 0.8, top_p = 0.9" in figures(page)


GARBAGE = {
    "concurrency.py": """
        class TokenBucket:
            def __init__(self, rate, capacity, clock=None, sleep=None):
                self.rate, self.capacity = rate, capacity

            def try_acquire(self, tokens=1.0):
                return "yes"

            def acquire(self, tokens=1.0, timeout=None):
                return None


        async def gather_limited(factories, limit):
            return [0]


        class LRUCache:
            def __init__(self, capacity):
                self.data, self.hits, self.misses = {}, 0, 0

            def get(self, key, default=None):
                return self.data.get(key, default)

            def put(self, key, value):
                self.data[key] = value  # never evicts

            def __len__(self):
                return len(self.data)
    """,
    "sampling.py": """
        def apply_temperature(logits, temperature):
            return logits[:2]

        def top_k_filter(logits, k):
            return 1 / 0

        def top_p_filter(logits, p, min_tokens_to_keep=1):
            return "nonsense"

        def sample_next_token(logits, rng, temperature=1.0, top_k=None, top_p=None):
            return -1
    """,
    "quantization.py": """
        def quantize_int8(x, axis=None):
            return [1, 2], 0.0

        def dequantize_int8(q, scale):
            return None
    """,
}


def test_learner_code_that_returns_garbage_falls_back_to_the_reference(tmp_path):
    day = tmp_path / DAY
    day.mkdir()
    for name, source in GARBAGE.items():
        (day / name).write_text(textwrap.dedent(source), encoding="utf-8")
    out = tmp_path / "page.html"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "labs",
            DAY,
            "--export",
            "--out",
            str(out),
            "--target",
            str(tmp_path),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    page = out.read_text(encoding="utf-8")
    labels = figures(page)
    assert list(labels) == list(FIGURES)
    assert "yours" not in labels.values()
    assert all("raised" in label for label in labels.values()), labels
    caption = "Admitted requests over time against the configured rate"
    assert "try_acquire returned 'yes', not True or False" in labels[caption]
    assert "not the results in input order" in labels["Coroutines in flight under gather_limited"]
    assert "with capacity 1" in labels["LRU cache hit rate against capacity"]
    assert "ZeroDivisionError" in labels["Probabilities after top-k and top-p filtering"]
    assert (
        "returned -1, not a token id"
        in labels["Empirical token frequencies from sample_next_token"]
    )
    assert "Traceback" not in page and "Traceback" not in done.stderr
