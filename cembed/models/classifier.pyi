import os
from typing import Any, Callable, Hashable, Iterable, Optional, Sequence, Union

import numpy as np

from cembed.compact import CompactTable
from cembed.vectors import Vectors

_Path = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
_Text = Union[str, Sequence[str]]
_Analyzer = Union[None, str, Callable[[str], Sequence[str]]]

class TextClassifier:
    dim: int
    word_ngrams: int
    buckets: int
    min_count: int
    epochs: int
    learning_rate: float
    loss: str
    pretrained: Optional[Vectors]
    seed: int
    min_count_label: int
    label: str
    batch_size: int
    analyzer: _Analyzer
    classes_: np.ndarray
    words_: list[str]
    input_: Union[np.ndarray, CompactTable]
    output_: Union[np.ndarray, CompactTable]
    loss_: list[float]
    multilabel_: bool
    analyzer_: str
    def __init__(
        self,
        dim: int = 100,
        word_ngrams: int = 1,
        buckets: int = 2_000_000,
        min_count: int = 1,
        epochs: int = 5,
        learning_rate: float = 0.1,
        loss: str = "softmax",
        pretrained: Optional[Vectors] = None,
        seed: int = 0,
        *,
        min_count_label: int = 1,
        label: str = "__label__",
        batch_size: int = 16,
        analyzer: _Analyzer = None,
    ) -> None: ...
    def get_params(self, deep: bool = True) -> dict[str, Any]: ...
    def set_params(self, **params: Any) -> "TextClassifier": ...
    def fit(
        self, texts: Union[_Path, Iterable[_Text]], labels: Optional[Sequence[Any]] = None
    ) -> "TextClassifier": ...
    def transform(self, texts: Iterable[_Text]) -> np.ndarray: ...
    def predict_proba(self, texts: Iterable[_Text]) -> np.ndarray: ...
    def predict(
        self, texts: Iterable[_Text], k: int = 1, threshold: float = 0.0
    ) -> Union[np.ndarray, list[list[Hashable]]]: ...
    def predict_with_probabilities(
        self, texts: Iterable[_Text], k: int = 1, threshold: float = 0.0
    ) -> tuple[list[list[Hashable]], list[list[float]]]: ...
    def score(self, texts: Iterable[_Text], labels: Sequence[Any]) -> float: ...
    def test(self, path: _Path, k: int = 1, threshold: float = 0.0) -> tuple[int, float, float]: ...
    def quantize(self, dtype: str = "int8", output: bool = False) -> "TextClassifier": ...
    def save(self, path: _Path) -> None: ...
    def __getstate__(self) -> dict[str, Any]: ...
    def __setstate__(self, state: dict[str, Any]) -> None: ...
    @classmethod
    def load(cls, path: _Path, analyzer: _Analyzer = None) -> "TextClassifier": ...
