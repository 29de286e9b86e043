"""Hostile programs get the Python checks' threat model: no writes outside scratch, no network
(loopback included), no process outlives its check (daemons, node children, JVM-started
processes), and a fork bomb is contained."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest
from programs import needs

from assay.schemas.records import Status
from assay.verifiers.program.judge import judge, run_limits
from assay.verifiers.stdio_check import IOTest

PLANTED = "/var/tmp/assay-program-planted"


@pytest.fixture()
def listener() -> Iterator[int]:
    """A host port on 127.0.0.1 that accepts: a check that reaches it would say so."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        yield server.getsockname()[1]


def _alive(marker: str) -> list[str]:
    """Host processes whose command line carries `marker`."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                if marker.encode() in handle.read():
                    found.append(pid)
        except OSError:
            continue
    return found


def _c_program(port: int) -> str:
    return (
        "#include <stdio.h>\n#include <unistd.h>\n#include <sys/socket.h>\n"
        "#include <netinet/in.h>\n#include <arpa/inet.h>\n"
        "int main(void){\n"
        f'  FILE*f=fopen("{PLANTED}","w"); printf(f?"wrote ":"blocked ");\n'
        '  FILE*e=fopen("/etc/assay-program-planted","w"); printf(e?"wrote ":"blocked ");\n'
        "  int s=socket(AF_INET,SOCK_STREAM,0); struct sockaddr_in a={0};\n"
        f"  a.sin_family=AF_INET; a.sin_port=htons({port}); a.sin_addr.s_addr=htonl(0x7f000001);\n"
        '  printf(connect(s,(void*)&a,sizeof a)==0?"connected ":"blocked ");\n'
        '  FILE*h=fopen("notes.txt","w"); printf(h?"scratch ":"noscratch ");\n'
        '  if(fork()==0){ setsid(); execl("/bin/sleep","sleep","4321",(char*)0); _exit(0); }\n'
        '  puts("done"); return 0; }\n'
    )


def test_a_c_program_cannot_write_outside_scratch_reach_loopback_or_stay(
    box, cache, listener
) -> None:
    needs("c")
    want = IOTest("", "blocked blocked blocked scratch done")
    verdict = judge("h", "c", _c_program(listener), [want], box, run_limits(2.0, 256), cache)
    assert verdict.status is Status.PASS, verdict.outcomes
    assert not os.path.exists(PLANTED) and not os.path.exists("/etc/assay-program-planted")
    assert _alive("sleep\x004321") == []


def test_node_and_java_children_die_with_their_check(box, cache, listener) -> None:
    needs("javascript")
    node = (
        'const cp = require("child_process");\n'
        'cp.spawn("sleep", ["4322"], {detached: true, stdio: "ignore"}).unref();\n'
        f'require("net").connect({listener}, "127.0.0.1")\n'
        '  .on("connect", () => { console.log("connected"); process.exit(0); })\n'
        '  .on("error", () => { console.log("blocked"); process.exit(0); });\n'
    )
    verdict = judge(
        "n", "javascript", node, [IOTest("", "blocked")], box, run_limits(2.0, 256), cache
    )
    assert verdict.status is Status.PASS, verdict.outcomes
    assert _alive("sleep\x004322") == []
    needs("java")
    java = (
        "public class Leaver { public static void main(String[] a) throws Exception {\n"
        '  new ProcessBuilder("sleep", "4323").start();\n'
        "  Thread t = new Thread(() -> { while (true) { } }); t.setDaemon(true); t.start();\n"
        '  System.out.println("started"); } }\n'
    )
    verdict = judge("j", "java", java, [IOTest("", "started")], box, run_limits(2.0, 256), cache)
    assert verdict.status is Status.PASS, verdict.outcomes
    assert _alive("sleep\x004323") == []


def test_a_fork_bomb_is_contained_and_leaves_nothing(box, cache) -> None:
    needs("c")
    bomb = "#include <unistd.h>\nint main(void){ for(;;) fork(); }\n"
    verdict = judge("b", "c", bomb, [IOTest("", "")], box, run_limits(1.0, 256), cache)
    assert verdict.status is Status.TIMEOUT, verdict.outcomes
    after = judge(
        "a", "c", "int main(void){return 0;}\n", [IOTest("", "")], box, run_limits(1.0, 64), cache
    )
    assert after.status is Status.PASS  # the sandbox is still fine
