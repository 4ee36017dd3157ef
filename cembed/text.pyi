from collections import OrderedDict, defaultdict
from typing import Any, Callable, Dict, Generator, Iterable, List, Optional, Sequence, Union, overload

import numpy as np

DEFAULT_FILTERS: str

def text_to_word_sequence(
    text: str, filters: str = ..., lower: bool = ..., split: str = ...
) -> List[str]: ...
@overload
def hashing_trick(
    text: str,
    n: int,
    hash_function: Union[None, str, Callable[[str], int]] = ...,
    filters: str = ...,
    lower: bool = ...,
    split: str = ...,
    analyzer: Optional[Callable[[str], Iterable[Any]]] = ...,
) -> List[int]: ...
@overload
def hashing_trick(
    text: Iterable[str],
    n: int,
    hash_function: Union[None, str, Callable[[str], int]] = ...,
    filters: str = ...,
    lower: bool = ...,
    split: str = ...,
    analyzer: Optional[Callable[[str], Iterable[Any]]] = ...,
) -> List[List[int]]: ...
@overload
def one_hot(
    text: str,
    n: int,
    filters: str = ...,
    lower: bool = ...,
    split: str = ...,
    analyzer: Optional[Callable[[str], Iterable[Any]]] = ...,
    hash_function: Union[None, str, Callable[[str], int]] = ...,
) -> List[int]: ...
@overload
def one_hot(
    text: Iterable[str],
    n: int,
    filters: str = ...,
    lower: bool = ...,
    split: str = ...,
    analyzer: Optional[Callable[[str], Iterable[Any]]] = ...,
    hash_function: Union[None, str, Callable[[str], int]] = ...,
) -> List[List[int]]: ...

def hash_texts(
    texts: Iterable[str],
    n: int,
    maxlen: Optional[int] = ...,
    dtype: Any = ...,
    padding: str = ...,
    truncating: str = ...,
    value: Any = ...,
    filters: str = ...,
    lower: bool = ...,
    split: str = ...,
) -> np.ndarray: ...

_Text = Union[str, List[str]]

class Tokenizer:
    word_counts: "OrderedDict[str, int]"
    word_docs: "defaultdict[str, int]"
    index_docs: "defaultdict[int, int]"
    word_index: Dict[str, int]
    index_word: Dict[int, str]
    document_count: int
    num_words: Optional[int]
    filters: str
    lower: bool
    split: str
    char_level: bool
    oov_token: Optional[str]
    analyzer: Optional[Callable[[str], Iterable[Any]]]
    def __init__(
        self,
        num_words: Optional[int] = ...,
        filters: str = ...,
        lower: bool = ...,
        split: str = ...,
        char_level: bool = ...,
        oov_token: Optional[str] = ...,
        analyzer: Optional[Callable[[str], Iterable[Any]]] = ...,
        document_count: int = ...,
        **kwargs: Any,
    ) -> None: ...
    def fit_on_texts(self, texts: Iterable[_Text]) -> None: ...
    def fit_on_sequences(self, sequences: Sequence[Iterable[int]]) -> None: ...
    def texts_to_sequences(self, texts: Iterable[_Text]) -> List[List[int]]: ...
    def texts_to_array(
        self,
        texts: Iterable[_Text],
        maxlen: Optional[int] = ...,
        dtype: Any = ...,
        padding: str = ...,
        truncating: str = ...,
        value: Any = ...,
    ) -> np.ndarray: ...
    def texts_to_sequences_generator(
        self, texts: Iterable[_Text]
    ) -> Generator[List[int], None, None]: ...
    def sequences_to_texts(self, sequences: Iterable[Iterable[int]]) -> List[str]: ...
    def sequences_to_texts_generator(
        self, sequences: Iterable[Iterable[int]]
    ) -> Generator[str, None, None]: ...
    def texts_to_matrix(self, texts: Iterable[_Text], mode: str = ...) -> np.ndarray: ...
    def sequences_to_matrix(
        self, sequences: Sequence[Sequence[int]], mode: str = ...
    ) -> np.ndarray: ...
    def get_config(self) -> Dict[str, Any]: ...
    def to_json(self, **kwargs: Any) -> str: ...

def tokenizer_from_json(json_string: str) -> Tokenizer: ...
