"""Kernel confinement of a sandbox child: what holds even if every Python-level check were gone.

Applied in each forked child before the student's module is imported, in
this order (each step needs the privileges the next one gives up):

1. **Landlock** (Linux >= 5.13): reads only beneath the allow-list the zygote
   computed (interpreter, offered packages, a few system files), reads and
   writes only beneath the child's scratch folder, no symlinks, FIFOs,
   sockets or devices made anywhere; no TCP bind/connect (ABI >= 4); no
   signal to, and no abstract socket of, any process outside the child's own
   domain (ABI >= 6). Each child restricts itself, so each has its own
   domain and siblings are out of each other's reach.
2. **Privileges**: ``no_new_privs``; when root, a uid/gid of its own (no
   passwd entry needed) keeping only ``CAP_DAC_READ_SEARCH``, so an
   interpreter under a 0700 home stays readable. That capability lets DAC
   read checks pass, but Landlock still confines every read to the
   allow-list, and the one syscall that turns it into a way around paths
   (``open_by_handle_at``) is refused by seccomp. Every other capability
   is dropped, from the bounding set too; ambient ones are cleared.
3. **seccomp**: a hand-written BPF filter installed through ``prctl``. Hand
   written rather than through libseccomp: the policy is a short deny-list
   plus two argument checks, the filter is ~180 instructions, and the
   sandbox then depends on nothing that a grading machine might lack. It
   checks the architecture (x86_64 and aarch64; any other ABI, such as
   32-bit calls on x86_64, kills the process) and refuses new processes
   (``clone`` without ``CLONE_THREAD``; ``clone3`` answers ENOSYS so glibc
   falls back to ``clone`` for threads), ``execve``, tracing and other
   processes' memory, pidfds, signals to any process but the child's own,
   device nodes, mounts and namespaces, ``bpf``, ``perf_event_open``, keys,
   new sockets (the reply channel already exists), io_uring (it bypasses
   seccomp), ``userfaultfd``, file handles, kernel modules and kexec, file
   watches (inotify, fanotify) and System V / POSIX IPC objects (shared
   memory, message queues, semaphores: they outlive the child).

Loaded from its file by ``child.py`` (and run as a script by the ``doctor``
probe); it imports nothing of the grader's.
"""

import ctypes
import errno
import os
import platform
import stat
import struct
import sys

#: Children's uids and gids: this plus the child's pid, so no two live children share one.
UID_BASE = 2_000_000_000

# --------------------------------------------------------------------------
# Landlock
# --------------------------------------------------------------------------

SYS_LANDLOCK = {"x86_64": (444, 445, 446), "aarch64": (444, 445, 446)}
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1

FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE, FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
FS_REMOVE_DIR, FS_REMOVE_FILE, FS_MAKE_CHAR, FS_MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
FS_MAKE_REG, FS_MAKE_SOCK, FS_MAKE_FIFO, FS_MAKE_BLOCK = 1 << 8, 1 << 9, 1 << 10, 1 << 11
FS_MAKE_SYM, FS_REFER, FS_TRUNCATE, FS_IOCTL_DEV = 1 << 12, 1 << 13, 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1

#: The file-system rights each ABI knows (a ruleset may only handle those).
FS_RIGHTS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1}
FS_RIGHTS_LATEST = (1 << 16) - 1  # ABI >= 5
#: Rights a rule on a file (not a folder) may carry.
FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV
READ_ONLY = FS_READ_FILE | FS_READ_DIR
#: In the scratch folder: make, change and remove files and folders; never symlinks,
#: FIFOs, sockets or devices (the grading process reads files back from there).
SCRATCH = (FS_READ_FILE | FS_READ_DIR | FS_WRITE_FILE | FS_REMOVE_FILE | FS_REMOVE_DIR
           | FS_MAKE_REG | FS_MAKE_DIR | FS_REFER | FS_TRUNCATE)
#: A notebook kernel's scratch folder also holds its Unix sockets (the IPC transport of
#: Jupyter's messaging): the kernel binds them there, nowhere else.
KERNEL_SCRATCH = SCRATCH | FS_MAKE_SOCK
#: Files that are safe to write: writes vanish.
WRITE_SINKS = ("/dev/null",)


class ConfinementError(OSError):
    """A kernel layer could not be applied: the child must not run student code."""


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


_LIBC = None


def _libc():
    global _LIBC
    if _LIBC is None:
        _LIBC = ctypes.CDLL(None, use_errno=True)
        _LIBC.syscall.restype = ctypes.c_long
        _LIBC.prctl.restype = ctypes.c_int
    return _LIBC


def _check(result, what):
    if result < 0:
        number = ctypes.get_errno()
        raise ConfinementError(number, f"{what}: {os.strerror(number)}")
    return result


def _arch():
    machine = platform.machine().lower()
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)


def landlock_abi():
    """The Landlock ABI version this kernel offers, or 0 when it has none (or it is disabled)."""
    if sys.platform != "linux" or _arch() not in SYS_LANDLOCK:
        return 0
    create = SYS_LANDLOCK[_arch()][0]
    result = _libc().syscall(ctypes.c_long(create), None, ctypes.c_long(0),
                             ctypes.c_long(LANDLOCK_CREATE_RULESET_VERSION))
    return max(int(result), 0)


def landlock_coverage(abi):
    """What a Landlock domain of this ABI holds, in words."""
    if abi <= 0:
        return "not available"
    parts = ["file reads and writes"]
    if abi >= 2:
        parts.append("renames")
    if abi >= 3:
        parts.append("truncation")
    if abi >= 4:
        parts.append("TCP bind/connect")
    if abi >= 5:
        parts.append("device ioctls")
    if abi >= 6:
        parts.append("signals and abstract sockets outside the child")
    return ", ".join(parts)


def landlock_rules(read_roots, list_roots, extra_read=()):
    """``[(path, is_folder)]`` the child may read, computed once in the zygote.

    ``read_roots`` are the guard's allow-list (files and folders beneath which
    reading is fine); ``list_roots`` are folders whose names may be listed
    (``sys.path`` folders: the import system lists them) without reading
    their files. Missing paths are left out.
    """
    rules = {}
    for path in list(read_roots) + list(extra_read):
        path = os.path.realpath(path)
        if os.path.isdir(path):
            rules[path] = READ_ONLY
        elif os.path.exists(path):
            rules[path] = FS_READ_FILE
    for path in list_roots:
        path = os.path.realpath(path)
        if os.path.isdir(path):
            rules.setdefault(path, FS_READ_DIR)
            # Package metadata holds names and versions only; entry-point scans read all of it.
            for name in os.listdir(path):
                if name.endswith((".dist-info", ".egg-info")) and os.path.isdir(os.path.join(path, name)):
                    rules.setdefault(os.path.join(path, name), READ_ONLY)
    return sorted(rules.items())


def rules_excluding(rules, excluded):
    """``rules`` with the folders ``excluded`` (a forbidden package's) left unreadable.

    Landlock grants rights beneath a folder and cannot take them back lower down, so a rule
    on a folder holding an excluded one is split: the folder itself may be listed, each of its
    entries is granted on its own, except the way down to the excluded folder, split again."""
    excluded = [os.path.realpath(path) for path in excluded]
    out = []
    for path, rights in rules:
        if any(path == e or path.startswith(e.rstrip("/") + "/") for e in excluded):
            continue  # a rule beneath an excluded folder
        inside = [e for e in excluded if e.startswith(path.rstrip("/") + "/")]
        if not inside or not rights & FS_READ_FILE:
            out.append((path, rights))
            continue
        todo = [path]
        while todo:
            folder = todo.pop()
            if folder in excluded:
                continue
            if not any(e.startswith(folder.rstrip("/") + "/") for e in excluded):
                out.append((folder, rights if os.path.isdir(folder) else rights & FILE_RIGHTS))
                continue
            out.append((folder, FS_READ_DIR))
            try:
                names = sorted(os.listdir(folder))
            except OSError:
                continue
            todo.extend(os.path.join(folder, name) for name in names)
    return sorted(set(out))


def system_library_roots():
    """Shared libraries and the loader's cache: a library may load another one after the fork."""
    import sysconfig

    triplet = sysconfig.get_config_var("MULTIARCH") or f"{_arch()}-linux-gnu"
    candidates = [f"/lib/{triplet}", f"/usr/lib/{triplet}", "/lib64", "/usr/lib64", "/etc/ld.so.cache",
                  "/usr/lib/locale"]
    return [p for p in candidates if os.path.exists(p)]


def apply_landlock(abi, rules, scratch, scratch_rights=SCRATCH):
    """Restrict this thread (and what it later starts) to ``rules`` plus the scratch folder.

    ``scratch_rights``: what may be done beneath the scratch folder (``KERNEL_SCRATCH`` for
    a notebook kernel, which binds its sockets there)."""
    if abi <= 0:
        raise ConfinementError(errno.ENOSYS, "Landlock is not available")
    create, add_rule, restrict = SYS_LANDLOCK[_arch()]
    handled_fs = FS_RIGHTS_BY_ABI.get(abi, FS_RIGHTS_LATEST)
    attr = _RulesetAttr(handled_fs, NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0,
                        SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    libc = _libc()
    ruleset = _check(libc.syscall(ctypes.c_long(create), ctypes.byref(attr), ctypes.c_size_t(size),
                                  ctypes.c_long(0)), "landlock_create_ruleset")
    try:
        own = [(f"/proc/{os.getpid()}", READ_ONLY), (scratch, scratch_rights)]
        own += [(sink, FS_READ_FILE | FS_WRITE_FILE | FS_TRUNCATE) for sink in WRITE_SINKS]
        for path, rights in list(rules) + own:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise ConfinementError(exc.errno, f"cannot open {path} for a Landlock rule") from None
            try:
                if not stat.S_ISDIR(os.fstat(fd).st_mode):
                    rights &= FILE_RIGHTS
                beneath = _PathBeneathAttr(rights & handled_fs, fd)
                _check(libc.syscall(ctypes.c_long(add_rule), ctypes.c_int(ruleset),
                                    ctypes.c_int(LANDLOCK_RULE_PATH_BENEATH), ctypes.byref(beneath),
                                    ctypes.c_uint32(0)), f"landlock_add_rule({path})")
            finally:
                os.close(fd)
        _check(libc.prctl(38, 1, 0, 0, 0), "no_new_privs")  # PR_SET_NO_NEW_PRIVS
        _check(libc.syscall(ctypes.c_long(restrict), ctypes.c_int(ruleset), ctypes.c_uint32(0)),
               "landlock_restrict_self")
    finally:
        os.close(ruleset)


# --------------------------------------------------------------------------
# Privileges
# --------------------------------------------------------------------------

CAP_DAC_READ_SEARCH = 2
PR_SET_KEEPCAPS, PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 8, 24, 47, 4
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


def _capset(effective, permitted, inheritable):
    header = struct.pack("Ii", _LINUX_CAPABILITY_VERSION_3, 0)
    data = struct.pack("6I", effective & 0xFFFFFFFF, permitted & 0xFFFFFFFF, inheritable & 0xFFFFFFFF,
                       effective >> 32, permitted >> 32, inheritable >> 32)
    header_buffer = ctypes.create_string_buffer(header, len(header))
    data_buffer = ctypes.create_string_buffer(data, len(data))
    nr = {"x86_64": 126, "aarch64": 91}[_arch()]
    _check(_libc().syscall(ctypes.c_long(nr), header_buffer, data_buffer), "capset")


def _last_capability():
    try:
        with open("/proc/sys/kernel/cap_last_cap") as handle:
            return int(handle.read())
    except (OSError, ValueError):
        return 40


def drop_privileges(owned_paths):
    """As root: become a uid/gid of this child's own, keeping only CAP_DAC_READ_SEARCH.

    ``owned_paths`` (the scratch folder, the output file) are given to that
    uid so the child can write there and nowhere else. Not root: nothing to
    drop, and an unprivileged user has no capability to keep. Returns what
    happened, in words.
    """
    libc = _libc()
    _check(libc.prctl(38, 1, 0, 0, 0), "no_new_privs")
    if os.geteuid() != 0:
        _check(libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "clear ambient capabilities")
        return f"not root: runs as uid {os.geteuid()}"
    uid = UID_BASE + os.getpid()
    for path in owned_paths:
        _give(path, uid)
    for cap in range(_last_capability() + 1):
        if cap != CAP_DAC_READ_SEARCH:
            _check(libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), f"drop capability {cap}")
    _check(libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "clear ambient capabilities")
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    _check(libc.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), "keep capabilities")
    os.setresuid(uid, uid, uid)
    _check(libc.prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0), "stop keeping capabilities")
    keep = 1 << CAP_DAC_READ_SEARCH
    _capset(keep, keep, 0)
    return f"uid {uid}, only CAP_DAC_READ_SEARCH kept"


def _give(path, uid, limit=10_000):
    """Hand ``path`` (and, for a folder, what an earlier child of the same exercise left in it) to ``uid``.

    Links are changed themselves, never followed; a file with a second hard
    link is left alone (it might be reachable from elsewhere). The walk is
    iterative and stops after ``limit`` entries: the earlier child may have
    left a tree of any depth, and what is not handed over only stays
    read-only to the new child (its own business, never a failure to confine).
    """
    os.chown(path, uid, uid, follow_symlinks=False)
    if not os.path.isdir(path) or os.path.islink(path):
        return
    folders = [path]
    while folders and limit > 0:
        folder = folders.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    limit -= 1
                    if limit < 0:
                        return
                    info = entry.stat(follow_symlinks=False)
                    if stat.S_ISDIR(info.st_mode) or info.st_nlink == 1:
                        os.chown(entry.path, uid, uid, follow_symlinks=False)
                    if stat.S_ISDIR(info.st_mode):
                        folders.append(entry.path)
        except OSError:  # a path too long, an entry gone: left as it is
            continue


def drop_to_nobody(owned_paths):
    """Without Landlock: as root, become ``nobody`` if that user can still read the interpreter."""
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
        return "the interpreter is not readable by nobody: still root"
    for path in owned_paths:
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
    os.setgroups([])
    os.setgid(nobody.pw_gid)
    os.setuid(nobody.pw_uid)
    return "dropped to nobody"


def _readable_by_everyone(path):
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


# --------------------------------------------------------------------------
# seccomp
# --------------------------------------------------------------------------

AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
#: Syscalls refused with EPERM, by name; numbers per architecture below.
DENIED = (
    "execve", "execveat", "fork", "vfork", "uselib", "ptrace", "process_vm_readv", "process_vm_writev",
    "process_madvise", "process_mrelease", "kcmp", "pidfd_open", "pidfd_send_signal", "pidfd_getfd",
    "mknod", "mknodat", "mount", "umount2", "unshare", "setns", "pivot_root", "chroot", "open_tree",
    "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "bpf", "perf_event_open",
    "keyctl", "add_key", "request_key", "socket", "socketpair", "io_uring_setup", "io_uring_enter",
    "io_uring_register", "userfaultfd", "open_by_handle_at", "name_to_handle_at", "init_module",
    "finit_module", "delete_module", "kexec_load", "kexec_file_load", "move_pages", "migrate_pages", "tkill",
    # Channels that are not files, which Landlock does not confine: file-change watches (a watch on
    # the output folder would name classmates as they are graded) and System V / POSIX message
    # queues, semaphores and shared memory (kernel objects that outlive the child, shared with
    # whoever knows the key).
    "inotify_init", "inotify_init1", "inotify_add_watch", "fanotify_init", "fanotify_mark",
    "shmget", "shmat", "shmctl", "shmdt", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop",
    "semctl", "semtimedop", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify",
    "mq_getsetattr",
)
#: Signals: allowed only when the first argument is the child's own pid (its only process).
SIGNALS = ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")
SYSCALLS = {
    "x86_64": {
        "socket": 41, "socketpair": 53, "clone": 56, "fork": 57, "vfork": 58, "execve": 59, "kill": 62,
        "ptrace": 101, "rt_sigqueueinfo": 129, "mknod": 133, "uselib": 134, "pivot_root": 155,
        "chroot": 161, "mount": 165, "umount2": 166, "init_module": 175, "delete_module": 176,
        "tkill": 200, "tgkill": 234, "kexec_load": 246, "add_key": 248, "request_key": 249, "keyctl": 250,
        "migrate_pages": 256, "mknodat": 259, "unshare": 272, "move_pages": 279, "rt_tgsigqueueinfo": 297,
        "perf_event_open": 298, "name_to_handle_at": 303, "open_by_handle_at": 304, "setns": 308,
        "process_vm_readv": 310, "process_vm_writev": 311, "kcmp": 312, "finit_module": 313,
        "kexec_file_load": 320, "bpf": 321, "execveat": 322, "userfaultfd": 323,
        "shmget": 29, "shmat": 30, "shmctl": 31, "semget": 64, "semop": 65, "semctl": 66, "shmdt": 67,
        "msgget": 68, "msgsnd": 69, "msgrcv": 70, "msgctl": 71, "semtimedop": 220, "mq_open": 240,
        "mq_unlink": 241, "mq_timedsend": 242, "mq_timedreceive": 243, "mq_notify": 244,
        "mq_getsetattr": 245, "inotify_init": 253, "inotify_add_watch": 254, "inotify_init1": 294,
        "fanotify_init": 300, "fanotify_mark": 301,
    },
    "aarch64": {
        "mknodat": 33, "umount2": 39, "mount": 40, "pivot_root": 41, "chroot": 51, "unshare": 97,
        "kexec_load": 104, "init_module": 105, "delete_module": 106, "ptrace": 117, "kill": 129,
        "tkill": 130, "tgkill": 131, "rt_sigqueueinfo": 138, "socket": 198, "socketpair": 199,
        "add_key": 217, "request_key": 218, "keyctl": 219, "clone": 220, "execve": 221,
        "migrate_pages": 238, "move_pages": 239, "rt_tgsigqueueinfo": 240, "perf_event_open": 241,
        "name_to_handle_at": 264, "open_by_handle_at": 265, "setns": 268, "process_vm_readv": 270,
        "process_vm_writev": 271, "kcmp": 272, "finit_module": 273, "bpf": 280, "execveat": 281,
        "userfaultfd": 282, "kexec_file_load": 294,
        "inotify_init1": 26, "inotify_add_watch": 27, "mq_open": 180, "mq_unlink": 181,
        "mq_timedsend": 182, "mq_timedreceive": 183, "mq_notify": 184, "mq_getsetattr": 185,
        "msgget": 186, "msgctl": 187, "msgrcv": 188, "msgsnd": 189, "semget": 190, "semctl": 191,
        "semtimedop": 192, "semop": 193, "shmget": 194, "shmctl": 195, "shmat": 196, "shmdt": 197,
        "fanotify_init": 262, "fanotify_mark": 263,
    },
}
#: Numbered alike on both architectures (the unified table from 403 on).
COMMON_SYSCALLS = {
    "pidfd_send_signal": 424, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
    "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
    "pidfd_open": 434, "clone3": 435, "pidfd_getfd": 438, "process_madvise": 440, "mount_setattr": 442,
    "process_mrelease": 448,
}
CLONE_THREAD = 0x00010000
#: CLONE_THREAD and every namespace flag: a thread may be made, nothing else.
CLONE_CHECKED = CLONE_THREAD | 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 \
    | 0x20000000 | 0x40000000
X32_SYSCALL_BIT = 0x40000000

RET_KILL_PROCESS, RET_ALLOW, RET_ERRNO = 0x80000000, 0x7FFF0000, 0x00050000
LD_W_ABS, JEQ_K, JGE_K, AND_K, RET_K = 0x20, 0x15, 0x35, 0x54, 0x06
NR_OFFSET, ARCH_OFFSET, ARG0_LOW_OFFSET = 0, 4, 16  # struct seccomp_data, little-endian
AF_UNIX = 1
#: Refused outright, unless ``unix_sockets``: then allowed for ``AF_UNIX`` only.
SOCKET_CALLS = ("socket", "socketpair")


def seccomp_program(pid, arch=None, unix_sockets=False):
    """The BPF filter as ``[(code, jt, jf, k)]`` for this architecture and this child's pid.

    ``unix_sockets``: a notebook kernel talks to its manager over Unix sockets and its event
    loop wakes itself through a socket pair, so it may make sockets of the ``AF_UNIX``
    family (Landlock still confines where a named one can be bound); every other family
    (TCP, UDP, raw, netlink) stays refused."""
    arch = arch or _arch()
    if arch not in SYSCALLS:
        raise ConfinementError(errno.ENOSYS, f"no seccomp filter for the {arch} architecture")
    numbers = dict(SYSCALLS[arch], **COMMON_SYSCALLS)
    deny = RET_ERRNO | errno.EPERM
    program = [(LD_W_ABS, 0, 0, ARCH_OFFSET), (JEQ_K, 1, 0, AUDIT_ARCH[arch]), (RET_K, 0, 0, RET_KILL_PROCESS),
               (LD_W_ABS, 0, 0, NR_OFFSET)]
    if arch == "x86_64":
        program += [(JGE_K, 0, 1, X32_SYSCALL_BIT), (RET_K, 0, 0, RET_ERRNO | errno.ENOSYS)]
    for name in DENIED:
        if name in numbers and not (unix_sockets and name in SOCKET_CALLS):
            program += [(JEQ_K, 0, 1, numbers[name]), (RET_K, 0, 0, deny)]
    if unix_sockets:
        for name in SOCKET_CALLS:
            program += [(JEQ_K, 0, 4, numbers[name]), (LD_W_ABS, 0, 0, ARG0_LOW_OFFSET),
                        (JEQ_K, 0, 1, AF_UNIX), (RET_K, 0, 0, RET_ALLOW), (RET_K, 0, 0, deny)]
    program += [(JEQ_K, 0, 1, numbers["clone3"]), (RET_K, 0, 0, RET_ERRNO | errno.ENOSYS)]
    program += [(JEQ_K, 0, 5, numbers["clone"]), (LD_W_ABS, 0, 0, ARG0_LOW_OFFSET),
                (AND_K, 0, 0, CLONE_CHECKED), (JEQ_K, 0, 1, CLONE_THREAD), (RET_K, 0, 0, RET_ALLOW),
                (RET_K, 0, 0, deny)]
    for name in SIGNALS:
        program += [(JEQ_K, 0, 4, numbers[name]), (LD_W_ABS, 0, 0, ARG0_LOW_OFFSET),
                    (JEQ_K, 0, 1, pid & 0xFFFFFFFF), (RET_K, 0, 0, RET_ALLOW), (RET_K, 0, 0, deny)]
    program.append((RET_K, 0, 0, RET_ALLOW))
    return program


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def apply_seccomp(pid, unix_sockets=False):
    """Install the filter on this (single-threaded) process; no_new_privs must already be set."""
    program = seccomp_program(pid, unix_sockets=unix_sockets)
    raw = b"".join(struct.pack("HBBI", *instruction) for instruction in program)
    buffer = ctypes.create_string_buffer(raw, len(raw))
    fprog = _SockFprog(len(program), ctypes.addressof(buffer))
    _check(_libc().prctl(22, 2, ctypes.byref(fprog), 0, 0), "seccomp")  # PR_SET_SECCOMP, FILTER


# --------------------------------------------------------------------------
# All layers, in order
# --------------------------------------------------------------------------

def single_threaded():
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def confine(scratch, rules, owned_paths, kernel=False):
    """Apply every kernel layer to this child, or raise ConfinementError; returns what was done.

    ``kernel``: a notebook kernel (``kernel_launcher.py``), which may also make Unix sockets,
    and bind them only beneath its scratch folder; a batch child may not."""
    if sys.platform != "linux":
        raise ConfinementError(errno.ENOSYS, "kernel confinement needs Linux")
    if not single_threaded():  # Landlock and seccomp bind the calling thread only
        raise ConfinementError(errno.EBUSY, "the child has more than one thread")
    abi = landlock_abi()
    pid = os.getpid()
    done = {"landlock": f"ABI {abi}"}
    try:
        done["privileges"] = drop_privileges(owned_paths)
        apply_landlock(abi, rules, scratch, KERNEL_SCRATCH if kernel else SCRATCH)
        apply_seccomp(pid, unix_sockets=kernel)
    except ConfinementError:
        raise
    except OSError as exc:
        raise ConfinementError(exc.errno, f"confinement failed: {exc}") from None
    done["seccomp"] = "on"
    return done


# --------------------------------------------------------------------------
# Probe: which layers this machine supports (``python -m autograder doctor``)
# --------------------------------------------------------------------------

def _status_field(name):
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(name + ":"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def _attempt(action):
    """'refused' when ``action`` raises PermissionError, else what happened."""
    try:
        action()
    except PermissionError:
        return "refused"
    except OSError as exc:
        return f"failed ({exc.strerror})"
    return "allowed"


def _self_test(outside_file, parent_pid, was_root):
    """Inside a confined probe child: does each layer hold? ``{layer: [ok, detail]}``."""
    import socket

    results = {}
    read_outside = _attempt(lambda: open(outside_file, "rb").close())
    read_stdlib = _attempt(lambda: open(os.__file__, "rb").close())
    signal_parent = _attempt(lambda: os.kill(parent_pid, 0))
    landlock_ok = read_outside == "refused" and read_stdlib == "allowed"
    abi = landlock_abi()
    results["landlock"] = [landlock_ok, f"ABI {abi} ({landlock_coverage(abi)}); a file outside the allow-list: "
                                        f"{read_outside}; the standard library: {read_stdlib}"]

    def spawn():
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)

    new_process = _attempt(spawn)
    new_socket = _attempt(lambda: socket.socket().close())
    results["seccomp"] = [new_process == "refused" and new_socket == "refused",
                          f"mode {_status_field('Seccomp') or '?'}; a new process: {new_process}; "
                          f"a new socket: {new_socket}; a signal to the parent: {signal_parent}"]
    results["no_new_privs"] = [_status_field("NoNewPrivs") == "1", f"NoNewPrivs {_status_field('NoNewPrivs')}"]
    effective = int(_status_field("CapEff") or "0", 16)
    permitted = int(_status_field("CapPrm") or "0", 16)
    bounding = int(_status_field("CapBnd") or "0", 16)
    kept = 1 << CAP_DAC_READ_SEARCH
    # Started as root: only CAP_DAC_READ_SEARCH is left, bounding set included. Started as a plain
    # user: there was nothing to drop (the bounding set only matters to execve, which is refused).
    ok = os.getuid() != 0 and (effective | permitted) & ~kept == 0 and (not was_root or bounding & ~kept == 0)
    results["privileges"] = [ok, f"uid {os.getuid()}, effective capabilities {effective:#x}, "
                                 f"bounding set {bounding:#x}"]
    return results


def probe():
    """Fork a child, confine it as a graded child is confined, and report whether each layer holds."""
    import json
    import shutil
    import sysconfig
    import tempfile

    report = {"platform": f"{platform.system()} {platform.release()} {platform.machine()}",
              "landlock_abi": landlock_abi(), "root": os.geteuid() == 0}
    if sys.platform != "linux":
        report["layers"] = {name: [False, "needs Linux"] for name in
                            ("landlock", "seccomp", "no_new_privs", "privileges")}
        return report
    base = tempfile.mkdtemp(prefix="sandbox-probe-")
    scratch = os.path.join(base, "scratch")
    os.mkdir(scratch, 0o700)
    outside = os.path.join(base, "outside.txt")
    with open(outside, "w") as handle:
        handle.write("the probe child must not read this")
    parent = os.getpid()
    rules = landlock_rules([sysconfig.get_paths()["stdlib"]], [])
    reader, writer = os.pipe()
    try:
        pid = os.fork()
        if pid == 0:
            os.close(reader)
            try:
                try:
                    confine(scratch, rules, [scratch])
                    layers = _self_test(outside, parent, report["root"])
                except ConfinementError as exc:
                    layers = {"error": str(exc)}
                os.write(writer, json.dumps(layers).encode())
            finally:
                os._exit(0)
        os.close(writer)
        chunks = []
        while chunk := os.read(reader, 65536):
            chunks.append(chunk)
        os.waitpid(pid, 0)
    finally:
        os.close(reader)
        shutil.rmtree(base, ignore_errors=True)
    try:
        layers = json.loads(b"".join(chunks) or b"{}")
    except ValueError:
        layers = {}
    if "error" in layers or not layers:
        reason = layers.get("error", "the probe child did not answer")
        layers = {name: [False, reason] for name in ("landlock", "seccomp", "no_new_privs", "privileges")}
        if report["landlock_abi"] <= 0:
            layers["landlock"] = [False, "not available on this kernel (Linux >= 5.13 with Landlock enabled)"]
    report["layers"] = layers
    return report


if __name__ == "__main__":
    import json

    if sys.argv[1:] != ["--probe"]:
        sys.exit("usage: confine.py --probe")
    print(json.dumps(probe()))
