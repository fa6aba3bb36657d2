"""Students who attack nbgrader's kernel, graded by the README's instructor commands in order.

Each forger hands in ``gaussian_mle.ipynb`` with every answer left as a stub and one cell of
attack code, run by the kernel ``nbgrader autograde`` starts:

- ``forger_gradebook`` opens the course's ``gradebook.db`` and sets ``manual_score`` to the
  maximum on its own rows (before the kernel was confined, ``nbgrader-grade`` kept those as
  "scored by hand": 104 out of 10);
- ``forger_daemon`` leaves a detached process that sets ``auto_score`` to the maximum every
  half second (it outlived autograde and rewrote the trusted scores);
- ``forger_reader`` reads a solution in ``source/`` and a classmate's notebook, prints them
  and writes a copy into the course; it also prints its environment (the instructor's token
  must not be there), and hands in a ``matplotlib.py`` that writes into the course when
  imported (the kernel's launcher imports matplotlib before it is confined).

After ``generate_assignment``, ``autograde``, ``nbgrader-grade`` and ``generate_feedback``
each forger holds 0, the honest student (``fair``) full marks; nothing of the course outside the
autograded notebooks and the gradebook changed, and no process of a kernel is alive once
``nbgrader autograde`` returns.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.generation import notebooks, release
from tests.small_class import _answers
from tests.test_release import released_course

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = notebooks.ASSIGNMENT
SLUG = "gaussian_mle"
#: Found in the command line of the forger's detached process: the test looks for it in /proc.
MARKER = "forger-daemon-marker"
#: A secret of the instructor's environment, which no kernel may see.
TOKEN = ("INSTRUCTOR_API_TOKEN", "token-3f9a7c")
COURSE_FROM_KERNEL = "import pathlib\nCOURSE = pathlib.Path.cwd().parents[2]  # autograded/<student>/<assignment>/\n"
OWN_ROWS = ("notebook_id IN (SELECT sn.id FROM submitted_notebook sn JOIN submitted_assignment sa "
            "ON sn.assignment_id = sa.id WHERE sa.student_id = '{student}')")
MAX_SCORE = "(SELECT max_score FROM grade_cells WHERE grade_cells.id = grade.cell_id)"

ATTACKS = {
    "forger_gradebook": COURSE_FROM_KERNEL + f"""
import sqlite3
db = sqlite3.connect(COURSE / "gradebook.db")
db.execute("UPDATE grade SET manual_score = {MAX_SCORE}, extra_credit = 5 WHERE {OWN_ROWS.format(student='forger_gradebook')}")
db.commit()
print("gradebook forged")
""",
    "forger_daemon": COURSE_FROM_KERNEL + f"""
import subprocess, sys
loop = '''
import sqlite3, sys, time
for _ in range(1200):
    try:
        db = sqlite3.connect(sys.argv[1], timeout=1)
        db.execute("UPDATE grade SET auto_score = {MAX_SCORE} WHERE {OWN_ROWS.format(student='forger_daemon')}")
        db.commit(); db.close()
    except Exception:
        pass
    time.sleep(0.5)
'''
subprocess.Popen([sys.executable, "-c", loop, str(COURSE / "gradebook.db"), "{MARKER}"], start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("daemon left behind")
""",
    "forger_reader": COURSE_FROM_KERNEL + """
import os
print(dict(os.environ))
try:
    print(open("/proc/self/environ").read())
except OSError as exc:
    print("refused:", type(exc).__name__)
for stolen in (COURSE / "source" / "mle_em" / "gaussian_mle.ipynb", COURSE / "solutions" / "gaussian_mle.py",
               COURSE / "submitted" / "fair" / "mle_em" / "gaussian_mle.ipynb"):
    try:
        text = stolen.read_text()
        print(text)
        (COURSE / f"leaked-{stolen.stem}.txt").write_text(text)
    except OSError as exc:
        print("refused:", type(exc).__name__)
""",
}


def _submit(course: Path, student: str, attack: str | None) -> None:
    """gaussian_mle.ipynb as released: answered (honest) or stubs with ``attack`` as a cell of its own."""
    nb = json.loads((course / "release" / ASSIGNMENT / f"{SLUG}.ipynb").read_text())
    if attack is None:
        answers = _answers(course, SLUG)
        for cell in nb["cells"]:
            grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
            if grade_id in answers:
                cell["source"] = answers[grade_id]
    else:
        first = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code")
        nb["cells"].insert(first, {"cell_type": "code", "execution_count": None, "metadata": {},
                                   "outputs": [], "source": attack})
    target = course / "submitted" / student / ASSIGNMENT
    target.mkdir(parents=True)
    (target / f"{SLUG}.ipynb").write_text(json.dumps(nb))
    if student == "forger_reader":  # run by whoever imports matplotlib from the notebook's folder
        course_from_module = COURSE_FROM_KERNEL.replace("pathlib.Path.cwd()", "pathlib.Path(__file__).parent")
        (target / "matplotlib.py").write_text(course_from_module + '(COURSE / "leaked-by-import.txt").write_text("ran")\n')
    (target / "timestamp.txt").write_text("2026-01-15 12:00:00.000000 UTC")


def _marked_processes() -> list[int]:
    """Live processes whose command line holds the forger's marker."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if MARKER.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def _snapshot(course: Path) -> dict:
    """Every file of the course a kernel must not change (all but nbgrader's outputs and the gradebook)."""
    skip = {"autograded", "feedback", "gradebook.db", "trusted-out", "batch-graded"}
    files = {}
    for path in course.rglob("*"):
        parts = path.relative_to(course).parts
        if parts[0] in skip or parts[0].startswith("gradebook.db") or "__pycache__" in parts:
            continue
        if path.is_file():
            info = path.stat()
            files[str(path.relative_to(course))] = (info.st_size, info.st_mtime_ns)
    return files


def _scores(course: Path, students) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {student: (gb.find_submission_notebook(SLUG, ASSIGNMENT, student).score,
                          gb.find_submission_notebook(SLUG, ASSIGNMENT, student).max_score)
                for student in students}


@pytest.mark.slow
def test_forged_kernels_end_at_zero_and_leave_nothing_behind(monkeypatch):
    monkeypatch.setenv(*TOKEN)
    course, _ = released_course()
    students = {"fair": None, **ATTACKS}
    for student, attack in students.items():
        _submit(course, student, attack)
    before = _snapshot(course)
    try:
        autograde = release.nbgrader(["autograde", ASSIGNMENT, "--force", f"--CourseDirectory.notebook_id={SLUG}"],
                                     course)
        left = _marked_processes()
        assert not left, f"a kernel's process outlived nbgrader autograde: {left}"
        # The kernels talk over Unix sockets: ipykernel's warning about TCP is gone at its cause.
        assert "without encryption" not in autograde.stdout + autograde.stderr

        process = subprocess.run(
            [sys.executable, "-m", "autograder", "nbgrader-grade", ASSIGNMENT, "--course-root", str(course),
             "--out", str(course / "trusted-out"), "--jobs", "2", "--progress", "lines",
             *(f"--student={s}" for s in students)],
            cwd=ROOT, capture_output=True, text=True, timeout=900)
        assert process.returncode == 0, process.stdout + process.stderr
        release.nbgrader(["generate_feedback", ASSIGNMENT, "--force", f"--CourseDirectory.notebook_id={SLUG}"],
                         course)
        time.sleep(1.5)  # a process left behind would have rewritten the scores by now

        scores = _scores(course, students)
        assert scores["fair"][0] == scores["fair"][1] > 0, scores
        for student in ATTACKS:
            assert scores[student][0] == 0, f"{student} ends at {scores[student]}"
        assert _snapshot(course) == before, "a kernel changed the course outside its scratch folder"
        assert (course / "autograded" / "forger_reader" / ASSIGNMENT / "matplotlib.py").exists()
        assert not list(course.rglob("leaked-*")), "a kernel wrote into the course"
        reader = (course / "autograded" / "forger_reader" / ASSIGNMENT / f"{SLUG}.ipynb").read_text()
        assert "BEGIN SOLUTION" not in reader and "sigma_hat = np.sqrt" not in reader, \
            "the kernel read a solution or a classmate's notebook"
        assert "'HOME'" in reader and TOKEN[1] not in reader, "the kernel saw the instructor's environment"
        feedback = (course / "feedback" / "forger_reader" / ASSIGNMENT / f"{SLUG}.html").read_text()
        assert "sigma_hat = np.sqrt" not in feedback
    finally:
        for pid in _marked_processes():
            os.kill(pid, signal.SIGKILL)
