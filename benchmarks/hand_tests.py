"""The tests a course writes by hand: one per function, reference values on fixed seeded inputs.

This is the baseline the batch grader is compared with: a conventional
nbgrader course (``nbgrader_course.py``) and an otter-grader assignment
(``otter_course.py``) both run these tests. Each test calls one function on
inputs drawn from a fixed seed and compares the result with
``np.testing.assert_allclose`` against the value the reference solution
returns. The values are computed from ``solutions/`` whenever a course is
written, so the baseline follows the exercises as they change.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import numpy as np

from autograder.core.manifest import exercise

#: Exercises the baseline courses cover (the ones these tests are written for).
SLUGS = ("gaussian_mle", "mse_nll", "em_gmm", "kmeans")

_X1 = "_x = np.random.default_rng(1).normal(120.0, 15.0, 40)"
_REG = ("_rng = np.random.default_rng(2)\n"
        "_X = np.column_stack([np.ones(30), _rng.normal(size=(30, 2))])\n"
        "_y = _X @ np.array([1.0, -2.0, 0.5]) + _rng.normal(0.0, 0.7, 30)")
_PRED = "_rng = np.random.default_rng(3)\n_y = _rng.normal(size=25)\n_pred = _y + _rng.normal(0.0, 0.5, 25)"
_BIN = ("_rng = np.random.default_rng(4)\n_p = _rng.uniform(0.05, 0.95, 30)\n"
        "_labels = (_rng.uniform(size=30) < _p).astype(float)")
_MIX = ("_rng = np.random.default_rng(5)\n"
        "_x = np.concatenate([_rng.normal(-2.0, 1.0, 12), _rng.normal(3.0, 1.5, 18)])\n"
        "_start = (np.array([0.5, 0.5]), np.array([-1.0, 1.0]), np.array([1.0, 1.0]))")
_KM = ("_rng = np.random.default_rng(6)\n"
       "_x = np.concatenate([_rng.normal(-4.0, 1.0, 10), _rng.normal(0.0, 1.0, 10), _rng.normal(5.0, 1.0, 10)])\n"
       "_centers = np.array([-1.0, 0.5, 2.0])")


@dataclass(frozen=True)
class HandTest:
    """``setup`` (statements) then ``call`` (an expression) compared with the reference's value."""

    function: str
    setup: str
    call: str
    rtol: float = 1e-7


TESTS = {
    "gaussian_mle": (
        HandTest("gaussian_log_likelihood", _X1, "gaussian_log_likelihood(_x, 118.0, 14.0)"),
        HandTest("gaussian_mle", _X1, "gaussian_mle(_x)"),
        HandTest("gaussian_mle_numerical", _X1, "gaussian_mle_numerical(_x)", rtol=1e-4),
    ),
    "mse_nll": (
        HandTest("mse", _PRED, "mse(_y, _pred)"),
        HandTest("gaussian_nll", _PRED, "gaussian_nll(_y, _pred, 0.8)"),
        HandTest("nll_from_mse", "", "nll_from_mse(2.5, 40, 1.3)"),
        HandTest("fit_linear_mse", _REG, "fit_linear_mse(_X, _y)"),
        HandTest("fit_linear_gaussian_nll", _REG, "fit_linear_gaussian_nll(_X, _y)", rtol=1e-4),
        HandTest("laplace_nll", _PRED, "laplace_nll(_y, _pred, 0.6)"),
        HandTest("bernoulli_nll", _BIN, "bernoulli_nll(_labels, _p)"),
    ),
    "em_gmm": (
        HandTest("gmm_log_likelihood", _MIX, "gmm_log_likelihood(_x, *_start)"),
        HandTest("e_step", _MIX, "e_step(_x, *_start)"),
        HandTest("m_step", _MIX, "m_step(_x, e_step(_x, *_start))"),
        HandTest("fit_gmm_em", _MIX, "fit_gmm_em(_x, *_start, n_iter=10)"),
        HandTest("plot_em_history", _MIX, "len(plot_em_history(fit_gmm_em(_x, *_start, n_iter=5)).axes)"),
    ),
    "kmeans": (
        HandTest("assign_clusters", _KM, "assign_clusters(_x, _centers)"),
        HandTest("update_centers", _KM, "update_centers(_x, assign_clusters(_x, _centers), _centers)"),
        HandTest("fit_kmeans", _KM, "fit_kmeans(_x, _centers, n_iter=10)"),
        HandTest("hard_responsibilities", _KM, "hard_responsibilities(_x, _centers)"),
    ),
}


def _literal(value) -> str:
    """Python source that rebuilds ``value`` exactly (floats by repr, arrays as np.array)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (tuple, list)):
        return "(" + "".join(f"{_literal(v)}, " for v in value) + ")"
    if isinstance(value, np.ndarray):
        return f"np.array({np.asarray(value, dtype=float).tolist()!r})"
    return repr(float(value))


def _comparisons(value, got: str, rtol: float) -> list[str]:
    """One ``assert_allclose`` per array of the result (tuples and dicts compared part by part)."""
    if isinstance(value, dict):
        lines = [f"assert set({got}) >= {set(value)!r}"]
        for key, part in value.items():
            lines += _comparisons(part, f"{got}[{key!r}]", rtol)
        return lines
    if isinstance(value, (tuple, list)):
        lines = [f"assert len({got}) == {len(value)}"]
        for i, part in enumerate(value):
            lines += _comparisons(part, f"{got}[{i}]", rtol)
        return lines
    return [f"np.testing.assert_allclose({got}, {_literal(value)}, rtol={rtol!r}, atol=1e-10)"]


def reference_namespace(slug: str) -> dict:
    module = importlib.import_module(f"solutions.{slug}")
    return {"np": np, **{name: getattr(module, name) for name in dir(module) if not name.startswith("__")}}


def test_source(test: HandTest, namespace: dict) -> str:
    """The test cell's code: the setup, the call, and the reference's value written in."""
    scope = dict(namespace)
    exec(test.setup, scope)
    value = eval(test.call, scope)
    lines = [line for line in test.setup.splitlines() if line]
    lines.append(f"_got = {test.call}")
    lines += _comparisons(value, "_got", test.rtol)
    return "\n".join(lines) + "\n"


def tests_for(slug: str) -> list[tuple[HandTest, str]]:
    """Every hand test of an exercise with its code, values computed from the reference now."""
    namespace = reference_namespace(slug)
    known = set(exercise(slug).functions)
    tests = TESTS[slug]
    missing = known - {t.function for t in tests}
    if missing:
        raise KeyError(f"no hand test for {', '.join(sorted(missing))} of {slug}")
    return [(t, test_source(t, namespace)) for t in tests]
