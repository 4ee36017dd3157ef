from typing import Any, Optional, Protocol, Union

import numpy as np
import numpy.typing as npt

class _Layer(Protocol):
    """What an optimizer needs of a layer: its table (and, for step, apply_gradients)."""

    embeddings: np.ndarray

class _SteppableLayer(_Layer, Protocol):
    def apply_gradients(self, grad: Any, optimizer: "Optimizer") -> None: ...

_Grad = Union[tuple[npt.ArrayLike, npt.ArrayLike], Any]

class Optimizer:
    learning_rate: float
    def __init__(self, learning_rate: float) -> None: ...
    def step(self, emb: _SteppableLayer, grad: _Grad) -> None: ...
    def update(self, layer: _Layer, rows: np.ndarray, values: np.ndarray) -> None: ...
    def get_state(self, emb: _Layer) -> Optional[dict[str, Any]]: ...
    def set_state(self, emb: _Layer, state: dict[str, Any]) -> None: ...
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
