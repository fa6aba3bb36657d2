"""The sandbox's allow-list, computed once and kept on disk for the next zygote.

Computing it (``guard.allowed_read_roots``) reads every installed
distribution's metadata: about half a CPU-second in every zygote. What it
finds depends only on the interpreter, its import path, what is installed
there, the modules the zygote imported, the sandbox's own code and where that
code lies (a second copy of the grader, an unpacked Gradescope bundle, has its
own list); the cache key hashes all of them, so an install, an upgrade, an edit
or a move recomputes it.

The file is trusted only where no one but the grader's user can write: a
folder and a file owned by that user, writable by no one else, opened without
following a symlink. Anything else is ignored and the list is recomputed.
"""

import hashlib
import json
import os
import stat
import sys
import tempfile
import time

#: The sandbox files whose code decides the allow-list.
SOURCES = ("guard.py", "confine.py", "child.py", "allow_list.py")
#: Seconds after which a cached list no run has written is removed.
STALE = 7 * 24 * 3600


def cache_folder():
    """``$XDG_CACHE_HOME/autograder`` or ``~/.cache/autograder`` (None without a home)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "autograder") if os.path.isabs(base) else None


def _stamp(path):
    try:
        info = os.stat(path)
    except OSError:
        return None
    return [info.st_ino, info.st_mtime_ns, info.st_size]


def cache_key(kernel=None):
    """What the allow-list depends on, hashed: a change to any of it is a new key.

    ``kernel`` (a notebook kernel's launcher: the distributions it adds and the modules it
    imports before computing the list) replaces the modules imported so far, so that the
    launcher can look the list up before it imports anything; its own code is hashed too."""
    import sysconfig

    here = os.path.dirname(os.path.abspath(__file__))
    folders = sorted({*sys.path, *(p for p in sysconfig.get_paths().values() if p)})
    parts = {
        "python": [os.path.realpath(sys.executable), sys.version, sys.prefix, sys.base_prefix],
        "sandbox": os.path.realpath(here),  # the list names this folder's files (tracebacks read them)
        "path": list(sys.path),
        "folders": [[p, _stamp(p)] for p in folders if p],
        "uid": os.geteuid(),
    }
    if kernel is None:
        parts["modules"] = sorted({name.split(".")[0] for name in sys.modules})
        parts["environment"] = [os.environ.get(k) for k in ("HOME", "MPLCONFIGDIR", "XDG_CACHE_HOME")]
    else:
        parts["kernel"] = kernel
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True).encode())
    for name in SOURCES + (("kernel_launcher.py",) if kernel is not None else ()):
        with open(os.path.join(here, name), "rb") as source:
            digest.update(source.read())
    return digest.hexdigest()


def _private_folder(path):
    """True if ``path`` and its parent are real folders owned by us and writable by no one else."""
    for folder in (path, os.path.dirname(path)):
        try:
            info = os.lstat(folder)
        except OSError:
            return False
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
            return False
    return True


def load(folder, key, details=None):
    """The cached ``(read roots, list roots, site dirs)`` for ``key``, or None. ``details``, a
    dict, receives the numbers saved with them (``save``'s ``details``)."""
    if not folder or not _private_folder(folder):
        return None
    try:
        fd = os.open(os.path.join(folder, f"allow-list-{key}.json"), os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
            return None
        with os.fdopen(fd, "rb") as stream:
            fd = None
            data = json.loads(stream.read(1 << 22))
    except (OSError, ValueError):
        return None
    finally:
        if fd is not None:
            os.close(fd)
    if (not isinstance(data, dict) or data.get("key") != key
            or not all(isinstance(part, list) and all(isinstance(p, str) for p in part)
                       for part in data.get("roots", ()))
            or len(data.get("roots", ())) != 3
            or not isinstance(data.get("details", {}), dict)
            or not all(isinstance(v, int) for v in data.get("details", {}).values())):
        return None
    if details is not None:
        details.update(data.get("details", {}))
    return tuple(data["roots"])


def save(folder, key, roots, details=None):
    """Keep ``roots`` (and ``details``, names to integers) for ``key`` (best effort: a cache that
    cannot be written is skipped)."""
    if not folder:
        return
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if not _private_folder(folder):
            return
        for old in os.listdir(folder):  # lists of interpreters or installs gone for a week
            path = os.path.join(folder, old)
            try:
                if old.startswith("allow-list-") and os.lstat(path).st_mtime < time.time() - STALE:
                    os.unlink(path)
            except OSError:
                pass
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".allow-list-", suffix=".json")
        with os.fdopen(handle, "w") as stream:
            json.dump({"key": key, "roots": [list(part) for part in roots], "details": dict(details or {})},
                      stream)
        os.chmod(temporary, 0o644)
        os.replace(temporary, os.path.join(folder, f"allow-list-{key}.json"))
    except OSError:
        pass


def allowed_roots(compute):
    """``compute()`` (the guard's allow-list), or the copy cached for the same key."""
    folder = cache_folder()
    try:
        key = cache_key()
    except OSError:
        return compute()
    roots = load(folder, key)
    if roots is None:
        roots = compute()
        save(folder, key, roots)
    return roots
