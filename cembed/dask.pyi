from typing import Any, Optional, Union

import dask.array as da
import dask.bag as db

from cembed.text import Tokenizer

SPLIT_EVERY: int

Texts = Any  # a dask.bag.Bag of str or a dask.dataframe.Series of str

def fit_tokenizer(texts: Texts, **tokenizer_kwargs: Any) -> Tokenizer: ...
def texts_to_sequences(
    tokenizer: Tokenizer,
    texts: Texts,
    maxlen: Optional[int] = ...,
    dtype: Any = ...,
    padding: str = ...,
    truncating: str = ...,
    value: Any = ...,
) -> Union[db.Bag, da.Array]: ...
def hashing_trick(
    texts: Texts,
    n: int,
    maxlen: Optional[int] = ...,
    dtype: Any = ...,
    padding: str = ...,
    truncating: str = ...,
    value: Any = ...,
    filters: str = ...,
    lower: bool = ...,
    split: str = ...,
) -> Union[db.Bag, da.Array]: ...
def predict(model: Any, texts: Texts, **kwargs: Any) -> da.Array: ...
def transform(model: Any, texts: Texts) -> da.Array: ...
