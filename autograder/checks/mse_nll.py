"""Hidden checks for exercise 2, MSE and the Gaussian negative log-likelihood.

Every check builds its data from a hidden seed, calls the student's function
in the sandbox, and compares it with the reference. Each tolerance is stated
with why it is that tight. One check (``nll_ranks_weights_like_mse``) tests
the lesson's point directly: for every sigma, the student's NLL orders
candidate weights exactly as the MSE does, so both have the same argmin.
"""

import numpy as np

from solutions import mse_nll as ref

from ..core.framework import (
    CheckFailed,
    ForbiddenRoutine,
    Lazy,
    NotImplementedYet,
    as_array,
    as_float,
    call_text,
    check,
    Tolerance,
    accept,
    expect_close,
    fmt,
    mismatch,
    note,
    optimiser_tolerance,
    fixed_rng,
    rng,
)

# Closed forms are a handful of floating-point operations: 1e-9 relative
# leaves room for any order of summation (and for 10^5-term sums), yet is
# 10^7 times tighter than n vs n - 1 at n = 40 (1.27 %).
EXACT = 1e-9
# A numerical optimiser stops near, not at, the optimum. 1e-4 relative is 100
# times tighter than n vs n - 1 at n = 40 and 400 times tighter than n vs n - d
# (4 % at n = 40, d = 3), so an optimiser that lands on the unbiased sigma fails.
OPTIMISER = 1e-4
# Least-squares weights from lstsq, QR, pinv or the normal equations agree to
# about cond(X_std)^2 * 1e-16 < 1e-12 on these designs (columns scaled to unit
# size, so the ill-scaled one is well conditioned once scaled); 1e-8 in those
# units leaves room for all of them, while dropping a column or reversing the
# weights moves them by 0.1 or more.
LSTSQ = 1e-8


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------

def _regression(name, n, d, *, scales=None, offset=0.0, noise=1.0, intercept=True, draw=None):
    """A seeded design (column of ones first when ``intercept``) and noisy targets."""
    r = (draw or rng)(name)
    X = r.normal(size=(n, d))
    if scales is not None:
        X = X * np.asarray(scales, dtype=float)
    if intercept:
        X[:, 0] = 1.0
    w = r.normal(size=d) * 3.0 / np.sqrt(np.mean(X**2, axis=0))
    y = X @ w + offset + noise * r.normal(size=n)
    return X, y


def _std_units(X, y):
    """Per-weight scale: a change dw_j moves the standardised weight by dw_j * this."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    x_scale = np.sqrt(np.mean(X**2, axis=0))
    x_scale[x_scale == 0] = 1.0
    return x_scale / (np.sqrt(np.mean(y**2)) or 1.0)


# --------------------------------------------------------------------------
# mse
# --------------------------------------------------------------------------

def _mse_mistakes(y, y_pred):
    r = np.asarray(y, dtype=float) - np.asarray(y_pred, dtype=float)
    n = r.size
    return {
        "It divides the sum of squares by n - 1: the mean squared error divides by n.":
            np.sum(r**2) / (n - 1) if n > 1 else np.nan,
        "It is the sum of the squared residuals: the MSE is their mean (divide by n).": np.sum(r**2),
        "It is the root of the MSE (RMSE): do not take the square root.": np.sqrt(np.mean(r**2)),
        "It is the square of the mean residual: square each residual first, then average.": np.mean(r) ** 2,
        "It is the mean absolute error: square the residuals instead of taking |.|.": np.mean(np.abs(r)),
    }


def _mse_check(student, y, y_pred):
    call = call_text("mse", (y, y_pred))
    got = as_float(student.mse(y, y_pred), call)
    expect_close(got, ref.mse(y, y_pred), call=call, rtol=EXACT, mistakes=Lazy(lambda: _mse_mistakes(y, y_pred)))


@check("mse", points=1)
def mse_small_exact(student):
    """Four points with residuals 0, 1, 2, 3: MSE = 14/4 = 3.5."""
    _mse_check(student, np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 1.0, 1.0, 1.0]))


@check("mse", points=1)
def mse_seeded_sizes(student):
    """Hidden-seed data of sizes 40, 2, 5000 and 1."""
    r = rng("mse-sizes")
    for n in (40, 2, 5_000, 1):  # n = 40 first: it names an n - 1 mistake before n = 1 divides by 0
        y = r.normal(5.0, 2.0, size=n)
        _mse_check(student, y, y + r.normal(0.3, 1.5, size=n))


@check("mse", points=1)
def mse_outlier_and_lists(student):
    """A residual of 10^6 among small ones, and plain lists."""
    y = rng("mse-outlier").normal(size=30)
    y_pred = y + 0.1
    y_pred[7] = 1e6
    _mse_check(student, y, y_pred)
    _mse_check(student, [0.5, -1.0, 2.0], [0.0, 0.0, 0.0])


# --------------------------------------------------------------------------
# gaussian_nll and nll_from_mse
# --------------------------------------------------------------------------

def _nll_scale(n, ss, sigma):
    """Size of the NLL's two terms: the NLL itself can be near 0 when they cancel,
    so tolerances are relative to the terms, not to their sum."""
    return abs(0.5 * n * np.log(2 * np.pi * sigma**2)) + ss / (2 * sigma**2)


def _nll_mistakes(n, ss, sigma, *, from_mse=False):
    """Classic wrong NLLs for n points with sum of squared residuals ss."""
    log_term = 0.5 * n * np.log(2 * np.pi * sigma**2)
    quad = ss / (2 * sigma**2)
    right = log_term + quad
    mistakes = {
        "It uses sigma where sigma^2 belongs (in log(2 pi sigma^2) and in 2 sigma^2): "
        "sigma is the standard deviation, so square it.":
            0.5 * n * np.log(2 * np.pi * sigma) + ss / (2 * sigma),
        "It divides the squared residuals by 2 sigma where 2 sigma^2 belongs: sigma is the "
        "standard deviation, so square it.": log_term + ss / (2 * sigma),
        "It has log(2 pi sigma) where log(2 pi sigma^2) belongs: sigma is the standard "
        "deviation, so square it.": 0.5 * n * np.log(2 * np.pi * sigma) + quad,
        "It is missing the (n/2) log(2 pi sigma^2) term: it does not depend on the weights, "
        "but it is part of the NLL (and it matters when sigma is fitted).": quad,
        "It is missing the 2 pi inside log(2 pi sigma^2).": 0.5 * n * np.log(sigma**2) + quad,
        "It is missing the 1/2 in front of n log(2 pi sigma^2).": 2 * log_term + quad,
        "It has n log(2 pi) where (n/2) log(2 pi) belongs: the 1/2 in front of log(2 pi) is missing.":
            right + 0.5 * n * np.log(2 * np.pi),
        "It has log(sigma) where n log(sigma) belongs: every one of the n points contributes log(sigma).":
            right - (n - 1) * np.log(sigma),
        "It divides the squared residuals by sigma^2 where 2 sigma^2 belongs.": log_term + 2 * quad,
        "It has the wrong sign: that is the log-likelihood; the NLL is its negative.": -right,
    }
    if n > 1:
        mistakes["It matches the mean of the per-point NLLs: the NLL is their sum."] = right / n
    if from_mse:
        mistakes["It uses the MSE where the sum of squares belongs: n * MSE / (2 sigma^2)."] = \
            log_term + ss / n / (2 * sigma**2)
    else:
        mistakes["It uses the mean of the squared residuals where their sum belongs."] = \
            log_term + ss / n / (2 * sigma**2)
    return mistakes


def _gaussian_nll_check(student, y, y_pred, sigma):
    call = call_text("gaussian_nll", (y, y_pred, sigma))
    got = as_float(student.gaussian_nll(y, y_pred, sigma), call)
    r = np.asarray(y, dtype=float) - np.asarray(y_pred, dtype=float)
    n, ss = r.size, float(np.sum(r**2))
    with np.errstate(all="ignore"):
        density = np.exp(-(r**2) / (2 * sigma**2)) / (sigma * np.sqrt(2 * np.pi))
        log_of_product = -float(np.log(np.prod(density)))
    mistakes = _nll_mistakes(n, ss, sigma)
    mistakes["It is minus the log of the product of the densities, which underflows to 0 for "
             "many points: sum the log-densities instead."] = log_of_product
    expect_close(got, ref.gaussian_nll(y, y_pred, sigma), call=call, rtol=EXACT,
                 atol=EXACT * _nll_scale(n, ss, sigma), mistakes=mistakes)


@check("gaussian_nll", points=1)
def gaussian_nll_small_exact(student):
    """Three points with sigma = 2, against the formula."""
    _gaussian_nll_check(student, np.array([1.0, 2.0, 4.0]), np.array([1.5, 2.0, 3.0]), 2.0)


@check("gaussian_nll", points=1)
def gaussian_nll_seeded(student):
    """40 hidden-seed points at sigma = 0.5, 3 and 20 (never 1, where sigma = sigma^2)."""
    r = rng("nll-seeded")
    y = r.normal(10.0, 3.0, size=40)
    y_pred = y + r.normal(0.0, 3.0, size=40)
    for sigma in (3.0, 0.5, 20.0):
        _gaussian_nll_check(student, y, y_pred, sigma)


# The data of the checks below that name a scipy.stats distribution: the reference agrees with it
# there (tests/test_reference_witnesses.py), so grading compares with the reference alone.

def nll_scipy_data() -> tuple[np.ndarray, np.ndarray, float]:
    r = rng("nll-scipy")
    return r.normal(size=25), r.normal(size=25), 1.7


def from_mse_data() -> tuple[np.ndarray, np.ndarray, tuple[float, ...]]:
    r = rng("from-mse-data")
    y = r.normal(50.0, 10.0, size=37)
    return y, y + r.normal(0.0, 4.0, size=37), (4.0, 0.7, 30.0)


def laplace_data() -> tuple[np.ndarray, np.ndarray, tuple[float, ...]]:
    r = rng("laplace-seeded")
    y = r.laplace(3.0, 2.0, size=45)
    return y, np.full(45, 2.5) + r.normal(0.0, 0.2, size=45), (1.5, 0.3, 7.0)


def bernoulli_data() -> tuple[np.ndarray, np.ndarray]:
    r = rng("bernoulli-seeded")
    p = r.uniform(0.02, 0.98, size=200)
    return (r.uniform(size=200) < p).astype(np.int64), p


@check("gaussian_nll", points=1)
def gaussian_nll_matches_scipy(student):
    """Agrees with -sum(scipy.stats.norm.logpdf) on 25 points, sigma = 1.7."""
    _gaussian_nll_check(student, *nll_scipy_data())


@check("gaussian_nll", points=1, scale=True)
def gaussian_nll_many_points_outlier_list(student):
    """Finite for 100000 points, for a residual of 10^4 sigma, and for plain lists.

    The exercise's one large input: the sum over many points must stay finite and a loop over
    them must finish in the time limit."""
    r = rng("nll-large")
    y = r.normal(size=100_000)
    _gaussian_nll_check(student, y, y + r.normal(0.0, 0.8, size=y.size), 0.8)
    _gaussian_nll_check(student, [0.3, -0.2, 1e4], [0.0, 0.0, 0.0], 1.0)
    _gaussian_nll_check(student, [1.0, 2.0], [1.5, 1.0], 0.25)


def _student_weights(student, X, y):
    """The student's least-squares weights if fit_linear_mse returns usable ones, else the
    reference's: the ranking check tests gaussian_nll and must not fail for another function."""
    try:
        value = student.fit_linear_mse(X, y)
        return as_array(value, (X.shape[1],), "fit_linear_mse"), "the weights your fit_linear_mse returned"
    except CheckFailed:
        return ref.fit_linear_mse(X, y), "the least-squares weights"


@check("gaussian_nll", points=1)
def nll_ranks_weights_like_mse(student):
    """For every sigma, gaussian_nll ranks candidate weights as the MSE does: the same argmin."""
    r = rng("nll-ranking")
    X, y = _regression("nll-ranking-data", 60, 3)
    w, source = _student_weights(student, X, y)
    unit = 1.0 / _std_units(X, y)  # one standardised unit of each weight
    candidates = [w] + [w + step * unit * r.normal(size=w.size) for step in (0.02, 0.05, 0.1, 0.3, 1.0)]
    mse_values = np.array([np.mean((y - X @ c) ** 2) for c in candidates])  # from numbers only
    order = np.argsort(mse_values)
    # The ranking must be unambiguous: neighbouring MSEs differ by far more than rounding.
    assert np.all(np.diff(mse_values[order]) > 1e-6 * mse_values[order][1:])
    for sigma in (0.3, 2.0, 15.0):
        nll = [as_float(student.gaussian_nll(y, X @ c, sigma), call_text("gaussian_nll", (y, X @ c, sigma)))
               for c in candidates]
        if not np.array_equal(np.argsort(nll), order):
            best_nll, best_mse = int(np.argmin(nll)), int(order[0])
            name = ["w"] + [f"w + perturbation {k}" for k in range(1, len(candidates))]
            raise CheckFailed(
                f"Called gaussian_nll(y, X @ v, sigma={sigma:g}) for v = w ({source}) and 5 perturbed "
                f"weights: it ranks them differently from the MSE. Lowest NLL at {name[best_nll]}, lowest "
                f"MSE at {name[best_mse]}; NLLs {fmt(np.array(nll))} for MSEs {fmt(mse_values)}. For a "
                f"fixed sigma the Gaussian NLL is (n/2) log(2 pi sigma^2) + n MSE / (2 sigma^2), an "
                f"increasing function of the MSE, so minimising either gives the same weights, whatever "
                f"sigma is. Check the sign and that the residuals are squared one by one.")


def _nll_from_mse_check(student, mse_value, n, sigma):
    call = call_text("nll_from_mse", (mse_value, n, sigma))
    got = as_float(student.nll_from_mse(mse_value, n, sigma), call)
    ss = mse_value * n
    mistakes = _nll_mistakes(n, ss, sigma, from_mse=True)
    mistakes["It is missing the (n/2) log(2 pi sigma^2) term: the log term is part of the NLL."] = \
        mistakes.pop("It is missing the (n/2) log(2 pi sigma^2) term: it does not depend on the weights, "
                     "but it is part of the NLL (and it matters when sigma is fitted).")
    mistakes["It has log(2 pi sigma^2) without the factor n/2: every point contributes it."] = \
        0.5 * np.log(2 * np.pi * sigma**2) + ss / (2 * sigma**2)
    expect_close(got, ref.nll_from_mse(mse_value, n, sigma), call=call, rtol=EXACT,
                 atol=EXACT * _nll_scale(n, ss, sigma), mistakes=mistakes)


@check("nll_from_mse", points=1)
def nll_from_mse_small_exact(student):
    """MSE 2.5 of 10 points at sigma = 2, against the formula."""
    _nll_from_mse_check(student, 2.5, 10, 2.0)


@check("nll_from_mse", points=1)
def nll_from_mse_equals_gaussian_nll(student):
    """From the MSE of hidden-seed data it gives the same number as -sum log N (scipy), several sigma."""
    y, y_pred, sigmas = from_mse_data()
    mse_value = ref.mse(y, y_pred)
    for sigma in sigmas:
        _nll_from_mse_check(student, mse_value, y.size, sigma)


@check("nll_from_mse", points=1)
def nll_from_mse_sizes(student):
    """n = 1 and n = 10^6, and an MSE of 0 (a perfect fit)."""
    for mse_value, n, sigma in [(0.81, 1_000_000, 0.9), (3.0, 1, 0.5), (0.0, 20, 1.3)]:
        _nll_from_mse_check(student, mse_value, n, sigma)


# --------------------------------------------------------------------------
# fit_linear_mse
# --------------------------------------------------------------------------

NOT_SQUARE = ("X is (n, d), not square, so it can be neither solved nor inverted directly. "
              "The normal equations (X^T X) w = X^T y are square: multiply both sides by X^T "
              "(or use np.linalg.lstsq(X, y)).")
SHAPES_DO_NOT_FIT = ("The shapes do not fit: X^T X is (d, d) but y has n entries. The normal "
                     "equations are (X^T X) w = X^T y: the right-hand side needs X^T too "
                     "(or use np.linalg.lstsq(X, y)).")


def _call_fit(student, function, X, y):
    """Call a fitting function, naming the classic shape mistakes if it raises on one."""
    try:
        return getattr(student, function)(X, y)
    except (NotImplementedYet, ForbiddenRoutine):
        raise
    except CheckFailed as exc:
        text = str(exc)
        if "must be square" in text:
            raise CheckFailed(f"{text}\n{NOT_SQUARE}") from None
        if any(s in text for s in ("mismatch in its core dimension", "not aligned", "incompatible dimensions")):
            raise CheckFailed(f"{text}\n{SHAPES_DO_NOT_FIT}") from None
        raise


def _weights(value, d, call):
    """The returned weights, with a sentence for the shapes that betray a mistake."""
    if isinstance(value, (list, tuple, np.ndarray)):
        shape = np.shape(value)
        if shape in ((d, 1), (1, d)) and d > 1:
            raise CheckFailed(f"Called {call}: it returned an array of shape {shape}; the weights are a "
                              f"1-D array of shape ({d},). Keep y 1-D (or .ravel() the result).")
        if shape == (d - 1,):
            raise CheckFailed(f"Called {call}: it returned {d - 1} weights for the {d} columns of X: it "
                              f"ignores a column. Every column of X gets a weight (a column of ones too).")
        if shape == (d + 1,):
            raise CheckFailed(f"Called {call}: it returned {d + 1} weights for the {d} columns of X. Do not "
                              f"add an intercept column yourself: X already holds one when it needs one.")
    return as_array(value, (d,), call, what="an array of weights")


def _weight_mistakes(X, y):
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    d = X.shape[1]
    mistakes = {}
    w = ref.fit_linear_mse(X, y)
    if d > 1:
        mistakes["The weights are in reverse order: w[j] multiplies column j of X "
                 "(np.polyfit returns the highest power first)."] = w[::-1]
        for j in range(d):
            keep = [k for k in range(d) if k != j]
            dropped = np.zeros(d)
            dropped[keep] = ref.fit_linear_mse(X[:, keep], y)
            mistakes[f"It ignores column {j} of X (its weight is 0 and the others are fitted without "
                     f"it): every column gets a weight."] = dropped
    return mistakes


def _expect_weights(got, want, X, y, *, call, tol, mistakes, hint="", optimiser=False):
    """Compare weights in standardised units (columns and y scaled to unit size),
    so one tolerance means the same for a weight of 10^-3 and one of 10^3.
    The message shows the weights as returned."""
    units = _std_units(X, y)
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    tolerance = optimiser_tolerance(tol, tol) if optimiser else Tolerance(tol, tol)
    verdict = accept(got * units, want * units, tolerance,
                     {message: np.asarray(wrong) * units for message, wrong in mistakes.items()})
    if verdict is True:
        return
    base = mismatch(call, "w", got, want)
    if isinstance(verdict, str):
        raise CheckFailed(f"{base} {verdict}")
    raise CheckFailed(f"{base} {hint}".rstrip())


def _fit_mse_check(student, X, y):
    d = np.shape(X)[1]
    call = call_text("fit_linear_mse", (X, y))
    w = _weights(_call_fit(student, "fit_linear_mse", X, y), d, call)
    _expect_weights(w, ref.fit_linear_mse(X, y), X, y, call=call, tol=LSTSQ, mistakes=_weight_mistakes(X, y))


@check("fit_linear_mse", points=1)
def fit_mse_exact_line(student):
    """Three points on the line y = 1 + 2x (w = [1, 2] exactly), then two noisy ones on a square X."""
    _fit_mse_check(student, np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]), np.array([1.0, 3.0, 5.0]))
    _fit_mse_check(student, np.array([[1.0, -1.0, 0.5], [1.0, 0.5, 2.0], [1.0, 1.0, 0.0], [1.0, 3.0, 1.0]]),
                   np.array([0.2, 1.9, 3.1, 4.4]))


@check("fit_linear_mse", points=1)
def fit_mse_seeded_intercept(student):
    """40 hidden-seed points, an intercept column and two features."""
    _fit_mse_check(student, *_regression("fit-mse-40", 40, 3))


@check("fit_linear_mse", points=1)
def fit_mse_ill_scaled_outlier(student):
    """Columns of size 1, 10^-3 and 10^3, targets far from 0, one far outlier."""
    X, y = _regression("fit-mse-scaled", 80, 4, scales=[1.0, 1e-3, 1e3, 1.0], offset=2000.0)
    y[11] += 1e5
    _fit_mse_check(student, X, y)


@check("fit_linear_mse", points=1)
def fit_mse_lists_one_column_large(student):
    """A list-of-lists X, a single column without intercept, and n = 20000, d = 6."""
    _fit_mse_check(student, [[1.0, 2.0], [1.0, -1.0], [1.0, 4.0], [1.0, 0.5]], [3.0, -2.5, 9.0, 1.0])
    x = rng("fit-mse-one").uniform(1.0, 5.0, size=(15, 1))
    _fit_mse_check(student, x, 2.5 * x[:, 0] + rng("fit-mse-one-noise").normal(size=15))
    _fit_mse_check(student, *_regression("fit-mse-large", 2_000, 6))


# --------------------------------------------------------------------------
# fit_linear_gaussian_nll
# --------------------------------------------------------------------------

def _sigma_mistakes(X, y, w):
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    n, d = X.shape
    ss = float(np.sum((y - X @ w) ** 2))
    mistakes = {}
    if n > d:
        mistakes[f"sigma divides the sum of squares by n - d (the unbiased estimate, here n - d = "
                 f"{n - d}); the MLE divides by n: sigma^2 = MSE."] = np.sqrt(ss / (n - d))
    if n > 1:
        mistakes["sigma divides the sum of squares by n - 1; the MLE divides by n: sigma^2 = MSE."] = \
            np.sqrt(ss / (n - 1))
    mistakes["sigma is the variance (the MSE): return its square root, the standard deviation."] = ss / n
    mistakes["sigma is the standard deviation of y, the usual starting point: sigma was not "
             "optimised along with w."] = np.std(y)
    mistakes["It returns log(sigma): exponentiate the parameter you optimised."] = np.log(np.sqrt(ss / n))
    return mistakes


def _nll_per_point(X, y, w, sigma, dtype=np.float64) -> float:
    """The Gaussian NLL per point in standardised units (columns and y scaled to unit size, as
    a careful student's objective is), computed in ``dtype``."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    x_scale = np.sqrt(np.mean(X**2, axis=0))
    x_scale[x_scale == 0] = 1.0
    y_scale = np.sqrt(np.mean(y**2)) or 1.0
    Z, t = (X / x_scale).astype(dtype), (y / y_scale).astype(dtype)
    ws, s = (np.asarray(w, dtype=float) * x_scale / y_scale).astype(dtype), dtype(sigma / y_scale)
    r = t - Z @ ws
    with np.errstate(all="ignore"):
        return float(dtype(0.5) * np.log(dtype(2 * np.pi) * s * s) + np.mean(r * r) / (dtype(2) * s * s))


def _float32_resolution(X, y, w, sigma) -> float:
    """How far a float32 evaluation of that NLL strays from the exact one at the optimum on these
    inputs (the largest error of 20 seeded evaluations a few float32 steps from it). An optimiser
    minimising a float32 objective cannot place the minimum better than twice this."""
    nudge, worst = rng("fit-nll-float32-resolution"), 0.0
    for _ in range(20):
        near = np.asarray(w, dtype=float) * (1 + 1e-6 * nudge.normal(size=np.size(w)))
        worst = max(worst, abs(_nll_per_point(X, y, near, sigma, np.float32) - _nll_per_point(X, y, near, sigma)))
    return worst


def _optimum_to_float32(X, y, w, sigma, want_w, want_sigma) -> str:
    """The note for a (w, sigma) that minimises the NLL as closely as a float32 objective can,
    and lies nearer the answer than any modelled mistake; "" otherwise."""
    excess = _nll_per_point(X, y, w, sigma) - _nll_per_point(X, y, want_w, want_sigma)
    resolution = _float32_resolution(X, y, want_w, want_sigma)
    if not (np.isfinite(excess) and sigma > 0 and excess <= 2 * resolution):
        return ""
    if any(abs(sigma - wrong) < abs(sigma - want_sigma) for wrong in _sigma_mistakes(X, y, want_w).values()):
        return ""
    units = _std_units(X, y)
    gap = np.linalg.norm((w - want_w) * units)
    if any(np.linalg.norm((w - np.asarray(wrong)) * units) < gap for wrong in _weight_mistakes(X, y).values()):
        return ""
    return (f"Note: your (w, sigma) minimise the NLL as closely as an objective computed in float32 can "
            f"on this data (the NLL per point exceeds its minimum by {max(excess, 0.0):.1e}, within twice "
            f"the {resolution:.1e} by which float32 rounding moves it), so it is accepted. Computed in "
            f"float64, the objective gives the optimum to 1e-6 or better.")


def _fit_nll_check(student, X, y):
    d = np.shape(X)[1]
    call = call_text("fit_linear_gaussian_nll", (X, y))
    value = _call_fit(student, "fit_linear_gaussian_nll", X, y)
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise CheckFailed(f"Called {call}: it should return a tuple (w, sigma), but returned {fmt(value)}.")
    if np.ndim(value[0]) == 0 and np.ndim(value[1]) == 1 and d > 1:
        raise CheckFailed(f"Called {call}: it returned (sigma, w); the order is (w, sigma).")
    w = _weights(value[0], d, call + " [the w it returned]")
    sigma = as_float(value[1], call + " [the sigma it returned]")
    want_w, want_sigma = ref.fit_linear_mse(X, y), np.sqrt(ref.mse(y, np.asarray(X, dtype=float) @ ref.fit_linear_mse(X, y)))
    # The reference optimiser itself must land on the closed forms (w = least squares, sigma^2 = MSE).
    ref_w, ref_sigma = ref.fit_linear_gaussian_nll(X, y)
    assert np.allclose(ref_w * _std_units(X, y), want_w * _std_units(X, y), rtol=1e-6, atol=1e-6)
    assert np.isclose(ref_sigma, want_sigma, rtol=1e-6)
    if d > 0 and np.all(w == 0) and np.any(want_w != 0):
        raise CheckFailed(f"{mismatch(call, 'w', w, want_w)} w is still all zeros, a usual starting "
                          f"point: the optimiser did not move (result.success is probably False). "
                          f"If your NLL computes in float32: minimize estimates the gradient from "
                          f"steps of about 1e-8, and a float32 value (7 digits) does not change over "
                          f"such a step, so the gradient reads 0 and the search stops where it "
                          f"started. Compute the NLL in float64, or pass its gradient (jac=...). "
                          f"Otherwise start from sensible values and check result.message.")
    try:
        _expect_weights(w, want_w, X, y, call=call, tol=OPTIMISER, mistakes=_weight_mistakes(X, y),
                        optimiser=True,
                        hint="w should equal the least-squares weights. Did the optimiser converge "
                             "(result.success), from a sensible start, with a tight enough tolerance?")
        expect_close(sigma, want_sigma, call=call, rtol=OPTIMISER, what="sigma",
                     tolerance=optimiser_tolerance(OPTIMISER),
                     mistakes=Lazy(lambda: _sigma_mistakes(X, y, want_w)),
                     hint="sigma should be the square root of the MSE at the fitted w. Did the optimiser "
                          "converge (result.success)?")
    except CheckFailed:
        # Judged by the result, not the path: an objective computed in float32 places the
        # minimum only as well as its rounding allows (on targets near 5000 with noise 0.05,
        # sigma to a few 1e-3), and that is a correct answer.
        verdict = _optimum_to_float32(X, y, w, sigma, want_w, want_sigma)
        if not verdict:
            raise
        note(verdict)


@check("fit_linear_gaussian_nll", points=1)
def fit_nll_seeded(student):
    """40 hidden-seed points with an intercept and two features, then 4 points and 2 weights."""
    _fit_nll_check(student, *_regression("fit-nll-40", 40, 3))
    _fit_nll_check(student, *_regression("fit-nll-4", 4, 2))


@check("fit_linear_gaussian_nll", points=1)
def fit_nll_intercept_only(student):
    """Only a column of ones: w is the mean of y and sigma its MLE standard deviation (exercise 1)."""
    y = rng("fit-nll-mean").normal(-20.0, 6.0, size=25)
    _fit_nll_check(student, np.ones((25, 1)), y)


@check("fit_linear_gaussian_nll", points=1)
def fit_nll_other_scales(student):
    """Targets near 5000 with noise 0.05, columns of different sizes, and a list input.

    The badly scaled case is the same for every submission (``fixed_rng``): on per-submission
    data, correct optimisers (a float32 objective, L-BFGS-B, plain BFGS unscaled) missed it on
    about 1 seed in 10 (tests/test_check_margins.py), and a correct student must not lose a
    point to the draw. Its answer could be looked up, which costs this one check only."""
    _fit_nll_check(student, *_regression("fit-nll-scales", 60, 3, scales=[1.0, 10.0, 0.1],
                                          offset=5000.0, noise=0.05, draw=fixed_rng))
    X, y = _regression("fit-nll-list", 12, 2)
    _fit_nll_check(student, X.tolist(), y.tolist())


# --------------------------------------------------------------------------
# laplace_nll
# --------------------------------------------------------------------------

def _laplace_check(student, y, y_pred, b):
    call = call_text("laplace_nll", (y, y_pred, b))
    got = as_float(student.laplace_nll(y, y_pred, b), call)
    r = np.asarray(y, dtype=float) - np.asarray(y_pred, dtype=float)
    n, sa, ss = r.size, float(np.sum(np.abs(r))), float(np.sum(r**2))
    log_term, right = n * np.log(2 * b), ref.laplace_nll(y, y_pred, b)
    mistakes = {
        "It squares the residuals: Laplace noise gives absolute residuals |y - y_pred| / b.":
            log_term + ss / b,
        "It squares the residuals and divides by 2b: Laplace noise gives |y - y_pred| / b.":
            log_term + ss / (2 * b),
        "It is missing the n log(2b) term.": sa / b,
        "It has n log(b) where n log(2b) belongs.": n * np.log(b) + sa / b,
        "It divides |y - y_pred| by 2b where b belongs.": log_term + sa / (2 * b),
        "It has the wrong sign: that is the log-likelihood; the NLL is its negative.": -right,
    }
    if n > 1:
        mistakes["It matches the mean of the per-point NLLs: the NLL is their sum."] = right / n
    expect_close(got, right, call=call, rtol=EXACT, atol=EXACT * (abs(log_term) + sa / b), mistakes=mistakes)


@check("laplace_nll", points=1)
def laplace_small_exact(student):
    """Three points with b = 2, against the formula."""
    _laplace_check(student, np.array([0.0, 1.0, 3.0]), np.array([0.5, 0.5, 0.5]), 2.0)


@check("laplace_nll", points=1)
def laplace_matches_scipy(student):
    """45 hidden-seed points at b = 0.3, 1.5 and 7 (scipy.stats.laplace agrees)."""
    y, y_pred, scales = laplace_data()
    for b in scales:
        _laplace_check(student, y, y_pred, b)


@check("laplace_nll", points=1)
def laplace_outlier_lists_large(student):
    """A residual of 500 b, plain lists, and 2000 points."""
    # 500 scales away: far enough that exp(-|r|/b) is 1e-217, near enough (below
    # 745) that scipy.stats.laplace.logpdf, which students may use, stays finite.
    _laplace_check(student, [0.0, 2.0, 401.0], [1.0, 1.0, 1.0], 0.8)
    y = rng("laplace-large").laplace(0.0, 1.0, size=2_000)
    _laplace_check(student, y, np.zeros_like(y), 1.2)


# --------------------------------------------------------------------------
# bernoulli_nll
# --------------------------------------------------------------------------

def _bernoulli_check(student, y, p):
    call = call_text("bernoulli_nll", (y, p))
    got = as_float(student.bernoulli_nll(y, p), call)
    yy, pp = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    right = ref.bernoulli_nll(y, p)
    mistakes = {
        "The two terms are swapped: y_i goes with log(p_i) and (1 - y_i) with log(1 - p_i).":
            -float(np.sum(yy * np.log1p(-pp) + (1 - yy) * np.log(pp))),
        "It matches the mean (binary cross-entropy as usually averaged): the NLL is the sum.": right / yy.size,
        "It has the wrong sign: that is the log-likelihood; the NLL is its negative.": -right,
        "It is missing the (1 - y_i) log(1 - p_i) term: the labels 0 contribute too.":
            -float(np.sum(yy * np.log(pp))),
        "It uses log base 2: the likelihood uses the natural log (np.log).": right / np.log(2),
    }
    tiny = float(np.min(np.minimum(pp, 1 - pp)))
    for k in range(2, 15):
        eps = 10.0**-k
        if eps > tiny:  # this clip changes the answer on these probabilities: name it
            clipped = np.clip(pp, eps, 1 - eps)
            mistakes[f"It clips the probabilities to [{eps:g}, 1 - {eps:g}], which changes the answer "
                     f"for every p closer than {eps:g} to 0 or 1 (here p = {tiny:g}). The NLL is defined "
                     f"for every p in (0, 1): use np.log(p) and np.log1p(-p) as given. A clip for "
                     f"safety must be far below any probability you are given (1e-15 changes nothing "
                     f"here)."] = -float(np.sum(yy * np.log(clipped) + (1 - yy) * np.log1p(-clipped)))
    expect_close(got, right, call=call, rtol=EXACT, mistakes=mistakes)


@check("bernoulli_nll", points=1)
def bernoulli_small_exact(student):
    """Three labels: y = [1, 0, 1], p = [0.9, 0.2, 0.6]."""
    _bernoulli_check(student, np.array([1.0, 0.0, 1.0]), np.array([0.9, 0.2, 0.6]))


@check("bernoulli_nll", points=1)
def bernoulli_matches_scipy(student):
    """200 hidden-seed integer labels and probabilities (scipy.stats.bernoulli agrees)."""
    _bernoulli_check(student, *bernoulli_data())


@check("bernoulli_nll", points=1)
def bernoulli_extremes_lists_large(student):
    """Probabilities within 1e-6 of 1 and 1e-8 of 0, a label given probability 1e-12, lists, 2000 labels."""
    # 1 - 1e-6, not closer: float32 work rounds 1 - 1e-8 to 1.0 and must not be failed for it.
    # p = 1e-12 for a label 1 costs -log(1e-12) = 27.6: a clip of p at 1e-7 shows.
    _bernoulli_check(student, [1, 0, 1, 0, 1], [1 - 1e-6, 1e-8, 0.5, 0.999, 1e-12])
    r = rng("bernoulli-large")
    p = r.uniform(0.001, 0.999, size=2_000)
    _bernoulli_check(student, (r.uniform(size=p.size) < p).astype(float), p)
