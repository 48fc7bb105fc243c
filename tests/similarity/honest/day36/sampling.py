"""Next-token sampling written from the contract alone (an independent attempt)."""

from __future__ import annotations

import numpy as np


def _probabilities(logits):
    peak = np.max(logits)
    weights = np.exp(logits - peak)  # the largest becomes exp(0) = 1: no overflow
    return weights / weights.sum()


def apply_temperature(logits, temperature):
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    return np.array(logits, dtype=float) / temperature


def top_k_filter(logits, k):
    if k < 1:
        raise ValueError(f"top_k_filter: k must be at least 1, got {k}")
    values = np.array(logits, dtype=float)
    if k >= values.size:
        return values
    kth_largest = np.partition(values, values.size - k)[values.size - k]
    values[values < kth_largest] = -np.inf
    return values


def top_p_filter(logits, p, min_tokens_to_keep=1):
    if not 0 < p <= 1:
        raise ValueError(f"top_p_filter: p must be in (0, 1], got {p}")
    values = np.array(logits, dtype=float)
    if p == 1:
        return values  # rounding can make a partial sum reach 1.0 before the last token
    probs = _probabilities(values)
    ranking = np.argsort(-probs, kind="stable")
    mass_before = np.cumsum(probs[ranking]) - probs[ranking]
    # A token is kept while the mass of the tokens above it has not yet reached p.
    keep_count = max(int(np.sum(mass_before < p)), min_tokens_to_keep)
    dropped = ranking[keep_count:]
    values[dropped] = -np.inf
    return values


def sample_next_token(logits, rng, temperature=1.0, top_k=None, top_p=None):
    if temperature < 0:
        raise ValueError(f"temperature must not be negative, got {temperature}")
    values = np.asarray(logits, dtype=float)
    if temperature == 0:
        return int(np.argmax(values))
    values = apply_temperature(values, temperature)
    if top_k is not None:
        values = top_k_filter(values, top_k)
    if top_p is not None:
        values = top_p_filter(values, top_p)
    probs = _probabilities(values)
    return int(rng.choice(probs.size, p=probs))
