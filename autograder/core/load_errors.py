"""Where a file that does not load breaks: the line, shown with a caret under the fault.

A file that cannot be imported (a syntax error, an import or name error at the
top level) costs its whole exercise, so its message must let the student find
the fault at once: the file, the line (for a notebook, the cell and the line in
that cell), that one line and a caret. Nothing of the file beyond that line is
shown. A syntax error is located by compiling the source here (compiling runs
nothing); a runtime error by the line number of the innermost frame of the
student's file that the sandbox reported, whose text is read from the grading
process's own copy of the file, never taken from the child.

Notebooks are graded as one module built from their cells
(``notebook_code``): each piece of it starts with a marker comment naming the
cell and the line it came from, so a module line maps back to the cell.
"""

from __future__ import annotations

import ast
import re

#: The comment ``notebook_code`` puts before each piece of a cell it keeps.
CELL_MARKER = "# [notebook cell {cell}, line {line}]"
_MARKER = re.compile(r"^# \[notebook cell (\d+), line (\d+)\]$")
#: Characters of the offending line shown at most (a minified line must not fill the page).
MAX_LINE_CHARS = 160
_TRACE_LINE = re.compile(r"^line (\d+), in ")


def cell_position(lines: list[str], lineno: int) -> tuple[int, int] | None:
    """(cell, line in that cell) of line ``lineno`` (1-based) of a module built from a notebook;
    None when the module has no cell markers (a .py file)."""
    for index in range(min(lineno, len(lines)) - 1, -1, -1):
        match = _MARKER.match(lines[index])
        if match:
            return int(match.group(1)), int(match.group(2)) + (lineno - index - 2)
    return None


def show_line(text: str, start: int | None = None, end: int | None = None) -> str:
    """``text`` indented, and a caret line under columns ``start``..``end`` (1-based; the whole
    statement when not known), as Python's own tracebacks show it."""
    text = text.rstrip("\r\n").expandtabs(4)
    indent = len(text) - len(text.lstrip())
    if start is None or start < 1 or start > len(text) + 1:
        start, end = indent + 1, len(text.rstrip()) + 1
    end = end if end is not None and start < end <= len(text) + 1 else start + 1
    if len(text) > MAX_LINE_CHARS:  # keep the caret in view
        cut = max(0, min(start - 1 - MAX_LINE_CHARS // 2, len(text) - MAX_LINE_CHARS))
        text = ("…" if cut else "") + text[cut: cut + MAX_LINE_CHARS]
        start, end = start - cut + (1 if cut else 0), min(end - cut + (1 if cut else 0), len(text) + 1)
    carets = "^" * max(1, end - start)
    return f"    {text}\n    {' ' * (start - 1)}{carets}"


def where(lines: list[str], lineno: int) -> str:
    """'line 12' for a .py file, 'cell 4, line 2' for a notebook's module."""
    cell = cell_position(lines, lineno)
    return f"cell {cell[0]}, line {cell[1]}" if cell else f"line {lineno}"


def syntax_error_location(source: str) -> str:
    """The line and caret of the first syntax error of ``source`` (compiled, never run); "" if
    it compiles or cannot be located."""
    try:
        ast.parse(source)
    except SyntaxError as exc:
        lines = source.splitlines()
        if not exc.lineno or not 1 <= exc.lineno <= len(lines):
            return ""
        end = exc.end_offset if exc.end_lineno == exc.lineno else None
        return f"At {where(lines, exc.lineno)}:\n{show_line(lines[exc.lineno - 1], exc.offset, end)}"
    except (ValueError, RecursionError, MemoryError):  # null bytes, absurd nesting
        return ""
    return ""


def load_error_location(source: str, kind: str, trace: list[str]) -> str:
    """Where an import failed, as lines for the student: the place, the line and its caret."""
    if kind in ("SyntaxError", "IndentationError", "TabError"):
        return syntax_error_location(source)
    lines = source.splitlines()
    numbers = [int(m.group(1)) for m in (_TRACE_LINE.match(str(t)) for t in trace) if m]
    numbers = [n for n in numbers if 1 <= n <= len(lines)]
    if not numbers:
        return ""
    innermost = numbers[-1]
    text = f"At {where(lines, innermost)}:\n{show_line(lines[innermost - 1])}"
    callers = [where(lines, n) for n in numbers[:-1]]
    if callers:
        text += "\n(reached from " + ", then ".join(callers) + ")"
    return text
