from typing import Any, List, Optional, Sequence, TextIO, Tuple, Union
import os

import numpy as np

from cembed.vectors import Vectors

DATA: str
DEFAULT_CORPUS: str
LICENSE: str
SENTENCES: Tuple[str, ...]
FAMILIAR: Tuple[str, ...]

class CorpusError(ValueError):
    path: str
    line: Optional[int]
    reason: str
    def __init__(self, path: str, line: Optional[int], reason: str) -> None: ...

def read_corpus(path: Union[str, os.PathLike[str]]) -> Tuple[List[str], List[str]]: ...
def split(texts: Sequence[str]) -> Tuple[np.ndarray, np.ndarray]: ...
def word_vectors(clf: Any, words: Sequence[str]) -> Vectors: ...
def plot_embeddings(path: str, words: Sequence[str], vectors: Any, colors: Any = ...,
                    labels: int = ...) -> str: ...
def run(corpus: Optional[Union[str, os.PathLike[str]]] = ..., dim: int = ..., epochs: int = ...,
        learning_rate: float = ..., word_ngrams: int = ..., buckets: int = ...,
        seed: Optional[int] = ..., save: Optional[str] = ..., plot: Optional[str] = ...,
        out: Optional[TextIO] = ...) -> float: ...
