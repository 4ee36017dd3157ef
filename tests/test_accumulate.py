"""Sparse gradients (accumulate, embedding_bag_backward) and scatter_add
against np.add.at and the one-hot / bag matrix transposes."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cembed
from oracles import (
    accumulate_matrix_ref,
    accumulate_ref,
    assert_within_bound,
    bag_layout,
    embedding_bag_backward_ref,
    normalize_padding,
    scatter_add_ref,
)
from strategies import (
    FLOAT_DTYPES,
    INT_DTYPES,
    PROPERTY,
    dims,
    index_inputs,
    make_indices,
    num_rows,
    random_table,
    rng_from,
    seeds,
    table_layouts,
)


def _grad(rng, shape, dtype, layout="c"):
    """A random grad of `shape`, contiguous or as a non-contiguous view."""
    g = rng.standard_normal(shape).astype(dtype)
    if layout == "c":
        return g
    base = np.zeros(shape[:-1] + (2 * shape[-1] + 1,), dtype)
    base[..., 1::2] = g
    return base[..., 1::2]


def _check_sparse(rows, values, ref_rows, ref_values, grad_dtype):
    assert rows.dtype == np.int64 and rows.ndim == 1
    assert values.dtype == grad_dtype
    assert values.shape == (rows.size,) + ref_values.shape[1:]
    np.testing.assert_array_equal(rows, ref_rows)
    np.testing.assert_array_equal(values, ref_values)


def _densify(rows, values, num_rows):
    dense = np.zeros((num_rows, values.shape[1]), dtype=np.float64)
    dense[rows] = values
    return dense


# ------------------------------------------------------------- accumulate


@PROPERTY
@given(st.data(), num_rows, dims, st.sampled_from(FLOAT_DTYPES),
       st.sampled_from(["c", "strided"]), st.booleans())
def test_accumulate_equals_add_at_bitwise(data, v, d, dtype, grad_layout, give_num_rows):
    rng = rng_from(data.draw(seeds))
    indices, values = data.draw(index_inputs(v))
    grad = _grad(rng, values.shape + (d,), dtype, grad_layout)
    grad_before = grad.copy()

    rows, vals = cembed.accumulate(indices, grad, num_rows=v if give_num_rows else None)

    ref_rows, ref_vals = accumulate_ref(values, grad, v)
    _check_sparse(rows, vals, ref_rows, ref_vals, dtype)
    assert np.all(np.diff(rows) > 0)
    np.testing.assert_allclose(_densify(rows, vals, v), accumulate_matrix_ref(values, grad, v),
                               rtol=1e-5 if dtype == np.float32 else 1e-12,
                               atol=1e-5 if dtype == np.float32 else 1e-12)
    np.testing.assert_array_equal(grad, grad_before)


@pytest.mark.parametrize("dtype", INT_DTYPES, ids=str)
def test_accumulate_every_index_dtype(dtype):
    values = np.array([[4, 0], [4, 9], [0, 4]])
    grad = np.arange(12, dtype=np.float32).reshape(3, 2, 2) / 7
    rows, vals = cembed.accumulate(values.astype(dtype), grad)
    ref_rows, ref_vals = accumulate_ref(values, grad)
    _check_sparse(rows, vals, ref_rows, ref_vals, np.float32)


def test_accumulate_sums_in_order_of_occurrence():
    # 1e8 + 1 - 1e8 in float32 is 0, in other orders 1: order matters
    g = np.array([[1e8], [1.0], [-1e8], [1.0]], dtype=np.float32)
    idx = np.array([3, 3, 3, 0])
    rows, vals = cembed.accumulate(idx, g)
    ref = np.zeros((4, 1), np.float32)
    np.add.at(ref, idx, g)
    np.testing.assert_array_equal(rows, [0, 3])
    np.testing.assert_array_equal(vals, ref[[0, 3]])


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
def test_accumulate_empty(dtype):
    for idx, grad_shape in (([], (0, 4)), (np.empty((3, 0), np.int16), (3, 0, 4))):
        rows, vals = cembed.accumulate(idx, np.zeros(grad_shape, dtype))
        assert rows.shape == (0,) and rows.dtype == np.int64
        assert vals.shape == (0, 4) and vals.dtype == dtype
    rows, vals = cembed.accumulate([1, 1, 0], np.zeros((3, 0), dtype))
    np.testing.assert_array_equal(rows, [0, 1])
    assert vals.shape == (2, 0)


def test_accumulate_one_row_and_large_indices():
    big = 2**40 + 3
    rows, vals = cembed.accumulate(np.array([big, big], np.uint64), np.ones((2, 3)))
    np.testing.assert_array_equal(rows, [big])
    np.testing.assert_array_equal(vals, [[2, 2, 2]])


def test_accumulate_large_parallel_input():
    rng = np.random.default_rng(3)
    idx = (rng.zipf(1.3, size=200_000) % 5000).astype(np.int64)
    grad = rng.standard_normal((200_000, 16)).astype(np.float32)
    rows, vals = cembed.accumulate(idx, grad, num_rows=5000)
    ref_rows, ref_vals = accumulate_ref(idx, grad, 5000)
    _check_sparse(rows, vals, ref_rows, ref_vals, np.float32)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
@pytest.mark.parametrize("d", [1, 7, 16, 33, 64])
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_accumulate_large_groups_bitwise(dtype, d, threads):
    # groups of several rows on average are summed by position rather than
    # gathered group by group: still np.add.at's sums, from +0 (a -0.0
    # gradient row alone gives +0.0), on any number of threads
    rng = np.random.default_rng(d)
    idx = (rng.zipf(1.2, size=(600, 50)) % 900).astype(np.int64)
    grad = rng.standard_normal(idx.shape + (d,)).astype(dtype)
    grad[idx == idx[0, 0]] = -0.0
    before = cembed.get_num_threads()
    try:
        cembed.set_num_threads(threads)
        rows, vals = cembed.accumulate(idx, grad, num_rows=900)
    finally:
        cembed.set_num_threads(before)
    assert idx.size >= 2 * rows.size
    ref_rows, ref_vals = accumulate_ref(idx, grad, 900)
    _check_sparse(rows, vals, ref_rows, ref_vals, dtype)
    assert not np.signbit(vals[rows == idx[0, 0]]).any()


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
@pytest.mark.parametrize("mode", ["sum", "mean", "sqrtn"])
def test_embedding_bag_backward_large_groups_bitwise(dtype, mode):
    # each index adds grad[bag] * scale, in order of position, from +0
    rng = np.random.default_rng(5)
    idx = (rng.zipf(1.3, size=(2000, 30)) % 400).astype(np.int64)
    w = rng.uniform(0.5, 2.0, size=idx.shape).astype(dtype)
    g = rng.standard_normal((2000, 9)).astype(dtype)
    rows, vals = cembed.embedding_bag_backward(idx, None, g, mode=mode, per_sample_weights=w,
                                               num_rows=400)
    # the sums in order, as C forms them (NumPy's sum is pairwise)
    denom = {"sum": np.ones(2000, dtype), "mean": np.add.accumulate(w, axis=1)[:, -1],
             "sqrtn": np.sqrt(np.add.accumulate(w * w, axis=1)[:, -1])}[mode]
    scale = w / denom[:, None]
    ref = np.zeros((400, 9), dtype)
    np.add.at(ref, idx.ravel(), (g[:, None, :] * scale[:, :, None]).reshape(-1, 9))
    np.testing.assert_array_equal(rows, np.unique(idx))
    np.testing.assert_array_equal(vals, ref[rows])


# --------------------------------------------------- embedding_bag_backward


@st.composite
def backward_inputs(draw, v):
    rng = rng_from(draw(seeds))
    mode = draw(st.sampled_from(["sum", "mean", "sqrtn"]))
    hi = draw(st.sampled_from([v, min(v, 3)]))
    if draw(st.booleans()):
        values = rng.integers(0, hi, size=(draw(st.integers(0, 7)), draw(st.integers(0, 6))))
        offsets = None
    else:
        lengths = [draw(st.integers(0, 6)) for _ in range(draw(st.integers(0, 7)))]
        values = rng.integers(0, hi, size=sum(lengths))
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64) if lengths else np.zeros(0, np.int64)
    indices = make_indices(values, draw(st.sampled_from(INT_DTYPES)),
                           draw(st.sampled_from(["c", "strided", "reversed", "list"])))
    weights = None
    if draw(st.booleans()):
        lo = -2 if mode == "sum" else 0.1
        weights = rng.uniform(lo, 2, size=values.shape)
    padding_idx = draw(st.one_of(st.none(), st.integers(-v, v - 1)))
    return indices, values, offsets, mode, weights, padding_idx


@PROPERTY
@given(st.data(), num_rows, dims, st.sampled_from(FLOAT_DTYPES), st.booleans())
def test_embedding_bag_backward_equals_bag_matrix_transpose(data, v, d, dtype, give_num_rows):
    indices, values, offsets, mode, weights, padding_idx = data.draw(backward_inputs(v))
    rng = rng_from(data.draw(seeds))
    _, off = bag_layout(values, offsets)
    grad = rng.standard_normal((off.size - 1, d)).astype(dtype)
    if weights is not None:
        weights = weights.astype(dtype)
    pad_arg = padding_idx
    if not give_num_rows and padding_idx is not None and padding_idx < 0:
        pad_arg = None  # a negative padding_idx needs num_rows to resolve
        padding_idx = None

    rows, vals = cembed.embedding_bag_backward(
        indices, offsets, grad, mode=mode, per_sample_weights=weights,
        padding_idx=pad_arg, num_rows=v if give_num_rows else None)

    assert rows.dtype == np.int64 and vals.dtype == dtype
    assert vals.shape == (rows.size, d)
    assert np.all(np.diff(rows) > 0)
    present = np.unique(values)
    pad = normalize_padding(padding_idx, v)
    assert np.isin(rows, present).all(), "rows must be indices that occur"
    assert np.isin(present[present != pad], rows).all(), "every non-padding index has a row"
    via_matrix, via_add_at, bound = embedding_bag_backward_ref(
        values, offsets, grad, mode, weights, padding_idx, v)
    dense = _densify(rows, vals, v)
    assert_within_bound(dense, via_matrix, bound, dtype)
    assert_within_bound(dense, via_add_at, bound, dtype)
    if pad is not None and pad in rows:
        np.testing.assert_array_equal(vals[rows == pad], 0)


def test_embedding_bag_backward_mean_example():
    idx = np.array([0, 2, 2, 1])
    grad = np.array([[1.0, 2.0], [4.0, 8.0]], np.float32)
    # bags: [0, 2, 2] and [1]; mean scales by 1/3 and 1
    rows, vals = cembed.embedding_bag_backward(idx, [0, 3], grad, mode="mean")
    np.testing.assert_array_equal(rows, [0, 1, 2])
    np.testing.assert_allclose(vals, [[1 / 3, 2 / 3], [4, 8], [2 / 3, 4 / 3]], rtol=1e-6)


def test_embedding_bag_backward_rejects_max():
    with pytest.raises(ValueError):
        cembed.embedding_bag_backward(np.array([[0, 1]]), None, np.ones((1, 2)), mode="max")


def test_embedding_bag_backward_empty():
    rows, vals = cembed.embedding_bag_backward([], [], np.zeros((0, 3), np.float32))
    assert rows.shape == (0,) and rows.dtype == np.int64
    assert vals.shape == (0, 3) and vals.dtype == np.float32
    rows, vals = cembed.embedding_bag_backward(np.empty((4, 0), np.int64), None,
                                               np.ones((4, 3)), mode="mean")
    assert rows.shape == (0,) and vals.shape == (0, 3)


# ------------------------------------------------------------- scatter_add


@PROPERTY
@given(st.data(), num_rows, dims, st.sampled_from(FLOAT_DTYPES), table_layouts)
def test_scatter_add_equals_add_at_bitwise(data, v, d, dtype, layout):
    rng = rng_from(data.draw(seeds))
    table, base = random_table(rng, v, d, dtype, layout)
    indices, values = data.draw(index_inputs(v))
    grad = _grad(rng, values.shape + (d,), dtype, data.draw(st.sampled_from(["c", "strided"])))
    ref = scatter_add_ref(table, values, grad)
    base_ref = base.copy()
    base_ref_view = base_ref[::2] if layout == "rowstep" else (
        base_ref[:, :d] if layout == "narrow" else base_ref)
    base_ref_view[...] = ref

    result = cembed.scatter_add(table, indices, grad)

    # docs/kernels.rst says "in place" and nothing about a return value: None or the table
    assert result is None or result is table
    np.testing.assert_array_equal(table, ref)
    # the rest of the base array (rows / columns outside the view) untouched
    np.testing.assert_array_equal(base, base_ref)


def test_scatter_add_repeats_in_order_of_occurrence():
    table = np.zeros((2, 1), np.float32)
    grad = np.array([[1e8], [1.0], [-1e8], [1.0]], np.float32)
    cembed.scatter_add(table, [1, 1, 1, 0], grad)
    ref = np.zeros((2, 1), np.float32)
    np.add.at(ref, [1, 1, 1, 0], grad)
    np.testing.assert_array_equal(table, ref)


def test_scatter_add_empty_leaves_table():
    table = np.ones((3, 2))
    cembed.scatter_add(table, [], np.zeros((0, 2)))
    cembed.scatter_add(table, np.empty((2, 0), np.uint16), np.zeros((2, 0, 2)))
    np.testing.assert_array_equal(table, 1)


def test_scatter_add_large_parallel_input():
    rng = np.random.default_rng(4)
    table = rng.standard_normal((3000, 64)).astype(np.float32)
    idx = (rng.zipf(1.5, size=(400, 500)) % 3000)
    grad = rng.standard_normal((400, 500, 64)).astype(np.float32)
    ref = scatter_add_ref(table, idx, grad)
    cembed.scatter_add(table, idx, grad)
    np.testing.assert_array_equal(table, ref)
