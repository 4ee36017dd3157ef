"""The one home of cembed's argument checks and their messages.

Every public function checks its arguments before it writes anything; the
checks that more than one module needs live here, so a given mistake gets
the same exception and the same words wherever it is made:

- ``TypeError`` for a value of the wrong kind (``"n must be an int, got
  str"``),
- ``ValueError`` for a value of the right kind out of its domain
  (``"n must be >= 1, got 0"``),
- ``IndexError`` for an index outside the table (``"index 7 at position
  (1, 0) is out of range [0, 5)"``).

The module is private: the names here are for cembed's own modules (and the
Cython binding), not for users.
"""
import numbers

import numpy as np

__all__ = [
    "is_int",
    "check_int",
    "check_number",
    "check_rows_contiguous",
    "rows_contiguous",
    "index_error",
    "check_index_range",
]


def is_int(x):
    """True for a Python or NumPy integer, False for a bool (and all else).

    ``True`` is an ``int`` to Python, but never a count or an index to
    cembed.

    >>> from cembed._validation import is_int
    >>> import numpy as np
    >>> is_int(3), is_int(np.int8(3)), is_int(True), is_int(3.0)
    (True, True, False, False)
    """
    if type(x) is int:  # the common case, without the slower ABC check
        return True
    return isinstance(x, (numbers.Integral, np.integer)) and not isinstance(x, (bool, np.bool_))


def check_int(name, value, minimum=None, allow_none=False):
    """``value`` as a Python int, after checking its type and lower bound.

    ``TypeError`` when ``value`` is not an int (see :func:`is_int`),
    ``ValueError`` when it is below ``minimum``. With ``allow_none``,
    ``None`` passes through unchanged.

    >>> from cembed._validation import check_int
    >>> check_int("input_dim", 5, minimum=1)
    5
    >>> check_int("input_dim", 0, minimum=1)
    Traceback (most recent call last):
    ...
    ValueError: input_dim must be >= 1, got 0
    >>> check_int("seed", "7", allow_none=True)
    Traceback (most recent call last):
    ...
    TypeError: seed must be an int or None, got str
    """
    if value is None and allow_none:
        return None
    if not is_int(value):
        kind = "an int or None" if allow_none else "an int"
        raise TypeError(f"{name} must be {kind}, got {type(value).__name__}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def check_number(name, value, low=None, high=None):
    """``value`` as a finite Python float in ``[low, high)``.

    ``TypeError`` when ``value`` is not a real number (a bool is not one),
    ``ValueError`` when it is NaN, infinite, below ``low`` or not below
    ``high``. Either bound may be None.

    >>> from cembed._validation import check_number
    >>> check_number("beta_1", 0.9, 0.0, 1.0)
    0.9
    >>> check_number("beta_1", 1, 0.0, 1.0)
    Traceback (most recent call last):
    ...
    ValueError: beta_1 must be a finite number in [0.0, 1.0), got 1.0
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.number)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    value = float(value)
    if (not np.isfinite(value) or (low is not None and value < low)
            or (high is not None and value >= high)):
        if low is not None and high is not None:
            bound = f" in [{low}, {high})"
        elif low is not None:
            bound = f" >= {low}"
        elif high is not None:
            bound = f" < {high}"
        else:
            bound = ""
        raise ValueError(f"{name} must be a finite number{bound}, got {value}")
    return value


def rows_contiguous(array):
    """True when each row of the 2-D ``array`` is contiguous in memory.

    The rows themselves may lie anywhere (a slice of a longer table, every
    other row of a taller one): only the elements within a row must follow
    each other, and the row stride must be a whole number of elements. An
    empty array qualifies.

    >>> import numpy as np
    >>> from cembed._validation import rows_contiguous
    >>> W = np.zeros((4, 3), np.float32)
    >>> rows_contiguous(W[::2]), rows_contiguous(W[:, ::2]), rows_contiguous(W.T)
    (True, False, False)
    """
    item = array.itemsize
    if array.size == 0:
        return True
    return not ((array.shape[1] > 1 and array.strides[1] != item)
                or (array.shape[0] > 1 and array.strides[0] % item != 0)
                or not array.flags.aligned)


def check_rows_contiguous(name, array):
    """``ValueError`` unless the rows of the 2-D ``array`` are contiguous.

    cembed never copies a table it was given (a copy would hide the
    caller's later writes and cost the table's size); the message says how
    to make one.

    >>> import numpy as np
    >>> from cembed._validation import check_rows_contiguous
    >>> check_rows_contiguous("table", np.zeros((2, 4))[:, ::2])
    Traceback (most recent call last):
    ...
    ValueError: the rows of table are not contiguous (strides (32, 16)); cembed does not copy it: pass np.ascontiguousarray(table)
    """
    if not rows_contiguous(array):
        raise ValueError(
            f"the rows of {name} are not contiguous (strides {array.strides}); "
            f"cembed does not copy it: pass np.ascontiguousarray({name})"
        )


def _position(shape, flat):
    if len(shape) == 0:
        return "()"
    return str(tuple(int(i) for i in np.unravel_index(flat, shape)))


def index_error(name, shape, flat, value, num_rows):
    """The ``IndexError`` for ``value`` at flat position ``flat`` of an
    index array of ``shape``; ``num_rows < 0`` means no table bound (the
    value is out of int64's range).

    >>> from cembed._validation import index_error
    >>> index_error("index", (2, 3), 3, 7, 5)
    IndexError('index 7 at position (1, 0) is out of range [0, 5)')
    >>> index_error("index", (1,), 0, 2**64 - 1, -1)
    IndexError('index 18446744073709551615 at position (0,) is out of range [0, 2**63)')
    """
    bound = f"[0, {num_rows})" if num_rows >= 0 else "[0, 2**63)"
    return IndexError(f"{name} {value} at position {_position(shape, flat)} is out of range {bound}")


def check_index_range(indices, num_rows, name="index"):
    """``IndexError`` (see :func:`index_error`) for the first of the integer
    ``indices`` outside ``[0, num_rows)``.

    >>> import numpy as np
    >>> from cembed._validation import check_index_range
    >>> check_index_range(np.array([0, 4, 9]), 5)
    Traceback (most recent call last):
    ...
    IndexError: index 9 at position (2,) is out of range [0, 5)
    """
    indices = np.asarray(indices)
    flat = indices.reshape(-1)
    bad = np.flatnonzero((flat < 0) | (flat >= num_rows))
    if len(bad):
        raise index_error(name, indices.shape, int(bad[0]), int(flat[bad[0]]), num_rows)
