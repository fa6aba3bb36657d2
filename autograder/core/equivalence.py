"""When are two expressions equal? Numbers at random points decide, in exact-enough arithmetic.

Two expressions are compared by evaluating both at ``POINTS`` random points of
their domain (σ > 0, n a positive integer, data drawn at random, and the
statistics ``sum_x``, ``MSE``... computed from those same data, so a Sum over
x[i] and the sufficient statistic it equals agree). Disagreeing at a point
proves they differ; agreeing at every point within ``RTOL`` is the verdict
"equal". No wall clock decides anything: the arithmetic is mpmath's at
``DIGITS`` significant digits (pure Python, so the same bits on every machine
and under any load), and the work is counted in operations (``MAX_VISITS``
parts per value, ``MAX_TERMS`` terms per sum, magnitudes beyond
``MAX_MAGNITUDE_BITS`` bits are "undefined"), so a hostile expression costs a
bounded number of steps however it is written.

How likely is a false "equal"? Two different expressions of this exercise
(built from +, *, **, log, exp, |.| and finite sums over n <= 9 data) differ
by a function that is non-zero almost everywhere. A false "equal" needs that
difference to be within ``RTOL`` (1e-12, relative) at every one of the
``POINTS`` = 12 independent points. If the two differ by more than ``RTOL`` on
a share q of the domain, the chance is at most (1 - q)**12: below 2.5e-4 when
they differ on half the domain, at most 1e-24 when they differ on 99 % of it
(each generated mistake of the exercise differs at 10 or more of the 12 points).
docs/derivations.md says more.

Everything here runs in the grading process on expressions rebuilt by
``expression_tree.build`` with evaluation off; nothing here asks SymPy to
simplify, expand or evaluate a student's expression.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import mpmath
import numpy as np
import sympy


#: Significant digits of the arithmetic that decides "equal" (mpmath, the same on every machine).
DIGITS = 30
#: Relative tolerance of "equal at a point": 30 digits leave ~1e-25 after the cancellations of
#: these derivations; the smallest mistake of the exercise (n against n - 1 at n = 9) is 11 %.
RTOL = 1e-12
#: Random points per comparison, and how many must be defined for a verdict.
POINTS = 12
MIN_DEFINED = 3
#: Longest sum the evaluator will run (n is at most 9 here; a student's limits might not be),
#: and the parts it may visit for one value (the definitions need a few hundred at n = 9;
#: nested sums written to stall the grader would need billions). With ``MAX_STEPS`` steps
#: per derivation this bounds the work of a whole submission, in operations.
MAX_TERMS = 1000
MAX_VISITS = 5_000
#: A value beyond 2**MAX_MAGNITUDE_BITS (about 10**3000) is "undefined" (an overflow): this
#: bounds the cost of every power and exponential, whatever exponent the student wrote.
MAX_MAGNITUDE_BITS = 10_000
MAX_EXP_ARGUMENT = MAX_MAGNITUDE_BITS * math.log(2)


class Undefined(ArithmeticError):
    """The expression has no finite value at this point (a log of 0, an overflow...)."""


class Overflow(Undefined):
    """A value beyond ``MAX_MAGNITUDE_BITS`` (or an exponential of too large a number)."""


class TooCostly(Undefined):
    """Evaluating the expression would visit more than ``MAX_VISITS`` parts."""


@dataclass
class Domain:
    """How to draw a point: each symbol's sampler and the data it depends on.

    ``scalars`` maps a symbol to ``f(rng) -> value``; ``data`` maps an
    ``IndexedBase`` to ``f(rng, n) -> list`` of n values (x[1] .. x[n]);
    ``statistics`` maps a symbol to ``f(data) -> value`` computed from the data.
    """

    n: sympy.Symbol
    scalars: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    statistics: dict = field(default_factory=dict)
    sizes: tuple = (2, 3, 4, 5, 6, 7, 9)

    def points(self, count: int = POINTS, seed: int = 0) -> list[dict]:
        rng = np.random.default_rng(seed)
        out = []
        for k in range(count):
            n = int(self.sizes[k % len(self.sizes)])
            data = {base: [float(v) for v in make(rng, n)] for base, make in self.data.items()}
            point = {self.n: n}
            point.update({s: float(make(rng)) for s, make in self.scalars.items()})
            point.update({s: float(stat(data)) for s, stat in self.statistics.items()})
            point["__data__"] = data
            out.append(point)
        return out


# --------------------------------------------------------------------------
# Evaluating an expression at a point
# --------------------------------------------------------------------------

#: The precise context (decides "equal") and the fast one (screens mistake models first).
PRECISE = mpmath.MPContext()
PRECISE.dps = DIGITS
FAST = mpmath.fp


def evaluate(expr, point: dict, ctx=PRECISE) -> complex:
    """The value of ``expr`` at ``point`` as a Python complex (real arithmetic that turns complex
    where it must, so a wrong log of a negative is a value); computed in ``ctx`` (``PRECISE``
    unless asked)."""
    value = _value(expr, point, ctx)
    return complex(value)


def digits(expr) -> float | None:
    """Decimal digits of the magnitude of ``expr``, an expression without symbols (None: no
    value; ``math.inf``: beyond ``MAX_MAGNITUDE_BITS``). Bounded work, like every value here."""
    try:
        value = _value(expr, {"__data__": {}}, PRECISE)
    except Overflow:
        return math.inf
    except Undefined:
        return None
    return float(PRECISE.log10(abs(value))) if value else -math.inf


@dataclass
class Cost:
    """Work done, in the units that bound it: values computed and parts visited."""

    values: int = 0
    visits: int = 0


COST = Cost()


def _value(expr, point: dict, ctx):
    budget = [MAX_VISITS]
    try:
        COST.values += 1
        value = _eval(expr, point, {}, budget, ctx)
    except (OverflowError, ZeroDivisionError, ValueError, RecursionError, TypeError) as exc:
        raise Undefined(str(exc)) from None
    finally:
        COST.visits += MAX_VISITS - budget[0]
    _guard(value, ctx)
    return value


def _guard(value, ctx):
    """``value`` if finite and within ``MAX_MAGNITUDE_BITS``; else ``Undefined``."""
    if ctx is FAST:
        if not (math.isfinite(value.real) and math.isfinite(value.imag)) or abs(value) > 1e300:
            raise Overflow("not finite")
        return value
    if not ctx.isfinite(value):
        raise Undefined("not finite")
    if value and ctx.mag(value) > MAX_MAGNITUDE_BITS:
        raise Overflow("too large a value")
    return value


def _eval(expr, point: dict, bound: dict, budget: list, ctx):
    budget[0] -= 1
    if budget[0] < 0:
        raise TooCostly("too many parts to evaluate")
    if expr.is_Symbol:
        if expr in bound:
            return ctx.mpf(bound[expr])
        if expr in point:
            return ctx.mpf(point[expr])
        raise Undefined(f"no value for {expr}")
    if expr.is_Number:
        if expr.is_Rational:
            return ctx.mpf(int(expr.p)) / int(expr.q)
        return ctx.mpf(float(expr)) if ctx is FAST else ctx.mpf(expr._mpf_)
    if expr is sympy.pi:
        return ctx.mpf(ctx.pi)
    if expr is sympy.E:
        return ctx.mpf(ctx.e)
    if expr.is_Add:
        total = ctx.mpf(0)
        for a in expr.args:
            total += _eval(a, point, bound, budget, ctx)
        return _guard(total, ctx)
    if expr.is_Mul:
        value = ctx.mpf(1)
        for a in expr.args:
            value = _guard(value * _eval(a, point, bound, budget, ctx), ctx)
        return value
    if expr.is_Pow:
        base, exponent = (_eval(a, point, bound, budget, ctx) for a in expr.args)
        return _power(base, exponent, ctx)
    if isinstance(expr, sympy.log):
        value = _eval(expr.args[0], point, bound, budget, ctx)
        if value == 0:
            raise ZeroDivisionError("log of 0")
        return ctx.log(value)
    if isinstance(expr, sympy.exp):
        return _exp(_eval(expr.args[0], point, bound, budget, ctx), ctx)
    if isinstance(expr, sympy.Abs):
        return ctx.mpf(abs(_eval(expr.args[0], point, bound, budget, ctx)))
    if isinstance(expr, sympy.sign):
        value = _eval(expr.args[0], point, bound, budget, ctx)
        return ctx.mpf(0) if value == 0 else value / abs(value)
    if isinstance(expr, sympy.Indexed):
        return _indexed(expr, point, bound, budget, ctx)
    if isinstance(expr, sympy.Sum):
        return _sum(expr.function, list(expr.limits), point, bound, budget, ctx)
    raise Undefined(f"cannot evaluate {type(expr).__name__}")


def _exp(argument, ctx):
    if abs(argument) > MAX_EXP_ARGUMENT:
        raise Overflow("an exponential of too large a number")
    return _guard(ctx.exp(argument), ctx)


def _power(base, exponent, ctx):
    if base == 0:
        if exponent.real <= 0:
            raise ZeroDivisionError("0 to a power that is not positive")
        return ctx.mpf(0)
    if exponent.imag == 0 and exponent.real == int(exponent.real) and abs(exponent.real) <= 64:
        return _guard(base ** int(exponent.real), ctx)
    return _exp(exponent * ctx.log(base), ctx)


def _integer(value, what: str) -> int:
    if abs(value.imag) > 1e-9 or abs(value.real - round(float(value.real))) > 1e-9:
        raise Undefined(f"{what} is not an integer")
    return int(round(float(value.real)))


def _indexed(expr, point: dict, bound: dict, budget: list, ctx):
    values = point["__data__"].get(expr.base)
    if values is None:
        raise Undefined(f"no data for {expr.base}")
    k = _integer(_eval(expr.indices[0], point, bound, budget, ctx), "an index")
    if not 1 <= k <= len(values):
        raise Undefined(f"{expr.base}[{k}] is outside the data {expr.base}[1] .. {expr.base}[n]: "
                        f"sums run over i = 1 .. n")
    return ctx.mpf(values[k - 1])


def _sum(body, limits: list, point: dict, bound: dict, budget: list, ctx):
    if not limits:
        return _eval(body, point, bound, budget, ctx)
    index, low, high = limits[0]
    low = _integer(_eval(low, point, bound, budget, ctx), "a lower limit")
    high = _integer(_eval(high, point, bound, budget, ctx), "an upper limit")
    if high - low + 1 > MAX_TERMS:
        raise Undefined("a sum of too many terms")
    total = ctx.mpf(0)
    for k in range(low, high + 1):
        total += _sum(body, limits[1:], point, {**bound, index: k}, budget, ctx)
    return _guard(total, ctx)


# --------------------------------------------------------------------------
# Comparing
# --------------------------------------------------------------------------

_VALUES: dict = {}


def values(expr, points: list[dict], ctx=PRECISE) -> list[complex | None]:
    """The value at each point (None where undefined), remembered per expression and points."""
    key = (expr, id(points), ctx is PRECISE)
    if key in _VALUES:
        return _VALUES[key]
    out = []
    for point in points:
        try:
            out.append(evaluate(expr, point, ctx))
        except TooCostly:  # as costly at every point: stop here
            out += [None] * (len(points) - len(out))
            break
        except Undefined:
            out.append(None)
    if len(_VALUES) > 4096:
        _VALUES.clear()
    _VALUES[key] = out
    return out


def same_value(a: complex, b: complex, rtol: float = RTOL) -> bool:
    return abs(a - b) <= rtol * max(1.0, abs(a), abs(b))


def numerically_equal(a, b, points: list[dict], ctx=PRECISE) -> bool | None:
    """True if equal at every point where both are defined, False if not, None if too few defined."""
    rtol = RTOL if ctx is PRECISE else 1e-8
    defined = 0
    for va, vb in zip(values(a, points, ctx), values(b, points, ctx)):
        if va is None or vb is None:
            if (va is None) != (vb is None):
                return False  # one side undefined where the other has a value
            continue
        if not same_value(va, vb, rtol):
            return False
        defined += 1
    return True if defined >= MIN_DEFINED else None


# --------------------------------------------------------------------------
# Showing an expression to a student
# --------------------------------------------------------------------------

def show(expr, limit: int = 240) -> str:
    """A one-line rendering a student can paste back into Python."""
    text = sympy.sstr(expr)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def latex(expr) -> str:
    return sympy.latex(expr)
