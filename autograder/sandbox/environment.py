"""The one environment every process that holds student code starts from.

The zygote, each child it forks and each nbgrader notebook kernel start from
this explicit list, never from the grading process's environment: a teaching
assistant's shell holds tokens, cloud keys and course paths that a
``print(os.environ)`` would otherwise put into feedback. The zygote is
started with it (``env=``), so even ``/proc/<pid>/environ`` holds nothing
else. Imports nothing of the grader's.
"""

import os

#: Fixed values: a search path of system folders, a UTF-8 locale, one BLAS thread per
#: process (parallelism comes from grading several students at once; and no thread may
#: start before the kernel layers are applied, which bind the calling thread only), a
#: non-interactive plot backend, and a reproducible hash seed.
BASE = {
    "PATH": "/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "PYTHONIOENCODING": "utf-8",
    "MPLBACKEND": "Agg",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONHASHSEED": "0",
}


def cache_locations(environ=None):
    """Where the zygote finds the grader's caches (its sandbox allow-list, matplotlib's font list):
    folder paths only, resolved here so that no other variable needs to reach the zygote."""
    environ = os.environ if environ is None else environ
    home = environ.get("HOME") or os.path.expanduser("~")
    cache = environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache")
    matplotlib = environ.get("MPLCONFIGDIR") or os.path.join(cache, "matplotlib")
    return {"XDG_CACHE_HOME": cache, "MPLCONFIGDIR": matplotlib} if os.path.isabs(cache) else {}


def zygote_environment(extra=None):
    """The zygote's whole environment: ``BASE``, the cache folders, and ``extra`` (a test's or a
    route's own settings, never the grading process's environment)."""
    env = dict(BASE)
    env.update(cache_locations())
    env.update(extra or {})
    return env


def child_environment(scratch):
    """A confined child's whole environment: ``BASE`` with its home and temporary folder in scratch."""
    env = dict(BASE)
    env.update({"HOME": scratch, "TMPDIR": scratch})
    return env


def replace_environment(env):
    """Make ``env`` this process's whole ``os.environ`` (and the C library's, through putenv)."""
    for name in list(os.environ):
        if name not in env:
            del os.environ[name]
    os.environ.update(env)
