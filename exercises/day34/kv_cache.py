"""Day 34: a key/value cache for autoregressive decoding (numpy only).

This file is loaded on its own: it cannot import attention.py, so copy (or
rewrite) the small helpers you need from there as private functions (``_attend``,
``_split_heads``...). Run ``nox -s grade -- day34``; hints: ``nox -s hint -- day34``.
"""

from __future__ import annotations

import numpy as np  # noqa: F401 - you will need it


class KVCache:
    """Keys and values of every time step seen so far.

    ``append(k, v)`` adds t time steps along axis -2: k (..., t, d), v (..., t, dv).
    ``ValueError`` when k and v differ in their leading dims or in t (on any append,
    the first one too), or when they do not extend the cache: leading dims, d or dv
    not those of earlier appends. ``keys`` (..., T, d) and ``values`` (..., T, dv) are
    None before the first append; ``len(cache)`` is T, the number of time steps (0
    when empty).

    cache.append(np.zeros((2, 3, 4)), np.ones((2, 3, 4))); cache.append(k1, v1) with
    k1, v1 of shape (2, 1, 4) -> cache.keys.shape == (2, 4, 4) and len(cache) == 4.
    """

    def __init__(self):
        raise NotImplementedError("KVCache: run 'nox -s hint -- day34' if stuck")

    def append(self, k, v):
        """Add t time steps: k (..., t, d), v (..., t, dv)."""
        raise NotImplementedError("KVCache.append: run 'nox -s hint -- day34' if stuck")

    @property
    def keys(self):
        """Cached keys (..., T, d), or None when empty."""
        raise NotImplementedError("KVCache.keys: run 'nox -s hint -- day34' if stuck")

    @property
    def values(self):
        """Cached values (..., T, dv), or None when empty."""
        raise NotImplementedError("KVCache.values: run 'nox -s hint -- day34' if stuck")

    def __len__(self):
        """The number of cached time steps T."""
        raise NotImplementedError("KVCache.__len__: run 'nox -s hint -- day34' if stuck")


def decode_step(x_t, w_q, w_k, w_v, w_o, n_heads, cache):
    """Attend the new token(s) x_t (t, d_model) to the cache and themselves; return (t, d_model).

    Project x_t with w_q, w_k, w_v (each (d_model, d_model), applied as x_t @ w) and
    split into n_heads heads. Append the new keys and values to ``cache`` split into
    heads, shape (n_heads, t, d_model // n_heads), so len(cache) grows by exactly t.
    New token i attends to every position cached before this call and to new tokens
    0..i: the causal mask aligned to the bottom-right corner. Merge the heads and
    return ``merged @ w_o``.

    Feeding x (L, d_model) one token at a time, or a prefill chunk x[:p] then single
    tokens, into a fresh KVCache gives, row by row, the same result as
    multi_head_attention(x, w_q, w_k, w_v, w_o, n_heads, mask=causal_mask(L)).
    Example: 2 tokens cached, 2 new -> the new ones see [[T, T, T, F], [T, T, T, T]].
    """
    raise NotImplementedError("decode_step: run 'nox -s hint -- day34' if stuck")
