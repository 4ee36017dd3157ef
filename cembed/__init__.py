"""cembed: a compact CPU embedding runtime.

An embedding layer is a lookup table, ``E(x) = onehot(x) @ W``, computed as
a row gather. cembed runs it, its pooled and sparse-gradient forms and the
row-wise optimizers on a small OpenMP-parallel C core.
"""
import os as _os


try:
    from cembed._core import (
        accumulate,
        adagrad_update,
        adam_update,
        build_info,
        embedding_bag,
        embedding_bag_backward,
        gather,
        get_num_threads,
        murmurhash3_32,
        openmp_enabled,
        scatter_add,
        set_num_threads,
        sgd_update,
    )
except ImportError as _error:
    _here = _os.path.dirname(_os.path.abspath(__file__))
    raise ImportError(
        f"cembed's compiled modules are missing in {_here}; if that is a source checkout, "
        "build them in place (pip install -e . or python setup.py build_ext --inplace), "
        "or run Python from another folder to import an installed cembed"
    ) from _error

# Everything else is imported on first use (PEP 562), so `import cembed`
# costs little more than importing NumPy: the layer, the text tools and
# their imports (json, secrets, ...) load when a name is first touched.
_LAZY = {
    "Embedding": "cembed.embedding",
    "SparseGrad": "cembed.embedding",
    # text preprocessing (Keras-compatible)
    "pad_sequences": "cembed.sequence",
    "Tokenizer": "cembed.text",
    "hash_texts": "cembed.text",
    "hashing_trick": "cembed.text",
    "one_hot": "cembed.text",
    "text_to_word_sequence": "cembed.text",
    "tokenizer_from_json": "cembed.text",
    # pretrained vectors (word2vec, GloVe, fastText)
    "Vectors": "cembed.vectors",
    "load_word2vec": "cembed.vectors",
    "save_word2vec": "cembed.vectors",
    "VocabCounts": "cembed.vocab",
    "TextClassifier": "cembed.models.classifier",
    "CompactTable": "cembed.compact",
    "load_compact": "cembed.compact",
    "quantize": "cembed.compact",
    "Word2Vec": "cembed.models.word2vec",
    "skipgrams": "cembed.sequence",
    "make_sampling_table": "cembed.sequence",
}
_SUBMODULES = ("compact", "constraints", "dask", "demo", "embedding", "initializers", "optimizers",
               "regularizers", "sequence", "similarity", "text", "vectors", "vocab")


def __getattr__(name):
    module = _LAZY.get(name)
    if module is not None:
        import importlib

        value = getattr(importlib.import_module(module), name)
    elif name in _SUBMODULES:
        import importlib

        value = importlib.import_module("cembed." + name)
    else:
        raise AttributeError(f"module 'cembed' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__) | set(_SUBMODULES))


__version__ = "0.1.0"


def get_include():
    """The folder of cembed's installed C header (``cembed.h``) and its
    Cython declarations (``libcembed.pxd``).

    Pass it to the compiler (``-I``) to build C code against cembed's C
    API, and to Cython's ``include_path`` to ``from libcembed cimport ...``
    (link ``libcembed.a`` from :func:`get_library_dir` then). Cython code
    can also ``cimport cembed._core``, which needs no link step.

    >>> import os, cembed
    >>> sorted(os.listdir(cembed.get_include()))
    ['cembed.h', 'libcembed.pxd']
    """
    return _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "include")


def get_library_dir():
    """The folder of ``libcembed.a``, cembed's C core as a static library.

    A C program built against ``get_include()`` links it, as NumPy's
    ``libnpymath.a``: ``cc prog.c -I<include> -L<dir> -lcembed -fopenmp -lm``
    (leave ``-fopenmp`` out where ``cembed.openmp_enabled()`` is False).
    The library is compiled with the flags of the extension modules and
    ``-fPIC``, so it links into executables and shared libraries alike.

    >>> import os, cembed
    >>> os.path.exists(os.path.join(cembed.get_library_dir(), "libcembed.a"))
    True
    """
    return _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "lib")


__all__ = [
    "Embedding",
    "SparseGrad",
    "optimizers",
    "accumulate",
    "adagrad_update",
    "adam_update",
    "build_info",
    "embedding_bag",
    "embedding_bag_backward",
    "gather",
    "get_include",
    "get_library_dir",
    "get_num_threads",
    "murmurhash3_32",
    "openmp_enabled",
    "scatter_add",
    "set_num_threads",
    "sgd_update",
    # text preprocessing
    "Tokenizer",
    "hash_texts",
    "hashing_trick",
    "one_hot",
    "pad_sequences",
    "text_to_word_sequence",
    "tokenizer_from_json",
    # pretrained vectors
    "Vectors",
    "load_word2vec",
    "save_word2vec",
    "VocabCounts",
    "TextClassifier",
    "CompactTable",
    "load_compact",
    "quantize",
    "Word2Vec",
    "skipgrams",
    "make_sampling_table",
]
