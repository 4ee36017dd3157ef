"""Bad input for every kernel: the right exception, a clear message, and
nothing written (docs/kernels.rst, ground rules)."""
import re

import numpy as np
import pytest

import cembed
from oracles import index_error_pattern

V, D = 5, 3
SENTINEL = -12345.5


def snapshot(arrays):
    return [a.tobytes() for a in arrays]


def assert_unchanged(arrays, before):
    for i, (a, b) in enumerate(zip(arrays, before)):
        assert a.tobytes() == b, f"argument {i} was modified"


ROW = r"(?:index|row)"


def assert_index_error(call, arrays, value, position, num_rows=V, noun="index"):
    before = snapshot(arrays)
    with pytest.raises(IndexError) as info:
        call()
    message = str(info.value)
    pattern = index_error_pattern(value, position, num_rows, noun)
    assert re.fullmatch(pattern, message), f"message {message!r} !~ {pattern!r}"
    assert_unchanged(arrays, before)


def table_for(dtype=np.float32):
    return np.arange(V * D, dtype=dtype).reshape(V, D) / 4


# ------------------------------------------------ out-of-range indices
# Each case: name -> (index shape, builder). A builder takes (indices, dtype)
# and returns (call, arrays that must be left unchanged).


def _gather(idx, dt):
    t = table_for(dt)
    return lambda: cembed.gather(t, idx), [t]


def _gather_out(idx, dt):
    t = table_for(dt)
    out = np.full(np.shape(idx) + (D,), SENTINEL, dt)
    return lambda: cembed.gather(t, idx, out=out), [t, out]


def _bag_2d(idx, dt):
    t = table_for(dt)
    out = np.full((np.shape(idx)[0], D), SENTINEL, dt)
    return lambda: cembed.embedding_bag(t, idx, mode="mean", out=out), [t, out]


def _bag_offsets(idx, dt):
    t = table_for(dt)
    out = np.full((3, D), SENTINEL, dt)
    w = np.ones(np.shape(idx), dt)
    return (lambda: cembed.embedding_bag(t, idx, offsets=[0, 3, 3], mode="sum",
                                         per_sample_weights=w, out=out), [t, out, w])


def _bag_max(idx, dt):
    t = table_for(dt)
    out = np.full((3, D), SENTINEL, dt)
    return lambda: cembed.embedding_bag(t, idx, offsets=[0, 2, 6], mode="max", out=out), [t, out]


def _accumulate(idx, dt):
    g = np.ones(np.shape(idx) + (D,), dt)
    return lambda: cembed.accumulate(idx, g, num_rows=V), [g]


def _bag_backward_2d(idx, dt):
    g = np.ones((np.shape(idx)[0], D), dt)
    return (lambda: cembed.embedding_bag_backward(idx, None, g, mode="sqrtn", num_rows=V), [g])


def _bag_backward_offsets(idx, dt):
    g = np.ones((3, D), dt)
    return (lambda: cembed.embedding_bag_backward(idx, [0, 1, 4], g, mode="mean", num_rows=V), [g])


def _scatter_add(idx, dt):
    t = table_for(dt)
    g = np.ones(np.shape(idx) + (D,), dt)
    return lambda: cembed.scatter_add(t, idx, g), [t, g]


INDEX_KERNELS = {
    "gather": ((3, 4), _gather),
    "gather_1d": ((7,), _gather),
    "gather_3d": ((2, 3, 2), _gather),
    "gather_out": ((3, 4), _gather_out),
    "bag_2d": ((3, 4), _bag_2d),
    "bag_offsets": ((7,), _bag_offsets),
    "bag_max": ((7,), _bag_max),
    "accumulate": ((3, 4), _accumulate),
    "accumulate_1d": ((7,), _accumulate),
    "bag_backward_2d": ((3, 4), _bag_backward_2d),
    "bag_backward_offsets": ((7,), _bag_backward_offsets),
    "scatter_add": ((3, 4), _scatter_add),
    "scatter_add_1d": ((7,), _scatter_add),
}


def _positions(shape):
    n = int(np.prod(shape))
    return {"first": np.unravel_index(0, shape), "middle": np.unravel_index(n // 2 + 1, shape),
            "last": np.unravel_index(n - 1, shape)}


@pytest.mark.parametrize("where", ["first", "middle", "last"])
@pytest.mark.parametrize("bad", [-1, V])
@pytest.mark.parametrize("kernel", list(INDEX_KERNELS))
def test_out_of_range_index(kernel, bad, where):
    shape, build = INDEX_KERNELS[kernel]
    pos = tuple(int(p) for p in _positions(shape)[where])
    for dtype in (np.int64, np.int8, np.int32, np.uint16):
        if bad < 0 and np.dtype(dtype).kind == "u":
            continue
        idx = (np.arange(int(np.prod(shape))) % V).reshape(shape).astype(dtype)
        idx[pos] = bad
        for dt in (np.float32, np.float64):
            call, arrays = build(idx, dt)
            assert_index_error(call, arrays, bad, pos)


@pytest.mark.parametrize("kernel", list(INDEX_KERNELS))
def test_first_bad_index_is_reported(kernel):
    shape, build = INDEX_KERNELS[kernel]
    idx = np.zeros(shape, np.int64)
    flat = idx.reshape(-1)
    flat[2], flat[4], flat[-1] = 99, -3, V
    call, arrays = build(idx, np.float32)
    assert_index_error(call, arrays, 99, tuple(int(p) for p in np.unravel_index(2, shape)))


@pytest.mark.parametrize("kernel", list(INDEX_KERNELS))
@pytest.mark.parametrize("value", [2**63, 2**64 - 1])
def test_huge_uint64_index_names_the_real_value(kernel, value):
    shape, build = INDEX_KERNELS[kernel]
    idx = np.zeros(shape, np.uint64)
    idx.reshape(-1)[-1] = value
    call, arrays = build(idx, np.float64)
    pos = tuple(int(p) for p in np.unravel_index(idx.size - 1, shape))
    assert_index_error(call, arrays, value, pos)


def test_spec_example_message_exactly():
    table = np.zeros((5, 2), np.float32)
    with pytest.raises(IndexError) as info:
        cembed.gather(table, [[0, 1], [7, 2]])
    assert str(info.value) == "index 7 at position (1, 0) is out of range [0, 5)"


def test_python_int_indices_out_of_range():
    table = np.zeros((5, 2))
    with pytest.raises(IndexError, match=r"index 5 at position \(2,?\) is out of range \[0, 5\)"):
        cembed.gather(table, [0, 4, 5])
    with pytest.raises(IndexError, match=r"index -1"):
        cembed.gather(table, -1)


def test_empty_table_rejects_any_index():
    with pytest.raises(IndexError, match=re.escape("out of range [0, 0)")):
        cembed.gather(np.zeros((0, 3)), [0])


@pytest.mark.parametrize("bad", [-1, -(2**40)])
def test_accumulate_without_num_rows_rejects_negative(bad):
    g = np.ones((3, 2))
    for call in (lambda: cembed.accumulate([0, bad, 1], g),
                 lambda: cembed.embedding_bag_backward([0, bad, 1], [0, 1], g[:2])):
        with pytest.raises(IndexError) as info:
            call()
        assert re.fullmatch(index_error_pattern(bad, (1,)), str(info.value)), str(info.value)
    np.testing.assert_array_equal(g, 1)


# ------------------------------------------------- rows of the optimizers


def _optimizer_calls(dt, rows, grads):
    w = table_for(dt)
    m, v = np.full_like(w, 0.5), np.full_like(w, 0.25)
    acc = np.full_like(w, 0.75)
    acc_rows = np.full(V, 0.125, dt)
    return {
        "adam": (lambda: cembed.adam_update(w, m, v, rows, grads, 3), [w, m, v]),
        "adagrad": (lambda: cembed.adagrad_update(w, acc, rows, grads), [w, acc]),
        "adagrad_rowwise": (lambda: cembed.adagrad_update(w, acc_rows, rows, grads),
                            [w, acc_rows]),
        "sgd": (lambda: cembed.sgd_update(w, rows, grads), [w]),
    }


OPTIMIZERS = ["adam", "adagrad", "adagrad_rowwise", "sgd"]


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_optimizer_rows_out_of_range(name, dt):
    g = np.ones((3, D), dt)
    for rows, value, pos in (([-1, 0, 2], -1, 0), ([0, 2, V], V, 2), ([1, 3, 2**40], 2**40, 2)):
        for rdt in (np.int64, np.int32, np.int16):
            if abs(value) > np.iinfo(rdt).max:
                continue
            call, arrays = _optimizer_calls(dt, np.array(rows, rdt), g)[name]
            assert_index_error(call, arrays, value, (pos,), noun=ROW)
    # -1 or V in the middle is also out of order: either error, nothing written
    for rows in ([0, -1, 2], [0, V, 4]):
        call, arrays = _optimizer_calls(dt, np.array(rows), g)[name]
        before = snapshot(arrays)
        with pytest.raises((IndexError, ValueError)):
            call()
        assert_unchanged(arrays, before)


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("value", [2**63, 2**64 - 1])
def test_huge_uint64_row_names_the_real_value(name, value):
    g = np.ones((3, D))
    call, arrays = _optimizer_calls(np.float64, np.array([0, 1, value], np.uint64), g)[name]
    assert_index_error(call, arrays, value, (2,), noun=ROW)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_grads_shape_mismatch(name):
    for rows, g in (([0, 1], np.ones((3, D))), ([0, 1], np.ones((2, D + 1))),
                    ([0, 1], np.ones((2 * D,))), ([[0, 1]], np.ones((2, D)))):
        call, arrays = _optimizer_calls(np.float64, rows, g)[name]
        before = snapshot(arrays)
        with pytest.raises(ValueError):
            call()
        assert_unchanged(arrays, before)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_optimizer_state_shape_and_dtype(dt):
    w = table_for(dt)
    g = np.ones((1, D), dt)
    good = np.zeros_like(w)
    for bad in (np.zeros((V, D + 1), dt), np.zeros((V + 1, D), dt), np.zeros((V * D,), dt),
                np.zeros((V, D, 1), dt)):
        with pytest.raises(ValueError):
            cembed.adam_update(w, bad, good, [0], g, 1)
        with pytest.raises(ValueError):
            cembed.adam_update(w, good, bad, [0], g, 1)
    for bad in (np.zeros((V, D + 1), dt), np.zeros(V + 1, dt), np.zeros((V, 1), dt)):
        with pytest.raises(ValueError):
            cembed.adagrad_update(w, bad, [0], g)
    # a state of another dtype than the table: the docs are silent on which error
    other = np.zeros((V, D), np.float64 if dt == np.float32 else np.float32)
    with pytest.raises((TypeError, ValueError)):
        cembed.adam_update(w, other, good, [0], g, 1)
    with pytest.raises((TypeError, ValueError)):
        cembed.adagrad_update(w, other, [0], g)
    with pytest.raises(TypeError):
        cembed.adam_update(w, good.astype(np.int32), good, [0], g, 1)
    np.testing.assert_array_equal(w, table_for(dt))


# ------------------------------------------------------- index dtypes


BAD_INDEX_ARRAYS = [
    np.array([0, 1], dtype=bool),
    np.array([0.0, 1.0]),
    np.array([0, 1], dtype=np.float32),
    np.array([0, 1], dtype=np.float16),
    np.array([0, 1], dtype=object),
    np.array([0, 1], dtype=complex),
    np.array(["0", "1"]),
    [0.0, 1.0],
    [True, False],
]
BAD_IDS = ["bool", "float64", "float32", "float16", "object", "complex", "str", "float_list",
           "bool_list"]


def _all_index_calls(idx):
    """One call per kernel argument that takes indices, with `idx` in it."""
    t = table_for()
    g2 = np.ones((2, D), np.float32)
    m, v = np.zeros_like(t), np.zeros_like(t)
    return {
        "gather": (lambda: cembed.gather(t, idx), [t]),
        "bag": (lambda: cembed.embedding_bag(t, idx, offsets=[0, 1]), [t]),
        "bag_offsets": (lambda: cembed.embedding_bag(t, [0, 1], offsets=idx), [t]),
        "accumulate": (lambda: cembed.accumulate(idx, g2), [g2]),
        "bag_backward": (lambda: cembed.embedding_bag_backward(idx, [0, 1], g2), [g2]),
        "bag_backward_offsets": (
            lambda: cembed.embedding_bag_backward([0, 1], idx, g2), [g2]),
        "scatter_add": (lambda: cembed.scatter_add(t, idx, g2), [t]),
        "adam": (lambda: cembed.adam_update(t, m, v, idx, g2, 1), [t, m, v]),
        "adagrad": (lambda: cembed.adagrad_update(t, m, idx, g2), [t, m]),
        "sgd": (lambda: cembed.sgd_update(t, idx, g2), [t]),
    }


@pytest.mark.parametrize("idx", BAD_INDEX_ARRAYS, ids=BAD_IDS)
def test_non_integer_indices_raise_type_error(idx):
    for name, (call, arrays) in _all_index_calls(idx).items():
        before = snapshot(arrays)
        with pytest.raises(TypeError):
            call()
        assert_unchanged(arrays, before)


def test_integer_valued_float_scalar_is_rejected():
    with pytest.raises(TypeError):
        cembed.gather(table_for(), 1.0)
    with pytest.raises(TypeError):
        cembed.gather(table_for(), True)


# ---------------------------------------------------------------- tables


BAD_DTYPE_TABLES = [np.zeros((V, D), t) for t in (np.int32, np.int64, np.float16, np.complex64,
                                                   bool, object)]


def _table_calls(t, dt=np.float32):
    g = np.ones((2, D), dt)
    m = np.zeros(t.shape, dt) if t.ndim == 2 and t.shape == (V, D) else np.zeros((V, D), dt)
    return {
        "gather": lambda: cembed.gather(t, [0, 1]),
        "bag": lambda: cembed.embedding_bag(t, [[0, 1]]),
        "bag_max": lambda: cembed.embedding_bag(t, [[0, 1]], mode="max"),
        "scatter_add": lambda: cembed.scatter_add(t, [0, 1], g),
        "adam": lambda: cembed.adam_update(t, m, m.copy(), [0, 1], g, 1),
        "adagrad": lambda: cembed.adagrad_update(t, m, [0, 1], g),
        "sgd": lambda: cembed.sgd_update(t, [0, 1], g),
    }


@pytest.mark.parametrize("table", BAD_DTYPE_TABLES, ids=lambda t: str(t.dtype))
def test_table_of_wrong_dtype_is_type_error(table):
    for name, call in _table_calls(table).items():
        with pytest.raises(TypeError):
            call()


@pytest.mark.parametrize("shape", [(V * D,), (V, D, 1), (1, V, D), ()])
def test_table_of_wrong_ndim_is_value_error(shape):
    table = np.zeros(shape, np.float32)
    for name, call in _table_calls(table).items():
        with pytest.raises(ValueError):
            call()


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("view", ["cols_step", "fortran", "transposed"])
def test_table_with_non_contiguous_rows_is_value_error(dt, view):
    base = np.arange(V * 2 * D, dtype=dt).reshape(V, 2 * D)
    table = {"cols_step": base[:, ::2], "fortran": np.asfortranarray(base[:, :D]),
             "transposed": np.ascontiguousarray(base[:, :D].T).T}[view]
    assert table.shape == (V, D) and table.strides[1] != table.itemsize
    before = table.copy()
    for name, call in _table_calls(table, dt).items():
        with pytest.raises(ValueError, match="ascontiguousarray"):
            call()
    np.testing.assert_array_equal(table, before)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_non_contiguous_optimizer_state_is_value_error(dt):
    w = table_for(dt)
    g = np.ones((1, D), dt)
    bad = np.zeros((V, 2 * D), dt)[:, ::2]
    good = np.zeros((V, D), dt)
    for call in (lambda: cembed.adam_update(w, bad, good, [0], g, 1),
                 lambda: cembed.adam_update(w, good, bad, [0], g, 1),
                 lambda: cembed.adagrad_update(w, bad, [0], g)):
        with pytest.raises(ValueError):
            call()
    np.testing.assert_array_equal(w, table_for(dt))


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_read_only_arrays_are_rejected_for_writes(dt):
    g = np.ones((2, D), dt)
    ro = table_for(dt)
    ro.setflags(write=False)
    rw = table_for(dt)
    z = np.zeros((V, D), dt)
    ro_state = np.zeros((V, D), dt)
    ro_state.setflags(write=False)
    ro_rows = np.zeros(V, dt)
    ro_rows.setflags(write=False)
    calls = [
        lambda: cembed.scatter_add(ro, [0, 1], g),
        lambda: cembed.adam_update(ro, z, z.copy(), [0, 1], g, 1),
        lambda: cembed.adam_update(rw, ro_state, z, [0, 1], g, 1),
        lambda: cembed.adam_update(rw, z, ro_state, [0, 1], g, 1),
        lambda: cembed.adagrad_update(ro, z, [0, 1], g),
        lambda: cembed.adagrad_update(rw, ro_state, [0, 1], g),
        lambda: cembed.adagrad_update(rw, ro_rows, [0, 1], g),
        lambda: cembed.sgd_update(ro, [0, 1], g),
    ]
    for call in calls:
        with pytest.raises(ValueError):
            call()
    np.testing.assert_array_equal(rw, table_for(dt))
    np.testing.assert_array_equal(z, 0)
    # reads are fine
    np.testing.assert_array_equal(cembed.gather(ro, [4, 0]), rw[[4, 0]])
    np.testing.assert_array_equal(cembed.embedding_bag(ro, [[4, 0]]), rw[[4]] + rw[[0]])


# ------------------------------------------------------------------- out


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_bad_out_arrays(dt):
    t = table_for(dt)
    wrong_shape = [np.zeros((4, D), dt), np.zeros((2, 2, D), dt), np.zeros((2, D + 1), dt),
                   np.zeros(2 * D, dt)]
    not_contiguous = [np.zeros((2, 2 * D), dt)[:, ::2], np.zeros((D, 2), dt).T,
                      np.zeros((4, D), dt)[::2]]
    read_only = np.zeros((2, D), dt)
    read_only.setflags(write=False)
    for out in wrong_shape + not_contiguous + [read_only]:
        before = out.tobytes()
        with pytest.raises(ValueError):
            cembed.gather(t, [1, 2], out=out)
        with pytest.raises(ValueError):
            cembed.embedding_bag(t, [[1, 2], [0, 0]], out=out)
        assert out.tobytes() == before
    # docs/kernels.rst: out "must be C-contiguous with that shape and dtype" but names no
    # exception for a wrong dtype; TypeError or ValueError are both accepted.
    other = np.zeros((2, D), np.float64 if dt == np.float32 else np.float32)
    for out in (other, np.zeros((2, D), np.int64)):
        with pytest.raises((TypeError, ValueError)):
            cembed.gather(t, [1, 2], out=out)
        with pytest.raises((TypeError, ValueError)):
            cembed.embedding_bag(t, [[1, 2], [0, 0]], out=out)
        np.testing.assert_array_equal(out, 0)


# ------------------------------------------------------------ gradients


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_grad_shape_mismatch(dt):
    idx = np.array([[0, 1], [2, 3]])
    t = table_for(dt)
    for g in (np.ones((2, 2), dt), np.ones((4, D), dt), np.ones((2, 3, D), dt),
              np.ones((2, 2, D, 1), dt)):
        with pytest.raises(ValueError):
            cembed.accumulate(idx, g)
        with pytest.raises(ValueError):
            cembed.scatter_add(t, idx, g)
    with pytest.raises(ValueError):
        cembed.scatter_add(t, idx, np.ones((2, 2, D + 1), dt))
    np.testing.assert_array_equal(t, table_for(dt))
    # embedding_bag_backward: grad must be (B, D)
    for g in (np.ones((3, D), dt), np.ones((2,), dt), np.ones((2, D, 1), dt)):
        with pytest.raises(ValueError):
            cembed.embedding_bag_backward(idx, None, g)
        with pytest.raises(ValueError):
            cembed.embedding_bag_backward(idx.ravel(), [0, 2], g)


def test_grad_of_integer_dtype_is_type_error():
    # docs/kernels.rst names dtypes only for tables; an integer gradient is rejected like
    # an integer table.
    with pytest.raises(TypeError):
        cembed.accumulate([0, 1], np.ones((2, D), np.int64))
    with pytest.raises(TypeError):
        cembed.embedding_bag_backward([[0, 1]], None, np.ones((1, D), np.int32))


# ------------------------------------------------------------ bag arguments


def test_embedding_bag_argument_errors():
    t = table_for()
    out = np.full((2, D), SENTINEL, np.float32)
    flat = np.array([0, 1, 2, 3])
    cases = [
        dict(indices=flat, offsets=[1, 2]),            # offsets[0] != 0
        dict(indices=flat, offsets=[0, 3, 2]),         # decreasing
        dict(indices=flat, offsets=[0, 5]),            # beyond N
        dict(indices=flat, offsets=[0, -1]),           # negative
        dict(indices=flat, offsets=np.array([0, 2**63], np.uint64)),  # far beyond N
        dict(indices=flat, offsets=[[0, 2]]),          # 2-D offsets
        dict(indices=[[0, 1], [2, 3]], offsets=[0, 1]),  # 2-D indices take no offsets
        dict(indices=np.zeros((2, 2, 2), np.int64)),   # 3-D indices
        dict(indices=[[0, 1], [2, 3]], mode="avg"),
        dict(indices=[[0, 1], [2, 3]], mode="max", per_sample_weights=np.ones((2, 2), np.float32)),
        dict(indices=[[0, 1], [2, 3]], per_sample_weights=np.ones((2, 3), np.float32)),
        dict(indices=[[0, 1], [2, 3]], per_sample_weights=np.ones(4, np.float32)),
        dict(indices=flat, offsets=[0, 2], per_sample_weights=np.ones(3, np.float32)),
        dict(indices=[[0, 1], [2, 3]], padding_idx=V),
        dict(indices=[[0, 1], [2, 3]], padding_idx=-V - 1),
    ]
    for kw in cases:
        with pytest.raises(ValueError):
            cembed.embedding_bag(t, **kw)
        # the out= form writes nothing either
        with pytest.raises(ValueError):
            cembed.embedding_bag(t, out=out, **kw)
        assert (out == SENTINEL).all(), kw
    np.testing.assert_array_equal(t, table_for())


def test_embedding_bag_1d_without_offsets_is_rejected():
    # docs/kernels.rst: 1-D indices come with offsets; it does not say which error
    with pytest.raises((ValueError, TypeError)):
        cembed.embedding_bag(table_for(), [0, 1, 2])


def test_embedding_bag_backward_argument_errors():
    g = np.ones((2, D))
    flat = np.array([0, 1, 2, 3])
    for args, kw in (
        ((flat, [1, 2], g), {}),
        ((flat, [0, 3], g[:1]), {}),
        ((flat, [0, 5], g), {}),
        ((flat, [0, 3, 2], np.ones((3, D))), {}),
        (([[0, 1], [2, 3]], [0, 1], g), {}),
        ((flat, [0, 2], g), dict(mode="avg")),
        ((flat, [0, 2], g), dict(per_sample_weights=np.ones(3))),
        ((flat, [0, 2], g), dict(padding_idx=V, num_rows=V)),
        # a negative padding_idx counts from the end: it needs num_rows
        ((flat, [0, 2], g), dict(padding_idx=-1)),
    ):
        with pytest.raises(ValueError):
            cembed.embedding_bag_backward(*args, **kw)
    np.testing.assert_array_equal(g, 1)


# ------------------------------------------------------------ byte order


def test_byte_swapped_table_is_type_error():
    # A '>f4' table is not float32 in memory; it can be neither used in place
    # nor copied behind the user's back (the docs are silent; TypeError as a
    # table of the wrong dtype).
    table = np.arange(6, dtype=np.float32).reshape(3, 2).astype(">f4" if np.little_endian else "<f4")
    with pytest.raises(TypeError):
        cembed.gather(table, [1])
    with pytest.raises(TypeError):
        cembed.scatter_add(table, [1], np.ones((1, 2), np.float32))


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_byte_swapped_gradients_are_plain_inputs(dt):
    # grads are inputs, not tables: any float array np.asarray takes is fine.
    swapped = np.dtype(dt).newbyteorder()
    g = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=swapped)
    rows, vals = cembed.accumulate([1, 1], g)
    np.testing.assert_array_equal(rows, [1])
    np.testing.assert_array_equal(vals, [[4.0, 6.0]])
    t = np.zeros((3, 2), dt)
    cembed.scatter_add(t, [2, 0], g)
    np.testing.assert_array_equal(t, [[3, 4], [0, 0], [1, 2]])
    cembed.sgd_update(t, [0, 2], g, learning_rate=1.0)
    np.testing.assert_array_equal(t, [[2, 2], [0, 0], [-2, -2]])


# ------------------------------------------- bad input on the parallel path


@pytest.mark.parametrize("where", [0, 200_001, -1])
def test_large_inputs_check_every_index_before_writing(where):
    """The same guarantees when the input is large enough to go parallel."""
    rng = np.random.default_rng(12)
    v, d, n = 10_000, 16, 400_000
    table = rng.standard_normal((v, d)).astype(np.float32)
    idx = rng.integers(0, v, size=n)
    idx[where] = v
    pos = (int(np.arange(n)[where]),)
    grad = np.ones((n, d), np.float32)
    out = np.full((n, d), SENTINEL, np.float32)
    bag_out = np.full((n // 10, d), SENTINEL, np.float32)
    assert_index_error(lambda: cembed.gather(table, idx, out=out), [table, out], v, pos, v)
    assert_index_error(lambda: cembed.embedding_bag(table, idx.reshape(-1, 10), out=bag_out),
                       [table, bag_out], v, (pos[0] // 10, pos[0] % 10), v)
    assert_index_error(lambda: cembed.scatter_add(table, idx, grad), [table, grad], v, pos, v)
    assert_index_error(lambda: cembed.accumulate(idx, grad, num_rows=v), [grad], v, pos, v)


@pytest.mark.parametrize("where", [0, -1])
def test_large_row_lists_check_every_row_before_writing(where):
    rng = np.random.default_rng(13)
    v, d = 200_000, 16
    table = rng.standard_normal((v, d)).astype(np.float32)
    rows = np.arange(v)
    rows[where] = v if where == -1 else -1
    pos = (int(np.arange(v)[where]),)
    state = np.zeros_like(table), np.zeros_like(table)
    g = np.ones((v, d), np.float32)
    assert_index_error(lambda: cembed.adam_update(table, *state, rows, g, 1),
                       [table, *state], rows[where], pos, v, ROW)
    assert_index_error(lambda: cembed.adagrad_update(table, state[0], rows, g),
                       [table, state[0]], rows[where], pos, v, ROW)
    assert_index_error(lambda: cembed.sgd_update(table, rows, g), [table], rows[where], pos, v,
                       ROW)
