"""What a forked check does before any untrusted code runs: its own PID namespace and /proc,
the pipes as its only channels, the scratch dir as cwd, no privileges, and its rlimits."""

from __future__ import annotations

import importlib
import os
import resource
import shutil
import sys
import traceback
from typing import Any

from assay.verifiers.sandbox import linux

CHANNEL_FD = 3
PATH = "/usr/local/bin:/usr/bin:/bin"
MB = 1024 * 1024


def run_child(
    req: dict[str, Any], scratch: str, pipes: dict[str, tuple[int, int]], uid: int, pidns: bool
) -> None:
    """Never returns: ends in `os._exit` or `execve`."""
    ctl = pipes["ctl"][1]
    try:
        os.setsid()
        if pidns:
            linux.unshare(linux.CLONE_NEWPID | linux.CLONE_NEWNS)
            inner = os.fork()
            if inner:
                _supervise(inner, pipes)
            linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
            linux.mount("proc", "/proc", "proc", linux.MS_NOSUID | linux.MS_NODEV)
        _enter(req, scratch, pipes, uid)
    except BaseException:
        try:
            os.write(2, ("sandbox: the check failed:\n" + traceback.format_exc()).encode())
        except BaseException:
            pass
    finally:
        # A forked child must never return into the zygote's loop, whatever happened above.
        os._exit(70)


def _supervise(inner: int, pipes: dict[str, tuple[int, int]]) -> None:
    """The outer child: report the inner (PID 1) pid, wait for it, report its status."""
    ctl = pipes["ctl"][1]
    for name, (r, w) in pipes.items():
        os.close(r)
        if w != ctl:
            os.close(w)
    os.write(ctl, f"{inner}\n".encode())
    _, status = os.waitpid(inner, 0)
    os.write(ctl, f"{status}\n".encode())
    os._exit(0)


def _enter(req: dict[str, Any], scratch: str, pipes: dict[str, tuple[int, int]], uid: int) -> None:
    os.dup2(pipes["in"][0], 0)
    os.dup2(pipes["out"][1], 1)
    os.dup2(pipes["err"][1], 2)
    os.dup2(pipes["chan"][1], CHANNEL_FD)
    os.closerange(CHANNEL_FD + 1, 1 << 16)
    os.chdir(scratch)
    env = {
        "PATH": PATH,
        "HOME": scratch,
        "TMPDIR": scratch,
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    os.environ.clear()
    os.environ.update(env)
    if os.geteuid() == 0 and uid != 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    linux.no_new_privileges()
    _limit(req["limits"])
    if req["kind"] == "python":
        module, _, name = req["entry"].partition(":")
        function = getattr(importlib.import_module(module), name)
        function(req["payload"], CHANNEL_FD)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    argv = list(req["argv"])
    program = argv[0] if "/" in argv[0] else shutil.which(argv[0], path=PATH)
    if program is None:
        os.write(2, f"sandbox: {argv[0]}: command not found\n".encode())
        os._exit(127)
    os.execve(program, argv, env)


def _limit(limits: Any) -> None:
    cpu = max(1, int(limits.cpu_s + 0.999))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_mb * MB, limits.memory_mb * MB))
    resource.setrlimit(resource.RLIMIT_NPROC, (limits.nproc, limits.nproc))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.fsize_mb * MB, limits.fsize_mb * MB))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits.nofile, limits.nofile))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
