"""The zygote: a warm, single-threaded Python that forks one isolated child per check.

Started by exec (never forked from its caller) with a scrubbed environment. At start it enters
its own network, IPC, UTS and mount namespaces once (no network, the whole file system read-only,
a private tmpfs at /tmp and over the home folders), so each check only pays for a fork, a new PID
namespace and its own /proc. Requests and replies are pickles on stdin/stdout; only the trusted
parent talks to it.
"""

from __future__ import annotations

import importlib
import os
import random
import select
import shutil
import signal
import sys
import tempfile
import time
from typing import Any

from assay.verifiers.sandbox import linux
from assay.verifiers.sandbox.child import run_child
from assay.verifiers.sandbox.protocol import read_message, write_message

ISOLATED = ("/tmp", "/root", "/home", "/dev/shm", "/var/tmp", "/run")


class Zygote:
    def __init__(self) -> None:
        self.level = "rlimits-only"
        self.missing: list[str] = []
        self.pidns = False
        self.uid = os.geteuid()

    def enter_namespaces(self) -> None:
        """Enter namespaces once for the zygote's lifetime; record what worked."""
        flags = linux.CLONE_NEWNS | linux.CLONE_NEWNET | linux.CLONE_NEWIPC | linux.CLONE_NEWUTS
        root = os.geteuid() == 0
        try:
            if root:
                linux.unshare(flags)
            else:
                uid, gid = os.geteuid(), os.getegid()
                linux.unshare(flags | linux.CLONE_NEWUSER)
                linux.write_file("/proc/self/setgroups", "deny")
                linux.write_file("/proc/self/uid_map", f"0 {uid} 1")
                linux.write_file("/proc/self/gid_map", f"0 {gid} 1")
        except OSError as exc:
            self.missing.append(f"namespaces ({exc.strerror})")
            return
        linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
        linux.make_read_only()
        keep = {p: os.open(p, os.O_PATH) for p in _needed_paths()}
        for point in ISOLATED:
            if os.path.isdir(point):
                try:
                    linux.mount(
                        "tmpfs",
                        point,
                        "tmpfs",
                        linux.MS_NOSUID | linux.MS_NODEV,
                        "mode=0755,size=256m",
                    )
                except OSError as exc:
                    self.missing.append(f"private {point} ({exc.strerror})")
                    continue
                for path, fd in keep.items():
                    if path.startswith(point.rstrip("/") + "/"):
                        linux.bind_read_only(f"/proc/self/fd/{fd}", path)
        for fd in keep.values():
            os.close(fd)
        self.pidns = self._probe_pidns()
        if root:
            # A uid of its own per zygote: not root, owns nothing on the host, and its process
            # limit is not shared with other sandboxes.
            self.uid = random.SystemRandom().randrange(200_000, 400_000)
            self.level = "namespaces(pid,net,mount,ipc,uts)+uid+rlimits"
        else:
            self.level = "userns(pid,net,mount,ipc,uts)+rlimits"
        if not self.pidns:
            self.missing.append("pid namespace")
            self.level = self.level.replace("pid,", "")

    def _probe_pidns(self) -> bool:
        pid = os.fork()
        if pid == 0:
            try:
                linux.unshare(linux.CLONE_NEWPID)
                os._exit(0 if os.fork() == 0 else 0)
            except OSError:
                os._exit(1)
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status) == 0

    def serve(self, warm: list[str]) -> None:
        for name in warm:
            importlib.import_module(name)
        out = sys.stdout.buffer
        write_message(out, {"isolation": self.level, "missing": self.missing})
        while (request := read_message(sys.stdin.buffer)) is not None:
            write_message(out, self.check(request))

    def check(self, req: dict[str, Any]) -> dict[str, Any]:
        scratch = tempfile.mkdtemp(prefix="check-", dir="/tmp")
        try:
            for name, data in req.get("files", {}).items():
                path = os.path.join(scratch, name)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as handle:
                    handle.write(data)
            for base, dirs, files in os.walk(scratch):
                for name in [*dirs, *files, ""]:
                    os.chown(os.path.join(base, name), self.uid, self.uid)
            return self._fork_and_wait(req, scratch, run_child)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _fork_and_wait(self, req: dict[str, Any], scratch: str, run_child: Any) -> dict[str, Any]:
        limits = req["limits"]
        pipes = {name: os.pipe() for name in ("out", "err", "chan", "ctl", "in")}
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            run_child(req, scratch, pipes, self.uid, self.pidns)
        for name in ("out", "err", "chan", "ctl"):
            os.close(pipes[name][1])
        os.close(pipes["in"][0])
        _feed(pipes["in"][1], req.get("stdin", b""))
        cap = limits.output_bytes
        bufs = {name: bytearray() for name in ("out", "err", "chan", "ctl")}
        caps = {"out": cap, "err": cap, "chan": 64 * 1024 * 1024, "ctl": 1024}
        open_fds = {pipes[n][0]: n for n in bufs}
        deadline = start + limits.wall_s
        timed_out = False
        while open_fds:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select(list(open_fds), [], [], left)
            for fd in ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    del open_fds[fd]
                    continue
                name = open_fds[fd]
                room = caps[name] - len(bufs[name])
                bufs[name] += chunk[: max(room, 0)]
        if timed_out:
            ctl = pipes["ctl"][0]
            if ctl in open_fds:
                os.set_blocking(ctl, False)
                try:
                    bufs["ctl"] += os.read(ctl, 1024)
                except BlockingIOError:
                    pass
        inner = _inner_pid(bufs["ctl"])
        if timed_out:
            for target in (inner, pid):
                if target:
                    _kill(target)
            _kill_group(pid)
        _, status = os.waitpid(pid, 0)
        for fd in open_fds:
            os.close(fd)
        duration = time.monotonic() - start
        code, sig = _decode(bufs["ctl"], status, self.pidns)
        files = _collect(scratch, req.get("collect", ()), cap)
        return {
            "exit_code": None if timed_out else code,
            "signal": sig,
            "timed_out": timed_out or sig == signal.SIGXCPU,
            "stdout": bytes(bufs["out"]),
            "stderr": bytes(bufs["err"]),
            "channel": bytes(bufs["chan"]),
            "duration_s": duration,
            "files": files,
        }


def _needed_paths() -> list[str]:
    """Folders checks need even where the home and temp folders are hidden: the interpreter,
    the environment and this package (a checkout or venv may live under /root or /tmp)."""
    import assay.verifiers

    package_root = os.path.dirname(os.path.dirname(os.path.dirname(assay.verifiers.__file__)))
    paths = {sys.base_prefix, sys.prefix, package_root, *(p for p in sys.path if p)}
    real = sorted({os.path.realpath(p) for p in paths if os.path.isdir(p)}, key=len)
    kept: list[str] = []
    for path in real:  # drop paths inside a path already kept
        if not any(path == k or path.startswith(k + "/") for k in kept):
            kept.append(path)
    return kept


def _feed(fd: int, data: bytes) -> None:
    """Write stdin without blocking the zygote: anything past the pipe buffer is dropped."""
    os.set_blocking(fd, False)
    try:
        os.write(fd, data[:65536])
    except (BlockingIOError, BrokenPipeError):
        pass
    os.close(fd)


def _inner_pid(ctl: bytearray) -> int:
    first = bytes(ctl).split(b"\n", 1)[0]
    return int(first) if first.isdigit() else 0


def _decode(ctl: bytearray, status: int, pidns: bool) -> tuple[int | None, int | None]:
    """Exit code and signal of the check process (the PID-namespace init when there is one)."""
    lines = bytes(ctl).split(b"\n")
    if pidns and len(lines) > 1 and lines[1].strip().lstrip(b"-").isdigit():
        status = int(lines[1])
    if os.WIFSIGNALED(status):
        return None, os.WTERMSIG(status)
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status), None
    return None, None


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _collect(scratch: str, names: Any, cap: int) -> dict[str, bytes]:
    """Read back requested regular files; symlinks are not followed (they could point anywhere)."""
    files = {}
    for name in names:
        try:
            fd = os.open(os.path.join(scratch, name), os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            if os.path.isfile(f"/proc/self/fd/{fd}"):
                files[name] = os.read(fd, cap)
        finally:
            os.close(fd)
    return files


def main() -> None:
    linux.set_parent_death_signal()
    zygote = Zygote()
    zygote.enter_namespaces()
    zygote.serve([m for m in sys.argv[1:] if m])


if __name__ == "__main__":
    main()
