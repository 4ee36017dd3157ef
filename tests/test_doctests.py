"""The examples in the docstrings of every public module run and pass."""
import doctest
import importlib

import pytest

MODULES = [
    "cembed",
    "cembed._core",
    "cembed.embedding",
    "cembed.optimizers",
    "cembed.text",
    "cembed.sequence",
    "cembed.vectors",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
