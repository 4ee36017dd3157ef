"""Weight penalties on an embedding table, under Keras' names.

cembed supports the L2 penalty ``l2 * sum(W**2)``. ``Embedding`` adds its
gradient, ``2 * l2 * w``, to the rows an optimizer step touches (lazy, as
the rows' optimizer state), and reports the penalty of the whole table with
``regularization_loss()``.

>>> import numpy as np
>>> from cembed import regularizers
>>> reg = regularizers.get("l2")
>>> reg, reg(np.ones((2, 2), np.float32))
(L2(l2=0.01), 0.04)
"""
import numbers

import numpy as np

from cembed._validation import check_number
from cembed.similarity import row_blocks

__all__ = ["L2", "get"]


class L2:
    """The penalty ``l2 * sum(W**2)`` (Keras' ``L2``, default factor 0.01).

    Calling it on a table returns the penalty, summed in float64 block by
    block (a memory-mapped table is never copied whole).

    >>> import numpy as np
    >>> from cembed.regularizers import L2
    >>> L2(0.5)(np.ones((2, 2)))
    2.0
    >>> L2(0.5).gradient(np.ones((1, 2), np.float32))
    array([[1., 1.]], dtype=float32)
    """

    def __init__(self, l2=0.01):
        self.l2 = check_number("l2", l2, low=0.0)

    def __call__(self, table):
        total = 0.0
        for block in row_blocks(table):
            total += float(np.einsum("ij,ij->", block, block, dtype=np.float64))
        return self.l2 * total

    def gradient(self, rows):
        """The penalty's gradient on a ``(K, D)`` block of rows: ``2 * l2 * rows``,
        in the rows' dtype.

        >>> import numpy as np
        >>> from cembed.regularizers import L2
        >>> L2(0.25).gradient(np.array([[2.0, -4.0]]))
        array([[ 1., -2.]])
        """
        return rows.dtype.type(2.0 * self.l2) * rows

    def get_config(self):
        """The factor, as Keras' ``get_config``.

        >>> from cembed.regularizers import L2
        >>> L2().get_config()
        {'l2': 0.01}
        """
        return {"l2": self.l2}

    def __repr__(self):
        return f"L2(l2={self.l2!r})"


def get(spec):
    """The :class:`L2` penalty ``embeddings_regularizer`` asks for.

    Parameters
    ----------
    spec : str, float, dict, object or None
        ``"l2"`` (factor 0.01, as Keras), a float factor, ``{"l2": factor}``,
        an object with an ``l2`` attribute (a Keras ``L2``, or an ``L1L2``
        whose ``l1`` is 0), or None.

    Returns
    -------
    L2 or None
        None for no penalty (a factor of 0 is none).

    Raises
    ------
    ValueError
        Another name, a negative or non-finite factor, an L1 part.
    TypeError
        Anything else.

    Examples
    --------
    >>> from cembed import regularizers
    >>> regularizers.get(0.5), regularizers.get({"l2": 0.0})
    (L2(l2=0.5), None)
    """
    if spec is None:
        return None
    if isinstance(spec, str):
        if spec.lower() != "l2":
            raise ValueError(
                f"unknown embeddings_regularizer {spec!r}; cembed supports 'l2' "
                "(factor 0.01, as Keras), a float factor, {'l2': factor} or None"
            )
        l2 = 0.01
    elif isinstance(spec, dict):
        if set(spec) != {"l2"}:
            raise ValueError(f"embeddings_regularizer dict must be {{'l2': factor}}, got {spec!r}")
        l2 = check_number("l2", spec["l2"], low=0.0)
    elif isinstance(spec, numbers.Real) and not isinstance(spec, bool):
        l2 = check_number("embeddings_regularizer", spec, low=0.0)
    elif getattr(spec, "l2", None) is not None:  # a Keras L2 / L1L2 regularizer object
        if float(getattr(spec, "l1", 0.0) or 0.0) != 0.0:
            raise ValueError("cembed supports only L2 embeddings regularization, not L1")
        l2 = check_number("l2", float(spec.l2), low=0.0)
    else:
        raise TypeError(
            f"embeddings_regularizer must be 'l2', a float, {{'l2': factor}} or None, "
            f"got {type(spec).__name__}"
        )
    return L2(l2) if l2 else None
