"""The documentation in docs/ builds without a warning, documents every public
name, and the code cites it (never a file outside the repository)."""
import importlib
import os
import posixpath
import re
import subprocess
import sys

import pytest

import cembed

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs")

pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(DOCS, "conf.py")),
                                reason="docs/ is not here")
PUBLIC_MODULES = ["cembed", "cembed.embedding", "cembed.optimizers", "cembed.initializers",
                  "cembed.constraints", "cembed.regularizers", "cembed.similarity",
                  "cembed.text", "cembed.sequence", "cembed.vectors", "cembed.vocab", "cembed.dask"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    pytest.importorskip("sphinx")
    pytest.importorskip("numpydoc")
    out = tmp_path_factory.mktemp("html")
    env = dict(os.environ)
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(cembed.__file__)))
    env["PYTHONPATH"] = package_parent + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-E", "-b", "html",
         "-d", str(out / ".doctrees"), DOCS, str(out)],
        capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def test_docs_build_without_warnings(built):
    for page in ("index", "design", "kernels", "layer", "text", "vectors", "api"):
        assert (built / f"{page}.html").exists(), page


def test_every_public_name_is_in_the_api_reference(built):
    from sphinx.util.inventory import InventoryFile

    with open(built / "objects.inv", "rb") as f:
        inventory = InventoryFile.load(f, "", posixpath.join)
    documented = set()
    for kind, entries in inventory.items():
        if kind.startswith("py:"):
            documented.update(entries)
    missing = []
    for name in PUBLIC_MODULES:
        module = importlib.import_module(name)
        for attr in module.__all__:
            obj = getattr(module, attr)
            home = getattr(obj, "__module__", name)
            home = name if home == "cembed._core" else home  # the kernels are documented flat
            if f"{name}.{attr}" not in documented and f"{home}.{attr}" not in documented:
                missing.append(f"{name}.{attr}")
    assert not missing, missing
    # and the methods of the layer and of the optimizers' protocol
    for method in ("cembed.embedding.Embedding.apply_gradients",
                   "cembed.optimizers.Optimizer.update", "cembed.vectors.Vectors.most_similar"):
        assert method in documented, method


def _tracked_files():
    try:
        out = subprocess.run(["git", "ls-files", "cembed", "src_c", "tests", "benchmarks"],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
    except OSError:
        return None
    return out.stdout.split() if out.returncode == 0 and out.stdout else None


def test_code_cites_the_docs_not_files_outside_the_repository():
    files = _tracked_files()
    if files is None:
        pytest.skip("not a git checkout")
    contract = "SPEC"  # the contract that lived outside the repository
    pattern = re.compile(r"\b" + contract + r"(\.md)?\b|/work/shared")
    cited = []
    for path in files:
        if path == "tests/test_docs.py" or path.startswith("tests/data/"):
            continue
        try:
            with open(os.path.join(ROOT, path), encoding="utf-8") as f:
                text = f.read()
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if pattern.search(line):
                cited.append(f"{path}:{number}: {line.strip()}")
    assert not cited, "\n".join(cited)
