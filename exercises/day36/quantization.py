"""Day 36: symmetric int8 weight quantisation (numpy only).

A float tensor x is stored as int8 codes q and a float scale, with x ~ q * scale::

    scale = max|x| / 127          (per tensor, or one scale per channel)
    q     = clip(round(x / scale), -127, 127)   as int8

Hints: ``nox -s hint -- day36``.
"""

from __future__ import annotations

import numpy as np  # noqa: F401 - you will need it


def quantize_int8(x, axis=None):
    """``(q, scale)``: int8 codes of x and the float scale(s) to decode them.

    axis None: one scale for the whole tensor (a float). axis = a: one scale for each
    index along axis a, with the other dims kept as size 1 so it broadcasts against x:
    a weight (out, in) with axis 0 gets a scale of shape (out, 1), one per output row;
    with axis 1 (or -1), shape (1, in). A tensor or channel that is all zeros gets
    scale 1.0. q is an int8 array of x's shape with values in [-127, 127].

    x = [1.27, -0.6, 0.011, 0.0] -> scale = 1.27 / 127 = 0.01, q = [127, -60, 1, 0].
    """
    raise NotImplementedError("quantize_int8: run 'nox -s hint -- day36' if stuck")


def dequantize_int8(q, scale):
    """Floats back from codes: ``q * scale`` (the scale broadcasts over its channel).

    Every element of ``dequantize_int8(*quantize_int8(x, axis))`` is within scale / 2
    of x. dequantize_int8([127, -60, 1, 0], 0.01) -> [1.27, -0.6, 0.01, 0.0].
    """
    raise NotImplementedError("dequantize_int8: run 'nox -s hint -- day36' if stuck")
