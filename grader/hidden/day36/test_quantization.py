"""Hidden tests for exercises/day36/quantization.py.

Hand-worked codes and scales first, then properties that hold for every input and
do not need the reference: the round-trip error of each element is at most its
scale / 2, the largest |x| of each channel maps to ±127, and codes stay in
[-127, 127]. Random weights are also compared with the reference.
"""

from __future__ import annotations

import numpy as np
import pytest

from grader.testing import (
    assert_close,
    attempt_module,
    name_the_mistake,
    reference_module,
)

qz = attempt_module("quantization")
ref = reference_module("quantization")


def check_codes(q, shape):
    assert isinstance(q, np.ndarray) and q.dtype == np.int8, (
        f"q must be an int8 array (1 byte per weight), got {getattr(q, 'dtype', type(q))}"
    )
    assert q.shape == shape, f"q must keep x's shape {shape}, got {q.shape}"


# ---------------------------------------------------------------- per tensor


@pytest.mark.grade(
    points=2,
    hint="Which |x| should map to code 127, and how do you turn x / scale into a whole code?",
    task="quantize_int8",
)
def test_per_tensor_codes_and_scale_match_a_hand_worked_example(qz):
    """x = [1.27, -0.6, 0.011, 0.0]: max|x| = 1.27 -> scale 0.01.

    x / scale = [127, -60, 1.1, 0] -> rounded [127, -60, 1, 0].
    """
    q, scale = qz.quantize_int8(np.array([1.27, -0.6, 0.011, 0.0]))
    check_codes(q, (4,))
    assert np.size(scale) == 1, f"per tensor there is one scale, got shape {np.shape(scale)}"
    assert_close(np.ravel(scale)[0], 0.01, what="the per-tensor scale")
    assert q.tolist() == [127, -60, 1, 0], f"codes: expected [127, -60, 1, 0], got {q.tolist()}"


@pytest.mark.grade(
    points=1,
    hint="What type is the scale you return for axis=None: a float, or a 0-d numpy array?",
    task="quantize_int8",
)
def test_the_per_tensor_scale_is_a_float(qz):
    _, scale = qz.quantize_int8(np.array([[0.5, -1.0], [0.25, 0.0]]))
    assert isinstance(scale, float), (
        f"per tensor the scale is a float (the docstring's contract); got {type(scale).__name__} "
        f"{scale!r}: convert it with float(...)"
    )
    assert_close(scale, 1.0 / 127, what="the per-tensor scale of max|x| = 1")


@pytest.mark.grade(
    points=1,
    hint="How do a code and its scale give back the float? Is the result a float array?",
    task="dequantize_int8",
)
def test_dequantize_matches_a_hand_worked_example(qz):
    got = qz.dequantize_int8(np.array([127, -60, 1, 0], dtype=np.int8), 0.01)
    assert_close(got, [1.27, -0.6, 0.01, 0.0], what="dequantize_int8([127, -60, 1, 0], 0.01)")
    assert np.asarray(got).dtype.kind == "f", f"expected floats, got {np.asarray(got).dtype}"


@pytest.mark.grade(
    points=2,
    hint="Does astype(np.int8) round to the nearest code, or cut toward zero?",
    task="dequantize_int8",
)
@pytest.mark.parametrize("axis", [None, 0, 1], ids=["per-tensor", "per-row", "per-column"])
def test_round_trip_error_is_at_most_half_a_scale(qz, rng, axis):
    w = rng.normal(size=(16, 24)) * rng.uniform(0.01, 3.0, size=(16, 1))  # rows of mixed size
    q, scale = qz.quantize_int8(w, axis=axis)
    back = qz.dequantize_int8(q, scale)
    ratio = w / np.asarray(scale, dtype=float)  # with the attempt's own scale
    name_the_mistake(
        np.asarray(q, dtype=float),
        {
            "the codes are x / scale truncated toward zero (astype(np.int8) without rounding)": (
                np.trunc(ratio),
                "Does astype(np.int8) round to the nearest code, or cut toward zero?",
            ),
            "the codes are x / scale rounded down (floor)": (
                np.floor(ratio),
                "Is floor the nearest code for a negative x / scale? For 0.9?",
            ),
        },
        what=f"axis={axis}: codes",
    )
    bound = np.broadcast_to(np.asarray(scale, dtype=float), w.shape) / 2
    error = np.abs(w - np.asarray(back, dtype=float))
    worst = np.unravel_index(int(np.argmax(error - bound)), w.shape)
    assert np.all(error <= bound * (1 + 1e-9)), (
        f"axis={axis}: the round-trip error at {tuple(int(i) for i in worst)} is "
        f"{error[worst]:.3g}, more than scale / 2 = {bound[worst]:.3g}"
    )


@pytest.mark.grade(
    points=1,
    hint="Which code does the largest |x| get when it is negative? Can any code be -128?",
    task="quantize_int8",
)
def test_the_largest_magnitude_maps_to_127_and_codes_stay_symmetric(qz, rng):
    x = rng.normal(size=200)
    x[17] = -4 * np.abs(x).max()  # the extreme value is negative
    q, _ = qz.quantize_int8(x)
    check_codes(q, (200,))
    assert int(q[17]) == -127, f"the largest |x| (negative) must map to -127, got {int(q[17])}"
    assert int(q.min()) >= -127 and int(q.max()) <= 127, (
        f"symmetric int8 codes lie in [-127, 127]; got [{int(q.min())}, {int(q.max())}]"
    )


# ---------------------------------------------------------------- per channel


@pytest.mark.grade(
    points=2,
    hint="Over which axes do you take max|x| for one scale per row, and does it broadcast?",
    task="quantize_int8",
)
def test_per_channel_scales_are_one_per_row_and_broadcast(qz):
    """W (3, 2), axis 0: row maxima 2.54, 0 (all zeros), 1.27 -> scales 0.02, 1.0, 0.01.

    Row 0: [1.0, -2.54] / 0.02 = [50, -127]; row 1: zeros; row 2: [0.3, 1.27] / 0.01 = [30, 127].
    """
    w = np.array([[1.0, -2.54], [0.0, 0.0], [0.3, 1.27]])
    q, scale = qz.quantize_int8(w, axis=0)
    check_codes(q, (3, 2))
    assert np.shape(scale) == (3, 1), (
        f"axis 0 of a (3, 2) weight gives one scale per row, shape (3, 1); got {np.shape(scale)}"
    )
    assert_close(scale, [[0.02], [1.0], [0.01]], what="per-row scales (an all-zero row gets 1.0)")
    assert q.tolist() == [[50, -127], [0, 0], [30, 127]], f"codes: got {q.tolist()}"
    assert_close(
        qz.dequantize_int8(q, scale), [[1.0, -2.54], [0.0, 0.0], [0.3, 1.27]], what="dequantized W"
    )


@pytest.mark.grade(
    points=1,
    hint="Does axis=-1 mean the same as axis=1 for you? And on a 3-D tensor?",
    task="quantize_int8",
)
@pytest.mark.parametrize(
    "shape, axis, scale_shape",
    [
        ((4, 6), 1, (1, 6)),  # one per column
        ((4, 6), -1, (1, 6)),  # negative axis: the same
        ((2, 5, 3), 1, (1, 5, 1)),  # a 3-D tensor: one per index of the middle axis
    ],
    ids=["columns", "negative-axis", "3d-middle-axis"],
)
def test_per_channel_scales_match_the_max_over_the_other_axes(qz, rng, shape, axis, scale_shape):
    x = rng.normal(size=shape)
    q, scale = qz.quantize_int8(x, axis=axis)
    check_codes(q, shape)
    assert np.shape(scale) == scale_shape, f"axis={axis} of {shape}: scale shape {np.shape(scale)}"
    other = tuple(a for a in range(len(shape)) if a != axis % len(shape))
    expected = np.abs(x).max(axis=other, keepdims=True) / 127  # independent: numpy max
    assert_close(scale, expected, what=f"scales for axis={axis}")


@pytest.mark.grade(
    points=1,
    hint="0 / 0 is NaN: what scale makes an all-zero channel harmless?",
    task="quantize_int8",
)
@pytest.mark.parametrize("axis", [None, 0], ids=["zero-tensor", "zero-rows"])
def test_an_all_zero_tensor_or_channel_gets_scale_one(drive_without_warnings, axis):
    x = np.zeros((3, 4))
    seen = drive_without_warnings(
        "quantization",
        "calls_recording_warnings",
        f"quantize_int8(zeros, axis={axis})",
        module="quantization",
        name="quantize_int8",
        calls=[[[x], {"axis": axis}]],
    )
    ((q, scale),) = seen["results"]
    check_codes(q, (3, 4))
    assert_close(np.ravel(scale), np.ones(np.size(scale)), what="the scale of zeros")
    assert not q.any(), f"zeros must quantize to code 0, got {q.tolist()}"


@pytest.mark.grade(
    points=1,
    hint="On small random weights, do you round each x / scale to the nearest code?",
    task="quantize_int8",
)
def test_codes_and_scales_agree_with_the_reference_on_random_weights(qz, ref, rng):
    for axis in (None, 0, 1):
        w = rng.normal(size=(8, 12)) * 0.05
        q, scale = qz.quantize_int8(w, axis=axis)
        ref_q, ref_scale = ref.quantize_int8(w, axis=axis)
        assert_close(
            np.asarray(scale, dtype=float).reshape(np.shape(ref_scale)),
            ref_scale,
            what=f"scale (axis={axis})",
        )
        differ = int(np.sum(np.asarray(q) != ref_q))
        assert differ == 0, f"axis={axis}: {differ} of {q.size} codes differ from the reference"


@pytest.mark.grade(
    points=1,
    hint="With one outlier row, does each row get its own scale, so small rows keep resolution?",
    task="quantize_int8",
)
def test_per_channel_error_is_smaller_than_per_tensor_on_rows_of_mixed_size(qz, rng):
    w = rng.normal(size=(8, 64)) * np.array([[0.01], [0.02], [0.05], [0.1], [0.5], [1], [2], [50]])
    errors = {}
    for axis in (None, 0):
        q, scale = qz.quantize_int8(w, axis=axis)
        errors[axis] = float(np.mean(np.abs(w - qz.dequantize_int8(q, scale))))
    assert errors[0] < errors[None] / 5, (
        f"mean error per row {errors[0]:.3g} vs per tensor {errors[None]:.3g}: one outlier row "
        "should not set the resolution of every row"
    )
