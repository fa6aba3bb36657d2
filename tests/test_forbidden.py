"""Forbidden library routines found in the student's source, in the grading process (SPEC §1)."""

from __future__ import annotations

import pytest

from autograder.generation import sample_cohort
from autograder.core.forbidden import MODULE, analyse

HEADER = """
import numpy as np
import scipy
from scipy.stats import norm
from scipy import stats
import scipy.stats as st
"""


@pytest.mark.parametrize("body, routine", [
    ("return norm.fit(x)", "scipy.stats.norm.fit"),
    ("return stats.norm.fit(x)", "scipy.stats.norm.fit"),
    ("return scipy.stats.norm.fit(x)", "scipy.stats.norm.fit"),
    ("f = st.norm.fit\n    return f(x)", "scipy.stats.norm.fit"),
    ("return getattr(norm, 'fit')(x)", "scipy.stats.norm.fit"),
    ("return norm.fit.__wrapped__(norm, x)", "scipy.stats.norm.fit.__wrapped__"),
    ("from sklearn.mixture import GaussianMixture as GM\n    return GM(2).score_samples(x)",
     "sklearn.mixture.GaussianMixture(...).score_samples"),
    ("from sklearn.cluster import KMeans\n    model = KMeans(2)\n    model.fit(x)\n    return model.labels_",
     "sklearn.cluster.KMeans(...).labels_"),
    ("import sklearn.cluster as sc\n    return sc.KMeans(2).predict(x)", "sklearn.cluster.KMeans(...).predict"),
    ("from sklearn import mixture\n    return mixture.BayesianGaussianMixture().fit(x).means_",
     "sklearn.mixture.BayesianGaussianMixture(...).fit(...).means_"),
    ("from scipy.cluster.vq import kmeans2 as k\n    return k(x, 2)", "scipy.cluster.vq.kmeans2"),
    ("from scipy.cluster import vq\n    return vq.kmeans(x, 2)", "scipy.cluster.vq.kmeans"),
    ("import importlib\n    return importlib.import_module('sklearn.cluster').k_means(x, 2)",
     "sklearn.cluster.k_means"),
    ("g = lambda y: norm.fit(y)\n    return g(x)", "scipy.stats.norm.fit"),
])
def test_forbidden_routines_are_found_however_they_are_named(body, routine):
    uses = analyse(f"{HEADER}\ndef gaussian_mle(x):\n    {body}\n")
    assert routine in uses["gaussian_mle"], uses


@pytest.mark.parametrize("body", [
    "return np.linalg.norm(x)",
    "fit = np.polyfit(x, x, 1)\n    return fit",
    "return norm.logpdf(x).sum(), stats.norm.pdf(x), scipy.stats.norm.cdf(0)",
    "from numpy.linalg import norm\n    return norm(x)",
    "def fit(y):\n        return y\n    return fit(x)",
    "import sklearn.metrics\n    return sklearn.metrics.mean_squared_error(x, x)",
])
def test_honest_code_is_left_alone(body):
    assert analyse(f"{HEADER}\ndef gaussian_mle(x, norm=None):\n    {body}\n") == {}


def test_a_parameter_hides_the_module_level_import():
    assert analyse(HEADER + "\ndef f(norm):\n    return norm.fit(1)\n") == {}


def test_uses_are_charged_to_the_function_and_to_the_students_callers_only():
    source = """
import numpy as np
from sklearn.cluster import KMeans

MODEL = KMeans(2)

def _helper(x):
    return MODEL.predict(x)

def assign_clusters(x, centers):
    return _helper(x)

def fit_kmeans(x, centers):
    return {"labels": assign_clusters(x, centers)}

def update_centers(x, labels, centers):
    return np.array(centers)
"""
    uses = analyse(source)
    assert uses["assign_clusters"] == uses["fit_kmeans"] == ["sklearn.cluster.KMeans(...).predict"]
    assert "update_centers" not in uses
    assert MODULE in uses  # the module's own use is recorded, and costs nothing by itself


def test_a_siblings_forbidden_routine_reaches_the_importer():
    em = "from sklearn.mixture import GaussianMixture\ndef e_step(x):\n    return GaussianMixture(2).fit(x).predict_proba(x)\n"
    km = "from em_gmm import e_step\ndef hard_responsibilities(x, c):\n    return e_step(x)\ndef other(x):\n    return x\n"
    uses = analyse(km, {"em_gmm": em})
    assert list(uses) == ["hard_responsibilities"]
    assert analyse(km, {"em_gmm": "def e_step(x):\n    return x\n"}) == {}


@pytest.mark.parametrize("body, found", [
    ("return norm.fit(x)", True),
    ("from sklearn.cluster import KMeans\n    return KMeans(2).fit(x).labels_", True),
    ("return getattr(norm, 'fit')(x)", True),
    ("return norm.logpdf(x).sum()", False),
])
def test_a_file_naming_no_sibling_is_analysed_as_it_would_be_with_them(body, found):
    """The shortcut for a file that names none of its siblings (its analysis alone) agrees with
    the full analysis, which follows the siblings' names."""
    from autograder.core import forbidden as scan

    source = f"{HEADER}\ndef f(x):\n    {body}\n"
    em = "from sklearn.mixture import GaussianMixture\ndef e_step(x):\n    return GaussianMixture(2).fit(x)\n"
    uses = {"em_gmm.e_step": ["sklearn.mixture.GaussianMixture(...).fit"]}
    full = scan._analyse_one(source, {"em_gmm"}, uses, scan._LISTED)
    assert analyse(source, {"em_gmm": em}) == full
    assert bool(full) == bool(found)
    # Naming the sibling anywhere takes the full way: its routine reaches the importer.
    importer = "from em_gmm import e_step\n" + source.replace("return ", "return e_step(x) or ", 1)
    assert "em_gmm" in importer and analyse(importer, {"em_gmm": em}).get("f")


@pytest.mark.parametrize("reach", [
    'importlib.import_module("em_" "gmm")',  # adjacent strings: one constant in the tree
    'importlib.import_module("em\\x5fgmm")',  # an escape: the text never spells the name
])
def test_a_sibling_named_only_as_python_reads_it_still_reaches_the_importer(reach):
    """The shortcut for files naming no sibling looks at names and strings as Python reads them,
    not at the file's text: a sibling's forbidden routine still reaches the function that imports
    it however its name is spelt."""
    em = "from sklearn.mixture import GaussianMixture\ndef e_step(x):\n    return GaussianMixture(2).fit(x)\n"
    source = f"import importlib\n\ndef f(x):\n    return {reach}.e_step(x)\n"
    assert "em_gmm" not in source
    assert analyse(source, {"em_gmm": em}).get("f"), "the sibling's GaussianMixture did not reach f"


def test_a_sibling_named_in_full_width_letters_still_reaches_the_importer():
    em = "from sklearn.mixture import GaussianMixture\ndef e_step(x):\n    return GaussianMixture(2).fit(x)\n"
    source = "import \uff45\uff4d_gmm\n\ndef f(x):\n    return \uff45\uff4d_gmm.e_step(x)\n"
    assert "em_gmm" not in source
    assert analyse(source, {"em_gmm": em}).get("f"), "the sibling's GaussianMixture did not reach f"


def test_unreadable_source_finds_nothing():
    assert analyse("def f(:\n") == {}


# --------------------------------------------------------------------------
# Grading: the function pays, the rest of the exercise does not
# --------------------------------------------------------------------------

def test_unwrapped_norm_fit_costs_only_its_function(grade_source):
    source = sample_cohort.edited(
        "gaussian_mle", ("    mu_hat = x.mean()\n    sigma_hat = np.sqrt(np.mean((x - mu_hat) ** 2))",
                         "    from scipy.stats import norm\n"
                         "    mu_hat, sigma_hat = norm.fit.__wrapped__(norm, x)"))
    result = grade_source("gaussian_mle", source)
    assert result.status == "graded"
    by_function = {}
    for r in result.results:
        by_function.setdefault(r.function, []).append(r)
    assert all(r.status == "forbidden" and r.points == 0 for r in by_function["gaussian_mle"])
    assert "scipy.stats.norm.fit.__wrapped__" in by_function["gaussian_mle"][0].message
    for function in ("gaussian_log_likelihood", "gaussian_mle_numerical"):
        assert all(r.status == "passed" for r in by_function[function]), by_function[function]


def test_kmeans_estimator_costs_only_its_function_never_the_exercise(grade_source):
    source = sample_cohort.edited(
        "kmeans", ("    labels = assign_clusters(x, centers)\n    return np.eye",
                   "    from sklearn.cluster import KMeans\n"
                   "    labels = KMeans(len(centers), init=np.asarray(centers, float)[:, None], n_init=1)"
                   ".fit(np.asarray(x, float)[:, None]).predict(np.asarray(x, float)[:, None])\n"
                   "    return np.eye"))
    result = grade_source("kmeans", source)
    assert result.status == "graded", result.message
    for r in result.results:
        if r.function == "hard_responsibilities":
            assert r.status == "forbidden" and "KMeans(...).fit(...).predict" in r.message
        else:
            assert r.status == "passed", (r.function, r.message)


# --------------------------------------------------------------------------
# The list is the policy's: the source scan and the child's wrappers both follow it
# --------------------------------------------------------------------------

def _std_policy_limits():
    from autograder.core.policy import DEFAULT, Policy

    listed = {kind: list(names) for kind, names in DEFAULT.forbidden.items()}
    listed["routines"].append("numpy.std")
    return Policy(forbidden=listed).limits()


def _std_source(call: str) -> str:
    return sample_cohort.edited(
        "gaussian_mle", ("    sigma_hat = np.sqrt(np.mean((x - mu_hat) ** 2))",
                         f"    sigma_hat = {call}"))


@pytest.mark.parametrize("call, scanned", [
    ("np.std(x)", True),  # found in the source, and recorded in the child
    ("getattr(np, 's' + 'td')(x)", False),  # hidden from the source scan: only the child sees it
])
def test_a_routine_the_policy_adds_costs_its_function_in_the_child_too(grade_source, call, scanned):
    source = _std_source(call)
    assert bool(analyse(source, listed=_std_policy_limits().forbidden)) is scanned
    assert not analyse(source)
    honest = grade_source("gaussian_mle", source)  # np.std(x) is the MLE: full marks by default
    assert honest.points == honest.max_points, [r.message for r in honest.results if not r.passed]
    result = grade_source("gaussian_mle", source, limits=_std_policy_limits())
    for r in result.results:
        if r.function == "gaussian_mle":
            assert r.status == "forbidden" and r.points == 0, r
            assert r.message.startswith("gaussian_mle calls numpy.std, a library routine that does this")
        else:
            assert r.status == "passed", (r.function, r.message)


def test_the_child_wraps_only_what_its_job_lists(zygote, tmp_path):
    from dataclasses import replace

    from autograder.sandbox import Limits, StudentModule

    path = tmp_path / "calls_std.py"
    path.write_text("import numpy as np\n\ndef spread(x):\n    return float(np.std(x))\n")
    replies = []
    for limits in (Limits(), _std_policy_limits(), replace(Limits(), forbidden={})):
        child = StudentModule(zygote, path, tmp_path, "calls_std", limits)
        try:
            replies.append(child.call("spread", ([1.0, 3.0],)))
        finally:
            child.kill()
    # A listed routine is replaced by a stand-in that records the call and runs nothing.
    assert [r.value for r in replies] == [1.0, None, 1.0]
    assert [r.forbidden for r in replies] == [[], ["numpy.std"], []]
    assert replies[1].error["type"] == "ForbiddenRoutineError"


def test_each_student_file_is_parsed_once_for_all_its_readers(monkeypatch):
    """The forbidden-routine scan, the call graph and the nesting test of four exercises, each
    with the other files as siblings, parse each file once (they parsed it 17 times)."""
    import ast

    from autograder.core import dependencies, student_source
    from autograder.core.forbidden import _analyse_alone
    from autograder.generation import sample_cohort as cohort

    parsed = []
    files = {slug: cohort.solved(slug) + f"\n# {slug}: parsed once ({id(parsed)})\n"  # new to any cache
             for slug in ("gaussian_mle", "mse_nll", "em_gmm", "kmeans")}
    real_parse = ast.parse
    monkeypatch.setattr(ast, "parse", lambda source, *a, **k: parsed.append(source) or real_parse(source, *a, **k))
    _analyse_alone.cache_clear()
    for slug, source in files.items():
        siblings = {other: text for other, text in files.items() if other != slug}
        assert student_source.nesting_problem(source, f"{slug}.py") == ""
        analyse(source, siblings)
        dependencies.reached(source, ["e_step"])
    assert sorted(parsed) == sorted(files.values())
