"""The mse_nll reference against independent computations: scipy.stats densities,
NumPy's and SciPy's least squares, scikit-learn's metrics, closed forms written
here, and the lesson's numbers for the tempos."""

import math

import numpy as np
import pytest
import scipy.linalg
from scipy import stats
from scipy.optimize import approx_fprime

from solutions import mse_nll as ref

TEMPOS = np.random.RandomState(42).normal(loc=120, scale=15, size=40)
LESSON_MU, LESSON_SIGMA, LESSON_LL = 116.7204474, 14.1123523, -162.6395598


def problem(seed, n, d, *, scales=None, offset=0.0, noise=1.0, intercept=True):
    """A seeded regression problem: design (column of ones first) and noisy targets."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if scales is not None:
        X = X * np.asarray(scales, dtype=float)
    if intercept:
        X[:, 0] = 1.0
    w = rng.normal(size=d) * 3.0 / np.sqrt(np.mean(X**2, axis=0))
    return X, X @ w + offset + noise * rng.normal(size=n)


PROBLEMS = {
    "intercept and two features": problem(1, 40, 3),
    "tiny, n = d + 1": problem(2, 3, 2),
    "no intercept": problem(3, 200, 4, intercept=False),
    "ill-scaled columns": problem(4, 80, 4, scales=[1.0, 1e-3, 1e3, 1e-2], offset=2000.0),
    "targets far from 0, small noise": problem(5, 60, 3, scales=[1.0, 10.0, 0.1], offset=5000.0, noise=0.05),
    "only an intercept": (np.ones((25, 1)), np.random.default_rng(6).normal(-20.0, 6.0, size=25)),
    "large": problem(7, 20_000, 6),
}


def pairs(seed, n, scale=1.0):
    rng = np.random.default_rng(seed)
    y = rng.normal(3.0, scale, size=n)
    return y, y + rng.normal(0.0, scale, size=n)


# --------------------------------------------------------------------------
# Losses against scipy.stats and scikit-learn
# --------------------------------------------------------------------------

@pytest.mark.parametrize("seed, n", [(1, 1), (2, 40), (3, 100_000)])
def test_mse_is_sklearns_mean_squared_error(seed, n):
    metrics = pytest.importorskip("sklearn.metrics")
    y, y_pred = pairs(seed, n)
    assert math.isclose(ref.mse(y, y_pred), metrics.mean_squared_error(y, y_pred), rel_tol=1e-12)


@pytest.mark.parametrize("sigma", [0.3, 1.0, 7.5])
@pytest.mark.parametrize("seed, n", [(4, 1), (5, 40), (6, 100_000)])
def test_gaussian_nll_is_minus_a_sum_of_norm_logpdf(seed, n, sigma):
    y, y_pred = pairs(seed, n)
    want = -np.sum(stats.norm.logpdf(y, loc=y_pred, scale=sigma))
    assert math.isclose(ref.gaussian_nll(y, y_pred, sigma), want, rel_tol=1e-11)


@pytest.mark.parametrize("sigma", [0.3, 2.0, 40.0])
@pytest.mark.parametrize("seed, n", [(7, 1), (8, 37), (9, 10_000)])
def test_nll_from_mse_of_the_mse_is_gaussian_nll(seed, n, sigma):
    y, y_pred = pairs(seed, n, scale=5.0)
    got = ref.nll_from_mse(ref.mse(y, y_pred), n, sigma)
    assert math.isclose(got, ref.gaussian_nll(y, y_pred, sigma), rel_tol=1e-11)


@pytest.mark.parametrize("b", [0.3, 1.0, 7.0])
@pytest.mark.parametrize("seed, n", [(10, 1), (11, 45), (12, 100_000)])
def test_laplace_nll_is_minus_a_sum_of_laplace_logpdf(seed, n, b):
    y, y_pred = pairs(seed, n)
    want = -np.sum(stats.laplace.logpdf(y, loc=y_pred, scale=b))
    assert math.isclose(ref.laplace_nll(y, y_pred, b), want, rel_tol=1e-11)


@pytest.mark.parametrize("seed, n", [(13, 1), (14, 200), (15, 100_000)])
def test_bernoulli_nll_is_minus_a_sum_of_bernoulli_logpmf_and_unnormalised_log_loss(seed, n):
    rng = np.random.default_rng(seed)
    p = rng.uniform(1e-6, 1 - 1e-6, size=n)
    y = (rng.uniform(size=n) < p).astype(int)
    got = ref.bernoulli_nll(y, p)
    assert math.isclose(got, -np.sum(stats.bernoulli.logpmf(y, p)), rel_tol=1e-11)
    metrics = pytest.importorskip("sklearn.metrics")
    assert math.isclose(got, metrics.log_loss(y, p, normalize=False, labels=[0, 1]), rel_tol=1e-9)


def test_far_outliers_and_many_points_stay_finite():
    y = np.zeros(1_000_000)
    assert math.isclose(ref.gaussian_nll(y, y, 0.5), 0.5 * 1e6 * math.log(2 * math.pi * 0.25), rel_tol=1e-12)
    assert math.isclose(ref.gaussian_nll([1e4], [0.0], 1.0), 0.5 * math.log(2 * math.pi) + 0.5e8, rel_tol=1e-15)
    assert math.isclose(ref.laplace_nll([1e6], [0.0], 0.8), math.log(1.6) + 1.25e6, rel_tol=1e-15)
    assert math.isclose(ref.bernoulli_nll([1, 0], [1e-300, 1e-300]), 300 * math.log(10), rel_tol=1e-12)


def test_lesson_numbers():
    assert math.isclose(ref.gaussian_nll(TEMPOS, np.full(40, LESSON_MU), LESSON_SIGMA), -LESSON_LL, rel_tol=1e-8)
    w, sigma = ref.fit_linear_gaussian_nll(np.ones((40, 1)), TEMPOS)
    assert math.isclose(w[0], LESSON_MU, rel_tol=1e-8) and math.isclose(sigma, LESSON_SIGMA, rel_tol=1e-8)
    assert math.isclose(ref.fit_linear_mse(np.ones((40, 1)), TEMPOS)[0], np.mean(TEMPOS), rel_tol=1e-12)
    assert math.isclose(np.mean(TEMPOS), LESSON_MU, rel_tol=1e-8)


# --------------------------------------------------------------------------
# Fits against NumPy, SciPy and closed forms
# --------------------------------------------------------------------------

def std_units(X, y):
    return np.sqrt(np.mean(X**2, axis=0)) / np.sqrt(np.mean(y**2))


@pytest.mark.parametrize("name", PROBLEMS)
def test_fit_linear_mse_agrees_with_numpy_scipy_and_qr(name):
    X, y = PROBLEMS[name]
    w = ref.fit_linear_mse(X, y)
    assert w.shape == (X.shape[1],)
    units = std_units(X, y)
    q, r = np.linalg.qr(X)
    for other in (np.linalg.lstsq(X, y, rcond=None)[0], scipy.linalg.lstsq(X, y)[0],
                  scipy.linalg.solve_triangular(r, q.T @ y)):
        np.testing.assert_allclose(w * units, other * units, rtol=1e-10, atol=1e-10)
    # The least-squares residual is orthogonal to every column of X.
    residual = y - X @ w
    assert np.all(np.abs(X.T @ residual) <= 1e-8 * np.linalg.norm(X, axis=0) * np.linalg.norm(y))


@pytest.mark.parametrize("name", PROBLEMS)
def test_fit_linear_gaussian_nll_is_least_squares_and_the_mle_sigma(name):
    X, y = PROBLEMS[name]
    w, sigma = ref.fit_linear_gaussian_nll(X, y)
    w_ls = np.linalg.lstsq(X, y, rcond=None)[0]
    n, d = X.shape
    units = std_units(X, y)
    np.testing.assert_allclose(w * units, w_ls * units, rtol=1e-7, atol=1e-7)
    assert isinstance(sigma, float)
    # sigma^2 equals the MSE at w: the MLE divides by n, not by n - d.
    mse_at_w = np.mean((y - X @ w_ls) ** 2)
    assert math.isclose(sigma**2, mse_at_w, rel_tol=1e-7)
    assert not math.isclose(sigma**2, np.sum((y - X @ w_ls) ** 2) / (n - d), rel_tol=1e-4)


@pytest.mark.parametrize("name", ["intercept and two features", "no intercept", "only an intercept"])
def test_fit_is_a_stationary_point_of_the_nll(name):
    X, y = PROBLEMS[name]
    w, sigma = ref.fit_linear_gaussian_nll(X, y)
    theta = np.append(w, sigma)
    grad = approx_fprime(theta, lambda t: ref.gaussian_nll(y, X @ t[:-1], t[-1]), 1e-7)
    assert np.all(np.abs(grad) < 1e-3 * len(y)), grad


def test_argmin_over_w_does_not_depend_on_sigma():
    X, y = PROBLEMS["intercept and two features"]
    w = ref.fit_linear_mse(X, y)
    rng = np.random.default_rng(16)
    candidates = [w] + [w + s * rng.normal(size=w.size) for s in (0.01, 0.1, 1.0)]
    by_mse = np.argsort([ref.mse(y, X @ c) for c in candidates])
    assert by_mse[0] == 0
    for sigma in (0.1, 1.0, 30.0):
        assert np.array_equal(np.argsort([ref.gaussian_nll(y, X @ c, sigma) for c in candidates]), by_mse)


def test_lists_are_accepted_and_inputs_left_alone():
    X, y = PROBLEMS["intercept and two features"]
    X0, y0 = X.copy(), y.copy()
    np.testing.assert_allclose(ref.fit_linear_mse(X.tolist(), y.tolist()), ref.fit_linear_mse(X, y), rtol=1e-12)
    w_list, s_list = ref.fit_linear_gaussian_nll(X.tolist(), y.tolist())
    w_arr, s_arr = ref.fit_linear_gaussian_nll(X, y)
    np.testing.assert_allclose(w_list, w_arr, rtol=1e-12)
    assert math.isclose(s_list, s_arr, rel_tol=1e-12)
    for value in (ref.mse(list(y), list(y0 + 1)), ref.gaussian_nll(list(y), list(y0), 2.0),
                  ref.laplace_nll(list(y), list(y0), 2.0), ref.bernoulli_nll([1, 0], [0.5, 0.5])):
        assert isinstance(value, float)
    assert np.array_equal(X, X0) and np.array_equal(y, y0)
