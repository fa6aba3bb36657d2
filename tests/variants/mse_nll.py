"""Classic mistakes and correct alternatives for exercise 2."""

from tests.variants import Alternative, Mutant

MUTANTS = [
    # --- mse -------------------------------------------------------------
    Mutant("mse divides by n-1",
           edits=(("return float(np.mean(residuals**2))",
                   "return float(np.sum(residuals**2) / (residuals.size - 1))"),),
           hits=frozenset({"mse"}), says="n - 1"),
    Mutant("mse summed instead of averaged",
           edits=(("return float(np.mean(residuals**2))", "return float(np.sum(residuals**2))"),),
           hits=frozenset({"mse"}), says="sum of the squared residuals"),
    Mutant("mse returns the RMSE",
           edits=(("return float(np.mean(residuals**2))", "return float(np.sqrt(np.mean(residuals**2)))"),),
           hits=frozenset({"mse"}), says="RMSE"),
    Mutant("mse squares the mean residual",
           edits=(("return float(np.mean(residuals**2))", "return float(np.mean(residuals) ** 2)"),),
           hits=frozenset({"mse"}), says="square of the mean residual"),

    # --- gaussian_nll ----------------------------------------------------
    Mutant("gaussian_nll with sigma for sigma^2",
           edits=(("0.5 * n * np.log(2 * np.pi * sigma**2) + np.sum(residuals**2) / (2 * sigma**2)",
                   "0.5 * n * np.log(2 * np.pi * sigma) + np.sum(residuals**2) / (2 * sigma)"),),
           hits=frozenset({"gaussian_nll"}), says="sigma where sigma^2 belongs"),
    Mutant("gaussian_nll with sigma for sigma^2 in the quadratic term only",
           edits=(("np.sum(residuals**2) / (2 * sigma**2)\n", "np.sum(residuals**2) / (2 * sigma)\n"),),
           hits=frozenset({"gaussian_nll"}), says="2 sigma where 2 sigma^2 belongs"),
    Mutant("gaussian_nll as a mean",
           bodies={"gaussian_nll": """
               residuals = np.asarray(y, dtype=float) - np.asarray(y_pred, dtype=float)
               return float(np.mean(0.5 * np.log(2 * np.pi * sigma**2) + residuals**2 / (2 * sigma**2)))
           """},
           hits=frozenset({"gaussian_nll"}), says="mean of the per-point NLLs"),
    Mutant("gaussian_nll missing the log(2 pi sigma^2) term",
           bodies={"gaussian_nll": """
               residuals = np.asarray(y, dtype=float) - np.asarray(y_pred, dtype=float)
               return float(np.sum(residuals**2) / (2 * sigma**2))
           """},
           hits=frozenset({"gaussian_nll"}), says="missing the (n/2) log(2 pi sigma^2) term"),
    Mutant("gaussian_nll missing the 2 pi",
           edits=(("0.5 * n * np.log(2 * np.pi * sigma**2) + np.sum(residuals**2)",
                   "0.5 * n * np.log(sigma**2) + np.sum(residuals**2)"),),
           hits=frozenset({"gaussian_nll"}), says="2 pi"),
    Mutant("gaussian_nll with the wrong sign",
           edits=(("    return float(\n        0.5 * n", "    return -float(\n        0.5 * n"),),
           hits=frozenset({"gaussian_nll"}), says="wrong sign"),
    Mutant("gaussian_nll squares the sum of the residuals",
           edits=(("np.sum(residuals**2) / (2 * sigma**2)\n", "np.sum(residuals) ** 2 / (2 * sigma**2)\n"),),
           hits=frozenset({"gaussian_nll"}), says="ranks them differently from the MSE"),
    Mutant("gaussian_nll as minus the log of a product of densities",
           bodies={"gaussian_nll": """
               residuals = np.asarray(y, dtype=float) - np.asarray(y_pred, dtype=float)
               density = np.exp(-residuals**2 / (2 * sigma**2)) / np.sqrt(2 * np.pi * sigma**2)
               return float(-np.log(np.prod(density)))
           """},
           hits=frozenset({"gaussian_nll"}), says="product"),

    # --- nll_from_mse ----------------------------------------------------
    Mutant("nll_from_mse missing the log term",
           edits=(("return float(0.5 * n * np.log(2 * np.pi * sigma**2) + n * mse_value / (2 * sigma**2))",
                   "return float(n * mse_value / (2 * sigma**2))"),),
           hits=frozenset({"nll_from_mse"}), says="missing the (n/2) log(2 pi sigma^2) term"),
    Mutant("nll_from_mse forgets the n on the MSE",
           edits=(("+ n * mse_value / (2 * sigma**2))", "+ mse_value / (2 * sigma**2))"),),
           hits=frozenset({"nll_from_mse"}), says="MSE where the sum of squares belongs"),
    Mutant("nll_from_mse with sigma for sigma^2",
           edits=(("return float(0.5 * n * np.log(2 * np.pi * sigma**2) + n * mse_value / (2 * sigma**2))",
                   "return float(0.5 * n * np.log(2 * np.pi * sigma) + n * mse_value / (2 * sigma))"),),
           hits=frozenset({"nll_from_mse"}), says="sigma where sigma^2 belongs"),
    Mutant("nll_from_mse without n/2 on the log",
           edits=(("return float(0.5 * n * np.log(2 * np.pi * sigma**2) + n * mse_value",
                   "return float(0.5 * np.log(2 * np.pi * sigma**2) + n * mse_value"),),
           hits=frozenset({"nll_from_mse"}), says="without the factor n/2"),

    # --- fit_linear_mse --------------------------------------------------
    Mutant("fit_linear_mse ignores the first column",
           bodies={"fit_linear_mse": """
               X = np.asarray(X, dtype=float)
               w, *_ = np.linalg.lstsq(X[:, 1:], np.asarray(y, dtype=float), rcond=None)
               return np.concatenate([[0.0], w])
           """},
           hits=frozenset({"fit_linear_mse"}), says="ignores column 0"),
    Mutant("fit_linear_mse drops the last column",
           edits=(("w, *_ = np.linalg.lstsq(X, y, rcond=None)\n    return w",
                   "w, *_ = np.linalg.lstsq(X[:, :-1], y, rcond=None)\n    return w"),),
           hits=frozenset({"fit_linear_mse"}), says="ignores a column"),
    Mutant("fit_linear_mse solves X w = y (normal equations without X^T)",
           edits=(("w, *_ = np.linalg.lstsq(X, y, rcond=None)\n    return w",
                   "return np.linalg.solve(X, y)"),),
           hits=frozenset({"fit_linear_mse"}), says="not square"),
    Mutant("fit_linear_mse with X^T X w = y (X^T missing on the right)",
           edits=(("w, *_ = np.linalg.lstsq(X, y, rcond=None)\n    return w",
                   "return np.linalg.inv(X.T @ X) @ y"),),
           hits=frozenset({"fit_linear_mse"}), says="right-hand side needs X^T"),
    Mutant("fit_linear_mse returns a column vector",
           edits=(("w, *_ = np.linalg.lstsq(X, y, rcond=None)\n    return w",
                   "return np.linalg.solve(X.T @ X, X.T @ y.reshape(-1, 1))"),),
           hits=frozenset({"fit_linear_mse"}), says="1-D array"),
    Mutant("fit_linear_mse returns the weights reversed (polyfit order)",
           edits=(("w, *_ = np.linalg.lstsq(X, y, rcond=None)\n    return w",
                   "w, *_ = np.linalg.lstsq(X, y, rcond=None)\n    return w[::-1]"),),
           hits=frozenset({"fit_linear_mse"}), says="reverse order"),
    Mutant("fit_linear_mse adds its own intercept",
           edits=(("w, *_ = np.linalg.lstsq(X, y, rcond=None)\n    return w",
                   "w, *_ = np.linalg.lstsq(np.column_stack([np.ones(len(X)), X]), y, rcond=None)\n"
                   "    return w"),),
           hits=frozenset({"fit_linear_mse"}), says="do not add an intercept"),
    Mutant("fit_linear_mse scales X in place",
           bodies={"fit_linear_mse": """
               X = np.asarray(X, dtype=float)
               scale = np.abs(X).max(axis=0)
               X /= scale
               w, *_ = np.linalg.lstsq(X, np.asarray(y, dtype=float), rcond=None)
               return w / scale
           """},
           hits=frozenset({"fit_linear_mse"}), says="changed its input"),

    # --- fit_linear_gaussian_nll -----------------------------------------
    Mutant("fit_linear_gaussian_nll reports the unbiased sigma (n - d)",
           edits=(("sigma = float(np.exp(result.x[d]) * y_scale)",
                   "sigma = float(np.exp(result.x[d]) * y_scale * np.sqrt(n / (n - d)))"),),
           hits=frozenset({"fit_linear_gaussian_nll"}), says="n - d"),
    Mutant("fit_linear_gaussian_nll reports sigma with n - 1",
           edits=(("sigma = float(np.exp(result.x[d]) * y_scale)",
                   "sigma = float(np.exp(result.x[d]) * y_scale * np.sqrt(n / (n - 1)))"),),
           hits=frozenset({"fit_linear_gaussian_nll"}), says="n - 1"),
    Mutant("fit_linear_gaussian_nll returns the variance for sigma",
           edits=(("sigma = float(np.exp(result.x[d]) * y_scale)",
                   "sigma = float((np.exp(result.x[d]) * y_scale) ** 2)"),),
           hits=frozenset({"fit_linear_gaussian_nll"}), says="variance"),
    Mutant("fit_linear_gaussian_nll returns log sigma",
           edits=(("sigma = float(np.exp(result.x[d]) * y_scale)",
                   "sigma = float(result.x[d] + np.log(y_scale))"),),
           hits=frozenset({"fit_linear_gaussian_nll"}), says="log(sigma)"),
    Mutant("fit_linear_gaussian_nll never optimises sigma",
           bodies={"fit_linear_gaussian_nll": """
               X = np.asarray(X, dtype=float)
               y = np.asarray(y, dtype=float)
               sigma = float(np.std(y))
               result = minimize(lambda w: gaussian_nll(y, X @ w, sigma), np.zeros(X.shape[1]),
                                 jac=lambda w: -(X.T @ (y - X @ w)) / sigma**2, method="BFGS",
                                 options={"gtol": 1e-10})
               return result.x, sigma
           """},
           hits=frozenset({"fit_linear_gaussian_nll"}), says="not optimised"),
    Mutant("fit_linear_gaussian_nll returns (sigma, w)",
           edits=(("    return w, sigma\n", "    return sigma, w\n"),),
           hits=frozenset({"fit_linear_gaussian_nll"}), says="the order is (w, sigma)"),
    Mutant("fit_linear_gaussian_nll stops far too early",
           edits=(('options={"gtol": 1e-12, "maxiter": 10_000}', 'options={"gtol": 1e-12, "maxiter": 3}'),),
           hits=frozenset({"fit_linear_gaussian_nll"}), says="converge"),

    # --- laplace_nll -----------------------------------------------------
    Mutant("laplace_nll with squared residuals",
           edits=(("np.sum(np.abs(residuals)) / b", "np.sum(residuals**2) / b"),),
           hits=frozenset({"laplace_nll"}), says="squares the residuals"),
    Mutant("laplace_nll missing n log(2b)",
           edits=(("return float(residuals.size * np.log(2 * b) + np.sum(np.abs(residuals)) / b)",
                   "return float(np.sum(np.abs(residuals)) / b)"),),
           hits=frozenset({"laplace_nll"}), says="missing the n log(2b) term"),
    Mutant("laplace_nll with log(b) for log(2b)",
           edits=(("residuals.size * np.log(2 * b)", "residuals.size * np.log(b)"),),
           hits=frozenset({"laplace_nll"}), says="n log(b)"),
    Mutant("laplace_nll as a mean",
           edits=(("return float(residuals.size * np.log(2 * b) + np.sum(np.abs(residuals)) / b)",
                   "return float(np.log(2 * b) + np.mean(np.abs(residuals)) / b)"),),
           hits=frozenset({"laplace_nll"}), says="mean"),

    # --- bernoulli_nll ---------------------------------------------------
    Mutant("bernoulli_nll with swapped terms",
           edits=(("return float(-np.sum(y * np.log(p) + (1 - y) * np.log1p(-p)))",
                   "return float(-np.sum(y * np.log1p(-p) + (1 - y) * np.log(p)))"),),
           hits=frozenset({"bernoulli_nll"}), says="swapped"),
    Mutant("bernoulli_nll as a mean (averaged cross-entropy)",
           edits=(("return float(-np.sum(y * np.log(p) + (1 - y) * np.log1p(-p)))",
                   "return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))"),),
           hits=frozenset({"bernoulli_nll"}), says="mean"),
    Mutant("bernoulli_nll with the wrong sign",
           edits=(("return float(-np.sum(y * np.log(p) + (1 - y) * np.log1p(-p)))",
                   "return float(np.sum(y * np.log(p) + (1 - y) * np.log1p(-p)))"),),
           hits=frozenset({"bernoulli_nll"}), says="wrong sign"),
    Mutant("bernoulli_nll forgets the label-0 term",
           edits=(("return float(-np.sum(y * np.log(p) + (1 - y) * np.log1p(-p)))",
                   "return float(-np.sum(y * np.log(p)))"),),
           hits=frozenset({"bernoulli_nll"}), says="labels 0 contribute"),
    Mutant("bernoulli_nll clips the probabilities at 1e-7",
           edits=(("    p = np.asarray(p, dtype=float)\n", "    p = np.clip(np.asarray(p, dtype=float), 1e-7, 1 - 1e-7)\n"),),
           hits=frozenset({"bernoulli_nll"}), says="clips the probabilities to [1e-07, 1 - 1e-07]"),
    Mutant("gaussian_nll with log(sigma) not multiplied by n",
           bodies={"gaussian_nll": """
               r = np.asarray(y, dtype=float) - np.asarray(y_pred, dtype=float)
               n = r.size
               return float(0.5 * n * np.log(2 * np.pi) + np.log(sigma) + np.sum(r**2) / (2 * sigma**2))
           """},
           hits=frozenset({"gaussian_nll"}), says="log(sigma) where n log(sigma) belongs"),
    Mutant("gaussian_nll with n log(2 pi) without the 1/2",
           bodies={"gaussian_nll": """
               r = np.asarray(y, dtype=float) - np.asarray(y_pred, dtype=float)
               n = r.size
               return float(n * np.log(2 * np.pi) + n * np.log(sigma) + np.sum(r**2) / (2 * sigma**2))
           """},
           hits=frozenset({"gaussian_nll"}), says="1/2 in front of log(2 pi) is missing"),
    Mutant("hard-coded answer to the public Bernoulli test",
           bodies={"bernoulli_nll": "return 0.5798185468365326"},
           hits=frozenset({"bernoulli_nll"}), says="expected"),
]

ALTERNATIVES = [
    Alternative("bernoulli_nll clips at 1e-15 for safety",
                edits=(("    p = np.asarray(p, dtype=float)\n",
                        "    p = np.clip(np.asarray(p, dtype=float), 1e-15, 1 - 1e-15)\n"),)),
    Alternative("loops and math", bodies={
        "mse": """
            total = 0.0
            for a, b in zip(y, y_pred):
                total += (a - b) ** 2
            return total / len(y)
        """,
        "gaussian_nll": """
            import math
            total = 0.0
            for a, b in zip(y, y_pred):
                total += 0.5 * math.log(2 * math.pi * sigma * sigma) + (a - b) ** 2 / (2 * sigma * sigma)
            return total
        """,
        "nll_from_mse": """
            import math
            return n / 2 * math.log(2 * math.pi) + n * math.log(sigma) + n * mse_value / (2 * sigma**2)
        """,
        "laplace_nll": """
            import math
            return sum(math.log(2 * b) + abs(a - c) / b for a, c in zip(y, y_pred))
        """,
        "bernoulli_nll": """
            import math
            total = 0.0
            for label, prob in zip(y, p):
                total -= math.log(prob) if label == 1 else math.log(1 - prob)
            return total
        """,
    }),
    Alternative("scipy.stats densities and the normal equations", bodies={
        "gaussian_nll": """
            from scipy import stats
            return float(-np.sum(stats.norm.logpdf(y, loc=y_pred, scale=sigma)))
        """,
        "laplace_nll": """
            from scipy import stats
            return float(-stats.laplace.logpdf(y, loc=y_pred, scale=b).sum())
        """,
        "bernoulli_nll": """
            from scipy import stats
            return float(-stats.bernoulli.logpmf(np.asarray(y).astype(int), p).sum())
        """,
        "fit_linear_mse": """
            X = np.array(X, dtype=float)
            y = np.array(y, dtype=float)
            return np.linalg.solve(X.T @ X, X.T @ y)
        """,
    }),
    Alternative("one formula written through the other", bodies={
        "gaussian_nll": "return nll_from_mse(mse(y, y_pred), len(y), sigma)",
        "fit_linear_mse": """
            import scipy.linalg
            return scipy.linalg.lstsq(np.asarray(X, dtype=float), np.asarray(y, dtype=float))[0]
        """,
        "bernoulli_nll": """
            y = np.asarray(y, dtype=float)
            p = np.asarray(p, dtype=float)
            return float(-np.sum(np.where(y == 1, np.log(p), np.log(1 - p))))
        """,
    }),
    Alternative("pinv and the closed-form profile", bodies={
        "fit_linear_mse": "return np.linalg.pinv(np.asarray(X, dtype=float)) @ np.asarray(y, dtype=float)",
        "fit_linear_gaussian_nll": """
            X = np.asarray(X, dtype=float)
            y = np.asarray(y, dtype=float)
            w = fit_linear_mse(X, y)
            return w, float(np.sqrt(mse(y, X @ w)))
        """,
    }),
    Alternative("L-BFGS-B over (w, sigma) on standardised data", bodies={
        "fit_linear_gaussian_nll": """
            X = np.asarray(X, dtype=float)
            y = np.asarray(y, dtype=float)
            d = X.shape[1]
            sx = np.linalg.norm(X, axis=0) / np.sqrt(len(y))
            sy = np.std(y) + np.abs(np.mean(y))
            Xs, ys = X / sx, y / sy
            def f(theta):
                return gaussian_nll(ys, Xs @ theta[:d], theta[d]) / len(y)
            start = np.append(np.zeros(d), np.sqrt(np.mean(ys**2)))
            bounds = [(None, None)] * d + [(1e-12, None)]
            result = minimize(f, start, method="L-BFGS-B", bounds=bounds,
                              options={"ftol": 1e-15, "gtol": 1e-11, "maxiter": 20000})
            return result.x[:d] * sy / sx, float(result.x[d] * sy)
        """,
    }),
    Alternative("plain BFGS over (w, log sigma), unscaled", bodies={
        "fit_linear_gaussian_nll": """
            X = np.asarray(X, dtype=float)
            y = np.asarray(y, dtype=float)
            d = X.shape[1]
            def f(theta):
                return gaussian_nll(y, X @ theta[:d], np.exp(theta[d]))
            start = np.append(np.zeros(d), np.log(np.std(y)))
            result = minimize(f, start, method="BFGS")
            return result.x[:d], float(np.exp(result.x[d]))
        """,
    }),
]
