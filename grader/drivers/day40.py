"""Day 40 drivers: ``beam_search`` run beside the attempt, with its ``step_fn`` made there.

A ``step_fn`` defined in the test and handed to the attempt is called back over the
socket, once per alive hypothesis per step: hundreds of round trips for a comparison
on random models. So the models live here and are built in the worker from plain
parameters (a *model*, below), and the driver returns what ``beam_search`` returned
and, when asked, the prefixes it called ``step_fn`` with. The hidden tests
(grader/hidden/day40/) import the same builders for their brute force and greedy
references: this module is the one definition of every model.

A model is one of::

    ["toy"]                  # TOY: the hand-worked example of the docstring, as log-probabilities
    ["table", {prefix: row}] # the rows as given; any other prefix fails (AssertionError)
    ["random", seed, vocab]  # log-softmax of random logits, a pure function of the prefix
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

STEM = "beam_search"

EOS, A, B, BOS = 0, 1, 2, 3  # the hand-worked toy: tokens eos, a, b; bos is not generated
TOY = {
    (BOS,): [0.1, 0.5, 0.4],
    (BOS, A): [0.4, 0.3, 0.3],
    (BOS, B): [0.9, 0.05, 0.05],
}

StepFn = Callable[[Any], np.ndarray]


def table_model(table: dict[tuple[int, ...], Any]) -> StepFn:
    """step_fn over a table of prefixes; any other prefix is a bug of the search."""

    def step_fn(prefix: Any) -> np.ndarray:
        key = tuple(int(t) for t in prefix)
        if key not in table:
            raise AssertionError(
                f"step_fn was called on {key}, a prefix the right search never extends "
                "here: is a finished hypothesis (ending in eos) still in the beam, did the "
                "search run past max_len, or did it keep more than beam_width candidates?"
            )
        return np.array(table[key], dtype=float)

    return step_fn


def toy_step(prefix: Any) -> np.ndarray:
    return np.log(table_model(TOY)(prefix))


def random_model(seed: int, vocab: int) -> StepFn:
    """log-softmax of random logits, a pure function of the prefix (call order is free)."""

    def step_fn(prefix: Any) -> np.ndarray:
        logits = np.random.default_rng([seed, *(int(t) for t in prefix)]).normal(
            scale=2.0, size=vocab
        )
        return logits - np.logaddexp.reduce(logits)  # (V,)

    return step_fn


def build(model: list[Any] | tuple[Any, ...]) -> StepFn:
    """The step_fn a model names (see the module docstring)."""
    kind, *params = model
    if kind == "toy" and not params:
        return toy_step
    if kind == "table" and len(params) == 1:
        return table_model({tuple(key): row for key, row in params[0].items()})
    if kind == "random" and len(params) == 2:
        return random_model(int(params[0]), int(params[1]))
    raise ValueError(f"no day 40 model {model!r}")


def search(load: Any, model: list[Any], /, *args: Any, **kwargs: Any) -> Any:
    """``beam_search(<the model's step_fn>, *args, **kwargs)``: what it returned."""
    return load(STEM).beam_search(build(model), *args, **kwargs)


def search_recording_calls(load: Any, model: list[Any], /, *args: Any, **kwargs: Any) -> Any:
    """``search`` with every call of ``step_fn`` recorded, in order.

    Observed: ``result`` (what beam_search returned), ``prefixes`` (each prefix as a
    tuple, taken when the call was made) and ``kinds`` (each prefix's type name, as the
    test's process would see it: a tuple subclass is a tuple, as it crosses as one).
    """
    model_step = build(model)
    prefixes: list[tuple[Any, ...]] = []
    kinds: list[str] = []

    def step_fn(prefix: Any) -> np.ndarray:
        kinds.append("tuple" if isinstance(prefix, tuple) else type(prefix).__name__)
        prefixes.append(tuple(prefix))
        return model_step(prefix)

    result = load(STEM).beam_search(step_fn, *args, **kwargs)
    return {"result": result, "prefixes": prefixes, "kinds": kinds}
