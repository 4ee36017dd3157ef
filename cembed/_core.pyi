from typing import Any, Literal, Optional, Sequence, Tuple, Union, overload

import numpy as np
import numpy.typing as npt

_Mode = Literal["sum", "mean", "sqrtn", "max"]
_Indices = npt.ArrayLike
_Table = npt.NDArray[np.floating[Any]]

def openmp_enabled() -> bool: ...
def build_info() -> dict[str, Any]: ...
def set_num_threads(n: Optional[int]) -> None: ...
def get_num_threads() -> int: ...
def gather(
    table: npt.ArrayLike, indices: _Indices, out: Optional[_Table] = ...
) -> _Table: ...
def embedding_bag(
    table: npt.ArrayLike,
    indices: _Indices,
    offsets: Optional[_Indices] = ...,
    mode: _Mode = ...,
    per_sample_weights: Optional[npt.ArrayLike] = ...,
    padding_idx: Optional[int] = ...,
    out: Optional[_Table] = ...,
) -> _Table: ...
def accumulate(
    indices: _Indices, grad: npt.ArrayLike, num_rows: Optional[int] = ...
) -> Tuple[npt.NDArray[np.int64], _Table]: ...
def embedding_bag_backward(
    indices: _Indices,
    offsets: Optional[_Indices],
    grad: npt.ArrayLike,
    mode: Literal["sum", "mean", "sqrtn"] = ...,
    per_sample_weights: Optional[npt.ArrayLike] = ...,
    padding_idx: Optional[int] = ...,
    num_rows: Optional[int] = ...,
) -> Tuple[npt.NDArray[np.int64], _Table]: ...
def scatter_add(table: _Table, indices: _Indices, grad: npt.ArrayLike) -> None: ...
def adam_update(
    table: _Table,
    m: _Table,
    v: _Table,
    rows: _Indices,
    grads: npt.ArrayLike,
    step: int,
    learning_rate: float = ...,
    beta_1: float = ...,
    beta_2: float = ...,
    epsilon: float = ...,
) -> None: ...
def adagrad_update(
    table: _Table,
    accum: npt.NDArray[np.floating[Any]],
    rows: _Indices,
    grads: npt.ArrayLike,
    learning_rate: float = ...,
    epsilon: float = ...,
) -> None: ...
def sgd_update(
    table: _Table, rows: _Indices, grads: npt.ArrayLike, learning_rate: float = ...
) -> None: ...
@overload
def murmurhash3_32(key: Union[str, bytes, int], seed: int = ..., positive: bool = ...) -> int: ...
@overload
def murmurhash3_32(
    key: Union[npt.NDArray[Any], Sequence[Any]], seed: int = ..., positive: bool = ...
) -> npt.NDArray[np.integer[Any]]: ...
