"""Every single-edit mistake of every reference answer and step is caught, on its own
function and step, and named.

The edits are generated from the references themselves (``core/derivation_mistakes.py``):
a constant factor dropped or changed, sigma for sigma**2 and back, a sign flipped, a term
dropped, the log of a product left as a product, |.| dropped, a sum's bounds or index
changed, a part replaced by a number, the derivative with respect to the wrong symbol.
Each mutant is handed to the exercise's checks as the sandbox would hand it (a plain tree),
with every other function right. The share named is printed (``pytest -s``) and must be
100 %: a named mistake is a failed check whose record carries the mistake it matched.
"""

from __future__ import annotations

import functools

import pytest
import sympy as sp

from autograder.checks import derivations as checks
from autograder.core import framework
from autograder.core.derivation_mistakes import single_edits
from autograder.core.grading import _run_check
from autograder.core.symbolic_checks import generated_edits
from autograder.sandbox.expression_wire import ExpressionTree, encode_expression
from solutions import derivations as ref

pytestmark = pytest.mark.slow


def _tree(expr):
    return ExpressionTree(encode_expression(expr)["__sympy__"])


class Reference:
    """A student whose every function returns the reference, but for the ones given."""

    def __init__(self, **answers):
        self._answers = answers

    def __getattr__(self, function):
        if function.startswith("_"):
            raise AttributeError(function)
        value = self._answers.get(function)
        if value is None:
            value = _reference(function)
        return lambda: ([_tree(v) for v in value] if isinstance(value, list) else _tree(value))


@functools.cache
def _reference(function: str):
    return getattr(ref, function)()


def _results(function: str, student) -> list:
    """The checks of ``function`` that judge its value: for a chain, the one of its links (the
    start is untouched, and the end's check asks the same ``chain_break``)."""
    return [_run_check(c, student) for c in framework.REGISTRY["derivations"]
            if c.function == function and (function not in checks.CHAINS or c.name.endswith("every_step_follows"))]


FUNCTIONS = [*checks.ANSWERS, "hessian_at_mle", *checks.CHAINS]


def _cases(function: str):
    """(function, step or None, edit) for every generated edit of the function's answer or steps."""
    if function in checks.ANSWERS:
        want, derivative_of = checks.ANSWERS[function]
        return [(function, None, e) for e in generated_edits(want, checks.PROBLEM, derivative_of=derivative_of)]
    if function == "hessian_at_mle":
        return [(function, k, e) for k, want in enumerate(checks.HESSIAN)
                for e in generated_edits(want, checks.PROBLEM)]
    steps = _reference(function)
    return [(function, k, e) for k in range(1, len(steps))  # step 1 is the stub's own definition
            for e in generated_edits(steps[k], checks.PROBLEM)]


def _grade(function, k, edit):
    if function in checks.CHAINS:
        steps = list(_reference(function))
        steps[k] = edit.model
        return _results(function, Reference(**{function: steps}))
    if function == "hessian_at_mle":
        entries = list(_reference("hessian_at_mle"))
        entries[k] = edit.model
        return _results(function, Reference(hessian_at_mle=entries))
    return _results(function, Reference(**{function: edit.model}))


def test_the_edits_cover_every_kind_of_slip():
    kinds = {case[2].kind for function in FUNCTIONS for case in _cases(function)}
    assert kinds >= {"factor", "power", "sign", "drop", "log", "abs", "sum", "index", "variable"}, kinds


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_generated_mistake_is_caught_on_its_own_step_and_named(function, monkeypatch):
    from autograder.core import symbolic_checks

    monkeypatch.setattr(symbolic_checks, "show_expression", lambda label, expr: None)  # MathML: not this test's
    cases = _cases(function)
    assert cases
    missed, unnamed, own_words = [], [], 0
    for function, k, edit in cases:
        results = _grade(function, k, edit)
        failed = [r for r in results if not r.passed]
        if not failed:
            missed.append((function, k, edit.sentence))
            continue
        if function in checks.CHAINS:
            [links] = results
            assert f"step {k + 1} is not equal to step {k}" in links.message, (function, k, edit.sentence,
                                                                               links.message)
            assert links.points <= 2 * (k - 1) / (len(_reference(function)) - 1), links.message
        named = [r for r in failed if r.mistake]
        if not named:
            unnamed.append((function, k, edit.sentence, failed[0].message.splitlines()[0][:200]))
        elif any(edit.sentence.lower() in r.message.lower() for r in named):
            own_words += 1
    total = len(cases)
    print(f"\n{function}: generated single-edit mistakes: {total}; caught {total - len(missed)}; "
          f"named {total - len(missed) - len(unnamed)} ({100 * (total - len(missed) - len(unnamed)) / total:.1f} %), "
          f"{own_words} in the generated edit's own words, the rest by the check's hand-written model "
          f"or an equal edit")
    assert not missed, missed[:10]
    assert not unnamed, unnamed[:10]


def test_two_edits_that_explain_one_answer_are_both_named():
    from autograder.core.derivation_mistakes import explain, sentence

    n, sigma = ref.n, ref.sigma
    # -n*log(sigma**2) is both sigma**2 written for sigma and the term -n*log(sigma) doubled
    got = -n / 2 * sp.log(2 * sp.pi) - n * sp.log(sigma**2) - checks.SQUARES / (2 * sigma**2)
    found = explain(got, single_edits(checks.ELL, n=n), checks.PROBLEM.points())
    text = sentence(found)
    assert text.startswith("either ") and "sigma**2 where sigma belongs" in text and "factor 2 too many" in text, text


def test_an_answer_no_edit_explains_is_told_which_part_differs():
    from autograder.core.symbolic_checks import explain_edit
    from autograder.core.derivation_mistakes import which_part

    n, mu, sigma = ref.n, ref.mu, ref.sigma
    tripled = -n / 2 * sp.log(2 * sp.pi) - 3 * n * sp.log(sigma) - checks.SQUARES / (2 * sigma**2)
    assert explain_edit(tripled, checks.ELL, checks.PROBLEM) is None
    assert which_part(tripled, checks.ELL, checks.PROBLEM.points(), checks.PROBLEM.symbols) == (
        "the part that differs is the term -n*log(sigma): yours has 3 times it (the rest agrees)")
    cubed = checks.ELL + mu**3
    assert "changes with mu only" in which_part(cubed, checks.ELL, checks.PROBLEM.points(), checks.PROBLEM.symbols)
    results = _results("log_likelihood", Reference(log_likelihood=tripled))
    assert "yours has 3 times it" in results[0].message and not results[0].passed
