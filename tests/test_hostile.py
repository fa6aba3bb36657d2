"""The threat model, one hostile submission per line of it.

Each case is the exercise-1 reference with one hostile edit, so everything
the edit does not touch is correct: a *fault* must cost only the checks of
the function it broke; a *cheat* (an attempt to read, import, write, spawn or
connect beyond its folder) must score 0 on the exercise with a message saying
what it tried. Every case must finish within its limits, leave no file
outside the scratch folder and no process behind.
"""

from __future__ import annotations

import dataclasses
import os
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder.core.grading import grade_module
from autograder.core.manifest import ROOT, exercise
from autograder.sandbox import Limits
from tests.variants import replace_body

SLUG = "gaussian_mle"
# Generous enough that a busy machine never fails an honest check; small enough to keep the run short.
LIMITS = Limits(call_timeout=5.0, load_timeout=5.0, memory=512 << 20)
BUDGET = 60.0
REFERENCE = exercise(SLUG).solution_path.read_text()
MARKER = "hostile-marker-7f3a"  # names files and processes a case might leave behind


def at_import(code: str) -> str:
    return REFERENCE.replace("def load_tempos", textwrap.dedent(code).strip() + "\n\n\ndef load_tempos", 1)


def in_function(function: str, body: str) -> str:
    return replace_body(REFERENCE, function, body)


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    kind: str  # "cheat": exercise scores 0 and status blocked; "fault": only `broken` lose points
    says: str
    broken: tuple[str, ...] = ()  # for faults: functions that lose points (None: all)


CORRECT_MLE = """
    x = np.asarray(x, dtype=float)
    mu_hat = x.mean()
    return float(mu_hat), float(np.sqrt(np.mean((x - mu_hat) ** 2)))
"""

CASES = [
    # -- exits and interrupts -------------------------------------------------
    Case("sys.exit at import", at_import("import sys\nsys.exit(3)"), "fault", "exits while being imported",
         broken=("*",)),
    Case("os._exit at import", at_import("import os\nos._exit(0)"), "fault", "stopped the process",
         broken=("*",)),
    Case("sys.exit inside a call", in_function("gaussian_mle", "import sys\nsys.exit(0)"), "fault",
         "SystemExit", broken=("gaussian_mle",)),
    Case("os._exit inside a call", in_function("gaussian_mle", "import os\nos._exit(1)"), "fault",
         "process running your code stopped", broken=("gaussian_mle",)),
    Case("raises KeyboardInterrupt", in_function("gaussian_mle", "raise KeyboardInterrupt"), "fault",
         "KeyboardInterrupt", broken=("gaussian_mle",)),
    Case("raises a BaseException subclass",
         in_function("gaussian_mle", "class Out(BaseException):\n    pass\nraise Out('bye')"), "fault",
         "Out: bye", broken=("gaussian_mle",)),
    # -- time ------------------------------------------------------------------
    Case("loops forever", in_function("gaussian_mle", "while True:\n    pass"), "fault",
         "did not finish", broken=("gaussian_mle",)),
    Case("loops forever ignoring signals", in_function("gaussian_mle", """
        import signal
        for s in (signal.SIGALRM, signal.SIGTERM, signal.SIGINT):
            signal.signal(s, signal.SIG_IGN)
        while True:
            pass
    """), "fault", "did not finish", broken=("gaussian_mle",)),
    Case("sleeps", in_function("gaussian_mle", "import time\ntime.sleep(3600)"), "fault",
         "did not finish", broken=("gaussian_mle",)),
    Case("is merely slow", in_function("gaussian_mle", "import time\ntime.sleep(8)\n" + textwrap.dedent(CORRECT_MLE)),
         "fault", "did not finish", broken=("gaussian_mle",)),
    Case("loops forever at import", at_import("while True:\n    pass"), "fault",
         "did not finish within its time limit", broken=("*",)),
    # -- memory, disk, output --------------------------------------------------
    Case("allocates without bound", in_function("gaussian_mle", """
        blocks = []
        while True:
            blocks.append(bytearray(400_000_000))
    """), "fault", "MemoryError", broken=("gaussian_mle",)),
    Case("writes a huge file in its folder", in_function("gaussian_mle", """
        with open("big.bin", "wb") as handle:
            while True:
                handle.write(b"x" * 1_000_000)
    """), "fault", "File too large", broken=("gaussian_mle",)),
    Case("floods stdout and stderr", in_function("gaussian_mle", """
        import sys
        while True:
            print("spam " * 1000)
            print("spam " * 1000, file=sys.stderr)
    """), "fault", "time limit", broken=("gaussian_mle",)),  # printing is drained: only the loop costs
    # -- broken code -----------------------------------------------------------
    Case("syntax error", REFERENCE.replace("def gaussian_mle(x):", "def gaussian_mle(x)", 1), "fault",
         "SyntaxError", broken=("*",)),
    Case("imports a missing module", at_import("import numpyy"), "fault", "ModuleNotFoundError",
         broken=("*",)),
    Case("missing function", REFERENCE.replace("def gaussian_mle(x):", "def gaussian_mle_(x):", 1),
         "fault", "MISSING FUNCTION", broken=("gaussian_mle",)),
    Case("wrong signature", REFERENCE.replace("def gaussian_mle(x):", "def gaussian_mle():", 1),
         "fault", "TypeError", broken=("gaussian_mle",)),
    Case("returns None", in_function("gaussian_mle", "return None"), "fault", "returned None",
         broken=("gaussian_mle",)),
    Case("returns NaN", in_function("gaussian_log_likelihood", "return float('nan')"), "fault",
         "not a finite number", broken=("gaussian_log_likelihood", "gaussian_mle_numerical")),
    Case("returns the wrong shape", in_function("gaussian_mle", "return np.zeros((2, 2))"), "fault",
         "tuple of 2 floats", broken=("gaussian_mle",)),
    Case("imports an installed package the grader does not offer", at_import("import sqlalchemy"),
         "fault", "does not offer", broken=("*",)),
    Case("imports notebook display helpers", at_import("import ipywidgets\nfrom IPython.display import display"),
         "fault", "", broken=()),
    # -- lying and patching ----------------------------------------------------
    Case("patches the comparison functions at import", at_import("""
        import math
        import numpy
        numpy.allclose = numpy.isclose = lambda *a, **k: True
        numpy.testing.assert_allclose = lambda *a, **k: None
        math.isclose = lambda *a, **k: True
        try:
            import pytest
            pytest.approx = lambda *a, **k: a[0]
        except ImportError:
            pass
    """) .replace("mu_hat = x.mean()", "mu_hat = x.mean() + 1", 1), "fault", "expected",
         broken=("gaussian_mle",)),
    Case("returns an object equal to everything", in_function("gaussian_mle", """
        class Liar(tuple):
            def __eq__(self, other):
                return True
        class Always:
            def __eq__(self, other):
                return True
            def __float__(self):
                return 0.0
        return Always()
    """), "fault", "an object of type Always", broken=("gaussian_mle",)),
    Case("returns rigged floats", in_function("gaussian_mle", """
        class Rigged(float):
            def __eq__(self, other):
                return True
            def __sub__(self, other):
                return 0.0
            def __abs__(self):
                return 0.0
            def __lt__(self, other):
                return True
            def __le__(self, other):
                return True
        return Rigged(1.0), Rigged(2.0)
    """), "fault", "expected", broken=("gaussian_mle",)),
    Case("returns an object with a rigged __array__", in_function("gaussian_mle", """
        class Fake:
            def __array__(self, dtype=None, copy=None):
                raise RuntimeError("gotcha")
            def __len__(self):
                return 2
        return Fake()
    """), "fault", "an object of type Fake", broken=("gaussian_mle",)),
    Case("mutates its inputs", in_function("gaussian_mle", """
        x.sort()
        x[:] = 0.0
        return 0.0, 0.0
    """), "fault", "changed its input", broken=("gaussian_mle",)),
    Case("tampers with the global random state", at_import("""
        import random
        np.random.seed(0)
        random.seed(0)
        np.random.set_state(np.random.RandomState(1).get_state())
    """), "fault", "", broken=()),
    Case("hunts the reference in memory", in_function("gaussian_mle", """
        import gc, inspect
        for obj in gc.get_objects():
            if callable(obj) and getattr(obj, "__module__", "") in ("solutions.gaussian_mle", "solutions"):
                return obj(x)
        for frame in inspect.stack():
            for name, value in frame.frame.f_locals.items():
                if name in ("want", "want_mu", "want_sigma", "expected"):
                    return value
        return 0.0, 1.0
    """), "fault", "expected", broken=("gaussian_mle",)),
    # -- cheats: the guard refuses them and the exercise scores 0 --------------
    Case("imports the reference", at_import("from solutions.gaussian_mle import gaussian_mle as _ref"),
         "cheat", "import the grader's module solutions"),
    Case("imports the grader inside a call",
         in_function("gaussian_mle", "import autograder.checks.gaussian_mle\nreturn 0.0, 1.0"),
         "cheat", "import the grader's module autograder"),
    Case("reads the reference by path",
         in_function("gaussian_mle", f"open({str(exercise(SLUG).solution_path)!r}).read()\nreturn 0.0, 1.0"),
         "cheat", "read "),
    Case("searches the disk for the reference", in_function("gaussian_mle", """
        import os
        for folder, _dirs, files in os.walk("/"):
            if "gaussian_mle.py" in files:
                return 0.0, 1.0
        return 0.0, 1.0
    """), "cheat", "list the folder /"),
    Case("forges grades.csv and results.json", at_import(f"""
        import os
        for target in ("../grades.csv", "../results.json", "/tmp/{MARKER}-grades.csv",
                       os.path.join({str(ROOT)!r}, "{MARKER}.txt")):
            try:
                with open(target, "w") as handle:
                    handle.write("student,total\\nme,100\\n")
            except OSError:
                pass
    """), "cheat", "change files outside its own folder"),
    Case("starts a process that would outlive it", at_import(f"""
        import subprocess
        try:
            subprocess.Popen(["sleep", "1000", "{MARKER}"], start_new_session=True)
        except OSError:
            pass
    """), "cheat", "start a process"),
    Case("forks", in_function("gaussian_mle", """
        import os
        pid = os.fork()
        if pid == 0:
            import time
            time.sleep(1000)
        return 0.0, 1.0
    """), "cheat", "start a process"),
    Case("opens a network connection", in_function("gaussian_mle", """
        import socket
        socket.create_connection(("127.0.0.1", 9))
    """), "cheat", "network"),
    Case("calls native code through ctypes", in_function("gaussian_mle", """
        import ctypes
        ctypes.CDLL(None).getpid()
        return 0.0, 1.0
    """), "cheat", "ctypes"),
    Case("raises its own resource limits", at_import("""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    """), "cheat", "change its resource limits"),
]


def _leftover_processes() -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if MARKER in cmdline:
                found.append(cmdline)
    return found


def _leftover_files() -> list[Path]:
    return [p for p in [Path("/tmp") / f"{MARKER}-grades.csv", ROOT / f"{MARKER}.txt"] if p.exists()]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_hostile_submission(case, zygote, tmp_path):
    submission = tmp_path / "submission"
    submission.mkdir()
    path = submission / f"{SLUG}.py"
    path.write_text(case.source)
    start = time.monotonic()
    result = grade_module(SLUG, path, zygote, limits=LIMITS, budget=BUDGET)
    elapsed = time.monotonic() - start
    report = "\n".join(f"{r.status:15} {r.function}.{r.name}: {r.message}" for r in result.results)

    assert elapsed < BUDGET + 2 * LIMITS.load_timeout, f"took {elapsed:.1f}s\n{report}"
    assert not _leftover_processes(), "a process the submission started outlived its grading"
    assert not _leftover_files(), "the submission wrote outside its scratch folder"
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(["submission", f"{SLUG}.py"]), \
        "files appeared next to the submission"

    messages = " | ".join(r.message for r in result.results)
    if case.kind == "cheat":
        assert result.status == "blocked" and result.points == 0, report
        assert case.says in result.message, result.message
        return
    assert result.status != "blocked", report
    scores: dict[str, list[float]] = {}
    for r in result.results:
        scores.setdefault(r.function, [0, 0])
        scores[r.function][0] += r.points
        scores[r.function][1] += r.max_points
    for function, (points, most) in scores.items():
        if "*" in case.broken or function in case.broken:
            assert points < most, f"{function} kept its points\n{report}"
        else:
            assert points == most, f"{function} lost points it should keep\n{report}"
    assert case.says in messages + result.message, f"no message says {case.says!r}\n{report}"


@pytest.mark.parametrize("case", [c for c in CASES if c.kind == "cheat"], ids=lambda c: c.name)
def test_cheat_gains_nothing_with_the_hook_off(case, zygote, tmp_path):
    """The audit hook switched off (a test-only switch): the kernel layers alone hold each cheat."""
    path = tmp_path / f"{SLUG}.py"
    path.write_text(case.source)
    start = time.monotonic()
    result = grade_module(SLUG, path, zygote, limits=dataclasses.replace(LIMITS, audit_hook=False),
                          budget=BUDGET)
    assert time.monotonic() - start < BUDGET + 2 * LIMITS.load_timeout
    assert result.status != "blocked", "no hook, no message: only the kernel refused"
    assert not _leftover_processes(), "a process the submission started outlived its grading"
    assert not _leftover_files(), "the submission wrote outside its scratch folder"
    assert sorted(p.name for p in tmp_path.rglob("*")) == [f"{SLUG}.py"]


def test_symlinked_submission_file_is_refused(zygote, tmp_path):
    link = tmp_path / f"{SLUG}.py"
    os.symlink(exercise(SLUG).solution_path, link)
    result = grade_module(SLUG, link, zygote, limits=LIMITS, budget=BUDGET)
    assert result.points == 0 and "symbolic link" in result.message


def test_symlink_inside_the_submission_reaches_nothing(zygote, tmp_path):
    """A link planted beside the module points at the reference; the module reads it by relative path."""
    os.symlink(exercise(SLUG).solution_path, tmp_path / "ref.py")
    path = tmp_path / f"{SLUG}.py"
    path.write_text(in_function("gaussian_mle", """
        import os
        source = open(os.path.join(os.path.dirname(__file__), "ref.py")).read()
        return 0.0, 1.0
    """))
    result = grade_module(SLUG, path, zygote, limits=LIMITS, budget=BUDGET)
    mle = [r for r in result.results if r.function == "gaussian_mle"]
    assert all(not r.passed for r in mle)
    assert "FileNotFoundError" in mle[0].message


def test_grader_fault_is_flagged_not_blamed_on_the_student(zygote, tmp_path, monkeypatch):
    from autograder.core import framework
    from autograder.core.grading import checks_for

    check = checks_for(SLUG)[0]  # also registers the exercise's checks when run alone
    # Its own name: the check memo keys outcomes by check, and a real check never changes mid-run.
    broken = framework.Check(check.exercise, check.function, "grader_fault_probe", check.title,
                             check.points, lambda student: 1 / 0)
    monkeypatch.setitem(framework.REGISTRY, SLUG, [broken] + framework.REGISTRY[SLUG][1:])
    path = tmp_path / f"{SLUG}.py"
    path.write_text(REFERENCE)
    result = grade_module(SLUG, path, zygote, limits=LIMITS, budget=BUDGET)
    assert result.results[0].status == "grader_error"
    assert "not your mistake" in result.results[0].message
    assert all(r.passed for r in result.results[1:])
