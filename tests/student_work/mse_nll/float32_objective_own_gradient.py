"""MSE and NLLs in float32, the optimiser's objective and its gradient too.

A finite-difference gradient steps by about 1e-8, which a float32 NLL cannot see,
so the gradient is given to minimize (computed in float32 as well)."""
import numpy as np
from scipy.optimize import minimize

F = np.float32


def mse(y, y_pred):
    y = np.asarray(y, dtype=F)
    y_pred = np.asarray(y_pred, dtype=F)
    return np.mean((y - y_pred) ** 2)


def gaussian_nll(y, y_pred, sigma):
    r = np.asarray(y, dtype=F) - np.asarray(y_pred, dtype=F)
    n = r.size
    s2 = F(sigma) ** 2
    return F(0.5) * n * np.log(F(2 * np.pi) * s2) + np.sum(r ** 2) / (2 * s2)


def nll_from_mse(mse_value, n, sigma):
    s2 = F(sigma) ** 2
    return F(0.5) * n * np.log(F(2 * np.pi) * s2) + n * F(mse_value) / (2 * s2)


def fit_linear_mse(X, y):
    X = np.asarray(X, dtype=F)
    y = np.asarray(y, dtype=F)
    w, *_ = np.linalg.lstsq(X, y, rcond=None)
    return w


def fit_linear_gaussian_nll(X, y):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, d = X.shape
    xs = np.sqrt(np.mean(X ** 2, axis=0))
    xs[xs == 0] = 1
    ys = np.sqrt(np.mean(y ** 2)) or 1.0
    Z, t = X / xs, y / ys

    def f(theta):
        return gaussian_nll(t, Z @ theta[:d], np.exp(theta[d])) / n

    Z32, t32 = Z.astype(F), t.astype(F)

    def g(theta):  # d/dw and d/dlog(sigma) of the NLL per point
        theta = theta.astype(F)
        r = t32 - Z32 @ theta[:d]
        s2 = np.exp(F(2) * theta[d])
        return np.append(-(Z32.T @ r) / (n * s2), F(1) - np.mean(r ** 2) / s2).astype(float)

    res = minimize(f, np.zeros(d + 1), jac=g, method="BFGS")
    w = res.x[:d] * ys / xs
    return w.astype(F), F(np.exp(res.x[d]) * ys)


def laplace_nll(y, y_pred, b):
    r = np.asarray(y, dtype=F) - np.asarray(y_pred, dtype=F)
    return r.size * np.log(F(2) * F(b)) + np.sum(np.abs(r)) / F(b)


def bernoulli_nll(y, p):
    y = np.asarray(y, dtype=F)
    p = np.asarray(p, dtype=F)
    return -np.sum(y * np.log(p) + (1 - y) * np.log1p(-p))
