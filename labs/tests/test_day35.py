"""Day 35's lab: micro-batching, padding waste, streaming, LoRA counts and the pros/cons matrix.

The micro-batcher section runs on real threads and a real clock, so its checks are
orderings the cost model guarantees, never exact times; every other number is exact.
"""

from __future__ import annotations

import html
import re

import pytest

SOURCES = ["solutions", "stubs"]
HEADINGS = [
    "Micro-batching: latency against throughput",
    "Padding waste against bucket size",
    "Streaming: time to first token",
    "LoRA: trainable parameters",
    "Fine-tuning vs LoRA vs prompting",
]
FIGURES = [
    "Micro-batching: latency against throughput",
    "Padding waste against bucket size",
    "The padded batches at batch size 8 (blue: real tokens, red: padding)",
    "Streaming: characters shown against time",
    "LoRA trainable parameters against rank",
]


def _text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup)).strip()


def _table(page: str, caption_start: str) -> tuple[list[str], list[list[str]]]:
    """Headers and rows (cell text) of the table whose caption starts with ``caption_start``."""
    for match in re.finditer(r'<table class="lab-table">(.*?)</table>', page, re.DOTALL):
        body = match.group(1)
        caption = re.search(r"<caption>(.*?)</caption>", body, re.DOTALL)
        if caption and _text(caption.group(1)).startswith(caption_start):
            headers = [_text(h) for h in re.findall(r"<th>(.*?)</th>", body, re.DOTALL)]
            rows = [
                [_text(c) for c in re.findall(r"<td>(.*?)</td>", row, re.DOTALL)]
                for row in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.DOTALL)
            ]
            return headers, rows
    raise AssertionError(f"no table captioned {caption_start!r}")


def _figure_labels(page: str) -> dict[str, str]:
    found = re.findall(
        r'<figcaption>(.*?)</figcaption><p class="lab-source">(.*?)</p>', page, re.DOTALL
    )
    return {_text(caption): _text(label) for caption, label in found}


@pytest.mark.parametrize("source", SOURCES)
def test_day35_has_every_section_figure_and_table(exported, source):
    page = exported("day35", source).html
    headings = [_text(h) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", page, re.DOTALL)]
    assert headings == HEADINGS
    assert list(_figure_labels(page)) == FIGURES
    for caption in [
        "Micro-batcher runs",
        "Padding waste (% of the padded ids that are padding)",
        "time_stream on the fake stream",
        "LoRA parameter counts for a few layer shapes and ranks",
        "Merged and unmerged LoRA give the same outputs",
        "Pros/cons matrix: fine-tuning, LoRA and prompting",
    ]:
        _table(page, caption)
    assert "nox -s lab -- day35 --export" in page


def test_day35_figures_are_yours_on_the_references_and_the_reference_on_the_stubs(exported):
    solutions = _figure_labels(exported("day35", "solutions").html)
    stubs = _figure_labels(exported("day35", "stubs").html)
    assert set(solutions.values()) == {"yours"}
    assert stubs["Micro-batching: latency against throughput"] == (
        "reference (your MicroBatcher is not implemented yet)"
    )
    for name in ["batched", "bucket_by_length", "pad_batch"]:
        assert f"your {name} is not implemented yet" in stubs["Padding waste against bucket size"]
    for name in ["iter_sse", "iter_text_deltas", "time_stream"]:
        assert f"your {name} is not implemented yet" in stubs[FIGURES[3]]
    for name in ["lora_param_count", "full_param_count"]:  # the red line is full_param_count's
        assert f"reference (your {name} is not implemented yet)" in stubs[FIGURES[4]]


@pytest.mark.parametrize("source", SOURCES)
def test_day35_micro_batching_trades_latency_for_throughput(exported, source):
    headers, rows = _table(exported("day35", source).html, "Micro-batcher runs")
    assert headers[:2] == ["max_batch_size", "max_wait (ms)"]
    runs = {(int(r[0]), float(r[1])): [float(v) for v in r[2:]] for r in rows}
    assert sorted(runs) == [(s, w) for s in [1, 2, 4, 8, 16, 32] for w in [0.0, 2.0, 8.0]]
    for (size, _wait), (p50, p95, mean_batch, _burst) in runs.items():
        assert 1.0 <= mean_batch <= size and p50 <= p95
    assert all(runs[1, w][2] == 1.0 for w in [0.0, 2.0, 8.0]), "size 1 means batches of 1"
    # 2 ms + 0.2 ms per item: a burst of 64 goes through much faster in batches of 32 than
    # one by one (8.4 times in the cost model), and never faster than the cost model allows (a
    # sleep may overrun, never end early). Sizes in between are not compared: on a loaded
    # machine real threads and sleeps can swap two neighbours even in the best of three runs.
    sizes = [1, 2, 4, 8, 16, 32]
    burst = [runs[s, 8.0][3] for s in sizes]
    assert burst[-1] > 4 * burst[0], burst
    for size, measured in zip(sizes, burst):
        assert measured <= 1.02 * size / (0.002 + 0.0002 * size), size


@pytest.mark.parametrize("source", SOURCES)
def test_day35_bucketing_pads_less_than_arrival_order(exported, source):
    headers, rows = _table(exported("day35", source).html, "Padding waste")
    assert headers[:3] == ["batch size", "arrival order (%)", "bucket_by_length (%)"]
    waste = {int(r[0]): [float(v) for v in r[1:]] for r in rows}
    assert list(waste) == [1, 2, 4, 8, 16, 32, 96]
    assert waste[1][:2] == [0.0, 0.0], "a batch of one needs no padding"
    assert waste[96][0] == waste[96][1] > 50, "one batch of everything: the order cannot matter"
    for size in [2, 4, 8, 16, 32]:
        arrival, bucketed = waste[size][:2]
        assert bucketed < arrival / 1.5, size
    assert waste[2][1] < 5 < 25 < waste[2][0]
    if source == "solutions":  # yours next to the reference: the same numbers
        assert headers[3:] == ["reference: arrival order (%)", "reference: bucket_by_length (%)"]
        assert all(w[:2] == w[2:] for w in waste.values())
    else:
        assert len(headers) == 3


@pytest.mark.parametrize("source", SOURCES)
def test_day35_streaming_reads_the_whole_answer_with_the_fake_clock(exported, source):
    _headers, rows = _table(exported("day35", source).html, "time_stream on the fake stream")
    answer = "Batching buys throughput; streaming hides latency behind the first token ✓"
    who = ["yours", "reference"] if source == "solutions" else ["reference"]
    assert [r[0] for r in rows] == who
    for row in rows:
        assert row[1:] == [answer, "0.35", "0.97", "11"]


@pytest.mark.parametrize("source", SOURCES)
def test_day35_lora_counts_come_from_the_code(exported, source):
    page = exported("day35", source).html
    headers, rows = _table(page, "LoRA parameter counts")
    by_shape = {(r[1], r[2]): r for r in rows}
    assert len(rows) == 7
    llama = by_shape["4096 × 4096", "8"]
    assert llama[3] == "65536" and "16777216" in llama and llama[-1] == "0.391"
    assert by_shape["11008 × 4096", "8"][3] == str(8 * (11008 + 4096))
    if source == "solutions":
        assert headers[3:5] == ["LoRA params (yours)", "LoRA params (reference)"]
        assert llama[4] == "65536"
    else:
        assert "your lora_param_count is not implemented yet" in headers[3]
    _headers, merged = _table(page, "Merged and unmerged LoRA")
    assert all(float(r[1]) < 1e-9 for r in merged)


@pytest.mark.parametrize("source", SOURCES)
def test_day35_pros_cons_matrix_has_computed_counts(exported, source):
    headers, rows = _table(exported("day35", source).html, "Pros/cons matrix")
    assert headers == ["", "prompting", "LoRA (r = 8, q and v)", "full fine-tuning"]
    matrix = {r[0]: r[1:] for r in rows}
    params = matrix["trainable parameters (7B-like: 32 blocks; LoRA on q and v)"]
    # 32 blocks · 2 layers · 8 · (4096 + 4096); 32 · (4 · 4096² + 3 · 11008 · 4096)
    assert params == ["0", f"{32 * 2 * 8 * 8192:,}", f"{32 * (4 * 4096**2 + 3 * 11008 * 4096):,}"]
    assert matrix["stored per task (fp16)"][1:] == ["8.4 MB", "13.0 GB"]
    for aspect in ["pros", "cons", "pick it when", "inference cost", "data needed"]:
        assert all(matrix[aspect]), aspect
