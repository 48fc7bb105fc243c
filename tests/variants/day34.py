"""Day 34 mistakes learners make: no 1/sqrt(d), softmax over queries, NaN rows, top-left decode mask, …"""

from __future__ import annotations

from tests.variants import Variant

ATTN = "attention.py"
POS = "positional.py"
KV = "kv_cache.py"


VARIANTS = [
    # ------------------------------------------------------------ attention.py
    Variant(ATTN, "scores not scaled by 1/sqrt(d)", (
        ("scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)  # (..., Lq, Lk)",
         "scores = q @ np.swapaxes(k, -1, -2)  # (..., Lq, Lk)"),
    )),
    Variant(ATTN, "scores scaled by 1/d instead of 1/sqrt(d)", (
        ("scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)  # (..., Lq, Lk)",
         "scores = q @ np.swapaxes(k, -1, -2) / d  # (..., Lq, Lk)"),
    )),
    Variant(ATTN, "scale uses the value size dv instead of the key size d", (
        ("    d = q.shape[-1]\n", "    d = v.shape[-1]\n"),
    )),
    Variant(ATTN, "softmax over the queries axis instead of the keys", (
        ("row_max = scores.max(axis=-1, keepdims=True)", "row_max = scores.max(axis=-2, keepdims=True)"),
        ("total = e.sum(axis=-1, keepdims=True)", "total = e.sum(axis=-2, keepdims=True)"),
    )),
    Variant(ATTN, "mask inverted: True hides the key", (
        ("scores = np.where(mask, scores, -np.inf)", "scores = np.where(mask, -np.inf, scores)"),
    )),
    Variant(ATTN, "textbook softmax gives NaN (and a warning) on a fully masked row", (
        ("    row_max = np.where(np.isfinite(row_max), row_max, 0.0)\n", ""),
        ("    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)",
         "    return e / total"),
    )),
    Variant(ATTN, "mask fills -1e9, so a fully masked row gets uniform weights", (
        ("scores = np.where(mask, scores, -np.inf)", "scores = np.where(mask, scores, -1e9)"),
    )),
    Variant(ATTN, "softmax without subtracting the row max overflows", (
        ("e = np.exp(scores - row_max)", "e = np.exp(scores)"),
    )),
    Variant(ATTN, "causal mask above the diagonal (np.triu)", (
        ("return np.tril(np.ones((seq_len, seq_len), dtype=bool))",
         "return np.triu(np.ones((seq_len, seq_len), dtype=bool))"),
    )),
    Variant(ATTN, "causal mask hides the diagonal: a token cannot see itself", (
        ("return np.tril(np.ones((seq_len, seq_len), dtype=bool))",
         "return np.tril(np.ones((seq_len, seq_len), dtype=bool), k=-1)"),
    )),
    Variant(ATTN, "split_heads reshapes to (H, L, dh) without transposing", (
        ("    x = x.reshape(*lead, seq_len, n_heads, d_model // n_heads)  # (..., L, H, dh)\n",
         "    x = x.reshape(*lead, n_heads, seq_len, d_model // n_heads)  # (..., H, L, dh)\n"),
        ("    return np.swapaxes(x, -2, -3)  # (..., H, L, dh)", "    return x"),
    )),
    Variant(ATTN, "merge_heads reshapes without transposing back", (
        ("    x = np.swapaxes(np.asarray(x), -2, -3)  # (..., L, H, dh)\n"
         "    *lead, seq_len, n_heads, head_dim = x.shape\n",
         "    x = np.asarray(x)\n"
         "    *lead, n_heads, seq_len, head_dim = x.shape\n"),
    )),
    Variant(ATTN, "multi-head attention forgets the output projection w_o", (
        ("return merge_heads(out) @ w_o  # (..., L, d_model)", "return merge_heads(out)  # (..., L, d_model)"),
    )),
    Variant(ATTN, "multi-head attention drops the mask", (
        ("out, _ = scaled_dot_product_attention(q, k, v, mask)", "out, _ = scaled_dot_product_attention(q, k, v)"),
    )),
    Variant(ATTN, "scores and outputs computed with Python loops over query and key positions", (
        ("    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)  # (..., Lq, Lk)\n",
         "    lq, lk = q.shape[-2], k.shape[-2]\n"
         "    scores = np.empty((*np.broadcast_shapes(q.shape[:-2], k.shape[:-2]), lq, lk))\n"
         "    for i in range(lq):\n"
         "        for j in range(lk):\n"
         "            scores[..., i, j] = np.sum(q[..., i, :] * k[..., j, :], axis=-1) / np.sqrt(d)\n"),
        ("    return weights @ v, weights  # (..., Lq, dv), (..., Lq, Lk)\n",
         "    out = np.zeros((*weights.shape[:-1], v.shape[-1]))\n"
         "    for i in range(weights.shape[-2]):\n"
         "        for j in range(weights.shape[-1]):\n"
         "            out[..., i, :] += weights[..., i, j, None] * v[..., j, :]\n"
         "    return out, weights\n"),
    )),
    Variant(ATTN, "scale uses the number of keys Lk instead of the key size d", (
        ("    d = q.shape[-1]\n", "    d = k.shape[-2]\n"),
    )),
    Variant(ATTN, "scores multiplied by sqrt(d) instead of divided", (
        ("scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)  # (..., Lq, Lk)",
         "scores = q @ np.swapaxes(k, -1, -2) * np.sqrt(d)  # (..., Lq, Lk)"),
    )),
    Variant(ATTN, "Python loop over the batch and head dims, attending one 2-D slice at a time", (
        ("    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))\n    d = q.shape[-1]\n",
         "    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))\n"
         "    lead = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])\n"
         "    if lead:\n"
         "        lq, lk = q.shape[-2], k.shape[-2]\n"
         "        m = np.ones((lq, lk), bool) if mask is None else np.asarray(mask, bool)\n"
         "        m = np.broadcast_to(m, (*lead, lq, lk))\n"
         "        q2, k2, v2 = (np.broadcast_to(a, (*lead, *a.shape[-2:])) for a in (q, k, v))\n"
         "        out = np.empty((*lead, lq, v.shape[-1]))\n"
         "        w = np.empty((*lead, lq, lk))\n"
         "        for idx in np.ndindex(*lead):\n"
         "            out[idx], w[idx] = scaled_dot_product_attention(q2[idx], k2[idx], v2[idx], m[idx])\n"
         "        return out, w\n"
         "    d = q.shape[-1]\n"),
    )),
    Variant(ATTN, "Python loop over the batch axis only (heads vectorised)", (
        ("    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))\n    d = q.shape[-1]\n",
         "    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))\n"
         "    if q.ndim == 4:\n"
         "        m = None if mask is None else np.broadcast_to(mask, q.shape[:-1] + k.shape[-2:-1])\n"
         "        parts = [scaled_dot_product_attention(q[b], k[b], v[b], None if m is None else m[b])\n"
         "                 for b in range(q.shape[0])]\n"
         "        return np.stack([o for o, _ in parts]), np.stack([w for _, w in parts])\n"
         "    d = q.shape[-1]\n"),
    )),
    Variant(ATTN, "Python loop over query positions, one row of scores at a time", (
        ("    weights = _masked_softmax(scores, mask)  # (..., Lq, Lk): softmax over the KEYS\n",
         "    rows = []\n"
         "    for i in range(scores.shape[-2]):\n"
         "        row_mask = None if mask is None else np.broadcast_to(\n"
         "            mask, (*mask.shape[:-2], scores.shape[-2], scores.shape[-1]))[..., i : i + 1, :]\n"
         "        rows.append(_masked_softmax(scores[..., i : i + 1, :], row_mask))\n"
         "    weights = np.concatenate(rows, axis=-2)\n"),
    )),
    Variant(ATTN, "softmax of each row through np.apply_along_axis (a Python call per row)", (
        ("    weights = _masked_softmax(scores, mask)  # (..., Lq, Lk): softmax over the KEYS\n",
         "    if mask is not None:\n"
         "        scores = np.where(mask, scores, -np.inf)\n"
         "    def _row(s):\n"
         "        if not np.isfinite(s).any():\n"
         "            return np.zeros_like(s)\n"
         "        e = np.exp(s - s.max())\n"
         "        return e / e.sum()\n"
         "    weights = np.apply_along_axis(_row, -1, scores)\n"),
    )),
    Variant(ATTN, "multi-head attention adds a head axis to the mask, breaking a (B, 1, 1, L) mask", (
        ("out, _ = scaled_dot_product_attention(q, k, v, mask)",
         "mask = None if mask is None else np.asarray(mask)[..., None, :, :]\n"
         "    out, _ = scaled_dot_product_attention(q, k, v, mask)"),
    )),
    # ------------------------------------------------------------ positional.py
    Variant(POS, "sin and cos swapped between even and odd columns", (
        ("pe[:, 0::2] = np.sin(angles)  # even columns", "pe[:, 0::2] = np.cos(angles)  # even columns"),
        ("pe[:, 1::2] = np.cos(angles)  # odd columns", "pe[:, 1::2] = np.sin(angles)  # odd columns"),
    )),
    Variant(POS, "sinusoidal exponent uses the pair index i instead of 2i", (
        ("inv_freq = base ** (-np.arange(0, d_model, 2) / d_model)  # (d/2,)",
         "inv_freq = base ** (-np.arange(d_model // 2) / d_model)  # (d/2,)"),
    )),
    Variant(POS, "sines in the first half and cosines in the second instead of interleaved", (
        ("    pe[:, 0::2] = np.sin(angles)  # even columns\n    pe[:, 1::2] = np.cos(angles)  # odd columns\n",
         "    pe[:, : d_model // 2] = np.sin(angles)\n    pe[:, d_model // 2 :] = np.cos(angles)\n"),
    )),
    Variant(POS, "RoPE pairs adjacent dimensions (2i, 2i+1) instead of halves", (
        ("    half = x.shape[-1] // 2\n"
         "    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)",
         "    return np.stack([-x[..., 1::2], x[..., 0::2]], axis=-1).reshape(x.shape)"),
        ("return np.concatenate([angles, angles], axis=-1)  # (..., L, d)",
         "return np.repeat(angles, 2, axis=-1)  # (..., L, d)"),
    )),
    Variant(POS, "rotate_half forgets the minus sign", (
        ("np.concatenate([-x[..., half:], x[..., :half]], axis=-1)",
         "np.concatenate([x[..., half:], x[..., :half]], axis=-1)"),
    )),
    Variant(POS, "RoPE angles repeated element-wise while rotating halves", (
        ("return np.concatenate([angles, angles], axis=-1)  # (..., L, d)",
         "return np.repeat(angles, 2, axis=-1)  # (..., L, d)"),
    )),
    Variant(POS, "RoPE ignores the positions argument", (
        ("    if positions is None:\n        positions = np.arange(seq_len)\n",
         "    positions = np.arange(seq_len)\n"),
    )),
    Variant(POS, "RoPE frequencies use the pair index i instead of 2i", (
        ("inv_freq = base ** (-np.arange(0, d, 2) / d)  # (d/2,)",
         "inv_freq = base ** (-np.arange(d // 2) / d)  # (d/2,)"),
    )),
    Variant(POS, "RoPE swaps cos and sin", (
        ("return x * np.cos(angles) + _rotate_half(x) * np.sin(angles)",
         "return x * np.sin(angles) + _rotate_half(x) * np.cos(angles)"),
    )),
    Variant(POS, "sinusoidal encoding ignores the base argument (always 10000)", (
        ("inv_freq = base ** (-np.arange(0, d_model, 2) / d_model)  # (d/2,)",
         "inv_freq = 10000.0 ** (-np.arange(0, d_model, 2) / d_model)  # (d/2,)"),
    )),
    Variant(POS, "RoPE ignores the base argument (always 10000)", (
        ("inv_freq = base ** (-np.arange(0, d, 2) / d)  # (d/2,)",
         "inv_freq = 10000.0 ** (-np.arange(0, d, 2) / d)  # (d/2,)"),
    )),
    Variant(POS, "RoPE angles by np.outer, which flattens a batch of positions", (
        ("angles = np.asarray(positions, dtype=float)[..., None] * inv_freq  # (..., L, d/2)",
         "angles = np.outer(np.asarray(positions, dtype=float), inv_freq)  # (L, d/2)"),
    )),
    Variant(POS, "RoPE angles from positions[:, None], which only works for 1-D positions", (
        ("angles = np.asarray(positions, dtype=float)[..., None] * inv_freq  # (..., L, d/2)",
         "angles = np.asarray(positions, dtype=float)[:, None] * inv_freq  # (L, d/2)"),
    )),
    Variant(POS, "RoPE rotates the wrong way: rotate_half gives (x2, -x1)", (
        ("np.concatenate([-x[..., half:], x[..., :half]], axis=-1)",
         "np.concatenate([x[..., half:], -x[..., :half]], axis=-1)"),
    )),
    # ------------------------------------------------------------ kv_cache.py
    Variant(KV, "decode mask aligned top-left: new tokens cannot see the cache", (
        ("return np.tril(np.ones((n_new, n_total), dtype=bool), k=n_total - n_new)",
         "return np.tril(np.ones((n_new, n_total), dtype=bool))"),
    )),
    Variant(KV, "decode mask one off: a new token cannot see itself", (
        ("return np.tril(np.ones((n_new, n_total), dtype=bool), k=n_total - n_new)",
         "return np.tril(np.ones((n_new, n_total), dtype=bool), k=n_total - n_new - 1)"),
    )),
    Variant(KV, "cache concatenates along axis 0 instead of the time axis", (
        ("self._keys = np.concatenate([self._keys, k], axis=-2)", "self._keys = np.concatenate([self._keys, k], axis=0)"),
        ("self._values = np.concatenate([self._values, v], axis=-2)",
         "self._values = np.concatenate([self._values, v], axis=0)"),
    )),
    Variant(KV, "len(cache) is len() of the array: the heads axis, not time", (
        ("return 0 if self._keys is None else self._keys.shape[-2]",
         "return 0 if self._keys is None else len(self._keys)"),
    )),
    Variant(KV, "append overwrites the cache instead of growing it", (
        ("self._keys = np.concatenate([self._keys, k], axis=-2)", "self._keys = k"),
        ("self._values = np.concatenate([self._values, v], axis=-2)", "self._values = v"),
    )),
    Variant(KV, "decode_step forgets the output projection w_o", (
        ("return _merge_heads(out) @ w_o  # (t, d_model)", "return _merge_heads(out)  # (t, d_model)"),
    )),
    Variant(KV, "append does not check that k and v have the same time steps", (
        ("if k.ndim < 2 or k.shape[:-1] != v.shape[:-1]:", "if k.ndim < 2:"),
    )),
    Variant(KV, "append checks that k and v match only when something is already cached", (
        ("        if k.ndim < 2 or k.shape[:-1] != v.shape[:-1]:\n"
         "            raise ValueError(f\"k and v need matching (..., t) dims, got {k.shape} and {v.shape}\")\n"
         "        if self._keys is None:\n"
         "            self._keys, self._values = k, v\n"
         "            return\n",
         "        if self._keys is None:\n"
         "            self._keys, self._values = k, v\n"
         "            return\n"
         "        if k.ndim < 2 or k.shape[:-1] != v.shape[:-1]:\n"
         "            raise ValueError(f\"k and v need matching (..., t) dims, got {k.shape} and {v.shape}\")\n"),
    )),
    Variant(KV, "decode mask offset by T instead of T - t: new tokens see later new tokens", (
        ("return np.tril(np.ones((n_new, n_total), dtype=bool), k=n_total - n_new)",
         "return np.tril(np.ones((n_new, n_total), dtype=bool), k=n_total)"),
    )),
    Variant(KV, "decode attention scaled by sqrt(d_model) instead of the head size", (
        ("scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])  # (..., H, t, T)",
         "scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1] * q.shape[-3])  # (..., H, t, T)"),
    )),
]
