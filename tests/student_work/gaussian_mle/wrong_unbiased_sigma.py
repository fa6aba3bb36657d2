import numpy as np
from scipy.optimize import minimize


def load_tempos():
    return np.random.RandomState(42).normal(loc=120, scale=15, size=40)


def gaussian_log_likelihood(x, mu, sigma):
    x = np.asarray(x, dtype=float)
    return float(np.sum(-0.5 * np.log(2 * np.pi * sigma**2) - (x - mu) ** 2 / (2 * sigma**2)))


def gaussian_mle(x):
    x = np.asarray(x, dtype=float)
    # sample standard deviation, like in stats class
    return x.mean(), x.std(ddof=1) if len(x) > 1 else 0.0


def gaussian_mle_numerical(x):
    x = np.asarray(x, dtype=float)
    c, sc = np.mean(x), np.std(x) or 1.0
    z = (x - c) / sc
    r = minimize(lambda t: -gaussian_log_likelihood(z, t[0], np.exp(t[1])), [0.0, 0.0],
                 method="BFGS", options={"gtol": 1e-10})
    return c + sc * r.x[0], sc * np.exp(r.x[1])
