"""Classic mistakes and correct alternatives for exercise 1."""

from tests.variants import Alternative, Mutant

MUTANTS = [
    Mutant("sigma with n-1",
           edits=(("sigma_hat = np.sqrt(np.mean((x - mu_hat) ** 2))", "sigma_hat = np.std(x, ddof=1)"),),
           hits=frozenset({"gaussian_mle"}), says="n - 1"),
    Mutant("variance returned for sigma",
           edits=(("sigma_hat = np.sqrt(np.mean((x - mu_hat) ** 2))", "sigma_hat = np.mean((x - mu_hat) ** 2)"),),
           hits=frozenset({"gaussian_mle"}), says="is the variance"),
    Mutant("log of a product of densities",
           bodies={"gaussian_log_likelihood": """
               x = np.asarray(x, dtype=float)
               density = np.exp(-(x - mu) ** 2 / (2 * sigma**2)) / (sigma * np.sqrt(2 * np.pi))
               return float(np.log(np.prod(density)))
           """},
           hits=frozenset({"gaussian_log_likelihood"}), says="underflows"),
    Mutant("log-likelihood missing the 2 pi constant",
           edits=(("        -0.5 * n * np.log(2 * np.pi)\n        - n", "        - n"),),
           hits=frozenset({"gaussian_log_likelihood"}), says="2 pi"),
    Mutant("mean instead of sum",
           bodies={"gaussian_log_likelihood": """
               x = np.asarray(x, dtype=float)
               return float(np.mean(-0.5 * np.log(2 * np.pi * sigma**2) - (x - mu) ** 2 / (2 * sigma**2)))
           """},
           hits=frozenset({"gaussian_log_likelihood"}), says="mean of the log-densities"),
    Mutant("sigma treated as the variance",
           edits=(("        - n * np.log(sigma)\n        - np.sum((x - mu) ** 2) / (2 * sigma**2)",
                   "        - 0.5 * n * np.log(sigma)\n        - np.sum((x - mu) ** 2) / (2 * sigma)"),),
           hits=frozenset({"gaussian_log_likelihood"}), says="treats sigma as the variance"),
    Mutant("median for the mean",
           edits=(("mu_hat = x.mean()", "mu_hat = np.median(x)"),),
           hits=frozenset({"gaussian_mle"}), says="median"),
    Mutant("numerical MLE with a loose tolerance",
           edits=(('options={"gtol": 1e-10}', 'options={"gtol": 1e-1}'),),
           hits=frozenset({"gaussian_mle_numerical"}), says="got"),
    Mutant("numerical MLE maximises the NLL's wrong sign",
           edits=(("return -gaussian_log_likelihood(z, mu, np.exp(log_sigma)) / z.size",
                   "return gaussian_log_likelihood(z, mu, np.exp(log_sigma)) / z.size"),),
           hits=frozenset({"gaussian_mle_numerical"}), says="gaussian_mle_numerical"),
    Mutant("calls scipy.stats.norm.fit",
           bodies={"gaussian_mle": """
               from scipy import stats
               mu, sigma = stats.norm.fit(np.asarray(x, dtype=float))
               return float(mu), float(sigma)
           """},
           hits=frozenset({"gaussian_mle"}), says="scipy.stats.norm.fit", status="forbidden"),
    Mutant("modifies its input",
           bodies={"gaussian_mle": """
               x = np.asarray(x, dtype=float)
               x -= 0.0
               x.sort()
               mu_hat = x.mean()
               return float(mu_hat), float(np.sqrt(np.mean((x - mu_hat) ** 2)))
           """},
           hits=frozenset({"gaussian_mle"}), says="changed its input"),
    Mutant("quadratic term without its 1/2",
           edits=(("- np.sum((x - mu) ** 2) / (2 * sigma**2)", "- np.sum((x - mu) ** 2) / sigma**2"),),
           hits=frozenset({"gaussian_log_likelihood"}), says="quadratic term is missing its 1/2"),
    Mutant("-n log(2 pi) without the 1/2",
           edits=(("        -0.5 * n * np.log(2 * np.pi)\n", "        -n * np.log(2 * np.pi)\n"),),
           hits=frozenset({"gaussian_log_likelihood"}), says="1/2 in front of log(2 pi) is missing"),
    Mutant("-log(sigma) without the factor n",
           edits=(("        - n * np.log(sigma)\n", "        - np.log(sigma)\n"),),
           hits=frozenset({"gaussian_log_likelihood"}), says="-log(sigma) where -n log(sigma) belongs"),
    Mutant("numerical MLE over raw sigma from a poor start",
           bodies={"gaussian_mle_numerical": """
               x = np.asarray(x, dtype=float)
               result = minimize(lambda t: -gaussian_log_likelihood(x, t[0], t[1]), x0=[0.0, 1.0])
               return float(result.x[0]), float(result.x[1])
           """},
           hits=frozenset({"gaussian_mle_numerical"}), says="optimise over log(sigma)"),
    Mutant("hard-coded answers to the public data",
           bodies={"gaussian_mle": "return 116.72044742373092, 14.112352282843707"},
           hits=frozenset({"gaussian_mle"}), says="expected"),
]

ALTERNATIVES = [
    Alternative("loops and math", bodies={
        "gaussian_log_likelihood": """
            import math
            total = 0.0
            for value in x:
                total += -0.5 * math.log(2 * math.pi) - math.log(sigma) - (value - mu) ** 2 / (2 * sigma**2)
            return total
        """,
        "gaussian_mle": """
            values = [float(v) for v in x]
            mu_hat = sum(values) / len(values)
            return mu_hat, (sum((v - mu_hat) ** 2 for v in values) / len(values)) ** 0.5
        """,
    }),
    Alternative("scipy.stats densities and np.std", bodies={
        "gaussian_log_likelihood": """
            from scipy import stats
            return float(np.sum(stats.norm.logpdf(x, loc=mu, scale=sigma)))
        """,
        "gaussian_mle": "return float(np.mean(x)), float(np.std(x))",
    }),
    Alternative("Nelder-Mead on sigma directly", bodies={
        "gaussian_mle_numerical": """
            x = np.asarray(x, dtype=float)
            m, s = np.mean(x), np.std(x) + 1e-12
            z = (x - m) / s
            def nll(theta):
                if theta[1] <= 0:
                    return np.inf
                return -gaussian_log_likelihood(z, theta[0], theta[1])
            result = minimize(nll, x0=[0.1, 1.3], method="Nelder-Mead",
                              options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 5000})
            return float(m + s * result.x[0]), float(s * result.x[1])
        """,
    }),
]
