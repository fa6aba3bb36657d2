"""Write the student bundle: stubs, public tests, the notebooks and a README.

    python -m autograder release --out DIR

The ``.py`` part is the generated student folder (``build.student_files``).
The notebooks are nbgrader's release version, made by running
``nbgrader generate_assignment`` on source/ in a scratch course, so students
get exactly what nbgrader would hand out: answers cleared, hidden tests removed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import build, notebooks


class ReleaseError(RuntimeError):
    """nbgrader could not produce the student notebooks."""


def nbgrader_environment() -> dict:
    """The environment nbgrader needs: this Python's bin/ first on PATH (for ``alembic``)."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.setdefault("MPLBACKEND", "Agg")
    return env


def nbgrader(args: list[str], course: Path) -> subprocess.CompletedProcess:
    """Run an nbgrader command in ``course`` (its own gradebook); raise with its log on failure."""
    command = [sys.executable, "-m", "nbgrader", *args]
    process = subprocess.run(command, cwd=course, env=nbgrader_environment(),
                             capture_output=True, text=True)
    if process.returncode != 0:
        raise ReleaseError(f"`nbgrader {' '.join(args)}` failed:\n{process.stdout[-3000:]}\n{process.stderr[-3000:]}")
    return process


def generate_assignment(course: Path) -> Path:
    """Run generate_assignment in ``course``; returns its release folder.

    A course without source/<assignment>/ gets a copy of the repository's
    (refused when stale).
    """
    target = course / "source" / notebooks.ASSIGNMENT
    if not target.exists():  # a course of its own keeps its source/; else use the repository's
        stale = notebooks.stale_notebooks()
        if stale:
            raise ReleaseError(f"source/ is out of date ({', '.join(stale)}): run `make build` first.")
        shutil.copytree(notebooks.assignment_dir(), target)
    nbgrader(["generate_assignment", notebooks.ASSIGNMENT, "--force",
              f"--CourseDirectory.root={course}",
              f"--CourseDirectory.db_url=sqlite:///{course / 'gradebook.db'}"], course)
    return course / "release" / notebooks.ASSIGNMENT


def student_notebooks(target: Path, course: Path | None = None) -> list[Path]:
    """nbgrader's release of source/<assignment>/ written into ``target``.

    ``course``: an nbgrader course folder to run in (kept, with its gradebook);
    by default a scratch one that is removed afterwards.
    """
    with tempfile.TemporaryDirectory(prefix="release-course-") as scratch:
        released = generate_assignment(Path(course or scratch))
        written = []
        for path in sorted(released.iterdir()):
            if path.is_file():
                shutil.copyfile(path, target / path.name)
                written.append(target / path.name)
    return written


def release(out: Path, course: Path | None = None) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = build.write_student_folder(out)
    written += student_notebooks(out, course)
    return written


def add_arguments(parser) -> None:
    parser.add_argument("--out", type=Path, required=True, help="folder to write the student bundle to")


def run(args) -> int:
    try:
        written = release(args.out)
    except ReleaseError as exc:
        print(exc, file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0
