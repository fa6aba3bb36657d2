"""Feedback in the order that helps: a file that does not load first, with its line and a caret;
real failures before untouched exercises, one line each; a summary line and a status that
never contradict the points."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder.core.grading import all_slugs
from autograder.core.load_errors import cell_position, syntax_error_location
from autograder.core.notebook_code import read_notebook
from autograder.core.student import ZygoteKeeper, grade_student
from autograder.core.submissions import find_student_files
from autograder.generation import sample_cohort
from autograder.routes.reports import feedback_html, feedback_markdown, results_json, status_reason


def code_cell(text: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": text}


def grade_folder(folder: Path, keeper: ZygoteKeeper):
    submission = find_student_files(folder, all_slugs(), folder.name)
    return grade_student(submission, keeper, slugs=all_slugs(), grader="test")


@pytest.fixture(scope="module")
def keeper():
    keeper = ZygoteKeeper()
    yield keeper
    keeper.close()


def test_one_exercise_written_with_a_bug_and_four_stubs_sees_the_bug_within_five_lines(tmp_path, keeper):
    folder = tmp_path / "ann"
    folder.mkdir()
    for slug in all_slugs():
        (folder / f"{slug}.py").write_text(sample_cohort.stub(slug))
    # The student's one real bug: an empty cluster's center becomes NaN (the mean of nothing).
    (folder / "kmeans.py").write_text(sample_cohort.edited(
        "kmeans", ("        if members.size:\n            new_centers[k] = members.mean()",
                   "        new_centers[k] = members.mean()")))
    record = grade_folder(folder, keeper)
    md = feedback_markdown(record)
    lines = [line for line in md.splitlines() if line.strip()]
    first_real = next(i for i, line in enumerate(lines) if "update_centers" in line)
    assert first_real <= 5, "\n".join(lines[:first_real + 1])
    fix_first = md.split("## Fix these first")[1].split("These checks run")[0]
    assert fix_first.lstrip().startswith("1. `update_centers` (kmeans): fails")
    for slug in ("gaussian_mle", "mse_nll", "em_gmm", "derivations"):
        exercise = record.exercise(slug)
        line = (f"- `{slug}.py`: not attempted — the released stub: no function written yet, "
                f"0 of {exercise.max_points:g}.")
        assert fix_first.count(line) == 1, fix_first
        assert f"`{slug}`" not in fix_first.replace(f"`{slug}.py`", "")
    assert "not written yet" not in fix_first.replace("no function written yet", "")  # no line per check
    assert "Every graded function passes" not in md
    assert record.status == "incomplete"
    assert status_reason(record) == ("incomplete: gaussian_mle.py, mse_nll.py, em_gmm.py and derivations.py "
                                     "not attempted")
    assert md.count("not implemented yet") == 0  # the stubs' checks are one line each, not one per check


def test_a_file_that_does_not_load_comes_first_with_its_line_and_a_caret(tmp_path, keeper):
    folder = tmp_path / "bea"
    folder.mkdir()
    for slug in ("gaussian_mle", "mse_nll", "kmeans", "derivations"):
        (folder / f"{slug}.py").write_text(sample_cohort.solved(slug))
    broken = sample_cohort.edited("em_gmm", ("def m_step(x, resp):", "def m_step(x, resp)"))
    (folder / "em_gmm.py").write_text(broken)
    line = broken.splitlines().index("def m_step(x, resp)") + 1
    record = grade_folder(folder, keeper)
    md = feedback_markdown(record)
    fix_first = md.split("## Fix these first")[1].split("These checks run")[0]
    assert fix_first.lstrip().startswith("1. `em_gmm.py` does not load, so all its checks score 0 (0 of 22)")
    assert f"At line {line}:\n       def m_step(x, resp)\n                          ^\n" in fix_first
    assert "def e_step" not in md and "def fit_gmm_em" not in md  # nothing of the file beyond that line
    assert "Every graded function passes" not in md  # it did not: 22 points were lost
    assert "the 22 points lost are listed above" in fix_first
    assert status_reason(record) == "incomplete: em_gmm.py does not load"
    html = feedback_html(record)
    assert "def m_step(x, resp)\n" + " " * 23 + "^" in html
    overview = results_json(record)["output"].splitlines()  # Gradescope's page: the same order
    assert overview[:3] == ["Score: 76 / 98", "Status: incomplete: em_gmm.py does not load",
                            "em_gmm.py does not load:"]
    assert overview[5:7] == ["      def m_step(x, resp)", "                         ^"]


def test_a_top_level_name_error_shows_its_line(grade_source):
    source = "import numpy as np\n\nSCALE = undefined_scale * 2\n" + sample_cohort.solved("kmeans")
    result = grade_source("kmeans", source)
    assert result.status == "load_error"
    assert "NameError: name 'undefined_scale' is not defined\nAt line 3:\n" in result.message
    assert "    SCALE = undefined_scale * 2\n    ^^^^^^^^^^^^^^^^^^^^^^^^^^^" in result.message
    assert "def assign_clusters" not in result.message


def test_a_notebook_cell_that_does_not_compile_is_named_by_cell_and_line():
    notebook = {"cells": [code_cell("import numpy as np"),
                          code_cell("%%time\nx = 1\ndef f(x):\n    return x"),
                          {"cell_type": "markdown", "metadata": {}, "source": "prose"},
                          code_cell("def g(x):\n    return x +\n"),
                          code_cell("def h():\n    return missing_name")],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    read = read_notebook(json.dumps(notebook).encode())
    assert "Cell 4, line 2: invalid syntax\n        return x +\n" in read.broken
    assert read.broken.rstrip().endswith("^")
    assert "def h" not in read.broken and "import numpy" not in read.broken
    lines = read.code.splitlines()
    assert cell_position(lines, lines.index("def f(x):") + 1) == (2, 3)  # %%time was the cell's line 1
    assert cell_position(lines, lines.index("    return missing_name") + 1) == (5, 2)
    assert syntax_error_location(read.code) == ""


def test_a_graded_notebook_with_a_broken_cell_puts_it_first(tmp_path, keeper):
    folder = tmp_path / "cy"
    folder.mkdir()
    text = sample_cohort.solved("kmeans").replace("def update_centers(x, labels, centers):",
                                                  "def update_centers(x, labels, centers)")
    cells = [code_cell(chunk) for chunk in text.split("\n\n\n")]
    (folder / "kmeans.ipynb").write_text(json.dumps(
        {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    record = grade_folder(folder, keeper)
    number = next(i for i, c in enumerate(cells, 1) if "def update_centers(x, labels, centers)" in c["source"])
    md = feedback_markdown(record)
    fix_first = md.split("## Fix these first")[1]
    assert fix_first.lstrip().startswith("1. `kmeans.ipynb`: some cells could not be read")
    assert f"Cell {number}, line " in fix_first and "def update_centers(x, labels, centers)\n" in fix_first
