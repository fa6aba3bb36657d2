"""A derivation's partial credit, and its expressions shown as mathematics.

A chain right up to the step that breaks keeps the share of the links
before that step; a chain that breaks and then jumps back to the right end
does not earn the end's point; a step repeated unchanged earns nothing. The
HTML feedback shows the steps around the break as presentation MathML,
rebuilt from the allow-listed trees and checked again element by element.
"""

from __future__ import annotations

import dataclasses

import sympy as sp

from autograder.core import framework
from autograder.checks.derivations import PROBLEM, ll_mistakes
from autograder.core.manifest import exercise
from autograder.core.record import StudentRecord
from autograder.core.math_display import GREEK_LETTERS, Unsafe, latex, math_html, mathml, safe_latex, sanitize
from autograder.routes.reports import feedback_html, feedback_markdown
from autograder.core.symbolic_checks import chain_break
from solutions import derivations as ref
from tests.variants import apply, replace_body
from tests.variants import derivations as variants

n, i, x, mu, sigma = ref.n, ref.i, ref.x, ref.mu, ref.sigma
STEPS = ref.log_likelihood_steps()
DROPS_N = -n / 2 * sp.log(2 * sp.pi) - sp.log(sigma) - sp.Sum((x[i] - mu) ** 2, (i, 1, n)) / (2 * sigma**2)


def _by_name(result) -> dict:
    return {r.name: r for r in result.results}


def test_links_before_the_break_are_counted_and_repeats_are_not():
    broken = chain_break([*STEPS[:3], DROPS_N], PROBLEM, ll_mistakes())
    assert (broken.step, broken.held, broken.links) == (4, 2, 3)
    assert "it drops the factor n on log(sigma)" in broken.message
    padded = chain_break([STEPS[0], STEPS[0], STEPS[1], STEPS[1], DROPS_N], PROBLEM, ll_mistakes())
    assert (padded.step, padded.held, padded.links) == (5, 1, 2)  # two repeats prove nothing
    assert chain_break(STEPS, PROBLEM, ll_mistakes()) is None


def test_a_chain_broken_at_its_last_step_keeps_the_links_before_it(grade_source):
    mutant = next(m for m in variants.MUTANTS if m.name == "chain whose last step drops n on log sigma")
    checks = _by_name(grade_source("derivations", apply("derivations", mutant)))
    links = checks["log_likelihood_steps_every_step_follows"]
    assert (links.points, links.max_points, links.status) == (1.33, 2.0, "failed")
    assert "2/3 of its points" in links.message
    assert checks["log_likelihood_steps_start_at_the_definition"].passed
    assert checks["log_likelihood_steps_end_without_exp"].points == 0


def test_a_wrong_link_then_a_jump_back_earns_neither_the_rest_nor_the_end(grade_source):
    mutant = next(m for m in variants.MUTANTS if m.name == "chain with one broken link in the middle")
    checks = _by_name(grade_source("derivations", apply("derivations", mutant)))
    links, end = checks["log_likelihood_steps_every_step_follows"], checks["log_likelihood_steps_end_without_exp"]
    assert links.points == 0.66 and "step 3 is not equal to step 2" in links.message
    assert end.points == 0 and "reaches it through step 3" in end.message


def test_a_chain_broken_at_its_first_link_earns_nothing_for_its_links(grade_source):
    source = replace_body(exercise("derivations").solution_path.read_text(), "gaussian_nll_steps", """
        return [GAUSSIAN_NLL, sp.log(2 * sp.pi * sigma**2) / 2 + n * MSE / (2 * sigma**2)]
    """)
    checks = _by_name(grade_source("derivations", source))
    links = checks["gaussian_nll_steps_every_step_follows"]
    assert links.points == 0 and "drops the factor n on log(2*pi*sigma**2)" in links.message
    assert checks["gaussian_nll_steps_end_affine_in_mse"].points == 0


def test_partial_credit_is_a_share_rounded_down():
    def run(_student):
        raise framework.PartialCredit("broken at step 4", 2 / 3)

    from autograder.core.grading import _run_check

    result = _run_check(framework.Check("ex", "f", "f_check", "t", 1.0, run), None)
    assert (result.points, result.status, result.message) == (0.66, "failed", "broken at step 4")


def test_the_html_feedback_shows_the_broken_steps_as_mathml(grade_source):
    mutant = next(m for m in variants.MUTANTS if m.name == "chain with one broken link in the middle")
    result = grade_source("derivations", apply("derivations", mutant))
    links = _by_name(result)["log_likelihood_steps_every_step_follows"]
    assert [label for label, _, _ in links.math] == ["step 2", "step 3"]
    assert all(latex.startswith("\\sum_{i=1}^{n}") for _, _, latex in links.math)  # for the notebooks
    record = StudentRecord("ann", "graded", exercises=[
        dataclasses.replace(result, title="Derivations", source="derivations.py")])
    page = feedback_html(record)
    assert page.count("<math display='block'>") == 2 and "<msub><mi>x</mi><mi>i</mi></msub>" in page
    assert "<script" not in page
    assert "<math" not in feedback_markdown(record)  # Markdown keeps the plain text of the message
    assert "step 3: Sum(" in feedback_markdown(record)


def test_mathml_is_allow_listed_and_escaped():
    assert mathml(sp.Symbol("a<b")) == ""  # SymPy's printer does not escape names: refused
    assert "<mi>&lt;</mi>" in sanitize("<mi>&lt;</mi>")
    for hostile in ["<script>alert(1)</script>", "<mi onclick=\"x\">a</mi><img src=x>", "<mi>&xxe;</mi>",
                    "<mi>a</mo>", "<mi>a", "<!DOCTYPE x><mi>a</mi>", "<mi>a & b</mi>", "<mfenced></mfenced>"]:
        try:
            sanitize(hostile)
        except Unsafe:
            continue
        raise AssertionError(f"accepted {hostile!r}")
    assert sanitize('<mo stretchy="false" onclick="x">(</mo>') == '<mo stretchy="false">(</mo>'
    assert latex(sp.Symbol("alpha") / 2) == "\\frac{\\alpha}{2}"
    for hostile in ["\\href{javascript:alert(1)}{x}", "\\style{color:red}{x}", "x<script>", "\\def\\x{y}"]:
        assert safe_latex(hostile) == "", hostile
    shown = math_html([["<b>label</b>", "<mi>x</mi>"], ["bad", "<script></script>"], "junk"])
    assert shown.count("<math") == 1 and "&lt;b&gt;label" in shown


def test_the_greek_letters_written_out_are_sympys():
    from sympy.printing.latex import greek_letters_set

    assert GREEK_LETTERS == greek_letters_set


def test_a_value_close_to_the_right_one_is_printed_with_the_digits_that_differ():
    from autograder.core.symbolic_checks import _difference_hint

    hint = _difference_hint(n * sp.log(2 * sp.Float(3.14159)), n * sp.log(2 * sp.pi), PROBLEM)
    got, want = hint.rstrip(".").split(" it is ")[1].split(", and the right answer is ")
    assert got != want and len(got) > 7, hint


def test_the_notebooks_hidden_cell_shows_the_kept_share_and_the_steps_as_latex():
    from nbgrader.utils import determine_grade
    from nbformat import from_dict, v4

    from autograder.routes.nbgrader_cells import hidden_cell_outputs

    result = {"name": "links", "title": "Each step follows", "status": "failed", "points": 0.66,
              "max_points": 2.0, "message": "step 3 is not equal to step 2",
              "math": [["step 2", "<mi>a</mi>", "\\frac{a}{2}"], ["step 3", "<mi>b</mi>", ""]]}
    outputs = hidden_cell_outputs(result, "links")
    assert "2 points, 0.66 kept" in outputs[0]["text"] and "step 3 is not equal" in outputs[0]["text"]
    assert [o["data"]["text/latex"] for o in outputs if o["output_type"] == "display_data"] == [
        "$\\displaystyle \\text{step 2:}\\quad \\frac{a}{2}$"]
    cell = v4.new_code_cell("", metadata={"nbgrader": {"grade": True, "points": 2, "grade_id": "hidden_links"}})
    cell.outputs = [from_dict(o) for o in outputs]
    assert determine_grade(cell) == (0.66, 2.0), "nbgrader keeps the share the chain earned"
    cell.outputs = [from_dict(o) for o in hidden_cell_outputs(dict(result, points=0), "links")]
    assert determine_grade(cell) == (0, 2.0)
    cell.outputs = [from_dict(o) for o in hidden_cell_outputs(dict(result, status="passed", points=2), "links")]
    assert determine_grade(cell) == (2.0, 2.0)


def test_the_cost_benchmark_runs_on_the_reference():
    from benchmarks import derivation_cost

    costs = derivation_cost.measure(derivation_cost.submissions(quick=True)[:1])
    assert costs[0].name == "reference" and costs[0].points == costs[0].max_points == 27
    assert "parts visited" in derivation_cost.table(costs)


def test_links_that_do_not_start_at_the_definition_earn_nothing(grade_source):
    source = replace_body(exercise("derivations").solution_path.read_text(), "laplace_nll_steps", """
        return [sp.Sum(sp.Abs(r[i]), (i, 1, n)), n * MAE]
    """)
    checks = _by_name(grade_source("derivations", source))
    assert not any(checks[f"laplace_nll_steps_{name}"].points for name in (
        "start_at_the_definition", "every_step_follows", "end_affine_in_mae"))
    assert "is not equal to LAPLACE_NLL" in checks["laplace_nll_steps_every_step_follows"].message


def test_a_renamed_index_is_a_repeat_not_a_step():
    j = sp.Symbol("j", integer=True, positive=True)
    renamed = sp.Sum(sp.log(ref.normal_density(x[j], mu, sigma)), (j, 1, n))
    broken = chain_break([STEPS[0], renamed, DROPS_N], PROBLEM, ll_mistakes())
    assert (broken.step, broken.held, broken.links) == (3, 0, 1)


def test_a_step_that_cannot_be_rebuilt_breaks_the_chain_there_and_keeps_the_links_before_it(grade_source):
    """A middle step the grader cannot read (here a string) is where the chain breaks: the start
    keeps its point and the links before it their share; the end is not reached."""
    source = replace_body(exercise("derivations").solution_path.read_text(), "log_likelihood_steps", """
        return [
            LOG_LIKELIHOOD,
            sp.Sum(-sp.log(2 * sp.pi * sigma**2) / 2 - (x[i] - mu) ** 2 / (2 * sigma**2), (i, 1, n)),
            sp.Sum(-sp.log(2 * sp.pi) / 2 - sp.log(sigma) - (x[i] - mu) ** 2 / (2 * sigma**2), (i, 1, n)),
            "-n/2 log(2 pi) - n log(sigma) - sum((x_i - mu)^2) / (2 sigma^2)",
        ]
    """)
    checks = _by_name(grade_source("derivations", source))
    links = checks["log_likelihood_steps_every_step_follows"]
    assert checks["log_likelihood_steps_start_at_the_definition"].passed
    assert (links.points, links.status) == (1.33, "failed") and "step 4 " in links.message, links.message
    assert "2/3 of its points" in links.message
    end = checks["log_likelihood_steps_end_without_exp"]
    assert end.points == 0 and end.message.startswith(
        "Called log_likelihood_steps(): the last step cannot be graded: step 4 should be a SymPy expression"), \
        end.message


def test_an_unreadable_middle_step_is_named_by_the_end_check(grade_source):
    source = replace_body(exercise("derivations").solution_path.read_text(), "log_likelihood_steps", """
        return [
            LOG_LIKELIHOOD,
            "log of a product is a sum of logs",
            -n / 2 * sp.log(2 * sp.pi) - n * sp.log(sigma) - sp.Sum((x[i] - mu) ** 2, (i, 1, n)) / (2 * sigma**2),
        ]
    """)
    checks = _by_name(grade_source("derivations", source))
    assert checks["log_likelihood_steps_start_at_the_definition"].passed
    assert checks["log_likelihood_steps_every_step_follows"].points == 0
    end = checks["log_likelihood_steps_end_without_exp"]
    assert end.points == 0 and "through step 2, which cannot be graded" in end.message, end.message
