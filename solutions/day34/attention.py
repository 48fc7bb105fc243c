"""Scaled dot-product attention and multi-head self-attention in numpy.

attention(Q, K, V) = softmax(Q Kᵀ / sqrt(d)) V, with an optional boolean mask
(True = "this query may look at this key"). Everything works on any leading
batch / head dimensions, so one call handles (B, H, L, d) without a Python loop.

Multi-head attention projects x with four (d_model, d_model) matrices, splits
the projections into ``n_heads`` heads of size d_model / n_heads, attends in
every head at once and merges the heads back before the output projection.

Left out on purpose: biases on the projections, dropout, cross-attention (the
helpers would allow it: pass different inputs for q and k/v), grouped-query
attention and the backward pass.
"""

from __future__ import annotations

import numpy as np


def _masked_softmax(scores, mask):
    """Softmax over the last axis; masked-out entries get exactly 0 weight.

    A row whose entries are all masked gets all-zero weights (not NaN).
    """
    if mask is not None:
        # subtle: -inf, not a big negative number like -1e9: with -1e9 a fully masked
        # row would still softmax to uniform weights instead of zeros.
        scores = np.where(mask, scores, -np.inf)
    row_max = scores.max(axis=-1, keepdims=True)  # (..., Lq, 1)
    # subtle: a fully masked row has max -inf, and -inf - (-inf) is NaN. Shift such
    # rows by 0 instead: exp(-inf - 0) = 0 exactly, with no warning.
    row_max = np.where(np.isfinite(row_max), row_max, 0.0)
    e = np.exp(scores - row_max)  # (..., Lq, Lk), every value in [0, 1]: no overflow
    total = e.sum(axis=-1, keepdims=True)  # (..., Lq, 1), 0 only for fully masked rows
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)


def scaled_dot_product_attention(q, k, v, mask=None):
    """``(out, weights)`` of softmax(q kᵀ / sqrt(d)) v over any leading dimensions.

    q (..., Lq, d), k (..., Lk, d), v (..., Lk, dv) -> out (..., Lq, dv) and
    weights (..., Lq, Lk), each row of weights summing to 1 (0 if fully masked).
    d is the size of the queries and keys (not dv, not a length). No Python loop over
    the leading dims or over positions.

    By hand, q = [[1, 0]], k = [[1, 0], [0, 1]], v = [[1, 2], [3, 4]]: scores are
    [1/sqrt(2), 0] = [0.7071, 0], weights [0.6698, 0.3302] and out = [1.6605, 2.6605].
    """
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    d = q.shape[-1]
    # subtle: scale by the key/query size d, not by dv or by the sequence length.
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)  # (..., Lq, Lk)
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)  # broadcast against (..., Lq, Lk)
    weights = _masked_softmax(scores, mask)  # (..., Lq, Lk): softmax over the KEYS
    return weights @ v, weights  # (..., Lq, dv), (..., Lq, Lk)


def causal_mask(seq_len):
    """(L, L) bool, True on and below the diagonal: position i sees 0..i.

    causal_mask(3) -> [[T, F, F], [T, T, F], [T, T, T]]
    """
    return np.tril(np.ones((seq_len, seq_len), dtype=bool))


def split_heads(x, n_heads):
    """(..., L, d_model) -> (..., n_heads, L, d_model // n_heads).

    Head h owns the columns h*dh .. (h+1)*dh - 1. By hand, x = [[0..3], [4..7]] and
    2 heads: head 0 = [[0, 1], [4, 5]], head 1 = [[2, 3], [6, 7]].
    """
    x = np.asarray(x)
    *lead, seq_len, d_model = x.shape
    if n_heads < 1 or d_model % n_heads:
        raise ValueError(f"d_model={d_model} is not divisible by n_heads={n_heads!r}")
    x = x.reshape(*lead, seq_len, n_heads, d_model // n_heads)  # (..., L, H, dh)
    # subtle: reshaping straight to (..., H, L, dh) would mix positions and columns;
    # split the last axis first, then swap the L and H axes.
    return np.swapaxes(x, -2, -3)  # (..., H, L, dh)


def merge_heads(x):
    """(..., n_heads, L, dh) -> (..., L, n_heads * dh); the inverse of split_heads."""
    x = np.swapaxes(np.asarray(x), -2, -3)  # (..., L, H, dh)
    *lead, seq_len, n_heads, head_dim = x.shape
    return x.reshape(*lead, seq_len, n_heads * head_dim)  # (..., L, d_model)


def multi_head_attention(x, w_q, w_k, w_v, w_o, n_heads, mask=None):
    """Multi-head self-attention of x (L, d_model) or (B, L, d_model).

    q, k, v = x @ w_q, x @ w_k, x @ w_v (each weight (d_model, d_model)); every head
    attends with scaled_dot_product_attention; the merged heads go through ``@ w_o``.
    ``mask`` broadcasts against (..., n_heads, L, L): pass causal_mask(L) for a decoder.
    Returns an array shaped like x.
    """
    x = np.asarray(x, dtype=float)
    q = split_heads(x @ w_q, n_heads)  # (..., H, L, dh)
    k = split_heads(x @ w_k, n_heads)  # (..., H, L, dh)
    v = split_heads(x @ w_v, n_heads)  # (..., H, L, dh)
    out, _ = scaled_dot_product_attention(q, k, v, mask)  # (..., H, L, dh)
    return merge_heads(out) @ w_o  # (..., L, d_model)
