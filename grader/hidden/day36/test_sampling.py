"""Hidden tests for exercises/day36/sampling.py.

The filters are checked on hand-worked logits and against a brute-force nucleus on
random logits. The sampler is checked twice: its support exactly (which tokens can
ever come out) and its frequencies with a chi-square goodness-of-fit test at a
fixed seed. scipy is not available, so the statistic is computed with numpy and
compared with critical values of the chi-square distribution at significance
1e-4 (upper 0.9999 quantiles: df 1 -> 15.137, df 2 -> 18.421, df 3 -> 21.108).
A correct sampler fails such a test with probability 1e-4; every bug we look for
moves the statistic into the hundreds.
"""

from __future__ import annotations

import numpy as np
import pytest

from grader.testing import (
    Mistake,
    assert_close,
    assert_frequencies_fit,
    attempt_module,
    expect_error,
    reference_module,
)

s = attempt_module("sampling")
ref = reference_module("sampling")

CHI2_CRITICAL = {1: 15.137, 2: 18.421, 3: 21.108}  # chi-square 0.9999 quantiles by df
N_DRAWS = 1200
NEG_INF = -np.inf


def call_watching_inputs(drive, name, *args):
    """``(result, args_after)`` of ``sampling.<name>(*args)``, with the arguments as they
    are after the call in the attempt's process (driver ``call_watching_inputs``): an
    array sent from here arrives as a copy, so an in-place change would never show on
    this process's array."""
    seen = drive("sampling", "call_watching_inputs", module="sampling", name=name, args=list(args))
    return seen["result"], seen["args_after"]


def draw_counts(drive, logits, rng, n=N_DRAWS, **options):
    """How often each token id comes out of n calls of sample_next_token.

    The draws run beside the attempt (driver ``draw_tokens``) from a generator seeded by
    ``rng``: thousands of calls that each drew through a reference to ``rng`` would each
    cost a call back to this process.
    """
    seen = drive(
        "sampling",
        "draw_tokens",
        logits=np.asarray(logits, dtype=float),
        seed=seed_from(rng),
        n=n,
        options=options,
    )
    return count_tokens(seen["tokens"], len(logits))


def seed_from(rng):
    """A seed for a generator in the attempt's process, drawn from the test's ``rng`` (so a
    replay with the same --seed draws the same tokens)."""
    return int(rng.integers(2**63))


def count_tokens(tokens, vocabulary_size):
    counts = np.zeros(vocabulary_size, dtype=int)
    for token in tokens:
        assert isinstance(token, int | np.integer), f"expected an int token id, got {token!r}"
        counts[int(token)] += 1
    return counts


def assert_distribution(counts, expected_probs, what):
    """Exact support (every possible token seen, no other), then chi-square at 1e-4."""
    support = set(np.flatnonzero(np.asarray(expected_probs) > 0).tolist())
    seen = set(np.flatnonzero(counts > 0).tolist())
    assert seen == support, (
        f"{what}: tokens {sorted(seen)} came out, but exactly {sorted(support)} can "
        f"(counts {counts.tolist()})"
    )
    assert_frequencies_fit(counts, expected_probs, critical=CHI2_CRITICAL, what=what)


# ---------------------------------------------------------------- temperature


@pytest.mark.grade(
    points=1,
    hint="Should T = 2 bring the logits closer together or push them apart: divide or multiply?",
    task="apply_temperature",
)
@pytest.mark.parametrize(
    "temperature, expected",
    [(2.0, [1.0, 2.0, -0.5]), (0.5, [4.0, 8.0, -2.0]), (1.0, [2.0, 4.0, -1.0])],
    ids=["T=2-flattens", "T=0.5-sharpens", "T=1-unchanged"],
)
def test_apply_temperature_divides_the_logits(s, temperature, expected):
    got = s.apply_temperature(np.array([2.0, 4.0, -1.0]), temperature)
    assert_close(got, expected, what=f"apply_temperature([2, 4, -1], {temperature})")


@pytest.mark.grade(
    points=1,
    hint="Does `logits /= T` change the caller's array? What returns a new one?",
    task="apply_temperature",
)
def test_apply_temperature_leaves_the_input_unchanged(drive):
    got, (logits, _) = call_watching_inputs(
        drive, "apply_temperature", np.array([2.0, 4.0, -1.0]), 2.0
    )
    assert_close(logits, [2.0, 4.0, -1.0], what="the input logits after apply_temperature(T=2)")
    assert_close(got, [1.0, 2.0, -0.5], what="apply_temperature([2, 4, -1], 2)")


@pytest.mark.grade(
    points=1,
    hint="What would dividing by 0 or a negative number mean? Which error says 'bad value'?",
    task="apply_temperature",
)
@pytest.mark.parametrize("temperature", [0.0, -1.0], ids=["T=0", "T-negative"])
def test_apply_temperature_rejects_non_positive_temperatures(s, temperature):
    with expect_error(ValueError, f"for temperature={temperature}"):
        s.apply_temperature(np.array([1.0, 2.0]), temperature)


# ---------------------------------------------------------------- top-k


@pytest.mark.grade(
    points=2,
    hint="Which value is the k-th largest, and are logits EQUAL to it kept (ties)?",
    task="top_k_filter",
)
@pytest.mark.parametrize(
    "k, expected",
    [
        (1, [NEG_INF, 3.0, NEG_INF, 3.0]),  # the largest is 3, and both 3s tie for it
        (2, [NEG_INF, 3.0, NEG_INF, 3.0]),  # sorted: 3, 3, 2, 1 -> the 2nd largest is 3
        (3, [NEG_INF, 3.0, 2.0, 3.0]),  # the 3rd largest is 2
    ],
    ids=["k=1-tie", "k=2", "k=3"],
)
def test_top_k_keeps_logits_at_or_above_the_kth_largest(drive, k, expected):
    got, (logits, _) = call_watching_inputs(
        drive, "top_k_filter", np.array([1.0, 3.0, 2.0, 3.0]), k
    )
    assert_close(got, expected, what=f"top_k_filter([1, 3, 2, 3], k={k})")
    assert_close(logits, [1.0, 3.0, 2.0, 3.0], what="the input logits (must not be modified)")


@pytest.mark.grade(
    points=1,
    hint="What is the k-th largest of 4 numbers when k is 4? When k is 9?",
    task="top_k_filter",
)
@pytest.mark.parametrize("k", [4, 9], ids=["k=vocab", "k-above-vocab"])
def test_top_k_at_or_above_the_vocabulary_size_keeps_everything(s, k):
    got = s.top_k_filter(np.array([0.5, -1.0, 2.0, 0.0]), k)
    assert_close(got, [0.5, -1.0, 2.0, 0.0], what=f"top_k_filter with k={k} on 4 logits")


@pytest.mark.grade(
    points=1,
    hint="Is your threshold the k-th largest value (as a full sort would give) on any logits?",
    task="top_k_filter",
)
def test_top_k_matches_a_sort_on_random_logits(drive, rng):
    for _ in range(20):
        logits = rng.normal(size=50)
        k = int(rng.integers(1, 50))
        threshold = np.sort(logits)[-k]  # independent: a full sort
        expected = np.where(logits >= threshold, logits, NEG_INF)
        got, (after, _) = call_watching_inputs(drive, "top_k_filter", logits, k)
        assert_close(got, expected, what=f"top_k_filter(k={k})")
        assert_close(after, logits, what="the input logits (must not be modified)")


@pytest.mark.grade(points=1, hint="What would keeping 0 tokens mean?", task="top_k_filter")
@pytest.mark.parametrize("k", [0, -1], ids=["k=0", "k-negative"])
def test_top_k_rejects_k_below_one(s, k):
    with expect_error(ValueError, f"for k={k}"):
        s.top_k_filter(np.array([1.0, 2.0]), k)


# ---------------------------------------------------------------- top-p

# Probabilities 0.15, 0.5, 0.1, 0.25 (shuffled on purpose: sorting is part of the job).
NUCLEUS_LOGITS = np.log([0.15, 0.5, 0.1, 0.25])


@pytest.mark.grade(
    points=2,
    hint="Going from the most probable down, is the token that makes the sum reach p kept?",
    task="top_p_filter",
)
@pytest.mark.parametrize(
    "p, kept",
    [
        (0.3, [1]),  # 0.5 alone already reaches 0.3
        (0.7, [1, 3]),  # 0.5 < 0.7, 0.5 + 0.25 = 0.75 >= 0.7: the crossing token is kept
        (0.8, [0, 1, 3]),  # 0.75 < 0.8, + 0.15 = 0.9
        (0.95, [0, 1, 2, 3]),  # 0.9 < 0.95, + 0.1 = 1.0
    ],
    ids=["p=0.3", "p=0.7", "p=0.8", "p=0.95"],
)
def test_top_p_keeps_the_smallest_set_that_reaches_p(drive, p, kept):
    expected = np.full(4, NEG_INF)
    expected[kept] = NUCLEUS_LOGITS[kept]
    got, (logits, _) = call_watching_inputs(drive, "top_p_filter", NUCLEUS_LOGITS, p)
    assert_close(got, expected, what=f"top_p_filter(p={p}) on probabilities [.15, .5, .1, .25]")
    assert_close(logits, NUCLEUS_LOGITS, what="the input logits (must not be modified)")


@pytest.mark.grade(
    points=1,
    hint="When p alone keeps 1 token, does min_tokens_to_keep still keep the next ones?",
    task="top_p_filter",
)
def test_top_p_keeps_at_least_min_tokens_to_keep(s):
    # p = 0.3 alone keeps token 1; min_tokens_to_keep = 3 adds the next two: 3 (0.25), 0 (0.15)
    got = s.top_p_filter(NUCLEUS_LOGITS, 0.3, min_tokens_to_keep=3)
    expected = np.array([NUCLEUS_LOGITS[0], NUCLEUS_LOGITS[1], NEG_INF, NUCLEUS_LOGITS[3]])
    assert_close(got, expected, what="top_p_filter(p=0.3, min_tokens_to_keep=3)")


def brute_force_nucleus(logits, p):
    """The smallest m such that the m most probable tokens hold mass >= p (a plain loop)."""
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    order = sorted(range(len(probs)), key=lambda i: -probs[i])
    total, kept = 0.0, []
    for i in order:
        kept.append(i)
        total += probs[i]
        if total >= p:
            break
    return sorted(kept)


@pytest.mark.grade(
    points=2,
    hint="Do you sort by probability, most probable first, before adding up?",
    task="top_p_filter",
)
def test_top_p_matches_a_brute_force_nucleus_on_random_logits(s, rng):
    for _ in range(30):
        logits = rng.normal(scale=2.0, size=40)
        p = float(rng.uniform(0.05, 0.99))
        got = np.asarray(s.top_p_filter(logits, p), dtype=float)
        kept = sorted(np.flatnonzero(np.isfinite(got)).tolist())
        expected = brute_force_nucleus(logits, p)
        assert kept == expected, f"p={p:.3f}: kept tokens {kept}, the brute force keeps {expected}"
        assert_close(got[kept], logits[kept], what="the kept logits (must be unchanged)")


@pytest.mark.grade(
    points=1,
    hint="Can rounding in a cumulative sum drop a token at p = 1? And what is p = 0 or 1.5?",
    task="top_p_filter",
)
def test_top_p_of_one_keeps_everything_and_bad_p_is_rejected(s):
    logits = np.array([3.0, -50.0, 0.0, 1.0])  # one token of probability ~1e-23
    assert_close(s.top_p_filter(logits, 1.0), logits, what="top_p_filter(p=1.0)")
    for p in (0.0, 1.5):
        with expect_error(ValueError, f"for p={p}"):
            s.top_p_filter(logits, p)


@pytest.mark.grade(
    points=2,
    hint="When the running sum equals p exactly, has it reached p? Is that token the last kept?",
    task="top_p_filter",
)
@pytest.mark.parametrize(
    "p, n_kept",
    [
        (0.25, 2),  # 0.125, 0.25: the 2nd token reaches p exactly
        (0.5, 4),  # 0.125 x 4 = 0.5 exactly
        (0.75, 6),  # 0.125 x 6 = 0.75 exactly
        (0.3, 3),  # 0.25 < 0.3, 0.375 >= 0.3: not on a boundary
    ],
    ids=["p=0.25", "p=0.5", "p=0.75", "p=0.3"],
)
def test_top_p_keeps_the_token_that_reaches_p_exactly(s, p, n_kept):
    """8 equal logits: every probability is 1/8 = 0.125 and every partial sum k/8 is exact
    in binary floating point, so the sum reaches p = k/8 exactly at the k-th token. The
    smallest set that reaches p has k tokens (which of the equal ones is not specified);
    keeping k + 1 is the `searchsorted(..., side="right")` / `cumsum <= p` mistake."""
    logits = np.zeros(8)
    got = np.asarray(s.top_p_filter(logits, p), dtype=float)
    kept = int(np.isfinite(got).sum())
    if kept == n_kept + 1:
        raise Mistake(
            f"top_p_filter(p={p}) on 8 tokens of probability 1/8 kept {kept} tokens; the first "
            f"{n_kept} already reach p exactly, so the smallest set is {n_kept}: a token is kept "
            "while the mass BEFORE it is < p (not while the sum with it is <= p)",
            hint="When the running sum equals p exactly, has it reached p?",
        )
    assert kept == n_kept, (
        f"top_p_filter(p={p}) on 8 equal logits (probability 1/8 each) kept {kept} tokens; "
        f"the smallest set whose mass reaches {p} has {n_kept}"
    )
    assert_close(got[np.isfinite(got)], np.zeros(kept), what="the kept logits (unchanged)")
    assert np.all(got[~np.isfinite(got)] == NEG_INF), "removed tokens must be -inf"


@pytest.mark.grade(
    points=1,
    hint="What is exp(1000) in float64? What can you subtract from every logit first?",
    task="top_p_filter",
)
@pytest.mark.parametrize("shift", [1000.0, -1000.0], ids=["logits-near-1000", "near-minus-1000"])
def test_top_p_is_stable_for_large_logits(drive_without_warnings, shift):
    # probabilities 0.25, 0.75 and ~e^-50: p = 0.7 keeps token 1 alone
    logits = np.array([0.0, np.log(3.0), -50.0]) + shift
    seen = drive_without_warnings(
        "sampling",
        "calls_recording_warnings",
        f"top_p_filter on logits near {shift:g}",
        module="sampling",
        name="top_p_filter",
        calls=[[[logits, 0.7], {}]],
    )
    (got,) = seen["results"]
    assert_close(got, [NEG_INF, logits[1], NEG_INF], what=f"top_p_filter(p=0.7) near {shift:g}")


# ---------------------------------------------------------------- sample_next_token


@pytest.mark.grade(
    points=1,
    hint="At temperature 0 there is no randomness: which index wins a tie?",
    task="sample_next_token",
)
@pytest.mark.parametrize(
    "logits, expected",
    [
        ([0.0, 5.0, 5.0], 1),  # a tie: the lowest index
        ([-3.0, -1.0, -2.0], 1),  # all negative
        ([1000.0, 999.0, 1000.0], 0),  # large logits, a tie
    ],
    ids=["tie", "negative", "large-tie"],
)
def test_temperature_zero_is_greedy_with_the_lowest_index_on_ties(s, rng, logits, expected):
    for kwargs in ({}, {"top_k": 2, "top_p": 0.5}):
        got = s.sample_next_token(np.array(logits), rng, temperature=0.0, **kwargs)
        assert int(got) == expected, (
            f"greedy on {logits} ({kwargs}): expected {expected}, got {got}"
        )


@pytest.mark.grade(
    points=1,
    hint="Does your temperature-0 path draw from the rng? Is a tiny temperature the same as 0?",
    task="sample_next_token",
)
def test_temperature_zero_makes_no_draw(s):
    rng = np.random.default_rng(3)
    before = rng.bit_generator.state
    got = s.sample_next_token(np.array([0.0, 5.0, 5.0, 1.0]), rng, temperature=0.0)
    assert int(got) == 1, f"greedy on [0, 5, 5, 1]: expected 1, got {got}"
    assert rng.bit_generator.state == before, (
        "sample_next_token(temperature=0) advanced the generator: greedy decoding makes no "
        "draw (a near-zero temperature is not the same: it still samples among ties)"
    )


@pytest.mark.grade(
    points=1,
    hint="What type do np.argmax and rng.choice return? Is that a Python int?",
    task="sample_next_token",
)
@pytest.mark.parametrize("temperature", [0.0, 1.0], ids=["greedy", "sampled"])
def test_the_token_id_is_a_python_int(s, rng, temperature):
    got = s.sample_next_token(np.log([0.5, 0.3, 0.2]), rng, temperature=temperature)
    assert type(got) is int, (
        f"sample_next_token(temperature={temperature}) returned {type(got).__module__}."
        f"{type(got).__name__} {got!r}; the contract is a Python int: wrap it in int(...)"
    )


@pytest.mark.grade(
    points=2,
    hint="Do you draw with the probabilities of the softmax, one token per call?",
    task="sample_next_token",
)
def test_sampling_at_temperature_one_follows_the_softmax(drive, rng):
    # logits = log([0.5, 0.3, 0.2]) -> softmax gives back exactly those probabilities
    counts = draw_counts(drive, np.log([0.5, 0.3, 0.2]), rng)
    assert_distribution(counts, [0.5, 0.3, 0.2], "T=1 on probabilities [.5, .3, .2]")


@pytest.mark.grade(
    points=2,
    hint="Is the temperature applied to the logits BEFORE the softmax, and as a division?",
    task="sample_next_token",
)
def test_temperature_two_flattens_the_distribution(drive, rng):
    """logits = log([0.64, 0.32, 0.04]) at T = 2: probs ∝ sqrt(p) = [0.8, 0.566, 0.2].

    sqrt: 0.8, 0.565685, 0.2; sum 1.565685 -> [0.510958, 0.361302, 0.127740].
    """
    expected = np.sqrt([0.64, 0.32, 0.04])
    expected /= expected.sum()
    assert_close(expected, [0.510958, 0.361302, 0.127740], atol=1e-6, what="hand-worked probs")
    counts = draw_counts(drive, np.log([0.64, 0.32, 0.04]), rng, temperature=2.0)
    assert_distribution(counts, expected, "T=2 on probabilities [.64, .32, .04]")


@pytest.mark.grade(
    points=2,
    hint="Can a token outside the top k ever come out of your sampler?",
    task="sample_next_token",
)
def test_top_k_sampling_draws_only_the_top_k_tokens(drive, rng):
    # probabilities [0.1, 0.4, 0.2, 0.3], top_k = 2 keeps tokens 1 and 3: 0.4/0.7 and 0.3/0.7
    counts = draw_counts(drive, np.log([0.1, 0.4, 0.2, 0.3]), rng, top_k=2)
    assert_distribution(counts, [0, 4 / 7, 0, 3 / 7], "top_k=2 on [.1, .4, .2, .3]")


@pytest.mark.grade(
    points=2,
    hint="Is the nucleus taken from the distribution you sample, after the temperature?",
    task="sample_next_token",
)
def test_top_p_is_applied_after_the_temperature(drive, rng):
    """probs [0.6, 0.25, 0.1, 0.05], T = 3, top_p = 0.8.

    At T = 3 the probabilities become ∝ p^(1/3) = [0.843, 0.630, 0.464, 0.368] / 2.305
    = [0.366, 0.273, 0.201, 0.160]: cumulative 0.366, 0.639, 0.840 -> tokens 0, 1, 2.
    (Top-p before the temperature would keep only 0 and 1: 0.6, then 0.85.)
    """
    tempered = np.array([0.6, 0.25, 0.1, 0.05]) ** (1 / 3)
    tempered /= tempered.sum()
    expected = np.where(np.arange(4) < 3, tempered, 0.0)
    expected /= expected.sum()
    counts = draw_counts(drive, np.log([0.6, 0.25, 0.1, 0.05]), rng, temperature=3.0, top_p=0.8)
    assert_distribution(counts, expected, "T=3, top_p=0.8 on [.6, .25, .1, .05]")


@pytest.mark.grade(
    points=1,
    hint="Which filter runs first, top-k or top-p? Does top-p see only what top-k left?",
    task="sample_next_token",
)
def test_top_p_is_applied_after_top_k(drive, rng):
    """probs [0.4, 0.3, 0.2, 0.1], top_k = 3, top_p = 0.72.

    Top-k keeps 0, 1, 2, renormalised: [4/9, 3/9, 2/9]; cumulative 0.444, 0.778 >= 0.72
    -> tokens 0 and 1 (4/7, 3/7). Top-p first would keep 0, 1, 2 (0.4, 0.7, 0.9).
    """
    counts = draw_counts(drive, np.log([0.4, 0.3, 0.2, 0.1]), rng, top_k=3, top_p=0.72)
    assert_distribution(counts, [4 / 7, 3 / 7, 0, 0], "top_k=3, top_p=0.72 on [.4, .3, .2, .1]")


@pytest.mark.grade(
    points=1,
    hint="What is exp(1000) in float64? What can you subtract from every logit first?",
    task="sample_next_token",
)
@pytest.mark.parametrize(
    "shift, kwargs",
    [
        (1000.0, {}),  # exp(1000) overflows to inf; inf / inf is NaN
        (-1000.0, {}),  # exp(-1000) underflows to 0; 0 / 0 is NaN
        (1000.0, {"top_k": 2, "top_p": 0.9}),  # the filters' softmax must be stable too
    ],
    ids=["near-1000", "near-minus-1000", "near-1000-with-filters"],
)
def test_sampling_is_stable_for_large_logits(drive_without_warnings, rng, shift, kwargs):
    # [shift, shift + ln 3]: probabilities 1/4 and 3/4 (top_p = 0.9 keeps both)
    logits = np.array([shift, shift + np.log(3.0)])
    seen = drive_without_warnings(
        "sampling",
        "draw_tokens",
        f"sample_next_token on logits near {shift:g} ({kwargs})",
        logits=logits,
        seed=seed_from(rng),
        n=600,
        options=kwargs,
    )
    counts = count_tokens(seen["tokens"], len(logits))
    assert_distribution(counts, [0.25, 0.75], f"logits [{shift:g}, {shift:g} + ln 3] ({kwargs})")


@pytest.mark.grade(
    points=1,
    hint="Which generator do you draw from: the rng you were given, or np.random?",
    task="sample_next_token",
)
def test_sampling_is_reproducible_with_the_same_seed(drive):
    logits = np.log([0.25, 0.25, 0.25, 0.25])

    def draws(n):
        """n calls with one fresh ``np.random.default_rng(7)``, made beside the attempt
        (driver ``draw_tokens``): ours, through a reference, would cost calls back here."""
        seen = drive("sampling", "draw_tokens", logits=logits, seed=7, n=n, options={})
        return [int(token) for token in seen["tokens"]]

    first = [draws(1)[0] for _ in range(5)]
    seq_a, seq_b = draws(30), draws(30)
    assert seq_a == seq_b, "two generators with the same seed must give the same tokens"
    assert len(set(first)) == 1, "a fresh generator with one seed must give one first token"
    assert len(set(seq_a)) > 1, f"30 draws from 4 equally likely tokens gave only {set(seq_a)}"


@pytest.mark.grade(
    points=1, hint="What would a negative temperature mean?", task="sample_next_token"
)
def test_sampling_rejects_a_negative_temperature(s, rng):
    with expect_error(ValueError, "for temperature=-1"):
        s.sample_next_token(np.log([0.5, 0.5]), rng, temperature=-1.0)


@pytest.mark.grade(
    points=1,
    hint="With temperature, top-k and top-p all set, can a filtered-out token still come out?",
    task="sample_next_token",
)
def test_support_matches_the_reference_on_random_settings(drive, ref, rng):
    # the support of the filtered distribution, from the reference's filters
    for _ in range(5):
        logits = rng.normal(scale=1.5, size=6)
        temperature = float(rng.uniform(0.5, 2.0))
        top_k, top_p = int(rng.integers(2, 6)), float(rng.uniform(0.5, 0.95))
        scaled = ref.top_p_filter(ref.top_k_filter(logits / temperature, top_k), top_p)
        support = set(np.flatnonzero(np.isfinite(scaled)).tolist())
        options = {"temperature": temperature, "top_k": top_k, "top_p": top_p}
        drawn = drive(
            "sampling", "draw_tokens", logits=logits, seed=seed_from(rng), n=200, options=options
        )["tokens"]
        seen = {int(token) for token in drawn}
        assert seen <= support, (
            f"T={temperature:.2f}, top_k={top_k}, top_p={top_p:.2f}: tokens "
            f"{sorted(seen - support)} came out but only {sorted(support)} are allowed"
        )
