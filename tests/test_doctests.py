"""The examples in the docstrings of every public module run and pass."""
import doctest
import importlib

import pytest

MODULES = [
    "cembed",
    "cembed._core",
    "cembed.embedding",
    "cembed.initializers",
    "cembed.constraints",
    "cembed.regularizers",
    "cembed.similarity",
    "cembed.optimizers",
    "cembed.text",
    "cembed.sequence",
    "cembed.vectors",
    "cembed._files",
    "cembed._validation",
    "cembed.demo",
    "cembed.__main__",
    "cembed.vocab",
    "cembed.dask",
    "cembed.models.classifier",
    "cembed.compact",
    "cembed.models.word2vec",
    "cembed.analogies",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0


def public_objects():
    """Every public function, class and method of the modules above."""
    import inspect

    for name in MODULES:
        module = importlib.import_module(name)
        names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
        for attr in names:
            obj = getattr(module, attr)
            if inspect.ismodule(obj) or not callable(obj):
                continue
            if name != "cembed" and getattr(obj, "__module__", name) != name:
                continue  # imported from elsewhere: checked where it is defined
            yield f"{name}.{attr}", obj
            if inspect.isclass(obj):
                for member, value in vars(obj).items():
                    if member.startswith("_"):
                        continue
                    if isinstance(value, (classmethod, staticmethod)):
                        value = value.__func__
                    if isinstance(value, property):
                        value = value.fget
                    if callable(value):
                        yield f"{name}.{attr}.{member}", value


def test_every_public_name_has_a_docstring_with_an_example():
    import inspect

    missing = [name for name, obj in public_objects() if ">>>" not in (inspect.getdoc(obj) or "")]
    assert not missing, missing
