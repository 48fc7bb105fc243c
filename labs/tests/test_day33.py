"""Day 33's lab: the playground's coloured tokens, the merge tables, the compression
plot and the normalisation table are on the page, with the numbers the reference gives."""

from __future__ import annotations

import html
import itertools
import re
from pathlib import Path

import pytest

from grader.catalog import SOLUTIONS_ROOT
from grader.loading import load_module

SOURCES = ["solutions", "stubs"]
CORPUS = Path(__file__).resolve().parent.parent / "data" / "day33_corpus.txt"
# the lab's default playground sample and settings (NFKC, vocab_size=384)
SAMPLE = (
    "Naïve café ☕️🙂 — 机器学习 means machine learning.\n"
    "Ｆｕｌｌ－ｗｉｄｔｈ ＜tags＞ ＆ ﬁne print, Straße."
)
HEADINGS = [
    "The corpus",
    "Playground",
    "Merges by hand: aaabdaaabac",
    "The merge table as it grows",
    "Compression against vocabulary size",
    "Normalisation, code point by code point",
    "A Pipeline of steps",
]
CAPTIONS = [
    "Corpus sizes (training runs to vocab_size=512, 256 merges)",
    "Playground text before and after normalize(text, form=",
    "train(&quot;aaabdaaabac&quot;, 263): every merge, in order",
    "The first 16 merges learned on the corpus, in order",
    "Merged-pair count and new-token length at each merge step",
    "Compression ratio (bytes and characters per token) against vocabulary size, "
    "on the training and held-out parts",
    "Compression at a few vocabulary sizes",
    "Tricky strings before and after normalize",
    "Pipelines and what they return",
]
TOKEN = re.compile(
    r'<span class="lab-token" style="[^"]*background:(#[0-9a-f]{6})[^"]*">(.*?)'
    r'<br><small style="color:#555">(\d+)</small></span>'
)


@pytest.fixture(scope="module")
def reference():
    return load_module(SOLUTIONS_ROOT / "day33" / "bpe.py", "lab_test_day33_bpe", "bpe.py")


@pytest.fixture(scope="module")
def normalize():
    path = SOLUTIONS_ROOT / "day33" / "normalize.py"
    return load_module(path, "lab_test_day33_normalize", "normalize.py").normalize


def training_split() -> str:
    paragraphs = CORPUS.read_text(encoding="utf-8").split("\n\n")
    return "\n\n".join(p for i, p in enumerate(paragraphs) if i % 4 != 3)


def test_the_shipped_corpus_is_a_few_kb_of_several_scripts():
    text = CORPUS.read_text(encoding="utf-8")
    assert 2_000 < len(text.encode("utf-8")) < 10_000
    assert "Four score and seven years ago" in text and "床前明月光" in text
    assert "é" in text and "ß" in text


@pytest.mark.parametrize("source", SOURCES)
def test_every_section_heading_and_caption_is_on_the_page(exported, source):
    page = exported("day33", source).html
    for heading in HEADINGS:
        assert re.search(rf"<h2[^>]*>{re.escape(html.escape(heading, quote=False))}</h2>", page), (
            heading
        )
    for caption in CAPTIONS:
        assert caption in page, caption
    assert page.count("<img") == 2


@pytest.mark.parametrize("source", SOURCES)
def test_the_playground_shows_each_reference_token_in_a_coloured_span_with_its_id(
    exported, source, reference, normalize
):
    page = exported("day33", source).html
    tokens = TOKEN.findall(page)
    tokenizer = reference.BPETokenizer().train(training_split(), 384)
    expected = tokenizer.encode(normalize(SAMPLE))
    assert [int(i) for _, _, i in tokens] == expected
    assert f'<span class="lab-token-count">{len(expected)}</span> tokens' in page
    colours = [c for c, _, _ in tokens]
    assert all(a != b for a, b in itertools.pairwise(colours)), "not alternating"
    assert "decode(encode(text)) == text: yes" in page


def test_the_playground_escapes_the_text_in_its_tokens(exported):
    page = exported("day33", "solutions").html
    shown = "".join(text for _, text, _ in TOKEN.findall(page))
    assert "&lt;" in shown and "&gt;" in shown and "&amp;" in shown  # ＜tags＞ ＆ after NFKC
    assert "<tags>" not in page
    assert "\\xe6" in shown, "a byte of 机 should be shown as an escape"


@pytest.mark.parametrize("source", SOURCES)
def test_the_merges_by_hand_end_in_one_token(exported, source):
    page = exported("day33", source).html
    assert "<td>1</td><td>(97, 97)</td><td>256</td><td>aa</td><td>256 a b d 256 a b a c</td>" in (
        page
    )
    assert "<td>7</td><td>(261, 99)</td><td>262</td><td>aaabdaaabac</td><td>262</td>" in page


@pytest.mark.parametrize("source", SOURCES)
def test_the_compression_table_has_the_reference_numbers(exported, source, reference):
    page = exported("day33", source).html
    text = training_split()
    n_bytes = len(text.encode("utf-8"))
    tokenizer = reference.BPETokenizer().train(text, 512)
    n_tokens = len(tokenizer.encode(text))
    row_256 = f"<td>256</td><td>{n_bytes}</td><td>1</td><td>{len(text) / n_bytes:.4g}</td>"
    row_512 = f"<td>512</td><td>{n_tokens}</td><td>{n_bytes / n_tokens:.4g}</td>"
    assert row_256 in page and row_512 in page
    assert n_bytes / n_tokens > 1.8  # the curve really rises


@pytest.mark.parametrize("source", SOURCES)
def test_the_normalisation_table_shows_code_points_before_and_after(exported, source):
    page = exported("day33", source).html
    assert "U+0063 U+0061 U+0066 U+00E9" in page and "U+0066 U+0065 U+0301" in page  # NFD
    assert "strasse  U+0073" in page  # casefold ß
    assert "U+0069 U+0307 U+0073" in page  # İ casefolds to i + combining dot
    assert "U+0043 U+0061 U+0066 U+00E9" in page  # full width Ｃａｆ to Café under NFKC
    assert page.count("U+2764 U+FE0F U+1F44D U+1F3FD") == 2  # the emoji keeps U+FE0F
    assert "U+1112 U+1161 U+11AB" in page  # 한 in NFD
    assert "Pipeline(strip, normalize(lowercase=True, strip_accents=True))" in page


def test_on_the_references_the_lab_says_yours_and_shows_the_reference_beside_it(exported):
    page = exported("day33", "solutions").html
    sources = re.findall(r'<p class="lab-source">([^<]*)</p>', page)
    assert sources and all(s == "yours" for s in sources), sources
    assert "reference&#x27;s new token" in page  # merge tables: a reference column
    assert "<th>after (yours)</th>" in page and "<th>reference</th>" in page
    assert "is not implemented yet" not in page


def test_on_the_stubs_every_source_line_names_the_missing_function(exported):
    page = exported("day33", "stubs").html
    sources = re.findall(r'<p class="lab-source">([^<]*)</p>', page)
    assert len(sources) == 9 and all(s.startswith("reference (your ") for s in sources), sources
    for name in [
        "BPETokenizer.train",
        "BPETokenizer.encode",
        "get_pair_counts",
        "merge_pair",
        "normalize",
        "Pipeline",
    ]:
        assert f"your {name} is not implemented yet" in page, name
    assert "reference&#x27;s new token" not in page  # one column when only the reference runs
