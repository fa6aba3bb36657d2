import numpy as np
from scipy.optimize import minimize


def load_tempos():
    return np.random.RandomState(42).normal(loc=120, scale=15, size=40)


def gaussian_log_likelihood(x, mu, sigma):
    x = np.asarray(x, dtype=float)
    n = len(x)
    return -n / 2 * np.log(2 * np.pi * sigma ** 2) - np.sum((x - mu) ** 2) / (2 * sigma ** 2)


def gaussian_mle(x):
    x = np.asarray(x, dtype=float)
    return x.mean(), x.std()


def gaussian_mle_numerical(x):
    def neg_log_lik(params):
        mu, sigma = params
        return -gaussian_log_likelihood(x, mu, sigma)

    result = minimize(neg_log_lik, x0=[0, 1])
    mu_hat, sigma_hat = result.x
    return mu_hat, sigma_hat
