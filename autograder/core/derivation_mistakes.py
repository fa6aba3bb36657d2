"""The single-edit mistakes of a derivation, generated from the expression itself.

A student who slips on paper makes one edit of a right expression: drops a
constant factor or changes it (1/2, 2, n, n - 1), writes sigma where sigma**2
belongs (or the reverse), flips a sign, drops a term, leaves the log of a
product as a product of logs, drops |.|, changes a sum's bounds, replaces a
symbol by a number computed from the data, or differentiates with respect to
the wrong symbol. ``single_edits`` makes every such edit of an expression (a
reference answer, a step of a reference chain, or the student's own previous
step), each with the sentence that names it in the words of that expression;
``explain`` matches a wrong expression against them by numbers (the fast
arithmetic screens, the precise one confirms) and returns every sentence that
explains it. ``which_part`` says what differs when no edit explains it.

Nothing here evaluates a student's expression with SymPy: edits are built by
``xreplace`` on the tree (with evaluation, on trees already bounded by
``expression_tree``), and compared by ``equivalence``.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from . import equivalence
from .equivalence import FAST, numerically_equal, show

#: Edits of one expression at most (a long student step gives more sites than that).
MAX_EDITS = 400
#: A student's own step has its edits generated only if one value of it visits at most this
#: many parts (counted, so the same on every machine, whatever was remembered before): the
#: edits of a step cost at most MAX_EDITS * POINTS * this many operations.
MAX_STEP_COST = 2_000


@dataclass(frozen=True)
class Edit:
    """One edit: its kind (for the tests' tally), the sentence naming it, the expression it gives."""

    kind: str
    sentence: str
    model: sympy.Expr


def _text(expr, limit: int = 80) -> str:
    return show(expr, limit)


def evaluation_cost(expr, point: dict) -> int:
    """Parts one value of ``expr`` visits at ``point`` (nothing remembered: always the same)."""
    before = equivalence.COST.visits
    try:
        equivalence.evaluate(expr, point, FAST)
    except equivalence.Undefined:
        pass
    return equivalence.COST.visits - before


def _nodes(expr, path=()):
    """Every part of ``expr`` with its path (the indices of ``args`` that lead to it); the
    limits of a Sum and the insides of x[i] are not parts a student edits."""
    yield path, expr
    if isinstance(expr, (sympy.Indexed, sympy.IndexedBase)) or expr.is_Atom:
        return
    children = expr.args[:1] if isinstance(expr, sympy.Sum) else expr.args
    for k, child in enumerate(children):
        yield from _nodes(child, path + (k,))


def _at(expr, path, new):
    """``expr`` with the part at ``path`` replaced by ``new`` (that one occurrence only)."""
    if not path:
        return new
    args = list(expr.args)
    args[path[0]] = _at(args[path[0]], path[1:], new)
    try:
        return expr.func(*args)
    except Exception:  # SymPy cannot rebuild some odd tree with this part: no edit here
        return None


def _context(expr, path) -> str:
    """The part around the one at ``path`` a student would recognise: its log, or its term."""
    ancestors = [expr]
    for k in path[:-1]:
        ancestors.append(ancestors[-1].args[k])
    for depth in range(len(ancestors) - 1, -1, -1):
        node = ancestors[depth]
        if isinstance(node, sympy.log) or depth == 0:
            return _text(node)
        if isinstance(ancestors[depth - 1], sympy.Add):
            return _text(node)
    return _text(expr)


def _main_terms(expr, path=()):
    """The terms of the derivation's sums: the top Add's, a Sum's, a negated or scaled Sum's."""
    if isinstance(expr, sympy.Add):
        for k, term in enumerate(expr.args):
            yield path + (k,), term
            if isinstance(term, (sympy.Sum, sympy.Mul)):
                yield from _inner_terms(term, path + (k,))
    else:
        yield from _inner_terms(expr, path)


def _inner_terms(expr, path):
    if isinstance(expr, sympy.Sum):
        yield from _main_terms(expr.function, path + (0,))
    elif isinstance(expr, sympy.Mul):
        for k, factor in enumerate(expr.args):
            if isinstance(factor, sympy.Sum):
                yield from _main_terms(factor.function, path + (k, 0))


def _scales(expr) -> list:
    """The positive symbols of ``expr`` that stand for a scale (sigma, b): their power is a classic slip."""
    return sorted((s for s in expr.free_symbols
                   if isinstance(s, sympy.Symbol) and s.is_positive and not s.is_integer
                   and str(s) in ("sigma", "b")), key=str)


def single_edits(expr, *, where: str = "", n=None, derivative_of=None) -> list[Edit]:
    """Every single-edit mistake of ``expr``.

    ``where`` finishes the sentences ("where step 3 has ...": the student's own step);
    ``n`` is the exercise's count symbol (the factors n and n - 1); ``derivative_of`` is
    ``(parent, variable)`` when ``expr`` is a derivative (then the derivative with respect to
    each other symbol of ``parent`` is an edit too)."""
    edits: list[Edit] = []
    seen: set = set()

    def add(kind: str, sentence: str, model) -> None:
        if model is None or model == expr or len(edits) >= MAX_EDITS or model in seen:
            return
        seen.add(model)
        edits.append(Edit(kind, sentence, model))

    def belongs(term) -> str:
        return f"where {where} has {_text(term)}" if where else f"where {_text(term)} belongs"

    # The whole expression.
    add("sign", "it has the wrong sign (the whole expression is negated)", -expr)
    if n is not None:
        add("factor", "it is divided by n: that is the mean, where the sum belongs", expr / n)
        add("factor", "it is n times too large: a factor n too many", expr * n)
    add("factor", "it is twice too large: a factor 2 too many", 2 * expr)
    add("factor", "it is half the right value: a factor 1/2 too many", expr / 2)

    parts = list(_nodes(expr))
    main = list(_main_terms(expr))
    for path, term in main:  # constant factors: on the terms of the derivation
        coefficient, rest = term.as_coeff_Mul()
        if coefficient.is_Rational and abs(coefficient.q) != 1:
            factor = sympy.Rational(1, coefficient.q)
            changed = term / factor
            add("factor", f"it has {_text(changed)} {belongs(term)}: the factor {factor} is missing",
                _at(expr, path, changed))
        for changed, why in ((term * 2, "a factor 2 too many"), (term / 2, "a factor 1/2 too many")):
            add("factor", f"it has {_text(changed)} {belongs(term)}: {why}", _at(expr, path, changed))
        if n is not None and n in sympy.Mul.make_args(term):
            changed = term / n
            add("factor", f"it has {_text(changed)} {belongs(term)}: the factor n is missing "
                f"(a sum of n equal terms is n times the term)", _at(expr, path, changed))
            changed = term / n * (n - 1)
            add("factor", f"it has {_text(changed)} {belongs(term)}: n - 1 where n belongs",
                _at(expr, path, changed))
        elif n is not None and not term.has(sympy.Sum) and not term.is_Number:
            changed = term * n
            add("factor", f"it has {_text(changed)} {belongs(term)}: a factor n too many",
                _at(expr, path, changed))

    for path, node in parts:  # signs and dropped terms: in every sum, (x - mu)**2 too
        if not isinstance(node, sympy.Add):
            continue
        for k, term in enumerate(node.args):
            rest = node.args[:k] + node.args[k + 1:]
            add("drop", f"it drops the term {_text(term)}" + (f" of {_text(node)}" if path else ""),
                _at(expr, path, sympy.Add(*rest)))
            flipped = sympy.Add(*rest, -term)
            add("sign", f"the term {_text(term)}" + (f" of {_text(node)}" if path else "")
                + " has the wrong sign", _at(expr, path, flipped))

    for scale in _scales(expr):
        name = str(scale)
        squared = scale**2
        halved = expr.xreplace({squared: scale, scale**-2: scale**-1, scale**4: squared, scale**-4: scale**-2})
        add("power", f"{name} where {name}**2 belongs", halved if halved != expr else None)
        for path, node in parts:
            if (isinstance(node, sympy.Pow) and node.base == scale and node.exp.is_Integer
                    and node.exp % 2 == 0):
                add("power", f"{name} where {name}**2 belongs (in {_context(expr, path)})",
                    _at(expr, path, scale ** (node.exp / 2)))
            elif isinstance(node, sympy.log) and node.args[0] == scale:
                add("power", f"{name}**2 where {name} belongs (in {_context(expr, path + (0,))})",
                    _at(expr, path, sympy.log(squared)))
        add("power", f"{name}**2 where {name} belongs", expr.xreplace({scale: squared}))

    for path, node in parts:
        if isinstance(node, sympy.log) and isinstance(node.args[0], sympy.Mul) and len(node.args[0].args) > 1:
            argument = node.args[0]
            product = sympy.Mul(*[sympy.log(f) for f in argument.args])
            add("log", f"the log of the product {_text(argument)} is left as a product of logs, "
                f"{_text(product)}: the log of a product is the sum of the logs", _at(expr, path, product))
            pieces = sympy.Add(*[sympy.log(f) for f in argument.args[1:]])
            add("log", f"it takes the log of only some factors of {_text(argument)}: log({_text(argument)}) "
                f"is the sum of the logs of all its factors", _at(expr, path, pieces))
        elif isinstance(node, sympy.Abs):
            inner = node.args[0]
            add("abs", f"it has {_text(inner)} where |{_text(inner)}| belongs: the absolute value is dropped",
                _at(expr, path, inner))
        elif isinstance(node, sympy.Sum) and len(node.limits) == 1:
            index, low, high = node.limits[0]
            for new_low, new_high in ((low, high - 1), (low + 1, high), (low, high + 1), (low - 1, high - 1)):
                changed = sympy.Sum(node.function, (index, new_low, new_high))
                add("sum", f"the sum runs over {index} = {new_low} .. {new_high} where it runs over "
                    f"{low} .. {high}", _at(expr, path, changed))
            for indexed in dict.fromkeys(a for a in node.function.atoms(sympy.Indexed) if a.indices == (index,)):
                changed = node.function.xreplace({indexed: indexed.base[high]})
                add("index", f"it has {indexed.base}[{high}] where {indexed} belongs inside the sum",
                    _at(expr, path, sympy.Sum(changed, node.limits[0])))

    if derivative_of is not None:
        parent, variable = derivative_of
        for other in sorted(parent.free_symbols - {variable}, key=str):
            if isinstance(other, sympy.Symbol) and not other.is_integer:
                add("variable", f"it is the derivative with respect to {other}, not {variable}",
                    sympy.diff(parent, other))
        if variable.is_positive:
            square = sympy.Dummy("square", positive=True)
            by_square = sympy.diff(parent.xreplace({variable: sympy.sqrt(square)}), square).xreplace(
                {square: variable**2})
            add("variable", f"it is the derivative with respect to {variable}**2, not {variable}", by_square)
    return edits


def _replace(expr, old, new):
    """``expr`` with every occurrence of ``old`` replaced by ``new`` (a symbol replaced everywhere)."""
    try:
        return expr.xreplace({old: new})
    except Exception:
        return None


def number_for_part(got, want) -> list[Edit]:
    """The edits that replace a part of ``want`` by one of the decimal numbers ``got`` holds:
    a symbol (or mu_hat, sum_x / n) replaced by its value on one dataset."""
    floats = sorted(got.atoms(sympy.Float), key=float)[:2]
    if not floats:
        return []
    # the number itself, or the one it came from: 2*0.73 and 0.73**2 are what a student's SymPy keeps
    numbers = list(dict.fromkeys(sympy.Float(v) for f in floats
                                 for v in (float(f), -float(f), float(f) / 2, -float(f) / 2, abs(float(f)) ** 0.5)))
    parts = [p for p in dict.fromkeys(sympy.preorder_traversal(want))
             if p.free_symbols and not isinstance(p, (sympy.Sum, sympy.Tuple, sympy.IndexedBase))
             and not (isinstance(p, sympy.Symbol) and p.is_integer and p != want)][:30]
    edits = []
    for number in numbers:
        for part in parts:
            model = _replace(want, part, number)
            if model is not None and model != want:
                edits.append(Edit("number", f"it has the decimal number {float(number):g} where "
                                  f"{_text(part)} belongs: write it with the stub's symbols, not numbers "
                                  f"from one dataset", model))
    return edits


def rounded(got, want, points: list[dict]) -> list[Edit]:
    """``got`` holds decimal numbers and equals ``want`` to five digits but not exactly: exact
    values (pi, 1/2, log(2*pi)) written as rounded decimals. An edit with ``got`` as its model."""
    numbers = sorted({float(f) for f in got.atoms(sympy.Float)})
    if not numbers:
        return []
    near = [a is not None and b is not None and abs(a - b) <= 1e-4 * max(1.0, abs(a), abs(b))
            for a, b in zip(equivalence.values(got, points, FAST), equivalence.values(want, points, FAST))]
    if sum(near) < equivalence.MIN_DEFINED or not all(near):
        return []
    shown = ", ".join(f"{v:g}" for v in numbers[:3])
    return [Edit("number", f"it holds the rounded decimal number{'s' if len(numbers) > 1 else ''} {shown} "
                 f"where an exact value belongs: write exact values (sp.pi, sp.Rational(1, 2), "
                 f"sp.log(2*sp.pi)); the grader compares to 12 digits", got)]


def explain(got, edits: list[Edit], points: list[dict], most: int = 2) -> list[Edit]:
    """The edits ``got`` equals (screened fast, confirmed precisely; the same tree where neither
    has a value, a sum over x[0] say), at most ``most`` with distinct sentences."""
    found: list[Edit] = []
    for edit in edits:
        screen = numerically_equal(got, edit.model, points, FAST)
        if screen is None and got == edit.model:
            pass
        elif screen is not True or numerically_equal(got, edit.model, points) is not True:
            continue
        if any(edit.sentence == f.sentence for f in found):
            continue
        found.append(edit)
        if len(found) >= most:
            break
    return found


def sentence(found: list[Edit]) -> str:
    """One sentence for one edit, both for two ("either ... or ...")."""
    if len(found) == 1:
        return found[0].sentence
    return "either " + " or ".join(f.sentence for f in found)


def which_part(got, want, points: list[dict], symbols: dict, other: str = "the right answer") -> str:
    """What differs, when no edit explains ``got``: one term's coefficient, or the symbols the
    difference depends on (``symbols``: name -> Symbol, the scalar ones are varied)."""
    for term in dict.fromkeys(sympy.Add.make_args(want.function if isinstance(want, sympy.Sum) else want)):
        ratio = _constant_ratio(got, want, term, points)
        if ratio is not None:
            if abs(ratio + 1) < 1e-9:
                return f"it lacks the term {_text(term)} (the rest agrees)"
            return (f"the part that differs is the term {_text(term)}: yours has "
                    f"{_number(ratio + 1)} times it (the rest agrees)")
    depends = _depends_on(got, want, points, symbols)
    if depends:
        return (f"the difference from {other} changes with {', '.join(depends)} only: "
                f"look at the parts with {' and '.join(depends)}")
    return ""


def _number(value: float) -> str:
    fraction = sympy.Rational(value).limit_denominator(12)
    if abs(float(fraction) - value) < 1e-9:
        return str(fraction)
    return f"{value:.6g}"


def _constant_ratio(got, want, term, points) -> float | None:
    """c when got = want + c*term at every point (a term's coefficient changed)."""
    ratios = []
    for point in points[:6]:
        try:
            g, w, t = (equivalence.evaluate(e, point, FAST) for e in (got, want, term))
        except equivalence.Undefined:
            continue
        if abs(t) < 1e-9:
            continue
        ratios.append((g - w) / t)
    if len(ratios) < 3 or any(abs(r.imag) > 1e-9 for r in ratios):
        return None
    first = ratios[0].real
    if abs(first) > 1e-9 and all(abs(r.real - first) <= 1e-7 * max(1.0, abs(first)) for r in ratios):
        return first
    return None


def _depends_on(got, want, points, symbols: dict) -> list[str]:
    names = []
    for name, symbol in symbols.items():
        if not isinstance(symbol, sympy.Symbol) or symbol.is_integer or not (got.has(symbol) or want.has(symbol)):
            continue
        changes = 0
        for point in points[:4]:
            if symbol not in point:
                continue
            moved = {**point, symbol: point[symbol] * 1.37 + 0.11}
            try:
                before = equivalence.evaluate(got, point, FAST) - equivalence.evaluate(want, point, FAST)
                after = equivalence.evaluate(got, moved, FAST) - equivalence.evaluate(want, moved, FAST)
            except equivalence.Undefined:
                continue
            if abs(before - after) > 1e-7 * max(1.0, abs(before)):
                changes += 1
        if changes:
            names.append(name)
    return names
