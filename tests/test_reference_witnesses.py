"""The references agree with scipy.stats on the very data of the checks that name it.

Grading compares a student's answer with the reference only; that the reference
is what scipy.stats computes is proved here, once, rather than in every
student's grading (where a failure would cost the student a point it is not
their fault, and the import of scipy.stats would cost every run a second).
"""

import numpy as np
from scipy import stats
from scipy.special import logsumexp

from autograder.checks import em_gmm as em_checks
from autograder.checks import gaussian_mle as mle_checks
from autograder.checks import mse_nll as nll_checks
from solutions import em_gmm, gaussian_mle, mse_nll

EXACT = 1e-9


def test_gaussian_mle_is_scipys_norm_fit_on_skewed_data_with_an_outlier():
    x = mle_checks.skewed_with_outlier()
    assert np.allclose(gaussian_mle.gaussian_mle(x), stats.norm.fit(x), rtol=EXACT)


def test_gaussian_nll_is_minus_the_sum_of_scipys_logpdf():
    y, y_pred, sigma = nll_checks.nll_scipy_data()
    want = -np.sum(stats.norm.logpdf(y, loc=y_pred, scale=sigma))
    assert np.isclose(mse_nll.gaussian_nll(y, y_pred, sigma), want, rtol=EXACT)


def test_nll_from_mse_is_the_gaussian_nll_of_the_data_it_came_from():
    y, y_pred, sigmas = nll_checks.from_mse_data()
    mse_value = mse_nll.mse(y, y_pred)
    for sigma in sigmas:
        want = -np.sum(stats.norm.logpdf(y, loc=y_pred, scale=sigma))
        assert np.isclose(mse_nll.nll_from_mse(mse_value, y.size, sigma), want, rtol=EXACT)


def test_laplace_nll_is_minus_the_sum_of_scipys_logpdf():
    y, y_pred, scales = nll_checks.laplace_data()
    for b in scales:
        want = -np.sum(stats.laplace.logpdf(y, y_pred, b))
        assert np.isclose(mse_nll.laplace_nll(y, y_pred, b), want, rtol=EXACT)


def test_bernoulli_nll_is_minus_the_sum_of_scipys_logpmf():
    y, p = nll_checks.bernoulli_data()
    assert np.isclose(mse_nll.bernoulli_nll(y, p), -np.sum(stats.bernoulli.logpmf(y, p)), rtol=EXACT)


def test_gmm_log_likelihood_is_finite_and_scipys_far_from_every_component():
    weights, means, variances = em_checks.FAR_MIXTURE
    terms = np.log(weights) + stats.norm.logpdf(60.0, means, np.sqrt(variances))
    got = em_gmm.gmm_log_likelihood([60.0], weights, means, variances)
    assert np.isfinite(got) and np.isclose(got, logsumexp(terms), rtol=EXACT)
