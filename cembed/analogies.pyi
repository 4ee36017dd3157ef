import os
from typing import Any, Optional, Union

from cembed.vectors import Vectors

def evaluate_word_analogies(
    vectors: Vectors,
    path: Union[str, "os.PathLike[str]"],
    restrict_vocab: Optional[int] = 300000,
    case_insensitive: bool = True,
) -> tuple[float, list[dict[str, Any]]]: ...
