"""A small nbgrader class, graded by nbgrader and by the batch grader, for the pages people read.

Four students hand in the five released notebooks: ``correct`` (the reference's
answers), ``wrong`` (one function with the classic n - 1 mistake), ``syntax``
(the reference, with a syntax error in one answer cell) and ``untouched`` (the
released notebooks as they are). ``small_class()`` runs ``nbgrader autograde``,
``nbgrader generate_feedback`` and ``python -m autograder grade`` once per test
run and keeps what each printed. tests/test_nbgrader_roundtrip.py compares its
gradebook with the batch grader; tests/test_browser_feedback.py opens its pages.

Twenty confined kernels make this the costliest fixture of the suite, so the
xdist workers share it: the first to ask grades the class under a file lock in
the run's shared temporary folder, the others wait for it and read the result.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from autograder.core.manifest import exercises
from autograder.generation import notebooks, release
from tests.test_release import release_course_into

ASSIGNMENT = notebooks.ASSIGNMENT
STUDENTS = ("correct", "wrong", "syntax", "untouched")
#: The classic mistake: the unbiased sigma (n - 1) instead of the MLE's n.
MISTAKE = ("sigma_hat = np.sqrt(np.mean((x - mu_hat) ** 2))", "sigma_hat = np.std(x, ddof=1)")
MISTAKE_SLUG = "gaussian_mle"
#: The syntax error: an answer cell's ``def`` line without its colon.
SYNTAX_SLUG, SYNTAX_CELL = "em_gmm", "answer_e_step"


@dataclass
class SmallClass:
    course: Path
    bundle: Path
    batch: Path  # the batch grader's output folder
    autograde_output: str
    feedback_output: str

    def feedback_pages(self, student: str) -> list[Path]:
        return sorted((self.course / "feedback" / student / ASSIGNMENT).glob("*.html"))


def _answers(course: Path, slug: str) -> dict[str, str]:
    """Answer cells of the source notebook, markers removed: what a perfect student writes."""
    nb = json.loads((course / "source" / ASSIGNMENT / f"{slug}.ipynb").read_text())
    out = {}
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution") and cell["cell_type"] == "code":
            lines = "".join(cell["source"]).splitlines()
            out[meta["grade_id"]] = "\n".join(l for l in lines if "### BEGIN SOLUTION" not in l
                                              and "### END SOLUTION" not in l)
    return out


def _submit(course: Path, student: str, filled: dict[str, tuple[str, str] | None]) -> None:
    """Copy the released notebooks; fill the answer cells of the notebooks named in ``filled``
    (with ``(wrong, right)``: the reference's line ``wrong`` replaced by ``right``)."""
    released = course / "release" / ASSIGNMENT
    target = course / "submitted" / student / ASSIGNMENT
    target.mkdir(parents=True)
    for ex in exercises():
        nb = json.loads((released / f"{ex.slug}.ipynb").read_text())
        if ex.slug in filled:
            answers = _answers(course, ex.slug)
            for cell in nb["cells"]:
                grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
                if grade_id in answers:
                    code = answers[grade_id]
                    if filled[ex.slug]:
                        wrong, right = filled[ex.slug]
                        assert wrong in code or grade_id != "answer_gaussian_mle", "mistake no longer applies"
                        code = code.replace(wrong, right)
                    cell["source"] = code
        (target / f"{ex.slug}.ipynb").write_text(json.dumps(nb))
    (target / "timestamp.txt").write_text("2026-01-15 12:00:00.000000 UTC")


def _images(course: Path, student: str, slug: str) -> int:
    """Figures among the outputs of an autograded notebook's demo cells."""
    nb = json.loads((course / "autograded" / student / ASSIGNMENT / f"{slug}.ipynb").read_text())
    return sum("image/png" in output.get("data", {}) for cell in nb["cells"]
               if "demo" in cell["metadata"].get("tags", []) for output in cell.get("outputs", []))


def _errors(course: Path, student: str) -> list[tuple[str, str, str]]:
    """(notebook, cell, error name) of every error output in the autograded notebooks.

    A public test cell's failure (``lesson_support.PublicTestFailed``) is named by what it
    says: ``NotImplementedError`` when it reports a function not implemented yet."""
    found = []
    for path in sorted((course / "autograded" / student / ASSIGNMENT).glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            for output in cell.get("outputs", []):
                if output["output_type"] == "error":
                    name = output["ename"]
                    if name == "PublicTestFailed" and "is not implemented yet" in output["evalue"]:
                        name = "NotImplementedError"
                    found.append((path.stem, cell["metadata"].get("nbgrader", {}).get("grade_id", "demo"),
                                  name))
    return found


def _break_syntax(course: Path, student: str) -> None:
    path = course / "submitted" / student / ASSIGNMENT / f"{SYNTAX_SLUG}.ipynb"
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == SYNTAX_CELL:
            source = "".join(cell["source"])
            first, rest = source.split("\n", 1)
            cell["source"] = first.rstrip(":") + "\n" + rest
    path.write_text(json.dumps(notebook))


def _grade(course: Path) -> SmallClass:
    bundle = release_course_into(course)
    every = {ex.slug: None for ex in exercises()}
    _submit(course, "correct", every)
    _submit(course, "wrong", {**every, MISTAKE_SLUG: MISTAKE})
    _submit(course, "syntax", every)
    _break_syntax(course, "syntax")
    _submit(course, "untouched", {})
    autograde = release.nbgrader(["autograde", ASSIGNMENT, "--force"], course)
    feedback = release.nbgrader(["generate_feedback", ASSIGNMENT, "--force"], course)
    batch = course / "batch-out"
    graded = subprocess.run([sys.executable, "-m", "autograder", "grade", str(course / "submitted"),
                             "--out", str(batch), "--progress", "lines"],
                            capture_output=True, text=True, env=release.nbgrader_environment(), timeout=900)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    return SmallClass(course, bundle, batch, autograde.stdout + autograde.stderr,
                      feedback.stdout + feedback.stderr)


_graded: SmallClass | None = None


def small_class(tmp_path_factory) -> SmallClass:
    """The class, graded once per test run whichever worker asks first (see the module's docstring)."""
    global _graded
    if _graded is None:
        base = tmp_path_factory.getbasetemp()
        shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
        done = shared / "small-class.json"
        with open(shared / "small-class.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the grading worker is done, or dies
            if done.exists():
                saved = json.loads(done.read_text())
                _graded = SmallClass(**{k: Path(v) if k in ("course", "bundle", "batch") else v
                                        for k, v in saved.items()})
            else:
                course = shared / "small-class"
                if course.exists():  # a worker started it and failed: its own test reports why
                    raise RuntimeError("grading the small class failed in another xdist worker")
                course.mkdir()
                _graded = _grade(course)
                done.write_text(json.dumps({k: str(v) for k, v in asdict(_graded).items()}))
    return _graded
