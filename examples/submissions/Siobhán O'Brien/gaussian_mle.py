"""Exercise 1: maximum likelihood for a Gaussian.

You measured the tempo (BPM) of 40 songs and assume the tempos come from a
Normal distribution N(mu, sigma^2). Which mu and sigma explain the data best?
Maximum likelihood answers: the ones that make the observed tempos most
plausible. You will write the log-likelihood, its closed-form maximiser, and
find the same maximiser again with a numerical optimiser.

Run the public tests with ``pytest test_gaussian_mle.py``.
"""

import numpy as np
from scipy.optimize import minimize


def load_tempos():
    """Return the lesson's 40 song tempos (BPM) as a float array of shape (40,).

    They are ``np.random.seed(42); np.random.normal(loc=120, scale=15, size=40)``:
    the true parameters are mu = 120 and sigma = 15.
    """
    return np.random.RandomState(42).normal(loc=120, scale=15, size=40)


def gaussian_log_likelihood(x, mu, sigma):
    """Log-likelihood of mu and sigma for the data x under N(mu, sigma^2).

        l(mu, sigma) = sum_i log N(x_i; mu, sigma^2)
                     = -n/2 log(2 pi) - n log(sigma) - sum_i (x_i - mu)^2 / (2 sigma^2)

    Parameters
    ----------
    x : array-like of float, shape (n,)
    mu : float
    sigma : float, > 0 (the standard deviation, not the variance)

    Returns
    -------
    float
        The sum over the data points (not the mean). It must stay finite for
        n = 1_000_000 points and for points far from mu.

    Hint: what happens to a product of 1000 numbers smaller than 0.01? Work
    with logs from the start, never with the density itself.
    """
    x = np.asarray(x, dtype=float)
    n = x.size
    return float(
        -0.5 * n * np.log(2 * np.pi)
        - n * np.log(sigma)
        - np.sum((x - mu) ** 2) / (2 * sigma**2)
    )


def gaussian_mle(x):
    """Closed-form maximum likelihood estimates for a Gaussian.

    Setting the derivatives of the log-likelihood to zero gives

        mu_hat = (1/n) sum_i x_i
        sigma_hat = sqrt((1/n) sum_i (x_i - mu_hat)^2)

    Parameters
    ----------
    x : array-like of float, shape (n,)

    Returns
    -------
    (float, float)
        ``(mu_hat, sigma_hat)``: sigma_hat is a standard deviation.

    Hint: the MLE divides by n. Which ``ddof`` does ``np.std`` use by default,
    and which one did your statistics class use?
    """
    x = np.asarray(x, dtype=float)
    from scipy import stats
    mu_hat, sigma_hat = stats.norm.fit(x)
    return float(mu_hat), float(sigma_hat)


def gaussian_mle_numerical(x):
    """Maximum likelihood estimates found by numerical optimisation.

    Minimise the negative log-likelihood -l(mu, sigma) with
    ``scipy.optimize.minimize``. The answer must agree with ``gaussian_mle``
    to within 1e-4 relative error.

    Parameters
    ----------
    x : array-like of float, shape (n,)

    Returns
    -------
    (float, float)
        ``(mu_hat, sigma_hat)``.

    Hints: sigma must stay positive; what if you optimise over log(sigma)
    instead? A good starting point (the median, say) and a tight tolerance
    help the optimiser.
    """
    x = np.asarray(x, dtype=float)
    # Optimise in standardised units so the tolerance means the same thing for
    # any scale of data, and over log(sigma) so sigma stays positive.
    center = np.median(x)
    scale = np.mean(np.abs(x - center)) or 1.0
    z = (x - center) / scale

    def nll(theta):
        mu, log_sigma = theta
        return -gaussian_log_likelihood(z, mu, np.exp(log_sigma)) / z.size

    result = minimize(nll, x0=[0.0, 0.0], method="BFGS", options={"gtol": 1e-10})
    mu, log_sigma = result.x
    return float(center + scale * mu), float(scale * np.exp(log_sigma))
