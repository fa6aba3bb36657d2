"""How a hidden check grades a SymPy answer: rebuild it, compare it, name the mistake.

The counterpart of ``framework.as_float`` / ``expect_close`` for expressions.
A student's SymPy object arrives as a plain tree (``sandbox/expression_wire.py``);
``as_expression`` rebuilds it by allow-list (``expression_tree``), ``expect_equivalent``
compares it with the reference by numbers in bounded arithmetic (``equivalence``), and
matches it against mistake models, the checks' own and the single edits generated
from the reference (``derivation_mistakes``), to say which slip it is. ``chain_break`` walks a
derivation (a list of expressions) and finds the first step that is not equal
to the step before it, with the links that held before it (their share of the
points is the partial credit).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from . import derivation_mistakes, equivalence, framework, math_display
from .equivalence import Domain, numerically_equal, show
from .expression_tree import Refused, build
from .framework import CheckFailed, fmt, returned
from ..sandbox.expression_wire import MAX_STEPS, ExpressionTree
from ..sandbox.wire import Unsupported


@dataclass
class Problem:
    """The exercise's symbols (name -> Symbol or IndexedBase) and where to evaluate."""

    symbols: dict
    domain: Domain

    def points(self):
        if not hasattr(self, "_points"):
            self._points = self.domain.points()
        return self._points


def as_expression(value, problem: Problem, call: str, what: str = "it") -> sympy.Expr:
    """A SymPy expression rebuilt from the student's reply; a plain int or float is a constant."""
    if isinstance(value, ExpressionTree):
        try:
            return build(value.tree, problem.symbols)
        except Refused as exc:
            raise CheckFailed(f"Called {call}: {what} cannot be graded: {exc}") from None
        except (RecursionError, ValueError, TypeError, ArithmeticError) as exc:
            raise CheckFailed(f"Called {call}: {what} cannot be graded: it is not an expression the "
                              f"grader can rebuild ({type(exc).__name__}).") from None
    if isinstance(value, Unsupported) and str(value.description).startswith("a SymPy"):
        raise CheckFailed(f"Called {call}: {what} cannot be graded: it is {value.description}.")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise returned(call, "a SymPy expression", value)
    return sympy.Integer(value) if isinstance(value, int) else sympy.Float(value)


def _as_list(value, call: str, what: str, count: int | None = None):
    """``value`` if it is a non-empty list or tuple (of ``count`` items when given)."""
    if not isinstance(value, (list, tuple)) or (count is not None and len(value) != count):
        raise returned(call, what, value)
    if not value:
        raise CheckFailed(f"Called {call}: it returned no step at all (an empty list); {what} is expected.")
    return value


def as_expressions(value, problem: Problem, call: str, *, count: int, what: str) -> list:
    """``count`` expressions, each of which must be rebuilt (the items of one answer)."""
    return [as_expression(v, problem, call, f"item {k}")
            for k, v in enumerate(_as_list(value, call, what, count), start=1)]


@dataclass(frozen=True)
class Unreadable:
    """A step of a derivation the grader cannot rebuild (an object outside the allow-list, a
    string): the chain breaks there, and the links before it keep their share."""

    step: int
    reason: str


def as_chain(value, problem: Problem, call: str) -> list:
    """The steps of a derivation; a step after the first that cannot be rebuilt becomes
    ``Unreadable`` (only an unreadable first step fails the whole chain: it has no start)."""
    value = _as_list(value, call, "a derivation: a list of SymPy expressions, one per step")
    if len(value) > MAX_STEPS:
        raise CheckFailed(f"Called {call}: the derivation has {len(value)} steps; the grader checks at most "
                          f"{MAX_STEPS}. Merge small steps (a step may do several things at once).")
    steps = [as_expression(value[0], problem, call, "step 1")]
    for k, item in enumerate(value[1:], start=2):
        if not isinstance(item, (ExpressionTree, int, float, Unsupported)) or isinstance(item, bool):
            steps.append(Unreadable(k, f"step {k} should be a SymPy expression, but it is {fmt(item)}."))
            continue
        try:
            steps.append(as_expression(item, problem, call, f"step {k}"))
        except CheckFailed as exc:
            steps.append(Unreadable(k, str(exc).removeprefix(f"Called {call}: ")))
    return steps


def used_names(expr) -> set[str]:
    """Names of the symbols and indexed data ``expr`` uses, outside the index of a Sum."""
    names = set()
    for symbol in expr.free_symbols:
        if isinstance(symbol, sympy.Indexed):
            continue
        names.add(str(symbol))
    for indexed in expr.atoms(sympy.Indexed):
        names.add(str(indexed.base))
    return names


def expect_names(expr, allowed: set[str], call: str, what: str, hint: str = "") -> None:
    """Fail if ``expr`` uses a symbol the answer may not contain (mu in mu_hat, i outside a Sum...)."""
    extra = sorted(used_names(expr) - allowed)
    if not extra:
        return
    if "i" in extra:
        raise CheckFailed(f"Called {call}: {what} uses the index i outside a Sum: {show(expr)}. "
                          f"A term x[i] must sit inside sp.Sum(..., (i, 1, n)).")
    listed = ", ".join(extra)
    framework.name_mistake(f"{what} still uses {listed}, which the answer may not contain")
    raise CheckFailed(f"Called {call}: {what} should be written with {', '.join(sorted(allowed))} only, "
                      f"but it uses {listed}: {show(expr)}. {hint}".rstrip())


def _floats_hint(expr) -> str:
    floats = sorted({float(f) for f in expr.atoms(sympy.Float)})
    if not floats:
        return ""
    shown = ", ".join(f"{v:g}" for v in floats[:3])
    return (f" It holds the decimal number{'s' if len(floats) > 1 else ''} {shown}: write exact values "
            f"(sp.pi, sp.Rational(1, 2), n / 2) or the stub's symbols, not numbers from one dataset.")


def _point_text(point: dict, problem: Problem, names: set[str]) -> str:
    shown = []
    for name, symbol in problem.symbols.items():
        if isinstance(symbol, sympy.Symbol) and symbol in point and name in names:
            shown.append(f"{name} = {fmt(point[symbol], 4)}")
    return ", ".join(shown[:4])


def matching_mistake(expr, mistakes: dict, problem: Problem, *, name: bool = True) -> str | None:
    """The message of the first mistake model ``expr`` is equal to, if any (``name``: recorded
    as the current check's mistake, ``framework.name_mistake``)."""
    for message, model in mistakes.items():
        if numerically_equal(expr, model, problem.points()):
            if name:
                framework.name_mistake(message)
            return message
    return None


_EDITS: dict = {}


def generated_edits(want, problem: Problem, *, where: str = "", derivative_of=None) -> list:
    """The single-edit mistakes of ``want`` (remembered: the reference's serve every student)."""
    key = (want, where, id(problem), derivative_of)
    if key not in _EDITS:
        if len(_EDITS) > 256:
            _EDITS.clear()
        edits = derivation_mistakes.single_edits(want, where=where, n=problem.domain.n,
                                                 derivative_of=derivative_of)
        _EDITS[key] = [e for e in edits if _a_mistake(e.model, want, problem)]
    return _EDITS[key]


def _a_mistake(model, want, problem: Problem) -> bool:
    """An edit that changes the value and that a student's SymPy could hand in (no I, oo, nan)."""
    if model.has(sympy.I, sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        return False
    return numerically_equal(model, want, problem.points(), equivalence.FAST) is False


def explain_edit(got, want, problem: Problem, *, derivative_of=None, forms=()) -> str | None:
    """The sentence naming the single edit of ``want`` that ``got`` is (both when two are), if any.
    ``forms``: other forms of ``want`` whose parts a student may have replaced by a number."""
    edits = (derivation_mistakes.rounded(got, want, problem.points())
             + generated_edits(want, problem, derivative_of=derivative_of)
             + [e for form in (want, *forms) for e in derivation_mistakes.number_for_part(got, form)])
    found = derivation_mistakes.explain(got, edits, problem.points())
    return derivation_mistakes.sentence(found) if found else None


def expect_equivalent(got, want, problem: Problem, *, call: str, what: str = "it",
                      mistakes: dict | None = None, derivative_of=None, forms=()) -> None:
    """Fail unless ``got`` equals ``want``; name the mistake when it equals a mistake model (the
    check's own first, then the single edits of ``want``; ``derivative_of``: (parent, variable))."""
    verdict = numerically_equal(got, want, problem.points())
    if verdict is None:
        raise CheckFailed(f"Called {call}: {what} is {show(got)}, which has no finite value at the "
                          f"grader's test points (a log of a negative number or of 0?).")
    if verdict:
        return
    message = matching_mistake(got, mistakes or {}, problem)
    if message is None:
        message = explain_edit(got, want, problem, derivative_of=derivative_of, forms=forms)
        if message is not None:
            framework.name_mistake(message)
            message = message[:1].upper() + message[1:] + "."
    show_expression(what if what != "it" else "your answer", got)
    base = f"Called {call}: {what} is {show(got)}, which is not right."
    if message:
        raise CheckFailed(f"{base} {message}")
    part = derivation_mistakes.which_part(got, want, problem.points(), problem.symbols)
    part = f" {part[:1].upper()}{part[1:]}." if part else ""
    raise CheckFailed(base + _floats_hint(got) + part + _difference_hint(got, want, problem))


def _difference_hint(got, want, problem: Problem) -> str:
    for point in problem.points():
        try:
            a = equivalence.evaluate(got, point)
        except equivalence.Undefined as exc:
            if "outside the data" in str(exc):
                return f" It uses {exc}."
            continue
        try:
            b = equivalence.evaluate(want, point)
        except equivalence.Undefined:
            continue
        if not equivalence.same_value(a, b):
            names = used_names(got) | used_names(want) | {"n"}
            return (f" At {_point_text(point, problem, names)} it is "
                    + "{}, and the right answer is {}.".format(*_distinct(a, b)))
    return ""


def _complex(value: complex, digits: int = 6) -> str:
    if abs(value.imag) < 1e-12:
        return fmt(value.real, digits)
    return f"{fmt(value.real, digits)} + {fmt(value.imag, digits)}i"


def _distinct(a: complex, b: complex) -> tuple[str, str]:
    """Both values with as many digits as it takes to print them differently (3.14159 for pi)."""
    for digits in (6, 8, 10, 12, 14, 17):
        shown = _complex(a, digits), _complex(b, digits)
        if shown[0] != shown[1]:
            return shown
    return shown


@dataclass(frozen=True)
class Break:
    """Where a derivation breaks: the first step not equal to the one before, and what came before.

    ``links`` counts the links of the whole chain and ``held`` those before the break, leaving
    out a step repeated unchanged or with only its Sum's index renamed (it proves nothing, so
    it earns nothing).
    """

    step: int
    message: str
    links: int
    held: int
    mistake: str = ""  # the mistake model the broken step matched, if any


_BREAKS: dict = {}


def chain_break(steps: list, problem: Problem, mistakes: dict | None = None,
                references: list | None = None) -> Break | None:
    """The first broken link of ``steps`` (None: every link holds); three checks ask, it runs once.

    ``references``: the reference chain, whose steps' single edits name a broken step that is
    no edit of the student's own previous step."""
    key = (tuple(s if isinstance(s, Unreadable) else sympy.srepr(s) for s in steps), id(problem),
           tuple(mistakes or {}), tuple(references or ()))
    if key not in _BREAKS:
        if len(_BREAKS) > 64:
            _BREAKS.clear()
        _BREAKS[key] = _find_break(steps, problem, mistakes or {}, list(references or ()))
    return _BREAKS[key]


def _name_step(new, old, k: int, problem: Problem, mistakes: dict, references: list) -> tuple[str, str]:
    """(why, the named mistake or "") for step k + 1, not equal to step k."""
    why = matching_mistake(new, mistakes, problem, name=False)
    if why is not None:  # "step 3 is not equal to step 2: it drops the factor n ..."
        return why[:1].lower() + why[1:], why
    points = problem.points()
    small = derivation_mistakes.evaluation_cost(old, points[0]) <= derivation_mistakes.MAX_STEP_COST
    own = generated_edits(old, problem, where=f"step {k}") if small else []
    found = derivation_mistakes.explain(new, own, points)
    if not found:
        edits = [e for ref in references for e in generated_edits(ref, problem)]
        numbers = derivation_mistakes.number_for_part(new, old) if small else []
        found = derivation_mistakes.explain(new, derivation_mistakes.rounded(new, old, points) + edits + numbers,
                                            points)
    if found:
        named = derivation_mistakes.sentence(found)
        return named, named
    part = derivation_mistakes.which_part(new, old, points, problem.symbols, f"step {k}")
    return (part or "the two steps have different values") + "." + _floats_hint(new), ""


def _find_break(steps: list, problem: Problem, mistakes: dict, references: list) -> Break | None:
    points = problem.points()
    counted = [k for k in range(1, len(steps)) if not _same_step(steps[k], steps[k - 1])]
    for k in range(1, len(steps)):
        if isinstance(steps[k], Unreadable):
            return Break(k + 1, steps[k].reason, len(counted), sum(1 for j in counted if j < k))
        if steps[k] == steps[k - 1]:
            continue
        verdict = numerically_equal(steps[k], steps[k - 1], points)
        named = ""
        if verdict is None:
            message = (f"step {k + 1} or step {k} has no finite value at the grader's test points, so the "
                       f"link between them cannot be checked: step {k + 1} is {show(steps[k])}.")
        elif verdict:
            continue
        else:
            why, named = _name_step(steps[k], steps[k - 1], k, problem, mistakes, references)
            if named and not why.endswith("."):
                why += "."
            message = (f"step {k + 1} is not equal to step {k}: {why}\n"
                       f"  step {k}: {show(steps[k - 1])}\n  step {k + 1}: {show(steps[k])}")
        held = sum(1 for j in counted if j < k)
        return Break(k + 1, message, len(counted), held, named)
    return None


_INDEX = sympy.Symbol("index_", integer=True)


def _same_step(a, b) -> bool:
    """The same expression, up to the name of a Sum's index: a repeat, not a step."""
    if isinstance(a, Unreadable) or isinstance(b, Unreadable):
        return False
    if a == b:
        return True
    rename = (lambda e: isinstance(e, sympy.Sum) and len(e.limits) == 1,
              lambda e: sympy.Sum(e.function.xreplace({e.limits[0][0]: _INDEX}), (_INDEX, *e.limits[0][1:])))
    try:
        return a.replace(*rename) == b.replace(*rename)
    except Exception:  # an odd Sum SymPy cannot rebuild: count it as a step
        return False


def first_broken_step(steps: list, problem: Problem, mistakes: dict | None = None) -> str | None:
    """The message for the first step not equal to the step before it (None: every link holds)."""
    broken = chain_break(steps, problem, mistakes)
    return broken.message if broken else None


def show_steps(steps: list, broken: Break) -> None:
    """Show the two steps around the break as mathematics in the HTML feedback."""
    for k in (broken.step - 1, broken.step):
        show_expression(f"step {k}", steps[k - 1])


def show_expression(label: str, expr) -> None:
    """Attach ``expr`` (a rebuilt expression) to the current check's result, as MathML."""
    if isinstance(expr, Unreadable):
        return
    markup = math_display.mathml(expr)
    if markup:
        framework.show_math(label, markup, math_display.latex(expr))
