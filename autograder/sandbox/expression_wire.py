"""SymPy expressions as plain trees, so that they can cross the sandbox boundary.

A SymPy object returned by a student cannot travel as itself: unpickling or
``sympify``-ing it in the grading process would run code the student chose.
This module, loaded by the child beside the wire, turns it into nested JSON
lists instead, ``[head, child, ...]``:

  ["Symbol", name]            ["Integer", "digits"]        ["Rational", "p", "q"]
  ["Float", "repr"]           ["Pi"]  ["E"]                ["IndexedBase", name]
  [class name, child, ...]    every other node: Add, Mul, Pow, log, exp, Abs,
                              Sum, Tuple, Indexed, Idx, Derivative ... as found

The child writes whatever class names it meets and caps only the size; the
grading process (``autograder.core.expression_tree``) validates the tree again and
rebuilds it from an allow-list, never trusting what the child sent.
It imports nothing: the child only reaches for SymPy if the student imported it.
"""

import sys

#: The limits of a SymPy answer, one number each: the child encodes no more, the grader
#: (``autograder.core.expression_tree``) builds no more, the messages and the README quote
#: these (``tests/test_expressions.py`` compares the README with them).
#: Parts (nodes) of one expression, and its nesting.
MAX_NODES = 3_000
MAX_DEPTH = 80
#: Digits of one integer (numerator or denominator) the student writes.
MAX_DIGITS = 40
#: Digits of a power of numbers (2**100 has 31) that the grader lets SymPy compute exactly.
MAX_POWER_DIGITS = 2_000
#: Steps of one derivation the grader checks.
MAX_STEPS = 30
#: Size of an exponent of a symbol (sigma**k) or of a number inside exp (exp(k*log(7)) is 7**k).
MAX_EXPONENT = 10_000
TAG = "__sympy__"


class _TooLarge(Exception):
    pass


def is_expression(value):
    """Whether ``value`` is a SymPy object (only if the student's process imported SymPy)."""
    sympy = sys.modules.get("sympy")
    return sympy is not None and isinstance(value, sympy.Basic)


def encode_expression(value):
    """``{"__sympy__": tree}``, or ``{"__unsupported__": why}`` for a tree too large to send."""
    budget = [MAX_NODES]
    try:
        return {TAG: _tree(value, budget, 0)}
    except _TooLarge as exc:
        return {"__unsupported__": f"a SymPy expression {exc}"}
    except (ValueError, TypeError, AttributeError, RecursionError):
        return {"__unsupported__": "a SymPy object that could not be read as an expression"}


def _tree(expr, budget, depth):
    import sympy

    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge(f"of more than {MAX_NODES} parts")
    if depth > MAX_DEPTH:
        raise _TooLarge(f"nested more than {MAX_DEPTH} levels deep")
    if isinstance(expr, sympy.Symbol):  # Dummy and Wild too: the grader decides
        return ["Symbol", str(expr.name)[:200]]
    if isinstance(expr, sympy.Rational):
        if max(int(expr.p).bit_length(), int(expr.q).bit_length()) > MAX_DIGITS * 3.33 + 4:
            raise _TooLarge(f"holding an integer of more than {MAX_DIGITS} digits; the exercise needs "
                            f"small numbers only")
        if isinstance(expr, sympy.Integer):
            return ["Integer", str(int(expr))]
        return ["Rational", str(int(expr.p)), str(int(expr.q))]
    if isinstance(expr, sympy.Float):
        return ["Float", repr(float(expr))]
    if expr is sympy.pi:
        return ["Pi"]
    if expr is sympy.E:
        return ["E"]
    if isinstance(expr, sympy.IndexedBase):
        return ["IndexedBase", str(expr.label)[:200]]
    if not isinstance(expr, sympy.Basic):
        return ["Object", type(expr).__name__[:100]]
    return [type(expr).__name__[:100]] + [_tree(arg, budget, depth + 1) for arg in expr.args]


class ExpressionTree:
    """What the grading process receives for a SymPy object: the plain tree, unbuilt.

    ``autograder.core.expression_tree.build`` validates it and rebuilds the expression.
    """

    def __init__(self, tree):
        self.tree = tree

    def __repr__(self):
        return "<a SymPy expression>"


def decode_expression(data):
    """The parent's side of ``encode_expression``: keep the tree as plain data."""
    return ExpressionTree(data[TAG])
