"""My Gaussian MLE: plain Python loops and the math module."""
import math

from scipy.optimize import minimize

print("loading gaussian_mle")


def load_tempos():
    import numpy as np
    return np.random.RandomState(42).normal(loc=120, scale=15, size=40)


def gaussian_log_likelihood(x, mu, sigma):
    total = 0.0
    for xi in x:
        total += -0.5 * math.log(2 * math.pi) - math.log(sigma) - (xi - mu) ** 2 / (2 * sigma ** 2)
    print("ll at", mu, sigma, "=", total)
    return total


def gaussian_mle(x):
    n = len(x)
    mu = sum(x) / n
    var = 0.0
    for xi in x:
        var += (xi - mu) ** 2
    var = var / n
    print("mu_hat", mu, "sigma_hat", math.sqrt(var))
    return mu, math.sqrt(var)


def gaussian_mle_numerical(x):
    x = [float(v) for v in x]
    mu0, s0 = gaussian_mle(x)
    s0 = s0 or 1.0
    z = [(v - mu0) / s0 for v in x]

    def neg_ll(params):
        return -gaussian_log_likelihood(z, params[0], math.exp(params[1])) / len(z)

    result = minimize(neg_ll, [0.0, 0.0], method="BFGS", options={"gtol": 1e-10})
    print(result)
    return mu0 + s0 * result.x[0], s0 * math.exp(result.x[1])
