"""Day 38 mistakes learners make: the difference the wrong way round, log(sigmoid) that
underflows, a gradient without 1/n, a router that lets NaN through, a shared queue, …"""

from __future__ import annotations

from tests.variants import Variant

RM = "reward_model.py"


VARIANTS = [
    Variant(RM, "Bradley-Terry difference taken the wrong way round", (
        ("    delta = np.asarray(r_chosen, dtype=float) - np.asarray(r_rejected, dtype=float)\n    out = _sigmoid(delta)",
         "    delta = np.asarray(r_rejected, dtype=float) - np.asarray(r_chosen, dtype=float)\n    out = _sigmoid(delta)"),
    )),
    Variant(RM, "naive sigmoid overflows for a margin of -1000", (
        ("    out = _sigmoid(delta)\n", "    out = 1.0 / (1.0 + np.exp(-delta))\n"),
    )),
    Variant(RM, "loss as -log(sigmoid(delta)): log(0) once sigmoid underflows", (
        ("    return float(np.mean(np.logaddexp(0.0, -delta)))",
         "    return float(np.mean(-np.log(_sigmoid(delta))))"),
    )),
    Variant(RM, "loss summed over pairs instead of averaged", (
        ("    return float(np.mean(np.logaddexp(0.0, -delta)))",
         "    return float(np.sum(np.logaddexp(0.0, -delta)))"),
    )),
    Variant(RM, "gradient missing the 1/n of the mean", (
        ("    return -(D.T @ _sigmoid(-margins)) / len(D)  # (d,)",
         "    return -(D.T @ _sigmoid(-margins))  # (d,)"),
    )),
    Variant(RM, "gradient ascent: steps along the gradient", (
        ("        w = w - lr * _loss_grad(w, D)", "        w = w + lr * _loss_grad(w, D)"),
    )),
    Variant(RM, "gradient uses sigmoid(margin) instead of sigmoid(-margin)", (
        ("    return -(D.T @ _sigmoid(-margins)) / len(D)  # (d,)",
         "    return -(D.T @ _sigmoid(margins)) / len(D)  # (d,)"),
    )),
    Variant(RM, "shapes of the pairs not checked", (
        ("    if Xc.ndim != 2 or Xc.shape != Xr.shape:\n", "    if False:\n"),
    )),
    Variant(RM, "router uses > so a confidence equal to the threshold goes to a human", (
        ("        if confidence >= self.threshold:", "        if confidence > self.threshold:"),
    )),
    Variant(RM, "router tests the risky case first, so NaN goes out automatically", (
        ("        if confidence >= self.threshold:\n            return \"auto\"\n"
         "        self.review_queue.append(output)\n        return \"human\"",
         "        if confidence < self.threshold:\n            self.review_queue.append(output)\n"
         "            return \"human\"\n        return \"auto\""),
    )),
    Variant(RM, "one review queue shared by every router (class attribute)", (
        ("class HITLRouter:\n", "class HITLRouter:\n    review_queue = []  # noqa: RUF012\n"),
        ("        self.review_queue = []\n", ""),
    )),
    Variant(RM, "every output queued for review, not only those routed to a human", (
        ("        if confidence >= self.threshold:\n            return \"auto\"\n"
         "        self.review_queue.append(output)\n",
         "        self.review_queue.append(output)\n        if confidence >= self.threshold:\n"
         "            return \"auto\"\n"),
    )),
    Variant(RM, "preference_prob returns a 0-d array, not a float, for two scalars", (
        ("    return out if out.ndim else float(out)", "    return out"),
    )),
    Variant(RM, "sigmoid as exp(z) / (1 + exp(z)): inf / inf = NaN for a margin of +1000", (
        ("    out = _sigmoid(delta)\n", "    out = np.exp(delta) / (1.0 + np.exp(delta))\n"),
    )),
    Variant(RM, "loss as log1p(exp(-delta)): exp overflows for a margin of -1000", (
        ("    return float(np.mean(np.logaddexp(0.0, -delta)))",
         "    return float(np.mean(np.log1p(np.exp(-delta))))"),
    )),
    Variant(RM, "loss clips sigmoid at 1e-12 before the log: a margin of -1000 costs 27.6", (
        ("    return float(np.mean(np.logaddexp(0.0, -delta)))",
         "    return float(np.mean(-np.log(np.clip(_sigmoid(delta), 1e-12, 1.0))))"),
    )),
    Variant(RM, "chosen and rejected swapped in the training difference", (
        ("    D = Xc - Xr  # (n, d)", "    D = Xr - Xc  # (n, d)"),
    )),
    Variant(RM, "w kept as a column (d, 1) and returned with that shape", (
        ("    w = np.zeros(D.shape[1])  # (d,)", "    w = np.zeros((D.shape[1], 1))  # (d,)"),
    )),
    Variant(RM, "training loop off by one: n_iters - 1 steps", (
        ("    for _ in range(n_iters):", "    for _ in range(1, n_iters):"),
    )),
    Variant(RM, "default learning rate 0.01 instead of 0.1", (
        ("def train_linear_reward(X_chosen, X_rejected, lr=0.1, n_iters=500):",
         "def train_linear_reward(X_chosen, X_rejected, lr=0.01, n_iters=500):"),
    )),
    Variant(RM, "only the shapes compared, not that they are 2-D", (
        ("    if Xc.ndim != 2 or Xc.shape != Xr.shape:\n", "    if Xc.shape != Xr.shape:\n"),
    )),
    Variant(RM, "router compares with a fixed 0.8 instead of its own threshold", (
        ("        if confidence >= self.threshold:", "        if confidence >= 0.8:"),
    )),
    Variant(RM, "loss as softplus(+delta): the margin taken as rejected minus chosen", (
        ("    return float(np.mean(np.logaddexp(0.0, -delta)))",
         "    return float(np.mean(np.logaddexp(0.0, delta)))"),
    )),
]
