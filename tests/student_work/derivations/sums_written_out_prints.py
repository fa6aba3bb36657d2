"""Exercise 5, done with the sums written out over x[i] (no sum_x, sum_x2), printing as I go."""

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


print("derivations: symbols ready")


def log_likelihood():
    # log of the density, term by term, then let sympy split the logs
    term = sp.expand_log(sp.log(normal_density(x[i], mu, sigma)), force=True)
    ll = sp.Sum(term, (i, 1, n))
    print("ll =", ll)
    return ll


def log_likelihood_steps():
    steps = [LOG_LIKELIHOOD]
    # log(exp(-t) / sqrt(c)) = -t - log(c)/2
    steps.append(sp.Sum(-(x[i] - mu) ** 2 / (2 * sigma**2) - sp.log(2 * sp.pi * sigma**2) / 2, (i, 1, n)))
    # log(2 pi sigma^2)/2 = log(2 pi)/2 + log(sigma)
    steps.append(sp.Sum(-(x[i] - mu) ** 2 / (2 * sigma**2) - sp.log(2 * sp.pi) / 2 - sp.log(sigma), (i, 1, n)))
    # the constants come out of the sum: n copies of them
    steps.append(-sp.Sum((x[i] - mu) ** 2, (i, 1, n)) / (2 * sigma**2) - n * sp.log(2 * sp.pi) / 2 - n * sp.log(sigma))
    for k, s in enumerate(steps, 1):
        print("step", k, ":", s)
    return steps


def score_mu():
    ll = -sp.Sum((x[i] - mu) ** 2, (i, 1, n)) / (2 * sigma**2) - n * sp.log(2 * sp.pi) / 2 - n * sp.log(sigma)
    d = sp.diff(ll, mu)
    print("dl/dmu =", d)
    return d


def score_sigma():
    ll = -sp.Sum((x[i] - mu) ** 2, (i, 1, n)) / (2 * sigma**2) - n * sp.log(2 * sp.pi) / 2 - n * sp.log(sigma)
    return sp.diff(ll, sigma)


def mle_mu():
    # sum(x_i - mu) = 0  ->  sum x_i = n mu
    return sp.Sum(x[i], (i, 1, n)) / n


def mle_sigma():
    mu_hat = sp.Sum(x[i], (i, 1, n)) / n
    return sp.sqrt(sp.Sum((x[i] - mu_hat) ** 2, (i, 1, n)) / n)


def hessian_at_mle():
    ll = -sp.Sum((x[i] - mu) ** 2, (i, 1, n)) / (2 * sigma**2) - n * sp.log(2 * sp.pi) / 2 - n * sp.log(sigma)
    d_mumu = sp.diff(ll, mu, mu)
    d_musigma = sp.diff(ll, mu, sigma)
    d_sigsig = sp.diff(ll, sigma, sigma)
    at = {mu: mle_mu(), sigma: mle_sigma()}
    h = [d.subs(at) for d in (d_mumu, d_musigma, d_sigsig)]
    print("hessian at the MLE:", h)
    return h


def gaussian_nll_steps():
    return [
        GAUSSIAN_NLL,
        sp.Sum(sp.log(sp.sqrt(2 * sp.pi * sigma**2)) + r[i] ** 2 / (2 * sigma**2), (i, 1, n)),
        sp.Sum(sp.log(sp.sqrt(2 * sp.pi * sigma**2)), (i, 1, n)) + sp.Sum(r[i] ** 2, (i, 1, n)) / (2 * sigma**2),
        n * sp.log(sp.sqrt(2 * sp.pi * sigma**2)) + n * MSE / (2 * sigma**2),
    ]


def nll_slope_in_mse():
    nll = n * sp.log(sp.sqrt(2 * sp.pi * sigma**2)) + n * MSE / (2 * sigma**2)
    return sp.diff(nll, MSE)


def sigma2_at_optimum():
    return sp.Sum(r[i] ** 2, (i, 1, n)) / n


def laplace_nll_steps():
    return [
        LAPLACE_NLL,
        sp.Sum(sp.Abs(r[i]) / b + sp.log(2 * b), (i, 1, n)),
        sp.Sum(sp.Abs(r[i]), (i, 1, n)) / b + n * sp.log(2 * b),
        n * MAE / b + n * sp.log(2 * b),
    ]


def bernoulli_nll_steps():
    return [
        BERNOULLI_NLL,
        -sp.Sum(sp.log(p[i] ** y[i]) + sp.log((1 - p[i]) ** (1 - y[i])), (i, 1, n)),
        -sp.Sum(y[i] * sp.log(p[i]) + (1 - y[i]) * sp.log(1 - p[i]), (i, 1, n)),
    ]
