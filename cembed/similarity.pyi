from typing import Iterator, Optional

import numpy as np
import numpy.typing as npt

def row_blocks(table: np.ndarray, rows: Optional[int] = ...) -> Iterator[np.ndarray]: ...
def row_norms(table: np.ndarray) -> np.ndarray: ...
def check_query(query: npt.ArrayLike, dim: int, what: str = ...) -> np.ndarray: ...
def most_similar(
    table: np.ndarray,
    query: npt.ArrayLike,
    topn: Optional[int] = ...,
    exclude: Optional[int] = ...,
    norms: Optional[np.ndarray] = ...,
) -> tuple[np.ndarray, np.ndarray]: ...
