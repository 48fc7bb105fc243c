"""Day 35: LoRA, low-rank adaptation of one linear layer (numpy only).

A frozen weight W (d_out, d_in) is adapted by W' = W + (alpha / r) · B A with
A (r, d_in) and B (d_out, r): only A and B are trained. Implement the forward pass
without ever forming a (d_out, d_in) matrix, the merge, and the parameter counts.

Run ``nox -s grade -- day35``; stuck? ``nox -s hint -- day35``.
"""

from __future__ import annotations

import numpy as np  # noqa: F401 - you will need it


def lora_forward(x, W, A, B, alpha):
    """``x @ (W + alpha/r · B @ A).T`` for x (..., d_in) -> (..., d_out), with r = A.shape[0].

    Compute it WITHOUT forming B @ A, W + ..., or any other (d_out, d_in) array (not
    even a copy of W): a test measures the memory the call allocates. ``ValueError``
    when the shapes of W, A and B do not fit together.

    W = [[1, 0], [0, 1]], A = [[1, 1]], B = [[1], [0]], alpha = 2, x = [1, 2] -> [7, 2]
    """
    raise NotImplementedError("lora_forward: run 'nox -s hint -- day35' if stuck")


def merge_lora(W, A, B, alpha):
    """A NEW array ``W + alpha/r · B @ A`` of shape (d_out, d_in); W is not modified.

    ``ValueError`` when the shapes of W, A and B do not fit together (as in
    ``lora_forward``). Same example as above -> [[3, 2], [0, 1]].
    """
    raise NotImplementedError("merge_lora: run 'nox -s hint -- day35' if stuck")


def lora_param_count(d_out, d_in, r):
    """Trainable parameters of a rank-r adapter (A and B; W is frozen, no bias).

    (4096, 4096, 8) -> 65536. ``ValueError`` if any argument is < 1.
    """
    raise NotImplementedError("lora_param_count: run 'nox -s hint -- day35' if stuck")


def full_param_count(d_out, d_in):
    """Parameters full fine-tuning updates in W (no bias). (4096, 4096) -> 16777216.

    ``ValueError`` if any argument is < 1.
    """
    raise NotImplementedError("full_param_count: run 'nox -s hint -- day35' if stuck")
