import os
from typing import Iterable, Optional, Sequence, Union

import numpy as np

from cembed.vectors import Vectors

_Path = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
_Sentences = Iterable[Union[str, Sequence[str]]]

class Word2Vec:
    vector_size: int
    window: int
    min_count: int
    sg: int
    negative: int
    ns_exponent: float
    sample: float
    epochs: int
    alpha: float
    min_alpha: float
    max_vocab_size: Optional[int]
    seed: int
    workers: int
    wv: Vectors
    syn1neg: np.ndarray
    counts: np.ndarray
    sample_int: np.ndarray
    cum_table: np.ndarray
    corpus_count: int
    corpus_total_words: int
    epochs_trained: int
    def __init__(
        self,
        sentences: Optional[_Sentences] = None,
        corpus_file: Optional[_Path] = None,
        *,
        vector_size: int = 100,
        window: int = 5,
        min_count: int = 5,
        sg: int = 0,
        negative: int = 5,
        ns_exponent: float = 0.75,
        sample: float = 1e-3,
        epochs: int = 5,
        alpha: float = 0.025,
        min_alpha: float = 0.0001,
        max_vocab_size: Optional[int] = None,
        seed: int = 1,
        workers: Optional[int] = None,
    ) -> None: ...
    def build_vocab(
        self, corpus_iterable: Optional[_Sentences] = None, corpus_file: Optional[_Path] = None
    ) -> None: ...
    def train(
        self,
        corpus_iterable: Optional[_Sentences] = None,
        corpus_file: Optional[_Path] = None,
        total_examples: Optional[int] = None,
        total_words: Optional[int] = None,
        epochs: Optional[int] = None,
    ) -> tuple[int, int]: ...
    def save(self, path: _Path) -> None: ...
    @classmethod
    def load(cls, path: _Path) -> "Word2Vec": ...
