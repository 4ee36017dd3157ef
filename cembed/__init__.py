"""cembed: a compact CPU embedding runtime.

An embedding layer is a lookup table, ``E(x) = onehot(x) @ W``, computed as
a row gather. cembed runs it, its pooled and sparse-gradient forms and the
row-wise optimizers on a small OpenMP-parallel C core.
"""
import os as _os

from cembed._core import (
    accumulate,
    adagrad_update,
    adam_update,
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

# The layer and its optimizers.
from cembed import optimizers
from cembed.embedding import Embedding, SparseGrad

# pretrained vectors (word2vec, GloVe, fastText)
from cembed.vectors import Vectors, load_word2vec, save_word2vec

# text preprocessing (Keras-compatible)
from cembed.sequence import pad_sequences
from cembed.text import (
    Tokenizer,
    hashing_trick,
    one_hot,
    text_to_word_sequence,
    tokenizer_from_json,
)

__version__ = "0.1.0"


def get_include():
    """The folder of cembed's installed C header (``cembed.h``).

    Pass it to the compiler (``-I``) to build C code against cembed's C
    API; Cython code ``cimport``s ``cembed._core`` directly.

    >>> import os, cembed
    >>> os.path.exists(os.path.join(cembed.get_include(), "cembed.h"))
    True
    """
    return _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "include")


__all__ = [
    "Embedding",
    "SparseGrad",
    "optimizers",
    "accumulate",
    "adagrad_update",
    "adam_update",
    "embedding_bag",
    "embedding_bag_backward",
    "gather",
    "get_include",
    "get_num_threads",
    "murmurhash3_32",
    "openmp_enabled",
    "scatter_add",
    "set_num_threads",
    "sgd_update",
    # text preprocessing
    "Tokenizer",
    "hashing_trick",
    "one_hot",
    "pad_sequences",
    "text_to_word_sequence",
    "tokenizer_from_json",
    # pretrained vectors
    "Vectors",
    "load_word2vec",
    "save_word2vec",
]
