"""Gaussian MLE with my own log-density helper and a bounded optimiser."""
import numpy as np
from scipy.optimize import minimize


def load_tempos():
    return np.random.RandomState(42).normal(loc=120, scale=15, size=40)


def log_normal_pdf(v, mu, sigma):
    """log of N(v; mu, sigma^2) for each v."""
    return -np.log(sigma * np.sqrt(2 * np.pi)) - (v - mu) ** 2 / (2 * sigma * sigma)


def gaussian_log_likelihood(x, mu, sigma):
    x = np.asarray(x, dtype=float)
    return float(log_normal_pdf(x, mu, sigma).sum())


def gaussian_mle(x):
    x = np.asarray(x, dtype=float)
    mu_hat = x.sum() / len(x)
    sigma_hat = np.sqrt(((x - mu_hat) ** 2).sum() / len(x))
    return mu_hat, sigma_hat


def gaussian_mle_numerical(x):
    x = np.asarray(x, dtype=float)
    mu0, sigma0 = x.mean(), x.std() or 1.0
    # work in units of the start so the tolerance is relative
    def objective(theta):
        return -gaussian_log_likelihood((x - mu0) / sigma0, theta[0], theta[1]) / len(x)
    result = minimize(objective, x0=[0.0, 1.0], method="L-BFGS-B",
                      bounds=[(None, None), (1e-6, None)],
                      options={"ftol": 1e-15, "gtol": 1e-12})
    mu, sigma = result.x
    return mu0 + sigma0 * mu, sigma0 * sigma
