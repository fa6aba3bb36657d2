"""Hidden checks for exercise 5, the derivations in SymPy.

Every answer is an expression, compared with the reference by its values at
random points of the domain (``equivalence``), so any correct form scores,
whether expanded or factored, with log(sigma**2) or with 2*log(sigma), with
sums over x[i] or with the statistics. A wrong answer is matched against
mistake models, themselves expressions, to name the slip. A derivation earns
its points in three checks: it starts at the definition; every step equals
the one before (the first broken step is named, and the links before it earn
their share of that check's points); and it ends in the form asked for,
reached through equal steps only (a wrong link followed by a jump back to the
right end does not earn the end's point).
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from solutions import derivations as ref

from ..core.equivalence import Domain, numerically_equal, show
from ..core.framework import CheckFailed, PartialCredit, call_text, check, name_mistake
from ..core.symbolic_checks import (Problem, Unreadable, as_chain, as_expression, as_expressions, chain_break,
                                    expect_equivalent, expect_names, show_steps, used_names)

n, i, x, mu, sigma = ref.n, ref.i, ref.x, ref.mu, ref.sigma
sum_x, sum_x2, r, MSE, MAE, b, y, p = ref.sum_x, ref.sum_x2, ref.r, ref.MSE, ref.MAE, ref.b, ref.y, ref.p

SYMBOLS = {str(s): s for s in (n, i, x, mu, sigma, sum_x, sum_x2, r, MSE, MAE, b, y, p)}

def _domain() -> Domain:
    """Where answers are compared: σ, b > 0; n from 2 to 9; data drawn at random; statistics from them."""
    return Domain(
        n=n,
        scalars={mu: lambda g: g.uniform(-2, 2), sigma: lambda g: g.uniform(0.5, 2.5),
                 b: lambda g: g.uniform(0.5, 2.5)},
        data={x: lambda g, k: g.normal(0.7, 1.5, k), r: lambda g, k: g.normal(0.0, 1.5, k),
              y: lambda g, k: g.integers(0, 2, k), p: lambda g, k: g.uniform(0.05, 0.95, k)},
        statistics={sum_x: lambda d: np.sum(d[x]), sum_x2: lambda d: np.sum(np.square(d[x])),
                    MSE: lambda d: np.mean(np.square(d[r])), MAE: lambda d: np.mean(np.abs(d[r]))},
    )


PROBLEM = Problem(SYMBOLS, _domain())

DATA = {"n", "x", "sum_x", "sum_x2"}
PARAMETERS = DATA | {"mu", "sigma"}


def _call(function: str) -> str:
    return call_text(function, ())


def _answer(student, function: str):
    return as_expression(getattr(student, function)(), PROBLEM, _call(function))


# --------------------------------------------------------------------------
# The mistake models, as expressions
# --------------------------------------------------------------------------

#: Σ (x_i - μ)², written with the sufficient statistics.
SQUARES = sum_x2 - 2 * mu * sum_x + n * mu**2
CONSTANT, LOG_SIGMA, QUADRATIC = -n / 2 * sp.log(2 * sp.pi), -n * sp.log(sigma), -SQUARES / (2 * sigma**2)
ELL = CONSTANT + LOG_SIGMA + QUADRATIC


def ll_mistakes() -> dict:
    return {
        "The squared deviations are divided by sigma**2 where the density has 2*sigma**2: "
        "a factor 1/2 is missing.": CONSTANT + LOG_SIGMA - SQUARES / sigma**2,
        "It has -n*log(2*pi) where -(n/2)*log(2*pi) belongs: the square root of 2*pi*sigma**2 "
        "gives a factor 1/2 on its log.": 2 * CONSTANT + LOG_SIGMA + QUADRATIC,
        "It uses sigma where sigma**2 belongs (the density has sigma**2 under the square root and "
        "in the exponent).": CONSTANT - n / 2 * sp.log(sigma) - SQUARES / (2 * sigma),
        "It divides the squared deviations by 2*sigma where 2*sigma**2 belongs.":
            CONSTANT + LOG_SIGMA - SQUARES / (2 * sigma),
        "It drops the factor n on log(sigma): each of the n terms contributes -log(sigma).":
            CONSTANT - sp.log(sigma) + QUADRATIC,
        "It drops the factor n on log(2*pi): each of the n terms contributes -log(2*pi)/2.":
            -sp.log(2 * sp.pi) / 2 + LOG_SIGMA + QUADRATIC,
        "It drops the factor n on log(sigma) and on log(2*pi): a sum of n equal terms is n times the term.":
            -sp.log(2 * sp.pi) / 2 - sp.log(sigma) + QUADRATIC,
        "It has the wrong sign: that is the negative log-likelihood.": -ELL,
        "The squared deviations enter with a + sign: log(exp(-t)) is -t.": CONSTANT + LOG_SIGMA - QUADRATIC,
        "It is the mean of the log-densities; the log-likelihood is their sum.": ELL / n,
    }


GAUSSIAN_NLL = n / 2 * sp.log(2 * sp.pi * sigma**2) + n * MSE / (2 * sigma**2)


def gaussian_nll_mistakes() -> dict:
    return {
        "The squared residuals are divided by sigma**2 where the density has 2*sigma**2: "
        "a factor 1/2 is missing.": n / 2 * sp.log(2 * sp.pi * sigma**2) + n * MSE / sigma**2,
        "It drops the factor n on log(2*pi*sigma**2): each of the n terms contributes it.":
            sp.log(2 * sp.pi * sigma**2) / 2 + n * MSE / (2 * sigma**2),
        "It has MSE where the sum of squared residuals, n*MSE, belongs.":
            n / 2 * sp.log(2 * sp.pi * sigma**2) + MSE / (2 * sigma**2),
        "It has log(2*pi*sigma**2) where (1/2)*log(2*pi*sigma**2) belongs (the square root).":
            n * sp.log(2 * sp.pi * sigma**2) + n * MSE / (2 * sigma**2),
        "It uses sigma where sigma**2 belongs.": n / 2 * sp.log(2 * sp.pi * sigma) + n * MSE / (2 * sigma),
        "It has the wrong sign: that is the log-likelihood, not its negative.": -GAUSSIAN_NLL,
        "It divides by n - 1: the sum of squared residuals is n*MSE.":
            n / 2 * sp.log(2 * sp.pi * sigma**2) + (n - 1) * MSE / (2 * sigma**2),
    }


LAPLACE_NLL = n * sp.log(2 * b) + n * MAE / b


def laplace_nll_mistakes() -> dict:
    return {
        "It drops the 2 of 2*b: the density is exp(-|r|/b) / (2*b).": n * sp.log(b) + n * MAE / b,
        "It drops the factor n on log(2*b): each of the n terms contributes it.": sp.log(2 * b) + n * MAE / b,
        "It has MAE where the sum of absolute residuals, n*MAE, belongs.": n * sp.log(2 * b) + MAE / b,
        "It uses squared residuals: the Laplace density has |r|, so the MAE appears, not the MSE.":
            n * sp.log(2 * b) + n * MSE / b,
        "It has the wrong sign: that is the log-likelihood, not its negative.": -LAPLACE_NLL,
    }


CROSS_ENTROPY = -sp.Sum(y[i] * sp.log(p[i]) + (1 - y[i]) * sp.log(1 - p[i]), (i, 1, n))


def bernoulli_mistakes() -> dict:
    return {
        "It swaps y and 1 - y: the label y[i] = 1 goes with log(p[i]).":
            -sp.Sum((1 - y[i]) * sp.log(p[i]) + y[i] * sp.log(1 - p[i]), (i, 1, n)),
        "It drops the (1 - y[i])*log(1 - p[i]) term: the labels 0 contribute too.":
            -sp.Sum(y[i] * sp.log(p[i]), (i, 1, n)),
        "It has the wrong sign: that is the log-likelihood, not its negative.": -CROSS_ENTROPY,
        "It is the mean over the n labels; the NLL is the sum.": CROSS_ENTROPY / n,
    }


# --------------------------------------------------------------------------
# Part 1: the Gaussian MLE
# --------------------------------------------------------------------------

@check("log_likelihood", points=2)
def log_likelihood_is_the_sum_of_log_densities(student):
    """The log-likelihood, in any equivalent form (Sum over x[i], or sum_x and sum_x2)."""
    got = _answer(student, "log_likelihood")
    expect_names(got, PARAMETERS, _call("log_likelihood"), "it")
    expect_equivalent(got, ELL, PROBLEM, call=_call("log_likelihood"), mistakes=ll_mistakes())


def _chain(student, function: str) -> list:
    return as_chain(getattr(student, function)(), PROBLEM, _call(function))


def _canonical_indices(expr):
    """``expr`` with the index of every Sum renamed i, so Sum(.., (j, 1, n)) reads as Sum(.., (i, 1, n))."""
    return expr.replace(lambda e: isinstance(e, sp.Sum) and len(e.limits) == 1 and e.limits[0][0] != i,
                        lambda e: sp.Sum(e.function.xreplace({e.limits[0][0]: i}), (i, *e.limits[0][1:])))


def _starts_at(steps, definition, name: str, function: str) -> None:
    """Step 1 is the definition itself (any index name): an equal later form skips the first step."""
    first = steps[0]
    if _canonical_indices(first) == definition:
        return
    call = _call(function)
    if numerically_equal(first, definition, PROBLEM.points()):
        raise CheckFailed(f"Called {call}: step 1 should be the definition {name} itself, as the stub "
                          f"defines it; yours, {show(first)}, equals it but is already a later step. "
                          f"Put {name} first.")
    raise CheckFailed(f"Called {call}: step 1 should be the definition {name}, but it is {show(first)}.")


#: The reference chains, whose steps' single edits name a broken step.
_REFERENCE_CHAINS: dict = {}


def _references(function: str) -> list:
    if function not in _REFERENCE_CHAINS:
        _REFERENCE_CHAINS[function] = getattr(ref, function)()
    return _REFERENCE_CHAINS[function]


def _links(steps, definition, name: str, function: str, mistakes: dict) -> None:
    """Every link holds, or the links before the first broken one earn their share of the points.

    Links prove something only from the definition: a chain whose first step is not equal to it
    (equalities between unrelated expressions) earns nothing here."""
    if not numerically_equal(steps[0], definition, PROBLEM.points()):
        raise CheckFailed(f"Called {_call(function)}: step 1, {show(steps[0])}, is not equal to {name}, so "
                          f"the steps after it show nothing about {name}. Start at {name} itself.")
    broken = chain_break(steps, PROBLEM, mistakes, _references(function))
    if broken is None:
        return
    name_mistake(broken.mistake)  # chain_break answers a repeat from its cache
    show_steps(steps, broken)
    message = f"Called {_call(function)}: {broken.message}"
    if broken.held == 0:
        raise CheckFailed(message)
    held = "the link before it holds" if broken.held == 1 else f"the {broken.held} links before it hold"
    raise PartialCredit(f"{message}\nStep {broken.step} is where the chain breaks; {held} "
                        f"({broken.held} of the chain's {broken.links} links), so this check gives "
                        f"{broken.held}/{broken.links} of its points.", broken.held / broken.links)


def _ends(steps, definition, function: str, allowed: set[str], form: str, extra=None,
          mistakes: dict | None = None) -> None:
    """The last step has the form asked for and is reached through equal steps only."""
    last = steps[-1]
    call = _call(function)
    if len(steps) < 2:
        raise CheckFailed(f"Called {call}: the derivation has only its first step; {form}")
    if isinstance(last, Unreadable):
        raise CheckFailed(f"Called {call}: the last step cannot be graded: {last.reason}")
    expect_names(last, allowed, call, "the last step", form)
    if extra is not None:
        problem = extra(last)
        if problem:
            raise CheckFailed(f"Called {call}: the last step, {show(last)}, {problem} {form}")
    if not numerically_equal(last, definition, PROBLEM.points()):
        raise CheckFailed(f"Called {call}: the last step, {show(last)}, is not equal to the definition "
                          f"(see the check of its steps for the first one that breaks).")
    broken = chain_break(steps, PROBLEM, mistakes, _references(function))
    if broken is not None:
        which = ("cannot be graded" if isinstance(steps[broken.step - 1], Unreadable)
                 else f"is not equal to step {broken.step - 1}")
        raise CheckFailed(f"Called {call}: the last step has the form asked for, but the chain reaches it "
                          f"through step {broken.step}, which {which}: "
                          f"an end earns its point only when every step before it follows. "
                          f"Fix step {broken.step} (see the check of the steps).")


def _ll_form(expr) -> str | None:
    if expr.has(sp.exp):
        return "still holds exp:"
    for log in expr.atoms(sp.log):
        if used_names(log) - {"sigma", "n"}:
            return f"still takes the log of {show(log.args[0], 60)}:"
    return None


@check("log_likelihood_steps", points=1)
def log_likelihood_steps_start_at_the_definition(student):
    """The derivation of the log-likelihood starts at LOG_LIKELIHOOD."""
    _starts_at(_chain(student, "log_likelihood_steps"), ref.LOG_LIKELIHOOD, "LOG_LIKELIHOOD",
               "log_likelihood_steps")


@check("log_likelihood_steps", points=2)
def log_likelihood_steps_every_step_follows(student):
    """Each step of the log-likelihood's derivation equals the step before it."""
    _links(_chain(student, "log_likelihood_steps"), ref.LOG_LIKELIHOOD, "LOG_LIKELIHOOD", "log_likelihood_steps", ll_mistakes())


@check("log_likelihood_steps", points=1)
def log_likelihood_steps_end_without_exp(student):
    """The derivation ends without exp and without a log of the data."""
    _ends(_chain(student, "log_likelihood_steps"), ref.LOG_LIKELIHOOD, "log_likelihood_steps", PARAMETERS,
          "The last step should have no exp and take logs only of numbers and sigma.", _ll_form, ll_mistakes())


SCORE_MU = sp.diff(ELL, mu)
SCORE_SIGMA = sp.diff(ELL, sigma)


@check("score_mu", points=1)
def score_mu_is_the_derivative(student):
    """∂ℓ/∂μ, in any equivalent form."""
    got = _answer(student, "score_mu")
    expect_names(got, PARAMETERS, _call("score_mu"), "it")
    expect_equivalent(got, SCORE_MU, PROBLEM, call=_call("score_mu"), derivative_of=(ELL, mu), mistakes={
        "It has the wrong sign: it is the derivative of the negative log-likelihood.": -SCORE_MU,
        "It is twice the derivative: the 1/2 of (x - mu)**2 / (2*sigma**2) cancels the 2 of the square.":
            2 * SCORE_MU,
        "It is the derivative of the mean log-density: the log-likelihood is a sum.": SCORE_MU / n,
        "It is missing the factor n on mu: the sum of n terms (x_i - mu) is sum_x - n*mu.":
            (sum_x - mu) / sigma**2,
        "It uses sigma where sigma**2 belongs.": (sum_x - n * mu) / sigma,
    })


@check("score_sigma", points=1)
def score_sigma_is_the_derivative(student):
    """∂ℓ/∂σ (with respect to sigma, not sigma²), in any equivalent form."""
    got = _answer(student, "score_sigma")
    expect_names(got, PARAMETERS, _call("score_sigma"), "it")
    expect_equivalent(got, SCORE_SIGMA, PROBLEM, call=_call("score_sigma"), derivative_of=(ELL, sigma), mistakes={
        "It is the derivative with respect to sigma**2, not sigma.": -n / (2 * sigma**2) + SQUARES / (2 * sigma**4),
        "It has the wrong sign: it is the derivative of the negative log-likelihood.": -SCORE_SIGMA,
        "It drops the factor n: the derivative of -n*log(sigma) is -n/sigma.": -1 / sigma + SQUARES / sigma**3,
        "It has -SQUARES/sigma**3 with the wrong sign: the derivative of -1/(2*sigma**2) is +1/sigma**3."
        .replace("SQUARES", "sum((x - mu)**2)"): -n / sigma - SQUARES / sigma**3,
        "It is missing a factor 2 on the squared deviations' term: the derivative of 1/sigma**2 "
        "is -2/sigma**3.": -n / sigma + SQUARES / (2 * sigma**3),
    })


MU_HAT = sum_x / n
VARIANCE_HAT = sum_x2 / n - (sum_x / n) ** 2
SIGMA_HAT = sp.sqrt(VARIANCE_HAT)


@check("mle_mu", points=1)
def mle_mu_is_the_sample_mean(student):
    """μ̂ from ∂ℓ/∂μ = 0, written with the data and n only."""
    got = _answer(student, "mle_mu")
    expect_names(got, DATA, _call("mle_mu"), "mu_hat",
                 "Solve dl/dmu = 0 for mu: the answer depends on the data alone.")
    expect_equivalent(got, MU_HAT, PROBLEM, call=_call("mle_mu"), what="mu_hat", mistakes={
        "mu_hat divides the sum by n - 1; the MLE divides by n.": sum_x / (n - 1),
        "mu_hat is the sum of the data; the MLE is their mean, the sum divided by n.": sum_x,
    })


@check("mle_sigma", points=2)
def mle_sigma_divides_by_n(student):
    """σ̂ from ∂ℓ/∂σ = 0 at μ̂: a standard deviation that divides by n."""
    got = _answer(student, "mle_sigma")
    expect_names(got, DATA, _call("mle_sigma"), "sigma_hat",
                 "Substitute mu = mu_hat before solving dl/dsigma = 0 for sigma.")
    unbiased = (sum_x2 - sum_x**2 / n) / (n - 1)
    expect_equivalent(got, SIGMA_HAT, PROBLEM, call=_call("mle_sigma"), what="sigma_hat",
                      forms=[sp.sqrt(SQUARES / n)], mistakes={
        "sigma_hat divides by n - 1 (the unbiased estimate); the MLE divides by n.": sp.sqrt(unbiased),
        "sigma_hat is the variance: the MLE of sigma is its square root.": VARIANCE_HAT,
        "sigma_hat is the unbiased variance: the MLE is the square root of the mean squared deviation.":
            unbiased,
        "sigma_hat uses the raw second moment sum_x2/n: subtract mu_hat**2 (the deviations are from the mean).":
            sp.sqrt(sum_x2 / n),
        "sigma_hat is negative: SymPy's solve returns both roots; the standard deviation is the "
        "positive one.": -SIGMA_HAT,
    })


HESSIAN = [-n / VARIANCE_HAT, sp.Integer(0), -2 * n / VARIANCE_HAT]
HESSIAN_NAMES = ["d2l/dmu2", "d2l/dmu dsigma", "d2l/dsigma2"]


@check("hessian_at_mle", points=2)
def hessian_at_mle_is_negative_definite(student):
    """The second derivatives at (μ̂, σ̂): both diagonal entries negative, the mixed one 0: a maximum."""
    call = _call("hessian_at_mle")
    entries = as_expressions(student.hessian_at_mle(), PROBLEM, call, count=3,
                             what="a list of three SymPy expressions [d2l/dmu2, d2l/dmu dsigma, d2l/dsigma2]")
    for got, want, name in zip(entries, HESSIAN, HESSIAN_NAMES):
        expect_names(got, DATA, call, name,
                     "Evaluate it at mu = mu_hat and sigma = sigma_hat (subs), so only the data remain.")
        mistakes = {"It has the wrong sign: at the maximum of the log-likelihood the second derivatives "
                    "are negative.": -want}
        if name == "d2l/dsigma2":
            mistakes["It is half the right value: differentiate -n/sigma + sum((x - mu)**2)/sigma**3 again, "
                     "then use sum((x - mu_hat)**2) = n*sigma_hat**2."] = want / 2
            mistakes["It is d2l/dsigma2 at mu_hat but with the wrong sign of n/sigma**2."] = 4 * n / VARIANCE_HAT
        expect_equivalent(got, want, PROBLEM, call=call, what=name, mistakes=mistakes)


#: Each answer's reference as the checks compare it, and what it is the derivative of (if it is one):
#: the generated mistakes are the single edits of these (``tests/test_derivation_mistakes.py``).
ANSWERS = {
    "log_likelihood": (ELL, None),
    "score_mu": (SCORE_MU, (ELL, mu)),
    "score_sigma": (SCORE_SIGMA, (ELL, sigma)),
    "mle_mu": (MU_HAT, None),
    "mle_sigma": (SIGMA_HAT, None),
    "nll_slope_in_mse": (sp.diff(n / 2 * sp.log(2 * sp.pi * sigma**2) + n * MSE / (2 * sigma**2), MSE),
                         (n / 2 * sp.log(2 * sp.pi * sigma**2) + n * MSE / (2 * sigma**2), MSE)),
    "sigma2_at_optimum": (MSE, None),
}
CHAINS = ("log_likelihood_steps", "gaussian_nll_steps", "laplace_nll_steps", "bernoulli_nll_steps")


# --------------------------------------------------------------------------
# Part 2: MSE and the Gaussian NLL, with Laplace and Bernoulli
# --------------------------------------------------------------------------

RESIDUALS = {"n", "r", "sigma", "MSE"}


@check("gaussian_nll_steps", points=1)
def gaussian_nll_steps_start_at_the_definition(student):
    """The derivation of the Gaussian NLL starts at GAUSSIAN_NLL."""
    _starts_at(_chain(student, "gaussian_nll_steps"), ref.GAUSSIAN_NLL, "GAUSSIAN_NLL", "gaussian_nll_steps")


@check("gaussian_nll_steps", points=2)
def gaussian_nll_steps_every_step_follows(student):
    """Each step of the Gaussian NLL's derivation equals the step before it."""
    _links(_chain(student, "gaussian_nll_steps"), ref.GAUSSIAN_NLL, "GAUSSIAN_NLL", "gaussian_nll_steps", gaussian_nll_mistakes())


@check("gaussian_nll_steps", points=1)
def gaussian_nll_steps_end_affine_in_mse(student):
    """The derivation ends with the NLL written with n, sigma and MSE only."""
    _ends(_chain(student, "gaussian_nll_steps"), ref.GAUSSIAN_NLL, "gaussian_nll_steps", {"n", "sigma", "MSE"},
          "The last step should be the NLL as a function of the MSE: replace the sum of r[i]**2 by n*MSE.",
          mistakes=gaussian_nll_mistakes())


@check("nll_slope_in_mse", points=1)
def nll_slope_in_mse_is_positive(student):
    """∂NLL/∂MSE, positive for every σ > 0: the argmin over the weights is the MSE's."""
    got = _answer(student, "nll_slope_in_mse")
    want = sp.diff(GAUSSIAN_NLL, MSE)
    expect_names(got, {"n", "sigma", "MSE"}, _call("nll_slope_in_mse"), "it")
    expect_equivalent(got, want, PROBLEM, call=_call("nll_slope_in_mse"), derivative_of=(GAUSSIAN_NLL, MSE),
                      mistakes={
        "It is negative: the NLL grows with the MSE (check the sign of the NLL).": -want,
        "It is missing the factor 1/2 of the density's 2*sigma**2.": 2 * want,
        "It drops the factor n: the NLL has n*MSE, not MSE.": want / n,
    })


@check("sigma2_at_optimum", points=1)
def sigma2_at_optimum_is_the_mse(student):
    """σ̂² that minimises the NLL for fixed weights, in any equivalent form."""
    got = _answer(student, "sigma2_at_optimum")
    expect_names(got, {"n", "MSE", "r"}, _call("sigma2_at_optimum"), "sigma_hat**2",
                 "Solve dNLL/dsigma = 0 for sigma, then square it.")
    expect_equivalent(got, MSE, PROBLEM, call=_call("sigma2_at_optimum"), what="sigma_hat**2", mistakes={
        "It is sigma_hat, not sigma_hat**2: square the solution.": sp.sqrt(MSE),
        "It divides by n - 1: the MLE of the noise variance divides the sum of squared residuals by n.":
            n * MSE / (n - 1),
        "It is twice the MSE: the density has 2*sigma**2 in the exponent, once.": 2 * MSE,
        "It is half the MSE: differentiate (n/2)*log(sigma**2), which gives n/sigma.": MSE / 2,
    })


@check("laplace_nll_steps", points=1)
def laplace_nll_steps_start_at_the_definition(student):
    """The derivation of the Laplace NLL starts at LAPLACE_NLL."""
    _starts_at(_chain(student, "laplace_nll_steps"), ref.LAPLACE_NLL, "LAPLACE_NLL", "laplace_nll_steps")


@check("laplace_nll_steps", points=2)
def laplace_nll_steps_every_step_follows(student):
    """Each step of the Laplace NLL's derivation equals the step before it."""
    _links(_chain(student, "laplace_nll_steps"), ref.LAPLACE_NLL, "LAPLACE_NLL", "laplace_nll_steps", laplace_nll_mistakes())


@check("laplace_nll_steps", points=1)
def laplace_nll_steps_end_affine_in_mae(student):
    """The derivation ends with the NLL written with n, b and MAE only."""
    _ends(_chain(student, "laplace_nll_steps"), ref.LAPLACE_NLL, "laplace_nll_steps", {"n", "b", "MAE"},
          "The last step should be the NLL as a function of the MAE: replace the sum of |r[i]| by n*MAE.",
          mistakes=laplace_nll_mistakes())


def _cross_entropy_form(expr) -> str | None:
    for power in expr.atoms(sp.Pow):
        if power.exp.has(y):
            return f"still holds the power {show(power, 60)}:"
    return None


@check("bernoulli_nll_steps", points=1)
def bernoulli_nll_steps_start_at_the_definition(student):
    """The derivation of the Bernoulli NLL starts at BERNOULLI_NLL."""
    _starts_at(_chain(student, "bernoulli_nll_steps"), ref.BERNOULLI_NLL, "BERNOULLI_NLL", "bernoulli_nll_steps")


@check("bernoulli_nll_steps", points=2)
def bernoulli_nll_steps_every_step_follows(student):
    """Each step of the Bernoulli NLL's derivation equals the step before it."""
    _links(_chain(student, "bernoulli_nll_steps"), ref.BERNOULLI_NLL, "BERNOULLI_NLL", "bernoulli_nll_steps", bernoulli_mistakes())


@check("bernoulli_nll_steps", points=1)
def bernoulli_nll_steps_end_at_the_cross_entropy(student):
    """The derivation ends at the cross-entropy, with no power of p[i] left."""
    _ends(_chain(student, "bernoulli_nll_steps"), ref.BERNOULLI_NLL, "bernoulli_nll_steps", {"n", "y", "p"},
          "The last step should be -Sum(y[i]*log(p[i]) + (1 - y[i])*log(1 - p[i]), (i, 1, n)): "
          "log(a**k) = k*log(a).", _cross_entropy_form, bernoulli_mistakes())
