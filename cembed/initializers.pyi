from typing import Any, Callable, Optional, Union

import numpy as np
import numpy.typing as npt

_Shape = tuple[int, int]
InitializerLike = Union[
    str, dict[str, Any], "Initializer", Callable[[_Shape, np.random.Generator], npt.ArrayLike], npt.ArrayLike
]

class Initializer:
    name: Optional[str]
    def __call__(
        self, shape: _Shape, rng: Optional[np.random.Generator], dtype: npt.DTypeLike = ...
    ) -> np.ndarray: ...
    def get_config(self) -> dict[str, Any]: ...

class RandomUniform(Initializer):
    minval: float
    maxval: float
    def __init__(self, minval: float = ..., maxval: float = ...) -> None: ...

class RandomNormal(Initializer):
    mean: float
    stddev: float
    def __init__(self, mean: float = ..., stddev: float = ...) -> None: ...

class Constant(Initializer):
    value: float
    def __init__(self, value: float = ...) -> None: ...

class Zeros(Constant):
    def __init__(self) -> None: ...

class Ones(Constant):
    def __init__(self) -> None: ...
class GlorotUniform(Initializer): ...

def get(identifier: InitializerLike, what: str = ...) -> Any: ...
def serialize(initializer: Any) -> Union[str, dict[str, Any]]: ...
def initial_table(
    initializer: InitializerLike,
    shape: _Shape,
    dtype: npt.DTypeLike,
    rng: np.random.Generator,
    what: str = ...,
) -> np.ndarray: ...
