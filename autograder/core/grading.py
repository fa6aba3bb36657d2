"""Grade one student's module for one exercise: run every hidden check, collect results.

The checks run here, in the grading process, with the reference; the
student's code runs in a sandboxed child (``sandbox``). A child that hangs or
dies is replaced for the next check, so one broken function costs only its
own checks, and a function that timed out once is not waited for again.
"""

from __future__ import annotations

import copy
import importlib
import math
import shutil
import tempfile
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np

from . import check_memo, course_secret, dependencies, forbidden, framework, reference_memo, student_source
from .framework import CheckFailed, ForbiddenRoutine, NotImplementedYet, PartialCredit, Student
from .load_errors import load_error_location
from .record import CheckResult, ExerciseRecord
from .manifest import exercise as find_exercise
from .manifest import exercises
from .policy import DEFAULT as DEFAULT_POLICY
from ..sandbox import Limits, Reply, StudentModule, Zygote
from ..sandbox.scratch import remove_tree


def checks_for(slug: str) -> list[framework.Check]:
    """The registered checks of an exercise, in the order they are written."""
    importlib.import_module(f"autograder.checks.{slug}")
    reference_memo.install()
    return list(framework.REGISTRY.get(slug, []))


def max_points(slug: str) -> float:
    return sum(c.points for c in checks_for(slug))


class Session:
    """The live student child for one exercise, restarted after a crash or timeout."""

    def __init__(self, zygote: Zygote, module_path: Path, scratch: Path, slug: str,
                 limits: Limits, budget: float, forbidden_uses: dict[str, list[str]] | None = None):
        self.zygote, self.module_path, self.scratch = zygote, module_path, scratch
        #: function -> forbidden routines its source uses (``forbidden.analyse``): never called.
        self.forbidden_uses = forbidden_uses or {}
        self.slug, self.limits = slug, limits
        self.deadline = time.monotonic() + budget
        self.timed_out: set[str] = set()
        self.blocked: list[str] = []  # attempts the sandbox refused, in order
        self.outputs: list[str] = []
        self.last_timeout = limits.call_timeout
        self.child: StudentModule | None = None
        #: Replies to small calls, by digest: a call repeated by another check (three checks look
        #: at one plot) is answered once. The functions are pure; a reply that depends on timing
        #: (a timeout, a crash) is never reused.
        self.answered: dict[bytes, Reply] = {}
        self.load: Reply = self._start()

    def _start(self) -> Reply:
        self.child = StudentModule(self.zygote, self.module_path, self.scratch, self.slug, self.limits)
        self._note_blocked(self.child.load)
        return self.child.load

    def _note_blocked(self, reply: Reply) -> None:
        for what in reply.blocked:
            if what not in self.blocked:
                self.blocked.append(what)

    def call(self, function: str, args, kwargs) -> tuple[Reply, str]:
        text = framework.call_text(function, args, kwargs)
        if function in self.forbidden_uses:  # found in the source: whatever the child would say
            return Reply("returned", forbidden=list(self.forbidden_uses[function])), text
        if function in self.timed_out:
            return Reply("timeout"), text
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            framework.hit_limit("time budget")
            raise CheckFailed("Not run: the exercise used up its time budget before this check "
                              "(an earlier call was too slow).")
        if self.child is None or not self.child.alive:
            self._collect_output()
            load = self._start()
            if load.status != "loaded":
                return Reply("crashed", error={"message": "your module could not be loaded again"}), text
        key = _small_call_digest(function, args, kwargs)
        if key in self.answered:
            return copy.deepcopy(self.answered[key]), text
        self.last_timeout = min(self.limits.call_timeout, remaining)
        reply = self.child.call(function, args, kwargs, timeout=self.last_timeout)
        self._note_blocked(reply)
        if reply.status == "timeout":
            self.timed_out.add(function)
        if key is not None and reply.status in check_memo.DIGESTIBLE and not reply.blocked:
            self.answered[key] = copy.deepcopy(reply)
        return reply, text

    def _collect_output(self) -> None:
        if self.child is not None:
            text = self.child.output()
            if text:
                self.outputs.append(text)

    def close(self) -> str:
        if self.child is not None:
            self.child.kill()
            self._collect_output()
        return "\n".join(self.outputs)[:8000]


#: Bytes of array arguments up to which a call is digested to answer a repeat of it from memory
#: (larger arguments are not worth hashing: no check repeats those calls).
SMALL_CALL_BYTES = 64 << 10


def _small_call_digest(function: str, args, kwargs) -> bytes | None:
    """None for a call that is not plain data (never reused) or too large to be worth hashing."""
    return check_memo.digest_within(SMALL_CALL_BYTES, function, list(args), dict(kwargs or {}))


def _zero(check: framework.Check, status: str, message: str) -> CheckResult:
    return CheckResult(check.exercise, check.function, check.name, check.title, 0.0,
                       check.points, status, message)


def grade_module(slug: str, module_path: Path | None, zygote: Zygote, *,
                 limits: Limits = DEFAULT_POLICY.limits(), budget: float = DEFAULT_POLICY.budget,
                 siblings: dict[str, Path] | None = None) -> ExerciseRecord:
    """Run every hidden check of exercise ``slug`` against the student's file.

    ``siblings``: the student's other exercise modules (slug -> prepared
    ``.py``), copied beside this one so that ``from em_gmm import e_step``
    imports the student's own ``em_gmm``; only ``slug``'s checks are run.
    """
    find_exercise(slug)  # unknown exercise: fail loudly, it is a grader bug
    checks = checks_for(slug)
    start = time.monotonic()
    if module_path is None:
        message = f"No {slug}.py (or {slug}.ipynb) was submitted."
        return ExerciseRecord(slug, "missing", message,
                              [_zero(c, "failed", message) for c in checks], seconds=0.0)
    if Path(module_path).is_symlink() or not Path(module_path).is_file():
        message = (f"{slug}.py is a symbolic link or not a regular file: submit the file itself.")
        return ExerciseRecord(slug, "load_error", message,
                              [_zero(c, "failed", message) for c in checks], seconds=0.0)
    scratch = Path(tempfile.mkdtemp(prefix=f"grade-{slug}-"))
    try:
        student_file = scratch / f"{slug}.py"
        shutil.copyfile(module_path, student_file, follow_symlinks=False)
        sources, sibling_code = {}, {}
        for other, path in (siblings or {}).items():
            if other != slug and path.is_file() and not path.is_symlink():
                shutil.copyfile(path, scratch / f"{other}.py", follow_symlinks=False)
                sibling_code[other] = (scratch / f"{other}.py").read_bytes()
                sources[other] = student_source.decode_source(sibling_code[other])
        # Read before the child starts: these are the bytes the child imports, and the inputs.
        code = student_file.read_bytes()
        seed = course_secret.submission_seed(slug, code, sibling_code)
        source = student_source.decode_source(code)
        too_deep = student_source.nesting_problem(source, f"{slug}.py")
        if too_deep:  # the student's to fix: the grader reads no further, and runs nothing
            return ExerciseRecord(slug, "load_error", too_deep,
                                  [_zero(c, "failed", too_deep) for c in checks], seconds=time.monotonic() - start)
        uses = forbidden.analyse(source, sources, limits.forbidden)
        session = Session(zygote, student_file, scratch, slug, limits, budget, forbidden_uses=uses)
        if session.blocked:
            return _blocked(slug, checks, session, start)
        if session.load.status != "loaded":
            message = _load_failure(slug, session.load, source)
            output = session.close()
            limit = {"timeout": "import time limit", "crashed": "crash or memory limit"}.get(
                session.load.status, "")
            return ExerciseRecord(slug, "load_error", message,
                                  [replace(_zero(c, "failed", message), limit=limit) for c in checks],
                                  output, time.monotonic() - start)
        with framework.hidden_inputs(seed):
            results = [_run_check_remembered(c, session) for c in checks]
        if session.blocked:
            return _blocked(slug, checks, session, start)
        results = _zero_forbidden_functions(results, uses)
        results = dependencies.attribute(results, source)
        output = session.close()
        return ExerciseRecord(slug, "graded", "", results, output, time.monotonic() - start)
    finally:
        remove_tree(scratch)  # the child may have left a tree of any depth there


def _blocked(slug: str, checks, session: Session, start: float) -> ExerciseRecord:
    """The submission tried to escape the sandbox: the whole exercise scores 0, saying what it tried."""
    tried = "; ".join(session.blocked[:3])
    message = (f"Your {slug}.py tried to {tried}. The grader does not allow that, so this "
               f"exercise scores 0. Compute the answers from the function's arguments only.")
    output = session.close()
    return ExerciseRecord(slug, "blocked", message, [_zero(c, "blocked", message) for c in checks],
                          output, time.monotonic() - start)


def _run_check(check: framework.Check, student: Student) -> CheckResult:
    framework.take_notes()  # a note belongs to the check that made it
    framework.take_math()
    framework.take_mistake()
    framework.take_limit()
    result = _run_check_once(check, student)
    limit = framework.take_limit()
    return replace(result, limit=limit) if limit and not result.passed else result


def _run_check_once(check: framework.Check, student: Student) -> CheckResult:
    try:
        # The mistake models compute wrong answers on purpose (ddof=1 at n=1, log of 0):
        # their warnings are expected and say nothing about the student.
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            check.run(student)
    except NotImplementedYet as exc:
        return _zero(check, "not_implemented", str(exc))
    except ForbiddenRoutine as exc:
        return _zero(check, "forbidden", str(exc))
    except PartialCredit as exc:  # right up to a point: a share of the points, rounded down
        kept = math.floor(check.points * exc.fraction * 100 + 1e-9) / 100
        return CheckResult(check.exercise, check.function, check.name, check.title, kept,
                           check.points, "failed", str(exc), framework.take_math(),
                           framework.take_mistake())
    except CheckFailed as exc:
        return _failed(check, "failed", str(exc))
    except Exception as exc:  # a bug in the check itself, not the student's fault
        return _zero(check, "grader_error",
                     f"The grader failed on this check ({type(exc).__name__}: {exc}). "
                     f"This is not your mistake: your teaching staff has been told.")
    framework.take_mistake()  # a mistake model matched on the way to a pass names nothing
    return CheckResult(check.exercise, check.function, check.name, check.title, check.points,
                       check.points, "passed", framework.take_notes())


def _failed(check: framework.Check, status: str, message: str) -> CheckResult:
    """A failed check's result, with the expressions it showed (for the HTML feedback) and the
    mistake model its answer matched."""
    return replace(_zero(check, status, message), math=framework.take_math(),
                   mistake=framework.take_mistake())


def _run_check_remembered(check: framework.Check, session: Session) -> CheckResult:
    """``_run_check``, whose outcome is reused when the student's replies match a student
    already graded by this worker (see ``check_memo``); every call still reaches the sandbox."""
    if not check_memo.enabled():
        return _run_check(check, Student(session))
    return check_memo.run_check(check, session, lambda c, s: _run_check(c, Student(s)))


def _zero_forbidden_functions(results: list[CheckResult],
                              uses: dict[str, list[str]] | None = None) -> list[CheckResult]:
    """``results`` where a function that called a forbidden routine in any check, or whose source
    uses one, loses all its points; the other functions keep theirs."""
    forbidden = {r.function: r.message for r in results if r.status == "forbidden"}
    for function, routines in (uses or {}).items():
        forbidden.setdefault(function, framework.forbidden_message(function, routines))
    return [replace(r, points=0.0, status="forbidden", message=forbidden[r.function], mistake="")
            if r.function in forbidden and r.status != "forbidden" else r for r in results]


def _load_failure(slug: str, load: Reply, source: str = "") -> str:
    if load.status == "timeout":
        return (f"Importing {slug}.py did not finish within its time limit: code at the top "
                f"level of the file runs on import (move experiments into functions or under "
                f"`if __name__ == \"__main__\":`).")
    if load.status == "bad_reply":
        return (f"Importing {slug}.py sent the grader something it cannot read "
                f"({load.error.get('message', '')}): leave the grader's channel alone.")
    if load.status == "crashed":
        return (f"Importing {slug}.py stopped the process running it (an exit or a crash at "
                f"the top level of the file).")
    error = load.error
    kind = error.get("type", "error")
    where = load_error_location(source, kind, error.get("trace", []))
    advice = {
        "SyntaxError": "Python could not read the file",
        "IndentationError": "Python could not read the file",
        "ModuleNotFoundError": "it imports a module that is not available to the grader",
        "ImportError": "it imports something that is not available to the grader",
        "SystemExit": "it exits while being imported",
    }.get(kind, "it raised an error while being imported")
    return f"Could not import {slug}.py: {advice}. {kind}: {error.get('message', '')}\n{where}".rstrip()


def all_slugs() -> list[str]:
    return [e.slug for e in exercises()]
