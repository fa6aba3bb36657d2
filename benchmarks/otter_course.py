"""An otter-grader assignment for the same exercises, graded with ``otter run`` (no Docker).

One otter assignment per exercise, written the way otter's documentation
writes one: a master notebook with one question per function, its solution
and one hidden test (the same hand-written tests as the conventional nbgrader
course, ``hand_tests.py``). ``otter assign`` turns it into the student
notebook and the autograder zip; ``otter run`` grades one notebook per call.
otter runs from a clean environment of its own (``peer_envs.py``), as a course installs it.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from autograder.core.manifest import exercise

from . import hand_tests, peer_envs
from .nbgrader_course import BEGIN, END, split_solution
from .timing import run_timed


def _python() -> Path:
    return peer_envs.python("otter")


def _otter() -> list[str]:
    """``otter`` run by its own environment's interpreter (a console script's first line may name another)."""
    return [str(_python()), "-m", "otter"]


def _env() -> dict[str, str]:
    return peer_envs.env(_python())


def _raw(text: str) -> dict:
    return {"cell_type": "raw", "metadata": {}, "source": text}


def _code(text: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "source": text, "execution_count": None, "outputs": []}


def _markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def master_notebook(slug: str) -> dict:
    """otter assign's input: config, the given code, then a question per function."""
    setup, answers = split_solution(slug)
    tests = dict((t.function, code) for t, code in hand_tests.tests_for(slug))
    config = "\n".join(["# ASSIGNMENT CONFIG", f"name: {slug}", "check_all_cell: false",
                        "export_cell: false", "run_tests: false", "generate: true"])
    cells = [_raw(config), _markdown(f"# {exercise(slug).title}"), _code(setup)]
    for function in exercise(slug).functions:
        solution = answers[function].replace(BEGIN, "# BEGIN SOLUTION").replace(END, "# END SOLUTION")
        cells += [_raw(f"# BEGIN QUESTION\nname: {function}\npoints: 1"),
                  _markdown(f"Write `{function}`."),
                  _raw("# BEGIN SOLUTION"), _code(solution), _raw("# END SOLUTION"),
                  _raw("# BEGIN TESTS"), _code("# HIDDEN\n" + tests[function]), _raw("# END TESTS"),
                  _raw("# END QUESTION")]
    return {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                                        "name": "python3"},
                                         "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def make_assignments(folder: Path, slugs=hand_tests.SLUGS) -> dict[str, tuple[Path, dict]]:
    """Run ``otter assign`` per exercise; returns each autograder zip and student notebook."""
    made = {}
    for slug in slugs:
        work = folder / slug
        work.mkdir(parents=True)
        master = work / f"{slug}.ipynb"
        master.write_text(json.dumps(master_notebook(slug), indent=1), encoding="utf-8")
        run_timed([*_otter(), "assign", str(master), str(work / "dist")], cwd=work, env=_env())
        zips = sorted((work / "dist" / "autograder").glob("*.zip"))
        if not zips:
            raise RuntimeError(f"otter assign wrote no autograder zip for {slug}")
        student = json.loads((work / "dist" / "student" / f"{slug}.ipynb").read_text(encoding="utf-8"))
        made[slug] = (zips[-1], student)
    return made


def answer_cells(notebook: dict, functions: list[str]) -> dict[str, dict]:
    """The student notebook's code cell that defines each function (otter keeps no cell ids)."""
    cells = {}
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name in functions and node.name not in cells:
                cells[node.name] = cell
    return cells


def grade(autograder_zip: Path, submission: Path, out: Path) -> float:
    """Wall seconds of one ``otter run`` on one notebook."""
    out.mkdir(parents=True, exist_ok=True)
    wall, _ = run_timed([*_otter(), "run", "-a", str(autograder_zip), "-o", str(out), "--no-logo",
                         str(submission)], cwd=out, env=_env())
    return wall


def score(out: Path) -> float:
    """Points of one graded notebook, from otter's results.json."""
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return float(sum(t.get("score") or 0 for t in results.get("tests", [])))
