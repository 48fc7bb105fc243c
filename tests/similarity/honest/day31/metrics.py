"""Classification metrics written from the contract alone (an independent attempt)."""

from __future__ import annotations

import numpy as np


def _as_pair(y_true, y_pred):
    truth = np.asarray(y_true).ravel()
    guess = np.asarray(y_pred).ravel()
    if truth.shape != guess.shape:
        raise ValueError(f"length mismatch: {truth.size} labels vs {guess.size} predictions")
    return truth, guess


def _require_binary(*arrays):
    for arr in arrays:
        if not np.isin(arr, (0, 1)).all():
            raise ValueError("binary metrics need labels that are 0 or 1")


def _safe_divide(top, bottom, fallback):
    return float(top) / float(bottom) if bottom else float(fallback)


def confusion_counts(y_true, y_pred):
    truth, guess = _as_pair(y_true, y_pred)
    _require_binary(truth, guess)
    truth_pos, guess_pos = truth == 1, guess == 1
    tp = int(np.sum(truth_pos & guess_pos))
    fp = int(np.sum(~truth_pos & guess_pos))
    fn = int(np.sum(truth_pos & ~guess_pos))
    tn = int(np.sum(~truth_pos & ~guess_pos))
    return tp, fp, fn, tn


def precision(y_true, y_pred, zero_division=0.0):
    tp, fp, _, _ = confusion_counts(y_true, y_pred)
    return _safe_divide(tp, tp + fp, zero_division)


def recall(y_true, y_pred, zero_division=0.0):
    tp, _, fn, _ = confusion_counts(y_true, y_pred)
    return _safe_divide(tp, tp + fn, zero_division)


def _f_from_counts(tp, fp, fn, beta, zero_division):
    b2 = beta * beta
    return _safe_divide((1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp, zero_division)


def fbeta_score(y_true, y_pred, beta, zero_division=0.0):
    tp, fp, fn, _ = confusion_counts(y_true, y_pred)
    return _f_from_counts(tp, fp, fn, beta, zero_division)


def f1_score(y_true, y_pred, zero_division=0.0):
    return fbeta_score(y_true, y_pred, 1.0, zero_division)


def _one_vs_rest(truth, guess):
    """Per-class (tp, fp, fn) rows for every label seen in either array."""
    rows = []
    for label in np.union1d(truth, guess):
        is_true, is_guess = truth == label, guess == label
        rows.append(
            (
                int(np.sum(is_true & is_guess)),
                int(np.sum(~is_true & is_guess)),
                int(np.sum(is_true & ~is_guess)),
            )
        )
    return rows


def precision_recall_f1(y_true, y_pred, average="binary", zero_division=0.0):
    if average == "binary":
        return (
            precision(y_true, y_pred, zero_division),
            recall(y_true, y_pred, zero_division),
            f1_score(y_true, y_pred, zero_division),
        )
    if average not in ("macro", "micro"):
        raise ValueError(f"average must be 'binary', 'macro' or 'micro', not {average!r}")
    truth, guess = _as_pair(y_true, y_pred)
    rows = _one_vs_rest(truth, guess)
    if average == "micro":
        tp, fp, fn = (sum(column) for column in zip(*rows)) if rows else (0, 0, 0)
        return (
            _safe_divide(tp, tp + fp, zero_division),
            _safe_divide(tp, tp + fn, zero_division),
            _f_from_counts(tp, fp, fn, 1.0, zero_division),
        )
    if not rows:
        return (float(zero_division),) * 3
    per_class = np.array(
        [
            (
                _safe_divide(tp, tp + fp, zero_division),
                _safe_divide(tp, tp + fn, zero_division),
                _f_from_counts(tp, fp, fn, 1.0, zero_division),
            )
            for tp, fp, fn in rows
        ]
    )
    p, r, f = per_class.mean(axis=0)
    return float(p), float(r), float(f)


def roc_auc(y_true, scores):
    truth, score = _as_pair(y_true, scores)
    _require_binary(truth)
    score = score.astype(float)
    n_pos = int(np.sum(truth == 1))
    n_neg = truth.size - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("roc_auc needs both a positive and a negative example")
    # Mann-Whitney: average ranks make every tie worth one half.
    order = np.argsort(score, kind="mergesort")
    sorted_scores = score[order]
    ranks = np.empty(score.size, dtype=float)
    start = 0
    while start < score.size:
        stop = start
        while stop + 1 < score.size and sorted_scores[stop + 1] == sorted_scores[start]:
            stop += 1
        ranks[order[start : stop + 1]] = (start + stop) / 2 + 1
        start = stop + 1
    rank_sum = ranks[truth == 1].sum()
    return float((rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
