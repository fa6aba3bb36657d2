"""The one-line hidden test cells of the nbgrader notebooks call ``hidden_check``.

This file is the only grading code the notebook's kernel imports, and it holds
no check: the kernel also holds the student's code. The first hidden cell of a
notebook asks a separate grading process (``python -m autograder.routes.nbgrader_cells``)
to grade the notebook file through the sandbox, exactly as the batch grader
would; later cells read the cached result. nbgrader's config puts this folder,
and only this folder, on the kernel's path.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

COURSE_ROOT = Path(os.environ.get("MLE_EM_COURSE_ROOT") or Path(__file__).resolve().parents[2])
#: Seconds the grading process may take for one notebook (its checks have their own limits).
GRADING_TIMEOUT = 900

_results = {}


class HiddenCheckFailed(AssertionError):
    """Shown in the notebook as its message only: no traceback into the grader."""

    def _render_traceback_(self):
        return [str(line) for line in self.args]


def _grade(slug):
    notebook = Path.cwd() / f"{slug}.ipynb"
    if not notebook.exists():
        raise HiddenCheckFailed(f"Hidden checks need the notebook {slug}.ipynb in this folder; it is missing.")
    key = (str(notebook), notebook.stat().st_mtime_ns)
    if key not in _results:
        command = [sys.executable, "-m", "autograder.routes.nbgrader_cells", str(notebook), "--slug", slug]
        process = subprocess.run(command, cwd=COURSE_ROOT, capture_output=True, text=True,
                                 timeout=GRADING_TIMEOUT)
        try:
            _results[key] = json.loads(process.stdout)
        except ValueError:
            raise HiddenCheckFailed(
                "The grader could not run the hidden checks (this is not your mistake; "
                "your teaching staff will look at it).") from None
    return _results[key]


def hidden_check(slug, name):
    """Pass if the hidden check ``name`` of exercise ``slug`` passed; else fail with its message."""
    graded = _grade(slug)
    if graded.get("status") == "refused":  # the sandbox cannot confine student code on this machine
        raise HiddenCheckFailed("The grader refused to run the hidden checks here "
                                "(not your mistake; tell your teaching staff).", graded.get("message", ""))
    result = graded["checks"].get(name)
    if result is None:
        raise HiddenCheckFailed(f"The hidden check {name} is unknown to the grader (not your mistake).")
    points = f"{result['max_points']:g} point{'s' if result['max_points'] != 1 else ''}"
    if result["status"] == "passed":
        print(f"Hidden check passed ({points}): {result['title']}")
        return None
    raise HiddenCheckFailed(f"Hidden check failed ({points}): {result['title']}", result["message"])
