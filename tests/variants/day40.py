"""Day 40 mistakes learners make: a beam pruned per beam, finished hypotheses that keep
growing, bos counted in the length, ties broken the wrong way, …; and quiz slips."""

from __future__ import annotations

from tests.variants import Variant

BEAM = "beam_search.py"
QUIZ = "quiz.md"


VARIANTS = [
    # ------------------------------------------------------------------ beam_search.py
    Variant(BEAM, "keeps the top beam_width of each beam instead of the top beam_width overall", (
        ("    order = np.lexsort((beam_idx, token_idx, -totals.ravel()))[:beam_width]\n",
         "    order = [b * vocab + t for b in range(totals.shape[0])\n"
         "             for t in np.lexsort((np.arange(vocab), -totals[b]))[:beam_width]]\n"),
    )),
    Variant(BEAM, "finished hypotheses kept in the beam and extended past eos", (
        ("                finished.append(hypothesis)\n            else:\n"
         "                next_alive.append(hypothesis)\n",
         "                finished.append(hypothesis)\n"
         "            next_alive.append(hypothesis)\n"),
    )),
    Variant(BEAM, "length penalty applied with n including bos", (
        ("    n = len(tokens) - 1\n", "    n = len(tokens)\n"),
    )),
    Variant(BEAM, "no tie-break: a plain argsort of the flattened scores (ties go to the earlier beam)", (
        ("    order = np.lexsort((beam_idx, token_idx, -totals.ravel()))[:beam_width]\n",
         "    order = np.argsort(-totals.ravel())[:beam_width]\n"),
    )),
    Variant(BEAM, "ties go to the higher token id (ascending sort read backwards)", (
        ("    order = np.lexsort((beam_idx, token_idx, -totals.ravel()))[:beam_width]\n",
         "    order = np.argsort(totals.ravel(), kind=\"stable\")[::-1][:beam_width]\n"),
    )),
    Variant(BEAM, "stops one step early", (
        ("    for _ in range(max_len):\n", "    for _ in range(max_len - 1):\n"),
    )),
    Variant(BEAM, "hypotheses still alive at max_len are dropped", (
        ("    finished.extend(alive)  # subtle: hypotheses that reached max_len are finished as they are\n", ""),
    )),
    Variant(BEAM, "candidates ranked with the length penalty during the search", (
        ("    return base[:, None] + step  # (B, V)\n",
         "    n = len(alive[0][0])\n    return (base[:, None] + step) / n  # (B, V)\n"),
    )),
    Variant(BEAM, "results not sorted best first (returned in the order they finished)", (
        ("    return sorted(scored, key=lambda hypothesis: -hypothesis[1])", "    return scored"),
    )),
    Variant(BEAM, "tokens returned without bos", (
        ("    scored = [(tokens, _score(tokens, lp, length_penalty)) for tokens, lp in finished]",
         "    scored = [(tokens[1:], _score(tokens, lp, length_penalty)) for tokens, lp in finished]"),
    )),
    Variant(BEAM, "sequence log-probabilities not accumulated: only the last step counts", (
        ("    return base[:, None] + step  # (B, V)\n", "    return step + 0 * base[:, None]  # (B, V)\n"),
    )),
    Variant(BEAM, "the beam is refilled: candidates are taken until beam_width are alive", (
        ("    for _ in range(max_len):\n        totals = _expand(step_fn, alive)  # (B, V)\n"
         "        next_alive = []\n        for beam, token in _select(totals, beam_width):\n",
         "    for _ in range(max_len):\n        totals = _expand(step_fn, alive)  # (B, V)\n"
         "        next_alive = []\n        for beam, token in _select(totals, totals.size):\n"
         "            if len(next_alive) == beam_width:\n                break\n"),
    )),
    Variant(BEAM, "runs one step past max_len", (
        ("    for _ in range(max_len):\n", "    for _ in range(max_len + 1):\n"),
    )),
    Variant(BEAM, "top-k with np.argpartition: breaks when beam_width >= the candidates", (
        ("    order = np.lexsort((beam_idx, token_idx, -totals.ravel()))[:beam_width]\n",
         "    top = np.argpartition(-totals.ravel(), beam_width - 1)[:beam_width]\n"
         "    order = top[np.lexsort((beam_idx[top], token_idx[top], -totals.ravel()[top]))]\n"),
    )),
    Variant(BEAM, "max_len not validated (only beam_width is)", (
        ("    if beam_width < 1 or max_len < 1:\n", "    if beam_width < 1:\n"),
    )),
    Variant(BEAM, "scores returned without the length penalty (used only to sort)", (
        ("    scored = [(tokens, _score(tokens, lp, length_penalty)) for tokens, lp in finished]\n"
         "    # sorted() is stable: equal scores keep the order in which they finished.\n"
         "    return sorted(scored, key=lambda hypothesis: -hypothesis[1])",
         "    order = sorted(finished, key=lambda h: -_score(h[0], h[1], length_penalty))\n"
         "    return [(tokens, lp) for tokens, lp in order]"),
    )),
    Variant(BEAM, "the length leaves eos out", (
        ("    n = len(tokens) - 1\n", "    n = len(tokens) - 1 - (tokens[-1] == 0)\n"
         "    n = max(n, 1)\n"),
    )),
    Variant(BEAM, "length penalty as a factor: logprob / (n * length_penalty)", (
        ("    return logprob / n**length_penalty\n",
         "    return logprob / (n * length_penalty) if length_penalty else logprob\n"),
    )),
    Variant(BEAM, "alive hypotheses kept in (beam, token) order, not best first", (
        ("    return [(int(beam_idx[i]), int(token_idx[i])) for i in order]\n",
         "    return sorted((int(beam_idx[i]), int(token_idx[i])) for i in order)\n"),
    )),
    Variant(BEAM, "step_fn called with a list instead of a tuple", (
        ("np.asarray(step_fn(tokens), dtype=float)", "np.asarray(step_fn(list(tokens)), dtype=float)"),
    )),
    Variant(BEAM, "results sorted worst first", (
        ("    return sorted(scored, key=lambda hypothesis: -hypothesis[1])",
         "    return sorted(scored, key=lambda hypothesis: hypothesis[1])"),
    )),
    Variant(BEAM, "step_fn called twice per hypothesis (once to read the vocabulary size)", (
        ("    step = np.stack(",
         "    vocab = len(step_fn(alive[0][0]))  # noqa: F841\n    step = np.stack("),
    )),
    # ------------------------------------------------------------------ quiz.md
    Variant(QUIZ, "a wrong tick: Bayes answered with the sensitivity (Q4)", (
        ("- [ ] A. 90 %\n", "- [x] A. 90 %\n"),
        ("- [x] C. About 9 %\n", "- [ ] C. About 9 %\n"),
    )),
    Variant(QUIZ, "two boxes ticked on one question (Q16)", (
        ("- [ ] C. 32,768\n", "- [x] C. 32,768\n"),
    )),
    Variant(QUIZ, "a question left unanswered (Q1)", (
        ("- [x] A. Precision 0.8, recall 0.5.\n", "- [ ] A. Precision 0.8, recall 0.5.\n"),
    )),
    Variant(QUIZ, "a question deleted from the file (Q24)", (
        ("### Q24. [day 39 · groundedness] In a RAG evaluation, what does groundedness "
         "(faithfulness) measure?\n\n"
         "- [ ] A. How fluent and well written the answer is.\n"
         "- [ ] B. How fast the answer was produced.\n"
         "- [x] C. Whether every claim in the answer is supported by the retrieved context.\n"
         "- [ ] D. Whether the answer matches what the model saw during pre-training.\n", ""),
    )),
]
