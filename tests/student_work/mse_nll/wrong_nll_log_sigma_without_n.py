import numpy as np
from scipy.optimize import minimize


def mse(y, y_pred):
    return float(np.mean((np.asarray(y, float) - np.asarray(y_pred, float)) ** 2))


def gaussian_nll(y, y_pred, sigma):
    r = np.asarray(y, float) - np.asarray(y_pred, float)
    n = len(r)
    # -log L = n/2 log 2pi + log sigma + sum r^2 / 2 sigma^2
    return n / 2 * np.log(2 * np.pi) + np.log(sigma) + np.sum(r**2) / (2 * sigma**2)


def nll_from_mse(mse_value, n, sigma):
    return n / 2 * np.log(2 * np.pi) + n * np.log(sigma) + n * mse_value / (2 * sigma**2)


def fit_linear_mse(X, y):
    X, y = np.asarray(X, float), np.asarray(y, float)
    return np.linalg.solve(X.T @ X, X.T @ y)


def fit_linear_gaussian_nll(X, y):
    X, y = np.asarray(X, float), np.asarray(y, float)
    d = X.shape[1]
    w0 = fit_linear_mse(X, y)
    s0 = np.sqrt(mse(y, X @ w0)) + 1e-12
    res = minimize(lambda t: gaussian_nll(y, X @ t[:d], np.exp(t[d])), np.append(w0, np.log(s0)),
                   method="BFGS", options={"gtol": 1e-10})
    return res.x[:d], float(np.exp(res.x[d]))


def laplace_nll(y, y_pred, b):
    r = np.asarray(y, float) - np.asarray(y_pred, float)
    return float(len(r) * np.log(2 * b) + np.sum(np.abs(r)) / b)


def bernoulli_nll(y, p):
    y, p = np.asarray(y, float), np.asarray(p, float)
    return float(-np.sum(y * np.log(p) + (1 - y) * np.log1p(-p)))
