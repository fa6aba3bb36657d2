"""The only code that runs in a process holding student code.

Started as a script (``python -I child.py --control-fd N``), never imported
as part of the ``autograder`` package in that process, so no reference
solution or hidden check is ever in its memory. It runs as a *zygote*: it
imports the scientific stack once, then for every student exercise it is
handed a socket and forks a child that loads the student's module and
answers calls over that socket. The grader in the parent process sends
inputs as plain data, receives plain data, validates it and decides.

The wire format (``send``/``recv``, ``encode``/``decode``) is imported by the
parent from this file too, so both sides share one definition.
"""

import json
import os
import socket
import struct
import sys

# --------------------------------------------------------------------------
# Wire format: a header (JSON length, buffer count), the JSON, then each array's
# raw bytes as its own length-prefixed buffer (no base64: 40x cheaper for 10^6 points).
# --------------------------------------------------------------------------

MAX_MESSAGE = 256 * 1024 * 1024
#: The only array dtypes that may cross the boundary.
WIRE_DTYPES = {"<f8", "<i8", "|b1"}


class WireError(Exception):
    """A message that is not valid plain data."""


MAX_BUFFERS = 4096


def send(sock, message, buffers=()):
    """Send a JSON message and the raw array buffers its ``encode`` collected."""
    data = json.dumps(message, allow_nan=True).encode()
    total = len(data) + sum(len(b) for b in buffers)
    if total > MAX_MESSAGE or len(buffers) > MAX_BUFFERS:
        raise WireError(f"message of {total} bytes is over the limit")
    sock.sendall(struct.pack(">II", len(data), len(buffers)) + data)
    for buffer in buffers:
        sock.sendall(struct.pack(">Q", len(buffer)))
        sock.sendall(buffer)


def _recv_exactly(sock, n):
    data = bytearray(n)
    view = memoryview(data)
    received = 0
    while received < n:
        got = sock.recv_into(view[received:], min(n - received, 1 << 22))
        if not got:
            raise EOFError("connection closed")
        received += got
    return data


def recv(sock):
    """Receive ``(message, buffers)``; sizes are checked before anything is allocated."""
    length, count = struct.unpack(">II", _recv_exactly(sock, 8))
    if length > MAX_MESSAGE or count > MAX_BUFFERS:
        raise WireError(f"message of {length} bytes is over the limit")
    try:
        message = json.loads(_recv_exactly(sock, length))
    except ValueError as exc:
        raise WireError(f"not JSON: {exc}") from None
    buffers, total = [], length
    for _ in range(count):
        (size,) = struct.unpack(">Q", _recv_exactly(sock, 8))
        total += size
        if total > MAX_MESSAGE:
            raise WireError(f"message of {total} bytes is over the limit")
        buffers.append(_recv_exactly(sock, size))
    return message, buffers


def encode(value, buffers, _depth=0):
    """Turn a value into plain JSON data (arrays into ``buffers``); anything else becomes a description.

    Only exact builtin and NumPy numeric types are kept, by value: a float
    subclass with rigged comparisons arrives as the float it converts to, and
    an object of any other class arrives as ``{"__unsupported__": ...}``.
    """
    import numpy as np

    if _depth > 20:
        return {"__unsupported__": "structure nested too deeply"}
    if value is None or type(value) in (bool, str):
        return value if type(value) is not str else value[:10_000]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        number = int(value)
        return number if abs(number) < 2**63 else float(number)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, np.ndarray):
        return _encode_array(value, buffers)
    if isinstance(value, (list, tuple)):
        items = [encode(item, buffers, _depth + 1) for item in value]
        return items if isinstance(value, list) else {"__tuple__": items}
    if isinstance(value, dict):
        if not all(type(key) is str for key in value):
            return {"__unsupported__": "dict with non-string keys"}
        return {"__dict__": {key: encode(item, buffers, _depth + 1) for key, item in value.items()}}
    if _is_figure(value):
        return {"__figure__": describe_figure(value, buffers)}
    return {"__unsupported__": f"an object of type {type(value).__name__}"}


def _encode_array(value, buffers):
    import numpy as np

    array = np.asarray(value).view(np.ndarray)
    if array.dtype.kind == "b":
        array = array.astype("|b1")
    elif array.dtype.kind in "iu":
        array = array.astype("<i8")
    elif array.dtype.kind == "f":
        array = array.astype("<f8")
    else:
        try:
            array = array.astype("<f8")
        except (TypeError, ValueError):
            return {"__unsupported__": f"an array of dtype {value.dtype}"}
    buffers.append(np.ascontiguousarray(array).tobytes())
    return {"__nd__": len(buffers) - 1, "dtype": array.dtype.str, "shape": list(array.shape)}


def decode(data, buffers):
    """Rebuild plain data sent by ``encode``: builtins and NumPy arrays only."""
    import numpy as np

    if isinstance(data, list):
        return [decode(item, buffers) for item in data]
    if not isinstance(data, dict):
        return data
    if "__nd__" in data:
        dtype = data.get("dtype")
        shape = data.get("shape")
        if dtype not in WIRE_DTYPES or not isinstance(shape, list):
            raise WireError("array with a dtype or shape that is not allowed")
        if not all(type(n) is int and n >= 0 for n in shape):
            raise WireError("array with a bad shape")
        index = data["__nd__"]
        if type(index) is not int or not 0 <= index < len(buffers):
            raise WireError("array without its buffer")
        raw = buffers[index]
        if len(raw) != int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize:
            raise WireError("array whose size does not match its shape")
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    if "__tuple__" in data:
        return tuple(decode(item, buffers) for item in data["__tuple__"])
    if "__dict__" in data:
        return {str(key): decode(item, buffers) for key, item in data["__dict__"].items()}
    if "__figure__" in data:
        return FigureData(_decode_untagged(data["__figure__"], buffers))
    if "__unsupported__" in data:
        return Unsupported(str(data["__unsupported__"]))
    raise WireError("unknown tagged object")


def _decode_untagged(data, buffers):
    """The plain dicts and lists of ``describe_figure``, with the tagged values inside decoded."""
    if isinstance(data, list):
        return [_decode_untagged(item, buffers) for item in data]
    if isinstance(data, dict) and not any(str(key).startswith("__") for key in data):
        return {str(key): _decode_untagged(item, buffers) for key, item in data.items()}
    return decode(data, buffers)


class Unsupported:
    """Stands for a value of a type that may not cross the boundary."""

    def __init__(self, description):
        self.description = description

    def __repr__(self):
        return f"<{self.description}>"


class FigureData(dict):
    """What a student's matplotlib figure shows, as plain data (see ``describe_figure``)."""


def _is_figure(value):
    module = sys.modules.get("matplotlib.figure")
    return module is not None and isinstance(value, module.Figure)


def describe_figure(fig, buffers):
    """Titles, axis labels, legend texts and the data of every line, per axes."""
    axes = []
    for ax in fig.get_axes():
        legend = ax.get_legend()
        axes.append({
            "title": ax.get_title(),
            "xlabel": ax.get_xlabel(),
            "ylabel": ax.get_ylabel(),
            "legend": [t.get_text() for t in legend.get_texts()] if legend else [],
            "lines": [
                {"label": str(line.get_label()),
                 "x": encode(_as_float_array(line.get_xdata()), buffers),
                 "y": encode(_as_float_array(line.get_ydata()), buffers)}
                for line in ax.get_lines()
            ],
            "collections": [
                {"label": str(c.get_label()), "offsets": encode(_as_float_array(c.get_offsets()), buffers)}
                for c in ax.collections
            ],
        })
    suptitle = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""
    return {"suptitle": suptitle, "axes": axes}


def _as_float_array(values):
    import numpy as np

    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        return np.zeros(0)


# --------------------------------------------------------------------------
# Library routines that would do an exercise for the student (SPEC §1).
# --------------------------------------------------------------------------

#: Names recorded while the current call runs; reset before every call.
FORBIDDEN_CALLS = []


def _record(name, function):
    import functools

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        FORBIDDEN_CALLS.append(name)
        return function(*args, **kwargs)

    wrapper.__forbidden_wrapper__ = True
    return wrapper


def _wrap_module_routines(module, qualname):
    """Record every public function, and every fit/predict of public classes, of a module."""
    import inspect

    for attr in dir(module):
        if attr.startswith("_"):
            continue
        obj = getattr(module, attr)
        if inspect.isclass(obj):
            for method in ("fit", "fit_predict", "fit_transform", "predict", "predict_proba"):
                found = getattr(obj, method, None)  # inherited ones too (GaussianMixture.fit)
                if inspect.isfunction(found) and not getattr(found, "__forbidden_wrapper__", False):
                    setattr(obj, method, _record(f"{qualname}.{attr}.{method}", found))
        elif inspect.isfunction(obj) and not getattr(obj, "__forbidden_wrapper__", False):
            setattr(module, attr, _record(f"{qualname}.{attr}", obj))


class _ForbiddenModuleWatcher:
    """Import hook: wraps sklearn.mixture / sklearn.cluster the moment they load."""

    WATCHED = ("sklearn.mixture", "sklearn.cluster")

    def find_spec(self, name, path=None, target=None):
        if name not in self.WATCHED:
            return None
        import importlib.machinery

        sys.meta_path.remove(self)
        try:
            spec = importlib.machinery.PathFinder.find_spec(name, path)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        original_exec = spec.loader.exec_module

        def exec_module(module):
            original_exec(module)
            _wrap_module_routines(module, name)

        spec.loader.exec_module = exec_module
        return spec


def install_forbidden_wrappers():
    import scipy.cluster.vq
    import scipy.stats

    norm_type = type(scipy.stats.norm)
    norm_type.fit = _record("scipy.stats.norm.fit", norm_type.fit)
    for name in ("kmeans", "kmeans2"):
        setattr(scipy.cluster.vq, name, _record(f"scipy.cluster.vq.{name}",
                                                 getattr(scipy.cluster.vq, name)))
    for name in _ForbiddenModuleWatcher.WATCHED:
        if name in sys.modules:
            _wrap_module_routines(sys.modules[name], name)
    sys.meta_path.insert(0, _ForbiddenModuleWatcher())


# --------------------------------------------------------------------------
# The guard: an audit hook with an allow-list of what student code may touch.
# --------------------------------------------------------------------------

#: (read roots, list roots), computed once in the zygote.
ALLOWED_ROOTS = ((), (), ())
#: Top-level names a submission may never import: the grader and its references.
GRADER_PACKAGES = frozenset({"solutions", "autograder", "tests", "benchmarks", "examples"})
#: Distributions a submission may import, with everything they depend on (found from
#: the installed metadata, so the list holds across versions): the scientific stack,
#: what notebook cells pull in (display helpers, widgets), and test code left in a file.
OFFERED_DISTRIBUTIONS = ("numpy", "scipy", "matplotlib", "scikit-learn", "pandas", "sympy",
                         "ipython", "ipywidgets", "pytest", "tqdm")
#: System files that hold nothing of the grader's (fonts, time zones, CPU facts).
#: (Another process's /proc/<pid> stays out of reach: it could show the grader's memory.)
SYSTEM_READ_ROOTS = ("/usr/share/fonts", "/usr/share/zoneinfo", "/etc/localtime", "/dev/null",
                     "/dev/urandom", "/dev/zero", "/proc/cpuinfo", "/proc/meminfo", "/proc/stat",
                     "/proc/loadavg", "/proc/version", "/sys/devices/system/cpu", "/sys/fs/cgroup",
                     "/sys/devices/system/node")
#: Audit events that only an attempt to escape would raise, with what they mean.
REFUSED_EVENTS = {
    "subprocess.Popen": "start a process",
    "os.system": "start a process",
    "os.exec": "start a process",
    "os.posix_spawn": "start a process",
    "os.spawn": "start a process",
    "os.fork": "start a process",
    "os.forkpty": "start a process",
    "os.kill": "send a signal to another process",
    "os.killpg": "send a signal to another process",
    "signal.pthread_kill": "send a signal",
    "socket.__new__": "open a network socket",
    "socket.connect": "open a network connection",
    "socket.bind": "open a network socket",
    "socket.getaddrinfo": "look up a network address",
    "socket.gethostbyname": "look up a network address",
    "resource.setrlimit": "change its resource limits",
    "resource.prlimit": "change its resource limits",
    "webbrowser.open": "open a web browser",
}
#: Events whose first path arguments are changed on disk: allowed inside the scratch folder only.
WRITE_EVENTS = {
    "os.remove": 1, "os.rename": 2, "os.rmdir": 1, "os.mkdir": 1, "os.symlink": 2, "os.link": 2,
    "os.chmod": 1, "os.chown": 1, "os.truncate": 1, "os.utime": 1, "shutil.rmtree": 1,
    "shutil.copyfile": 2, "shutil.copymode": 2, "shutil.copystat": 2, "shutil.copytree": 2,
    "shutil.move": 2, "os.chdir": 1,
}


def allowed_read_roots():
    """Folders and files student code may read: the stdlib and the importable scientific stack.

    Computed in the zygote after its warm imports. An allow-list, not a
    deny-list: a reference anywhere else on the machine (a second clone, an
    installed copy) is out of reach without naming it.
    """
    import glob
    import sysconfig

    # The base interpreter's stdlib and extension modules. Not sysconfig's "platstdlib":
    # in a virtual environment that is the venv's lib/python3.X, which holds site-packages.
    roots = {os.path.realpath(os.path.dirname(os.__file__))}
    if sysconfig.get_config_var("DESTSHARED"):
        roots.add(os.path.realpath(sysconfig.get_config_var("DESTSHARED")))
    site_dirs = {os.path.realpath(p) for key in ("purelib", "platlib")
                 if (p := sysconfig.get_paths().get(key))}
    names = {name.split(".")[0] for name in sys.modules} - GRADER_PACKAGES
    for site in site_dirs:
        for name in names:
            for candidate in (name, f"{name}.py", f"{name}.libs", f"{name}.dist-info"):
                path = os.path.join(site, candidate)
                if os.path.exists(path):
                    roots.add(os.path.realpath(path))
            roots.update(os.path.realpath(p) for p in glob.glob(os.path.join(site, f"{name}-*.dist-info")))
        roots.update(os.path.realpath(p) for p in glob.glob(os.path.join(site, "*.libs")))
    roots.update(_offered_distribution_paths())
    roots.add(os.path.realpath(__file__))  # tracebacks read this file's lines; it holds no secret
    try:
        import matplotlib

        roots.add(os.path.realpath(matplotlib.get_cachedir()))
        roots.add(os.path.realpath(matplotlib.get_data_path()))
    except Exception:
        pass
    roots.update(SYSTEM_READ_ROOTS)
    return sorted(roots), sorted(site_dirs | {os.path.dirname(r) for r in roots}), sorted(site_dirs)


def _offered_distribution_paths():
    """Top-level files and folders of the offered distributions and their dependencies."""
    import re
    from importlib import metadata

    def normal(name):
        return re.sub(r"[-_.]+", "-", name).lower()

    installed = {}
    for dist in metadata.distributions():
        installed.setdefault(normal(dist.metadata["Name"] or ""), dist)
    paths, seen, todo = set(), set(), list(OFFERED_DISTRIBUTIONS)
    while todo:
        key = normal(todo.pop())
        if key in seen or key not in installed:
            continue
        seen.add(key)
        dist = installed[key]
        for requirement in dist.requires or []:
            if "extra ==" not in requirement:
                todo.append(re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0))
        tops = {file.parts[0] for file in dist.files or [] if file.parts}
        for top in tops:
            if top != ".." and top.split(".")[0].split("-")[0] not in GRADER_PACKAGES:
                paths.add(os.path.realpath(dist.locate_file(top)))
    return paths


def _within(path, roots):
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


class Guard:
    """Audit hook: refuses, and records, what a submission has no business doing."""

    def __init__(self, scratch, read_roots, list_roots, site_dirs=()):
        self.scratch = os.path.realpath(scratch)
        self.read_roots = tuple(read_roots) + (self.scratch, f"/proc/{os.getpid()}")
        self.list_roots = tuple(list_roots)
        self.site_dirs = tuple(site_dirs)
        self.attempts = []  # escapes: each one scores the exercise 0

    def refuse(self, what, escape=True, error=PermissionError):
        """Refuse with ``error``; an escape attempt is also recorded for the grader."""
        if escape and what not in self.attempts and len(self.attempts) < 10:
            self.attempts.append(what)
        raise error(f"The grader does not allow a submission to {what}.")

    def _path(self, value):
        if isinstance(value, int) or value is None:
            return None
        try:
            return os.path.realpath(os.fsdecode(value))
        except (TypeError, ValueError):
            return None

    def check_write(self, value):
        path = self._path(value)
        if path is not None and not _within(path, (self.scratch,)):
            self.refuse(f"change files outside its own folder ({path})")

    def __call__(self, event, args):
        if event == "open":
            self._open(*args[:3])
        elif event in ("os.listdir", "os.scandir"):
            path = self._path(args[0] if args else None)
            if path is not None and not _within(path, (self.scratch,) + self.list_roots) \
                    and path not in self.list_roots:
                self.refuse(f"list the folder {path}")
        elif event == "import":
            if args and str(args[0]).split(".")[0] in GRADER_PACKAGES:
                self.refuse(f"import the grader's module {args[0]}")
        elif event in WRITE_EVENTS:
            for value in args[: WRITE_EVENTS[event]]:
                self.check_write(value)
        elif event in REFUSED_EVENTS:
            self.refuse(REFUSED_EVENTS[event])
        elif event.startswith("ctypes."):
            self.refuse("call native code through ctypes")

    def _open(self, value, mode=None, flags=0):
        path = self._path(value)
        if path is None:
            return
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND))
        if writing:
            self.check_write(path)
        elif not _within(path, self.read_roots) and os.path.exists(path):
            package = self._site_package(path)
            if package is not None and self._is_metadata(path):
                return  # entry-point scans read every distribution's metadata: names only
            if package and package not in GRADER_PACKAGES:
                # An installed package the grader does not offer: the import fails, nothing more.
                self.refuse(f"use the package {package}, which the grader does not offer",
                            escape=False, error=ModuleNotFoundError)
            self.refuse(f"read {path}")

    def _is_metadata(self, path):
        for site in self.site_dirs:
            if path.startswith(site.rstrip("/") + "/"):
                top = path[len(site.rstrip("/")) + 1:].split("/")[0]
                return top.endswith((".dist-info", ".egg-info")) and not top.startswith(
                    tuple(GRADER_PACKAGES))
        return False

    def _site_package(self, path):
        """The top-level name of an installed package that ``path`` belongs to, if any."""
        for site in self.site_dirs:
            if path.startswith(site.rstrip("/") + "/"):
                top = path[len(site.rstrip("/")) + 1:].split("/")[0]
                return top.split("-")[0].removesuffix(".py").removesuffix(".libs")
        return None


def _readable_by_everyone(path):
    import stat

    path = os.path.realpath(path)
    while True:
        try:
            mode = os.stat(path).st_mode
        except OSError:
            return False
        if not mode & stat.S_IXOTH or not mode & stat.S_IROTH:
            return False
        parent = os.path.dirname(path)
        if parent == path:
            return True
        path = parent


def _drop_privileges(scratch, output_path):
    """As root, become ``nobody`` if that user can still read the interpreter; else stay."""
    import sysconfig

    if os.geteuid() != 0:
        return "not root"
    try:
        import pwd

        nobody = pwd.getpwnam("nobody")
    except (ImportError, KeyError):
        return "no user nobody"
    needed = [sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"]]
    if not all(_readable_by_everyone(p) for p in needed):
        return "the interpreter is not readable by nobody"
    for path in (scratch, output_path):
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
    os.setgroups([])
    os.setgid(nobody.pw_gid)
    os.setuid(nobody.pw_uid)
    return "dropped to nobody"


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


def _reply(conn, message, guard, buffers=()):
    """Send a reply with what the guard refused so far; a reply too large to send is replaced."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    message["blocked"] = list(guard.attempts) if guard else []
    try:
        send(conn, message, buffers)
    except WireError:
        send(conn, {"status": "raised", "blocked": message["blocked"], "error": {
            "type": "ValueError", "message": "the value returned is too large to grade", "trace": []}})


def serve(conn, module_path, module_name, guard=None):
    """Answer ``call`` messages for one student module until the parent hangs up."""
    try:
        module = _load_module(module_path, module_name)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt included
        _reply(conn, {"status": "load_error", "error": _describe_exception(exc, module_path)}, guard)
        return
    functions = sorted(n for n, v in vars(module).items() if callable(v) and not n.startswith("_"))
    _reply(conn, {"status": "loaded", "functions": functions}, guard)
    while True:
        try:
            request, request_buffers = recv(conn)
        except (EOFError, OSError):
            return
        name = request.get("function")
        function = getattr(module, name, None)
        if not callable(function):
            _reply(conn, {"status": "missing", "function": name}, guard)
            continue
        args = [decode(a, request_buffers) for a in request.get("args", [])]
        kwargs = {k: decode(v, request_buffers) for k, v in request.get("kwargs", {}).items()}
        before = _snapshot(args)
        FORBIDDEN_CALLS.clear()
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
        reply["forbidden"] = sorted(set(FORBIDDEN_CALLS))
        _reply(conn, reply, guard, buffers)


def _apply_limits(limits):
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
    if os.geteuid() != 0:  # root ignores it; the guard refuses process creation anyway
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


def run_child(conn, job):
    """In the forked child: cut loose, confine, then serve the student module."""
    import signal

    os.setsid()  # own process group: the parent kills the whole group
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # oversized writes fail, not kill
    scratch = job["scratch"]
    os.chdir(scratch)
    out = os.open(os.path.join(scratch, job.get("output_name", "output.txt")),
                  os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(out)
    os.close(devnull)
    limits = dict(job.get("limits", {}))
    if limits.get("memory"):
        limits["address_space"] = _current_address_space() + int(limits["memory"])
    _drop_privileges(scratch, os.path.join(scratch, job.get("output_name", "output.txt")))
    _apply_limits(limits)
    os.environ.update({"TMPDIR": scratch, "HOME": scratch})
    sys.argv = [job["module_path"]]
    sys.path[:] = [scratch] + [p for p in sys.path if p]
    guard = Guard(scratch, *ALLOWED_ROOTS)
    sys.addaudithook(guard)
    try:
        serve(conn, job["module_path"], job["module_name"], guard)
    finally:
        try:
            conn.close()
        finally:
            os._exit(0)


def zygote(control_fd):
    """Import the stack once, then fork one child per job sent on the control socket."""
    import signal

    os.environ.setdefault("MPLBACKEND", "Agg")
    import numpy  # noqa: F401  (warm imports shared by every child)
    import scipy.optimize  # noqa: F401
    import scipy.special  # noqa: F401
    import scipy.stats  # noqa: F401
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401

    install_forbidden_wrappers()
    global ALLOWED_ROOTS
    ALLOWED_ROOTS = allowed_read_roots()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped automatically
    control = socket.socket(fileno=control_fd)
    send(control, {"status": "ready"})
    while True:
        try:
            message, fds, _flags, _addr = socket.recv_fds(control, 4, 1)
            if not message:
                return
            (length,) = struct.unpack(">I", message)
            job = json.loads(_recv_exactly(control, length))
        except (EOFError, OSError, ValueError, struct.error):
            return
        if not fds:
            send(control, {"status": "error", "message": "no socket"})
            continue
        pid = os.fork()
        if pid == 0:
            control.close()
            conn = socket.socket(fileno=fds[0])
            run_child(conn, job)
        os.close(fds[0])
        send(control, {"status": "spawned", "pid": pid})


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "--control-fd":
        sys.exit("usage: child.py --control-fd N")
    zygote(int(sys.argv[2]))
