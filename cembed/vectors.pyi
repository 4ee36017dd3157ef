import os
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

_Path = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
_Query = Union[str, npt.ArrayLike]
from cembed.initializers import InitializerLike as _Initializer

class Vectors:
    words: list[str]
    index: dict[str, int]
    matrix: np.ndarray
    def __init__(self, words: Iterable[str], matrix: npt.ArrayLike) -> None: ...
    @property
    def dim(self) -> int: ...
    def __len__(self) -> int: ...
    def __contains__(self, word: object) -> bool: ...
    def __iter__(self) -> Iterator[str]: ...
    def __getitem__(self, word: str) -> np.ndarray: ...
    def clear_cache(self) -> None: ...
    def most_similar(
        self, word_or_vector: _Query, topn: Optional[int] = 10
    ) -> list[tuple[str, float]]: ...
    def similarity(self, a: _Query, b: _Query) -> float: ...
    def embedding_matrix(
        self,
        word_index: Mapping[str, int],
        num_words: Optional[int] = None,
        initializer: _Initializer = "uniform",
        seed: Union[None, int, np.random.SeedSequence, np.random.Generator] = None,
    ) -> tuple[np.ndarray, int]: ...
    def quantize(self, dtype: str) -> Vectors: ...
    def save(self, path: _Path, binary: bool = False) -> None: ...
    def evaluate_word_analogies(
        self, path: _Path, restrict_vocab: Optional[int] = 300000, case_insensitive: bool = True
    ) -> tuple[float, list[dict[str, Any]]]: ...

def load_word2vec(
    path: _Path,
    binary: Optional[bool] = None,
    limit: Optional[int] = None,
    encoding: str = "utf-8",
    unicode_errors: str = "strict",
) -> Vectors: ...
def save_word2vec(
    path: _Path,
    words: Union[Sequence[str], Vectors],
    matrix: Optional[npt.ArrayLike] = None,
    binary: bool = False,
) -> None: ...
