"""Hidden tests for exercises/day31/metrics.py."""

from __future__ import annotations

import itertools

import pytest

from grader.testing import assert_close, attempt_module, expect_error, reference_module

m = attempt_module("metrics")
ref = reference_module("metrics")


@pytest.mark.grade(
    points=1, hint="tp: both 1; fp: predicted 1 but truly 0; and so on.", task="confusion_counts"
)
def test_confusion_counts_match_a_hand_count(m):
    # y_true: 1 1 1 0 0 0 1 ; y_pred: 1 0 1 1 0 0 0  -> tp 2, fp 1, fn 2, tn 2
    got = m.confusion_counts([1, 1, 1, 0, 0, 0, 1], [1, 0, 1, 1, 0, 0, 0])
    assert tuple(got) == (2, 1, 2, 2), f"expected (tp, fp, fn, tn) = (2, 1, 2, 2), got {got}"


@pytest.mark.grade(
    points=1, hint="Validate labels and lengths before counting.", task="confusion_counts"
)
@pytest.mark.parametrize(
    "fn, args, why",
    [
        ("confusion_counts", ([0, 1], [0, 1, 1]), "for lengths that differ"),
        ("precision", ([0, 2], [0, 1]), "for a label 2 in a binary metric"),
        ("recall", ([0, 1], [0, -1]), "for a label -1 in y_pred"),
    ],
    ids=["lengths", "label-2", "label-minus-1"],
)
def test_binary_metrics_reject_bad_labels_and_lengths(m, fn, args, why):
    with expect_error(ValueError, why):
        getattr(m, fn)(*args)


@pytest.mark.grade(
    points=2, hint="precision = tp/(tp+fp), recall = tp/(tp+fn); which is which?", task="precision"
)
def test_precision_and_recall_match_hand_worked_values(m):
    y_true, y_pred = [1, 1, 1, 0, 0, 0, 1], [1, 0, 1, 1, 0, 0, 0]
    assert_close(m.precision(y_true, y_pred), 2 / 3, what="precision (tp=2, fp=1)")
    assert_close(m.recall(y_true, y_pred), 2 / 4, what="recall (tp=2, fn=2)")


@pytest.mark.grade(
    points=2, hint="What is tp/(tp+fp) when nothing is predicted positive?", task="fbeta_score"
)
def test_zero_division_is_returned_only_when_a_denominator_is_zero(m):
    assert_close(m.precision([1, 0], [0, 0]), 0.0, what="precision with no positive predictions")
    assert_close(
        m.precision([1, 0], [0, 0], zero_division=1.0), 1.0, what="precision with zero_division=1.0"
    )
    assert_close(
        m.recall([0, 0], [1, 0], zero_division=1.0),
        1.0,
        what="recall with no real positives, zero_division=1.0",
    )
    assert_close(
        m.f1_score([0, 0], [0, 0], zero_division=1.0),
        1.0,
        what="f1 with tp = fp = fn = 0, zero_division=1.0",
    )
    # F from counts: tp=0, fp=1, fn=0 -> 0 / (0 + 0 + 1) = 0, not zero_division
    assert_close(
        m.f1_score([0, 0], [1, 0], zero_division=1.0),
        0.0,
        what="f1 when precision is 0 but the F denominator is not 0",
    )


@pytest.mark.grade(
    points=2, hint="F-beta from counts: (1+β²)tp / ((1+β²)tp + β²fn + fp).", task="fbeta_score"
)
@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0])
def test_fbeta_matches_the_formula_on_counts(m, beta):
    # tp=2, fp=1, fn=2: (1+b²)·2 / ((1+b²)·2 + b²·2 + 1)
    b2 = beta**2
    expected = (1 + b2) * 2 / ((1 + b2) * 2 + b2 * 2 + 1)
    got = m.fbeta_score([1, 1, 1, 0, 0, 0, 1], [1, 0, 1, 1, 0, 0, 0], beta)
    assert_close(got, expected, what=f"fbeta_score(beta={beta})")


@pytest.mark.grade(points=1, hint="F1 is F-beta with beta = 1.", task="f1_score")
def test_f1_agrees_with_the_reference_on_random_labels(m, ref, rng):
    for _ in range(20):
        y, p = rng.integers(0, 2, size=30), rng.integers(0, 2, size=30)
        assert_close(m.f1_score(y, p), ref.f1_score(y, p), what="f1_score on random labels")


@pytest.mark.grade(
    points=2,
    hint="Macro F1 = mean of per-class F1, not F1 of macro P and R.",
    task="precision_recall_f1",
)
def test_macro_average_is_the_mean_of_per_class_scores(m):
    # Per class (P, R, F1): 0 -> (1, 1/2, 2/3); 1 -> (1/3, 1, 1/2); 2 -> (0/0 -> 0, 0, 0).
    # Macro: P = 4/9, R = 1/2, F1 = (2/3 + 1/2 + 0) / 3 = 7/18. (F1 of the macro P and R
    # would be 2·(4/9)(1/2) / (4/9 + 1/2) = 8/17: a different number.)
    y_true, y_pred = [0, 0, 1, 2], [0, 1, 1, 1]
    p, r, f = m.precision_recall_f1(y_true, y_pred, average="macro")
    assert_close([p, r, f], [4 / 9, 1 / 2, 7 / 18], what="macro (P, R, F1)")


@pytest.mark.grade(
    points=2,
    hint="Micro pools tp, fp, fn over classes before dividing.",
    task="precision_recall_f1",
)
def test_micro_average_pools_counts_over_classes(m):
    # multi-class micro P = R = F1 = accuracy = 2/4
    y_true, y_pred = [0, 0, 1, 2], [0, 1, 1, 1]
    got = m.precision_recall_f1(y_true, y_pred, average="micro")
    assert_close(list(got), [0.5, 0.5, 0.5], what="micro (P, R, F1)")


@pytest.mark.grade(
    points=1,
    hint="Which labels count: those in y_true, y_pred, or both?",
    task="precision_recall_f1",
)
def test_macro_counts_labels_that_appear_only_in_predictions(m):
    # label 3 appears only in y_pred: it is a class with P = R = F1 = 0 -> lowers the mean
    y_true, y_pred = [0, 0, 1, 1], [0, 0, 1, 3]
    p, r, f = m.precision_recall_f1(y_true, y_pred, average="macro")
    assert_close([p, r, f], [2 / 3, 1.5 / 3, (1 + 2 / 3) / 3], what="macro over 3 labels")


@pytest.mark.grade(
    points=1, hint="average='binary' is about the positive class 1.", task="precision_recall_f1"
)
def test_binary_average_matches_the_single_metrics(m, ref, rng):
    y, p = rng.integers(0, 2, size=40), rng.integers(0, 2, size=40)
    expected = (ref.precision(y, p), ref.recall(y, p), ref.f1_score(y, p))
    assert_close(list(m.precision_recall_f1(y, p)), list(expected), what="binary (P, R, F1)")


@pytest.mark.grade(
    points=1,
    hint="Compare macro and micro with the reference on random labels.",
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


def brute_force_auc(y, s):
    """O(n²) definition: share of (positive, negative) pairs ordered right, ties 1/2."""
    pos = [si for yi, si in zip(y, s) if yi == 1]
    neg = [si for yi, si in zip(y, s) if yi == 0]
    wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a, b in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


@pytest.mark.grade(
    task="roc_auc",
    points=1,
    hint="Count (positive, negative) pairs where the positive scores higher.",
)
def test_roc_auc_matches_a_hand_worked_value(m):
    """y = [0, 0, 1, 1], s = [0.1, 0.4, 0.35, 0.8]: 3 of 4 pairs ordered right -> 0.75."""
    assert_close(m.roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75, what="roc_auc")


@pytest.mark.grade(
    points=2, hint="A tie between a positive and a negative is worth one half.", task="roc_auc"
)
def test_roc_auc_counts_ties_as_one_half(m):
    assert_close(m.roc_auc([0, 1], [0.5, 0.5]), 0.5, what="roc_auc with one tied pair")
    # pairs: (0.5 vs 0.5) tie, (0.5 vs 0.2) win, (0.9 vs 0.5) win, (0.9 vs 0.2) win -> 3.5/4
    assert_close(m.roc_auc([0, 1, 1, 0], [0.5, 0.5, 0.9, 0.2]), 0.875, what="roc_auc with a tie")


@pytest.mark.grade(
    points=2, hint="Check against the O(n²) pair count on small random inputs.", task="roc_auc"
)
def test_roc_auc_agrees_with_brute_force_on_random_scores_with_ties(m, rng):
    for _ in range(10):
        y = rng.integers(0, 2, size=40)
        y[:2] = [0, 1]
        s = rng.integers(0, 8, size=40) / 8  # few distinct values: many ties
        assert_close(m.roc_auc(y, s), brute_force_auc(y, s), what="roc_auc vs brute force")


@pytest.mark.grade(
    points=1, hint="With one class only, there are no (positive, negative) pairs.", task="roc_auc"
)
def test_roc_auc_rejects_a_single_class(m):
    with expect_error(ValueError, "when y_true holds only one class"):
        m.roc_auc([1, 1, 1], [0.2, 0.3, 0.4])
