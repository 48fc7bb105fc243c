"""Decoding: turn a model's next-token logits into one token id.

The pipeline of every LLM sampler (Hugging Face ``generate``, vLLM, llama.cpp)::

    logits (V,) -> / temperature -> top-k filter -> top-p filter -> softmax -> one draw

Filters never renormalise or change the logits they keep: they set the rest to
``-inf``, so the softmax gives them probability exactly 0. Temperature 0 is
greedy decoding (argmax). Left out: batches of sequences (we take one 1-D logits
vector), repetition penalties, min-p, beam search and speculative decoding.
"""

from __future__ import annotations

import numpy as np


def _as_logits(logits):
    logits = np.asarray(logits, dtype=float)
    if logits.ndim != 1 or logits.size == 0:
        raise ValueError(f"logits must be a non-empty 1-D array, got shape {logits.shape}")
    return logits


def _softmax(logits):
    """Probabilities from logits; stable for large logits and for ``-inf`` entries.

    [0, ln 3] -> [0.25, 0.75]
    """
    logits = _as_logits(logits)
    # subtle: subtract the max so exp never overflows (exp(1000) is inf; inf/inf is NaN).
    shifted = np.exp(logits - logits.max())  # -inf -> exp(-inf) = 0
    return shifted / shifted.sum()


def apply_temperature(logits, temperature):
    """``logits / temperature``: T < 1 sharpens the distribution, T > 1 flattens it.

    [2, 4] at T = 2 -> [1, 2], as a new array (the input is left unchanged).
    ``ValueError`` for T <= 0 (T = 0 means greedy: no division at all, see
    ``sample_next_token``).
    """
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}")
    return _as_logits(logits) / temperature


def top_k_filter(logits, k):
    """Keep the logits >= the k-th largest; the rest become ``-inf``.

    [1, 3, 2, 3] with k = 2 -> [-inf, 3, -inf, 3]; with k = 3 the boundary value is 2,
    so [-inf, 3, 2, 3]. Ties at the boundary are all kept, so more than k may survive.
    k >= vocabulary size keeps everything. ``ValueError`` for k < 1.
    """
    logits = _as_logits(logits)
    if k < 1:
        raise ValueError(f"top_k must be >= 1, got {k!r}")
    if k >= logits.size:
        return logits.copy()
    kth_largest = np.partition(logits, -k)[-k]  # O(V), no full sort
    # subtle: `<`, not `<=`: a logit equal to the k-th largest stays.
    return np.where(logits < kth_largest, -np.inf, logits)


def top_p_filter(logits, p, min_tokens_to_keep=1):
    """Nucleus filtering: keep the smallest set of most probable tokens whose mass reaches p.

    Probabilities [0.5, 0.25, 0.15, 0.1] with p = 0.7: 0.5 < 0.7, 0.5 + 0.25 = 0.75 >= 0.7,
    so the first two are kept (the token that crosses p is kept); a sum equal to p has
    reached it. At least ``min_tokens_to_keep`` tokens are kept. Ties in probability go
    to the lower index. Works for large logits such as 1000 or -1000. ``ValueError``
    unless 0 < p <= 1.
    """
    logits = _as_logits(logits)
    if not 0 < p <= 1:
        raise ValueError(f"top_p must be in (0, 1], got {p!r}")
    if p >= 1:
        return logits.copy()  # everything: no rounding error in a cumsum can drop a token
    probs = _softmax(logits)
    order = np.argsort(-probs, kind="stable")  # most probable first, ties by index
    mass_before = np.cumsum(probs[order]) - probs[order]  # (V,) mass of the better tokens
    # subtle: keep while the mass BEFORE a token is < p; that keeps the crossing token.
    keep_sorted = mass_before < p
    keep_sorted[:min_tokens_to_keep] = True
    keep = np.zeros(logits.size, dtype=bool)
    keep[order] = keep_sorted
    return np.where(keep, logits, -np.inf)


def sample_next_token(logits, rng, temperature=1.0, top_k=None, top_p=None):
    """One token id drawn from the filtered distribution (a Python int).

    temperature 0 -> greedy: the argmax, the lowest index on ties; no draw is made.
    Otherwise: temperature, then top-k, then top-p, then softmax, then one draw from
    ``rng`` (a ``numpy.random.Generator``). Works for large logits such as 1000 or -1000.
    ``ValueError`` for temperature < 0. [0, 5, 5] at T = 0 -> 1.
    """
    logits = _as_logits(logits)
    if temperature == 0:
        return int(np.argmax(logits))  # np.argmax returns the first maximum
    scaled = apply_temperature(logits, temperature)  # raises for T < 0
    if top_k is not None:
        scaled = top_k_filter(scaled, top_k)
    if top_p is not None:
        # subtle: after temperature, so the nucleus is taken from the distribution
        # we actually sample from.
        scaled = top_p_filter(scaled, top_p)
    probs = _softmax(scaled)
    return int(rng.choice(probs.size, p=probs))
