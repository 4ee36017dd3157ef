"""Sphinx configuration: the API reference is generated from the docstrings
(autodoc, autosummary, numpydoc); ``sphinx-build -W docs out`` must stay free
of warnings (``tests/test_docs.py`` builds it so)."""
import glob
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Document the checkout's cembed when it is built in place (as
# tests/conftest.py does); otherwise the installed one.
if glob.glob(os.path.join(ROOT, "cembed", "_core*.so")) or glob.glob(
    os.path.join(ROOT, "cembed", "_core*.pyd")
):
    sys.path.insert(0, ROOT)

import cembed  # noqa: E402

project = "cembed"
author = "the cembed authors"
copyright = "the cembed authors"
version = release = cembed.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
]
autosummary_generate = False  # the reference pages list their modules themselves
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True}
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = set()

root_doc = "index"
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path = []
nitpicky = False
