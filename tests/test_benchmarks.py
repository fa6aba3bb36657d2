"""The benchmarks run: the --quick path on tiny sizes writes a full table.

No timing is asserted (a benchmark's numbers belong to its machine); the test
proves that every benchmark still runs against the current grader, and that
the generated cohort is what the throughput numbers claim it is.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.core.grading import grade_module
from autograder.core.manifest import exercises
from autograder.core.notebook_code import notebook_code
from benchmarks import cohort, hand_tests, nbgrader_course, otter_course

ROOT = Path(__file__).resolve().parent.parent


def test_cohort_mixes_correct_files_and_mistakes_and_no_two_files_are_equal():
    files = cohort.choose(40)
    assert len(files) == 40 * len(exercises())
    mix = cohort.mix(files)
    assert mix.get("reference", 0) > 0 and mix.get("mutant", 0) > 0 and mix.get("alternative", 0) > 0
    assert len({f.source for f in files}) == len(files)
    assert cohort.choose(40) == files, "the cohort must be the same on every run"


def test_a_notebook_student_defines_the_same_functions(tmp_path, zygote):
    """The notebook version of a student is graded like the .py version (one mutant, one exercise)."""
    student = next(f for f in cohort.choose(40) if f.slug == "kmeans" and f.kind == "mutant")
    template = json.loads((ROOT / "source" / "mle_em" / "kmeans.ipynb").read_text(encoding="utf-8"))
    kmeans = next(e for e in exercises() if e.slug == "kmeans")
    notebook = cohort.fill_notebook(template, student.source, list(kmeans.functions))
    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "kmeans.py").write_text(notebook_code(json.dumps(notebook).encode())[0], encoding="utf-8")
    (tmp_path / "kmeans.py").write_text(student.source, encoding="utf-8")
    as_notebook = grade_module("kmeans", tmp_path / "nb" / "kmeans.py", zygote)
    as_module = grade_module("kmeans", tmp_path / "kmeans.py", zygote)
    assert [(r.name, r.status) for r in as_notebook.results] == [(r.name, r.status) for r in as_module.results]
    assert as_module.points < as_module.max_points, f"{student.variant} should lose points"


@pytest.mark.slow
def test_quick_benchmarks_write_the_table(tmp_path):
    results = tmp_path / "results.md"
    command = [sys.executable, "-m", "benchmarks", "--quick", "--sizes", "1", "--nbgrader-sample", "0",
               "--em-n", "2000", "--jobs", "1", "--results", str(results)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    text = results.read_text(encoding="utf-8")
    for row in ("bare `python -c", "`python -m autograder grade --jobs 1`, N = 1, check memo off",
                "check memo on", "a cohort of one", "first graded student", "largest process",
                "seconds per student / bare start-up", "a zygote: started and ready to fork", "`pytest test_gaussian_mle.py`, reference",
                "`pytest test_gaussian_mle.py`, stub", "solutions/em_gmm.py, per iteration",
                "fork + confine + load", "audit-hook guard"):
        assert row in text, f"row {row!r} missing from results.md:\n{text}"
    for fact in ("- CPU:", "- cores:", "- RAM:", "- Python:", "- numpy:", "- scipy:", "- date:"):
        assert fact in text
    assert "1 students in grades.csv" in text
    assert "WARNING" not in text, "the reference EM and scikit-learn ended on different parameters"


def _run_cells(cells: list[str]) -> None:
    scope: dict = {}
    for code in cells:
        exec(compile(code, "<cell>", "exec"), scope)


@pytest.mark.parametrize("slug", hand_tests.SLUGS)
def test_the_conventional_course_passes_the_reference_and_fails_a_stub(slug):
    """The baseline's hand-written tests are real tests: the reference passes each, a stub fails each."""
    notebook = nbgrader_course.source_notebook(slug)
    code = ["import matplotlib\nmatplotlib.use('Agg')"] + [
        c["source"] for c in notebook["cells"] if c["cell_type"] == "code"]
    _run_cells(code)
    tests = [c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
    assert len(tests) == len(next(e for e in exercises() if e.slug == slug).functions)
    assert all(c["metadata"]["nbgrader"]["points"] == 1 for c in tests)
    setup, _ = nbgrader_course.split_solution(slug)
    stub = cohort.strip_solutions(next(e for e in exercises() if e.slug == slug).solution_path.read_text())
    for cell in tests:
        with pytest.raises(Exception):
            _run_cells([stub, cell["source"].replace("### BEGIN HIDDEN TESTS", "")])


def test_the_otter_master_notebook_has_a_question_and_a_hidden_test_per_function():
    notebook = otter_course.master_notebook("kmeans")
    sources = ["".join(c["source"]) for c in notebook["cells"]]
    functions = next(e for e in exercises() if e.slug == "kmeans").functions
    assert sum(s.startswith("# BEGIN QUESTION") for s in sources) == len(functions)
    assert sum(s.startswith("# HIDDEN\n") for s in sources) == len(functions)
    assert otter_course.answer_cells(notebook, list(functions)).keys() == set(functions)


@pytest.mark.parametrize("total", [1, 20, 400])
def test_the_first_graded_student_is_recognised_in_the_progress_lines(total, capsys):
    """Start-up is timed to the batch grader's first progress line, whatever the cohort's size."""
    import re

    from autograder.core.record import StudentRecord
    from autograder.routes.batch import Progress
    from benchmarks.throughput import FIRST_GRADED

    progress = Progress(total, "lines")
    for student in ("a", "b"):
        progress.update(StudentRecord(student, "graded", seconds=0.1))
    first, second = capsys.readouterr().out.splitlines()
    assert re.match(FIRST_GRADED, first) and not re.match(FIRST_GRADED, second)


def test_each_peer_runs_from_an_environment_of_its_own_outside_the_repository(monkeypatch, tmp_path):
    """otter and the conventional course as their users install them: not in this project's venv,
    where importing jsonschema costs seconds it would not cost them."""
    import os

    import numpy

    from benchmarks import peer_envs

    monkeypatch.delenv("AUTOGRADER_BENCH_ENVS", raising=False)
    assert ROOT not in peer_envs.home().parents
    assert any(r.startswith("otter-grader") for r in peer_envs.requirements("otter"))
    assert f"numpy=={numpy.__version__}" in peer_envs.requirements("nbgrader")
    env = peer_envs.env(tmp_path / "bin" / "python")
    path = env["PATH"].split(os.pathsep)
    assert path[0] == str(tmp_path / "bin") and str(Path(sys.executable).parent) not in path
    assert env["VIRTUAL_ENV"] == str(tmp_path)


def test_a_peers_breakdown_adds_up_to_its_seconds_per_notebook():
    from benchmarks.baselines import Breakdown

    once = Breakdown(process=2.0, per_notebook=False, kernel_start=1.0, kernel_shutdown=0.5).text(4.0, 8)
    assert "0.25 s a notebook" in once and "the rest 2.25 s" in once
    each = Breakdown(process=2.0, per_notebook=True, kernel_start=1.0, kernel_shutdown=0.5).text(4.0, 8)
    assert "one per notebook" in each and "the rest 0.50 s" in each
