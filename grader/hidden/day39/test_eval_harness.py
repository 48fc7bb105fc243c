"""Hidden tests for exercises/day39/eval_harness.py."""

from __future__ import annotations

import json
import string

import numpy as np
import pytest

from grader.testing import assert_close, attempt_module, expect_error, reference_module

m = attempt_module("eval_harness")
ref = reference_module("eval_harness")

ITEM_KEYS = {"id", "prediction", "em", "f1", "groundedness", "latency_s", "error"}
SUMMARY_KEYS = {"n", "n_errors", "em", "f1", "groundedness", "latency", "cost"}
LATENCY_KEYS = {"p50", "p95", "p99", "mean", "max"}


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
    hint="Lower-case, delete punctuation, remove whole-word articles, join the words with spaces.",
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
    ],
    ids=["case", "whitespace", "articles", "whole-words", "order", "deleted", "empty"],
)
def test_normalize_answer_follows_the_squad_convention(m, text, expected):
    got = m.normalize_answer(text)
    assert got == expected, f"normalize_answer({text!r}): expected {expected!r}, got {got!r}"


@pytest.mark.grade(
    points=2,
    hint="Compare your output with the SQuAD steps on text full of articles and punctuation.",
    task="normalize_answer",
)
def test_normalize_answer_agrees_with_an_independent_version_on_random_text(m, rng):
    for _ in range(200):
        text = random_text(rng)
        expected = independent_normalize(text)
        got = m.normalize_answer(text)
        assert got == expected, f"normalize_answer({text!r}): expected {expected!r}, got {got!r}"


# ---------------------------------------------------------------- exact_match and token_f1


@pytest.mark.grade(
    points=2, hint="Compare the normalised strings, not the raw ones.", task="exact_match"
)
def test_exact_match_of_hand_worked_pairs(m):
    # "The cat sat" -> "cat sat"; "a cat sat down" -> "cat sat down": not equal
    assert_close(m.exact_match("The cat sat", "a cat sat down"), 0.0, what="EM, extra word")
    # "The Eiffel Tower!" -> "eiffel tower" == "eiffel tower"
    assert_close(m.exact_match("The Eiffel Tower!", "eiffel  tower"), 1.0, what="EM, normalised")


@pytest.mark.grade(
    points=2,
    hint="Shared tokens 2; precision over the prediction's tokens, recall over the reference's.",
    task="token_f1",
)
def test_token_f1_of_the_cat_sat_is_four_fifths(m):
    """[cat, sat] vs [cat, sat, down]: P = 2/2, R = 2/3, F1 = 2·(2/3) / (5/3) = 0.8."""
    assert_close(m.token_f1("The cat sat", "a cat sat down"), 0.8, what="F1('The cat sat', ...)")
    assert_close(m.token_f1("a cat sat down", "The cat sat"), 0.8, what="F1 is symmetric")


@pytest.mark.grade(
    points=2,
    hint="With a list of references, score against each and keep the best.",
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
    hint="A str is iterable: what do you get when you loop over 'cat'?",
    task="exact_match",
)
def test_a_single_string_reference_is_one_answer_not_a_list_of_letters(m):
    assert_close(m.exact_match("cat", "cat"), 1.0, what="exact_match('cat', 'cat')")
    assert_close(m.token_f1("cat sat", "cat sat"), 1.0, what="token_f1('cat sat', 'cat sat')")


@pytest.mark.grade(
    points=2,
    hint="Count a shared token min(times in prediction, times in reference): a Counter & b.",
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
    hint="If either side has no tokens, F1 is 1.0 only when both are empty.",
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
    hint="Check your F1 by hand on short token lists with repeats.",
    task="token_f1",
)
def test_token_f1_agrees_with_brute_force_matching_on_random_text(m, ref, rng):
    for _ in range(150):
        prediction, reference = random_text(rng), random_text(rng)
        expected = brute_force_f1(prediction, reference)
        got = m.token_f1(prediction, reference)
        assert_close(got, expected, what=f"token_f1({prediction!r}, {reference!r})")
        assert_close(expected, ref.token_f1(prediction, reference), what="the reference")


@pytest.mark.grade(
    points=1,
    hint="What should max() over no references be? Refuse it clearly.",
    task="exact_match",
)
@pytest.mark.parametrize("fn", ["exact_match", "token_f1"])
def test_an_empty_list_of_references_is_refused(m, fn):
    with expect_error(ValueError, f"from {fn} for an empty list of references"):
        getattr(m, fn)("cat", [])


# ---------------------------------------------------------------- groundedness


@pytest.mark.grade(
    points=2,
    hint="Normalise both, then count the answer tokens found among the context's tokens.",
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
    hint="Every answer token counts each time it appears; the context needs it only once.",
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
    points=1, hint="Compare with a membership count on random text.", task="groundedness"
)
def test_groundedness_agrees_with_a_membership_count_on_random_text(m, rng):
    for _ in range(150):
        answer, context = random_text(rng), random_text(rng, max_words=12)
        tokens, vocab = (
            independent_normalize(answer).split(),
            set(independent_normalize(context).split()),
        )
        expected = sum(t in vocab for t in tokens) / len(tokens) if tokens else 1.0
        assert_close(m.groundedness(answer, context), expected, what=f"groundedness({answer!r})")


# ---------------------------------------------------------------- latency_summary


@pytest.mark.grade(
    points=2,
    hint="Sort first; the p-th percentile sits at rank (n - 1)·p/100, between two values.",
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
    hint="np.percentile's default is linear interpolation; nearest-rank gives other numbers.",
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
    hint="Percentiles of nothing are undefined: refuse with ValueError.",
    task="latency_summary",
)
def test_latency_summary_refuses_an_empty_list(m):
    with expect_error(ValueError, "for an empty list of latencies"):
        m.latency_summary([])


# ---------------------------------------------------------------- estimate_cost


@pytest.mark.grade(
    points=2,
    hint="Prices are per 1000 tokens; input and output have different prices.",
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
    hint="A negative token count or price is a bug upstream: raise ValueError.",
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
    hint="One json.loads per line; skip lines that are only whitespace.",
    task="load_jsonl",
)
def test_load_jsonl_reads_records_in_order_and_skips_blank_lines(m, tmp_path):
    path = tmp_path / "set.jsonl"
    path.write_bytes(
        b'{"id": 1, "q": "caf\xc3\xa9"}\r\n\r\n   \n{"id": 2}\n{"id": 3}'
    )  # CRLF, no final \n
    got = m.load_jsonl(path)
    assert got == [{"id": 1, "q": "café"}, {"id": 2}, {"id": 3}], f"got {got!r}"
    assert m.load_jsonl(str(path)) == got, "load_jsonl should accept a str path too"


@pytest.mark.grade(
    points=2,
    hint="enumerate(lines, start=1) counts every line, blank ones too.",
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
def test_load_jsonl_names_the_line_number_of_a_bad_line(m, tmp_path, content, bad_line):
    path = tmp_path / "bad.jsonl"
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
    hint="One record per item with exactly the documented keys; groundedness None without context.",
    task="run_eval",
)
def test_run_eval_scores_each_item_by_hand(m):
    """q1: "exact match" = a reference -> EM 1, F1 1, grounded 2/2 = 1.
    q2: [precision, and, recall, of, model] vs [precision, and, recall]: P 3/5, R 1 ->
    F1 0.75; in the context: precision, and, recall, of -> 4/5 = 0.8. q3: EM 1, no context."""
    calls = []
    report = m.run_eval(DATASET, make_model(calls), clock=FakeClock(TIMES))
    assert calls == [(d["question"], d.get("context")) for d in DATASET], (
        f"model_fn should be called as model_fn(question, context or None), got {calls}"
    )
    assert len(report.items) == 3, f"expected 3 item records, got {len(report.items)}"
    for item in report.items:
        assert set(item) == ITEM_KEYS, (
            f"item keys should be {sorted(ITEM_KEYS)}, got {sorted(item)}"
        )
    assert [i["id"] for i in report.items] == ["q1", "q2", "q3"]
    assert [i["prediction"] for i in report.items] == [
        "Exact match.",
        OUTPUTS[DATASET[1]["question"]][0],
        "42",
    ]
    assert_close([i["em"] for i in report.items], [1, 0, 1], what="em per item")
    assert_close([i["f1"] for i in report.items], [1, 0.75, 1], what="f1 per item")
    g = [i["groundedness"] for i in report.items]
    assert g[2] is None, f"groundedness of an item without a context should be None, got {g[2]!r}"
    assert_close(g[:2], [1.0, 0.8], what="groundedness of q1, q2")
    assert [i["error"] for i in report.items] == [None, None, None]


@pytest.mark.grade(
    points=2,
    hint="Read clock() right before and right after model_fn, once each, per item.",
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
    hint="Means over all items for em and f1; groundedness only over items with a context.",
    task="run_eval",
)
def test_run_eval_summary_by_hand(m):
    report = m.run_eval(DATASET, make_model([]), clock=FakeClock(TIMES))
    s = report.summary
    assert set(s) == SUMMARY_KEYS, f"summary keys should be {sorted(SUMMARY_KEYS)}, got {sorted(s)}"
    assert (s["n"], s["n_errors"]) == (3, 0), f"n, n_errors: {s['n']}, {s['n_errors']}"
    # em (1 + 0 + 1)/3; f1 (1 + 0.75 + 1)/3; groundedness (1 + 0.8)/2 (q3 has no context)
    assert_close([s["em"], s["f1"]], [2 / 3, 2.75 / 3], what="summary em, f1")
    assert_close(s["groundedness"], 0.9, what="summary groundedness (over items with a context)")
    assert_close(s["cost"], 0.0, what="cost without prices")


@pytest.mark.grade(
    points=3,
    hint="Wrap the call in try/except Exception; record the message, score 0, keep going.",
    task="run_eval",
)
def test_an_exception_from_model_fn_is_recorded_not_raised(m):
    clock = FakeClock(TIMES)
    report = m.run_eval(DATASET, make_model([], fail_on=DATASET[1]["question"]), clock=clock)
    failed = report.items[1]
    assert isinstance(failed["error"], str) and "model took too long" in failed["error"], (
        f"the error should hold the exception's message, got {failed['error']!r}"
    )
    assert failed["prediction"] is None, f"prediction after an error: {failed['prediction']!r}"
    assert_close([failed["em"], failed["f1"], failed["groundedness"]], [0, 0, 0], what="scores")
    assert_close(failed["latency_s"], 2.0, what="latency of the failed call (clock read after it)")
    assert report.items[2]["error"] is None and report.items[2]["em"] == 1.0, "q3 still runs"
    s = report.summary
    assert s["n_errors"] == 1, f"n_errors: expected 1, got {s['n_errors']}"
    # em (1 + 0 + 1)/3, f1 (1 + 0 + 1)/3, groundedness (1 + 0)/2
    assert_close([s["em"], s["f1"], s["groundedness"]], [2 / 3, 2 / 3, 0.5], what="summary")


@pytest.mark.grade(
    points=2,
    hint="Add up the usage of every call; price the totals with estimate_cost.",
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
    points=1, hint="A mean over no items is undefined: refuse an empty dataset.", task="run_eval"
)
def test_run_eval_refuses_an_empty_dataset(m):
    with expect_error(ValueError, "for an empty dataset"):
        m.run_eval([], lambda q, c: "x", clock=FakeClock([]))


@pytest.mark.grade(
    points=2,
    hint="Compare your report with the reference on a random dataset, item by item.",
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
    hint="json.dumps(report.to_dict()) must work: watch out for numpy integers.",
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
    hint="Is the default clock time.perf_counter? Latencies are small and non-negative.",
    task="run_eval",
)
def test_run_eval_works_with_the_default_clock(m):
    report = m.run_eval(DATASET, make_model([]))
    latencies = [i["latency_s"] for i in report.items]
    assert all(0.0 <= t < 1.0 for t in latencies), f"latencies with the real clock: {latencies}"


# ---------------------------------------------------------------- compare_reports


def summary_of(em, f1, grounded, p95, cost):
    latency = {"p50": p95 / 2, "p95": p95, "p99": p95, "mean": p95 / 2, "max": p95}
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


@pytest.mark.grade(
    points=3,
    hint="Higher is better for em, f1, groundedness; lower is better for latency and cost.",
    task="compare_reports",
)
@pytest.mark.parametrize(
    "base, cand, deltas, regressed",
    [
        # em -0.25 (worse), f1 +0.25, g 0, p95 +1.0 (slower: worse), cost -0.125 (cheaper)
        (BASE, CAND, [-0.25, 0.25, 0.0, 1.0, -0.125], [True, False, False, True, False]),
        # the same pair the other way round: f1 and cost get worse
        (CAND, BASE, [0.25, -0.25, 0.0, -1.0, 0.125], [False, True, False, False, True]),
    ],
    ids=["forward", "swapped"],
)
def test_compare_reports_flags_changes_for_the_worse_in_each_direction(
    m, base, cand, deltas, regressed
):
    got = m.compare_reports(
        m.EvalReport(items=[], summary=base), m.EvalReport(items=[], summary=cand)
    )
    assert set(got) == set(METRICS), f"expected metrics {METRICS}, got {sorted(got)}"
    for name in METRICS:
        assert set(got[name]) == {"baseline", "candidate", "delta", "regressed"}, (
            f"{name}: {got[name]}"
        )
    expected_base = [
        base["em"],
        base["f1"],
        base["groundedness"],
        base["latency"]["p95"],
        base["cost"],
    ]
    assert_close([got[k]["baseline"] for k in METRICS], expected_base, what="baseline values")
    assert_close(
        [got[k]["delta"] for k in METRICS],
        deltas,
        what=f"deltas (candidate - baseline) of {METRICS}",
    )
    flags = [bool(got[k]["regressed"]) for k in METRICS]
    assert flags == regressed, f"regressed flags of {METRICS}: expected {regressed}, got {flags}"


@pytest.mark.grade(
    points=2,
    hint="Regressed only when worse by strictly MORE than the tolerance.",
    task="compare_reports",
)
def test_compare_reports_tolerates_changes_up_to_the_tolerance(m):
    base, cand = m.EvalReport(items=[], summary=BASE), m.EvalReport(items=[], summary=CAND)
    # tolerance 0.25: em worse by exactly 0.25 passes; latency worse by 1.0 does not
    got = m.compare_reports(base, cand, tolerance=0.25)
    assert [bool(got[k]["regressed"]) for k in METRICS] == [False, False, False, True, False], got
    # tolerance 1.0: latency worse by exactly 1.0 passes too
    got = m.compare_reports(base, cand, tolerance=1.0)
    assert not any(bool(got[k]["regressed"]) for k in METRICS), got
    with expect_error(ValueError, "for a negative tolerance"):
        m.compare_reports(base, cand, tolerance=-0.1)


@pytest.mark.grade(
    points=1,
    hint="A baseline read back from JSON is a dict {'summary': ..., 'items': ...}.",
    task="compare_reports",
)
def test_compare_reports_accepts_a_to_dict_baseline(m):
    got = m.compare_reports({"summary": BASE, "items": []}, m.EvalReport(items=[], summary=CAND))
    assert [bool(got[k]["regressed"]) for k in METRICS] == [True, False, False, True, False], got


@pytest.mark.grade(
    points=1,
    hint="With no context anywhere, groundedness is None: nothing to compare, nothing regressed.",
    task="compare_reports",
)
def test_compare_reports_skips_a_metric_that_is_none(m):
    base = m.EvalReport(items=[], summary={**BASE, "groundedness": None})
    got = m.compare_reports(base, m.EvalReport(items=[], summary=CAND))
    g = got["groundedness"]
    assert g["delta"] is None and not g["regressed"], f"groundedness entry: {g}"
    assert bool(got["em"]["regressed"]), "the other metrics are still compared"
