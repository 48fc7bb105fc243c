"""Day 36: decoding a next token from logits (numpy only).

The pipeline of every LLM sampler::

    logits (V,) -> / temperature -> top-k filter -> top-p filter -> softmax -> one draw

Logits are 1-D float arrays. The filters return a NEW array (the input is left
unchanged) with the same values where a token is kept and ``-inf`` where it is
removed; they never renormalise. Hints: ``nox -s hint -- day36``.
"""

from __future__ import annotations

import numpy as np  # noqa: F401 - you will need it


def apply_temperature(logits, temperature):
    """``logits / temperature``: T < 1 sharpens the distribution, T > 1 flattens it.

    [2, 4] at T = 2 -> [1, 2], as a new array (the input is left unchanged).
    ``ValueError`` for temperature <= 0.
    """
    raise NotImplementedError("apply_temperature: run 'nox -s hint -- day36' if stuck")


def top_k_filter(logits, k):
    """Every logit below the k-th largest becomes ``-inf``; the others are unchanged.

    [1, 3, 2, 3] with k = 2 -> [-inf, 3, -inf, 3] (the 2nd largest is 3); with k = 3
    -> [-inf, 3, 2, 3]. Ties at the boundary are kept, so more than k may survive.
    k >= vocabulary size leaves every logit. ``ValueError`` for k < 1.
    """
    raise NotImplementedError("top_k_filter: run 'nox -s hint -- day36' if stuck")


def top_p_filter(logits, p, min_tokens_to_keep=1):
    """Nucleus filtering: keep the smallest set of most probable tokens whose mass reaches p.

    Go through the tokens from the most probable down, adding their probabilities
    (softmax of the logits); keep each token until the sum reaches p (a sum equal to
    p has reached it), including the token that crosses p. Always keep at least
    ``min_tokens_to_keep`` tokens. The rest become ``-inf``. p = 1 keeps everything.
    Works for large logits such as 1000 or -1000. ``ValueError`` unless 0 < p <= 1.

    Probabilities [0.5, 0.25, 0.15, 0.1], p = 0.7: 0.5 < 0.7, then 0.75 >= 0.7, so the
    first two tokens are kept -> [l0, l1, -inf, -inf].
    """
    raise NotImplementedError("top_p_filter: run 'nox -s hint -- day36' if stuck")


def sample_next_token(logits, rng, temperature=1.0, top_k=None, top_p=None):
    """One token id (a Python int) drawn from the filtered distribution.

    temperature 0 -> greedy: the argmax, the lowest index on ties (no draw is made).
    Otherwise: apply the temperature, then top-k (if given), then top-p (if given),
    then softmax, then ONE draw from ``rng`` (a ``numpy.random.Generator``). Must work
    for large logits such as 1000 or -1000 (no overflow, no 0 / 0), with or without
    the filters. ``ValueError`` for temperature < 0.

    [0, 5, 5] at temperature 0 -> 1.
    """
    raise NotImplementedError("sample_next_token: run 'nox -s hint -- day36' if stuck")
