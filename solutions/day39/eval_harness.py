"""An offline evaluation harness for question answering: score, time and price a model.

Answers are matched the SQuAD way (exact match and token F1, best over the
references), checked for groundedness in the context (a lexical proxy), timed
(p50/p95/p99) and priced per token. ``run_eval`` records a failing model call
instead of crashing; ``compare_reports`` is the offline gate between two runs.

Left out: semantic matching and LLM-as-judge (a faithful paraphrase scores low on
groundedness, a wrong sentence copied from the context scores high), confidence
intervals (on 20 items EM moves in steps of 5 points), retries, concurrency,
per-metric tolerances, and the online half of the loop (A/B tests, user feedback).
"""

from __future__ import annotations

import copy
import json
import re
import string
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

_PUNCTUATION = frozenset(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")

# --------------------------------------------------------------------------- answer matching


def normalize_answer(s: str) -> str:
    """Lower-case, drop punctuation, drop the articles a/an/the, collapse whitespace.

    The SQuAD convention, in that order. Punctuation is ``string.punctuation`` (ASCII
    only: "¿" and "—" stay), deleted (not replaced by a space); articles are whole words
    only ("theory" stays); any run of whitespace becomes one space, none at the ends.
    "The  Cat's hat!" -> "cats hat"; "A.I." -> "ai" (not "i").
    """
    s = s.lower()
    # subtle: punctuation goes BEFORE the articles, so "a.i." becomes "ai", not "i".
    s = "".join(ch for ch in s if ch not in _PUNCTUATION)
    # subtle: \b keeps words that merely contain an article ("theory", "banana").
    s = _ARTICLES.sub(" ", s)
    return " ".join(s.split())


def _tokens(s: str) -> list[str]:
    return normalize_answer(s).split()


def _as_references(references: str | Iterable[str]) -> list[str]:
    # subtle: a str is iterable too; iterating it would score against single letters.
    refs = [references] if isinstance(references, str) else list(references)
    if not refs:
        raise ValueError("references is empty: give at least one reference answer")
    return refs


def exact_match(prediction: str, references: str | Iterable[str]) -> float:
    """1.0 if the normalised prediction equals a normalised reference, else 0.0.

    ``references`` is one string or an iterable of strings (a list, a tuple, a
    generator; the best over them counts). ``ValueError`` for an empty list. The result
    is a float, 1.0 or 0.0 (not a bool).
    "The cat sat" vs "a cat sat down" -> 0.0; "Paris!" vs ["London", "paris"] -> 1.0.
    """
    pred = normalize_answer(prediction)
    return float(any(pred == normalize_answer(ref) for ref in _as_references(references)))


def _f1(pred: list[str], ref: list[str]) -> float:
    if not pred or not ref:
        # subtle: two empty answers agree perfectly; one empty side cannot overlap.
        return float(pred == ref)
    # multiset overlap: a shared token counts min(times in pred, times in ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, references: str | Iterable[str]) -> float:
    """F1 over normalised tokens (``normalize_answer(s).split()``), best over the references.

    Overlap is a multiset: a shared token counts min(times in prediction, times in the
    reference). When either side has no tokens: 1.0 if both are empty, else 0.0.
    ``references`` as in ``exact_match`` (``ValueError`` for an empty list).
    "The cat sat" vs "a cat sat down": [cat, sat] vs [cat, sat, down], 2 shared,
    P = 2/2, R = 2/3 -> F1 = 2·1·(2/3) / (1 + 2/3) = 0.8.
    """
    pred = _tokens(prediction)
    return max(_f1(pred, _tokens(ref)) for ref in _as_references(references))


def groundedness(answer: str, context: str) -> float:
    """Share of the answer's normalised tokens that occur in the context's tokens.

    Each answer token counts every time it appears; the context needs it only once.
    1.0 for an answer with no tokens (nothing was claimed).
    "cat cat dog" with context "the cat" -> 2/3.
    """
    answer_tokens = _tokens(answer)
    if not answer_tokens:
        return 1.0  # nothing was claimed, so nothing is ungrounded
    vocabulary = set(_tokens(context))
    return sum(token in vocabulary for token in answer_tokens) / len(answer_tokens)


# --------------------------------------------------------------------------- latency, cost, data


def latency_summary(latencies_s: Iterable[float]) -> dict[str, float]:
    """``{"p50", "p95", "p99", "mean", "max"}`` in seconds, as Python floats (also for ints).

    ``latencies_s`` is any iterable of numbers (a list, a tuple, a generator).
    Percentiles interpolate linearly between the sorted values, as ``np.percentile``
    does by default. ``ValueError`` for an empty list.
    [1, 2, 3, 4, 5] -> p50 3.0, p95 4.8, p99 4.96, mean 3.0, max 5.0.
    """
    x = np.asarray(list(latencies_s), dtype=float)  # (n,)
    if x.size == 0:
        raise ValueError("latency_summary needs at least one latency, got an empty list")
    # .tolist() gives Python floats: np.float32 and friends would break json.dumps later
    percentiles = dict(zip(("p50", "p95", "p99"), np.percentile(x, [50, 95, 99]).tolist()))
    return {**percentiles, "mean": float(x.mean()), "max": float(x.max())}


def estimate_cost(
    prompt_tokens: int, completion_tokens: int, price_in_per_1k: float, price_out_per_1k: float
) -> float:
    """Price of the tokens: prompt at ``price_in_per_1k``, completion at ``price_out_per_1k``.

    Prices are per 1000 tokens; the result is not rounded (one token at 0.01 per 1k
    costs 0.00001). Zero counts and prices are fine; ``ValueError`` for a negative one.
    1200 prompt + 300 completion tokens at 0.5 / 1.5 per 1k -> 0.6 + 0.45 = 1.05.
    """
    given = (prompt_tokens, completion_tokens, price_in_per_1k, price_out_per_1k)
    if min(given) < 0:
        raise ValueError(f"token counts and prices must be >= 0, got {given!r}")
    return prompt_tokens / 1000 * price_in_per_1k + completion_tokens / 1000 * price_out_per_1k


def load_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """One dict per non-blank line of a JSON Lines file (UTF-8), in order.

    ``ValueError`` whose message names the 1-based line number, e.g.
    "eval_set.jsonl line 4: ...", for a line that is not valid JSON or not a JSON
    object. Blank lines are skipped, but they still count in the line numbers. Lines
    end at a newline only: a U+2028 inside a JSON string is part of its record.
    """
    path = Path(path)
    records = []
    # subtle: iterate the file, not str.splitlines(): that also splits at U+2028,
    # which JSON allows inside strings, and would shift every later line number.
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path.name} line {number}: not valid JSON ({exc})") from None
            if not isinstance(record, dict):
                kind = type(record).__name__
                raise ValueError(f"{path.name} line {number}: expected a JSON object, got {kind}")
            records.append(record)
    return records


# --------------------------------------------------------------------------- running an eval


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
        return {"summary": copy.deepcopy(self.summary), "items": copy.deepcopy(self.items)}


def _split_output(output: Any) -> tuple[str, dict[str, Any]]:
    """``"text"`` or ``("text", usage)`` -> ``(text, usage)``; ``TypeError`` otherwise."""
    text, usage = output if isinstance(output, tuple) and len(output) == 2 else (output, None)
    if not isinstance(text, str):
        raise TypeError(f"model_fn must return a str or (str, usage), got {output!r:.60}")
    return text, dict(usage or {})


def _evaluate_item(
    item: dict[str, Any], model_fn: Callable[..., Any], clock: Callable[[], float]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Score one item: ``(record, usage)``."""
    context = item.get("context")
    start = clock()
    try:
        text, usage = _split_output(model_fn(item["question"], context))
        error = None
    except Exception as exc:  # the harness reports a failing model, it does not crash
        text, usage, error = None, {}, f"{type(exc).__name__}: {exc}"
    # subtle: read the clock after a failure too: a timeout is the slowest call of all,
    # and dropping it would flatter p95.
    latency = clock() - start
    em = 0.0 if error else exact_match(text, item["answers"])
    f1 = 0.0 if error else token_f1(text, item["answers"])
    # no context: nothing to check (None); a failed call grounds nothing (0.0)
    grounded = None if context is None else 0.0 if error else groundedness(text, context)
    record = {
        "id": item["id"],
        "prediction": text,
        "em": em,
        "f1": f1,
        "groundedness": grounded,
        "latency_s": float(latency),
        "error": error,
    }
    return record, usage


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
    records, prompt_tokens, completion_tokens = [], 0, 0
    for item in dataset:
        record, usage = _evaluate_item(item, model_fn, clock)
        records.append(record)
        prompt_tokens += int(usage.get("prompt_tokens", 0))
        completion_tokens += int(usage.get("completion_tokens", 0))
    if not records:
        raise ValueError("run_eval needs at least one item; the dataset is empty")
    with_context = [r["groundedness"] for r in records if r["groundedness"] is not None]
    cost = 0.0 if prices is None else estimate_cost(prompt_tokens, completion_tokens, *prices)
    summary = {
        "n": len(records),
        "n_errors": sum(r["error"] is not None for r in records),
        "em": float(np.mean([r["em"] for r in records])),  # errors count 0
        "f1": float(np.mean([r["f1"] for r in records])),
        # subtle: the mean over items that HAVE a context; None is not a zero.
        "groundedness": float(np.mean(with_context)) if with_context else None,
        "latency": latency_summary(r["latency_s"] for r in records),
        "cost": float(cost),
    }
    return EvalReport(items=records, summary=summary)


# --------------------------------------------------------------------------- the offline gate

# metric -> True when a higher value is better
_DIRECTIONS = {"em": True, "f1": True, "groundedness": True, "latency_p95": False, "cost": False}


def _metrics(report: EvalReport | dict[str, Any]) -> dict[str, float | None]:
    summary = report["summary"] if isinstance(report, dict) else report.summary
    found = {name: summary.get(name) for name in ("em", "f1", "groundedness", "cost")}
    return {**found, "latency_p95": summary["latency"]["p95"]}


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
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance!r}")
    base, cand = _metrics(baseline), _metrics(candidate)
    result = {}
    for name, higher_is_better in _DIRECTIONS.items():
        b, c = base[name], cand[name]
        if b is None or c is None:  # e.g. no item had a context: nothing to compare
            result[name] = {"baseline": b, "candidate": c, "delta": None, "regressed": False}
            continue
        delta = c - b
        worse_by = -delta if higher_is_better else delta
        # strictly more than the tolerance: worse by exactly the tolerance still passes
        result[name] = {
            "baseline": b,
            "candidate": c,
            "delta": delta,
            "regressed": worse_by > tolerance,
        }
    return result
