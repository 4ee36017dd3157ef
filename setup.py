"""Build cembed's C core and its Cython binding.

The OpenMP probe follows scikit-learn's: compile, link and run a tiny
program with the compiler's OpenMP flag; where that fails (Apple clang, for
example) build serially with a warning. CEMBED_REQUIRE_OPENMP=1 turns the
warning into an error. No -march=native: wheels must run on any CPU of the
architecture; wider instructions are chosen at run time (see src_c/isa.h).
"""
import glob
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import warnings

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join("src_c")

OPENMP_TEST = textwrap.dedent(
    """
    #include <omp.h>
    #include <stdio.h>
    int main(void) {
        int n = 0;
        #pragma omp parallel reduction(+:n)
        n += 1;
        printf("%d\\n", n == omp_get_max_threads());
        return 0;
    }
    """
)


def openmp_flags(compiler):
    """Return (compile_args, link_args) that give working OpenMP, or None."""
    if sys.platform == "win32" and compiler.compiler_type == "msvc":
        candidates = [(["/openmp"], [])]
    elif sys.platform == "darwin":
        candidates = [(["-Xpreprocessor", "-fopenmp"], ["-lomp"]), (["-fopenmp"], ["-fopenmp"])]
    else:
        candidates = [(["-fopenmp"], ["-fopenmp"])]
    for cflags, ldflags in candidates:
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "omp_probe.c")
            with open(src, "w") as f:
                f.write(OPENMP_TEST)
            try:
                objs = compiler.compile([src], output_dir=tmp, extra_postargs=cflags)
                exe = os.path.join(tmp, "omp_probe")
                compiler.link_executable(objs, exe, extra_postargs=ldflags)
                out = subprocess.run([exe], capture_output=True, text=True, check=True)
            except Exception:  # noqa: BLE001 - any failure means "no OpenMP"
                continue
            if out.stdout.strip() == "1":
                return cflags, ldflags
    return None


class BuildExt(build_ext):
    def build_extensions(self):
        flags = openmp_flags(self.compiler)
        required = os.environ.get("CEMBED_REQUIRE_OPENMP", "0") not in ("", "0")
        if flags is None:
            msg = (
                "cembed: the compiler does not build OpenMP programs; "
                "building the kernels serially (they stay correct, only slower)."
            )
            if required:
                raise RuntimeError(msg + " CEMBED_REQUIRE_OPENMP is set, so this is an error.")
            warnings.warn(msg)
            cflags, ldflags = [], []
        else:
            cflags, ldflags = flags
        is_msvc = self.compiler.compiler_type == "msvc"
        base = [] if is_msvc else ["-O3", "-g0", "-ffp-contract=off", "-fno-math-errno", "-fno-strict-aliasing", "-fvisibility=hidden"]
        for ext in self.extensions:
            ext.extra_compile_args = base + cflags + ext.extra_compile_args
            ext.extra_link_args = ldflags + ext.extra_link_args + ([] if is_msvc else ["-s"])
        super().build_extensions()
        self.build_static_library(base + cflags + ([] if is_msvc else ["-fPIC"]))

    def build_static_library(self, compile_args):
        """libcembed.a from every src_c/*.c, with the extensions' flags, into
        cembed/lib/ (as NumPy's libnpymath.a): C programs link it (see
        cembed.get_library_dir())."""
        sources = sorted(glob.glob(os.path.join(SRC, "*.c")))
        package_dir = os.path.dirname(self.get_ext_fullpath("cembed._core"))
        lib_dir = os.path.join(package_dir, "lib")
        os.makedirs(lib_dir, exist_ok=True)
        objects = self.compiler.compile(
            sources,
            output_dir=os.path.join(self.build_temp, "libcembed"),
            include_dirs=[SRC],
            extra_postargs=compile_args,
            depends=sorted(glob.glob(os.path.join(SRC, "*.h"))),
        )
        self.compiler.create_static_lib(objects, "cembed", output_dir=lib_dir)
        self._static_lib_dir = lib_dir

    def copy_extensions_to_source(self):
        """An in-place build gets the static library beside the extensions too."""
        super().copy_extensions_to_source()
        built = getattr(self, "_static_lib_dir", None)
        source = os.path.join(HERE, "cembed", "lib")
        if built and os.path.abspath(built) != os.path.abspath(source):
            shutil.copytree(built, source, dirs_exist_ok=True)


def copy_public_headers():
    """Install the public C header and its Cython declarations beside the
    package, for get_include()."""
    dest = os.path.join(HERE, "cembed", "include")
    os.makedirs(dest, exist_ok=True)
    for name in ("cembed.h", "libcembed.pxd"):
        shutil.copy2(os.path.join(HERE, SRC, name), os.path.join(dest, name))


def c_sources(*names):
    return [os.path.join(SRC, name) for name in names]


copy_public_headers()

common = dict(
    include_dirs=[SRC, np.get_include()],
    depends=sorted(glob.glob(os.path.join(SRC, "*.h"))),
    define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_9_API_VERSION")],
)
extensions = [
    Extension(
        "cembed._core",
        ["cembed/_core.pyx"]
        + c_sources("parallel.c", "isa.c", "check.c", "lookup.c", "accumulate.c", "optim.c", "murmur3.c"),
        **common,
    ),
    Extension(
        "cembed._vectors",
        ["cembed/_vectors.pyx"] + c_sources("decimal.c", "wordvec_io.c"),
        **common,
    ),
    Extension(
        "cembed._text",
        ["cembed/_text.pyx"]
        + c_sources("parallel.c", "isa.c", "tokenize.c", "vocab.c", "sequence.c", "murmur3.c"),
        **common,
    ),
    # ---- cembed.TextClassifier ----
    Extension(
        "cembed.models._classifier",
        ["cembed/models/_classifier.pyx"]
        + c_sources("classify.c", "tokenize.c", "vocab.c", "murmur3.c", "parallel.c", "isa.c",
                    "quantize.c", "check.c"),
        **common,
    ),
    # ---- compact tables ----
    Extension(
        "cembed._compact",
        ["cembed/_compact.pyx"] + c_sources("quantize.c", "parallel.c", "isa.c", "check.c"),
        **common,
    ),
    # ---- word2vec ----
    Extension(
        "cembed.models._word2vec",
        ["cembed/models/_word2vec.pyx"]
        + c_sources("word2vec.c", "tokenize.c", "vocab.c", "murmur3.c", "parallel.c", "isa.c"),
        **common,
    ),
]

setup(
    ext_modules=cythonize(
        extensions,
        language_level=3,
        include_path=[SRC],  # libcembed.pxd, the C API's declarations
    ),
    cmdclass={"build_ext": BuildExt},
)
