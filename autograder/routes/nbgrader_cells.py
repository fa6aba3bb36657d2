"""The grading process behind the notebooks' hidden test cells.

    python -m autograder.routes.nbgrader_cells NOTEBOOK --slug SLUG

grades the notebook exactly as the batch grader does (``student.grade_exercise``:
the same file checks, code extraction, policy, sandbox and checks) and prints
the exercise's record as JSON. It is started by the kernel hook
(``autograder/kernel_path/mle_em_hidden.py``) in its own process, so the
checks and the reference never share a process with the student's code.
Like every route, it refuses to run student code where the kernel layers of
the sandbox do not hold, unless ``AUTOGRADER_ISOLATION=audit-hook-only``.
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
