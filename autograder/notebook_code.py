"""The code of a notebook submission, as every grader reads it.

A notebook is graded as the module its cells define: the code cells in
order, without test cells (nbgrader's "autograder tests", which the grader
replaces by its own checks), without the cells tagged ``demo`` (plots and
experiments that call the student's functions) and without IPython magics
and shell lines. nbgrader's hidden cells and the batch grader both use this
function, so a notebook earns the same points either way.
"""

from __future__ import annotations

import json
from pathlib import Path

#: Tag of the notebook cells that only demonstrate (never graded, never imported).
DEMO_TAG = "demo"


def is_test_cell(cell: dict) -> bool:
    grading = cell.get("metadata", {}).get("nbgrader", {})
    return bool(grading.get("grade")) and not grading.get("solution")


def is_demo_cell(cell: dict) -> bool:
    return DEMO_TAG in cell.get("metadata", {}).get("tags", [])


def _cell_text(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def cell_code(source: str) -> str:
    """One cell's Python: a cell magic drops the cell, line magics and shell lines drop the line."""
    if source.lstrip().startswith("%%"):
        return ""
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))


def notebook_code(notebook: dict | str | Path) -> str:
    """The module text of a notebook (a dict as read from JSON, or a path)."""
    if not isinstance(notebook, dict):
        notebook = json.loads(Path(notebook).read_text(encoding="utf-8"))
    parts = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code" or is_test_cell(cell) or is_demo_cell(cell):
            continue
        code = cell_code(_cell_text(cell)).strip("\n")
        if code.strip():
            parts.append(code)
    return "\n\n\n".join(parts) + "\n"
