"""Hidden tests for exercises/day35/lora.py.

The unmerged forward pass is checked against the merged matrix computed here with
numpy, and "never forms a (d_out, d_in) matrix" is checked by measuring the memory
the call allocates (tracemalloc sees numpy's allocations), inside the attempt's
process (grader.drivers.day35): deterministic, no timing.
"""

from __future__ import annotations

import numpy as np
import pytest

from grader.testing import (
    assert_close,
    attempt_module,
    expect_error,
    name_the_mistake,
    reference_module,
)

m = attempt_module("lora")
ref = reference_module("lora")


def random_layer(rng, d_out=7, d_in=5, r=3):
    W = rng.normal(size=(d_out, d_in))
    A = rng.normal(size=(r, d_in))
    B = rng.normal(size=(d_out, r))
    return W, A, B


@pytest.mark.grade(
    points=2, hint="x Wᵀ plus the scaled (x Aᵀ) Bᵀ. What is x Aᵀ here?", task="lora_forward"
)
def test_lora_forward_and_merge_match_a_hand_worked_rank_one_example(m):
    # W = I, A = [[1, 1]], B = [[1], [0]], alpha = 2, r = 1 -> scale 2.
    # x Wᵀ = [1, 2]; x Aᵀ = [3]; (x Aᵀ) Bᵀ = [3, 0]; so [1 + 2·3, 2 + 0] = [7, 2].
    W, A, B, x = np.eye(2), np.array([[1.0, 1.0]]), np.array([[1.0], [0.0]]), np.array([1.0, 2.0])
    assert_close(m.lora_forward(x, W, A, B, 2.0), [7.0, 2.0], what="lora_forward")
    # W + 2 · B A = I + 2 · [[1, 1], [0, 0]] = [[3, 2], [0, 1]]
    assert_close(m.merge_lora(W, A, B, 2.0), [[3.0, 2.0], [0.0, 1.0]], what="merge_lora")


ALPHA_HINT = "Is the update scaled by alpha alone, or by alpha divided by the rank r?"


@pytest.mark.grade(
    points=2,
    hint="Which number scales B A: alpha, or alpha / r with r = A.shape[0]?",
    task="lora_forward",
)
def test_lora_scales_the_update_by_alpha_over_r(m):
    # r = 2, alpha = 4 -> scale 2: W' = I + 2 · I·I = 3·I, so x = [1, 2] -> [3, 6]
    # (scaling by alpha alone would give 5·I -> [5, 10])
    W = A = B = np.eye(2)
    out = m.lora_forward(np.array([1.0, 2.0]), W, A, B, 4.0)
    name_the_mistake(
        out, {"scaled by alpha, not alpha / r": ([5.0, 10.0], ALPHA_HINT)}, what="lora_forward"
    )
    assert_close(out, [3.0, 6.0], what="lora_forward")
    merged = m.merge_lora(W, A, B, 4.0)
    name_the_mistake(
        merged, {"scaled by alpha, not alpha / r": (5 * np.eye(2), ALPHA_HINT)}, what="merge_lora"
    )
    assert_close(merged, 3 * np.eye(2), what="merge_lora")


@pytest.mark.grade(
    points=2,
    hint="Does your forward pass accept x with any number of leading axes?",
    task="lora_forward",
)
@pytest.mark.parametrize(
    "x_shape", [(5,), (4, 5), (2, 3, 5)], ids=["vector", "batch", "batch-time"]
)
def test_lora_forward_equals_the_merged_layer_on_random_inputs(m, rng, x_shape):
    W, A, B = random_layer(rng)
    x = rng.normal(size=x_shape)
    alpha = 7.0  # r = 3: alpha / r = 2.333…, not an integer
    expected = x @ (W + alpha / 3 * (B @ A)).T  # independent: merge with numpy, then one matmul
    out = m.lora_forward(x, W, A, B, alpha)
    name_the_mistake(
        out,
        {
            "scaled by alpha // r = 2 (integer division), not alpha / r = 7/3": (
                x @ (W + 2.0 * (B @ A)).T,
                "What does alpha // r give when r does not divide alpha?",
            ),
            "r read from A.shape[1] (d_in = 5), not A.shape[0] (r = 3)": (
                x @ (W + alpha / 5 * (B @ A)).T,
                "Which axis of A (r, d_in) holds the rank r?",
            ),
        },
        what="lora_forward",
    )
    assert_close(out, expected, rtol=1e-10, what="lora_forward")


@pytest.mark.grade(
    points=1, hint="With B = 0 the update B A vanishes. What is left?", task="lora_forward"
)
def test_lora_with_b_zero_is_exactly_the_base_layer(m, rng):
    # LoRA initialises B to zero so that training starts from the base model
    W, A, _ = random_layer(rng)
    x = rng.normal(size=(6, 5))
    assert_close(m.lora_forward(x, W, A, np.zeros((7, 3)), 16.0), x @ W.T, what="B = 0")


@pytest.mark.grade(
    points=3,
    hint="Associativity: x (B A)ᵀ = (x Aᵀ) Bᵀ. Which order never builds a (d_out, d_in) array?",
    task="lora_forward",
)
def test_lora_forward_never_allocates_a_d_out_by_d_in_matrix(m, ref, rng, attempt_worker):
    d_out, d_in, r = 1024, 768, 8
    W, A, B = random_layer(rng, d_out, d_in, r)
    x = rng.normal(size=(4, d_in))
    merged_bytes = d_out * d_in * 8  # 6 MiB for one float64 (d_out, d_in) array
    # tracemalloc must watch the call where it runs, in the attempt's process: here it
    # would count the copies of W, A and B on their way there. The driver warms up
    # (first-call imports, caches), then measures a second call.
    seen = attempt_worker.drive("day35", "lora_forward_peak", x, W, A, B, 16.0)
    peak = seen["peak_bytes"]
    assert peak < merged_bytes / 4, (
        f"lora_forward allocated {peak / 2**20:.1f} MiB at its peak, as much as a "
        f"({d_out}, {d_in}) matrix ({merged_bytes / 2**20:.0f} MiB): it must not form "
        "B @ A, W + …, or a copy of W"
    )
    assert_close(seen["result"], ref.lora_forward(x, W, A, B, 16.0), rtol=1e-9, what="lora_forward")


@pytest.mark.grade(
    points=2, hint="Return a new array: does W look the same after the call?", task="merge_lora"
)
def test_merge_lora_returns_a_new_matrix_and_leaves_w_untouched(m, rng):
    W, A, B = random_layer(rng)
    W_before = W.copy()
    merged = m.merge_lora(W, A, B, 6.0)
    assert_close(W, W_before, what="W after merge_lora (it must not change)")
    assert_close(merged, W_before + 2.0 * (B @ A), what="merge_lora (alpha / r = 6 / 3)")
    x = rng.normal(size=(3, 5))
    assert_close(
        x @ np.asarray(merged).T, m.lora_forward(x, W, A, B, 6.0), what="merged vs unmerged"
    )


@pytest.mark.grade(
    points=2,
    hint="How many numbers do A (r, d_in) and B (d_out, r) hold? Is W trained?",
    task="lora_param_count",
)
@pytest.mark.parametrize(
    "d_out, d_in, r, lora",
    [
        (4096, 4096, 8, 65_536),  # 8·4096 + 4096·8: 0.39 % of 4096²
        (1024, 512, 4, 6_144),  # 4·(512 + 1024); a non-square layer
    ],
    ids=["square-4096-r8", "1024x512-r4"],
)
def test_lora_param_count_matches_hand_worked_values(m, d_out, d_in, r, lora):
    got = m.lora_param_count(d_out, d_in, r)
    name_the_mistake(
        got,
        {
            "only A counted (r·d_in)": (r * d_in, "B has d_out·r numbers too: did you count it?"),
            "only B counted (d_out·r)": (d_out * r, "A has r·d_in numbers too: did you count it?"),
            "the frozen W counted too": (
                r * (d_in + d_out) + d_out * d_in,
                "Is W trained by LoRA, or frozen?",
            ),
        },
        what=f"lora_param_count({d_out}, {d_in}, {r})",
    )
    assert got == lora, f"lora_param_count({d_out}, {d_in}, {r}) gave {got!r}, expected {lora}"


@pytest.mark.grade(
    points=1, hint="How many numbers does W (d_out, d_in) hold?", task="lora_param_count"
)
@pytest.mark.parametrize(
    "d_out, d_in, full",
    [(4096, 4096, 16_777_216), (1024, 512, 524_288)],  # 4096²; a non-square layer
    ids=["square-4096", "1024x512"],
)
def test_full_param_count_matches_hand_worked_values(m, d_out, d_in, full):
    got = m.full_param_count(d_out, d_in)
    assert got == full, f"full_param_count({d_out}, {d_in}) gave {got!r}, expected {full}"


@pytest.mark.grade(
    points=1,
    hint="Do you check that A is (r, d_in) and B is (d_out, r) for W (d_out, d_in)?",
    task="lora_forward",
)
@pytest.mark.parametrize(
    "fn, b_shape, a_rank, why",
    [
        ("lora_forward", (7, 2), 3, "when A is (3, 5) but B is (7, 2)"),  # ranks differ
        ("merge_lora", (6, 3), 3, "when W is (7, 5) but B is (6, 3)"),  # d_out differs
        # B with ONE row: numpy would broadcast it over all 7 outputs without a word
        ("lora_forward", (1, 3), 3, "when W is (7, 5) but B is (1, 3) (broadcasting hides it)"),
        ("merge_lora", (1, 3), 3, "when W is (7, 5) but B is (1, 3) (broadcasting hides it)"),
    ],
    ids=["rank-mismatch", "d_out-mismatch", "forward-broadcast-trap", "merge-broadcast-trap"],
)
def test_lora_rejects_shapes_that_do_not_fit(m, fn, b_shape, a_rank, why):
    W, A, B = np.ones((7, 5)), np.ones((a_rank, 5)), np.ones(b_shape)
    with expect_error(ValueError, why):
        if fn == "lora_forward":
            m.lora_forward(np.ones(5), W, A, B, 1.0)
        else:
            m.merge_lora(W, A, B, 1.0)


@pytest.mark.grade(points=1, hint="Can a layer or an adapter have 0 rows?", task="lora_param_count")
@pytest.mark.parametrize(
    "fn, args",
    [
        ("lora_param_count", (16, 16, 0)),  # rank 0 is no adapter at all
        ("lora_param_count", (-4, 16, 2)),  # a negative width
        ("lora_param_count", (16, 0, 2)),  # a layer with no inputs
        ("full_param_count", (16, 0)),  # a layer with no inputs
        ("full_param_count", (0, 16)),  # a layer with no outputs
    ],
    ids=["rank-zero", "negative-d_out", "lora-zero-d_in", "full-zero-d_in", "full-zero-d_out"],
)
def test_param_counts_reject_sizes_below_one(m, fn, args):
    with expect_error(ValueError, f"for {fn}{args}"):
        getattr(m, fn)(*args)
