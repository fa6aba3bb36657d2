"""Public tests for exercise 5 (run: pytest test_derivations.py).

They check the shape of each answer and a few facts at one small dataset
(x = [1, 2, 6], residuals [0.5, -1, 2], labels [1, 0] with p = [0.8, 0.3]).
The grader's hidden checks compare your expressions everywhere, not at these
numbers, and name the first step of a derivation that breaks.
"""

import math

import sympy as sp

from derivations import (BERNOULLI_NLL, GAUSSIAN_NLL, LAPLACE_NLL, LOG_LIKELIHOOD, MAE, MSE, b,
                         bernoulli_nll_steps, gaussian_nll_steps, hessian_at_mle, laplace_nll_steps,
                         log_likelihood, log_likelihood_steps, mle_mu, mle_sigma, mu, n, nll_slope_in_mse,
                         p, r, score_mu, score_sigma, sigma, sigma2_at_optimum, sum_x, sum_x2, x, y)

X = [1.0, 2.0, 6.0]
R = [0.5, -1.0, 2.0]
LABELS, PROBABILITIES = [1, 0], [0.8, 0.3]


def expression(value):
    """A SymPy number for a plain int or float (a list item may be 0), else the expression itself."""
    return sp.Float(value) if isinstance(value, float) else sp.Integer(value) if isinstance(value, int) else value


def written_out(total):
    """A sum between two whole numbers as its terms (Sum.doit on a symbolic term costs ten times more)."""
    term = total.function
    for limit in reversed(total.limits):
        if len(limit) != 3 or not (limit[1].is_Integer and limit[2].is_Integer and limit[1] <= limit[2]):
            return total
        index, low, high = limit
        term = sp.Add(*[term.xreplace({index: sp.Integer(k)}) for k in range(int(low), int(high) + 1)])
    return term


def at(expr, **values):
    """The number ``expr`` stands for at the public data and the given mu, sigma, b, MSE..."""
    data = {x: X, r: R, y: LABELS, p: PROBABILITIES}
    size = len(LABELS) if expr.has(y) or expr.has(p) else len(X)
    expr = expression(expr).subs(n, size).replace(lambda e: isinstance(e, sp.Sum), written_out).doit()
    numbers = {base[k + 1]: v for base, items in data.items() for k, v in enumerate(items)}
    numbers.update({sum_x: sum(X), sum_x2: sum(v * v for v in X), MSE: sum(v * v for v in R) / len(R),
                    MAE: sum(abs(v) for v in R) / len(R)})
    numbers.update({mu: values.get("mu", 0.0), sigma: values.get("sigma", 1.0), b: values.get("b", 1.0)})
    return float(sp.N(expr.xreplace({symbol: expression(v) for symbol, v in numbers.items()})))


def log_normal(value, mean, sd):
    return -0.5 * math.log(2 * math.pi * sd * sd) - (value - mean) ** 2 / (2 * sd * sd)


def expect_expression(value, function):
    assert isinstance(value, sp.Expr), (
        f"{function}() should return a SymPy expression, got {type(value).__name__}: {value!r}")


def expect_chain(steps, function, definition, name):
    assert isinstance(steps, list) and len(steps) >= 2, (
        f"{function}() should return a list of at least two SymPy expressions (the definition, then "
        f"your steps), got {steps!r}")
    for k, step in enumerate(steps, start=1):
        assert isinstance(step, sp.Expr), f"{function}(): step {k} is {type(step).__name__}, not a SymPy expression"
    assert steps[0] == definition, f"{function}(): step 1 should be {name}, the definition"


def test_log_likelihood_at_the_public_data():
    got = log_likelihood()
    expect_expression(got, "log_likelihood")
    want = sum(log_normal(v, 2.5, 1.5) for v in X)
    assert math.isclose(at(got, mu=2.5, sigma=1.5), want, rel_tol=1e-9), (
        f"log_likelihood() at x = {X}, mu = 2.5, sigma = 1.5 is {at(got, mu=2.5, sigma=1.5):.6f}, "
        f"expected the sum of the three log-densities, {want:.6f}")


def _same_value_every_step(steps, function, **values):
    numbers = [at(step, **values) for step in steps]
    for k in range(1, len(numbers)):
        assert math.isclose(numbers[k], numbers[k - 1], rel_tol=1e-9, abs_tol=1e-12), (
            f"{function}(): at the public data, step {k + 1} is {numbers[k]:.6f} but step {k} is "
            f"{numbers[k - 1]:.6f}: step {k + 1} does not follow from step {k}.\n"
            f"  step {k}: {steps[k - 1]}\n  step {k + 1}: {steps[k]}")


def test_log_likelihood_steps_hold_at_the_public_data():
    steps = log_likelihood_steps()
    expect_chain(steps, "log_likelihood_steps", LOG_LIKELIHOOD, "LOG_LIKELIHOOD")
    _same_value_every_step(steps, "log_likelihood_steps", mu=2.5, sigma=1.5)
    assert not steps[-1].has(sp.exp), "log_likelihood_steps(): the last step should have no exp left"


def test_the_scores_vanish_at_the_mle():
    for function in (score_mu, score_sigma):
        expect_expression(function(), function.__name__)
    mean = sum(X) / len(X)
    sd = math.sqrt(sum((v - mean) ** 2 for v in X) / len(X))
    assert abs(at(score_mu(), mu=mean, sigma=sd)) < 1e-9, "score_mu() is not 0 at mu = the mean of the data"
    assert abs(at(score_sigma(), mu=mean, sigma=sd)) < 1e-9, (
        "score_sigma() is not 0 at mu = the mean and sigma = the standard deviation (dividing by n)")
    assert at(score_mu(), mu=mean - 1, sigma=sd) > 0, "score_mu() should be positive for mu below the mean"


def test_mle_is_written_with_the_data_only():
    for function in (mle_mu, mle_sigma):
        got = function()
        expect_expression(got, function.__name__)
        assert not got.has(mu) and not got.has(sigma), (
            f"{function.__name__}() should not contain mu or sigma: it is a function of the data, got {got}")
    assert math.isclose(at(mle_mu()), 3.0, rel_tol=1e-12), f"mle_mu() at x = {X} is {at(mle_mu())}, expected 3"


def test_hessian_has_three_entries_in_the_data():
    entries = hessian_at_mle()
    assert isinstance(entries, list) and len(entries) == 3, (
        f"hessian_at_mle() should return a list of three expressions, got {entries!r}")
    for entry in entries:
        expect_expression(expression(entry), "hessian_at_mle")
        assert not expression(entry).has(mu) and not expression(entry).has(sigma), (
            f"hessian_at_mle(): {entry} still contains mu or sigma; evaluate it at the MLE")


def test_gaussian_nll_steps_end_with_the_mse():
    steps = gaussian_nll_steps()
    expect_chain(steps, "gaussian_nll_steps", GAUSSIAN_NLL, "GAUSSIAN_NLL")
    _same_value_every_step(steps, "gaussian_nll_steps", sigma=1.3)
    assert steps[-1].free_symbols <= {n, sigma, MSE}, (
        f"gaussian_nll_steps(): the last step should use n, sigma and MSE only, got {steps[-1]}")


def test_nll_slope_and_sigma2():
    slope = nll_slope_in_mse()
    expect_expression(slope, "nll_slope_in_mse")
    assert at(slope, sigma=0.7) > 0, "nll_slope_in_mse() should be positive: the NLL grows with the MSE"
    expect_expression(expression(sigma2_at_optimum()), "sigma2_at_optimum")
    assert not expression(sigma2_at_optimum()).has(sigma), "sigma2_at_optimum() should not contain sigma"


def test_laplace_and_bernoulli_steps_hold_at_the_public_data():
    laplace = laplace_nll_steps()
    expect_chain(laplace, "laplace_nll_steps", LAPLACE_NLL, "LAPLACE_NLL")
    _same_value_every_step(laplace, "laplace_nll_steps", b=0.8)
    bernoulli = bernoulli_nll_steps()
    expect_chain(bernoulli, "bernoulli_nll_steps", BERNOULLI_NLL, "BERNOULLI_NLL")
    _same_value_every_step(bernoulli, "bernoulli_nll_steps")
