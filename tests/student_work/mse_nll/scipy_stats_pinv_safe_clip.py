import numpy as np
from scipy import stats
from scipy.optimize import minimize


def mse(y, y_pred):
    return np.mean(np.square(np.subtract(y, y_pred)))


def gaussian_nll(y, y_pred, sigma):
    return -np.sum(stats.norm.logpdf(y, loc=y_pred, scale=sigma))


def nll_from_mse(mse_value, n, sigma):
    return 0.5 * n * np.log(2 * np.pi) + n * np.log(sigma) + n * mse_value / (2 * sigma**2)


def fit_linear_mse(X, y):
    return np.linalg.pinv(np.asarray(X, dtype=float)) @ np.asarray(y, dtype=float)


def fit_linear_gaussian_nll(X, y):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    d = X.shape[1]
    col = np.linalg.norm(X, axis=0) / np.sqrt(len(y))
    col[col == 0] = 1
    ys = np.std(y) + np.abs(np.mean(y)) or 1.0
    Xs, ys_ = X / col, y / ys

    def nll(theta):
        return gaussian_nll(ys_, Xs @ theta[:-1], np.exp(theta[-1])) / len(y)

    res = minimize(nll, np.zeros(d + 1), method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 5000})
    res = minimize(nll, res.x, method="BFGS", options={"gtol": 1e-10})
    return res.x[:-1] * ys / col, float(np.exp(res.x[-1]) * ys)


def laplace_nll(y, y_pred, b):
    return -np.sum(stats.laplace.logpdf(y, loc=y_pred, scale=b))


def bernoulli_nll(y, p):
    y = np.asarray(y)
    p = np.clip(np.asarray(p, dtype=float), 1e-15, 1 - 1e-15)  # avoid log(0)
    return -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))
