# ruff: noqa: E501  (programs in other languages read best a line each)
"""Planted programs per language: right, wrong, endless, compile error, runtime error, over
memory and deep recursion (1e6 frames for the compiled ones: passes only with a big stack)."""

from __future__ import annotations

import pytest

from assay.verifiers.program.languages import ToolchainMissing, toolchain


def needs(language: str) -> None:
    """Skip unless this machine has `language`'s toolchain (the reason names the Debian
    package; CI installs them all)."""
    try:
        toolchain(language)
    except ToolchainMissing as exc:
        pytest.skip(str(exc))


SUM = {
    "c": '#include <stdio.h>\nint main(void){long a,b;scanf("%ld %ld",&a,&b);printf("%ld\\n",a+b);return 0;}\n',
    "cpp": "#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a+b<<'\\n';}\n",
    "java": "import java.util.*;\npublic class Main { public static void main(String[] x) {\n"
    "Scanner s = new Scanner(System.in); System.out.println(s.nextLong() + s.nextLong()); } }\n",
    "go": 'package main\nimport "fmt"\nfunc main() { var a, b int64; fmt.Scan(&a, &b); fmt.Println(a + b) }\n',
    "rust": "use std::io::*;\nfn main() { let mut s = String::new(); stdin().read_to_string(&mut s).unwrap();\n"
    'let v: Vec<i64> = s.split_whitespace().map(|x| x.parse().unwrap()).collect(); println!("{}", v[0] + v[1]); }\n',
    "javascript": 'const v = require("fs").readFileSync(0, "utf8").trim().split(/\\s+/).map(Number);\n'
    "console.log(v[0] + v[1]);\n",
    "python": "a, b = map(int, input().split())\nprint(a + b)\n",
}

WRONG = {lang: code.replace("a+b", "a-b").replace("a + b", "a - b") for lang, code in SUM.items()}
WRONG["java"] = SUM["java"].replace("s.nextLong() + s.nextLong()", "s.nextLong() - s.nextLong()")
WRONG["rust"] = SUM["rust"].replace("v[0] + v[1]", "v[0] - v[1]")
WRONG["javascript"] = SUM["javascript"].replace("v[0] + v[1]", "v[0] - v[1]")

ENDLESS = {
    "c": "int main(void){volatile unsigned long i=0;for(;;)i++;}\n",
    "cpp": "int main(){volatile unsigned long i=0;for(;;)i++;}\n",
    "java": "public class Main { public static void main(String[] a) { long i = 0; while (true) i++; } }\n",
    "go": "package main\nfunc main() { i := 0; for { i++ } }\n",
    "rust": 'fn main() { let mut i: u64 = 0; loop { i = i.wrapping_add(1); if i == 7 { print!(""); } } }\n',
    "javascript": "let i = 0; while (true) { i++; }\n",
    "python": "while True:\n    pass\n",
}

BROKEN = {
    "c": "int main(void){ return x; }\n",
    "cpp": "int main(){ std::vector<int> v; }\n",
    "java": 'public class Main { public static void main(String[] a) { int x = "s"; } }\n',
    "go": "package main\nfunc main() { x := 1 }\n",
    "rust": 'fn main() { let x: i32 = "s"; }\n',
    "javascript": "function ( {\n",
    "python": "def (:\n",
}

CRASH = {
    "c": "#include <stdlib.h>\nint main(void){abort();}\n",
    "cpp": '#include <stdexcept>\nint main(){throw std::runtime_error("boom");}\n',
    "java": 'public class Main { public static void main(String[] a) { throw new RuntimeException("boom"); } }\n',
    "go": 'package main\nfunc main() { panic("boom") }\n',
    "rust": 'fn main() { panic!("boom"); }\n',
    "javascript": 'throw new Error("boom");\n',
    "python": "raise SystemExit('boom')\n",
}

HOG = {  # touches about 1 GiB: over a 128 MiB limit
    "c": "#include <stdlib.h>\n#include <string.h>\n#include <stdio.h>\n"
    "int main(void){size_t n=1UL<<30;volatile char*p=malloc(n);if(!p)return 3;\n"
    'for(size_t i=0;i<n;i+=4096)p[i]=1;printf("%d\\n",p[n-4096]);}\n',
    "cpp": '#include <vector>\n#include <cstdio>\nint main(){std::vector<char> v(1UL<<30,1);std::printf("%d\\n",v.back());}\n',
    "java": "public class Main { public static void main(String[] a) { long[] v = new long[1 << 27];\n"
    "for (int i = 0; i < v.length; i++) v[i] = i; System.out.println(v[5]); } }\n",
    "go": 'package main\nimport "fmt"\nfunc main() { v := make([]byte, 1<<30); for i := range v { v[i] = 1 }; fmt.Println(v[5]) }\n',
    "rust": 'fn main() { let v = vec![1u8; 1 << 30]; println!("{}", v[5]); }\n',
    "javascript": "const v = []; for (let i = 0; i < 1e8; i++) v.push({i}); console.log(v.length);\n",
    "python": "v = b'x' * (1 << 30)\nprint(len(v))\n",
}

DEEP = {  # recursion 1e6 deep (Java, JavaScript: 2e5): 8 MiB of stack is not enough
    "c": "#include <stdio.h>\nlong f(long n){volatile char pad[64];pad[n%64]=1;if(!n)return 0;return f(n-1)+pad[n%64];}\n"
    'int main(void){printf("%ld\\n",f(1000000));}\n',
    "cpp": "#include <cstdio>\nlong f(long n){volatile char pad[64];pad[n%64]=1;if(!n)return 0;return f(n-1)+pad[n%64];}\n"
    'int main(){std::printf("%ld\\n",f(1000000));}\n',
    "java": "public class Main { static long f(long n) { return n == 0 ? 0 : f(n - 1) + 1; }\n"
    "public static void main(String[] a) { System.out.println(f(200000) * 5); } }\n",
    "go": 'package main\nimport "fmt"\nfunc f(n int64) int64 { if n == 0 { return 0 }; return f(n-1) + 1 }\n'
    "func main() { fmt.Println(f(1000000)) }\n",
    "rust": "fn f(n: u64, v: &mut Vec<u64>) -> u64 { if n == 0 { return 0; } let r = f(n - 1, v) + 1; v.push(r); r }\n"
    'fn main() { let mut v = Vec::new(); println!("{}", f(1000000, &mut v)); }\n',
    "javascript": "function f(n) { return n === 0 ? 0 : f(n - 1) + 1; }\nconsole.log(f(200000) * 5);\n",
    "python": "import sys\nsys.setrecursionlimit(10**7)\ndef f(n):\n    return 0 if n == 0 else f(n - 1) + 1\n"
    "print(f(200000) * 5)\n",
}
DEEP_OUT = "1000000"

# Tries to write outside scratch, connect to a host port on 127.0.0.1 ({port}) and leave a
# `sleep {marker}` running in a session of its own; prints what it could do.
HOSTILE = {
    "c": "#include <stdio.h>\n#include <unistd.h>\n#include <sys/socket.h>\n#include <netinet/in.h>\n#include <arpa/inet.h>\n"
    'int main(void){ FILE*f=fopen("{planted}","w"); printf(f?"wrote ":"blocked ");\n'
    "int s=socket(AF_INET,SOCK_STREAM,0); struct sockaddr_in a={0}; a.sin_family=AF_INET; a.sin_port=htons({port}); a.sin_addr.s_addr=htonl(0x7f000001);\n"
    'printf(connect(s,(struct sockaddr*)&a,sizeof a)==0?"connected\\n":"blocked\\n"); fflush(stdout);\n'
    'if(fork()==0){ setsid(); execl("/bin/sleep","sleep","{marker}",(char*)0); _exit(0); } return 0; }\n',
    "java": "import java.io.*; import java.net.*;\npublic class Hostile { public static void main(String[] a) throws Exception {\n"
    'String w = "wrote"; try { new FileWriter("{planted}").close(); } catch (IOException e) { w = "blocked"; }\n'
    'String c = "connected"; try { new Socket("127.0.0.1", {port}).close(); } catch (IOException e) { c = "blocked"; }\n'
    'new ProcessBuilder("setsid", "sleep", "{marker}").start(); System.out.println(w + " " + c); } }\n',
    "go": 'package main\nimport ("fmt"; "net"; "os"; "os/exec"; "syscall")\nfunc main() {\n'
    'w, c := "wrote", "connected"\nif os.WriteFile("{planted}", []byte("x"), 0o644) != nil { w = "blocked" }\n'
    'if _, err := net.Dial("tcp", "127.0.0.1:{port}"); err != nil { c = "blocked" }\n'
    'cmd := exec.Command("sleep", "{marker}"); cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}; cmd.Start()\n'
    "fmt.Println(w, c) }\n",
    "rust": "use std::process::Command;\nfn main() {\n"
    'let w = if std::fs::write("{planted}", "x").is_ok() { "wrote" } else { "blocked" };\n'
    'let c = if std::net::TcpStream::connect("127.0.0.1:{port}").is_ok() { "connected" } else { "blocked" };\n'
    'let _ = Command::new("setsid").arg("sleep").arg("{marker}").spawn(); println!("{{}} {{}}", w, c); }\n',
    "javascript": 'const fs = require("fs"), cp = require("child_process");\n'
    'let w = "wrote"; try { fs.writeFileSync("{planted}", "x"); } catch (e) { w = "blocked"; }\n'
    'cp.spawn("sleep", ["{marker}"], {detached: true, stdio: "ignore"}).unref();\n'
    'require("net").connect({port}, "127.0.0.1")\n'
    '  .on("connect", () => { console.log(w + " connected"); process.exit(0); })\n'
    '  .on("error", () => { console.log(w + " blocked"); process.exit(0); });\n',
    "python": "import socket, subprocess\nw = 'wrote'\ntry:\n    open('{planted}', 'w').close()\nexcept OSError:\n    w = 'blocked'\n"
    "c = 'connected'\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=1).close()\nexcept OSError:\n    c = 'blocked'\n"
    "subprocess.Popen(['sleep', '{marker}'], start_new_session=True)\nprint(w, c)\n",
}
HOSTILE["cpp"] = HOSTILE["c"]
