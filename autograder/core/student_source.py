"""Reading a student's source on the grading side: any encoding Python accepts, any shape.

The grading process parses student source (the forbidden-routine scan, the
call graph, the place of a syntax error) but never runs it. Whatever the file
holds must end in a message for the student, never in a grader error: a
coding cookie (PEP 263) is honoured as Python honours it, and a file that
nests expressions deeper than the grader reads (3,000 chained additions make
``ast.parse`` raise ``RecursionError``) is the student's to fix, said plainly.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections import OrderedDict

#: Levels of nesting the grader reads (an expression inside an expression, a block inside a
#: block): hand-written code stays far below, and the grader's own tree walks stay within the
#: interpreter's recursion limit.
MAX_NESTING = 300


def decode_source(data: bytes) -> str:
    """``data`` as text, in the encoding its coding cookie (or byte-order mark) names, as Python
    reads it; UTF-8 with undecodable bytes replaced when that fails (Python then reports it)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding).removeprefix("\ufeff")
    except (SyntaxError, LookupError, UnicodeDecodeError, ValueError):
        return data.decode("utf-8", errors="replace").removeprefix("\ufeff")


def parse(source: str) -> ast.Module | None:
    """The syntax tree of ``source``; None when it cannot be parsed, for whatever reason
    (a syntax error, a null byte, nesting beyond the parser's recursion, memory).

    The tree may be shared with other readers of the same source: read it, never change it."""
    return _read(source)[0]


def depth(source: str) -> int:
    """How deeply the nodes of ``source``'s tree nest (0 when it cannot be parsed)."""
    return _read(source)[1]


#: Trees of the sources read last, by their text: a student's file is read by the
#: forbidden-routine scan and the call graph of its own exercise, and as a sibling of each of the
#: student's other exercises; parsing and walking it once per student, not once per reader and
#: exercise, was a tenth of the grading process's time (docs/performance.md).
_TREES: OrderedDict[str, tuple[ast.Module | None, int, str]] = OrderedDict()
_KEEP = 12
#: Characters of a source whose tree is kept: hand-written files are far smaller, and a file of
#: megabytes (a hostile one, say) makes a tree of gigabytes, made again by each reader rather than kept.
_KEEP_CHARACTERS = 256 << 10


def _read(source: str) -> tuple[ast.Module | None, int, str]:
    """(tree or None, nesting depth, why it could not be parsed: "" / "syntax" / "too deep")."""
    if source in _TREES:
        _TREES.move_to_end(source)
        return _TREES[source]
    try:
        tree = ast.parse(source)
        read = (tree, nesting(tree), "")
    except (RecursionError, MemoryError):
        return None, 0, "too deep"  # not kept: memory may be there the next time
    except (SyntaxError, ValueError, OverflowError):
        read = (None, 0, "syntax")
    if len(source) > _KEEP_CHARACTERS:
        return read
    _TREES[source] = read
    while len(_TREES) > _KEEP:
        _TREES.popitem(last=False)
    return read


def nesting(tree: ast.AST) -> int:
    """How deeply ``tree``'s nodes nest, counted without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


#: Tokens of the OP type that chain nothing (brackets nest, but Python refuses 200 of them itself).
_NOT_OPERATORS = frozenset(",:;=.()[]{}") | {"->", ":="}


def _longest_statement(source: str) -> tuple[int, int]:
    """(line, operators) of the statement with the most of them: where a file too deep for the
    parser to build nests, estimated from its tokens (which never recurse)."""
    best, line, count, start = (0, 0), 0, 0, 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                best = max(best, (count, start))
                count, start = 0, 0
            elif token.type == tokenize.OP and token.string not in _NOT_OPERATORS:
                count += 1
                start = start or token.start[0]
    except (tokenize.TokenError, SyntaxError, ValueError, MemoryError, RecursionError):
        pass
    best = max(best, (count, start))
    return best[1], best[0]


def nesting_problem(source: str, name: str) -> str:
    """The message for a file that nests too deeply for the grader to read, or "" when it is fine
    (a syntax error is not this function's: Python reports it, with its line, when the file loads)."""
    tree, deepest_level, failure = _read(source)
    if failure == "too deep":
        line, operators = _longest_statement(source)
        where = f" (the statement at line {line} chains {operators:,} operators)" if line else ""
        return _too_deep(name, f"more levels than Python's parser can build{where}")
    if tree is None or deepest_level <= MAX_NESTING:
        return ""
    deepest = _deepest_line(tree)
    where = f" at line {deepest}" if deepest else ""
    return _too_deep(name, f"{deepest_level:,} levels{where}")


def _deepest_line(tree: ast.AST) -> int:
    deepest, line, stack = 0, 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > deepest and getattr(node, "lineno", None):
            deepest, line = depth, node.lineno
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return line


def _too_deep(name: str, how: str) -> str:
    return (f"Your {name} nests expressions too deeply for the grader to read: {how}, where the "
            f"grader reads at most {MAX_NESTING}. Write a long sum or product in parts (a loop, "
            f"np.sum, intermediate variables), so this exercise can be graded.")
