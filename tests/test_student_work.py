"""Whole student submissions (tests/student_work/) graded as they would be.

Correct work, however it is written (float32, loops, lists, scipy.stats, its
own helpers, prints), scores full marks. Each wrong file loses points on the
functions its mistake breaks, with the message naming the mistake; a caller
that fails because a function it calls is wrong is told so first; no other
function loses a point. And no message, for any file, prints "got X,
expected X" (or, for an expression, "it is X, and the right answer is X")
with X printed alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from autograder.sandbox import Limits

HERE = Path(__file__).resolve().parent / "student_work"


@dataclass(frozen=True)
class Wrong:
    hits: frozenset  # functions whose own checks must fail
    says: str  # a message of a hit function contains this
    cascades: dict = field(default_factory=dict)  # caller -> the broken function it calls


def wrong(hits, says, cascades=None) -> Wrong:
    return Wrong(frozenset(hits.split()), says, cascades or {})


WRONG = {
    "gaussian_mle/wrong_quadratic_without_half.py": wrong(
        "gaussian_log_likelihood", "quadratic term is missing its 1/2",
        {"gaussian_mle_numerical": "gaussian_log_likelihood"}),
    "gaussian_mle/wrong_log_sigma_without_n.py": wrong(
        "gaussian_log_likelihood", "-log(sigma) where -n log(sigma) belongs",
        {"gaussian_mle_numerical": "gaussian_log_likelihood"}),
    "gaussian_mle/wrong_raw_sigma_poor_start.py": wrong(
        "gaussian_mle_numerical", "optimise over log(sigma)"),
    "gaussian_mle/wrong_unbiased_sigma.py": wrong("gaussian_mle", "divides by n - 1"),
    "gaussian_mle/wrong_statistics_stdev.py": wrong("gaussian_mle", "divides by n - 1"),
    "gaussian_mle/wrong_log_2pi_without_half.py": wrong(
        "gaussian_log_likelihood", "the 1/2 in front of log(2 pi) is missing"),  # the optimum does not move
    "mse_nll/wrong_clip_1e7.py": wrong("bernoulli_nll", "clips the probabilities to [1e-07"),
    "mse_nll/wrong_nll_log_sigma_without_n.py": wrong(
        "gaussian_nll", "log(sigma) where n log(sigma) belongs",
        {"fit_linear_gaussian_nll": "gaussian_nll"}),
    "mse_nll/wrong_float32_objective_stalls.py": wrong(
        "fit_linear_gaussian_nll", "the optimiser did not move"),
    "em_gmm/wrong_estep_ignores_weights.py": wrong(
        "e_step", "ignores the mixing weights", {"fit_gmm_em": "e_step"}),
    "em_gmm/wrong_mstep_variance_by_n.py": wrong(
        "m_step", "divide by n instead of N_k", {"fit_gmm_em": "m_step"}),
    "em_gmm/wrong_range_one.py": wrong("fit_gmm_em", "ends one round early"),
    "em_gmm/wrong_history_only_final.py": wrong("fit_gmm_em", "holds only the final weights"),
    "em_gmm/wrong_ll_before_mstep.py": wrong("fit_gmm_em", "recorded before the M-step"),
    "em_gmm/wrong_ll_without_logsumexp.py": wrong("gmm_log_likelihood", "without log-sum-exp"),
    "kmeans/wrong_reseed_random_point.py": wrong(
        "update_centers", "re-seeded", {"fit_kmeans": "update_centers"}),
    "kmeans/wrong_assign_argmax.py": wrong(
        "assign_clusters", "farthest center",
        {"fit_kmeans": "assign_clusters", "hard_responsibilities": "assign_clusters"}),
    "kmeans/wrong_history_shares_array.py": wrong("fit_kmeans", "changed in place"),
    "derivations/wrong_ll_missing_half.py": wrong("log_likelihood", "a factor 1/2 is missing"),
    "derivations/wrong_nll_sigma_for_sigma2.py": wrong(
        "gaussian_nll_steps", "step 2 is not equal to step 1: it uses sigma where sigma**2 belongs"),
    "derivations/wrong_score_sigma_drops_n.py": wrong("score_sigma", "drops the factor n"),
    "derivations/wrong_laplace_sign.py": wrong("laplace_nll_steps", "wrong sign"),
    "derivations/wrong_mle_sigma_n_minus_1.py": wrong("mle_sigma", "divides by n - 1"),
    "derivations/wrong_gaussian_chain_middle_link.py": wrong(
        "gaussian_nll_steps", "step 3 is not equal to step 2: it has log(2*pi*sigma**2) where "
        "(1/2)*log(2*pi*sigma**2) belongs"),
    "derivations/wrong_mle_sigma_keeps_mu.py": wrong("mle_sigma", "but it uses mu"),
    "derivations/wrong_ll_decimal_pi.py": wrong("log_likelihood", "write exact values (sp.pi"),
    "derivations/wrong_slope_numbers_from_data.py": wrong("nll_slope_in_mse", "not numbers from one dataset"),
    "derivations/wrong_ll_steps_n_log_without_half.py": wrong(
        "log_likelihood_steps", "step 3 is not equal to step 2: it has -log(2*pi*sigma**2) where step 2 has "
        "-log(2*pi*sigma**2)/2: the factor 1/2 is missing"),
    "derivations/wrong_ll_steps_sigma_in_exponent.py": wrong(
        "log_likelihood_steps", "step 3 is not equal to step 2: it divides the squared deviations by 2*sigma"),
    "derivations/wrong_mle_sigma_mu_hat_as_number.py": wrong("mle_sigma", "the decimal number 0.73 where mu belongs"),
    "derivations/wrong_laplace_abs_dropped.py": wrong(
        "laplace_nll_steps", "step 2 is not equal to step 1: it has r[i] where |r[i]| belongs"),
    "derivations/wrong_bernoulli_log_of_product_as_product.py": wrong(
        "bernoulli_nll_steps", "is left as a product of logs"),
    "derivations/wrong_score_mu_differentiates_sigma.py": wrong(
        "score_mu", "the derivative with respect to sigma, not mu"),
    "derivations/wrong_gaussian_nll_n_minus_1.py": wrong("gaussian_nll_steps", "step 4 is not equal to step 3: it divides by n - 1"),
    "derivations/wrong_gaussian_nll_sum_stops_early.py": wrong(
        "gaussian_nll_steps", "step 2 is not equal to step 1: the sum runs over i = 1 .. n - 1"),
    "derivations/wrong_ll_mean_log_density.py": wrong("log_likelihood", "the mean of the log-densities"),
    "derivations/wrong_sigma2_returns_sigma.py": wrong("sigma2_at_optimum", "not sigma_hat**2"),
    "derivations/wrong_hessian_of_the_nll.py": wrong("hessian_at_mle", "wrong sign"),
    "derivations/wrong_laplace_log_b_without_2.py": wrong("laplace_nll_steps", "step 3 is not equal to step 2: it drops the 2 of 2*b"),
    "derivations/wrong_ll_steps_plus_squares.py": wrong("log_likelihood_steps", "step 2 is not equal to step 1: the squared deviations enter with a + sign"),
    "derivations/wrong_slope_without_half.py": wrong("nll_slope_in_mse", "missing the factor 1/2"),
    "derivations/wrong_mle_mu_n_minus_1.py": wrong("mle_mu", "divides the sum by n - 1"),
    "derivations/wrong_ll_log_sigma2_without_n.py": wrong("log_likelihood", "drops the factor n on log(sigma)"),
    "derivations/wrong_laplace_mae_without_n.py": wrong("laplace_nll_steps", "step 4 is not equal to step 3: it has MAE where"),
    "derivations/wrong_score_sigma_sign_of_squares.py": wrong("score_sigma", "with the wrong sign"),
    "derivations/wrong_bernoulli_drops_zero_labels.py": wrong("bernoulli_nll_steps", "drops the (1 - y[i])*log(1 - p[i]) term"),
    "derivations/wrong_gaussian_nll_log_sigma_not_squared.py": wrong(
        "gaussian_nll_steps", "step 3 is not equal to step 2: sigma where sigma**2 belongs (in log(2*pi*sigma**2))"),
}

FILES = sorted(str(p.relative_to(HERE)) for p in HERE.glob("*/*.py"))
CORRECT = [f for f in FILES if not Path(f).name.startswith("wrong_")]

#: "got X, expected X" with the same X, up to the end of the printed value, and not
#: followed by the digits that tell them apart.
SAME_PRINT = re.compile(r"got (.+?), expected \1(?!; they differ most| \(relative difference)"
                        r"(?:\.(?:\s|$)|[;,)]|\s\(|$)", re.DOTALL)


#: Loops over 10^5 points take seconds; on a loaded test machine they must not time out
#: (speed is the benchmarks' business, these tests are about grades and messages).
PATIENT = replace(Limits(), call_timeout=120.0)


#: Files that import another exercise of the same student: the sibling handed in beside them.
SIBLINGS = {"kmeans/sibling_imports_em_gmm.py": {"em_gmm": "em_gmm/vectorised_kn_einsum.py"}}


def _grade(grade_source, name):
    slug = name.split("/")[0]
    siblings = {other: HERE / path for other, path in SIBLINGS.get(name, {}).items()}
    return grade_source(slug, (HERE / name).read_text(), limits=PATIENT, budget=1800.0, siblings=siblings)


def _report(result) -> str:
    return "\n".join(f"  {r.status:15} {r.function}.{r.name}: {r.message}" for r in result.results)


def _by_function(result) -> dict[str, tuple[float, float]]:
    scores: dict[str, list[float]] = {}
    for r in result.results:
        s = scores.setdefault(r.function, [0.0, 0.0])
        s[0] += r.points
        s[1] += r.max_points
    return {f: (p, m) for f, (p, m) in scores.items()}


#: The same for an expression's value at a point ("it is X, and the right answer is X.").
SAME_VALUE = re.compile(r"it is (\S+?), and the right answer is \1\.")


def _no_self_contradiction(result):
    for r in result.results:
        match = SAME_PRINT.search(r.message) or SAME_VALUE.search(r.message)
        assert match is None, f"{r.function}.{r.name} prints got and expected alike: {match.group(0)!r}"


def test_the_corpus_is_large_and_covers_every_exercise():
    assert len(FILES) >= 25
    assert len([f for f in FILES if f.startswith("derivations/")]) >= 45
    assert set(WRONG) <= set(FILES), set(WRONG) - set(FILES)
    assert {f.split("/")[0] for f in CORRECT} == {f.split("/")[0] for f in WRONG} == {
        "gaussian_mle", "mse_nll", "em_gmm", "kmeans", "derivations"}
    assert not [f for f in FILES if Path(f).name.startswith("wrong_") and f not in WRONG]


@pytest.mark.parametrize("name", CORRECT)
def test_correct_work_scores_full_marks(name, grade_source):
    result = _grade(grade_source, name)
    assert result.status == "graded", result.message
    assert result.points == result.max_points, _report(result)
    _no_self_contradiction(result)


@pytest.mark.parametrize("name", sorted(WRONG))
def test_wrong_work_loses_points_where_it_breaks(name, grade_source):
    expect = WRONG[name]
    result = _grade(grade_source, name)
    report = _report(result)
    scores = _by_function(result)
    for function, (points, most) in scores.items():
        if function in expect.hits or function in expect.cascades:
            assert points < most, f"{function} kept full marks\n{report}"
        else:
            assert points == most, f"{function} lost points it should keep\n{report}"
    messages = [r.message for r in result.results if r.function in expect.hits and not r.passed]
    assert any(expect.says.lower() in m.lower() for m in messages), f"no message says {expect.says!r}\n{report}"
    for caller, callee in expect.cascades.items():
        failing = [r for r in result.results if r.function == caller and not r.passed]
        assert failing and all(r.message.startswith(f"`{caller}` calls your `{callee}`") for r in failing), report
    for function in expect.hits:
        own = [r for r in result.results if r.function == function and not r.passed]
        assert not any("calls your" in r.message for r in own), f"{function} is blamed on another\n{report}"
    _no_self_contradiction(result)


def test_float32_work_is_noted(grade_source):
    result = _grade(grade_source, "gaussian_mle/float32_numpy.py")
    notes = [r.message for r in result.results if r.passed and r.message]
    assert notes and all("float32" in m and "float64" in m for m in notes), _report(result)
    exact = _grade(grade_source, "gaussian_mle/own_pdf_helper_bounds.py")
    assert not any(r.message for r in exact.results), _report(exact)


def test_heavy_printing_is_cut_and_costs_nothing(grade_source):
    result = _grade(grade_source, "kmeans/prints_every_step.py")
    assert result.points == result.max_points, _report(result)
    assert "output cut" in result.output and "printing costs no points" in result.output
    assert len(result.output) < 10_000


def test_stubs_handed_in_beside_notebooks_of_this_work(tmp_path):
    """The released bundle handed back: every untouched stub beside a notebook holding unusual
    correct work from this corpus. The notebooks are graded, at full marks, and the stubs are
    named as ignored."""
    from autograder.generation import sample_cohort
    from autograder.core.student import ZygoteKeeper, grade_student
    from autograder.core.submissions import find_cohort

    chosen = {"gaussian_mle": "statistics_module.py", "mse_nll": "float32_objective_own_gradient.py",
              "em_gmm": "demo_at_import_plt_show.py", "kmeans": "prints_every_step.py"}
    student = tmp_path / "cohort" / "ana"
    student.mkdir(parents=True)
    for slug, name in chosen.items():
        (student / f"{slug}.py").write_text(sample_cohort.stub(slug))
        (student / f"{slug}.ipynb").write_text(sample_cohort.as_notebook((HERE / slug / name).read_text(), slug))
    [submission] = find_cohort(tmp_path / "cohort", tmp_path / "scratch", list(chosen)).submissions
    keeper = ZygoteKeeper()
    try:
        record = grade_student(submission, keeper, slugs=list(chosen),
                               policy=replace(_policy(), call_timeout=120.0, budget=1800.0))
    finally:
        keeper.close()
    for ex in record.exercises:
        assert ex.source == f"{ex.exercise}.ipynb", ex
        assert ex.points == ex.max_points, [r.message for r in ex.results if not r.passed]
    assert all(f"ignored {slug}.py (the untouched stub)" in record.problems for slug in chosen)


def _policy():
    from autograder.core.policy import DEFAULT

    return DEFAULT
