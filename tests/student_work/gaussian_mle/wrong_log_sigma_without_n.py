import math
import numpy as np
from scipy.optimize import minimize


def load_tempos():
    return np.random.RandomState(42).normal(loc=120, scale=15, size=40)


def gaussian_log_likelihood(x, mu, sigma):
    x = np.asarray(x, dtype=float)
    n = x.shape[0]
    sq = np.sum((x - mu) ** 2)
    return -0.5 * n * math.log(2 * math.pi) - math.log(sigma) - sq / (2 * sigma ** 2)


def gaussian_mle(x):
    x = np.asarray(x, dtype=float)
    return float(np.mean(x)), float(np.std(x))


def gaussian_mle_numerical(x):
    x = np.asarray(x, dtype=float)
    start = [np.mean(x), np.log(np.std(x) or 1.0)]
    res = minimize(lambda p: -gaussian_log_likelihood(x, p[0], np.exp(p[1])), start,
                   method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 4000})
    return res.x[0], np.exp(res.x[1])
