"""Wrong derivations and correct alternatives for exercise 5."""

from tests.variants import Alternative, Mutant

LL = "(sum_x2 - 2 * mu * sum_x + n * mu**2)"

MUTANTS = [
    Mutant("log-likelihood missing the 1/2",
           edits=((f"- {LL} / (2 * sigma**2))", f"- {LL} / sigma**2)"),),
           hits=frozenset({"log_likelihood"}), says="a factor 1/2 is missing"),
    Mutant("log-likelihood with sigma for sigma squared",
           bodies={"log_likelihood": f"return -n / 2 * sp.log(2 * sp.pi) - n / 2 * sp.log(sigma) - {LL} / (2 * sigma)"},
           hits=frozenset({"log_likelihood"}), says="uses sigma where sigma**2 belongs"),
    Mutant("log-likelihood drops n on log sigma",
           bodies={"log_likelihood": f"return -n / 2 * sp.log(2 * sp.pi) - sp.log(sigma) - {LL} / (2 * sigma**2)"},
           hits=frozenset({"log_likelihood"}), says="drops the factor n on log(sigma)"),
    Mutant("log-likelihood with the wrong sign",
           bodies={"log_likelihood": f"return n / 2 * sp.log(2 * sp.pi) + n * sp.log(sigma) + {LL} / (2 * sigma**2)"},
           hits=frozenset({"log_likelihood"}), says="wrong sign"),
    Mutant("chain with one broken link in the middle",
           edits=(("sp.Sum(-sp.log(2 * sp.pi) / 2 - sp.log(sigma) - (x[i] - mu) ** 2 / (2 * sigma**2), (i, 1, n)),",
                   "sp.Sum(-sp.log(2 * sp.pi) / 2 - sp.log(sigma) - (x[i] - mu) ** 2 / sigma**2, (i, 1, n)),"),),
           hits=frozenset({"log_likelihood_steps"}), says="step 3 is not equal to step 2"),
    Mutant("chain whose last step drops n on log sigma",
           edits=(("-n / 2 * sp.log(2 * sp.pi) - n * sp.log(sigma) - sp.Sum(",
                   "-n / 2 * sp.log(2 * sp.pi) - sp.log(sigma) - sp.Sum("),),
           hits=frozenset({"log_likelihood_steps"}),
           says="step 4 is not equal to step 3: it drops the factor n on log(sigma)"),
    Mutant("chain that does not start at the definition",
           edits=(("    return [\n        LOG_LIKELIHOOD,\n", "    return [\n"),),
           hits=frozenset({"log_likelihood_steps"}), says="step 1 should be the definition LOG_LIKELIHOOD"),
    Mutant("chain that stops before taking the log of the density",
           bodies={"log_likelihood_steps": "return [LOG_LIKELIHOOD, sp.Sum(sp.log(normal_density(x[i], mu, sigma)), (i, 1, n))]"},
           hits=frozenset({"log_likelihood_steps"}), says="still holds exp"),
    Mutant("score with respect to sigma squared",
           bodies={"score_sigma": """
               s2 = sp.Symbol("s2", positive=True)
               return sp.diff(log_likelihood().subs(sigma, sp.sqrt(s2)), s2).subs(s2, sigma**2)
           """},
           hits=frozenset({"score_sigma"}), says="with respect to sigma**2"),
    Mutant("score_mu with the wrong sign",
           bodies={"score_mu": "return -sp.diff(log_likelihood(), mu)"},
           hits=frozenset({"score_mu"}), says="wrong sign"),
    Mutant("sigma_hat with n - 1",
           bodies={"mle_sigma": "return sp.sqrt((sum_x2 - sum_x**2 / n) / (n - 1))"},
           hits=frozenset({"mle_sigma"}), says="n - 1"),
    Mutant("sigma_hat returned as the variance",
           edits=(("    return solutions[0]\n", "    return solutions[0] ** 2\n"),),
           hits=frozenset({"mle_sigma"}), says="is the variance"),
    Mutant("sigma_hat in the wrong symbols",
           bodies={"mle_sigma": "return sp.sqrt(sum_x2 / n - 2 * mu * sum_x / n + mu**2)"},
           hits=frozenset({"mle_sigma"}), says="but it uses mu"),
    Mutant("mu_hat as a float from the public data",
           bodies={"mle_mu": "return 3.0"},
           hits=frozenset({"mle_mu"}), says="decimal number 3"),
    Mutant("mu_hat in a symbol the stub does not have",
           bodies={"mle_mu": "return sp.Symbol('xbar')"},
           hits=frozenset({"mle_mu"}), says="uses the symbol xbar, which the stub does not define"),
    Mutant("mu_hat as a string",
           bodies={"mle_mu": "return 'sum_x / n'"},
           hits=frozenset({"mle_mu"}), says="should return a SymPy expression"),
    Mutant("mu_hat as an equation",
           bodies={"mle_mu": "return sp.Eq(mu, sum_x / n)"},
           hits=frozenset({"mle_mu"}), says="is an equation"),
    Mutant("Hessian with the wrong sign",
           edits=(("return [sp.simplify(d.subs(at_mle, simultaneous=True)) for d in second]",
                   "return [-sp.simplify(d.subs(at_mle, simultaneous=True)) for d in second]"),),
           hits=frozenset({"hessian_at_mle"}), says="wrong sign"),
    Mutant("Hessian not evaluated at the MLE",
           edits=(("return [sp.simplify(d.subs(at_mle, simultaneous=True)) for d in second]",
                   "return second"),),
           hits=frozenset({"hessian_at_mle"}), says="mu = mu_hat and sigma = sigma_hat"),
    Mutant("Gaussian NLL with MSE for n MSE",
           edits=(("n / 2 * sp.log(2 * sp.pi * sigma**2) + n * MSE / (2 * sigma**2),",
                   "n / 2 * sp.log(2 * sp.pi * sigma**2) + MSE / (2 * sigma**2),"),),
           hits=frozenset({"gaussian_nll_steps"}), says="has MSE where the sum of squared residuals"),
    Mutant("Gaussian NLL ends with the residuals still in it",
           edits=(("        n / 2 * sp.log(2 * sp.pi * sigma**2) + n * MSE / (2 * sigma**2),\n", ""),),
           hits=frozenset({"gaussian_nll_steps"}), says="should be written with MSE, n, sigma only"),
    Mutant("NLL slope with the wrong sign",
           bodies={"nll_slope_in_mse": "return -sp.diff(gaussian_nll_steps()[-1], MSE)"},
           hits=frozenset({"nll_slope_in_mse"}), says="it is negative"),
    Mutant("sigma_hat instead of its square",
           edits=(("return sp.solve(sp.diff(nll, sigma), sigma)[0] ** 2", "return sp.solve(sp.diff(nll, sigma), sigma)[0]"),),
           hits=frozenset({"sigma2_at_optimum"}), says="not sigma_hat**2"),
    Mutant("Laplace NLL drops the 2 of 2b",
           edits=(("n * sp.log(2 * b) + n * MAE / b,", "n * sp.log(b) + n * MAE / b,"),),
           hits=frozenset({"laplace_nll_steps"}), says="drops the 2 of 2*b"),
    Mutant("cross-entropy with y and 1 - y swapped",
           edits=(("-sp.Sum(y[i] * sp.log(p[i]) + (1 - y[i]) * sp.log(1 - p[i]), (i, 1, n)),",
                   "-sp.Sum((1 - y[i]) * sp.log(p[i]) + y[i] * sp.log(1 - p[i]), (i, 1, n)),"),),
           hits=frozenset({"bernoulli_nll_steps"}), says="swaps y and 1 - y"),
]

ALTERNATIVES = [
    Alternative("sums over x[i] written out, and another index name", bodies={
        "log_likelihood": "return sp.Sum(-sp.log(2 * sp.pi * sigma**2) / 2 - (x[i] - mu) ** 2 / (2 * sigma**2), (i, 1, n))",
        "log_likelihood_steps": """
            j = sp.Symbol("j", integer=True, positive=True)
            return [
                LOG_LIKELIHOOD,
                sp.Sum(sp.log(normal_density(x[j], mu, sigma)), (j, 1, n)),
                sp.Sum(-sp.log(sp.sqrt(2 * sp.pi * sigma**2)) - (x[j] - mu) ** 2 / (2 * sigma**2), (j, 1, n)),
                -n * sp.log(2 * sp.pi * sigma**2) / 2 - sp.Sum((x[j] - mu) ** 2, (j, 1, n)) / (2 * sigma**2),
            ]
        """,
        "mle_mu": "return sp.Sum(x[i], (i, 1, n)) / n",
        "mle_sigma": "return sp.sqrt(sp.Sum((x[i] - sp.Sum(x[i], (i, 1, n)) / n) ** 2, (i, 1, n)) / n)",
        "hessian_at_mle": "return [-n / mle_sigma() ** 2, sp.Integer(0), -2 * n / mle_sigma() ** 2]",
        "sigma2_at_optimum": "return sp.Sum(r[i] ** 2, (i, 1, n)) / n",
    }),
    Alternative("expanded, log(sigma**2), factored and unsimplified forms", bodies={
        "log_likelihood": """
            return (-n / 2 * sp.log(2 * sp.pi) - n / 2 * sp.log(sigma**2) - sum_x2 / (2 * sigma**2)
                    + mu * sum_x / sigma**2 - n * mu**2 / (2 * sigma**2))
        """,
        "score_mu": "return sp.factor(sp.diff(log_likelihood(), mu))",
        "score_sigma": "return sp.expand(sp.diff(log_likelihood(), sigma))",
        "mle_sigma": "return sp.sqrt(sum_x2 / n - (sum_x / n) ** 2)",
        "hessian_at_mle": """
            ell = log_likelihood()
            at_mle = {mu: mle_mu(), sigma: mle_sigma()}
            return [sp.diff(ell, mu, 2).subs(at_mle, simultaneous=True),
                    sp.diff(ell, mu, sigma).subs(at_mle, simultaneous=True),
                    sp.diff(ell, sigma, 2).subs(at_mle, simultaneous=True)]
        """,
        "nll_slope_in_mse": "return 0.5 * n / sigma**2",
    }),
    Alternative("derivations in one step, unevaluated derivatives and split sums", bodies={
        "gaussian_nll_steps": "return [GAUSSIAN_NLL, n * sp.log(2 * sp.pi) / 2 + n * sp.log(sigma) + n * MSE / (2 * sigma**2)]",
        "score_mu": "return sp.Derivative(log_likelihood(), mu)",
        "mle_mu": "return sum_x / n",
        "laplace_nll_steps": """
            return [LAPLACE_NLL, sp.Sum(sp.log(2) + sp.log(b), (i, 1, n)) + sp.Sum(sp.Abs(r[i]), (i, 1, n)) / b,
                    n * (sp.log(2) + sp.log(b) + MAE / b)]
        """,
        "bernoulli_nll_steps": """
            return [BERNOULLI_NLL,
                    -sp.Sum(y[i] * sp.log(p[i]), (i, 1, n)) - sp.Sum((1 - y[i]) * sp.log(1 - p[i]), (i, 1, n))]
        """,
    }),
]
