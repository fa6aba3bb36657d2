"""Exercise 5: the "show that" steps of the lesson, written in SymPy.

Exercises 1 and 2 computed the maximum likelihood estimates and the NLL as
numbers. Here you derive them: every function returns a SymPy expression (or
a list of them), built from the symbols defined below, and the grader checks
the algebra, not the numbers of one dataset.

A *derivation* is a list of expressions: the first is the definition the
function names, each next one equal to the one before, the last in the form
asked for. The grader checks every step and tells you the first one that is
not equal to the step before it, so write one small step at a time.

Use the symbols below (their assumptions let SymPy simplify: sigma > 0, n a
positive integer). Sums over the data run over i = 1 .. n and are written
``sp.Sum(term, (i, 1, n))`` with x[i]; you may instead use the sufficient
statistics ``sum_x`` = Σ x[i] and ``sum_x2`` = Σ x[i]², as you prefer, even
mixed. Do not return floats where a symbol or an exact number belongs: write
``sp.pi``, ``sp.Rational(1, 2)`` or ``n / 2``, never 3.14159 or 0.5 * n.

Run the public tests with ``pytest test_derivations.py``.
"""

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


# ---------------------------------------------------------------------------
# Part 1: the Gaussian MLE by calculus
# ---------------------------------------------------------------------------

def log_likelihood():
    """ℓ(μ, σ), the log-likelihood of the n data points, in any equivalent form.

    Returns
    -------
    sympy expression in n, mu, sigma and the data (x[i] inside a Sum, or
    sum_x and sum_x2). Not the density itself: a sum of logs.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def log_likelihood_steps():
    """The derivation of ℓ(μ, σ): from LOG_LIKELIHOOD to a form without exp.

    Returns
    -------
    list of sympy expressions
        The first is ``LOG_LIKELIHOOD``; each next one equals the one before;
        the last has no ``exp`` and takes no log of the data (only logs of
        numbers and of sigma remain).

    Hint: log(a / b) = log a - log b and log(exp(t)) = t. Then take the
    terms that do not depend on i out of the sum: a sum of n equal terms is
    n times that term.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def score_mu():
    """∂ℓ/∂μ, the derivative of the log-likelihood with respect to mu.

    Hint: ``sp.diff(expression, mu)``.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def score_sigma():
    """∂ℓ/∂σ, the derivative of the log-likelihood with respect to sigma (not sigma²)."""
    # YOUR CODE HERE
    raise NotImplementedError()


def mle_mu():
    """μ̂: the mu where ∂ℓ/∂μ = 0, written with the data and n only (no mu, no sigma).

    Hint: ``sp.solve(expression, mu)`` returns the list of the mu where the expression is 0.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def mle_sigma():
    """σ̂: the sigma where ∂ℓ/∂σ = 0 at mu = μ̂, written with the data and n only.

    It is a standard deviation (not a variance), and the MLE divides by n.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def hessian_at_mle():
    """The second derivatives of ℓ at (μ̂, σ̂): why the stationary point is a maximum.

    Returns
    -------
    list of three sympy expressions
        ``[∂²ℓ/∂μ², ∂²ℓ/∂μ∂σ, ∂²ℓ/∂σ²]``, each evaluated at mu = μ̂ and
        sigma = σ̂, written with the data and n only. (Both diagonal entries
        are negative and the mixed one is 0: the Hessian is negative definite.)

    Hint: ``expression.subs({mu: mu_hat, sigma: sigma_hat})``, then
    ``sp.simplify`` makes the result readable.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


# ---------------------------------------------------------------------------
# Part 2: minimising the MSE is maximising a Gaussian likelihood
# ---------------------------------------------------------------------------

def gaussian_nll_steps():
    """The derivation from GAUSSIAN_NLL to (n/2) log(2πσ²) + n MSE / (2σ²).

    Returns
    -------
    list of sympy expressions
        The first is ``GAUSSIAN_NLL``; the last is written with n, sigma and
        MSE only (no r[i] left): the NLL as an affine function of the MSE.

    Hint: Σ r[i]**2 = n * MSE.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def nll_slope_in_mse():
    """∂NLL/∂MSE at fixed sigma: the slope of the NLL as a function of the MSE.

    It is positive for every sigma > 0 and n, so the weights that minimise the
    MSE minimise the NLL too.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def sigma2_at_optimum():
    """σ̂², the noise variance that minimises the NLL once the weights are fixed.

    Returns
    -------
    sympy expression in MSE (and n if you need it): the variance, not sigma.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def laplace_nll_steps():
    """The derivation from LAPLACE_NLL to n log(2b) + n MAE / b.

    Returns
    -------
    list of sympy expressions
        The first is ``LAPLACE_NLL``; the last is written with n, b and MAE
        only (Σ |r[i]| = n * MAE).
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def bernoulli_nll_steps():
    """The derivation from BERNOULLI_NLL to the binary cross-entropy.

    Returns
    -------
    list of sympy expressions
        The first is ``BERNOULLI_NLL``; the last is the cross-entropy
        -Σ [y[i] log p[i] + (1 - y[i]) log(1 - p[i])], with no power of p[i] left.
    """
    # YOUR CODE HERE
    raise NotImplementedError()
