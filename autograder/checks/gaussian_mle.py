"""Hidden checks for exercise 1, Gaussian MLE.

Every check builds its data from a hidden seed (never the lesson's seed 42),
calls the student's function in the sandbox, and compares it with the
reference. Each tolerance is stated with why it is that tight.
"""

import numpy as np
from scipy.special import logsumexp

from solutions import gaussian_mle as ref

from ..core.framework import (CheckFailed, Lazy, Tolerance, as_float, as_floats, call_text, check, expect_close, fmt,
                         optimiser_tolerance, rng)

# Closed forms are a handful of floating-point operations: 1e-9 relative
# leaves room for any order of summation, yet is 10^7 times tighter than the
# n vs n - 1 difference at n = 40 (1.27 %).
EXACT = 1e-9
# A numerical optimiser stops near, not at, the optimum. 1e-4 relative is 100
# times tighter than n vs n - 1 at n = 40, so an optimiser that found the
# unbiased sigma still fails.
OPTIMISER = 1e-4


def _ll_mistakes(x, mu, sigma):
    """What the classic wrong log-likelihoods give on the same inputs."""
    x = np.asarray(x, dtype=float)
    n = x.size
    right = ref.gaussian_log_likelihood(x, mu, sigma)
    with np.errstate(all="ignore"):
        density = np.exp(-((x - mu) ** 2) / (2 * sigma**2)) / (sigma * np.sqrt(2 * np.pi))
        log_of_product = float(np.log(np.prod(density)))
    return {
        "It matches the mean of the log-densities: the log-likelihood is their sum.": right / n,
        "It is missing the -n/2 log(2 pi) constant.": right + 0.5 * n * np.log(2 * np.pi),
        "It treats sigma as the variance: log N uses sigma^2 = sigma * sigma.":
            ref.gaussian_log_likelihood(x, mu, np.sqrt(sigma)),
        "It is missing the -n log(sigma) term.": right + n * np.log(sigma),
        "It has -log(sigma) where -n log(sigma) belongs: every one of the n points contributes "
        "-log(sigma).": right + (n - 1) * np.log(sigma),
        "It has -n log(sigma^2) where -n log(sigma) belongs: the 1/2 in -n/2 log(2 pi sigma^2) "
        "applies to sigma^2 too.": right - n * np.log(sigma),
        "It has -n log(2 pi) where -n/2 log(2 pi) belongs: the 1/2 in front of log(2 pi) is missing.":
            right - 0.5 * n * np.log(2 * np.pi),
        "The quadratic term is missing its 1/2: log N(x; mu, sigma^2) has -(x - mu)^2 / (2 sigma^2), "
        "not -(x - mu)^2 / sigma^2.": right - float(np.sum((x - mu) ** 2)) / (2 * sigma**2),
        "It is the log of the product of the densities, which underflows to 0 for many "
        "points: sum the log-densities instead.": log_of_product,
        "It has the wrong sign: this is the negative log-likelihood.": -right,
    }


def _ll_check(student, x, mu, sigma):
    call = call_text("gaussian_log_likelihood", (x, mu, sigma))
    got = as_float(student.gaussian_log_likelihood(x, mu, sigma), call)
    expect_close(got, ref.gaussian_log_likelihood(x, mu, sigma), call=call, rtol=EXACT,
                 mistakes=Lazy(lambda: _ll_mistakes(x, mu, sigma)))


@check("gaussian_log_likelihood", points=1)
def log_likelihood_small_exact(student):
    """Log-likelihood of three points, against the formula."""
    _ll_check(student, np.array([1.0, 2.0, 4.0]), 2.0, 1.5)


@check("gaussian_log_likelihood", points=1)
def log_likelihood_seeded(student):
    """Log-likelihood of 40 hidden-seed points at several (mu, sigma)."""
    x = rng("ll-seeded").normal(80.0, 6.0, size=40)
    for mu, sigma in [(80.0, 6.0), (75.5, 3.0), (90.0, 20.0)]:
        _ll_check(student, x, mu, sigma)


@check("gaussian_log_likelihood", points=1, scale=True)
def log_likelihood_million_points(student):
    """Finite and right for a million points (where a product of densities underflows).

    The exercise's one large input: the contract's n = 10^6, where a sum must stay finite and a
    loop must finish in the time limit."""
    x = rng("ll-million").normal(0.0, 1.0, size=1_000_000)
    _ll_check(student, x, 0.1, 1.2)


@check("gaussian_log_likelihood", points=1)
def log_likelihood_far_outlier_and_list(student):
    """Finite for a point 1000 sigmas away, and accepts a plain list."""
    x = [0.3, -0.2, 1000.0]
    _ll_check(student, x, 0.0, 1.0)
    # scipy.stats is an independent witness of the same number.
    assert np.isclose(ref.gaussian_log_likelihood(x, 0.0, 1.0),
                      logsumexp([0.0]) + np.sum(-0.5 * np.log(2 * np.pi) - np.square(x) / 2))


def _mle_mistakes(x):
    x = np.asarray(x, dtype=float)
    mu = x.mean()
    return {
        "sigma": {
            "sigma_hat divides by n - 1 (the unbiased estimate, np.std(x, ddof=1)); "
            "the MLE divides by n.": np.std(x, ddof=1),
            "sigma_hat is the variance: return its square root, the standard deviation.": np.var(x),
            "sigma_hat is the unbiased variance: the MLE is the square root of the mean "
            "squared deviation.": np.var(x, ddof=1),
            "sigma_hat is the mean absolute deviation; the MLE averages squared deviations.":
                np.mean(np.abs(x - mu)),
        },
        "mu": {
            "mu_hat is the median; the MLE of a Gaussian mean is the sample mean.": np.median(x),
            "mu_hat divides the sum by n - 1.": x.sum() / (x.size - 1) if x.size > 1 else np.nan,
        },
    }


def _mle_check(student, x, function="gaussian_mle", rtol=EXACT):
    call = call_text(function, (x,))
    value = getattr(student, function)(x)
    numerical = function == "gaussian_mle_numerical"
    want_mu, want_sigma = ref.gaussian_mle(x)
    if numerical:
        _numerical_sign_and_nan(value, call, want_sigma)
    mu, sigma = as_floats(value, 2, call)
    tol = optimiser_tolerance(rtol) if numerical else Tolerance(rtol)
    mistakes = Lazy(lambda: _mle_mistakes(x))
    swapped = tol.within32(mu, want_sigma) and tol.within32(sigma, want_mu)
    if swapped and not tol.within32(want_mu, want_sigma):
        raise CheckFailed(f"Called {call}: got {fmt((mu, sigma))}, expected "
                          f"{fmt((want_mu, want_sigma))}. It returns (sigma_hat, mu_hat): "
                          f"the order is (mu_hat, sigma_hat).")
    hint = _POOR_START if numerical else ""
    expect_close(mu, want_mu, call=call, rtol=rtol, what="mu_hat", mistakes=mistakes["mu"],
                 tolerance=tol, hint=hint)
    expect_close(sigma, want_sigma, call=call, rtol=rtol, what="sigma_hat", mistakes=mistakes["sigma"],
                 tolerance=tol, hint=hint)


_POOR_START = ("This is not the maximum of the log-likelihood. If gaussian_log_likelihood passes its "
               "checks, the optimiser stopped away from it: over sigma itself and from a poor start "
               "(sigma = 1, mu = 0, far from the data), its first steps overshoot, sigma goes to 0 or "
               "below (where log(sigma) is NaN) or the search stops early. Optimise over log(sigma) "
               "(sigma = exp(t) stays positive), start from the sample mean and standard deviation, "
               "and check result.success.")


def _numerical_sign_and_nan(value, call, want_sigma):
    """A numerical MLE over raw sigma ends at a NaN or a negative sigma: say so, not 'division by 0'."""
    if not isinstance(value, (tuple, list, np.ndarray)) or np.shape(value) != (2,):
        return
    try:
        mu, sigma = (float(v) for v in value)
    except (TypeError, ValueError):
        return
    if not (np.isfinite(mu) and np.isfinite(sigma)):
        raise CheckFailed(f"Called {call}: it returned {fmt((mu, sigma))}, not finite numbers. The "
                          f"optimiser stepped to sigma <= 0, where log(sigma) is NaN, and never "
                          f"recovered: optimise over log(sigma) (sigma = exp(t) stays positive), "
                          f"starting from the sample mean and standard deviation.")
    if sigma < 0:
        same = np.isclose(-sigma, want_sigma, rtol=1e-3)
        raise CheckFailed(f"Called {call}: sigma_hat is {sigma:.6g}, negative"
                          + (" (minus the MLE: the likelihood only sees sigma^2 in your formula)"
                             if same else ": over sigma itself, from a poor start, the optimiser's "
                                          "steps overshoot below 0")
                          + ". A standard deviation is positive: optimise over log(sigma), so that "
                            "sigma = exp(t) can never go below 0, and start from the sample mean and "
                            "standard deviation.")


@check("gaussian_mle", points=1)
def mle_two_points(student):
    """x = [0, 2]: mu_hat = 1 and sigma_hat = 1 exactly (n - 1 would give 1.414)."""
    _mle_check(student, np.array([0.0, 2.0]))


@check("gaussian_mle", points=1)
def mle_seeded_40(student):
    """40 hidden-seed points, where n and n - 1 differ by 1.27 %."""
    _mle_check(student, rng("mle-40").normal(200.0, 25.0, size=40))


@check("gaussian_mle", points=1)
def mle_several_sizes(student):
    """Sizes 1, 5, 1000 and 5000, and a list input."""
    r = rng("mle-sizes")
    for n in (1, 5, 1000, 5_000):
        _mle_check(student, r.normal(-3.0, 0.5, size=n))
    _mle_check(student, [1.5, 2.5, 2.0, 7.0])


def skewed_with_outlier() -> np.ndarray:
    """The data of ``mle_matches_scipy`` (tests/test_reference_witnesses.py: scipy.stats.norm.fit agrees)."""
    return np.append(rng("mle-scipy").exponential(3.0, size=60), 250.0)


@check("gaussian_mle", points=1)
def mle_matches_scipy(student):
    """Agrees with scipy.stats.norm.fit on skewed data with an outlier."""
    _mle_check(student, skewed_with_outlier())


@check("gaussian_mle_numerical", points=1)
def numerical_matches_closed_form(student):
    """The optimiser finds the closed-form MLE on hidden-seed data."""
    _mle_check(student, rng("num-40").normal(50.0, 4.0, size=40), "gaussian_mle_numerical", OPTIMISER)


@check("gaussian_mle_numerical", points=1)
def numerical_other_scales(student):
    """...also for data far from 0 and for tiny spreads, where a poor start or tolerance fails."""
    r = rng("num-scales")
    # The spread of 1e-4 catches an optimiser over raw sigma started at 1 on every seed (the
    # spread of 0.002 on about half of them: tests/test_check_margins.py).
    for loc, scale, n in [(3000.0, 40.0, 200), (0.01, 0.002, 30), (-7.0, 1.0, 2), (0.01, 1e-4, 30)]:
        _mle_check(student, r.normal(loc, scale, size=n), "gaussian_mle_numerical", OPTIMISER)
