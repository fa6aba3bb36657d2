"""The second red team's eight ways around the sandbox, each written as a student would.

Attack 1 (an expression that stalls SymPy in the grading process) is tested with the
expression checks. Here: the grader's environment (2), a hidden input echoed through an
exception (3), file watches (4) and System V / POSIX IPC (5) that Landlock does not confine,
a folder tree of any depth in scratch (6), source nesting deeper than the parser builds (7),
and a forbidden routine reached around the source scan (8). Kernel layers are proved with
the audit hook off (it would refuse ctypes first); the end-to-end runs grade one hostile
submission on the batch, Gradescope and nbgrader-grade routes, with a canary in the grader's environment.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

from autograder.core.grading import grade_module
from autograder.core.manifest import exercises
from autograder.core.notebook_code import NotebookError, read_notebook
from autograder.generation import sample_cohort
from autograder.sandbox import Limits, StudentModule
from autograder.sandbox.scratch import remove_tree

ROOT = Path(__file__).resolve().parent.parent
CANARY = "red-team-canary-5e1d"
KERNEL_ONLY = Limits(call_timeout=20.0, load_timeout=20.0, audit_hook=False)


def _fast_tmp() -> str | None:
    """A tmpfs for deep trees when there is one (ext4 removes a folder in ~3 ms on a busy VM)."""
    return "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


# --------------------------------------------------------------------------
# 4 and 5: file watches and IPC objects, refused by the kernel (audit hook off)
# --------------------------------------------------------------------------

NATIVE = '''
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)

def watch(folder):
    fd = libc.inotify_init1(0)
    if fd < 0:
        return ["inotify_init1", ctypes.get_errno()]
    wd = libc.inotify_add_watch(fd, folder.encode(), 0x100 | 0x200 | 0x8)  # create, delete, close
    return ["watch", wd, ctypes.get_errno()]

def fanotify():
    fd = libc.fanotify_init(0, 0)
    return [fd, ctypes.get_errno()]

def ipc():
    made = []
    for i in range(20):
        made.append(libc.shmget(0, 64 << 20, 0o1000 | 0o666))  # IPC_PRIVATE, IPC_CREAT
    queue = libc.msgget(0, 0o1000 | 0o666)
    sem = libc.semget(0, 1, 0o1000 | 0o666)
    try:
        rt = ctypes.CDLL("librt.so.1", use_errno=True)
        mq = rt.mq_open(b"/red-team-queue", os.O_CREAT | os.O_RDWR, 0o666, None)
    except OSError:
        mq = -1
    return [max(made), queue, sem, mq, ctypes.get_errno()]
'''


def _ipc_objects() -> int:
    count = 0
    for kind in ("shm", "msg", "sem"):
        try:
            count += len(Path(f"/proc/sysvipc/{kind}").read_text().splitlines()) - 1
        except OSError:
            pass
    return count + len(list(Path("/dev/mqueue").glob("*"))) if Path("/dev/mqueue").is_dir() else count


def test_file_watches_and_ipc_objects_are_refused_by_the_kernel(zygote, tmp_path):
    outside = tmp_path / "out"
    outside.mkdir()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    module = scratch / "native.py"
    module.write_text(NATIVE)
    before = _ipc_objects()
    child = StudentModule(zygote, module, scratch, "native", KERNEL_ONLY)
    try:
        assert child.load.status == "loaded", child.load
        for folder in (str(outside), str(scratch)):  # a classmate's folder, or its own: no watch at all
            reply = child.call("watch", (folder,))
            assert reply.value == ["inotify_init1", 1], reply  # EPERM from seccomp
        assert child.call("fanotify").value == [-1, 1]
        reply = child.call("ipc")
        assert reply.status == "returned" and reply.value[:4] == [-1, -1, -1, -1], reply
    finally:
        child.kill()
    assert _ipc_objects() == before


# --------------------------------------------------------------------------
# 6: a folder tree of any depth
# --------------------------------------------------------------------------

def _deep_tree(depth: int) -> str:
    """Code making ``depth`` nested folders in the working folder (once: a restarted child finds them)."""
    return f'''
import os as _os
if not _os.path.exists("d"):
    _fd = _os.open(".", _os.O_RDONLY)
    for _ in range({depth}):
        _os.mkdir("d", dir_fd=_fd)
        _next = _os.open("d", _os.O_RDONLY, dir_fd=_fd)
        _os.close(_fd)
        _fd = _next
    _os.close(_fd)
'''


def test_remove_tree_needs_no_recursion(tmp_path):
    top = Path(tempfile.mkdtemp(dir=_fast_tmp()))
    fd = os.open(top, os.O_RDONLY)
    for _ in range(5000):
        os.mkdir("d", dir_fd=fd)
        os.close(os.open("f", os.O_CREAT | os.O_WRONLY, 0o600, dir_fd=fd))
        inner = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    os.symlink(str(tmp_path), "link", dir_fd=fd)  # never followed
    os.mkdir("locked", dir_fd=fd)
    os.chmod("locked", 0, dir_fd=fd)
    os.close(fd)
    (tmp_path / "kept").write_text("outside")
    assert remove_tree(top) and not top.exists()
    assert (tmp_path / "kept").read_text() == "outside"


#: The first call of the exercise kills its own process: the next child starts in the same scratch
#: folder, tree included (it is handed that folder before it is confined).
CRASH_ONCE = """
    if not _os.path.exists("crashed"):
        open("crashed", "w").close()
        _os._exit(0)
"""


@pytest.mark.slow
def test_a_deep_tree_in_scratch_is_the_students_own(zygote, tmp_path, monkeypatch):
    """Landlock checks each access up the whole path, so a child's own deep tree costs it time
    (5,000 levels: about 20 s of its load time); the removal (tested above at 5,000) costs none."""
    tmp = Path(tempfile.mkdtemp(dir=_fast_tmp()))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    try:
        source = sample_cohort.solved("gaussian_mle")
        body = source.index('    """\n', source.index("def gaussian_log_likelihood")) + len('    """\n')
        path = tmp_path / "gaussian_mle.py"
        path.write_text(_deep_tree(1500) + source[:body] + CRASH_ONCE + source[body:])
        record = grade_module("gaussian_mle", path, zygote, limits=replace(Limits(), load_timeout=60))
        assert record.status == "graded", record.message
        lost = [r for r in record.results if not r.passed]
        assert len(lost) == 1 and "stopped" in lost[0].message, [(r.name, r.message) for r in lost]
        assert record.points == record.max_points - lost[0].max_points
        assert list(tmp.iterdir()) == []
    finally:
        remove_tree(tmp)


# --------------------------------------------------------------------------
# 7: nesting deeper than the parser builds
# --------------------------------------------------------------------------

CHAINED = "    return " + " + ".join(["x[0]"] * 3000) + "\n"


def test_deep_nesting_is_the_students_load_error(grade_source):
    source = sample_cohort.solved("gaussian_mle") + "\n\ndef total(x):\n" + CHAINED
    record = grade_source("gaussian_mle", source)
    assert record.status == "load_error"
    assert "nests expressions too deeply for the grader to read" in record.message
    assert "2,999 operators" in record.message
    assert all(r.status == "failed" for r in record.results)


def test_a_notebook_nesting_too_deeply_is_unreadable_not_a_crash():
    deep = '{"cells": [' + "[" * 100_000 + "]" * 100_000 + '], "nbformat": 4, "metadata": {}}'
    with pytest.raises(NotebookError, match="nests lists or objects too deeply"):
        read_notebook(deep.encode())
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": "def total(x):\n" + CHAINED}
    notebook = read_notebook(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4}).encode())
    assert "nests expressions too deeply" in notebook.broken


# --------------------------------------------------------------------------
# 8: a forbidden routine reached around the source scan
# --------------------------------------------------------------------------

#: The call, then the child's record of forbidden calls wiped (it lives in the child's memory):
#: with a call the source scan cannot see, only what the routine does in the child is left to judge.
FIT = """    try:
        mu_hat, sigma_hat = {call}(x)
    finally:
        for _module in list(sys.modules.values()):
            _calls = vars(_module).get("FORBIDDEN_CALLS")
            if isinstance(_calls, list):
                _calls.clear()
    return float(mu_hat), float(sigma_hat)
"""
AROUND = {
    "direct": ("", "stats.norm.fit"),
    "computed name": ("", 'getattr(stats, "no" + "rm").fit'),
    "importlib": ("import importlib\n", 'importlib.import_module("scipy." + "stats").norm.fit'),
    "vars": ("", 'vars(stats)["norm"].fit'),
    "__wrapped__": ('NORM = getattr(stats, "no" + "rm")\n', "(lambda f: lambda x: f(NORM, x))(NORM.fit.__wrapped__)"),
    "class dict": ("", '(lambda f: lambda x: f(stats.norm, x))(vars(type(stats.norm))["fit"])'),
}


def _around(how: str, encoding: str = "utf-8") -> bytes:
    imports, call = AROUND[how]
    text = sample_cohort.edited("gaussian_mle", (
        "    mu_hat = x.mean()\n    sigma_hat = np.sqrt(np.mean((x - mu_hat) ** 2))\n"
        "    return float(mu_hat), float(sigma_hat)\n", FIT.format(call=call)))
    text = "import sys\nimport scipy.stats as stats\n" + imports + text
    if encoding != "utf-8":  # a name only latin-1 can read: a UTF-8 source scan cannot parse the file
        text = f"# -*- coding: {encoding} -*-\nr\xe9ponse = 1\n" + text
    return text.encode(encoding)


@pytest.mark.parametrize("how, encoding", [(how, "utf-8") for how in AROUND] + [("direct", "latin-1")])
def test_no_way_around_a_forbidden_routine_earns_more_than_the_direct_call(zygote, tmp_path, how, encoding):
    def points(source: bytes):
        path = tmp_path / "gaussian_mle.py"
        path.write_bytes(source)
        return grade_module("gaussian_mle", path, zygote)

    direct, around = points(_around("direct")), points(_around(how, encoding))
    assert direct.status == around.status == "graded", around.message
    assert 0 < direct.points < direct.max_points  # the scan finds the direct call: 0 for its function
    assert around.points <= direct.points, [(r.name, r.status, r.message) for r in around.results]
    assert all(r.points == 0 for r in around.results if r.function == "gaussian_mle")


def test_a_forbidden_package_is_a_module_of_stand_ins_and_its_files_unreadable(zygote, tmp_path):
    module = tmp_path / "pkg.py"
    module.write_text('''
import sys
from sklearn.cluster import KMeans

def use():
    return KMeans(2)

def around():
    for finder in list(sys.meta_path):
        if type(finder).__name__ == "ForbiddenWrappers":
            sys.meta_path.remove(finder)
    sys.modules.pop("sklearn.cluster", None)
    import sklearn.cluster
    return str(sklearn.cluster.KMeans)
''')
    child = StudentModule(zygote, module, tmp_path, "pkg", KERNEL_ONLY)
    try:
        assert child.load.status == "loaded", child.load
        use = child.call("use")
        assert use.forbidden == ["sklearn.cluster.KMeans"] and use.error["type"] == "ForbiddenRoutineError"
        around = child.call("around")
        assert around.status == "raised" and around.error["type"] == "PermissionError", around
    finally:
        child.kill()


def test_the_grading_process_environment_reaches_no_child(monkeypatch, tmp_path):
    """A canary set in the grading process before the zygote starts: not in the child's
    ``os.environ``, its ``/proc/self/environ``, nor (read by the kernel alone) the zygote's."""
    from autograder.sandbox import Zygote

    monkeypatch.setenv(CANARY.upper().replace("-", "_"), CANARY)
    module = tmp_path / "spy.py"
    module.write_text(SPY + PARENT_SPY + "def nothing():\n    return 0\n")
    zygote = Zygote(env={"AUTOGRADER_TEST": "1"})  # a zygote of its own, started after the canary
    try:
        child = StudentModule(zygote, module, tmp_path, "spy", KERNEL_ONLY)
        try:
            assert child.load.status == "loaded", child.load
        finally:
            child.kill()
        printed = child.output()
    finally:
        zygote.close()
    assert "ENVIRON" in printed and "SELF" in printed and "PARENT refused" in printed, printed
    assert CANARY not in printed and CANARY.upper().replace("-", "_") not in printed
    assert "HOME': '" + str(tmp_path) in printed  # its home is its scratch folder


# --------------------------------------------------------------------------
# 2, 3, 6, 7, 8 end to end: one hostile submission on the batch and Gradescope routes
# --------------------------------------------------------------------------

SPY = '''
import os as _os
print("ENVIRON", dict(_os.environ))
print("SELF", open("/proc/self/environ", "rb").read())
'''
#: Reading the zygote's environment is an escape attempt: refused, and that exercise scores 0.
PARENT_SPY = '''
import os as _os
try:
    print("PARENT", open(f"/proc/{_os.getppid()}/environ", "rb").read())
except OSError as _exc:
    print("PARENT refused", _exc)
'''
ECHO = "    raise ValueError('my input: ' + ' '.join(repr(float(v)) for v in np.ravel(x)))\n"


#: Attack 1: an answer SymPy would turn into 7**(10**39), computed exactly with the GIL held, if the
#: grading process let it evaluate (the later definition replaces the correct one).
STALL = '''

def log_likelihood():
    return sp.exp(sp.Mul(sp.Integer(10) ** 39, sp.log(7), evaluate=False), evaluate=False)
'''


def _hostile_files() -> dict[str, str]:
    mle = _around("computed name").decode()
    body = mle.index('    """\n', mle.index("def gaussian_mle_numerical")) + len('    """\n')
    mle = SPY + _deep_tree(1500) + mle[:body] + ECHO + mle[body:]
    deep = sample_cohort.solved("mse_nll") + "\n\ndef total(x):\n" + CHAINED
    return {"gaussian_mle.py": mle, "mse_nll.py": deep, "kmeans.py": PARENT_SPY + sample_cohort.solved("kmeans"),
            "derivations.py": sample_cohort.solved("derivations") + STALL}


def _check_hostile(texts: list[str], scores: dict[str, tuple[float, float]], tmp: Path) -> None:
    everything = "\n".join(texts)
    assert CANARY not in everything
    assert "ENVIRON" in everything and "SELF" in everything  # it ran, and saw only the sandbox's own
    assert "/environ. The grader does not allow that" in everything
    assert "cut after 300 characters" in everything
    assert max(len(m) for m in re.findall(r"[-0-9.e ]{40,}", everything)) <= 300
    assert "nests expressions too deeply for the grader to read" in everything
    assert "grader error" not in everything.lower() and "not your mistake" not in everything
    mle, mle_max = scores["gaussian_mle"]
    assert 0 < mle < mle_max  # the log-likelihood kept its points; the other two lost theirs
    assert scores["mse_nll"][0] == 0 and scores["kmeans"][0] == 0
    derivations, derivations_max = scores["derivations"]
    assert 0 < derivations < derivations_max  # only the stalling answer's checks lost points
    assert "exponent above" in everything
    assert list(tmp.iterdir()) == []


def _environment(tmp: Path) -> dict:
    return {**os.environ, CANARY.upper().replace("-", "_"): CANARY, "TMPDIR": str(tmp), "MPLBACKEND": "Agg"}


def _scores(results: dict) -> dict[str, tuple[float, float]]:
    """Points per exercise from a Gradescope-schema results.json (each test named "slug · ...")."""
    scores: dict[str, list[float]] = {}
    for test in results["tests"]:
        got = scores.setdefault(test["name"].split(" · ")[0], [0.0, 0.0])
        got[0] += float(test.get("score", 0))
        got[1] += float(test.get("max_score", 0))
    return {slug: (got[0], got[1]) for slug, got in scores.items()}


def _reports(out: Path) -> list[str]:
    return [p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*")
            if p.is_file() and p.suffix in (".md", ".json", ".csv", ".html")]


def _batch(root: Path, env: dict) -> tuple[list[str], dict]:
    folder = root / "cohort" / "red_team"
    folder.mkdir(parents=True)
    for name, text in _hostile_files().items():
        (folder / name).write_text(text)
    out = root / "out"
    result = subprocess.run([sys.executable, "-m", "autograder", "grade", str(root / "cohort"), "--out", str(out),
                             "--exercise", "gaussian_mle", "--exercise", "mse_nll", "--exercise", "kmeans",
                             "--exercise", "derivations", "--jobs", "1"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    results = json.loads((out / "red_team" / "results.json").read_text())
    return _reports(out) + [result.stdout, result.stderr], _scores(results)


def _gradescope(root: Path, env: dict) -> tuple[list[str], dict]:
    from autograder.routes.gradescope import export_zip
    from tests.test_gradescope import fake_gradescope_run

    result = fake_gradescope_run(export_zip(root / "autograder.zip"), root, _hostile_files(), env)
    assert result.returncode == 0, result.stdout + result.stderr
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    record = (root / "results" / "record.json").read_text(encoding="utf-8")
    return [json.dumps(results), record, result.stdout, result.stderr], _scores(results)


def _nbgrader_grade(root: Path, env: dict) -> tuple[list[str], dict]:
    """``nbgrader-grade`` on a course whose gradebook (made through nbgrader's API, as
    ``generate_assignment`` would) holds one hidden cell per check."""
    from nbgrader.api import GradeCell, Gradebook

    from autograder.core.grading import checks_for
    from autograder.generation.notebooks import ASSIGNMENT, hidden_grade_id
    from autograder.routes.nbgrader_route import _alembic_on_path

    course = root / "course"
    folder = course / "submitted" / "red_team" / ASSIGNMENT
    folder.mkdir(parents=True)
    for name, text in _hostile_files().items():
        (folder / name).write_text(text)
    _alembic_on_path()
    url = f"sqlite:///{course / 'gradebook.db'}"
    with Gradebook(url) as gb:
        gb.add_assignment(ASSIGNMENT)
        for ex in exercises():
            notebook = gb.add_notebook(ex.slug, ASSIGNMENT)
            gb.db.add_all([GradeCell(name=hidden_grade_id(check.name), notebook=notebook, max_score=check.points,
                                     cell_type="code") for check in checks_for(ex.slug)])
        gb.db.commit()  # one transaction: add_grade_cell commits each cell
    out = root / "out"
    result = subprocess.run([sys.executable, "-m", "autograder", "nbgrader-grade", ASSIGNMENT, "--course-root",
                             str(course), "--out", str(out), "--jobs", "1", "--progress", "lines"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    scores = _scores(json.loads((out / "red_team" / "results.json").read_text()))
    with Gradebook(url) as gb:
        for nb in gb.find_submission(ASSIGNMENT, "red_team").notebooks:
            if nb.name in scores:
                assert nb.code_score == pytest.approx(scores[nb.name][0])
    return _reports(out) + [result.stdout, result.stderr], scores


ROUTES = {"batch": _batch, "gradescope": _gradescope, "nbgrader-grade": _nbgrader_grade}


@pytest.mark.slow
@pytest.mark.parametrize("route", ROUTES)
def test_every_route_holds_against_the_hostile_submission(route, tmp_path):
    """A canary in the grader's environment, and one student whose files try 1, 2, 3, 6, 7 and 8."""
    tmp = Path(tempfile.mkdtemp(dir=_fast_tmp()))
    try:
        texts, scores = ROUTES[route](tmp_path, _environment(tmp))
        _check_hostile(texts, scores, tmp)
    finally:
        remove_tree(tmp)
