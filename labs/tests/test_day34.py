"""Day 34's lab: attention heat maps, multi-head patterns, the 1/sqrt(d) scale, positions
(sinusoidal table, RoPE rotations and relative scores) and the KV cache against full
attention, on the references (drawn by "yours") and on the stubs (the labelled fallback)."""

from __future__ import annotations

import html
import re

import pytest

DAY = "day34"
SOURCES = ["solutions", "stubs"]

HEADINGS = [
    "A toy sentence",
    "Attention weights, with and without the causal mask",
    "Multi-head attention: one pattern per head",
    "Why divide by √d: the largest softmax weight per row",
    "Positions: sinusoidal encodings and RoPE",
    "The sinusoidal table",
    "RoPE turns each pair of dimensions by position × frequency",
    "RoPE scores depend on m − n only",
    "KV cache against full attention",
]
CAPTIONS = [
    "Attention weights of the toy sentence, without and with the causal mask",
    "Causal attention weights per head (4 heads of the toy sentence)",
    "Mean largest attention weight against d, with and without the 1/sqrt(d) scale",
    "Sinusoidal positional encoding, 64 positions × d_model = 64",
    "RoPE rotation by position, positions 0..11 (base 100)",
    "RoPE dot products of a rotated query and key, by position",
    "Decoding time against length, with and without a KV cache",
]
SCALE_TABLE = "Mean largest weight per row"
KV_TABLE = "KV-cache decoding against full attention"


def _headings(page: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", h)).strip()
            for h in re.findall(r"<h[1-4][^>]*>(.*?)</h[1-4]>", page, re.DOTALL)]  # fmt: skip


def _figures(page: str) -> list[tuple[str, str]]:
    """(caption, source label) of every figure, in page order."""
    found = re.findall(
        r'<figure class="lab-figure"><img alt="[^"]*" src="data:image/png;base64,[^"]+"/>'
        r'<figcaption>(.*?)</figcaption>(?:<p class="lab-source">(.*?)</p>)?</figure>',
        page,
    )
    return [(html.unescape(c), html.unescape(s)) for c, s in found]


def _table(page: str, caption_start: str) -> tuple[list[str], list[list[str]]]:
    """The headers and body cells of the table whose caption starts with caption_start."""
    for table in re.findall(r'<table class="lab-table">(.*?)</table>', page, re.DOTALL):
        caption = re.search(r"<caption>(.*?)</caption>", table, re.DOTALL)
        if caption and html.unescape(caption.group(1)).startswith(caption_start):
            headers = [html.unescape(h) for h in re.findall(r"<th>(.*?)</th>", table)]
            body = re.search(r"<tbody>(.*?)</tbody>", table, re.DOTALL).group(1)
            rows = [[html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", row)]
                    for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)]  # fmt: skip
            return headers, rows
    raise AssertionError(f"no table captioned {caption_start!r}")


@pytest.mark.parametrize("source", SOURCES)
def test_every_section_heading_is_there(exported, source):
    headings = _headings(exported(DAY, source).html)
    missing = [h for h in HEADINGS if h not in headings]
    assert not missing, f"missing headings {missing}; found {headings}"


@pytest.mark.parametrize("source", SOURCES)
def test_every_figure_is_drawn_with_its_caption_in_order(exported, source):
    captions = [c for c, _ in _figures(exported(DAY, source).html)]
    assert captions == CAPTIONS


def test_on_the_references_every_figure_is_drawn_by_yours_beside_the_reference(exported):
    page = exported(DAY, "solutions").html
    labels = [label for _, label in _figures(page)]
    assert labels == ["yours"] * len(CAPTIONS)
    # yours and the reference side by side: two rows of heat maps, two curves, two columns
    headers, _ = _table(page, KV_TABLE)
    assert headers == ["L", "no cache (ms)", "KV cache, yours (ms)", "KV cache, reference (ms)",
                       "max |Δ| yours", "max |Δ| reference"]  # fmt: skip
    scale_headers, _ = _table(page, SCALE_TABLE)
    assert scale_headers == ["d", "scaled (yours)", "unscaled (yours)", "scaled (reference)",
                             "unscaled (reference)"]  # fmt: skip


def test_on_the_stubs_each_figure_names_the_stub_it_replaced(exported):
    labels = dict(_figures(exported(DAY, "stubs").html))
    expected = {
        CAPTIONS[0]: ["scaled_dot_product_attention", "causal_mask"],
        CAPTIONS[1]: ["scaled_dot_product_attention", "split_heads"],
        CAPTIONS[2]: ["scaled_dot_product_attention"],
        CAPTIONS[3]: ["sinusoidal_positional_encoding"],
        CAPTIONS[4]: ["apply_rope"],
        CAPTIONS[5]: ["apply_rope"],
        CAPTIONS[6]: ["decode_step", "KVCache", "multi_head_attention"],
    }
    for caption, names in expected.items():
        label = labels[caption]
        assert "yours" not in label.replace("your ", ""), label
        for name in names:
            assert f"reference (your {name} is not implemented yet)" in label, (caption, label)


def _floats(cells: list[str]) -> list[float]:
    return [float(c) for c in cells]


@pytest.mark.parametrize("source", SOURCES)
def test_the_scale_table_shows_the_unscaled_softmax_saturating(exported, source):
    _headers, rows = _table(exported(DAY, source).html, SCALE_TABLE)
    assert [int(r[0]) for r in rows] == [2, 4, 8, 16, 32, 64, 128, 256, 512]
    columns = list(zip(*[_floats(r[1:]) for r in rows], strict=True))
    scaled, unscaled = columns[0], columns[1]
    assert unscaled[-1] > 0.9, "unscaled at d = 512: nearly one-hot"
    assert unscaled[-1] - unscaled[0] > 0.5, "the unscaled maximum grows with d"
    assert max(scaled) < 0.4 and max(scaled) - min(scaled) < 0.1, "scaled: flat and soft"
    if len(columns) == 4:  # yours beside the reference: the same numbers
        assert columns[0] == columns[2] and columns[1] == columns[3]


@pytest.mark.parametrize("source", SOURCES)
def test_the_kv_cache_table_times_growing_lengths_and_matches_full_attention(exported, source):
    headers, rows = _table(exported(DAY, source).html, KV_TABLE)
    assert [int(r[0]) for r in rows] == [8, 16, 32, 64, 128]
    diffs = [i for i, h in enumerate(headers) if h.startswith("max |Δ|")]
    assert diffs == ([4, 5] if source == "solutions" else [3])
    for row in rows:
        assert all(0 <= float(row[i]) < 1e-10 for i in diffs), row
        assert all(float(row[i]) > 0 for i in range(1, diffs[0])), f"timings {row}"
    # recomputing the prefix at every step is slower than the cache at the longest length
    assert float(rows[-1][1]) > float(rows[-1][2])


def test_the_stub_page_shows_the_reference_kv_columns(exported):
    headers, _ = _table(exported(DAY, "stubs").html, KV_TABLE)
    assert headers == ["L", "no cache (ms)", "KV cache, reference (ms)",
                       "max |Δ| vs full attention"]  # fmt: skip
