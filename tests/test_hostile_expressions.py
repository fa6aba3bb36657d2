"""Derivation answers written to stall the grading process, graded on the batch route.

Each answer is built unevaluated in the student's own process, so it crosses the sandbox
as a small tree that SymPy, in the grading process, would evaluate for ever with the GIL
held (7**(10**39) computed exactly, a tower 10**10**10, a product of huge powers, an
integer of a million digits, exp(exp(exp(10)))). The grader rebuilds every tree with
evaluation off and bounds it first (``core/expression_tree.py``), so each one is refused
with a sentence charged to the student, within the exercise's time budget, and the
student beside them is graded as usual.
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest

from autograder.core.manifest import exercise
from autograder.core.policy import DEFAULT
from tests.test_batch import grade

HOSTILE = '''

def log_likelihood():
    return sp.exp(sp.Mul(sp.Integer(10) ** 39, sp.log(7), evaluate=False), evaluate=False)


def score_mu():
    return sp.Pow(10, sp.Pow(10, 10, evaluate=False), evaluate=False)


def score_sigma():
    return sp.Mul(*[sp.Pow(k, k, evaluate=False) for k in range(2, 400)], evaluate=False)


def mle_mu():
    return sp.Integer(10 ** (10 ** 6))


def mle_sigma():
    return sp.exp(sp.exp(sp.exp(10, evaluate=False), evaluate=False), evaluate=False)


def hessian_at_mle():
    return [sp.Pow(sigma + mu, sp.Integer(10) ** 39, evaluate=False),
            sp.Pow(sp.Pow(sp.Pow(2, 1000, evaluate=False), 1000, evaluate=False), 1000, evaluate=False),
            sp.exp(sp.Mul(sp.Integer(10) ** 39, mu, sp.log(7), evaluate=False), evaluate=False)]


def log_likelihood_steps():
    return [LOG_LIKELIHOOD, sp.exp(sp.Mul(sp.Integer(10) ** 39, sp.log(7), evaluate=False), evaluate=False)]
'''


def _stub_head() -> str:
    from autograder.generation.build import strip_solutions

    return strip_solutions(exercise("derivations").solution_path.read_text()).split("# ----")[0]


@pytest.mark.slow
def test_expressions_written_to_stall_the_grader_are_refused_and_charged_to_the_student(tmp_path):
    cohort = tmp_path / "cohort"
    (cohort / "honest").mkdir(parents=True)
    (cohort / "honest" / "derivations.py").write_text(exercise("derivations").solution_path.read_text())
    (cohort / "staller").mkdir()
    (cohort / "staller" / "derivations.py").write_text(_stub_head() + HOSTILE)
    out = tmp_path / "out"
    start = time.monotonic()
    result = grade(cohort, "--out", out, "--exercise", "derivations", "--jobs", "2", timeout=DEFAULT.budget * 4)
    spent = time.monotonic() - start
    assert result.returncode == 0, result.stdout + result.stderr
    with open(out / "grades.csv", encoding="utf-8", newline="") as handle:
        book = {row["student"]: row for row in csv.DictReader(handle)}
    assert float(book["honest"]["derivations"]) == 27.0
    record = json.loads((out / "staller" / "record.json").read_text()) if (out / "staller" / "record.json").exists() \
        else None
    feedback = (out / "staller" / "feedback.md").read_text()
    assert "grader error" not in feedback.lower() and "not your mistake" not in feedback
    assert float(book["staller"]["derivations"]) == 1.0  # only the chain's start, LOG_LIKELIHOOD itself
    for says in ("exponent above", "digits (a power or a product of numbers), far too large",
                 "an integer of more than 40 digits"):
        assert says in feedback, (says, feedback[:3000])
    assert spent < DEFAULT.budget, f"{spent:.0f} s for two students"
    del record
