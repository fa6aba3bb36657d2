"""MSE / NLL with loops, lists and the normal equations."""
import math

import numpy as np
from scipy.optimize import minimize


def mse(y, y_pred):
    total = 0
    for a, b in zip(y, y_pred):
        total = total + (a - b) * (a - b)
    return total / len(y)


def gaussian_nll(y, y_pred, sigma):
    n = len(y)
    s = 0.0
    for i in range(n):
        s += (y[i] - y_pred[i]) ** 2
    return n / 2 * math.log(2 * math.pi * sigma ** 2) + s / (2 * sigma ** 2)


def nll_from_mse(mse_value, n, sigma):
    return n / 2 * math.log(2 * math.pi * sigma ** 2) + n * mse_value / (2 * sigma ** 2)


def fit_linear_mse(X, y):
    X = np.array(X, dtype=float)
    y = np.array(y, dtype=float)
    XtX = X.T @ X
    Xty = X.T @ y
    return np.linalg.solve(XtX, Xty)


def fit_linear_gaussian_nll(X, y):
    X = np.array(X, dtype=float)
    y = np.array(y, dtype=float)
    n, d = X.shape
    # start at the least-squares solution, like the lesson suggests
    w0 = fit_linear_mse(X, y)
    s0 = math.sqrt(mse(y, X @ w0)) or 1.0

    def objective(params):
        w = params[:d]
        sigma = math.exp(params[d])
        return gaussian_nll(y, X @ w, sigma) / n

    res = minimize(objective, np.append(w0, math.log(s0)), method="BFGS", options={"gtol": 1e-9})
    return res.x[:d], math.exp(res.x[d])


def laplace_nll(y, y_pred, b):
    total = 0.0
    for a, c in zip(y, y_pred):
        total += math.log(2 * b) + abs(a - c) / b
    return total


def bernoulli_nll(y, p):
    total = 0.0
    for yi, pi in zip(y, p):
        if yi == 1:
            total -= math.log(pi)
        else:
            total -= math.log(1 - pi)
    return total
