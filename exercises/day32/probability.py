"""Day 32: probability for ML with numpy.

Bayes' rule, entropy / cross-entropy / KL, perplexity, the Gaussian density,
categorical sampling and the Beta-Binomial update. Conventions: natural logs
(nats) unless a ``base`` is given; 0·log 0 = 0; where q is 0 but p is not, the
cross-entropy and KL are ``inf`` (no warning). Scalar results are Python floats.
Every random draw must come from the ``rng`` passed in. Hints: ``nox -s hint -- day32``.
"""

from __future__ import annotations

import math

import numpy as np  # noqa: F401 - you will need it


def bayes_posterior(prior, likelihood):
    """P(h | data) ∝ P(h) · P(data | h), normalised over the hypotheses h (an array).

    prior [0.01, 0.99], likelihood [0.9, 0.05] -> evidence 0.0585,
    posterior [0.009, 0.0495] / 0.0585 = [2/13, 11/13] ≈ [0.154, 0.846].
    The prior need not sum to 1. ``ValueError`` for negative entries, shapes that
    differ, or zero evidence (every hypothesis rules the data out).
    """
    raise NotImplementedError("bayes_posterior: run 'nox -s hint -- day32' if stuck")


def entropy(p, base=math.e):
    """H(p) = -Σ p log p, in units of ``base`` (e: nats, 2: bits), with 0·log 0 = 0.

    entropy([0.25] * 4, base=2) = 2.0 bits; entropy([0.5, 0.5, 0.0]) = ln 2 ≈ 0.6931.
    ``p`` is assumed to be a distribution (not checked).
    """
    raise NotImplementedError("entropy: run 'nox -s hint -- day32' if stuck")


def cross_entropy(p, q):
    """H(p, q) = -Σ p log q in nats.

    p = [0.5, 0.5], q = [0.25, 0.75] -> -(0.5 ln 0.25 + 0.5 ln 0.75) ≈ 0.8370.
    Terms with p = 0 count 0 (even where q = 0); q = 0 where p > 0 gives inf, without
    a warning. ``ValueError`` for shapes that differ.
    """
    raise NotImplementedError("cross_entropy: run 'nox -s hint -- day32' if stuck")


def kl_divergence(p, q):
    """KL(p || q) = Σ p log(p / q) >= 0, in nats; 0 when p = q.

    p = [0.5, 0.5], q = [0.25, 0.75] -> 0.8370 - 0.6931 ≈ 0.1438. Same conventions as
    cross_entropy: p = 0 terms count 0, q = 0 where p > 0 gives inf (no warning),
    ``ValueError`` for shapes that differ. Not symmetric.
    """
    raise NotImplementedError("kl_divergence: run 'nox -s hint -- day32' if stuck")


def perplexity(token_log_probs):
    """exp(-mean log p) over the tokens' natural-log probabilities.

    [ln 0.5, ln 0.25] -> exp(1.5 ln 2) = 2^1.5 ≈ 2.828; a model uniform over V tokens
    has perplexity V. ``ValueError`` for an empty input or a log-probability above 0.
    """
    raise NotImplementedError("perplexity: run 'nox -s hint -- day32' if stuck")


def gaussian_log_pdf(x, mu, sigma):
    """log N(x; mu, sigma²) = -((x - mu) / sigma)² / 2 - log sigma - log(2π) / 2.

    Broadcasts like numpy; scalars in give a float out. log N(0; 0, 1) ≈ -0.9189.
    Finite far in the tails: log N(1000; 0, 1) ≈ -500000.9189. ``ValueError`` for
    sigma <= 0.
    """
    raise NotImplementedError("gaussian_log_pdf: run 'nox -s hint -- day32' if stuck")


def gaussian_pdf(x, mu, sigma):
    """N(x; mu, sigma²) = exp(-((x - mu) / sigma)² / 2) / (sigma √(2π)), vectorised.

    N(0; 0, 1) = 1/√(2π) ≈ 0.3989; N(1; 1, 2) = 1/(2√(2π)) ≈ 0.1995.
    Broadcasts like numpy; scalars in give a float out. ``ValueError`` for sigma <= 0.
    """
    raise NotImplementedError("gaussian_pdf: run 'nox -s hint -- day32' if stuck")


def sample_categorical(probs, n, rng):
    """``n`` draws (int array, shape (n,)) of indices 0..K-1 with P(i) = probs[i].

    Use only ``rng`` (a numpy.random.Generator): the same seed gives the same draws.
    probs [0.2, 0.5, 0.3] -> about 20 % zeros, 50 % ones, 30 % twos; an index with
    probability 0 never appears. ``ValueError`` for negative entries, a sum not
    within 1e-6 of 1, or n < 0.
    """
    raise NotImplementedError("sample_categorical: run 'nox -s hint -- day32' if stuck")


def beta_binomial_update(alpha, beta, successes, failures):
    """Beta(alpha, beta) prior + binomial data -> the posterior ``(alpha', beta')``.

    A uniform prior Beta(1, 1) after 7 successes and 3 failures -> (8, 4).
    ``ValueError`` for alpha or beta <= 0, or negative counts.
    """
    raise NotImplementedError("beta_binomial_update: run 'nox -s hint -- day32' if stuck")


def beta_mean(alpha, beta):
    """E[p] under Beta(alpha, beta).

    Beta(8, 4) -> 2/3. ``ValueError`` for alpha or beta <= 0.
    """
    raise NotImplementedError("beta_mean: run 'nox -s hint -- day32' if stuck")
