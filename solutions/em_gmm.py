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


### BEGIN SOLUTION
def _log_joint(x, weights, means, variances):
    """log(pi_k) + log N(x_i; mu_k, sigma_k^2) for every point and component, (n, K).

    Built one component per row, (K, n), and returned transposed: the same
    numbers, but each component's column is contiguous in memory, so the sums
    and maxima over k that follow run several times faster for large n.
    """
    x = np.asarray(x, dtype=float)[None, :]
    means = np.asarray(means, dtype=float)[:, None]
    variances = np.asarray(variances, dtype=float)[:, None]
    log_density = -0.5 * (np.log(2 * np.pi * variances) + (x - means) ** 2 / variances)
    return (np.log(np.asarray(weights, dtype=float))[:, None] + log_density).T


def _log_sum_exp_rows(a):
    """log sum_k exp(a_ik) for every row, as a column (n, 1).

    Each row is shifted by its largest term, so exp never underflows for
    every k at once. Written out because scipy.special.logsumexp, which
    gives the same numbers, takes about 3x as long on (10^6, K) arrays.
    """
    top = np.max(a, axis=1, keepdims=True)
    return top + np.log(np.sum(np.exp(a - top), axis=1, keepdims=True))
### END SOLUTION


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
    ### BEGIN SOLUTION
    return float(np.sum(_log_sum_exp_rows(_log_joint(x, weights, means, variances))))
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    log_joint = _log_joint(x, weights, means, variances)
    return np.exp(log_joint - _log_sum_exp_rows(log_joint))
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    resp = np.asarray(resp, dtype=float)
    nk = resp.sum(axis=0)
    weights = nk / x.size
    means = resp.T @ x / nk
    variances = np.sum(resp * (x[:, None] - means[None, :]) ** 2, axis=0) / nk
    return weights, means, variances
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    params = tuple(np.array(p, dtype=float) for p in (weights, means, variances))
    rows = [params]
    for _ in range(n_iter):
        params = m_step(x, e_step(x, *params))
        rows.append(params)
    return {
        "weights": np.array([row[0] for row in rows]),
        "means": np.array([row[1] for row in rows]),
        "variances": np.array([row[2] for row in rows]),
        "log_likelihood": np.array([gmm_log_likelihood(x, *row) for row in rows]),
    }
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    log_likelihood = np.asarray(history["log_likelihood"], dtype=float)
    iterations = np.arange(log_likelihood.size)
    fig, axes = plt.subplots(2, 2, figsize=(10, 6.5), sharex=True, layout="constrained")
    panels = [
        (axes[0, 0], "means", "mean $\\mu_k$", "Means"),
        (axes[0, 1], "variances", "variance $\\sigma_k^2$", "Variances"),
        (axes[1, 0], "weights", "weight $\\pi_k$", "Mixing weights"),
    ]
    colours = plt.get_cmap("tab10").colors
    for ax, key, ylabel, title in panels:
        values = np.asarray(history[key], dtype=float)
        for k in range(values.shape[1]):
            ax.plot(iterations, values[:, k], marker="o", markersize=3.5, linewidth=1.8,
                    color=colours[k % len(colours)], label=f"component {k}")
        ax.set_ylabel(ylabel)
        ax.set_title(title, loc="left", fontweight="bold")
    axes[1, 0].set_ylim(0, 1)
    axes[0, 0].legend(frameon=False)
    ax = axes[1, 1]
    ax.plot(iterations, log_likelihood, marker="o", markersize=3.5, linewidth=1.8,
            color="0.15", label="log-likelihood")
    ax.set_ylabel("log-likelihood $\\ell$")
    ax.set_title("Log-likelihood (never decreases)", loc="left", fontweight="bold")
    for ax in axes[1]:
        ax.set_xlabel("iteration")
    axes[1, 1].annotate(f"final: {log_likelihood[-1]:.2f}", xy=(iterations[-1], log_likelihood[-1]),
                        xytext=(0, -14), textcoords="offset points", ha="right", va="top",
                        fontsize="small", color="0.3")
    for ax in axes.flat:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
        ax.grid(alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(f"EM for a {values.shape[1]}-component Gaussian mixture, "
                 f"{iterations[-1]} iterations", fontsize=13)
    return fig
    ### END SOLUTION
