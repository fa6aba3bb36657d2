"""Removing a folder a submission has shaped: without recursion, whatever its depth.

A child may build any tree in its scratch folder (its own business, never a
grader error); ``shutil.rmtree`` recurses once per level on Python 3.11 and
raises ``RecursionError`` past about a thousand, and a path-based walk fails
past ``PATH_MAX``. This walks with one open folder at a time, relative to its
parent's descriptor, climbing back through ``..`` only after checking it is
the very folder it came from (device and inode), so it never follows a link
and never leaves the tree.
"""

from __future__ import annotations

import os
import stat

_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _open_folder(name, dir_fd):
    """Open a sub-folder; one a submission made unreadable (``chmod 000``) is made readable first."""
    try:
        return os.open(name, _DIRECTORY, dir_fd=dir_fd)
    except PermissionError:
        os.chmod(name, 0o700, dir_fd=dir_fd)
        return os.open(name, _DIRECTORY, dir_fd=dir_fd)


def _first_folder(fd):
    """Unlink every non-folder of the open folder ``fd``; the name of one sub-folder left, or None."""
    with os.scandir(fd) as entries:
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    return entry.name
                os.unlink(entry.name, dir_fd=fd)
            except FileNotFoundError:
                continue
    return None


def remove_tree(path) -> bool:
    """Remove ``path`` and everything beneath it, never recursing; True when nothing is left.

    Errors are swallowed (like ``rmtree(ignore_errors=True)``): what could not be removed
    stays, and the answer is False."""
    path = os.fspath(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    try:
        if not stat.S_ISDIR(info.st_mode):
            os.unlink(path)
            return True
        _empty(path, info)
        os.rmdir(path)
        return True
    except OSError:
        return not os.path.lexists(path)


def _empty(path, info):
    fd = os.open(path, _DIRECTORY)
    # (name, device, inode) of each folder below the top, from the top down: what ``..`` must be.
    trail = [(None, info.st_dev, info.st_ino)]
    try:
        while True:
            child = _first_folder(fd)
            if child is not None:
                inner = _open_folder(child, fd)
                here = os.fstat(inner)
                os.close(fd)
                fd = inner
                trail.append((child, here.st_dev, here.st_ino))
                continue
            if len(trail) == 1:
                return
            name, _, _ = trail.pop()
            parent = os.open("..", _DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = parent
            above = os.fstat(fd)
            if (above.st_dev, above.st_ino) != trail[-1][1:]:
                raise OSError(f"{path}: a folder moved while it was being removed")
            os.rmdir(name, dir_fd=fd)
    finally:
        os.close(fd)
