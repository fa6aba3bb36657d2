import numpy as np
from scipy.special import logsumexp


def gmm_log_likelihood(x, weights, means, variances):
    x = np.asarray(x, float)[:, None]
    a = np.log(weights) - 0.5 * np.log(2 * np.pi * np.asarray(variances)) - (x - means) ** 2 / (2 * np.asarray(variances))
    return float(np.sum(logsumexp(a, axis=1)))


def e_step(x, weights, means, variances):
    x = np.asarray(x, float)[:, None]
    a = np.log(weights) - 0.5 * np.log(2 * np.pi * np.asarray(variances)) - (x - means) ** 2 / (2 * np.asarray(variances))
    return np.exp(a - logsumexp(a, axis=1, keepdims=True))


def m_step(x, resp):
    x = np.asarray(x, float)
    resp = np.asarray(resp, float)
    nk = resp.sum(0)
    mu = (resp * x[:, None]).sum(0) / nk
    return nk / len(x), mu, (resp * (x[:, None] - mu) ** 2).sum(0) / nk


def fit_gmm_em(x, weights, means, variances, n_iter=20):
    w, m, v = np.array(weights, float), np.array(means, float), np.array(variances, float)
    ws, ms, vs, lls = [w], [m], [v], [gmm_log_likelihood(x, w, m, v)]
    for iteration in range(n_iter):
        resp = e_step(x, w, m, v)
        lls.append(gmm_log_likelihood(x, w, m, v))  # track progress
        w, m, v = m_step(x, resp)
        ws.append(w); ms.append(m); vs.append(v)
    return dict(weights=np.array(ws), means=np.array(ms), variances=np.array(vs), log_likelihood=np.array(lls))


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
