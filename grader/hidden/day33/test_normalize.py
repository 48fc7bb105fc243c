"""Hidden tests for exercises/day33/normalize.py."""

from __future__ import annotations

import functools
import re
import unicodedata

import pytest

from grader.testing import (
    Mistake,
    assert_same_text,
    attempt_module,
    each_call,
    expect_error,
    name_the_mistake,
    reference_module,
)

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


def strip_marks(text: str, decomposition: str | None, drop) -> str:
    """Decompose ``text`` (unless ``decomposition`` is None), then drop what ``drop`` flags."""
    decomposed = unicodedata.normalize(decomposition, text) if decomposition else text
    return "".join(ch for ch in decomposed if not drop(ch))


def is_combining(ch: str) -> bool:
    return unicodedata.combining(ch) != 0


def is_mn(ch: str) -> bool:
    return unicodedata.category(ch) == "Mn"


def name_the_accent_mistake(got: str, text: str, form: str) -> None:
    """Raise Mistake when ``got`` is what a usual wrong accent stripping gives.

    For ``normalize(text, form=form, strip_accents=True)`` with the other options at
    their defaults (so whitespace is collapsed at the end).
    """
    right_way = "NFKD" if form.startswith("NFK") else "NFD"
    other_way = "NFD" if right_way == "NFKD" else "NFKD"

    def finish(stripped: str) -> str:
        return " ".join(unicodedata.normalize(form, stripped).split())

    right = finish(strip_marks(text, right_way, is_combining))
    wrong = {
        "the marks were dropped from the text as it came, without decomposing it first": (
            finish(strip_marks(text, None, is_combining)),
            "A precomposed é (U+00E9) is one letter, not a mark: what must happen to the "
            "text before you drop the combining marks?",
        ),
        f"the text was decomposed with {other_way}, not {right_way}, for form={form!r}": (
            finish(strip_marks(text, other_way, is_combining)),
            f"Which decomposition goes with form={form!r}: NFKD for the K forms (it also "
            "splits ﬁ, ² and ¨), NFD for the canonical ones?",
        ),
        "U+FE0F or another Mn character that is not a combining mark was dropped": (
            finish(strip_marks(text, right_way, is_mn)),
            "Which characters does the docstring drop: those with a non-zero "
            "unicodedata.combining, or every character of category Mn? Is U+FE0F (the emoji "
            "variation selector) a combining mark?",
        ),
        "every non-ASCII character was dropped": (
            " ".join(
                unicodedata.normalize(right_way, text).encode("ascii", "ignore").decode().split()
            ),
            "Only combining marks go: are you dropping every non-ASCII character "
            "(encode('ascii', 'ignore'))?",
        ),
        f"the result was left decomposed, not put back into {form}": (
            " ".join(strip_marks(text, right_way, is_combining).split()),
            "After decomposing to strip the accents, what composes the Hangul jamo (and "
            "any other decomposed letter) back into the requested form?",
        ),
    }
    # on some texts a wrong approach happens to give the right result
    wrong = {what: value for what, value in wrong.items() if value[0] != right}
    name_the_mistake(got, wrong, what=f"normalize({text!r}, form={form!r}, strip_accents=True)")


# ---------------------------------------------------------------- Unicode forms


@pytest.mark.grade(
    points=1,
    hint="Which normal form maps full-width letters to ASCII, and is it the default form?",
    task="normalize",
)
def test_nfkc_turns_full_width_letters_and_digits_into_ascii(nm):
    assert_same_text(nm.normalize("ＡＢＣ ａｂｃ １２３"), "ABC abc 123", what="NFKC of full width")


@pytest.mark.grade(
    points=1,
    hint="Run the docstring's examples: what do NFKC and the four steps make of them?",
    task="normalize",
)
@pytest.mark.parametrize(
    "text, options, expected",
    [
        # NFKC: Ｃａｆ -> Caf, ﬁ -> fi, U+3000 -> space; then the spaces collapse
        ("  Ｃａｆé\u3000ﬁne ", {}, "Café fine"),
        ("Crème  Brûlée", {"lowercase": True, "strip_accents": True}, "creme brulee"),
    ],
    ids=["defaults", "lowercase-strip"],
)
def test_the_docstring_examples_hold(nm, text, options, expected):
    got = nm.normalize(text, **options)
    assert_same_text(got, expected, what=f"normalize({text!r}, **{options})")


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
    assert_same_text(got, expected, what=f"normalize('ﬁnance ﬂow x²', form={form!r})")


@pytest.mark.grade(
    points=1,
    hint="What does NFKC change in Chinese text: the characters, or only the full-width "
    "punctuation?",
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
    assert_same_text(got, expected, what=f"normalize('机器学习，很有趣！', form={form!r})")


@pytest.mark.grade(
    points=1,
    hint="Do you pass the form to unicodedata.normalize? NFC composes e + U+0301 into é; which "
    "form splits it?",
    task="normalize",
)
@pytest.mark.parametrize("form", FORMS, ids=FORMS)
def test_each_form_composes_or_decomposes_accents(nm, form):
    for text in ("e\u0301", "é", "Ångström", "한국어"):
        got = nm.normalize(text, form=form)
        expected = unicodedata.normalize(form, text)
        assert_same_text(got, expected, what=f"normalize({text!r}, form={form!r})")


@pytest.mark.grade(
    points=1,
    hint="Do you check the form before anything else, even for empty text?",
    task="normalize",
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
@pytest.mark.parametrize(
    "text, expected",
    [
        ("Straße HELLO Wörld", "strasse hello wörld"),  # ß folds to ss; lower() keeps ß
        ("GROẞ", "gross"),  # U+1E9E CAPITAL SHARP S: lower() gives ß, folding gives ss
        ("ΟΔΟΣ", "οδοσ"),  # lower() writes a final ς (U+03C2); folding always σ (U+03C3)
        ("ς", "σ"),  # a final sigma alone folds to σ as well
    ],
    ids=["sharp-s", "capital-sharp-s", "final-sigma-upper", "final-sigma-lower"],
)
def test_lowercase_applies_full_case_folding(nm, text, expected):
    got = nm.normalize(text, lowercase=True)
    lowered = unicodedata.normalize("NFKC", text.lower())
    if lowered != expected:
        name_the_mistake(
            got,
            {
                "str.lower() was used, not str.casefold()": (
                    lowered,
                    "Did you use str.lower()? It keeps ß and writes a final sigma as ς; "
                    "which str method applies full case folding?",
                )
            },
            what=f"normalize({text!r}, lowercase=True) = {got!r}",
        )
    assert_same_text(got, expected, what=f"normalize({text!r}, lowercase=True)")


@pytest.mark.grade(
    points=1, hint="Does lowercase=False (the default) keep the case?", task="normalize"
)
def test_case_is_kept_when_lowercase_is_off(nm):
    assert_same_text(nm.normalize("Straße HELLO ΟΔΟΣ"), "Straße HELLO ΟΔΟΣ", what="lowercase=False")


@pytest.mark.grade(
    points=1,
    hint="Case folding can decompose a letter (ǰ folds to j + U+030C): does the form "
    "normalisation come after the folding, as in the docstring's order?",
    task="normalize",
)
def test_case_folding_comes_before_the_form(nm):
    # "ǰ" (U+01F0) casefolds to "j" + U+030C; NFC composes them back into U+01F0
    got = nm.normalize("\u01f0", form="NFC", lowercase=True)
    assert_same_text(got, "\u01f0", what="normalize('ǰ', form='NFC', lowercase=True)")


@pytest.mark.grade(
    points=1,
    hint="Is a precomposed é one character or two? What must happen before you drop the marks?",
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
        ("ﬁancé x²", "NFC", "ﬁance x²"),  # NFD for a canonical form: ﬁ and ² stay
    ],
    ids=[
        "precomposed",
        "decomposed",
        "several",
        "no-decomposition",
        "spacing-diaeresis",
        "ligature",
        "canonical-keeps-ligature",
    ],
)
def test_strip_accents_removes_combining_marks(nm, text, form, expected):
    got = nm.normalize(text, form=form, strip_accents=True)
    name_the_accent_mistake(got, text, form)
    assert_same_text(got, expected, what=f"normalize({text!r}, form={form!r}, strip_accents=True)")


@pytest.mark.grade(
    points=1,
    hint="Only combining marks go: what else does your accent stripping remove?",
    task="normalize",
)
@pytest.mark.parametrize(
    "text, expected",
    [
        ("机器学习 한국어", "机器学习 한국어"),  # Chinese and Korean have no accents to drop
        ("Ελληνικά", "Ελληνικα"),  # only the Greek tonos goes
        ("I \u2764\ufe0f it", "I \u2764\ufe0f it"),  # U+FE0F is Mn but not combining: kept
        ("1\ufe0f\u20e3 🙂", "1\ufe0f\u20e3 🙂"),  # the keycap emoji: U+FE0F, U+20E3 kept
    ],
    ids=["cjk-hangul", "greek", "emoji-selector", "keycap"],
)
def test_strip_accents_keeps_chinese_korean_and_emoji(nm, text, expected):
    got = nm.normalize(text, strip_accents=True)
    name_the_accent_mistake(got, text, "NFKC")
    assert_same_text(got, expected, what=f"normalize({text!r}, strip_accents=True)")


@pytest.mark.grade(
    points=1,
    hint="Is the result in the requested form? Decomposing splits 한 into jamo: what puts them "
    "back together?",
    task="normalize",
)
@pytest.mark.parametrize("form", FORMS, ids=FORMS)
def test_the_result_is_in_the_requested_form(nm, form):
    text = "Café 한국어 ﬁ"
    got = nm.normalize(text, form=form, strip_accents=True)
    name_the_accent_mistake(got, text, form)
    expected = unicodedata.normalize(form, "Cafe 한국어 " + ("fi" if "K" in form else "ﬁ"))
    assert_same_text(got, expected, what=f"normalize({text!r}, form={form!r}, strip_accents=True)")


# ---------------------------------------------------------------- whitespace


@pytest.mark.grade(
    points=1,
    hint="Which whitespace do you collapse: only the ASCII space, or every kind (what does "
    "str.split() with no argument split on)?",
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
    assert_same_text(got, expected, what=f"normalize({text!r}, form='NFC')")


@pytest.mark.grade(
    points=1,
    hint="NFKC can turn a character into a space plus a mark (¨ -> ' ' + U+0308): do you "
    "collapse the whitespace after normalising, as the docstring's order says?",
    task="normalize",
)
def test_whitespace_collapses_after_the_form(nm):
    # NFKC: "a ¨b" -> "a" " " " " U+0308 "b": the two spaces become one only if collapsing is last
    got = nm.normalize("a \u00a8b")
    assert_same_text(got, "a \u0308b", what="normalize('a \\u00a8b')")


@pytest.mark.grade(
    points=1,
    hint="With collapse_whitespace=False, do you still touch the spaces?",
    task="normalize",
)
def test_whitespace_is_kept_when_collapsing_is_off(nm):
    text = " a \t b\u3000c "
    got = nm.normalize(text, form="NFC", collapse_whitespace=False)
    assert_same_text(got, text, what=f"normalize({text!r}, form='NFC', collapse_whitespace=False)")
    # NFKC still maps U+3000 to a plain space: that is the form, not the collapsing
    got = nm.normalize(text, collapse_whitespace=False)
    assert_same_text(got, " a \t b c ", what=f"normalize({text!r}, collapse_whitespace=False)")


@pytest.mark.grade(
    points=2,
    hint="Do you follow the docstring's four steps in its order? Where does your result first "
    "differ from the reference's?",
    task="normalize",
)
def test_normalize_agrees_with_the_reference_and_its_properties_on_random_text(
    nm, ref, rng, attempt_worker, reference_worker
):
    cases = []
    for _ in range(60):
        text = random_text(rng, int(rng.integers(0, 25)))
        form = FORMS[int(rng.integers(0, 4))]
        lower, strip, collapse = (bool(b) for b in rng.integers(0, 2, size=3))
        options = dict(
            form=form, lowercase=lower, strip_accents=strip, collapse_whitespace=collapse
        )
        cases.append((text, options))
    # every call at once in each worker (see each_call)
    calls = [[[text], options] for text, options in cases]
    gots = each_call(attempt_worker, nm.normalize, calls)
    expecteds = each_call(reference_worker, ref.normalize, calls)
    for (text, options), got, expected in zip(cases, gots, expecteds):
        form, strip = options["form"], options["strip_accents"]
        collapse = options["collapse_whitespace"]
        assert_same_text(got, expected, what=f"normalize({text!r}, **{options})")
        # independent checks: the result is in the form, has no marks or stray spaces
        assert unicodedata.is_normalized(form, got), f"{got!r} is not in {form}"
        if strip:
            assert not any(unicodedata.combining(ch) for ch in got), f"marks left in {got!r}"
        if collapse:
            assert got == " ".join(got.split()), f"whitespace left in {got!r}"


# ---------------------------------------------------------------- Pipeline


def exclaim(s: str) -> str:
    return s + "!"


class Shout:
    """A callable object: no __name__ and object's default repr (which shows an address)."""

    def __call__(self, s: str) -> str:
        return s.upper()


ADDRESS = re.compile(r"0x[0-9a-fA-F]{4,}| at 0x")


@pytest.mark.grade(
    points=2, hint="Pipeline(f, g)(x) is g(f(x)): which step runs first in yours?", task="Pipeline"
)
@pytest.mark.parametrize(
    "steps, text, expected",
    [
        ((str.strip, exclaim), "  hi  ", "hi!"),  # strip, then exclaim
        ((exclaim, str.upper, str.strip), " hi ", "HI !"),  # the reverse order gives "HI!"
    ],
    ids=["strip-exclaim", "exclaim-upper-strip"],
)
def test_pipeline_applies_its_steps_in_order(nm, steps, text, expected):
    got = nm.Pipeline(*steps)(text)
    assert_same_text(got, expected, what=f"Pipeline{tuple(s.__name__ for s in steps)}({text!r})")


@pytest.mark.grade(points=1, hint="What should a Pipeline with no steps return?", task="Pipeline")
def test_an_empty_pipeline_returns_its_input_unchanged(nm):
    assert_same_text(nm.Pipeline()("  unchanged "), "  unchanged ", what="Pipeline()(text)")


@pytest.mark.grade(
    points=1, hint="Does a functools.partial of normalize work as a step?", task="Pipeline"
)
def test_a_partial_of_normalize_is_a_step(nm):
    clean = nm.Pipeline(functools.partial(nm.normalize, lowercase=True, strip_accents=True))
    got = clean("  Crème\u3000BRÛLÉE ")
    assert_same_text(got, "creme brulee", what="Pipeline(partial(normalize, ...))(text)")


@pytest.mark.grade(points=1, hint="Can a Pipeline be a step of another Pipeline?", task="Pipeline")
def test_pipelines_nest(nm):
    inner = nm.Pipeline(str.strip, str.lower)
    outer = nm.Pipeline(inner, str.title)
    got = outer("  HELLO WORLD ")
    assert_same_text(got, "Hello World", what="Pipeline(Pipeline(strip, lower), title)(text)")


@pytest.mark.grade(
    points=1,
    hint="Does your repr use each step's __name__? Where does a functools.partial keep its "
    "function and keywords?",
    task="Pipeline",
)
def test_pipeline_repr_names_the_steps_in_order(nm):
    pipeline = nm.Pipeline(str.strip, functools.partial(nm.normalize, lowercase=True), str.upper)
    text = repr(pipeline)
    assert text.startswith("Pipeline(") and text.endswith(")"), f"repr is {text!r}"
    assert not ADDRESS.search(text), f"the repr should not show memory addresses: {text!r}"
    positions = [text.find(name) for name in ("strip", "normalize", "lowercase=True", "upper")]
    assert -1 not in positions and positions == sorted(positions), (
        f"repr should name strip, normalize(lowercase=True), upper in order: {text!r}"
    )


@pytest.mark.grade(
    points=1,
    hint="Run the docstring's repr example: does yours print exactly the same?",
    task="Pipeline",
)
def test_pipeline_repr_matches_the_docstring_example(nm):
    pipeline = nm.Pipeline(str.strip, functools.partial(nm.normalize, lowercase=True))
    assert_same_text(
        repr(pipeline),
        "Pipeline(strip, normalize(lowercase=True))",
        what="repr(Pipeline(str.strip, functools.partial(normalize, lowercase=True)))",
    )


@pytest.mark.grade(
    points=1,
    hint="A callable object has no __name__, and its default repr shows a memory address: "
    "what names it instead?",
    task="Pipeline",
)
@pytest.mark.parametrize(
    "make_step, name",
    [
        (lambda nm: Shout(), "Shout"),  # a callable object: named by its class
        (lambda nm: lambda s: s, "<lambda>"),  # a lambda's __name__ is "<lambda>"
        (lambda nm: functools.partial(nm.normalize, form="NFC"), "normalize"),  # the function
        (lambda nm: functools.partial(Shout()), "Shout"),  # a partial of a callable object
    ],
    ids=["callable-object", "lambda", "partial", "partial-of-object"],
)
def test_pipeline_repr_never_shows_a_memory_address(nm, make_step, name):
    step = make_step(nm)
    text = repr(nm.Pipeline(str.strip, step))
    if ADDRESS.search(text):
        raise Mistake(
            f"repr(Pipeline(str.strip, {name} step)) shows a memory address: {text!r}",
            hint="A callable object has no __name__: does your repr fall back to its default "
            "repr, which shows a memory address? What names it instead?"
            if name == "Shout"
            else f"This step has a __name__ ({name!r}): does your repr use repr(step), which "
            "shows a memory address, instead of the name?",
        )
    assert name in text, f"repr(Pipeline(str.strip, {name} step)) should name {name}: {text!r}"
    if isinstance(step, functools.partial) and step.keywords:
        assert "form='NFC'" in text, f"the repr should show the partial's form='NFC': {text!r}"


@pytest.mark.grade(
    points=1,
    hint="Do you check callable(step) for every step when the Pipeline is built?",
    task="Pipeline",
)
@pytest.mark.parametrize("bad", ["lower", None, 3], ids=["string", "none", "int"])
def test_pipeline_rejects_a_step_that_is_not_callable(nm, bad):
    with expect_error(TypeError, f"for the step {bad!r}"):
        nm.Pipeline(str.strip, bad)
