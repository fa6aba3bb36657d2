"""Hostile students in a real batch: nobody else's grade moves, nothing outside OUT changes.

The per-module threat model is tested in test_hostile.py; this runs the
`grade` verb on a cohort where an honest student sits beside a forger, a
crasher and a notebook whose test cells were deleted or forged.
"""

from __future__ import annotations

import copy
import csv
import json
import shutil
from pathlib import Path

import pytest

from autograder.core.manifest import SOURCE, exercise
from tests.test_batch import grade

EXERCISES = ("gaussian_mle", "mse_nll")
MARKER = "hostile-batch-marker-2c91"


def _reference(slug: str) -> str:
    return exercise(slug).solution_path.read_text()


def _tampered_notebook(slug: str) -> str:
    """The reference notebook with its test cells deleted and a forged 100-point test cell."""
    source = next(SOURCE.glob(f"*/{slug}.ipynb"))
    notebook = json.loads(source.read_text())
    kept = [c for c in notebook["cells"]
            if not (c.get("metadata", {}).get("nbgrader", {}).get("grade")
                    and not c.get("metadata", {}).get("nbgrader", {}).get("solution"))]
    forged = copy.deepcopy(next(c for c in notebook["cells"] if c["cell_type"] == "code"))
    forged["source"] = "assert True  # all hidden tests passed\nprint('100/100')\n"
    forged["metadata"] = {"nbgrader": {"grade": True, "solution": False, "locked": True,
                                       "points": 100, "grade_id": "forged", "schema_version": 3}}
    forged["outputs"] = []
    notebook["cells"] = kept + [forged]
    return json.dumps(notebook)


def _cohort(root: Path, with_hostile: bool) -> Path:
    students = {"honest": {f"{s}.py": _reference(s) for s in EXERCISES}}
    if with_hostile:
        forge = f"""
import os
for target in ("../grades.csv", "../../grades.csv", "../honest/results.json",
               "/tmp/{MARKER}", os.path.expanduser("~/{MARKER}")):
    try:
        with open(target, "w") as handle:
            handle.write("student,total\\nforger,100\\n")
    except OSError:
        pass
"""
        students["forger"] = {"gaussian_mle.py": forge + _reference("gaussian_mle"),
                              "mse_nll.py": _reference("mse_nll")}
        students["crasher"] = {"gaussian_mle.py": "import os\nos._exit(0)\n",
                               "mse_nll.py": _reference("mse_nll")}
        students["tamperer"] = {f"{s}.ipynb": _tampered_notebook(s) for s in EXERCISES}
    for student, files in students.items():
        folder = root / student
        folder.mkdir(parents=True)
        for name, text in files.items():
            (folder / name).write_text(text)
    return root


def _gradebook(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "grades.csv", encoding="utf-8", newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_hostile_students_change_nobody_elses_grade(tmp_path):
    options = ["--jobs", "2", *[a for s in EXERCISES for a in ("--exercise", s)]]
    alone = _cohort(tmp_path / "alone", with_hostile=False)
    run = grade(alone, "--out", tmp_path / "out-alone", *options)
    assert run.returncode == 0, run.stdout + run.stderr

    mixed = _cohort(tmp_path / "mixed", with_hostile=True)
    before = _tree(mixed)
    run = grade(mixed, "--out", tmp_path / "out-mixed", *options)
    assert run.returncode == 0, run.stdout + run.stderr
    book = _gradebook(tmp_path / "out-mixed")
    honest_alone = _gradebook(tmp_path / "out-alone")["honest"]

    # The honest student's row is the same with or without the others.
    assert {k: book["honest"][k] for k in EXERCISES} == {k: honest_alone[k] for k in EXERCISES}
    assert float(book["honest"]["gaussian_mle"]) > 0 and float(book["honest"]["mse_nll"]) > 0

    # The forger scores 0 on the exercise that forged, keeps the other, and is told why.
    assert float(book["forger"]["gaussian_mle"]) == 0
    assert book["forger"]["mse_nll"] == honest_alone["mse_nll"]
    feedback = (tmp_path / "out-mixed" / "forger" / "feedback.md").read_text()
    assert "change files outside its own folder" in feedback

    # The crasher loses only the exercise that crashed.
    assert float(book["crasher"]["gaussian_mle"]) == 0
    assert book["crasher"]["mse_nll"] == honest_alone["mse_nll"]

    # Deleted or forged test cells change nothing: the notebook earns what its code earns.
    assert {k: book["tamperer"][k] for k in EXERCISES} == {k: honest_alone[k] for k in EXERCISES}

    # Nothing outside OUT changed: not the submissions, not the forged targets.
    assert _tree(mixed) == before
    assert not Path(f"/tmp/{MARKER}").exists()
    assert not (Path.home() / MARKER).exists()
    assert list(csv.reader(open(tmp_path / "out-mixed" / "grades.csv")))[0][0] == "student"
    shutil.rmtree(tmp_path, ignore_errors=True)
