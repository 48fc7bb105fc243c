"""A key/value cache for autoregressive decoding with multi-head attention.

When a decoder generates token T, the keys and values of tokens 0..T-1 are the
same as at the previous step: recomputing them costs O(T) projections per step
and O(T²) over the whole generation. The cache keeps them, so each step projects
only the new token(s) and attends over the cached keys and values.

Shapes: the cache stores keys and values already split into heads,
(..., H, T, dh) with dh = d_model / H, and grows along the time axis -2.

This file is self-contained (it is loaded alone), so it carries its own small
copies of the attention helpers. Left out on purpose: preallocated buffers (this
cache re-concatenates on every append, O(T) copying per step), eviction and
sliding windows, paged memory (vLLM), and batches of sequences of different lengths.
"""

from __future__ import annotations

import numpy as np


class KVCache:
    """Keys and values of every token seen so far, (..., T, d) each.

    ``keys`` and ``values`` are None until the first ``append``; ``len(cache)`` is T.
    ``append`` raises ``ValueError`` when k and v differ in leading dims or t (the first
    append too), or when they do not extend the cache (leading dims, d or dv differ).
    """

    def __init__(self):
        self._keys = None
        self._values = None

    def append(self, k, v):
        """Add t time steps: k (..., t, d), v (..., t, dv), leading dims as before."""
        k, v = np.asarray(k, dtype=float), np.asarray(v, dtype=float)
        if k.ndim < 2 or k.shape[:-1] != v.shape[:-1]:
            raise ValueError(f"k and v need matching (..., t) dims, got {k.shape} and {v.shape}")
        if self._keys is None:
            self._keys, self._values = k, v
            return
        if k.shape[:-2] != self._keys.shape[:-2] or k.shape[-1] != self._keys.shape[-1]:
            raise ValueError(f"k {k.shape} does not extend the cached keys {self._keys.shape}")
        if v.shape[-1] != self._values.shape[-1]:
            raise ValueError(f"v {v.shape} does not extend the cached values {self._values.shape}")
        # subtle: the time axis is -2; axis 0 would stack heads (or batches) instead.
        self._keys = np.concatenate([self._keys, k], axis=-2)  # (..., T + t, d)
        self._values = np.concatenate([self._values, v], axis=-2)  # (..., T + t, dv)

    @property
    def keys(self):
        """Cached keys (..., T, d), or None when empty."""
        return self._keys

    @property
    def values(self):
        """Cached values (..., T, dv), or None when empty."""
        return self._values

    def __len__(self):
        """The number of cached time steps T (not the size of the first axis)."""
        return 0 if self._keys is None else self._keys.shape[-2]


def _split_heads(x, n_heads):
    *lead, seq_len, d_model = x.shape
    if n_heads < 1 or d_model % n_heads:
        raise ValueError(f"d_model={d_model} is not divisible by n_heads={n_heads!r}")
    x = x.reshape(*lead, seq_len, n_heads, d_model // n_heads)  # (..., t, H, dh)
    return np.swapaxes(x, -2, -3)  # (..., H, t, dh)


def _merge_heads(x):
    x = np.swapaxes(x, -2, -3)  # (..., t, H, dh)
    return x.reshape(*x.shape[:-2], x.shape[-2] * x.shape[-1])  # (..., t, d_model)


def _attend(q, k, v, mask):
    """softmax(q kᵀ / sqrt(d), masked) v; every query here sees at least one key."""
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])  # (..., H, t, T)
    scores = np.where(mask, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True)) @ v  # (..., H, t, dh)


def _decode_mask(n_new, n_total):
    """(n_new, n_total) bool: new token i sees the n_total - n_new cached keys and new 0..i.

    The causal mask aligned bottom-right. With 2 cached and 2 new tokens:
    [[T, T, T, F], [T, T, T, T]].
    """
    # subtle: tril's diagonal offset k = n_total - n_new moves the diagonal to the
    # bottom-right corner; np.tril with k=0 (top-left) would hide the cache.
    return np.tril(np.ones((n_new, n_total), dtype=bool), k=n_total - n_new)


def decode_step(x_t, w_q, w_k, w_v, w_o, n_heads, cache):
    """Attend the new token(s) x_t (t, d_model) to the cache and themselves; grow the cache.

    New token i sees every cached position and new tokens 0..i. The cache gains
    the new keys and values split into heads, (n_heads, t, d_model / n_heads), so
    ``len(cache)`` grows by t. Returns (t, d_model). Feeding a sequence one token
    at a time (or a prefill chunk then single tokens) gives the rows of
    multi_head_attention(x, ..., mask=causal_mask(L)).
    """
    x_t = np.asarray(x_t, dtype=float)  # (t, d_model)
    q = _split_heads(x_t @ w_q, n_heads)  # (H, t, dh)
    cache.append(_split_heads(x_t @ w_k, n_heads), _split_heads(x_t @ w_v, n_heads))
    n_new, n_total = x_t.shape[-2], len(cache)
    out = _attend(q, cache.keys, cache.values, _decode_mask(n_new, n_total))  # (H, t, dh)
    return _merge_heads(out) @ w_o  # (t, d_model)
