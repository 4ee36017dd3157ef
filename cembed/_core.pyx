# cython: language_level=3
"""The binding of cembed's C core: check every argument, then run the C
kernel without the GIL, and turn its status code into an exception."""
import os

import numpy as np

cimport numpy as cnp
from cpython.list cimport PyList_GET_ITEM
from cpython.object cimport PyObject
from libc.stdint cimport int32_t, int64_t, uint32_t
from libc.string cimport memset

from libcembed cimport *

from cembed._validation import check_int, check_rows_contiguous, index_error, is_int

cnp.import_array()


# ---------------------------------------------------------------- threads

def openmp_enabled():
    """Whether cembed was built with OpenMP.

    >>> import cembed
    >>> isinstance(cembed.openmp_enabled(), bool)
    True
    """
    return bool(cembed_openmp_enabled())


# libgomp is not fork-safe: a child forked after the parent ran a parallel
# region inherits the pool's bookkeeping but not its threads, and its next
# parallel region waits for them forever. A fork child therefore runs every
# kernel serially (a one-thread region never touches the pool); 'spawn' and
# 'forkserver' children start fresh and use threads as usual.
_forked_child = False


def _serial_after_fork():
    global _forked_child
    _forked_child = True
    cembed_set_num_threads(1)


if cembed_openmp_enabled() and hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_serial_after_fork)


def set_num_threads(n):
    """Set the number of threads cembed's kernels use.

    ``n >= 1`` fixes the count; ``None`` (or ``0``) returns to the default,
    which follows ``OMP_NUM_THREADS`` and ``threadpoolctl`` limits. Results
    are bitwise the same for any count.

    In a process started by ``fork`` (multiprocessing's default on Linux)
    the kernels run serially, because OpenMP (libgomp) cannot use threads
    after a fork; asking for more than one thread there raises
    ``RuntimeError``. Start workers with ``spawn`` or ``forkserver`` to use
    threads in them.

    >>> import cembed
    >>> cembed.set_num_threads(1); cembed.get_num_threads()
    1
    >>> cembed.set_num_threads(None)
    """
    if n is None:
        n = 0
    if not is_int(n):
        raise TypeError(f"n must be an int or None, got {type(n).__name__}")
    if n < 0:
        raise ValueError(f"n must be >= 1 (or None for the default), got {n}")
    if _forked_child:
        if n > 1:
            raise RuntimeError(
                f"set_num_threads({n}) in a process started by fork: OpenMP (libgomp) is not "
                "fork-safe, so cembed runs serially here. Use the 'spawn' or 'forkserver' "
                "multiprocessing start method to run the kernels on several threads.")
        n = 1  # the default, too, is serial here
    cembed_set_num_threads(<int>min(int(n), 1 << 30))


def get_num_threads():
    """The number of threads cembed's kernels use (1 without OpenMP).

    >>> import cembed
    >>> cembed.get_num_threads() >= 1
    True
    """
    return cembed_get_num_threads()


# ------------------------------------------- instruction-set path
include "_isa.pxi"


# ------------------------------------------------------------ argument checks

cdef object _F32 = np.dtype(np.float32)
cdef object _F64 = np.dtype(np.float64)
cdef object _I64 = np.dtype(np.int64)
cdef object _U64 = np.dtype(np.uint64)
cdef int64_t _INT64_MAX = 0x7FFFFFFFFFFFFFFF

_MODES = {"sum": CEMBED_BAG_SUM, "mean": CEMBED_BAG_MEAN,
          "sqrtn": CEMBED_BAG_SQRTN, "max": CEMBED_BAG_MAX}


cdef inline void *_ptr(cnp.ndarray a) noexcept:
    return cnp.PyArray_DATA(a)


cdef object _integer_array(object x):
    """np.asarray, with an empty list read as empty int64 indices."""
    if isinstance(x, np.ndarray):
        return x
    arr = np.asarray(x)
    if arr.size == 0 and arr.dtype.kind == "f":  # [] and [[], []]
        return arr.astype(np.int64)
    return arr


cdef tuple _indices(object x, str name="index", int64_t num_rows=-1):
    """Any integer array-like -> (C-contiguous int64 array, original shape).

    uint64 values that int64 cannot hold are out of range for any table:
    they are reported here, with their real value."""
    arr = _integer_array(x)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"indices must be integers, got dtype {arr.dtype}")
    shape = arr.shape
    if arr.dtype == _U64 and arr.size and arr.max() > <unsigned long long>_INT64_MAX:
        flat = int(np.flatnonzero(arr.reshape(-1) > <unsigned long long>_INT64_MAX)[0])
        value = int(arr.reshape(-1)[flat])
        raise index_error(name, shape, flat, value, num_rows)
    return np.ascontiguousarray(arr, dtype=np.int64), shape


cdef tuple _table(object table, str name="table", bint write=False):
    """Check a (V, D) float table; return it with its leading dimension.

    A table is never copied: rows must be contiguous, the row stride may be
    anything (a slice of a wider or longer table is fine)."""
    if not isinstance(table, np.ndarray):
        if write:
            raise TypeError(f"{name} must be a NumPy array to be updated in place, "
                            f"got {type(table).__name__}")
        table = np.asarray(table)
    t = table
    if t.dtype != _F32 and t.dtype != _F64:
        raise TypeError(f"{name} must be float32 or float64, got {t.dtype}")
    if t.ndim != 2:
        raise ValueError(f"{name} must be 2-D (rows, dim), got {t.ndim}-D with shape {t.shape}")
    check_rows_contiguous(name, t)
    cdef Py_ssize_t item = t.itemsize
    if write and not t.flags.writeable:
        raise ValueError(f"{name} is read-only; it cannot be updated in place")
    ld = t.strides[0] // item if t.shape[0] > 1 and t.size else t.shape[1]
    return t, <int64_t>ld


cdef cnp.ndarray _state(object state, cnp.ndarray table, str name):
    """An optimizer state array shaped and typed like the table."""
    cdef cnp.ndarray s
    s, _ = _table(state, name, True)
    if s.dtype != table.dtype:
        raise TypeError(f"{name} must have the table's dtype {table.dtype}, got {s.dtype}")
    if s.shape[0] != table.shape[0] or s.shape[1] != table.shape[1]:
        raise ValueError(f"{name} must have the table's shape {np.shape(table)}, got {np.shape(s)}")
    return s


cdef cnp.ndarray _floats(object x, object dtype, tuple shape, str name):
    """A contiguous float array of `dtype` and `shape` from array-like x
    (values are cast as NumPy's same_kind rule allows)."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be real numbers, got dtype {arr.dtype}")
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
    return np.ascontiguousarray(arr, dtype=dtype)


cdef object _float_grad(object grad):
    """A float32 or float64 gradient, in native byte order."""
    g = np.asarray(grad)
    if g.dtype.kind != "f" or g.dtype.itemsize not in (4, 8):
        raise TypeError(f"grad must be float32 or float64, got {g.dtype}")
    return g if g.dtype.isnative else g.astype(g.dtype.newbyteorder("="))


cdef cnp.ndarray _grad_array(object grad, tuple index_shape):
    """A gradient shaped index_shape + (D,), float32 or float64, flattened
    to (n, D) contiguous."""
    g = _float_grad(grad)
    if g.ndim != len(index_shape) + 1 or g.shape[:-1] != index_shape:
        raise ValueError(f"grad must have shape indices.shape + (D,) = {index_shape} + (D,), "
                         f"got {np.shape(g)}")
    cdef Py_ssize_t n = 1
    for s in index_shape:
        n *= s
    return np.ascontiguousarray(g).reshape(n, g.shape[-1])


cdef cnp.ndarray _out_array(object out, tuple shape, object dtype):
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a NumPy array, got {type(out).__name__}")
    if out.dtype != dtype:
        raise TypeError(f"out must have dtype {dtype}, got {out.dtype}")
    if out.shape != shape:
        raise ValueError(f"out must have shape {shape}, got {out.shape}")
    if not out.flags.c_contiguous:
        raise ValueError("out must be C-contiguous")
    if not out.flags.writeable:
        raise ValueError("out is read-only")
    return out


# Large outputs come from a few reusable buffers. Fresh pages cost the
# kernel a page fault and zeroing each (3-5 GB/s here: more than a gather
# takes), and a training loop asks for the same sizes every step. A buffer
# is handed out again only when this pool holds the sole reference to it,
# that is when every array that used it is gone.
cdef list _pool = []
cdef int _POOL_SLOTS = 4
cdef Py_ssize_t _POOL_MIN_BYTES = 1 << 20


cdef inline bint _unused(Py_ssize_t i):
    """Whether the pool's reference is the only one to its i-th buffer."""
    return (<PyObject *>PyList_GET_ITEM(_pool, i)).ob_refcnt == 1


cdef cnp.ndarray _pooled_bytes(Py_ssize_t nbytes):
    """A uint8 buffer of at least nbytes + 64 bytes, reused when one is free."""
    cdef Py_ssize_t i, size
    for i in range(len(_pool)):
        size = (<cnp.ndarray>PyList_GET_ITEM(_pool, i)).shape[0]
        if _unused(i) and nbytes + 64 <= size <= 2 * nbytes + 128:
            return _pool[i]
    buf = np.empty(nbytes + 64, dtype=np.uint8)
    for i in range(len(_pool)):
        if _unused(i):
            _pool[i] = buf
            return buf
    if len(_pool) >= _POOL_SLOTS:
        _pool.pop(0)
    _pool.append(buf)
    return buf


cdef cnp.ndarray _empty_aligned(tuple shape, object dtype):
    """np.empty, aligned to 64 bytes (a cache line) so that large outputs can
    be written with the CPU's widest streaming stores, and from the pool of
    reusable buffers when large."""
    cdef Py_ssize_t nbytes = dtype.itemsize
    for s in shape:
        nbytes *= s
    if nbytes < _POOL_MIN_BYTES:
        return np.empty(shape, dtype=dtype)
    cdef cnp.ndarray buf = _pooled_bytes(nbytes)
    cdef Py_ssize_t skip = (-<Py_ssize_t>_ptr(buf)) % 64
    return buf[skip:skip + nbytes].view(dtype).reshape(shape)


cdef int64_t _num_rows(object num_rows) except? -2:
    if num_rows is None:
        return -1
    return <int64_t>check_int("num_rows", num_rows, minimum=0, allow_none=True)


cdef int64_t _padding(object padding_idx, int64_t num_rows) except? -2:
    """None -> -1; a negative value counts from the end, as in PyTorch."""
    if padding_idx is None:
        return -1
    if not is_int(padding_idx):
        raise TypeError(f"padding_idx must be an int or None, got {type(padding_idx).__name__}")
    p = int(padding_idx)
    if num_rows < 0:
        if p < 0:
            raise ValueError("a negative padding_idx needs num_rows")
        return p
    if not -num_rows <= p < num_rows:
        raise ValueError(f"padding_idx {p} is out of range [-{num_rows}, {num_rows})")
    return p + num_rows if p < 0 else p


cdef int _mode(object mode) except -1:
    try:
        return _MODES[mode]
    except (KeyError, TypeError):
        raise ValueError(f"mode must be one of 'sum', 'mean', 'sqrtn', 'max', got {mode!r}") from None


cdef cnp.ndarray _offsets(object indices_shape, object offsets):
    """The bag boundaries as num_bags + 1 int64 values: from 2-D indices
    (one bag a row), or from 1-D indices and PyTorch-style offsets."""
    if offsets is None:
        if len(indices_shape) != 2:
            raise ValueError("embedding_bag takes 2-D indices (bags, length), or 1-D indices "
                             f"with offsets; got {len(indices_shape)}-D indices without offsets")
        return np.arange(indices_shape[0] + 1, dtype=np.int64) * indices_shape[1]
    if len(indices_shape) != 1:
        raise ValueError(f"with offsets, indices must be 1-D, got shape {indices_shape}")
    cdef Py_ssize_t n = indices_shape[0]
    raw = _integer_array(offsets)
    if raw.dtype == _U64 and raw.size and raw.max() > <unsigned long long>n:
        raise ValueError(f"offsets[-1] = {raw.max()} is past the end of indices ({n})"
                         if raw[-1] == raw.max() else
                         f"offsets must be non-decreasing and at most {n}, got {raw.max()}")
    offs, offs_shape = _indices(raw, "offset")
    if len(offs_shape) != 1:
        raise ValueError(f"offsets must be 1-D, got shape {offs_shape}")
    if offs.size:
        if offs[0] != 0:
            raise ValueError(f"offsets[0] must be 0, got {offs[0]}")
        steps = np.diff(offs)
        if steps.size and steps.min() < 0:
            b = int(np.flatnonzero(steps < 0)[0]) + 1
            raise ValueError(f"offsets must be non-decreasing: offsets[{b}] = {offs[b]} "
                             f"< offsets[{b - 1}] = {offs[b - 1]}")
        if offs[-1] > n:
            raise ValueError(f"offsets[-1] = {offs[-1]} is past the end of indices ({n})")
    return np.append(offs, np.int64(n))


cdef _raise_index(int status, str name, tuple shape, cnp.ndarray idx, int64_t bad, int64_t num_rows):
    if status == CEMBED_ERR_INDEX:
        raise index_error(name, shape, bad, int(idx.reshape(-1)[bad]), num_rows)
    if status == CEMBED_ERR_NOMEM:
        raise MemoryError("cembed: out of memory")
    if status != CEMBED_OK:
        raise RuntimeError(f"cembed: unexpected status {status}")


cdef _raise_rows(int status, cnp.ndarray rows, int64_t bad, int64_t num_rows):
    if status == CEMBED_ERR_ORDER:
        raise ValueError(f"rows must be strictly increasing (as accumulate returns them): "
                         f"rows[{bad}] = {rows[bad]} follows rows[{bad - 1}] = {rows[bad - 1]}")
    if status == CEMBED_ERR_VALUE:
        raise ValueError("step must be >= 1")
    _raise_index(status, "row", np.shape(rows), rows, bad, num_rows)


# ------------------------------------------------- float32 / float64 kernels
# Every kernel comes as cembed_X_f32 and cembed_X_f64. The functions below
# fill a _Call with the arguments (float arrays as void *) and hand it to
# _call, the one place that chooses the float type; _kernel maps each
# operation to its C function for that type.

cdef enum _Op:
    OP_BAG
    OP_SUM_GROUPS
    OP_SUM_GROUPS_SCALED
    OP_BAG_SCALES
    OP_SCATTER_ADD
    OP_ADAM
    OP_ADAGRAD
    OP_SGD


cdef struct _Call:
    int op
    bint f32              # the float type of every float array below
    void *table
    void *m               # Adam's m, Adagrad's accum
    void *v
    const void *grad      # gradients (grad, grads)
    const void *weights   # per-sample weights, or the scales of a bag backward
    void *out             # bag outputs, group sums, bag scales
    const int64_t *idx    # indices, or rows
    const int64_t *offsets
    const int64_t *order
    const int64_t *starts
    int64_t *bag_of
    int64_t *kept
    int64_t *count        # bag_scales: the number kept
    int64_t num_rows, ld, ld_m, ld_v, dim, n, padding_idx, step
    int mode
    double lr, beta1, beta2, eps
    int64_t bad           # the first bad position, on failure


ctypedef fused real:
    float
    double


cdef int _kernel(const real *float_type, _Call *c) noexcept nogil:
    """Run c's operation with the C functions of the float type `real`."""
    if c.op == OP_BAG:
        return (cembed_bag_f32 if real is float else cembed_bag_f64)(
            <const real *>c.table, c.num_rows, c.ld, c.dim, c.idx, c.offsets, c.n, c.mode,
            <const real *>c.weights, c.padding_idx, <real *>c.out, &c.bad)
    if c.op == OP_SUM_GROUPS:
        (cembed_sum_groups_f32 if real is float else cembed_sum_groups_f64)(
            <const real *>c.grad, c.dim, c.order, c.starts, c.n, <real *>c.out)
        return CEMBED_OK
    if c.op == OP_SUM_GROUPS_SCALED:
        (cembed_sum_groups_scaled_f32 if real is float else cembed_sum_groups_scaled_f64)(
            <const real *>c.grad, c.dim, c.bag_of, <const real *>c.weights, c.order, c.starts,
            c.n, <real *>c.out)
        return CEMBED_OK
    if c.op == OP_BAG_SCALES:
        return (cembed_bag_scales_f32 if real is float else cembed_bag_scales_f64)(
            c.idx, c.offsets, c.n, c.mode, <const real *>c.weights, c.padding_idx, c.kept,
            c.bag_of, <real *>c.out, c.count)
    if c.op == OP_SCATTER_ADD:
        return (cembed_scatter_add_f32 if real is float else cembed_scatter_add_f64)(
            <real *>c.table, c.num_rows, c.ld, c.dim, c.idx, c.n, <const real *>c.grad, &c.bad)
    if c.op == OP_ADAM:
        return (cembed_adam_f32 if real is float else cembed_adam_f64)(
            <real *>c.table, c.ld, <real *>c.m, c.ld_m, <real *>c.v, c.ld_v, c.num_rows, c.dim,
            c.idx, c.n, <const real *>c.grad, c.step, c.lr, c.beta1, c.beta2, c.eps, &c.bad)
    if c.op == OP_ADAGRAD:
        return (cembed_adagrad_f32 if real is float else cembed_adagrad_f64)(
            <real *>c.table, c.ld, <real *>c.m, c.ld_m, c.num_rows, c.dim, c.idx, c.n,
            <const real *>c.grad, c.lr, c.eps, &c.bad)
    if c.op == OP_SGD:
        return (cembed_sgd_f32 if real is float else cembed_sgd_f64)(
            <real *>c.table, c.ld, c.num_rows, c.dim, c.idx, c.n, <const real *>c.grad, c.lr,
            &c.bad)
    return CEMBED_ERR_VALUE


cdef inline int _call(_Call *c) noexcept nogil:
    if c.f32:
        return _kernel(<const float *>NULL, c)
    return _kernel(<const double *>NULL, c)


cdef inline void _call_init(_Call *c, int op, object dtype) noexcept:
    memset(c, 0, sizeof(_Call))
    c.op = op
    c.f32 = dtype == _F32


# ------------------------------------------------------------------ lookups

def gather(table, indices, out=None):
    """Look up rows: ``table[indices]``, the product ``onehot(indices) @ table``.

    Parameters
    ----------
    table : ndarray (V, D), float32 or float64, rows contiguous
    indices : array-like of ints, any shape, values in ``[0, V)``
    out : ndarray, optional
        C-contiguous, of shape ``indices.shape + (D,)`` and the table's dtype.

    Returns
    -------
    ndarray of shape ``indices.shape + (D,)`` (``out`` when given).

    Examples
    --------
    >>> import numpy as np, cembed
    >>> W = np.arange(15, dtype=np.float32).reshape(3, 5)
    >>> cembed.gather(W, [[0, 2], [1, 2]])[1, 0]
    array([5., 6., 7., 8., 9.], dtype=float32)
    >>> cembed.gather(W, [[5, 0]])
    Traceback (most recent call last):
    ...
    IndexError: index 5 at position (0, 0) is out of range [0, 3)
    """
    if not isinstance(table, np.ndarray) and hasattr(table, "_compact_gather"):  # compact
        return table._compact_gather(indices, out)  # tables: cembed.compact
    cdef cnp.ndarray t, idx, o
    cdef int64_t ld
    t, ld = _table(table)
    idx, shape = _indices(indices, "index", t.shape[0])
    cdef int64_t V = t.shape[0], D = t.shape[1], item = t.itemsize
    out_shape = shape + (D,)
    o = _empty_aligned(out_shape, t.dtype) if out is None else _out_array(out, out_shape, t.dtype)
    cdef const void *tp = _ptr(t)
    cdef const int64_t *ip = <const int64_t *>_ptr(idx)
    cdef void *op = _ptr(o)
    cdef int64_t n = idx.size, bad = 0
    cdef int status
    with nogil:
        status = cembed_gather(tp, V, ld * item, D * item, ip, n, op, &bad)
    _raise_index(status, "index", shape, idx, bad, V)
    return o


def embedding_bag(table, indices, offsets=None, mode="sum", per_sample_weights=None,
                  padding_idx=None, out=None):
    """Pooled lookup: one row of output per bag of indices, ``(B, D)``.

    With 2-D ``indices`` (B, L) each row is a bag; with 1-D ``indices`` and
    ``offsets`` (B,), bag b is ``indices[offsets[b]:offsets[b+1]]`` (as in
    PyTorch, ``offsets[0] == 0``). ``mode`` is ``"sum"``, ``"mean"``,
    ``"sqrtn"`` or ``"max"``. Entries equal to ``padding_idx`` are skipped
    and not counted. ``per_sample_weights`` (shaped like ``indices``)
    weighs each row as TensorFlow's combiners do: sum = Σwx, mean = Σwx/Σw,
    sqrtn = Σwx/√Σw². An empty bag, or one whose weights sum to 0, gives
    zeros.

    Examples
    --------
    >>> import numpy as np, cembed
    >>> W = np.arange(6, dtype=np.float32).reshape(3, 2)
    >>> cembed.embedding_bag(W, [[0, 2], [1, 1]], mode="mean")
    array([[2., 3.],
           [2., 3.]], dtype=float32)
    >>> cembed.embedding_bag(W, [0, 2, 1], offsets=[0, 1])
    array([[0., 1.],
           [6., 8.]], dtype=float32)
    """
    if not isinstance(table, np.ndarray) and hasattr(table, "_compact_bag"):  # compact tables:
        return table._compact_bag(indices, offsets, mode, per_sample_weights, padding_idx, out)
    cdef cnp.ndarray t, idx, offs, w = None, o
    cdef int64_t ld
    t, ld = _table(table)
    cdef int m = _mode(mode)
    idx, shape = _indices(indices, "index", t.shape[0])
    offs = _offsets(shape, offsets)
    cdef int64_t V = t.shape[0], D = t.shape[1], B = offs.shape[0] - 1
    cdef int64_t pad = _padding(padding_idx, V)
    if per_sample_weights is not None:
        if m == CEMBED_BAG_MAX:
            raise ValueError("per_sample_weights are not supported with mode='max'")
        w = _floats(per_sample_weights, t.dtype, shape, "per_sample_weights")
    o = _empty_aligned((B, D), t.dtype) if out is None else _out_array(out, (B, D), t.dtype)
    cdef _Call c
    _call_init(&c, OP_BAG, t.dtype)
    c.table, c.num_rows, c.ld, c.dim = _ptr(t), V, ld, D
    c.idx, c.offsets, c.n, c.mode = <const int64_t *>_ptr(idx), <const int64_t *>_ptr(offs), B, m
    c.weights = _ptr(w) if w is not None else NULL
    c.padding_idx, c.out = pad, _ptr(o)
    cdef int status
    with nogil:
        status = _call(&c)
    _raise_index(status, "index", shape, idx, c.bad, V)
    return o


# --------------------------------------------------------- sparse gradients

cdef tuple _group(cnp.ndarray idx, int64_t num_rows, str name, tuple shape):
    """Group the positions of idx by row: (rows, order, starts, k)."""
    cdef int64_t n = idx.size, k = 0, bad = 0
    cdef cnp.ndarray rows = np.empty(n, dtype=np.int64)
    cdef cnp.ndarray order = _empty_aligned((n,), _I64)
    cdef cnp.ndarray starts = _empty_aligned((n + 1,), _I64)
    cdef const int64_t *ip = <const int64_t *>_ptr(idx)
    cdef int64_t *rp = <int64_t *>_ptr(rows)
    cdef int64_t *op = <int64_t *>_ptr(order)
    cdef int64_t *sp = <int64_t *>_ptr(starts)
    cdef int status
    with nogil:
        status = cembed_group_rows(ip, n, num_rows, rp, op, sp, &k, &bad)
    _raise_index(status, name, shape, idx, bad, num_rows)
    return rows, order, starts, k


def accumulate(indices, grad, num_rows=None):
    """The sparse gradient of a lookup: ``(rows, values)``.

    ``rows`` are the sorted unique indices (int64), ``values[j]`` the sum of
    the rows of ``grad`` (shape ``indices.shape + (D,)``) at the positions
    where ``rows[j]`` occurs, added in order of occurrence: bitwise equal to
    ``np.add.at(zeros, indices, grad)`` at those rows, and to
    ``onehot(indices).T @ grad``. ``num_rows``, when given, is the table's
    row count, and indices are checked against it.

    Examples
    --------
    >>> import numpy as np, cembed
    >>> rows, values = cembed.accumulate([3, 1, 3], np.ones((3, 2), np.float32))
    >>> rows
    array([1, 3])
    >>> values
    array([[1., 1.],
           [2., 2.]], dtype=float32)
    """
    cdef int64_t nr = _num_rows(num_rows)
    idx, shape = _indices(indices, "index", nr)
    cdef cnp.ndarray g = _grad_array(grad, shape)
    rows, order, starts, k = _group(idx, nr, "index", shape)
    cdef int64_t D = g.shape[1], kk = k
    cdef cnp.ndarray values = _empty_aligned((kk, D), g.dtype)
    cdef _Call c
    _call_init(&c, OP_SUM_GROUPS, g.dtype)
    c.grad, c.dim, c.n, c.out = _ptr(g), D, kk, _ptr(values)
    c.order, c.starts = <const int64_t *>_ptr(order), <const int64_t *>_ptr(starts)
    with nogil:
        _call(&c)
    return rows[:kk].copy(), values


def embedding_bag_backward(indices, offsets, grad, mode="sum", per_sample_weights=None,
                           padding_idx=None, num_rows=None):
    """The sparse gradient ``(rows, values)`` of :func:`embedding_bag`.

    ``grad`` is the gradient of the bags' output, shape ``(B, D)``; ``mode``
    is ``"sum"``, ``"mean"`` or ``"sqrtn"``; the other arguments are those
    of the forward call. Each index contributes ``grad[bag] * scale``, with
    scale ``w``, ``w/Σw`` or ``w/√Σw²``; padding entries contribute nothing
    and do not appear in ``rows``.

    Examples
    --------
    >>> import numpy as np, cembed
    >>> g = np.array([[1., 2.], [3., 4.]], np.float32)
    >>> rows, values = cembed.embedding_bag_backward([[0, 2], [2, 2]], None, g, mode="mean")
    >>> rows
    array([0, 2])
    >>> values
    array([[0.5, 1. ],
           [3.5, 5. ]], dtype=float32)
    """
    cdef cnp.ndarray idx, offs, g, w = None
    cdef int64_t nr = _num_rows(num_rows)
    idx, shape = _indices(indices, "index", nr)
    cdef int m = _mode(mode)
    if m == CEMBED_BAG_MAX:
        raise ValueError("embedding_bag_backward supports mode 'sum', 'mean' and 'sqrtn'")
    offs = _offsets(shape, offsets)
    cdef int64_t B = offs.shape[0] - 1
    g = _float_grad(grad)
    if g.ndim != 2 or g.shape[0] != B:
        raise ValueError(f"grad must have shape (bags, D) = ({B}, D), got {np.shape(g)}")
    g = np.ascontiguousarray(g)
    cdef int64_t pad = _padding(padding_idx, nr)
    if per_sample_weights is not None:
        w = _floats(per_sample_weights, g.dtype, shape, "per_sample_weights")
    cdef int64_t n = idx.size, bad = 0, n_kept = 0, D = g.shape[1]
    cdef const int64_t *ip = <const int64_t *>_ptr(idx)
    cdef int status
    with nogil:
        status = cembed_check_indices(ip, n, nr, &bad)
    _raise_index(status, "index", shape, idx, bad, nr)

    cdef cnp.ndarray kept = np.empty(n, dtype=np.int64)
    cdef cnp.ndarray bag_of = np.empty(n, dtype=np.int64)
    cdef cnp.ndarray scale = np.empty(n, dtype=g.dtype)
    cdef _Call c
    _call_init(&c, OP_BAG_SCALES, g.dtype)
    c.idx, c.offsets, c.n, c.mode = ip, <const int64_t *>_ptr(offs), B, m
    c.weights = _ptr(w) if w is not None else NULL
    c.padding_idx, c.kept, c.bag_of = pad, <int64_t *>_ptr(kept), <int64_t *>_ptr(bag_of)
    c.out, c.count = _ptr(scale), &n_kept
    with nogil:
        status = _call(&c)
    if status != CEMBED_OK:
        raise RuntimeError(f"cembed: unexpected status {status}")
    rows, order, starts, k = _group(kept[:n_kept], nr, "index", (n_kept,))
    cdef int64_t kk = k
    cdef cnp.ndarray values = np.empty((kk, D), dtype=g.dtype)
    _call_init(&c, OP_SUM_GROUPS_SCALED, g.dtype)
    c.grad, c.dim, c.bag_of, c.weights = _ptr(g), D, <int64_t *>_ptr(bag_of), _ptr(scale)
    c.order, c.starts = <const int64_t *>_ptr(order), <const int64_t *>_ptr(starts)
    c.n, c.out = kk, _ptr(values)
    with nogil:
        _call(&c)
    return rows[:kk].copy(), values


def scatter_add(table, indices, grad):
    """In place ``table[indices] += grad``, repeated indices summed.

    ``grad`` has shape ``indices.shape + (D,)``. Repeats are added in order
    of occurrence, so the result is bitwise that of
    ``np.add.at(table, indices, grad)``. Returns None.

    Examples
    --------
    >>> import numpy as np, cembed
    >>> W = np.zeros((3, 2), np.float32)
    >>> cembed.scatter_add(W, [2, 0, 2], np.ones((3, 2), np.float32))
    >>> W
    array([[1., 1.],
           [0., 0.],
           [2., 2.]], dtype=float32)
    """
    cdef cnp.ndarray t, idx, g
    cdef int64_t ld
    t, ld = _table(table, "table", True)
    idx, shape = _indices(indices, "index", t.shape[0])
    cdef int64_t V = t.shape[0], D = t.shape[1], n = idx.size
    g = _floats(grad, t.dtype, shape + (D,), "grad")
    cdef _Call c
    _call_init(&c, OP_SCATTER_ADD, t.dtype)
    c.table, c.num_rows, c.ld, c.dim = _ptr(t), V, ld, D
    c.idx, c.n, c.grad = <const int64_t *>_ptr(idx), n, _ptr(g)
    cdef int status
    with nogil:
        status = _call(&c)
    _raise_index(status, "index", shape, idx, c.bad, V)


# ----------------------------------------------------------- row optimizers

cdef tuple _rows_grads(cnp.ndarray t, object rows, object grads):
    r, shape = _indices(rows, "row", t.shape[0])
    if len(shape) != 1:
        raise ValueError(f"rows must be 1-D, got shape {shape}")
    g = _floats(grads, t.dtype, (r.shape[0], t.shape[1]), "grads")
    return r, g


def adam_update(table, m, v, rows, grads, step, learning_rate=0.001, beta_1=0.9,
                beta_2=0.999, epsilon=1e-7):
    """Lazy Adam on the listed rows only, in place (as TensorFlow's LazyAdam
    and PyTorch's SparseAdam); other rows and their moments do not change.

    For each element of a listed row, with ``g`` its gradient::

        m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g*g
        w -= lr * (m / (1 - b1**step)) / (sqrt(v / (1 - b2**step)) + epsilon)

    ``m`` and ``v`` are shaped like the table; ``rows`` strictly increasing
    (as :func:`accumulate` returns them); ``grads`` ``(len(rows), D)``;
    ``step`` the optimizer's global step, from 1. Returns None.

    Examples
    --------
    >>> import numpy as np, cembed
    >>> W = np.ones((4, 2), np.float32); m = np.zeros_like(W); v = np.zeros_like(W)
    >>> cembed.adam_update(W, m, v, [1, 3], np.ones((2, 2), np.float32), step=1,
    ...                    learning_rate=0.1)
    >>> W[:, 0].round(4)
    array([1. , 0.9, 1. , 0.9], dtype=float32)
    """
    cdef cnp.ndarray t, mm, vv, r, g
    cdef int64_t ld
    t, ld = _table(table, "table", True)
    mm = _state(m, t, "m")
    vv = _state(v, t, "v")
    r, g = _rows_grads(t, rows, grads)
    cdef int64_t st = check_int("step", step, minimum=1), V = t.shape[0], D = t.shape[1], k = r.shape[0]
    cdef int64_t ld_m = _table(mm, "m")[1], ld_v = _table(vv, "v")[1]
    cdef _Call c
    _call_init(&c, OP_ADAM, t.dtype)
    c.table, c.ld, c.m, c.ld_m, c.v, c.ld_v = _ptr(t), ld, _ptr(mm), ld_m, _ptr(vv), ld_v
    c.num_rows, c.dim, c.idx, c.n, c.grad = V, D, <const int64_t *>_ptr(r), k, _ptr(g)
    c.step, c.lr, c.beta1, c.beta2, c.eps = st, learning_rate, beta_1, beta_2, epsilon
    cdef int status
    with nogil:
        status = _call(&c)
    _raise_rows(status, r, c.bad, V)


def adagrad_update(table, accum, rows, grads, learning_rate=0.001, epsilon=1e-7):
    """Adagrad on the listed rows, in place.

    ``accum += g*g; w -= lr*g / (sqrt(accum) + epsilon)``. ``accum`` is
    shaped like the table, or ``(V,)`` for row-wise Adagrad: one value a
    row, grown by the mean of ``g*g`` over the row (FBGEMM's compact form).
    ``rows`` strictly increasing; ``grads`` ``(len(rows), D)``. Returns None.

    Examples
    --------
    >>> import numpy as np, cembed
    >>> W = np.ones((3, 2)); acc = np.zeros(3)
    >>> cembed.adagrad_update(W, acc, [0], [[3.0, 4.0]], learning_rate=0.5)
    >>> acc
    array([12.5,  0. ,  0. ])
    """
    cdef cnp.ndarray t, a, r, g
    cdef int64_t ld, ld_acc
    t, ld = _table(table, "table", True)
    if isinstance(accum, np.ndarray) and accum.ndim == 1:
        a = accum
        if a.dtype != t.dtype:
            raise TypeError(f"accum must have the table's dtype {t.dtype}, got {a.dtype}")
        if a.shape[0] != t.shape[0]:
            raise ValueError(f"a row-wise accum must have shape ({t.shape[0]},), got {np.shape(a)}")
        if a.shape[0] > 1 and a.strides[0] != a.itemsize:
            raise ValueError("accum must be contiguous: pass np.ascontiguousarray(accum)")
        if not a.flags.writeable:
            raise ValueError("accum is read-only; it cannot be updated in place")
        ld_acc = 0
    else:
        a = _state(accum, t, "accum")
        ld_acc = _table(a, "accum")[1]
        if ld_acc == 0:  # (1, D): any nonzero stride will do
            ld_acc = t.shape[1] if t.shape[1] else 1
    r, g = _rows_grads(t, rows, grads)
    cdef int64_t V = t.shape[0], D = t.shape[1], k = r.shape[0]
    cdef _Call c
    _call_init(&c, OP_ADAGRAD, t.dtype)
    c.table, c.ld, c.m, c.ld_m = _ptr(t), ld, _ptr(a), ld_acc
    c.num_rows, c.dim, c.idx, c.n, c.grad = V, D, <const int64_t *>_ptr(r), k, _ptr(g)
    c.lr, c.eps = learning_rate, epsilon
    cdef int status
    with nogil:
        status = _call(&c)
    _raise_rows(status, r, c.bad, V)


def sgd_update(table, rows, grads, learning_rate=0.01):
    """Plain SGD on the listed rows, in place: ``w -= lr * g``.

    ``rows`` strictly increasing; ``grads`` ``(len(rows), D)``. Returns None.

    Examples
    --------
    >>> import numpy as np, cembed
    >>> W = np.ones((3, 2))
    >>> cembed.sgd_update(W, [2], [[1.0, -1.0]], learning_rate=0.5)
    >>> W
    array([[1. , 1. ],
           [1. , 1. ],
           [0.5, 1.5]])
    """
    cdef cnp.ndarray t, r, g
    cdef int64_t ld
    t, ld = _table(table, "table", True)
    r, g = _rows_grads(t, rows, grads)
    cdef int64_t V = t.shape[0], D = t.shape[1], k = r.shape[0]
    cdef _Call c
    _call_init(&c, OP_SGD, t.dtype)
    c.table, c.ld, c.num_rows, c.dim = _ptr(t), ld, V, D
    c.idx, c.n, c.grad, c.lr = <const int64_t *>_ptr(r), k, _ptr(g), learning_rate
    cdef int status
    with nogil:
        status = _call(&c)
    _raise_rows(status, r, c.bad, V)


# ------------------------------------------------------------------ hashing

cdef inline object _hash_result(uint32_t h, bint positive):
    return h if positive else <int32_t>h


cdef uint32_t _hash_one(object key, uint32_t seed) except? 0:
    cdef bytes b
    if isinstance(key, str):
        b = (<str>key).encode("utf-8")
    elif isinstance(key, bytes):
        b = key
    elif isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_)):
        if not -2**31 <= key < 2**31:
            raise OverflowError(f"an int key must fit in 32 bits, got {key}")
        return cembed_murmurhash3_int32(<int32_t>key, seed)
    else:
        raise TypeError(f"key must be a str, bytes, an int or an array of them, "
                        f"got {type(key).__name__}")
    return cembed_murmurhash3_32(<const char *>b, len(b), seed)


def murmurhash3_32(key, seed=0, positive=False):
    """MurmurHash3 x86 32-bit, equal to ``sklearn.utils.murmurhash3_32``.

    ``key`` is a str (hashed as UTF-8), bytes, an int (its 32-bit value),
    or an array or list of them (then an array of hashes of the same shape).
    The hash is a signed 32-bit int, or unsigned with ``positive=True``.

    Examples
    --------
    >>> import cembed
    >>> cembed.murmurhash3_32("foo", seed=0)
    -156908512
    >>> cembed.murmurhash3_32("foo", positive=True)
    4138058784
    """
    if not is_int(seed):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    cdef uint32_t s = seed
    if not isinstance(key, (np.ndarray, list, tuple)):
        return _hash_result(_hash_one(key, s), positive)
    arr = np.asarray(key)
    if arr.dtype.kind in "US" and not isinstance(key, np.ndarray):
        arr = np.array(key, dtype=object)  # NumPy strings drop trailing NULs
    out_dtype = np.uint32 if positive else np.int32
    if arr.size == 0:
        return np.empty(arr.shape, dtype=out_dtype)
    cdef cnp.ndarray keys, result
    cdef const int32_t *kp
    cdef uint32_t *hp
    cdef Py_ssize_t i, n
    if arr.dtype.kind in "iu":
        if arr.size and (arr.min() < -2**31 or arr.max() >= 2**31):
            raise OverflowError("int keys must fit in 32 bits")
        keys = np.ascontiguousarray(arr, dtype=np.int32)
        result = np.empty(arr.shape, dtype=np.uint32)
        kp = <const int32_t *>_ptr(keys)
        hp = <uint32_t *>_ptr(result)
        n = keys.size
        with nogil:
            for i in range(n):
                hp[i] = cembed_murmurhash3_int32(kp[i], s)
        return result.view(out_dtype)
    if arr.dtype.kind in "USO":
        flat = arr.reshape(-1)
        result = np.empty(arr.shape, dtype=np.uint32)
        hp = <uint32_t *>_ptr(result)
        for i in range(flat.shape[0]):
            k = flat[i]
            hp[i] = _hash_one(k.item() if isinstance(k, np.generic) else k, s)
        return result.view(out_dtype)
    raise TypeError(f"key must be a str, bytes, an int or an array of them, got dtype {arr.dtype}")


# ------------------------------------------- the C-level API for Cython users
# (declared in _core.pxd; each forwards to the C function of src_c/cembed.h)

cdef int num_threads() noexcept nogil:
    return cembed_get_num_threads()

cdef int check_indices(const int64_t *idx, int64_t n, int64_t num_rows,
                       int64_t *bad_pos) noexcept nogil:
    return cembed_check_indices(idx, n, num_rows, bad_pos)

cdef int check_rows(const int64_t *rows, int64_t k, int64_t num_rows,
                    int64_t *bad_pos) noexcept nogil:
    return cembed_check_rows(rows, k, num_rows, bad_pos)

cdef int gather_rows(const void *table, int64_t num_rows, int64_t ld_bytes, int64_t row_bytes,
                     const int64_t *idx, int64_t n, void *out, int64_t *bad_pos) noexcept nogil:
    return cembed_gather(table, num_rows, ld_bytes, row_bytes, idx, n, out, bad_pos)

cdef int bag_f32(const float *table, int64_t num_rows, int64_t ld, int64_t dim,
                 const int64_t *idx, const int64_t *offsets, int64_t num_bags, int mode,
                 const float *weights, int64_t padding_idx, float *out,
                 int64_t *bad_pos) noexcept nogil:
    return cembed_bag_f32(table, num_rows, ld, dim, idx, offsets, num_bags, mode, weights,
                          padding_idx, out, bad_pos)

cdef int bag_f64(const double *table, int64_t num_rows, int64_t ld, int64_t dim,
                 const int64_t *idx, const int64_t *offsets, int64_t num_bags, int mode,
                 const double *weights, int64_t padding_idx, double *out,
                 int64_t *bad_pos) noexcept nogil:
    return cembed_bag_f64(table, num_rows, ld, dim, idx, offsets, num_bags, mode, weights,
                          padding_idx, out, bad_pos)

cdef int group_rows(const int64_t *idx, int64_t n, int64_t num_rows, int64_t *rows,
                    int64_t *order, int64_t *starts, int64_t *k_out,
                    int64_t *bad_pos) noexcept nogil:
    return cembed_group_rows(idx, n, num_rows, rows, order, starts, k_out, bad_pos)

cdef void sum_groups_f32(const float *grad, int64_t dim, const int64_t *order,
                         const int64_t *starts, int64_t k, float *values) noexcept nogil:
    cembed_sum_groups_f32(grad, dim, order, starts, k, values)

cdef void sum_groups_f64(const double *grad, int64_t dim, const int64_t *order,
                         const int64_t *starts, int64_t k, double *values) noexcept nogil:
    cembed_sum_groups_f64(grad, dim, order, starts, k, values)

cdef void sum_groups_scaled_f32(const float *grad, int64_t dim, const int64_t *bag_of,
                                const float *scale, const int64_t *order,
                                const int64_t *starts, int64_t k, float *values) noexcept nogil:
    cembed_sum_groups_scaled_f32(grad, dim, bag_of, scale, order, starts, k, values)

cdef void sum_groups_scaled_f64(const double *grad, int64_t dim, const int64_t *bag_of,
                                const double *scale, const int64_t *order,
                                const int64_t *starts, int64_t k, double *values) noexcept nogil:
    cembed_sum_groups_scaled_f64(grad, dim, bag_of, scale, order, starts, k, values)

cdef int bag_scales_f32(const int64_t *idx, const int64_t *offsets, int64_t num_bags, int mode,
                        const float *weights, int64_t padding_idx, int64_t *idx_kept,
                        int64_t *bag_of, float *scale, int64_t *n_kept) noexcept nogil:
    return cembed_bag_scales_f32(idx, offsets, num_bags, mode, weights, padding_idx, idx_kept,
                                 bag_of, scale, n_kept)

cdef int bag_scales_f64(const int64_t *idx, const int64_t *offsets, int64_t num_bags, int mode,
                        const double *weights, int64_t padding_idx, int64_t *idx_kept,
                        int64_t *bag_of, double *scale, int64_t *n_kept) noexcept nogil:
    return cembed_bag_scales_f64(idx, offsets, num_bags, mode, weights, padding_idx, idx_kept,
                                 bag_of, scale, n_kept)

cdef int scatter_add_f32(float *table, int64_t num_rows, int64_t ld, int64_t dim,
                         const int64_t *idx, int64_t n, const float *grad,
                         int64_t *bad_pos) noexcept nogil:
    return cembed_scatter_add_f32(table, num_rows, ld, dim, idx, n, grad, bad_pos)

cdef int scatter_add_f64(double *table, int64_t num_rows, int64_t ld, int64_t dim,
                         const int64_t *idx, int64_t n, const double *grad,
                         int64_t *bad_pos) noexcept nogil:
    return cembed_scatter_add_f64(table, num_rows, ld, dim, idx, n, grad, bad_pos)

cdef int adam_f32(float *table, int64_t ld, float *m, int64_t ld_m, float *v, int64_t ld_v,
                  int64_t num_rows, int64_t dim, const int64_t *rows, int64_t k,
                  const float *grads, int64_t step, double lr, double beta1, double beta2,
                  double eps, int64_t *bad_pos) noexcept nogil:
    return cembed_adam_f32(table, ld, m, ld_m, v, ld_v, num_rows, dim, rows, k, grads, step,
                           lr, beta1, beta2, eps, bad_pos)

cdef int adam_f64(double *table, int64_t ld, double *m, int64_t ld_m, double *v, int64_t ld_v,
                  int64_t num_rows, int64_t dim, const int64_t *rows, int64_t k,
                  const double *grads, int64_t step, double lr, double beta1, double beta2,
                  double eps, int64_t *bad_pos) noexcept nogil:
    return cembed_adam_f64(table, ld, m, ld_m, v, ld_v, num_rows, dim, rows, k, grads, step,
                           lr, beta1, beta2, eps, bad_pos)

cdef int adagrad_f32(float *table, int64_t ld, float *accum, int64_t ld_acc, int64_t num_rows,
                     int64_t dim, const int64_t *rows, int64_t k, const float *grads,
                     double lr, double eps, int64_t *bad_pos) noexcept nogil:
    return cembed_adagrad_f32(table, ld, accum, ld_acc, num_rows, dim, rows, k, grads, lr, eps,
                              bad_pos)

cdef int adagrad_f64(double *table, int64_t ld, double *accum, int64_t ld_acc, int64_t num_rows,
                     int64_t dim, const int64_t *rows, int64_t k, const double *grads,
                     double lr, double eps, int64_t *bad_pos) noexcept nogil:
    return cembed_adagrad_f64(table, ld, accum, ld_acc, num_rows, dim, rows, k, grads, lr, eps,
                              bad_pos)

cdef int sgd_f32(float *table, int64_t ld, int64_t num_rows, int64_t dim, const int64_t *rows,
                 int64_t k, const float *grads, double lr, int64_t *bad_pos) noexcept nogil:
    return cembed_sgd_f32(table, ld, num_rows, dim, rows, k, grads, lr, bad_pos)

cdef int sgd_f64(double *table, int64_t ld, int64_t num_rows, int64_t dim, const int64_t *rows,
                 int64_t k, const double *grads, double lr, int64_t *bad_pos) noexcept nogil:
    return cembed_sgd_f64(table, ld, num_rows, dim, rows, k, grads, lr, bad_pos)

cdef uint32_t murmurhash3_bytes(const void *key, int64_t length, uint32_t seed) noexcept nogil:
    return cembed_murmurhash3_32(key, length, seed)

cdef uint32_t murmurhash3_int32(int32_t key, uint32_t seed) noexcept nogil:
    return cembed_murmurhash3_int32(key, seed)

# ------------------------------------ compact tables
# The argument checks of gather and embedding_bag, for cembed._compact,
# which runs them over packed rows: one home for their rules and messages.

def _compact_table(table):
    """(the float32 or float64 table, its leading dimension)."""
    return _table(table)


def _compact_gather_args(indices, int64_t num_rows, int64_t dim, out):
    """(int64 indices, their shape, the float32 output)."""
    idx, shape = _indices(indices, "index", num_rows)
    out_shape = shape + (dim,)
    o = _empty_aligned(out_shape, _F32) if out is None else _out_array(out, out_shape, _F32)
    return idx, shape, o


def _compact_bag_args(indices, int64_t num_rows, int64_t dim, offsets, mode,
                      per_sample_weights, padding_idx, out):
    """(int64 indices, their shape, offsets with n appended, mode code,
    padding row or -1, float32 weights or None, the float32 output)."""
    cdef int m = _mode(mode)
    idx, shape = _indices(indices, "index", num_rows)
    offs = _offsets(shape, offsets)
    B = offs.shape[0] - 1
    pad = _padding(padding_idx, num_rows)
    w = None
    if per_sample_weights is not None:
        if m == CEMBED_BAG_MAX:
            raise ValueError("per_sample_weights are not supported with mode='max'")
        w = _floats(per_sample_weights, _F32, shape, "per_sample_weights")
    o = _empty_aligned((B, dim), _F32) if out is None else _out_array(out, (B, dim), _F32)
    return idx, shape, offs, m, pad, w, o


def _compact_raise(int status, tuple shape, cnp.ndarray idx, int64_t bad, int64_t num_rows):
    _raise_index(status, "index", shape, idx, bad, num_rows)
# ------------------------------------ end of compact tables
