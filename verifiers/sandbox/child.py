"""What a forked check does before any untrusted code runs: its own session, the pipes as its
only channels, the scratch dir as cwd, a scrubbed environment (set by the zygote before the
fork), no privileges, and its rlimits. All but the privileges and rlimits happen before the
request arrives (see `run_spare`)."""

from __future__ import annotations

import importlib
import os
import resource
import shutil
import struct
import sys
import traceback
from typing import Any

from assay.verifiers.sandbox import linux
from assay.verifiers.sandbox.protocol import read_message

CHANNEL_FD = 3
CONTROL_FD = 4  # the request arrives here; closed before any untrusted code runs
DONE_FD = 5  # the trusted entry's exit code and CPU time, written once its output is complete
DONE = struct.Struct("<Bd")
PATH = "/usr/local/bin:/usr/bin:/bin"
MB = 1024 * 1024
SETUP_FAILED = 70  # the sandbox could not prepare the check: an infrastructure error


def run_spare(scratch: str, fds: dict[str, int], uid: int) -> None:
    """Never returns. A spare is forked ahead of its check: it takes its session, pipes, scratch
    dir and environment now, then waits on `fds["control"]` for the request, so a check's
    critical path holds no fork; only then does it drop to the check's uid and limits (a waiting
    spare owns nothing of a check's). `fds` are the child's ends of the pipes."""
    try:
        os.setsid()
        _enter(scratch, fds)
        req = read_message(CONTROL_FD)
        os.close(CONTROL_FD)
        if req is None:  # the zygote went away or dropped this spare
            os._exit(0)
        if req["kind"] != "python":
            os.close(CHANNEL_FD)  # a command (and what it execs) never gets the channel
            os.close(DONE_FD)  # and ends only by exiting
        if req.get("stdin_file"):  # a scratch file as standard input: no pipe-sized cap
            fd = os.open(req["stdin_file"], os.O_RDONLY | os.O_NOFOLLOW)
            os.dup2(fd, 0)
            os.close(fd)
        drop_privileges(uid)
        _limit(req["limits"], bool(req.get("resident")), int(req.get("stack_mb", 0)))
    except BaseException:
        os.write(2, ("sandbox setup failed:\n" + traceback.format_exc()).encode())
        os._exit(SETUP_FAILED)
    if req["kind"] == "python":
        _call_entry(req["entry"], req["payload"])
    argv = list(req["argv"])
    program = argv[0] if "/" in argv[0] else shutil.which(argv[0], path=PATH)
    if program is None:
        os.write(2, f"sandbox: {argv[0]}: command not found\n".encode())
        os._exit(127)
    try:
        os.execve(program, argv, os.environ)
    except OSError as exc:
        os.write(2, f"sandbox: {argv[0]}: {exc.strerror}\n".encode())
        os._exit(126)


def set_environment(scratch: str) -> None:
    """Make the zygote's environment the next check's, just before its spare is forked: the
    child inherits it untouched (the same dict work in the child copies ~100 pages, ~0.6 ms)."""
    env = {
        "PATH": PATH,
        "HOME": scratch,
        "TMPDIR": scratch,
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if os.environ.keys() != env.keys():
        os.environ.clear()
    os.environ.update(env)


def _enter(scratch: str, fds: dict[str, int]) -> None:
    if min(fds.values()) <= DONE_FD:
        raise RuntimeError(f"pipe fds {fds} would be overwritten by the fixed fds 0-5")
    os.dup2(fds["in"], 0)
    os.dup2(fds["out"], 1)
    os.dup2(fds["err"], 2)
    os.dup2(fds["chan"], CHANNEL_FD)
    os.dup2(fds["control"], CONTROL_FD)
    os.dup2(fds["done"], DONE_FD)
    os.closerange(DONE_FD + 1, 1 << 16)
    os.chdir(scratch)
    if os.environ.get("HOME") != scratch:  # the zygote's `set_environment` was not called
        raise RuntimeError(f"the environment was not made for scratch dir {scratch}")


def drop_privileges(uid: int) -> None:
    """Become `uid` (root mode) or lose every capability (uid 0 of a user namespace), for good;
    then die with the parent. Also used by the Lean REPL launcher before it execs the REPL."""
    if os.geteuid() == 0 and uid != 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    elif os.geteuid() == 0:  # uid 0 inside a user namespace: keep the uid, lose the powers
        linux.drop_capabilities()
    linux.no_new_privileges()
    linux.set_parent_death_signal()  # dies with its zygote even without a PID namespace


def _call_entry(entry: str, payload: bytes) -> None:
    """Call the trusted entry with the channel (fd 3); its exceptions become exit status 1.

    Once its output is flushed, its exit code and CPU time go to `DONE_FD`: the zygote can
    reply without waiting for this process's teardown (about a millisecond), and cleans up
    after replying.
    Candidate code in this process could write there too, but that only ends its own check
    early with the output written so far; the result channel stays the entry's to trust."""
    module, _, name = entry.partition(":")
    code = 0
    try:
        getattr(importlib.import_module(module), name)(payload, CHANNEL_FD)
    except MemoryError:
        os.write(2, b"MemoryError\n")
        code = 1
    except BaseException:
        os.write(2, traceback.format_exc().encode()[-4096:])
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        cpu = sum(
            u.ru_utime + u.ru_stime
            for u in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
        )
        os.write(DONE_FD, DONE.pack(code, cpu))
    finally:
        os._exit(code)


def _limit(limits: Any, resident: bool = False, stack_mb: int = 0) -> None:
    """The check's rlimits. `resident`: its memory cgroup bounds memory, so no address-space
    limit (the JVM and Go reserve far more than they use); `stack_mb`: the main thread's stack."""
    cpu = max(1, int(limits.cpu_s + 0.999))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    if not resident:
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_mb * MB, limits.memory_mb * MB))
    if stack_mb:
        resource.setrlimit(resource.RLIMIT_STACK, (stack_mb * MB, stack_mb * MB))
    resource.setrlimit(resource.RLIMIT_NPROC, (limits.nproc, limits.nproc))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.fsize_mb * MB, limits.fsize_mb * MB))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits.nofile, limits.nofile))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
