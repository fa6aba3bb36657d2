import numpy as np
from scipy.optimize import minimize

EPS = 1e-7


def mse(y, y_pred):
    y, y_pred = np.asarray(y, float), np.asarray(y_pred, float)
    return np.mean((y - y_pred) ** 2)


def gaussian_nll(y, y_pred, sigma):
    r = np.asarray(y, float) - np.asarray(y_pred, float)
    return 0.5 * len(r) * np.log(2 * np.pi * sigma**2) + np.sum(r**2) / (2 * sigma**2)


def nll_from_mse(mse_value, n, sigma):
    return 0.5 * n * np.log(2 * np.pi * sigma**2) + n * mse_value / (2 * sigma**2)


def fit_linear_mse(X, y):
    w, *_ = np.linalg.lstsq(np.asarray(X, float), np.asarray(y, float), rcond=None)
    return w


def fit_linear_gaussian_nll(X, y):
    X, y = np.asarray(X, float), np.asarray(y, float)
    w = fit_linear_mse(X, y)
    sigma = np.sqrt(mse(y, X @ w))
    # polish with the optimiser, over log sigma
    res = minimize(lambda t: gaussian_nll(y, X @ t[:-1], np.exp(t[-1])),
                   np.append(w, np.log(sigma)), method="BFGS", options={"gtol": 1e-8})
    if res.success:
        return res.x[:-1], float(np.exp(res.x[-1]))
    return w, float(sigma)


def laplace_nll(y, y_pred, b):
    r = np.abs(np.asarray(y, float) - np.asarray(y_pred, float))
    return len(r) * np.log(2 * b) + r.sum() / b


def bernoulli_nll(y, p):
    y = np.asarray(y, float)
    p = np.clip(np.asarray(p, float), EPS, 1 - EPS)
    return float(-np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))
