"""The only code that runs in a process holding student code.

Started as a script (``python -I child.py --control-fd N``), never imported
as part of the ``autograder`` package in that process, so no reference
solution or hidden check is ever in its memory. It runs as a *zygote*: it
imports the scientific stack once, then for every student exercise it is
handed a socket and forks a child that loads the student's module and
answers calls over that socket. The grader in the parent process sends
inputs as plain data, receives plain data, validates it and decides.

Its siblings (``wire``, ``expression_wire``, ``guard``, ``confine``) are loaded from their files,
since an isolated interpreter does not have this folder on ``sys.path``.
"""

import json
import os
import socket
import struct
import sys


def _sibling(name):
    """A module of this folder: imported from the package, or loaded from its file in the zygote."""
    if __package__:
        import importlib

        return importlib.import_module(f"{__package__}.{name}")
    qualified = f"_sandbox_{name}"
    if qualified not in sys.modules:
        import importlib.util

        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.py")
        spec = importlib.util.spec_from_file_location(qualified, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[qualified] = module
        spec.loader.exec_module(module)
    return sys.modules[qualified]


_sibling("expression_wire")  # before wire, which encodes SymPy results with it
wire = _sibling("wire")
guard = _sibling("guard")
confine = _sibling("confine")
allow_list = _sibling("allow_list")
environment = _sibling("environment")
send, recv, encode, decode, WireError = wire.send, wire.recv, wire.encode, wire.decode, wire.WireError

#: (read roots, list roots, site dirs), computed once in the zygote.
ALLOWED_ROOTS = ((), (), ())
#: ``[(path, is_folder)]`` a child may read under Landlock, computed once in the zygote.
LANDLOCK_RULES = []

# --------------------------------------------------------------------------
# The child: one student module, one socket.
# --------------------------------------------------------------------------

def _student_trace(exc, module_path):
    """The frames of the student's own file, innermost last, as short lines."""
    import traceback

    lines = []
    for frame in traceback.extract_tb(exc.__traceback__):
        if os.path.abspath(frame.filename) == module_path:
            code = (frame.line or "").strip()
            lines.append(f"line {frame.lineno}, in {frame.name}: {code}")
    return lines[-5:]


def _describe_exception(exc, module_path):
    try:
        message = str(exc)
    except BaseException:  # a rigged __str__ must not break the report
        message = ""
    return {
        "type": type(exc).__name__,
        "message": message[:2000],
        "trace": _student_trace(exc, module_path),
    }


def _load_module(module_path, name):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, module_path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _snapshot(values):
    import numpy as np

    return [np.array(v, copy=True) if isinstance(v, np.ndarray) else None for v in values]


def _mutated(values, snapshot):
    import numpy as np

    return [
        i for i, (v, before) in enumerate(zip(values, snapshot))
        if before is not None and not (
            isinstance(v, np.ndarray) and v.shape == before.shape
            and np.array_equal(v, before, equal_nan=True)
        )
    ]


def _reply(conn, message, hook, buffers=()):
    """Send a reply with what the guard refused so far; a reply too large to send is replaced."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    message["blocked"] = list(hook.attempts) if hook else []
    try:
        send(conn, message, buffers)
    except WireError:
        send(conn, {"status": "raised", "blocked": message["blocked"], "error": {
            "type": "ValueError", "message": "the value returned is too large to grade", "trace": []}})


def serve(conn, module_path, module_name, hook=None):
    """Answer ``call`` messages for one student module until the parent hangs up."""
    try:
        module = _load_module(module_path, module_name)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt included
        _reply(conn, {"status": "load_error", "error": _describe_exception(exc, module_path)}, hook)
        return
    functions = sorted(n for n, v in vars(module).items() if callable(v) and not n.startswith("_"))
    _reply(conn, {"status": "loaded", "functions": functions}, hook)
    while True:
        try:
            request, request_buffers = recv(conn)
        except (EOFError, OSError):
            return
        name = request.get("function")
        function = getattr(module, name, None)
        if not callable(function):
            _reply(conn, {"status": "missing", "function": name}, hook)
            continue
        args = [decode(a, request_buffers) for a in request.get("args", [])]
        kwargs = {k: decode(v, request_buffers) for k, v in request.get("kwargs", {}).items()}
        before = _snapshot(args)
        guard.FORBIDDEN_CALLS.clear()
        buffers = []
        try:
            value = function(*args, **kwargs)
        except BaseException as exc:
            reply = {"status": "raised", "error": _describe_exception(exc, module_path)}
        else:
            try:
                reply = {"status": "returned", "value": encode(value, buffers)}
            except BaseException as exc:
                buffers = []
                reply = {"status": "raised", "error": _describe_exception(exc, module_path)}
        reply["mutated"] = _mutated(args, before)
        reply["forbidden"] = sorted(set(guard.FORBIDDEN_CALLS))
        _reply(conn, reply, hook, buffers)


def _apply_limits(limits, threads):
    """Resource limits; ``threads``: the kernel layers refuse new processes, so threads may run."""
    import resource

    def cap(kind, value):
        if value is None:
            return
        soft, hard = resource.getrlimit(kind)
        value = int(value) if hard == resource.RLIM_INFINITY else min(int(value), hard)
        resource.setrlimit(kind, (value, value))

    cap(resource.RLIMIT_AS, limits.get("address_space"))
    cap(resource.RLIMIT_CPU, limits.get("cpu_seconds"))
    cap(resource.RLIMIT_FSIZE, limits.get("file_size"))
    cap(resource.RLIMIT_NOFILE, limits.get("open_files"))
    cap(resource.RLIMIT_CORE, 0)
    if os.geteuid() != 0 and not threads:  # root ignores it; the guard refuses processes anyway
        cap(resource.RLIMIT_NPROC, 0)


def _current_address_space():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


#: Landlock rules without the forbidden packages' folders, by the packages a job forbids.
_RULES_BY_PACKAGES = {}


def _packages(job):
    return tuple(sorted(str(name) for name in (job.get("forbidden") or {}).get("packages", ())))


def _prepare_forbidden(job):
    """In the zygote, before forking: what each child of this policy needs, computed once
    (the dictionaries holding each forbidden routine; the rules leaving forbidden packages out)."""
    try:
        guard.find_holders(job.get("forbidden") or {})
        packages = _packages(job)
        if packages not in _RULES_BY_PACKAGES:
            folders = guard.forbidden_package_folders(packages, ALLOWED_ROOTS[2])
            _RULES_BY_PACKAGES[packages] = confine.rules_excluding(LANDLOCK_RULES, folders)
    except Exception:  # a name no library has: the child's stand-ins and the source scan still apply
        pass


def _rules_for(job):
    return _RULES_BY_PACKAGES.get(_packages(job), LANDLOCK_RULES)


def run_child(conn, job, output_fd):
    """In the forked child: cut loose, confine, then serve the student module."""
    import signal

    os.setsid()  # own process group: the parent kills the whole group
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # oversized writes fail, not kill
    scratch = job["scratch"]
    os.chdir(scratch)
    out = output_fd  # a pipe the grader drains: no file it reads back, no size limit on printing
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(out)
    os.close(devnull)
    limits = dict(job.get("limits", {}))
    if limits.get("memory"):
        limits["address_space"] = _current_address_space() + int(limits["memory"])
    owned = [scratch]
    kernel = job.get("isolation", "kernel") == "kernel"
    _apply_limits(limits, threads=kernel)
    if kernel:
        try:
            confine.confine(scratch, _rules_for(job), owned)
        except confine.ConfinementError as exc:  # fail closed: no student code without the kernel layers
            _reply(conn, {"status": "sandbox_error", "error": {
                "type": "ConfinementError", "message": str(exc), "trace": []}}, None)
            os._exit(0)
    else:
        confine.drop_to_nobody(owned)
    # Sent before any student code exists: the grader accepts "sandbox_error" only in its place,
    # so a submission that forges one on its socket fails its own call instead.
    send(conn, {"status": "ready"})
    environment.replace_environment(environment.child_environment(scratch))
    sys.argv = [job["module_path"]]
    sys.path[:] = [scratch] + [p for p in sys.path if p]
    guard.install_forbidden_wrappers(job.get("forbidden") or {})  # the policy's list, from the job
    hook = guard.Guard(scratch, *ALLOWED_ROOTS, kernel_holds=kernel)
    if job.get("audit_hook", True):
        sys.addaudithook(hook)
    try:
        serve(conn, job["module_path"], job["module_name"], hook)
    finally:
        try:
            conn.close()
        finally:
            os._exit(0)


def _warm_sympy():
    """Import SymPy and the parts it loads on first use (solve, simplify, Sum, IndexedBase).

    Exercise 5's students use them: imported here once, they cost each forked child
    nothing, where a child importing them itself would spend 1-3 s per student. Done
    before the first child whose job asks for it: a run without SymPy never pays.
    """
    import sympy

    a, k = sympy.Symbol("a", positive=True), sympy.Symbol("k", integer=True)
    data = sympy.IndexedBase("d")
    expression = sympy.Sum(sympy.log(sympy.exp(-(data[k] - a) ** 2) / sympy.sqrt(2 * sympy.pi * a**2)),
                           (k, 1, 3))
    sympy.diff(expression, a)
    sympy.solve(a**2 - 2 * a * k, a)
    sympy.simplify(sympy.log(a**2) - 2 * sympy.log(a))
    sympy.latex(expression)
    sympy.core.cache.clear_cache()


def zygote(control_fd):
    """Import the stack once, then fork one child per job sent on a control socket.

    The socket it was started with may hand it more control sockets (``attach``):
    one per pool worker, so the workers of a run share this one warm interpreter
    instead of each starting its own. It stops when its first socket closes.
    """
    import select
    import signal

    os.environ.setdefault("MPLBACKEND", "Agg")
    import numpy  # noqa: F401  (warm imports shared by every child)
    import scipy.optimize  # noqa: F401
    import scipy.special  # noqa: F401
    import scipy.stats  # noqa: F401
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401

    import scipy.cluster.vq  # noqa: F401  (its kmeans is forbidden: wrapped in each child)

    guard.install_tripwires()
    global ALLOWED_ROOTS
    ALLOWED_ROOTS = allow_list.allowed_roots(guard.allowed_read_roots)
    global LANDLOCK_RULES
    LANDLOCK_RULES = confine.landlock_rules(ALLOWED_ROOTS[0], ALLOWED_ROOTS[2], confine.system_library_roots())
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped automatically
    first = socket.socket(fileno=control_fd)
    controls = [first]
    send(first, {"status": "ready"})
    warm = set()
    while first in controls:
        readable, _, _ = select.select(controls, [], [])
        for control in readable:
            try:
                served = _serve_control(control, controls, warm)
            except (EOFError, OSError, ValueError, struct.error):
                served = False
            if not served:
                controls.remove(control)
                control.close()


def _serve_control(control, controls, warm):
    """One request on ``control``: attach another control socket, or fork a child. False: hung up."""
    message, fds, _flags, _addr = socket.recv_fds(control, 4, 2)
    if not message:
        return False
    (length,) = struct.unpack(">I", message)
    job = json.loads(wire._recv_exactly(control, length))
    if job.get("attach") and len(fds) == 1:
        attached = socket.socket(fileno=fds[0])
        controls.append(attached)
        send(attached, {"status": "ready"})
        return True
    if len(fds) != 2 or job.get("attach"):
        for fd in fds:
            os.close(fd)
        send(control, {"status": "error", "message": "no socket and output pipe"})
        return True
    if "sympy" in job.get("warm", ()) and "sympy" not in warm:
        _warm_sympy()
        warm.add("sympy")
    _prepare_forbidden(job)
    pid = os.fork()
    if pid == 0:
        for other in controls:  # the child holds no way to ask the zygote for anything
            other.close()
        conn = socket.socket(fileno=fds[0])
        run_child(conn, job, fds[1])
    for fd in fds:  # the child holds them now; the zygote must not keep the pipe open
        os.close(fd)
    send(control, {"status": "spawned", "pid": pid})
    return True


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "--control-fd":
        sys.exit("usage: child.py --control-fd N")
    zygote(int(sys.argv[2]))
    os._exit(0)  # nothing to flush: skip tearing down the scientific stack (half a second)
