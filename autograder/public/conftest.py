"""Makes the public tests speak plainly: one line per unfinished function,
the test's own message for a wrong answer, and only your file's lines for a crash.
It also warns when your code calls a library routine the exercises forbid (the
grader scores that function 0)."""

import functools
import importlib
import importlib.machinery
import inspect
import sys
import warnings
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent

#: The library routines that do an exercise for you (the course's list).
FORBIDDEN = {"packages": [], "routines": [], "prefixes": []}


class ForbiddenRoutineWarning(UserWarning):
    """Your code called a routine the exercises forbid."""


_CALLS = []  # during the current test
_SEEN = []  # during the whole run


def _caller():
    """The function of your files that made the call (not a test, not a library)."""
    for frame in inspect.stack()[2:]:
        path = Path(frame.filename)
        if path.parent == HERE and not path.name.startswith(("test_", "conftest")):
            return f"{frame.function} ({path.name})"
    return None


def _record(name, function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        caller = _caller()
        if caller and (caller, name) not in _CALLS:
            _CALLS.append((caller, name))
        return function(*args, **kwargs)

    wrapper.__forbidden_wrapper__ = True
    return wrapper


def _wrap(owner, attr, name):
    obj = getattr(owner, attr, None)
    if obj is None or getattr(obj, "__forbidden_wrapper__", False):
        return
    if inspect.isclass(obj):
        for method in ("fit", "fit_predict", "fit_transform", "predict", "predict_proba"):
            found = getattr(obj, method, None)
            if callable(found) and not getattr(found, "__forbidden_wrapper__", False):
                setattr(obj, method, _record(f"{name}.{method}", found))
    elif callable(obj):
        target = owner if inspect.ismodule(owner) or inspect.isclass(owner) else type(owner)
        setattr(target, attr, _record(name, getattr(target, attr)))


def _wrap_loaded():
    for kind in ("routines", "prefixes"):
        for dotted in FORBIDDEN[kind]:
            holder, _, last = dotted.rpartition(".")
            parts = holder.split(".")
            for i in range(len(parts), 0, -1):
                owner = sys.modules.get(".".join(parts[:i]))
                if owner is not None:
                    for part in parts[i:]:
                        # A module's own attributes only: getattr would import a submodule that is
                        # not imported yet (scipy.stats, a second), and it is wrapped when it is.
                        owner = (vars(owner).get(part) if inspect.ismodule(owner)
                                 else getattr(owner, part, None))
                    break
            else:
                continue
            if owner is None:
                continue
            names = [last] if kind == "routines" else [n for n in dir(owner) if n.startswith(last)]
            for attr in names:
                _wrap(owner, attr, f"{holder}.{attr}")
    for package in FORBIDDEN["packages"]:
        module = sys.modules.get(package)
        for attr in dir(module) if module is not None else ():
            if not attr.startswith("_"):
                _wrap(module, attr, f"{package}.{attr}")


class _Watcher:
    """Wraps the forbidden routines of a library the moment your code imports it."""

    def find_spec(self, name, path=None, target=None):
        listed = FORBIDDEN["packages"] + FORBIDDEN["routines"] + FORBIDDEN["prefixes"]
        if not any(d == name or d.startswith(name + ".") for d in listed):
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.machinery.PathFinder.find_spec(name, path)
        finally:
            sys.meta_path.insert(0, self)
        if spec is not None and spec.loader is not None:
            run = spec.loader.exec_module

            def exec_module(module):
                run(module)
                _wrap_loaded()

            spec.loader.exec_module = exec_module
        return spec


def pytest_configure(config):
    _wrap_loaded()
    sys.meta_path.insert(0, _Watcher())


@pytest.fixture(autouse=True)
def _warn_on_forbidden_routines():
    _CALLS.clear()
    yield
    _SEEN.extend(_CALLS)
    for caller, name in _CALLS:
        warnings.warn(ForbiddenRoutineWarning(
            f"{caller} calls {name}, a library routine that does the exercise for you: the "
            f"grader scores every check of that function 0. Write the computation yourself."))


def _student_frames(excinfo):
    """Traceback lines from the exercise files (not the tests, not libraries)."""
    lines = []
    for entry in excinfo.traceback:
        path = Path(str(entry.path))
        if path.parent == HERE and not path.name.startswith(("test_", "conftest")):
            lines.append(f"  {path.name}:{entry.lineno + 1} in {entry.name}: {str(entry.statement).strip()}")
    return lines[-5:]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or call.excinfo is None or not report.failed:
        return
    exc = call.excinfo.value
    if isinstance(exc, NotImplementedError):
        function = call.excinfo.traceback[-1].name
        filename = Path(str(call.excinfo.traceback[-1].path)).name
        report.longrepr = f"{function}() is not implemented yet: write its body in {filename}."
    elif isinstance(exc, AssertionError) and exc.args:
        report.longrepr = str(exc.args[0]).split("\nassert ")[0]
    else:
        frames = "\n".join(_student_frames(call.excinfo))
        report.longrepr = f"{type(exc).__name__}: {exc}" + (f"\n{frames}" if frames else "")


def pytest_terminal_summary(terminalreporter, exitstatus):
    stats = terminalreporter.stats
    for caller, name in sorted({(c, n) for c, n in _SEEN}):
        terminalreporter.write_line(
            f"Warning: {caller} calls {name}, which the exercises forbid: the grader scores that "
            f"function 0.", yellow=True, bold=True)
    if exitstatus == 0 and stats.get("passed"):
        terminalreporter.write_line(
            "Public tests passed. Your grade comes from hidden checks on other data and edge "
            "cases, so passing these is a good sign, not the grade.", green=True)
    elif stats.get("failed"):
        terminalreporter.write_line(
            "Each failure above says which function to look at and what went wrong.", yellow=True)
