"""Starts an nbgrader notebook kernel confined like a sandbox child, then runs ipykernel in it.

    python -I kernel_launcher.py --scratch S --notebook-dir D --connection-file F
                                 [--path FOLDER]... [--isolation kernel|audit-hook-only] -- IPYKERNEL-ARGS

Started by ``autograder/routes/nbgrader_kernel.py`` (the kernel manager nbgrader's
``Execute`` uses) as a plain script under ``python -I``: like ``child.py`` it imports
nothing of the grader's, only its sandbox siblings (``confine``, ``guard``, ``allow_list``,
``child`` for the limits). Before ipykernel runs a single cell it

1. replaces the environment with a minimal one (no instructor variable: no token, key or
   path of the course; HOME, TMPDIR, IPYTHONDIR and MPLCONFIGDIR in the scratch folder);
2. copies the connection file into the scratch folder (the manager's runtime folder is out
   of reach afterwards); the manager chose the IPC transport, so the kernel's sockets are
   files of that folder and no TCP port is ever bound;
3. sets resource limits, then applies every kernel layer (the allow-list is computed once and
   kept, ``allow_list.py``, for the next kernel of the same interpreter and install) (``confine.confine(kernel=True)``):
   Landlock (read the interpreter, the libraries of the sandbox's allow-list plus ipykernel's
   own, the notebook's folder and ``--path`` folders; read and write the scratch folder only,
   where it may also make its sockets; no TCP), its own uid when root, and seccomp (no
   ``execve``, no new process: threads only; sockets of the Unix family only).

It fails closed: if a layer does not hold, it prints why and how to proceed and exits
before ipykernel starts, so no student code runs. With ``--isolation audit-hook-only``
(``AUTOGRADER_ISOLATION``) it runs the kernel with the minimal environment and limits
only, and says so loudly on stderr (nbgrader's log).
"""

import argparse
import glob
import os
import shutil
import sys

#: Distributions the kernel itself imports, allowed on top of those offered to students.
KERNEL_DISTRIBUTIONS = ("ipykernel", "matplotlib-inline", "comm", "pyzmq", "tornado", "jupyter-client")
#: Imported before the allow-list is computed (see ``main``): the zygote's warm imports.
WARM_IMPORTS = ("matplotlib.pyplot", "scipy.cluster.vq", "scipy.optimize", "scipy.stats")
#: Variables passed through: nbgrader's own (a notebook may ask whether it is being autograded)
#: and the manager's pid (the kernel leaves when its manager is gone).
PASSED_THROUGH = ("NBGRADER_EXECUTION", "NBGRADER_VALIDATING", "JPY_PARENT_PID")
#: Resource limits of a kernel: a whole notebook runs in it (the Execute timeout bounds each cell).
LIMITS = {"memory": 2 << 30, "cpu_seconds": 3600, "file_size": 64 << 20, "open_files": 1024}
HOW_TO_PROCEED = (
    "The notebook kernel refuses to run student code here: {reason}. Grade on Linux >= 5.13 with "
    "Landlock enabled and seccomp (`python -m autograder doctor` shows what this machine supports). "
    "To run the kernels here anyway, unconfined (the kernel can then read and change the whole course, "
    "gradebook included), set AUTOGRADER_ISOLATION=audit-hook-only for nbgrader; every report says so.")


def _here(name):
    """A module of this folder (``python -I`` puts no folder of ours on the path)."""
    import importlib

    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(here)


def _child():
    """``child.py`` of this folder; its own ``_sibling`` loads the other sandbox modules from
    their files, as in the zygote."""
    return _here("child")


def minimal_environment(scratch):
    """The kernel's whole environment: the sandbox's one fixed environment (``environment.BASE``:
    search path, UTF-8 locale, one BLAS thread, plot backend), its scratch folders and nbgrader's
    own markers, nothing else."""
    env = dict(_here("environment").BASE)
    env.update({name: os.environ[name] for name in PASSED_THROUGH if name in os.environ})
    folders = {"HOME": scratch, "TMPDIR": os.path.join(scratch, "tmp"),
               "IPYTHONDIR": os.path.join(scratch, "ipython"), "MPLCONFIGDIR": os.path.join(scratch, "matplotlib"),
               "JUPYTER_RUNTIME_DIR": os.path.join(scratch, "runtime")}
    for folder in folders.values():
        os.makedirs(folder, mode=0o700, exist_ok=True)
    env.update(folders)
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    return env


def _copy_font_cache(scratch):
    """matplotlib's font list, so the kernel does not rebuild it in its fresh config folder."""
    base = os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "matplotlib")
    for path in glob.glob(os.path.join(base, "fontlist-*.json")):
        try:
            shutil.copy(path, os.path.join(scratch, "matplotlib"))
        except OSError:
            pass


def _outside(roots, scratch):
    """The allow-list without this kernel's scratch folder (matplotlib's cache folder lies in it):
    the folder is the kernel's own anyway, and a kept list must not name another kernel's."""
    return tuple([p for p in part if p != scratch and not p.startswith(scratch.rstrip("/") + "/")]
                 for part in roots)


def _refuse(reason):
    print(HOW_TO_PROCEED.format(reason=reason), file=sys.stderr, flush=True)
    os._exit(3)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="kernel_launcher.py")
    parser.add_argument("--scratch", required=True)
    parser.add_argument("--notebook-dir", required=True)
    parser.add_argument("--connection-file", required=True)
    parser.add_argument("--path", action="append", default=[], help="a folder to import from (read only)")
    parser.add_argument("--isolation", choices=("kernel", "audit-hook-only"), default="kernel")
    parser.add_argument("kernel_args", nargs="*")
    args = parser.parse_args(argv)
    scratch = os.path.realpath(args.scratch)
    notebook_dir = os.path.realpath(args.notebook_dir)

    connection = os.path.join(scratch, "kernel.json")
    shutil.copy(args.connection_file, connection)
    child = _child()
    confine = child._sibling("confine")
    guard = child.guard
    kernel = args.isolation == "kernel"
    # The allow-list kept by an earlier kernel of this interpreter and install (the cache of the
    # user starting the kernel: looked up before HOME becomes the scratch folder).
    cache, key, details = child.allow_list.cache_folder(), None, {}
    cached = None
    if kernel:
        key = child.allow_list.cache_key(kernel={"distributions": KERNEL_DISTRIBUTIONS, "imports": WARM_IMPORTS})
        cached = child.allow_list.load(cache, key, details)
    env = minimal_environment(scratch)
    os.environ.clear()
    os.environ.update(env)
    _copy_font_cache(scratch)
    os.chdir(scratch)  # matplotlib reads a matplotlibrc in the working folder when imported

    # ipykernel, and when the allow-list is computed here what the zygote imports before its
    # children are confined, imported while nothing but this thread runs: the allow-list names
    # what they import (some of it only tried, such as numpy.f2py's optional charset_normalizer,
    # which a refused read would break). With the list kept from an earlier kernel, the notebook
    # imports the scientific stack itself, confined (seconds less per notebook, less code run
    # unconfined), reading what that list allows.
    import ipykernel.kernelapp  # noqa: F401

    if cached is None:
        for module in WARM_IMPORTS:
            __import__(module)

    limits = dict(LIMITS)
    # The memory limit counts from the size the launcher has after the warm imports, whether or
    # not this one made them (saved with the list), so a notebook gets the same room either way.
    limits["address_space"] = max(child._current_address_space(), details.get("address_space", 0)) \
        + limits.pop("memory")
    if kernel:
        if cached is None:
            roots = _outside(guard.allowed_read_roots(KERNEL_DISTRIBUTIONS), scratch)
            child.allow_list.save(cache, key, roots, {"address_space": child._current_address_space()})
        else:
            roots = cached
        rules = confine.landlock_rules([*roots[0], notebook_dir, *args.path], roots[2],
                                       confine.system_library_roots())
        child._apply_limits(limits, threads=True)
        try:
            done = confine.confine(scratch, rules, [scratch], kernel=True)
        except confine.ConfinementError as exc:
            _refuse(str(exc))
        except OSError as exc:
            _refuse(f"confinement failed: {exc}")
        if "not root" not in done.get("privileges", "") and os.geteuid() == 0:
            _refuse("the kernel still runs as root")
    else:
        child._apply_limits(limits, threads=True)  # ipykernel runs threads
        print("WARNING: AUTOGRADER_ISOLATION=audit-hook-only: this notebook kernel runs WITHOUT the kernel "
              "layers (Landlock, seccomp, its own uid): the student's code can read and change the course, "
              "the gradebook included.", file=sys.stderr, flush=True)

    # Only now, confined, may the student's folder be read: a file there named like a module the
    # launcher imports (matplotlib.py), or a matplotlibrc, would otherwise act before the kernel layers.
    app = _kernel_app()
    os.chdir(notebook_dir)
    sys.path[:] = [notebook_dir, *args.path, *(p for p in sys.path if p)]
    app.launch_instance(argv=["-f", connection, *args.kernel_args])


def _kernel_app():
    """ipykernel's application without what needs processes: the IOPub pipe for forked processes
    (a TCP socket on 127.0.0.1, bound at start; the confined kernel may make no TCP socket)
    and the search for child processes at shutdown."""
    import zmq
    from ipykernel.iostream import IOPubThread
    from ipykernel.ipkernel import IPythonKernel
    from ipykernel.kernelapp import IPKernelApp
    from ipykernel.kernelbase import Kernel
    from traitlets import Type

    class ConfinedKernel(IPythonKernel):
        def _process_children(self):
            """None: seccomp refuses new processes (and /proc, which psutil would list, is out of reach)."""
            return []

    class ConfinedKernelApp(IPKernelApp):
        kernel_class = Type(ConfinedKernel, klass=Kernel)

        def init_iopub(self, context):
            self.iopub_socket = context.socket(zmq.XPUB)
            self.iopub_socket.linger = 1000
            self.iopub_port = self._bind_socket(self.iopub_socket, self.iopub_port)
            self.configure_tornado_logger()
            self.iopub_thread = IOPubThread(self.iopub_socket, pipe=False, session=self.session)
            self.iopub_thread.start()
            self.iopub_socket = self.iopub_thread.background_socket

    return ConfinedKernelApp


if __name__ == "__main__":
    main()
