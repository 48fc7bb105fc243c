"""Hidden tests for exercises/day34/positional.py."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.testing import (
    assert_close,
    attempt_module,
    expect_error,
    name_the_mistake,
    reference_module,
)

pos = attempt_module("positional")
ref = reference_module("positional")


# ---------------------------------------------------------------- sinusoidal encoding


def sinusoid_table(seq_len, d_model, base=10000.0, exponent=None, layout="interleaved"):
    """The table written out, with the right exponent 2i / d or a wrong one; sin/cos layout."""
    i = np.arange(d_model // 2)
    exponent = 2 * i / d_model if exponent is None else exponent
    angles = np.arange(seq_len)[:, None] / base**exponent  # (L, d/2)
    pe = np.zeros((seq_len, d_model))
    if layout == "interleaved":
        pe[:, 0::2], pe[:, 1::2] = np.sin(angles), np.cos(angles)
    elif layout == "swapped":
        pe[:, 0::2], pe[:, 1::2] = np.cos(angles), np.sin(angles)
    else:  # "halves": all sines first, then all cosines
        pe[:, : d_model // 2], pe[:, d_model // 2 :] = np.sin(angles), np.cos(angles)
    return pe


def name_sinusoid_mistakes(got, seq_len, d_model, base=10000.0):
    i = np.arange(d_model // 2)
    mistakes = {
        "sin and cos swapped: cos in the even columns, sin in the odd ones": (
            sinusoid_table(seq_len, d_model, base, layout="swapped"),
            "Which columns get sin: the even ones (0, 2, ...) or the odd ones?",
        ),
        "all sines in the first half and all cosines in the second, instead of interleaved": (
            sinusoid_table(seq_len, d_model, base, layout="halves"),
            "Column 2i + 1 holds the cos of the same angle as column 2i: are yours side by side?",
        ),
        "the exponent uses the pair index i / d_model instead of 2i / d_model": (
            sinusoid_table(seq_len, d_model, base, exponent=i / d_model),
            "In base^(2i / d_model), is 2i the pair number or the even column index 0, 2, 4...?",
        ),
    }
    if base != 10000.0:
        mistakes["the base argument is ignored (10000 used instead)"] = (
            sinusoid_table(seq_len, d_model),
            f"This call passed base={base:g}: does your code use it?",
        )
    right = sinusoid_table(seq_len, d_model, base)
    mistakes = {k: m for k, m in mistakes.items() if not np.allclose(m[0], right)}
    name_the_mistake(got, mistakes, what=f"sinusoidal_positional_encoding({seq_len}, {d_model})")


@pytest.mark.grade(
    points=2,
    hint="Which columns hold sin and which cos, and which two columns share one frequency?",
    task="sinusoidal_positional_encoding",
)
def test_sinusoidal_encoding_matches_a_hand_worked_table(pos):
    """d_model = 4, base = 100: pair 0 has frequency 1, pair 1 has 1 / 100^(2/4) = 0.1.

    Row p = [sin p, cos p, sin 0.1p, cos 0.1p]; row 0 = [0, 1, 0, 1];
    row 2 = [sin 2, cos 2, sin 0.2, cos 0.2] = [0.909297, -0.416147, 0.198669, 0.980067].
    """
    got = pos.sinusoidal_positional_encoding(3, 4, base=100.0)
    name_sinusoid_mistakes(got, 3, 4, base=100.0)
    want = [
        [0.0, 1.0, 0.0, 1.0],
        [0.8414709848078965, 0.5403023058681398, 0.09983341664682815, 0.9950041652780258],
        [0.9092974268256817, -0.4161468365471424, 0.19866933079506122, 0.9800665778412416],
    ]
    assert_close(got, want, what="sinusoidal_positional_encoding(3, 4, base=100)")


@pytest.mark.grade(
    points=2,
    hint="In base^(2i / d_model), what is 2i for columns 0-1, 2-3, 4-5...?",
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
    name_sinusoid_mistakes(got, seq_len, d_model)
    assert_close(got, want, what=f"PE({seq_len}, {d_model}) vs the formula")
    assert_close(got, ref.sinusoidal_positional_encoding(seq_len, d_model), what="vs the reference")


@pytest.mark.grade(
    points=1,
    hint="Sines and cosines come in pairs: what should happen when d_model is odd?",
    task="sinusoidal_positional_encoding",
)
@pytest.mark.parametrize("d_model", [3, 7], ids=["d=3", "d=7"])
def test_sinusoidal_encoding_rejects_an_odd_d_model(pos, d_model):
    with expect_error(ValueError, f"for an odd d_model={d_model}"):
        pos.sinusoidal_positional_encoding(4, d_model)


# ---------------------------------------------------------------- RoPE


@pytest.mark.grade(
    points=1,
    hint="With d = 2 there is one pair and one frequency (1): does [1, 0] turn by 1 radian?",
    task="apply_rope",
)
def test_rope_rotates_a_2d_vector_by_its_position(pos):
    """[1, 0] at position 1 rotates by 1 radian: [cos 1, sin 1] = [0.540302, 0.841471]."""
    got = pos.apply_rope(np.array([[1.0, 0.0], [1.0, 0.0]]))  # positions 0 and 1
    name_rope_mistakes(got, np.array([[1.0, 0.0], [1.0, 0.0]]), np.arange(2))
    assert_close(got, [[1.0, 0.0], [0.5403023058681398, 0.8414709848078965]], what="apply_rope")


@pytest.mark.grade(
    points=2,
    hint="Which dimension is rotated together with dimension i: i + 1, or i + d/2?",
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
    x = np.array([[1.0, 2.0, 3.0, 4.0]])
    got = pos.apply_rope(x, positions=np.array([2]), base=100.0)
    name_rope_mistakes(got, x, np.array([2]), base=100.0)
    assert_close(got, want, what="apply_rope([1, 2, 3, 4], position 2, base 100)")


def complex_rope(x, positions, base=10000.0, pairs="half", exponent=None, sign=1.0):
    """Independent RoPE: each pair of dims as one complex number, multiplied by e^(i·angle).

    pairs="half" pairs dims i and i + d/2 (the contract); "adjacent" pairs 2i and 2i + 1
    (the interleaved convention of the RoPE paper). ``exponent`` and ``sign`` let the
    tests build the usual wrong versions.
    """
    x = np.asarray(x, float)
    d = x.shape[-1]
    half = d // 2
    exponent = np.arange(half) * 2.0 / d if exponent is None else exponent
    angles = sign * np.asarray(positions, float)[..., None] * base ** (-exponent)  # (..., L, d/2)
    if pairs == "half":
        z = (x[..., :half] + 1j * x[..., half:]) * np.exp(1j * angles)
        return np.concatenate([z.real, z.imag], axis=-1)
    z = (x[..., 0::2] + 1j * x[..., 1::2]) * np.exp(1j * angles)
    return np.stack([z.real, z.imag], axis=-1).reshape((*z.shape[:-1], d))


def name_rope_mistakes(got, x, positions, base=10000.0):
    """Raise a Mistake when the output is what a known wrong RoPE gives."""
    x = np.asarray(x, float)
    d, half = x.shape[-1], x.shape[-1] // 2
    angles = np.asarray(positions, float)[..., None] * base ** (-np.arange(half) * 2.0 / d)
    repeated = np.repeat(angles, 2, axis=-1)  # a0, a0, a1, a1, ...
    both = np.concatenate([angles, angles], axis=-1)
    swapped_halves = np.concatenate([x[..., half:], x[..., :half]], axis=-1)
    rotate_half = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)
    mistakes = {
        "interleaved pairs (0, 1), (2, 3)... (the RoPE paper's layout) instead of rotate-half "
        "pairs (i, i + d/2)": (
            complex_rope(x, positions, base, pairs="adjacent"),
            "Which dimension does dimension 0 turn with: 1, or d/2? Which convention does the "
            "docstring ask for?",
        ),
        "the angles are repeated element-wise (a0, a0, a1, a1...) while the halves are rotated": (
            x * np.cos(repeated) + rotate_half * np.sin(repeated),
            "Dims i and i + d/2 must share one angle: is your angle array [angles, angles]?",
        ),
        "rotate_half without the minus sign: concat(x2, x1) instead of concat(-x2, x1)": (
            x * np.cos(both) + swapped_halves * np.sin(both),
            "A 2-D rotation of (a, b) gives (a cos - b sin, b cos + a sin): where is your minus?",
        ),
        "cos and sin swapped: x·sin + rotate_half(x)·cos": (
            x * np.sin(both) + rotate_half * np.cos(both),
            "At position 0 the angle is 0: should RoPE leave x unchanged there?",
        ),
        "rotated the wrong way (by -angle)": (
            complex_rope(x, positions, base, sign=-1.0),
            "Is [1, 0] at position 1 turned to [cos 1, sin 1], or to [cos 1, -sin 1]?",
        ),
        "the frequencies use the pair index i / d instead of 2i / d": (
            complex_rope(x, positions, base, exponent=np.arange(half) / d),
            "In inv_freq = base^(-2i / d), is 2i the pair number or 0, 2, 4...?",
        ),
    }
    if base != 10000.0:
        mistakes["the base argument is ignored (10000 used instead)"] = (
            complex_rope(x, positions),
            f"This call passed base={base:g}: does your inv_freq use it, or a fixed 10000?",
        )
    default = np.arange(x.shape[-2])
    if np.shape(positions) != default.shape or not np.array_equal(positions, default):
        mistakes["the positions argument is ignored (0..L-1 used instead)"] = (
            complex_rope(x, default, base),
            "When positions is given, does your code use it instead of 0..L-1?",
        )
    right = complex_rope(x, positions, base)
    # a mistake that gives the right value for this input (e.g. any pairing when d = 2) is none
    mistakes = {k: m for k, m in mistakes.items() if not np.allclose(m[0], right)}
    name_the_mistake(got, mistakes, what="apply_rope")


@pytest.mark.grade(
    points=2,
    hint="Do batch and head dims in front of (L, d) just come along?",
    task="apply_rope",
)
def test_rope_matches_complex_multiplication_on_batched_input(pos, ref, rng):
    x = rng.normal(size=(2, 3, 10, 8))  # (B, H, L, d)
    got = pos.apply_rope(x)
    name_rope_mistakes(got, x, np.arange(10))
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
    hint="Is q rotated by m·θ and k by n·θ with the SAME θ for the same pair of dimensions?",
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
    hint="Does positions replace 0..L-1? Token 5 decoded alone is still at position 5.",
    task="apply_rope",
)
def test_rope_with_explicit_positions_matches_a_slice_of_the_full_sequence(pos, rng):
    x = rng.normal(size=(3, 9, 6))
    full = pos.apply_rope(x)
    tail = pos.apply_rope(x[:, 5:], positions=np.arange(5, 9))
    name_rope_mistakes(tail, x[:, 5:], np.arange(5, 9))
    assert_close(tail, np.asarray(full)[:, 5:], what="rope of tokens 5..8 given their positions")


@pytest.mark.grade(
    points=2,
    hint="This call passes base: does your inv_freq use it, or a fixed 10000?",
    task="apply_rope",
)
@pytest.mark.parametrize("base", [100.0, 1e6], ids=["base=100", "base=1e6"])
def test_rope_uses_the_base_argument(pos, rng, base):
    # inv_freq = base^(-arange(0, d, 2) / d): a smaller base turns the slow pairs faster.
    x = rng.normal(size=(6, 8))
    got = pos.apply_rope(x, base=base)
    name_rope_mistakes(got, x, np.arange(6), base=base)
    assert_close(got, complex_rope(x, np.arange(6), base), what=f"apply_rope(x, base={base:g})")


@pytest.mark.grade(
    points=2,
    hint="positions is broadcastable to (..., L): does a (B, 1, L) array give each batch its own?",
    task="apply_rope",
)
@pytest.mark.parametrize(
    "x_shape, pos_shape",
    [
        ((2, 5, 8), (2, 5)),  # x (B, L, d), one row of positions per sequence
        ((2, 3, 5, 8), (2, 1, 5)),  # x (B, H, L, d), positions shared by the heads of a batch
    ],
    ids=["(B, L)", "(B, 1, L)"],
)
def test_rope_accepts_different_positions_for_each_sequence_of_a_batch(
    pos, rng, x_shape, pos_shape
):
    # e.g. two sequences decoded with KV caches of different lengths: 0..4 and 7..11
    positions = np.arange(5) + np.array([0, 7]).reshape((2,) + (1,) * (len(pos_shape) - 1))
    x = rng.normal(size=x_shape)
    got = pos.apply_rope(x, positions=positions)
    want = np.stack([complex_rope(x[b], positions[b]) for b in range(2)])
    name_rope_mistakes(got, x, positions)
    assert_close(got, want, what=f"apply_rope with positions of shape {pos_shape}")


@pytest.mark.grade(
    points=1, hint="RoPE needs pairs of dimensions: what if d is odd?", task="apply_rope"
)
def test_rope_rejects_an_odd_last_dimension(pos):
    with expect_error(ValueError, "for x whose last axis is odd (5)"):
        pos.apply_rope(np.ones((3, 5)))
