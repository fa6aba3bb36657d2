"""Rebuild a student's SymPy expression from its plain tree, by an allow-list.

The child sends every SymPy object as nested lists (``sandbox/expression_wire.py``).
Here, in the grading process, that tree is untrusted data: it is measured
before anything is built (parts, nesting, digits of every number), then
rebuilt node by node from the allow-list below. Nothing the student wrote is
ever given to ``sympify``, ``parse_expr``, ``eval`` or ``S(string)``: those
run code. Symbols are looked up by name among the exercise's own symbols (so
the grader's assumptions, σ > 0 and n a positive integer, always apply);
a name the exercise does not have is allowed only as the index of a ``Sum``.

Nothing is evaluated while it is rebuilt: every node is made with SymPy's
evaluation off, so ``exp(10**39*log(7))`` stays that (evaluated, SymPy would
compute 7**(10**39) exactly, for ever, with the GIL held). Then every part
without a symbol is valued in bounded arithmetic (``equivalence``), and an
exponent beyond ``MAX_EXPONENT`` or a power of numbers beyond
``MAX_POWER_DIGITS`` digits is refused. Only a tree that passed is evaluated
by SymPy (so the grader's assumptions apply, as in the reference).
The limits are the wire's (``sandbox/expression_wire.py``): one number each.
"""

from __future__ import annotations

import math
import re

import sympy

from ..sandbox.expression_wire import MAX_DEPTH, MAX_DIGITS, MAX_EXPONENT, MAX_NODES, MAX_POWER_DIGITS

#: Unevaluated derivatives are taken here: a few, of low order (each one can multiply the size).
MAX_DERIVATIVES, MAX_ORDER = 3, 4
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}\Z")
INTEGER = re.compile(r"-?[0-9]{1,%d}\Z" % MAX_DIGITS)
FLOAT = re.compile(r"-?(inf|nan|[0-9]+(\.[0-9]*)?(e[-+]?[0-9]+)?)\Z")

#: Functions and operators a derivation of this lesson needs, by the class name the child sends.
FUNCTIONS = {"log": sympy.log, "exp": sympy.exp, "Abs": sympy.Abs, "sign": sympy.sign}
OPERATORS = {"Add": sympy.Add, "Mul": sympy.Mul}
#: Names of number classes SymPy uses for particular values (all sent as numbers, but
#: a child may label them by class).
NUMBER_HEADS = {"Integer", "Rational", "Float", "Zero", "One", "NegativeOne", "Half"}
ALLOWED = (set(FUNCTIONS) | set(OPERATORS) | NUMBER_HEADS
           | {"Symbol", "Dummy", "Pi", "E", "Exp1", "Pow", "Sum", "Tuple", "Indexed", "IndexedBase", "Idx",
              "Derivative"})


class Refused(ValueError):
    """The tree is not an expression the grader will build; ``str`` says why, for the student."""


def measure(tree) -> None:
    """Refuse a tree that is too large, too deep or malformed, before anything is built."""
    count, derivatives, stack = 0, 0, [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise Refused(f"it has more than {MAX_NODES} parts; the grader builds at most that many. "
                          f"Simplify it (sympy.simplify, sympy.expand) before returning it.")
        if depth > MAX_DEPTH:
            raise Refused(f"it is nested more than {MAX_DEPTH} levels deep; simplify it "
                          f"(sympy.simplify) before returning it.")
        if not isinstance(node, list) or not node or not isinstance(node[0], str):
            raise Refused("it is not a SymPy expression the grader can read.")
        head = node[0]
        if head not in ALLOWED:
            raise Refused(_unknown(head))
        if head == "Derivative":
            derivatives += 1
            if derivatives > MAX_DERIVATIVES:
                raise Refused(f"it holds more than {MAX_DERIVATIVES} unevaluated derivatives: "
                              f"take them with sympy.diff.")
        if head in ("Symbol", "Dummy", "IndexedBase"):
            if len(node) != 2 or not isinstance(node[1], str) or not NAME.match(node[1]):
                raise Refused("it has a symbol whose name is not a plain identifier of at most 40 characters.")
            continue
        if head in NUMBER_HEADS:
            _check_number(node)
            continue
        for child in node[1:]:
            stack.append((child, depth + 1))


def _unknown(head: str) -> str:
    allowed = "log, exp, sqrt, Abs, Sum, +, -, *, /, ** and the numbers pi and E"
    if head in ("Object",):
        return "it holds something that is not a SymPy expression."
    if head in ("Equality", "Eq", "Unequality", "StrictLessThan", "LessThan", "StrictGreaterThan",
                "GreaterThan"):
        return "it is an equation or an inequality: return the expression itself (the right-hand side)."
    if head in ("Integral",):
        return "it is an unevaluated Integral: no integral is needed here."
    if head in ("Piecewise",):
        return ("it holds a Piecewise (SymPy returns one when it cannot tell which case holds): write "
                "the expression directly with the stub's symbols, whose assumptions settle the case.")
    if head in ("Infinity", "NegativeInfinity", "ComplexInfinity", "NaN"):
        return "it holds an infinite or undefined value (oo, zoo or nan): look for a division by 0."
    if head in ("ImaginaryUnit",):
        return "it holds the imaginary unit I: a log of a negative number or a square root of one?"
    return f"it uses {head}, which the grader does not accept here (it accepts {allowed})."


def _check_number(node: list) -> None:
    head, values = node[0], node[1:]
    if head == "Float":
        if len(values) != 1 or not isinstance(values[0], str) or not FLOAT.match(values[0]):
            raise Refused("it has a malformed decimal number.")
        return
    if head in ("Zero", "One", "NegativeOne", "Half") and not values:
        return
    expected = 2 if head == "Rational" else 1
    if len(values) != expected or not all(isinstance(v, str) for v in values):
        raise Refused("it has a malformed number.")
    for value in values:
        if not INTEGER.match(value):
            raise Refused(f"it holds an integer of more than {MAX_DIGITS} digits; the exercise needs "
                          f"small numbers only.")


def build(tree, symbols: dict[str, sympy.Basic]) -> sympy.Expr:
    """The expression of ``tree`` (after ``measure``), with ``symbols`` standing for their names.

    ``symbols`` maps a name to the exercise's own ``Symbol`` or ``IndexedBase``.
    """
    measure(tree)
    bound = _bound_names(tree)
    expr = _build(tree, symbols, bound)  # each node made with evaluate=False
    if not isinstance(expr, sympy.Expr):
        raise Refused("it is not an algebraic expression.")
    _check_sizes(expr)
    expr = _evaluated(expr)
    if expr.has(sympy.Derivative):
        expr = _evaluate_derivatives(expr)
    return expr


def _bound_names(tree) -> set[str]:
    """Names used as the index of a Sum: the only names that need not be the exercise's."""
    names, stack = set(), [tree]
    while stack:
        node = stack.pop()
        if node[0] == "Sum":
            for limits in node[2:]:
                if isinstance(limits, list) and len(limits) > 1 and limits[0] == "Tuple":
                    index = limits[1]
                    if index[0] in ("Symbol", "Dummy"):
                        names.add(index[1])
                    elif index[0] == "Idx" and len(index) > 1 and index[1][0] == "Symbol":
                        names.add(index[1][1])
        if node[0] not in NUMBER_HEADS and node[0] not in ("Symbol", "Dummy", "IndexedBase"):
            stack.extend(node[1:])
    return names


def _build(node: list, symbols: dict, bound: set[str]):
    head, children = node[0], node[1:]
    if head in ("Symbol", "Dummy"):
        return _symbol(children[0], symbols, bound)
    if head == "IndexedBase":
        base = symbols.get(children[0])
        if not isinstance(base, sympy.IndexedBase):
            known = ", ".join(sorted(k for k, v in symbols.items() if isinstance(v, sympy.IndexedBase)))
            raise Refused(f"it uses the indexed symbol {children[0]}[...], which the stub does not "
                          f"define (its indexed symbols are {known}).")
        return base
    if head in NUMBER_HEADS:
        return _number(head, children)
    if head == "Pi":
        return sympy.pi
    if head in ("E", "Exp1"):
        return sympy.E
    args = [_build(child, symbols, bound) for child in children]
    if head in OPERATORS:
        if not args:
            raise Refused(f"it has a {head} of nothing.")
        return OPERATORS[head](*args, evaluate=False)
    if head in FUNCTIONS:
        if len(args) != 1:
            raise Refused(f"it calls {head} with {len(args)} arguments.")
        return FUNCTIONS[head](args[0], evaluate=False)
    if head == "Pow":
        if len(args) != 2:
            raise Refused("it has a power without a base and an exponent.")
        return sympy.Pow(*args, evaluate=False)
    if head == "Tuple":
        return sympy.Tuple(*args)
    if head == "Idx":
        return args[0]  # an index is its label; its range is the Sum's business
    if head == "Indexed":
        if len(args) != 2 or not isinstance(args[0], sympy.IndexedBase):
            raise Refused("it indexes something other than one of the stub's indexed symbols with one index.")
        return args[0][args[1]]
    if head == "Sum":
        if len(args) < 2 or not all(isinstance(a, sympy.Tuple) and len(a) == 3 for a in args[1:]):
            raise Refused("it has a Sum without limits (write Sum(term, (i, 1, n))).")
        if not all(isinstance(a[0], sympy.Symbol) for a in args[1:]):
            raise Refused("it has a Sum whose index is not a symbol.")
        return sympy.Sum(args[0], *args[1:])
    if head == "Derivative":
        if len(args) < 2 or not all(isinstance(a, sympy.Tuple) and len(a) == 2 or isinstance(a, sympy.Symbol)
                                    for a in args[1:]):
            raise Refused("it has a Derivative the grader cannot read.")
        order = 0
        for a in args[1:]:
            if isinstance(a, sympy.Tuple) and not (a[1].is_Integer and 0 < int(a[1]) <= MAX_ORDER):
                raise Refused(f"it has a derivative of an order above {MAX_ORDER}.")
            order += int(a[1]) if isinstance(a, sympy.Tuple) else 1
        if order > MAX_ORDER:
            raise Refused(f"it has a derivative of an order above {MAX_ORDER}.")
        return sympy.Derivative(*args)
    raise Refused(_unknown(head))


def _symbol(name: str, symbols: dict, bound: set[str]):
    found = symbols.get(name)
    if isinstance(found, sympy.Symbol):
        return found
    if name in bound:
        return sympy.Symbol(name, integer=True)
    known = ", ".join(sorted(k for k, v in symbols.items() if isinstance(v, sympy.Symbol)))
    if name in ("pi", "e", "E"):
        raise Refused(f"it uses a symbol named {name}: use the number sympy.{'pi' if name == 'pi' else 'E'} "
                      f"instead of a symbol.")
    raise Refused(f"it uses the symbol {name}, which the stub does not define: write it with the "
                  f"stub's symbols ({known}).")


def _number(head: str, values: list):
    if head == "Float":
        value = float(values[0])
        if not math.isfinite(value):
            raise Refused("it holds an infinite or undefined decimal number (inf or nan).")
        return sympy.Float(value)
    constants = {"Zero": 0, "One": 1, "NegativeOne": -1}
    if head in constants and not values:
        return sympy.Integer(constants[head])
    if head == "Half" and not values:
        return sympy.Rational(1, 2)
    if head == "Rational" and len(values) == 2:
        if int(values[1]) == 0:
            raise Refused("it holds a fraction with denominator 0.")
        return sympy.Rational(int(values[0]), int(values[1]))  # at most MAX_DIGITS digits each
    return sympy.Integer(int(values[0]))


def _check_sizes(expr) -> None:
    """Refuse a number SymPy would take for ever to compute exactly.

    Every exponent (of a ``Pow``, or the argument of ``exp``) without a symbol is valued in
    bounded arithmetic and must stay within ``MAX_EXPONENT``; every part without a symbol (a
    power, a product, a sum of numbers) must stay within ``MAX_POWER_DIGITS`` digits; a root
    of an order above 1000 is refused. Nothing is evaluated by SymPy to find out
    (``equivalence`` counts its operations), and each part is looked at once."""
    _sizes(expr)


def _sizes(node) -> bool:
    """Check ``node``'s parts; True if it holds a symbol (then its size is not a number's)."""
    from . import equivalence

    if node.is_Atom:
        return not node.is_Number and node not in (sympy.pi, sympy.E)
    if isinstance(node, (sympy.Indexed, sympy.IndexedBase)):
        return True
    symbolic = [_sizes(child) for child in node.args]
    if isinstance(node, (sympy.Pow, sympy.exp)):
        exponent = node.exp if isinstance(node, sympy.Pow) else node.args[0]
        if exponent.is_Rational and abs(int(exponent.q)) > 1000:
            raise Refused("it holds a root of an order above 1000.")
        if not symbolic[-1] and _digits(equivalence, exponent) > math.log10(MAX_EXPONENT):
            raise Refused(f"it holds a power with an exponent above {MAX_EXPONENT}, far too large "
                          f"to compute; the derivations need small powers only.")
    if any(symbolic) or isinstance(node, (sympy.Tuple, sympy.Sum)):
        return any(symbolic) or isinstance(node, sympy.Sum)
    if _digits(equivalence, node) > MAX_POWER_DIGITS:
        raise Refused(f"it holds a number of more than {MAX_POWER_DIGITS} digits (a power or a product "
                      f"of numbers), far too large to compute.")
    return False


def _digits(equivalence, part) -> float:
    found = equivalence.digits(part)
    return -math.inf if found is None else found


def _evaluated(expr):
    """The tree rebuilt again with SymPy's evaluation on, once ``_check_sizes`` has shown that
    no part of it can grow beyond the limits: the grader's assumptions then apply (sqrt(sigma**2)
    is sigma for sigma > 0), as they do in the reference."""
    if not expr.args or isinstance(expr, (sympy.Indexed, sympy.IndexedBase)):
        return expr
    return expr.func(*[_evaluated(a) for a in expr.args])


def _evaluate_derivatives(expr):
    """An unevaluated ``Derivative`` (``sympy.Derivative(f, mu)``) means its value: take it."""
    return expr.replace(lambda e: isinstance(e, sympy.Derivative), lambda e: e.doit(deep=False))
