"""Day 32: vectors and matrices, first with plain lists, then with numpy.

Part 1, pure Python (lists and the ``math`` module, no numpy): ``dot``, ``norm``,
``cosine_similarity``, ``matmul``. They return plain Python numbers and lists, and
refuse mismatched shapes with a ``ValueError`` that names both shapes, e.g.
``"dot: shapes (3,) and (2,) do not match"``.

Part 2, numpy: ``softmax``, ``log_sum_exp``, ``pairwise_cosine``, ``top_k_similar``.
``pairwise_cosine`` must be vectorised: it may take at most 10x the reference's time on
2000 x 256 inputs and 5x on tall thin ones (20000 x 4 against 5 x 4), so one matrix
product with ``@`` and no Python loop over rows (of A or of B).
Hints: ``nox -s hint -- day32``.
"""

from __future__ import annotations

import math  # noqa: F401 - you will need it

import numpy as np  # noqa: F401 - you will need it (part 2 only)

# --------------------------------------------------------------------------- pure Python


def dot(a, b):
    """Sum of element-wise products of two equal-length lists.

    [1, 2, 3] · [4, -5, 6] = 4 - 10 + 18 = 12.
    ``ValueError`` naming both shapes, e.g. (3,) and (2,), when the lengths differ.
    """
    raise NotImplementedError("dot: run 'nox -s hint -- day32' if stuck")


def norm(a, p=2):
    """The p-norm (sum |x|^p)^(1/p) for p >= 1, or max |x| for p = math.inf.

    norm([3, -4]) = 5.0, norm([3, -4], 1) = 7.0, norm([3, -4], math.inf) = 4.0.
    Returns a float. Stable for huge and tiny entries: norm([3e200, 4e200]) = 5e200.
    The empty vector has norm 0.0. ``ValueError`` for p < 1 (not a norm) or a p that
    is not a number (nan, None, a string).
    """
    raise NotImplementedError("norm: run 'nox -s hint -- day32' if stuck")


def cosine_similarity(a, b):
    """dot(a, b) / (|a| |b|), in [-1, 1]: the cosine of the angle between a and b.

    [1, 0] vs [1, 1] -> 1/√2 ≈ 0.7071; [1, 2] vs [-2, -4] -> -1.0. Never outside
    [-1, 1], even by rounding. ``ValueError`` for a zero vector (it has no direction)
    or lengths that differ.
    """
    raise NotImplementedError("cosine_similarity: run 'nox -s hint -- day32' if stuck")


def matmul(A, B):
    """The matrix product of A (n, k) and B (k, m) as a new (n, m) list of lists.

    [[1, 2], [3, 4]] @ [[5, 6], [7, 8]] = [[19, 22], [43, 50]].
    ``ValueError`` naming both shapes, e.g. (2, 3) and (2, 2), when A's columns differ
    from B's rows; ``ValueError`` too for ragged rows or an empty matrix.
    """
    raise NotImplementedError("matmul: run 'nox -s hint -- day32' if stuck")


# --------------------------------------------------------------------------- numpy


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis``: a probability distribution per slice.

    softmax([0, ln 3]) = [1/4, 3/4]. Same shape as x. Stable, with no warning:
    softmax([1000, 1000]) and softmax([-1000, -1000]) are both [0.5, 0.5]; a -inf
    entry gets probability 0. (A slice that is all -inf has no distribution: the
    result there is nan, and it is not graded.)
    """
    raise NotImplementedError("softmax: run 'nox -s hint -- day32' if stuck")


def log_sum_exp(x, axis=-1):
    """log(sum(exp(x))) along ``axis``, without overflow or underflow.

    log_sum_exp([0, 0]) = ln 2; log_sum_exp([1000, 1000]) = 1000 + ln 2;
    log_sum_exp([0, -inf]) = 0; all -inf -> -inf, without a warning. The result has
    x's shape without ``axis``; for a 1-D input it is a float.
    """
    raise NotImplementedError("log_sum_exp: run 'nox -s hint -- day32' if stuck")


def pairwise_cosine(A, B):
    """(n, m) matrix of cosines between every row of A (n, d) and every row of B (m, d).

    A = [[1, 0], [0, 2]], B = [[1, 1], [-3, 0]] -> [[0.7071, -1], [0.7071, 0]].
    Values in [-1, 1], even by rounding. No Python loop over rows (of A or of B).
    ``ValueError`` naming the first all-zero row (counting from 0), e.g. "row 3 of B
    is all zeros", and for dims that differ.
    """
    raise NotImplementedError("pairwise_cosine: run 'nox -s hint -- day32' if stuck")


def top_k_similar(query, M, k):
    """The k rows of M (n, d) most cosine-similar to ``query`` (d,): ``(indices, scores)``.

    Two numpy arrays (integer indices, float scores), highest score first; equal scores
    keep the lower index first; k > n returns all n rows; k = 0 returns two empty
    arrays, k < 0 is a ``ValueError``.
    query [1, 0], M = [[0, 1], [2, 0], [1, 1]] -> ([1, 2, 0], [1.0, 0.7071, 0.0]).
    """
    raise NotImplementedError("top_k_similar: run 'nox -s hint -- day32' if stuck")
