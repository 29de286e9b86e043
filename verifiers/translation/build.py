"""Compile one implementation (source or translation) once, link it with every test driver.

Everything runs in one sandboxed shell script per implementation: compilers parse hostile code.
The implementation is its own translation unit, so its macros cannot reach a driver; drivers
are linked first with `-z muldefs`, so the harness's `main` and the driver's definitions win
over any duplicate the candidate defines.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from assay.verifiers.sandbox import Limits, Sandbox
from assay.verifiers.tools import ToolMissing, find, tool
from assay.verifiers.translation.config import TranslationConfig
from assay.verifiers.translation.harness import HEADER, HEADER_NAME
from assay.verifiers.translation.items import TranslationTest

MB = 1024 * 1024
SANITIZE = (
    "-O1",
    "-fno-omit-frame-pointer",
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=undefined",
)


@dataclass
class Build:
    """What one build produced: a binary per linked test, and why the others did not link."""

    impl_ok: bool
    impl_log: str
    binaries: dict[str, bytes] = field(default_factory=dict)
    objects: dict[str, bytes] = field(default_factory=dict)  # test name -> compiled driver
    failed: dict[str, str] = field(default_factory=dict)  # test name -> compile/link log
    isolation: str = ""
    timed_out: bool = False


def driver_text(test: TranslationTest, header: str, language: str) -> str:
    body = f'extern "C" {{\n{header}\n}}\n' if language == "c" and header else header
    return f'#include "{HEADER_NAME}"\n{body}\n#line 1 "{test.name}"\n{test.driver}\n'


def build(
    sandbox: Sandbox,
    impl: str,
    kind: str,  # "c", "cpp" or "cuda"
    tests: list[TranslationTest],
    header: str,
    language: str,
    cfg: TranslationConfig,
    sanitize: bool = False,
    objects: dict[str, bytes] | None = None,
) -> Build:
    """Compile `impl` once and link it with each test's driver; one sandbox call. Drivers
    already compiled (`objects`, from the source's build) are linked, not compiled again."""
    gxx, gcc = (tool(c, "install it (apt-get install -y g++)") for c in ("g++", "gcc"))
    common = ["-fopenmp", *(SANITIZE if sanitize else (cfg.opt,))]
    cxx = [gxx, f"-std={cfg.cxx_std}", *common]
    if kind == "cuda":
        nvcc = find("nvcc")
        if nvcc is None:
            raise ToolMissing("nvcc not found; CUDA translations need the CUDA toolkit")
        impl_name = "impl.cu"
        impl_cmd = [nvcc, f"-std={cfg.cxx_std}", cfg.opt, "-c", impl_name, "-o", "impl.o"]
        link = [nvcc, "-Xcompiler", "-fopenmp", "-Xlinker", "-zmuldefs"]
    else:
        impl_name = "impl.c" if kind == "c" else "impl.cpp"
        compiler = [gcc, "-std=c11", *common] if kind == "c" else cxx
        impl_cmd = [*compiler, "-c", impl_name, "-o", "impl.o"]
        link = [*cxx, "-Wl,-z,muldefs"]
    files = {HEADER_NAME: HEADER.encode(), impl_name: impl.encode()}
    lines = [f"{shlex.join(impl_cmd)} >impl.log 2>&1 || {{ : >impl.failed; exit 0; }}"]
    for i, test in enumerate(tests):
        if objects and test.name in objects:
            files[f"t{i}.o"] = objects[test.name]
            compile_driver = "true"
        else:
            files[f"t{i}.cpp"] = driver_text(test, header, language).encode()
            compile_driver = shlex.join([*cxx, "-c", f"t{i}.cpp", "-o", f"t{i}.o"])
        link_cmd = shlex.join([*link, f"t{i}.o", "impl.o", "-o", f"t{i}.bin"])
        lines.append(f"{{ {compile_driver} && {link_cmd}; }} >t{i}.log 2>&1 || : >t{i}.failed")
    files["build.sh"] = ("#!/bin/sh\n" + "\n".join(lines) + "\n").encode()
    collect = ["impl.failed", "impl.log"]
    for i in range(len(tests)):
        collect += [f"t{i}.bin", f"t{i}.failed", f"t{i}.log", f"t{i}.o"]
    limits = Limits(
        wall_s=cfg.compile_wall_s,
        cpu_s=cfg.compile_wall_s,
        memory_mb=cfg.compile_memory_mb,
        nproc=64,
        fsize_mb=max(64, cfg.output_mb),
        nofile=256,
        output_bytes=cfg.output_mb * MB,
    )
    ex = sandbox.run_command(["/bin/sh", "build.sh"], files, limits, collect=tuple(collect))
    got = ex.files
    impl_log = got.get("impl.log", b"").decode(errors="replace")
    result = Build(
        impl_ok="impl.failed" not in got and not ex.timed_out,
        impl_log=impl_log[-4000:],
        isolation=ex.isolation,
        timed_out=ex.timed_out,
    )
    if not result.impl_ok:
        return result
    for i, test in enumerate(tests):
        if f"t{i}.failed" in got or f"t{i}.bin" not in got:
            result.failed[test.name] = got.get(f"t{i}.log", b"").decode(errors="replace")[-4000:]
        else:
            result.binaries[test.name] = got[f"t{i}.bin"]
            result.objects[test.name] = got.get(f"t{i}.o", b"")
    return result
