"""The grading behind the notebooks' hidden test cells, in nbgrader's own process.

``grade_notebook`` grades a notebook exactly as the batch grader does
(``student.grade_exercise``: the same file checks, code extraction, policy, sandbox
and checks); ``hidden_cell_outputs`` turns one check of that record into the outputs
of its hidden test cell. The course config's ``GradeHiddenCells`` preprocessor
(``nbgrader_preprocessors.py``) calls both after the notebook's kernel ran, before
nbgrader's ``SaveAutoGrades`` reads the outputs: the kernel, which holds the student's
code, never holds a check, a reference or a hidden cell's result.

    python -m autograder.routes.nbgrader_cells NOTEBOOK --slug SLUG

prints the same record as JSON. Like every route, it refuses to run student code where
the kernel layers of the sandbox do not hold, unless ``AUTOGRADER_ISOLATION=audit-hook-only``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from ..core.notebook_code import notebook_code


def submission_code(notebook: Path) -> str:
    """The notebook's code exactly as the batch grader extracts it."""
    code, _notes = notebook_code(Path(notebook).read_bytes())
    return code


def grade_notebook(notebook: Path, slug: str, keeper=None) -> dict:
    """The exercise record of one notebook as JSON (``ExerciseRecord.to_dict``, what the batch
    grader writes), plus ``checks`` by name and the isolation, for the kernel's hidden cells.

    Graded by ``student.grade_exercise`` under the batch grader's policy (isolation as
    exported): the same file checks, extraction, limits and budget as ``python -m
    autograder grade``. The student's other exercise files in the notebook's folder are
    its siblings, as in batch.
    """
    from ..core.grading import all_slugs
    from ..core.policy import exported
    from ..sandbox.isolation import IsolationUnavailable, require
    from ..core.student import ZygoteKeeper, grade_exercise
    from ..core.submissions import find_student_files

    own = keeper is None
    if own:  # the zygote imports the stack while this process imports the checks
        keeper = ZygoteKeeper()
        keeper.start_in_background()
    try:
        policy = exported()
        require(policy.isolation)
    except IsolationUnavailable as exc:
        if own:
            keeper.close()
        return {"exercise": slug, "status": "refused", "message": str(exc), "points": 0,
                "max_points": 0, "results": [], "checks": {}, "isolation": None}
    notebook = Path(notebook).resolve()
    submission = find_student_files(notebook.parent, all_slugs(), student="notebook", depth=0)
    submission.files[slug] = notebook  # the notebook the kernel runs, whatever lies beside it
    submission.problems.pop(slug, None)
    try:
        with tempfile.TemporaryDirectory(prefix="nbgrader-cells-") as scratch:
            record = grade_exercise(submission, slug, keeper, Path(scratch), policy=policy)
    finally:
        if own:
            keeper.close()
    data = record.to_dict()
    data["checks"] = {r["name"]: r for r in data["results"]}
    data["isolation"] = policy.isolation
    return data


def _points(value: float) -> str:
    return f"{value:g} point{'s' if value != 1 else ''}"


def error_output(title: str, message: str = "") -> dict:
    """A failed hidden cell: its lines only, no traceback into the grader (nbgrader scores it 0)."""
    lines = [line for line in (title, message) if line]
    return {"output_type": "error", "ename": "HiddenCheckFailed", "evalue": message or title, "traceback": lines}


def hidden_cell_outputs(result: dict | None, name: str) -> list[dict]:
    """The outputs of the hidden cell of check ``name``, from its result in the record.

    nbgrader's ``determine_grade`` reads them: a passed check is one line (full marks); a
    failed one is an error (0) or, when a derivation keeps a share up to the step that breaks,
    its message, the steps around the break as mathematics and the kept points as the cell's
    result (nbgrader's partial credit)."""
    if result is None:
        return [error_output(f"The hidden check {name} is unknown to the grader (not your mistake; "
                             "your teaching staff will look at it).")]
    heading = f"({_points(result['max_points'])}): {result['title']}"
    if result["status"] == "passed":
        return [{"output_type": "stream", "name": "stdout", "text": f"Hidden check passed {heading}\n"}]
    math = [{"output_type": "display_data", "metadata": {},
             "data": {"text/latex": r"$\displaystyle \text{%s:}\quad %s$" % (
                          "".join(c for c in str(label) if c.isalnum() or c in " /"), latex),
                      "text/plain": f"{label}: {latex}"}}
            for label, _mathml, latex in (item for item in result.get("math") or []
                                          if isinstance(item, list) and len(item) == 3 and item[2])]
    kept = result.get("points") or 0
    if kept:
        text = (f"Hidden check failed ({_points(result['max_points'])}, {kept:g} kept): {result['title']}\n"
                f"{result['message']}\n")
        return [{"output_type": "stream", "name": "stdout", "text": text}, *math,
                {"output_type": "execute_result", "execution_count": None, "metadata": {},
                 "data": {"text/plain": f"{kept:g}"}}]
    return [*math, error_output(f"Hidden check failed {heading}", result["message"])]


def refused_outputs(graded: dict) -> list[dict]:
    """Every hidden cell when the grader would not run student code here (kernel layers missing)."""
    return [error_output("The grader refused to run the hidden checks here (not your mistake; "
                         "tell your teaching staff).", graded.get("message", ""))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.routes.nbgrader_cells", description=__doc__)
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--slug", required=True, help="the exercise the notebook answers")
    args = parser.parse_args(argv)
    json.dump(grade_notebook(args.notebook, args.slug), sys.stdout)
    return 0


if __name__ == "__main__":
    from .quick_exit import leave

    leave(main())
