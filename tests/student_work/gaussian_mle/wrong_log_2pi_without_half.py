"""Gaussian log-likelihood written out term by term (the 1/2 in front of log(2 pi) forgotten)."""
import numpy as np
from scipy.optimize import minimize


def gaussian_log_likelihood(x, mu, sigma):
    x = np.asarray(x, dtype=float)
    n = x.size
    return -n * np.log(2 * np.pi) - n * np.log(sigma) - np.sum((x - mu) ** 2) / (2 * sigma ** 2)


def gaussian_mle(x):
    x = np.asarray(x, dtype=float)
    mu = x.mean()
    return mu, np.sqrt(np.mean((x - mu) ** 2))


def gaussian_mle_numerical(x):
    x = np.asarray(x, dtype=float)
    m, s = x.mean(), x.std() or 1.0
    z = (x - m) / s

    def nll(theta):
        return -gaussian_log_likelihood(z, theta[0], np.exp(theta[1])) / z.size

    res = minimize(nll, np.zeros(2), method="BFGS", options={"gtol": 1e-10})
    return m + s * res.x[0], s * np.exp(res.x[1])
