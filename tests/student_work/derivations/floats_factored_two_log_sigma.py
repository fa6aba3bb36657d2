"""Exercise 5: 0.5 instead of 1/2, 2*log(sigma), factored answers, sympy.solve for the estimates."""

import sympy as sp

# The data x[1], ..., x[n] and their Gaussian model N(mu, sigma^2).
n = sp.Symbol("n", integer=True, positive=True)
i = sp.Symbol("i", integer=True, positive=True)
x = sp.IndexedBase("x", real=True)
mu = sp.Symbol("mu", real=True)
sigma = sp.Symbol("sigma", positive=True)
sum_x = sp.Symbol("sum_x", real=True)  # Σ x[i]
sum_x2 = sp.Symbol("sum_x2", positive=True)  # Σ x[i]**2

# Regression: residuals r[i] = y_i - ŷ_i, and the two average errors.
r = sp.IndexedBase("r", real=True)
MSE = sp.Symbol("MSE", positive=True)  # Σ r[i]**2 / n
MAE = sp.Symbol("MAE", positive=True)  # Σ |r[i]| / n
b = sp.Symbol("b", positive=True)  # the scale of Laplace noise
# Classification: labels y[i] in {0, 1}, predicted probabilities p[i] in (0, 1).
y = sp.IndexedBase("y", real=True)
p = sp.IndexedBase("p", positive=True)


def normal_density(value, mean, sd):
    """N(value; mean, sd^2), the Gaussian density, as a SymPy expression."""
    return sp.exp(-(value - mean) ** 2 / (2 * sd**2)) / sp.sqrt(2 * sp.pi * sd**2)


def laplace_density(value, scale):
    """Laplace(value; 0, scale) = exp(-|value| / scale) / (2 scale)."""
    return sp.exp(-sp.Abs(value) / scale) / (2 * scale)


# Where each derivation starts: the definitions, exactly as the lesson writes them.
#: ℓ(μ, σ) = Σ log N(x_i; μ, σ²)
LOG_LIKELIHOOD = sp.Sum(sp.log(normal_density(x[i], mu, sigma)), (i, 1, n))
#: The NLL of n residuals under Gaussian noise N(0, σ²)
GAUSSIAN_NLL = -sp.Sum(sp.log(normal_density(r[i], 0, sigma)), (i, 1, n))
#: The NLL of n residuals under Laplace noise with scale b
LAPLACE_NLL = -sp.Sum(sp.log(laplace_density(r[i], b)), (i, 1, n))
#: The NLL of n labels y[i] under Bernoulli(p[i])
BERNOULLI_NLL = -sp.Sum(sp.log(p[i] ** y[i] * (1 - p[i]) ** (1 - y[i])), (i, 1, n))


def _ll():
    return (-0.5 * n * sp.log(2 * sp.pi) - n * sp.log(sigma)
            - 0.5 * (sum_x2 - 2 * mu * sum_x + n * mu**2) / sigma**2)


def log_likelihood():
    return sp.factor(_ll())


def log_likelihood_steps():
    s = [LOG_LIKELIHOOD]
    s.append(sp.Sum(-0.5 * sp.log(2 * sp.pi) - 0.5 * 2 * sp.log(sigma) - 0.5 * (x[i] - mu) ** 2 / sigma**2, (i, 1, n)))
    s.append(-0.5 * n * sp.log(2 * sp.pi) - 2 * n * sp.log(sigma) / 2 - 0.5 * sp.Sum((x[i] - mu) ** 2, (i, 1, n)) / sigma**2)
    return s


def score_mu():
    return sp.factor(sp.diff(_ll(), mu))


def score_sigma():
    return sp.together(sp.diff(_ll(), sigma))


def mle_mu():
    return sp.solve(sp.diff(_ll(), mu), mu)[0]


def mle_sigma():
    roots = sp.solve(sp.diff(_ll(), sigma).subs(mu, mle_mu()), sigma)
    positive = [s for s in roots if s.could_extract_minus_sign() is False]
    return positive[0] if positive else roots[-1]


def hessian_at_mle():
    at = {mu: mle_mu(), sigma: mle_sigma()}
    ll = _ll()
    return [sp.simplify(sp.diff(ll, a, c).subs(at)) for a, c in ((mu, mu), (mu, sigma), (sigma, sigma))]


def gaussian_nll_steps():
    return [
        GAUSSIAN_NLL,
        sp.Sum(0.5 * sp.log(2 * sp.pi) + sp.log(sigma) + 0.5 * r[i] ** 2 / sigma**2, (i, 1, n)),
        n * (0.5 * sp.log(2 * sp.pi) + sp.log(sigma)) + 0.5 * n * MSE / sigma**2,
    ]


def nll_slope_in_mse():
    return 0.5 * n / sigma**2


def sigma2_at_optimum():
    nll = n * (0.5 * sp.log(2 * sp.pi) + sp.log(sigma)) + 0.5 * n * MSE / sigma**2
    roots = sp.solve(sp.diff(nll, sigma), sigma)
    return sp.factor(roots[0] ** 2)


def laplace_nll_steps():
    return [LAPLACE_NLL, n * (sp.log(2 * b) + MAE / b)]


def bernoulli_nll_steps():
    return [
        BERNOULLI_NLL,
        -sp.Sum(sp.expand_log(sp.log(p[i] ** y[i] * (1 - p[i]) ** (1 - y[i])), force=True), (i, 1, n)),
    ]
