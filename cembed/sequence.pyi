from typing import Any, Optional, Sequence

import numpy as np
from numpy.typing import DTypeLike

def pad_sequences(
    sequences: Sequence[Any],
    maxlen: Optional[int] = ...,
    dtype: DTypeLike = ...,
    padding: str = ...,
    truncating: str = ...,
    value: Any = ...,
) -> np.ndarray: ...


def make_sampling_table(size: int, sampling_factor: float = ...) -> np.ndarray: ...
def skipgrams(
    sequence: Sequence[int],
    vocabulary_size: int,
    window_size: int = ...,
    negative_samples: float = ...,
    shuffle: bool = ...,
    categorical: bool = ...,
    sampling_table: Optional[Sequence[float]] = ...,
    seed: Optional[int] = ...,
) -> tuple[list[list[int]], list[Any]]: ...
