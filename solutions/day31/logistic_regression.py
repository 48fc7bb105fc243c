"""Logistic regression from scratch with numpy: a stable sigmoid, the log loss, its
exact gradient, and batch gradient descent.

The model: p(y=1 | x) = sigmoid(x · w + b). Training minimises the mean binary
cross-entropy plus an L2 penalty ``l2 / 2 * ||w||²`` on the weights (never the bias).

Left out on purpose: mini-batches, momentum, feature scaling, multi-class
(softmax) regression: each is a small step from here.
"""

from __future__ import annotations

import numpy as np


def sigmoid(z):
    """Element-wise logistic function, stable for every finite input.

    >>> float(sigmoid(0.0))
    0.5

    ``sigmoid(-1000)`` is 0.0 with no overflow warning, and ``sigmoid(-z) == 1 - sigmoid(z)``.
    """
    z = np.asarray(z, dtype=float)
    # subtle: 1 / (1 + exp(-z)) overflows exp for z << 0. Use the form whose
    # exponent is never positive: for z < 0, sigmoid(z) = exp(z) / (1 + exp(z)).
    e = np.exp(-np.abs(z))  # in (0, 1], never overflows
    out = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return out if out.ndim else float(out)


def log_loss(y_true, p, eps=1e-15):
    """Mean binary cross-entropy: -mean(y log p + (1 - y) log(1 - p)).

    ``p`` is clipped to ``[eps, 1 - eps]`` so a confident wrong answer costs a
    large finite amount instead of infinity. By hand, for y = [1, 0] and
    p = [0.8, 0.4]: -(ln 0.8 + ln 0.6) / 2 = (0.2231 + 0.5108) / 2 = 0.3670.
    """
    y = np.asarray(y_true, dtype=float)
    p = np.clip(np.asarray(p, dtype=float), eps, 1.0 - eps)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))


def loss_and_grad(w, b, X, y, l2=0.0):
    """Regularised loss and its exact gradients ``(loss, grad_w, grad_b)``.

    loss = mean log loss + l2 / 2 * ||w||².  With p = sigmoid(X w + b):
    grad_w = Xᵀ (p - y) / n + l2 * w  and  grad_b = mean(p - y).
    """
    X = np.asarray(X, dtype=float)  # (n, d)
    y = np.asarray(y, dtype=float)  # (n,)
    w = np.asarray(w, dtype=float)  # (d,)
    n = X.shape[0]
    p = sigmoid(X @ w + b)  # (n,)
    loss = log_loss(y, p) + 0.5 * l2 * float(w @ w)
    residual = p - y  # (n,): the whole gradient of the log loss w.r.t. the logits
    grad_w = X.T @ residual / n + l2 * w  # (d,)  subtle: the 1/n, and no penalty on b
    grad_b = float(residual.mean())
    return loss, grad_w, grad_b


def _check_inputs(X, y=None):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}")
    if y is None:
        return X, None
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(f"y must be 1-D with one label per row of X: X {X.shape}, y {y.shape}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"labels must be 0 or 1, got {sorted(set(np.unique(y).tolist()))}")
    return X, y.astype(float)


class LogisticRegression:
    """Binary logistic regression trained by batch gradient descent from zero weights.

    After ``fit``: ``coef_`` (d,), ``intercept_`` (float), ``loss_history_`` (list of
    floats, one per iteration). ``fit`` stops early once the loss improves by less than
    ``tol`` in one step. ``ValueError`` when X is not 2-D, lengths differ, or labels are
    not 0/1 (-1/1 labels included).
    """

    def __init__(self, lr=0.1, n_iters=1000, l2=0.0, tol=1e-6):
        self.lr = lr
        self.n_iters = n_iters
        self.l2 = l2
        self.tol = tol

    def fit(self, X, y):
        X, y = _check_inputs(X, y)
        w, b = np.zeros(X.shape[1]), 0.0
        self.loss_history_ = []
        for _ in range(self.n_iters):
            loss, grad_w, grad_b = loss_and_grad(w, b, X, y, self.l2)
            if self.loss_history_ and self.loss_history_[-1] - loss < self.tol:
                self.loss_history_.append(loss)
                break
            self.loss_history_.append(loss)
            w = w - self.lr * grad_w
            b = b - self.lr * grad_b
        self.coef_, self.intercept_ = w, float(b)
        return self

    def predict_proba(self, X):
        X, _ = _check_inputs(X)
        return sigmoid(X @ self.coef_ + self.intercept_)  # (n,)

    def predict(self, X, threshold=0.5):
        return (self.predict_proba(X) >= threshold).astype(int)
