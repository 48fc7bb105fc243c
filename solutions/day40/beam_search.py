"""Beam search: keep the ``beam_width`` best partial sequences at every decoding step.

A language model gives log p(next token | prefix). The best sequence maximises the
sum of those log-probabilities, but exhaustive search costs V^T model calls. Greedy
decoding (keep one) is cheap but short-sighted: the most likely first token need not
start the most likely sequence. Beam search sits in between:

    alive = [(bos,)]
    repeat up to max_len times:
        extend every alive hypothesis by every token      # (B, V) candidates
        keep the beam_width best candidates, globally      # not per beam
        kept candidates ending in eos are finished; the rest stay alive

The rules below decide the exact output, so the tests pin them down:

- candidates are ranked by their summed log-probability (the length penalty is not
  used while searching); ties go to the lower token id, then to the earlier beam;
- a finished hypothesis leaves the beam, which then shrinks (it is not refilled);
- after ``max_len`` tokens every alive hypothesis is finished as it is;
- finished hypotheses are scored logprob / n ** length_penalty, with n the number of
  tokens after ``bos_id``, and returned best first.

Left out: batching the beams into one model call and reusing each beam's KV cache
(what real decoders do), refilling the beam to keep it full, stopping early once no
alive beam can beat the best finished one, n-gram blocking and diverse beam search.
"""

from __future__ import annotations

import numpy as np


def _expand(step_fn, alive):
    """Summed log-probabilities of every one-token extension of every alive hypothesis.

    Row b, column t is logprob(alive[b]) + log p(t | alive[b]).
    """
    step = np.stack([np.asarray(step_fn(tokens), dtype=float) for tokens, _ in alive])  # (B, V)
    base = np.array([logprob for _, logprob in alive])  # (B,)
    return base[:, None] + step  # (B, V)


def _select(totals, beam_width):
    """``[(beam, token), ...]``: the ``beam_width`` best candidates of ``totals``, best first.

    totals = [[-1, -3], [-2, -1]] (two beams, two tokens), beam_width = 2
    -> [(0, 0), (1, 1)]: both score -1, and token 0 comes before token 1.
    """
    vocab = totals.shape[1]
    beam_idx, token_idx = np.divmod(np.arange(totals.size), vocab)  # (B·V,) each
    # subtle: np.lexsort sorts by its LAST key first: the score (descending), then the
    # lower token id, then the earlier beam. A plain argsort of the flattened (B, V)
    # scores would break ties by beam first (flat order is beam-major), and an
    # unstable sort would not break them the same way twice.
    order = np.lexsort((beam_idx, token_idx, -totals.ravel()))[:beam_width]
    return [(int(beam_idx[i]), int(token_idx[i])) for i in order]


def _score(tokens, logprob, length_penalty):
    """logprob / n ** length_penalty, n = tokens after bos (0.0 keeps the raw sum)."""
    # subtle: bos is given, not generated, so it does not count towards the length.
    n = len(tokens) - 1
    return logprob / n**length_penalty


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
    if beam_width < 1 or max_len < 1:
        raise ValueError(
            f"beam_width and max_len must be at least 1, got {beam_width!r} and {max_len!r}"
        )
    alive = [((bos_id,), 0.0)]  # (tokens, summed logprob), best first
    finished = []
    for _ in range(max_len):
        totals = _expand(step_fn, alive)  # (B, V)
        next_alive = []
        for beam, token in _select(totals, beam_width):
            hypothesis = (alive[beam][0] + (token,), float(totals[beam, token]))
            if token == eos_id:
                finished.append(hypothesis)
            else:
                next_alive.append(hypothesis)
        alive = next_alive
        if not alive:
            break
    finished.extend(alive)  # subtle: hypotheses that reached max_len are finished as they are
    scored = [(tokens, _score(tokens, lp, length_penalty)) for tokens, lp in finished]
    # sorted() is stable: equal scores keep the order in which they finished.
    return sorted(scored, key=lambda hypothesis: -hypothesis[1])
