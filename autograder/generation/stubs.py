"""Recognise the stub a student was handed out, untouched.

The release bundle holds, for every exercise, a ``.py`` stub and a notebook.
A student who works in the notebooks hands both back; the untouched stub
beside a completed notebook must not be what is graded. A file counts as
untouched when its code is the released stub's (compared as syntax trees, so
whitespace, line endings and comments do not matter), or when it implements
none of the exercise's functions (each body still only raises
``NotImplementedError``, as the stubs do).
"""

from __future__ import annotations

import ast
import json
from functools import cache

from .build import strip_solutions
from ..core.manifest import SOURCE, exercise
from ..core.notebook_code import NotebookError, notebook_code

#: The assignment folder of the nbgrader source notebooks (``notebooks.ASSIGNMENT``).
ASSIGNMENT = "mle_em"


def _shape(code: str) -> str | None:
    """The code's syntax tree as text (None when Python cannot read it)."""
    try:
        return ast.dump(ast.parse(code))
    except (SyntaxError, ValueError):
        return None


@cache
def released_stubs(slug: str) -> frozenset[str]:
    """Syntax trees of the stub code handed out: the ``.py`` stub, and the released notebook's code.

    The released notebook is the source notebook with nbgrader's rule applied
    to every cell (solutions cleared); grading reads it through
    ``notebook_code`` like any notebook. Where the source notebooks are not
    shipped (the Gradescope bundle), only the ``.py`` stub is known.
    """
    shapes = {_shape(strip_solutions(exercise(slug).solution_path.read_text()))}
    source = SOURCE / ASSIGNMENT / f"{slug}.ipynb"
    if source.is_file():
        notebook = json.loads(source.read_text(encoding="utf-8"))
        for cell in notebook.get("cells", []):
            if cell.get("cell_type") == "code":
                text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
                cell["source"] = strip_solutions(text)
        try:
            shapes.add(_shape(notebook_code(json.dumps(notebook).encode())[0]))
        except NotebookError:
            pass
    return frozenset(s for s in shapes if s is not None)


def _raises_not_implemented(statement: ast.stmt) -> bool:
    if not isinstance(statement, ast.Raise) or statement.exc is None:
        return False
    target = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
    return isinstance(target, ast.Name) and target.id == "NotImplementedError"


def _is_stub_body(body: list[ast.stmt]) -> bool:
    """A docstring, then nothing but ``pass``/``...`` and a ``raise NotImplementedError``."""
    statements = [s for s in body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
                  and not isinstance(s, ast.Pass)]
    return len(statements) == 1 and _raises_not_implemented(statements[0])


def implemented_functions(code: str, slug: str) -> list[str]:
    """The exercise functions that ``code`` defines with a body of its own (not the stub's)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return []
    wanted = set(exercise(slug).functions)
    return [node.name for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in wanted
            and not _is_stub_body(node.body)]


def is_untouched_stub(code: str, slug: str) -> bool:
    """True when ``code`` is the released stub of ``slug``, or implements none of its functions.

    A file Python cannot read is not a stub: it was edited, and its error is
    what the student must be told.
    """
    shape = _shape(code)
    if shape is None:
        return False
    return shape in released_stubs(slug) or not implemented_functions(code, slug)
