"""Hidden tests for exercises/day31/metrics.py."""

from __future__ import annotations

import itertools

import pytest

from grader.testing import (
    Mistake,
    assert_close,
    attempt_module,
    expect_error,
    name_the_mistake,
    reference_module,
)

m = attempt_module("metrics")
ref = reference_module("metrics")

# One hand-counted example used by several tests:
# y_true: 1 1 1 0 0 0 1 ; y_pred: 1 0 1 1 0 0 0  -> tp 2, fp 1, fn 2, tn 2
Y_TRUE, Y_PRED = [1, 1, 1, 0, 0, 0, 1], [1, 0, 1, 1, 0, 0, 0]


# ---------------------------------------------------------------- confusion counts


@pytest.mark.grade(
    points=1,
    hint="Which (true, predicted) pair is a false positive, and which a false negative?",
    task="confusion_counts",
)
def test_confusion_counts_match_a_hand_count(m):
    got = m.confusion_counts(Y_TRUE, Y_PRED)
    assert tuple(got) == (2, 1, 2, 2), f"expected (tp, fp, fn, tn) = (2, 1, 2, 2), got {got}"
    # the docstring's example: one of each
    got = m.confusion_counts([1, 1, 0, 0], [1, 0, 1, 0])
    assert tuple(got) == (1, 1, 1, 1), (
        f"expected (1, 1, 1, 1) for the docstring's example, got {got}"
    )


@pytest.mark.grade(
    points=1,
    hint="In which order does the docstring ask for the four counts?",
    task="confusion_counts",
)
def test_confusion_counts_come_in_the_order_tp_fp_fn_tn(m):
    # tp 1 (first), fp 2 (then two 0->1), fn 3 (three 1->0), tn 4: every count differs
    y_true, y_pred = [1, 0, 0, 1, 1, 1, 0, 0, 0, 0], [1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    got = tuple(int(c) for c in m.confusion_counts(y_true, y_pred))
    order = "Is a false positive 'predicted 1, truly 0'? Which count comes second?"
    name_the_mistake(
        got,
        {
            "fp and fn swapped": ((1, 3, 2, 4), order),
            "order (tp, tn, fp, fn)": ((1, 4, 2, 3), order),
            "order (tn, fp, fn, tp)": ((4, 2, 3, 1), "Which class is the positive one: 0 or 1?"),
        },
        what=f"confusion_counts gave {got}, expected (tp, fp, fn, tn) = (1, 2, 3, 4)",
    )
    assert got == (1, 2, 3, 4), f"expected (tp, fp, fn, tn) = (1, 2, 3, 4), got {got}"


# Every metric, called the same way: (y_true, y_pred or scores) -> result.
EVERY_METRIC = {
    "confusion_counts": lambda m, t, p: m.confusion_counts(t, p),
    "precision": lambda m, t, p: m.precision(t, p),
    "recall": lambda m, t, p: m.recall(t, p),
    "fbeta_score": lambda m, t, p: m.fbeta_score(t, p, 2.0),
    "f1_score": lambda m, t, p: m.f1_score(t, p),
    "prf-binary": lambda m, t, p: m.precision_recall_f1(t, p, average="binary"),
    "prf-macro": lambda m, t, p: m.precision_recall_f1(t, p, average="macro"),
    "prf-micro": lambda m, t, p: m.precision_recall_f1(t, p, average="micro"),
    "roc_auc": lambda m, t, p: m.roc_auc(t, [0.9 * x + 0.05 for x in p]),
}
BINARY_METRICS = [name for name in EVERY_METRIC if name not in ("prf-macro", "prf-micro")]


@pytest.mark.grade(
    points=1,
    hint="What happens in your code when y_true and y_pred have different lengths?",
    task="confusion_counts",
)
@pytest.mark.parametrize("metric", list(EVERY_METRIC))
def test_every_metric_rejects_inputs_of_different_lengths(m, metric):
    call = EVERY_METRIC[metric]
    cases = [
        # zip() stops at the shorter input and silently drops the last sample
        ("4 labels vs 3", [0, 1, 1, 0], [0, 1, 1]),
        # numpy broadcasts a length-1 array against any length without complaint
        ("4 labels vs 1", [0, 1, 1, 0], [1]),
    ]
    for label, y_true, y_pred in cases:
        try:
            with expect_error(ValueError, f"from {metric} for {label}"):
                call(m, y_true, y_pred)
        except AssertionError as exc:
            raise Mistake(
                str(exc),
                hint="Did zip() or numpy broadcasting quietly pair up inputs of different "
                "lengths? Where do you check len(y_true) == len(y_pred)?",
            ) from None


@pytest.mark.grade(
    points=1,
    hint="Which labels does a binary metric accept, and where do you check them?",
    task="confusion_counts",
)
@pytest.mark.parametrize("metric", BINARY_METRICS)
def test_binary_metrics_reject_labels_other_than_0_and_1(m, metric):
    call = EVERY_METRIC[metric]
    cases = [
        # -1/1 is a common label convention; it is not 0/1 and must be refused
        ("-1/1 labels", [-1, 1, -1, 1], [-1, 1, 1, -1], "Does your check accept -1?"),
        # a label 2 (a third class) in y_true
        ("a label 2 in y_true", [0, 2, 0, 1], [0, 1, 0, 1], "Does your check look at y_true?"),
    ]
    if metric != "roc_auc":  # roc_auc takes scores, not labels, as its second input
        # a label 2 only in y_pred
        cases.append(
            ("a label 2 in y_pred", [0, 1, 0, 1], [0, 2, 0, 1], "Does your check look at y_pred?")
        )
    for label, y_true, y_pred, question in cases:
        try:
            with expect_error(ValueError, f"from {metric} for {label}"):
                call(m, y_true, y_pred)
        except AssertionError as exc:
            raise Mistake(
                str(exc),
                hint=f"{question} Is every label in {{0, 1}}, or only at most 1, or two values?",
            ) from None


# ---------------------------------------------------------------- precision and recall


@pytest.mark.grade(
    points=1, hint="Of everything flagged positive, how much was right?", task="precision"
)
def test_precision_matches_a_hand_worked_value(m):
    got = m.precision(Y_TRUE, Y_PRED)
    name_the_mistake(
        got,
        {"tp / (tp + fn), which is recall": (2 / 4, "Which count is in precision's denominator?")},
        what="precision",
    )
    assert_close(got, 2 / 3, what="precision (tp=2, fp=1)")


@pytest.mark.grade(points=1, hint="Of every real positive, how much was found?", task="recall")
def test_recall_matches_a_hand_worked_value(m):
    got = m.recall(Y_TRUE, Y_PRED)
    name_the_mistake(
        got,
        {"tp / (tp + fp), which is precision": (2 / 3, "Which count is in recall's denominator?")},
        what="recall",
    )
    assert_close(got, 2 / 4, what="recall (tp=2, fn=2)")


@pytest.mark.grade(
    points=1,
    hint="What do you return when tp + fp (or tp + fn) is 0: zero_division, or a fixed 0?",
    task="precision",
)
def test_precision_and_recall_return_zero_division_when_their_denominator_is_zero(m):
    assert_close(m.precision([1, 0], [0, 0]), 0.0, what="precision with no positive predictions")
    assert_close(
        m.precision([1, 0], [0, 0], zero_division=1.0), 1.0, what="precision with zero_division=1.0"
    )
    assert_close(
        m.recall([0, 0], [1, 0], zero_division=1.0),
        1.0,
        what="recall with no real positives, zero_division=1.0",
    )


# ---------------------------------------------------------------- F-beta and F1


@pytest.mark.grade(
    points=2,
    hint="Where does β² go in (1+β²)·tp / ((1+β²)·tp + β²·fn + fp)?",
    task="fbeta_score",
)
@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0])
def test_fbeta_matches_the_formula_on_counts(m, beta):
    # tp=2, fp=1, fn=2: (1+b²)·2 / ((1+b²)·2 + b²·2 + 1)
    b2 = beta**2
    expected = (1 + b2) * 2 / ((1 + b2) * 2 + b2 * 2 + 1)
    got = m.fbeta_score(Y_TRUE, Y_PRED, beta)
    mistakes = {
        "beta used instead of beta squared": (
            (1 + beta) * 2 / ((1 + beta) * 2 + beta * 2 + 1),
            "Is the weight β or β²?",
        ),
        "β² multiplies fp instead of fn": (
            (1 + b2) * 2 / ((1 + b2) * 2 + 2 + b2 * 1),
            "Does β > 1 favour recall? Which count should β² multiply?",
        ),
    }
    # at beta = 1 those mistakes give the right number: name only the ones that differ
    mistakes = {k: v for k, v in mistakes.items() if abs(v[0] - expected) > 1e-9}
    name_the_mistake(got, mistakes, what=f"fbeta_score(beta={beta})")
    assert_close(got, expected, what=f"fbeta_score(beta={beta})")


# The F-scores of the day, each as a function of (y_true, y_pred, zero_division).
F_SCORES = {
    "fbeta_score(beta=2)": lambda m, t, p, z: m.fbeta_score(t, p, 2.0, zero_division=z),
    "fbeta_score(beta=0.5)": lambda m, t, p, z: m.fbeta_score(t, p, 0.5, zero_division=z),
    "f1_score": lambda m, t, p, z: m.f1_score(t, p, zero_division=z),
    "precision_recall_f1 binary F1": lambda m, t, p, z: m.precision_recall_f1(
        t, p, zero_division=z
    )[2],
}


@pytest.mark.grade(
    points=1,
    hint="When tp = fp = fn = 0, every denominator is 0: do you return zero_division?",
    task="fbeta_score",
)
@pytest.mark.parametrize("score", list(F_SCORES))
def test_f_scores_return_zero_division_when_the_count_denominator_is_zero(m, score):
    # tp = fp = fn = 0 (only true negatives): (1+β²)·0 + β²·0 + 0 = 0 -> zero_division
    got = F_SCORES[score](m, [0, 0], [0, 0], 0.25)
    assert_close(got, 0.25, what=f"{score} with tp = fp = fn = 0, zero_division=0.25")


@pytest.mark.grade(
    points=2,
    hint="Which denominator decides when zero_division applies: the counts' or precision + recall?",
    task="fbeta_score",
)
@pytest.mark.parametrize("score", list(F_SCORES))
def test_f_scores_use_zero_division_only_when_the_count_denominator_is_zero(m, score):
    # tp=0, fp=1, fn=1: P = 0/1 = 0 and R = 0/1 = 0, so P + R = 0; but the count
    # denominator (1+β²)·0 + β²·1 + 1 is not 0, so F = 0 / (β² + 1) = 0.0
    got = F_SCORES[score](m, [1, 0], [0, 1], 1.0)
    name_the_mistake(
        got,
        {
            "returned zero_division although the count denominator β²·fn + fp is not 0": (
                1.0,
                "Did you compute F from precision and recall and return zero_division "
                "when P + R = 0 (or when tp = 0)? Which denominator is 0 here?",
            )
        },
        what=f"{score} with tp=0, fp=1, fn=1, zero_division=1.0",
    )
    assert_close(got, 0.0, what=f"{score} with tp=0, fp=1, fn=1, zero_division=1.0")
    # tp=0, fp=1, fn=0: P = 0/1, R = 0/0 -> zero_division; F is still 0 / (0 + 0 + 1) = 0
    got = F_SCORES[score](m, [0, 0], [1, 0], 1.0)
    assert_close(got, 0.0, what=f"{score} with tp=0, fp=1, fn=0, zero_division=1.0")


@pytest.mark.grade(points=1, hint="Is F1 your F-beta with beta = 1?", task="f1_score")
def test_f1_agrees_with_the_reference_on_random_labels(m, ref, rng):
    for _ in range(20):
        y, p = rng.integers(0, 2, size=30), rng.integers(0, 2, size=30)
        assert_close(m.f1_score(y, p), ref.f1_score(y, p), what="f1_score on random labels")


@pytest.mark.grade(
    points=1, hint="Does f1_score pass its zero_division on to F-beta?", task="f1_score"
)
def test_f1_passes_zero_division_on(m):
    assert_close(
        m.f1_score([0, 0], [0, 0], zero_division=1.0),
        1.0,
        what="f1 with tp = fp = fn = 0, zero_division=1.0",
    )


# ---------------------------------------------------------------- averages


@pytest.mark.grade(
    points=2,
    hint="Is your macro F1 the mean of the per-class F1 scores, or the F1 of the macro P and R?",
    task="precision_recall_f1",
)
def test_macro_average_is_the_mean_of_per_class_scores(m):
    # Per class (P, R, F1): 0 -> (1, 1/2, 2/3); 1 -> (1/3, 1, 1/2); 2 -> (0/0 -> 0, 0, 0).
    # Macro: P = 4/9, R = 1/2, F1 = (2/3 + 1/2 + 0) / 3 = 7/18. (F1 of the macro P and R
    # would be 2·(4/9)(1/2) / (4/9 + 1/2) = 8/17: a different number.)
    got = m.precision_recall_f1([0, 0, 1, 2], [0, 1, 1, 1], average="macro")
    name_the_mistake(
        [got[2]],
        {
            "macro F1 computed from the macro precision and recall": (
                [8 / 17],
                "Is macro F1 the mean of the per-class F1 scores?",
            )
        },
        what="macro F1",
    )
    assert_close(list(got), [4 / 9, 1 / 2, 7 / 18], what="macro (P, R, F1)")
    # the docstring's example: per class 0 -> (1, 1, 1); 1 -> (0, 0, 0); 2 -> (1/2, 1/2, 1/2)
    got = m.precision_recall_f1([0, 1, 2, 2], [0, 2, 2, 1], average="macro")
    assert_close(list(got), [0.5, 0.5, 0.5], what="macro (P, R, F1) of the docstring's example")


@pytest.mark.grade(
    points=1,
    hint="Does each class's precision and recall use zero_division in the macro average too?",
    task="precision_recall_f1",
)
def test_macro_average_uses_zero_division_per_class(m):
    # As above, but class 2 (never predicted) has P = 0/0 -> zero_division = 1:
    # P = (1 + 1/3 + 1) / 3 = 7/9; R = 1/2; F1 of class 2 is 0 / (0 + 1 + 0) = 0 -> 7/18.
    got = m.precision_recall_f1([0, 0, 1, 2], [0, 1, 1, 1], average="macro", zero_division=1.0)
    assert_close(list(got), [7 / 9, 1 / 2, 7 / 18], what="macro (P, R, F1), zero_division=1")


@pytest.mark.grade(
    points=2,
    hint="Does micro add up tp, fp and fn over the classes before dividing?",
    task="precision_recall_f1",
)
def test_micro_average_pools_counts_over_classes(m):
    # multi-class micro P = R = F1 = accuracy = 2/4 (macro would give 4/9, 1/2, 7/18)
    got = m.precision_recall_f1([0, 0, 1, 2], [0, 1, 1, 1], average="micro")
    name_the_mistake(
        list(got),
        {
            "micro computed like macro": (
                [4 / 9, 1 / 2, 7 / 18],
                "Does micro pool the counts before dividing?",
            )
        },
        what="micro (P, R, F1)",
    )
    assert_close(list(got), [0.5, 0.5, 0.5], what="micro (P, R, F1)")


@pytest.mark.grade(
    points=1,
    hint="Which labels count: those in y_true, those in y_pred, or both?",
    task="precision_recall_f1",
)
def test_macro_counts_labels_that_appear_only_in_predictions(m):
    # label 3 appears only in y_pred: it is a class with P = R = F1 = 0 -> lowers the mean
    y_true, y_pred = [0, 0, 1, 1], [0, 0, 1, 3]
    p, r, f = m.precision_recall_f1(y_true, y_pred, average="macro")
    assert_close([p, r, f], [2 / 3, 1.5 / 3, (1 + 2 / 3) / 3], what="macro over 3 labels")


@pytest.mark.grade(
    points=1,
    hint="Do you loop over the labels that occur, or over range(max label + 1)?",
    task="precision_recall_f1",
)
def test_averages_work_on_any_int_labels(m):
    # classes -2, 5, 7 (no 0..4, no 6): per class (P, R, F1):
    # -2 -> (1, 1, 1); 5 -> (1, 1/2, 2/3); 7 -> (1/2, 1, 2/3)
    # macro: P = 5/6, R = 5/6, F1 = 7/9; micro: 3 of 4 right -> 3/4
    y_true, y_pred = [5, 5, 7, -2], [5, 7, 7, -2]
    got = m.precision_recall_f1(y_true, y_pred, average="macro")
    assert_close(list(got), [5 / 6, 5 / 6, 7 / 9], what="macro (P, R, F1) over labels -2, 5, 7")
    got = m.precision_recall_f1(y_true, y_pred, average="micro")
    assert_close(list(got), [0.75, 0.75, 0.75], what="micro (P, R, F1) over labels -2, 5, 7")


@pytest.mark.grade(
    points=1,
    hint="What does your code do with an average it does not know, such as 'weighted'?",
    task="precision_recall_f1",
)
def test_an_unknown_average_is_rejected(m):
    with expect_error(ValueError, "for average='weighted'"):
        m.precision_recall_f1([0, 1, 1], [0, 1, 0], average="weighted")


@pytest.mark.grade(
    points=1, hint="Is average='binary' about the positive class 1?", task="precision_recall_f1"
)
def test_binary_average_matches_the_single_metrics(m, ref, rng):
    y, p = rng.integers(0, 2, size=40), rng.integers(0, 2, size=40)
    expected = (ref.precision(y, p), ref.recall(y, p), ref.f1_score(y, p))
    assert_close(list(m.precision_recall_f1(y, p)), list(expected), what="binary (P, R, F1)")


@pytest.mark.grade(
    points=1,
    hint="Do your macro and micro agree with a per-class count on random labels?",
    task="precision_recall_f1",
)
def test_averages_agree_with_the_reference_on_random_multiclass_labels(m, ref, rng):
    for average in ("macro", "micro"):
        y, p = rng.integers(0, 5, size=60), rng.integers(0, 5, size=60)
        assert_close(
            list(m.precision_recall_f1(y, p, average=average)),
            list(ref.precision_recall_f1(y, p, average=average)),
            what=f"{average} average",
        )


# ---------------------------------------------------------------- ROC AUC


def brute_force_auc(y, s):
    """O(n²) definition: share of (positive, negative) pairs ordered right, ties 1/2."""
    pos = [si for yi, si in zip(y, s) if yi == 1]
    neg = [si for yi, si in zip(y, s) if yi == 0]
    wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a, b in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


@pytest.mark.grade(
    task="roc_auc",
    points=1,
    hint="Of all (positive, negative) pairs, in how many does the positive score higher?",
)
def test_roc_auc_matches_a_hand_worked_value(m):
    """y = [0, 0, 1, 1], s = [0.1, 0.4, 0.35, 0.8]: 3 of 4 pairs ordered right -> 0.75."""
    assert_close(m.roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75, what="roc_auc")


@pytest.mark.grade(
    points=2,
    hint="How much is a tie between a positive and a negative worth in your count?",
    task="roc_auc",
)
def test_roc_auc_counts_ties_as_one_half(m):
    assert_close(m.roc_auc([0, 1], [0.5, 0.5]), 0.5, what="roc_auc with one tied pair")
    # pairs: (0.5 vs 0.5) tie, (0.5 vs 0.2) win, (0.9 vs 0.5) win, (0.9 vs 0.2) win -> 3.5/4
    assert_close(m.roc_auc([0, 1, 1, 0], [0.5, 0.5, 0.9, 0.2]), 0.875, what="roc_auc with a tie")


@pytest.mark.grade(
    points=2,
    hint="Does your AUC agree with the O(n²) pair count on small random inputs with ties?",
    task="roc_auc",
)
def test_roc_auc_agrees_with_brute_force_on_random_scores_with_ties(m, rng):
    for _ in range(10):
        y = rng.integers(0, 2, size=40)
        y[:2] = [0, 1]
        s = rng.integers(0, 8, size=40) / 8  # few distinct values: many ties
        assert_close(m.roc_auc(y, s), brute_force_auc(y, s), what="roc_auc vs brute force")


@pytest.mark.grade(
    points=1,
    hint="With one class only, how many (positive, negative) pairs are there?",
    task="roc_auc",
)
@pytest.mark.parametrize(
    "y_true",
    [
        [1, 1, 1],  # only positives: no negative to compare with
        [0, 0, 0],  # only negatives: no positive to compare with
    ],
    ids=["only-positives", "only-negatives"],
)
def test_roc_auc_rejects_a_single_class(m, y_true):
    with expect_error(ValueError, f"when y_true holds only one class ({y_true})"):
        m.roc_auc(y_true, [0.2, 0.3, 0.4])
