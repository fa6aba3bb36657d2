"""When are two expressions equal? Numbers decide; SymPy's ``simplify`` confirms.

Two expressions are compared by evaluating both at many random points of
their domain (σ > 0, n a positive integer, data drawn at random, and the
statistics ``sum_x``, ``MSE``... computed from those same data, so a Sum over
x[i] and the sufficient statistic it equals agree). Disagreeing at a point
proves they differ; agreeing at every point, within a tolerance far below
any mistake, is the verdict "equal". Then ``sympy.simplify(a - b) == 0`` is
tried as a confirmation under a time bound: it decides only when the numbers
could not (every point undefined), and its timeout never fails anyone.

Everything here runs in the grading process on expressions rebuilt by
``expression_tree.build`` (never on a student's object).
"""

from __future__ import annotations

import cmath
import math
import os
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import sympy

#: Relative tolerance of "equal at a point": double rounding leaves ~1e-14; the
#: smallest mistake of the exercise (n against n - 1 at n = 9) is 11 %.
RTOL = 1e-8
#: Random points per comparison, and how many must be defined for a verdict.
POINTS = 8
MIN_DEFINED = 3
#: Seconds ``simplify`` may take for one comparison, and for one submission in all.
SIMPLIFY_SECONDS = float(os.environ.get("AUTOGRADER_SIMPLIFY_SECONDS", "1.0"))
SIMPLIFY_BUDGET = 6.0
#: Longest sum the evaluator will run (n is at most 9 here; a student's limits might not be),
#: and the parts it may visit for one value (a derivation needs a few thousand; nested sums
#: written to stall the grader would need billions).
MAX_TERMS = 1000
MAX_VISITS = 20_000


class Undefined(ArithmeticError):
    """The expression has no finite value at this point (a log of 0, an overflow...)."""


class TooCostly(Undefined):
    """Evaluating the expression would visit more than ``MAX_VISITS`` parts."""


@dataclass
class Domain:
    """How to draw a point: each symbol's sampler and the data it depends on.

    ``scalars`` maps a symbol to ``f(rng, data) -> value``; ``data`` maps an
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

def evaluate(expr, point: dict) -> complex:
    """The value of ``expr`` at ``point`` (complex arithmetic, so a wrong log of a negative is a value)."""
    try:
        value = _eval(expr, point, {}, [MAX_VISITS])
    except (OverflowError, ZeroDivisionError, ValueError, RecursionError) as exc:
        raise Undefined(str(exc)) from None
    if not (math.isfinite(value.real) and math.isfinite(value.imag)):
        raise Undefined("not finite")
    return value


def _eval(expr, point: dict, bound: dict, budget: list) -> complex:
    budget[0] -= 1
    if budget[0] < 0:
        raise TooCostly("too many parts to evaluate")
    if expr.is_Symbol:
        if expr in bound:
            return complex(bound[expr])
        if expr in point:
            return complex(point[expr])
        raise Undefined(f"no value for {expr}")
    if expr.is_Number:
        return complex(float(expr.p) / float(expr.q)) if expr.is_Rational else complex(float(expr))
    if expr is sympy.pi:
        return complex(math.pi)
    if expr is sympy.E:
        return complex(math.e)
    if expr.is_Add:
        return sum((_eval(a, point, bound, budget) for a in expr.args), 0j)
    if expr.is_Mul:
        value = 1 + 0j
        for a in expr.args:
            value *= _eval(a, point, bound, budget)
        return value
    if expr.is_Pow:
        base, exponent = (_eval(a, point, bound, budget) for a in expr.args)
        if base == 0 and exponent.real < 0:
            raise ZeroDivisionError("0 to a negative power")
        if exponent.imag == 0 and exponent.real == int(exponent.real) and abs(exponent.real) < 64:
            return base ** int(exponent.real)
        if base == 0:
            return 0j
        return cmath.exp(exponent * cmath.log(base))
    if isinstance(expr, sympy.log):
        value = _eval(expr.args[0], point, bound, budget)
        if value == 0:
            raise ZeroDivisionError("log of 0")
        return cmath.log(value)
    if isinstance(expr, sympy.exp):
        return cmath.exp(_eval(expr.args[0], point, bound, budget))
    if isinstance(expr, sympy.Abs):
        return complex(abs(_eval(expr.args[0], point, bound, budget)))
    if isinstance(expr, sympy.sign):
        value = _eval(expr.args[0], point, bound, budget)
        return 0j if value == 0 else value / abs(value)
    if isinstance(expr, sympy.Indexed):
        return _indexed(expr, point, bound, budget)
    if isinstance(expr, sympy.Sum):
        return _sum(expr.function, list(expr.limits), point, bound, budget)
    raise Undefined(f"cannot evaluate {type(expr).__name__}")


def _integer(value: complex, what: str) -> int:
    if abs(value.imag) > 1e-9 or abs(value.real - round(value.real)) > 1e-9:
        raise Undefined(f"{what} is not an integer")
    return int(round(value.real))


def _indexed(expr, point: dict, bound: dict, budget: list) -> complex:
    values = point["__data__"].get(expr.base)
    if values is None:
        raise Undefined(f"no data for {expr.base}")
    k = _integer(_eval(expr.indices[0], point, bound, budget), "an index")
    if not 1 <= k <= len(values):
        raise Undefined(f"{expr.base}[{k}] is outside the data {expr.base}[1] .. {expr.base}[n]: "
                        f"sums run over i = 1 .. n")
    return complex(values[k - 1])


def _sum(body, limits: list, point: dict, bound: dict, budget: list) -> complex:
    if not limits:
        return _eval(body, point, bound, budget)
    index, low, high = limits[0]
    low = _integer(_eval(low, point, bound, budget), "a lower limit")
    high = _integer(_eval(high, point, bound, budget), "an upper limit")
    if high - low + 1 > MAX_TERMS:
        raise Undefined("a sum of too many terms")
    total = 0j
    for k in range(low, high + 1):
        total += _sum(body, limits[1:], point, {**bound, index: k}, budget)
    return total


# --------------------------------------------------------------------------
# Comparing
# --------------------------------------------------------------------------

def values(expr, points: list[dict]) -> list[complex | None]:
    """The value at each point (None where undefined)."""
    out = []
    for point in points:
        try:
            out.append(evaluate(expr, point))
        except TooCostly:  # as costly at every point: stop here
            return out + [None] * (len(points) - len(out))
        except Undefined:
            out.append(None)
    return out


def same_value(a: complex, b: complex) -> bool:
    return abs(a - b) <= RTOL * max(1.0, abs(a), abs(b))


def numerically_equal(a, b, points: list[dict]) -> bool | None:
    """True if equal at every point where both are defined, False if not, None if too few defined."""
    defined = 0
    for va, vb in zip(values(a, points), values(b, points)):
        if va is None or vb is None:
            if (va is None) != (vb is None):
                return False  # one side undefined where the other has a value
            continue
        if not same_value(va, vb):
            return False
        defined += 1
    return True if defined >= MIN_DEFINED else None


@dataclass
class SimplifyLog:
    """How much ``simplify`` cost, per comparison: the number the issue asks to report."""

    calls: int = 0
    proved: int = 0
    timeouts: int = 0
    skipped: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"{self.calls} simplify calls, {self.proved} proved zero, {self.timeouts} timed out, "
                f"{self.skipped} skipped, {self.seconds:.2f} s")


SIMPLIFY = SimplifyLog()
_CONFIRMED: dict = {}


class SimplifyTimeout(Exception):
    """``simplify`` ran out of its time (or could not be timed: then it is not run)."""


def can_time() -> bool:
    return (threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None))


@contextmanager
def time_limit(seconds: float):
    """Interrupt the block after ``seconds`` with ``SimplifyTimeout`` (by SIGALRM, main thread only)."""
    if not can_time():
        raise SimplifyTimeout("no timer outside the main thread")

    def expire(signum, frame):
        raise SimplifyTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def simplify_proves_equal(a, b, budget: list[float] | None = None) -> bool | None:
    """``simplify(a - b) == 0`` under a time bound: True, False (not shown), None (no time, or timed out)."""
    key = (sympy.srepr(a), sympy.srepr(b))
    if key in _CONFIRMED:
        return _CONFIRMED[key]
    remaining = SIMPLIFY_BUDGET if budget is None else budget[0]
    seconds = min(SIMPLIFY_SECONDS, remaining)
    if seconds <= 0.01 or not can_time():
        SIMPLIFY.skipped += 1
        return None
    start = time.perf_counter()
    SIMPLIFY.calls += 1
    try:
        with time_limit(seconds):
            difference = sympy.expand_log(to_statistics(a - b), force=True)
            result = sympy.simplify(difference) == 0
    except SimplifyTimeout:
        SIMPLIFY.timeouts += 1
        result = None
    except Exception:  # SymPy giving up on an odd form is not a verdict
        result = None
    spent = time.perf_counter() - start
    SIMPLIFY.seconds += spent
    if budget is not None:
        budget[0] -= spent
    if result:
        SIMPLIFY.proved += 1
    if result is not None:
        _CONFIRMED[key] = result
    return result


#: Sums ``to_statistics`` rewrites: (term of an index symbol, that index symbol, n, the sum's value).
_STATISTICS: list = []


def register_statistics(rules) -> None:
    """Each rule ``(term, index, n, total)`` says Sum(term, (index, 1, n)) equals ``total``."""
    _STATISTICS.extend(rules)


def to_statistics(expr):
    """Sums of polynomials in x[i] rewritten, by linearity, into the sufficient statistics.

    Only for ``simplify``'s benefit (it does not know that Σ x[i] is ``sum_x``);
    a sum it cannot rewrite is left as it is.
    """
    def rewrite(s):
        if len(s.limits) != 1:
            return s
        index, low, high = s.limits[0]
        total = sympy.Integer(0)
        for term in sympy.Add.make_args(sympy.expand(s.function)):
            coefficient, dependent = term.as_independent(index, as_Add=False)
            if dependent == 1:
                total += coefficient * (high - low + 1)
                continue
            for pattern, pattern_index, n, value in _STATISTICS:
                if low == 1 and high == n and dependent == pattern.subs(pattern_index, index):
                    total += coefficient * value
                    break
            else:
                return s
        return total

    return expr.replace(lambda e: isinstance(e, sympy.Sum), rewrite)


# --------------------------------------------------------------------------
# Showing an expression to a student
# --------------------------------------------------------------------------

def show(expr, limit: int = 240) -> str:
    """A one-line rendering a student can paste back into Python."""
    text = sympy.sstr(expr)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def latex(expr) -> str:
    return sympy.latex(expr)
