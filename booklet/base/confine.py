"""The kernel's wall around a render (Linux): what a render's process can never ask for, whatever
code ends up running in it (a template that got out of its sandbox, a picture that broke its
decoder).

A render reads files and writes its answer to the pipe it was given, and nothing else. So, once
confined, the kernel refuses the process (errno EPERM, and ENOSYS for the calls whose arguments
it cannot see, so the C library falls back to ones it can):

- new processes, threads and programs: fork, vfork, clone, exec;
- the network: every socket;
- changes to files: opening one to write, create or truncate, and every call that removes,
  renames, links, makes, truncates or changes the owner, mode, times, attributes or flags of
  one, and locks or leases on one;
- other processes: signals (kill, tgkill, ..., and a pipe's SIGIO aimed at another process:
  F_SETOWN), ptrace, reading or writing their memory, their limits, priorities and CPUs, and
  messages outside the pipe (POSIX and System V IPC);
- what every process on the machine shares a quota of: asynchronous I/O, POSIX timers,
  file-system watches, locked memory;
- every ioctl but six that ask about a descriptor of its own (a terminal's settings and input,
  loop devices, virtual machines and a file's flags were each reached through one);
- the rest a render has no use for: mounts, namespaces, io_uring (whose requests the filter
  cannot see), BPF, perf, userfaultfd, keys, modules, its parent-death signal and session;
- every call newer than those it knows to be harmless (ENOSYS, as on an older kernel): a
  list of what to refuse would miss each new call that changes something;
- a call for another architecture (32-bit or x32 numbers): the process is killed.

It also gives up its capabilities (a render running as root could raise its own hard limits),
may never gain privileges again (no_new_privs, which the filter needs anyway), and is no longer
dumpable: no other process of the user's (another render) reads its memory or descriptors.

What it may read is narrowed too, where the kernel has Landlock (`restrict_reads`): its own
libraries and logo, Python's and booklet's files and the system's libraries, nothing else; no
device but the null device, no other process's /proc, no signal out of its own domain.

The filter is compiled by libseccomp (the library systemd, Docker and Chromium use; it knows
every architecture's system call numbers and how to check the architecture), once per process
tree: `program()` in a parent, before it forks its render children, and each child loads the
compiled bytes with one prctl (microseconds). Where there is no seccomp or no libseccomp (macOS,
Windows, a Linux without it), `confine` does nothing and says so: the jail's limits still hold.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Callable, Iterable
from typing import Any

_ALLOW = 0x7FFF0000  # SCMP_ACT_ALLOW
_KILL_PROCESS = 0x80000000  # SCMP_ACT_KILL_PROCESS
_EPERM = 0x00050000 | 1  # SCMP_ACT_ERRNO(EPERM)
_ENOSYS = 0x00050000 | 38  # SCMP_ACT_ERRNO(ENOSYS)
_NE, _MASKED_EQ = 1, 7  # enum scmp_compare
_BADARCH, _NNP = 2, 3  # enum scmp_filter_attr

# Refused outright. A name this architecture does not have (open on arm64, say) is skipped.
REFUSED = (
    # new processes, threads and programs
    "fork", "vfork", "clone", "execve", "execveat",
    # the network
    "socket", "socketpair",
    # changes to files
    "creat", "unlink", "unlinkat", "rmdir", "rename", "renameat", "renameat2", "link", "linkat",
    "symlink", "symlinkat", "mkdir", "mkdirat", "mknod", "mknodat", "chmod", "fchmod",
    "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat", "truncate", "ftruncate",
    "fallocate", "utime", "utimes", "utimensat", "futimesat", "setxattr", "lsetxattr",
    "fsetxattr", "removexattr", "lremovexattr", "fremovexattr", "name_to_handle_at",
    "open_by_handle_at",
    # other processes
    "kill", "tkill", "tgkill", "flock", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_open",
    "pidfd_getfd", "pidfd_send_signal", "ptrace", "process_vm_readv", "process_vm_writev",
    "kcmp", "process_madvise", "setpriority", "sched_setaffinity", "sched_setscheduler",
    "sched_setparam", "sched_setattr", "ioprio_set", "migrate_pages", "move_pages",
    # messages to other processes outside the pipe (POSIX and System V IPC)
    "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
    "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semtimedop", "semctl",
    "shmget", "shmat", "shmctl", "shmdt",
    # what every process on the machine shares a quota of: asynchronous I/O contexts, POSIX
    # timers (queued signals), file-system watches, locked memory
    "io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents", "io_pgetevents",
    "timer_create", "inotify_init", "inotify_init1", "inotify_add_watch", "fanotify_init",
    "fanotify_mark", "mlock", "mlock2", "mlockall",
    # what lies beyond what it may read (attributes by path) and its own session
    "getxattr", "lgetxattr", "listxattr", "llistxattr", "setsid", "setpgid", "personality",
    "sync", "syncfs",
    # what needs a capability it no longer has (should it keep one)
    "sethostname", "setdomainname", "settimeofday", "clock_settime", "clock_adjtime",
    "adjtimex", "syslog", "vhangup", "iopl", "ioperm", "modify_ldt", "uselib", "ustat", "sysfs",
    "nfsservctl", "lookup_dcookie", "remap_file_pages",
    # the rest
    "mount", "umount2", "pivot_root", "chroot", "open_tree", "move_mount", "fsopen", "fsconfig",
    "fsmount", "fspick", "mount_setattr", "unshare", "setns", "io_uring_setup",
    "io_uring_enter", "io_uring_register", "bpf", "perf_event_open", "userfaultfd", "keyctl",
    "add_key", "request_key", "init_module", "finit_module", "delete_module", "kexec_load",
    "kexec_file_load", "reboot", "swapon", "swapoff", "acct", "quotactl",
)  # fmt: skip
# Calls whose arguments sit behind a pointer the filter cannot read: "not here", so the C
# library uses the older call (clone, openat) the filter does judge.
NOT_HERE = ("clone3", "openat2")
_WRITING = (os.O_WRONLY, os.O_RDWR, os.O_CREAT, os.O_TRUNC)  # any one of them: refused
# fcntl: SIGIO to a process of its choosing (F_SETOWN, F_SETOWN_EX, F_SETSIG), locks and leases
# that hold others' writes up (F_SETLK, F_SETLKW, F_OFD_SETLK, F_OFD_SETLKW, F_SETLEASE), and
# F_NOTIFY's signals.
_FCNTL_REFUSED = (8, 15, 10, 6, 7, 37, 38, 1024, 1026)
# ioctl: only these, each asking about a descriptor of its own (a second, small filter: one
# libseccomp rule cannot say "none of these"): TCGETS (isatty), TIOCGWINSZ, FIONREAD, FIONBIO,
# FIONCLEX, FIOCLEX. Every other request is refused: a terminal's settings and input, loop
# devices, virtual machines, a file's flags and versions, whatever a device or file system
# will add.
IOCTLS_ALLOWED = (0x5401, 0x5413, 0x541B, 0x5421, 0x5450, 0x5451)
# prctl: its parent-death signal, being dumpable again, its memory map's layout, adopting
# orphans, and who may trace it.
_PRCTL_REFUSED = (1, 4, 35, 36, 0x59616D61)
_LOW_32 = 0xFFFFFFFF  # int arguments: the kernel reads the low 32 bits only
# Calls from 424 on have one number on every architecture. Those a render may make: close_range,
# faccessat2, epoll_pwait2, the three Landlock calls (restrict_reads comes after the filter),
# futex_waitv, cachestat, map_shadow_stack, futex_wake, futex_wait, futex_requeue, mseal,
# file_getattr. Every other, up to _NEWEST, is "not here".
_NEW_ALLOWED = frozenset({436, 439, 441, 444, 445, 446, 449, 451, 453, 454, 455, 456, 462,
                          468})  # fmt: skip
_NEWEST = 600

_program: bytes | None = None
_ioctl_program: bytes | None = None
_loader: Callable[[], bool] | None = None
_built = False


def program() -> bytes | None:
    """The compiled filter (struct sock_filter[]), built once per process and inherited by the
    children it forks; None where this system cannot confine a process."""
    global _program, _ioctl_program, _loader, _built
    if not _built:
        _built = True
        with contextlib.suppress(Exception):
            _program, _ioctl_program = _compile()
            if _program and _ioctl_program:
                _loader = _make_loader(_program, _ioctl_program)
        _landlock()  # made ready here too, for the children
    return _program


def confine() -> bool:
    """Confine this process for good (see the module's docstring). Whether it now is. Only
    for a process that will never need to start another: a render's. It also forgets the
    environment it was started with but what a render reads (`forget_environment`)."""
    forget_environment()
    if not program() or _loader is None:
        return False
    return _loader()


# What a render may know of its environment: where home is, its language and time zone, and
# booklet's own settings. Not the rest: a server's tokens and keys (found by attack).
ENVIRONMENT_KEPT = ("HOME", "LANG", "LANGUAGE", "TZ", "PATH", "TMPDIR")
_ENVIRONMENT_PREFIXES = ("LC_", "BOOKLET_", "PYTHON")


def forget_environment() -> None:
    for name in list(os.environ):
        if name not in ENVIRONMENT_KEPT and not name.startswith(_ENVIRONMENT_PREFIXES):
            with contextlib.suppress(Exception):
                del os.environ[name]


# --- what a render may read (Landlock) ---------------------------------------------------------

# Where a render reads from besides the folders it is given: the system's libraries and shared
# data, the one file the dynamic linker reads, and a process's own entries.
SYSTEM_READS = (
    "/usr", "/lib", "/lib32", "/lib64", "/libx32", "/etc/ld.so.cache", "/etc/localtime",
    "/dev/null", "/dev/zero", "/dev/urandom",
    # its own process's size, state and threads (not /proc/self/net: the machine's sockets)
    "/proc/self/statm", "/proc/self/status", "/proc/self/stat", "/proc/self/task",
    "/proc/self/fd", "/proc/self/maps",
)  # fmt: skip
_WRITE_FILE, _READ_FILE, _READ_DIR = 1 << 1, 1 << 2, 1 << 3
# Every right over files each Landlock ABI knows (1: 13 of them; 2: REFER; 3: TRUNCATE;
# 5: IOCTL_DEV), all handled, so all but reading is refused anywhere.
_FS_RIGHTS = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}


def restrict_reads(folders: Iterable[str]) -> bool:
    """From now on this process may read only beneath `folders` (a render's libraries, its
    logo), where Python and booklet are read from, and SYSTEM_READS; everywhere else, a file is
    as if locked to it (EACCES): a user's home, keys and documents, /etc, /tmp, other
    processes. Nor may it write, make or remove anything, connect or bind a socket, or signal
    a process outside it (Linux's Landlock, once per process and for good). Whether it now is:
    False where the kernel has no Landlock."""
    landlock = _landlock()
    if landlock is None:
        return False
    try:
        return landlock.restrict(folders)
    except Exception:
        return False


class _Landlock:
    """Landlock's calls, made ready once in a parent (`program`): a child only opens each
    folder it may read and makes the three calls."""

    def __init__(self, abi: int) -> None:
        import ctypes

        class _Ruleset(ctypes.Structure):  # struct landlock_ruleset_attr
            _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64),
                        ("scoped", ctypes.c_uint64)]  # fmt: skip

        class _Beneath(ctypes.Structure):  # struct landlock_path_beneath_attr (packed)
            _pack_ = 1
            _fields_ = [("allowed", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

        self.ctypes = ctypes
        self.libc = ctypes.CDLL(None, use_errno=True)
        rights = _FS_RIGHTS[max(v for v in _FS_RIGHTS if v <= abi)]
        # TCP's bind and connect (ABI 4), and signals and abstract sockets out of it (ABI 6)
        self.ruleset = _Ruleset(rights, 0b11 if abi >= 4 else 0, 0b11 if abi >= 6 else 0)
        self.size = 24 if abi >= 6 else 16 if abi >= 4 else 8
        self.beneath = _Beneath
        self.own = _own_reads()

    def restrict(self, folders: Iterable[str]) -> bool:
        libc, byref = self.libc, self.ctypes.byref
        handle = int(libc.syscall(444, byref(self.ruleset), self.size, 0))
        if handle < 0:
            return False
        try:
            for path in {*self.own, *(str(f) for f in folders if f)}:
                try:  # a link is followed: the rule is on what it names
                    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue  # not there: nothing to read beneath it
                try:
                    is_folder = stat.S_ISDIR(os.fstat(fd).st_mode)
                    allowed = _READ_FILE | _READ_DIR if is_folder else _READ_FILE
                    if path == os.devnull:  # a child's 0, 1 and 2 (opened to read and write)
                        allowed |= _WRITE_FILE
                    libc.syscall(445, handle, 1, byref(self.beneath(allowed, fd)), 0)
                finally:
                    os.close(fd)
            if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
                return False
            return bool(libc.syscall(446, handle, 0) == 0)  # landlock_restrict_self
        finally:
            os.close(handle)


_landlock_ready: _Landlock | None = None
_landlock_checked = False


def _landlock() -> _Landlock | None:
    global _landlock_ready, _landlock_checked
    if not _landlock_checked:
        _landlock_checked = True
        if sys.platform.startswith("linux"):
            with contextlib.suppress(Exception):
                import ctypes

                abi = int(ctypes.CDLL(None, use_errno=True).syscall(444, None, 0, 1))
                _landlock_ready = _Landlock(abi) if abi >= 1 else None
    return _landlock_ready


# What a render imports, besides the standard library and booklet (`pyproject.toml`'s
# dependencies, by the name each is imported by): each is read from wherever it is installed.
RENDER_PACKAGES = ("reportlab", "_rl_accel", "jinja2", "markupsafe", "pypdfium2",
                   "pypdfium2_raw", "pypdf", "PIL", "babel", "uharfbuzz", "bidi", "pyphen",
                   "yaml", "_yaml", "fontTools")  # fmt: skip


def _own_reads() -> tuple[str, ...]:
    """Where Python, booklet and the packages it renders with are read from, and
    SYSTEM_READS: not every folder on the import path (a script's own folder, PYTHONPATH's),
    which may be anyone's."""
    import importlib.util
    import site

    package = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    python = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, package}
    with contextlib.suppress(Exception):
        python |= set(site.getsitepackages()) | {site.getusersitepackages()}
    for name in RENDER_PACKAGES:
        with contextlib.suppress(Exception):
            spec = importlib.util.find_spec(name)
            origin = spec.origin if spec is not None else None
            if spec is not None and origin and os.path.isabs(origin):
                folder = os.path.dirname(origin)  # a module's folder, or a package's own
                python.add(os.path.dirname(folder) if spec.submodule_search_locations else folder)
    return tuple(sorted(python | set(SYSTEM_READS)))


def undumpable() -> None:
    """No process of the user's but root's may read this one's memory or descriptors through
    /proc, or attach to it (Linux's PR_SET_DUMPABLE; it holds across fork): booklet's own
    processes, whose pipes carry one person's render and the next one's."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)


def confined() -> bool:
    """Whether this process runs under a seccomp filter (Linux's /proc/self/status)."""
    from pathlib import Path

    from booklet.base.files import read_bounded

    try:
        status = read_bounded(Path("/proc/self/status"), 1 << 16).decode("ascii", "replace")
    except Exception:
        return False
    return any(line.split() == ["Seccomp:", "2"] for line in status.splitlines())


def _make_loader(filter_bytes: bytes, ioctl_bytes: bytes) -> Callable[[], bool]:
    """What `confine` calls, every argument made ready here, in the parent: a child only
    makes three system calls."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)

    class _Header(ctypes.Structure):  # struct __user_cap_header_struct
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class _Program(ctypes.Structure):  # struct sock_fprog
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]

    header = _Header(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    no_capabilities = (ctypes.c_uint32 * 6)()  # {effective, permitted, inheritable} x 2
    code = _Program(len(filter_bytes) // 8, filter_bytes)
    ioctls = _Program(len(ioctl_bytes) // 8, ioctl_bytes)
    capset, prctl = getattr(libc, "capset", None), libc.prctl

    def load() -> bool:
        prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE: no other render reads it through /proc
        if capset is not None:  # root's capabilities too: hard limits stay where they are
            capset(ctypes.byref(header), no_capabilities)
        if prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS, which a filter needs
            return False
        if prctl(22, 2, ctypes.byref(code), 0, 0) != 0:  # PR_SET_SECCOMP, FILTER
            return False
        return bool(prctl(22, 2, ctypes.byref(ioctls), 0, 0) == 0)  # both hold, the stricter wins

    return load


def _compile() -> tuple[bytes | None, bytes | None]:
    if not sys.platform.startswith("linux"):
        return None, None
    import ctypes

    seccomp = ctypes.CDLL("libseccomp.so.2", use_errno=True)

    class _Compare(ctypes.Structure):  # struct scmp_arg_cmp
        _fields_ = [
            ("arg", ctypes.c_uint),
            ("op", ctypes.c_int),
            ("datum_a", ctypes.c_uint64),
            ("datum_b", ctypes.c_uint64),
        ]

    seccomp.seccomp_init.restype = ctypes.c_void_p
    seccomp.seccomp_init.argtypes = [ctypes.c_uint32]
    seccomp.seccomp_attr_set.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32]
    seccomp.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    seccomp.seccomp_rule_add_array.argtypes = [
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.POINTER(_Compare),
    ]
    seccomp.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    seccomp.seccomp_release.argtypes = [ctypes.c_void_p]

    context = seccomp.seccomp_init(_ALLOW)
    if not context:
        return None, None
    try:
        ruled: set[int] = set()

        def rule(action: int, name: str | int, *compare: tuple[int, int, int, int]) -> None:
            number = (
                name
                if isinstance(name, int)
                else seccomp.seccomp_syscall_resolve_name(name.encode())
            )
            if number < 0:
                return  # not a call of this architecture
            ruled.add(number)
            array = (_Compare * len(compare))(*(_Compare(*c) for c in compare))
            if seccomp.seccomp_rule_add_array(context, action, number, len(compare), array):
                raise OSError(f"libseccomp refused the rule for {name}")

        if seccomp.seccomp_attr_set(context, _BADARCH, _KILL_PROCESS):
            return None, None
        for name in REFUSED:
            rule(_EPERM, name)
        for name in NOT_HERE:
            rule(_ENOSYS, name)
        for flag in _WRITING:
            rule(_EPERM, "open", (1, _MASKED_EQ, flag, flag))
            rule(_EPERM, "openat", (2, _MASKED_EQ, flag, flag))
        rule(_EPERM, "prlimit64", (0, _NE, 0, 0))  # its own limits only (setrlimit's pid 0)
        for option in _PRCTL_REFUSED:
            rule(_EPERM, "prctl", (0, _MASKED_EQ, _LOW_32, option))
        for command in _FCNTL_REFUSED:
            rule(_EPERM, "fcntl", (1, _MASKED_EQ, _LOW_32, command))
        for number in range(424, _NEWEST):
            if number not in _NEW_ALLOWED and number not in ruled:
                rule(_ENOSYS, number)
        ioctl = seccomp.seccomp_syscall_resolve_name(b"ioctl")
        return _exported(seccomp, context), _ioctls_only(ioctl, IOCTLS_ALLOWED)
    finally:
        seccomp.seccomp_release(context)


def _ioctls_only(ioctl: int, allowed: tuple[int, ...]) -> bytes:
    """A classic BPF filter: an ioctl whose request is not one of `allowed` gets EPERM, every
    other call passes (to the main filter, which also checks the architecture and kills a
    call for another: the stricter answer of the two is the kernel's)."""
    import struct

    def op(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
        return struct.pack("=HBBI", code, jt, jf, k)

    load_word, jump_equal, answer = 0x20, 0x15, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, BPF_RET|K
    request = 24 if sys.byteorder == "little" else 28  # args[1]'s low 32 bits in seccomp_data
    n = len(allowed)
    code = [op(load_word, 0), op(jump_equal, ioctl, 0, n + 2), op(load_word, request)]
    code += [op(jump_equal, value, n - i, 0) for i, value in enumerate(allowed)]
    code += [op(answer, _EPERM), op(answer, _ALLOW)]
    return b"".join(code)


def _exported(seccomp: Any, context: int) -> bytes | None:
    """The filter's BPF, through a pipe (libseccomp writes it to a file descriptor)."""
    read_end, write_end = os.pipe()
    try:
        if seccomp.seccomp_export_bpf(context, write_end):
            return None
        os.close(write_end)
        write_end = -1
        chunks = []
        while chunk := os.read(read_end, 1 << 16):
            chunks.append(chunk)
        data = b"".join(chunks)
        return data if data and len(data) % 8 == 0 and len(data) // 8 < 4096 else None
    finally:
        for fd in (read_end, write_end):
            if fd >= 0:
                os.close(fd)
