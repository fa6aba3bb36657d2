import numpy as np
from scipy.special import logsumexp
from scipy.stats import norm


def _log_terms(x, weights, means, variances):
    x = np.asarray(x, dtype=float).reshape(-1, 1)
    return np.log(weights) + norm.logpdf(x, loc=np.asarray(means), scale=np.sqrt(variances))


def gmm_log_likelihood(x, weights, means, variances):
    ll = logsumexp(_log_terms(x, weights, means, variances), axis=1).sum()
    return ll


def e_step(x, weights, means, variances):
    a = norm.logpdf(np.asarray(x, dtype=float)[:, None], loc=np.asarray(means), scale=np.sqrt(variances))
    log_r = a - logsumexp(a, axis=1)[:, None]
    return np.exp(log_r)


def m_step(x, resp):
    x = np.asarray(x, dtype=float)
    Nk = np.sum(resp, axis=0)
    pis = Nk / len(x)
    mus = np.sum(resp * x[:, None], axis=0) / Nk
    sig2 = np.sum(resp * (x[:, None] - mus) ** 2, axis=0) / Nk
    return pis, mus, sig2


def fit_gmm_em(x, weights, means, variances, n_iter=20):
    history = {"weights": [], "means": [], "variances": [], "log_likelihood": []}
    params = (np.array(weights, float), np.array(means, float), np.array(variances, float))
    for it in range(n_iter + 1):
        ll = gmm_log_likelihood(x, *params)
        print(f"iteration {it}: weights={params[0]} means={params[1]} variances={params[2]} ll={ll:.4f}")
        for key, value in zip(["weights", "means", "variances"], params):
            history[key].append(value)
        history["log_likelihood"].append(ll)
        if it < n_iter:
            params = m_step(x, e_step(x, *params))
    return {key: np.array(value) for key, value in history.items()}


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
