"""cembed used from other projects: a Cython extension that cimports the
kernels from cembed._core, one that cimports the C API from libcembed.pxd
and links libcembed.a, and a C program built against get_include() and
get_library_dir().

Both are built from tests/downstream/ into a temporary folder, in a
subprocess, as another project's build would run.
"""
import os
import shutil
import subprocess
import sys
import sysconfig

import numpy as np
import pytest

import cembed

HERE = os.path.dirname(os.path.abspath(__file__))
DOWNSTREAM = os.path.join(HERE, "downstream")
ROOT = os.path.dirname(HERE)
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(cembed.__file__)))

BUILD_PYX = """
import sys
import cembed
from Cython.Build import cythonize
from setuptools import Extension, setup

# the status codes come from cembed.h through libcembed.pxd (as NumPy's
# cimport needs numpy.get_include())
setup(
    name="kernel_user",
    ext_modules=cythonize(
        [Extension("kernel_user", ["kernel_user.pyx"], include_dirs=[cembed.get_include()])],
        include_path=[sys.argv.pop(), cembed.get_include()],
        quiet=True,
    ),
    script_args=["build_ext", "--inplace", "-q"],
)
"""

BUILD_C_API_PYX = """
import sys
import cembed
from Cython.Build import cythonize
from setuptools import Extension, setup

openmp = ["-fopenmp"] if cembed.openmp_enabled() else []
setup(
    name="c_api_user",
    ext_modules=cythonize(
        [Extension("c_api_user", ["c_api_user.pyx"],
                   include_dirs=[cembed.get_include()],
                   library_dirs=[cembed.get_library_dir()], libraries=["cembed"],
                   extra_link_args=openmp)],
        include_path=[cembed.get_include()],
        quiet=True,
    ),
    script_args=["build_ext", "--inplace", "-q"],
)
"""


def run(args, cwd, **kwargs):
    env = dict(os.environ)
    env["PYTHONPATH"] = PACKAGE_PARENT + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env, timeout=600, **kwargs)
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def c_compiler():
    for name in (os.environ.get("CC"), sysconfig.get_config_var("CC"), "cc", "gcc", "clang"):
        if name and shutil.which(name.split()[0]):
            return name.split()
    return None


def test_get_include_and_get_library_dir_hold_the_header_and_the_library():
    assert os.path.isfile(os.path.join(cembed.get_include(), "cembed.h"))
    assert os.path.isfile(os.path.join(cembed.get_include(), "libcembed.pxd"))
    libs = os.listdir(cembed.get_library_dir())
    assert "libcembed.a" in libs or "cembed.lib" in libs


def test_cython_extension_cimports_the_kernels(tmp_path):
    pytest.importorskip("Cython", reason="building the downstream extension needs Cython>=3.1")
    pytest.importorskip("setuptools")
    if c_compiler() is None:
        pytest.skip("no C compiler found (CC, cc, gcc, clang)")
    shutil.copy(os.path.join(DOWNSTREAM, "kernel_user.pyx"), tmp_path)
    (tmp_path / "build_it.py").write_text(BUILD_PYX)
    run([sys.executable, "build_it.py", PACKAGE_PARENT], cwd=tmp_path)
    check = (
        "import numpy as np, kernel_user, cembed\n"
        "t = np.arange(12, dtype=np.float32).reshape(4, 3)\n"
        "status, bad, out = kernel_user.take(t, np.array([3, 0, 3], np.int64))\n"
        "assert status == kernel_user.OK and (out == t[[3, 0, 3]]).all(), (status, out)\n"
        "status, bad, out = kernel_user.take(t, np.array([1, 2, 4], np.int64))\n"
        "assert (status, bad) == (kernel_user.ERR_INDEX, 2), (status, bad)\n"
        "assert kernel_user.hash_bytes(b'hello') == cembed.murmurhash3_32(b'hello', positive=True)\n"
        "print('ok')\n"
    )
    assert run([sys.executable, "-c", check], cwd=tmp_path).strip() == "ok"


def test_libcembed_pxd_declares_every_function_of_the_header():
    import re

    with open(os.path.join(cembed.get_include(), "cembed.h")) as f:
        header = set(re.findall(r"\b(cembed_\w+)\(", f.read()))
    with open(os.path.join(cembed.get_include(), "libcembed.pxd")) as f:
        declared = set(re.findall(r"\b(cembed_\w+)\(", f.read()))
    assert header and header == declared, header ^ declared


def test_cython_extension_links_the_c_api(tmp_path):
    pytest.importorskip("Cython", reason="building the downstream extension needs Cython>=3.1")
    pytest.importorskip("setuptools")
    if c_compiler() is None:
        pytest.skip("no C compiler found (CC, cc, gcc, clang)")
    if sys.platform == "win32":
        pytest.skip("libcembed.a is built for Unix linkers")
    shutil.copy(os.path.join(DOWNSTREAM, "c_api_user.pyx"), tmp_path)
    (tmp_path / "build_it.py").write_text(BUILD_C_API_PYX)
    run([sys.executable, "build_it.py"], cwd=tmp_path)
    check = (
        "import numpy as np, c_api_user, cembed\n"
        "t = np.arange(12, dtype=np.float32).reshape(4, 3)\n"
        "idx, offsets = np.array([3, 0, 1, 2], np.int64), np.array([0, 3, 4], np.int64)\n"
        "status, bad, out = c_api_user.mean_bags(t, idx, offsets)\n"
        "ref = cembed.embedding_bag(t, idx, offsets[:-1], mode='mean')  # torch's offsets: bag starts\n"
        "assert status == c_api_user.OK and np.array_equal(out, ref), (status, out)\n"
        "status, bad, out = c_api_user.mean_bags(t, np.array([0, 4, 1, 2], np.int64), offsets)\n"
        "assert (status, bad) == (1, 1), (status, bad)\n"
        "assert c_api_user.hash_bytes(b'hello') == cembed.murmurhash3_32(b'hello', positive=True)\n"
        "print('ok')\n"
    )
    assert run([sys.executable, "-c", check], cwd=tmp_path).strip() == "ok"


def build_c_program(source, tmp_path, std):
    """Compile and link one C file against the installed header and
    libcembed.a, as another project's build would; the executable's path."""
    cc = c_compiler()
    if cc is None:
        pytest.skip("no C compiler found (CC, cc, gcc, clang)")
    if sys.platform == "win32":
        pytest.skip("the cc command line below is for Unix compilers")
    exe = str(tmp_path / os.path.splitext(os.path.basename(source))[0])
    openmp = ["-fopenmp"] if cembed.openmp_enabled() else []
    run(cc + ["-std=" + std, "-O1", source,
              "-I" + cembed.get_include(), "-L" + cembed.get_library_dir(), "-lcembed",
              *openmp, "-lm", "-o", exe], cwd=tmp_path)
    return exe


def test_c_program_links_libcembed(tmp_path):
    exe = build_c_program(os.path.join(DOWNSTREAM, "use_cembed.c"), tmp_path, "c99")
    out = run([exe], cwd=tmp_path).splitlines()
    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    assert out[0] == "gather status 0: " + " ".join(f"{v:g}" for v in table[[3, 0, 3]].ravel())
    assert out[1] == "bad index status 1 at position 1"
    bags = np.stack([table[0] + table[1], table[3]])
    assert out[2] == "bag status 0: " + " ".join(f"{v:g}" for v in bags.ravel())
    assert out[3] == f"murmurhash3 {cembed.murmurhash3_32(b'hello', positive=True)}"
    assert out[4].endswith(f"openmp {int(cembed.openmp_enabled())}")


def test_memory_limit_probe_builds_and_runs(tmp_path):
    """benchmarks/memory_limit.c, the C program behind the README's claim
    that embedding_bag runs at the memory system's limit, still builds
    against the installed header and library and times both loops."""
    exe = build_c_program(os.path.join(ROOT, "benchmarks", "memory_limit.c"), tmp_path, "c11")
    lines = run([exe, "8", "1000", "2"], cwd=tmp_path).splitlines()
    assert lines[0] == "V = 1000, D = 8, 4096 bags of 50, median of 2 rounds"
    assert [line.split()[:2] for line in lines[1:]] == [
        ["uniform", "1T:"], ["uniform", "2T:"], ["zipf", "1T:"], ["zipf", "2T:"]]
    assert all("cembed_bag_f32" in line and "bag / touch" in line for line in lines[1:])
    # the Adam probe: every row of a small table listed
    lines = run([exe, "8", "1000", "2", "adam"], cwd=tmp_path).splitlines()
    assert lines[0].startswith("Adam: V = 1000, D = 8, 1000 unique rows of 204800 uniform")
    assert [line.split()[:2] for line in lines[1:]] == [["adam", "1T:"], ["adam", "2T:"]]
    assert all("cembed_adam_f32" in line and "adam / touch" in line for line in lines[1:])
    proc = subprocess.run([exe, "0"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "usage" in proc.stderr


def test_import_cembed_loads_only_the_kernels():
    """`import cembed` stays cheap: the layer, the text tools and their
    imports load on first use (the time itself is a benchmark's business)."""
    code = (
        "import sys, cembed\n"
        "print(sorted(m for m in sys.modules if m.startswith('cembed')))\n"
        "print('json' in sys.modules, 'secrets' in sys.modules)\n"
        "print(cembed.Tokenizer.__module__, cembed.Embedding.__module__, cembed.text.__name__)\n"
        "print(all(hasattr(cembed, name) for name in cembed.__all__), set(cembed.__all__) <= set(dir(cembed)))\n"
    )
    out = run([sys.executable, "-c", code], cwd=HERE).splitlines()
    # the kernels' module and its argument checks (cembed._validation: the
    # standard library's numbers module and NumPy, loaded anyway)
    assert out[0] == "['cembed', 'cembed._core', 'cembed._validation']"
    assert out[1] == "False False"
    assert out[2] == "cembed.text cembed.embedding cembed.text"
    assert out[3] == "True True"
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        cembed.nonsense
