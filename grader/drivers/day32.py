"""Day 32 drivers: timed calls on inputs made here.

- ``draw_normals`` and ``pairwise_cosine_shape``: the timing tests of ``pairwise_cosine``
  compare the CPU time of the attempt's worker with the reference's (grader.testing's
  ``assert_not_much_slower``, which reads it from /proc). Sent from the judge on every
  timed call, the two (2000, 256) inputs and the (2000, 2000) result (32 MB) cost more
  to copy than the product itself and blur the ratio. Here the inputs are drawn once in
  the worker from the state of the test's own generator (the same numbers the test drew
  in its process), kept, and each timed call returns only the result's shape.

Nothing here decides anything: the tests check the values on a slice themselves, and
time the calls from the judge.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_kept: dict[str, list[np.ndarray]] = {}  # the last draws only: one key at a time


def _normals(state: dict[str, Any], shapes: list[list[int]]) -> list[np.ndarray]:
    """Standard normals of each shape, drawn in order (``rng.normal(size=shape)``) from a
    generator in ``state`` (``rng.bit_generator.state``); kept for the next call."""
    key = repr((state, shapes))
    if key not in _kept:
        _kept.clear()
        rng = np.random.default_rng()
        rng.bit_generator.state = state
        _kept[key] = [rng.normal(size=tuple(shape)) for shape in shapes]
    return _kept[key]


def draw_normals(load: Any, state: dict[str, Any], shapes: list[list[int]]) -> None:
    """Draw (and keep) the inputs of ``pairwise_cosine_shape`` before any call is timed."""
    _normals(state, shapes)


def pairwise_cosine_shape(
    load: Any,
    state: dict[str, Any],
    shapes: list[list[int]],
    a: int,
    b: int,
    a_rows: int | None = None,
) -> list[int] | None:
    """``vector_ops.pairwise_cosine(X[a][:a_rows], X[b])`` where ``X`` are the draws of
    ``draw_normals(state, shapes)``; returns only the shape of the array it returned
    (``None`` for anything else: converting a list of 4 million floats would be timed).

    The same kept arrays go to every call, not fresh copies: a function that scaled its
    inputs in place would time the next call on scaled inputs, which costs the same."""
    drawn = _normals(state, shapes)
    result = load("vector_ops").pairwise_cosine(drawn[a][:a_rows], drawn[b])
    return list(result.shape) if isinstance(result, np.ndarray) else None
