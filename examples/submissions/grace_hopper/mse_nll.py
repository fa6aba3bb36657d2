"""Exercise 2: minimising squared error is maximising a Gaussian likelihood.

Assume each target is the model's prediction plus Gaussian noise,
y_i = y_pred_i + e_i with e_i ~ N(0, sigma^2). Then the negative
log-likelihood of the data is a constant plus n * MSE / (2 sigma^2): the
weights that minimise the MSE are exactly the weights that maximise the
likelihood, whatever sigma is. Other noise models give other losses: Laplace
noise gives the mean absolute error, a Bernoulli label gives cross-entropy.

Run the public tests with ``pytest test_mse_nll.py``.
"""

import numpy as np
from scipy.optimize import minimize


def mse(y, y_pred):
    """Mean squared error of the predictions.

        MSE = (1/n) sum_i (y_i - y_pred_i)^2

    Parameters
    ----------
    y, y_pred : array-like of float, shape (n,)

    Returns
    -------
    float
        A mean over the n points (not a sum, and not divided by n - 1).
    """
    residuals = np.asarray(y, dtype=float) - np.asarray(y_pred, dtype=float)
    return float(np.mean(residuals**2))


def gaussian_nll(y, y_pred, sigma):
    """Negative log-likelihood of the targets under y_i ~ N(y_pred_i, sigma^2).

        NLL = -sum_i log N(y_i; y_pred_i, sigma^2)
            = n/2 log(2 pi sigma^2) + sum_i (y_i - y_pred_i)^2 / (2 sigma^2)

    Parameters
    ----------
    y, y_pred : array-like of float, shape (n,)
    sigma : float, > 0, the noise standard deviation

    Returns
    -------
    float
        A sum over the data points, not a mean.

    Hint: sigma is a standard deviation; where does sigma^2 appear?
    """
    residuals = np.asarray(y, dtype=float) - np.asarray(y_pred, dtype=float)
    n = residuals.size
    return float(
        0.5 * n * np.log(2 * np.pi * sigma**2) + np.sum(residuals**2) / (2 * sigma**2)
    )


def nll_from_mse(mse_value, n, sigma):
    """The Gaussian NLL of n points computed from their MSE alone.

        NLL = (n/2) log(2 pi sigma^2) + n * MSE / (2 sigma^2)

    Equal to ``gaussian_nll(y, y_pred, sigma)`` when
    ``mse_value = mse(y, y_pred)``: for a fixed sigma the NLL is an increasing
    function of the MSE, so both have the same minimiser over the weights.

    Parameters
    ----------
    mse_value : float, the mean squared error of n points
    n : int, the number of points
    sigma : float, > 0, the noise standard deviation

    Returns
    -------
    float

    Hint: the MSE is a mean; which sum of squares does the NLL need?
    """
    return float(0.5 * n * np.log(2 * np.pi * sigma**2) + n * mse_value / (2 * sigma**2))


def fit_linear_mse(X, y):
    """Least-squares weights: the w that minimises mse(y, X @ w).

    Parameters
    ----------
    X : array-like of float, shape (n, d), the design matrix (add a column of
        ones yourself if you want an intercept)
    y : array-like of float, shape (n,)

    Returns
    -------
    ndarray of float, shape (d,)

    Hint: X is not square, so it has no inverse. Which w makes the residual
    y - X w orthogonal to every column of X? (``np.linalg.lstsq`` is allowed.)
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    w, *_ = np.linalg.lstsq(X, y, rcond=None)
    return w


def fit_linear_gaussian_nll(X, y):
    """Fit w and sigma by numerically minimising gaussian_nll(y, X @ w, sigma).

    The result shows the lesson's point: w equals the least-squares weights,
    and sigma^2 equals the MSE at w (the MLE divides by n).

    Parameters
    ----------
    X : array-like of float, shape (n, d)
    y : array-like of float, shape (n,)

    Returns
    -------
    (ndarray of shape (d,), float)
        ``(w, sigma)``, sigma a standard deviation.

    Hint: what stops the optimiser from trying a negative sigma? (Searching
    over log(sigma) does.) Where should the search start: is w = 0 with sigma
    the standard deviation of y a sensible point? Does ``result.success`` say
    it converged?
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, d = X.shape
    # Standardise so one tolerance suits any scale of data; undo it at the end.
    x_scale = np.sqrt(np.mean(X**2, axis=0))
    x_scale[x_scale == 0] = 1.0
    y_scale = np.sqrt(np.mean(y**2)) or 1.0
    Xs, ys = X / x_scale, y / y_scale

    def nll(theta):
        w, log_sigma = theta[:d], theta[d]
        return gaussian_nll(ys, Xs @ w, np.exp(log_sigma)) / n

    def grad(theta):
        w, log_sigma = theta[:d], theta[d]
        r = ys - Xs @ w
        var = np.exp(2 * log_sigma)
        return np.append(-(Xs.T @ r) / (n * var), 1.0 - np.mean(r**2) / var)

    x0 = np.zeros(d + 1)
    result = minimize(nll, x0, jac=grad, method="BFGS", options={"gtol": 1e-12, "maxiter": 10_000})
    w = result.x[:d] * y_scale / x_scale
    sigma = float(np.exp(result.x[d]) * y_scale)
    return w, sigma


def laplace_nll(y, y_pred, b):
    """Negative log-likelihood under Laplace noise, y_i ~ Laplace(y_pred_i, b).

        NLL = -sum_i log( exp(-|y_i - y_pred_i| / b) / (2 b) )
            = n log(2 b) + sum_i |y_i - y_pred_i| / b

    Minimising it over the predictions minimises the mean absolute error.

    Parameters
    ----------
    y, y_pred : array-like of float, shape (n,)
    b : float, > 0, the Laplace scale

    Returns
    -------
    float
        A sum over the data points.

    Hint: what takes the place of the squared residual of the Gaussian?
    """
    residuals = np.asarray(y, dtype=float) - np.asarray(y_pred, dtype=float)
    return float(residuals.size * np.log(2 * b) + np.sum(np.abs(residuals)) / b)


def bernoulli_nll(y, p):
    """Negative log-likelihood of binary labels y under y_i ~ Bernoulli(p_i).

        NLL = -sum_i [ y_i log(p_i) + (1 - y_i) log(1 - p_i) ]

    This is binary cross-entropy written as a sum.

    Parameters
    ----------
    y : array-like of 0s and 1s, shape (n,)
    p : array-like of float in (0, 1), shape (n,), the predicted P(y_i = 1)

    Returns
    -------
    float

    Hint: which label goes with log(p), and which with log(1 - p)?
    ``np.log1p(-p)`` is a more accurate log(1 - p) when p is tiny.
    """
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    return float(-np.sum(y * np.log(p) + (1 - y) * np.log1p(-p)))
