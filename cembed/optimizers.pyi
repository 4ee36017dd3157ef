from typing import Any, Optional, Union

import numpy as np
import numpy.typing as npt

from cembed.embedding import Embedding, SparseGrad

_Grad = Union[SparseGrad, tuple[npt.ArrayLike, npt.ArrayLike]]

class Optimizer:
    learning_rate: float
    def __init__(self, learning_rate: float) -> None: ...
    def step(self, emb: Embedding, grad: _Grad) -> None: ...
    def get_state(self, emb: Embedding) -> Optional[dict[str, Any]]: ...
    def set_state(self, emb: Embedding, state: dict[str, Any]) -> None: ...
    def get_config(self) -> dict[str, Any]: ...
    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Optimizer": ...

class Adam(Optimizer):
    beta_1: float
    beta_2: float
    epsilon: float
    def __init__(
        self, learning_rate: float = ..., beta_1: float = ..., beta_2: float = ..., epsilon: float = ...
    ) -> None: ...

class Adagrad(Optimizer):
    initial_accumulator_value: float
    epsilon: float
    rowwise: bool
    def __init__(
        self,
        learning_rate: float = ...,
        initial_accumulator_value: float = ...,
        epsilon: float = ...,
        rowwise: bool = ...,
    ) -> None: ...

class SGD(Optimizer):
    def __init__(self, learning_rate: float = ...) -> None: ...

def get(identifier: Union[str, dict[str, Any], Optimizer]) -> Optimizer: ...
