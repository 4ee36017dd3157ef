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
