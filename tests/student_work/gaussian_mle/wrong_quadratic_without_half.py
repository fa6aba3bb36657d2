import numpy as np
from scipy.optimize import minimize


def load_tempos():
    return np.random.RandomState(42).normal(loc=120, scale=15, size=40)


def gaussian_log_likelihood(x, mu, sigma):
    x = np.asarray(x, dtype=float)
    n = len(x)
    # log N = -1/2 log(2 pi) - log sigma - (x - mu)^2 / sigma^2
    return -n / 2 * np.log(2 * np.pi) - n * np.log(sigma) - np.sum((x - mu) ** 2) / sigma ** 2


def gaussian_mle(x):
    x = np.asarray(x, dtype=float)
    mu = x.mean()
    return mu, np.sqrt(np.mean((x - mu) ** 2))


def gaussian_mle_numerical(x):
    x = np.asarray(x, dtype=float)
    m, s = np.mean(x), np.std(x) or 1.0
    res = minimize(lambda t: -gaussian_log_likelihood((x - m) / s, t[0], np.exp(t[1])),
                   x0=[0.0, 0.0], method="BFGS", options={"gtol": 1e-10})
    return m + s * res.x[0], s * np.exp(res.x[1])
