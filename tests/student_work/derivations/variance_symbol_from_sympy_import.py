"""Exercise 5, working with the variance v = sigma**2 as its own symbol, then putting sigma back."""

from sympy import Rational, Sum, diff, log, pi, solve, sqrt, symbols

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

v = symbols("v", positive=True)  # v stands for sigma**2 while I differentiate
S2 = sum_x2 - 2 * mu * sum_x + n * mu**2  # sum of (x_i - mu)^2


def ll_in_v():
    return -n * log(2 * pi * v) / 2 - S2 / (2 * v)


def log_likelihood():
    return ll_in_v().subs(v, sigma**2)


def log_likelihood_steps():
    # each step written for v, shown with v = sigma**2
    steps_v = [
        Sum(-log(2 * pi * v) / 2 - (x[i] - mu) ** 2 / (2 * v), (i, 1, n)),
        -n * log(2 * pi * v) / 2 - Sum((x[i] - mu) ** 2, (i, 1, n)) / (2 * v),
        -n * log(2 * pi * v) / 2 - S2 / (2 * v),
    ]
    return [LOG_LIKELIHOOD] + [s.subs(v, sigma**2) for s in steps_v]


def score_mu():
    return diff(ll_in_v(), mu).subs(v, sigma**2)


def score_sigma():
    # chain rule: dl/dsigma = dl/dv * dv/dsigma = dl/dv * 2 sigma
    return (diff(ll_in_v(), v) * 2 * sqrt(v)).subs(v, sigma**2)


def mle_mu():
    return solve(diff(ll_in_v(), mu), mu)[0]


def mle_sigma():
    v_hat = solve(diff(ll_in_v().subs(mu, mle_mu()), v), v)[0]
    return sqrt(v_hat)


def hessian_at_mle():
    v_hat = mle_sigma() ** 2
    return [-n / v_hat, Rational(0), -2 * n / v_hat]


def gaussian_nll_steps():
    steps_v = [
        Sum(log(2 * pi * v) / 2 + r[i] ** 2 / (2 * v), (i, 1, n)),
        n * log(2 * pi * v) / 2 + n * MSE / (2 * v),
    ]
    return [GAUSSIAN_NLL] + [s.subs(v, sigma**2) for s in steps_v]


def nll_slope_in_mse():
    return diff(n * log(2 * pi * v) / 2 + n * MSE / (2 * v), MSE).subs(v, sigma**2)


def sigma2_at_optimum():
    return solve(diff(n * log(2 * pi * v) / 2 + n * MSE / (2 * v), v), v)[0]


def laplace_nll_steps():
    return [LAPLACE_NLL, Sum(log(2 * b), (i, 1, n)) + Sum(sp.Abs(r[i]) / b, (i, 1, n)), n * log(2 * b) + n * MAE / b]


def bernoulli_nll_steps():
    return [BERNOULLI_NLL, -Sum(y[i] * log(p[i]), (i, 1, n)) - Sum((1 - y[i]) * log(1 - p[i]), (i, 1, n))]
