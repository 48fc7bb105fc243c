"""Day 39: an offline evaluation harness for question answering (numpy and the stdlib).

Score a model's answers the SQuAD way (exact match, token F1), check they are
grounded in the context, measure latency percentiles and cost, run a whole
dataset without crashing on a failing call, and compare two runs: the offline
gate that decides whether a candidate may go on to online testing.

Implement every function below (and ``EvalReport.to_dict``), then run
``nox -s grade -- day39``. Try ``.nox/katas/bin/python exercises/day39/run_example.py``
as you go (the venv that ``nox -s grade`` builds has numpy and rich).
Stuck? ``nox -s hint -- day39``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np  # noqa: F401 - you will need it


def normalize_answer(s: str) -> str:
    """Lower-case, drop punctuation, drop the articles a/an/the, collapse whitespace.

    The SQuAD convention, in that order. Punctuation is ``string.punctuation`` (ASCII
    only: "¿" and "—" stay), deleted (not replaced by a space); articles are whole words
    only ("theory" stays); any run of whitespace becomes one space, none at the ends.
    "The  Cat's hat!" -> "cats hat"; "A.I." -> "ai" (not "i").
    """
    raise NotImplementedError("normalize_answer: run 'nox -s hint -- day39' if stuck")


def exact_match(prediction: str, references: str | Iterable[str]) -> float:
    """1.0 if the normalised prediction equals a normalised reference, else 0.0.

    ``references`` is one string or an iterable of strings (a list, a tuple, a
    generator; the best over them counts). ``ValueError`` for an empty list. The result
    is a float, 1.0 or 0.0 (not a bool).
    "The cat sat" vs "a cat sat down" -> 0.0; "Paris!" vs ["London", "paris"] -> 1.0.
    """
    raise NotImplementedError("exact_match: run 'nox -s hint -- day39' if stuck")


def token_f1(prediction: str, references: str | Iterable[str]) -> float:
    """F1 over normalised tokens (``normalize_answer(s).split()``), best over the references.

    Overlap is a multiset: a shared token counts min(times in prediction, times in the
    reference). When either side has no tokens: 1.0 if both are empty, else 0.0.
    ``references`` as in ``exact_match`` (``ValueError`` for an empty list).
    "The cat sat" vs "a cat sat down": [cat, sat] vs [cat, sat, down], 2 shared,
    P = 2/2, R = 2/3 -> F1 = 2·1·(2/3) / (1 + 2/3) = 0.8.
    """
    raise NotImplementedError("token_f1: run 'nox -s hint -- day39' if stuck")


def groundedness(answer: str, context: str) -> float:
    """Share of the answer's normalised tokens that occur in the context's tokens.

    Each answer token counts every time it appears; the context needs it only once.
    1.0 for an answer with no tokens (nothing was claimed).
    "cat cat dog" with context "the cat" -> 2/3.
    """
    raise NotImplementedError("groundedness: run 'nox -s hint -- day39' if stuck")


def latency_summary(latencies_s: Iterable[float]) -> dict[str, float]:
    """``{"p50", "p95", "p99", "mean", "max"}`` in seconds, as Python floats (also for ints).

    ``latencies_s`` is any iterable of numbers (a list, a tuple, a generator).
    Percentiles interpolate linearly between the sorted values, as ``np.percentile``
    does by default. ``ValueError`` for an empty list.
    [1, 2, 3, 4, 5] -> p50 3.0, p95 4.8, p99 4.96, mean 3.0, max 5.0.
    """
    raise NotImplementedError("latency_summary: run 'nox -s hint -- day39' if stuck")


def estimate_cost(
    prompt_tokens: int, completion_tokens: int, price_in_per_1k: float, price_out_per_1k: float
) -> float:
    """Price of the tokens: prompt at ``price_in_per_1k``, completion at ``price_out_per_1k``.

    Prices are per 1000 tokens; the result is not rounded (one token at 0.01 per 1k
    costs 0.00001). Zero counts and prices are fine; ``ValueError`` for a negative one.
    1200 prompt + 300 completion tokens at 0.5 / 1.5 per 1k -> 0.6 + 0.45 = 1.05.
    """
    raise NotImplementedError("estimate_cost: run 'nox -s hint -- day39' if stuck")


def load_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """One dict per non-blank line of a JSON Lines file (UTF-8), in order.

    ``ValueError`` whose message names the 1-based line number, e.g.
    "eval_set.jsonl line 4: ...", for a line that is not valid JSON or not a JSON
    object. Blank lines are skipped, but they still count in the line numbers. Lines
    end at a newline only: a U+2028 inside a JSON string is part of its record.
    """
    raise NotImplementedError("load_jsonl: run 'nox -s hint -- day39' if stuck")


@dataclass
class EvalReport:
    """The result of ``run_eval``: one dict per item and a summary dict."""

    items: list[dict[str, Any]]
    summary: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """``{"summary": ..., "items": [...]}``, a deep copy that ``json.dumps`` accepts.

        Changing the copy (even a nested value such as the summary's latency p95) leaves
        the report as it was.

        Careful: numpy integers (``np.int64``) are not JSON-serialisable.
        """
        raise NotImplementedError("EvalReport.to_dict: run 'nox -s hint -- day39' if stuck")


def run_eval(
    dataset: Iterable[dict[str, Any]],
    model_fn: Callable[..., Any],
    clock: Callable[[], float] = time.perf_counter,
    prices: tuple[float, float] | None = None,
) -> EvalReport:
    """Run ``model_fn(question, context)`` on every item of ``dataset`` and score it.

    An item has ``id``, ``question``, ``answers`` (a string or a list) and an optional
    ``context`` (missing or None: no context; ``model_fn`` then gets None).
    ``model_fn`` returns the answer text, or ``(text, usage)`` where ``usage`` is a dict
    with ``prompt_tokens`` and ``completion_tokens`` (a missing count counts 0).

    ``clock()`` is read exactly twice per item: just before and just after the call
    (also when it raises); the latency is the difference.

    ``dataset`` is any iterable (a list or a generator: go through it once).
    ``EvalReport.items``: per item, in order, a dict with exactly the keys
    ``id``, ``prediction`` (the text, None after an error), ``em``, ``f1``,
    ``groundedness`` (None without a context, also after an error; 0.0 after an error
    on an item with a context), ``latency_s`` and ``error``. An exception from
    ``model_fn`` is recorded, not raised: ``error`` is a string holding its type and
    message ("TimeoutError: took too long"), else None, and the item scores 0.0 for em
    and f1.

    ``EvalReport.summary``: a dict with exactly the keys ``n`` (items), ``n_errors``,
    ``em`` and ``f1`` (means over all items),
    ``groundedness`` (mean over the items that have a context; None if none has one),
    ``latency`` (``latency_summary`` of every item's latency, errors included) and
    ``cost``: ``estimate_cost`` of the total tokens at ``prices = (price_in_per_1k,
    price_out_per_1k)``, 0.0 when ``prices`` is None. ``ValueError`` for an empty dataset.
    """
    raise NotImplementedError("run_eval: run 'nox -s hint -- day39' if stuck")


def compare_reports(
    baseline: EvalReport | dict[str, Any],
    candidate: EvalReport | dict[str, Any],
    tolerance: float = 0.0,
) -> dict[str, dict[str, Any]]:
    """The offline gate: did the candidate get worse than the baseline?

    ``baseline`` and ``candidate`` are ``EvalReport`` objects or their ``to_dict()``
    (for example a baseline read back from a JSON file). Returns, for each of ``em``,
    ``f1``, ``groundedness``, ``latency_p95`` (the summary's latency p95) and ``cost``,
    a dict ``{"baseline", "candidate", "delta", "regressed"}`` with
    delta = candidate - baseline. Higher is better for em, f1 and groundedness; lower
    for latency_p95 and cost. ``regressed`` is True when the candidate is worse by
    strictly more than ``tolerance`` (absolute, the same for every metric). When either
    value is None: delta None, regressed False. ``ValueError`` for a negative tolerance.
    em 0.50 -> 0.25 with tolerance 0.1: delta -0.25, regressed True.
    """
    raise NotImplementedError("compare_reports: run 'nox -s hint -- day39' if stuck")
