"""Positional information for attention: sinusoidal encodings and rotary embeddings.

Attention by itself is blind to order: permute the tokens and the outputs are
permuted the same way. Two classic fixes:

- sinusoidal encodings (Vaswani et al., 2017), ADDED to the token embeddings:
  PE[p, 2i] = sin(p / base^(2i/d)),  PE[p, 2i+1] = cos(p / base^(2i/d));
- rotary embeddings, RoPE (Su et al., 2021), applied to the queries and keys: each
  pair of dimensions is rotated by an angle proportional to the position, so that
  <rope(q, m), rope(k, n)> depends on m - n only (relative position for free).

RoPE here uses the "rotate half" convention of GPT-NeoX / Llama in Hugging Face:
dimension i is paired with dimension i + d/2 (not with its neighbour i + 1).

Left out on purpose: learned position embeddings, ALiBi, and RoPE scaling tricks
(NTK, YaRN) for contexts longer than the training length.
"""

from __future__ import annotations

import numpy as np


def sinusoidal_positional_encoding(seq_len, d_model, base=10000.0):
    """(seq_len, d_model) table: sines in the even columns, cosines in the odd ones.

    By hand, d_model = 4, base = 100: the column pairs have frequencies 1 and
    1 / 100^(2/4) = 0.1, so row p is [sin p, cos p, sin 0.1p, cos 0.1p];
    row 0 is [0, 1, 0, 1].

    Why sines AND cosines: for any offset k, each pair of row p + k is row p's pair
    rotated by the angle k * freq, a fixed linear map, so "k tokens later" is easy for
    a linear layer to express. The wavelengths run from 2π to base * 2π, so nearby
    positions differ in the fast columns and distant ones in the slow columns.
    """
    if d_model % 2:
        raise ValueError(f"d_model must be even to pair sines with cosines, got {d_model!r}")
    if seq_len < 0:
        raise ValueError(f"seq_len must be >= 0, got {seq_len!r}")
    positions = np.arange(seq_len, dtype=float)[:, None]  # (L, 1)
    # subtle: the exponent is 2i / d_model for the pair i, i.e. arange(0, d, 2) / d:
    # the even column index, not the pair index.
    inv_freq = base ** (-np.arange(0, d_model, 2) / d_model)  # (d/2,)
    angles = positions * inv_freq  # (L, d/2)
    pe = np.empty((seq_len, d_model))
    pe[:, 0::2] = np.sin(angles)  # even columns
    pe[:, 1::2] = np.cos(angles)  # odd columns
    return pe


def _rotate_half(x):
    """[x1, x2] -> [-x2, x1] where x1, x2 are the two halves of the last axis."""
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def _rope_angles(positions, d, base=10000.0):
    """(L, d) angles: pos * inv_freq for the first half, repeated for the second half."""
    inv_freq = base ** (-np.arange(0, d, 2) / d)  # (d/2,)
    angles = np.asarray(positions, dtype=float)[..., None] * inv_freq  # (..., L, d/2)
    # subtle: [angles, angles] (concatenated), so dims i and i + d/2 share one angle;
    # np.repeat (a0, a0, a1, a1, ...) would pair neighbours, the other convention.
    return np.concatenate([angles, angles], axis=-1)  # (..., L, d)


def apply_rope(x, positions=None, base=10000.0):
    """Rotary embedding of x (..., L, d) over its last axis, d even.

    ``positions`` (broadcastable to (..., L), default 0..L-1) gives each row's
    position; pass e.g. ``np.arange(5, 5 + L)`` for tokens decoded after 5 others, or
    one row per sequence, shape (B, 1, L) for x (B, H, L, d). ``base`` (default 10000)
    sets the frequencies. out = x * cos(angles) + rotate_half(x) * sin(angles): dim i
    turns with dim i + d/2 (rotate half), not the interleaved pairs (0, 1), (2, 3)...

    By hand, d = 2 and position 1: the single angle is 1 radian, so [1, 0] becomes
    [cos 1, sin 1] = [0.5403, 0.8415], a rotation (the norm stays 1).

    Why m - n only: pair i of q at position m is turned by m·θᵢ, pair i of k at n by
    n·θᵢ; a dot product of two rotated vectors sees only the difference (m - n)·θᵢ.
    Apply it to queries and keys only, never to the values.
    """
    x = np.asarray(x, dtype=float)  # (..., L, d)
    seq_len, d = x.shape[-2], x.shape[-1]
    if d % 2:
        raise ValueError(f"the last axis of x must be even for RoPE, got {d!r}")
    if positions is None:
        positions = np.arange(seq_len)
    # subtle: when decoding with a KV cache, the new token is at position T, not 0:
    # pass its true position, or every step would look like the start of the text.
    angles = _rope_angles(positions, d, base)  # (..., L, d)
    return x * np.cos(angles) + _rotate_half(x) * np.sin(angles)
