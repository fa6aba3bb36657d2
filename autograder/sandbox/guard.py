"""The audit-hook layer inside a sandbox child: it tells the student what was tried.

An audit hook is not a security boundary (the kernel confinement of
``confine.py`` is what holds); this layer refuses the same things earlier,
with a message the student can read, and records attempts so the exercise
scores 0. It also computes the allow-list of files a child may read, which
the kernel confinement reuses, and wraps the library routines that would do
an exercise for the student. Imports nothing of the grader's.
"""

import functools
import os
import sys

# --------------------------------------------------------------------------
# Library routines that would do an exercise for the student (docs/threat-model.md).
# The list is the grading policy's (exercises.toml [forbidden]), sent with each job.
# --------------------------------------------------------------------------

#: Names recorded while the current call runs; reset before every call.
FORBIDDEN_CALLS = []
#: Methods of a forbidden package's classes (or of a forbidden class) that are refused.
ESTIMATOR_METHODS = ("fit", "fit_predict", "fit_transform", "predict", "predict_proba")
#: Computed in the zygote (``find_holders``), used once by each child, then emptied there:
#: dotted name -> (the original routine, the dictionaries holding it as a key or a value).
HOLDERS = {}


class ForbiddenRoutineError(RuntimeError):
    """What a stand-in raises: the routine is one the assignment asks students to write."""


def _stand_in(name, like=None):
    """A function in place of the forbidden routine ``name``: it records the call and raises.

    It holds no path back to the original (no ``__wrapped__``, no closure, default or
    attribute referring to it): only the name, as a string."""
    def stand_in(*args, **kwargs):
        FORBIDDEN_CALLS.append(name)
        raise ForbiddenRoutineError(f"{name} is a library routine this assignment asks you to write "
                                    f"yourself: the grader does not run it.")

    stand_in.__name__ = str(getattr(like, "__name__", name.rpartition(".")[2]))
    stand_in.__qualname__ = str(getattr(like, "__qualname__", stand_in.__name__))
    stand_in.__forbidden_wrapper__ = True
    return stand_in


def _wrapped(obj):
    return getattr(obj, "__forbidden_wrapper__", False)


def _replace(holder, attr, qualname):
    """Put a stand-in at ``holder.attr`` (a module or a class) and in every dictionary the zygote
    found holding the same original (a re-export, a registry keyed by functions)."""
    original = vars(holder).get(attr) if isinstance(holder, (type, type(sys))) else None
    if original is None:
        original = getattr(holder, attr)
    if _wrapped(original):
        return
    stand_in = _stand_in(qualname, original)
    setattr(holder, attr, stand_in)
    for found, dictionaries in [value for value in HOLDERS.values() if value[0] is original]:
        for dictionary in dictionaries:
            _swap(dictionary, original, stand_in)


def _swap(dictionary, original, stand_in):
    if type(dictionary).__name__ == "cell":  # a closure of another function held it
        dictionary.cell_contents = stand_in
        return
    try:
        for key in [k for k, v in dictionary.items() if v is original]:
            dictionary[key] = stand_in
        if any(k is original for k in dictionary):
            dictionary[stand_in] = dictionary.pop(original)
    except Exception:  # a mapping that refuses changes (a class's mappingproxy): its owner was set
        pass


def _wrap_class(cls, qualname):
    """Stand-ins for a forbidden class's estimator methods, inherited ones included
    (``GaussianMixture.fit``), set on the class itself: a base class shared with allowed
    estimators (``TransformerMixin.fit_transform``) keeps its own."""
    for method in ESTIMATOR_METHODS:
        found = getattr(cls, method, None)
        if callable(found) and not _wrapped(found):
            _replace(cls, method, f"{qualname}.{method}")


def _wrap_module_routines(module, qualname):
    """Refuse every public function, and every fit/predict of public classes, of a module."""
    import inspect

    for attr in dir(module):
        if attr.startswith("_"):
            continue
        obj = getattr(module, attr)
        if inspect.isclass(obj):
            _wrap_class(obj, f"{qualname}.{attr}")
        elif callable(obj) and not _wrapped(obj):
            _replace(module, attr, f"{qualname}.{attr}")


def _defining_class(cls, attr):
    """The class of ``cls``'s method resolution order whose own dictionary holds ``attr``."""
    return next((owner for owner in cls.__mro__ if attr in vars(owner)), cls)


def _wrap_attribute(owner, attr, qualname):
    """Refuse ``owner.attr``: a class's estimator methods, a function, or the method of an
    instance (``scipy.stats.norm.fit`` is ``norm_gen.fit``: replaced on the class defining it)."""
    import inspect
    import types

    obj = getattr(owner, attr)
    if inspect.isclass(obj):
        _wrap_class(obj, qualname)
    elif callable(obj) and not _wrapped(obj):
        if isinstance(owner, types.ModuleType) or inspect.isclass(owner):
            _replace(owner, attr, qualname)
        else:
            _replace(_defining_class(type(owner), attr), attr, qualname)


def _resolve(dotted):
    """The original object ``dotted`` names, where it is defined, if already loaded."""
    import inspect
    import types

    holder, _, last = dotted.rpartition(".")
    owner = _lookup(holder)
    if owner is None:
        return None
    if isinstance(owner, types.ModuleType) or inspect.isclass(owner):
        return getattr(owner, last, None)
    cls = _defining_class(type(owner), last)
    return vars(cls).get(last)


def find_holders(listed):
    """In the zygote: for each listed routine already loaded, the dictionaries (and closure
    cells) that hold it.

    One scan of the heap per new routine, in the zygote (never in each child): a child then
    replaces the original everywhere it is held, so nothing it can reach leads back to it."""
    import gc
    import inspect

    names = []
    for kind in ("routines", "prefixes"):
        for dotted in listed.get(kind, ()):
            if kind == "routines":
                names.append(dotted)
                continue
            holder, _, prefix = dotted.rpartition(".")
            owner = _lookup(holder)
            names += [f"{holder}.{n}" for n in dir(owner) if n.startswith(prefix)] if owner is not None else []
    fresh = {}
    for dotted in names:
        if dotted in HOLDERS:
            continue
        original = _resolve(dotted)
        if original is not None and not inspect.isclass(original) and not _wrapped(original):
            fresh[dotted] = original
    if not fresh:
        return
    originals = {id(original): original for original in fresh.values()}
    found = {key: [] for key in originals}
    for referrer in gc.get_referrers(*originals.values()):
        if referrer is fresh or referrer is originals:
            continue
        if type(referrer).__name__ == "cell":
            contents = [referrer.cell_contents] if referrer.cell_contents is not None else []
        elif isinstance(referrer, dict):
            contents = list(referrer.values()) + list(referrer)
        else:
            continue
        for item in contents:
            if id(item) in originals and item is originals[id(item)] \
                    and not any(r is referrer for r in found[id(item)]):
                found[id(item)].append(referrer)
    for dotted, original in fresh.items():
        HOLDERS[dotted] = (original, found[id(original)])


def _lookup(dotted):
    """The object ``dotted`` names, through loaded modules and attributes already present
    (never importing anything); None when it is not there (yet)."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        obj = sys.modules.get(".".join(parts[:i]))
        if obj is None:
            continue
        for part in parts[i:]:
            obj = vars(obj).get(part) if isinstance(obj, type(sys)) else getattr(obj, part, None)
            if obj is None:
                return None
        return obj
    return None


class _ForbiddenModule(type(sys)):
    """What importing a forbidden package gives: every name in it is a stand-in (its real files
    are never loaded, and Landlock keeps them unreadable to the child)."""

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _stand_in(f"{self.__name__}.{attr}")


class ForbiddenWrappers:
    """Import hook and replacer of the policy's forbidden routines: each one is replaced by a
    stand-in as soon as what holds it is loaded (now, or when the student's code imports it);
    a forbidden package is never loaded at all."""

    def __init__(self, listed):
        self.packages = tuple(listed.get("packages", ()))
        self.pending = ([("package", name) for name in self.packages]
                        + [("routine", name) for name in listed.get("routines", ())]
                        + [("prefix", name) for name in listed.get("prefixes", ())])

    def install(self):
        self.wrap_loaded()
        HOLDERS.clear()  # the originals it held are gone from every place the child can reach
        if self.pending:
            sys.meta_path.insert(0, self)

    def wrap_loaded(self):
        for entry in list(self.pending):
            kind, dotted = entry
            holder, _, last = dotted.rpartition(".")
            try:
                if kind == "package":
                    module = sys.modules.get(dotted)
                    if module is not None and not isinstance(module, _ForbiddenModule):
                        _wrap_module_routines(module, dotted)
                    continue  # a package stays pending: its submodules may load later
                owner = _lookup(holder)
                if owner is None:
                    continue
                names = ([last] if kind == "routine"
                         else [n for n in dir(owner) if n.startswith(last)])
                for name in names:
                    if getattr(owner, name, None) is not None:
                        _wrap_attribute(owner, name, f"{holder}.{name}")
                if kind == "routine" and getattr(owner, last, None) is None:
                    continue
                self.pending.remove(entry)
            except Exception:  # a name the libraries do not have: the source scan still applies
                self.pending.remove(entry)

    # A forbidden package: a module of stand-ins, made here, never read from disk.
    def create_module(self, spec):
        module = _ForbiddenModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass

    def find_spec(self, name, path=None, target=None):
        import importlib.machinery

        if any(name == package or name.startswith(package + ".") for package in self.packages):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        if not any(dotted == name or dotted.startswith(name + ".") for _, dotted in self.pending):
            return None
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
            self.wrap_loaded()

        spec.loader.exec_module = exec_module
        return spec


def install_forbidden_wrappers(listed):
    """Replace the routines ``listed`` names (``packages``, ``routines``, ``prefixes``), from the job."""
    ForbiddenWrappers(listed).install()


def forbidden_package_folders(packages, site_dirs):
    """The folders of the forbidden ``packages`` in the site folders (``sklearn.cluster`` ->
    ``.../site-packages/sklearn/cluster``): what Landlock keeps unreadable to a child."""
    folders = []
    for package in packages:
        for site in site_dirs:
            folder = os.path.join(site, *package.split("."))
            if os.path.isdir(folder):
                folders.append(os.path.realpath(folder))
    return folders


def _tripwire(event, function):
    """``function`` raising audit event ``event`` first: routines CPython does not audit."""
    import functools

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        sys.audit(event, *args[:1])
        return function(*args, **kwargs)

    return wrapper


def install_tripwires():
    """Audit events for process and signal routines that raise none (the kernel refuses them anyway)."""
    import _posixsubprocess
    import signal

    _posixsubprocess.fork_exec = _tripwire("_posixsubprocess.fork_exec", _posixsubprocess.fork_exec)
    if hasattr(os, "pidfd_open"):
        os.pidfd_open = _tripwire("os.pidfd_open", os.pidfd_open)
    if hasattr(signal, "pidfd_send_signal"):
        signal.pidfd_send_signal = _tripwire("signal.pidfd_send_signal", signal.pidfd_send_signal)


# --------------------------------------------------------------------------
# The guard: an audit hook with an allow-list of what student code may touch.
# --------------------------------------------------------------------------

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
    "_posixsubprocess.fork_exec": "start a process",
    "os.pidfd_open": "send a signal to another process",
    "signal.pidfd_send_signal": "send a signal to another process",
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
#: Foreign-function modules a submission may not import itself (an offered library may).
FFI_MODULES = frozenset({"cffi", "_cffi_backend"})
#: Events whose first path arguments are changed on disk: allowed inside the scratch folder only.
WRITE_EVENTS = {
    "os.remove": 1, "os.rename": 2, "os.rmdir": 1, "os.mkdir": 1, "os.symlink": 2, "os.link": 2,
    "os.chmod": 1, "os.chown": 1, "os.truncate": 1, "os.utime": 1, "shutil.rmtree": 1,
    "shutil.copyfile": 2, "shutil.copymode": 2, "shutil.copystat": 2, "shutil.copytree": 2,
    "shutil.move": 2, "os.chdir": 1,
}


def allowed_read_roots(extra_distributions=()):
    """Folders and files student code may read: the stdlib and the importable scientific stack.

    Computed in the zygote after its warm imports (and by a notebook kernel's launcher, which
    adds the kernel's own distributions as ``extra_distributions``). An allow-list, not a
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
    roots.update(_offered_distribution_paths(extra_distributions))
    here = os.path.dirname(os.path.realpath(__file__))
    for sibling in ("child.py", "wire.py", "guard.py", "confine.py"):  # tracebacks read their lines; no secret
        roots.add(os.path.join(here, sibling))
    try:
        import matplotlib

        roots.add(os.path.realpath(matplotlib.get_cachedir()))
        roots.add(os.path.realpath(matplotlib.get_data_path()))
    except Exception:
        pass
    roots.update(SYSTEM_READ_ROOTS)
    return sorted(roots), sorted(site_dirs | {os.path.dirname(r) for r in roots}), sorted(site_dirs)


def _offered_distribution_paths(extra=()):
    """Top-level files and folders of the offered distributions (and ``extra``) and their dependencies."""
    import re
    from importlib import metadata

    def normal(name):
        return re.sub(r"[-_.]+", "-", name).lower()

    installed = {}
    for dist in metadata.distributions():
        installed.setdefault(normal(dist.metadata["Name"] or ""), dist)
    paths, seen, todo = set(), set(), list(OFFERED_DISTRIBUTIONS) + list(extra)
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


@functools.lru_cache(maxsize=4096)
def _real(filename):
    return os.path.realpath(filename)


def _exists(path):
    """Whether ``path`` exists, counting one behind a folder this process may not search."""
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return True
    return True


def _fixed_path_type(value):
    """A path-like object of a standard type, whose ``__fspath__`` cannot be rigged."""
    import pathlib

    return type(value) in (pathlib.PosixPath, pathlib.PurePosixPath) or (
        type(value).__name__ == "DirEntry" and type(value).__module__ == "posix")


class Guard:
    """Audit hook: refuses, and records, what a submission has no business doing."""

    def __init__(self, scratch, read_roots, list_roots, site_dirs=(), kernel_holds=False):
        self.scratch = os.path.realpath(scratch)
        self.kernel_holds = kernel_holds  # the kernel layers confine the child whatever this hook says
        self.read_roots = tuple(read_roots) + (self.scratch, f"/proc/{os.getpid()}")
        self.list_roots = tuple(list_roots)
        self.site_dirs = tuple(site_dirs)
        self.attempts = []  # escapes: each one scores the exercise 0

    def refuse(self, what, escape=True, error=PermissionError):
        """Refuse with ``error``; an escape attempt is also recorded for the grader."""
        if escape and what not in self.attempts and len(self.attempts) < 10:
            self.attempts.append(what)
        raise error(f"The grader does not allow a submission to {what}.")

    def _path(self, value, base=None):
        """The real path ``value`` names (relative ones from ``base``, else the working folder)."""
        if isinstance(value, int) or value is None:
            return None
        if type(value) not in (str, bytes) and not _fixed_path_type(value):
            # The hook and the kernel each call __fspath__: one that answers differently each
            # time would show the hook one file and the kernel another.
            self.refuse(f"name a file through a path-like object of type {type(value).__name__}")
        try:
            text = os.fsdecode(value)
        except (TypeError, ValueError):
            return None
        climbs = not os.path.isabs(text) and os.path.normpath(text).startswith("..")
        text = os.path.join(base, text) if base else text
        try:
            path = os.path.realpath(text)
        except OSError:  # a link this process may not read (another process's /proc entry)
            path = os.path.abspath(text)
        if climbs and _within(path, (self.scratch,)) and self._from_submission():
            # Inside the folder as seen from here; with dir_fd the kernel starts from a folder
            # this hook cannot see, and the same ".." leave it.
            self.refuse(f"name a file with a relative path that climbs out of its folder ({text})")
        return path

    def check_write(self, value, base=None):
        path = self._path(value, base)
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
            top = str(args[0]).split(".")[0] if args else ""
            if top in GRADER_PACKAGES:
                self.refuse(f"import the grader's module {args[0]}")
            if top in FFI_MODULES and (not self.kernel_holds or self._from_submission()):
                self.refuse("call native code through cffi")
        elif event == "os.symlink" and len(args) >= 2:
            # A relative target is resolved from the link's folder, not from the working folder.
            link = self._path(args[1])
            self.check_write(args[1])
            self.check_write(args[0], base=os.path.dirname(link) if link else None)
        elif event in WRITE_EVENTS:
            for value in args[: WRITE_EVENTS[event]]:
                self.check_write(value)
        elif event in REFUSED_EVENTS:
            self.refuse(REFUSED_EVENTS[event])
        elif event.startswith("ctypes."):
            if self.kernel_holds and not self._from_submission():
                return  # an offered library using ctypes (threadpoolctl under scikit-learn's KMeans)
            self.refuse("call native code through ctypes")

    def _from_submission(self):
        """Whether the code that raised this event is the submission's own (not a library's)."""
        ctypes = sys.modules.get("ctypes")
        skipped = (os.path.realpath(__file__),)
        if ctypes is not None:
            skipped += (os.path.dirname(os.path.realpath(ctypes.__file__)),)
        frame = sys._getframe(1)
        while frame is not None:
            filename = _real(frame.f_code.co_filename)
            if not _within(filename, skipped):
                return _within(filename, (self.scratch,)) or not _within(filename, self.read_roots)
            frame = frame.f_back
        return True

    def _open(self, value, mode=None, flags=0):
        path = self._path(value)
        if path is None:
            return
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND))
        if writing:
            self.check_write(path)
        elif not _within(path, self.read_roots) and _exists(path):
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

