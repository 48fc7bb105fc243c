"""Probability for ML in a few short functions: Bayes' rule over discrete
hypotheses, entropy / cross-entropy / KL divergence, perplexity, the Gaussian
density, sampling from a categorical distribution and the Beta-Binomial update.

Conventions: natural logs (nats) unless a ``base`` is given; 0·log 0 = 0; a
distribution that puts mass where the model puts none costs ``inf``. Every
random draw comes from the ``numpy.random.Generator`` passed in, so a seed
replays it. Left out: continuous Bayes (conjugate priors beyond the Beta),
multivariate Gaussians, and sampling without replacement.
"""

from __future__ import annotations

import math

import numpy as np

LOG_2PI = math.log(2.0 * math.pi)


def _as_float(out):
    """A 0-d array becomes a Python float; arrays stay arrays."""
    out = np.asarray(out, dtype=float)
    return out if out.ndim else float(out)


def bayes_posterior(prior, likelihood):
    """P(h | data) ∝ P(h) · P(data | h), normalised over the hypotheses h.

    A test for a disease with 1 % prevalence, 90 % sensitivity, 5 % false positives:
    prior [0.01, 0.99], likelihood of a positive [0.9, 0.05] -> evidence 0.0585,
    posterior [0.009, 0.0495] / 0.0585 = [2/13, 11/13] ≈ [0.154, 0.846].
    The prior need not sum to 1. ``ValueError`` for negative entries, shapes that
    differ, or zero evidence (every hypothesis rules the data out).
    """
    prior = np.asarray(prior, dtype=float)  # (H,)
    likelihood = np.asarray(likelihood, dtype=float)  # (H,)
    if prior.shape != likelihood.shape:
        raise ValueError(f"prior {prior.shape} and likelihood {likelihood.shape} differ in shape")
    if (prior < 0).any() or (likelihood < 0).any():
        raise ValueError("prior and likelihood must be >= 0 (they are probabilities)")
    joint = prior * likelihood  # (H,) P(h, data)
    evidence = joint.sum()  # P(data) = Σ_h P(h) P(data | h)
    if evidence == 0:
        raise ValueError("the evidence P(data) is 0: no hypothesis with prior > 0 explains it")
    return joint / evidence


def _pair(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    if p.shape != q.shape:
        raise ValueError(f"p {p.shape} and q {q.shape} must have the same shape")
    return p, q


def entropy(p, base=math.e):
    """H(p) = -Σ p log p, in units of ``base`` (e: nats, 2: bits), with 0·log 0 = 0.

    entropy([0.25] * 4, base=2) = 2 bits; entropy([0.5, 0.5, 0.0]) = ln 2 ≈ 0.6931.
    ``p`` is assumed to be a distribution (not checked).
    """
    p = np.asarray(p, dtype=float)
    nz = p > 0  # subtle: 0 * log(0) is nan in numpy; the limit p log p -> 0 says 0
    return float(-np.sum(p[nz] * np.log(p[nz])) / math.log(base))


def cross_entropy(p, q):
    """H(p, q) = -Σ p log q in nats: the cost of coding p with a code built for q.

    p = [0.5, 0.5], q = [0.25, 0.75] -> -(0.5 ln 0.25 + 0.5 ln 0.75) ≈ 0.8370.
    Terms with p = 0 count 0 (even where q = 0); q = 0 where p > 0 gives inf, without
    a warning. ``ValueError`` for shapes that differ.
    """
    p, q = _pair(p, q)
    nz = p > 0
    if (q[nz] == 0).any():
        return math.inf  # subtle: the model calls an observed outcome impossible
    return float(-np.sum(p[nz] * np.log(q[nz])))


def kl_divergence(p, q):
    """KL(p || q) = Σ p log(p / q) = H(p, q) - H(p) >= 0, in nats; 0 only when p = q.

    p = [0.5, 0.5], q = [0.25, 0.75] -> 0.8370 - 0.6931 ≈ 0.1438. Same conventions as
    cross_entropy: p = 0 terms count 0, q = 0 where p > 0 gives inf (no warning),
    ``ValueError`` for shapes that differ. Not symmetric.
    """
    p, q = _pair(p, q)
    nz = p > 0
    if (q[nz] == 0).any():
        return math.inf
    # summed directly (not H(p, q) - H(p)) so that KL(p || p) is exactly 0
    return float(np.sum(p[nz] * (np.log(p[nz]) - np.log(q[nz]))))


def perplexity(token_log_probs):
    """exp(-mean log p): the effective number of equally likely choices per token.

    Natural-log probabilities [ln 0.5, ln 0.25] -> exp(1.5 ln 2) = 2^1.5 ≈ 2.828; a
    model uniform over V tokens has perplexity V. ``ValueError`` for an empty input or
    a log-probability above 0 (pass log p, not p).
    """
    lp = np.asarray(token_log_probs, dtype=float)  # (T,)
    if lp.size == 0:
        raise ValueError("perplexity of no tokens is undefined")
    if (lp > 0).any():
        raise ValueError("log-probabilities must be <= 0; did you pass probabilities?")
    return float(np.exp(-lp.mean()))  # subtle: the mean, not the sum: per token


def gaussian_log_pdf(x, mu, sigma):
    """log N(x; mu, sigma²) = -((x - mu) / sigma)² / 2 - log sigma - log(2π) / 2.

    Broadcasts like numpy; scalars in give a float out. log N(0; 0, 1) = -0.9189.
    Finite far in the tails: log N(1000; 0, 1) = -500000.9189, where the pdf itself
    underflows to 0. ``ValueError`` for sigma <= 0.
    """
    x, mu, sigma = (np.asarray(v, dtype=float) for v in (x, mu, sigma))
    if (sigma <= 0).any():
        raise ValueError("sigma is a standard deviation: it must be > 0")
    z = (x - mu) / sigma  # standardised distance
    # subtle: compute in log space; np.log(gaussian_pdf(...)) is -inf once exp underflows
    return _as_float(-0.5 * z * z - np.log(sigma) - 0.5 * LOG_2PI)


def gaussian_pdf(x, mu, sigma):
    """N(x; mu, sigma²) = exp(-((x - mu) / sigma)² / 2) / (sigma √(2π)).

    N(0; 0, 1) = 1/√(2π) ≈ 0.3989; N(1; 1, 2) = 1/(2√(2π)) ≈ 0.1995.
    Broadcasts like numpy; scalars in give a float out. ``ValueError`` for sigma <= 0.
    """
    return _as_float(np.exp(gaussian_log_pdf(x, mu, sigma)))


def sample_categorical(probs, n, rng):
    """``n`` draws (int array, shape (n,)) of indices 0..K-1 with P(i) = probs[i].

    Uses only ``rng`` (a numpy.random.Generator), so the same seed gives the same
    draws. Inverse CDF: probs [0.2, 0.5, 0.3] has CDF [0.2, 0.7, 1.0]; u = 0.65 falls
    in [0.2, 0.7) -> index 1. ``ValueError`` for negative entries, a sum not within
    1e-6 of 1, or n < 0.
    """
    p = np.asarray(probs, dtype=float)  # (K,)
    if p.ndim != 1 or (p < 0).any() or abs(p.sum() - 1.0) > 1e-6:
        raise ValueError(f"probs must be a 1-D distribution (>= 0, sum 1), got {probs!r}")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n!r}")
    cdf = np.cumsum(p / p.sum())  # (K,) right edges of each category's interval
    u = rng.random(n)  # (n,) uniform in [0, 1)
    # subtle: side="right" picks the first edge > u, so a zero-width interval (P = 0)
    # is never chosen; the clip guards a last edge that rounds to 0.9999999999999999.
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(p) - 1)


def beta_binomial_update(alpha, beta, successes, failures):
    """Beta(alpha, beta) prior + binomial data -> Beta(alpha + successes, beta + failures).

    A uniform prior Beta(1, 1) after 7 successes and 3 failures -> (8, 4).
    ``ValueError`` for alpha or beta <= 0, or negative counts.
    """
    if alpha <= 0 or beta <= 0:
        raise ValueError(f"alpha and beta must be > 0, got {alpha!r}, {beta!r}")
    if successes < 0 or failures < 0:
        raise ValueError(f"counts must be >= 0, got {successes!r}, {failures!r}")
    # conjugacy: p^a-1 (1-p)^b-1 · p^s (1-p)^f = p^(a+s)-1 (1-p)^(b+f)-1
    return alpha + successes, beta + failures


def beta_mean(alpha, beta):
    """E[p] under Beta(alpha, beta) = alpha / (alpha + beta).

    Beta(8, 4) -> 8 / 12 = 2/3 (Laplace's rule: (7 + 1) / (10 + 2)). ``ValueError`` for
    alpha or beta <= 0. (The mode, (alpha - 1) / (alpha + beta - 2), is another number.)
    """
    if alpha <= 0 or beta <= 0:
        raise ValueError(f"alpha and beta must be > 0, got {alpha!r}, {beta!r}")
    return alpha / (alpha + beta)
