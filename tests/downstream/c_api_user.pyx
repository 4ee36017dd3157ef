# cython: language_level=3, boundscheck=False, wraparound=False
"""A downstream Cython extension on cembed's C API: cimports the
declarations of cembed.h from libcembed.pxd (in cembed.get_include()) and
links libcembed.a (in cembed.get_library_dir()), as a project that embeds
the C core rather than calling through cembed's own extension would
(built by tests/test_downstream.py)."""
from libc.stdint cimport int64_t

import numpy as np

from libcembed cimport CEMBED_BAG_MEAN, CEMBED_OK, cembed_bag_f32, cembed_murmurhash3_32


def mean_bags(float[:, ::1] table, int64_t[::1] idx, int64_t[::1] offsets):
    """(status, bad_pos, out): the mean of table's rows idx[offsets[b]:offsets[b+1]]."""
    cdef int64_t num_bags = offsets.shape[0] - 1
    out = np.zeros((num_bags, table.shape[1]), np.float32)
    cdef float[:, ::1] out_view = out
    cdef int64_t bad = -1
    cdef int status
    with nogil:
        status = cembed_bag_f32(&table[0, 0], table.shape[0], table.shape[1], table.shape[1],
                                &idx[0], &offsets[0], num_bags, CEMBED_BAG_MEAN, NULL, -1,
                                &out_view[0, 0], &bad)
    return status, bad, out


def hash_bytes(bytes key, unsigned int seed=0):
    cdef const char *p = key
    return cembed_murmurhash3_32(p, len(key), seed)


OK = CEMBED_OK
