"""Ask the references, once per run, the questions a correct student's checks ask.

A worker's first student would otherwise pay for every reference answer (EM fits,
BFGS minimisations) before the reference memo (``reference_memo``) holds them. The
workers are forked from a server that imported the checks; run there, while the
zygote imports the scientific stack, this fills the memo that every worker
inherits. The checks run against the references themselves, in this process: trusted
code, so no sandbox; each answer crosses the wire's encoding as a student's would.
Nothing of it is kept but the references' answers: outcomes are thrown away, the
check memo is not used, and it imports nothing (a reference that needs a module not
yet imported, such as Matplotlib for a figure, is simply not asked).
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import importlib.abc
import io
import sys
import time
import warnings

import numpy as np

from . import framework
from .framework import Student
from ..sandbox import Reply, wire

#: Seconds the warm-up may take at most: it starts no check after that.
BUDGET = 2.0


class _NoNewImports(importlib.abc.MetaPathFinder):
    """Refuses every module not imported yet: the warm-up costs no import."""

    def find_spec(self, name, path=None, target=None):
        raise ImportError(f"{name} is not imported during the warm-up")


class InProcessSession:
    """Answers a check's calls of "the student" with a module's functions called in this process,
    each value crossing the wire's encoding as a child's would: the warm-up asks the references
    this way (trusted code, no sandbox), and so does the margin test (tests/direct_student.py),
    whose many seeds would cost minutes through the sandbox. ``quiet`` swallows what the module
    prints; ``watch_inputs`` reports arrays the call changed, as the child does."""

    last_timeout = 0.0
    blocked: list = []

    def __init__(self, module, *, quiet: bool = False, watch_inputs: bool = False):
        self.module, self.quiet, self.watch_inputs = module, quiet, watch_inputs

    def call(self, function: str, args, kwargs) -> tuple[Reply, str]:
        text = framework.call_text(function, args, kwargs)
        target = getattr(self.module, function, None)
        if not callable(target):
            return Reply("missing"), text
        try:
            buffers: list = []
            sent = [wire.encode(a, buffers) for a in args], {k: wire.encode(v, buffers) for k, v in kwargs.items()}
            args = [wire.decode(a, buffers) for a in sent[0]]
            kwargs = {k: wire.decode(v, buffers) for k, v in sent[1].items()}
            before = copy.deepcopy(args) if self.watch_inputs else None
            with contextlib.redirect_stdout(io.StringIO()) if self.quiet else contextlib.nullcontext():
                value = target(*args, **kwargs)
            buffers = []
            value = wire.decode(wire.encode(value, buffers), buffers)
        except Exception as exc:
            return Reply("raised", error={"type": type(exc).__name__, "message": str(exc), "trace": []}), text
        mutated = [] if before is None else [
            i for i, (a, b) in enumerate(zip(args, before))
            if isinstance(a, np.ndarray) and not np.array_equal(a, b, equal_nan=True)]
        return Reply("returned", value=value, mutated=mutated), text


def warm_up(slugs: list[str], budget: float = BUDGET) -> int:
    """Run the checks of ``slugs`` against the references; the number of checks run."""
    from .grading import checks_for

    deadline = time.monotonic() + budget
    blocker = _NoNewImports()
    ran = 0
    sys.meta_path.insert(0, blocker)
    try:
        for slug in slugs:
            try:
                session = InProcessSession(importlib.import_module(f"solutions.{slug}"))
                checks = checks_for(slug)
            except ImportError:
                continue
            for check in checks:
                if time.monotonic() > deadline:
                    return ran
                ran += 1
                try:
                    with warnings.catch_warnings(), np.errstate(all="ignore"):
                        warnings.simplefilter("ignore")
                        check.run(Student(session))
                except Exception:  # a check failing here says nothing: only the answers are kept
                    pass
                finally:
                    framework.take_notes()
                    framework.take_math()
    finally:
        sys.meta_path.remove(blocker)
    return ran
