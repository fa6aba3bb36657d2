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
    # YOUR CODE HERE
    raise NotImplementedError()


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
    # YOUR CODE HERE
    raise NotImplementedError()


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
    # YOUR CODE HERE
    raise NotImplementedError()


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
    # YOUR CODE HERE
    raise NotImplementedError()


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
    # YOUR CODE HERE
    raise NotImplementedError()


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
    # YOUR CODE HERE
    raise NotImplementedError()


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
    # YOUR CODE HERE
    raise NotImplementedError()
