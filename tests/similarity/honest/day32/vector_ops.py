"""Vector maths written from the contract alone (an independent attempt)."""

from __future__ import annotations

import math
import numbers

import numpy as np


def _clamp_unit(value):
    return max(-1.0, min(1.0, value))


def dot(a, b):
    if len(a) != len(b):
        raise ValueError(f"dot: shapes ({len(a)},) and ({len(b)},) do not match")
    total = 0.0
    for x, y in zip(a, b):
        total += x * y
    return total


def norm(a, p=2):
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or math.isnan(p):
        raise ValueError(f"norm: p must be a number >= 1 or math.inf, got {p!r}")
    if p < 1:
        raise ValueError(f"norm: p = {p} is below 1, which is not a norm")
    magnitudes = [abs(float(x)) for x in a]
    if not magnitudes:
        return 0.0
    biggest = max(magnitudes)
    if p == math.inf or biggest == 0.0:
        return biggest
    # Dividing by the largest entry keeps every power in [0, 1]: no overflow.
    scaled = sum((m / biggest) ** p for m in magnitudes)
    return biggest * scaled ** (1.0 / p)


def cosine_similarity(a, b):
    if len(a) != len(b):
        raise ValueError(f"cosine_similarity: shapes ({len(a)},) and ({len(b)},) do not match")
    length_a, length_b = norm(a), norm(b)
    if length_a == 0.0 or length_b == 0.0:
        raise ValueError("cosine_similarity: a zero vector has no direction")
    unit_a = [x / length_a for x in a]
    unit_b = [y / length_b for y in b]
    return _clamp_unit(dot(unit_a, unit_b))


def _shape_of(matrix, which):
    if not matrix or not matrix[0]:
        raise ValueError(f"matmul: {which} is empty")
    width = len(matrix[0])
    if any(len(row) != width for row in matrix):
        raise ValueError(f"matmul: {which} has rows of different lengths")
    return len(matrix), width


def matmul(A, B):
    rows_a, inner_a = _shape_of(A, "A")
    inner_b, cols_b = _shape_of(B, "B")
    if inner_a != inner_b:
        raise ValueError(
            f"matmul: shapes ({rows_a}, {inner_a}) and ({inner_b}, {cols_b}) do not match"
        )
    columns = list(zip(*B))
    return [[sum(x * y for x, y in zip(row, col)) for col in columns] for row in A]


def softmax(x, axis=-1):
    values = np.asarray(x, dtype=float)
    peak = np.max(values, axis=axis, keepdims=True)
    with np.errstate(invalid="ignore"):
        shifted = np.exp(values - peak)
        return shifted / np.sum(shifted, axis=axis, keepdims=True)


def log_sum_exp(x, axis=-1):
    values = np.asarray(x, dtype=float)
    peak = np.max(values, axis=axis, keepdims=True)
    # An all -inf slice would give -inf - -inf = nan; shift it by 0 instead.
    safe_peak = np.where(np.isfinite(peak), peak, 0.0)
    with np.errstate(divide="ignore"):
        total = np.log(np.sum(np.exp(values - safe_peak), axis=axis, keepdims=True))
    result = np.squeeze(total + safe_peak, axis=axis)
    return float(result) if result.ndim == 0 else result


def _unit_rows(M, label):
    lengths = np.linalg.norm(M, axis=1)
    zero_rows = np.flatnonzero(lengths == 0)
    if zero_rows.size:
        raise ValueError(f"row {zero_rows[0]} of {label} is all zeros")
    return M / lengths[:, None]


def pairwise_cosine(A, B):
    left = np.atleast_2d(np.asarray(A, dtype=float))
    right = np.atleast_2d(np.asarray(B, dtype=float))
    if left.shape[1] != right.shape[1]:
        raise ValueError(f"pairwise_cosine: dims {left.shape[1]} and {right.shape[1]} differ")
    cosines = _unit_rows(left, "A") @ _unit_rows(right, "B").T
    return np.clip(cosines, -1.0, 1.0)


def top_k_similar(query, M, k):
    if k < 0:
        raise ValueError(f"top_k_similar: k must be >= 0, got {k}")
    rows = np.atleast_2d(np.asarray(M, dtype=float))
    if k == 0:
        return np.array([], dtype=int), np.array([], dtype=float)
    similarities = pairwise_cosine(np.asarray(query, dtype=float)[None, :], rows)[0]
    # A stable sort on the negated scores keeps equal scores in index order.
    best = np.argsort(-similarities, kind="stable")[:k]
    return best, similarities[best]
