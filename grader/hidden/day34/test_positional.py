"""Hidden tests for exercises/day34/positional.py."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.testing import assert_close, attempt_module, expect_error, reference_module

pos = attempt_module("positional")
ref = reference_module("positional")


# ---------------------------------------------------------------- sinusoidal encoding


@pytest.mark.grade(
    points=2,
    hint="Even columns hold sin, odd columns cos; the pair (2i, 2i+1) shares one frequency.",
    task="sinusoidal_positional_encoding",
)
def test_sinusoidal_encoding_matches_a_hand_worked_table(pos):
    """d_model = 4, base = 100: pair 0 has frequency 1, pair 1 has 1 / 100^(2/4) = 0.1.

    Row p = [sin p, cos p, sin 0.1p, cos 0.1p]; row 0 = [0, 1, 0, 1];
    row 2 = [sin 2, cos 2, sin 0.2, cos 0.2] = [0.909297, -0.416147, 0.198669, 0.980067].
    """
    got = pos.sinusoidal_positional_encoding(3, 4, base=100.0)
    want = [
        [0.0, 1.0, 0.0, 1.0],
        [0.8414709848078965, 0.5403023058681398, 0.09983341664682815, 0.9950041652780258],
        [0.9092974268256817, -0.4161468365471424, 0.19866933079506122, 0.9800665778412416],
    ]
    assert_close(got, want, what="sinusoidal_positional_encoding(3, 4, base=100)")


@pytest.mark.grade(
    points=2,
    hint="The exponent is 2i / d_model where 2i is the EVEN column index (0, 2, 4, ...).",
    task="sinusoidal_positional_encoding",
)
@pytest.mark.parametrize("seq_len, d_model", [(16, 8), (5, 32)], ids=["16x8", "5x32"])
def test_sinusoidal_encoding_follows_the_formula_entry_by_entry(pos, ref, seq_len, d_model):
    want = np.zeros((seq_len, d_model))
    for p in range(seq_len):  # the formula of the paper, one entry at a time
        for i in range(d_model // 2):
            angle = p / 10000.0 ** (2 * i / d_model)
            want[p, 2 * i], want[p, 2 * i + 1] = math.sin(angle), math.cos(angle)
    got = pos.sinusoidal_positional_encoding(seq_len, d_model)
    assert_close(got, want, what=f"PE({seq_len}, {d_model}) vs the formula")
    assert_close(got, ref.sinusoidal_positional_encoding(seq_len, d_model), what="vs the reference")


@pytest.mark.grade(
    points=1,
    hint="Sines and cosines come in pairs: what if d_model is odd?",
    task="sinusoidal_positional_encoding",
)
@pytest.mark.parametrize("d_model", [3, 7], ids=["d=3", "d=7"])
def test_sinusoidal_encoding_rejects_an_odd_d_model(pos, d_model):
    with expect_error(ValueError, f"for an odd d_model={d_model}"):
        pos.sinusoidal_positional_encoding(4, d_model)


# ---------------------------------------------------------------- RoPE


@pytest.mark.grade(
    points=1,
    hint="With d = 2 there is one pair and one frequency (1): RoPE is a plain 2-D rotation.",
    task="apply_rope",
)
def test_rope_rotates_a_2d_vector_by_its_position(pos):
    """[1, 0] at position 1 rotates by 1 radian: [cos 1, sin 1] = [0.540302, 0.841471]."""
    got = pos.apply_rope(np.array([[1.0, 0.0], [1.0, 0.0]]))  # positions 0 and 1
    assert_close(got, [[1.0, 0.0], [0.5403023058681398, 0.8414709848078965]], what="apply_rope")


@pytest.mark.grade(
    points=2,
    hint="Dimension i pairs with i + d/2 (rotate half), not with i + 1.",
    task="apply_rope",
)
def test_rope_pairs_each_dimension_with_the_one_half_a_vector_away(pos):
    """d = 4, base = 100, x = [1, 2, 3, 4] at position 2: inv_freq = [1, 0.1], angles [2, 0.2].

    Pair (x0, x2) = (1, 3) turns by 2 rad:
        [1 cos 2 - 3 sin 2, 3 cos 2 + 1 sin 2] = [-3.144039, -0.339143];
    pair (x1, x3) = (2, 4) turns by 0.2 rad:
        [2 cos .2 - 4 sin .2, 4 cos .2 + 2 sin .2] = [1.165456, 4.317605].
    """
    c2, s2, c02, s02 = math.cos(2), math.sin(2), math.cos(0.2), math.sin(0.2)
    want = [[1 * c2 - 3 * s2, 2 * c02 - 4 * s02, 3 * c2 + 1 * s2, 4 * c02 + 2 * s02]]
    got = pos.apply_rope(np.array([[1.0, 2.0, 3.0, 4.0]]), positions=np.array([2]), base=100.0)
    assert_close(got, want, what="apply_rope([1, 2, 3, 4], position 2, base 100)")


def complex_rope(x, positions, base=10000.0):
    """Independent RoPE: dims i and i + d/2 as one complex number, multiplied by e^(i·angle)."""
    half = x.shape[-1] // 2
    z = x[..., :half] + 1j * x[..., half:]
    angles = np.asarray(positions, float)[:, None] * base ** (-np.arange(half) * 2.0 / x.shape[-1])
    z = z * np.exp(1j * angles)
    return np.concatenate([z.real, z.imag], axis=-1)


@pytest.mark.grade(
    points=2,
    hint="Batch and head dims in front of (L, d) should just come along.",
    task="apply_rope",
)
def test_rope_matches_complex_multiplication_on_batched_input(pos, ref, rng):
    x = rng.normal(size=(2, 3, 10, 8))  # (B, H, L, d)
    got = pos.apply_rope(x)
    assert_close(got, complex_rope(x, np.arange(10)), what="apply_rope vs complex rotation")
    assert_close(got, ref.apply_rope(x), what="apply_rope vs the reference")


@pytest.mark.grade(
    points=2,
    hint="Each pair is rotated: does a rotation change a vector's length?",
    task="apply_rope",
)
def test_rope_preserves_the_norm_of_every_vector(pos, rng):
    x = rng.normal(size=(4, 12, 16))
    got = pos.apply_rope(x)
    assert_close(np.linalg.norm(got, axis=-1), np.linalg.norm(x, axis=-1), what="norms after RoPE")


@pytest.mark.grade(
    points=2,
    hint="A rotation by m then an inverse rotation by n leaves a rotation by m - n.",
    task="apply_rope",
)
@pytest.mark.parametrize(
    "m, n",
    [
        (3, 1),  # query after the key
        (1, 3),  # key after the query: the sign of m - n matters, not just its size
        (40, 40),  # same position: the plain dot product
    ],
    ids=["m>n", "m<n", "m=n"],
)
def test_rope_dot_products_depend_only_on_the_relative_position(pos, rng, m, n):
    q, k = rng.normal(size=(1, 8)), rng.normal(size=(1, 8))
    dots = [
        float(np.sum(pos.apply_rope(q, positions=[m + s]) * pos.apply_rope(k, positions=[n + s])))
        for s in (0, 5, 100)
    ]
    assert_close(
        dots[1:], [dots[0], dots[0]], what=f"<rope(q, {m}+s), rope(k, {n}+s)> for s = 5, 100"
    )
    if m == n:
        assert_close(dots[0], float(np.sum(q * k)), what="<rope(q, m), rope(k, m)> vs <q, k>")


@pytest.mark.grade(
    points=2,
    hint="positions replaces 0..L-1: token 5 of a sequence is at position 5 when decoded alone.",
    task="apply_rope",
)
def test_rope_with_explicit_positions_matches_a_slice_of_the_full_sequence(pos, rng):
    x = rng.normal(size=(3, 9, 6))
    full = pos.apply_rope(x)
    tail = pos.apply_rope(x[:, 5:], positions=np.arange(5, 9))
    assert_close(tail, np.asarray(full)[:, 5:], what="rope of tokens 5..8 given their positions")


@pytest.mark.grade(points=1, hint="RoPE needs pairs of dimensions: check d % 2.", task="apply_rope")
def test_rope_rejects_an_odd_last_dimension(pos):
    with expect_error(ValueError, "for x whose last axis is odd (5)"):
        pos.apply_rope(np.ones((3, 5)))
