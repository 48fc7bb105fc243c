"""Hidden tests for exercises/day34/kv_cache.py.

The oracle for decode_step is the REFERENCE attention module (full-sequence
multi-head attention with a causal mask) plus a brute-force loop written here.
"""

from __future__ import annotations

import numpy as np
import pytest

from grader.testing import assert_close, attempt_module, expect_error, reference_module

kv = attempt_module("kv_cache")
ref_attn = reference_module("attention")

D_MODEL, N_HEADS = 12, 3


def random_weights(rng, d_model=D_MODEL):
    return [rng.normal(size=(d_model, d_model)) / np.sqrt(d_model) for _ in range(4)]


def brute_causal_attention(x, w_q, w_k, w_v, w_o, n_heads):
    """Independent: for every position and head, softmax over keys 0..p, written out."""
    dh = x.shape[-1] // n_heads
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    out = np.zeros_like(x)
    for p in range(len(x)):
        for h in range(n_heads):
            cols = slice(h * dh, (h + 1) * dh)
            s = k[: p + 1, cols] @ q[p, cols] / np.sqrt(dh)
            w = np.exp(s - s.max())
            out[p, cols] = (w / w.sum()) @ v[: p + 1, cols]
    return out @ w_o


def decode_in_chunks(kv, x, weights, sizes):
    """Feed x through decode_step in chunks of the given sizes; return rows and lengths."""
    cache = kv.KVCache()
    rows, lengths, start = [], [], 0
    for size in sizes:
        rows.append(np.asarray(kv.decode_step(x[start : start + size], *weights, N_HEADS, cache)))
        lengths.append(len(cache))
        start += size
    return np.concatenate(rows), lengths, cache


# ---------------------------------------------------------------- KVCache


@pytest.mark.grade(
    points=2,
    hint="Time steps live on axis -2: which axis does np.concatenate need?",
    task="KVCache",
)
def test_cache_appends_time_steps_along_axis_minus_two(kv):
    """Keys (2 heads, 3 steps, d 4) then (2, 1, 4): by hand the cache holds (2, 4, 4)."""
    cache = kv.KVCache()
    k0, v0 = np.zeros((2, 3, 4)), np.ones((2, 3, 5))
    k1, v1 = np.full((2, 1, 4), 7.0), np.full((2, 1, 5), 8.0)
    cache.append(k0, v0)
    cache.append(k1, v1)
    assert len(cache) == 4, f"3 + 1 time steps were appended, len(cache) is {len(cache)}"
    assert_close(cache.keys, np.concatenate([k0, k1], axis=1), what="cache.keys")
    assert_close(cache.values, np.concatenate([v0, v1], axis=1), what="cache.values")


@pytest.mark.grade(
    points=1, hint="What should len() say before anything is cached?", task="KVCache"
)
def test_an_empty_cache_has_length_zero_and_no_keys(kv):
    cache = kv.KVCache()
    assert len(cache) == 0, f"a fresh cache should have length 0, got {len(cache)}"
    assert cache.keys is None and cache.values is None, "keys and values are None before append"


@pytest.mark.grade(
    points=1,
    hint="Compare the new k's leading dims and last dim with what is cached.",
    task="KVCache",
)
@pytest.mark.parametrize(
    "k_shape, v_shape",
    [
        ((3, 1, 4), (3, 1, 4)),  # 3 heads where the cache has 2
        ((2, 1, 6), (2, 1, 4)),  # keys of size 6 where the cache holds size 4
        ((2, 2, 4), (2, 1, 4)),  # k and v with different numbers of time steps
    ],
    ids=["heads differ", "key size differs", "k and v differ"],
)
def test_cache_rejects_keys_that_do_not_extend_it(kv, k_shape, v_shape):
    cache = kv.KVCache()
    cache.append(np.zeros((2, 3, 4)), np.zeros((2, 3, 4)))
    with expect_error(ValueError, f"for k {k_shape}, v {v_shape} after (2, 3, 4)"):
        cache.append(np.zeros(k_shape), np.zeros(v_shape))


# ---------------------------------------------------------------- decode_step


@pytest.mark.grade(
    points=3,
    hint="One new token should see every cached key and itself. Is your mask aligned to the end?",
    task="decode_step",
)
def test_decoding_one_token_at_a_time_equals_causal_attention_over_the_sequence(kv, ref_attn, rng):
    x = rng.normal(size=(8, D_MODEL))
    weights = random_weights(rng)
    got, lengths, _ = decode_in_chunks(kv, x, weights, [1] * 8)
    want = ref_attn.multi_head_attention(x, *weights, N_HEADS, mask=ref_attn.causal_mask(8))
    assert_close(
        got, want, rtol=0, atol=1e-10, what="token-by-token decode vs full causal attention"
    )
    assert lengths == list(range(1, 9)), f"len(cache) after each step: {lengths}, want 1..8"


@pytest.mark.grade(
    points=2,
    hint="Scale by sqrt of the HEAD size, and apply w_o after merging the heads.",
    task="decode_step",
)
def test_decoding_matches_a_brute_force_loop_over_positions_and_heads(kv, rng):
    x = rng.normal(size=(6, D_MODEL))
    weights = random_weights(rng)
    got, _, _ = decode_in_chunks(kv, x, weights, [1] * 6)
    want = brute_causal_attention(x, *weights, N_HEADS)
    assert_close(got, want, rtol=0, atol=1e-10, what="decode vs a brute-force loop")


@pytest.mark.grade(
    points=3,
    hint="With T cached keys and t new tokens, new token i sees keys 0..T - t + i.",
    task="decode_step",
)
@pytest.mark.parametrize(
    "sizes",
    [
        [4, 1, 1, 1],  # prefill a prompt of 4, then decode one by one
        [3, 2, 2],  # several new tokens at once after a cache: bottom-right causal mask
        [7],  # the whole sequence in one prefill
    ],
    ids=["prefill 4 then 1s", "3 then 2s", "one prefill"],
)
def test_prefill_then_decode_equals_causal_attention(kv, ref_attn, rng, sizes):
    x = rng.normal(size=(7, D_MODEL))
    weights = random_weights(rng)
    got, lengths, _ = decode_in_chunks(kv, x, weights, sizes)
    want = ref_attn.multi_head_attention(x, *weights, N_HEADS, mask=ref_attn.causal_mask(7))
    assert_close(got, want, rtol=0, atol=1e-10, what=f"decode in chunks {sizes}")
    assert lengths == list(np.cumsum(sizes)), f"len(cache) after each step: {lengths}"


@pytest.mark.grade(
    points=2,
    hint="Cache the new keys and values split into heads: (n_heads, t, d_model // n_heads).",
    task="decode_step",
)
def test_decode_step_caches_the_keys_and_values_split_into_heads(kv, ref_attn, rng):
    x = rng.normal(size=(5, D_MODEL))
    w_q, w_k, w_v, w_o = random_weights(rng)
    _, _, cache = decode_in_chunks(kv, x, [w_q, w_k, w_v, w_o], [2, 1, 2])
    assert_close(cache.keys, ref_attn.split_heads(x @ w_k, N_HEADS), what="cache.keys")
    assert_close(cache.values, ref_attn.split_heads(x @ w_v, N_HEADS), what="cache.values")
