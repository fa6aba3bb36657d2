"""The nbgrader source notebooks are fresh, well formed, and carry the hidden checks' points."""

import ast
import json

import pytest

from autograder.generation import notebooks
from autograder.generation.build import solution_regions
from autograder.core.grading import max_points
from autograder.core.manifest import exercises
from autograder.core.notebook_code import is_demo_cell, is_test_cell, notebook_code


def _cells(ex):
    return json.loads((notebooks.assignment_dir() / f"{ex.slug}.ipynb").read_text())["cells"]


def _source(cell):
    return "".join(cell["source"])


def test_source_notebooks_are_fresh():
    stale = notebooks.stale_notebooks()
    assert not stale, f"source/ is out of date: {', '.join(stale)}. Run `make build`."


@pytest.mark.parametrize("ex", exercises(), ids=lambda e: e.slug)
def test_one_hidden_cell_per_check_with_its_points(ex):
    cells = _cells(ex)
    hidden = [c for c in cells if c["metadata"].get("nbgrader", {}).get("grade_id", "").startswith("hidden_")]
    checks = notebooks.hidden_checks(ex)
    assert sorted(c["metadata"]["nbgrader"]["grade_id"] for c in hidden) == \
        sorted(f"hidden_{k.name}" for k in checks)
    by_id = {f"hidden_{k.name}": k for k in checks}
    for cell in hidden:
        check = by_id[cell["metadata"]["nbgrader"]["grade_id"]]
        assert cell["metadata"]["nbgrader"]["points"] == check.points
        lines = _source(cell).splitlines()
        # The whole hidden region is one call that names the check: no data, no reference.
        assert lines[1:] == [notebooks.BEGIN_HIDDEN,
                             f"from mle_em_hidden import hidden_check; hidden_check({ex.slug!r}, {check.name!r})",
                             notebooks.END_HIDDEN]
    graded = [c for c in cells if is_test_cell(c)]
    assert sum(c["metadata"]["nbgrader"]["points"] for c in graded) == (max_points(ex.slug) if checks else 0)


@pytest.mark.parametrize("ex", exercises(), ids=lambda e: e.slug)
def test_answer_cells_define_the_exercise_functions(ex):
    answers = [c for c in _cells(ex) if c["metadata"].get("nbgrader", {}).get("solution")
               and c["cell_type"] == "code"]
    defined = []
    for cell in answers:
        tree = ast.parse(_source(cell))
        defined += [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]
    assert defined == list(ex.functions)


@pytest.mark.parametrize("ex", exercises(), ids=lambda e: e.slug)
def test_extracted_code_is_the_reference_module(ex):
    """What the graders extract from the source notebook defines every function, and no test or demo."""
    nb = json.loads((notebooks.assignment_dir() / f"{ex.slug}.ipynb").read_text())
    code, _notes = notebook_code(json.dumps(nb).encode())
    tree = ast.parse(code)
    names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert set(ex.functions) <= names
    assert not any(n.startswith("test_") for n in names)
    assert "hidden_check" not in code
    for region in solution_regions(ex.solution_path.read_text()):
        assert region.strip().splitlines()[0].strip() in code
    assert all(is_demo_cell(c) or is_test_cell(c) for c in nb["cells"]
               if "lesson_support" in _source(c) and c["cell_type"] == "code")


def test_every_cell_nbgrader_reads_is_valid():
    from nbgrader.nbgraderformat import MetadataValidator  # nbgrader's own metadata schema

    validator = MetadataValidator()
    for ex in exercises():
        nb = __import__("nbformat").read(notebooks.assignment_dir() / f"{ex.slug}.ipynb", as_version=4)
        validator.validate_nb(nb)


def test_manual_answers_are_graded_markdown_cells():
    found = {}
    for ex in exercises():
        for cell in _cells(ex):
            meta = cell["metadata"].get("nbgrader", {})
            if cell["cell_type"] == "markdown" and meta.get("solution"):
                assert meta["grade"] and meta["points"] > 0
                found[meta["grade_id"]] = _source(cell)
    assert set(found) == {"mse_equals_gaussian_nll", "soft_vs_hard_comparison"}
    assert "sigma" in found["mse_equals_gaussian_nll"]


def test_lesson_support_loads_another_notebook_like_the_graders(tmp_path):
    """The kmeans demo reads em_gmm.ipynb with the same rule as the graders."""
    import shutil
    import sys

    shutil.copy(notebooks.assignment_dir() / "em_gmm.ipynb", tmp_path)
    sys.path.insert(0, str(notebooks.assignment_dir()))
    try:
        from lesson_support import notebook_module
    finally:
        sys.path.remove(str(notebooks.assignment_dir()))
    em = notebook_module("em_gmm", tmp_path)
    x, _ = em.sample_mixture(50)
    assert em.e_step(x, [0.5, 0.5], [-1.0, 1.0], [1.0, 1.0]).shape == (50, 2)
