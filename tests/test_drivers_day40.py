"""Day 40's drivers (grader/drivers/day40.py): the models built from plain parameters,
and the calls of step_fn recorded as the test's process would have seen them."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from grader.catalog import SOLUTIONS_ROOT
from grader.drivers import day40
from grader.loading import load_module


def reference(stem: str):
    return load_module(SOLUTIONS_ROOT / "day40" / f"{stem}.py", f"ref_{stem}", f"{stem}.py")


def calling_with(prefix_type):
    """A stand-in ``load``: its beam_search calls step_fn on (bos,) then (bos, 1), each
    made a ``prefix_type``."""

    def beam_search(step_fn, bos_id, eos_id, beam_width, max_len, length_penalty=0.0):
        for prefix in ((bos_id,), (bos_id, 1)):
            step_fn(prefix_type(prefix))
        return [((bos_id, 1), -1.0)]

    return lambda stem: SimpleNamespace(beam_search=beam_search)


class Prefix(tuple):
    pass


def test_the_models_are_the_ones_the_judge_builds():
    toy = day40.build(["toy"])
    np.testing.assert_allclose(toy((day40.BOS,)), np.log([0.1, 0.5, 0.4]))
    table = day40.build(["table", {(9,): [-3, -1, -2]}])
    np.testing.assert_array_equal(table((9,)), [-3.0, -1.0, -2.0])
    with pytest.raises(AssertionError, match=r"called on \(9, 1\)"):
        table((9, 1))
    random = day40.build(["random", 7, 5])
    np.testing.assert_array_equal(random((5, 2)), day40.random_model(7, 5)((5, 2)))
    with pytest.raises(ValueError, match="no day 40 model"):
        day40.build(["random", 7])


def test_search_runs_the_modules_beam_search_on_the_model():
    got = day40.search(reference, ["toy"], day40.BOS, day40.EOS, beam_width=2, max_len=3)
    assert [tokens for tokens, _ in got] == [(3, 2, 0), (3, 1, 0)]


@pytest.mark.parametrize(
    "prefix_type, kind",
    [(tuple, "tuple"), (Prefix, "tuple"), (list, "list"), (np.array, "ndarray")],
)
def test_recorded_calls_name_each_prefix_as_it_would_cross(prefix_type, kind):
    seen = day40.search_recording_calls(calling_with(prefix_type), ["random", 1, 4], 4, 0, 2, 3)
    assert seen["kinds"] == [kind, kind]
    assert seen["prefixes"] == [(4,), (4, 1)]
    assert seen["result"] == [((4, 1), -1.0)]
