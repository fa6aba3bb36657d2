"""The check memo changes how fast a cohort is graded, never what it is graded:
memo on and memo off give the same results, check by check, message by message."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from autograder.core import check_memo
from autograder.generation.build import strip_solutions
from autograder.core.manifest import exercise
from autograder.generation.sample_cohort import solved
from autograder.sandbox.wire import FigureData, Unsupported
from tests.variants import apply


def _strip_markers(text: str) -> str:
    return "\n".join(l for l in text.splitlines() if l.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def _sources(slug: str) -> list[str]:
    """The reference, the stub, every fifth mutant and every mutant that calls a forbidden routine."""
    mutants = importlib.import_module(f"tests.variants.{slug}").MUTANTS
    chosen = mutants[::5] + [m for m in mutants if m.status == "forbidden" and m not in mutants[::5]]
    return ([solved(slug), strip_solutions(exercise(slug).solution_path.read_text())]
            + [_strip_markers(apply(slug, m)) for m in chosen])


def _outcomes(result):
    return [(r.name, r.status, r.points, r.message) for r in result.results]


@pytest.mark.slow
@pytest.mark.parametrize("slug", ["kmeans", "em_gmm"])
def test_memo_on_and_off_grade_alike(slug, grade_source, monkeypatch):
    sources = _sources(slug)
    monkeypatch.setenv("AUTOGRADER_CHECK_MEMO", "0")
    plain = [_outcomes(grade_source(slug, text)) for text in sources]
    monkeypatch.setenv("AUTOGRADER_CHECK_MEMO", "1")
    first = [_outcomes(grade_source(slug, text)) for text in sources]
    hits = check_memo.MEMO.hits
    second = [_outcomes(grade_source(slug, text)) for text in sources]
    assert first == plain
    assert second == plain
    assert check_memo.MEMO.hits > hits, "a second pass over the same replies should reuse outcomes"


def test_a_student_whose_answers_change_is_graded_live(grade_source, monkeypatch):
    """A function that answers differently on every call never matches a remembered path."""
    monkeypatch.setenv("AUTOGRADER_CHECK_MEMO", "1")
    reference = solved("kmeans")
    grade_source("kmeans", reference)
    drifting = reference + "\n\n_calls = [0]\n_original = assign_clusters\n\n" \
        "def assign_clusters(x, centers):\n    _calls[0] += 1\n" \
        "    labels = _original(x, centers)\n    return labels if _calls[0] < 3 else labels * 0\n"
    result = grade_source("kmeans", drifting)
    by_name = {r.name: r for r in result.results}
    assert any(r.function == "assign_clusters" and r.status == "failed" for r in result.results), \
        "later calls return wrong labels: some assign_clusters check must fail"
    assert by_name and result.points < result.max_points


def test_digest_tells_apart_what_a_message_tells_apart():
    d = check_memo.digest
    assert d([1.0, 2.0]) != d((1.0, 2.0))
    assert d(0.0) != d(-0.0)
    assert d(1) != d(1.0)
    assert d(np.array([1, 2])) != d(np.array([1.0, 2.0]))
    assert d(np.zeros((2, 3))) != d(np.zeros((3, 2)))
    assert d({"a": 1, "b": 2}) != d({"b": 2, "a": 1})
    assert d(FigureData({"axes": []})) != d({"axes": []})
    assert d(Unsupported("an object of type Foo")) != d("an object of type Foo")
    assert d(np.array([np.nan])) == d(np.array([np.nan]))
    assert d(object()) is None
