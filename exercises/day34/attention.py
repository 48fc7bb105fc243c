"""Day 34: scaled dot-product attention and multi-head self-attention (numpy only).

Implement every function below, then run ``nox -s grade -- day34``. Stuck?
``nox -s hint -- day34`` shows the next hint (they ask questions, they do not
give answers).

Shapes use ``...`` for any leading batch / head dimensions: one call must handle
(B, H, L, d) at once, without a Python loop over B, H or positions (no ``for``,
comprehension, np.vectorize or apply_along_axis over them: hidden tests check that
the Python-level work of scaled_dot_product_attention does not grow with B, H or L).
"""

from __future__ import annotations

import numpy as np  # noqa: F401 - you will need it


def scaled_dot_product_attention(q, k, v, mask=None):
    """Return ``(out, weights)`` with weights = softmax(q @ kᵀ / sqrt(d)) and out = weights @ v.

    q (..., Lq, d), k (..., Lk, d), v (..., Lk, dv) -> out (..., Lq, dv), weights
    (..., Lq, Lk); d is the size of the queries and keys (not dv, not a length). The
    softmax runs over the keys, so each row of weights sums to 1.
    ``mask`` is None or a boolean array broadcastable to (..., Lq, Lk), True where the
    query may attend: a masked key gets weight exactly 0. A query whose keys are ALL
    masked gets all-zero weights and a zero output (no NaN, no warning). Must not
    overflow for large scores (e.g. q and k scaled by 1000). No Python loop over the
    leading dims or over positions.

    By hand, q = [[1, 0]], k = [[1, 0], [0, 1]], v = [[1, 2], [3, 4]]: scores are
    [1/sqrt(2), 0] = [0.7071, 0], weights [0.6698, 0.3302] and out = [1.6605, 2.6605].
    """
    raise NotImplementedError("scaled_dot_product_attention: run 'nox -s hint -- day34' if stuck")


def causal_mask(seq_len):
    """(seq_len, seq_len) boolean array, True on and below the diagonal (i sees 0..i).

    causal_mask(3) -> [[True, False, False], [True, True, False], [True, True, True]]
    """
    raise NotImplementedError("causal_mask: run 'nox -s hint -- day34' if stuck")


def split_heads(x, n_heads):
    """(..., L, d_model) -> (..., n_heads, L, d_model // n_heads).

    Head h gets the columns h*dh .. (h+1)*dh - 1 of every position (dh = d_model //
    n_heads). ``ValueError`` when d_model is not divisible by n_heads.

    x = [[0, 1, 2, 3], [4, 5, 6, 7]], 2 heads -> [[[0, 1], [4, 5]], [[2, 3], [6, 7]]]
    """
    raise NotImplementedError("split_heads: run 'nox -s hint -- day34' if stuck")


def merge_heads(x):
    """(..., n_heads, L, dh) -> (..., L, n_heads * dh): the inverse of split_heads.

    merge_heads(split_heads(x, h)) equals x for every valid h.
    """
    raise NotImplementedError("merge_heads: run 'nox -s hint -- day34' if stuck")


def multi_head_attention(x, w_q, w_k, w_v, w_o, n_heads, mask=None):
    """Multi-head self-attention of x (L, d_model) or (B, L, d_model); same shape out.

    q, k, v = x @ w_q, x @ w_k, x @ w_v (each weight is (d_model, d_model)); split
    each into n_heads heads, run scaled_dot_product_attention in all heads at once,
    merge the heads and return ``merged @ w_o``. ``mask`` broadcasts against
    (..., n_heads, L, L), e.g. causal_mask(L) for a decoder.

    With n_heads = 1 this is scaled_dot_product_attention(x @ w_q, x @ w_k, x @ w_v)
    followed by ``@ w_o``.
    """
    raise NotImplementedError("multi_head_attention: run 'nox -s hint -- day34' if stuck")
