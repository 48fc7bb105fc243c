"""Hidden tests for exercises/day34/attention.py."""

from __future__ import annotations

import numpy as np
import pytest

from grader.testing import (
    Mistake,
    assert_close,
    attempt_module,
    expect_error,
    name_the_mistake,
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


def plain_attention(q, k, v, scale, axis=-1, mask=None):
    """softmax(q kᵀ · scale) v with the softmax over ``axis``: the right one and wrong ones.

    Masked scores are -inf; a row (or column) with nothing allowed gets zero weights.
    """
    s = q @ np.swapaxes(k, -1, -2) * scale
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    with np.errstate(all="ignore"):
        top = s.max(axis=axis, keepdims=True)
        e = np.exp(s - np.where(np.isfinite(top), top, 0.0))
        total = e.sum(axis=axis, keepdims=True)
        w = np.where(total > 0, e / np.where(total > 0, total, 1.0), 0.0)
    return w @ v, w


def name_attention_mistakes(weights, q, k, v, mask=None):
    """Raise a Mistake when the weights are what a known wrong scale or softmax axis gives."""
    d, dv, lq, lk = q.shape[-1], v.shape[-1], q.shape[-2], k.shape[-2]
    which_d = "Which array's last axis is the d in q·kᵀ / sqrt(d)?"
    wrong_scales = {
        "scores not scaled at all (no division by sqrt(d))": (
            1.0,
            "What does the 'scaled' in scaled dot-product attention divide the scores by?",
        ),
        "scores divided by d instead of sqrt(d)": (1 / d, "Is the divisor d, or its square root?"),
        "scores multiplied by sqrt(d) instead of divided": (
            np.sqrt(d),
            "Do you multiply the scores by sqrt(d), or divide them?",
        ),
        f"scores divided by sqrt(dv) = sqrt({dv}), the VALUE size, not sqrt(d) = sqrt({d}) "
        "of the queries and keys": (1 / np.sqrt(dv), which_d),
        f"scores divided by sqrt(Lk) = sqrt({lk}), the number of keys, not sqrt(d) = "
        f"sqrt({d}), the size of each key": (1 / np.sqrt(lk), which_d),
        f"scores divided by sqrt(Lq) = sqrt({lq}), the number of queries, not sqrt(d) = "
        f"sqrt({d})": (1 / np.sqrt(lq), which_d),
    }
    right = plain_attention(q, k, v, 1 / np.sqrt(d), mask=mask)[1]
    mistakes = {}
    for description, (scale, hint) in wrong_scales.items():
        wrong = plain_attention(q, k, v, scale, mask=mask)[1]
        if not np.allclose(wrong, right):  # the same value is no mistake for these shapes
            mistakes[description] = (wrong, hint)
    if mask is not None:
        mistakes["the mask is inverted: True HIDES the key"] = (
            plain_attention(q, k, v, 1 / np.sqrt(d), mask=~np.asarray(mask, bool))[1],
            "Does True in the mask mean 'may attend' or 'hide'?",
        )
    mistakes["softmax over the queries (axis -2) instead of over the keys (axis -1)"] = (
        plain_attention(q, k, v, 1 / np.sqrt(d), axis=-2, mask=mask)[1],
        "Each query's weights over the keys should sum to 1: which axis holds the keys?",
    )
    name_the_mistake(weights, mistakes, what="attention weights")


def blame_attention(attn, got, want, what):
    """When multi-head attention is wrong and so is the attempt's own attention, say so."""
    if np.shape(got) == np.shape(want) and np.allclose(got, want, rtol=1e-7, atol=1e-9):
        return
    rng = np.random.default_rng(0)
    q, k, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 3))
    try:
        out, _ = attn.scaled_dot_product_attention(q, k, v)
        right = np.allclose(out, brute_attention(q, k, v)[0])
    except Exception:
        right = False
    if not right:
        raise Mistake(
            f"{what} is wrong, and so is scaled_dot_product_attention on a plain example: "
            "multi-head attention is built on it",
            hint="Does your scaled_dot_product_attention pass its own tests first?",
        )
    x = np.arange(24.0).reshape(2, 12)
    try:
        heads = np.asarray(attn.split_heads(x, 3))
        right = np.array_equal(heads, x.reshape(2, 3, 4).swapaxes(0, 1))
        right = right and np.array_equal(np.asarray(attn.merge_heads(heads)), x)
    except Exception:
        right = False
    if not right:
        raise Mistake(
            f"{what} is wrong, and so is split_heads or merge_heads on np.arange(24).reshape(2, "
            "12) with 3 heads: multi-head attention is built on them",
            hint="Do split_heads and merge_heads pass their own tests first?",
        )


def python_steps(worker, fn, *args):
    """Python-level work of fn(*args): lines run in fn's file plus Python calls anywhere,
    counted by tracing inside the attempt's process (grader.drivers.calls.python_steps).

    Vectorised code does the same number of steps whatever the sizes of the arrays; a
    Python loop (for, while, a comprehension, np.vectorize or apply_along_axis over a
    Python function) adds at least one step per element it visits. Counting, not timing:
    the answer does not depend on how busy the machine is.
    """
    return worker.drive("calls", "python_steps", fn, list(args))


# ---------------------------------------------------------------- scaled dot-product attention


@pytest.mark.grade(
    points=2,
    hint="Work the example by hand: what are the two scores, and over which axis do you softmax?",
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
    name_attention_mistakes(
        weights,
        np.array([[1.0, 0.0]]),
        np.array([[1.0, 0.0], [0.0, 1.0]]),
        np.array([[1.0, 2.0], [3.0, 4.0]]),
    )
    assert_close(weights, [[0.6697615493266569, 0.33023845067334314]], what="weights")
    assert_close(out, [[1.6604769013466863, 2.6604769013466863]], what="out")


@pytest.mark.grade(
    points=3,
    hint="Does your transpose of k swap only its last two axes, so batch and head dims stay put?",
    task="scaled_dot_product_attention",
)
def test_attention_matches_a_brute_force_loop_over_batches_heads_and_queries(attn, ref, rng):
    # Lq != Lk and dv != d on purpose: the scale is 1/sqrt(d) of the queries and keys.
    q = rng.normal(size=(2, 3, 5, 4))
    k = rng.normal(size=(2, 3, 6, 4))
    v = rng.normal(size=(2, 3, 6, 7))
    out, weights = attn.scaled_dot_product_attention(q, k, v)
    assert np.shape(weights) == (2, 3, 5, 6), (
        f"weights should be (B, H, Lq, Lk) = (2, 3, 5, 6), got {np.shape(weights)}: "
        "did the transpose of k move the batch or head axes?"
    )
    name_attention_mistakes(weights, q, k, v)
    want_out, want_weights = brute_attention(q, k, v)
    assert_close(weights, want_weights, what="weights vs a brute-force loop")
    assert_close(out, want_out, what="out vs a brute-force loop")
    assert_close(out, ref.scaled_dot_product_attention(q, k, v)[0], what="out vs the reference")


@pytest.mark.grade(
    points=2,
    hint="Which size is the d in q·kᵀ / sqrt(d): the queries' and keys' last axis, or another?",
    task="scaled_dot_product_attention",
)
def test_attention_scales_scores_by_the_square_root_of_the_key_size(attn, rng):
    """d = 4, dv = 9, Lk = 25, Lq = 3: the right scale 1/sqrt(4) = 1/2 differs from 1/sqrt(dv) =
    1/3, 1/sqrt(Lk) = 1/5, 1/sqrt(Lq), 1/d = 1/4 and 1 (no scaling), so each wrong one shows.

    Checked against softmax(q kᵀ / 2) v written out here.
    """
    q = rng.normal(size=(2, 3, 4)) * 2
    k = rng.normal(size=(2, 25, 4)) * 2
    v = rng.normal(size=(2, 25, 9))
    out, weights = attn.scaled_dot_product_attention(q, k, v)
    name_attention_mistakes(weights, q, k, v)
    want_out, want_weights = plain_attention(q, k, v, 1 / 2)
    assert_close(weights, want_weights, what="weights with d = 4, dv = 9, Lk = 25")
    assert_close(out, want_out, what="out with d = 4, dv = 9, Lk = 25")


@pytest.mark.grade(
    points=2,
    hint="Should each query's weights, or each key's, sum to 1?",
    task="scaled_dot_product_attention",
)
def test_attention_weights_are_a_softmax_over_the_keys(attn, rng):
    q, k, v = rng.normal(size=(4, 3, 8)), rng.normal(size=(4, 5, 8)), rng.normal(size=(4, 5, 2))
    out, weights = attn.scaled_dot_product_attention(q, k, v)
    if np.shape(weights) == (4, 3, 5):
        name_attention_mistakes(weights, q, k, v)
    assert np.shape(weights) == (4, 3, 5), (
        f"weights should be (..., Lq, Lk), got {np.shape(weights)}"
    )
    assert np.shape(out) == (4, 3, 2), f"out should be (..., Lq, dv), got {np.shape(out)}"
    assert np.all(np.asarray(weights) >= 0), "attention weights must be non-negative"
    assert_close(np.sum(weights, axis=-1), np.ones((4, 3)), what="sum of each query's weights")


@pytest.mark.grade(
    points=3,
    hint="Does True in your mask mean 'may attend'? What score makes exp() exactly 0?",
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
    name_attention_mistakes(weights, q, k, v, mask)
    assert np.all(np.asarray(weights)[hidden] == 0), "a masked key received a non-zero weight"
    want_out, want_weights = brute_attention(q, k, v, mask)
    assert_close(weights, want_weights, what=f"weights with a {mask_kind} mask")
    assert_close(out, want_out, what=f"out with a {mask_kind} mask")


@pytest.mark.grade(
    points=2,
    hint="In a row that is all -inf, what is the max, and what is -inf - (-inf)?",
    task="scaled_dot_product_attention",
)
def test_a_query_with_every_key_masked_gets_zero_weights_without_nan_or_warning(attn, rng):
    q, k, v = rng.normal(size=(3, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 2))
    mask = np.ones((3, 5), bool)
    mask[1] = False  # query 1 may attend to nothing (e.g. a padding query)
    with no_warnings("attention with a fully masked row"):
        out, weights = attn.scaled_dot_product_attention(q, k, v, mask=mask)
    name_the_mistake(
        np.asarray(weights)[1],
        {
            "the fully masked query got uniform weights 1/Lk (a big negative fill like -1e9 "
            "instead of -inf, or no special case)": (
                np.full(5, 0.2),
                "With every score of a row at -1e9, what does softmax give? And with -inf?",
            ),
        },
        what="weights of the fully masked query",
    )
    name_attention_mistakes(weights, q, k, v, mask)
    assert_close(np.asarray(weights)[1], np.zeros(5), what="weights of the fully masked query")
    assert_close(np.asarray(out)[1], np.zeros(2), what="output of the fully masked query")
    assert_close(out, brute_attention(q, k, v, mask)[0], what="out of the other queries")


@pytest.mark.grade(
    points=2,
    hint="exp(1e5) overflows: what can you subtract from every score of a row first?",
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
    hint="Is there a Python loop (for, a comprehension, np.vectorize) over a batch or head axis?",
    task="scaled_dot_product_attention",
)
@pytest.mark.parametrize(
    "axis, small, big",
    [
        ("batch", (1, 2, 6, 4), (24, 2, 6, 4)),  # B grows from 1 to 24
        ("heads", (2, 1, 6, 4), (2, 24, 6, 4)),  # H grows from 1 to 24
    ],
    ids=["batch", "heads"],
)
def test_attention_has_no_python_loop_over_batch_or_heads(
    attn, attempt_worker, rng, axis, small, big
):
    mask = np.tril(np.ones((6, 6), bool))
    steps = []
    for shape in (small, big):
        q, k, v = (rng.normal(size=shape) for _ in range(3))
        steps.append(python_steps(attempt_worker, attn.scaled_dot_product_attention, q, k, v, mask))
    # vectorised code does exactly as many Python steps for 24 as for 1; a loop adds 23+
    if steps[1] - steps[0] > 10:
        raise AssertionError(
            f"scaled_dot_product_attention ran {steps[0]} Python steps for {axis} = 1 and "
            f"{steps[1]} for {axis} = 24: the work grows with the {axis} axis, so there is a "
            f"Python loop over it (the contract: no Python loop over B, H or positions)"
        )


@pytest.mark.grade(
    points=2,
    hint="Is there a Python loop (for, a comprehension, apply_along_axis) over queries or keys?",
    task="scaled_dot_product_attention",
)
def test_attention_has_no_python_loop_over_positions(attn, attempt_worker, rng):
    steps = []
    for length in (6, 48):  # Lq = Lk grows from 6 to 48
        q, k, v = (rng.normal(size=(2, 2, length, 4)) for _ in range(3))
        mask = np.tril(np.ones((length, length), bool))
        steps.append(python_steps(attempt_worker, attn.scaled_dot_product_attention, q, k, v, mask))
    # vectorised code does as many Python steps for 48 positions as for 6; a loop adds 42+
    if steps[1] - steps[0] > 10:
        raise AssertionError(
            f"scaled_dot_product_attention ran {steps[0]} Python steps for L = 6 and "
            f"{steps[1]} for L = 48: the work grows with the number of positions, so there is "
            "a Python loop over queries or keys (the contract: no Python loop over positions)"
        )


# ---------------------------------------------------------------- causal mask


def name_causal_mask_mistakes(got, seq_len):
    ones = np.ones((seq_len, seq_len), bool)
    mistakes = {
        "True ABOVE the diagonal (np.triu): each position sees the future, not the past": (
            np.triu(ones),
            "Query i may look at keys 0..i: is that below the diagonal, or above it?",
        ),
        "the diagonal is False: a position cannot see itself": (
            np.tril(ones, k=-1),
            "May position i attend to itself (key i)?",
        ),
    }
    name_the_mistake(
        np.asarray(got, dtype=float),
        {k: (w.astype(float), h) for k, (w, h) in mistakes.items()},
        what=f"causal_mask({seq_len})",
    )


@pytest.mark.grade(
    points=1,
    hint="Position i may look at positions 0..i: is that on and below the diagonal, or above?",
    task="causal_mask",
)
def test_causal_mask_is_true_on_and_below_the_diagonal(attn):
    got = np.asarray(attn.causal_mask(3))
    name_causal_mask_mistakes(got, 3)
    assert got.dtype == bool, f"the mask should be boolean, got dtype {got.dtype}"
    want = [[True, False, False], [True, True, False], [True, True, True]]  # by hand
    assert got.tolist() == want, f"causal_mask(3) should be {want}, got {got.tolist()}"


@pytest.mark.grade(
    points=1,
    hint="Does your mask work for one position? For seven?",
    task="causal_mask",
)
@pytest.mark.parametrize("seq_len", [1, 7], ids=["L=1", "L=7"])
def test_causal_mask_agrees_with_comparing_positions(attn, seq_len):
    positions = np.arange(seq_len)
    want = positions[None, :] <= positions[:, None]  # key j <= query i
    got = np.asarray(attn.causal_mask(seq_len))
    if seq_len > 1:
        name_causal_mask_mistakes(got, seq_len)
    assert got.shape == (seq_len, seq_len) and np.array_equal(got, want), (
        f"causal_mask({seq_len}) is wrong: {got.astype(int).tolist()}"
    )


# ---------------------------------------------------------------- split / merge heads


@pytest.mark.grade(
    points=2,
    hint="Does head h get columns h*dh..(h+1)*dh-1 of EVERY position, or a block of positions?",
    task="split_heads",
)
def test_split_heads_gives_each_head_its_own_columns(attn):
    """x = [[0, 1, 2, 3], [4, 5, 6, 7]], 2 heads of size 2: head 0 takes columns 0-1."""
    got = attn.split_heads(np.arange(8.0).reshape(2, 4), 2)
    assert_close(got, [[[0, 1], [4, 5]], [[2, 3], [6, 7]]], what="split_heads(x, 2)")


@pytest.mark.grade(
    points=1,
    hint="Does merge_heads undo split_heads step by step, in reverse order?",
    task="merge_heads",
)
def test_merge_heads_undoes_split_heads_with_batch_dims(attn, rng):
    x = rng.normal(size=(2, 3, 5, 12))
    heads = attn.split_heads(x, 4)
    assert np.shape(heads) == (2, 3, 4, 5, 3), f"split_heads shape: got {np.shape(heads)}"
    assert_close(heads[1, 2, 3], x[1, 2, :, 9:12], what="head 3 of batch (1, 2)")
    assert_close(attn.merge_heads(heads), x, what="merge_heads(split_heads(x, 4))")


@pytest.mark.grade(
    points=1,
    hint="Does merge_heads put head h back in columns h*dh..(h+1)*dh-1?",
    task="merge_heads",
)
def test_merge_heads_places_each_head_back_in_its_columns(attn):
    heads = np.array([[[0.0, 1.0], [4.0, 5.0]], [[2.0, 3.0], [6.0, 7.0]]])  # (H=2, L=2, dh=2)
    assert_close(attn.merge_heads(heads), np.arange(8.0).reshape(2, 4), what="merge_heads")


@pytest.mark.grade(
    points=1, hint="What is d_model % n_heads, and when must you refuse?", task="split_heads"
)
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
    hint="Do you project, split into heads, attend, merge, and only then apply w_o?",
    task="multi_head_attention",
)
@pytest.mark.parametrize(
    "shape, n_heads",
    [
        ((5, 12), 3),  # one sequence
        ((2, 5, 12), 3),  # a batch: the leading dim comes along
        ((5, 12), 1),  # one head: plain attention of the projections, then @ w_o
    ],
    ids=["(L, d) 3 heads", "(B, L, d) 3 heads", "(L, d) 1 head"],
)
def test_multi_head_attention_matches_attention_head_by_head(attn, ref, rng, shape, n_heads):
    x = rng.normal(size=shape)
    weights = random_weights(rng, 12)
    got = attn.multi_head_attention(x, *weights, n_heads)
    name_the_mistake(
        got,
        {
            "the output projection w_o is not applied": (
                brute_multi_head(x, *weights[:3], np.eye(12), n_heads),
                "What happens to the merged heads after attention: which weight is left?",
            ),
        },
        what="multi_head_attention",
    )
    want = brute_multi_head(x, *weights, n_heads)
    blame_attention(attn, got, want, "multi_head_attention")
    assert_close(got, want, what="multi_head_attention vs per-head loop")
    assert_close(got, ref.multi_head_attention(x, *weights, n_heads), what="vs the reference")


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
    want = brute_multi_head(x, *weights, 2, mask)
    blame_attention(attn, got, want, "causal multi-head attention")
    assert_close(got, want, what="causal multi-head attention")
    # causality: changing the last token must not change any earlier output
    x2 = x.copy()
    x2[:, -1] += 10.0
    again = attn.multi_head_attention(x2, *weights, 2, mask=mask)
    assert_close(again[:, :-1], got[:, :-1], what="earlier outputs after changing the last token")


@pytest.mark.grade(
    points=2,
    hint="Does a (B, 1, 1, L) padding mask reach every head unchanged, without a reshape?",
    task="multi_head_attention",
)
def test_multi_head_attention_with_a_padding_mask_per_sequence(attn, rng):
    # The mask broadcasts against (B, n_heads, L, L): (B, 1, 1, L) hides the padding keys
    # of each sequence in every head and for every query.
    x = rng.normal(size=(2, 5, 8))
    weights = random_weights(rng, 8)
    mask = (np.arange(5) < np.array([3, 5])[:, None])[:, None, None, :]  # (2, 1, 1, 5)
    got = attn.multi_head_attention(x, *weights, 2, mask=mask)
    want = np.stack([brute_multi_head(x[b], *weights, 2, mask[b, 0]) for b in range(2)])
    blame_attention(attn, got, want, "multi-head attention with a padding mask")
    assert_close(got, want, what="multi-head attention with padding mask (B, 1, 1, L)")


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
