"""Hidden tests for exercises/day39/eval_harness.py."""

from __future__ import annotations

import json
import string

import numpy as np
import pytest

from grader.testing import (
    Mistake,
    assert_close,
    assert_same_text,
    attempt_module,
    each_call,
    expect_error,
    name_the_mistake,
    reference_module,
)

m = attempt_module("eval_harness")
ref = reference_module("eval_harness")

ITEM_KEYS = {"id", "prediction", "em", "f1", "groundedness", "latency_s", "error"}
SUMMARY_KEYS = {"n", "n_errors", "em", "f1", "groundedness", "latency", "cost"}
LATENCY_KEYS = {"p50", "p95", "p99", "mean", "max"}
LATENCY_ORDER = ["p50", "p95", "p99", "mean", "max"]


def numpy_latency(values):
    """The five latency numbers of ``values``, by numpy, in LATENCY_ORDER."""
    x = np.asarray(values, dtype=float)
    return [*np.percentile(x, [50, 95, 99]), x.mean(), x.max()]


# ---------------------------------------------------------------- independent oracles


def independent_normalize(s):
    """SQuAD normalisation written another way: translate, then filter whole-word articles."""
    s = s.lower().translate(str.maketrans("", "", string.punctuation))
    return " ".join(w for w in s.split() if w not in {"a", "an", "the"})


def brute_force_f1(prediction, reference):
    """Token F1 by matching each predicted token against a not-yet-used reference token."""
    pred, remaining = independent_normalize(prediction).split(), independent_normalize(reference)
    remaining = remaining.split()
    if not pred or not remaining:
        return float(pred == remaining)
    n_ref, common = len(remaining), 0
    for token in pred:
        if token in remaining:
            remaining.remove(token)
            common += 1
    if common == 0:
        return 0.0
    p, r = common / len(pred), common / n_ref
    return 2 * p * r / (p + r)


WORDS = ["The", "a", "An", "cat", "theory", "A.I.", "don't", "state-of-the-art", "banana"]
WORDS += ["THE", "an.", "sat", "cat!", "(cat)", "x_y", "7", "the,", "mat", "Hat"]
SEPARATORS = [" ", " ", "  ", "\t", "\n", ""]


def random_text(rng, max_words=8):
    n = int(rng.integers(0, max_words + 1))
    parts = []
    for _ in range(n):
        parts += [str(rng.choice(WORDS)), str(rng.choice(SEPARATORS))]
    return "".join(parts)


class FakeClock:
    """Returns the given times one by one, and counts how often it was read."""

    def __init__(self, times):
        self.times, self.reads = list(times), 0

    def __call__(self):
        if self.reads >= len(self.times):
            raise AssertionError(
                f"clock() was read more than {len(self.times)} times; "
                "it should be read exactly twice per item"
            )
        self.reads += 1
        return self.times[self.reads - 1]


# ---------------------------------------------------------------- normalize_answer


@pytest.mark.grade(
    points=1,
    hint="Which of the four SQuAD steps (case, punctuation, articles, whitespace) did this miss?",
    task="normalize_answer",
)
@pytest.mark.parametrize(
    "text, expected",
    [
        ("The Cat sat!", "cat sat"),  # lower-case first, so "The" is an article too
        ("  lots \t of\n\nspace ", "lots of space"),  # any whitespace collapses to one space
        ("an apple a day", "apple day"),  # all three articles go
        ("theory of bananas", "theory of bananas"),  # articles only as whole words
        ("A.I. is the future", "ai is future"),  # punctuation goes before the articles
        ("state-of-the-art", "stateoftheart"),  # punctuation is deleted, not a space
        ("", ""),  # nothing in, nothing out
        ("The  Cat's hat!", "cats hat"),  # the docstring's example
        ("¿Qué  tal—bien?", "¿qué tal—bien"),  # string.punctuation is ASCII: ¿ and — stay
    ],
    ids=[
        *("case", "whitespace", "articles", "whole-words", "order", "deleted", "empty"),
        *("doc-example", "ascii-only"),
    ],
)
def test_normalize_answer_follows_the_squad_convention(m, text, expected):
    got = m.normalize_answer(text)
    assert_same_text(got, expected, what=f"normalize_answer({text!r})")


@pytest.mark.grade(
    points=2,
    hint="What does your normalisation give for 'x_y', 'an.' or 'the,'? Is '_' punctuation?",
    task="normalize_answer",
)
def test_normalize_answer_agrees_with_an_independent_version_on_random_text(m, rng, attempt_worker):
    texts = [random_text(rng) for _ in range(200)]
    calls = [[[text], {}] for text in texts]
    for text, got in zip(texts, each_call(attempt_worker, m.normalize_answer, calls)):
        expected = independent_normalize(text)
        assert_same_text(got, expected, what=f"normalize_answer({text!r})")


# ---------------------------------------------------------------- exact_match and token_f1


@pytest.mark.grade(
    points=2, hint="Do you compare the normalised strings or the raw ones?", task="exact_match"
)
def test_exact_match_of_hand_worked_pairs(m):
    # "The cat sat" -> "cat sat"; "a cat sat down" -> "cat sat down": not equal
    assert_close(m.exact_match("The cat sat", "a cat sat down"), 0.0, what="EM, extra word")
    # "The Eiffel Tower!" -> "eiffel tower" == "eiffel tower"
    assert_close(m.exact_match("The Eiffel Tower!", "eiffel  tower"), 1.0, what="EM, normalised")


@pytest.mark.grade(
    points=2,
    hint="Which token count divides the shared count for precision, and which for recall?",
    task="token_f1",
)
def test_token_f1_of_the_cat_sat_is_four_fifths(m):
    """[cat, sat] vs [cat, sat, down]: P = 2/2, R = 2/3, F1 = 2·(2/3) / (5/3) = 0.8."""
    assert_close(m.token_f1("The cat sat", "a cat sat down"), 0.8, what="F1('The cat sat', ...)")
    assert_close(m.token_f1("a cat sat down", "The cat sat"), 0.8, what="F1 is symmetric")


@pytest.mark.grade(
    points=2,
    hint="With several references, do you score against each one and keep the best?",
    task="token_f1",
)
def test_scores_take_the_best_reference_of_a_list(m):
    refs = ["dog", "a cat sat down", "cat"]
    # F1 per reference: dog 0; "cat sat down" 0.8; "cat" -> P 1/2, R 1 -> 2/3. Best: 0.8
    assert_close(m.token_f1("The cat sat", refs), 0.8, what="F1 over three references")
    assert_close(m.exact_match("Paris!", ["London", "paris"]), 1.0, what="EM, second reference")
    assert_close(m.exact_match("Rome", ["London", "paris"]), 0.0, what="EM, no reference")


@pytest.mark.grade(
    points=1,
    hint="Does your code need len() or indexing? Does a generator of references have either?",
    task="exact_match",
)
@pytest.mark.parametrize("fn, expected", [("exact_match", 1.0), ("token_f1", 1.0)])
def test_references_may_be_any_iterable(m, fn, expected):
    # a tuple and a generator: the best is "paris" -> 1.0 for both scores
    got = getattr(m, fn)("Paris!", ("London", "paris"))
    assert_close(got, expected, what=f"{fn}('Paris!', a tuple of references)")
    got = getattr(m, fn)("Paris!", (r for r in ["London", "paris"]))
    assert_close(got, expected, what=f"{fn}('Paris!', a generator of references)")


@pytest.mark.grade(
    points=1,
    hint="The docstring says 1.0 or 0.0: is what you return a float or a bool?",
    task="exact_match",
)
def test_exact_match_returns_a_float(m):
    for prediction, expected in (("paris", 1.0), ("rome", 0.0)):
        got = m.exact_match(prediction, "Paris")
        assert type(got) is float and got == expected, (
            f"exact_match({prediction!r}, 'Paris') should be the float {expected}, got "
            f"{type(got).__name__} {got!r}"
        )


@pytest.mark.grade(
    points=1,
    hint="A str is iterable: what do you get when you loop over 'cat'?",
    task="exact_match",
)
def test_a_single_string_reference_is_one_answer_not_a_list_of_letters(m):
    assert_close(m.exact_match("cat", "cat"), 1.0, what="exact_match('cat', 'cat')")
    assert_close(m.token_f1("cat sat", "cat sat"), 1.0, what="token_f1('cat sat', 'cat sat')")


@pytest.mark.grade(
    points=2,
    hint="How many times does a token both sides repeat count as shared: once, or min of the two?",
    task="token_f1",
)
@pytest.mark.parametrize(
    "prediction, reference, expected",
    [
        # shared 2 (cat twice): P = 2/2, R = 2/3 -> 0.8 (a set would share only 1 -> 0.4)
        ("cat cat", "cat cat dog", 0.8),
        # shared min(3, 1) = 1: P = 1/3, R = 1 -> 0.5 (unclipped would give P = 1, R = 3)
        ("cat cat cat", "cat", 0.5),
    ],
    ids=["repeats-both-sides", "repeats-clipped"],
)
def test_token_f1_overlap_is_a_multiset(m, prediction, reference, expected):
    got = m.token_f1(prediction, reference)
    assert_close(got, expected, what=f"token_f1({prediction!r}, {reference!r})")


@pytest.mark.grade(
    points=1,
    hint="With no tokens on one side, what does the docstring say F1 is (both empty, or only one)?",
    task="token_f1",
)
@pytest.mark.parametrize(
    "prediction, reference, expected",
    [
        ("", "", 1.0),  # both empty: they agree
        ("The", "a!", 1.0),  # both normalise to nothing
        ("cat", "", 0.0),  # empty reference, non-empty prediction
        ("", "cat", 0.0),  # the model said nothing
    ],
    ids=["both-empty", "only-articles", "empty-reference", "empty-prediction"],
)
def test_token_f1_when_a_side_has_no_tokens(m, prediction, reference, expected):
    got = m.token_f1(prediction, reference)
    assert_close(got, expected, what=f"token_f1({prediction!r}, {reference!r})")


@pytest.mark.grade(
    points=2,
    hint="Does your F1 match a by-hand count on short token lists with repeats and empty sides?",
    task="token_f1",
)
def test_token_f1_agrees_with_brute_force_matching_on_random_text(
    m, ref, rng, attempt_worker, reference_worker
):
    pairs = [(random_text(rng), random_text(rng)) for _ in range(150)]
    calls = [[list(pair), {}] for pair in pairs]
    gots = each_call(attempt_worker, m.token_f1, calls)
    theirs = each_call(reference_worker, ref.token_f1, calls)
    for (prediction, reference), got, reference_f1 in zip(pairs, gots, theirs):
        expected = brute_force_f1(prediction, reference)
        assert_close(got, expected, what=f"token_f1({prediction!r}, {reference!r})")
        assert_close(expected, reference_f1, what="the reference")


@pytest.mark.grade(
    points=1,
    hint="What should the best score over no references be? Do you refuse it with ValueError?",
    task="exact_match",
)
@pytest.mark.parametrize("fn", ["exact_match", "token_f1"])
def test_an_empty_list_of_references_is_refused(m, fn):
    with expect_error(ValueError, f"from {fn} for an empty list of references"):
        getattr(m, fn)("cat", [])


# ---------------------------------------------------------------- groundedness


@pytest.mark.grade(
    points=2,
    hint="Do you normalise both texts before looking the answer's tokens up in the context?",
    task="groundedness",
)
def test_groundedness_of_a_hand_worked_answer(m):
    """Answer tokens: dropout reduces overfitting in large models (6); in the context:
    dropout, reduces, overfitting (3) -> 3/6 = 0.5."""
    context = "Dropout randomly zeroes activations, which reduces overfitting."
    got = m.groundedness("Dropout reduces overfitting in large models", context)
    assert_close(got, 0.5, what="groundedness")


@pytest.mark.grade(
    points=1,
    hint="Does a repeated answer token count each time, and does the context need it only once?",
    task="groundedness",
)
def test_groundedness_counts_repeated_answer_tokens_each_time(m):
    # cat, cat, dog: the two cats are in the context -> 2/3 (a set of the answer gives 1/2)
    assert_close(m.groundedness("cat cat dog", "the cat"), 2 / 3, what="groundedness")


@pytest.mark.grade(
    points=1,
    hint="An answer with no tokens claims nothing: what share is grounded?",
    task="groundedness",
)
@pytest.mark.parametrize(
    "answer, context, expected",
    [
        ("", "some context", 1.0),  # no tokens at all
        ("The...", "some context", 1.0),  # only an article and punctuation
        ("cat", "", 0.0),  # nothing to ground it in
    ],
    ids=["empty", "only-article", "empty-context"],
)
def test_groundedness_edge_cases(m, answer, context, expected):
    assert_close(m.groundedness(answer, context), expected, what=f"groundedness({answer!r}, ...)")


@pytest.mark.grade(
    points=1,
    hint="Is your share (answer tokens found in the context) / (answer tokens), normalised?",
    task="groundedness",
)
def test_groundedness_agrees_with_a_membership_count_on_random_text(m, rng, attempt_worker):
    pairs = [(random_text(rng), random_text(rng, max_words=12)) for _ in range(150)]
    calls = [[list(pair), {}] for pair in pairs]
    for (answer, context), got in zip(pairs, each_call(attempt_worker, m.groundedness, calls)):
        tokens, vocab = (
            independent_normalize(answer).split(),
            set(independent_normalize(context).split()),
        )
        expected = sum(t in vocab for t in tokens) / len(tokens) if tokens else 1.0
        assert_close(got, expected, what=f"groundedness({answer!r})")


# ---------------------------------------------------------------- latency_summary


@pytest.mark.grade(
    points=2,
    hint="Do you sort first? Where does p95 of five values sit: rank (n - 1)·0.95, between what?",
    task="latency_summary",
)
def test_latency_summary_of_a_hand_worked_list(m):
    """[5, 1, 4, 2, 3] sorted is 1..5; p95 at rank 0.95·4 = 3.8 -> 4 + 0.8·(5 - 4) = 4.8;
    p99 at rank 3.96 -> 4.96; p50 at rank 2 -> 3."""
    got = m.latency_summary([5.0, 1.0, 4.0, 2.0, 3.0])
    assert set(got) == LATENCY_KEYS, f"expected keys {sorted(LATENCY_KEYS)}, got {sorted(got)}"
    order = ["p50", "p95", "p99", "mean", "max"]
    assert_close([got[k] for k in order], [3.0, 4.8, 4.96, 3.0, 5.0], what=str(order))


@pytest.mark.grade(
    points=2,
    hint="Do your percentiles interpolate linearly, like np.percentile's default, or pick a rank?",
    task="latency_summary",
)
def test_latency_summary_agrees_with_numpy_percentile_on_random_latencies(m, rng):
    for n in (1, 2, 7, 20, 101):
        x = rng.exponential(0.3, size=n)
        got = m.latency_summary(list(x))
        expected = [*np.percentile(x, [50, 95, 99]), x.mean(), x.max()]
        order = ["p50", "p95", "p99", "mean", "max"]
        assert_close([got[k] for k in order], expected, what=f"latency_summary of {n} values")


@pytest.mark.grade(
    points=1,
    hint="What is the p95 of no latencies? Do you refuse an empty list with ValueError?",
    task="latency_summary",
)
def test_latency_summary_refuses_an_empty_list(m):
    with expect_error(ValueError, "for an empty list of latencies"):
        m.latency_summary([])


@pytest.mark.grade(
    points=1,
    hint="What does np.asarray make of a generator? And max() of ints: is it a float?",
    task="latency_summary",
)
@pytest.mark.parametrize(
    "make",
    [list, tuple, lambda xs: (x for x in xs)],
    ids=["list-of-ints", "tuple-of-ints", "generator-of-ints"],  # the docstring's example
)
def test_latency_summary_takes_any_iterable_and_returns_python_floats(m, make):
    got = m.latency_summary(make([1, 2, 3, 4, 5]))
    assert set(got) == LATENCY_KEYS, f"expected keys {sorted(LATENCY_KEYS)}, got {sorted(got)}"
    not_float = {k: type(v).__name__ for k, v in got.items() if not isinstance(v, float)}
    assert not not_float, f"every value should be a Python float, got types {not_float}"
    assert_close([got[k] for k in LATENCY_ORDER], [3.0, 4.8, 4.96, 3.0, 5.0], what="[1..5]")


# ---------------------------------------------------------------- estimate_cost


@pytest.mark.grade(
    points=2,
    hint="Are your prices per token or per 1000 tokens, and is each side priced at its own rate?",
    task="estimate_cost",
)
def test_estimate_cost_by_hand(m):
    # 1200/1000·0.5 + 300/1000·1.5 = 0.6 + 0.45 = 1.05
    assert_close(
        m.estimate_cost(1200, 300, 0.5, 1.5), 1.05, what="estimate_cost(1200, 300, 0.5, 1.5)"
    )
    # only completion tokens: 2000/1000·3 = 6
    assert_close(m.estimate_cost(0, 2000, 1.0, 3.0), 6.0, what="estimate_cost(0, 2000, 1.0, 3.0)")


@pytest.mark.grade(
    points=1,
    hint="Do you round the cost? What does one token at 0.01 per 1k cost?",
    task="estimate_cost",
)
@pytest.mark.parametrize(
    "args, expected",
    [
        ((1, 0, 0.01, 0.0), 1e-5),  # one token at 0.01 per 1k: 0.00001, not rounded to 0
        ((7, 3, 0.0123, 0.0456), 2.229e-4),  # 0.0000861 + 0.0001368, every digit kept
        ((100, 50, 0.0, 0.0), 0.0),  # a free model: zero prices are fine
    ],
    ids=["one-token", "small-prices", "free"],
)
def test_estimate_cost_is_not_rounded_and_allows_zero_prices(m, args, expected):
    got = m.estimate_cost(*args)
    assert_close(got, expected, rtol=1e-9, atol=1e-15, what=f"estimate_cost{args}")


@pytest.mark.grade(
    points=1,
    hint="Do you check every one of the four values for a negative number, and raise ValueError?",
    task="estimate_cost",
)
@pytest.mark.parametrize(
    "args",
    [(-1, 0, 0.5, 1.5), (10, -5, 0.5, 1.5), (10, 5, -0.5, 1.5), (10, 5, 0.5, -1.5)],
    ids=["prompt", "completion", "price-in", "price-out"],
)
def test_estimate_cost_refuses_negative_values(m, args):
    with expect_error(ValueError, f"for estimate_cost{args}"):
        m.estimate_cost(*args)


# ---------------------------------------------------------------- load_jsonl


@pytest.mark.grade(
    points=2,
    hint="Do you skip lines that hold only whitespace (or \r), and keep the records in order?",
    task="load_jsonl",
)
def test_load_jsonl_reads_records_in_order_and_skips_blank_lines(m, shared_tmp_path):
    path = shared_tmp_path / "set.jsonl"
    path.write_bytes(
        b'{"id": 1, "q": "caf\xc3\xa9"}\r\n\r\n   \n{"id": 2}\n{"id": 3}'
    )  # CRLF, no final \n
    got = m.load_jsonl(path)
    assert got == [{"id": 1, "q": "café"}, {"id": 2}, {"id": 3}], f"got {got!r}"
    assert m.load_jsonl(str(path)) == got, "load_jsonl should accept a str path too"


@pytest.mark.grade(
    points=2,
    hint="Do your line numbers start at 1, and do blank lines count in them?",
    task="load_jsonl",
)
@pytest.mark.parametrize(
    "content, bad_line",
    [
        ('{"id": 1}\n\n{"id": 2}\n{"id": 3, \n{"id": 4}\n', 4),  # broken JSON after a blank line
        ('{"id": 1}\n[1, 2]\n', 2),  # valid JSON, but not an object
        ('{"id": 1}\n\n\n"text"\n', 4),  # a bare string after two blank lines
    ],
    ids=["broken-after-blank", "array", "string-after-blanks"],
)
def test_load_jsonl_names_the_line_number_of_a_bad_line(m, shared_tmp_path, content, bad_line):
    path = shared_tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    try:
        m.load_jsonl(path)
    except ValueError as exc:
        message = str(exc)
        assert f"line {bad_line}" in message, (
            f"the ValueError should name 'line {bad_line}' (1-based, blank lines counted), "
            f"got: {message!r}"
        )
        return
    except Exception as exc:
        raise AssertionError(f"expected ValueError, got {type(exc).__name__}: {exc}") from None
    raise AssertionError(f"expected ValueError naming line {bad_line}, but nothing was raised")


@pytest.mark.grade(
    points=1,
    hint="Which characters does str.splitlines() split at, besides \\n? Is U+2028 one of them?",
    task="load_jsonl",
)
def test_load_jsonl_splits_lines_at_newlines_only(m, shared_tmp_path):
    # JSON allows a raw U+2028 (line separator) or U+0085 inside a string; JSON Lines ends
    # records at "\n" only, so each of these two lines is one record
    path = shared_tmp_path / "set.jsonl"
    path.write_text('{"q": "a\u2028b"}\n{"q": "c\u0085d"}\n', encoding="utf-8")
    got = m.load_jsonl(path)
    assert got == [{"q": "a\u2028b"}, {"q": "c\u0085d"}], (
        f"expected two records whose strings hold U+2028 and U+0085, got {got!r}"
    )


@pytest.mark.grade(
    points=1,
    hint="Load data/eval_set.jsonl with your load_jsonl: do all its answers appear in the context?",
    task="load_jsonl",
)
def test_the_shipped_eval_set_loads_and_its_answers_are_grounded(m, ref, attempt_dir):
    items = m.load_jsonl(attempt_dir / "data" / "eval_set.jsonl")
    assert len(items) >= 15, f"expected about 20 items in data/eval_set.jsonl, got {len(items)}"
    assert len({item["id"] for item in items}) == len(items), "item ids should be unique"
    for item in items:
        assert {"id", "question", "context", "answers"} <= set(item), f"item keys: {sorted(item)}"
        for answer in item["answers"]:
            grounded = ref.groundedness(answer, item["context"])
            assert grounded == 1.0, f"{item['id']}: answer {answer!r} is not in its context"


# ---------------------------------------------------------------- run_eval

DATASET = [
    {
        "id": "q1",
        "question": "What does EM stand for?",
        "context": "EM stands for exact match.",
        "answers": ["exact match", "EM"],
    },
    {
        "id": "q2",
        "question": "What is F1 the harmonic mean of?",
        "context": "F1 is the harmonic mean of precision and recall.",
        "answers": ["precision and recall"],
    },
    {"id": "q3", "question": "What is 6 times 7?", "answers": "42"},  # no context
]
OUTPUTS = {
    "What does EM stand for?": ("Exact match.", {"prompt_tokens": 30, "completion_tokens": 3}),
    "What is F1 the harmonic mean of?": (
        "precision and recall of a model",
        {"prompt_tokens": 50, "completion_tokens": 7},
    ),
    "What is 6 times 7?": "42",  # plain text: no usage, costs nothing
}
TIMES = [10.0, 10.5, 20.0, 22.0, 30.0, 30.25]  # latencies 0.5, 2.0, 0.25


def make_model(calls, fail_on=None):
    def model_fn(question, context):
        calls.append((question, context))
        if question == fail_on:
            raise TimeoutError("model took too long")
        return OUTPUTS[question]

    return model_fn


@pytest.mark.grade(
    points=3,
    hint="Exactly the documented keys per record? Is groundedness None without a context?",
    task="run_eval",
)
def test_run_eval_scores_each_item_by_hand(m):
    """q1: "exact match" = a reference -> EM 1, F1 1, grounded 2/2 = 1.
    q2: [precision, and, recall, of, model] vs [precision, and, recall]: P 3/5, R 1 ->
    F1 0.75; in the context: precision, and, recall, of -> 4/5 = 0.8. q3: EM 1, no context."""
    calls = []
    report = m.run_eval(DATASET, make_model(calls), clock=FakeClock(TIMES))
    if calls != [(d["question"], d.get("context")) for d in DATASET]:
        raise Mistake(
            f"model_fn should be called as model_fn(question, context or None), got {calls}",
            hint="Do you call model_fn(question, context), with None when there is no context?",
        )
    assert len(report.items) == 3, f"expected 3 item records, got {len(report.items)}"
    for item in report.items:
        if set(item) != ITEM_KEYS:
            extra, missing = sorted(set(item) - ITEM_KEYS), sorted(ITEM_KEYS - set(item))
            raise Mistake(
                f"item keys should be {sorted(ITEM_KEYS)}; extra {extra}, missing {missing}",
                hint="Which keys does the docstring list for an item record, exactly?",
            )
    ids = [i["id"] for i in report.items]
    assert ids == ["q1", "q2", "q3"], f"item ids in order: expected q1, q2, q3, got {ids}"
    predictions = [i["prediction"] for i in report.items]
    expected = ["Exact match.", OUTPUTS[DATASET[1]["question"]][0], "42"]
    assert predictions == expected, (
        f"predictions should be model_fn's text as returned: expected {expected}, got {predictions}"
    )
    assert_close([i["em"] for i in report.items], [1, 0, 1], what="em per item")
    assert_close([i["f1"] for i in report.items], [1, 0.75, 1], what="f1 per item")
    g = [i["groundedness"] for i in report.items]
    assert g[2] is None, f"groundedness of an item without a context should be None, got {g[2]!r}"
    assert_close(g[:2], [1.0, 0.8], what="groundedness of q1, q2")
    assert [i["error"] for i in report.items] == [None, None, None]


@pytest.mark.grade(
    points=2,
    hint="How many times do you read clock() per item, and where: right around model_fn only?",
    task="run_eval",
)
def test_run_eval_latencies_come_from_the_clock_around_each_call(m):
    clock = FakeClock(TIMES)
    report = m.run_eval(DATASET, make_model([]), clock=clock)
    assert clock.reads == 6, f"clock() should be read twice per item (6 times), got {clock.reads}"
    assert_close([i["latency_s"] for i in report.items], [0.5, 2.0, 0.25], what="latency_s")
    lat = report.summary["latency"]
    x = np.array([0.5, 2.0, 0.25])
    expected = [*np.percentile(x, [50, 95, 99]), x.mean(), x.max()]
    assert_close([lat[k] for k in ("p50", "p95", "p99", "mean", "max")], expected, what="latency")


@pytest.mark.grade(
    points=2,
    hint="Do em and f1 average over all items, and groundedness over items with a context only?",
    task="run_eval",
)
def test_run_eval_summary_by_hand(m):
    report = m.run_eval(DATASET, make_model([]), clock=FakeClock(TIMES))
    s = report.summary
    if set(s) != SUMMARY_KEYS:
        extra, missing = sorted(set(s) - SUMMARY_KEYS), sorted(SUMMARY_KEYS - set(s))
        raise Mistake(
            f"summary keys should be exactly {sorted(SUMMARY_KEYS)}; extra {extra}, "
            f"missing {missing}",
            hint="Which seven keys does the docstring list for the summary, exactly?",
        )
    assert (s["n"], s["n_errors"]) == (3, 0), f"n, n_errors: {s['n']}, {s['n_errors']}"
    # em (1 + 0 + 1)/3; f1 (1 + 0.75 + 1)/3; groundedness (1 + 0.8)/2 (q3 has no context)
    assert_close([s["em"], s["f1"]], [2 / 3, 2.75 / 3], what="summary em, f1")
    name_the_mistake(
        s["groundedness"],
        {
            "the item without a context counted as 0 in the mean groundedness": (
                1.8 / 3,
                "Is 'no context' (None) a groundedness of 0, or not a groundedness at all?",
            )
        },
        what="summary groundedness",
    )
    assert_close(s["groundedness"], 0.9, what="summary groundedness (over items with a context)")
    assert_close(s["cost"], 0.0, what="cost without prices")


@pytest.mark.grade(
    points=3,
    hint="What happens to the run when model_fn raises: is it caught, recorded, and scored 0?",
    task="run_eval",
)
def test_an_exception_from_model_fn_is_recorded_not_raised(m):
    clock = FakeClock(TIMES)
    report = m.run_eval(DATASET, make_model([], fail_on=DATASET[1]["question"]), clock=clock)
    failed = report.items[1]
    assert isinstance(failed["error"], str) and failed["error"], (
        f"the failed item's error should be a non-empty str, got {failed['error']!r}"
    )
    assert failed["prediction"] is None, f"prediction after an error: {failed['prediction']!r}"
    assert_close([failed["em"], failed["f1"], failed["groundedness"]], [0, 0, 0], what="scores")
    name_the_mistake(
        failed["latency_s"],
        {
            "the failed call's latency is recorded as 0": (
                0.0,
                "Do you read the clock after a call that raised, and keep that latency?",
            )
        },
        what="latency of the failed call",
    )
    assert_close(failed["latency_s"], 2.0, what="latency of the failed call (clock read after it)")
    assert report.items[2]["error"] is None and report.items[2]["em"] == 1.0, "q3 still runs"
    s = report.summary
    assert s["n_errors"] == 1, f"n_errors: expected 1, got {s['n_errors']}"
    # em (1 + 0 + 1)/3, f1 (1 + 0 + 1)/3, groundedness (1 + 0)/2
    got = [s["em"], s["f1"], s["groundedness"]]
    name_the_mistake(
        got,
        {
            "the item without a context counted as 0 in the mean groundedness": (
                [2 / 3, 2 / 3, 1 / 3],
                "Is 'no context' (None) a groundedness of 0, or not a groundedness at all?",
            )
        },
        what="summary em, f1, groundedness",
    )
    assert_close(got, [2 / 3, 2 / 3, 0.5], what="summary em, f1, groundedness")


FAIL_Q2 = DATASET[1]["question"]  # q2 has a context and takes 2.0 s
FAIL_Q3 = DATASET[2]["question"]  # q3 has no context


@pytest.mark.grade(
    points=1,
    hint="Does your error string name both the exception's type and its message?",
    task="run_eval",
)
def test_the_error_holds_the_exception_type_and_message(m):
    report = m.run_eval(DATASET, make_model([], fail_on=FAIL_Q2), clock=FakeClock(TIMES))
    error = report.items[1]["error"]
    name_the_mistake(
        error,
        {
            "the error holds only the message (str(exc)), not the type": (
                "model took too long",
                "str(exc) gives the message: where does the exception's type name come from?",
            ),
            "the error holds only the type, not the message": (
                "TimeoutError",
                "type(exc).__name__ gives the type: where is the message?",
            ),
        },
        what="the failed item's error",
    )
    assert isinstance(error, str) and "TimeoutError" in error and "model took too long" in error, (
        f"the error should read like 'TimeoutError: model took too long', got {error!r}"
    )


@pytest.mark.grade(
    points=2,
    hint="Does the call that failed after 2 s count in your latency summary? A timeout is slow.",
    task="run_eval",
)
def test_the_latency_summary_includes_the_failed_calls(m):
    """q2 fails after 2.0 s: the summary is over [0.5, 2.0, 0.25] ("errors included"):
    max 2.0, mean 0.9166..; without the failure it would be max 0.5."""
    report = m.run_eval(DATASET, make_model([], fail_on=FAIL_Q2), clock=FakeClock(TIMES))
    lat = report.summary["latency"]
    got = [lat[k] for k in LATENCY_ORDER]
    name_the_mistake(
        got,
        {
            "the failed call's latency is left out of the summary": (
                numpy_latency([0.5, 0.25]),
                "Which latencies go into the summary: only the successful calls, or all?",
            ),
            "the failed call counts with latency 0 in the summary": (
                numpy_latency([0.5, 0.0, 0.25]),
                "Do you read the clock after a call that raised, and keep that latency?",
            ),
        },
        what="summary latency with q2 failing",
    )
    assert_close(got, numpy_latency([0.5, 2.0, 0.25]), what=f"summary latency {LATENCY_ORDER}")


@pytest.mark.grade(
    points=1,
    hint="An item without a context fails: is its groundedness None (no context) or 0.0?",
    task="run_eval",
)
def test_a_failed_item_without_a_context_has_groundedness_none(m):
    # q3 (no context) fails: groundedness stays None, so the summary mean is over q1, q2
    # only: (1 + 0.8)/2 = 0.9; em (1 + 0 + 0)/3
    report = m.run_eval(DATASET, make_model([], fail_on=FAIL_Q3), clock=FakeClock(TIMES))
    g = report.items[2]["groundedness"]
    assert g is None, (
        f"q3 has no context and failed: its groundedness should be None (no context), got {g!r}"
    )
    s = report.summary
    assert_close(s["groundedness"], 0.9, what="summary groundedness (q1, q2 have a context)")
    assert_close([s["em"], s["n_errors"]], [1 / 3, 1], what="summary em, n_errors")


@pytest.mark.grade(
    points=1,
    hint="If no item has a context, what is the mean groundedness: 0.0, NaN or None?",
    task="run_eval",
)
def test_the_summary_groundedness_is_none_when_no_item_has_a_context(m):
    dataset = [{k: v for k, v in d.items() if k != "context"} for d in DATASET]
    report = m.run_eval(dataset, make_model([]), clock=FakeClock(TIMES))
    g = report.summary["groundedness"]
    assert g is None, f"no item has a context: summary groundedness should be None, got {g!r}"


@pytest.mark.grade(
    points=1,
    hint="Is a context of None handled like a missing context, for model_fn and groundedness?",
    task="run_eval",
)
def test_a_context_of_none_counts_as_no_context(m):
    calls = []
    dataset = [DATASET[0], {**DATASET[2], "context": None}]
    report = m.run_eval(dataset, make_model(calls), clock=FakeClock(TIMES[:4]))
    assert calls[1][1] is None, f"model_fn should get context None, got {calls[1][1]!r}"
    g = [i["groundedness"] for i in report.items]
    assert g[0] == 1.0 and g[1] is None, f"groundedness per item: expected [1.0, None], got {g}"
    assert_close(report.summary["groundedness"], 1.0, what="summary groundedness")


@pytest.mark.grade(
    points=1,
    hint="A usage dict may lack a count: does your code look it up with a default of 0?",
    task="run_eval",
)
def test_a_missing_usage_count_counts_zero(m):
    # 1000 prompt tokens only -> 1000/1000 · 0.5 = 0.5; 400 completion only -> 0.4 · 2 = 0.8
    outputs = {"q1": ("a", {"prompt_tokens": 1000}), "q2": ("b", {"completion_tokens": 400})}
    dataset = [{"id": q, "question": q, "answers": "a"} for q in outputs]
    report = m.run_eval(
        dataset, lambda q, c: outputs[q], clock=FakeClock(TIMES[:4]), prices=(0.5, 2.0)
    )
    errors = [i["error"] for i in report.items]
    assert errors == [None, None], f"a missing usage count is not an error, got {errors}"
    assert_close(report.summary["cost"], 1.3, what="cost with one count missing per call")


@pytest.mark.grade(
    points=1,
    hint="Does your code go through the dataset more than once, or call len() on it?",
    task="run_eval",
)
def test_run_eval_takes_a_generator_dataset(m):
    report = m.run_eval((d for d in DATASET), make_model([]), clock=FakeClock(TIMES))
    assert [i["id"] for i in report.items] == ["q1", "q2", "q3"], (
        f"a generator dataset: expected items q1, q2, q3, got {[i['id'] for i in report.items]}"
    )
    assert report.summary["n"] == 3, f"summary n: expected 3, got {report.summary['n']}"


@pytest.mark.grade(
    points=2,
    hint="Do you add up the usage of every call before pricing the totals with estimate_cost?",
    task="run_eval",
)
def test_run_eval_prices_the_token_usage(m):
    # prompt 30 + 50 = 80 -> 0.08·0.5 = 0.04; completion 3 + 7 = 10 -> 0.01·2 = 0.02
    report = m.run_eval(DATASET, make_model([]), clock=FakeClock(TIMES), prices=(0.5, 2.0))
    assert_close(report.summary["cost"], 0.06, what="cost at (0.5, 2.0) per 1k")
    # q2 fails: its tokens are unknown -> 30·0.5/1000 + 3·2/1000 = 0.021
    failing = make_model([], fail_on=DATASET[1]["question"])
    report = m.run_eval(DATASET, failing, clock=FakeClock(TIMES), prices=(0.5, 2.0))
    assert_close(report.summary["cost"], 0.021, what="cost when q2 fails")


@pytest.mark.grade(
    points=1,
    hint="What is the mean of no items? Do you refuse an empty dataset with ValueError?",
    task="run_eval",
)
def test_run_eval_refuses_an_empty_dataset(m):
    with expect_error(ValueError, "for an empty dataset"):
        m.run_eval([], lambda q, c: "x", clock=FakeClock([]))


@pytest.mark.grade(
    points=2,
    hint="Which field of which item differs from the reference, and which rule above covers it?",
    task="run_eval",
)
def test_run_eval_agrees_with_the_reference_on_a_random_dataset(m, ref, rng):
    dataset = []
    for i in range(25):
        item = {"id": i, "question": f"q{i}", "answers": [random_text(rng) for _ in range(2)]}
        if rng.random() < 0.7:
            item["context"] = random_text(rng, max_words=12)
        dataset.append(item)
    outputs = {}
    for i in range(25):
        usage = {
            "prompt_tokens": int(rng.integers(0, 500)),
            "completion_tokens": int(rng.integers(0, 80)),
        }
        kind = rng.random()
        outputs[f"q{i}"] = (
            "fail" if kind < 0.15 else (random_text(rng), usage) if kind < 0.8 else random_text(rng)
        )

    def model_fn(question, context):
        if outputs[question] == "fail":
            raise RuntimeError(f"backend error on {question}")
        return outputs[question]

    times = np.cumsum(rng.exponential(0.2, size=50)).tolist()
    got = m.run_eval(dataset, model_fn, clock=FakeClock(times), prices=(0.3, 1.2))
    want = ref.run_eval(dataset, model_fn, clock=FakeClock(times), prices=(0.3, 1.2))
    for key in ("em", "f1", "latency_s"):
        assert_close(
            [i[key] for i in got.items], [i[key] for i in want.items], what=f"items' {key}"
        )
    g_got = [np.nan if i["groundedness"] is None else i["groundedness"] for i in got.items]
    g_want = [np.nan if i["groundedness"] is None else i["groundedness"] for i in want.items]
    assert_close(g_got, g_want, what="items' groundedness (NaN stands for None)")
    for key in ("n", "n_errors", "em", "f1", "groundedness", "cost"):
        assert_close(got.summary[key], want.summary[key], what=f"summary {key}")


@pytest.mark.grade(
    points=2,
    hint="Does json.dumps(report.to_dict()) work? Which numpy types does json refuse?",
    task="EvalReport",
)
def test_report_to_dict_round_trips_through_json(m):
    report = m.run_eval(
        DATASET, make_model([], fail_on=DATASET[0]["question"]), clock=FakeClock(TIMES)
    )
    data = report.to_dict()
    assert set(data) == {"summary", "items"}, f"to_dict keys: {sorted(data)}"
    try:
        text = json.dumps(data)
    except TypeError as exc:
        raise AssertionError(f"report.to_dict() is not JSON-serialisable: {exc}") from None
    assert json.loads(text) == data, (
        "to_dict() should hold plain JSON values that survive a round trip"
    )
    assert data["summary"]["n_errors"] == 1 and len(data["items"]) == 3


@pytest.mark.grade(
    points=1,
    hint="If you change to_dict()'s result, does the report change too? How deep is your copy?",
    task="EvalReport",
)
def test_report_to_dict_is_a_deep_copy(m, attempt_worker):
    report = m.run_eval(DATASET, make_model([]), clock=FakeClock(TIMES))
    before = json.dumps({"summary": report.summary, "items": report.items}, sort_keys=True)
    # the dict is changed where it lives, in the attempt's process (what crosses is a copy)
    edits = [
        [["summary", "n"], -1],
        [["summary", "latency", "p95"], -1.0],  # nested: a shallow copy shares this dict
        [["items", 0, "em"], -1.0],
        [["items"], {"id": "extra"}, "append"],
    ]
    attempt_worker.drive("calls", "edit_what_it_returns", report.to_dict, edits)
    after = json.dumps({"summary": report.summary, "items": report.items}, sort_keys=True)
    assert after == before, (
        "changing the dict from to_dict() changed the report: it should be a deep copy"
    )


@pytest.mark.grade(
    points=1,
    hint="Is your default clock time.perf_counter, so latencies are small and non-negative?",
    task="run_eval",
)
def test_run_eval_works_with_the_default_clock(m):
    report = m.run_eval(DATASET, make_model([]))
    latencies = [i["latency_s"] for i in report.items]
    assert all(0.0 <= t < 1.0 for t in latencies), f"latencies with the real clock: {latencies}"


# ---------------------------------------------------------------- compare_reports


def summary_of(em, f1, grounded, p95, cost):
    # p50, p99, mean and max all differ from p95: a gate reading another key is caught
    latency = {"p50": p95 / 2, "p95": p95, "p99": 2 * p95 + 1, "mean": p95 / 4, "max": 3 * p95 + 2}
    return {
        "n": 4,
        "n_errors": 0,
        "em": em,
        "f1": f1,
        "groundedness": grounded,
        "latency": latency,
        "cost": cost,
    }


BASE = summary_of(0.5, 0.75, 0.5, 1.0, 0.25)
CAND = summary_of(0.25, 1.0, 0.5, 2.0, 0.125)  # em worse, f1 better, g same, slower, cheaper
METRICS = ["em", "f1", "groundedness", "latency_p95", "cost"]
HIGHER_IS_BETTER = dict(zip(METRICS, [True, True, True, False, False]))
ALL_HIGHER = dict.fromkeys(METRICS, True)


def values_of(summary, latency_key="p95"):
    """The five gate values of a summary, in METRICS order."""
    s = summary
    return [s["em"], s["f1"], s["groundedness"], s["latency"][latency_key], s["cost"]]


def gate_flags(base, cand, tolerance=0.0, higher=HIGHER_IS_BETTER, strict=True):
    """An independent gate: per metric, is the candidate worse by more than the tolerance?"""
    flags = []
    for name, b, c in zip(METRICS, values_of(base), values_of(cand)):
        worse_by = b - c if higher[name] else c - b
        flags.append(worse_by > tolerance if strict else worse_by >= tolerance)
    return flags


def gate_mistakes(base, cand, tolerance):
    """Wrong gates (direction, equality) whose flags differ from the right gate's here."""
    wrong = {
        "latency and cost treated as higher-is-better": (
            dict(ALL_HIGHER),
            "Is a higher latency or a higher cost better or worse for the candidate?",
        ),
        "latency_p95 treated as higher-is-better": (
            {**HIGHER_IS_BETTER, "latency_p95": True},
            "A slower candidate: is a higher latency_p95 better or worse?",
        ),
        "cost treated as higher-is-better": (
            {**HIGHER_IS_BETTER, "cost": True},
            "A costlier candidate: is a higher cost better or worse?",
        ),
        "every metric treated as lower-is-better": (
            dict.fromkeys(METRICS, False),
            "For em, f1 and groundedness, is a lower value better or worse?",
        ),
    }
    right = gate_flags(base, cand, tolerance)
    mistakes = {}
    for name, (higher, hint) in wrong.items():
        flags = gate_flags(base, cand, tolerance, higher)
        if flags != right:
            mistakes[name] = (flags, hint)
    flags = gate_flags(base, cand, tolerance, strict=False)
    if flags != right:
        mistakes["a change of exactly the tolerance counted as a regression"] = (
            flags,
            "Worse by exactly the tolerance: is that 'worse by more than the tolerance'?",
        )
    return mistakes


def check_flags(got, base, cand, tolerance=0.0):
    flags = [bool(got[k]["regressed"]) for k in METRICS]
    what = f"regressed flags of {METRICS} at tolerance {tolerance}"
    name_the_mistake(flags, gate_mistakes(base, cand, tolerance), what=what)
    expected = gate_flags(base, cand, tolerance)
    assert flags == expected, f"{what}: expected {expected}, got {flags}"


def gate(m, base, cand, **kwargs):
    return m.compare_reports(
        m.EvalReport(items=[], summary=base), m.EvalReport(items=[], summary=cand), **kwargs
    )


@pytest.mark.grade(
    points=2,
    hint="Does your gate return the five metrics, each with baseline, candidate and delta?",
    task="compare_reports",
)
@pytest.mark.parametrize(
    "base, cand, deltas",
    [
        # em -0.25, f1 +0.25, g 0, p95 +1.0, cost -0.125
        (BASE, CAND, [-0.25, 0.25, 0.0, 1.0, -0.125]),
        (CAND, BASE, [0.25, -0.25, 0.0, -1.0, 0.125]),  # the same pair the other way round
    ],
    ids=["forward", "swapped"],
)
def test_compare_reports_gives_values_and_deltas_per_metric(m, base, cand, deltas):
    got = gate(m, base, cand)
    assert set(got) == set(METRICS), f"expected metrics {METRICS}, got {sorted(got)}"
    for name in METRICS:
        assert set(got[name]) == {"baseline", "candidate", "delta", "regressed"}, (
            f"{name}: {got[name]}"
        )
    baseline = [got[k]["baseline"] for k in METRICS]
    name_the_mistake(
        baseline,
        {
            f"latency_p95 read from the latency {key!r}, not 'p95'": (
                values_of(base, key),
                "Which key of the summary's latency dict is the p95?",
            )
            for key in ("p50", "p99", "mean", "max")
        },
        what="baseline values",
    )
    assert_close(baseline, values_of(base), what=f"baseline values of {METRICS}")
    assert_close([got[k]["candidate"] for k in METRICS], values_of(cand), what="candidate values")
    delta = [got[k]["delta"] for k in METRICS]
    name_the_mistake(
        delta,
        {
            "delta computed as baseline - candidate": (
                [-d for d in deltas],
                "delta = candidate - baseline: which one comes first?",
            ),
        },
        what="deltas",
    )
    assert_close(delta, deltas, what=f"deltas (candidate - baseline) of {METRICS}")


@pytest.mark.grade(
    points=3,
    hint="For which metrics is a higher value better, and for which is it worse?",
    task="compare_reports",
)
@pytest.mark.parametrize(
    "base, cand",
    [
        (BASE, CAND),  # em worse (regressed), f1 better, g same, slower (regressed), cheaper
        (CAND, BASE),  # em better, f1 worse (regressed), g same, faster, costlier (regressed)
    ],
    ids=["forward", "swapped"],
)
def test_compare_reports_flags_changes_for_the_worse_in_each_direction(m, base, cand):
    check_flags(gate(m, base, cand), base, cand)


@pytest.mark.grade(
    points=2,
    hint="Is a higher latency or cost better or worse? Which way does your gate look?",
    task="compare_reports",
)
@pytest.mark.parametrize(
    "p95, cost",
    [
        (2.0, 0.5),  # slower and costlier: both regressed
        (0.5, 0.125),  # faster and cheaper: neither regressed
        (2.0, 0.125),  # slower but cheaper: only latency
        (0.5, 0.5),  # faster but costlier: only cost
    ],
    ids=["slower-costlier", "faster-cheaper", "slower-cheaper", "faster-costlier"],
)
def test_compare_reports_judges_latency_and_cost_lower_is_better(m, p95, cost):
    base = summary_of(0.5, 0.5, 0.5, 1.0, 0.25)
    cand = summary_of(0.5, 0.5, 0.5, p95, cost)  # same quality; only speed and price change
    check_flags(gate(m, base, cand), base, cand)


@pytest.mark.grade(
    points=2,
    hint="Is a change of exactly the tolerance a regression, or must it be worse by MORE?",
    task="compare_reports",
)
@pytest.mark.parametrize(
    "base, cand, tolerance",
    [
        (BASE, CAND, 0.25),  # em worse by exactly 0.25: ok; latency worse by 1.0: regressed
        (BASE, CAND, 1.0),  # latency worse by exactly 1.0: ok
        (CAND, BASE, 0.25),  # f1 worse by exactly 0.25, cost by 0.125: both ok
        (CAND, BASE, 0.0),  # groundedness unchanged (delta 0) is not worse at tolerance 0
    ],
    ids=["em-at-tolerance", "latency-at-tolerance", "f1-at-tolerance", "unchanged-at-zero"],
)
def test_compare_reports_tolerates_changes_up_to_the_tolerance(m, base, cand, tolerance):
    check_flags(gate(m, base, cand, tolerance=tolerance), base, cand, tolerance)


@pytest.mark.grade(
    points=1,
    hint="Do you check that the tolerance is not negative before comparing anything?",
    task="compare_reports",
)
def test_compare_reports_refuses_a_negative_tolerance(m):
    with expect_error(ValueError, "for a negative tolerance"):
        gate(m, BASE, CAND, tolerance=-0.1)


@pytest.mark.grade(
    points=1,
    hint="Can your gate read a report that is a dict {'summary': ..., 'items': ...} from JSON?",
    task="compare_reports",
)
def test_compare_reports_accepts_to_dict_reports(m):
    base = json.loads(json.dumps({"summary": BASE, "items": []}))  # as read back from a file
    got = m.compare_reports(base, m.EvalReport(items=[], summary=CAND))
    check_flags(got, BASE, CAND)
    got = m.compare_reports(m.EvalReport(items=[], summary=BASE), {"summary": CAND, "items": []})
    check_flags(got, BASE, CAND)


@pytest.mark.grade(
    points=1,
    hint="When a value is None (no context anywhere), what delta and regressed do you report?",
    task="compare_reports",
)
@pytest.mark.parametrize("side", ["baseline", "candidate"])
def test_compare_reports_skips_a_metric_that_is_none(m, side):
    base, cand = dict(BASE), dict(CAND)
    (base if side == "baseline" else cand)["groundedness"] = None
    got = gate(m, base, cand)
    g = got["groundedness"]
    assert g["delta"] is None and not g["regressed"], f"groundedness entry: {g}"
    assert bool(got["em"]["regressed"]), "the other metrics are still compared"
