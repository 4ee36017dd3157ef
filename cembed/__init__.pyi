from cembed._core import (
    accumulate as accumulate,
    adagrad_update as adagrad_update,
    adam_update as adam_update,
    build_info as build_info,
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

# The layer and its optimizers.
from cembed import optimizers as optimizers
from cembed import constraints as constraints, initializers as initializers
from cembed import regularizers as regularizers, similarity as similarity
from cembed.embedding import Embedding as Embedding, SparseGrad as SparseGrad

def get_library_dir() -> str: ...

# Text preprocessing (Keras-compatible).
from cembed import demo as demo, sequence as sequence, text as text, vectors as vectors
from cembed.sequence import pad_sequences as pad_sequences
from cembed.text import (
    Tokenizer as Tokenizer,
    hash_texts as hash_texts,
    hashing_trick as hashing_trick,
    one_hot as one_hot,
    text_to_word_sequence as text_to_word_sequence,
    tokenizer_from_json as tokenizer_from_json,
)

# Pretrained vectors.
from cembed.vectors import (
    Vectors as Vectors,
    load_word2vec as load_word2vec,
    save_word2vec as save_word2vec,
)

# Mergeable vocabulary counts and Dask.
from cembed import vocab as vocab
from cembed.vocab import VocabCounts as VocabCounts

# Text classification.
from cembed.models.classifier import TextClassifier as TextClassifier

# Compact tables.
from cembed import compact as compact
from cembed.compact import (
    CompactTable as CompactTable,
    load_compact as load_compact,
    quantize as quantize,
)
# Word2Vec and Keras' skip-gram helpers.
from cembed.models.word2vec import Word2Vec as Word2Vec
from cembed.sequence import make_sampling_table as make_sampling_table, skipgrams as skipgrams
