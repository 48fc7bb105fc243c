"""A reward model learned from pairwise human preferences, and a human-in-the-loop router.

RLHF runs in three stages:

1. labeling: people see one prompt with two answers and pick the better one
   (a comparison is easier to make consistently than a score out of 10);
2. reward modelling: a model r(prompt, answer) is fitted so that chosen answers score
   higher than rejected ones (this file, at toy scale);
3. policy tuning: the language model is tuned to earn a high reward while a KL
   penalty keeps it close to the supervised model (PPO), or it is tuned on the
   preference pairs directly (DPO, which needs no separate reward model).

Stage 2 uses the Bradley-Terry model: P(chosen ≻ rejected) = sigmoid(r_c - r_r). Only
the *difference* of the two rewards matters, so rewards have no absolute zero. The
loss is the negative log-likelihood of the human labels,
mean(-log sigmoid(r_c - r_r)) = mean(softplus(r_r - r_c)).

Here a reward is linear in some features, r = x · w, and w is fitted by batch
gradient descent. ``HITLRouter`` is the simplest guardrail of a deployed system:
outputs the model is not confident about go to a person instead of the user.

Left out: a neural reward model (a transformer with a scalar head), ties and
"how much better" labels, the policy-tuning stage itself, reward-model ensembles
and calibration, and the reviewer tooling behind the queue.
"""

from __future__ import annotations

import numpy as np


def _sigmoid(z):
    """Stable logistic function: exp only ever sees a non-positive exponent."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))  # in (0, 1], never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def preference_prob(r_chosen, r_rejected):
    """P(chosen is preferred to rejected) = sigmoid(r_chosen - r_rejected), element-wise.

    Scalars give a float; arrays broadcast and give an array. Must not overflow or
    warn for large differences such as ±1000.

    >>> round(preference_prob(1.0, 0.0), 4)   # sigmoid(1)
    0.7311
    >>> preference_prob(3.0, 3.0)              # equal rewards: a coin flip
    0.5
    """
    delta = np.asarray(r_chosen, dtype=float) - np.asarray(r_rejected, dtype=float)
    out = _sigmoid(delta)
    return out if out.ndim else float(out)


def preference_loss(r_chosen, r_rejected):
    """Bradley-Terry loss: mean(-log sigmoid(r_chosen - r_rejected)), as a float.

    By hand, for margins delta = [0, 2]: (log 2 + log(1 + e^-2)) / 2
    = (0.693147 + 0.126928) / 2 = 0.410038. A confident mistake costs its margin:
    delta = -1000 gives 1000 (not inf, and no warning).
    """
    delta = np.asarray(r_chosen, dtype=float) - np.asarray(r_rejected, dtype=float)
    # subtle: np.log(sigmoid(delta)) is log(0) = -inf once sigmoid underflows
    # (delta < -745). -log sigmoid(d) = log(1 + e^-d) = logaddexp(0, -d) is exact
    # and never overflows.
    return float(np.mean(np.logaddexp(0.0, -delta)))


def _check_pairs(X_chosen, X_rejected):
    Xc = np.asarray(X_chosen, dtype=float)
    Xr = np.asarray(X_rejected, dtype=float)
    if Xc.ndim != 2 or Xc.shape != Xr.shape:
        raise ValueError(
            "X_chosen and X_rejected must be 2-D (n_pairs, n_features) of the same shape, "
            f"got {Xc.shape} and {Xr.shape}"
        )
    return Xc, Xr


def _loss_grad(w, D):
    """Gradient of mean(softplus(-D @ w)) with respect to w, for D = X_chosen - X_rejected.

    d/dw softplus(-m) = -sigmoid(-m) · dm/dw, and dm/dw = D (one row per pair), so
    grad = -Dᵀ sigmoid(-D w) / n: pairs ranked wrong (m < 0) pull hardest.
    """
    margins = D @ w  # (n,)
    return -(D.T @ _sigmoid(-margins)) / len(D)  # (d,)


def train_linear_reward(X_chosen, X_rejected, lr=0.1, n_iters=500):
    """Fit w of a linear reward r = X @ w on preference pairs; returns w, shape (d,).

    Row i of ``X_chosen`` (n, d) holds the features of the answer people preferred,
    row i of ``X_rejected`` the features of the other answer. Batch gradient descent
    on ``preference_loss(X_chosen @ w, X_rejected @ w)`` starting from w = 0, for
    ``n_iters`` steps of size ``lr``. ``ValueError`` unless both are 2-D of one shape.

    By hand, one pair X_chosen = [[1, 0]], X_rejected = [[0, 1]]: D = [[1, -1]], at
    w = 0 the gradient is -[1, -1] · sigmoid(0) = [-0.5, 0.5], so one step with
    lr = 0.1 gives w = [0.05, -0.05].
    """
    Xc, Xr = _check_pairs(X_chosen, X_rejected)
    # subtle: the loss sees only r_c - r_r = (x_c - x_r) · w, so a feature both answers
    # share (the prompt, say) cancels out: preferences can only teach differences.
    D = Xc - Xr  # (n, d)
    w = np.zeros(D.shape[1])  # (d,)
    for _ in range(n_iters):
        w = w - lr * _loss_grad(w, D)
    return w


class HITLRouter:
    """Send each model output to the user ("auto") or to a person ("human").

    An output goes out automatically only when ``confidence >= threshold``; every
    other output (a NaN confidence included) is appended to ``review_queue``, a list
    in arrival order, for a reviewer. Each router has its own queue.

    >>> router = HITLRouter(threshold=0.8)
    >>> router.route("refund approved", 0.95), router.route("close the account", 0.4)
    ('auto', 'human')
    >>> router.review_queue
    ['close the account']
    """

    def __init__(self, threshold):
        self.threshold = threshold
        # subtle: a list per router, made here. A class-level `review_queue = []`
        # would be one list shared by every router in the process.
        self.review_queue = []

    def route(self, output, confidence):
        """Return "auto" or "human"; outputs routed to a human join ``review_queue``."""
        # subtle: test for the safe case, not the risky one. NaN >= threshold is False,
        # so a missing or broken confidence goes to a person (fail closed), whereas
        # `if confidence < threshold: human` would let NaN through to the user.
        if confidence >= self.threshold:
            return "auto"
        self.review_queue.append(output)
        return "human"
