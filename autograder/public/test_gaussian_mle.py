"""Public tests for exercise 1 (run: pytest test_gaussian_mle.py).

They use the lesson's 40 tempos and simple properties. The grader's hidden
checks use other data, so make your code right, not these numbers.
"""

import math

import numpy as np

from gaussian_mle import gaussian_log_likelihood, gaussian_mle, gaussian_mle_numerical, load_tempos

TEMPOS = load_tempos()
# The lesson's values for the 40 tempos (seed 42).
LESSON_MU, LESSON_SIGMA, LESSON_LL = 116.7204474, 14.1123523, -162.6395598


def test_log_likelihood_of_the_tempos():
    got = gaussian_log_likelihood(TEMPOS, LESSON_MU, LESSON_SIGMA)
    assert isinstance(got, float), f"gaussian_log_likelihood should return a float, got {type(got).__name__}"
    assert math.isclose(got, LESSON_LL, rel_tol=1e-6), (
        f"gaussian_log_likelihood(tempos, {LESSON_MU}, {LESSON_SIGMA}) returned {got:.4f}, "
        f"expected {LESSON_LL:.4f}. Is it a sum (not a mean) and does it keep the -n/2 log(2 pi) term?")


def test_log_likelihood_of_one_point_at_the_mean():
    got = gaussian_log_likelihood([0.0], 0.0, 1.0)
    want = -0.5 * math.log(2 * math.pi)
    assert math.isclose(got, want, rel_tol=1e-9), (
        f"gaussian_log_likelihood([0.0], 0.0, 1.0) returned {got}, expected log N(0; 0, 1) = {want:.6f}")


def test_log_likelihood_is_finite_for_many_points():
    x = np.random.default_rng(1).normal(size=100_000)
    got = gaussian_log_likelihood(x, 0.0, 1.0)
    assert math.isfinite(got), (
        f"gaussian_log_likelihood of 100000 points returned {got}: the product of the densities "
        f"underflows to 0. Sum the log-densities instead.")


def test_mle_of_the_tempos():
    mu, sigma = gaussian_mle(TEMPOS)
    assert math.isclose(mu, LESSON_MU, rel_tol=1e-6), f"mu_hat = {mu}, expected {LESSON_MU}"
    assert math.isclose(sigma, LESSON_SIGMA, rel_tol=1e-6), (
        f"sigma_hat = {sigma}, expected {LESSON_SIGMA}"
        + (" (you divided by n - 1: the MLE divides by n)" if math.isclose(sigma, np.std(TEMPOS, ddof=1)) else ""))


def test_mle_maximises_the_log_likelihood():
    mu, sigma = gaussian_mle(TEMPOS)
    best = gaussian_log_likelihood(TEMPOS, mu, sigma)
    for dmu, dsigma in [(0.5, 0), (-0.5, 0), (0, 0.3), (0, -0.3)]:
        nearby = gaussian_log_likelihood(TEMPOS, mu + dmu, sigma + dsigma)
        assert nearby < best, (
            f"The log-likelihood at (mu_hat + {dmu}, sigma_hat + {dsigma}) is {nearby:.4f}, higher than "
            f"at your (mu_hat, sigma_hat) = ({mu:.4f}, {sigma:.4f}): that is not the maximum.")


def test_numerical_mle_agrees_with_closed_form():
    mu, sigma = gaussian_mle_numerical(TEMPOS)
    assert math.isclose(mu, LESSON_MU, rel_tol=1e-4) and math.isclose(sigma, LESSON_SIGMA, rel_tol=1e-4), (
        f"gaussian_mle_numerical(tempos) returned ({mu:.5f}, {sigma:.5f}), expected "
        f"({LESSON_MU:.5f}, {LESSON_SIGMA:.5f}) to 1e-4. Does the optimiser minimise the *negative* "
        f"log-likelihood, and does it converge (check result.success)?")


def test_inputs_are_not_modified():
    x = TEMPOS.copy()
    gaussian_mle(x)
    gaussian_mle_numerical(x)
    gaussian_log_likelihood(x, 100.0, 10.0)
    assert np.array_equal(x, TEMPOS), "Your functions changed the array they were given: work on a copy."
