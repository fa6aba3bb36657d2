"""How a hidden check is written: the ``@check`` decorator, the student proxy,
and the comparisons that turn a wrong number into a sentence naming the mistake.

A check is a plain function in ``autograder/checks/<exercise>.py``. It builds
seeded inputs, calls the student's function through ``student`` (which runs
it in a sandboxed child and returns plain data), computes the reference in
this process, and raises ``CheckFailed`` with a message for the student when
they disagree. Points are declared on the decorator, next to the check.
"""

from __future__ import annotations

import math
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..sandbox.wire import FigureData, Unsupported

#: Base of the hidden seeds when no submission is being graded (the warm-up, a check run by
#: hand). Grading sets a base of its own per submission (``hidden_inputs``). Public tests use
#: other data (seed 42 tempos, the lesson's mixture with seed 0).
HIDDEN_SEED = 730_2026
_BASE = [HIDDEN_SEED]


class CheckFailed(Exception):
    """The student's code is wrong; ``str(exc)`` is the message they read."""


class PartialCredit(CheckFailed):
    """The answer is right up to a point: the check keeps ``fraction`` of its points (a derivation
    right up to the step that breaks), and the message says what broke."""

    def __init__(self, message: str, fraction: float):
        super().__init__(message)
        self.fraction = min(max(float(fraction), 0.0), 1.0)


class NotImplementedYet(CheckFailed):
    """The student has not written this function yet (it raises NotImplementedError)."""


class ForbiddenRoutine(CheckFailed):
    """The function called a library routine that does the exercise's job."""


@dataclass(frozen=True)
class Check:
    exercise: str
    function: str
    name: str
    title: str
    points: float
    run: Callable


REGISTRY: dict[str, list[Check]] = {}


def check(function: str, points: float, title: str | None = None, *, scale: bool = False):
    """Register a hidden check of ``function`` worth ``points``.

    The exercise is the module the check lives in (``autograder.checks.<slug>``);
    the title defaults to the first line of the check's docstring. ``scale``: the check's
    inputs are large because size is what it tests (a sum that must stay finite, a loop that
    must finish in time); every other check's inputs are as small as its mistakes allow
    (docs/hidden-inputs.md).
    """

    def register(run: Callable) -> Callable:
        run.scale = scale
        exercise = run.__module__.rsplit(".", 1)[-1]
        doc = (run.__doc__ or run.__name__).strip().splitlines()[0]
        REGISTRY.setdefault(exercise, []).append(
            Check(exercise, function, run.__name__, title or doc, float(points), run)
        )
        return run

    return register


def rng(name: str) -> np.random.Generator:
    """A generator seeded from the current base seed and a name: a check's data are fixed for one
    submission (``hidden_inputs``) and differ between submissions."""
    return np.random.default_rng([_BASE[0], zlib.crc32(name.encode())])


def fixed_rng(name: str) -> np.random.Generator:
    """A generator that is the same for every submission: only for inputs whose answer cannot be
    handed in as a table (a figure must be drawn from the data it is given)."""
    return np.random.default_rng([HIDDEN_SEED, zlib.crc32(name.encode())])


def base_seed() -> int:
    """The base seed the checks draw their inputs from now."""
    return _BASE[0]


@contextmanager
def hidden_inputs(seed: int):
    """Run checks with inputs drawn from ``seed`` (``course_secret.submission_seed``)."""
    previous, _BASE[0] = _BASE[0], int(seed)
    try:
        yield
    finally:
        _BASE[0] = previous


# --------------------------------------------------------------------------
# Describing calls and values in messages
# --------------------------------------------------------------------------

def fmt(value, digits: int = 6) -> str:
    """A short, readable rendering of a value for a message."""
    if isinstance(value, Unsupported):
        return value.description
    if isinstance(value, FigureData):
        return "a figure"
    if isinstance(value, (bool, np.bool_)) or value is None:
        return repr(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.{digits}g}"
    if isinstance(value, np.ndarray):
        if value.size > 8:
            head = ", ".join(fmt(v, 4) for v in value.ravel()[:5])
            return f"array of shape {value.shape} starting [{head}, ...]"
        with np.printoptions(precision=4, suppress=False):
            return f"array({np.array2string(value, separator=', ')})"
    if isinstance(value, tuple):
        return "(" + ", ".join(fmt(v, digits) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, list):
        if len(value) > 8:
            return f"a list of {len(value)} items"
        return "[" + ", ".join(fmt(v, digits) for v in value) + "]"
    if isinstance(value, dict):
        return "a dict with keys " + ", ".join(repr(k) for k in value)
    return repr(value)[:80]


def describe_arg(value) -> str:
    if isinstance(value, np.ndarray):
        kind = "floats" if value.dtype.kind == "f" else "ints" if value.dtype.kind in "iu" else "values"
        shape = "x".join(map(str, value.shape))
        return f"<{shape} array of {kind}>" if value.ndim != 1 else f"<{value.size} {kind}>"
    if isinstance(value, list) and len(value) > 4:
        return f"<list of {len(value)} numbers>"
    return fmt(value)


def call_text(function: str, args, kwargs=None) -> str:
    parts = [describe_arg(a) for a in args]
    parts += [f"{k}={describe_arg(v)}" for k, v in (kwargs or {}).items()]
    return f"{function}({', '.join(parts)})"


# --------------------------------------------------------------------------
# The student, as seen from a check
# --------------------------------------------------------------------------

#: A sentence added to a raised error's message, by exception type.
_ERROR_ADVICE = {
    "MemoryError": " It used more memory than the grader allows: avoid building arrays much larger "
                   "than the data (an (n, n) table, say).",
    "RecursionError": " It recursed too deeply: use a loop or NumPy instead.",
}


def forbidden_message(function: str, routines) -> str:
    return (f"{function} calls {', '.join(routines)}, a library routine that does this "
            f"exercise's job for you. Write the computation yourself with NumPy: "
            f"every check of {function} scores 0 while it calls it.")


#: What to look for when a call runs out of time, by exercise: a hint the student can act on there.
TIMEOUT_HINTS = {
    "": "Look for a loop that never ends, or a loop over every point where NumPy could work on whole arrays.",
    "derivations": ("Look for a loop that never ends, or SymPy work that grows without end (sp.simplify or "
                    "sp.solve on a large expression, a power expanded): take one small step at a time, with "
                    "sp.expand_log or sp.collect on the part that changes."),
}


class Student:
    """Calls the student's functions in the sandbox and turns failures into messages.

    ``student.gaussian_mle(x)`` returns the decoded value, or raises
    ``CheckFailed`` saying what went wrong in the student's terms.
    """

    def __init__(self, session):
        self._session = session

    def __getattr__(self, function: str):
        if function.startswith("_"):
            raise AttributeError(function)
        return lambda *args, **kwargs: self._call(function, args, kwargs)

    def _call(self, function: str, args, kwargs):
        reply, text = self._session.call(function, args, kwargs)
        status = reply.status
        if reply.forbidden:
            raise ForbiddenRoutine(forbidden_message(function, reply.forbidden))
        if status == "missing":
            raise CheckFailed(f"MISSING FUNCTION: your file defines no function named {function}. "
                              f"Keep the name and signature of the stub.")
        if status == "raised":
            error = reply.error
            if error.get("type") == "NotImplementedError":
                raise NotImplementedYet(f"{function} is not implemented yet (it raises NotImplementedError).")
            where = "".join(f"\n    {line}" for line in error.get("trace", []))
            advice = _ERROR_ADVICE.get(error.get("type"), "")
            if error.get("type") == "MemoryError":
                hit_limit("memory limit")
            if "File too large" in error.get("message", ""):
                advice = (" It printed or wrote more than the grader keeps: remove debugging "
                          "output from loops.")
            raise CheckFailed(f"Called {text}: it raised {error.get('type')}: "
                              f"{error.get('message')}{where}{advice}")
        if status == "timeout":
            hit_limit("time limit")
            hint = TIMEOUT_HINTS.get(getattr(self._session, "slug", ""), TIMEOUT_HINTS[""])
            raise CheckFailed(f"Called {text}: it did not finish within its time limit "
                              f"({self._session.last_timeout:g} s). {hint}")
        if status == "bad_reply":
            raise CheckFailed(f"Called {text}: the process running your code sent back something "
                              f"the grader cannot read ({reply.error.get('message', '')}), so this "
                              f"call fails. Return plain values (floats, NumPy arrays, tuples, lists, "
                              f"dicts) and leave the grader's channel alone.")
        if status == "crashed":
            hit_limit("crash or memory limit")
            raise CheckFailed(f"Called {text}: the process running your code stopped "
                              f"(it exited, was killed or ran out of memory). {reply.error.get('message', '')}")
        if reply.mutated:
            names = ", ".join(f"argument {i + 1}" for i in reply.mutated)
            raise CheckFailed(f"Called {text}: it changed its input ({names}) in place. "
                              f"Work on a copy (np.array(x, dtype=float)) and leave the caller's data alone.")
        if status != "returned":
            raise CheckFailed(f"Called {text}: unexpected reply {status}.")
        return reply.value


# --------------------------------------------------------------------------
# Validating what came back
# --------------------------------------------------------------------------

def returned(call: str, what: str, value) -> CheckFailed:
    return CheckFailed(f"Called {call}: it should return {what}, but returned {fmt(value)}.")


def as_float(value, call: str, *, finite: bool = True) -> float:
    """A real number: Python float, NumPy float or int, or an array of one element."""
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "fiu":
        value = value.reshape(()).item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise returned(call, "a float", value)
    value = float(value)
    if finite and not math.isfinite(value):
        raise CheckFailed(f"Called {call}: it returned {value}, not a finite number. "
                          f"Look for a division by 0 (n - 1 is 0 when n = 1) or a log of 0 "
                          f"(a product of many small densities underflows to 0, so work with "
                          f"sums of logs).")
    return value


def as_floats(value, count: int, call: str) -> tuple[float, ...]:
    """A tuple or list of ``count`` real numbers (e.g. ``(mu_hat, sigma_hat)``)."""
    if isinstance(value, np.ndarray) and value.shape == (count,):
        value = tuple(value.tolist())
    if not isinstance(value, (tuple, list)) or len(value) != count:
        raise returned(call, f"a tuple of {count} floats", value)
    return tuple(as_float(v, call) for v in value)


def as_array(value, shape: tuple, call: str, *, what: str = "an array", finite: bool = True,
             kind: str = "fiub") -> np.ndarray:
    """A numeric array of exactly ``shape`` (lists accepted), finite unless told otherwise."""
    if isinstance(value, (list, tuple)):
        try:
            value = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise returned(call, f"{what} of shape {shape}", value) from None
    if not isinstance(value, np.ndarray) or value.dtype.kind not in kind:
        raise returned(call, f"{what} of shape {shape}", value)
    if value.shape != tuple(shape):
        raise CheckFailed(f"Called {call}: it should return {what} of shape {tuple(shape)}, "
                          f"but the result has shape {value.shape}.")
    if finite and value.dtype.kind == "f" and not np.all(np.isfinite(value)):
        bad = int(np.sum(~np.isfinite(value)))
        raise CheckFailed(f"Called {call}: {bad} of its {value.size} values are NaN or infinite.")
    return value.astype(float) if value.dtype.kind != "f" and "b" not in kind else value


def as_dict(value, keys, call: str) -> dict:
    if not isinstance(value, dict):
        raise returned(call, f"a dict with keys {', '.join(map(repr, keys))}", value)
    missing = [k for k in keys if k not in value]
    if missing:
        raise CheckFailed(f"Called {call}: the dict it returned has no key {', '.join(map(repr, missing))}.")
    return value


# --------------------------------------------------------------------------
# Comparing, and naming the mistake
# --------------------------------------------------------------------------

#: float32 carries 24 bits (eps = 1.2e-7). A result computed in float32 with
#: NumPy's pairwise sums, counting the rounding of its inputs to float32 and the
#: cancellation in x - mu on this data, lands within about a hundred eps of the
#: float64 value: 2e-5 relative covers it. That is still 600 times tighter than
#: the smallest mistake the checks look for (n against n - 1 at n = 40, 1.27 %),
#: and a known mistake that lies closer to the result than the answer does is
#: named, not forgiven.
FLOAT32_RTOL = 2e-5

FLOAT32_NOTE = ("Note: your results agree with the expected values only to float32 precision "
                "(about 7 significant digits). That is accepted, but compute in float64, NumPy's "
                "default (np.asarray(x, dtype=float)), to keep all 16 digits.")

#: The same tier reached by float64 values: what such a gap usually means, without a claim
#: about float32 the values do not show ({gap} is the relative difference, as "3e-6").
NEAR64_NOTE = ("Note: your results agree with the expected values to about {gap} relative, where "
               "float64 arithmetic usually agrees to 1e-12 or better. That is accepted, but a gap "
               "this size usually means a step that loses digits: a constant typed short (3.14159 "
               "for pi), a value rounded on the way, or an iterative method stopped early.")

_notes: list[str] = []


def note(text: str) -> None:
    """Add a remark to the current check's result (shown even when it passes)."""
    if text not in _notes:
        _notes.append(text)


_shown: list = []


def show_math(label: str, mathml: str, latex: str = "") -> None:
    """Attach an expression to the current check's result: presentation MathML for the HTML
    feedback, LaTeX for the notebooks' hidden cells."""
    if len(_shown) < 6 and (label, mathml, latex) not in _shown:
        _shown.append((label, mathml, latex))


def take_math() -> list:
    """The expressions the check that just ran attached, cleared for the next one."""
    shown = [list(pair) for pair in _shown]
    _shown.clear()
    return shown


_mistakes: list[str] = []


def name_mistake(sentence: str) -> None:
    """Record that the current check's answer matched the mistake model ``sentence`` (the
    sentence its message names): the class summary counts these per check."""
    if sentence:
        _mistakes.append(sentence)


_limits: list[str] = []


def hit_limit(kind: str) -> None:
    """Record that the student's code hit one of the grader's limits in the current check."""
    _limits.append(kind)


def take_limit() -> str:
    """The limit the check that just ran hit (the first), cleared."""
    first = _limits[0] if _limits else ""
    _limits.clear()
    return first


def take_mistake() -> str:
    """The mistake the check that just ran matched last (the one its failure names), cleared."""
    last = _mistakes[-1] if _mistakes else ""
    _mistakes.clear()
    return last


def take_notes() -> str:
    """The remarks of the check that just ran, cleared for the next one."""
    text = " ".join(_notes)
    _notes.clear()
    return text


def _pair(got, want):
    try:
        got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    except (TypeError, ValueError):
        return None
    return (got, want) if got.shape == want.shape else None


def distance(got, want, rtol: float, atol: float = 0.0) -> float:
    """How many tolerances apart two values are (<= 1 is close; inf if shapes differ)."""
    pair = _pair(got, want)
    if pair is None:
        return math.inf
    got, want = pair
    if got.size == 0:
        return 0.0
    with np.errstate(all="ignore"):
        gap = np.abs(got - want)
        gap = np.where(got == want, 0.0, gap)  # equal infinities are not apart
        scaled = gap / (atol + rtol * np.abs(want)) if (atol or rtol) else np.where(gap == 0, 0.0, np.inf)
    scaled = np.where(np.isnan(scaled), np.inf, scaled)
    return float(np.max(scaled))


def close(got, want, rtol: float, atol: float = 0.0) -> bool:
    pair = _pair(got, want)
    return pair is not None and bool(np.all(np.isclose(pair[0], pair[1], rtol=rtol, atol=atol)))


@dataclass(frozen=True)
class Tolerance:
    """A check's own tolerance, and the float32 tier beside it.

    ``atol32`` is the absolute part of the float32 tier (for values near 0);
    by default the check's ``atol`` scaled like its ``rtol``.
    """

    rtol: float
    atol: float = 0.0
    atol32: float | None = None
    wide32: float | None = None  # the float32 tier's rtol, when wider than FLOAT32_RTOL
    note: str = FLOAT32_NOTE  # for values that are float32
    note64: str = NEAR64_NOTE  # for float64 values at the same tier ({gap}: how far apart)

    @property
    def rtol32(self) -> float:
        return max(self.rtol, self.wide32 or FLOAT32_RTOL)

    @property
    def tier32_atol(self) -> float:
        if self.atol32 is not None:
            return self.atol32
        if self.rtol > 0:
            return max(self.atol, self.atol * FLOAT32_RTOL / self.rtol)
        return max(self.atol, FLOAT32_RTOL)

    def exact(self, got, want) -> bool:
        return close(got, want, self.rtol, self.atol)

    def within32(self, got, want) -> bool:
        return close(got, want, self.rtol32, self.tier32_atol)

    def distance32(self, got, want) -> float:
        return distance(got, want, self.rtol32, self.tier32_atol)

    def level(self, got, want) -> str | None:
        """"exact", "float32" (close only at the float32 tier) or None."""
        if self.exact(got, want):
            return "exact"
        return "float32" if self.within32(got, want) else None


#: An optimiser minimising an objective computed in float32 (relative noise about
#: 1e-7) can place the minimum only to about sqrt(1e-7), 3e-4 relative: its tier
#: is 1e-3, still 12 times tighter than n against n - 1 at n = 40 (1.27 %).
OPTIMISER32 = 1e-3
OPTIMISER_NOTE = ("Note: your optimiser's answer agrees with the exact maximiser only to about "
                  "1e-3 relative. That is accepted (an objective computed in float32 allows no "
                  "better), but compute the objective in float64 and use a tight tolerance "
                  "(e.g. options={'gtol': 1e-10}) to get 1e-6 or better.")
OPTIMISER64_NOTE = ("Note: your optimiser's answer agrees with the exact maximiser to about {gap} "
                    "relative. That is accepted, but it usually means the optimiser stopped before "
                    "converging, or that the objective it minimises is computed in float32 (which "
                    "places an optimum only to about 1e-3): compute the objective in float64, use a "
                    "tight tolerance (e.g. options={{'gtol': 1e-10}}) and check result.success to get "
                    "1e-6 or better.")


def optimiser_tolerance(rtol: float, atol: float = 0.0) -> Tolerance:
    """The tolerance of a value found by a numerical optimiser, with its float32 tier."""
    return Tolerance(rtol, atol, atol32=atol * OPTIMISER32 / rtol if atol else None,
                     wide32=OPTIMISER32, note=OPTIMISER_NOTE, note64=OPTIMISER64_NOTE)


def relative_gap(got, want) -> str:
    """The largest relative difference, rounded to one digit as "3e-6" (for notes)."""
    pair = _pair(got, want)
    if pair is None:
        return "?"
    with np.errstate(all="ignore"):
        gap = np.abs(pair[0] - pair[1]) / np.abs(pair[1])
    gap = gap[np.isfinite(gap)]
    worst = float(gap.max()) if gap.size else 0.0
    if worst <= 0:
        return "1e-12"
    mantissa, exponent = f"{worst:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def looks_float32(got, want) -> bool:
    """Every value is exactly a float32 while the answer is not: it was computed in float32."""
    pair = _pair(got, want)
    if pair is None or pair[0].size == 0:
        return False
    got, want = pair
    with np.errstate(all="ignore"):
        def single(a):
            return bool(np.all(~np.isfinite(a) | (a.astype(np.float32).astype(float) == a)))
        return single(got) and not single(want)


class Lazy:
    """A value made on first use. The mistake models cost a correct student's grading its time
    and are needed only for an answer that is not exact: ``mistakes=Lazy(lambda: ...)``.
    ``lazy[key]`` is a lazy part (``mistakes["mu"]``), made from one shared value."""

    def __init__(self, make):
        self._make, self._made, self._value = make, False, None

    def __call__(self):
        if not self._made:
            self._value, self._made = self._make(), True
        return self._value

    def __getitem__(self, key):
        return Lazy(lambda: self()[key])


def accept(got, want, tol: Tolerance, mistakes=None) -> bool | str:
    """True if ``got`` is the answer (noting float32 work), else False, or the message of the
    mistake it matches. At the float32 tier a known mistake closer than the answer wins.
    ``mistakes``: a dict, or a ``Lazy`` one (made only when the answer is not exact)."""
    level = tol.level(got, want)
    if level == "exact":
        if looks_float32(got, want):
            note(FLOAT32_NOTE)
        return True
    models = dict((mistakes() if isinstance(mistakes, Lazy) else mistakes) or {})
    for message, wrong in models.items():
        if tol.exact(got, wrong):
            name_mistake(message)
            return message
    if level == "float32":
        to_answer = tol.distance32(got, want)
        # Only mistakes that float32 can tell from the answer on these inputs count.
        rivals = [(tol.distance32(got, wrong), message) for message, wrong in models.items()
                  if not tol.within32(wrong, want)]
        rivals = [r for r in rivals if r[0] < to_answer]
        if not rivals:
            note(tol.note if looks_float32(got, want) else tol.note64.format(gap=relative_gap(got, want)))
            return True
        name_mistake(min(rivals)[1])
        return min(rivals)[1]
    for message, wrong in models.items():
        if tol.within32(got, wrong):
            name_mistake(message)
            return message
    return False


def _digits_apart(a: float, b: float) -> int:
    for digits in range(6, 18):
        if f"{a:.{digits}g}" != f"{b:.{digits}g}":
            return digits
    return 17


def mismatch(call: str, what: str, got, want) -> str:
    """"Called f(...): <what> got X, expected Y." printing enough digits to tell X from Y."""
    label = f" {what}:" if what else ""
    shown_got, shown_want = fmt(got), fmt(want)
    text = f"Called {call}:{label} got {shown_got}, expected {shown_want}."
    pair = _pair(got, want)
    if pair is None:
        return text
    g, w = pair
    with np.errstate(all="ignore"):
        gap = np.abs(g - w)
        if not np.any(gap > 0):
            return text
        rel = gap / np.maximum(np.abs(w), np.finfo(float).tiny)
        i = np.unravel_index(int(np.nanargmax(np.where(np.isfinite(rel), rel, np.inf))), g.shape)
    a, b = float(g[i]), float(w[i])
    if not (math.isfinite(a) and math.isfinite(b)):
        return text
    relative = abs(a - b) / abs(b) if b else math.inf
    if g.ndim == 0:
        if shown_got == shown_want or relative < 1e-3:
            digits = _digits_apart(a, b)
            text = (f"Called {call}:{label} got {a:.{digits}g}, expected {b:.{digits}g} "
                    f"(relative difference {relative:.1e}).")
        return text
    if shown_got == shown_want or relative < 1e-3:
        digits = _digits_apart(a, b)
        where = ", ".join(map(str, i))
        text = (f"{text[:-1]}; they differ most at [{where}]: {a:.{digits}g} against {b:.{digits}g} "
                f"(relative difference {relative:.1e}).")
    return text


def expect_close(got, want, *, call: str, rtol: float, atol: float = 0.0,
                 mistakes: dict | Lazy | None = None, what: str = "", hint: str = "",
                 atol32: float | None = None, tolerance: Tolerance | None = None) -> None:
    """Fail unless ``got`` matches ``want``; if it matches a known mistake, say which.

    ``mistakes`` maps a message ("sigma divides by n - 1; the MLE divides by n")
    to the value that mistake would produce on the same inputs. Work that agrees
    only to float32 precision passes with a note (see ``FLOAT32_RTOL``).
    """
    verdict = accept(got, want, tolerance or Tolerance(rtol, atol, atol32), mistakes)
    if verdict is True:
        return
    base = mismatch(call, what, got, want)
    if isinstance(verdict, str):
        raise CheckFailed(f"{base} {verdict}")
    raise CheckFailed(f"{base} {hint}".rstrip())
