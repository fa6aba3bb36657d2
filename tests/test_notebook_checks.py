"""What a student sees in and around the notebooks: tracebacks, test cells, check(), the hand-in check.

Everything runs in a student folder like the bundle (stubs, public tests, conftest,
lesson_support.py, hand_in_check.py) with completed notebooks written the way a
student completes them: the released cells, the answer cells filled in.
"""

import json
import shutil
import subprocess
import sys
import textwrap
import traceback
from pathlib import Path

import pytest

from autograder.core.manifest import exercises
from autograder.generation import notebooks
from autograder.generation.build import student_files

SUPPORT = notebooks.assignment_dir()


def _folder(tmp_path, completed=()):
    for name, text in student_files().items():
        (tmp_path / name).write_text(text)
    for name in (notebooks.SUPPORT_MODULE, notebooks.HAND_IN_CHECK):
        shutil.copyfile(SUPPORT / name, tmp_path / name)
    for ex in exercises():
        nb = json.loads((SUPPORT / f"{ex.slug}.ipynb").read_text())
        cells = []
        for cell in nb["cells"]:
            grading = cell["metadata"].get("nbgrader", {})
            if grading.get("grade_id", "").startswith(notebooks.HIDDEN_GRADE_PREFIX):
                continue
            if grading.get("solution") and cell["cell_type"] == "code" and ex.slug not in completed:
                cell["source"] = _stub(cell["source"])
            cells.append(cell)
        nb["cells"] = cells
        (tmp_path / f"{ex.slug}.ipynb").write_text(json.dumps(nb))
    return tmp_path


def _stub(source):
    from autograder.generation.build import strip_solutions

    return strip_solutions("".join(source) if isinstance(source, list) else source)


def _run(folder, code, timeout=300):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=folder, capture_output=True,
                          text=True, timeout=timeout)


def test_another_notebooks_error_shows_its_cell_and_line_not_its_json(tmp_path):
    """The k-means demo reads em_gmm.ipynb: an error there names that notebook's cell and line."""
    folder = _folder(tmp_path)
    sys.path.insert(0, str(folder))
    try:
        import lesson_support

        em = lesson_support.notebook_module("em_gmm", folder)
        with pytest.raises(NotImplementedError) as caught:
            em.fit_gmm_em([0.0, 1.0], weights=[0.5, 0.5], means=[0.0, 1.0], variances=[1.0, 1.0], n_iter=2)
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop("lesson_support", None)
    shown = "".join(traceback.format_exception(caught.value))
    assert 'File "em_gmm.ipynb, cell ' in shown and "(answer_fit_gmm_em)" in shown, shown
    assert "raise NotImplementedError()" in shown
    assert '"cell_type"' not in shown and len(shown.splitlines()) < 10, shown


def test_the_explorer_is_displayed_once_and_returns_nothing(tmp_path):
    run = _run(_folder(tmp_path), """
        import IPython.display, numpy as np
        shown = []
        IPython.display.display = lambda *a, **k: shown.append((a, k))
        import lesson_support
        drawn, png = [], lesson_support._png
        lesson_support._png = lambda fig: drawn.append(1) or png(fig)
        returned = lesson_support.likelihood_explorer(np.linspace(90, 140, 40), None)
        bundle, options = shown[-1][0][0], shown[-1][1]
        print("SHOWN", returned is None, len(shown), len(drawn), sorted(bundle),
              options["metadata"]["image/png"]["alt"][:30])
    """)
    line = next((l for l in run.stdout.splitlines() if l.startswith("SHOWN")), run.stdout + run.stderr)
    # the widget's own plot, then the widget once; the picture at the starting values drawn once
    assert line.split()[1:4] == ["True", "2", "1"], line
    assert "application/vnd.jupyter.widget-view+json" in line and "'image/png'" in line
    assert "The likelihood explorer" in line


def test_under_nbgrader_the_explorer_is_its_picture_alone(tmp_path):
    """autograde and validate have no frontend: no widget, and ipywidgets is not imported."""
    run = _run(_folder(tmp_path), """
        import os, sys
        os.environ["NBGRADER_EXECUTION"] = "autograde"
        import IPython.display, numpy as np
        shown = []
        IPython.display.display = lambda *a, **k: shown.append((a, k))
        from lesson_support import likelihood_explorer
        likelihood_explorer(np.linspace(90, 140, 40), None)
        print("SHOWN", len(shown), sorted(shown[-1][0][0]), "ipywidgets" in sys.modules)
    """)
    line = next((l for l in run.stdout.splitlines() if l.startswith("SHOWN")), run.stdout + run.stderr)
    assert line == "SHOWN 1 ['image/png', 'text/plain'] False", line


def test_a_test_cell_on_the_stub_shows_two_lines(tmp_path):
    run = _run(_folder(tmp_path), """
        from lesson_support import public_test, PublicTestFailed
        def gaussian_mle(x):
            raise NotImplementedError()
        def test_mle_of_the_tempos():
            gaussian_mle([1.0])
        try:
            public_test(test_mle_of_the_tempos)
        except PublicTestFailed as exc:
            print("\\n".join(exc._render_traceback_()))
    """)
    assert run.stdout.strip().splitlines() == [
        "FAILED test_mle_of_the_tempos",
        "gaussian_mle() is not implemented yet: write its body in its answer cell."], run.stdout + run.stderr


def test_check_runs_the_public_tests_on_the_kernels_functions(tmp_path):
    """check("exercise") and check("function") from a notebook: pytest's messages, this kernel's code."""
    folder = _folder(tmp_path)
    reference = next(ex for ex in exercises() if ex.slug == "gaussian_mle").solution_path.read_text()
    (folder / "answers.py").write_text(reference.replace("np.mean((x - mu_hat) ** 2)", "np.var(x, ddof=1)"))
    run = _run(folder, """
        exec(open("answers.py").read())  # as the notebook's cells define them, in __main__
        from lesson_support import check
        print("RESULT", check("gaussian_log_likelihood"))
        print("RESULT", check("gaussian_mle"))
        del gaussian_mle_numerical
        print("RESULT", check("gaussian_mle_numerical"))
    """)
    out = run.stdout
    first, second, third = out.split("RESULT")[:3]
    assert "4 passed, 2 deselected" in first, out  # the 5 tests that call it; one also calls gaussian_mle
    assert "sigma_hat = " in second and "you divided by n - 1" in second and "failed" in second, out
    assert "gaussian_mle: tested this notebook's kernel." in second
    assert "gaussian_mle_numerical is not defined in this kernel: run its answer cell first." in third, out
    assert "Traceback" not in out


@pytest.mark.slow
def test_the_hand_in_check_runs_each_notebook_afresh_and_says_what_loses_points(tmp_path):
    folder = _folder(tmp_path, completed=("gaussian_mle",))
    ready = subprocess.run([sys.executable, "hand_in_check.py", "gaussian_mle"], cwd=folder,
                           capture_output=True, text=True, timeout=300)
    assert ready.returncode == 0, ready.stdout + ready.stderr
    assert "gaussian_mle: the grader grades gaussian_mle.ipynb (your work is in the notebook" in ready.stdout
    assert "defined: 3 of the 3 functions" in ready.stdout and "public tests: 7 passed, 0 failed" in ready.stdout
    assert "Ready to hand in" in ready.stdout
    assert "WARNING" not in ready.stdout + ready.stderr  # its kernel talks over local sockets, not TCP
    not_yet = subprocess.run([sys.executable, "hand_in_check.py", "kmeans"], cwd=folder,
                             capture_output=True, text=True, timeout=300)
    assert not_yet.returncode == 1
    assert "would lose points: not implemented yet: assign_clusters, update_centers, fit_kmeans, " \
           "hard_responsibilities" in not_yet.stdout, not_yet.stdout


def test_errors_in_a_notebook_show_the_students_lines_with_a_caret(tmp_path):
    """Once lesson_support is imported (the first test or demo cell does), an error in the kernel
    shows its message, then each of the student's lines it passed through, with a caret; the
    k-means demo's call into em_gmm.ipynb names that notebook's cell, never its JSON."""
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    folder = _folder(tmp_path)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code) for code in (
        "import lesson_support\nimport numpy as np",
        "def centers(x):\n    y = np.asarray(x)\n    return y.reshape(3, 7)",
        "centers([1, 2])",
        "em = lesson_support.notebook_module('em_gmm')\nx, _ = em.sample_mixture(50)\n"
        "em.fit_gmm_em(x, weights=[.5, .5], means=[-1, 1], variances=[1, 1], n_iter=3)")]
    import tempfile

    manager = KernelManager(kernel_name="python3", transport="ipc",
                            ip=str(Path(tempfile.mkdtemp(prefix="kernel-")) / "k"))
    try:
        NotebookClient(nb, km=manager, timeout=120, allow_errors=True,
                       resources={"metadata": {"path": str(folder)}}).execute()
    finally:
        if manager.has_kernel:
            manager.shutdown_kernel(now=True)
    shown = ["\n".join(cell.outputs[0].traceback) for cell in nb.cells[2:]]
    assert shown[0].splitlines() == [
        "ValueError: cannot reshape array of size 2 into shape (3,7)",
        "  Cell In[3], line 1, in <module>", "    centers([1, 2])", "    ^^^^^^^^^^^^^^^",
        "  Cell In[2], line 3, in centers", "    return y.reshape(3, 7)", "           ^^^^^^^^^^^^^^^"], shown[0]
    assert shown[1].startswith("fit_gmm_em() is not implemented yet: write its body in em_gmm.ipynb.\n")
    assert "em_gmm.ipynb, cell " in shown[1] and "(answer_fit_gmm_em)" in shown[1]
    assert '"cell_type"' not in shown[1] and len(shown[1].splitlines()) == 7, shown[1]
