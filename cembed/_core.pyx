# cython: language_level=3
"""The binding of cembed's C core: check every argument, then run the C
kernel without the GIL, and turn its status code into an exception."""
import os

import numpy as np

cimport numpy as cnp
from libc.stdint cimport int32_t, int64_t, uint32_t

from cembed._ccore cimport *

cnp.import_array()


# ---------------------------------------------------------------- threads

def openmp_enabled():
    """Whether cembed was built with OpenMP.

    >>> import cembed
    >>> isinstance(cembed.openmp_enabled(), bool)
    True
    """
    return bool(cembed_openmp_enabled())


def set_num_threads(n):
    """Set the number of threads cembed's kernels use.

    ``n >= 1`` fixes the count; ``None`` (or ``0``) returns to the default,
    which follows ``OMP_NUM_THREADS`` and ``threadpoolctl`` limits. Results
    are bitwise the same for any count.

    >>> import cembed
    >>> cembed.set_num_threads(1); cembed.get_num_threads()
    1
    >>> cembed.set_num_threads(None)
    """
    if n is None:
        n = 0
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n must be an int or None, got {type(n).__name__}")
    if n < 0:
        raise ValueError(f"n must be >= 1 (or None for the default), got {n}")
    cembed_set_num_threads(<int>min(int(n), 1 << 30))


def get_num_threads():
    """The number of threads cembed's kernels use (1 without OpenMP).

    >>> import cembed
    >>> cembed.get_num_threads() >= 1
    True
    """
    return cembed_get_num_threads()
