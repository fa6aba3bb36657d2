"""Exercise 3: the EM algorithm for a 1-D mixture of Gaussians, from scratch.

The data come from K Gaussian "bells", but nobody tells us which bell made
which point. EM alternates two steps:

* E-step: with the current parameters, colour every point by how probably
  each bell made it (the responsibilities, one row per point, summing to 1);
* M-step: refit every bell by weighted maximum likelihood, each point counting
  with its responsibility.

Each round never lowers the log-likelihood. Parameters are ``weights`` (the
mixing proportions pi, shape (K,), summing to 1), ``means`` (K,) and
``variances`` (K,): variances sigma^2, not standard deviations.

Run the public tests with ``pytest test_em_gmm.py``.
"""

import numpy as np
from scipy.special import logsumexp  # noqa: F401  (a stable log-sum-exp, there for you to use)

#: The mixture the lesson samples from: two overlapping bells.
TRUE_WEIGHTS = np.array([0.4, 0.6])
TRUE_MEANS = np.array([-2.0, 3.0])
TRUE_VARIANCES = np.array([1.0, 2.25])


def sample_mixture(n=500, weights=TRUE_WEIGHTS, means=TRUE_MEANS, variances=TRUE_VARIANCES, seed=0):
    """Draw n points from a 1-D Gaussian mixture; returns ``(x, labels)``.

    ``labels[i]`` is the component that generated ``x[i]``: EM never sees it,
    but you can use it to check what EM found.
    """
    rng = np.random.default_rng(seed)
    labels = rng.choice(len(weights), size=n, p=weights)
    x = rng.normal(np.asarray(means)[labels], np.sqrt(np.asarray(variances))[labels])
    return x, labels


def gmm_log_likelihood(x, weights, means, variances):
    """Log-likelihood of a Gaussian mixture:

        l = sum_i log sum_k pi_k N(x_i; mu_k, sigma_k^2)

    Returns
    -------
    float
        Finite even for a point so far from every component that each
        density underflows to 0.

    Hint: for a point 40 standard deviations from every bell, each density
    underflows to 0.0, and log(0) = -inf. Can you work with the logs
    a_k = log pi_k + log N(x_i; mu_k, sigma_k^2) and take log sum_k exp(a_k)
    without ever forming exp(a_k) on its own? (What does subtracting
    max_k a_k first buy you? ``scipy.special.logsumexp`` is fair to use.)
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def e_step(x, weights, means, variances):
    """E-step: the responsibilities

        r_ik = pi_k N(x_i; mu_k, sigma_k^2) / sum_j pi_j N(x_i; mu_j, sigma_j^2)

    Returns
    -------
    ndarray, shape (n, K)
        Every row sums to 1, even for points far from every component.

    Hint: if every density of a far point underflows to 0, the ratio is
    0 / 0. What is log r_ik in terms of the logs a_k of
    gmm_log_likelihood's hint, and is exp of that safe?
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def m_step(x, resp):
    """M-step: the parameters that maximise the expected complete-data log-likelihood.

    With N_k = sum_i r_ik (the effective number of points of component k):

        pi_k      = N_k / n
        mu_k      = (1 / N_k) sum_i r_ik x_i
        sigma_k^2 = (1 / N_k) sum_i r_ik (x_i - mu_k)^2

    Parameters
    ----------
    x : array-like of float, shape (n,)
    resp : array-like of float, shape (n, K), rows summing to 1

    Returns
    -------
    (weights, means, variances), each an ndarray of shape (K,)

    Hint: which mean belongs in sigma_k^2, the one you were given or the one
    you have just computed? And what does each weight divide by?
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def fit_gmm_em(x, weights, means, variances, n_iter=20):
    """Run n_iter rounds of EM from the given starting parameters.

    Returns
    -------
    dict
        ``"weights"``, ``"means"``, ``"variances"``: arrays of shape
        (n_iter + 1, K); ``"log_likelihood"``: shape (n_iter + 1,).
        Row 0 holds the starting parameters, row t the parameters after t
        rounds, and ``log_likelihood[t]`` is evaluated at row t.

    Hint: where does the starting point go before the first E-step? And
    does your log-likelihood ever go down from one row to the next? (EM
    never lowers it, so if yours does, a step is wrong.)
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def plot_em_history(history):
    """Plot how EM's parameters and log-likelihood evolve over the iterations.

    Draw four panels against the iteration number 0, 1, ..., n_iter: the
    means, the variances and the weights (one line per component, labelled)
    and the log-likelihood. Label every axis.

    Parameters
    ----------
    history : dict, as returned by ``fit_gmm_em``

    Returns
    -------
    matplotlib.figure.Figure
        Return the figure (do not only show it): the grader reads the data
        of its lines.
    """
    # YOUR CODE HERE
    raise NotImplementedError()
