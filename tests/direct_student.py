"""Run the hidden checks against a module imported in this process: no sandbox, no memo.

For tests of the checks themselves (their margins on many seeds), where the code under test is
the project's own corpus and the sandbox is not what is tested. Each call crosses the wire's
encoding as a student's reply does, and an argument changed in place is reported as the
sandbox reports it, so a check sees what it sees in grading.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import sys
import warnings
from pathlib import Path

import numpy as np

from autograder.core import framework
from autograder.core.framework import CheckFailed, Student
from autograder.core.warm_up import InProcessSession


def DirectSession(module) -> InProcessSession:
    """The session a check's ``Student`` calls: the module's functions, called here, quietly, with
    changed inputs reported."""
    return InProcessSession(module, quiet=True, watch_inputs=True)


def load(path: Path, name: str, siblings: dict[str, Path] | None = None):
    """Import ``path`` as module ``name`` (its siblings importable under their exercise names)."""
    saved = {slug: sys.modules.get(slug) for slug in (siblings or {})}
    try:
        for slug, sibling in (siblings or {}).items():
            sys.modules[slug] = load(sibling, slug)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            spec.loader.exec_module(module)
        return module
    finally:
        for slug, previous in saved.items():
            if previous is None:
                sys.modules.pop(slug, None)
            else:
                sys.modules[slug] = previous


def run_check(check, module) -> tuple[bool, str]:
    """(passed, message) of one check against ``module``, at the current base seed."""
    framework.take_notes()
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            check.run(Student(DirectSession(module)))
    except CheckFailed as exc:
        return False, str(exc)
    finally:
        framework.take_notes()
        framework.take_math()
        framework.take_mistake()
        framework.take_limit()
    return True, ""
