"""What ships: the sdist's contents, the package data, the extras.

Building the wheel (and installing the sdist with the source tree gone)
compiles everything and takes minutes on a shared machine: .ci/check_package
does that, and checks the wheel's size and the import time.
"""
import os
import subprocess
import sys
import tarfile

import pytest

import cembed

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.dirname(os.path.abspath(cembed.__file__))

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None


def pyproject():
    if tomllib is None:
        pytest.skip("tomllib needs Python 3.11")
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        return tomllib.load(f)


@pytest.mark.skipif(not os.path.exists(os.path.join(ROOT, "setup.py")), reason="not a source checkout")
def test_sdist_holds_the_sources_and_no_build_products(tmp_path):
    proc = subprocess.run(
        [sys.executable, "setup.py", "-q", "sdist", "--formats=gztar", "-d", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    (sdist,) = tmp_path.glob("cembed-*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    sources = [f for f in os.listdir(os.path.join(ROOT, "src_c")) if f.endswith((".c", ".h", ".pxd"))]
    package = [f for f in os.listdir(os.path.join(ROOT, "cembed"))
               if f.endswith((".py", ".pyx", ".pxd", ".pyi")) or f == "py.typed"]
    expected = {"src_c/" + f for f in sources} | {"cembed/" + f for f in package} | {
        "setup.py", "pyproject.toml", "README.md", "MANIFEST.in", ".ci/run",
        "cembed/data/wordnet_glosses.tsv.gz", "cembed/data/WORDNET_LICENSE", "tests/downstream/kernel_user.pyx",
        "tests/downstream/use_cembed.c", "tests/downstream/c_api_user.pyx", "tests/conftest.py",
    }
    assert expected <= names, sorted(expected - names)
    built = {n for n in names if n.endswith((".so", ".pyd", ".o", ".a"))
             or n in ("cembed/_core.c", "cembed/_text.c", "cembed/_vectors.c") or n.startswith(("cembed/lib/", "cembed/include/"))}
    assert not built, sorted(built)


def test_package_data_is_installed_with_the_package():
    for path in ("py.typed", "_core.pxd", "__init__.pyi", "demo.pyi", "data/wordnet_glosses.tsv.gz",
                 "data/WORDNET_LICENSE"):
        assert os.path.isfile(os.path.join(PACKAGE, path)), path
    assert os.path.isfile(os.path.join(cembed.get_include(), "cembed.h"))
    assert os.path.isfile(os.path.join(cembed.get_include(), "libcembed.pxd"))
    assert os.path.isdir(cembed.get_library_dir())


def test_numpy_is_the_only_runtime_dependency_and_the_extras_are_there():
    project = pyproject()["project"]
    assert [d.split(">")[0].split("=")[0].strip() for d in project["dependencies"]] == ["numpy"]
    extras = project["optional-dependencies"]
    names = {k: {d.split(">")[0].split("=")[0].split("<")[0].strip().lower() for d in v}
             for k, v in extras.items()}
    assert {"pytest", "hypothesis", "cython", "setuptools"} <= names["test"]
    assert {"torch", "keras-preprocessing", "tokenizers", "scikit-learn"} <= names["bench"]
    assert "matplotlib" in names["plot"]
    package_data = pyproject()["tool"]["setuptools"]["package-data"]["cembed"]
    assert {"*.pxd", "*.pyi", "py.typed", "include/*.h", "include/*.pxd", "lib/*.a", "data/*.tsv.gz",
            "data/WORDNET_LICENSE"} <= set(package_data)
