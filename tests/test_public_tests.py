"""The public tests students run: they pass on the reference and, on the stub,
report one readable line per test ("... is not implemented yet")."""

import shutil
import subprocess
import sys

import pytest

from autograder.generation.build import student_files
from autograder.core.manifest import exercises


def _student_folder(tmp_path, with_reference: bool):
    for name, text in student_files().items():
        (tmp_path / name).write_text(text)
    if with_reference:
        for ex in exercises():
            shutil.copyfile(ex.solution_path, tmp_path / f"{ex.slug}.py")
    return tmp_path


def _pytest(folder, *args):
    return subprocess.run([sys.executable, "-m", "pytest", *args], cwd=folder,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("ex", exercises(), ids=lambda e: e.slug)
def test_public_tests_pass_on_the_reference(ex, tmp_path):
    run = _pytest(_student_folder(tmp_path, True), f"test_{ex.slug}.py")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Public tests passed" in run.stdout
    assert "All tests passed" not in run.stdout


@pytest.mark.parametrize("ex", exercises(), ids=lambda e: e.slug)
def test_public_tests_on_the_stub_say_not_implemented_in_one_line(ex, tmp_path):
    run = _pytest(_student_folder(tmp_path, False), f"test_{ex.slug}.py")
    assert run.returncode == 1, run.stdout + run.stderr
    failures = run.stdout.split("= FAILURES =")[1].split("Each failure above")[0]
    body = [line for line in failures.splitlines() if line.strip() and not line.startswith(("_", "="))]
    assert body, run.stdout
    assert all("is not implemented yet" in line for line in body), run.stdout
    assert "Traceback" not in run.stdout


def test_public_tests_warn_when_a_forbidden_routine_is_called(tmp_path):
    """The list is the course's (exercises.toml); the public run still passes, and says which
    function calls which routine, once at the end."""
    from autograder.generation import sample_cohort

    folder = _student_folder(tmp_path, True)
    (folder / "gaussian_mle.py").write_text(sample_cohort.edited(
        "gaussian_mle", ("    mu_hat = x.mean()\n    sigma_hat = np.sqrt(np.mean((x - mu_hat) ** 2))",
                         "    from scipy.stats import norm\n    mu_hat, sigma_hat = norm.fit(x)")))
    run = _pytest(folder, "test_gaussian_mle.py")
    assert "Warning: gaussian_mle (gaussian_mle.py) calls scipy.stats.norm.fit, which the exercises " \
           "forbid" in run.stdout, run.stdout
    assert "ForbiddenRoutineWarning" in run.stdout
    (tmp_path / "clean").mkdir()
    clean = _pytest(_student_folder(tmp_path / "clean", True), "test_gaussian_mle.py")
    assert "forbid" not in clean.stdout, clean.stdout


def test_the_import_watcher_imports_nothing_itself(tmp_path):
    """Wrapping scipy.stats.norm.fit must not import scipy.stats for a student who never does
    (a second of every public run): it is wrapped when their code imports it."""
    folder = _student_folder(tmp_path, True)
    (folder / "test_imports.py").write_text(
        "import sys\n\nimport scipy.optimize  # noqa: F401\n\n\ndef test_only_what_was_imported():\n"
        "    assert 'scipy.stats' not in sys.modules and 'scipy.cluster' not in sys.modules\n")
    run = _pytest(folder, "test_imports.py")
    assert run.returncode == 0, run.stdout + run.stderr


def _completed_notebook(folder, slug):
    """The released notebook with the reference's answer cells, as a student completes it in JupyterLab."""
    import json

    from autograder.generation import notebooks

    source = json.loads((notebooks.assignment_dir() / f"{slug}.ipynb").read_text())
    cells = []
    for cell in source["cells"]:
        grading = cell["metadata"].get("nbgrader", {})
        if grading.get("grade_id", "").startswith(notebooks.HIDDEN_GRADE_PREFIX):
            continue  # not in what students get
        cells.append(cell)
    source["cells"] = cells
    (folder / f"{slug}.ipynb").write_text(json.dumps(source))
    for name in (notebooks.SUPPORT_MODULE, notebooks.HAND_IN_CHECK):
        shutil.copyfile(notebooks.assignment_dir() / name, folder / name)


def test_public_tests_test_the_notebook_that_holds_the_work(tmp_path):
    """A student who works in the notebook: pytest tests it (the .py beside it is the untouched stub)
    and says so; with work in both, the .py is tested, as the grader grades it."""
    folder = _student_folder(tmp_path, False)
    _completed_notebook(folder, "gaussian_mle")
    run = _pytest(folder, "test_gaussian_mle.py")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "gaussian_mle: tested gaussian_mle.ipynb (your work is in the notebook; gaussian_mle.py is " \
           "the untouched stub)." in run.stdout
    shutil.copyfile(next(ex for ex in exercises() if ex.slug == "gaussian_mle").solution_path,
                    folder / "gaussian_mle.py")
    (folder / "gaussian_mle.py").write_text((folder / "gaussian_mle.py").read_text().replace(
        "np.mean((x - mu_hat) ** 2)", "np.var(x, ddof=1)"))
    run = _pytest(folder, "test_gaussian_mle.py")
    assert run.returncode == 1
    assert "gaussian_mle: tested gaussian_mle.py (both gaussian_mle.py and gaussian_mle.ipynb hold work" \
           in run.stdout, run.stdout


def test_a_crash_in_a_notebook_names_the_cell_and_line_with_a_caret(tmp_path):
    import json

    folder = _student_folder(tmp_path, False)
    _completed_notebook(folder, "gaussian_mle")
    path = folder / "gaussian_mle.ipynb"
    notebook = json.loads(path.read_text())
    for number, cell in enumerate(notebook["cells"], start=1):
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "answer_gaussian_mle":
            cell["source"] = ("def gaussian_mle(x):\n    x = np.asarray(x, dtype=float)\n"
                              "    return x.mean(), float(x.std()) / (len(x) - len(x))\n")
            break
    path.write_text(json.dumps(notebook))
    run = _pytest(folder, "test_gaussian_mle.py")
    assert f"gaussian_mle.ipynb, cell {number} (answer_gaussian_mle), line 3, in gaussian_mle" in run.stdout, \
        run.stdout
    assert "    return x.mean(), float(x.std()) / (len(x) - len(x))\n" in run.stdout
    assert "^^^^" in run.stdout
    assert '"cell_type"' not in run.stdout and "Traceback" not in run.stdout


def test_no_installed_plugin_loads_unasked(tmp_path):
    """Plugins installed beside pytest (xdist here, anyio and platformdirs' with JupyterLab) cost
    every student run start-up; the bundle's pytest.ini loads none of them."""
    from importlib.metadata import entry_points

    installed = {e.value.split(":")[0] for e in entry_points(group="pytest11")}
    if not installed:
        pytest.skip("no pytest plugin installed here: nothing to leave out")
    run = _pytest(_student_folder(tmp_path, False), "--trace-config", "--co", "test_kmeans.py")
    assert "PLUGIN registered: <module '_pytest.python'" in run.stdout, run.stdout + run.stderr
    loaded = {module for module in installed if f"PLUGIN registered: <module '{module}'" in run.stdout}
    assert not loaded, f"loaded without being asked for: {sorted(loaded)}"


def test_last_failed_reruns_only_the_failures(tmp_path):
    """`pytest --lf` is what a student runs while fixing one failure at a time: it needs pytest's
    cache provider, which the bundle's pytest.ini must leave on."""
    folder = _student_folder(tmp_path, True)
    (folder / "kmeans.py").write_text(
        (folder / "kmeans.py").read_text() + "\n\ndef hard_responsibilities(x, centers):\n    raise NotImplementedError()\n")
    first = _pytest(folder, "test_kmeans.py")
    assert first.returncode == 1, first.stdout + first.stderr
    again = _pytest(folder, "--lf", "test_kmeans.py")
    assert again.returncode == 1, again.stdout + again.stderr
    assert "deselected" in again.stdout and "hard_responsibilities() is not implemented yet" in again.stdout, \
        again.stdout
