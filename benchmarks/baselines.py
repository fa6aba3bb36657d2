"""The tools the batch grader is compared with, timed on the same generated students.

* ``nbgrader autograde`` of a conventional course (``nbgrader_course.py``);
* ``otter run``, one call per notebook (``otter_course.py``);
* ``nbgrader autograde`` of this project's own notebooks, whose hidden cells
  call this grader once per notebook (a third row, not a baseline: it shows
  what the nbgrader route of this project costs).

Each returns seconds per student, the students graded and their points. ``breakdown``
says where a peer's seconds per notebook go: its process start, its kernel's start and
shutdown (probed on their own, in the peer's environment), and the rest (the notebook's
cells, the hidden tests, the peer's own conversion and gradebook writes).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from . import cohort, hand_tests, nbgrader_course, otter_course, peer_envs
from .timing import ROOT, bench_env, run_timed

#: Starts one kernel as nbclient does (``MANAGER``'s class), waits until it answers, shuts it down.
KERNEL_PROBE = """
import asyncio, importlib, sys, tempfile, time
module, _, name = sys.argv[1].rpartition(".")
Manager = getattr(importlib.import_module(module), name)
async def once():
    manager = Manager(kernel_name="python3")
    start = time.perf_counter()
    await manager.start_kernel(cwd=tempfile.mkdtemp())
    client = manager.client()
    client.start_channels()
    await client.wait_for_ready(timeout=300)
    ready = time.perf_counter()
    client.stop_channels()
    await manager.shutdown_kernel()
    print(ready - start, time.perf_counter() - ready)
asyncio.run(once())
"""
PLAIN_KERNEL = "jupyter_client.manager.AsyncKernelManager"
CONFINED_KERNEL = "autograder.routes.nbgrader_kernel.ConfinedKernelManager"


@dataclass
class Timed:
    wall: float
    students: int
    points: dict[tuple[str, str], float]  # (student, exercise) -> points
    load: float  # 1-minute load average just before the timing

    @property
    def per_student(self) -> float:
        return self.wall / max(self.students, 1)


@dataclass
class Breakdown:
    """Seconds per notebook: the peer's process start (``per_notebook``: once per notebook, else once
    per run, shared by every notebook), its kernel's start and shutdown, and everything else."""

    process: float
    per_notebook: bool
    kernel_start: float
    kernel_shutdown: float

    def text(self, notebook_seconds: float, notebooks: int) -> str:
        process = self.process if self.per_notebook else self.process / max(notebooks, 1)
        rest = notebook_seconds - process - self.kernel_start - self.kernel_shutdown
        where = "one per notebook" if self.per_notebook else f"once per run, {process:.2f} s a notebook"
        return (f"per notebook {notebook_seconds:.2f} s: process start {self.process:.2f} s ({where}), kernel "
                f"start {self.kernel_start:.2f} s, kernel shutdown {self.kernel_shutdown:.2f} s, the notebook's "
                f"cells, the hidden tests and the rest {rest:.2f} s")


def _median(values):
    values = sorted(values)
    return values[len(values) // 2]


def breakdown(python: Path, env: dict, process: list[str], per_notebook: bool, manager: str = PLAIN_KERNEL,
              repeats: int = 3, cwd: Path | None = None) -> Breakdown:
    """Probe a peer's process start (``process``, run by ``python``) and its kernel's start and shutdown.

    From ``cwd``, else an empty folder: nbgrader reads the ``nbgrader_config.py`` of the folder it
    starts in, and a peer must not start with this repository's."""
    import tempfile

    cwd = cwd or Path(tempfile.mkdtemp(prefix="bench-probe-"))
    starts = [run_timed([str(python), *process], cwd=cwd, env=env)[0] for _ in range(repeats)]
    kernels = []
    for _ in range(repeats):
        _, done = run_timed([str(python), "-c", KERNEL_PROBE, manager], cwd=cwd, env=env)
        kernels.append([float(v) for v in done.stdout.split()[-2:]])
    return Breakdown(_median(starts), per_notebook, _median([k[0] for k in kernels]), _median([k[1] for k in kernels]))


def conventional_breakdown(repeats: int = 3) -> Breakdown:
    python = peer_envs.python("nbgrader")
    return breakdown(python, peer_envs.env(python), ["-m", "nbgrader", "autograde", "--help"], False,
                     repeats=repeats)


def otter_breakdown(repeats: int = 3) -> Breakdown:
    python = peer_envs.python("otter")
    return breakdown(python, peer_envs.env(python), ["-m", "otter", "run", "--help"], True, repeats=repeats)


def own_breakdown(repeats: int = 3) -> Breakdown:
    return breakdown(Path(sys.executable), bench_env(), ["-m", "nbgrader", "autograde", "--help"], False,
                     manager=CONFINED_KERNEL, repeats=repeats, cwd=ROOT)


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
    # The peers' exercises only (not derivations), so that seconds per student compare alike.
    chosen = [f for f in _files(files, students) if f.slug in templates]
    cohort.write_notebooks(chosen, templates, course / "submitted", notebooks.ASSIGNMENT)
    command = [sys.executable, "-m", "nbgrader", "autograde", notebooks.ASSIGNMENT, "--create",
               "--force", f"--CourseDirectory.root={course}",
               f"--CourseDirectory.db_url=sqlite:///{course / 'gradebook.db'}"]
    load = _load()
    # From the repository root, so that its nbgrader_config.py (confined kernels, hidden cells graded by
    # this grader in nbgrader's process) applies.
    wall, _ = run_timed(command, cwd=ROOT, env=bench_env())
    return Timed(wall, len(students), {}, load)
