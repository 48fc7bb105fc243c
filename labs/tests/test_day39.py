"""Day 39's lab: the eval dashboard, latency percentiles, cost and the offline gate.

The numbers are those of run_example.py on the shipped eval set (the README's table),
so a lab that ran the wrong models, prices or gate would show other values.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys

import pytest

from grader.catalog import REPO_ROOT, SOLUTIONS_ROOT

SOURCES = ["solutions", "stubs"]
HEADINGS = [
    "The eval set",
    "Scoring one answer",
    "Eval dashboard",
    "Latency percentiles",
    "Cost per model and config",
    "The offline gate",
    "Offline and online",
]
FIGURES = [
    "Per-item token F1 and groundedness: where the candidate wins and where it fails",
    "Latency percentiles: p50/p95/p99 markers over the histogram and CDF",
    "Cost per config and price sheet, split into prompt and completion",
    "The gate&#x27;s verdict per metric as the tolerance grows",
]
TABLES = [
    "The eval set: 20 items (first six shown)",
    "Eval dashboard: run_eval summary per config",
    "Failed calls (recorded, not raised)",
    "Latency summary in seconds",
    "Cost per model/config and price sheet",
    "Offline gate: candidate vs baseline",
]


def table(page: str, caption: str) -> list[list[str]]:
    """The rows (header first) of the table whose caption starts with ``caption``."""
    for match in re.finditer(r"<table[^>]*>(.*?)</table>", page, re.DOTALL):
        cap = re.search(r"<caption>(.*?)</caption>", match.group(1), re.DOTALL)
        if cap and html.unescape(cap.group(1)).startswith(caption):
            rows = re.findall(r"<tr>(.*?)</tr>", match.group(1), re.DOTALL)
            return [
                [html.unescape(c) for c in re.findall(r"<t[hd]>(.*?)</t[hd]>", row, re.DOTALL)]
                for row in rows
            ]
    raise AssertionError(f"no table captioned {caption!r}")


def by_first_cell(rows: list[list[str]]) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in rows[1:]}


def sources(page: str) -> list[str]:
    return [html.unescape(s) for s in re.findall(r'<p class="lab-source">([^<]*)</p>', page)]


@pytest.mark.parametrize("source", SOURCES)
def test_every_section_figure_and_table_is_there(exported, source):
    page = exported("day39", source).html
    for heading in HEADINGS:
        assert re.search(rf"<h2[^>]*>\s*{re.escape(heading)}\s*</h2>", page), heading
    for caption in FIGURES:
        assert f"<figcaption>{caption}</figcaption>" in page, caption
    for caption in TABLES:
        table(page, caption)
    assert page.count("<img") == len(FIGURES)


def test_the_dashboard_shows_run_evals_summary_yours_next_to_the_reference(exported):
    rows = table(exported("day39", "solutions").html, "Eval dashboard")
    assert rows[0] == [
        "metric",
        "baseline (yours)",
        "baseline (reference)",
        "candidate (yours)",
        "candidate (reference)",
    ]
    metrics = by_first_cell(rows)
    assert metrics["n"] == ["20"] * 4
    assert metrics["n_errors"] == ["0", "0", "2", "2"]
    assert metrics["em"] == ["0.000", "0.000", "0.150", "0.150"]
    assert metrics["f1"] == ["0.416", "0.416", "0.606", "0.606"]
    assert metrics["groundedness"] == ["1.000", "1.000", "0.900", "0.900"]
    assert metrics["latency p95 (s)"] == ["0.940", "0.940", "3.000", "3.000"]
    assert metrics["cost"] == ["1.3875", "1.3875", "1.5575", "1.5575"]
    failed = by_first_cell(table(exported("day39", "solutions").html, "Failed calls"))
    assert set(failed) == {"mlf-02", "mlf-09"}
    assert all(v[0].startswith("TimeoutError: no answer within 3.0 s") for v in failed.values())


def test_on_the_stubs_the_dashboard_is_the_references_alone(exported):
    page = exported("day39", "stubs").html
    rows = table(page, "Eval dashboard")
    assert rows[0] == ["metric", "baseline (reference)", "candidate (reference)"]
    assert by_first_cell(rows)["f1"] == ["0.416", "0.606"]
    assert "reference (your run_eval is not implemented yet)" in sources(page)


@pytest.mark.parametrize("source", SOURCES)
def test_the_latency_summary_has_the_percentiles_of_the_simulated_clock(exported, source):
    rows = table(exported("day39", source).html, "Latency summary in seconds")
    assert rows[0] == ["config", "who", "p50", "p95", "p99", "mean", "max", "p90 (numpy)"]
    expected = {
        "baseline (sentence)": ["0.785", "0.940", "0.994", "0.780", "1.008", "0.934"],
        "candidate (few-shot span)": ["0.644", "3.000", "3.000", "0.877", "3.000", "1.052"],
    }
    who = ["yours", "reference"] if source == "solutions" else ["reference"]
    assert [(r[0], r[1]) for r in rows[1:]] == [(c, w) for c in expected for w in who]
    for row in rows[1:]:
        assert row[2:] == expected[row[0]], row


@pytest.mark.parametrize("source", SOURCES)
def test_the_cost_table_prices_each_config_under_each_price_sheet(exported, source):
    rows = table(exported("day39", source).html, "Cost per model/config")
    costs = 2 if source == "solutions" else 1
    expected = [
        ["baseline (sentence)", "toy-large (0.5 / 1.5)", "1479", "432", "1.3875", "1.3875"],
        ["baseline (sentence)", "toy-small (0.15 / 0.6)", "1479", "432", "0.4810", "-"],
        ["candidate (few-shot span)", "toy-large (0.5 / 1.5)", "2749", "122", "1.5575", "1.5575"],
        ["candidate (few-shot span)", "toy-small (0.15 / 0.6)", "2749", "122", "0.4855", "-"],
    ]
    for row, want in zip(rows[1:], expected, strict=True):
        assert row[:4] == want[:4]
        assert row[4 : 4 + costs] == [want[4]] * costs  # yours and the reference agree
        assert row[-1] == want[5], "run_eval's summary cost at the toy-large prices"
    assert "+12% under toy-large and +1% under toy-small" in exported("day39", source).html


@pytest.mark.parametrize("source", SOURCES)
def test_the_gate_blocks_the_candidate_on_groundedness_latency_and_cost(exported, source):
    page = exported("day39", source).html
    rows = table(page, "Offline gate: candidate vs baseline")
    verdicts = (
        ["pass/fail (yours)", "pass/fail (reference)"] if source == "solutions" else ["pass/fail"]
    )
    assert rows[0] == ["metric", "better", "candidate", "baseline", "threshold", "delta", *verdicts]
    gate = by_first_cell(rows)
    n = len(verdicts)
    assert gate["em"] == ["higher", "0.150", "0.000", "≥ -0.020", "0.150", *["pass"] * n]
    assert gate["f1"] == ["higher", "0.606", "0.416", "≥ 0.396", "0.190", *["pass"] * n]
    assert gate["groundedness"][3:] == ["≥ 0.980", "-0.100", *["FAIL"] * n]
    assert gate["latency_p95"] == ["lower", "3.000", "0.940", "≤ 0.960", "2.060", *["FAIL"] * n]
    assert gate["cost"] == ["lower", "1.5575", "1.3875", "≤ 1.4075", "0.1700", *["FAIL"] * n]
    blocked = "BLOCKED by groundedness, latency_p95, cost"
    assert gate["overall verdict"][-n:] == [blocked] * n
    assert "this gate passes the candidate only from a tolerance of 2.06" in page


def test_every_output_says_yours_on_the_references_and_not_implemented_on_the_stubs(exported):
    mine = sources(exported("day39", "solutions").html)
    assert mine and set(mine) == {"yours"}
    stubs = sources(exported("day39", "stubs").html)
    assert len(stubs) == len(mine)
    assert all("is not implemented yet" in s for s in stubs), stubs
    page = exported("day39", "stubs").html
    for name in ("load_jsonl", "exact_match", "token_f1", "groundedness", "latency_summary"):
        assert f"your {name} is not implemented yet" in page, name
    for name in ("estimate_cost", "EvalReport.to_dict", "compare_reports"):
        assert f"your {name} is not implemented yet" in page, name


@pytest.mark.parametrize("source", SOURCES)
def test_the_scoring_table_has_the_hand_worked_squad_values(exported, source):
    rows = table(exported("day39", source).html, "Scoring one answer")
    scored = by_first_cell(rows)
    one = "{0}" if source == "stubs" else "{0} / {0}"
    assert scored["'The cat sat'"][1:] == [
        one.format("'cat sat'"),
        one.format("0.000"),
        one.format("0.800"),
        one.format("1.000"),
    ]
    assert scored["'cat cat dog'"][4] == one.format("0.667")  # groundedness 2/3
    assert scored["'A.I.'"][1] == one.format("'ai'")


BROKEN = """

def latency_summary(latencies_s):
    return [1, 2]  # garbage: not a dict


def run_eval(*args, **kwargs):
    return {"summary": 3}  # garbage: not an EvalReport


def normalize_answer(s):
    raise RuntimeError("boom")
"""


def test_a_broken_attempt_falls_back_with_reasons_and_a_wrong_gate_shows(tmp_path):
    folder = tmp_path / "day39"
    shutil.copytree(SOLUTIONS_ROOT / "day39" / "data", folder / "data")
    code = (SOLUTIONS_ROOT / "day39" / "eval_harness.py").read_text(encoding="utf-8")
    flipped = code.replace(
        '"latency_p95": False, "cost": False', '"latency_p95": True, "cost": True'
    )
    assert flipped != code, "the reference's gate directions moved: update this test"
    (folder / "eval_harness.py").write_text(flipped + BROKEN, encoding="utf-8")
    out = tmp_path / "day39.html"
    done = subprocess.run(
        [sys.executable, "-m", "labs", "day39", "--export", "--out", str(out),
         "--target", str(tmp_path)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    page = out.read_text(encoding="utf-8")
    assert "Traceback" not in done.stderr and page.count("<img") == len(FIGURES)
    labels = " ".join(sources(page))
    assert "your run_eval returned no EvalReport" in labels
    assert "your latency_summary returned" in labels
    assert "your normalize_answer raised RuntimeError: boom" in html.unescape(page)
    gate = by_first_cell(table(page, "Offline gate"))
    # the flipped gate calls higher latency and cost better; the reference disagrees
    assert gate["latency_p95"][-2:] == ["pass", "FAIL"]
    assert gate["cost"][-2:] == ["pass", "FAIL"]
    assert gate["overall verdict"][-2:] == [
        "BLOCKED by groundedness",
        "BLOCKED by groundedness, latency_p95, cost",
    ]
