"""Kernel confinement: every class of escape, with the audit hook on and switched off.

Each attack runs as a student function in a sandbox child and reports what it
got. With the audit hook on, the guard refuses it and records the attempt
(the exercise then scores 0 with a message). With the hook switched off (the
test-only ``Limits.audit_hook``), the kernel layers alone must hold: nothing
is read outside the allow-list, nothing outside the scratch folder changes,
no process is started or signalled, no socket is opened.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from autograder.core.grading import grade_module
from autograder.core.manifest import ROOT, exercise
from autograder.sandbox import Limits, StudentModule
from autograder.sandbox import confine as confine_module
from autograder.sandbox import isolation

pytestmark = pytest.mark.skipif(isolation.missing_layers(isolation.probe()) != [],
                                reason="the kernel layers do not hold on this machine (see `doctor`)")

SLUG = "gaussian_mle"
REFERENCE = exercise(SLUG).solution_path
CHECKS = ROOT / "autograder" / "checks" / f"{SLUG}.py"
MARKER = "confinement-marker-51d7"
HOOK_ON = Limits(call_timeout=10.0, load_timeout=10.0, memory=512 << 20)
HOOK_OFF = dataclasses.replace(HOOK_ON, audit_hook=False)
SITE = Path(sysconfig.get_paths()["purelib"]).resolve()

# Each attack is the body of ``attack(t)``: ``t`` holds the targets; it sets ``got`` to what it obtained.
READS = {
    "open": "got = open(t['target']).read()",
    "os.open": "fd = os.open(t['target'], os.O_RDONLY)\ngot = os.read(fd, 100000).decode()",
    "pathlib": "got = pathlib.Path(t['target']).read_text()",
    "io.FileIO": "got = io.FileIO(t['target']).read().decode()",
    "linecache": "got = ''.join(linecache.getlines(t['target']))",
    "import by path": """
        spec = importlib.util.spec_from_file_location("stolen_module", t['target'])
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        got = repr(vars(module))
    """,
    "import by name": """
        sys.path.insert(0, t['root'])
        import solutions.gaussian_mle
        got = repr(vars(solutions.gaussian_mle))
    """,
    "copy then read": "shutil.copyfile(t['target'], 'copy.py')\ngot = open('copy.py').read()",
    "hard link then read": "os.link(t['target'], 'hard.py')\ngot = open('hard.py').read()",
    "symlink then read": "os.symlink(t['target'], 'soft.py')\ngot = open('soft.py').read()",
    "through /proc/self/root": "got = open('/proc/self/root' + t['target']).read()",
    "through the zygote's /proc cwd": "got = open(f\"/proc/{t['zygote']}/root\" + t['target']).read()",
    "O_PATH folder then openat": """
        folder = os.open(os.path.dirname(t['target']), os.O_PATH)
        fd = os.open(os.path.basename(t['target']), os.O_RDONLY, dir_fd=folder)
        got = os.read(fd, 100000).decode()
    """,
    # Class 1: the hook checks one path, the kernel resolves another.
    "dir_fd with a deep working folder": """
        here = os.getcwd()
        deep = os.path.join(here, *["d"] * 40)
        os.makedirs(deep)
        os.chdir(deep)
        up = "../" * here.count("/")
        fd = os.open(up + t['target'].lstrip("/"), os.O_RDONLY, dir_fd=os.open(here, os.O_RDONLY))
        got = os.read(fd, 100000).decode()
    """,
    "relative symlink resolved from another folder": """
        here = os.getcwd()
        deep = os.path.join(here, *["d"] * 40)
        os.makedirs(deep)
        os.chdir(deep)
        os.symlink("../" * here.count("/") + t['target'].lstrip("/"), os.path.join(here, "rel.py"))
        os.chdir(here)
        got = open("rel.py").read()
    """,
    "__fspath__ that changes per call": """
        open("decoy.py", "w").write("decoy")

        class Flip:
            calls = 0

            def __fspath__(self):
                Flip.calls += 1
                return "decoy.py" if Flip.calls == 1 else t['target']

        shutil.copyfile(Flip(), "copy.py")
        text = open("copy.py").read()
        got = None if text == "decoy" else text
    """,
}
PROCESSES = {
    "_posixsubprocess.fork_exec": """
        import _posixsubprocess
        args = [b"/bin/sh", b"-c", b"sleep 100 # " + t['marker'].encode()]
        pid = _posixsubprocess.fork_exec(args, [b"/bin/sh"], True, (), None, None, -1, -1, -1, -1, -1, -1,
                                         *os.pipe(), True, False, -1, None, None, None, -1, None, False)
        got = f"started {pid}"
    """,
    "os.posix_spawn": """
        pid = os.posix_spawn("/bin/sleep", ["sleep", "100", t['marker']], dict(os.environ))
        got = f"started {pid}"
    """,
    "os.fork": """
        pid = os.fork()
        if pid == 0:
            import time
            time.sleep(100)
            os._exit(0)
        got = f"started {pid}"
    """,
    "ctypes system": """
        import ctypes
        status = ctypes.CDLL(None).system(f"sleep 100 # {t['marker']}".encode())
        if status != 0:
            raise OSError(f"system() failed ({status})")
        got = "system ran"
    """,
    "cffi system": """
        from cffi import FFI
        ffi = FFI()
        ffi.cdef("int system(const char *command);")
        status = ffi.dlopen(None).system(f"sleep 100 # {t['marker']}".encode())
        if status != 0:
            raise OSError(f"system() failed ({status})")
        got = "system ran"
    """,
}
SIGNALS = {
    f"{how} to {whom}": textwrap.dedent(code).replace("WHOM", whom)
    for whom in ("zygote", "grader", "sibling")
    for how, code in (
        ("kill by pid", "os.kill(t['WHOM'], signal.SIGKILL)\ngot = 'signalled'"),
        ("kill by pidfd", "fd = os.pidfd_open(t['WHOM'])\nsignal.pidfd_send_signal(fd, signal.SIGKILL)\n"
                          "got = 'signalled'"),
    )
}
NETWORK = {
    "TCP connect": "s = socket.create_connection(('127.0.0.1', t['tcp']), timeout=2)\ngot = 'connected'",
    "TCP listen": "s = socket.socket()\ns.bind(('127.0.0.1', 0))\ns.listen()\ngot = 'listening'",
    "UDP send": """
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"stolen", ('127.0.0.1', t['udp']))
        got = 'sent'
    """,
}
WRITES = {
    ".pth into site-packages": """
        with open(os.path.join(t['site'], t['marker'] + '.pth'), 'w') as handle:
            handle.write('import os; os.system("touch /tmp/pwned")\\n')
        got = 'planted'
    """,
    "a file beside the reference": """
        with open(os.path.join(os.path.dirname(t['target']), t['marker'] + '.py'), 'w') as handle:
            handle.write('x')
        got = 'written'
    """,
}
ATTACKS = {**{f"read the reference: {k}": v for k, v in READS.items()},
           **{f"read the checks: {k}": v.replace("t['target']", "t['checks']")
              for k, v in READS.items() if k not in ("import by name",)},
           **PROCESSES, **SIGNALS, **NETWORK, **WRITES}


def module_source(attack: str) -> str:
    body = textwrap.indent(textwrap.dedent(attack).strip(), " " * 8)
    return f'''
import importlib.util, io, linecache, os, pathlib, shutil, signal, socket, sys


def attack(t):
    got = None
    try:
{body}
    except BaseException as exc:
        return {{"got": None, "error": type(exc).__name__ + ": " + str(exc)}}
    return {{"got": str(got)[:200] if got else None, "error": ""}}
'''


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


def _planted() -> list[Path]:
    return [p for p in (SITE / f"{MARKER}.pth", REFERENCE.parent / f"{MARKER}.py", CHECKS.parent / f"{MARKER}.py")
            if p.exists()]


@pytest.fixture
def listeners():
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    yield tcp, udp
    tcp.close()
    udp.close()


def _honest_sibling(zygote, folder: Path, limits: Limits) -> StudentModule:
    folder.mkdir()
    path = folder / f"{SLUG}.py"
    path.write_text(REFERENCE.read_text())
    sibling = StudentModule(zygote, path, folder, SLUG, limits)
    assert sibling.load.status == "loaded", sibling.load
    return sibling


def _sibling_answers(sibling: StudentModule) -> bool:
    reply = sibling.call("gaussian_mle", [np.array([1.0, 2.0, 3.0])])
    return reply.status == "returned" and np.allclose(reply.value, (2.0, np.sqrt(2 / 3)))


@pytest.mark.parametrize("hook", [True, False], ids=["hook on", "hook off"])
@pytest.mark.parametrize("name", list(ATTACKS))
def test_attack_obtains_nothing(name, hook, zygote, tmp_path, listeners):
    limits = HOOK_ON if hook else HOOK_OFF
    tcp, udp = listeners
    sibling = _honest_sibling(zygote, tmp_path / "sibling", limits)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    path = scratch / "hostile.py"
    path.write_text(module_source(ATTACKS[name]))
    targets = {"target": str(REFERENCE), "checks": str(CHECKS), "root": str(ROOT), "site": str(SITE),
               "zygote": zygote.process.pid, "grader": os.getpid(), "sibling": sibling.pid,
               "tcp": tcp.getsockname()[1], "udp": udp.getsockname()[1], "marker": MARKER}
    start = time.monotonic()
    child = StudentModule(zygote, path, scratch, "hostile", limits)
    try:
        assert child.load.status == "loaded", child.load
        reply = child.call("attack", [targets])
    finally:
        child.kill()
    elapsed = time.monotonic() - start
    try:
        assert reply.status == "returned", reply
        assert reply.value["got"] is None, f"the attack obtained {reply.value['got']!r}"
        if hook:
            assert reply.blocked, f"the guard did not refuse it ({reply.value['error']})"
        else:
            assert not reply.blocked
        assert elapsed < 2 * limits.call_timeout
        assert _sibling_answers(sibling), "the honest sibling stopped answering"
        assert zygote.process.poll() is None, "the zygote died"
        tcp.settimeout(0.05)
        with pytest.raises(socket.timeout):
            tcp.accept()
        udp.settimeout(0.05)
        with pytest.raises(socket.timeout):
            udp.recv(100)
        time.sleep(0.05)
        assert not _leftover_processes(), "a process outlived the attack"
        assert not _planted(), "a file appeared outside the scratch folder"
        inside = sorted(p.name for p in tmp_path.iterdir())
        assert inside == ["scratch", "sibling"], inside
    finally:
        sibling.kill()
        for planted in _planted():
            planted.unlink()


# --------------------------------------------------------------------------
# Through the grader: a cheat scores 0 with a message; the kernel alone keeps honest grades
# --------------------------------------------------------------------------

CHEATS = {
    "dir_fd": (READS["dir_fd with a deep working folder"], "climbs out of its folder"),
    "fork_exec": (PROCESSES["_posixsubprocess.fork_exec"], "start a process"),
    "pidfd": (SIGNALS["kill by pidfd to zygote"], "send a signal"),
    "udp": (NETWORK["UDP send"], "network socket"),
    ".pth": (WRITES[".pth into site-packages"], "change files outside its own folder"),
    "read the checks": (READS["pathlib"].replace("t['target']", "t['checks']"), "read "),
    "cffi": (PROCESSES["cffi system"], "cffi"),
}


def _at_import(attack: str, targets: dict) -> str:
    """The reference, with ``attack`` run (and its failure swallowed) while the module loads."""
    return (REFERENCE.read_text() + "\n\n" + module_source(attack)
            + f"\n\nRESULT = attack({targets!r})\n")


def _targets(zygote) -> dict:
    return {"target": str(REFERENCE), "checks": str(CHECKS), "root": str(ROOT), "site": str(SITE),
            "zygote": zygote.process.pid, "grader": os.getpid(), "sibling": 1, "tcp": 9, "udp": 9,
            "marker": MARKER}


@pytest.mark.parametrize("name", list(CHEATS))
def test_cheat_scores_zero_with_a_message(name, zygote, tmp_path):
    attack, says = CHEATS[name]
    path = tmp_path / f"{SLUG}.py"
    path.write_text(_at_import(attack, _targets(zygote)))
    result = grade_module(SLUG, path, zygote, limits=HOOK_ON, budget=60)
    assert result.status == "blocked" and result.points == 0, result.message
    assert says in result.message, result.message
    assert not _planted() and not _leftover_processes()


def test_kernel_alone_keeps_the_honest_classmates_marks(zygote, tmp_path):
    """Every attack at once with the hook off: it gains nothing, and the honest student next in line
    keeps full marks."""
    everything = "\n".join(f"try:\n{textwrap.indent(textwrap.dedent(a).strip(), '    ')}\n"
                           f"except BaseException:\n    pass" for a in ATTACKS.values())
    hostile = tmp_path / "hostile" / f"{SLUG}.py"
    hostile.parent.mkdir()
    wrong = REFERENCE.read_text().replace("return float(mu_hat), float(sigma_hat)",
                                          "return float(mu_hat), float(sigma_hat) + 1.0")
    hostile.write_text(wrong + "\n\n" + module_source(everything)
                       + f"\n\nRESULT = attack({_targets(zygote)!r})\n")
    before = {p: p.stat().st_mtime_ns for p in (REFERENCE, CHECKS)}
    result = grade_module(SLUG, hostile, zygote, limits=HOOK_OFF, budget=60)
    assert result.status == "graded", result.message
    honest = tmp_path / "honest" / f"{SLUG}.py"
    honest.parent.mkdir()
    honest.write_text(REFERENCE.read_text())
    marks = grade_module(SLUG, honest, zygote, limits=HOOK_OFF, budget=60)
    assert marks.points == marks.max_points, [r.message for r in marks.results if not r.passed]
    assert {p: p.stat().st_mtime_ns for p in before} == before
    assert not _planted() and not _leftover_processes()
    assert zygote.process.poll() is None


def test_offered_library_using_ctypes_is_not_an_escape(zygote, tmp_path):
    """threadpoolctl (what scikit-learn's estimators call to size their thread pools) reaches
    ctypes: under the kernel that is the library's business, not an escape."""
    pytest.importorskip("threadpoolctl")
    path = tmp_path / "uses_threadpoolctl.py"
    path.write_text(textwrap.dedent("""
        def pools():
            from threadpoolctl import threadpool_info
            return len(threadpool_info())
    """))
    slow = dataclasses.replace(HOOK_ON, load_timeout=120.0, call_timeout=120.0)  # a cold import
    child = StudentModule(zygote, path, tmp_path, "uses_threadpoolctl", slow)
    try:
        reply = child.call("pools")
    finally:
        child.kill()
    assert reply.status == "returned" and not reply.blocked, reply


def test_ctypes_from_the_submission_still_counts(zygote, tmp_path):
    path = tmp_path / "hostile.py"
    path.write_text(module_source("import ctypes\ngot = ctypes.CDLL(None).getpid()"))
    child = StudentModule(zygote, path, tmp_path, "hostile", HOOK_ON)
    try:
        reply = child.call("attack", [{}])
    finally:
        child.kill()
    assert any("ctypes" in what for what in reply.blocked), reply


# --------------------------------------------------------------------------
# The layers themselves
# --------------------------------------------------------------------------

def test_children_run_as_their_own_unprivileged_user(zygote, tmp_path):
    path = tmp_path / "who.py"
    path.write_text(textwrap.dedent("""
        import os

        def who():
            status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
            return [os.getuid(), os.getgid(), status["CapEff"].strip(), status["CapBnd"].strip(),
                    status["NoNewPrivs"].strip(), status["Seccomp"].strip()]
    """))
    first = StudentModule(zygote, path, tmp_path, "who", HOOK_OFF)
    second = StudentModule(zygote, path, tmp_path, "who", HOOK_OFF)
    try:
        a, b = first.call("who").value, second.call("who").value
    finally:
        first.kill()
        second.kill()
    if os.geteuid() == 0:
        assert a[0] >= confine_module.UID_BASE and a[0] == a[1] and a[0] != b[0]
        assert int(a[2], 16) == int(a[3], 16) == 1 << confine_module.CAP_DAC_READ_SEARCH
    else:
        assert a[0] == os.getuid() and int(a[2], 16) == 0
    assert a[4] == "1" and a[5] == "2"


def test_threads_still_work_under_the_filter(zygote, tmp_path):
    path = tmp_path / "threads.py"
    path.write_text(textwrap.dedent("""
        import threading
        from concurrent.futures import ThreadPoolExecutor

        import numpy as np

        def work():
            with ThreadPoolExecutor(4) as pool:
                sums = list(pool.map(lambda n: float(np.arange(n).sum()), range(1, 9)))
            return sums, threading.active_count()
    """))
    child = StudentModule(zygote, path, tmp_path, "threads", HOOK_OFF)
    try:
        reply = child.call("work")
    finally:
        child.kill()
    assert reply.status == "returned", reply
    assert reply.value[0] == [float(n * (n - 1) // 2) for n in range(1, 9)]


def test_seccomp_program_checks_the_architecture():
    for arch in confine_module.SYSCALLS:
        for kernel in (False, True):
            program = confine_module.seccomp_program(1234, arch, unix_sockets=kernel)
            assert program[1][3] == confine_module.AUDIT_ARCH[arch]
            assert program[2][3] == confine_module.RET_KILL_PROCESS
            assert len(program) < 255  # every jump offset fits in a byte
    with pytest.raises(confine_module.ConfinementError):
        confine_module.seccomp_program(1234, "mips")


def _confined_sockets(tmp_path: Path, kernel: bool) -> dict:
    """In a forked child confined as a batch child or a notebook kernel: which sockets can it make?"""
    import json

    scratch = tmp_path / "scratch"
    scratch.mkdir(mode=0o700, parents=True)
    rules = confine_module.landlock_rules([sysconfig.get_paths()["stdlib"]], [])
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reader)
        found = {}
        try:
            confine_module.confine(str(scratch), rules, [str(scratch)], kernel=kernel)

            def unix_in(folder):
                with socket.socket(socket.AF_UNIX) as unix:
                    unix.bind(os.path.join(folder, "s"))

            for name, action in {"unix in scratch": lambda: unix_in(str(scratch)),
                                 "unix elsewhere": lambda: unix_in(str(tmp_path)),
                                 "pair": lambda: [s.close() for s in socket.socketpair()],
                                 "tcp": lambda: socket.socket(socket.AF_INET).close(),
                                 "udp": lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close(),
                                 "process": lambda: os.waitpid(os.fork() or os._exit(0), 0)}.items():
                try:
                    action()
                    found[name] = "allowed"
                except OSError as exc:
                    found[name] = type(exc).__name__
        finally:
            os.write(writer, json.dumps(found).encode())
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as stream:
        found = json.loads(stream.read() or "{}")
    os.waitpid(pid, 0)
    return found


def test_a_notebook_kernel_may_make_unix_sockets_in_its_scratch_only(tmp_path):
    kernel = _confined_sockets(tmp_path / "kernel", kernel=True)
    assert kernel == {"unix in scratch": "allowed", "unix elsewhere": "PermissionError", "pair": "allowed",
                      "tcp": "PermissionError", "udp": "PermissionError", "process": "PermissionError"}
    batch = _confined_sockets(tmp_path / "batch", kernel=False)
    assert set(batch.values()) == {"PermissionError"}, batch


def test_the_probe_holds_as_a_plain_user():
    """Landlock, seccomp and no_new_privs need no privilege: probe them as ``nobody``."""
    import json
    import tempfile

    if os.geteuid() != 0:
        pytest.skip("already a plain user: the other tests ran unprivileged")
    python = shutil.which("python3", path="/usr/bin:/bin")
    if not python or not shutil.which("setpriv"):
        pytest.skip("needs a system python3 and setpriv to run as nobody (the test venv's interpreter "
                    "lives under a 0700 home)")
    folder = Path(tempfile.mkdtemp(prefix="confine-as-nobody-"))  # beside pytest's 0700 folders
    try:
        folder.chmod(0o755)
        copy = folder / "confine.py"
        shutil.copyfile(confine_module.__file__, copy)
        copy.chmod(0o644)
        done = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", python, "-I",
                               str(copy), "--probe"], capture_output=True, text=True, timeout=60, cwd="/")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert not report["root"]
    assert isolation.missing_layers(report) == [], report["layers"]


def test_doctor_reports_every_layer():
    done = subprocess.run([sys.executable, "-m", "autograder", "doctor"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    for label in ("Landlock", "seccomp", "no_new_privs", "privilege drop", "audit hook"):
        assert label in done.stdout


def test_grading_refuses_to_run_without_the_kernel_layers(monkeypatch, tmp_path, capsys):
    from autograder.routes import batch, cli

    missing = {"platform": "Linux 5.4 (test)", "landlock_abi": 0,
               "layers": {"landlock": [False, "not available"], "seccomp": [True, ""],
                          "no_new_privs": [True, ""], "privileges": [True, ""]}}
    monkeypatch.setattr(isolation, "_PROBED", missing)
    (tmp_path / "cohort" / "alice").mkdir(parents=True)
    argv = ["grade", str(tmp_path / "cohort"), "--out", str(tmp_path / "out")]
    args = cli.parser(argv).parse_args(argv)
    assert batch.run(args) == 2
    error = capsys.readouterr().err
    assert "refuses to run student code" in error and "landlock: not available" in error
    assert "--isolation=audit-hook-only" in error
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_audit_hook_only_is_recorded_in_every_report(tmp_path):
    from autograder.routes import batch, cli
    from autograder.core.policy import Policy
    from autograder.routes.reports import results_json, summary_markdown
    from autograder.core.record import StudentRecord
    from autograder.core.student import grader_fingerprint

    argv = ["grade", str(tmp_path), "--out", str(tmp_path / "out"), "--isolation", "audit-hook-only"]
    options = batch.options_from(cli.parser(argv).parse_args(argv))
    policy = Policy.from_dict(options["policy"])
    assert policy.limits().isolation == "audit-hook-only"
    kernel = {**options, "policy": {**options["policy"], "isolation": "kernel"}}
    assert grader_fingerprint(options) != grader_fingerprint(kernel)
    record = StudentRecord("ada", "graded", isolation="audit-hook-only")
    assert results_json(record)["isolation"] == "audit-hook-only"
    assert "**audit-hook-only" in summary_markdown([record], [], {})
    assert results_json(dataclasses.replace(record, isolation="kernel"))["isolation"] == "kernel"


def test_audit_hook_only_children_run_without_the_kernel_layers(zygote, tmp_path):
    path = tmp_path / "who.py"
    path.write_text("def who():\n    return open('/proc/self/status').read().count('Seccomp:\\t0')\n")
    child = StudentModule(zygote, path, tmp_path, "who", Limits(isolation="audit-hook-only"))
    try:
        assert child.call("who").value == 1
    finally:
        child.kill()


MISSING = {"platform": "Linux 5.4 (test)", "landlock_abi": 0,
           "layers": {"landlock": [False, "not available"], "seccomp": [True, ""],
                      "no_new_privs": [True, ""], "privileges": [True, ""]}}


def test_gradescope_refuses_without_the_kernel_layers(monkeypatch, tmp_path):
    import json

    from autograder.routes import gradescope

    monkeypatch.setattr(isolation, "_PROBED", MISSING)
    monkeypatch.setenv("AUTOGRADER_ROOT", str(tmp_path))
    monkeypatch.delenv(isolation.ENVIRONMENT, raising=False)
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / f"{SLUG}.py").write_text(REFERENCE.read_text())
    assert gradescope.main() == 1
    results = json.loads((tmp_path / "results" / "results.json").read_text())
    assert results["score"] == 0 and "refuses to run student code" in results["output"]
    assert "AUTOGRADER_ISOLATION" in gradescope.RUN_AUTOGRADER


def test_nbgrader_cells_refuse_without_the_kernel_layers(monkeypatch, tmp_path):
    from autograder.routes import nbgrader_cells

    monkeypatch.setattr(isolation, "_PROBED", MISSING)
    monkeypatch.delenv(isolation.ENVIRONMENT, raising=False)
    graded = nbgrader_cells.grade_notebook(tmp_path / f"{SLUG}.ipynb", SLUG)
    assert graded["status"] == "refused" and "refuses to run student code" in graded["message"]
    (output,) = nbgrader_cells.refused_outputs(graded)
    assert output["output_type"] == "error" and "refused" in output["traceback"][0]


def test_nbgrader_kernels_refuse_to_start_without_the_kernel_layers(monkeypatch, tmp_path):
    import asyncio

    from autograder.routes.nbgrader_kernel import ConfinedKernelManager, KernelRefused

    monkeypatch.setattr(isolation, "_PROBED", MISSING)
    monkeypatch.delenv(isolation.ENVIRONMENT, raising=False)
    manager = ConfinedKernelManager(kernel_name="python3")
    with pytest.raises(KernelRefused, match="AUTOGRADER_ISOLATION=audit-hook-only"):
        asyncio.run(manager.start_kernel(cwd=str(tmp_path)))
    assert not manager.has_kernel
