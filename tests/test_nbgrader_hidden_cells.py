"""Hidden test cells under ``nbgrader autograde``: never sent to the kernel, scored 0 until graded.

``ConfinedExecute`` (``autograder/routes/nbgrader_kernel.py``) gives each hidden cell the error the
kernel-side hook would raise, in nbgrader's own process; ``GradeHiddenCells`` replaces it with the
check's result. Without that preprocessor the cell must still score 0 (fail closed), and under
``nbgrader validate`` the cell still runs in the kernel. No kernel is started here.
"""

from __future__ import annotations

import nbformat
import pytest
from nbgrader.utils import determine_grade

from autograder.routes.nbgrader_kernel import ConfinedExecute, is_hidden_cell
from autograder.generation.notebooks import HIDDEN_GRADE_PREFIX

from nbgrader.preprocessors import Execute


def _cell(grade_id: str, *, grade: bool = True, solution: bool = False, source: str = "x = 1\n"):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": grade, "solution": solution, "locked": True, "grade_id": grade_id,
                                 "points": 2, "schema_version": 3}
    return cell


@pytest.fixture
def sent(monkeypatch):
    """The cells ``Execute`` would have sent to the kernel."""
    cells = []
    monkeypatch.setattr(Execute, "preprocess_cell",
                        lambda self, cell, resources, index: (cells.append(cell), (cell, resources))[1])
    return cells


def test_a_hidden_cell_is_not_run_and_scores_0_until_graded(monkeypatch, sent):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    cell = _cell(f"{HIDDEN_GRADE_PREFIX}mle_two_points",
                 source="from mle_em_hidden import hidden_check; hidden_check('gaussian_mle', 'mle_two_points')\n")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="Hidden check passed\n")]  # handed in
    cell, _ = ConfinedExecute().preprocess_cell(cell, {}, 0)
    assert sent == []
    assert [o.output_type for o in cell.outputs] == ["error"]
    assert "mle_two_points is graded by the course's grader after this notebook ran" in cell.outputs[0].evalue
    assert determine_grade(cell)[0] == 0


def test_other_cells_and_validate_still_run_in_the_kernel(monkeypatch, sent):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    visible_test = _cell("test_mle_of_the_tempos")
    answer = _cell(f"{HIDDEN_GRADE_PREFIX}looks_hidden", grade=False, solution=True)  # a student's own cell
    for cell in (visible_test, answer):
        ConfinedExecute().preprocess_cell(cell, {}, 0)
    assert sent == [visible_test, answer]
    assert not is_hidden_cell(answer)

    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    hidden = _cell(f"{HIDDEN_GRADE_PREFIX}mle_two_points")
    ConfinedExecute().preprocess_cell(hidden, {}, 0)
    assert sent[-1] is hidden
