"""Hidden tests for exercises/day40/beam_search.py."""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np
import pytest

from grader.drivers.day40 import BOS, EOS, A, B, random_model
from grader.testing import (
    Mistake,
    assert_close,
    attempt_module,
    expect_error,
    name_the_mistake,
    reference_module,
)

bs = attempt_module("beam_search")
ref = reference_module("beam_search")

# ---------------------------------------------------------------- models

# The models (TOY, table_model, random_model) are defined once, in the day's drivers
# (grader/drivers/day40.py): beam_search runs beside the attempt with its step_fn built
# there from plain parameters, a model (["toy"], ["table", {prefix: row}] or ["random",
# seed, vocab]), instead of calling back a step_fn of this process once per alive
# hypothesis per step. The brute force below uses the very same models, here.
TOY_MODEL = ["toy"]


def table_spec(rows):
    return ["table", rows]


def random_spec(seed, vocab):
    return ["random", seed, vocab]


@pytest.fixture
def search(bs, attempt_worker):
    """``search(model, *args, **kwargs)``: ``bs.beam_search(<model's step_fn>, *args,
    **kwargs)``, run in the attempt's process; what it returned."""
    return functools.partial(attempt_worker.drive, "day40", "search")


@pytest.fixture
def search_recording_calls(bs, attempt_worker):
    """Like ``search``, returning ``{"result", "prefixes", "kinds"}``: also every prefix
    step_fn was called with (as a tuple) and its type name, in order."""
    return functools.partial(attempt_worker.drive, "day40", "search_recording_calls")


@pytest.fixture
def ref_search(ref, reference_worker):
    """``search`` on the reference solution."""
    return functools.partial(reference_worker.drive, "day40", "search")


# ---------------------------------------------------------------- brute force


def sequence_logprob(step_fn, tokens):
    return sum(float(step_fn(tokens[:i])[tokens[i]]) for i in range(1, len(tokens)))


def exhaustive(step_fn, vocab, bos, eos, max_len, length_penalty):
    """Every sequence that stops at eos or at max_len, scored, best first."""
    found = []
    for n in range(1, max_len + 1):
        for body in itertools.product(range(vocab), repeat=n):
            if eos in body[:-1] or (body[-1] != eos and n < max_len):
                continue
            tokens = (bos, *body)
            found.append((tokens, sequence_logprob(step_fn, tokens) / n**length_penalty))
    return sorted(found, key=lambda h: -h[1])


def greedy(step_fn, bos, eos, max_len, length_penalty):
    """Take the most likely token (the lowest id among equals) until eos or max_len."""
    tokens = (bos,)
    while len(tokens) - 1 < max_len and tokens[-1:] != (eos,):
        tokens += (int(np.argmax(step_fn(tokens))),)
    n = len(tokens) - 1
    return [(tokens, sequence_logprob(step_fn, tokens) / n**length_penalty)]


# ---------------------------------------------------------------- checking a result


def as_hypotheses(got):
    """The attempt's result as [(tuple of ints, float), ...], or a clear failure."""
    try:
        return [(tuple(int(t) for t in tokens), float(score)) for tokens, score in got]
    except (TypeError, ValueError):
        raise AssertionError(
            f"beam_search should return a list of (tokens, score) pairs, got {got!r:.200}"
        ) from None


def assert_same_hypotheses(got, expected, what):
    """The same hypotheses with the same scores, best first.

    The order of hypotheses with EQUAL scores is not part of the contract, so it is not
    checked: only that the scores never increase along the list.
    """
    got = as_hypotheses(got)
    got_tokens, expected_tokens = [t for t, _ in got], [t for t, _ in expected]
    if sorted(got_tokens) != sorted(expected_tokens):
        missing = [h for h in expected if h[0] not in got_tokens][:3]
        extra = [t for t in got_tokens if t not in expected_tokens][:3]
        raise AssertionError(
            f"{what}: expected {len(expected)} finished hypotheses, got {len(got)}; "
            f"missing (with their right scores) {[(t, round(s, 6)) for t, s in missing]}, "
            f"unexpected {extra}; expected (best first) {expected_tokens[:6]}, "
            f"got {got_tokens[:6]}"
        )
    expected_score = dict(expected)
    assert_close(
        [s for _, s in got], [expected_score[t] for t in got_tokens], what=f"{what}: scores"
    )
    scores = [s for _, s in got]
    for i in range(len(scores) - 1):
        if scores[i + 1] > scores[i] + 1e-9 * max(1.0, abs(scores[i])):
            raise Mistake(
                f"{what}: the results are not best first: {got_tokens[i]} (score "
                f"{scores[i]:.6g}) comes before {got_tokens[i + 1]} (score {scores[i + 1]:.6g})",
                hint="Are the finished hypotheses sorted by their final (penalised) score, "
                "highest first, before you return them?",
            )


# ---------------------------------------------------------------- hand-worked


@pytest.mark.grade(
    points=3,
    hint="Do you keep the best beam_width of ALL extensions of ALL beams together, and does "
    "a candidate ending in eos leave the beam for good?",
    task="beam_search",
)
def test_a_beam_of_two_finds_the_sequence_greedy_misses(search):
    """p(. | bos) = [eos 0.1, a 0.5, b 0.4]; p(. | bos a) = [0.4, 0.3, 0.3];
    p(. | bos b) = [0.9, 0.05, 0.05]. Step 1 keeps a (0.5) and b (0.4). Step 2 candidates:
    a eos 0.20, a a 0.15, a b 0.15, b eos 0.36, b a 0.02, b b 0.02; the best two both end
    in eos, so nothing is alive and the search stops before max_len = 3:
    [(bos b eos, log 0.36 = -1.0217), (bos a eos, log 0.20 = -1.6094)]."""
    got = search(TOY_MODEL, BOS, EOS, beam_width=2, max_len=3)
    expected = [((BOS, B, EOS), math.log(0.36)), ((BOS, A, EOS), math.log(0.20))]
    assert_same_hypotheses(got, expected, "beam_width=2 on the toy model")


@pytest.mark.grade(
    points=1,
    hint="With beam_width=1, which single candidate survives each step?",
    task="beam_search",
)
def test_greedy_decoding_takes_the_locally_best_token(search):
    """Greedy: a (0.5), then eos (0.4): bos a eos with log 0.20 (worse than bos b eos's 0.36)."""
    got = search(TOY_MODEL, BOS, EOS, beam_width=1, max_len=3)
    assert_same_hypotheses(got, [((BOS, A, EOS), math.log(0.20))], "beam_width=1 on the toy")


@pytest.mark.grade(
    points=2,
    hint="Which tokens does n count: is bos generated? Is the penalty used while searching, "
    "or only on finished hypotheses?",
    task="beam_search",
)
@pytest.mark.parametrize("length_penalty", [0.0, 1.0], ids=["penalty=0", "penalty=1"])
def test_length_penalty_divides_by_the_tokens_after_bos(search, length_penalty):
    # beam_width=3, max_len=2 on the toy. Step 1 keeps a .5, b .4, eos .1 (finished, n=1).
    # Step 2 keeps b eos .36, a eos .20 and a a .15 (a a ties a b: the lower token id wins);
    # a a is still alive at max_len, so it finishes as it is (n=2).
    # penalty=1: log .36/2 = -0.511, log .2/2 = -0.805, log .15/2 = -0.949, log .1/1 = -2.303.
    got = search(TOY_MODEL, BOS, EOS, 3, 2, length_penalty=length_penalty)
    expected = [
        ((BOS, B, EOS), math.log(0.36) / 2**length_penalty),
        ((BOS, A, EOS), math.log(0.20) / 2**length_penalty),
        ((BOS, A, A), math.log(0.15) / 2**length_penalty),
        ((BOS, EOS), math.log(0.10)),
    ]
    assert_same_hypotheses(got, expected, f"beam_width=3, max_len=2, penalty={length_penalty:g}")


@pytest.mark.grade(
    points=1,
    hint="What happens to alive hypotheses when max_len is reached?",
    task="beam_search",
)
def test_hypotheses_that_reach_max_len_are_finished_as_they_are(search):
    # max_len=1: one step, keep a (0.5) and b (0.4); neither ends in eos, both are returned.
    got = search(TOY_MODEL, BOS, EOS, beam_width=2, max_len=1)
    assert_same_hypotheses(
        got, [((BOS, A), math.log(0.5)), ((BOS, B), math.log(0.4))], "max_len=1, beam_width=2"
    )


@pytest.mark.grade(
    points=1,
    hint="Which tokens does n count: bos (given, not generated)? eos (generated)?",
    task="beam_search",
)
@pytest.mark.parametrize("length_penalty", [1.0, 2.0], ids=["penalty=1", "penalty=2"])
def test_the_length_counts_eos_but_not_bos(search, length_penalty):
    """Greedy on bos = 9, eos = 0: token 1 (-1), token 2 (-1), eos (-1): (9, 1, 2, 0), logprob
    -3 over n = 3 tokens after bos (eos included): -3 / 3 = -1 (penalty 1), -3 / 9 (penalty 2)."""
    table = {(9,): [-3, -1, -2], (9, 1): [-3, -2, -1], (9, 1, 2): [-1, -2, -3]}
    got = as_hypotheses(search(table_spec(table), 9, 0, 1, 5, length_penalty))
    right = -3.0 / 3**length_penalty
    if len(got) == 1 and got[0][0] == (9, 1, 2, 0):
        wrong = {
            "n counts bos too (n = 4)": (
                -3.0 / 4**length_penalty,
                "Is bos generated? n counts only the tokens after bos_id.",
            ),
            "n leaves eos out (n = 2)": (
                -3.0 / 2**length_penalty,
                "Is eos a generated token? It counts in n like any other token after bos.",
            ),
            "the penalty is not applied": (
                -3.0,
                "Do you divide the finished hypotheses' log-probabilities by n ** length_penalty?",
            ),
            "divided by n * length_penalty instead of n ** length_penalty": (
                -3.0 / (3 * length_penalty),
                "Is the length penalty an exponent of n, or a factor?",
            ),
        }
        mistakes = {k: v for k, v in wrong.items() if not math.isclose(v[0], right)}
        name_the_mistake(got[0][1], mistakes, what=f"penalty={length_penalty:g} on (9, 1, 2, 0)")
    assert_same_hypotheses(got, [((9, 1, 2, 0), right)], f"penalty={length_penalty:g}")


@pytest.mark.grade(
    points=1,
    hint="When a step has fewer candidates than beam_width (a beam wider than the vocabulary), "
    "do you keep them all, without an error?",
    task="beam_search",
)
def test_a_beam_wider_than_the_vocabulary_keeps_every_candidate(search):
    # beam_width=10, max_len=2 on the toy. Step 1 has 3 candidates: all kept; eos .1 finishes.
    # Step 2 extends a and b: 6 candidates, all kept; nothing is pruned, 7 hypotheses come back.
    got = search(TOY_MODEL, BOS, EOS, beam_width=10, max_len=2)
    expected = [
        ((BOS, B, EOS), math.log(0.36)),
        ((BOS, A, EOS), math.log(0.20)),
        ((BOS, A, A), math.log(0.15)),
        ((BOS, A, B), math.log(0.15)),
        ((BOS, EOS), math.log(0.10)),
        ((BOS, B, A), math.log(0.02)),
        ((BOS, B, B), math.log(0.02)),
    ]
    assert_same_hypotheses(got, expected, "beam_width=10 > vocabulary 3, max_len=2")


@pytest.mark.grade(
    points=1,
    hint="What type is the prefix you pass to step_fn: the docstring promises a tuple?",
    task="beam_search",
)
def test_step_fn_gets_the_prefix_as_a_tuple(search_recording_calls):
    seen = search_recording_calls(TOY_MODEL, BOS, EOS, beam_width=2, max_len=3)
    kinds = seen["kinds"]
    not_tuples = sorted({kind for kind in kinds if kind != "tuple"})
    assert kinds and not not_tuples, (
        f"step_fn was called with prefixes of type {not_tuples or 'nothing (never called)'}; "
        "the docstring promises a tuple of token ids (a model may use it as a dict key)"
    )


@pytest.mark.grade(
    points=2,
    hint="Among equal scores, which candidate wins: the lower token id first, then the "
    "earlier (better) beam? Which numpy sort takes several keys, and which does it compare "
    "first?",
    task="beam_search",
)
@pytest.mark.parametrize(
    "table, beam_width, max_len, expected",
    [
        # greedy with a tie at the top: tokens 1 and 2 both -1 -> the lower id, 1
        ({(9,): [-5, -1, -1]}, 1, 1, [((9, 1), -1.0)]),
        # step 1 keeps (9,1) then (9,2) (tie -> lower id first). Step 2: (9,1,0) = -2.5 is
        # best; then (9,1,2) and (9,2,1) tie at -3: the lower TOKEN id wins -> (9,2,1),
        # although it comes from the later beam.
        (
            {(9,): [-5, -1, -1], (9, 1): [-1.5, -3, -2], (9, 2): [-5, -2, -3]},
            2,
            2,
            [((9, 1, 0), -2.5), ((9, 2, 1), -3.0)],
        ),
        # step 1 keeps (9,1) = -1 and (9,2) = -2. Step 2: (9,1,0) = -2.5 first; then
        # (9,1,2) and (9,2,2) tie at -3 with the same token: the EARLIER beam wins.
        (
            {(9,): [-5, -1, -2], (9, 1): [-1.5, -9, -2], (9, 2): [-9, -9, -1]},
            2,
            2,
            [((9, 1, 0), -2.5), ((9, 1, 2), -3.0)],
        ),
        # the earlier beam is the BETTER one, not the one with the lower last token: step 1
        # keeps (9,2) = -1 first, then (9,1) = -2. Step 2: (9,2,0) = -2.5 first; then
        # (9,2,2) and (9,1,2) tie at -3 with the same token: the earlier beam, (9,2), wins.
        (
            {(9,): [-5, -2, -1], (9, 1): [-9, -9, -1], (9, 2): [-1.5, -9, -2]},
            2,
            2,
            [((9, 2, 0), -2.5), ((9, 2, 2), -3.0)],
        ),
    ],
    ids=[
        "greedy-tie",
        "lower-token-before-earlier-beam",
        "same-token-earlier-beam",
        "earlier-beam-is-the-better-one",
    ],
)
def test_ties_go_to_the_lower_token_id_then_the_earlier_beam(
    search, table, beam_width, max_len, expected
):
    # Any numbers work as log-probabilities here (they need not sum to one); these are
    # exact in float64, so the ties are exact. bos = 9, eos = 0.
    got = search(table_spec(table), 9, 0, beam_width, max_len)
    assert_same_hypotheses(got, expected, f"ties with beam_width={beam_width}")


# ---------------------------------------------------------------- against brute force


@pytest.mark.grade(
    points=2,
    hint="With beam_width=1, is your search exactly greedy decoding (ties to the lower id)?",
    task="beam_search",
)
@pytest.mark.parametrize("length_penalty", [0.0, 0.8], ids=["penalty=0", "penalty=0.8"])
def test_width_one_is_greedy_decoding(search, rng, length_penalty):
    for _ in range(8):
        vocab, eos = int(rng.integers(2, 6)), 0
        seed = int(rng.integers(2**31))
        got = search(random_spec(seed, vocab), vocab, eos, 1, 6, length_penalty=length_penalty)
        expected = greedy(random_model(seed, vocab), vocab, eos, 6, length_penalty)
        assert_same_hypotheses(got, expected, f"beam_width=1 vs greedy (vocab {vocab})")


@pytest.mark.grade(
    points=2,
    hint="With room for every candidate nothing is pruned: does every sequence ending in "
    "eos, and every sequence of max_len tokens, come back with its score?",
    task="beam_search",
)
@pytest.mark.parametrize(
    "vocab, eos, max_len, length_penalty",
    [
        (3, 0, 4, 0.0),  # 3^4 = 81 sequences at most
        (3, 0, 4, 1.0),  # the same with a length penalty: short and long mix in the ranking
        (4, 2, 3, 0.5),  # eos need not be token 0
    ],
    ids=["V3-L4-penalty0", "V3-L4-penalty1", "V4-L3-eos2"],
)
def test_a_beam_wider_than_every_sequence_is_exhaustive_search(
    search, rng, vocab, eos, max_len, length_penalty
):
    seed = int(rng.integers(2**31))
    got = search(random_spec(seed, vocab), vocab, eos, vocab**max_len, max_len, length_penalty)
    expected = exhaustive(random_model(seed, vocab), vocab, vocab, eos, max_len, length_penalty)
    assert_same_hypotheses(got, expected, f"beam_width={vocab**max_len} vs exhaustive search")


@pytest.mark.grade(
    points=2,
    hint="Do finished hypotheses leave the beam, so that step_fn never sees a prefix ending "
    "in eos or already max_len tokens long?",
    task="beam_search",
)
def test_step_fn_is_only_called_on_alive_prefixes(search_recording_calls, rng):
    vocab, eos, beam_width, max_len = 4, 1, 3, 5
    model = random_spec(int(rng.integers(2**31)), vocab)
    calls = search_recording_calls(model, vocab, eos, beam_width, max_len)["prefixes"]
    for prefix in calls:
        assert prefix[0] == vocab, f"step_fn got {prefix}: every prefix starts with bos"
        assert eos not in prefix[1:], f"step_fn got {prefix}: a finished hypothesis was extended"
        assert len(prefix) - 1 < max_len, f"step_fn got {prefix}: already {max_len} tokens long"
    twice = sorted({prefix for prefix in calls if calls.count(prefix) > 1})
    if twice:
        raise Mistake(
            f"step_fn was called more than once on {twice[:3]}: once per alive hypothesis "
            "per step is the promise (a model call is the expensive part)",
            hint="Do you call step_fn again on a prefix you have already scored (to re-sum "
            "log-probabilities, or to check a shape)?",
        )
    assert len(calls) <= 1 + beam_width * (max_len - 1), (
        f"{len(calls)} calls of step_fn: at most one per alive hypothesis per step is needed"
    )


@pytest.mark.grade(
    points=2,
    hint="Which rule of the module docstring does your beam break? Print both results "
    "step by step on the seed shown.",
    task="beam_search",
)
@pytest.mark.parametrize("beam_width", [2, 3, 5])
def test_agrees_with_the_reference_on_random_models(search, ref_search, rng, beam_width):
    for _ in range(6):
        vocab, eos = 6, int(rng.integers(0, 6))
        model = random_spec(int(rng.integers(2**31)), vocab)
        for length_penalty in (0.0, 0.7):
            expected = ref_search(model, vocab, eos, beam_width, 6, length_penalty)
            got = search(model, vocab, eos, beam_width, 6, length_penalty)
            assert_same_hypotheses(
                got, expected, f"beam_width={beam_width}, penalty={length_penalty:g}"
            )


@pytest.mark.grade(
    points=1,
    hint="Is each result a (tokens, score) pair: tokens a tuple starting with bos, score a float?",
    task="beam_search",
)
def test_results_are_tuples_starting_with_bos_and_float_scores(search):
    got = search(TOY_MODEL, BOS, EOS, beam_width=2, max_len=3)
    assert isinstance(got, list), f"beam_search should return a list, got {type(got).__name__}"
    for item in got:
        assert isinstance(item, tuple) and len(item) == 2, f"expected (tokens, score), got {item!r}"
        tokens, score = item
        assert isinstance(tokens, tuple), f"tokens should be a tuple, got {type(tokens).__name__}"
        assert tokens[0] == BOS, f"tokens should start with bos_id {BOS}, got {tokens}"
        assert isinstance(score, float), f"score should be a float, got {type(score).__name__}"


@pytest.mark.grade(
    points=1,
    hint="Do you check beam_width >= 1 AND max_len >= 1 before decoding?",
    task="beam_search",
)
@pytest.mark.parametrize("beam_width, max_len", [(0, 3), (2, 0)], ids=["beam_width=0", "max_len=0"])
def test_rejects_a_beam_width_or_max_len_below_one(search, beam_width, max_len):
    with expect_error(ValueError, f"for beam_width={beam_width}, max_len={max_len}"):
        search(TOY_MODEL, BOS, EOS, beam_width, max_len)
