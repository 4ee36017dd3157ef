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

# libgomp is not fork-safe: a child forked after the parent ran a parallel
# region inherits the pool's bookkeeping but not its threads, and its next
# parallel region waits for them forever. A fork child therefore runs every
# kernel serially (a one-thread region never touches the pool); 'spawn' and
# 'forkserver' children start fresh and use threads as usual.
_forked_child = False


def _serial_after_fork():
    global _forked_child
    _forked_child = True
    _core_set_num_threads(1)


_core_set_num_threads = set_num_threads


def set_num_threads(n):
    """Set the number of threads cembed's kernels use.

    ``n >= 1`` fixes the count; ``None`` (or ``0``) returns to the default,
    which follows ``OMP_NUM_THREADS`` and ``threadpoolctl`` limits. Results
    are bitwise the same for any count.

    In a process started by ``fork`` (multiprocessing's default on Linux)
    the kernels run serially, because OpenMP (libgomp) cannot use threads
    after a fork; asking for more than one thread there raises
    ``RuntimeError``. Start workers with ``spawn`` or ``forkserver`` to use
    threads in them.

    >>> import cembed
    >>> cembed.set_num_threads(1); cembed.get_num_threads()
    1
    >>> cembed.set_num_threads(None)
    """
    if _forked_child and not isinstance(n, bool) and hasattr(n, "__index__") and n.__index__() > 1:
        raise RuntimeError(
            f"set_num_threads({n}) in a process started by fork: OpenMP (libgomp) is not "
            "fork-safe, so cembed runs serially here. Use the 'spawn' or 'forkserver' "
            "multiprocessing start method to run the kernels on several threads."
        )
    _core_set_num_threads(n)
    if _forked_child:
        _core_set_num_threads(1)


if openmp_enabled() and hasattr(_os, "register_at_fork"):
    _os.register_at_fork(after_in_child=_serial_after_fork)


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
