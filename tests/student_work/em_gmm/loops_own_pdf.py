"""EM with explicit loops and my own Gaussian density (in log space)."""
import math

import numpy as np


def log_gauss(x, mu, var):
    return -0.5 * math.log(2 * math.pi * var) - (x - mu) ** 2 / (2 * var)


def log_sum_exp(values):
    m = max(values)
    if m == -math.inf:
        return m
    return m + math.log(sum(math.exp(v - m) for v in values))


def gmm_log_likelihood(x, weights, means, variances):
    total = 0.0
    for xi in x:
        terms = [math.log(weights[k]) + log_gauss(xi, means[k], variances[k]) for k in range(len(weights))]
        total += log_sum_exp(terms)
    return total


def e_step(x, weights, means, variances):
    n, K = len(x), len(weights)
    resp = np.zeros((n, K))
    for i in range(n):
        terms = [math.log(weights[k]) + log_gauss(x[i], means[k], variances[k]) for k in range(K)]
        norm = log_sum_exp(terms)
        for k in range(K):
            resp[i, k] = math.exp(terms[k] - norm)
    return resp


def m_step(x, resp):
    x = np.asarray(x, dtype=float)
    resp = np.asarray(resp, dtype=float)
    n, K = resp.shape
    weights, means, variances = np.zeros(K), np.zeros(K), np.zeros(K)
    for k in range(K):
        nk = 0.0
        s = 0.0
        for i in range(n):
            nk += resp[i, k]
            s += resp[i, k] * x[i]
        means[k] = s / nk
        v = 0.0
        for i in range(n):
            v += resp[i, k] * (x[i] - means[k]) ** 2
        variances[k] = v / nk
        weights[k] = nk / n
    return weights, means, variances


def fit_gmm_em(x, weights, means, variances, n_iter=20):
    x = [float(v) for v in x]
    w, m, v = list(weights), list(means), list(variances)
    W, M, V, L = [w], [m], [v], [gmm_log_likelihood(x, w, m, v)]
    for it in range(n_iter):
        r = e_step(x, w, m, v)
        w, m, v = m_step(x, r)
        W.append(w); M.append(m); V.append(v)
        L.append(gmm_log_likelihood(x, w, m, v))
    return {"weights": np.array(W), "means": np.array(M), "variances": np.array(V),
            "log_likelihood": np.array(L)}


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
