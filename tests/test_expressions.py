"""Exercise 5's machinery: SymPy expressions across the sandbox as plain trees, the
whitelist builder that refuses hostile trees, and equivalence by numbers in bounded arithmetic."""

from __future__ import annotations

import time

import pytest
import sympy as sp

from autograder.core import equivalence
from autograder.checks.derivations import PROBLEM, SYMBOLS
from autograder.core.expression_tree import MAX_NODES, Refused, build
from autograder.sandbox.expression_wire import MAX_DEPTH, encode_expression
from autograder.core.symbolic_checks import first_broken_step
from solutions import derivations as ref

n, i, x, mu, sigma, sum_x, sum_x2 = ref.n, ref.i, ref.x, ref.mu, ref.sigma, ref.sum_x, ref.sum_x2


def round_trip(expr):
    return build(encode_expression(expr)["__sympy__"], SYMBOLS)


@pytest.mark.parametrize("expr", [
    ref.LOG_LIKELIHOOD, ref.GAUSSIAN_NLL, ref.LAPLACE_NLL, ref.BERNOULLI_NLL,
    sp.Rational(-7, 3) * sigma**sp.Rational(3, 2) + sp.Float(0.25) * sp.pi + sp.E**mu,
    sp.Derivative(mu**2 * n, mu).doit(), sp.Integer(0),
], ids=["log-likelihood", "gaussian", "laplace", "bernoulli", "numbers", "derivative", "zero"])
def test_expressions_survive_the_round_trip(expr):
    assert round_trip(expr) == expr


def test_student_symbols_take_the_grader_assumptions():
    plain = sp.Symbol("sigma")  # a student who forgot positive=True
    rebuilt = round_trip(sp.sqrt(plain**2))
    assert rebuilt == sigma and rebuilt.is_positive


def test_an_unevaluated_derivative_is_taken():
    assert round_trip(sp.Derivative(mu**3, mu)) == 3 * mu**2


def test_another_sum_index_is_accepted_only_as_an_index():
    j = sp.Symbol("j", integer=True)
    assert equivalence.numerically_equal(round_trip(sp.Sum(x[j], (j, 1, n))), sum_x, PROBLEM.points())
    with pytest.raises(Refused, match="uses the symbol j, which the stub does not define"):
        round_trip(j * mu)


def _deep(depth):
    tree = ["Symbol", "mu"]
    for _ in range(depth):
        tree = ["exp", tree]
    return tree


@pytest.mark.parametrize("tree, says", [
    (["Add"] + [["Symbol", "mu"]] * (MAX_NODES + 5), "more than 3000 parts"),
    (_deep(5000), "nested more than"),
    (["sin", ["Symbol", "mu"]], "uses sin, which the grader does not accept"),
    (["Function", ["Symbol", "mu"]], "uses Function"),
    (["Add", "__import__('os').system('touch pwned')"], "not a SymPy expression"),
    ("mu + 1", "not a SymPy expression"),
    (["Symbol", "__import__('os')"], "not a plain identifier"),
    (["Integer", "9" * 100], "more than 40 digits"),
    (["Pow", ["Integer", "10"], ["Pow", ["Integer", "10"], ["Integer", "10"]]], "far too large"),
    (["Pow", ["Integer", "2"], ["Integer", "99999999"]], "far too large"),
    (["Rational", "1", "0"], "denominator 0"),
    (["Float", "1e99999"], "infinite"),
    (["Float", "__import__"], "malformed"),
    (["Equality", ["Symbol", "mu"], ["Integer", "1"]], "an equation"),
    (["Piecewise", ["Symbol", "mu"]], "Piecewise"),
    (["Symbol", "pi"], "sympy.pi"),
    (["IndexedBase", "z"], "indexed symbol z"),
    (["Object", "Evil"], "not a SymPy expression"),
    (None, "not a SymPy expression"),
    ([], "not a SymPy expression"),
], ids=["huge", "deep", "unknown function", "undefined function", "string inside", "string", "code as a name",
        "huge integer", "10**10**10", "2**99999999", "zero denominator", "infinite float", "bad float",
        "equation", "piecewise", "pi as a symbol", "unknown indexed", "other object", "none", "empty"])
def test_hostile_trees_are_refused_quickly_with_a_message(tree, says, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(Refused, match=says.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")):
        build(tree, SYMBOLS)
    assert not (tmp_path / "pwned").exists()


def test_the_child_caps_what_it_encodes():
    deep = mu
    for _ in range(300):
        deep = sp.exp(deep)
    assert "nested more than" in encode_expression(deep)["__unsupported__"]
    wide = sp.Add(*sp.symbols("a0:25000"))
    assert f"more than {MAX_NODES} parts" in encode_expression(wide)["__unsupported__"]


@pytest.mark.parametrize("a, b", [
    (sp.log(sigma**2), 2 * sp.log(sigma)),
    (sp.Sum((x[i] - mu) ** 2, (i, 1, n)), sum_x2 - 2 * mu * sum_x + n * mu**2),
    (sp.expand((mu - sum_x) ** 3), (mu - sum_x) ** 3),
    (sp.Sum(sp.log(sp.exp(x[i])), (i, 1, n)), sum_x),
    (sp.Float(0.5) * n, n / 2),
], ids=["log of a square", "sum and statistics", "expanded", "log of exp", "exact float"])
def test_equal_forms_are_equal(a, b):
    assert equivalence.numerically_equal(a, b, PROBLEM.points()) is True


@pytest.mark.parametrize("a, b", [
    (sum_x / n, sum_x / (n - 1)),
    (sp.log(2 * sp.pi), sp.log(2 * sp.Float(3.14159))),
    (sp.Sum(x[i], (i, 1, n)), sp.Sum(x[i], (i, 1, n - 1))),
    (-n * sp.log(sigma), -sp.log(sigma)),
], ids=["n - 1", "rounded pi", "one term short", "dropped n"])
def test_different_forms_differ(a, b):
    assert equivalence.numerically_equal(a, b, PROBLEM.points()) is False


def test_an_index_outside_the_data_is_never_equal():
    assert equivalence.numerically_equal(sp.Sum(x[i], (i, 0, n - 1)), sum_x, PROBLEM.points()) is False


def test_a_broken_chain_names_the_first_broken_step():
    steps = [ref.LOG_LIKELIHOOD, *ref.log_likelihood_steps()[1:3],
             -n / 2 * sp.log(2 * sp.pi) - sp.log(sigma) - sp.Sum((x[i] - mu) ** 2, (i, 1, n)) / (2 * sigma**2),
             -n * sp.log(sigma)]
    from autograder.checks.derivations import ll_mistakes

    message = first_broken_step(steps, PROBLEM, ll_mistakes())
    assert message.startswith("step 4 is not equal to step 3: it drops the factor n on log(sigma)")
    assert first_broken_step(ref.log_likelihood_steps(), PROBLEM, ll_mistakes()) is None


def test_an_expression_undefined_everywhere_is_never_equal():
    beyond = sp.Sum(x[i], (i, 2, n + 1))  # x[n + 1] does not exist: no point has a value
    assert equivalence.numerically_equal(beyond, beyond, PROBLEM.points()) is None


def test_the_arithmetic_is_precise_and_the_same_in_any_order():
    """30 digits and a tolerance of 1e-12: a difference of 1e-10 relative is seen (double
    precision at the old 1e-8 saw none), and no float rounding decides."""
    tiny = sp.Rational(1, 10**10)
    assert equivalence.numerically_equal(sum_x * (1 + tiny), sum_x, PROBLEM.points()) is False
    assert equivalence.numerically_equal(sum_x + mu - mu, sum_x, PROBLEM.points()) is True


def test_the_domain_respects_the_assumptions():
    for point in PROBLEM.points():
        assert point[sigma] > 0 and point[ref.b] > 0 and isinstance(point[n], int) and point[n] >= 2
        assert point[sum_x] == pytest.approx(sum(point["__data__"][x]))


HOSTILE = '''
import sympy as sp
from derivations_stub import *


class Liar(sp.Symbol):
    """A symbol whose equality always holds."""

    def __eq__(self, other):
        return True

    __hash__ = sp.Symbol.__hash__


def log_likelihood():
    deep = mu
    for _ in range(400):
        deep = sp.exp(deep)
    return deep


def score_mu():
    return sp.Add(*sp.symbols("a0:30000"))


def score_sigma():
    return sp.Symbol("__import__('os').system('touch pwned')") + Liar("sigma")


def mle_mu():
    return "__import__('os').system('touch pwned')"


def mle_sigma():
    return sp.Pow(10, sp.Pow(10, 10, evaluate=False), evaluate=False)


def hessian_at_mle():
    return [sp.sin(mu), sp.Function("f")(mu), sp.Integral(mu, mu)]
'''


def test_hostile_expressions_from_the_sandbox_are_refused(grade_source, tmp_path, monkeypatch):
    from autograder.generation.build import strip_solutions
    from autograder.core.manifest import exercise

    stub = strip_solutions(exercise("derivations").solution_path.read_text())
    source = stub.split("# ----")[0] + HOSTILE.replace("from derivations_stub import *\n", "")
    monkeypatch.chdir(tmp_path)
    result = grade_source("derivations", source)
    messages = {r.function: r.message for r in result.results}
    assert all(r.status in ("failed", "not_implemented") for r in result.results), messages
    assert f"nested more than {MAX_DEPTH} levels deep" in messages["log_likelihood"]
    assert f"more than {MAX_NODES} parts" in messages["score_mu"]
    assert "not a plain identifier" in messages["score_sigma"]
    assert "should return a SymPy expression" in messages["mle_mu"]
    assert "far too large" in messages["mle_sigma"]
    assert "uses sin" in messages["hessian_at_mle"]
    assert not (tmp_path / "pwned").exists()


def test_nested_sums_written_to_stall_the_grader_cost_it_little():
    tree = ["Indexed", ["IndexedBase", "x"], ["Integer", "1"]]
    for depth in range(12):
        name = f"k{depth}"
        tree = ["Sum", tree, ["Tuple", ["Symbol", name], ["Integer", "1"], ["Integer", "999"]]]
    expr = build(tree, SYMBOLS)
    with pytest.raises(equivalence.TooCostly):
        equivalence.evaluate(expr, PROBLEM.points()[0])
    assert equivalence.numerically_equal(expr, sum_x, PROBLEM.points()) is False


def test_derivatives_are_taken_but_only_a_few_of_low_order():
    assert round_trip(sp.Derivative(sigma**5, (sigma, 2))) == 20 * sigma**3
    with pytest.raises(Refused, match="order above 4"):
        round_trip(sp.Derivative(sigma**9, (sigma, 5)))
    with pytest.raises(Refused, match="order above 4"):
        round_trip(sp.Derivative(sigma**9 * mu**9, (sigma, 3), (mu, 2)))


def test_the_readme_and_the_docs_state_the_limits_the_grader_applies():
    """One rule, one number: the wire, the builder and the messages read these constants; the
    README and docs/derivations.md must quote the same."""
    import re
    from pathlib import Path

    from autograder.sandbox.expression_wire import MAX_DIGITS, MAX_EXPONENT, MAX_POWER_DIGITS

    root = Path(__file__).resolve().parent.parent
    pattern = re.compile(r"at most ([\d,]+) parts, (\d+) levels, (\d+)-digit integers, exponents up to "
                         r"([\d,]+) and\s+numbers of at most ([\d,]+) digits")
    for name in ("README.md", "docs/derivations.md"):
        found = pattern.search((root / name).read_text())
        assert found, f"{name} no longer states the limits of a SymPy answer"
        assert [int(g.replace(",", "")) for g in found.groups()] == [
            MAX_NODES, MAX_DEPTH, MAX_DIGITS, MAX_EXPONENT, MAX_POWER_DIGITS], name


def test_messages_quote_the_constants_and_the_students_words():
    wide = ["Add"] + [["Symbol", "mu"]] * (MAX_NODES + 1)
    with pytest.raises(Refused, match=f"more than {MAX_NODES} parts"):
        build(wide, SYMBOLS)
    from autograder.core.framework import TIMEOUT_HINTS

    assert "NumPy" not in TIMEOUT_HINTS["derivations"] and "SymPy" in TIMEOUT_HINTS["derivations"]


def test_a_derivation_has_at_most_max_steps_steps():
    from autograder.core.framework import CheckFailed
    from autograder.core.symbolic_checks import as_chain
    from autograder.sandbox.expression_wire import MAX_STEPS, ExpressionTree

    steps = [ExpressionTree(encode_expression(mu + k)["__sympy__"]) for k in range(MAX_STEPS + 1)]
    with pytest.raises(CheckFailed, match=f"the grader checks at most {MAX_STEPS}"):
        as_chain(steps, PROBLEM, "f()")
    assert len(as_chain(steps[:MAX_STEPS], PROBLEM, "f()")) == MAX_STEPS
