"""Hidden tests for exercises/day34/kv_cache.py.

The oracle for decode_step is the REFERENCE attention module (full-sequence
multi-head attention with a causal mask) plus a brute-force loop written here.
"""

from __future__ import annotations

import numpy as np
import pytest

from grader.testing import (
    Mistake,
    assert_close,
    attempt_module,
    expect_error,
    name_the_mistake,
    reference_module,
)

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


def causal_by_hand(x, w_q, w_k, w_v, w_o, n_heads, scale=None, visible=None):
    """Causal multi-head attention written out; ``scale`` and the mask can be made wrong.

    ``visible[p]`` is how many keys (0..visible[p] - 1) position p sees: p + 1 when right.
    """
    dh = x.shape[-1] // n_heads
    scale = 1 / np.sqrt(dh) if scale is None else scale
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    visible = np.arange(1, len(x) + 1) if visible is None else visible
    out = np.zeros_like(x)
    for p in range(len(x)):
        for h in range(n_heads):
            cols = slice(h * dh, (h + 1) * dh)
            s = k[: visible[p], cols] @ q[p, cols] * scale
            w = np.exp(s - s.max())
            out[p, cols] = (w / w.sum()) @ v[: visible[p], cols]
    return out @ w_o


def name_decode_mistakes(got, x, weights, sizes):
    """Raise a Mistake when the decoded rows are what a known wrong decode_step gives."""
    if np.isnan(np.asarray(got, dtype=float)).any():
        raise Mistake(
            f"decode in chunks {sizes}: NaN in the output, the sign of a query that sees no "
            "key at all (a row of the mask with no True)",
            hint="Does each new token see itself? What does tril's diagonal offset k do?",
        )
    d_model = x.shape[-1]
    mistakes = {
        "scores scaled by 1/sqrt(d_model) instead of 1/sqrt(head size)": (
            causal_by_hand(x, *weights, N_HEADS, scale=1 / np.sqrt(d_model)),
            "Inside one head, what is the size d of the queries and keys: d_model or "
            "d_model // n_heads?",
        ),
        "the output projection w_o is not applied": (
            causal_by_hand(x, *weights[:3], np.eye(d_model), N_HEADS),
            "What happens to the merged heads at the end: which weight is left?",
        ),
    }
    starts = np.repeat(np.cumsum([0, *sizes[:-1]]), sizes)  # first position of each chunk
    ends = np.repeat(np.cumsum(sizes), sizes)  # one past the last position of each chunk
    right = np.arange(1, len(x) + 1)
    top_left = right - starts  # np.tril without an offset: new token i sees keys 0..i
    if not np.array_equal(top_left, right):
        mistakes["the causal mask of each step is aligned top-left: new tokens miss the cache"] = (
            causal_by_hand(x, *weights, N_HEADS, visible=top_left),
            "With T keys cached (after appending) and t new tokens, which keys may new token i "
            "see: 0..i, or 0..T - t + i?",
        )
    if not np.array_equal(ends, right):
        mistakes[
            "new tokens see the LATER new tokens of the same step (mask offset T, not T - t)"
        ] = (
            causal_by_hand(x, *weights, N_HEADS, visible=ends),
            "Within one step of t new tokens, may new token 0 see new token 1?",
        )
    name_the_mistake(got, mistakes, what=f"decode in chunks {sizes}", atol=1e-10)


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
    hint="Time steps live on axis -2: along which axis do you concatenate?",
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
    points=1, hint="What should len() and keys say before anything is cached?", task="KVCache"
)
def test_an_empty_cache_has_length_zero_and_no_keys(kv):
    cache = kv.KVCache()
    assert len(cache) == 0, f"a fresh cache should have length 0, got {len(cache)}"
    assert cache.keys is None and cache.values is None, "keys and values are None before append"


@pytest.mark.grade(
    points=1,
    hint="Do you compare the new k and v with each other and with what is cached?",
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


@pytest.mark.grade(
    points=1,
    hint="Do you check that k and v have the same leading dims and time steps, even on the "
    "first append?",
    task="KVCache",
)
@pytest.mark.parametrize(
    "k_shape, v_shape",
    [
        ((2, 3, 4), (2, 2, 4)),  # 3 time steps of keys, 2 of values
        ((2, 3, 4), (3, 3, 4)),  # 2 heads of keys, 3 of values
    ],
    ids=["time steps differ", "heads differ"],
)
def test_the_first_append_rejects_keys_and_values_that_do_not_match(kv, k_shape, v_shape):
    cache = kv.KVCache()
    with expect_error(ValueError, f"for k {k_shape} and v {v_shape} on an empty cache"):
        cache.append(np.zeros(k_shape), np.zeros(v_shape))


# ---------------------------------------------------------------- decode_step


@pytest.mark.grade(
    points=3,
    hint="Does one new token see every cached key and itself? Is your mask aligned to the end?",
    task="decode_step",
)
def test_decoding_one_token_at_a_time_equals_causal_attention_over_the_sequence(kv, ref_attn, rng):
    x = rng.normal(size=(8, D_MODEL))
    weights = random_weights(rng)
    got, lengths, _ = decode_in_chunks(kv, x, weights, [1] * 8)
    name_decode_mistakes(got, x, weights, [1] * 8)
    want = ref_attn.multi_head_attention(x, *weights, N_HEADS, mask=ref_attn.causal_mask(8))
    assert_close(
        got, want, rtol=0, atol=1e-10, what="token-by-token decode vs full causal attention"
    )
    assert lengths == list(range(1, 9)), f"len(cache) after each step: {lengths}, want 1..8"


@pytest.mark.grade(
    points=2,
    hint="Inside one head, what is d in q·kᵀ / sqrt(d)? And is w_o applied after merging?",
    task="decode_step",
)
def test_decoding_matches_a_brute_force_loop_over_positions_and_heads(kv, rng):
    x = rng.normal(size=(6, D_MODEL))
    weights = random_weights(rng)
    got, _, _ = decode_in_chunks(kv, x, weights, [1] * 6)
    name_decode_mistakes(got, x, weights, [1] * 6)
    want = brute_causal_attention(x, *weights, N_HEADS)
    assert_close(got, want, rtol=0, atol=1e-10, what="decode vs a brute-force loop")


@pytest.mark.grade(
    points=3,
    hint="With T keys cached after appending t new tokens, which keys may new token i see?",
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
    name_decode_mistakes(got, x, weights, sizes)
    want = ref_attn.multi_head_attention(x, *weights, N_HEADS, mask=ref_attn.causal_mask(7))
    assert_close(got, want, rtol=0, atol=1e-10, what=f"decode in chunks {sizes}")
    assert lengths == list(np.cumsum(sizes)), f"len(cache) after each step: {lengths}"


@pytest.mark.grade(
    points=2,
    hint="Are the cached keys split into heads, shape (n_heads, t, d_model // n_heads)?",
    task="decode_step",
)
def test_decode_step_caches_the_keys_and_values_split_into_heads(kv, ref_attn, rng):
    x = rng.normal(size=(5, D_MODEL))
    w_q, w_k, w_v, w_o = random_weights(rng)
    _, _, cache = decode_in_chunks(kv, x, [w_q, w_k, w_v, w_o], [2, 1, 2])
    assert_close(cache.keys, ref_attn.split_heads(x @ w_k, N_HEADS), what="cache.keys")
    assert_close(cache.values, ref_attn.split_heads(x @ w_v, N_HEADS), what="cache.values")
