"""A small nbgrader class, graded by nbgrader and by the batch grader, for the pages people read.

Four students hand in the five released notebooks: ``correct`` (the reference's
answers), ``wrong`` (one function with the classic n - 1 mistake), ``syntax``
(the reference, with a syntax error in one answer cell) and ``untouched`` (the
released notebooks as they are). ``small_class()`` runs ``nbgrader autograde``,
``nbgrader generate_feedback`` and ``python -m autograder grade`` once per test
session and keeps what each printed (tests/test_browser_feedback.py reads it).
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.core.manifest import exercises
from autograder.generation import notebooks, release
from tests.test_nbgrader_roundtrip import MISTAKE, MISTAKE_SLUG, _submit
from tests.test_release import released_course

ASSIGNMENT = notebooks.ASSIGNMENT
STUDENTS = ("correct", "wrong", "syntax", "untouched")
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


def _break_syntax(course: Path, student: str) -> None:
    path = course / "submitted" / student / ASSIGNMENT / f"{SYNTAX_SLUG}.ipynb"
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == SYNTAX_CELL:
            source = "".join(cell["source"])
            first, rest = source.split("\n", 1)
            cell["source"] = first.rstrip(":") + "\n" + rest
    path.write_text(json.dumps(notebook))


@functools.cache
def small_class() -> SmallClass:
    course, bundle = released_course()
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
