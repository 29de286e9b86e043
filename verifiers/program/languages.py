"""The languages contest programs come in: how each is named, compiled and run, and which
toolchain does it (its version is part of every verdict's provenance, so a new compiler makes a
new verdict). Toolchains are Debian's, found on the sandbox's PATH, never a user's own install.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

PATH = "/usr/local/bin:/usr/bin:/bin"  # the sandbox's PATH (`sandbox.child.PATH`)
BINARY = "main"


@dataclass(frozen=True)
class Language:
    """One row of the language table. `compile` and `run` are argv templates: `{src}` is the
    source file, `{cls}` Java's class, `{mem}` the memory limit in MiB, `{stack_kb}` a stack
    size in KiB; `outputs` are the files (a folder: ending in `/`) a build leaves to run."""

    name: str
    source: str  # the source file's name; Java's is the public class's name
    compile: tuple[str, ...]  # empty: checked, not compiled (javascript, python)
    run: tuple[str, ...]
    version: tuple[str, ...]  # prints the toolchain's version
    package: str  # the Debian package that provides it
    outputs: tuple[str, ...] = (BINARY,)


LANGUAGES: dict[str, Language] = {
    lang.name: lang
    for lang in (
        Language(
            "c",
            "main.c",
            ("gcc", "-std=gnu11", "-O2", "-pipe", "-o", BINARY, "{src}", "-lm"),
            (f"./{BINARY}",),
            ("gcc", "-dumpfullversion"),
            "gcc",
        ),
        Language(
            "cpp",
            "main.cpp",
            ("g++", "-std=gnu++17", "-O2", "-pipe", "-o", BINARY, "{src}"),
            (f"./{BINARY}",),
            ("g++", "-dumpfullversion"),
            "g++",
        ),
        Language(
            "java",
            "{cls}.java",
            ("javac", "-encoding", "UTF-8", "-nowarn", "-d", "classes", "{src}"),
            (
                "java",
                "-XX:+UseSerialGC",
                "-XX:-UsePerfData",
                "-Xss{stack_kb}k",
                "-Xmx{mem}m",
                "-cp",
                "classes",
                "{cls}",
            ),
            ("javac", "-version"),
            "default-jdk-headless",
            ("classes/",),
        ),
        Language(
            "go",
            "main.go",
            ("go", "build", "-ldflags=-s -w", "-o", BINARY, "{src}"),
            (f"./{BINARY}",),
            ("go", "version"),
            "golang-go",
        ),
        Language(
            "rust",
            "main.rs",
            ("rustc", "--edition", "2021", "-O", "-C", "strip=symbols", "-o", BINARY, "{src}"),
            (f"./{BINARY}",),
            ("rustc", "--version"),
            "rustc",
        ),
        Language(
            "javascript",
            "main.js",
            ("node", "--check", "{src}"),
            ("node", "--stack-size={stack_kb}", "--max-old-space-size={mem}", "{src}"),
            ("node", "--version"),
            "nodejs",
            (),
        ),
        Language(
            "python",
            "main.py",
            (),
            (sys.executable, "-I", "-S", "{src}"),
            (sys.executable, "--version"),
            "python3",
            (),
        ),
    )
}


class ToolchainMissing(RuntimeError):
    """This machine lacks a language's toolchain: a broken machine, not a wrong program."""


_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/|\"(?:\\.|[^\"\\])*\"", re.S)
_PUBLIC = re.compile(r"\bpublic\s+(?:(?:final|abstract|strictfp)\s+)*(?:class|enum|record)\s+(\w+)")
_CLASS = re.compile(r"\b(?:class|enum|record)\s+(\w+)")


def java_class(code: str) -> str:
    """The class `java` runs: the public top-level class (whose name the file must have), else
    the first class declared; `Main` if none is found (javac then says what is wrong)."""
    bare = _COMMENTS.sub(" ", code)
    found = _PUBLIC.search(bare) or _CLASS.search(bare)
    return found.group(1) if found else "Main"


def source_name(lang: Language, code: str) -> str:
    return lang.source.format(cls=java_class(code)) if "{cls}" in lang.source else lang.source


def argv(
    template: tuple[str, ...], lang: Language, code: str, mem: int, stack_kb: int
) -> list[str]:
    """`template` filled in for `code` under a memory limit of `mem` MiB."""
    values = {"src": source_name(lang, code), "mem": mem, "stack_kb": stack_kb}
    values["cls"] = java_class(code) if lang.name == "java" else ""
    return [part.format(**values) for part in template]


@functools.cache
def toolchain(name: str) -> str:
    """The toolchain's name and version, e.g. `g++ 12.2.0` (probed once per process, on the
    sandbox's PATH); raises `ToolchainMissing` naming the Debian package to install."""
    lang = LANGUAGES[name]
    tool = lang.version[0]
    found = tool if tool.startswith("/") else shutil.which(tool, path=PATH)
    if found is None:
        raise ToolchainMissing(
            f"{name} programs need `{tool}`, which is not on {PATH}: apt-get install {lang.package}"
        )
    done = subprocess.run([found, *lang.version[1:]], capture_output=True, text=True, timeout=60)
    text = (done.stdout + done.stderr).strip().splitlines()
    version = text[0].strip() if text else "unknown"
    if version.startswith("go version go"):  # "go version go1.19.8 linux/amd64"
        version = "go " + version.split()[2].removeprefix("go")
    base = tool.rsplit("/", 1)[-1]
    return version if version.lower().startswith(base[:4].lower()) else f"{base} {version}"
