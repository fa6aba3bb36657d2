"""nbgrader from end to end, against the batch grader, on the small class (tests/small_class.py).

generate_assignment -> four students (the reference, a classic mistake, a syntax
error in one notebook, the untouched stubs) -> autograde -> gradebook scores ->
generate_feedback. The same notebooks graded by the batch grader's route (same
code extraction, same checks, another process) earn the same points, notebook
by notebook.
"""

import re
from html import unescape

import pytest

from autograder.core.grading import grade_module
from autograder.core.manifest import exercises
from autograder.routes.nbgrader_cells import submission_code
from tests.small_class import ASSIGNMENT, MISTAKE_SLUG, STUDENTS, SYNTAX_SLUG, _errors, _images, small_class
from tests.test_release import assert_reveals_nothing


@pytest.mark.slow
def test_nbgrader_round_trip_agrees_with_the_batch_grader(zygote, tmp_path_factory, capsys):
    graded = small_class(tmp_path_factory)
    course = graded.course
    # No false tampering alarm on untouched locked cells, and the figures reach the autograded
    # notebooks (formgrader shows these) for every notebook that draws one.
    assert "checksum" not in graded.autograde_output, "autograde warns of changed checksums"
    for slug, figures in (("gaussian_mle", 2), ("em_gmm", 2), ("kmeans", 1)):
        assert _images(course, "correct", slug) >= figures, f"figures missing from {slug}"

    from nbgrader.api import Gradebook

    nbgrader_points, nbgrader_max = {}, {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in STUDENTS:
            submission = gb.find_submission(ASSIGNMENT, student)
            for nb in submission.notebooks:
                nbgrader_points[student, nb.name] = round(nb.code_score, 6)
                nbgrader_max[nb.name] = round(nb.max_code_score, 6)
            nbgrader_points[student, "total"] = round(submission.code_score, 6)
        nbgrader_max["total"] = round(sum(nbgrader_max[ex.slug] for ex in exercises()), 6)

    # The batch grader's route: the same extraction, the same checks, another process.
    batch_points = {}
    scratch = tmp_path_factory.mktemp("batch-scratch")
    for student in STUDENTS:
        total = 0.0
        for ex in exercises():
            module = scratch / f"{student}-{ex.slug}.py"
            module.write_text(submission_code(course / "submitted" / student / ASSIGNMENT / f"{ex.slug}.ipynb"))
            result = grade_module(ex.slug, module, zygote)
            batch_points[student, ex.slug] = result.points
            total += result.points
        batch_points[student, "total"] = round(total, 6)

    assert nbgrader_points == pytest.approx(batch_points), "nbgrader and the batch grader disagree"
    assert nbgrader_points["correct", "total"] == nbgrader_max["total"] > 0
    assert nbgrader_points["untouched", "total"] == 0
    assert 0 < nbgrader_points["wrong", MISTAKE_SLUG] < nbgrader_max[MISTAKE_SLUG]
    assert nbgrader_points["syntax", SYNTAX_SLUG] < nbgrader_max[SYNTAX_SLUG]
    for ex in exercises():  # one mistake costs its own notebook only
        if ex.slug != MISTAKE_SLUG:
            assert nbgrader_points["wrong", ex.slug] == nbgrader_max[ex.slug], ex.slug
        if ex.slug != SYNTAX_SLUG:
            assert nbgrader_points["syntax", ex.slug] == nbgrader_max[ex.slug], ex.slug

    # Reference notebooks run top to bottom; stub notebooks fail only with NotImplementedError.
    assert _errors(course, "correct") == []
    stub_errors = [e for e in _errors(course, "untouched") if not e[1].startswith("hidden_")]
    assert stub_errors and {name for _, _, name in stub_errors} == {"NotImplementedError"}

    for student in STUDENTS:
        for ex in exercises():
            page = (course / "feedback" / student / ASSIGNMENT / f"{ex.slug}.html").read_text()
            html = unescape(re.sub(r"<[^>]+>", "", page))  # the text a student reads
            assert "Hidden check" in html
            # The stubs' feedback shows no reference line; every feedback shows no check and no seed.
            assert_reveals_nothing(html, f"feedback of {student}/{ex.slug}", markers=False,
                                   solutions=student == "untouched")
            assert "### BEGIN SOLUTION" not in html
    mistake_html = (course / "feedback" / "wrong" / ASSIGNMENT / f"{MISTAKE_SLUG}.html").read_text()
    reference_em = (course / "feedback" / "correct" / ASSIGNMENT / "em_gmm.html").read_text()
    assert reference_em.count("data:image/png") >= 2, "the EM figures are missing from the feedback"
    assert "n - 1" in mistake_html or "n-1" in mistake_html, "the feedback should name the mistake"

    with capsys.disabled():
        print("\nnbgrader round trip (the small class):")
        for student in STUDENTS:
            print(f"  {student}: nbgrader {nbgrader_points[student, 'total']:g} / {nbgrader_max['total']:g}, "
                  f"batch route {batch_points[student, 'total']:g}")
