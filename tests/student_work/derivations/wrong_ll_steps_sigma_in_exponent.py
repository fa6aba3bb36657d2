"""Exercise 5: Wrote 2*sigma under the squares in the middle of the chain."""

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


def log_likelihood():
    # each log-density is -log(2 pi)/2 - log(sigma) - (x - mu)^2 / (2 sigma^2); n of them
    squares = sum_x2 - 2 * mu * sum_x + n * mu**2
    return -n * sp.log(2 * sp.pi) / 2 - n * sp.log(sigma) - squares / (2 * sigma**2)

def log_likelihood_steps():
    return [LOG_LIKELIHOOD,
            sp.Sum(-sp.log(2 * sp.pi * sigma**2) / 2 - (x[i] - mu) ** 2 / (2 * sigma**2), (i, 1, n)),
            sp.Sum(-sp.log(2 * sp.pi) / 2 - sp.log(sigma) - (x[i] - mu) ** 2 / (2 * sigma), (i, 1, n)),
            -n * sp.log(2 * sp.pi) / 2 - n * sp.log(sigma) - sp.Sum((x[i] - mu) ** 2, (i, 1, n)) / (2 * sigma)]

def score_mu():
    ell = -n * sp.log(2 * sp.pi) / 2 - n * sp.log(sigma) - (sum_x2 - 2 * mu * sum_x + n * mu**2) / (2 * sigma**2)
    return sp.diff(ell, mu)

def score_sigma():
    ell = -n * sp.log(2 * sp.pi) / 2 - n * sp.log(sigma) - (sum_x2 - 2 * mu * sum_x + n * mu**2) / (2 * sigma**2)
    return sp.diff(ell, sigma)

def mle_mu():
    return sum_x / n

def mle_sigma():
    return sp.sqrt(sum_x2 / n - (sum_x / n) ** 2)

def hessian_at_mle():
    ell = -n * sp.log(2 * sp.pi) / 2 - n * sp.log(sigma) - (sum_x2 - 2 * mu * sum_x + n * mu**2) / (2 * sigma**2)
    at = {mu: sum_x / n, sigma: sp.sqrt(sum_x2 / n - (sum_x / n) ** 2)}
    return [sp.simplify(sp.diff(ell, a, c).subs(at)) for a, c in ((mu, mu), (mu, sigma), (sigma, sigma))]

def gaussian_nll_steps():
    s1 = GAUSSIAN_NLL
    s2 = sp.Sum(sp.log(2 * sp.pi * sigma**2) / 2 + r[i] ** 2 / (2 * sigma**2), (i, 1, n))
    s3 = n * sp.log(2 * sp.pi * sigma**2) / 2 + sp.Sum(r[i] ** 2, (i, 1, n)) / (2 * sigma**2)
    s4 = n * sp.log(2 * sp.pi * sigma**2) / 2 + n * MSE / (2 * sigma**2)
    return [s1, s2, s3, s4]

def nll_slope_in_mse():
    return sp.diff(n * sp.log(2 * sp.pi * sigma**2) / 2 + n * MSE / (2 * sigma**2), MSE)

def sigma2_at_optimum():
    return sp.solve(sp.diff(n * sp.log(2 * sp.pi * sigma**2) / 2 + n * MSE / (2 * sigma**2), sigma), sigma)[0] ** 2

def laplace_nll_steps():
    return [
        LAPLACE_NLL,
        sp.Sum(sp.log(2 * b) + sp.Abs(r[i]) / b, (i, 1, n)),
        n * sp.log(2 * b) + sp.Sum(sp.Abs(r[i]), (i, 1, n)) / b,
        n * sp.log(2 * b) + n * MAE / b,
    ]

def bernoulli_nll_steps():
    return [
        BERNOULLI_NLL,
        -sp.Sum(sp.log(p[i] ** y[i]) + sp.log((1 - p[i]) ** (1 - y[i])), (i, 1, n)),
        -sp.Sum(y[i] * sp.log(p[i]) + (1 - y[i]) * sp.log(1 - p[i]), (i, 1, n)),
    ]
