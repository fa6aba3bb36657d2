"""The forkserver's warm-up: it asks the references every check's questions, keeps only their
answers, imports nothing, and leaves the import machinery as it found it."""

import sys

from autograder.core import framework, reference_memo
from autograder.core.grading import checks_for
from autograder.core.warm_up import warm_up

SLUGS = ["gaussian_mle", "mse_nll", "em_gmm", "kmeans"]


def test_every_check_runs_against_the_references_and_only_their_answers_are_kept():
    for slug in SLUGS:
        checks_for(slug)
    modules, finders = set(sys.modules), list(sys.meta_path)
    framework.take_notes()
    ran = warm_up(SLUGS, budget=60.0)
    assert ran == sum(len(checks_for(slug)) for slug in SLUGS)
    assert set(sys.modules) == modules and sys.meta_path == finders  # nothing imported, blocker gone
    assert reference_memo._ANSWERS and not framework.take_notes()


def test_the_warm_up_stops_at_its_budget():
    assert warm_up(SLUGS, budget=0.0) <= 1
