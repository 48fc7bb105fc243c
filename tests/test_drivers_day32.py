"""Day 32's drivers (grader/drivers/day32.py), called in this process with a stand-in ``load``.

The timing test of ``pairwise_cosine`` values-checks a slice of the A and B it drew and
times the driver on the A and B the worker draws from the same generator state: these
check that the two are the same numbers, and that the state survives the wire.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np

from grader import wire
from grader.drivers import day32


def loader(pairwise_cosine):
    """A driver's ``load`` whose ``vector_ops`` has this ``pairwise_cosine``."""
    return lambda stem: SimpleNamespace(pairwise_cosine=pairwise_cosine)


def across_the_wire(value):
    """``value`` as the worker receives it: encoded, through JSON, decoded."""
    tree, buffers = wire.encode(value, lambda v: {"$r": 0})
    return wire.decode(json.loads(json.dumps(tree)), buffers, lambda ref: None)


def test_the_worker_draws_what_the_test_drew_from_the_same_state():
    rng = np.random.default_rng(1183898834)
    state, shapes = rng.bit_generator.state, [[20, 3], [7, 3]]
    A, B = rng.normal(size=(20, 3)), rng.normal(size=(7, 3))
    seen = []
    load = loader(lambda a, b: seen.append((a, b)) or a @ b.T)
    wired = across_the_wire(state)
    assert wired == state
    day32.draw_normals(load, wired, shapes)
    assert day32.pairwise_cosine_shape(load, wired, shapes, 0, 1, 5) == [5, 7]
    assert day32.pairwise_cosine_shape(load, wired, shapes, 1, 0) == [7, 20]
    np.testing.assert_array_equal(seen[0][0], A[:5])
    np.testing.assert_array_equal(seen[0][1], B)
    np.testing.assert_array_equal(seen[1][0], B)
    assert seen[1][1] is seen[0][0].base, "the kept draws are reused, not drawn again"


def test_only_an_array_result_reports_a_shape():
    load = loader(lambda a, b: (a @ b.T).tolist())
    state = np.random.default_rng(0).bit_generator.state
    assert day32.pairwise_cosine_shape(load, state, [[2, 2], [3, 2]], 0, 1) is None
