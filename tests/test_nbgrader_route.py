"""The trusted nbgrader route, end to end in a scratch course, and what nbgrader's own run shows.

An honest student and a forger (stub answers plus a cell that replaces the
hidden cells' function in the kernel) are autograded by nbgrader: the hidden
cells' outputs come from the batch grader, run in nbgrader's process after the
kernel, so the forgery gains nothing even there (it got full marks when the
kernel graded its own hidden cells). ``python -m autograder nbgrader-grade``
then writes the batch grader's scores into the gradebook: the honest student
keeps full marks, the forger gets the batch grader's score, and formgrader's
numbers, the export and the feedback follow. The same run shows that autograde no longer warns of changed checksums,
that the figures reach the autograded notebooks and the feedback, and that the
feedback's tables are drawn with borders.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.generation import notebooks, release
from autograder.core.manifest import exercises
from autograder.core.record import CheckResult, ExerciseRecord, StudentRecord
from autograder.routes.nbgrader_preprocessors import TABLE_CSS
from tests.small_class import _images, _submit
from tests.test_release import released_course

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = notebooks.ASSIGNMENT
#: Kernel-side forgery: every later hidden cell imports this replacement and "passes".
FORGERY = ("import mle_em_hidden\n"
           "mle_em_hidden.hidden_check = lambda slug, name: print('Hidden check passed')\n")
FORGED = "gaussian_mle"
#: Notebooks autograded by nbgrader in this test (mse_nll is left to the trusted route alone).
AUTOGRADED = "[egk]*"


def _forge(course: Path, student: str) -> None:
    """The released notebooks, answers left as stubs, the forgery prepended to the first answer cell."""
    _submit(course, student, {})
    for ex in exercises():
        path = course / "submitted" / student / ASSIGNMENT / f"{ex.slug}.ipynb"
        nb = json.loads(path.read_text())
        first = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution")
                     and c["cell_type"] == "code")
        first["source"] = FORGERY + "".join(first["source"])
        path.write_text(json.dumps(nb))


def _code_scores(course: Path, students) -> dict:
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in students:
            for nb in gb.find_submission(ASSIGNMENT, student).notebooks:
                scores[student, nb.name] = (round(nb.code_score, 6), round(nb.max_code_score, 6))
    return scores


@pytest.mark.slow
def test_gradebook_holds_the_batch_graders_scores_not_the_kernels():
    course, _ = released_course()
    _submit(course, "honest", {ex.slug: None for ex in exercises()})
    _forge(course, "forger")
    process = release.nbgrader(["autograde", ASSIGNMENT, "--force",  # both students: nbgrader starts once
                                f"--CourseDirectory.notebook_id={AUTOGRADED}"], course)
    logs = process.stdout + process.stderr

    # nbgrader's own run: no false tampering alarm, no TCP warning (the kernels use Unix
    # sockets), and the kernel's word decides nothing.
    assert "checksum" not in logs, "autograde warns of changed checksums on untouched cells"
    assert "without encryption" not in logs, "a kernel ran over TCP"
    before = _code_scores(course, ("honest", "forger"))
    score, top = before["forger", FORGED]
    assert score == 0 < top, "the forged hidden-check function passed nbgrader autograde"

    # Figures: the data histogram and EM's evolution; soft against hard; the likelihood pictures.
    assert _images(course, "honest", "em_gmm") >= 2
    assert _images(course, "honest", "kmeans") >= 1
    assert _images(course, "honest", "gaussian_mle") >= 2

    out = course / "trusted-out"
    process = subprocess.run(
        [sys.executable, "-m", "autograder", "nbgrader-grade", ASSIGNMENT, "--course-root", str(course),
         "--out", str(out), "--jobs", "2", "--progress", "lines"],
        cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert process.returncode == 0, process.stdout + process.stderr

    after = _code_scores(course, ("honest", "forger"))
    for ex in exercises():  # mse_nll was never autograded: the route added its grades itself
        assert after["honest", ex.slug][0] == after["honest", ex.slug][1] > 0
    rows = {row["student"]: row for row in csv.DictReader((out / "grades.csv").open(encoding="utf-8"))}
    for ex in exercises():
        assert after["forger", ex.slug][0] == float(rows["forger"][ex.slug])
    assert after["forger", FORGED][0] < top, "the forged pass survived the trusted route"
    assert float(rows["honest"]["total"]) == float(rows["honest"]["max_total"])

    # Feedback shows the gradebook's (trusted) scores, the figures, and tables with borders.
    release.nbgrader(["generate_feedback", ASSIGNMENT, "--force"], course)
    forged_page = (course / "feedback" / "forger" / ASSIGNMENT / f"{FORGED}.html").read_text()
    heading = re.search(r"\(Score: ([\d.]+) / ([\d.]+)\)", forged_page)
    assert float(heading.group(1)) == after["forger", FORGED][0]
    em_page = (course / "feedback" / "honest" / ASSIGNMENT / "em_gmm.html").read_text()
    assert em_page.count("data:image/png") >= 2
    table_page = (course / "feedback" / "honest" / ASSIGNMENT / "gaussian_mle.html").read_text()
    assert "<table" in table_page and TABLE_CSS.strip().splitlines()[1] in table_page


# --------------------------------------------------------------------------
# write_gradebook alone, on a gradebook built through nbgrader's API (no kernel)
# --------------------------------------------------------------------------

def _record(student: str, points: dict[str, tuple[float, float]]) -> StudentRecord:
    results = [CheckResult("gaussian_mle", "f", name, "t", p, m, "passed" if p == m else "failed")
               for name, (p, m) in points.items()]
    return StudentRecord(student, "graded", exercises=[ExerciseRecord("gaussian_mle", "graded", results=results)])


def _gradebook(tmp_path: Path, hidden: dict[str, float]) -> str:
    from nbgrader.api import Gradebook

    from autograder.routes.nbgrader_route import _alembic_on_path

    _alembic_on_path()
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as gb:
        gb.add_assignment(ASSIGNMENT)
        gb.add_notebook("gaussian_mle", ASSIGNMENT)
        for name, points in hidden.items():
            gb.add_grade_cell(notebooks.hidden_grade_id(name), "gaussian_mle", ASSIGNMENT,
                              max_score=points, cell_type="code")
        gb.add_grade_cell("test_public", "gaussian_mle", ASSIGNMENT, max_score=0, cell_type="code")
        gb.add_grade_cell("written", "gaussian_mle", ASSIGNMENT, max_score=3, cell_type="markdown")
    return url


def test_write_gradebook_sets_hidden_cells_and_keeps_manual_grades(tmp_path):
    from nbgrader.api import Gradebook

    from autograder.routes.nbgrader_route import write_gradebook

    url = _gradebook(tmp_path, {"a": 2.0, "b": 1.0})
    with Gradebook(url) as gb:  # a grader's overrides, made before the trusted run
        gb.add_student("ana")
        gb.add_submission(ASSIGNMENT, "ana")
        gb.find_grade("written", "gaussian_mle", ASSIGNMENT, "ana").manual_score = 2.5
        gb.find_grade("hidden_b", "gaussian_mle", ASSIGNMENT, "ana").manual_score = 1.0
        gb.db.commit()
    notes = write_gradebook(url, ASSIGNMENT, [_record("ana", {"a": (2.0, 2.0), "b": (0.0, 1.0)}),
                                              _record("new student", {"a": (0.0, 2.0), "b": (1.0, 1.0)})])
    assert notes == ["ana/gaussian_mle/hidden_b: a grader's score 1 overrides the grader's 0."]
    with Gradebook(url) as gb:
        grade = lambda cell, student: gb.find_grade(cell, "gaussian_mle", ASSIGNMENT, student)  # noqa: E731
        assert grade("hidden_a", "ana").auto_score == 2.0 and not grade("hidden_a", "ana").needs_manual_grade
        assert grade("hidden_b", "ana").auto_score == 0.0 and grade("hidden_b", "ana").score == 1.0
        assert grade("written", "ana").score == 2.5
        assert grade("test_public", "new student").auto_score == 0.0
        assert gb.find_submission_notebook("gaussian_mle", ASSIGNMENT, "new student").code_score == 1.0


def test_write_gradebook_refuses_a_gradebook_older_than_the_checks(tmp_path):
    from nbgrader.api import Gradebook

    from autograder.routes.nbgrader_route import GradebookError, write_gradebook

    url = _gradebook(tmp_path, {"a": 2.0, "gone": 1.0})
    with pytest.raises(GradebookError, match="hidden_b"):
        write_gradebook(url, ASSIGNMENT, [_record("ana", {"a": (2.0, 2.0), "b": (1.0, 1.0)})])
    with pytest.raises(GradebookError, match="generate_assignment"):
        write_gradebook(url, "another", [_record("ana", {"a": (2.0, 2.0)})])
    with Gradebook(url) as gb:
        assert gb.students == [], "nothing is written when the gradebook and the checks disagree"


def test_scores_no_person_gave_are_put_back_and_listed(tmp_path):
    """The ledger: a score changed while a kernel ran is put back; one above its maximum is dropped."""
    from nbgrader.api import Gradebook

    from autograder.routes import nbgrader_ledger
    from autograder.routes.nbgrader_route import rejection_table, write_gradebook

    url = _gradebook(tmp_path, {"a": 2.0, "b": 1.0})
    with Gradebook(url) as gb:
        gb.add_student("ana")
        gb.add_submission(ASSIGNMENT, "ana")
        gb.find_grade("written", "gaussian_mle", ASSIGNMENT, "ana").manual_score = 2.5  # a grader's
        gb.db.commit()
    nbgrader_ledger.record_before(url, ASSIGNMENT, "gaussian_mle", "ana")  # the kernel is about to run
    with Gradebook(url) as gb:  # what the kernel's code wrote into the gradebook
        gb.find_grade("hidden_a", "gaussian_mle", ASSIGNMENT, "ana").manual_score = 2.0
        gb.find_grade("hidden_b", "gaussian_mle", ASSIGNMENT, "ana").extra_credit = 5.0
        gb.find_grade("written", "gaussian_mle", ASSIGNMENT, "ana").manual_score = 3.0
        gb.db.commit()
    put_back = nbgrader_ledger.check_after(url, ASSIGNMENT, "gaussian_mle", "ana")
    assert sorted(e["cell"] for e in put_back) == ["hidden_a", "hidden_b", "written"]
    with Gradebook(url) as gb:
        assert gb.find_grade("hidden_a", "gaussian_mle", ASSIGNMENT, "ana").manual_score is None
        assert gb.find_grade("hidden_b", "gaussian_mle", ASSIGNMENT, "ana").extra_credit is None
        assert gb.find_grade("written", "gaussian_mle", ASSIGNMENT, "ana").manual_score == 2.5
        # Later: the forged value comes back, and a score above the cell's maximum appears.
        gb.find_grade("hidden_a", "gaussian_mle", ASSIGNMENT, "ana").manual_score = 2.0
        gb.find_grade("written", "gaussian_mle", ASSIGNMENT, "ana").manual_score = 99.0
        gb.db.commit()

    rejected = []
    write_gradebook(url, ASSIGNMENT, [_record("ana", {"a": (0.0, 2.0), "b": (0.0, 1.0)})], rejected)
    with Gradebook(url) as gb:
        assert gb.find_submission_notebook("gaussian_mle", ASSIGNMENT, "ana").score == 0
        assert gb.find_grade("written", "gaussian_mle", ASSIGNMENT, "ana").manual_score is None
    assert {(e["cell"], e["why"].split(",")[0]) for e in rejected} == {
        ("hidden_a", "changed while the notebook's kernel ran"), ("hidden_b", "changed while the notebook's kernel ran"),
        ("written", "changed while the notebook's kernel ran"), ("written", "outside 0 to the cell's maximum")}
    table = rejection_table(rejected)
    assert table.startswith("REJECTED: 4 score(s)") and "| ana | gaussian_mle | written | 99 | none |" in table

    # A score an instructor gives between runs (formgrader) is kept, and no longer rejected.
    with Gradebook(url) as gb:
        gb.find_grade("written", "gaussian_mle", ASSIGNMENT, "ana").manual_score = 1.5
        gb.db.commit()
    write_gradebook(url, ASSIGNMENT, [_record("ana", {"a": (0.0, 2.0), "b": (0.0, 1.0)})], [])
    with Gradebook(url) as gb:
        assert gb.find_grade("written", "gaussian_mle", ASSIGNMENT, "ana").manual_score == 1.5
