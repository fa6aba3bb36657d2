"""The grading process behind the notebooks' hidden test cells.

    python -m autograder.nbgrader_cells NOTEBOOK --slug SLUG

extracts the notebook's code exactly as the batch grader does (``notebook_code``),
runs every hidden check of the exercise on it through the sandbox and prints
the results as JSON. It is started by the kernel hook
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

from .notebook_code import notebook_code



def submission_code(notebook: Path) -> str:
    """The notebook's code exactly as the batch grader extracts it."""
    code, _notes = notebook_code(Path(notebook).read_bytes())
    return code


def grade_notebook(notebook: Path, slug: str, zygote=None) -> dict:
    """{"status", "message", "points", "max_points", "checks": {name: result}} for one notebook."""
    from .grading import grade_module
    from .sandbox import Limits, Zygote
    from .sandbox.isolation import IsolationUnavailable, from_environment, require

    try:
        isolation = from_environment()
        require(isolation)
    except IsolationUnavailable as exc:
        return {"exercise": slug, "status": "refused", "message": str(exc), "points": 0,
                "max_points": 0, "checks": {}, "isolation": None}
    own = zygote is None
    zygote = zygote or Zygote()
    try:
        with tempfile.TemporaryDirectory(prefix="nbgrader-cells-") as scratch:
            module = Path(scratch) / f"{slug}.py"
            module.write_text(submission_code(notebook))
            result = grade_module(slug, module, zygote, limits=Limits(isolation=isolation))
    finally:
        if own:
            zygote.close()
    return {
        "exercise": slug, "status": result.status, "message": result.message,
        "points": result.points, "max_points": result.max_points,
        "checks": {r.name: r.to_dict() for r in result.results}, "isolation": isolation,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.nbgrader_cells", description=__doc__)
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--slug", required=True, help="the exercise the notebook answers")
    args = parser.parse_args(argv)
    json.dump(grade_notebook(args.notebook, args.slug), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
