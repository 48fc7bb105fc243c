"""Classification metrics from first principles: confusion counts, precision,
recall, F-beta, macro/micro averaging and ROC AUC.

Conventions follow scikit-learn: a metric whose denominator is zero returns
``zero_division`` instead of raising, and F-scores are computed from counts (not
from the rounded precision and recall). Every function raises ``ValueError`` for
inputs of different lengths; the binary ones (all but the macro and micro averages)
also for labels other than 0/1, -1/1 labels included. Left out: sample weights, multi-label
inputs, and curves (precision-recall, ROC points).
"""

from __future__ import annotations

import numpy as np


def _binary_labels(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(
            f"y_true and y_pred must be 1-D of the same length, got {y_true.shape} and "
            f"{y_pred.shape}"
        )
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        if not np.isin(labels, (0, 1)).all():
            raise ValueError(f"{name} must hold only 0 and 1, got {sorted(set(labels.tolist()))}")
    return y_true.astype(int), y_pred.astype(int)


def confusion_counts(y_true, y_pred):
    """``(tp, fp, fn, tn)`` for binary 0/1 labels.

    [1, 1, 0, 0] vs [1, 0, 1, 0] -> (1, 1, 1, 1).
    """
    t, p = _binary_labels(y_true, y_pred)
    tp = int(np.sum((t == 1) & (p == 1)))
    fp = int(np.sum((t == 0) & (p == 1)))
    fn = int(np.sum((t == 1) & (p == 0)))
    tn = int(np.sum((t == 0) & (p == 0)))
    return tp, fp, fn, tn


def _ratio(num, den, zero_division):
    return float(num / den) if den else float(zero_division)


def precision(y_true, y_pred, zero_division=0.0):
    """tp / (tp + fp): of everything flagged positive, how much was right."""
    tp, fp, _, _ = confusion_counts(y_true, y_pred)
    return _ratio(tp, tp + fp, zero_division)


def recall(y_true, y_pred, zero_division=0.0):
    """tp / (tp + fn): of every real positive, how much was found."""
    tp, _, fn, _ = confusion_counts(y_true, y_pred)
    return _ratio(tp, tp + fn, zero_division)


def _fbeta_from_counts(tp, fp, fn, beta, zero_division):
    # subtle: from counts, not from P and R, so that P = 0/0 does not poison F.
    b2 = beta * beta
    return _ratio((1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp, zero_division)


def fbeta_score(y_true, y_pred, beta, zero_division=0.0):
    """(1+β²)·tp / ((1+β²)·tp + β²·fn + fp); β > 1 weighs recall more.

    ``zero_division`` only when that count denominator is 0: tp = 0, fp = 1, fn = 1
    gives 0.0, although precision and recall are both 0.
    """
    tp, fp, fn, _ = confusion_counts(y_true, y_pred)
    return _fbeta_from_counts(tp, fp, fn, beta, zero_division)


def f1_score(y_true, y_pred, zero_division=0.0):
    """The harmonic mean of precision and recall: 2·tp / (2·tp + fn + fp)."""
    return fbeta_score(y_true, y_pred, 1.0, zero_division)


def precision_recall_f1(y_true, y_pred, average="binary", zero_division=0.0):
    """``(precision, recall, f1)`` averaged as asked.

    - ``binary``: the positive class 1 of 0/1 labels;
    - ``macro``: per-class scores over the labels present in y_true or y_pred, then
      their plain mean (every class counts the same, however rare);
    - ``micro``: pool tp, fp, fn over the classes first (every sample counts the same).

    A per-class 0/0 gives ``zero_division``; any other average is a ``ValueError``.
    """
    if average == "binary":
        tp, fp, fn, _ = confusion_counts(y_true, y_pred)
        return (
            _ratio(tp, tp + fp, zero_division),
            _ratio(tp, tp + fn, zero_division),
            _fbeta_from_counts(tp, fp, fn, 1.0, zero_division),
        )
    if average not in ("macro", "micro"):
        raise ValueError(f"average must be 'binary', 'macro' or 'micro', got {average!r}")
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"y_true and y_pred differ in shape: {y_true.shape} vs {y_pred.shape}")
    labels = np.union1d(y_true, y_pred)
    counts = np.array(
        [
            (
                np.sum((y_true == c) & (y_pred == c)),  # tp
                np.sum((y_true != c) & (y_pred == c)),  # fp
                np.sum((y_true == c) & (y_pred != c)),  # fn
            )
            for c in labels
        ]
    )  # (n_classes, 3)
    if average == "micro":
        tp, fp, fn = counts.sum(axis=0)
        return (
            _ratio(tp, tp + fp, zero_division),
            _ratio(tp, tp + fn, zero_division),
            _fbeta_from_counts(tp, fp, fn, 1.0, zero_division),
        )
    per_class = [
        (
            _ratio(tp, tp + fp, zero_division),
            _ratio(tp, tp + fn, zero_division),
            # subtle: macro F1 is the mean of per-class F1, not F1 of the macro P and R.
            _fbeta_from_counts(tp, fp, fn, 1.0, zero_division),
        )
        for tp, fp, fn in counts
    ]
    p, r, f = np.mean(per_class, axis=0)
    return float(p), float(r), float(f)


def roc_auc(y_true, scores):
    """P(score of a random positive > score of a random negative), ties counting 1/2.

    This is the Mann-Whitney U statistic divided by n_pos * n_neg, computed with
    average ranks in O(n log n). By hand: y = [0, 0, 1, 1], s = [0.1, 0.4, 0.35, 0.8]:
    of the 4 (pos, neg) pairs, 3 are ordered right, so AUC = 0.75. y_true holds 0/1
    labels; ``ValueError`` when only one class is present.
    """
    y = np.asarray(y_true)
    s = np.asarray(scores, dtype=float)
    if y.shape != s.shape or y.ndim != 1:
        raise ValueError(f"y_true and scores must be 1-D of one length: {y.shape} vs {s.shape}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"y_true must hold only 0 and 1, got {sorted(set(y.tolist()))}")
    n_pos, n_neg = int(np.sum(y == 1)), int(np.sum(y == 0))
    if n_pos == 0 or n_neg == 0:
        raise ValueError("roc_auc needs both classes in y_true; only one is present")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    # subtle: tied scores share the average of their ranks, which counts each tie as 1/2.
    _, inverse = np.unique(s, return_inverse=True)
    ranks = np.bincount(inverse, weights=ranks)[inverse] / np.bincount(inverse)[inverse]
    u = ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_pos * n_neg))
