from typing import Any, FrozenSet, Iterable, List

import numpy as np

from cembed.text import Tokenizer

class VocabCounts:
    words: List[Any]
    counts: np.ndarray
    docs: np.ndarray
    first: np.ndarray
    document_count: int
    parts: FrozenSet[int]
    tokenizer_kwargs: dict
    def __init__(self, tokenizer_kwargs: dict | None = ...) -> None: ...
    @classmethod
    def from_texts(cls, texts: Iterable[Any], part: int = ..., **tokenizer_kwargs: Any) -> "VocabCounts": ...
    def __len__(self) -> int: ...
    def merge(self, *others: "VocabCounts") -> "VocabCounts": ...
    def to_tokenizer(self, **tokenizer_kwargs: Any) -> Tokenizer: ...
