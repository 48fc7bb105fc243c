"""Day 34: positional information: sinusoidal encodings and rotary embeddings (RoPE).

Implement both functions, then run ``nox -s grade -- day34``. Hints:
``nox -s hint -- day34``.
"""

from __future__ import annotations

import numpy as np  # noqa: F401 - you will need it


def sinusoidal_positional_encoding(seq_len, d_model, base=10000.0):
    """The (seq_len, d_model) table of Vaswani et al. (2017), as floats.

    PE[p, 2i] = sin(p / base^(2i / d_model)) and PE[p, 2i + 1] = cos(p / base^(2i / d_model)).
    ``ValueError`` for an odd d_model.

    By hand, d_model = 4, base = 100: row p is [sin p, cos p, sin 0.1p, cos 0.1p]
    (1 / 100^(2/4) = 0.1), so row 0 is [0, 1, 0, 1] and row 1 is
    [0.8415, 0.5403, 0.0998, 0.9950].
    """
    raise NotImplementedError("sinusoidal_positional_encoding: run 'nox -s hint -- day34' if stuck")


def apply_rope(x, positions=None, base=10000.0):
    """Rotary position embedding of x (..., L, d) over its last axis, in the "rotate half" style.

    ``positions`` (broadcastable to (..., L); default 0..L-1) is the position of each row:
    a 1-D array of L positions, or one row per sequence, e.g. shape (B, 1, L) for x
    (B, H, L, d) when the sequences of a batch start at different positions. ``base``
    (default 10000) sets the frequencies.
    With inv_freq = base^(-arange(0, d, 2) / d) (d/2 values), angles = pos * inv_freq
    repeated as [angles, angles] along the last axis (d values), and
    rotate_half(x) = concat(-x[..., d/2:], x[..., :d/2]):

        out = x * cos(angles) + rotate_half(x) * sin(angles)

    So dimension i is rotated together with dimension i + d/2 (GPT-NeoX / Llama in
    Hugging Face), NOT the interleaved pairs (0, 1), (2, 3)... of the RoPE paper: the
    tests expect rotate-half. Norms are kept, and <rope(q, m), rope(k, n)> depends only
    on m - n. ``ValueError`` for odd d.

    By hand, d = 2 and position 1: [1, 0] -> [cos 1, sin 1] = [0.5403, 0.8415].
    """
    raise NotImplementedError("apply_rope: run 'nox -s hint -- day34' if stuck")
