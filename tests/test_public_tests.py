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
