import os
from typing import Any, Callable, NamedTuple, Optional, Sequence, Union

import numpy as np
import numpy.typing as npt

_Indices = npt.ArrayLike
_Path = Union[str, "os.PathLike[str]"]
from cembed.constraints import ConstraintLike as _Constraint
from cembed.constraints import MaxNorm as MaxNorm, NonNeg as NonNeg, UnitNorm as UnitNorm
from cembed.initializers import InitializerLike as _Initializer
from cembed.optimizers import Optimizer
from cembed.regularizers import RegularizerLike as _Regularizer

_Grad = Union["SparseGrad", tuple[npt.ArrayLike, npt.ArrayLike]]

class SparseGrad(NamedTuple):
    rows: np.ndarray
    values: np.ndarray
    def to_dense(self, num_rows: int) -> np.ndarray: ...

class Embedding:
    input_dim: int
    output_dim: int
    dtype: np.dtype[Any]
    embeddings: np.ndarray
    embeddings_initializer: Any
    embeddings_regularizer: Any
    embeddings_constraint: Optional[Callable[[np.ndarray], npt.ArrayLike]]
    mask_zero: bool
    input_length: Optional[int]
    trainable: bool
    seed: Optional[int]
    optimizer: Optional[Optimizer]
    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer: _Initializer = ...,
        embeddings_regularizer: _Regularizer = ...,
        embeddings_constraint: _Constraint = ...,
        mask_zero: bool = ...,
        weights: Optional[Sequence[npt.ArrayLike]] = ...,
        input_length: Optional[int] = ...,
        dtype: npt.DTypeLike = ...,
        seed: Optional[int] = ...,
        trainable: bool = ...,
    ) -> None: ...
    @classmethod
    def from_pretrained(cls, matrix: np.ndarray, freeze: bool = ..., **kwargs: Any) -> "Embedding": ...
    def get_config(self) -> dict[str, Any]: ...
    def __call__(self, indices: _Indices, out: Optional[np.ndarray] = ...) -> np.ndarray: ...
    def compute_mask(self, indices: _Indices, mask: Any = ...) -> Optional[np.ndarray]: ...
    def bag(
        self,
        indices: _Indices,
        offsets: Optional[_Indices] = ...,
        mode: str = ...,
        per_sample_weights: Optional[npt.ArrayLike] = ...,
        padding_idx: Optional[int] = ...,
        out: Optional[np.ndarray] = ...,
    ) -> np.ndarray: ...
    def backward(self, indices: _Indices, grad_output: npt.ArrayLike) -> SparseGrad: ...
    def bag_backward(
        self,
        indices: _Indices,
        grad_output: npt.ArrayLike,
        offsets: Optional[_Indices] = ...,
        mode: str = ...,
        per_sample_weights: Optional[npt.ArrayLike] = ...,
        padding_idx: Optional[int] = ...,
    ) -> SparseGrad: ...
    def train_step(self, indices: _Indices, grad_output: npt.ArrayLike, optimizer: Optimizer) -> None: ...
    def apply_gradients(self, grad: _Grad, optimizer: Optimizer) -> None: ...
    def get_weights(self) -> list[np.ndarray]: ...
    def set_weights(self, weights: Sequence[npt.ArrayLike]) -> None: ...
    def regularization_loss(self) -> float: ...
    def most_similar(
        self, index_or_vector: Union[int, npt.ArrayLike], topn: Optional[int] = ...
    ) -> list[tuple[int, float]]: ...
    def quantize(self, dtype: str) -> Embedding: ...
    def save(self, path: _Path, include_optimizer: bool = ...) -> str: ...
    @classmethod
    def load(
        cls, path: _Path, embeddings_constraint: _Constraint = ..., embeddings_initializer: Any = ...
    ) -> "Embedding": ...
