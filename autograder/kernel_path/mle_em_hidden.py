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
    if result.get("points"):  # a derivation right up to the step that breaks keeps a share
        points += f", {result['points']:g} kept"
    _show_math(result.get("math", []))
    raise HiddenCheckFailed(f"Hidden check failed ({points}): {result['title']}", result["message"])


def _show_math(items):
    """Show the expressions a failed check names (a derivation's broken steps) as mathematics.

    The LaTeX was printed by the grading process from the rebuilt expression and allow-listed
    there; labels are the grader's own ("step 3", "your answer")."""
    shown = [item for item in items if isinstance(item, list) and len(item) == 3 and item[2]]
    if not shown:
        return
    try:
        from IPython.display import Math, display
    except ImportError:  # run outside a notebook: the message's plain text says it all
        return
    for label, _mathml, latex in shown:
        plain = "".join(c for c in str(label) if c.isalnum() or c in " /")
        display(Math(r"\text{%s:}\quad %s" % (plain, latex)))
