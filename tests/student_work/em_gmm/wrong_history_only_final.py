"""EM with (K, n) arrays and einsum; the fit keeps the log-likelihood of every round but
only the final parameters."""
import numpy as np


def _log_weighted(x, weights, means, variances):
    x = np.atleast_1d(np.asarray(x, dtype=float))
    mu = np.asarray(means, dtype=float)[:, None]
    var = np.asarray(variances, dtype=float)[:, None]
    w = np.asarray(weights, dtype=float)[:, None]
    return np.log(w) - 0.5 * np.log(2 * np.pi * var) - 0.5 * (x[None, :] - mu) ** 2 / var  # (K, n)


def _lse(a):
    top = a.max(axis=0)
    return top + np.log(np.exp(a - top).sum(axis=0))


def gmm_log_likelihood(x, weights, means, variances):
    return float(_lse(_log_weighted(x, weights, means, variances)).sum())


def e_step(x, weights, means, variances):
    a = _log_weighted(x, weights, means, variances)
    return np.exp(a - _lse(a)).T


def m_step(x, resp):
    x = np.asarray(x, dtype=float)
    r = np.asarray(resp, dtype=float)
    nk = np.einsum("ik->k", r)
    mu = np.einsum("ik,i->k", r, x) / nk
    var = np.einsum("ik,ik->k", r, (x[:, None] - mu[None, :]) ** 2) / nk
    return nk / r.shape[0], mu, var


def fit_gmm_em(x, weights, means, variances, n_iter=20):
    x = np.asarray(x, dtype=float)
    w, mu, var = np.array(weights, float), np.array(means, float), np.array(variances, float)
    lls = [gmm_log_likelihood(x, w, mu, var)]
    for _ in range(n_iter):
        w, mu, var = m_step(x, e_step(x, w, mu, var))
        lls.append(gmm_log_likelihood(x, w, mu, var))
    return {"weights": w, "means": mu, "variances": var, "log_likelihood": np.array(lls)}


def plot_em_history(history):
    import matplotlib.pyplot as plt
    fig, axs = plt.subplots(1, 4, figsize=(16, 3))
    names = ["means", "variances", "weights", "log_likelihood"]
    for ax, name in zip(axs, names):
        values = np.asarray(history[name])
        iters = np.arange(values.shape[0])
        if values.ndim == 1:
            ax.plot(iters, values)
        else:
            for k in range(values.shape[1]):
                ax.plot(iters, values[:, k], label=f"k={k}")
        ax.set_xlabel("iteration")
        ax.set_ylabel(name)
    return fig
