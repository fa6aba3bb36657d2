"""Kernel confinement of a sandbox child (Landlock, seccomp, privileges)."""

import os

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


def _drop_privileges(scratch):
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
    os.chown(scratch, nobody.pw_uid, nobody.pw_gid)
    os.setgroups([])
    os.setgid(nobody.pw_gid)
    os.setuid(nobody.pw_uid)
    return "dropped to nobody"

