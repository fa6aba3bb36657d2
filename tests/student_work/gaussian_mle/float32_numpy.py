"""Gaussian MLE, computed in float32 to save memory."""
import numpy as np
from scipy.optimize import minimize


def load_tempos():
    return np.random.RandomState(42).normal(loc=120, scale=15, size=40)


def gaussian_log_likelihood(x, mu, sigma):
    x = np.asarray(x, dtype=np.float32)
    n = len(x)
    return -n / 2 * np.log(np.float32(2 * np.pi)) - n * np.log(np.float32(sigma)) \
        - np.sum((x - np.float32(mu)) ** 2) / (2 * np.float32(sigma) ** 2)


def gaussian_mle(x):
    x = np.asarray(x, dtype=np.float32)
    mu = np.mean(x)
    sigma = np.sqrt(np.mean((x - mu) ** 2))
    return mu, sigma


def gaussian_mle_numerical(x):
    x = np.asarray(x, dtype=np.float32)
    m0, s0 = np.median(x), np.std(x) + 1e-3

    def neg(params):
        mu, log_sigma = params
        return -gaussian_log_likelihood((x - m0) / s0, mu, np.exp(log_sigma))

    res = minimize(neg, [0.0, 0.0], method="Nelder-Mead",
                   options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 5000})
    mu, log_sigma = res.x
    return m0 + s0 * mu, s0 * np.exp(log_sigma)
