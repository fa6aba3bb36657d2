"""The tools the batch grader is compared with, timed on the same generated students.

* ``nbgrader autograde`` of a conventional course (``nbgrader_course.py``);
* ``otter run``, one call per notebook (``otter_course.py``);
* ``nbgrader autograde`` of this project's own notebooks, whose hidden cells
  call this grader once per notebook (a third row, not a baseline: it shows
  what the nbgrader route of this project costs).

Each returns seconds per student, the students graded and their points.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from . import cohort, hand_tests, nbgrader_course, otter_course
from .timing import ROOT, bench_env, run_timed


@dataclass
class Timed:
    wall: float
    students: int
    points: dict[tuple[str, str], float]  # (student, exercise) -> points
    load: float  # 1-minute load average just before the timing

    @property
    def per_student(self) -> float:
        return self.wall / max(self.students, 1)


def _load() -> float:
    return os.getloadavg()[0]


def _files(files: list[cohort.StudentFile], students: list[str]) -> list[cohort.StudentFile]:
    return [f for f in files if f.student in students and f.slug in hand_tests.SLUGS]


def conventional_nbgrader(scratch: Path, files, students: list[str]) -> Timed:
    course = scratch / "conventional-course"
    templates = nbgrader_course.make_course(course)
    cohort.write_notebooks(_files(files, students), templates, course / "submitted", nbgrader_course.ASSIGNMENT)
    load = _load()
    wall = nbgrader_course.autograde(course)
    return Timed(wall, len(students), nbgrader_course.scores(course, students), load)


def otter(scratch: Path, files, students: list[str]) -> Timed:
    folder = scratch / "otter"
    made = otter_course.make_assignments(folder / "assignments")
    templates = {slug: student for slug, (_, student) in made.items()}
    submitted = folder / "submitted"
    chosen = _files(files, students)
    cohort.write_notebooks(chosen, templates, submitted, "otter", find=otter_course.answer_cells)
    load = _load()
    wall, points = 0.0, {}
    for f in chosen:
        out = folder / "graded" / f.student / f.slug
        wall += otter_course.grade(made[f.slug][0], submitted / f.student / "otter" / f"{f.slug}.ipynb", out)
        points[f.student, f.slug] = otter_course.score(out)
    return Timed(wall, len(students), points, load)


def own_nbgrader(scratch: Path, files, students: list[str]) -> Timed:
    """``nbgrader autograde`` of this project's notebooks (their hidden cells are graded by this grader)."""
    from autograder.generation import notebooks, release

    course = scratch / "own-course"
    course.mkdir()
    released = release.generate_assignment(course)
    templates = {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in released.glob("*.ipynb")}
    chosen = [f for f in files if f.student in students and f.slug in templates]
    cohort.write_notebooks(chosen, templates, course / "submitted", notebooks.ASSIGNMENT)
    command = [sys.executable, "-m", "nbgrader", "autograde", notebooks.ASSIGNMENT, "--create",
               "--force", f"--CourseDirectory.root={course}",
               f"--CourseDirectory.db_url=sqlite:///{course / 'gradebook.db'}"]
    load = _load()
    # From the repository root, so that its nbgrader_config.py (confined kernels, hidden cells graded by
    # this grader in nbgrader's process) applies.
    wall, _ = run_timed(command, cwd=ROOT, env=bench_env())
    return Timed(wall, len(students), {}, load)
