"""The hidden checks are themselves tested: the reference scores full marks,
the stub scores zero, every classic mistake loses points on the functions it
breaks (and only those) with a message naming it, and correct alternatives
score full marks."""

from __future__ import annotations

import ast
import importlib

import numpy as np
import pytest

from autograder.generation.build import strip_solutions
from autograder.core.grading import checks_for
from autograder.core.manifest import exercise, exercises
from tests.test_student_work import SAME_PRINT
from tests.variants import apply

SLUGS = [e.slug for e in exercises()]


def _variants(kind: str):
    for slug in SLUGS:
        module = importlib.import_module(f"tests.variants.{slug}")
        for variant in getattr(module, kind):
            yield pytest.param(slug, variant, id=f"{slug}-{variant.name}")


def _by_function(result):
    scores: dict[str, list[float]] = {}
    for r in result.results:
        scores.setdefault(r.function, [0.0, 0.0])
        scores[r.function][0] += r.points
        scores[r.function][1] += r.max_points
    return scores


def _callers(slug: str, hits) -> set[str]:
    """Functions of the reference that call a hit function, directly or not: they may lose points too."""
    tree = ast.parse(exercise(slug).solution_path.read_text())
    calls = {f.name: {n.id for n in ast.walk(f) if isinstance(n, ast.Name)}
             for f in tree.body if isinstance(f, ast.FunctionDef)}
    broken = set(hits)
    while True:
        more = {name for name, used in calls.items() if used & broken} - broken
        if not more:
            return broken - set(hits)
        broken |= more


def _report(result) -> str:
    return "\n".join(f"  {r.status:15} {r.function}.{r.name}: {r.message}" for r in result.results)


@pytest.mark.parametrize("slug", SLUGS)
def test_every_function_has_checks_and_points(slug):
    ex = next(e for e in exercises() if e.slug == slug)
    checked = {c.function for c in checks_for(slug)}
    assert checked == set(ex.functions), f"functions without checks: {set(ex.functions) - checked}"
    assert all(c.points > 0 for c in checks_for(slug))


@pytest.mark.parametrize("slug", SLUGS)
def test_reference_scores_full_marks(slug, grade_source):
    result = grade_source(slug, exercise(slug).solution_path.read_text())
    assert result.points == result.max_points > 0, _report(result)


@pytest.mark.parametrize("slug", SLUGS)
def test_stub_scores_zero_saying_not_implemented(slug, grade_source):
    stub = strip_solutions(exercise(slug).solution_path.read_text())
    result = grade_source(slug, stub)
    assert result.points == 0, _report(result)
    assert all(r.status == "not_implemented" for r in result.results), _report(result)


@pytest.mark.parametrize("slug, mutant", list(_variants("MUTANTS")))
def test_mutant_loses_points_with_its_message(slug, mutant, grade_source):
    result = grade_source(slug, apply(slug, mutant))
    scores = _by_function(result)
    report = _report(result)
    callers = _callers(slug, mutant.hits)
    for function, (points, most) in scores.items():
        if function in callers:
            continue
        if function in mutant.hits:
            assert points < most, f"{mutant.name}: {function} kept full marks\n{report}"
        else:
            assert points == most, f"{mutant.name}: {function} lost points it should keep\n{report}"
    messages = [r.message for r in result.results if r.function in mutant.hits and not r.passed]
    assert any(mutant.says.lower() in m.lower() for m in messages), (
        f"{mutant.name}: no message says {mutant.says!r}\n{report}")
    assert all(r.status in (mutant.status, "passed") for r in result.results), report
    assert not any(SAME_PRINT.search(r.message) for r in result.results), f"got X, expected X\n{report}"


@pytest.mark.parametrize("slug, alternative", list(_variants("ALTERNATIVES")))
def test_alternative_scores_full_marks(slug, alternative, grade_source):
    result = grade_source(slug, apply(slug, alternative))
    assert result.points == result.max_points, _report(result)


def test_a_float32_objective_is_judged_by_the_nll_it_reaches():
    """fit_linear_gaussian_nll: a (w, sigma) whose NLL is as low as a float32 objective can tell
    passes with a note saying so; a start that never moved, or sigma nearer n - 1 than the
    answer, does not, however coarse float32 is on the data (targets near 5000, noise 0.05)."""
    from autograder.checks import mse_nll as checks
    from solutions import mse_nll as ref

    for X, y in (checks._regression("fit-nll-40", 40, 3),
                 checks._regression("fit-nll-scales", 60, 3, scales=[1.0, 10.0, 0.1], offset=5000.0,
                                    noise=0.05)):
        w = ref.fit_linear_mse(X, y)
        sigma = float(np.sqrt(ref.mse(y, X @ w)))
        n = len(y)
        assert "float32" in checks._optimum_to_float32(X, y, w.astype(np.float32),
                                                       float(np.float32(sigma)), w, sigma)
        assert checks._optimum_to_float32(X, y, np.zeros_like(w), sigma, w, sigma) == ""
        unbiased = float(np.float32(sigma * np.sqrt(n / (n - 1))))
        assert checks._optimum_to_float32(X, y, w, unbiased, w, sigma) == ""
        assert checks._optimum_to_float32(X, y, w, -sigma, w, sigma) == ""


def test_the_log_likelihood_recorded_before_the_m_step_is_named(grade_source):
    """The class summary counts named mistakes from the record: the shifted curve must carry its name."""
    from tests.variants import apply
    from tests.variants.em_gmm import MUTANTS

    mutant = next(m for m in MUTANTS if m.name == "log-likelihood recorded before the M-step")
    result = grade_source("em_gmm", apply("em_gmm", mutant))
    named = [r for r in result.results if r.function == "fit_gmm_em" and not r.passed and r.mistake]
    assert any("recorded before the M-step" in r.mistake for r in named), [
        (r.name, r.message[:120]) for r in result.results if not r.passed]
