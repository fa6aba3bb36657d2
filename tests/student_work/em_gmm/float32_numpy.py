"""EM for a 1-D mixture, in float32."""
import numpy as np
from scipy.special import logsumexp

F = np.float32


def log_joint(x, weights, means, variances):
    x = np.asarray(x, dtype=F)[:, None]
    w = np.asarray(weights, dtype=F)
    m = np.asarray(means, dtype=F)
    v = np.asarray(variances, dtype=F)
    return np.log(w) - F(0.5) * np.log(F(2 * np.pi) * v) - (x - m) ** 2 / (2 * v)


def gmm_log_likelihood(x, weights, means, variances):
    return np.sum(logsumexp(log_joint(x, weights, means, variances), axis=1))


def e_step(x, weights, means, variances):
    a = log_joint(x, weights, means, variances)
    return np.exp(a - logsumexp(a, axis=1, keepdims=True))


def m_step(x, resp):
    x = np.asarray(x, dtype=F)
    resp = np.asarray(resp, dtype=F)
    nk = resp.sum(axis=0)
    weights = nk / len(x)
    means = resp.T @ x / nk
    variances = np.sum(resp * (x[:, None] - means) ** 2, axis=0) / nk
    return weights, means, variances


def fit_gmm_em(x, weights, means, variances, n_iter=20):
    x = np.asarray(x, dtype=F)
    w, m, v = (np.asarray(p, dtype=F) for p in (weights, means, variances))
    hist = {"weights": [w], "means": [m], "variances": [v],
            "log_likelihood": [gmm_log_likelihood(x, w, m, v)]}
    for _ in range(n_iter):
        w, m, v = m_step(x, e_step(x, w, m, v))
        hist["weights"].append(w)
        hist["means"].append(m)
        hist["variances"].append(v)
        hist["log_likelihood"].append(gmm_log_likelihood(x, w, m, v))
    return {k: np.array(val) for k, val in hist.items()}


def plot_em_history(history):
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(4, 1, sharex=True)
    for ax, key in zip(axes, ["means", "variances", "weights", "log_likelihood"]):
        ax.plot(np.asarray(history[key], dtype=F))  # float32 throughout, the plot too
        ax.set_ylabel(key)
    axes[-1].set_xlabel("iteration")
    return fig
