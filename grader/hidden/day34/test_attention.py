"""Hidden tests for exercises/day34/attention.py."""

from __future__ import annotations

import numpy as np
import pytest

from grader.testing import (
    assert_close,
    assert_not_much_slower,
    attempt_module,
    expect_error,
    no_warnings,
    reference_module,
)

attn = attempt_module("attention")
ref = reference_module("attention")


def brute_attention(q, k, v, mask=None):
    """An independent oracle: one query row at a time, softmax over the allowed keys only."""
    q, k, v = np.asarray(q, float), np.asarray(k, float), np.asarray(v, float)
    lead = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    lq, lk = q.shape[-2], k.shape[-2]
    allowed = np.ones((lq, lk), bool) if mask is None else np.asarray(mask, bool)
    allowed = np.broadcast_to(allowed, (*lead, lq, lk))
    q, k, v = (np.broadcast_to(a, (*lead, *a.shape[-2:])) for a in (q, k, v))
    out = np.zeros((*lead, lq, v.shape[-1]))
    weights = np.zeros((*lead, lq, lk))
    for idx in np.ndindex(*lead):
        for i in range(lq):
            keep = allowed[idx][i]
            if not keep.any():
                continue  # a fully masked query: zero weights, zero output
            s = np.array([q[idx][i] @ k[idx][j] for j in range(lk)]) / np.sqrt(q.shape[-1])
            s = s[keep]
            w = np.exp(s - s.max())
            weights[idx][i, keep] = w / w.sum()
            out[idx][i] = weights[idx][i] @ v[idx]
    return out, weights


def brute_multi_head(x, w_q, w_k, w_v, w_o, n_heads, mask=None):
    """Independent multi-head attention: slice the columns of each head by hand."""
    x = np.asarray(x, float)
    dh = x.shape[-1] // n_heads
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    heads = []
    for h in range(n_heads):
        cols = slice(h * dh, (h + 1) * dh)
        heads.append(brute_attention(q[..., cols], k[..., cols], v[..., cols], mask)[0])
    return np.concatenate(heads, axis=-1) @ w_o


def random_weights(rng, d_model):
    return [rng.normal(size=(d_model, d_model)) / np.sqrt(d_model) for _ in range(4)]


# ---------------------------------------------------------------- scaled dot-product attention


@pytest.mark.grade(
    points=2,
    hint="Scores are q·k divided by sqrt(d); which axis does the softmax normalise?",
    task="scaled_dot_product_attention",
)
def test_attention_matches_a_hand_worked_example(attn):
    """q = [1, 0], keys [1, 0] and [0, 1], d = 2: scores [1/sqrt(2), 0] = [0.70711, 0].

    weights = [e^0.70711, 1] / (e^0.70711 + 1) = [2.02811, 1] / 3.02811 = [0.669762, 0.330238];
    out = 0.669762 * [1, 2] + 0.330238 * [3, 4] = [1.660477, 2.660477].
    """
    out, weights = attn.scaled_dot_product_attention(
        np.array([[1.0, 0.0]]),
        np.array([[1.0, 0.0], [0.0, 1.0]]),
        np.array([[1.0, 2.0], [3.0, 4.0]]),
    )
    assert_close(weights, [[0.6697615493266569, 0.33023845067334314]], what="weights")
    assert_close(out, [[1.6604769013466863, 2.6604769013466863]], what="out")


@pytest.mark.grade(
    points=3,
    hint="Use @ and np.swapaxes(k, -1, -2) so every leading batch/head dim comes along.",
    task="scaled_dot_product_attention",
)
def test_attention_matches_a_brute_force_loop_over_batches_heads_and_queries(attn, ref, rng):
    # Lq != Lk and dv != d on purpose: the scale is 1/sqrt(d) of the queries and keys.
    q = rng.normal(size=(2, 3, 5, 4))
    k = rng.normal(size=(2, 3, 6, 4))
    v = rng.normal(size=(2, 3, 6, 7))
    out, weights = attn.scaled_dot_product_attention(q, k, v)
    want_out, want_weights = brute_attention(q, k, v)
    assert_close(weights, want_weights, what="weights vs a brute-force loop")
    assert_close(out, want_out, what="out vs a brute-force loop")
    assert_close(out, ref.scaled_dot_product_attention(q, k, v)[0], what="out vs the reference")


@pytest.mark.grade(
    points=2,
    hint="Each QUERY's weights over the keys should sum to 1: softmax over the last axis.",
    task="scaled_dot_product_attention",
)
def test_attention_weights_are_a_softmax_over_the_keys(attn, rng):
    q, k, v = rng.normal(size=(4, 3, 8)), rng.normal(size=(4, 5, 8)), rng.normal(size=(4, 5, 2))
    out, weights = attn.scaled_dot_product_attention(q, k, v)
    assert np.shape(weights) == (4, 3, 5), (
        f"weights should be (..., Lq, Lk), got {np.shape(weights)}"
    )
    assert np.shape(out) == (4, 3, 2), f"out should be (..., Lq, dv), got {np.shape(out)}"
    assert np.all(np.asarray(weights) >= 0), "attention weights must be non-negative"
    assert_close(np.sum(weights, axis=-1), np.ones((4, 3)), what="sum of each query's weights")


@pytest.mark.grade(
    points=3,
    hint="True in the mask means 'may attend'. What score makes exp() exactly 0?",
    task="scaled_dot_product_attention",
)
@pytest.mark.parametrize(
    "mask_kind",
    [
        "causal",  # (L, L) lower triangle, broadcast over batch and heads
        "padding",  # (B, 1, 1, L): the last keys of each sequence are padding
        "random",  # any pattern, with at least one allowed key per row
    ],
    ids=["causal", "padding", "random"],
)
def test_masked_keys_get_exactly_zero_weight(attn, rng, mask_kind):
    q, k, v = (rng.normal(size=(2, 3, 6, 4)) for _ in range(3))
    if mask_kind == "causal":
        mask = np.tril(np.ones((6, 6), bool))
    elif mask_kind == "padding":
        lengths = np.array([4, 6])
        mask = (np.arange(6) < lengths[:, None])[:, None, None, :]  # (2, 1, 1, 6)
    else:
        mask = rng.random((2, 3, 6, 6)) < 0.5
        mask[..., 0] = True
    out, weights = attn.scaled_dot_product_attention(q, k, v, mask=mask)
    hidden = ~np.broadcast_to(mask, (2, 3, 6, 6))
    assert np.all(np.asarray(weights)[hidden] == 0), "a masked key received a non-zero weight"
    want_out, want_weights = brute_attention(q, k, v, mask)
    assert_close(weights, want_weights, what=f"weights with a {mask_kind} mask")
    assert_close(out, want_out, what=f"out with a {mask_kind} mask")


@pytest.mark.grade(
    points=2,
    hint="A row that is all -inf: what is its max, and what is -inf - (-inf)?",
    task="scaled_dot_product_attention",
)
def test_a_query_with_every_key_masked_gets_zero_weights_without_nan_or_warning(attn, rng):
    q, k, v = rng.normal(size=(3, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 2))
    mask = np.ones((3, 5), bool)
    mask[1] = False  # query 1 may attend to nothing (e.g. a padding query)
    with no_warnings("attention with a fully masked row"):
        out, weights = attn.scaled_dot_product_attention(q, k, v, mask=mask)
    assert_close(np.asarray(weights)[1], np.zeros(5), what="weights of the fully masked query")
    assert_close(np.asarray(out)[1], np.zeros(2), what="output of the fully masked query")
    assert_close(out, brute_attention(q, k, v, mask)[0], what="out of the other queries")


@pytest.mark.grade(
    points=2,
    hint="exp(1e5) overflows. What can you subtract from every score of a row first?",
    task="scaled_dot_product_attention",
)
def test_attention_is_stable_for_very_large_scores(attn, rng):
    # Scores of order 1e5: exp() of them overflows unless each row's max is subtracted.
    q, k, v = (
        rng.normal(size=(2, 4, 8)) * 300,
        rng.normal(size=(2, 5, 8)) * 300,
        rng.normal(size=(2, 5, 3)),
    )
    with no_warnings("attention with scores near 1e5"):
        out, weights = attn.scaled_dot_product_attention(q, k, v)
    want_out, want_weights = brute_attention(q, k, v)
    assert_close(weights, want_weights, what="weights for huge scores")
    assert_close(out, want_out, what="out for huge scores")


@pytest.mark.grade(
    points=2,
    hint="No Python loop over batches, heads or positions: one matmul, one softmax, one matmul.",
    task="scaled_dot_product_attention",
    time_limit=40,
)
def test_attention_is_vectorised_over_batch_heads_and_positions(attn, ref, rng):
    q, k, v = (rng.normal(size=(8, 8, 256, 64)) for _ in range(3))  # (B, H, L, d)
    mask = np.tril(np.ones((256, 256), bool))
    assert_not_much_slower(
        lambda: attn.scaled_dot_product_attention(q, k, v, mask),
        lambda: ref.scaled_dot_product_attention(q, k, v, mask),
        factor=10,
        what="scaled_dot_product_attention on (B=8, H=8, L=256, d=64)",
    )


# ---------------------------------------------------------------- causal mask


@pytest.mark.grade(
    points=1,
    hint="Position i may look at positions 0..i: on and BELOW the diagonal.",
    task="causal_mask",
)
def test_causal_mask_is_true_on_and_below_the_diagonal(attn):
    got = np.asarray(attn.causal_mask(3))
    assert got.dtype == bool, f"the mask should be boolean, got dtype {got.dtype}"
    want = [[True, False, False], [True, True, False], [True, True, True]]  # by hand
    assert got.tolist() == want, f"causal_mask(3) should be {want}, got {got.tolist()}"


@pytest.mark.grade(
    points=1, hint="Does your mask work for one position? For many?", task="causal_mask"
)
@pytest.mark.parametrize("seq_len", [1, 7], ids=["L=1", "L=7"])
def test_causal_mask_agrees_with_comparing_positions(attn, seq_len):
    positions = np.arange(seq_len)
    want = positions[None, :] <= positions[:, None]  # key j <= query i
    got = np.asarray(attn.causal_mask(seq_len))
    assert got.shape == (seq_len, seq_len) and np.array_equal(got, want), (
        f"causal_mask({seq_len}) is wrong: {got.astype(int).tolist()}"
    )


# ---------------------------------------------------------------- split / merge heads


@pytest.mark.grade(
    points=2,
    hint="Reshape to (..., L, H, dh) first, then swap the L and H axes.",
    task="split_heads",
)
def test_split_heads_gives_each_head_its_own_columns(attn):
    """x = [[0, 1, 2, 3], [4, 5, 6, 7]], 2 heads of size 2: head 0 takes columns 0-1."""
    got = attn.split_heads(np.arange(8.0).reshape(2, 4), 2)
    assert_close(got, [[[0, 1], [4, 5]], [[2, 3], [6, 7]]], what="split_heads(x, 2)")


@pytest.mark.grade(
    points=1,
    hint="merge_heads undoes split_heads step by step, in reverse order.",
    task="merge_heads",
)
def test_merge_heads_undoes_split_heads_with_batch_dims(attn, rng):
    x = rng.normal(size=(2, 3, 5, 12))
    heads = attn.split_heads(x, 4)
    assert np.shape(heads) == (2, 3, 4, 5, 3), f"split_heads shape: got {np.shape(heads)}"
    assert_close(heads[1, 2, 3], x[1, 2, :, 9:12], what="head 3 of batch (1, 2)")
    assert_close(attn.merge_heads(heads), x, what="merge_heads(split_heads(x, 4))")


@pytest.mark.grade(
    points=1, hint="merge_heads puts head h back in columns h*dh..", task="merge_heads"
)
def test_merge_heads_places_each_head_back_in_its_columns(attn):
    heads = np.array([[[0.0, 1.0], [4.0, 5.0]], [[2.0, 3.0], [6.0, 7.0]]])  # (H=2, L=2, dh=2)
    assert_close(attn.merge_heads(heads), np.arange(8.0).reshape(2, 4), what="merge_heads")


@pytest.mark.grade(points=1, hint="Check d_model % n_heads before reshaping.", task="split_heads")
@pytest.mark.parametrize(
    "d_model, n_heads",
    [
        (10, 3),  # 10 / 3 is not a whole head size
        (6, 4),  # more heads than fit
    ],
    ids=["10/3", "6/4"],
)
def test_split_heads_rejects_a_d_model_not_divisible_by_n_heads(attn, d_model, n_heads):
    with expect_error(ValueError, f"for d_model={d_model}, n_heads={n_heads}"):
        attn.split_heads(np.zeros((2, d_model)), n_heads)


# ---------------------------------------------------------------- multi-head attention


@pytest.mark.grade(
    points=3,
    hint="Project, split into heads, attend, merge, and only then apply w_o.",
    task="multi_head_attention",
)
@pytest.mark.parametrize("shape", [(5, 12), (2, 5, 12)], ids=["(L, d)", "(B, L, d)"])
def test_multi_head_attention_matches_attention_head_by_head(attn, ref, rng, shape):
    x = rng.normal(size=shape)
    weights = random_weights(rng, 12)
    got = attn.multi_head_attention(x, *weights, 3)
    assert_close(
        got, brute_multi_head(x, *weights, 3), what="multi_head_attention vs per-head loop"
    )
    assert_close(got, ref.multi_head_attention(x, *weights, 3), what="vs the reference")


@pytest.mark.grade(
    points=2,
    hint="Does the mask reach scaled_dot_product_attention in every head?",
    task="multi_head_attention",
)
def test_multi_head_attention_with_a_causal_mask(attn, rng):
    x = rng.normal(size=(2, 6, 8))
    weights = random_weights(rng, 8)
    mask = np.tril(np.ones((6, 6), bool))
    got = attn.multi_head_attention(x, *weights, 2, mask=mask)
    assert_close(got, brute_multi_head(x, *weights, 2, mask), what="causal multi-head attention")
    # causality: changing the last token must not change any earlier output
    x2 = x.copy()
    x2[:, -1] += 10.0
    again = attn.multi_head_attention(x2, *weights, 2, mask=mask)
    assert_close(again[:, :-1], got[:, :-1], what="earlier outputs after changing the last token")


@pytest.mark.grade(
    points=1,
    hint="Without a mask, self-attention has no idea of order: permute x, what happens?",
    task="multi_head_attention",
)
def test_multi_head_attention_without_a_mask_is_permutation_equivariant(attn, rng):
    x = rng.normal(size=(7, 8))
    weights = random_weights(rng, 8)
    perm = rng.permutation(7)
    got = attn.multi_head_attention(x[perm], *weights, 4)
    assert_close(got, attn.multi_head_attention(x, *weights, 4)[perm], what="attention(x[perm])")
