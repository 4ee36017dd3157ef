"""The C core on 64-bit ARM: src_c/ cross-compiles for aarch64 (only the
portable path: no x86 dispatch there) and the C test driver
(tests/c/driver.c) passes under user-mode emulation. Skips only where the
cross compiler (Debian's gcc-aarch64-linux-gnu) or the emulator
(qemu-user) is absent."""
import glob
import os
import shutil
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC_C = os.path.join(os.path.dirname(HERE), "src_c")
CC = os.environ.get("CEMBED_AARCH64_CC", "aarch64-linux-gnu-gcc")
QEMU = "qemu-aarch64"


@pytest.mark.skipif(not os.path.isdir(SRC_C), reason="the C sources (src_c/) are not in this tree")
@pytest.mark.parametrize("openmp", [True, False], ids=["openmp", "serial"])
def test_c_core_passes_its_driver_on_aarch64(tmp_path, openmp):
    missing = [tool for tool in (CC, QEMU) if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not on PATH "
                    "(Debian: apt-get install gcc-aarch64-linux-gnu qemu-user)")
    exe = str(tmp_path / "driver_aarch64")
    # static: qemu-aarch64 then needs no aarch64 sysroot at run time
    cmd = [CC, "-std=gnu11", "-O2", "-ffp-contract=off", "-Wall", "-Wextra",
           "-Wno-unused-parameter", "-Werror", "-static", "-I" + SRC_C, "-o", exe,
           os.path.join(HERE, "c", "driver.c"), *sorted(glob.glob(os.path.join(SRC_C, "*.c"))),
           "-lm"]
    if openmp:
        cmd.insert(1, "-fopenmp")
    build = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    # static libgomp warns that dlopen needs the build's glibc: not our code's warning
    assert build.returncode == 0, build.stderr[-4000:]
    with open(exe, "rb") as f:
        header = f.read(20)
    assert header[:4] == b"\x7fELF" and int.from_bytes(header[18:20], "little") == 183  # EM_AARCH64
    env = dict(os.environ, OMP_NUM_THREADS="2")
    env.pop("CEMBED_ISA", None)
    run = subprocess.run([QEMU, exe, "40", "20261207"], capture_output=True, text=True,
                         timeout=600, env=env)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    assert f"openmp={int(openmp)}, all checks passed" in run.stdout
    # a path the CPU does not have is refused, not run
    env["CEMBED_ISA"] = "avx2"
    probe = subprocess.run([QEMU, exe, "1", "1"], capture_output=True, text=True, timeout=600,
                           env=env)
    assert probe.returncode == 0, probe.stderr[-2000:]
