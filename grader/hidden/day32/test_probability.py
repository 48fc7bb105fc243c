"""Hidden tests for exercises/day32/probability.py."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.testing import (
    assert_close,
    assert_frequencies_fit,
    attempt_module,
    expect_error,
    no_warnings,
    reference_module,
)

pr = attempt_module("probability")
ref = reference_module("probability")

LN2 = math.log(2)


# ---------------------------------------------------------------- Bayes


@pytest.mark.grade(
    points=2,
    hint="Do you multiply prior by likelihood, then divide by their sum?",
    task="bayes_posterior",
)
def test_bayes_posterior_matches_the_hand_worked_disease_test(pr):
    """1 % prevalence, P(+ | ill) = 0.9, P(+ | healthy) = 0.05.

    joint = [0.01 · 0.9, 0.99 · 0.05] = [0.009, 0.0495]; evidence = 0.0585;
    posterior = [0.009 / 0.0585, 0.0495 / 0.0585] = [2/13, 11/13] = [0.1538, 0.8462].
    """
    got = pr.bayes_posterior([0.01, 0.99], [0.9, 0.05])
    assert_close(got, [2 / 13, 11 / 13], what="posterior [ill, healthy] after a positive test")


@pytest.mark.grade(
    points=1,
    hint="Does the normalisation make the prior's scale irrelevant?",
    task="bayes_posterior",
)
def test_bayes_posterior_normalises_an_unnormalised_prior(pr):
    # prior [2, 6] is [1/4, 3/4] scaled; joint [1.0, 0.6] -> [0.625, 0.375]
    assert_close(pr.bayes_posterior([2.0, 6.0], [0.5, 0.1]), [0.625, 0.375], what="posterior")


@pytest.mark.grade(
    points=2,
    hint="Does updating on two observations one after the other equal one update on both?",
    task="bayes_posterior",
)
def test_sequential_updates_equal_one_update_on_all_the_data(pr, ref, rng):
    prior = rng.dirichlet(np.ones(6))
    lik1, lik2 = rng.uniform(0.05, 1.0, size=6), rng.uniform(0.05, 1.0, size=6)
    step = pr.bayes_posterior(pr.bayes_posterior(prior, lik1), lik2)
    both = prior * lik1 * lik2 / np.sum(prior * lik1 * lik2)  # independent: Bayes by hand
    assert_close(step, both, rtol=1e-10, what="two sequential updates vs one joint update")
    assert_close(
        pr.bayes_posterior(prior, lik1),
        ref.bayes_posterior(prior, lik1),
        rtol=1e-10,
        what="posterior vs the reference",
    )


@pytest.mark.grade(
    points=1, hint="When is P(data) zero? What should happen then?", task="bayes_posterior"
)
@pytest.mark.parametrize(
    "prior, likelihood",
    [
        ([0.5, 0.5], [0.0, 0.0]),  # every likelihood is 0
        ([1.0, 0.0], [0.0, 1.0]),  # only a hypothesis with prior 0 explains the data
    ],
    ids=["zero-likelihoods", "zero-evidence"],
)
def test_bayes_posterior_rejects_zero_evidence(pr, prior, likelihood):
    with expect_error(
        ValueError, f"when the evidence is 0 (prior {prior}, likelihood {likelihood})"
    ):
        pr.bayes_posterior(prior, likelihood)


@pytest.mark.grade(
    points=1,
    hint="Can a probability be negative? Do you check both inputs?",
    task="bayes_posterior",
)
@pytest.mark.parametrize(
    "prior, likelihood, why",
    [
        ([-0.5, 1.5], [0.5, 0.5], "for a negative prior"),
        ([0.5, 0.5], [0.5, -0.1], "for a negative likelihood"),
    ],
    ids=["negative-prior", "negative-likelihood"],
)
def test_bayes_posterior_rejects_negative_entries(pr, prior, likelihood, why):
    with expect_error(ValueError, why):
        pr.bayes_posterior(prior, likelihood)


@pytest.mark.grade(
    points=1,
    hint="What does numpy do with prior * likelihood when one has length 1? Do you compare shapes?",
    task="bayes_posterior",
)
@pytest.mark.parametrize(
    "prior, likelihood",
    [
        ([0.5, 0.5], [0.2, 0.3, 0.5]),
        ([1.0], [0.2, 0.3, 0.5]),  # a length-1 prior broadcasts silently: no error from numpy
    ],
    ids=["2-vs-3", "1-vs-3"],
)
def test_bayes_posterior_rejects_shapes_that_differ(pr, prior, likelihood):
    with expect_error(
        ValueError, f"for a prior of length {len(prior)} and {len(likelihood)} likelihoods"
    ):
        pr.bayes_posterior(prior, likelihood)


# ---------------------------------------------------------------- entropy, CE, KL


@pytest.mark.grade(
    points=1,
    hint="Is it -Σ p log p, and does a change of base divide by log(base)?",
    task="entropy",
)
@pytest.mark.parametrize(
    "p, base, expected",
    [
        ([0.25] * 4, 2, 2.0),  # 4 equally likely outcomes: 2 bits
        ([0.5, 0.25, 0.25], 2, 1.5),  # 0.5·1 + 2 · 0.25·2
        ([0.5, 0.5, 0.0], math.e, LN2),  # the 0 contributes 0·log 0 = 0, not nan
        ([1.0, 0.0], 2, 0.0),  # a certain outcome: no surprise
    ],
    ids=["uniform-4-bits", "half-quarter-quarter", "zero-entry-nats", "certain"],
)
def test_entropy_matches_hand_worked_values(pr, p, base, expected):
    with no_warnings(f"entropy({p}, base={base:g})"):
        got = pr.entropy(p, base=base)
    assert_close(got, expected, what=f"entropy({p}, base={base:g})")


@pytest.mark.grade(
    points=1, hint="Is the default base e (nats)? Does base=10 divide by ln 10?", task="entropy"
)
def test_entropy_agrees_with_the_definition_on_random_distributions(pr, rng):
    for base in (math.e, 2, 10):
        p = rng.dirichlet(np.ones(8))
        expected = -sum(pi * math.log(pi, base) for pi in p)  # independent: pure Python
        assert_close(pr.entropy(p, base=base), expected, rtol=1e-10, what=f"entropy, base {base:g}")
    p = rng.dirichlet(np.ones(5))
    assert_close(
        pr.entropy(p),
        -sum(pi * math.log(pi) for pi in p),
        rtol=1e-10,
        what="entropy with the default base",
    )


@pytest.mark.grade(
    points=2,
    hint="Is cross-entropy -Σ p log q, and KL Σ p log(p / q), with p as the weights?",
    task="kl_divergence",
)
def test_cross_entropy_and_kl_match_hand_worked_values(pr):
    """p = [1/2, 1/2], q = [1/4, 3/4].

    H(p, q) = -(0.5 ln 0.25 + 0.5 ln 0.75) = 0.5 (1.386294 + 0.287682) = 0.836988
    KL(p || q) = H(p, q) - H(p) = 0.836988 - 0.693147 = 0.143841
    KL(q || p) = 0.25 ln 0.5 + 0.75 ln 1.5 = -0.173287 + 0.304099 = 0.130812 (not symmetric)
    """
    p, q = [0.5, 0.5], [0.25, 0.75]
    ce = -(0.5 * math.log(0.25) + 0.5 * math.log(0.75))
    assert_close(pr.cross_entropy(p, q), ce, what="cross_entropy(p, q)")
    assert_close(pr.kl_divergence(p, q), ce - LN2, what="kl_divergence(p, q)")
    assert_close(
        pr.kl_divergence(q, p),
        0.25 * math.log(0.5) + 0.75 * math.log(1.5),
        what="kl_divergence(q, p)",
    )


@pytest.mark.grade(
    points=1,
    hint="Skip the terms where p is 0. Which terms are left when q is 0 where p is not?",
    task="cross_entropy",
)
@pytest.mark.parametrize(
    "fn, p, q, expected",
    [
        ("cross_entropy", [0.0, 1.0], [0.0, 1.0], 0.0),  # 0·log 0 = 0 even where q = 0
        (
            "cross_entropy",
            [0.5, 0.5],
            [1.0, 0.0],
            math.inf,
        ),  # an observed outcome called impossible
        ("kl_divergence", [0.0, 1.0], [0.5, 0.5], LN2),  # 0·log(0 / 0.5) = 0, 1·log 2
        ("kl_divergence", [0.5, 0.5], [0.0, 1.0], math.inf),
        ("kl_divergence", [1.0, 0.0], [1.0, 0.0], 0.0),  # identical, with a zero in both
    ],
    ids=["ce-zero-both", "ce-inf", "kl-zero-p", "kl-inf", "kl-identical-with-zero"],
)
def test_zero_probabilities_follow_the_0_log_0_convention(pr, fn, p, q, expected):
    with no_warnings(f"{fn}({p}, {q})"):
        got = getattr(pr, fn)(p, q)
    assert_close(got, expected, what=f"{fn}({p}, {q})")


@pytest.mark.grade(
    points=2,
    hint="Is your KL(p || q) equal to H(p, q) - H(p), >= 0, and 0 for q = p?",
    task="kl_divergence",
)
def test_kl_is_cross_entropy_minus_entropy_and_zero_on_itself(pr, rng):
    for _ in range(10):
        p, q = rng.dirichlet(np.ones(7)), rng.dirichlet(np.ones(7))
        kl = pr.kl_divergence(p, q)
        assert kl >= 0, f"KL(p || q) must be >= 0 (Gibbs' inequality), got {kl}"
        expected = float(np.sum(p * np.log(p / q)))  # independent: the definition
        assert_close(kl, expected, rtol=1e-10, what="KL(p || q)")
        assert_close(
            pr.cross_entropy(p, q) - pr.entropy(p), expected, rtol=1e-9, what="H(p, q) - H(p)"
        )
        assert_close(pr.kl_divergence(p, p), 0.0, atol=1e-12, what="KL(p || p)")


@pytest.mark.grade(
    points=1,
    hint="Do p and q describe the same outcomes? What does numpy do with a length-1 p?",
    task="cross_entropy",
)
@pytest.mark.parametrize("fn", ["cross_entropy", "kl_divergence"])
@pytest.mark.parametrize(
    "p", [[0.5, 0.5], [1.0]], ids=["2-vs-3", "1-vs-3"]
)  # a length-1 p broadcasts against q without any error from numpy
def test_cross_entropy_and_kl_reject_shapes_that_differ(pr, fn, p):
    with expect_error(ValueError, f"in {fn} for p of length {len(p)} and q of length 3"):
        getattr(pr, fn)(p, [0.2, 0.3, 0.5])


@pytest.mark.grade(
    points=1,
    hint="Do you return a Python float, or a 0-d numpy array (np.asarray, np.where)?",
    task="entropy",
)
def test_scalar_results_are_python_floats(pr):
    for name, value in [
        ("entropy([0.5, 0.5])", pr.entropy([0.5, 0.5])),
        ("cross_entropy([0.5, 0.5], [0.25, 0.75])", pr.cross_entropy([0.5, 0.5], [0.25, 0.75])),
        ("cross_entropy([0.5, 0.5], [1, 0])", pr.cross_entropy([0.5, 0.5], [1.0, 0.0])),
        ("kl_divergence([0.5, 0.5], [0.25, 0.75])", pr.kl_divergence([0.5, 0.5], [0.25, 0.75])),
        ("kl_divergence([0.5, 0.5], [1, 0])", pr.kl_divergence([0.5, 0.5], [1.0, 0.0])),
        ("perplexity([ln 0.5])", pr.perplexity([math.log(0.5)])),
        ("beta_mean(8, 4)", pr.beta_mean(8, 4)),
    ]:
        # subtle: np.float64 is a float subclass and is fine; a 0-d array is not a float
        assert isinstance(value, float), f"{name} should be a float, got {type(value).__name__}"


# ---------------------------------------------------------------- perplexity


@pytest.mark.grade(
    points=2, hint="Is it exp of minus the MEAN log-probability, or of the sum?", task="perplexity"
)
def test_perplexity_matches_hand_worked_values(pr):
    # mean of [ln 1/2, ln 1/4] = -1.5 ln 2  ->  exp(1.5 ln 2) = 2^1.5 = 2.828427
    got = pr.perplexity([math.log(0.5), math.log(0.25)])
    assert_close(got, 2**1.5, what="perplexity([ln 0.5, ln 0.25])")
    # a model uniform over 50 tokens is as unsure as a fair 50-sided die
    assert_close(pr.perplexity([math.log(1 / 50)] * 10), 50.0, what="uniform over 50 tokens")


@pytest.mark.grade(
    points=1,
    hint="Does your result match math.exp(-sum / len) on random log-probs?",
    task="perplexity",
)
def test_perplexity_agrees_with_the_definition_on_random_log_probs(pr, rng):
    lp = np.log(rng.uniform(0.01, 1.0, size=200))
    expected = math.exp(-sum(lp.tolist()) / len(lp))  # independent: pure Python
    assert_close(pr.perplexity(lp), expected, rtol=1e-10, what="perplexity of 200 tokens")


@pytest.mark.grade(
    points=1,
    hint="Can a log-probability be above 0? What is the mean of no tokens?",
    task="perplexity",
)
@pytest.mark.parametrize(
    "lp, why",
    [([], "for no tokens"), ([0.5, 0.2], "for log-probabilities above 0 (probabilities?)")],
    ids=["empty", "positive"],
)
def test_perplexity_rejects_empty_or_positive_log_probs(pr, lp, why):
    with expect_error(ValueError, why):
        pr.perplexity(lp)


@pytest.mark.grade(
    points=1, hint="Is log 1 = 0 above 0? Is a token with p = 1 an error?", task="perplexity"
)
def test_perplexity_accepts_log_probability_zero(pr):
    # p = 1 for every token: log p = 0, not above 0; a certain model has perplexity e^0 = 1
    assert_close(pr.perplexity([0.0, 0.0, 0.0]), 1.0, what="perplexity([0, 0, 0])")
    # mean of [0, ln 1/4] = -ln 2 -> 2
    assert_close(pr.perplexity([0.0, math.log(0.25)]), 2.0, what="perplexity([0, ln 0.25])")


# ---------------------------------------------------------------- Gaussian


@pytest.mark.grade(
    points=1,
    hint="Is it 1 / (sigma √(2π)) · exp(-((x - mu) / sigma)² / 2), sigma in both places?",
    task="gaussian_pdf",
)
@pytest.mark.parametrize(
    "x, mu, sigma, expected",
    [
        (0.0, 0.0, 1.0, 0.3989422804014327),  # 1 / √(2π)
        (1.0, 1.0, 2.0, 0.19947114020071635),  # 1 / (2 √(2π)): sigma divides the height
        (1.0, 0.0, 1.0, 0.24197072451914337),  # e^(-1/2) / √(2π)
        (4.0, 1.0, 2.0, 0.06475879783294587),  # z = 1.5: e^(-1.125) / (2 √(2π))
    ],
    ids=["standard-peak", "peak-sigma-2", "one-sigma", "z=1.5-sigma-2"],
)
def test_gaussian_pdf_matches_hand_worked_values(pr, x, mu, sigma, expected):
    got = pr.gaussian_pdf(x, mu, sigma)
    assert_close(got, expected, rtol=1e-10, what=f"gaussian_pdf({x}, mu={mu}, sigma={sigma})")
    assert_close(
        pr.gaussian_log_pdf(x, mu, sigma),
        math.log(expected),
        rtol=1e-10,
        what=f"gaussian_log_pdf({x}, mu={mu}, sigma={sigma})",
    )


@pytest.mark.grade(
    points=2,
    hint="What is log(pdf) once exp underflows to 0? Can you compute the log density directly?",
    task="gaussian_log_pdf",
)
def test_gaussian_log_pdf_is_finite_far_in_the_tails(pr):
    # -(1000²)/2 - ln 1 - ln(2π)/2 = -500000 - 0.918939
    with no_warnings("gaussian_log_pdf(1000, 0, 1)"):
        got = pr.gaussian_log_pdf(np.array([1000.0, -40.0]), 0.0, 1.0)
    half_log_2pi = 0.5 * math.log(2 * math.pi)
    assert_close(
        got,
        [-500000 - half_log_2pi, -800 - half_log_2pi],
        rtol=1e-12,
        what="gaussian_log_pdf at 1000 and -40 sigma",
    )


@pytest.mark.grade(
    points=2,
    hint="Do numpy operations let arrays broadcast? Do scalars give a float?",
    task="gaussian_log_pdf",
)
def test_gaussian_functions_broadcast_like_numpy(pr, rng):
    x = rng.normal(size=(3, 1))
    mu, sigma = rng.normal(size=(1, 4)), rng.uniform(0.5, 2.0, size=(1, 4))
    expected = np.array(
        [
            [
                math.exp(-(((xi - m) / s) ** 2) / 2) / (s * math.sqrt(2 * math.pi))
                for m, s in zip(mu[0], sigma[0])
            ]
            for xi in x[:, 0]
        ]
    )  # independent: one element at a time with math
    assert_close(pr.gaussian_pdf(x, mu, sigma), expected, rtol=1e-10, what="pdf of (3,1) vs (1,4)")
    assert_close(
        pr.gaussian_log_pdf(x, mu, sigma),
        np.log(expected),
        rtol=1e-10,
        what="log pdf of (3,1) vs (1,4)",
    )
    for name, fn in [("gaussian_pdf", pr.gaussian_pdf), ("gaussian_log_pdf", pr.gaussian_log_pdf)]:
        scalar = fn(0.5, 0.0, 1.0)
        assert isinstance(scalar, float), (
            f"{name}(0.5, 0, 1): scalars in should give a float, got {type(scalar).__name__}"
        )


@pytest.mark.grade(
    points=1,
    hint="Is sigma the standard deviation everywhere (exponent and height)?",
    task="gaussian_pdf",
)
@pytest.mark.parametrize("mu, sigma", [(0.0, 1.0), (2.0, 3.0), (-1.0, 0.25)])
def test_gaussian_pdf_integrates_to_one_with_the_right_mean_and_variance(pr, mu, sigma):
    x = np.linspace(mu - 12 * sigma, mu + 12 * sigma, 20001)
    dx = x[1] - x[0]
    density = np.asarray(pr.gaussian_pdf(x, mu, sigma))
    mass = float(np.sum(density) * dx)  # Riemann sum: exact to ~1e-12 for a smooth bump
    mean = float(np.sum(x * density) * dx)
    var = float(np.sum((x - mu) ** 2 * density) * dx)
    assert_close(mass, 1.0, rtol=1e-6, what=f"∫ pdf for mu={mu}, sigma={sigma}")
    assert_close(mean, mu, atol=1e-6, what=f"∫ x pdf (the mean) for mu={mu}, sigma={sigma}")
    assert_close(var, sigma**2, rtol=1e-6, what=f"variance for mu={mu}, sigma={sigma}")


@pytest.mark.grade(
    points=1,
    hint="Can a standard deviation be 0 or negative? Do both functions check it?",
    task="gaussian_log_pdf",
)
@pytest.mark.parametrize(
    "sigma", [0.0, -1.0, np.array([1.0, 0.0])], ids=["zero", "negative", "one-zero-in-array"]
)
def test_gaussian_functions_reject_non_positive_sigma(pr, sigma):
    with expect_error(ValueError, f"for sigma = {sigma}"):
        pr.gaussian_log_pdf(np.array([0.0, 1.0]), 0.0, sigma)
    with expect_error(ValueError, f"in gaussian_pdf for sigma = {sigma}"):
        pr.gaussian_pdf(np.array([0.0, 1.0]), 0.0, sigma)


# ---------------------------------------------------------------- sampling


CHI2_CRITICAL_DF3 = 16.266  # 99.9 % quantile of chi-square with 3 degrees of freedom (tables)


@pytest.mark.grade(
    points=3,
    hint="Does each category come out with its probability, and a 0-probability one never?",
    task="sample_categorical",
)
def test_sample_categorical_frequencies_pass_a_chi_square_test(pr):
    """Fixed seed; 20 000 draws from [0.5, 0.25, 0, 0.15, 0.1].

    The zero-probability category must never appear. Over the 4 others,
    X² = Σ (observed - expected)² / expected has 4 - 1 = 3 degrees of freedom;
    a correct sampler exceeds 16.266 with probability 0.001.
    """
    probs = np.array([0.5, 0.25, 0.0, 0.15, 0.1])
    n = 20_000
    draws = np.asarray(pr.sample_categorical(probs, n, np.random.default_rng(20240532)))
    assert draws.shape == (n,), f"expected {n} draws, got shape {draws.shape}"
    assert draws.dtype.kind in "iu", f"draws should be integer indices, got {draws.dtype}"
    assert draws.min() >= 0 and draws.max() < 5, f"indices outside 0..4: {np.unique(draws)}"
    counts = np.bincount(draws, minlength=5)  # (5,)
    assert counts[2] == 0, f"index 2 has probability 0 but was drawn {counts[2]} times"
    assert_frequencies_fit(counts, probs, critical={3: CHI2_CRITICAL_DF3}, what="draws")


@pytest.mark.grade(
    points=2,
    hint="Do you draw only from the rng argument, or from np.random.* (a hidden global state)?",
    task="sample_categorical",
)
def test_sample_categorical_uses_only_the_given_generator(pr):
    probs = [0.2, 0.5, 0.3]
    first = pr.sample_categorical(probs, 50, np.random.default_rng(7))
    again = pr.sample_categorical(probs, 50, np.random.default_rng(7))
    other = pr.sample_categorical(probs, 50, np.random.default_rng(8))
    assert np.array_equal(first, again), "the same seed should replay the same draws"
    assert not np.array_equal(first, other), "different seeds gave identical draws"
    empty = np.asarray(pr.sample_categorical(probs, 0, np.random.default_rng(7)))
    assert empty.shape == (0,), f"n=0 should give an empty array, got shape {empty.shape}"


@pytest.mark.grade(
    points=1,
    hint="Do you check the probabilities (>= 0, sum within 1e-6 of 1) and n before drawing?",
    task="sample_categorical",
)
@pytest.mark.parametrize(
    "probs, n, why",
    [
        ([0.5, 0.6], 10, "for probabilities summing to 1.1"),
        # 1 + 5e-6: outside 1e-6 (np.isclose's default tolerance, 1e-5, would accept it)
        ([0.5, 0.500005], 10, "for probabilities summing to 1.000005"),
        ([-0.1, 1.1], 10, "for a negative probability"),
        ([0.5, 0.5], -1, "for n = -1"),
    ],
    ids=["sum-1.1", "sum-1+5e-6", "negative", "n=-1"],
)
def test_sample_categorical_rejects_bad_inputs(pr, probs, n, why):
    with expect_error(ValueError, why):
        pr.sample_categorical(probs, n, np.random.default_rng(0))


@pytest.mark.grade(
    points=1,
    hint="What is sum([0.1] * 10) in floating point? Is it exactly 1?",
    task="sample_categorical",
)
@pytest.mark.parametrize(
    "probs",
    [
        [0.1] * 10,  # Python's sum gives 0.9999999999999999 (np.sum happens to give 1.0)
        [0.7, 0.2, 0.1],  # sum and np.sum both give 0.9999999999999999
        [0.3, 0.7000005],  # sums to 1 + 5e-7, within 1e-6
        [0.3, 0.6999995],  # sums to 1 - 5e-7
    ],
    ids=["tenths", "0.7-0.2-0.1", "plus-5e-7", "minus-5e-7"],
)
def test_sample_categorical_accepts_a_sum_within_1e_6_of_one(pr, probs):
    try:
        draws = np.asarray(pr.sample_categorical(probs, 1000, np.random.default_rng(3)))
    except ValueError as exc:
        raise AssertionError(
            f"probs summing to {sum(probs)!r} are within 1e-6 of 1 and must be accepted; "
            f"got ValueError: {exc}"
        ) from None
    assert draws.shape == (1000,), f"expected 1000 draws, got shape {draws.shape}"
    assert draws.min() >= 0 and draws.max() < len(probs), (
        f"indices outside 0..{len(probs) - 1}: {np.unique(draws).tolist()}"
    )


# ---------------------------------------------------------------- Beta-Binomial


@pytest.mark.grade(
    points=2, hint="Do successes add to alpha and failures to beta?", task="beta_binomial_update"
)
def test_beta_binomial_update_matches_the_rule_of_succession(pr):
    # Beta(1, 1) is uniform; 7 successes, 3 failures -> Beta(8, 4); mean (7+1)/(10+2) = 2/3
    a, b = pr.beta_binomial_update(1, 1, 7, 3)
    assert (a, b) == (8, 4), f"expected Beta(8, 4), got Beta({a}, {b})"
    assert_close(pr.beta_mean(a, b), 2 / 3, what="beta_mean(8, 4)")
    assert tuple(pr.beta_binomial_update(2.5, 3, 0, 5)) == (2.5, 8), "Beta(2.5, 3) + 5 failures"


def beta_mean_by_integration(a, b, steps=200_000):
    """Midpoint rule for ∫ p · Beta(p; a, b) dp, with the density from math.lgamma."""
    p = (np.arange(steps) + 0.5) / steps
    log_norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    density = np.exp(log_norm + (a - 1) * np.log(p) + (b - 1) * np.log1p(-p))
    return float(np.sum(p * density) / steps)


@pytest.mark.grade(
    points=1, hint="Is it the mean, or the mode (alpha - 1) / (alpha + beta - 2)?", task="beta_mean"
)
@pytest.mark.parametrize("a, b", [(2, 5), (3.5, 1.5), (10, 10)])
def test_beta_mean_agrees_with_numerical_integration(pr, a, b):
    assert_close(
        pr.beta_mean(a, b), beta_mean_by_integration(a, b), rtol=1e-6, what=f"beta_mean({a}, {b})"
    )


@pytest.mark.grade(
    points=1,
    hint="Do you check BOTH alpha and beta (> 0, so 0 is refused) and BOTH counts (>= 0)?",
    task="beta_binomial_update",
)
@pytest.mark.parametrize(
    "args, why",
    [
        ((0, 1, 3, 2), "for alpha = 0"),  # > 0, not >= 0
        ((1, 0, 3, 2), "for beta = 0"),
        ((1, -1.5, 3, 2), "for beta = -1.5"),
        ((1, 1, -1, 2), "for a negative success count"),
        ((1, 1, 3, -2), "for a negative failure count"),
    ],
    ids=["alpha-0", "beta-0", "beta-negative", "negative-successes", "negative-failures"],
)
def test_beta_binomial_update_rejects_bad_parameters(pr, args, why):
    with expect_error(ValueError, f"{why} in beta_binomial_update{args}"):
        pr.beta_binomial_update(*args)


@pytest.mark.grade(
    points=1, hint="Do you refuse alpha or beta <= 0 (0 included)?", task="beta_mean"
)
@pytest.mark.parametrize(
    "args, why",
    [((1, -2), "for beta = -2"), ((0, 3), "for alpha = 0"), ((2, 0), "for beta = 0")],
    ids=["beta-negative", "alpha-0", "beta-0"],
)  # alpha = 0 would give a mean of 0.0; not a Beta distribution
def test_beta_mean_rejects_bad_parameters(pr, args, why):
    with expect_error(ValueError, f"{why} in beta_mean{args}"):
        pr.beta_mean(*args)
