"""LoRA (low-rank adaptation) for one linear layer, with numpy.

A frozen weight W (d_out, d_in) is adapted by a trainable low-rank update:

    W' = W + (alpha / r) · B A,    A (r, d_in),  B (d_out, r),  r << min(d_out, d_in)

Training updates only A and B: r·(d_in + d_out) numbers instead of d_out·d_in.
B starts at zero, so the adapted layer starts exactly equal to the base layer.

Two ways to run it:

- training (and multi-adapter serving): keep W and the adapter apart and compute
  ``x Wᵀ + (alpha/r) · (x Aᵀ) Bᵀ``: two thin products, never a (d_out, d_in) matrix;
- single-adapter serving: merge once, ``W' = W + (alpha/r) · B A``, and run a plain
  linear layer with no extra latency.

Left out: the bias (LoRA leaves it frozen), dropout on the adapter's input,
initialisation (A random, B zero), gradients and training.
"""

from __future__ import annotations

import numpy as np


def _check(W, A, B):
    """Arrays as float, with their shapes checked against each other; returns r too."""
    W, A, B = (np.asarray(m, dtype=float) for m in (W, A, B))
    if W.ndim != 2 or A.ndim != 2 or B.ndim != 2:
        raise ValueError(f"W, A, B must be 2-D, got shapes {W.shape}, {A.shape}, {B.shape}")
    d_out, d_in = W.shape
    r = A.shape[0]
    if r < 1 or A.shape != (r, d_in) or B.shape != (d_out, r):
        raise ValueError(
            f"for W {W.shape}, A must be (r, {d_in}) and B ({d_out}, r) with r >= 1; "
            f"got A {A.shape}, B {B.shape}"
        )
    return W, A, B, r


def lora_forward(x, W, A, B, alpha):
    """``x @ (W + alpha/r · B @ A).T`` for x (..., d_in) -> (..., d_out), with r = A.shape[0].

    Compute it WITHOUT forming B @ A, W + ..., or any other (d_out, d_in) array (not
    even a copy of W): a test measures the memory the call allocates. ``ValueError``
    when the shapes of W, A and B do not fit together.

    W = [[1, 0], [0, 1]], A = [[1, 1]], B = [[1], [0]], alpha = 2, x = [1, 2] -> [7, 2]
    """
    W, A, B, r = _check(W, A, B)
    x = np.asarray(x, dtype=float)  # (..., d_in)
    scale = alpha / r  # subtle: alpha / r, so changing r does not change the update's size
    base = x @ W.T  # (..., d_out)
    # subtle: (x Aᵀ) Bᵀ costs O(r·(d_in + d_out)) per row; B A would cost d_out·d_in·r
    # and a (d_out, d_in) array in memory, for every call.
    low_rank = (x @ A.T) @ B.T  # (..., r) -> (..., d_out)
    # by hand: x Wᵀ = [1, 2], x Aᵀ = [3], (x Aᵀ) Bᵀ = [3, 0] -> [1 + 2·3, 2] = [7, 2]
    return base + scale * low_rank


def merge_lora(W, A, B, alpha):
    """A NEW array ``W + alpha/r · B @ A`` of shape (d_out, d_in); W is not modified.

    ``ValueError`` when the shapes of W, A and B do not fit together (as in
    ``lora_forward``). Same example as above -> [[3, 2], [0, 1]].
    """
    W, A, B, r = _check(W, A, B)
    # subtle: not W += ...: np.asarray did not copy, so that would overwrite the
    # caller's frozen base weights.
    return W + (alpha / r) * (B @ A)  # (d_out, d_in)


def lora_param_count(d_out, d_in, r):
    """Trainable parameters of a rank-r adapter (A and B; W is frozen, no bias).

    (4096, 4096, 8) -> 65536. ``ValueError`` if any argument is < 1.
    """
    if min(d_out, d_in, r) < 1:
        raise ValueError(f"d_out, d_in and r must be >= 1, got {d_out!r}, {d_in!r}, {r!r}")
    return r * (d_in + d_out)


def full_param_count(d_out, d_in):
    """Parameters full fine-tuning updates in W (no bias). (4096, 4096) -> 16777216.

    ``ValueError`` if any argument is < 1.
    """
    if min(d_out, d_in) < 1:
        raise ValueError(f"d_out and d_in must be >= 1, got {d_out!r}, {d_in!r}")
    return d_out * d_in
