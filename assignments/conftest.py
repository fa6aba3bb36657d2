"""Makes the public tests speak plainly: one line per unfinished function,
the test's own message for a wrong answer, and only your file's lines for a crash.
It also warns when your code calls a library routine the exercises forbid (the
grader scores that function 0).

It tests the file the grader would grade: the notebook ``<exercise>.ipynb``
when your work is there and ``<exercise>.py`` is the untouched stub (the
``.py`` when both hold work), and says at the end which file it tested."""

import functools
import importlib
import importlib.machinery
import inspect
import linecache
import sys
import traceback
import warnings
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent

#: The library routines that do an exercise for you (the course's list).
FORBIDDEN = {'packages': ['sklearn.mixture', 'sklearn.cluster'], 'routines': ['scipy.stats.norm.fit'], 'prefixes': ['scipy.cluster.vq.kmeans']}

#: Each exercise and the functions the grader calls (the course's list).
EXERCISES = {'gaussian_mle': ['gaussian_log_likelihood', 'gaussian_mle', 'gaussian_mle_numerical'], 'mse_nll': ['mse', 'gaussian_nll', 'nll_from_mse', 'fit_linear_mse', 'fit_linear_gaussian_nll', 'laplace_nll', 'bernoulli_nll'], 'em_gmm': ['gmm_log_likelihood', 'e_step', 'm_step', 'fit_gmm_em', 'plot_em_history'], 'kmeans': ['assign_clusters', 'update_centers', 'fit_kmeans', 'hard_responsibilities'], 'derivations': ['log_likelihood', 'log_likelihood_steps', 'score_mu', 'score_sigma', 'mle_mu', 'mle_sigma', 'hessian_at_mle', 'gaussian_nll_steps', 'nll_slope_in_mse', 'sigma2_at_optimum', 'laplace_nll_steps', 'bernoulli_nll_steps']}


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


_TESTED = {}  # exercise -> (file tested, why)


class _NotebookFinder:
    """Imports an exercise from its notebook when the notebook is the file the grader would grade."""

    def find_spec(self, name, path=None, target=None):
        if name not in EXERCISES or name in _TESTED:
            return None
        if not (HERE / f"{name}.ipynb").is_file() or not (HERE / "lesson_support.py").is_file():
            _TESTED[name] = (f"{name}.py", "")
            return None
        support = _lesson_support()
        chosen, why = support.choose_file(name, EXERCISES[name], HERE)
        _TESTED[name] = (chosen, why)
        if chosen != f"{name}.ipynb":
            return None
        return importlib.machinery.ModuleSpec(name, _NotebookLoader(support), origin=str(HERE / chosen))


class _NotebookLoader:
    def __init__(self, support):
        self.support = support

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        module.__file__ = spec_origin = module.__spec__.origin
        module.__notebook_module__ = True
        for label, code in self.support.notebook_cells(spec_origin):
            exec(self.support._compile_cell(code, label), module.__dict__)


def _lesson_support():
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    return importlib.import_module("lesson_support")


_FINDERS = []


def pytest_configure(config):
    _TESTED.clear()
    for name in EXERCISES:  # a notebook's own check() hands over its kernel's functions
        if getattr(sys.modules.get(name), "__kernel_notebook__", False):
            _TESTED[name] = ("this notebook's kernel", "")
    _wrap_loaded()
    _FINDERS[:] = [_Watcher(), _NotebookFinder()]
    sys.meta_path[:0] = _FINDERS


def pytest_unconfigure(config):
    for finder in _FINDERS:
        if finder in sys.meta_path:
            sys.meta_path.remove(finder)


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
    """Traceback lines from your code (not the tests, not libraries): where, the line, a caret."""
    lines = []
    for frame in traceback.extract_tb(excinfo.tb):
        path = Path(frame.filename)
        notebook = ".ipynb, cell" in frame.filename or "ipykernel_" in frame.filename
        if not notebook and not (path.parent == HERE and not path.name.startswith(
                ("test_", "conftest", "lesson_support", "hand_in_check"))):
            continue
        lines.append(f"  {frame.filename if notebook else path.name}, line {frame.lineno}, in {frame.name}")
        text = (frame.line or "").strip()
        if text:
            lines.append(f"    {text}")
            raw = linecache.getline(frame.filename, frame.lineno).rstrip("\n")
            indent = len(raw) - len(raw.lstrip())
            start, end = frame.colno, frame.end_colno
            if start is not None and end is not None and frame.end_lineno == frame.lineno and end > start >= indent:
                lines.append("    " + " " * (start - indent) + "^" * (end - start))
    return lines[-15:]


def _where_to_write(function, path):
    """The file a not-implemented function is written in: the one tested."""
    for slug, functions in EXERCISES.items():
        if function in functions and slug in _TESTED:
            tested = _TESTED[slug][0]
            return "its answer cell" if "kernel" in tested else tested
    return path.name


def _plain_failure(excinfo):
    """A failed test in one readable message: which function to write, or the test's own words."""
    exc = excinfo.value
    if isinstance(exc, NotImplementedError):
        function = excinfo.traceback[-1].name
        where = _where_to_write(function, Path(str(excinfo.traceback[-1].path)))
        return f"{function}() is not implemented yet: write its body in {where}."
    if isinstance(exc, AssertionError) and exc.args:
        return str(exc.args[0]).split("\nassert ")[0]
    frames = "\n".join(_student_frames(excinfo))
    return f"{type(exc).__name__}: {exc}" + (f"\n{frames}" if frames else "")


def pytest_itemcollected(item):
    # In place of pytest's own report of a failed test, not after it: pytest's reads the source of
    # every frame through inspect.getmodule, which walks all of sys.modules (a thousand once scipy
    # is imported) each time, and cost the stub's run a fifth of a CPU-second only to be replaced.
    item.repr_failure = _plain_failure


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
    for slug, (tested, why) in sorted(_TESTED.items()):
        terminalreporter.write_line(f"{slug}: tested {tested}" + (f" ({why})." if why else "."))
