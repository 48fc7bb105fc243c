"""Day 32 mistakes learners make: naive softmax, zip that truncates, 0·log 0 = nan, …"""

from __future__ import annotations

from tests.variants import Variant

VEC = "vector_ops.py"
PROB = "probability.py"


VARIANTS = [
    # ------------------------------------------------------------ vector_ops.py, pure Python
    Variant(VEC, "dot lets zip truncate the longer list", (
        ('    _check_vectors("dot", a, b)\n', ""),
    )),
    Variant(VEC, "dot calls np.dot and returns a numpy scalar", (
        ("    return sum(x * y for x, y in zip(a, b))", "    return np.dot(a, b)"),
    )),
    Variant(VEC, "norm sums x ** p without the absolute value", (
        ("total = sum((abs(x) / scale) ** p for x in a)", "total = sum((x / scale) ** p for x in a)"),
    )),
    Variant(VEC, "norm squares the raw entries (overflows for 1e200)", (
        ("    total = sum((abs(x) / scale) ** p for x in a)\n"
         "    return float(scale * total ** (1.0 / p))",
         "    total = sum(abs(x) ** p for x in a)\n"
         "    return float(total ** (1.0 / p))"),
    )),
    Variant(VEC, "norm checks p < 1 only, so nan slips through", (
        ("if not isinstance(p, int | float) or math.isnan(p) or p < 1:", "if p < 1:"),
    )),
    Variant(VEC, "cosine not clipped: rounding gives 1.0000000000000002", (
        ("    return max(-1.0, min(1.0, cos))", "    return cos"),
    )),
    Variant(VEC, "cosine divides by zero for a zero vector (ZeroDivisionError)", (
        ("    if na == 0 or nb == 0:\n", "    if False:\n"),
    )),
    Variant(VEC, "matmul compares row counts instead of A's columns with B's rows", (
        ("    if k != k2:\n", "    if n != k2:\n"),
    )),
    Variant(VEC, "matmul pairs rows of A with rows of B (computes A @ B.T)", (
        ("for col in cols] for row in A]", "for col in B] for row in A]"),
    )),
    Variant(VEC, "matmul accepts ragged rows", (
        ("    if len(widths) != 1:\n", "    if False:\n"),
    )),
    # ------------------------------------------------------------ vector_ops.py, numpy
    Variant(VEC, "naive softmax: exp(x) / sum(exp(x)) overflows", (
        ("    e = np.exp(x - m)  # every exponent", "    e = np.exp(x)  # every exponent"),
    )),
    Variant(VEC, "softmax subtracts one global max instead of one per slice", (
        ("    m = np.max(x, axis=axis, keepdims=True)\n    m = np.where(np.isfinite(m), m, 0.0)  # an all",
         "    m = np.max(x)\n    m = np.where(np.isfinite(m), m, 0.0)  # an all"),
    )),
    Variant(VEC, "softmax normalises over the whole array, not along axis", (
        ("        return e / e.sum(axis=axis, keepdims=True)", "        return e / e.sum()"),
    )),
    Variant(VEC, "log_sum_exp without the finite-max guard: nan for an all -inf slice", (
        ("    m = np.where(np.isfinite(m), m, 0.0)\n    # log",  "    # log"),
    )),
    Variant(VEC, "log_sum_exp forgets to add the max back", (
        ("out = np.log(np.sum(np.exp(x - m), axis=axis)) + np.squeeze(m, axis=axis)",
         "out = np.log(np.sum(np.exp(x - m), axis=axis))"),
    )),
    Variant(VEC, "pairwise_cosine loops over every pair in Python", (
        ("    return np.clip(An @ Bn.T, -1.0, 1.0)  # (n, m)",
         "    out = np.empty((An.shape[0], Bn.shape[0]))\n"
         "    for i in range(An.shape[0]):\n"
         "        for j in range(Bn.shape[0]):\n"
         "            out[i, j] = np.dot(An[i], Bn[j])\n"
         "    return np.clip(out, -1.0, 1.0)"),
    )),
    Variant(VEC, "pairwise_cosine does not check for zero rows (nan)", (
        ("    if zero.size:\n", "    if False:\n"),
    )),
    Variant(VEC, "pairwise_cosine forgets to normalise B (dot products, not cosines)", (
        ("    An, Bn = _unit_rows(\"A\", A), _unit_rows(\"B\", B)",
         "    An, Bn = _unit_rows(\"A\", A), np.asarray(B, dtype=float)"),
    )),
    Variant(VEC, "top_k reverses an ascending sort: ties go to the higher index", (
        ('order = np.argsort(-scores, kind="stable")[:k]', "order = np.argsort(scores)[::-1][:k]"),
    )),
    Variant(VEC, "top_k uses argpartition, which fails when k exceeds the rows", (
        ('order = np.argsort(-scores, kind="stable")[:k]',
         'top = np.argpartition(-scores, k)[:k]\n'
         '    order = top[np.argsort(-scores[top], kind="stable")]'),
    )),
    Variant(VEC, "top_k accepts a negative k (slices from the end)", (
        ("    if k < 0:\n", "    if False:\n"),
    )),
    Variant(VEC, "norm returns max |x| as given: an int for p = inf on int entries", (
        ("        return float(scale)\n", "        return scale\n"),
    )),
    Variant(VEC, "norm checks nan and p < 1 but not the type: None < 1 raises TypeError", (
        ("if not isinstance(p, int | float) or math.isnan(p) or p < 1:",
         "if math.isnan(p) or p < 1:"),
    )),
    Variant(VEC, "matmul reads A[0] of an empty matrix (IndexError, not ValueError)", (
        ("    if not M or not all(isinstance(row, list | tuple) for row in M):",
         "    if not all(isinstance(row, list | tuple) for row in M):"),
        ("    widths = {len(row) for row in M}\n    if len(widths) != 1:",
         "    if any(len(row) != len(M[0]) for row in M):"),
        ("        raise ValueError(f\"matmul: the rows of {name} have different lengths {sorted(widths)}\")",
         "        raise ValueError(f\"matmul: the rows of {name} have different lengths\")"),
    )),
    Variant(VEC, "log_sum_exp without the max shift: log(sum(exp(x))) overflows", (
        ("out = np.log(np.sum(np.exp(x - m), axis=axis)) + np.squeeze(m, axis=axis)",
         "out = np.log(np.sum(np.exp(x), axis=axis))"),
    )),
    Variant(VEC, "pairwise_cosine not clipped: parallel rows give 1.0000000000000002", (
        ("    return np.clip(An @ Bn.T, -1.0, 1.0)  # (n, m)", "    return An @ Bn.T  # (n, m)"),
    )),
    Variant(VEC, "pairwise_cosine names the last all-zero row, not the first", (
        ("raise ValueError(f\"row {int(zero[0])} of", "raise ValueError(f\"row {int(zero[-1])} of"),
    )),
    Variant(VEC, "pairwise_cosine counts rows from 1 in its message", (
        ("raise ValueError(f\"row {int(zero[0])} of", "raise ValueError(f\"row {int(zero[0]) + 1} of"),
    )),
    Variant(VEC, "pairwise_cosine loops over the rows of A (one matrix-vector product each)", (
        ("    return np.clip(An @ Bn.T, -1.0, 1.0)  # (n, m)",
         "    out = np.empty((An.shape[0], Bn.shape[0]))\n"
         "    for i in range(An.shape[0]):\n"
         "        out[i] = Bn @ An[i]\n"
         "    return np.clip(out, -1.0, 1.0)"),
    )),
    Variant(VEC, "pairwise_cosine loops over the rows of B (one column at a time)", (
        ("    return np.clip(An @ Bn.T, -1.0, 1.0)  # (n, m)",
         "    out = np.empty((An.shape[0], Bn.shape[0]))\n"
         "    for j in range(Bn.shape[0]):\n"
         "        out[:, j] = An @ Bn[j]\n"
         "    return np.clip(out, -1.0, 1.0)"),
    )),
    Variant(VEC, "pairwise_cosine measures row lengths in a Python loop", (
        ("    lengths = np.linalg.norm(M, axis=1, keepdims=True)  # (rows, 1)",
         "    lengths = np.array([[np.linalg.norm(row)] for row in M]).reshape(-1, 1)"),
    )),
    Variant(VEC, "top_k returns lists, not numpy arrays", (
        ("    return order, scores[order]", "    return order.tolist(), scores[order].tolist()"),
    )),
    Variant(VEC, "top_k returns float empty arrays for k = 0", (
        ("    if k < 0:\n        raise ValueError(f\"top_k_similar: k must be >= 0, got {k!r}\")\n",
         "    if k < 0:\n        raise ValueError(f\"top_k_similar: k must be >= 0, got {k!r}\")\n"
         "    if k == 0:\n        return np.array([]), np.array([])\n"),
    )),
    # ------------------------------------------------------------ probability.py
    Variant(PROB, "posterior not normalised: returns prior × likelihood", (
        ("    return joint / evidence", "    return joint"),
    )),
    Variant(PROB, "zero evidence not checked: 0 / 0 gives nan", (
        ("    if evidence == 0:\n", "    if False:\n"),
    )),
    Variant(PROB, "entropy ignores base (always nats)", (
        ("return float(-np.sum(p[nz] * np.log(p[nz])) / math.log(base))",
         "return float(-np.sum(p[nz] * np.log(p[nz])))"),
    )),
    Variant(PROB, "entropy computes 0 * log 0 = nan", (
        ("return float(-np.sum(p[nz] * np.log(p[nz])) / math.log(base))",
         "return float(-np.sum(p * np.log(p)) / math.log(base))"),
    )),
    Variant(PROB, "cross-entropy sums over every term: 0 * log 0 = nan", (
        ("    if (q[nz] == 0).any():\n        return math.inf  # subtle: the model calls an observed outcome impossible\n"
         "    return float(-np.sum(p[nz] * np.log(q[nz])))",
         "    return float(-np.sum(p * np.log(q)))"),
    )),
    Variant(PROB, "KL with its arguments reversed", (
        ("return float(np.sum(p[nz] * (np.log(p[nz]) - np.log(q[nz]))))",
         "return float(np.sum(q[nz] * (np.log(q[nz]) - np.log(p[nz]))))"),
    )),
    Variant(PROB, "perplexity uses the sum of log-probs, not the mean", (
        ("return float(np.exp(-lp.mean()))", "return float(np.exp(-lp.sum()))"),
    )),
    Variant(PROB, "perplexity in base 2 on natural-log probabilities", (
        ("return float(np.exp(-lp.mean()))", "return float(2.0 ** (-lp.mean()))"),
    )),
    Variant(PROB, "Gaussian log density as log(pdf): -inf in the tails", (
        ("    return _as_float(-0.5 * z * z - np.log(sigma) - 0.5 * LOG_2PI)",
         "    return _as_float(np.log(np.exp(-0.5 * z * z) / (sigma * np.sqrt(2 * np.pi))))"),
    )),
    Variant(PROB, "Gaussian normaliser uses the variance: log sigma² instead of log sigma", (
        ("- np.log(sigma) - 0.5 * LOG_2PI", "- np.log(sigma**2) - 0.5 * LOG_2PI"),
    )),
    Variant(PROB, "sigma treated as the variance in the exponent", (
        ("    z = (x - mu) / sigma  # standardised distance", "    z = (x - mu) / np.sqrt(sigma)"),
    )),
    Variant(PROB, "sigma not validated", (
        ("    if (sigma <= 0).any():\n", "    if False:\n"),
    )),
    Variant(PROB, "sampler draws from the global np.random, not from rng", (
        ("    u = rng.random(n)  # (n,) uniform in [0, 1)", "    u = np.random.random(n)"),
    )),
    Variant(PROB, "sampler's CDF from the left edges: off by one category", (
        ("    cdf = np.cumsum(p / p.sum())  #", "    cdf = np.cumsum(p / p.sum()) - p  #"),
    )),
    Variant(PROB, "sampler accepts probabilities that do not sum to 1", (
        (" or abs(p.sum() - 1.0) > 1e-6:", ":"),
    )),
    Variant(PROB, "Beta update swaps successes and failures", (
        ("    return alpha + successes, beta + failures", "    return alpha + failures, beta + successes"),
    )),
    Variant(PROB, "beta_mean returns the mode", (
        ("    return alpha / (alpha + beta)", "    return (alpha - 1) / (alpha + beta - 2)"),
    )),
    Variant(PROB, "bayes_posterior does not compare shapes: a length-1 prior broadcasts", (
        ("    if prior.shape != likelihood.shape:\n", "    if False:\n"),
    )),
    Variant(PROB, "bayes_posterior checks the prior for negatives but not the likelihood", (
        ("    if (prior < 0).any() or (likelihood < 0).any():", "    if (prior < 0).any():"),
    )),
    Variant(PROB, "cross_entropy and KL do not compare shapes (IndexError from the mask, or a broadcast)", (
        ("    if p.shape != q.shape:\n", "    if False:\n"),
    )),
    Variant(PROB, "cross_entropy returns a 0-d numpy array, not a float", (
        ("    return float(-np.sum(p[nz] * np.log(q[nz])))",
         "    return np.asarray(-np.sum(p[nz] * np.log(q[nz])))"),
    )),
    Variant(PROB, "perplexity refuses log p = 0 (a token the model is sure of)", (
        ("    if (lp > 0).any():", "    if (lp >= 0).any():"),
    )),
    Variant(PROB, "gaussian_log_pdf returns a 0-d array for scalar inputs", (
        ("    return _as_float(-0.5 * z * z - np.log(sigma) - 0.5 * LOG_2PI)",
         "    return np.asarray(-0.5 * z * z - np.log(sigma) - 0.5 * LOG_2PI)"),
    )),
    Variant(PROB, "sampler demands a sum of exactly 1: [0.7, 0.2, 0.1] is refused", (
        (" or abs(p.sum() - 1.0) > 1e-6:", " or p.sum() != 1.0:"),
    )),
    Variant(PROB, "sampler checks the sum with np.isclose (tolerance 1e-5, not 1e-6)", (
        (" or abs(p.sum() - 1.0) > 1e-6:", " or not np.isclose(p.sum(), 1.0):"),
    )),
    Variant(PROB, "beta_binomial_update checks alpha but not beta", (
        ("    if alpha <= 0 or beta <= 0:\n        raise ValueError(f\"alpha and beta must be > 0, got {alpha!r}, {beta!r}\")\n    if successes",
         "    if alpha <= 0:\n        raise ValueError(f\"alpha and beta must be > 0, got {alpha!r}, {beta!r}\")\n    if successes"),
    )),
    Variant(PROB, "beta_binomial_update checks the success count only", (
        ("    if successes < 0 or failures < 0:", "    if successes < 0:"),
    )),
    Variant(PROB, "beta_mean accepts alpha = 0 (checks < 0, not <= 0)", (
        ("        raise ValueError(f\"alpha and beta must be > 0, got {alpha!r}, {beta!r}\")\n    return alpha / (alpha + beta)",
         "        raise ValueError(f\"alpha and beta must be > 0, got {alpha!r}, {beta!r}\")\n    return alpha / (alpha + beta)"),
        ("    if alpha <= 0 or beta <= 0:\n        raise ValueError(f\"alpha and beta must be > 0, got {alpha!r}, {beta!r}\")\n    return alpha",
         "    if alpha < 0 or beta < 0:\n        raise ValueError(f\"alpha and beta must be > 0, got {alpha!r}, {beta!r}\")\n    return alpha"),
    )),
]
