"""Hidden tests for exercises/day33/normalize.py."""

from __future__ import annotations

import functools
import unicodedata

import pytest

from grader.testing import attempt_module, expect_error, reference_module

nm = attempt_module("normalize")
ref = reference_module("normalize")

FORMS = ("NFC", "NFD", "NFKC", "NFKD")

# Characters for random text: ASCII, precomposed and combining accents, full-width
# letters, ligatures, superscripts, CJK, Hangul, Greek, emoji and many kinds of space.
POOL = list(
    "abcXYZ019 .,!?-ßàéÉñÑüÅçøŁ"
    "\u0301\u0300\u0308\u030a\u0327"  # combining acute, grave, diaeresis, ring, cedilla
    "ＡＢＣａｂｃ１２３，！"  # full-width
    "ﬁﬂﬃ²³½"  # ligatures and compatibility digits
    "机器学习中文한국어ΣσςΑθ🙂🚀"
    "\t\n\r\u00a0\u2003\u3000\u2028\u00a8"  # whitespace, and the spacing diaeresis
)


def random_text(rng, n: int) -> str:
    return "".join(POOL[i] for i in rng.integers(0, len(POOL), size=n))


# ---------------------------------------------------------------- Unicode forms


@pytest.mark.grade(
    points=1,
    hint="unicodedata.normalize('NFKC', ...) maps compatibility characters.",
    task="normalize",
)
def test_nfkc_turns_full_width_letters_and_digits_into_ascii(nm):
    assert nm.normalize("ＡＢＣ ａｂｃ １２３") == "ABC abc 123"


@pytest.mark.grade(
    points=1, hint="Which forms apply compatibility mappings: the K forms only?", task="normalize"
)
@pytest.mark.parametrize(
    "form, expected",
    [
        ("NFKC", "finance flow x2"),  # ligatures split, superscript two -> 2
        ("NFKD", "finance flow x2"),
        ("NFC", "ﬁnance ﬂow x²"),  # canonical forms keep compatibility characters
        ("NFD", "ﬁnance ﬂow x²"),
    ],
    ids=["NFKC", "NFKD", "NFC", "NFD"],
)
def test_only_the_k_forms_split_ligatures(nm, form, expected):
    got = nm.normalize("ﬁnance ﬂow x²", form=form)
    assert got == expected, f"form={form!r}: expected {expected!r}, got {got!r}"


@pytest.mark.grade(
    points=1,
    hint="NFKC keeps Chinese characters; only full-width punctuation changes.",
    task="normalize",
)
@pytest.mark.parametrize(
    "form, expected",
    [
        # by hand: U+FF0C FULLWIDTH COMMA -> ",", U+FF01 FULLWIDTH EXCLAMATION MARK -> "!"
        ("NFKC", "机器学习,很有趣!"),
        ("NFC", "机器学习，很有趣！"),  # canonical form: nothing to change
    ],
    ids=["NFKC", "NFC"],
)
def test_chinese_text_is_kept(nm, form, expected):
    got = nm.normalize("机器学习，很有趣！", form=form)
    assert got == expected, f"form={form}: expected {expected!r}, got {got!r}"


@pytest.mark.grade(
    points=1,
    hint="NFC composes e + U+0301 into é; NFD does the reverse.",
    task="normalize",
)
@pytest.mark.parametrize("form", FORMS, ids=FORMS)
def test_each_form_composes_or_decomposes_accents(nm, form):
    for text in ("e\u0301", "é", "Ångström", "한국어"):
        got = nm.normalize(text, form=form)
        expected = unicodedata.normalize(form, text)
        assert got == expected, (
            f"normalize({text!r}, form={form!r}) = {got!r}, expected {expected!r}"
        )


@pytest.mark.grade(
    points=1, hint="Check the form before anything else, even for empty text.", task="normalize"
)
@pytest.mark.parametrize(
    "text, form",
    [
        ("abc", "NFX"),  # not a form
        ("abc", "NKFC"),  # a typo of NFKC
        ("", "NFX"),  # empty text is no excuse
        ("abc", ""),  # empty form
    ],
    ids=["NFX", "typo", "empty-text", "empty-form"],
)
def test_an_unknown_form_raises_value_error(nm, text, form):
    with expect_error(ValueError, f"for form={form!r}"):
        nm.normalize(text, form=form)


# ---------------------------------------------------------------- case and accents


@pytest.mark.grade(
    points=1,
    hint="str.lower() leaves ß alone; which str method folds it to ss?",
    task="normalize",
)
def test_lowercase_applies_full_case_folding(nm):
    assert nm.normalize("Straße HELLO Wörld", lowercase=True) == "strasse hello wörld"
    assert nm.normalize("Straße HELLO") == "Straße HELLO", "lowercase=False must keep the case"


@pytest.mark.grade(
    points=1,
    hint="A precomposed é is one character: decompose it before dropping combining marks.",
    task="normalize",
)
@pytest.mark.parametrize(
    "text, form, expected",
    [
        ("Café Crème", "NFKC", "Cafe Creme"),  # precomposed é, è
        ("Cafe\u0301", "NFC", "Cafe"),  # already decomposed
        ("Ångström naïve façade", "NFKC", "Angstrom naive facade"),
        ("Łódź", "NFC", "Łodz"),  # Ł has no decomposition: it is a letter of its own
        ("x\u00a8y", "NFKC", "x y"),  # ¨ is " " + U+0308 in NFKD: the K forms drop the mark
        ("ﬁancé", "NFKC", "fiance"),  # NFKC splits the ligature too
    ],
    ids=[
        "precomposed",
        "decomposed",
        "several",
        "no-decomposition",
        "spacing-diaeresis",
        "ligature",
    ],
)
def test_strip_accents_removes_combining_marks(nm, text, form, expected):
    got = nm.normalize(text, form=form, strip_accents=True)
    assert got == expected, f"normalize({text!r}, form={form}, strip_accents=True) = {got!r}"


@pytest.mark.grade(
    points=1,
    hint="Only combining marks go: are you dropping every non-ASCII character?",
    task="normalize",
)
def test_strip_accents_keeps_chinese_korean_and_emoji(nm):
    text = "机器学习 한국어 Ελληνικά 🙂"
    got = nm.normalize(text, strip_accents=True)
    assert got == "机器学习 한국어 Ελληνικα 🙂", f"got {got!r}"  # only the Greek tonos goes


@pytest.mark.grade(
    points=1,
    hint="Decomposing splits 한 into jamo; what puts them back together?",
    task="normalize",
)
@pytest.mark.parametrize("form", FORMS, ids=FORMS)
def test_the_result_is_in_the_requested_form(nm, form):
    got = nm.normalize("Café 한국어 ﬁ", form=form, strip_accents=True)
    assert unicodedata.is_normalized(form, got), (
        f"normalize(..., form={form}) = {got!r} is not {form}"
    )
    assert unicodedata.normalize("NFC", got).startswith("Cafe 한국어"), f"got {got!r}"


# ---------------------------------------------------------------- whitespace


@pytest.mark.grade(
    points=1,
    hint="str.split() with no argument splits on every kind of Unicode whitespace.",
    task="normalize",
)
@pytest.mark.parametrize(
    "text, expected",
    [
        ("a  b", "a b"),  # two spaces
        ("a\t\tb\nc\r\nd", "a b c d"),  # tabs and newlines
        ("a\u00a0b\u2003c\u3000d", "a b c d"),  # no-break, em and ideographic space
        ("  padded  ", "padded"),  # ends stripped
        (" \t\n ", ""),  # only whitespace
        ("机器 \u3000 学习", "机器 学习"),  # a mixed run is one space
    ],
    ids=["spaces", "tabs-newlines", "unicode-spaces", "ends", "only-space", "mixed-run"],
)
def test_runs_of_unicode_whitespace_collapse_to_one_space(nm, text, expected):
    # form="NFC" keeps U+3000 and U+00A0 as they are, so they must be handled as whitespace
    got = nm.normalize(text, form="NFC")
    assert got == expected, f"normalize({text!r}, form='NFC') = {got!r}, expected {expected!r}"


@pytest.mark.grade(
    points=1, hint="collapse_whitespace=False should leave spaces alone.", task="normalize"
)
def test_whitespace_is_kept_when_collapsing_is_off(nm):
    text = " a \t b\u3000c "
    assert nm.normalize(text, form="NFC", collapse_whitespace=False) == text
    # NFKC still maps U+3000 to a plain space: that is the form, not the collapsing
    assert nm.normalize(text, collapse_whitespace=False) == " a \t b c "


@pytest.mark.grade(
    points=2,
    hint="Follow the four steps in the docstring's order; compare with the reference.",
    task="normalize",
)
def test_normalize_agrees_with_the_reference_and_its_properties_on_random_text(nm, ref, rng):
    for _ in range(60):
        text = random_text(rng, int(rng.integers(0, 25)))
        form = FORMS[int(rng.integers(0, 4))]
        lower, strip, collapse = (bool(b) for b in rng.integers(0, 2, size=3))
        options = dict(
            form=form, lowercase=lower, strip_accents=strip, collapse_whitespace=collapse
        )
        got = nm.normalize(text, **options)
        expected = ref.normalize(text, **options)
        assert got == expected, f"normalize({text!r}, **{options}) = {got!r}, expected {expected!r}"
        # independent checks: the result is in the form, has no marks or stray spaces
        assert unicodedata.is_normalized(form, got)
        if strip:
            assert not any(unicodedata.combining(ch) for ch in got), f"marks left in {got!r}"
        if collapse:
            assert got == " ".join(got.split()), f"whitespace left in {got!r}"


# ---------------------------------------------------------------- Pipeline


@pytest.mark.grade(
    points=2, hint="Pipeline(f, g)(x) is g(f(x)): the first step runs first.", task="Pipeline"
)
def test_pipeline_applies_its_steps_in_order(nm):
    def exclaim(s):
        return s + "!"

    assert nm.Pipeline(str.strip, exclaim)("  hi  ") == "hi!"
    assert nm.Pipeline(exclaim, str.upper, str.strip)(" hi ") == "HI !"
    assert nm.Pipeline()("  unchanged ") == "  unchanged ", "an empty Pipeline returns its input"
    clean = nm.Pipeline(functools.partial(nm.normalize, lowercase=True, strip_accents=True))
    assert clean("  Crème\u3000BRÛLÉE ") == "creme brulee"


@pytest.mark.grade(points=1, hint="A Pipeline is itself a str -> str step.", task="Pipeline")
def test_pipelines_nest(nm):
    inner = nm.Pipeline(str.strip, str.lower)
    outer = nm.Pipeline(inner, str.title)
    assert outer("  HELLO WORLD ") == "Hello World"


@pytest.mark.grade(
    points=1,
    hint="Use each step's __name__; a functools.partial keeps its function in .func.",
    task="Pipeline",
)
def test_pipeline_repr_names_the_steps_in_order(nm):
    pipeline = nm.Pipeline(str.strip, functools.partial(nm.normalize, lowercase=True), str.upper)
    text = repr(pipeline)
    assert text.startswith("Pipeline(") and text.endswith(")"), f"repr is {text!r}"
    assert "0x" not in text, f"the repr should not show memory addresses: {text!r}"
    positions = [text.find(name) for name in ("strip", "normalize", "lowercase=True", "upper")]
    assert -1 not in positions and positions == sorted(positions), (
        f"repr should name strip, normalize(lowercase=True), upper in order: {text!r}"
    )


@pytest.mark.grade(
    points=1, hint="Check callable(step) when the Pipeline is built.", task="Pipeline"
)
@pytest.mark.parametrize("bad", ["lower", None, 3], ids=["string", "none", "int"])
def test_pipeline_rejects_a_step_that_is_not_callable(nm, bad):
    with expect_error(TypeError, f"for the step {bad!r}"):
        nm.Pipeline(str.strip, bad)
