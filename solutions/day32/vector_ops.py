"""Vectors and matrices twice over: first with plain Python lists (to see every
multiply-add), then with numpy (to see why nobody ships the first version).

Pure Python: ``dot``, ``norm`` (any p >= 1 and p = inf), ``cosine_similarity``
and ``matmul`` on lists of lists, each refusing mismatched shapes with a
``ValueError`` that names both. numpy: a stable ``softmax`` and ``log_sum_exp``,
``pairwise_cosine`` for whole matrices at once, and ``top_k_similar``, the core
of a brute-force vector search.

Left out: sparse vectors, approximate nearest neighbours (HNSW, IVF), float16
and batching the (n, m) similarity matrix when it does not fit in memory.
"""

from __future__ import annotations

import math

import numpy as np

# --------------------------------------------------------------------------- pure Python


def _check_vectors(name, a, b):
    if len(a) != len(b):
        raise ValueError(f"{name}: shapes ({len(a)},) and ({len(b)},) do not match")


def dot(a, b):
    """Sum of element-wise products of two equal-length lists.

    [1, 2, 3] · [4, -5, 6] = 4 - 10 + 18 = 12.
    """
    _check_vectors("dot", a, b)
    return sum(x * y for x, y in zip(a, b))


def norm(a, p=2):
    """The p-norm (sum |x|^p)^(1/p) for p >= 1, or max |x| for p = math.inf.

    norm([3, -4]) = 5, norm([3, -4], 1) = 7, norm([3, -4], math.inf) = 4.
    Stable for huge and tiny entries: norm([3e200, 4e200]) = 5e200. The empty
    vector has norm 0.0. Returns a float. ``ValueError`` for p < 1 (not a norm) or a p
    that is not a number (nan, None, a string).
    """
    if not isinstance(p, int | float) or math.isnan(p) or p < 1:
        raise ValueError(f"norm: p must be a number >= 1 or math.inf, got {p!r}")
    scale = max((abs(x) for x in a), default=0.0)
    if p == math.inf or scale == 0:
        return float(scale)
    # subtle: (1e200) ** 2 overflows (Python raises OverflowError) and (1e-200) ** 2
    # underflows to 0. Dividing by the largest |x| first keeps every term in [0, 1].
    total = sum((abs(x) / scale) ** p for x in a)
    return float(scale * total ** (1.0 / p))


def cosine_similarity(a, b):
    """dot(a, b) / (|a| |b|), in [-1, 1]: the cosine of the angle between a and b.

    [1, 0] vs [1, 1] -> 1/√2 ≈ 0.7071; [1, 2] vs [-2, -4] -> -1.0.
    ``ValueError`` for a zero vector (it has no direction) or lengths that differ.
    """
    _check_vectors("cosine_similarity", a, b)
    na, nb = norm(a), norm(b)
    if na == 0 or nb == 0:
        raise ValueError("cosine_similarity: a zero vector has no direction")
    cos = dot([x / na for x in a], [y / nb for y in b])
    # subtle: rounding can give 1.0000000000000002 for parallel vectors, and
    # math.acos of that raises. Clip to the range a cosine can take.
    return max(-1.0, min(1.0, cos))


def _shape(name, M):
    if not M or not all(isinstance(row, list | tuple) for row in M):
        raise ValueError(f"matmul: {name} must be a non-empty list of rows (lists)")
    widths = {len(row) for row in M}
    if len(widths) != 1:
        raise ValueError(f"matmul: the rows of {name} have different lengths {sorted(widths)}")
    return len(M), len(M[0])


def matmul(A, B):
    """The matrix product of A (n, k) and B (k, m) as a new (n, m) list of lists.

    [[1, 2], [3, 4]] @ [[5, 6], [7, 8]] = [[19, 22], [43, 50]].
    ``ValueError`` naming both shapes when A's columns differ from B's rows, and for
    ragged or empty matrices.
    """
    (n, k), (k2, m) = _shape("A", A), _shape("B", B)
    if k != k2:
        raise ValueError(f"matmul: shapes ({n}, {k}) and ({k2}, {m}) do not align ({k} != {k2})")
    cols = list(zip(*B))  # B's columns, read once: (m, k)
    # out[i][j] = sum_t A[i][t] * B[t][j]: row i of A against column j of B
    return [[sum(x * y for x, y in zip(row, col)) for col in cols] for row in A]


# --------------------------------------------------------------------------- numpy


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis``: a probability distribution per slice.

    softmax([0, ln 3]) = [1/4, 3/4]. Stable: softmax([1000, 1000]) and
    softmax([-1000, -1000]) are both [0.5, 0.5]; a -inf entry gets probability 0.
    A slice whose entries are all -inf has no distribution: the result there is nan.
    """
    x = np.asarray(x, dtype=float)
    # subtle: the max per slice (keepdims, so it broadcasts back along ``axis``).
    # One global max would still underflow a slice far below the others.
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)  # an all -inf slice: avoid -inf - (-inf)
    e = np.exp(x - m)  # every exponent <= 0: no overflow, and the max term is exactly 1
    with np.errstate(invalid="ignore"):  # 0 / 0 only for an all -inf slice
        return e / e.sum(axis=axis, keepdims=True)


def log_sum_exp(x, axis=-1):
    """log(sum(exp(x))) along ``axis``, without overflow or underflow.

    log_sum_exp([0, 0]) = ln 2; log_sum_exp([1000, 1000]) = 1000 + ln 2;
    log_sum_exp([0, -inf]) = 0; all -inf -> -inf (no warning). The result has x's
    shape without ``axis``; for a 1-D input it is a float.
    """
    x = np.asarray(x, dtype=float)
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    # log Σ exp(x) = m + log Σ exp(x - m): the largest term becomes exp(0) = 1
    with np.errstate(divide="ignore"):  # log(0) = -inf for an all -inf slice
        out = np.log(np.sum(np.exp(x - m), axis=axis)) + np.squeeze(m, axis=axis)
    return out if out.ndim else float(out)


def _unit_rows(name, M):
    M = np.asarray(M, dtype=float)
    if M.ndim != 2:
        raise ValueError(f"{name} must be 2-D (rows, dim), got shape {M.shape}")
    lengths = np.linalg.norm(M, axis=1, keepdims=True)  # (rows, 1)
    zero = np.flatnonzero(lengths[:, 0] == 0)
    if zero.size:
        raise ValueError(f"row {int(zero[0])} of {name} is all zeros: it has no direction")
    return M / lengths


def pairwise_cosine(A, B):
    """(n, m) matrix of cosines between every row of A (n, d) and every row of B (m, d).

    A = [[1, 0], [0, 2]], B = [[1, 1], [-3, 0]] -> [[0.7071, -1], [0.7071, 0]].
    Values in [-1, 1], even by rounding. One matrix product, no Python loop over rows
    (of A or of B). ``ValueError`` naming the first all-zero row (counting from 0), e.g.
    "row 3 of B is all zeros", and for dimensions that differ.
    """
    An, Bn = _unit_rows("A", A), _unit_rows("B", B)  # (n, d), (m, d)
    if An.shape[1] != Bn.shape[1]:
        raise ValueError(f"pairwise_cosine: shapes {An.shape} and {Bn.shape} differ in dim")
    # normalise first, then multiply: n·d + m·d divisions instead of n·m
    return np.clip(An @ Bn.T, -1.0, 1.0)  # (n, m)


def top_k_similar(query, M, k):
    """The k rows of M (n, d) most cosine-similar to ``query`` (d,): ``(indices, scores)``.

    Two numpy arrays (integer indices, float scores), highest score first; equal scores
    keep the lower index first; k > n returns all n rows; k = 0 returns two empty
    arrays, k < 0 is a ``ValueError``.
    query [1, 0], M = [[0, 1], [2, 0], [1, 1]] -> ([1, 2, 0], [1.0, 0.7071, 0.0]).
    """
    if k < 0:
        raise ValueError(f"top_k_similar: k must be >= 0, got {k!r}")
    scores = pairwise_cosine(np.asarray(query, dtype=float)[None, :], M)[0]  # (n,)
    # subtle: a stable sort of -scores keeps ties in index order; argsort(scores)[::-1]
    # would put the higher index first, and the default quicksort promises no order.
    order = np.argsort(-scores, kind="stable")[:k]
    return order, scores[order]
