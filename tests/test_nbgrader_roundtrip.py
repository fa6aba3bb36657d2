"""nbgrader from end to end in a scratch copy of the course, against the batch grader.

generate_assignment -> three submissions (the reference, the stubs, a classic
mistake) -> autograde -> gradebook scores -> generate_feedback. The same
notebooks graded by the batch grader's route (same code extraction, same
checks) earn the same points, notebook by notebook.
"""

import json
import re
import time
from html import unescape
from pathlib import Path

import pytest

from autograder.generation import notebooks, release
from autograder.core.grading import grade_module
from autograder.core.manifest import exercises
from autograder.routes.nbgrader_cells import submission_code
from tests.test_release import assert_reveals_nothing, released_course

ASSIGNMENT = notebooks.ASSIGNMENT
#: The classic mistake: the unbiased sigma (n - 1) instead of the MLE's n.
MISTAKE = ("sigma_hat = np.sqrt(np.mean((x - mu_hat) ** 2))", "sigma_hat = np.std(x, ddof=1)")
MISTAKE_SLUG = "gaussian_mle"


def _answers(course: Path, slug: str) -> dict[str, str]:
    """Answer cells of the source notebook, markers removed: what a perfect student writes."""
    nb = json.loads((course / "source" / ASSIGNMENT / f"{slug}.ipynb").read_text())
    out = {}
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution") and cell["cell_type"] == "code":
            lines = "".join(cell["source"]).splitlines()
            out[meta["grade_id"]] = "\n".join(l for l in lines if "### BEGIN SOLUTION" not in l
                                              and "### END SOLUTION" not in l)
    return out


def _submit(course: Path, student: str, filled: dict[str, str | None]) -> None:
    """Copy the released notebooks; fill the answer cells of the notebooks named in ``filled``."""
    released = course / "release" / ASSIGNMENT
    target = course / "submitted" / student / ASSIGNMENT
    target.mkdir(parents=True)
    for ex in exercises():
        nb = json.loads((released / f"{ex.slug}.ipynb").read_text())
        if ex.slug in filled:
            answers = _answers(course, ex.slug)
            for cell in nb["cells"]:
                grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
                if grade_id in answers:
                    code = answers[grade_id]
                    if filled[ex.slug]:
                        wrong, right = filled[ex.slug]
                        assert wrong in code or grade_id != "answer_gaussian_mle", "mistake no longer applies"
                        code = code.replace(wrong, right)
                    cell["source"] = code
        (target / f"{ex.slug}.ipynb").write_text(json.dumps(nb))
    (target / "timestamp.txt").write_text("2026-01-15 12:00:00.000000 UTC")


def _errors(course: Path, student: str) -> list[tuple[str, str, str]]:
    """(notebook, cell, error name) of every error output in the autograded notebooks.

    A public test cell's failure (``lesson_support.PublicTestFailed``) is named by what it
    says: ``NotImplementedError`` when it reports a function not implemented yet."""
    found = []
    for path in sorted((course / "autograded" / student / ASSIGNMENT).glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            for output in cell.get("outputs", []):
                if output["output_type"] == "error":
                    name = output["ename"]
                    if name == "PublicTestFailed" and "is not implemented yet" in output["evalue"]:
                        name = "NotImplementedError"
                    found.append((path.stem, cell["metadata"].get("nbgrader", {}).get("grade_id", "demo"),
                                  name))
    return found


def _images(course: Path, student: str, slug: str) -> int:
    """Figures among the outputs of an autograded notebook's demo cells."""
    nb = json.loads((course / "autograded" / student / ASSIGNMENT / f"{slug}.ipynb").read_text())
    return sum("image/png" in output.get("data", {}) for cell in nb["cells"]
               if "demo" in cell["metadata"].get("tags", []) for output in cell.get("outputs", []))


@pytest.mark.slow
def test_nbgrader_round_trip_agrees_with_the_batch_grader(zygote, capsys):
    started = time.monotonic()
    course, _ = released_course()
    full_mistake = (MISTAKE[0], MISTAKE[1])
    students = {
        "reference": {ex.slug: None for ex in exercises()},
        "stubs": {},
        # One notebook with the mistake, the others left as stubs (keeps the run short).
        "mistake": {MISTAKE_SLUG: full_mistake},
    }
    for student, filled in students.items():
        _submit(course, student, filled)

    t = time.monotonic()  # one autograde for the three students: nbgrader starts once
    process = release.nbgrader(["autograde", ASSIGNMENT, "--force"], course)
    autograde_seconds = time.monotonic() - t
    # No false tampering alarm on untouched locked cells, and the figures reach the autograded
    # notebooks (formgrader shows these) for every notebook that draws one.
    assert "checksum" not in process.stdout + process.stderr, "autograde warns of changed checksums"
    for slug, figures in (("gaussian_mle", 2), ("em_gmm", 2), ("kmeans", 1)):
        assert _images(course, "reference", slug) >= figures, f"figures missing from {slug}"

    from nbgrader.api import Gradebook

    nbgrader_points, nbgrader_max = {}, {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in students:
            submission = gb.find_submission(ASSIGNMENT, student)
            for nb in submission.notebooks:
                nbgrader_points[student, nb.name] = round(nb.code_score, 6)
                nbgrader_max[nb.name] = round(nb.max_code_score, 6)
            nbgrader_points[student, "total"] = round(submission.code_score, 6)
        nbgrader_max["total"] = round(sum(nbgrader_max[ex.slug] for ex in exercises()), 6)

    # The batch grader's route: the same extraction, the same checks, another process.
    batch_points = {}
    scratch = course / "batch-scratch"
    scratch.mkdir()
    for student in students:
        total = 0.0
        for ex in exercises():
            module = scratch / f"{student}-{ex.slug}.py"
            module.write_text(submission_code(course / "submitted" / student / ASSIGNMENT / f"{ex.slug}.ipynb"))
            result = grade_module(ex.slug, module, zygote)
            batch_points[student, ex.slug] = result.points
            total += result.points
        batch_points[student, "total"] = round(total, 6)

    assert nbgrader_points == pytest.approx(batch_points), "nbgrader and the batch grader disagree"
    assert nbgrader_points["reference", "total"] == nbgrader_max["total"] > 0
    assert nbgrader_points["stubs", "total"] == 0
    assert 0 < nbgrader_points["mistake", "total"] < nbgrader_max[MISTAKE_SLUG]

    # Reference notebooks run top to bottom; stub notebooks fail only with NotImplementedError.
    assert _errors(course, "reference") == []
    stub_errors = [e for e in _errors(course, "stubs") if not e[1].startswith("hidden_")]
    assert stub_errors and {name for _, _, name in stub_errors} == {"NotImplementedError"}

    t = time.monotonic()
    release.nbgrader(["generate_feedback", ASSIGNMENT, "--force"], course)
    feedback_seconds = time.monotonic() - t
    for student in students:
        for ex in exercises():
            page = (course / "feedback" / student / ASSIGNMENT / f"{ex.slug}.html").read_text()
            html = unescape(re.sub(r"<[^>]+>", "", page))  # the text a student reads
            assert "Hidden check" in html
            # The stubs' feedback shows no reference line; every feedback shows no check and no seed.
            assert_reveals_nothing(html, f"feedback of {student}/{ex.slug}", markers=False,
                                   solutions=student == "stubs")
            assert "### BEGIN SOLUTION" not in html
    mistake_html = (course / "feedback" / "mistake" / ASSIGNMENT / f"{MISTAKE_SLUG}.html").read_text()
    reference_em = (course / "feedback" / "reference" / ASSIGNMENT / "em_gmm.html").read_text()
    assert reference_em.count("data:image/png") >= 2, "the EM figures are missing from the feedback"
    assert "n - 1" in mistake_html or "n-1" in mistake_html, "the feedback should name the mistake"

    with capsys.disabled():
        print(f"\nnbgrader round trip: {time.monotonic() - started:.0f} s")
        for student in students:
            print(f"  {student}: nbgrader {nbgrader_points[student, 'total']:g} / {nbgrader_max['total']:g}, "
                  f"batch route {batch_points[student, 'total']:g}")
        print(f"  autograde of the {len(students)} students: {autograde_seconds:.1f} s")
        print(f"  generate_feedback: {feedback_seconds:.1f} s")
