from cembed._core import (
    accumulate as accumulate,
    adagrad_update as adagrad_update,
    adam_update as adam_update,
    embedding_bag as embedding_bag,
    embedding_bag_backward as embedding_bag_backward,
    gather as gather,
    get_num_threads as get_num_threads,
    murmurhash3_32 as murmurhash3_32,
    openmp_enabled as openmp_enabled,
    scatter_add as scatter_add,
    set_num_threads as set_num_threads,
    sgd_update as sgd_update,
)

__version__: str

def get_include() -> str: ...

# The layer and its optimizers (branch layer).
from cembed import optimizers as optimizers
from cembed.embedding import Embedding as Embedding, SparseGrad as SparseGrad

# Pretrained vectors (branch vectors).
from cembed.vectors import (
    Vectors as Vectors,
    load_word2vec as load_word2vec,
    save_word2vec as save_word2vec,
)
