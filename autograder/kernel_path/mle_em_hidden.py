"""The one-line hidden test cells of the nbgrader notebooks call ``hidden_check``.

This file is the only code of the course a notebook kernel imports, and it holds no
check and no result: the kernel holds the student's code. The hidden checks are graded
in nbgrader's own process after the kernel ran (``GradeHiddenCells`` in
``autograder/routes/nbgrader_preprocessors.py``), and their outputs replace whatever
this cell showed. Under ``nbgrader autograde`` the cell therefore fails here, so that a
course config without that preprocessor scores 0 instead of a pass the kernel could
forge; elsewhere (an instructor's ``nbgrader validate`` of the source notebooks) it
passes with one line saying where the check is graded.
"""

import os


class HiddenCheckPending(AssertionError):
    """Shown in the notebook as its message only."""

    def _render_traceback_(self):
        return [str(line) for line in self.args]


def hidden_check(slug, name):
    """Say where the hidden check ``name`` of exercise ``slug`` is graded."""
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        raise HiddenCheckPending(f"The hidden check {name} is graded by the course's grader after this notebook "
                                 "ran; its result replaces this output.")
    print(f"Hidden check {name} of {slug}: graded by the course's grader when the notebook is autograded.")
