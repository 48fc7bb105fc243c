"""Day 40: beam search decoding (numpy allowed).

Implement ``beam_search`` below, then run ``nox -s grade -- day40``.
Stuck? ``nox -s hint -- day40`` shows the next hint.

The rules (the tests check each one):

- start from the single hypothesis ``(bos_id,)`` with log-probability 0;
- at each step extend EVERY alive hypothesis by EVERY token of the vocabulary, and
  keep the ``beam_width`` candidates with the highest summed log-probability,
  globally (not per beam), or all of them when there are fewer; ties go to the lower
  token id, then to the earlier beam (alive hypotheses are ordered best first);
- a kept candidate ending in ``eos_id`` is finished and leaves the beam (the beam
  shrinks; it is not refilled); the others stay alive;
- stop when nothing is alive, or when the hypotheses have ``max_len`` tokens after
  ``bos_id``: those are finished too, as they are;
- score each finished hypothesis as logprob / n ** length_penalty, n = the number
  of tokens after ``bos_id`` (``eos_id`` counts, ``bos_id`` does not); the penalty
  only scores finished hypotheses, it never ranks candidates during the search;
- return them all as ``(tokens, score)`` pairs, best (highest score) first; tokens
  are a tuple starting with ``bos_id``, score a float.
"""

from __future__ import annotations

import numpy as np  # noqa: F401 - you will need it


def beam_search(step_fn, bos_id, eos_id, beam_width, max_len, length_penalty=0.0):
    """Decode with a beam; returns every finished ``(tokens, score)``, best first.

    ``step_fn(prefix)`` takes a tuple of token ids starting with ``bos_id`` and returns
    log-probabilities over the vocabulary (1-D). ``tokens`` include ``bos_id``; a
    hypothesis stops at ``eos_id`` or after ``max_len`` tokens after ``bos_id``.
    ``beam_width=1`` is greedy decoding; a beam wider than the candidates of a step (wider
    than the vocabulary, say) keeps them all. ``step_fn`` is called once per alive
    hypothesis per step, never on a finished one. Scores are logprob / n ** length_penalty,
    n = the tokens after ``bos_id`` (``eos_id`` included). ``ValueError`` unless
    beam_width, max_len >= 1.

    By hand, with tokens 0 = eos, 1 = a, 2 = b and bos_id = 3:
    p(. | bos) = [0.1, 0.5, 0.4], p(. | bos a) = [0.4, 0.3, 0.3], p(. | bos b) = [0.9, 0.05, 0.05].
    Greedy takes a (0.5) then eos (0.4): (3, 1, 0) with p = 0.20. A beam of 2 keeps a and b,
    then the best two of {a eos 0.20, a a 0.15, a b 0.15, b eos 0.36, b a 0.02, b b 0.02}:
    both end in eos, so the result is [((3, 2, 0), log 0.36), ((3, 1, 0), log 0.20)].
    """
    raise NotImplementedError("beam_search: run 'nox -s hint -- day40' if stuck")
