# cython: language_level=3, boundscheck=False, wraparound=False
"""A downstream Cython extension: cimports cembed's kernels and calls them
without the GIL, as another project would (built by tests/test_downstream.py)."""
from libc.stdint cimport int64_t, uint32_t

import numpy as np

from cembed._core cimport CEMBED_ERR_INDEX, CEMBED_OK, gather_rows, murmurhash3_bytes


def take(float[:, ::1] table, int64_t[::1] idx):
    """(status, bad_pos, out): out[i] = table[idx[i]] through cembed's C gather."""
    cdef int64_t dim = table.shape[1]
    out = np.zeros((idx.shape[0], dim), np.float32)
    cdef float[:, ::1] out_view = out
    cdef int64_t bad = -1
    cdef int status
    with nogil:
        status = gather_rows(&table[0, 0], table.shape[0], dim * sizeof(float),
                             dim * sizeof(float), &idx[0], idx.shape[0], &out_view[0, 0], &bad)
    return status, bad, out


def hash_bytes(bytes key, uint32_t seed=0):
    """MurmurHash3 x86_32 of key through cembed's C function."""
    cdef const char *p = key
    cdef int64_t n = len(key)
    with nogil:
        h = murmurhash3_bytes(p, n, seed)
    return h


OK = CEMBED_OK
ERR_INDEX = CEMBED_ERR_INDEX
