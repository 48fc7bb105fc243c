"""Attention written from the contract alone (an independent attempt)."""

from __future__ import annotations

import numpy as np


def scaled_dot_product_attention(q, k, v, mask=None):
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    depth = q.shape[-1]
    logits = np.matmul(q, np.swapaxes(k, -1, -2)) / np.sqrt(depth)
    if mask is None:
        allowed = np.ones(logits.shape, dtype=bool)
    else:
        allowed = np.broadcast_to(np.asarray(mask, dtype=bool), logits.shape)
    # Masked logits become -inf; the row maximum over allowed keys keeps exp() <= 1.
    logits = np.where(allowed, logits, -np.inf)
    row_max = np.max(logits, axis=-1, keepdims=True)
    row_max = np.where(np.isfinite(row_max), row_max, 0.0)
    unnormalised = np.where(allowed, np.exp(logits - row_max), 0.0)
    totals = unnormalised.sum(axis=-1, keepdims=True)
    # A row with no allowed key has total 0: leave its weights at 0 instead of 0/0.
    weights = np.divide(unnormalised, totals, out=np.zeros_like(unnormalised), where=totals > 0)
    return np.matmul(weights, v), weights


def causal_mask(seq_len):
    return np.tril(np.ones((seq_len, seq_len), dtype=bool))


def split_heads(x, n_heads):
    x = np.asarray(x)
    *lead, length, width = x.shape
    if n_heads <= 0 or width % n_heads:
        raise ValueError(f"split_heads: d_model {width} is not divisible by {n_heads} heads")
    per_head = x.reshape(*lead, length, n_heads, width // n_heads)
    return np.swapaxes(per_head, -3, -2)


def merge_heads(x):
    x = np.asarray(x)
    *lead, heads, length, per_head = x.shape
    return np.swapaxes(x, -3, -2).reshape(*lead, length, heads * per_head)


def multi_head_attention(x, w_q, w_k, w_v, w_o, n_heads, mask=None):
    x = np.asarray(x, dtype=float)
    heads = [split_heads(x @ np.asarray(w), n_heads) for w in (w_q, w_k, w_v)]
    attended, _ = scaled_dot_product_attention(*heads, mask=mask)
    return merge_heads(attended) @ np.asarray(w_o)
