"""Symmetric int8 quantisation of weights, per tensor or per channel.

A float tensor x is stored as int8 codes q and a float scale, with x ~ q * scale::

    scale = max|x| / 127          (per tensor, or one scale per channel)
    q     = clip(round(x / scale), -127, 127)   as int8

Symmetric means zero maps to code 0 and the range is [-127, 127]: -128 is left
unused so that q and -q are both representable. Per-channel scales (one per output
row of a weight matrix) keep one outlier row from wasting the resolution of every
other row. Rounding to the nearest code makes the round-trip error at most
scale / 2 per element. Left out: asymmetric (zero-point) schemes, int4 and group
quantisation, activation quantisation and calibration.
"""

from __future__ import annotations

import numpy as np

QMAX = 127  # symmetric int8: codes in [-127, 127]


def _reduce_axes(ndim, axis):
    """The axes to take the max over: all of them, or all but ``axis``."""
    if axis is None:
        return None
    axis = axis + ndim if axis < 0 else axis
    if not 0 <= axis < ndim:
        raise ValueError(f"axis {axis!r} is out of range for an array with {ndim} dims")
    return tuple(a for a in range(ndim) if a != axis)


def quantize_int8(x, axis=None):
    """``(q, scale)``: int8 codes of x and the float scale(s) to decode them.

    axis None: one scale for the whole tensor, a float. axis = a: one scale per index
    along axis a, with the other dims kept as 1 so it broadcasts against x: a weight
    (out, in) with axis 0 gets a scale of shape (out, 1), one per output row. A
    tensor or channel that is all zeros gets scale 1.0 (and codes 0).

    x = [1.27, -0.6, 0.011, 0.0] -> scale = 1.27 / 127 = 0.01, q = [127, -60, 1, 0].
    """
    x = np.asarray(x, dtype=float)
    axes = _reduce_axes(x.ndim, axis)
    max_abs = np.max(np.abs(x), axis=axes, keepdims=axis is not None)  # () or (1, .., C, .., 1)
    # subtle: an all-zero channel would give scale 0 and 0 / 0 = NaN codes.
    scale = np.where(max_abs > 0, max_abs / QMAX, 1.0)
    # subtle: round to the nearest code before the cast; astype alone truncates toward
    # zero and doubles the worst-case error.
    q = np.clip(np.round(x / scale), -QMAX, QMAX).astype(np.int8)
    return q, (float(scale) if axis is None else scale)


def dequantize_int8(q, scale):
    """Floats back from codes: ``q * scale`` (the scale broadcasts over its channel).

    dequantize_int8([127, -60, 1, 0], 0.01) -> [1.27, -0.6, 0.01, 0.0].
    """
    # subtle: widen before multiplying; int8 arithmetic would wrap around.
    return np.asarray(q).astype(float) * np.asarray(scale, dtype=float)
