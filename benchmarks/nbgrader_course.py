"""A conventional nbgrader course for the same exercises: the baseline ``nbgrader autograde`` is timed on.

Written the way a course is usually written by hand: a locked setup cell with
what the exercise gives, one answer cell per function (the reference between
``### BEGIN SOLUTION`` markers), and after each a hidden test cell worth one
point that checks the function with ``np.testing.assert_allclose`` against the
reference's value on fixed seeded inputs (``hand_tests.py``). Generated from
``solutions/`` into a scratch course each time, so it never goes stale, and
graded with nbgrader's defaults from a clean environment of its own
(``peer_envs.py``: nbgrader, ipykernel and the scientific stack only), as such a
course installs it: nothing of this project runs in its processes or kernels.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from autograder.generation.build import strip_solutions
from autograder.core.manifest import exercise

from . import hand_tests, peer_envs
from .timing import run_timed

ASSIGNMENT = "conventional"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"

CONFIG = '''c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "conventional"
'''


def split_solution(slug: str) -> tuple[str, dict[str, str]]:
    """The given code (setup cell) and each function's answer cell, from the reference file.

    An answer cell holds its function with the solution markers, preceded by
    whatever the reference defines between the previous function and this one
    (private helpers, themselves inside solution markers).
    """
    text = exercise(slug).solution_path.read_text(encoding="utf-8")
    lines = text.splitlines()
    functions = exercise(slug).functions
    nodes = [n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef) and n.name in functions]
    starts, previous_end = [], 0
    for node in nodes:
        start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1  # 0-based
        for index in range(previous_end, start):  # a solution block above the function opens its cell
            if lines[index].strip() == BEGIN and not lines[index].startswith(" "):
                start = index
                break
        starts.append(start)
        previous_end = node.end_lineno
    setup = _without_docstring(strip_solutions("\n".join(lines[:starts[0]]) + "\n"))
    bounds = starts[1:] + [len(lines)]
    cells = {node.name: "\n".join(lines[a:b]).strip("\n") + "\n" for node, a, b in zip(nodes, starts, bounds)}
    return setup + "\n", cells


def _without_docstring(code: str) -> str:
    tree = ast.parse(code)
    if tree.body and isinstance(tree.body[0], ast.Expr) and isinstance(tree.body[0].value, ast.Constant):
        lines = code.splitlines()
        return "\n".join(lines[tree.body[0].end_lineno:]).strip("\n")
    return code


def _cell(cell_type: str, source: str, **nbgrader) -> dict:
    cell = {"cell_type": cell_type, "metadata": {}, "source": source}
    if cell_type == "code":
        cell.update(execution_count=None, outputs=[])
    if nbgrader:
        cell["metadata"]["nbgrader"] = {"schema_version": 3, "locked": False, "solution": False,
                                        "grade": False, "task": False, **nbgrader}
    return cell


def source_notebook(slug: str) -> dict:
    """The instructor's notebook: setup, then answer and hidden-test cell per function."""
    setup, answers = split_solution(slug)
    tests = dict((t.function, code) for t, code in hand_tests.tests_for(slug))
    cells = [_cell("markdown", f"# {exercise(slug).title}"),
             _cell("code", setup, grade_id="setup", locked=True)]
    for function in exercise(slug).functions:
        cells.append(_cell("code", answers[function], grade_id=f"answer_{function}", solution=True))
        cells.append(_cell("code", "### BEGIN HIDDEN TESTS\n" + tests[function] + "### END HIDDEN TESTS\n",
                           grade_id=f"test_{function}", grade=True, locked=True, points=1))
    return {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                                        "name": "python3"},
                                         "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def nbgrader(course: Path, *args: str) -> float:
    """Wall seconds of one nbgrader command run in the course (its config, its gradebook)."""
    python = peer_envs.python("nbgrader")
    command = [str(python), "-m", "nbgrader", *args, f"--CourseDirectory.root={course}",
               f"--CourseDirectory.db_url=sqlite:///{course / 'gradebook.db'}"]
    wall, _ = run_timed(command, cwd=course, env=peer_envs.env(python))
    return wall


def make_course(course: Path, slugs=hand_tests.SLUGS) -> dict[str, dict]:
    """Write the course, run generate_assignment; returns the released notebooks by slug."""
    folder = course / "source" / ASSIGNMENT
    folder.mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(CONFIG, encoding="utf-8")
    for slug in slugs:
        (folder / f"{slug}.ipynb").write_text(json.dumps(source_notebook(slug), indent=1), encoding="utf-8")
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    return {slug: json.loads((course / "release" / ASSIGNMENT / f"{slug}.ipynb").read_text(encoding="utf-8"))
            for slug in slugs}


def autograde(course: Path) -> float:
    """Wall seconds of ``nbgrader autograde`` over every student in ``submitted/``."""
    return nbgrader(course, "autograde", ASSIGNMENT, "--create", "--force")


def scores(course: Path, students: list[str], slugs=hand_tests.SLUGS) -> dict[tuple[str, str], float]:
    """Each student's points per notebook, as nbgrader's gradebook records them."""
    from nbgrader.api import Gradebook, MissingEntry

    points: dict[tuple[str, str], float] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in students:
            for slug in slugs:
                try:
                    notebook = gradebook.find_submission_notebook(slug, ASSIGNMENT, student)
                    points[student, slug] = float(notebook.score)
                except MissingEntry:
                    points[student, slug] = 0.0
    return points
