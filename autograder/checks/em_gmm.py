"""Hidden checks for exercise 3, EM for a 1-D Gaussian mixture.

Data come from hidden seeds (never the lesson's ``sample_mixture(seed=0)``),
with K = 2 and K = 3, unequal weights (so an E-step that ignores them shows),
sizes from 4 points to 100 000 (one check; the others are as small as their mistakes allow), and points so far from every component that
each density underflows to 0.0. Every mistake model below computes, on the
same inputs, what a classic wrong implementation returns, so the message can
name it. Each tolerance is stated with why it is that tight.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from solutions import em_gmm as ref

from ..core.framework import (FLOAT32_NOTE, name_mistake, FLOAT32_RTOL, CheckFailed, Lazy, Tolerance, accept, as_array,
                              as_dict, as_float, call_text, check, expect_close, fmt, mismatch, note,
                              fixed_rng, rng)
from ..sandbox.wire import FigureData

# A log-likelihood is a sum of n log-sum-exps: any order of summation or an
# equivalent formula (scipy.stats.norm.logpdf, a max-shifted exp) agrees to
# ~1e-14 relative. 1e-9 leaves room for that and is still 10^6 times tighter
# than the smallest mistake below (a missing log 2 pi moves it by > 1 %).
EXACT = 1e-9
# Responsibilities are probabilities in [0, 1]: 1e-12 absolute covers a
# ratio of densities against exp(log r); every mistake moves them by > 1e-3.
RESP_ATOL = 1e-12
# EM histories: a loop and the vectorised reference drift apart by at most
# ~1e-13 relative over 20 iterations (measured; EM contracts near its fixed
# point, so rounding does not grow). 1e-7 relative, with 1e-9 absolute for
# means near 0, is a million times that, and a thousand times tighter than
# dividing a variance by n instead of N_k.
HISTORY = 1e-7
HISTORY_ATOL = 1e-9
# A log-likelihood "decrease" smaller than this relative size is rounding:
# EM's increase is exactly 0 only at a fixed point, where sums reorder, and a
# log-likelihood computed in float32 is good to a few 1e-7 relative.
MONOTONE = 1e-6


# --------------------------------------------------------------------------
# Data and the mistake models
# --------------------------------------------------------------------------

def _sample(name: str, n: int, weights, means, variances, *, draw=None) -> np.ndarray:
    r = (draw or rng)(name)
    labels = r.choice(len(weights), size=n, p=np.asarray(weights) / np.sum(weights))
    return r.normal(np.asarray(means, dtype=float)[labels], np.sqrt(np.asarray(variances, dtype=float))[labels])


def _log_terms(x, weights, means, variances):
    """log pi_k and log N(x_i; mu_k, sigma_k^2), each (n, K), written out here on purpose."""
    x = np.asarray(x, dtype=float)[:, None]
    mu = np.asarray(means, dtype=float)[None, :]
    var = np.asarray(variances, dtype=float)[None, :]
    log_density = -0.5 * np.log(2 * np.pi * var) - (x - mu) ** 2 / (2 * var)
    return np.log(np.asarray(weights, dtype=float))[None, :], log_density


def _ll_mistakes(x, weights, means, variances) -> dict:
    log_w, log_n = _log_terms(x, weights, means, variances)
    right = ref.gmm_log_likelihood(x, weights, means, variances)
    x_arr = np.asarray(x, dtype=float)
    var = np.asarray(variances, dtype=float)
    return {
        "It ignores the mixing weights: each component's density counts with its weight pi_k.":
            float(np.sum(logsumexp(log_n, axis=1))),
        "It matches the mean over the points: the log-likelihood is a sum over i.": right / x_arr.size,
        "It sums log(pi_k N(x_i; ...)) over k: the log goes outside the sum over components "
        "(log of a sum, not a sum of logs).": float(np.sum(log_w + log_n)),
        "It sums pi_k log N(x_i; ...) over k: that is not the mixture log-likelihood; take the "
        "log of sum_k pi_k N(x_i; ...).": float(np.sum(np.exp(log_w) * log_n)),
        "It keeps only the best component of each point (max over k): add up all components "
        "with log-sum-exp.": float(np.sum(np.max(log_w + log_n, axis=1))),
        "It squares the variances: `variances` already holds sigma_k^2, use it as it is.":
            ref.gmm_log_likelihood(x, weights, means, var**2),
        "It uses sqrt(variances) as the variance: `variances` holds sigma_k^2, not sigma_k.":
            ref.gmm_log_likelihood(x, weights, means, np.sqrt(var)),
        "It is missing the log(2 pi) constant of the Gaussian density.":
            right + 0.5 * x_arr.size * np.log(2 * np.pi),
        "It has log(2 pi) where (1/2) log(2 pi) belongs in log N: the 1/2 in front of log(2 pi) "
        "is missing.": right - 0.5 * x_arr.size * np.log(2 * np.pi),
        "The quadratic term of log N is missing its 1/2: log N(x; mu, sigma^2) has "
        "-(x - mu)^2 / (2 sigma^2), not -(x - mu)^2 / sigma^2.":
            float(np.sum(logsumexp(log_w + log_n - (x_arr[:, None] - np.asarray(means, dtype=float)) ** 2
                                   / (2 * var), axis=1))),
        "It has the wrong sign: this is the negative log-likelihood.": -right,
    }


def _resp_mistakes(x, weights, means, variances) -> dict:
    log_w, log_n = _log_terms(x, weights, means, variances)
    joint = np.exp(log_w + log_n)
    var = np.asarray(variances, dtype=float)
    hard = np.eye(len(weights))[np.argmax(log_w + log_n, axis=1)]
    return {
        "The responsibilities are not normalised: divide pi_k N(x_i; mu_k, sigma_k^2) by its "
        "sum over k, so that every row sums to 1.": joint,
        "The E-step ignores the mixing weights: r_ik is proportional to pi_k N(x_i; ...), "
        "not to N(x_i; ...) alone.": np.exp(log_n - logsumexp(log_n, axis=1, keepdims=True)),
        "It normalises over the points (each column sums to 1): normalise over the components k, "
        "so that each row sums to 1.": joint / joint.sum(axis=0, keepdims=True),
        "These are hard 0/1 assignments (that is k-means): responsibilities are probabilities.": hard,
        "It squares the variances: `variances` already holds sigma_k^2.":
            ref.e_step(x, weights, means, var**2),
        "It uses sqrt(variances) as the variance: `variances` holds sigma_k^2, not sigma_k.":
            ref.e_step(x, weights, means, np.sqrt(var)),
        "The quadratic term of log N is missing its 1/2: log N(x; mu, sigma^2) has "
        "-(x - mu)^2 / (2 sigma^2), not -(x - mu)^2 / sigma^2.": ref.e_step(x, weights, means, var / 2),
    }


def _m_step_mistakes(x, resp) -> dict:
    """Wrong (weights, means, variances), per returned array."""
    x = np.asarray(x, dtype=float)
    resp = np.asarray(resp, dtype=float)
    n = x.size
    nk = resp.sum(axis=0)
    means = resp.T @ x / nk
    spread = np.sum(resp * (x[:, None] - means) ** 2, axis=0)
    return {
        "weights": {
            "The weights are N_k = sum_i r_ik: divide by n so that they sum to 1.": nk,
            "The weights divide N_k by K: divide by n, the number of points.": nk / resp.shape[1],
        },
        "means": {
            "The means divide by n: mu_k = sum_i r_ik x_i / N_k divides by N_k.": resp.T @ x / n,
            "The means are not weighted by the responsibilities.": np.full(resp.shape[1], x.mean()),
        },
        "variances": {
            "The variances divide by n instead of N_k: sigma_k^2 = sum_i r_ik (x_i - mu_k)^2 / N_k.":
                spread / n,
            "These are standard deviations: return the variances sigma_k^2, without the square root.":
                np.sqrt(spread / nk),
            "The variances measure the spread around the mean of all points, not around mu_k.":
                np.sum(resp * (x[:, None] - x.mean()) ** 2, axis=0) / nk,
        },
    }


def _em(x, weights, means, variances, n_iter, *, old_means=False):
    """EM written out again here, with the one mistake a history check can name."""
    x = np.asarray(x, dtype=float)
    w, m, v = (np.array(p, dtype=float) for p in (weights, means, variances))
    rows = [(w, m, v)]
    for _ in range(n_iter):
        resp = ref.e_step(x, w, m, v)
        nk = resp.sum(axis=0)
        new_m = resp.T @ x / nk
        v = np.sum(resp * (x[:, None] - (m if old_means else new_m)) ** 2, axis=0) / nk
        w, m = nk / x.size, new_m
        rows.append((w, m, v))
    return {key: np.array([row[i] for row in rows]) for i, key in enumerate(("weights", "means", "variances"))}


# --------------------------------------------------------------------------
# gmm_log_likelihood
# --------------------------------------------------------------------------

def _ll_check(student, x, weights, means, variances):
    args = (x, weights, means, variances)
    call = call_text("gmm_log_likelihood", args)
    got = as_float(student.gmm_log_likelihood(*args), call, finite=False)
    want = ref.gmm_log_likelihood(*args)
    if not np.isfinite(got):
        far = _farthest_point(*args)
        raise CheckFailed(
            f"Called {call}: got {fmt(got)}, expected {fmt(want)}. For the point x = {far:g} every "
            f"density pi_k N(x; mu_k, sigma_k^2) underflows to 0.0, and log(0) = -inf: this is the "
            f"mixture log-likelihood without log-sum-exp. Work with a_k = log pi_k + log N(x; ...) "
            f"and combine them with scipy.special.logsumexp.")
    expect_close(got, want, call=call, rtol=EXACT, mistakes=Lazy(lambda: _ll_mistakes(*args)))


def _farthest_point(x, weights, means, variances) -> float:
    log_w, log_n = _log_terms(x, weights, means, variances)
    return float(np.asarray(x, dtype=float)[np.argmin(np.max(log_w + log_n, axis=1))])


@check("gmm_log_likelihood", points=1)
def ll_small_exact(student):
    """Log-likelihood of four points under a two-component mixture, against the formula."""
    _ll_check(student, np.array([-1.0, 0.0, 0.5, 3.0]), np.array([0.3, 0.7]),
              np.array([-1.0, 2.0]), np.array([0.5, 2.0]))


@check("gmm_log_likelihood", points=1)
def ll_seeded_k2_k3(student):
    """Hidden-seed data, K = 2 and K = 3, at the truth and at poor parameters."""
    x2 = _sample("ll-k2", 200, [0.35, 0.65], [-2.5, 1.5], [0.6, 1.8])
    _ll_check(student, x2, np.array([0.35, 0.65]), np.array([-2.5, 1.5]), np.array([0.6, 1.8]))
    _ll_check(student, x2, np.array([0.8, 0.2]), np.array([0.0, 0.3]), np.array([4.0, 0.25]))
    x3 = _sample("ll-k3", 300, [0.5, 0.3, 0.2], [-4.0, 0.0, 3.5], [1.0, 0.3, 2.0])
    _ll_check(student, x3, np.array([0.5, 0.3, 0.2]), np.array([-4.0, 0.0, 3.5]), np.array([1.0, 0.3, 2.0]))
    _ll_check(student, x3, np.array([0.2, 0.2, 0.6]), np.array([-1.0, 1.0, 2.0]), np.array([2.0, 5.0, 0.5]))


#: The mixture of ``ll_far_points`` (tests/test_reference_witnesses.py: scipy.stats agrees at 60).
FAR_MIXTURE = (np.array([0.4, 0.6]), np.array([-1.0, 1.0]), np.array([1.0, 0.5]))


@check("gmm_log_likelihood", points=1)
def ll_far_points(student):
    """Finite and right for points so far from every component that all densities underflow."""
    _ll_check(student, np.array([0.2, -0.7, 60.0]), *FAR_MIXTURE)
    _ll_check(student, np.array([-1e4, 0.0, 1e4]), *FAR_MIXTURE)


@check("gmm_log_likelihood", points=1, scale=True)
def ll_large_and_lists(student):
    """100 000 points with K = 3, and plain lists for every argument.

    The exercise's one large input: the sum over many points must stay finite and a loop over
    them must finish in the time limit."""
    x = _sample("ll-large", 100_000, [0.2, 0.5, 0.3], [-3.0, 0.5, 4.0], [0.5, 1.0, 1.5])
    _ll_check(student, x, np.array([0.25, 0.45, 0.3]), np.array([-2.8, 0.4, 4.2]), np.array([0.6, 1.1, 1.2]))
    _ll_check(student, [0.5, 1.5, -2.0, 7.25], [0.6, 0.4], [0.0, 2.0], [1.0, 4.0])


# --------------------------------------------------------------------------
# e_step
# --------------------------------------------------------------------------

def _resp_check(student, x, weights, means, variances):
    args = (x, weights, means, variances)
    call = call_text("e_step", args)
    n, k = np.asarray(x).size, np.asarray(weights).size
    got = student.e_step(*args)
    if isinstance(got, np.ndarray) and got.shape == (k, n) and n != k:
        raise CheckFailed(f"Called {call}: the responsibilities have shape {got.shape}, expected "
                          f"{(n, k)}: one row per point, one column per component (transpose it).")
    got = as_array(got, (n, k), call, what="responsibilities", finite=False)
    want = ref.e_step(*args)
    if not np.all(np.isfinite(got)):
        rows = np.flatnonzero(~np.all(np.isfinite(got), axis=1))
        point = np.asarray(x, dtype=float)[rows[0]]
        raise CheckFailed(
            f"Called {call}: the responsibilities of x = {point:g} are {fmt(got[rows[0]])}, "
            f"expected {fmt(want[rows[0]])}. For a point far from every component all densities "
            f"underflow to 0.0 and the ratio is 0/0 = NaN: compute log r_ik = a_k - logsumexp(a) "
            f"with a_k = log pi_k + log N(x_i; mu_k, sigma_k^2), then exponentiate.")
    verdict = accept(got, want, Tolerance(0.0, RESP_ATOL), Lazy(lambda: _resp_mistakes(*args)))
    if verdict is True:
        return
    base = mismatch(call, "", got, want)
    if isinstance(verdict, str):
        raise CheckFailed(f"{base} {verdict}")
    sums = got.sum(axis=1)
    worst = int(np.argmax(np.abs(sums - 1.0)))
    if abs(sums[worst] - 1.0) > FLOAT32_RTOL:
        raise CheckFailed(f"{base} Row {worst} sums to {sums[worst]:.9g}, not 1: the responsibilities are "
                          f"not normalised over the components.")
    raise CheckFailed(f"{base} Every row sums to 1, but the split between the components is wrong: "
                      f"r_ik is proportional to pi_k N(x_i; mu_k, sigma_k^2).")


@check("e_step", points=1)
def e_step_small_exact(student):
    """Responsibilities of four points under unequal weights, against the formula."""
    _resp_check(student, np.array([-1.0, 0.0, 0.5, 3.0]), np.array([0.3, 0.7]),
                np.array([-1.0, 2.0]), np.array([0.5, 2.0]))


@check("e_step", points=1)
def e_step_seeded_k2_k3(student):
    """Hidden-seed data with K = 2 and K = 3, several parameter settings."""
    x2 = _sample("e-k2", 150, [0.25, 0.75], [-1.0, 2.0], [1.0, 0.8])
    _resp_check(student, x2, np.array([0.25, 0.75]), np.array([-1.0, 2.0]), np.array([1.0, 0.8]))
    _resp_check(student, x2, np.array([0.9, 0.1]), np.array([0.5, 0.6]), np.array([3.0, 0.2]))
    x3 = _sample("e-k3", 240, [0.5, 0.2, 0.3], [-3.0, 0.0, 2.5], [0.7, 0.4, 1.2])
    _resp_check(student, x3, np.array([0.5, 0.2, 0.3]), np.array([-3.0, 0.0, 2.5]), np.array([0.7, 0.4, 1.2]))
    _resp_check(student, x3, np.array([0.1, 0.6, 0.3]), np.array([-1.0, -0.5, 4.0]), np.array([2.0, 1.0, 0.3]))


@check("e_step", points=1)
def e_step_far_points(student):
    """Rows still sum to 1 for points far from every component (densities underflow)."""
    weights, means, variances = np.array([0.4, 0.6]), np.array([-1.0, 1.0]), np.array([1.0, 0.5])
    _resp_check(student, np.array([0.2, -0.7, 60.0, -45.0]), weights, means, variances)
    _resp_check(student, np.array([1e4, 0.0, -1e4]), np.array([0.2, 0.3, 0.5]),
                np.array([-2.0, 0.0, 2.0]), np.array([1.0, 2.0, 0.5]))


@check("e_step", points=1)
def e_step_large_and_lists(student):
    """1 000 points, and plain lists for every argument."""
    x = _sample("e-large", 1_000, [0.3, 0.7], [-2.0, 2.0], [1.0, 1.0])
    _resp_check(student, x, np.array([0.4, 0.6]), np.array([-1.5, 1.8]), np.array([1.3, 0.9]))
    _resp_check(student, [0.5, 1.5, -2.0, 7.25, 3.0], [0.6, 0.4], [0.0, 2.0], [1.0, 4.0])


# --------------------------------------------------------------------------
# m_step
# --------------------------------------------------------------------------

def _m_check(student, x, resp):
    call = call_text("m_step", (x, resp))
    got = student.m_step(x, resp)
    k = np.asarray(resp).shape[1]
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        raise CheckFailed(f"Called {call}: it should return a tuple (weights, means, variances) of "
                          f"three arrays of shape ({k},), but returned {fmt(got)}.")
    names = ("weights", "means", "variances")
    got = [as_array(g, (k,), call, what=name) for g, name in zip(got, names)]
    want = ref.m_step(x, resp)
    x_arr = np.asarray(x, dtype=float)
    tol = Tolerance(EXACT, 1e-12)
    for order in ((1, 2, 0), (2, 0, 1), (1, 0, 2), (0, 2, 1), (2, 1, 0)):
        if (all(tol.within32(got[i], want[j]) for i, j in enumerate(order))
                and not all(tol.within32(g, w) for g, w in zip(got, want))):
            raise CheckFailed(f"Called {call}: got {fmt(tuple(got))}, expected {fmt(tuple(want))}: the "
                              f"right numbers in the wrong order. Return (weights, means, variances).")
    mistakes = Lazy(lambda: _m_step_mistakes(x, resp))
    for g, w, name in zip(got, want, names):
        # 1e-12 absolute only matters for means that are 0 exactly.
        expect_close(g, w, call=call, rtol=EXACT, atol=1e-12, what=name, mistakes=mistakes[name],
                     tolerance=Tolerance(EXACT, 1e-12, atol32=FLOAT32_RTOL * (np.std(x_arr) or 1.0)
                                         if name == "means" else None))


@check("m_step", points=1)
def m_step_hard_assignments(student):
    """x = [0, 2, 4, 10] split 2 + 2: weights 1/2, means 1 and 7, variances 1 and 9 (n would give 1/2, 9/2)."""
    _m_check(student, np.array([0.0, 2.0, 4.0, 10.0]),
             np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]))


@check("m_step", points=1)
def m_step_soft_seeded_k2_k3(student):
    """Soft responsibilities from hidden seeds, K = 2 and K = 3."""
    r = rng("m-soft")
    for n, k in [(7, 2), (60, 3), (500, 2)]:
        x = r.normal(1.0, 3.0, size=n)
        _m_check(student, x, r.dirichlet(np.full(k, 0.7), size=n))


@check("m_step", points=1)
def m_step_after_an_e_step(student):
    """Responsibilities from a real E-step on K = 3 data, and a 1 000-point case."""
    x = _sample("m-e", 300, [0.3, 0.3, 0.4], [-3.0, 0.0, 3.0], [0.5, 1.0, 0.8])
    _m_check(student, x, ref.e_step(x, [0.2, 0.5, 0.3], [-2.0, 0.5, 2.0], [1.0, 1.0, 1.0]))
    big = _sample("m-big", 1_000, [0.6, 0.4], [0.0, 5.0], [1.0, 2.0])
    _m_check(student, big, ref.e_step(big, [0.5, 0.5], [1.0, 4.0], [2.0, 2.0]))


@check("m_step", points=1)
def m_step_lists(student):
    """Plain lists for x and the responsibilities."""
    _m_check(student, [1.0, 2.0, 4.0, 8.0, -1.0],
             [[0.9, 0.1], [0.6, 0.4], [0.5, 0.5], [0.05, 0.95], [1.0, 0.0]])


# --------------------------------------------------------------------------
# fit_gmm_em
# --------------------------------------------------------------------------

KEYS = ("weights", "means", "variances", "log_likelihood")


def _history(value, call, n_iter, k, x, start) -> dict:
    value = as_dict(value, KEYS, call)
    rows = n_iter + 1
    out = {}
    for key in KEYS:
        shape = (rows,) if key == "log_likelihood" else (rows, k)
        item = value[key]
        if isinstance(item, (list, tuple)):
            try:
                item = np.asarray(item, dtype=float)
            except (TypeError, ValueError):
                pass
        if isinstance(item, np.ndarray) and item.shape != shape:
            raise CheckFailed(_row_count_problem(item, key, shape, call, n_iter, k, x, start))
        out[key] = as_array(item, shape, call, what=f"history[{key!r}]")
    return out


def _row_count_problem(item, key, shape, call, n_iter, k, x, start) -> str:
    """Say why history[key] has the wrong shape, from what its rows hold."""
    rows = n_iter + 1
    head = f"Called {call}: history[{key!r}] has shape {item.shape}, expected {shape}"
    tol = _history_tolerance(x, key) if key != "log_likelihood" else Tolerance(EXACT)
    try:
        want = ref.fit_gmm_em(x, *start, n_iter=n_iter)[key]
    except Exception:  # noqa: BLE001 - a grader sanity net: fall back to the shape alone
        want = None
    if want is not None and item.shape == want.shape[1:] and key != "log_likelihood":
        if tol.within32(item, want[-1]):
            return (f"{head}: it holds only the final {key}, not their history. Store a copy of the "
                    f"parameters at every row: row 0 the starting ones, then one row after each round.")
        if tol.within32(item, want[0]):
            return (f"{head}: it holds only the starting {key}. Store a copy of the parameters after "
                    f"every round too, one row per round.")
    if item.ndim >= 1 and item.shape[1:] == shape[1:]:
        r = item.shape[0]
        if want is not None and r == n_iter and n_iter > 0:
            if tol.within32(item, want[1:]):
                return (f"{head}: the history has no initial row. Row 0 must hold the starting "
                        f"parameters (and log_likelihood[0] the log-likelihood there), before the first "
                        f"E-step.")
            if tol.within32(item, want[:-1]):
                return (f"{head}: row 0 holds the starting parameters, but the history ends one round "
                        f"early: it runs n_iter - 1 rounds (as `for _ in range(1, n_iter)` does). Run "
                        f"n_iter rounds after the starting row.")
        if want is not None and 1 <= r < rows and tol.within32(item, want[:r]):
            return (f"{head}: its rows are right but stop after {r - 1} rounds. Run exactly n_iter "
                    f"rounds (do not stop early, even when the parameters stop changing).")
        if r == rows + 1:
            return f"{head}: it runs one round too many (n_iter rounds give n_iter + 1 rows, row 0 the start)."
        if r == n_iter:
            return (f"{head}: one row too few. Row 0 holds the starting parameters, then one row after "
                    f"each of the n_iter rounds.")
        if r == 0:
            return f"{head}: it is empty. Row 0 holds the starting parameters, even for n_iter = 0."
    if key != "log_likelihood" and item.shape == (k, rows) and k != rows:
        return f"{head}: one row per iteration, one column per component (transpose it)."
    return f"{head}: row 0 the starting parameters, then one row after each of the n_iter rounds."


def _fit(student, x, start, n_iter=None):
    kwargs = {} if n_iter is None else {"n_iter": n_iter}
    call = call_text("fit_gmm_em", (x, *start), kwargs)
    k = np.asarray(start[0]).size
    rounds = 20 if n_iter is None else n_iter
    got = _history(student.fit_gmm_em(x, *start, **kwargs), call, rounds, k, x, start)
    return got, call


def _history_mistakes(x, start, n_iter, want) -> dict:
    """Whole histories (per key) that a classic mistake in the loop would produce."""
    return {
        "variances": {
            "The M-step's variances use the old means: compute the new means first and measure "
            "the spread around them.": _em(x, *start, n_iter, old_means=True)["variances"],
            "The history holds standard deviations: store the variances sigma_k^2.": np.sqrt(want["variances"]),
        },
    }


def _history_tolerance(x, key) -> Tolerance:
    """HISTORY, with a float32 tier whose absolute part is in the units of the key: a float32
    mean near 0 is off by eps times the data's spread, not by eps times itself."""
    spread = float(np.std(np.asarray(x, dtype=float))) or 1.0
    unit = {"means": spread, "variances": spread**2}.get(key, 1.0)
    return Tolerance(HISTORY, HISTORY_ATOL, atol32=FLOAT32_RTOL * unit)


def _first_wrong_row(got, want, tol) -> int:
    return next(t for t in range(got.shape[0]) if not tol.within32(got[t], want[t]))


def _compare_history(got, call, x, start, n_iter):
    want = ref.fit_gmm_em(x, *start, n_iter=n_iter)
    mistakes = _history_mistakes(x, start, n_iter, want)
    for key, first in zip(("weights", "means", "variances"), start):
        tol = _history_tolerance(x, key)
        verdict = accept(got[key], want[key], tol, mistakes.get(key, {}))
        if verdict is True:
            continue
        first = np.asarray(first, dtype=float)
        if not tol.within32(got[key][0], first):
            raise CheckFailed(f"Called {call}: history[{key!r}][0] is {fmt(got[key][0])}, but row 0 must "
                              f"be the starting {key} {fmt(first)}, recorded before the first E-step.")
        t = _first_wrong_row(got[key], want[key], tol)
        base = mismatch(call, f"history[{key!r}][{t}]", got[key][t], want[key][t])
        if isinstance(verdict, str):
            raise CheckFailed(f"{base} {verdict}")
        if t >= 1 and tol.within32(got[key][t], want[key][t - 1]):
            raise CheckFailed(f"{base} Row {t} repeats row {t - 1}: row t must hold the parameters after "
                              f"exactly t rounds, so store the parameters after each round's M-step.")
        right = "Row 0 is right" if t == 1 else f"Rows 0 to {t - 1} are right"
        raise CheckFailed(f"{base} {right}; row {t} must hold the parameters after "
                          f"exactly {t} round{'s' if t > 1 else ''} of E-step then M-step.")
    _check_ll_rows(got, call, x)


def _check_ll_rows(got, call, x):
    """log_likelihood[t] is the log-likelihood at the student's own row t."""
    rows = zip(got["weights"], got["means"], got["variances"])
    want = np.array([ref.gmm_log_likelihood(x, *row) if np.all(row[2] > 0) and np.all(row[0] > 0) else np.nan
                     for row in rows])
    ll = got["log_likelihood"]
    tol = Tolerance(EXACT)
    if accept(ll, want, tol) is True:
        return
    t = next(t for t in range(ll.size) if not tol.within32(ll[t], want[t]))
    message = mismatch(call, f"log_likelihood[{t}]", ll[t], want[t])[:-1] + (
        f", the log-likelihood at the parameters of row {t}.")
    if ll.size > 1 and tol.within32(ll[:-1], want[1:]):
        name_mistake("log_likelihood[t] is evaluated at row t + 1, after the update.")
        raise CheckFailed(f"{message} log_likelihood[t] is evaluated at row t + 1 (after the update): "
                          f"evaluate it at row t, and start with the starting parameters.")
    if ll.size > 1 and tol.within32(ll[1:], want[:-1]):
        name_mistake("The log-likelihood is recorded before the M-step of the same iteration (its curve "
                     "is shifted by one iteration).")
        raise CheckFailed(f"{message} log_likelihood[t] is evaluated at row t - 1: it is recorded before "
                          f"the M-step (with the parameters the E-step used). Record it after the M-step, "
                          f"at the parameters of row t.")
    raise CheckFailed(message)


#: A two-bell mixture and a poor start (wide bells close together).
K2_TRUTH = ([0.3, 0.7], [-1.5, 2.5], [0.8, 1.6])
K2_START = (np.array([0.5, 0.5]), np.array([-0.5, 0.8]), np.array([3.0, 3.0]))
K3_TRUTH = ([0.5, 0.3, 0.2], [-4.0, 0.0, 3.0], [1.0, 0.5, 2.0])
K3_START = (np.array([0.3, 0.3, 0.4]), np.array([-1.0, 0.0, 1.0]), np.array([4.0, 4.0, 4.0]))


@check("fit_gmm_em", points=1)
def fit_zero_iterations(student):
    """n_iter = 0: the history is the starting point alone (one row)."""
    x = _sample("fit-0", 80, *K2_TRUTH)
    got, call = _fit(student, x, K2_START, 0)
    _compare_history(got, call, x, K2_START, 0)


@check("fit_gmm_em", points=1)
def fit_one_iteration(student):
    """n_iter = 1: the start, then one round of E-step and M-step (K = 3)."""
    x = _sample("fit-1", 150, *K3_TRUTH)
    got, call = _fit(student, x, K3_START, 1)
    _compare_history(got, call, x, K3_START, 1)


@check("fit_gmm_em", points=1)
def fit_history_k2(student):
    """20 iterations from a poor start, K = 2: every row of the history."""
    x = _sample("fit-k2", 200, *K2_TRUTH)
    got, call = _fit(student, x, K2_START, 20)
    _compare_history(got, call, x, K2_START, 20)


@check("fit_gmm_em", points=1)
def fit_history_k3_several_seeds(student):
    """K = 3 on three hidden seeds, 15 iterations, with plain lists as input."""
    for seed in range(3):
        x = _sample(f"fit-k3-{seed}", 150 + 30 * seed, *K3_TRUTH)
        start = tuple(p.tolist() for p in K3_START)
        got, call = _fit(student, x.tolist(), start, 15)
        _compare_history(got, call, x, start, 15)


@check("fit_gmm_em", points=1)
def fit_log_likelihood_at_each_row(student):
    """log_likelihood[t] is the log-likelihood at row t of your own history."""
    x = _sample("fit-ll-rows", 300, *K2_TRUTH)
    got, call = _fit(student, x, K2_START, 8)
    _check_ll_rows(got, call, x)


@check("fit_gmm_em", points=1)
def fit_log_likelihood_never_decreases(student):
    """Your log-likelihood history never goes down (several seeds, K = 2 and 3)."""
    cases = [(f"fit-mono-{seed}", truth, start) for seed in range(3)
             for truth, start in ((K2_TRUTH, K2_START), (K3_TRUTH, K3_START))]
    for name, truth, start in cases:
        x = _sample(name, 120, *truth)
        got, call = _fit(student, x, start, 12)
        ll = got["log_likelihood"]
        drops = np.flatnonzero(np.diff(ll) < -MONOTONE * np.abs(ll[:-1]))
        if drops.size:
            t = int(drops[0])
            raise CheckFailed(
                f"Called {call}: the log-likelihood goes down from row {t} to row {t + 1} "
                f"({ll[t]:.10g} then {ll[t + 1]:.10g}). EM never lowers the log-likelihood, so a step is "
                f"wrong (or log_likelihood[t] is not evaluated at row t).")


@check("fit_gmm_em", points=1)
def fit_default_run_converges(student):
    """The default 20-iteration run on 3000 points ends where the reference ends, near the truth."""
    truth = ([0.4, 0.6], [-3.0, 2.0], [1.0, 1.5])
    x = _sample("fit-converge", 3000, *truth)
    start = (np.array([0.5, 0.5]), np.array([-1.0, 1.0]), np.array([2.0, 2.0]))
    got, call = _fit(student, x, start)
    want = ref.fit_gmm_em(x, *start)
    mistakes = _history_mistakes(x, start, 20, want)
    for key in ("weights", "means", "variances"):
        expect_close(got[key][-1], want[key][-1], call=call, rtol=HISTORY, atol=HISTORY_ATOL,
                     tolerance=_history_tolerance(x, key),
                     what=f"the {key} after 20 iterations",
                     mistakes={text: wrong[-1] for text, wrong in mistakes.get(key, {}).items()},
                     hint="Each round is one E-step then one M-step, 20 rounds by default.")
    # The reference lands within sampling error of the truth on every seed:
    # tests/test_check_margins.py runs this check on 100 of them.


# --------------------------------------------------------------------------
# plot_em_history
# --------------------------------------------------------------------------

def _plot_history() -> dict:
    # The same history for every submission: a figure of it cannot be looked up, only drawn.
    x = _sample("plot", 300, *K3_TRUTH, draw=fixed_rng)
    return ref.fit_gmm_em(x, *K3_START, n_iter=12)


def _figure(student, history) -> tuple[FigureData, str]:
    call = "plot_em_history(<a history of 12 iterations, K = 3>)"
    fig = student.plot_em_history(history)
    if not isinstance(fig, FigureData):
        raise CheckFailed(f"Called {call}: it should return a matplotlib Figure, but returned {fmt(fig)}. "
                          f"Create it with fig, axes = plt.subplots(...) and end with `return fig`.")
    if not fig.get("axes"):
        raise CheckFailed(f"Called {call}: the figure it returned has no axes: nothing is plotted.")
    return fig, call


def _curves(fig):
    """(axes index, x, y) for every line and every scatter of the figure."""
    for index, ax in enumerate(fig["axes"]):
        for line in ax.get("lines", []):
            yield index, np.asarray(line["x"], dtype=float).ravel(), np.asarray(line["y"], dtype=float).ravel()
        for collection in ax.get("collections", []):
            offsets = np.asarray(collection["offsets"], dtype=float)
            if offsets.ndim == 2 and offsets.shape[1] == 2:
                yield index, offsets[:, 0], offsets[:, 1]


def _same(a, b) -> bool:
    """Plotted data are the history's own floats: any copy or conversion to float64 passes at
    1e-9, and so does the history rounded to float32 (a student computing in float32), with
    the float32 note; anything else is other data."""
    if a.shape != b.shape:
        return False
    if np.allclose(a, b, rtol=1e-9, atol=1e-12):
        return True
    with np.errstate(all="ignore"):
        rounded = b.astype(np.float32).astype(float)
    if np.allclose(a, rounded, rtol=1e-9, atol=1e-12):
        note(FLOAT32_NOTE)
        return True
    return False


def _find(fig, series) -> tuple[int | None, bool]:
    """(axes index of a curve showing ``series`` against 0..n_iter, whether only x was wrong)."""
    iterations = np.arange(series.size, dtype=float)
    wrong_x = False
    for index, x, y in _curves(fig):
        if _same(y, series):
            if _same(x, iterations):
                return index, False
            wrong_x = True
    return None, wrong_x


def _require(fig, call, history, key, name, wrong=None) -> list[int]:
    values = np.asarray(history[key], dtype=float)
    columns = [values] if values.ndim == 1 else [values[:, k] for k in range(values.shape[1])]
    found = []
    for k, series in enumerate(columns):
        index, wrong_x = _find(fig, series)
        what = name if values.ndim == 1 else f"{name} of component {k}"
        if index is None:
            if wrong_x:
                raise CheckFailed(f"Called {call}: the {what} are plotted, but not against the iteration "
                                  f"numbers 0, 1, ..., {series.size - 1} (row t of the history is iteration t).")
            for message, transform in (wrong or {}).items():
                if _find(fig, transform(series))[0] is not None:
                    raise CheckFailed(f"Called {call}: no line shows the {what} (history[{key!r}]). {message}")
            raise CheckFailed(f"Called {call}: no line of the figure shows the {what} (history[{key!r}]"
                              f"{'' if values.ndim == 1 else f'[:, {k}]'}) against the iterations "
                              f"0..{series.size - 1}. Plot one line per component from the history you are given.")
        found.append(index)
    return found


@check("plot_em_history", points=1)
def plot_shows_means_and_variances(student):
    """The figure plots the history's means and variances, one line per component, against the iterations."""
    history = _plot_history()
    fig, call = _figure(student, history)
    _require(fig, call, history, "means", "means")
    _require(fig, call, history, "variances", "variances",
             {"It plots standard deviations sqrt(sigma_k^2): plot the variances as the history holds them.":
              np.sqrt})


@check("plot_em_history", points=1)
def plot_shows_weights_and_log_likelihood(student):
    """The figure plots the history's weights and its log-likelihood against the iterations."""
    history = _plot_history()
    fig, call = _figure(student, history)
    _require(fig, call, history, "weights", "weights")
    _require(fig, call, history, "log_likelihood", "log-likelihood",
             {"It plots the negative log-likelihood: plot the log-likelihood itself.": np.negative})


@check("plot_em_history", points=1)
def plot_axes_are_labelled(student):
    """Every panel with data has a y label, and the iterations axis is labelled."""
    history = _plot_history()
    fig, call = _figure(student, history)
    axes = [(i, ax) for i, ax in enumerate(fig["axes"]) if ax.get("lines") or ax.get("collections")]
    if not axes:
        raise CheckFailed(f"Called {call}: the figure has no lines: nothing is plotted.")
    shown = {}
    for key in ("means", "variances", "weights", "log_likelihood"):
        values = np.asarray(history[key], dtype=float)
        index, _ = _find(fig, values if values.ndim == 1 else values[:, 0])
        if index is not None:
            shown.setdefault(index, []).append(key.replace("_", "-"))
    missing = []
    for i, ax in axes:
        if not str(ax.get("ylabel", "")).strip():
            what = " and ".join(shown.get(i, [])) or f"panel {i + 1}"
            missing.append(f"the panel of the {what} has no y label (ax.set_ylabel(...))"
                           if i in shown else f"{what} has no y label (ax.set_ylabel(...))")
    if not any(str(ax.get("xlabel", "")).strip() for _, ax in axes):
        missing.append("no panel labels its x axis with the iteration (ax.set_xlabel('iteration'))")
    if missing:
        raise CheckFailed(f"Called {call}: the axes are not labelled: {'; '.join(missing)}.")
