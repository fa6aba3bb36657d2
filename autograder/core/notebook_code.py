"""The code of a notebook submission, as every grader reads it.

A notebook is graded as the module its cells define: the code cells in
order, without test cells (nbgrader's "autograder tests", which the grader
replaces by its own checks), without the cells tagged ``demo`` (plots and
experiments that call the student's functions) and without IPython magics
and shell lines. nbgrader's hidden cells and the batch grader both use this
function, so a notebook earns the same points either way.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field

from . import student_source
from .load_errors import CELL_MARKER, show_line

#: Tag of the notebook cells that only demonstrate (never graded, never imported).
DEMO_TAG = "demo"


def is_test_cell(cell: dict) -> bool:
    grading = cell.get("metadata", {}).get("nbgrader", {})
    return bool(grading.get("grade")) and not grading.get("solution")


def is_demo_cell(cell: dict) -> bool:
    return DEMO_TAG in cell.get("metadata", {}).get("tags", [])


class NotebookError(ValueError):
    """A notebook that cannot be read as one."""


_MAGIC = re.compile(r"^\s*(%|!)")
_SHELL_ASSIGNMENT = re.compile(r"^\s*[A-Za-z_][\w, ]*=\s*(!|%)")
_HELP = re.compile(r"^\s*[\w.]+\?{1,2}\s*$")


def notebook_code(data: bytes) -> tuple[str, list[str]]:
    """The code cells of a notebook, in order, as one module; plus notes for the student.

    IPython-only lines (``%magic``, ``%%cell magic``, ``!shell``, ``x = !cmd``,
    ``obj?``) are dropped, since plain Python cannot run them. nbgrader's test
    cells and the cells tagged ``demo`` are left out (``notebook_code`` decides
    which, for both graders): the grader runs its own checks.
    """
    read = read_notebook(data)
    return read.code, ([read.broken_note] if read.broken_note else []) + read.notes


@dataclass
class NotebookCode:
    """A notebook read as a module: ``code``; ``notes`` for the student; the cells Python could not
    read, as one line (``broken_note``) and with each bad line and its caret (``broken``)."""

    code: str
    notes: list[str] = field(default_factory=list)
    broken_note: str = ""
    broken: str = ""


def read_notebook(data: bytes) -> NotebookCode:
    """``notebook_code``, keeping apart the cells that do not compile (the batch feedback shows
    them first, with the line and a caret). Each piece of the module starts with a
    ``load_errors.CELL_MARKER`` comment, so an error's line maps back to its cell."""
    try:
        notebook = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise NotebookError(f"it is not valid JSON: {exc}") from None
    except (RecursionError, MemoryError):
        raise NotebookError("its JSON nests lists or objects too deeply for the grader to read "
                            "(a notebook Jupyter saves nests five levels)") from None
    if not isinstance(notebook, dict):
        raise NotebookError("it is not a notebook document")
    cells = notebook.get("cells")
    if cells is None and isinstance(notebook.get("worksheets"), list):  # nbformat 3
        cells = [c for ws in notebook["worksheets"] if isinstance(ws, dict) for c in ws.get("cells", [])]
    if not isinstance(cells, list):
        raise NotebookError("it has no list of cells")
    chunks, dropped, tests, broken, shown = [], 0, 0, [], []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        if _left_out(cell):
            tests += 1
            continue
        source = cell.get("source", cell.get("input", ""))
        if isinstance(source, list):
            source = "".join(str(s) for s in source)
        if not isinstance(source, str):
            continue
        lines = source.splitlines()
        first_line = 1
        if lines and lines[0].lstrip().startswith("%%"):
            dropped += 1
            magic = lines[0].split()[0]
            lines, first_line = (lines[1:], 2) if magic in ("%%time", "%%timeit", "%%capture") else ([], 1)
        kept = []
        for line in lines:
            if _MAGIC.match(line) or _SHELL_ASSIGNMENT.match(line) or _HELP.match(line):
                dropped += 1
                indent = line[: len(line) - len(line.lstrip())]
                kept.append(f"{indent}pass  # (IPython-only line dropped)" if indent else "")
            else:
                kept.append(line)
        try:
            chunks.append(_guard_cell("\n".join(kept), number, first_line))
        except CellTooDeep as exc:
            broken.append(f"cell {number} (it nests expressions too deeply for the grader to read)")
            shown.append(f"Cell {number}: {exc}")
        except SyntaxError as exc:
            broken.append(f"cell {number} (line {(exc.lineno or 1) + first_line - 1}: {exc.msg})")
            if exc.lineno and 1 <= exc.lineno <= len(kept):
                end = exc.end_offset if exc.end_lineno == exc.lineno else None
                shown.append(f"Cell {number}, line {exc.lineno + first_line - 1}: {exc.msg}\n"
                             f"{show_line(kept[exc.lineno - 1], exc.offset, end)}")
            else:
                shown.append(f"Cell {number}: {exc.msg}")
    notes = []
    if dropped:
        notes.append(f"{dropped} IPython-only line(s) of your notebook (magics such as %matplotlib, "
                     f"or ! shell commands) were left out: the grader runs plain Python.")
    if tests:
        notes.append(f"{tests} test or demo cell(s) of the notebook were left out: the grader runs "
                     f"its own checks on your functions.")
    result = NotebookCode("\n\n".join(chunks) + "\n", notes)
    if broken:
        result.broken_note = ("Python could not read " + ", ".join(broken) + " of your notebook; "
                              "those cells were left out, so functions defined there count as missing.")
        result.broken = ("Python could not read " + ("this cell" if len(broken) == 1 else "these cells")
                         + " of your notebook: " + ("it was" if len(broken) == 1 else "they were")
                         + " left out, so functions defined there count as missing.\n"
                         + "\n".join(shown))
    return result


def _left_out(cell: dict) -> bool:
    """nbgrader's test cells and demo cells (the same cells nbgrader's route leaves out)."""
    try:
        return bool(is_test_cell(cell) or is_demo_cell(cell))
    except (AttributeError, TypeError):  # metadata of the wrong shape: an ordinary cell
        return False


class CellTooDeep(ValueError):
    """A cell nesting expressions deeper than the grader reads (``student_source.MAX_NESTING``)."""


def _guard_cell(code: str, number: int = 0, first_line: int = 1) -> str:
    """A cell's definitions as written; its other statements wrapped so an error skips only them.

    In Jupyter an error in one cell does not undo the cells after it; a
    module stops at its first error. Wrapping the cell's loose statements
    (demo plots, calls of functions not written yet) in ``try`` keeps the
    functions of a half-finished notebook gradable. Each piece starts with a
    marker naming cell ``number`` and the line it starts at (``first_line``: the
    cell's line of ``code``'s first line).
    """
    try:
        tree = ast.parse(code)
    except (RecursionError, MemoryError):
        raise CellTooDeep(student_source.nesting_problem(code, "notebook cell")) from None
    if student_source.nesting(tree) > student_source.MAX_NESTING:
        raise CellTooDeep(student_source.nesting_problem(code, "notebook cell"))
    lines = code.splitlines()
    out: list[str] = []
    loose: list[ast.stmt] = []

    def marker(lineno: int) -> str:
        return CELL_MARKER.format(cell=number, line=lineno + first_line - 1)

    def flush() -> None:
        if loose:
            guard = ast.Try(body=list(loose), handlers=[ast.ExceptHandler(
                type=ast.Name("Exception", ast.Load()), name=None, body=[ast.Pass()])],
                orelse=[], finalbody=[])
            out.append(marker(loose[0].lineno - 1))  # its "try:" line, then the statements
            out.append(ast.unparse(ast.fix_missing_locations(ast.Module([guard], []))))
            loose.clear()

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            flush()
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            out.append(marker(start))
            out.append("\n".join(lines[start - 1: node.end_lineno]))
        else:
            loose.append(node)
    flush()
    return "\n".join(out)
