"""Classic mistakes and correct alternatives for exercise 3 (EM for a Gaussian mixture)."""

from tests.variants import Alternative, Mutant

LL, E, M, FIT, PLOT = "gmm_log_likelihood", "e_step", "m_step", "fit_gmm_em", "plot_em_history"

MUTANTS = [
    # ---- the classic mistakes -------------------------------------------------------------
    Mutant("responsibilities not normalised",
           bodies={E: "return np.exp(_log_joint(x, weights, means, variances))"},
           hits=frozenset({E}), says="not normalised"),
    Mutant("E-step ignores the mixing weights",
           bodies={E: """
               log_density = _log_joint(x, np.ones(len(weights)), means, variances)
               return np.exp(log_density - logsumexp(log_density, axis=1, keepdims=True))
           """},
           hits=frozenset({E}), says="ignores the mixing weights"),
    Mutant("M-step variance divided by n",
           edits=(("axis=0) / nk\n    return weights", "axis=0) / x.size\n    return weights"),),
           hits=frozenset({M}), says="divide by n instead of N_k"),
    Mutant("weights not divided by n",
           edits=(("weights = nk / x.size", "weights = nk"),),
           hits=frozenset({M}), says="The weights are N_k"),
    Mutant("standard deviations returned for variances",
           edits=(("    return weights, means, variances\n", "    return weights, means, np.sqrt(variances)\n"),),
           hits=frozenset({M}), says="standard deviations"),
    Mutant("mixture log-likelihood without log-sum-exp",
           bodies={LL: """
               x = np.asarray(x, dtype=float)[:, None]
               variances = np.asarray(variances, dtype=float)
               density = np.exp(-(x - np.asarray(means)) ** 2 / (2 * variances)) / np.sqrt(2 * np.pi * variances)
               return float(np.sum(np.log(density @ np.asarray(weights, dtype=float))))
           """},
           hits=frozenset({LL}), says="without log-sum-exp"),
    Mutant("history without the initial row",
           edits=(("    rows = [params]\n", "    rows = []\n"),),
           hits=frozenset({FIT}), says="no initial row"),
    Mutant("log-likelihood evaluated one row late",
           edits=(("gmm_log_likelihood(x, *row) for row in rows])",
                   "gmm_log_likelihood(x, *row) for row in rows[1:] + rows[-1:]])"),),
           hits=frozenset({FIT}), says="evaluated at row t + 1"),
    Mutant("M-step variances use the old means",
           bodies={FIT: """
               x = np.asarray(x, dtype=float)
               w, m, v = (np.array(p, dtype=float) for p in (weights, means, variances))
               rows = [(w, m, v)]
               for _ in range(n_iter):
                   resp = e_step(x, w, m, v)
                   nk = resp.sum(axis=0)
                   v = np.sum(resp * (x[:, None] - m) ** 2, axis=0) / nk
                   m = resp.T @ x / nk
                   w = nk / x.size
                   rows.append((w, m, v))
               return {
                   "weights": np.array([r[0] for r in rows]),
                   "means": np.array([r[1] for r in rows]),
                   "variances": np.array([r[2] for r in rows]),
                   "log_likelihood": np.array([gmm_log_likelihood(x, *r) for r in rows]),
               }
           """},
           hits=frozenset({FIT}), says="old means"),
    Mutant("plot shows only the log-likelihood",
           bodies={PLOT: """
               import matplotlib.pyplot as plt
               fig, ax = plt.subplots()
               ax.plot(history["log_likelihood"], marker="o")
               ax.set_xlabel("iteration")
               ax.set_ylabel("log-likelihood")
               return fig
           """},
           hits=frozenset({PLOT}), says="no line of the figure shows the means"),
    Mutant("plot without axis labels",
           bodies={PLOT: """
               import matplotlib.pyplot as plt
               fig, axes = plt.subplots(2, 2)
               for ax, key in zip(axes.flat, ["means", "variances", "weights", "log_likelihood"]):
                   ax.plot(history[key])
                   ax.set_title(key)
               return fig
           """},
           hits=frozenset({PLOT}), says="axes are not labelled"),
    Mutant("plot shows standard deviations for variances",
           edits=(("        values = np.asarray(history[key], dtype=float)\n",
                   "        values = np.asarray(history[key], dtype=float)\n"
                   "        values = np.sqrt(values) if key == \"variances\" else values\n"),),
           hits=frozenset({PLOT}), says="plots standard deviations"),
    # ---- more realistic mistakes ------------------------------------------------------------
    Mutant("E-step as a ratio of densities (0/0 far away)",
           bodies={E: """
               x = np.asarray(x, dtype=float)[:, None]
               variances = np.asarray(variances, dtype=float)
               density = np.exp(-(x - np.asarray(means)) ** 2 / (2 * variances)) / np.sqrt(2 * np.pi * variances)
               joint = density * np.asarray(weights, dtype=float)
               return joint / joint.sum(axis=1, keepdims=True)
           """},
           hits=frozenset({E}), says="0/0 = NaN"),
    Mutant("E-step normalises over the points",
           bodies={E: """
               joint = np.exp(_log_joint(x, weights, means, variances))
               return joint / joint.sum(axis=0, keepdims=True)
           """},
           hits=frozenset({E}), says="normalises over the points"),
    Mutant("E-step returns (K, n)",
           edits=(("return np.exp(log_joint - _log_sum_exp_rows(log_joint))",
                   "return np.exp(log_joint - _log_sum_exp_rows(log_joint)).T"),),
           hits=frozenset({E}), says="transpose"),
    Mutant("E-step makes hard assignments",
           bodies={E: """
               log_joint = _log_joint(x, weights, means, variances)
               return np.eye(log_joint.shape[1])[np.argmax(log_joint, axis=1)]
           """},
           hits=frozenset({E}), says="hard 0/1 assignments"),
    Mutant("log-likelihood ignores the mixing weights",
           bodies={LL: "return float(np.sum(logsumexp(_log_joint(x, np.ones(len(weights)), means, variances), axis=1)))"},
           hits=frozenset({LL}), says="ignores the mixing weights"),
    Mutant("log-likelihood averaged over points",
           bodies={LL: "return float(np.mean(logsumexp(_log_joint(x, weights, means, variances), axis=1)))"},
           hits=frozenset({LL}), says="mean over the points"),
    Mutant("log-likelihood as a sum of logs over components",
           bodies={LL: "return float(np.sum(_log_joint(x, weights, means, variances)))"},
           hits=frozenset({LL}), says="log goes outside the sum"),
    Mutant("log-likelihood squares the variances",
           bodies={LL: "return float(np.sum(logsumexp(_log_joint(x, weights, means, np.square(variances)), axis=1)))"},
           hits=frozenset({LL}), says="squares the variances"),
    Mutant("M-step means divided by n",
           edits=(("means = resp.T @ x / nk", "means = resp.T @ x / x.size"),),
           hits=frozenset({M}), says="means divide by n"),
    Mutant("M-step returns the parameters in the wrong order",
           edits=(("    return weights, means, variances\n", "    return means, variances, weights\n"),),
           hits=frozenset({M}), says="wrong order"),
    Mutant("EM stops early at convergence",
           edits=(("        params = m_step(x, e_step(x, *params))\n        rows.append(params)\n",
                   "        new = m_step(x, e_step(x, *params))\n"
                   "        if np.allclose(new[1], params[1], rtol=1e-4):\n"
                   "            break\n"
                   "        params = new\n        rows.append(params)\n"),),
           hits=frozenset({FIT}), says="do not stop early"),
    Mutant("EM loop over range(1, n_iter)",
           edits=(("    for _ in range(n_iter):\n        params = m_step", "    for _ in range(1, n_iter):\n        params = m_step"),),
           hits=frozenset({FIT}), says="ends one round early"),
    Mutant("history holds only the final parameters",
           edits=(('"weights": np.array([row[0] for row in rows])', '"weights": rows[-1][0]'),
                  ('"means": np.array([row[1] for row in rows])', '"means": rows[-1][1]'),
                  ('"variances": np.array([row[2] for row in rows])', '"variances": rows[-1][2]')),
           hits=frozenset({FIT}), says="only the final weights"),
    Mutant("log-likelihood recorded before the M-step",
           bodies={FIT: """
               x = np.asarray(x, dtype=float)
               w, m, v = (np.array(p, dtype=float) for p in (weights, means, variances))
               hist = {"weights": [w], "means": [m], "variances": [v], "log_likelihood": [gmm_log_likelihood(x, w, m, v)]}
               for _ in range(n_iter):
                   resp = e_step(x, w, m, v)
                   hist["log_likelihood"].append(gmm_log_likelihood(x, w, m, v))
                   w, m, v = m_step(x, resp)
                   hist["weights"].append(w)
                   hist["means"].append(m)
                   hist["variances"].append(v)
               return {key: np.array(value) for key, value in hist.items()}
           """},
           hits=frozenset({FIT}), says="recorded before the M-step"),
    Mutant("log-density without the 1/2 on the quadratic term",
           edits=(("log_density = -0.5 * (np.log(2 * np.pi * variances) + (x - means) ** 2 / variances)",
                   "log_density = -0.5 * np.log(2 * np.pi * variances) - (x - means) ** 2 / variances"),),
           hits=frozenset({LL, E}), says="missing its 1/2"),
    Mutant("history stores standard deviations",
           edits=(('"variances": np.array([row[2] for row in rows])',
                   '"variances": np.sqrt(np.array([row[2] for row in rows]))'),),
           hits=frozenset({FIT}), says="The history holds standard deviations"),
    Mutant("EM updates the caller's arrays in place",
           bodies={FIT: """
               x = np.asarray(x, dtype=float)
               w, m, v = (np.asarray(p, dtype=float) for p in (weights, means, variances))
               rows = [(w.copy(), m.copy(), v.copy())]
               for _ in range(n_iter):
                   w[:], m[:], v[:] = m_step(x, e_step(x, w, m, v))
                   rows.append((w.copy(), m.copy(), v.copy()))
               return {
                   "weights": np.array([r[0] for r in rows]),
                   "means": np.array([r[1] for r in rows]),
                   "variances": np.array([r[2] for r in rows]),
                   "log_likelihood": np.array([gmm_log_likelihood(x, *r) for r in rows]),
               }
           """},
           hits=frozenset({FIT}), says="changed its input"),
    Mutant("calls sklearn.mixture.GaussianMixture",
           bodies={FIT: """
               import warnings
               from sklearn.mixture import GaussianMixture
               x = np.asarray(x, dtype=float)
               rows = [tuple(np.array(p, dtype=float) for p in (weights, means, variances))]
               for t in range(1, n_iter + 1):
                   model = GaussianMixture(len(rows[0][1]), covariance_type="spherical", max_iter=t,
                                           tol=0, reg_covar=0, weights_init=rows[0][0],
                                           means_init=rows[0][1][:, None], precisions_init=1 / rows[0][2])
                   with warnings.catch_warnings():
                       warnings.simplefilter("ignore")
                       model.fit(x[:, None])
                   rows.append((model.weights_, model.means_[:, 0], model.covariances_))
               return {
                   "weights": np.array([r[0] for r in rows]),
                   "means": np.array([r[1] for r in rows]),
                   "variances": np.array([r[2] for r in rows]),
                   "log_likelihood": np.array([gmm_log_likelihood(x, *r) for r in rows]),
               }
           """},
           hits=frozenset({FIT}), says="sklearn.mixture", status="forbidden"),
    Mutant("plot shown, not returned",
           edits=(("    return fig\n    ### END SOLUTION", "    plt.show()\n    ### END SOLUTION"),),
           hits=frozenset({PLOT}), says="should return a matplotlib Figure"),
]

ALTERNATIVES = [
    Alternative("plain Python loops and math", bodies={
        LL: """
            import math
            total = 0.0
            for value in x:
                terms = [math.log(w) - 0.5 * math.log(2 * math.pi * v) - (value - m) ** 2 / (2 * v)
                         for w, m, v in zip(weights, means, variances)]
                top = max(terms)
                total += top + math.log(sum(math.exp(t - top) for t in terms))
            return total
        """,
        E: """
            import math
            rows = []
            for value in x:
                terms = [math.log(w) - 0.5 * math.log(2 * math.pi * v) - (value - m) ** 2 / (2 * v)
                         for w, m, v in zip(weights, means, variances)]
                top = max(terms)
                shifted = [math.exp(t - top) for t in terms]
                rows.append([s / sum(shifted) for s in shifted])
            return np.array(rows)
        """,
        M: """
            values = [float(v) for v in x]
            rows = [[float(r) for r in row] for row in resp]
            n, k = len(values), len(rows[0])
            weights, means, variances = [], [], []
            for j in range(k):
                nk = sum(row[j] for row in rows)
                mu = sum(row[j] * v for row, v in zip(rows, values)) / nk
                weights.append(nk / n)
                means.append(mu)
                variances.append(sum(row[j] * (v - mu) ** 2 for row, v in zip(rows, values)) / nk)
            return weights, means, variances
        """,
        FIT: """
            history = {"weights": [list(weights)], "means": [list(means)], "variances": [list(variances)]}
            for _ in range(n_iter):
                w, m, v = m_step(x, e_step(x, history["weights"][-1], history["means"][-1],
                                           history["variances"][-1]))
                history["weights"].append(w)
                history["means"].append(m)
                history["variances"].append(v)
            history["log_likelihood"] = [
                gmm_log_likelihood(x, w, m, v)
                for w, m, v in zip(history["weights"], history["means"], history["variances"])]
            return history
        """,
    }),
    Alternative("scipy.stats densities, np.average and preallocated history", bodies={
        LL: """
            from scipy import stats
            logs = np.log(weights) + stats.norm.logpdf(np.asarray(x, dtype=float)[:, None], loc=means,
                                                      scale=np.sqrt(variances))
            return float(logsumexp(logs, axis=1).sum())
        """,
        E: """
            from scipy import stats
            logs = np.log(weights) + stats.norm.logpdf(np.asarray(x, dtype=float)[:, None], loc=means,
                                                      scale=np.sqrt(variances))
            top = logs.max(axis=1, keepdims=True)
            shifted = np.exp(logs - top)
            return shifted / shifted.sum(axis=1, keepdims=True)
        """,
        M: """
            x = np.asarray(x, dtype=float)
            resp = np.asarray(resp, dtype=float)
            means = np.array([np.average(x, weights=resp[:, k]) for k in range(resp.shape[1])])
            variances = np.array([np.average((x - means[k]) ** 2, weights=resp[:, k])
                                  for k in range(resp.shape[1])])
            return resp.mean(axis=0), means, variances
        """,
        FIT: """
            x = np.asarray(x, dtype=float)
            k = len(weights)
            out = {key: np.empty((n_iter + 1, k)) for key in ("weights", "means", "variances")}
            out["log_likelihood"] = np.empty(n_iter + 1)
            params = [np.array(weights, dtype=float), np.array(means, dtype=float), np.array(variances, dtype=float)]
            for t in range(n_iter + 1):
                if t > 0:
                    r = e_step(x, *params)
                    nk = np.einsum("ik->k", r)
                    mu = np.einsum("ik,i->k", r, x) / nk
                    params = [nk / len(x), mu, np.einsum("ik,ik->k", r, (x[:, None] - mu) ** 2) / nk]
                for key, value in zip(("weights", "means", "variances"), params):
                    out[key][t] = value
                out["log_likelihood"][t] = gmm_log_likelihood(x, *params)
            return out
        """,
    }),
    Alternative("pyplot state machine, stacked panels, 2-D plot calls", bodies={
        PLOT: """
            import matplotlib.pyplot as plt
            plt.figure(figsize=(6, 9))
            for i, (key, label) in enumerate([("means", "mu"), ("variances", "sigma^2"), ("weights", "pi"),
                                              ("log_likelihood", "log-likelihood")]):
                plt.subplot(4, 1, i + 1)
                plt.plot(history[key])
                plt.ylabel(label)
            plt.xlabel("EM iteration")
            return plt.gcf()
        """,
    }),
    Alternative("scatter markers and lists", bodies={
        PLOT: """
            import matplotlib.pyplot as plt
            fig, axes = plt.subplots(1, 4, figsize=(16, 3))
            steps = list(range(len(history["log_likelihood"])))
            for ax, key in zip(axes, ["means", "variances", "weights"]):
                values = np.asarray(history[key])
                for k in range(values.shape[1]):
                    ax.scatter(steps, values[:, k].tolist(), label=f"k={k}")
                ax.set_ylabel(key)
                ax.set_xlabel("iteration")
            axes[3].plot(steps, list(history["log_likelihood"]), "k-")
            axes[3].set_ylabel("log L")
            axes[3].set_xlabel("iteration")
            return fig
        """,
    }),
]
