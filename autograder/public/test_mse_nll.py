"""Public tests for exercise 2 (run: pytest test_mse_nll.py).

They use the lesson's 40 tempos (the same data as exercise 1), tiny examples
you can check by hand, and simple properties. The grader's hidden checks use
other data, so make your code right, not these numbers.
"""

import math

import numpy as np

from mse_nll import (
    bernoulli_nll,
    fit_linear_gaussian_nll,
    fit_linear_mse,
    gaussian_nll,
    laplace_nll,
    mse,
    nll_from_mse,
)

# The lesson's tempos: np.random.seed(42); np.random.normal(loc=120, scale=15, size=40).
TEMPOS = np.random.RandomState(42).normal(loc=120, scale=15, size=40)
# Exercise 1's answers for them: the MLE and the log-likelihood there.
LESSON_MU, LESSON_SIGMA, LESSON_LL = 116.7204474, 14.1123523, -162.6395598
ONES = np.ones((40, 1))  # a design with only an intercept: every prediction is one number


def test_mse_by_hand():
    got = mse([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 1.0, 1.0])
    assert isinstance(got, float), f"mse should return a float, got {type(got).__name__}"
    assert math.isclose(got, 3.5, rel_tol=1e-12), (
        f"mse([1, 2, 3, 4], [1, 1, 1, 1]) returned {got}, expected (0 + 1 + 4 + 9) / 4 = 3.5"
        + (" (you divided by n - 1)" if math.isclose(got, 14 / 3) else "")
        + (" (that is the sum; the MSE is the mean)" if math.isclose(got, 14.0) else ""))


def test_gaussian_nll_of_the_tempos_is_minus_the_log_likelihood():
    got = gaussian_nll(TEMPOS, np.full(40, LESSON_MU), LESSON_SIGMA)
    assert isinstance(got, float), f"gaussian_nll should return a float, got {type(got).__name__}"
    assert math.isclose(got, -LESSON_LL, rel_tol=1e-6), (
        f"gaussian_nll(tempos, mu_hat for every song, sigma_hat) returned {got:.4f}, expected "
        f"{-LESSON_LL:.4f}, minus exercise 1's log-likelihood. Is it a sum (not a mean), with "
        f"(n/2) log(2 pi sigma^2), and sigma squared wherever sigma^2 appears?")


def test_nll_from_mse_by_hand():
    got = nll_from_mse(2.0, 4, 1.5)
    want = 2 * math.log(2 * math.pi * 1.5**2) + 4 * 2.0 / (2 * 1.5**2)
    assert math.isclose(got, want, rel_tol=1e-9), (
        f"nll_from_mse(2.0, 4, 1.5) returned {got:.6f}, expected (4/2) log(2 pi 1.5^2) + 4 * 2.0 / "
        f"(2 * 1.5^2) = {want:.6f}. The MSE is a mean: the NLL needs the sum of squares, n * MSE.")


def test_nll_from_mse_agrees_with_gaussian_nll():
    y_pred = np.full(40, 120.0)
    for sigma in (5.0, 15.0, 40.0):
        want = gaussian_nll(TEMPOS, y_pred, sigma)
        got = nll_from_mse(mse(TEMPOS, y_pred), 40, sigma)
        assert math.isclose(got, want, rel_tol=1e-9), (
            f"nll_from_mse(mse(tempos, 120), 40, {sigma}) returned {got:.6f}, but "
            f"gaussian_nll(tempos, 120, {sigma}) returned {want:.6f}: they are the same number "
            f"written two ways. Does nll_from_mse keep the (n/2) log(2 pi sigma^2) term?")


def test_fit_linear_mse_recovers_an_exact_line():
    X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0], [1.0, 3.0]])
    w = fit_linear_mse(X, [2.0, 5.0, 8.0, 11.0])
    assert np.shape(w) == (2,), f"fit_linear_mse should return one weight per column of X, shape (2,); got {np.shape(w)}"
    assert np.allclose(w, [2.0, 3.0], atol=1e-9), (
        f"The points lie on y = 2 + 3x, so the weights are [2, 3]; fit_linear_mse returned {w}")


def test_fit_linear_mse_with_only_an_intercept_is_the_mean():
    w = fit_linear_mse(ONES, TEMPOS)
    assert np.allclose(w, [LESSON_MU], rtol=1e-9), (
        f"With a single column of ones the least-squares weight is the mean tempo {LESSON_MU:.4f}; "
        f"fit_linear_mse returned {w}")


def test_argmin_of_the_nll_does_not_depend_on_sigma():
    rng = np.random.default_rng(7)
    X = np.column_stack([np.ones(30), rng.normal(size=30)])
    y = X @ np.array([1.0, -2.0]) + rng.normal(scale=0.5, size=30)
    w = fit_linear_mse(X, y)
    for sigma in (0.1, 1.0, 10.0):
        best = gaussian_nll(y, X @ w, sigma)
        for shift in ([0.05, 0.0], [0.0, -0.05]):
            nearby = gaussian_nll(y, X @ (w + np.array(shift)), sigma)
            assert nearby > best, (
                f"With sigma = {sigma}, the NLL at w + {shift} is {nearby:.6f}, lower than at the "
                f"least-squares w ({best:.6f}). Whatever sigma is, the weights that minimise the MSE "
                f"minimise the Gaussian NLL.")


def test_fit_linear_gaussian_nll_on_the_tempos_is_exercise_1():
    w, sigma = fit_linear_gaussian_nll(ONES, TEMPOS)
    assert np.shape(w) == (1,), f"w should have one weight per column of X, shape (1,); got {np.shape(w)}"
    assert math.isclose(w[0], LESSON_MU, rel_tol=1e-4) and math.isclose(sigma, LESSON_SIGMA, rel_tol=1e-4), (
        f"fit_linear_gaussian_nll(ones, tempos) returned w = {w}, sigma = {sigma:.5f}; expected "
        f"[{LESSON_MU:.5f}] and {LESSON_SIGMA:.5f}, exercise 1's MLE. Is sigma a standard deviation "
        f"dividing by n (not n - 1), and did the optimiser converge?")


def test_laplace_nll_by_hand():
    got = laplace_nll([0.0, 3.0], [1.0, 1.0], 2.0)
    want = 2 * math.log(4.0) + (1.0 + 2.0) / 2.0
    assert math.isclose(got, want, rel_tol=1e-9), (
        f"laplace_nll([0, 3], [1, 1], b=2) returned {got:.6f}, expected 2 log(2b) + (|0-1| + |3-1|) / b "
        f"= {want:.6f}. The Laplace NLL uses absolute residuals, not squared ones.")


def test_bernoulli_nll_by_hand():
    got = bernoulli_nll([1, 0], [0.8, 0.3])
    want = -(math.log(0.8) + math.log(0.7))
    assert math.isclose(got, want, rel_tol=1e-9), (
        f"bernoulli_nll([1, 0], [0.8, 0.3]) returned {got:.6f}, expected -(log 0.8 + log 0.7) = "
        f"{want:.6f}. A label 1 contributes log(p), a label 0 contributes log(1 - p); sum them, "
        f"do not average.")


def test_inputs_are_not_modified():
    X, y = np.column_stack([np.ones(40), np.arange(40.0)]), TEMPOS.copy()
    X_before = X.copy()
    fit_linear_mse(X, y)
    fit_linear_gaussian_nll(X, y)
    mse(y, TEMPOS)
    assert np.array_equal(X, X_before) and np.array_equal(y, TEMPOS), (
        "Your functions changed the arrays they were given: work on a copy.")
