# cython: language_level=3
"""The binding of the compact-table kernels (src_c/quantize.c): arguments
are checked by cembed._core's rules, then the C kernel runs without the
GIL. cembed.compact holds the public classes."""
import numpy as np

cimport numpy as cnp
from libc.stdint cimport int64_t, uint8_t

from libcembed cimport *

from cembed import _core

# This module links its own copy of src_c/isa.c: run the path cembed._core
# chose at import (where CEMBED_ISA is checked), whatever the environment says now.
from cembed._core import _isa_name
cembed_isa_select(_isa_name().encode())

cnp.import_array()

KINDS = {"float16": CEMBED_COMPACT_F16, "bfloat16": CEMBED_COMPACT_BF16,
         "int8": CEMBED_COMPACT_INT8, "int4": CEMBED_COMPACT_INT4}


def row_bytes(int kind, int64_t dim):
    """The bytes of one packed row of `dim` columns."""
    return cembed_compact_row_bytes(kind, dim)


def isa():
    """The instruction set the compact kernels use now."""
    return cembed_isa_name(cembed_isa()).decode()


cdef inline void _sync_threads():
    """This module's copy of the thread setting follows cembed's (set by
    cembed.set_num_threads, serial in a fork child)."""
    cembed_set_num_threads(_core.get_num_threads())


cdef inline const uint8_t *_bytes(cnp.ndarray a) noexcept:
    return <const uint8_t *>cnp.PyArray_DATA(a)


cdef int64_t _ld(cnp.ndarray data):
    return data.strides[0] if data.shape[0] > 1 else data.shape[1] * data.itemsize


def _aligned_rows(int64_t V, int64_t rb):
    """An uninitialised (V, rb) uint8 array starting on a 64-byte cache
    line, so that a 128-byte half-float row (D = 64) spans two lines, not
    three."""
    buf = np.empty(V * rb + 64, dtype=np.uint8)
    cdef int64_t skip = -buf.ctypes.data % 64
    return buf[skip:skip + V * rb].reshape(V, rb)


def quantize(table, int kind):
    """Pack a float32/float64 table; returns the packed array, or raises
    ValueError naming the first row that cannot be packed."""
    cdef cnp.ndarray t
    t, ld = _core._compact_table(table)
    cdef int64_t V = t.shape[0], D = t.shape[1], tld = ld, bad = -1
    cdef int64_t rb = cembed_compact_row_bytes(kind, D)
    cdef cnp.ndarray out = _aligned_rows(V, rb)
    cdef const void *tp = cnp.PyArray_DATA(t)
    cdef uint8_t *op = <uint8_t *>cnp.PyArray_DATA(out)
    cdef int is_f64 = t.dtype == np.float64
    cdef int status
    _sync_threads()
    with nogil:
        status = cembed_quantize(kind, tp, is_f64, V, tld, D, op, rb, &bad)
    if status == CEMBED_ERR_NOMEM:
        raise MemoryError("cembed: out of memory")
    if status != CEMBED_OK:
        return None, int(bad)
    return out, -1


def gather(cnp.ndarray data, int kind, int64_t dim, indices, out):
    cdef int64_t V = data.shape[0], bad = 0, ld = _ld(data)
    idx, shape, o = _core._compact_gather_args(indices, V, dim, out)
    cdef cnp.ndarray ia = idx, oa = o
    cdef const int64_t *ip = <const int64_t *>cnp.PyArray_DATA(ia)
    cdef float *op = <float *>cnp.PyArray_DATA(oa)
    cdef const uint8_t *dp = _bytes(data)
    cdef int64_t n = ia.size
    cdef int status
    _sync_threads()
    with nogil:
        status = cembed_compact_gather(kind, dp, V, ld, dim, ip, n, op, &bad)
    _core._compact_raise(status, shape, ia, bad, V)
    return o


def dequantize(cnp.ndarray data, int kind, int64_t dim):
    """Every row as float32, (V, dim)."""
    cdef int64_t V = data.shape[0], bad = 0, ld = _ld(data)
    cdef cnp.ndarray o = np.empty((V, dim), dtype=np.float32)
    cdef float *op = <float *>cnp.PyArray_DATA(o)
    cdef const uint8_t *dp = _bytes(data)
    cdef int status
    _sync_threads()
    with nogil:
        status = cembed_compact_gather(kind, dp, V, ld, dim, NULL, V, op, &bad)
    if status != CEMBED_OK:
        raise RuntimeError(f"cembed: unexpected status {status}")
    return o


def bag(cnp.ndarray data, int kind, int64_t dim, indices, offsets, mode, per_sample_weights,
        padding_idx, out):
    cdef int64_t V = data.shape[0], bad = 0, ld = _ld(data)
    idx, shape, offs, m, pad, w, o = _core._compact_bag_args(
        indices, V, dim, offsets, mode, per_sample_weights, padding_idx, out)
    cdef cnp.ndarray ia = idx, fa = offs, oa = o, wa
    cdef const float *wp = NULL
    if w is not None:
        wa = w
        wp = <const float *>cnp.PyArray_DATA(wa)
    cdef const int64_t *ip = <const int64_t *>cnp.PyArray_DATA(ia)
    cdef const int64_t *fp = <const int64_t *>cnp.PyArray_DATA(fa)
    cdef float *op = <float *>cnp.PyArray_DATA(oa)
    cdef const uint8_t *dp = _bytes(data)
    cdef int64_t B = fa.shape[0] - 1, padding = pad
    cdef int mm = m, status
    _sync_threads()
    with nogil:
        status = cembed_compact_bag(kind, dp, V, ld, dim, ip, fp, B, mm, wp, padding, op, &bad)
    _core._compact_raise(status, shape, ia, bad, V)
    return o
