"""The kernel's wall around a render (Linux): what a render's process can never ask for, whatever
code ends up running in it (a template that got out of its sandbox, a picture that broke its
decoder).

A render reads files and writes its answer to the pipe it was given, and nothing else. So, once
confined, the kernel refuses the process (errno EPERM, and ENOSYS for the two calls whose
arguments it cannot see, so the C library falls back to ones it can):

- new processes and programs: fork, vfork, clone without CLONE_THREAD, exec;
- the network: every socket;
- changes to files: opening one to write, create or truncate, and every call that removes,
  renames, links, makes, truncates or changes the owner, mode, times or attributes of one;
- other processes: signals (kill, tgkill, ...), ptrace, reading or writing their memory,
  their limits, priorities and CPUs, and messages outside the pipe (POSIX and System V IPC);
- the rest a render has no use for: mounts, namespaces, io_uring (whose requests the filter
  cannot see), BPF, perf, userfaultfd, keys, modules, a terminal's input (TIOCSTI);
- a call for another architecture (32-bit or x32 numbers): the process is killed.

It also gives up its capabilities (a render running as root could raise its own hard limits),
and may never gain privileges again (no_new_privs, which the filter needs anyway).

The filter is compiled by libseccomp (the library systemd, Docker and Chromium use; it knows
every architecture's system call numbers and how to check the architecture), once per process
tree: `program()` in a parent, before it forks its render children, and each child loads the
compiled bytes with one prctl (microseconds). Where there is no seccomp or no libseccomp (macOS,
Windows, a Linux without it), `confine` does nothing and says so: the jail's limits still hold.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import Any

_ALLOW = 0x7FFF0000  # SCMP_ACT_ALLOW
_KILL_PROCESS = 0x80000000  # SCMP_ACT_KILL_PROCESS
_EPERM = 0x00050000 | 1  # SCMP_ACT_ERRNO(EPERM)
_ENOSYS = 0x00050000 | 38  # SCMP_ACT_ERRNO(ENOSYS)
_NE, _MASKED_EQ = 1, 7  # enum scmp_compare
_BADARCH, _NNP = 2, 3  # enum scmp_filter_attr

# Refused outright. A name this architecture does not have (open on arm64, say) is skipped.
REFUSED = (
    # new processes and programs
    "fork", "vfork", "execve", "execveat",
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
    "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_open",
    "pidfd_getfd", "pidfd_send_signal", "ptrace", "process_vm_readv", "process_vm_writev",
    "kcmp", "process_madvise", "setpriority", "sched_setaffinity", "sched_setscheduler",
    "sched_setparam", "sched_setattr", "ioprio_set", "migrate_pages", "move_pages",
    # messages to other processes outside the pipe (POSIX and System V IPC)
    "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
    "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semtimedop", "semctl",
    "shmget", "shmat", "shmctl", "shmdt",
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
_CLONE_THREAD = 0x00010000
_TERMINAL_INPUT = (0x5412, 0x541C)  # TIOCSTI, TIOCLINUX: typing into the user's terminal
_LOW_32 = 0xFFFFFFFF  # int arguments: the kernel reads the low 32 bits only

_program: bytes | None = None
_loader: Callable[[], bool] | None = None
_built = False


def program() -> bytes | None:
    """The compiled filter (struct sock_filter[]), built once per process and inherited by the
    children it forks; None where this system cannot confine a process."""
    global _program, _loader, _built
    if not _built:
        _built = True
        with contextlib.suppress(Exception):
            _program = _compile()
            _loader = _make_loader(_program) if _program else None
    return _program


def confine() -> bool:
    """Confine this process for good (see the module's docstring). Whether it now is. Only
    for a process that will never need to start another: a render's."""
    if not program() or _loader is None:
        return False
    return _loader()


def confined() -> bool:
    """Whether this process runs under a seccomp filter (Linux's /proc/self/status)."""
    from pathlib import Path

    from booklet.base.files import read_bounded

    try:
        status = read_bounded(Path("/proc/self/status"), 1 << 16).decode("ascii", "replace")
    except Exception:
        return False
    return any(line.split() == ["Seccomp:", "2"] for line in status.splitlines())


def _make_loader(filter_bytes: bytes) -> Callable[[], bool]:
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
    capset, prctl = getattr(libc, "capset", None), libc.prctl

    def load() -> bool:
        if capset is not None:  # root's capabilities too: hard limits stay where they are
            capset(ctypes.byref(header), no_capabilities)
        if prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS, which a filter needs
            return False
        return bool(prctl(22, 2, ctypes.byref(code), 0, 0) == 0)  # PR_SET_SECCOMP, FILTER

    return load


def _compile() -> bytes | None:
    if not sys.platform.startswith("linux"):
        return None
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
        return None
    try:

        def rule(action: int, name: str, *compare: tuple[int, int, int, int]) -> None:
            number = seccomp.seccomp_syscall_resolve_name(name.encode())
            if number < 0:
                return  # not a call of this architecture
            array = (_Compare * len(compare))(*(_Compare(*c) for c in compare))
            if seccomp.seccomp_rule_add_array(context, action, number, len(compare), array):
                raise OSError(f"libseccomp refused the rule for {name}")

        if seccomp.seccomp_attr_set(context, _BADARCH, _KILL_PROCESS):
            return None
        for name in REFUSED:
            rule(_EPERM, name)
        for name in NOT_HERE:
            rule(_ENOSYS, name)
        rule(_EPERM, "clone", (0, _MASKED_EQ, _CLONE_THREAD, 0))  # a thread only
        for flag in _WRITING:
            rule(_EPERM, "open", (1, _MASKED_EQ, flag, flag))
            rule(_EPERM, "openat", (2, _MASKED_EQ, flag, flag))
        rule(_EPERM, "prlimit64", (0, _NE, 0, 0))  # its own limits only (setrlimit's pid 0)
        for request in _TERMINAL_INPUT:
            rule(_EPERM, "ioctl", (1, _MASKED_EQ, _LOW_32, request))
        return _exported(seccomp, context)
    finally:
        seccomp.seccomp_release(context)


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
