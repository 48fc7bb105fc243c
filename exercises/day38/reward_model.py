"""Day 38 (bonus): a Bradley-Terry reward model and a human-in-the-loop router (numpy only).

Day 38 is graded on its written answers (exercises/day38/answers/); this file is an
optional bonus, reported apart and never needed to pass. Implement every function
and method below, then run ``nox -s grade -- day38``. Stuck? ``nox -s hint -- day38``.
"""

from __future__ import annotations

import numpy as np  # noqa: F401 - you will need it


def preference_prob(r_chosen, r_rejected):
    """P(chosen is preferred to rejected) = sigmoid(r_chosen - r_rejected), element-wise.

    Scalars give a float; arrays broadcast and give an array. Must not overflow or
    warn for large differences such as ±1000.

    >>> round(preference_prob(1.0, 0.0), 4)   # sigmoid(1)
    0.7311
    >>> preference_prob(3.0, 3.0)              # equal rewards: a coin flip
    0.5
    """
    raise NotImplementedError("preference_prob: run 'nox -s hint -- day38' if stuck")


def preference_loss(r_chosen, r_rejected):
    """Bradley-Terry loss: mean(-log sigmoid(r_chosen - r_rejected)), as a float.

    Margins delta = [0, 2] -> (log 2 + log(1 + e^-2)) / 2 = 0.410038. Stable for large
    |delta|: delta = -1000 gives 1000 (not inf, and no warning).
    """
    raise NotImplementedError("preference_loss: run 'nox -s hint -- day38' if stuck")


def train_linear_reward(X_chosen, X_rejected, lr=0.1, n_iters=500):
    """Fit w of a linear reward r = X @ w on preference pairs; returns w, shape (d,).

    Row i of ``X_chosen`` (n, d) holds the features of the answer people preferred,
    row i of ``X_rejected`` the features of the other answer. Batch gradient descent
    on ``preference_loss(X_chosen @ w, X_rejected @ w)`` starting from w = 0, for
    ``n_iters`` steps of size ``lr``. ``ValueError`` unless both are 2-D of one shape.

    One pair X_chosen = [[1, 0]], X_rejected = [[0, 1]], lr = 0.1, n_iters = 1
    -> w = [0.05, -0.05].
    """
    raise NotImplementedError("train_linear_reward: run 'nox -s hint -- day38' if stuck")


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
        self.review_queue = []

    def route(self, output, confidence):
        """Return "auto" or "human"; outputs routed to a human join ``review_queue``."""
        raise NotImplementedError("route: run 'nox -s hint -- day38' if stuck")
