"""Day 31: logistic regression from scratch (numpy only).

Implement every function and method below, then run ``nox -s grade -- day31``.
Stuck? ``nox -s hint -- day31`` shows the next hint (they ask questions,
they do not give answers).
"""

from __future__ import annotations

import numpy as np  # noqa: F401 - you will need it


def sigmoid(z):
    """Element-wise logistic function 1 / (1 + exp(-z)), stable for every finite input.

    Works on a Python float (returns a float) and on arrays (returns an array of the
    same shape). Must not warn or give NaN for any finite z, e.g. ±1000, and must
    satisfy sigmoid(-z) == 1 - sigmoid(z).

    >>> float(sigmoid(0.0))
    0.5
    """
    raise NotImplementedError("sigmoid: run 'nox -s hint -- day31' if stuck")


def log_loss(y_true, p, eps=1e-15):
    """Mean binary cross-entropy -mean(y log p + (1 - y) log(1 - p)), as a float.

    Clip p to [eps, 1 - eps] first. Example: y = [1, 0], p = [0.8, 0.4] -> 0.3670.
    """
    raise NotImplementedError("log_loss: run 'nox -s hint -- day31' if stuck")


def loss_and_grad(w, b, X, y, l2=0.0):
    """Return ``(loss, grad_w, grad_b)`` for weights w (d,), bias b, X (n, d), y (n,).

    loss = mean log loss of sigmoid(X @ w + b) + l2 / 2 * ||w||²  (the bias is not
    regularised); grad_w has shape (d,), grad_b is a float.
    """
    raise NotImplementedError("loss_and_grad: run 'nox -s hint -- day31' if stuck")


class LogisticRegression:
    """Binary logistic regression trained by batch gradient descent from zero weights.

    After ``fit``: ``coef_`` (d,), ``intercept_`` (float), ``loss_history_`` (list of
    floats, one per iteration). ``fit`` stops early once the loss improves by less
    than ``tol``. ``ValueError`` when X is not 2-D, lengths differ, or labels are not 0/1
    (-1/1 labels included).
    """

    def __init__(self, lr=0.1, n_iters=1000, l2=0.0, tol=1e-6):
        self.lr = lr
        self.n_iters = n_iters
        self.l2 = l2
        self.tol = tol

    def fit(self, X, y):
        """Train on X (n, d) and 0/1 labels y (n,); return self."""
        raise NotImplementedError("fit: run 'nox -s hint -- day31' if stuck")

    def predict_proba(self, X):
        """P(y = 1 | x) for every row of X, shape (n,)."""
        raise NotImplementedError("predict_proba: run 'nox -s hint -- day31' if stuck")

    def predict(self, X, threshold=0.5):
        """Integer labels: 1 where predict_proba(X) >= threshold, else 0."""
        raise NotImplementedError("predict: run 'nox -s hint -- day31' if stuck")
