"""Day 31: classification metrics from first principles (numpy allowed).

Labels are ints. ``zero_division`` is the value returned when a denominator is 0
(as scikit-learn does). Every function raises ``ValueError`` for inputs of
different lengths. The binary metrics (all but the macro and micro averages) also
raise it for labels other than 0/1, -1/1 labels included; for ``roc_auc`` that is
y_true. Hints: ``nox -s hint -- day31``.
"""

from __future__ import annotations

import numpy as np  # noqa: F401 - you will need it


def confusion_counts(y_true, y_pred):
    """``(tp, fp, fn, tn)`` for binary 0/1 labels.

    [1, 1, 0, 0] vs [1, 0, 1, 0] -> (1, 1, 1, 1).
    """
    raise NotImplementedError("confusion_counts: run 'nox -s hint -- day31' if stuck")


def precision(y_true, y_pred, zero_division=0.0):
    """tp / (tp + fp)."""
    raise NotImplementedError("precision: run 'nox -s hint -- day31' if stuck")


def recall(y_true, y_pred, zero_division=0.0):
    """tp / (tp + fn)."""
    raise NotImplementedError("recall: run 'nox -s hint -- day31' if stuck")


def fbeta_score(y_true, y_pred, beta, zero_division=0.0):
    """(1+β²)·tp / ((1+β²)·tp + β²·fn + fp), ``zero_division`` when that denominator is 0.

    Computed from the counts, so zero_division applies only then: tp = 0, fp = 1,
    fn = 1 gives 0.0, although precision and recall are both 0.
    """
    raise NotImplementedError("fbeta_score: run 'nox -s hint -- day31' if stuck")


def f1_score(y_true, y_pred, zero_division=0.0):
    """F-beta with beta = 1."""
    raise NotImplementedError("f1_score: run 'nox -s hint -- day31' if stuck")


def precision_recall_f1(y_true, y_pred, average="binary", zero_division=0.0):
    """``(precision, recall, f1)`` with average "binary", "macro" or "micro".

    macro and micro work on any int labels, over the labels present in y_true or
    y_pred. Macro F1 is the mean of the per-class F1 scores; a per-class 0/0 gives
    ``zero_division``. ``ValueError`` for any other average.
    y_true = [0, 1, 2, 2], y_pred = [0, 2, 2, 1], macro -> (0.5, 0.5, 0.5).
    """
    raise NotImplementedError("precision_recall_f1: run 'nox -s hint -- day31' if stuck")


def roc_auc(y_true, scores):
    """P(a random positive scores higher than a random negative), ties counting 1/2.

    y = [0, 0, 1, 1], scores = [0.1, 0.4, 0.35, 0.8] -> 0.75.
    y_true holds 0/1 labels. ``ValueError`` when only one class is present.
    """
    raise NotImplementedError("roc_auc: run 'nox -s hint -- day31' if stuck")
