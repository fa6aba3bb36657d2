import numpy as np
from scipy import stats
from scipy.optimize import minimize


def load_tempos():
    np.random.seed(42)
    return np.random.normal(loc=120, scale=15, size=40)


def gaussian_log_likelihood(x, mu, sigma):
    return np.sum(stats.norm.logpdf(x, loc=mu, scale=sigma))


def gaussian_mle(x):
    x = np.array(x)
    return np.mean(x), np.std(x)   # np.std divides by n by default = MLE


def gaussian_mle_numerical(x):
    x = np.array(x, dtype=float)
    m, s = np.median(x), np.std(x)
    if s == 0:
        s = 1.0
    z = (x - m) / s
    nll = lambda p: -gaussian_log_likelihood(z, p[0], np.exp(p[1]))
    res = minimize(nll, x0=[0.0, 0.0], method="Nelder-Mead",
                   options={"xatol": 1e-12, "fatol": 1e-12, "maxiter": 10000, "maxfev": 20000})
    return m + s * res.x[0], s * np.exp(res.x[1])
