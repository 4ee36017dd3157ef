"""gather and embedding_bag against scipy.sparse one-hot / bag matrices."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cembed
from oracles import (
    assert_within_bound,
    bag_layout,
    embedding_bag_ref,
    gather_ref,
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

# ------------------------------------------------------------------ gather


@PROPERTY
@given(st.data(), num_rows, dims, st.sampled_from(FLOAT_DTYPES), table_layouts)
def test_gather_equals_onehot_product(data, v, d, dtype, layout):
    rng = rng_from(data.draw(seeds))
    table, _ = random_table(rng, v, d, dtype, layout)
    indices, values = data.draw(index_inputs(v))
    before = table.copy()

    got = cembed.gather(table, indices)

    ref = gather_ref(table, values)
    assert got.shape == values.shape + (d,)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(got, table[values])
    np.testing.assert_array_equal(table, before)


@PROPERTY
@given(st.data(), num_rows, dims, st.sampled_from(FLOAT_DTYPES))
def test_gather_out_is_filled_and_returned(data, v, d, dtype):
    rng = rng_from(data.draw(seeds))
    table, _ = random_table(rng, v, d, dtype, "c")
    indices, values = data.draw(index_inputs(v))
    out = np.full(values.shape + (d,), np.nan, dtype=dtype)

    got = cembed.gather(table, indices, out=out)

    assert got is out
    np.testing.assert_array_equal(out, table[values])


@pytest.mark.parametrize("dtype", INT_DTYPES, ids=str)
def test_gather_every_index_dtype(dtype):
    table = np.arange(40, dtype=np.float32).reshape(10, 4)
    values = np.array([[9, 0, 3], [3, 3, 1]])
    got = cembed.gather(table, values.astype(dtype))
    np.testing.assert_array_equal(got, table[values])


def test_gather_python_ints_and_scalar():
    table = np.arange(12, dtype=np.float64).reshape(4, 3)
    np.testing.assert_array_equal(cembed.gather(table, [[1, 2], [3, 0]]), table[[[1, 2], [3, 0]]])
    np.testing.assert_array_equal(cembed.gather(table, 2), table[2])
    assert cembed.gather(table, 2).shape == (3,)
    np.testing.assert_array_equal(cembed.gather(table, np.int8(3)), table[3])


def test_gather_table_from_nested_list():
    # "anything np.asarray takes": a list table is a float64 table.
    got = cembed.gather([[0.5, 1.5], [2.5, 3.5]], [1, 0, 1])
    np.testing.assert_array_equal(got, [[2.5, 3.5], [0.5, 1.5], [2.5, 3.5]])
    assert got.dtype == np.float64


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
def test_gather_strided_row_views_read_the_view(dtype):
    base = np.arange(60, dtype=dtype).reshape(10, 6)
    idx = np.array([0, 4, 2, 4])
    for view in (base[::2], base[:, :3], base[1::3, 2:5], base[::-1], base[::-2, 1:]):
        np.testing.assert_array_equal(cembed.gather(view, idx[idx < len(view)]),
                                      view[idx[idx < len(view)]])


def test_gather_read_only_table():
    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    table.setflags(write=False)
    np.testing.assert_array_equal(cembed.gather(table, [3, 1]), table[[3, 1]])


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
def test_gather_empty(dtype):
    table = np.ones((5, 3), dtype=dtype)
    for idx, shape in (([], (0, 3)), (np.empty(0, np.int32), (0, 3)),
                       (np.empty((4, 0), np.uint8), (4, 0, 3)),
                       (np.empty((0, 2, 7), np.int64), (0, 2, 7, 3))):
        got = cembed.gather(table, idx)
        assert got.shape == shape and got.dtype == dtype
    # an empty table with empty indices, and a table of zero-width rows
    assert cembed.gather(np.empty((0, 4), dtype), []).shape == (0, 4)
    got = cembed.gather(np.empty((5, 0), dtype), [[1, 4], [0, 0]])
    assert got.shape == (2, 2, 0) and got.dtype == dtype


def test_gather_out_empty_is_returned():
    out = np.empty((0, 3), np.float32)
    assert cembed.gather(np.ones((2, 3), np.float32), [], out=out) is out


def test_gather_large_parallel_input():
    rng = np.random.default_rng(5)
    table = rng.standard_normal((1000, 64)).astype(np.float32)
    idx = rng.integers(0, 1000, size=(300, 700))
    np.testing.assert_array_equal(cembed.gather(table, idx), table[idx])


# ------------------------------------------------------------------ bags


@st.composite
def bag_inputs(draw, v):
    """A random embedding_bag call: (kwargs for cembed, description)."""
    rng = rng_from(draw(seeds))
    two_d = draw(st.booleans())
    mode = draw(st.sampled_from(["sum", "mean", "sqrtn", "max"]))
    hi = draw(st.sampled_from([v, min(v, 3)]))
    if two_d:
        b, l = draw(st.integers(0, 7)), draw(st.integers(0, 6))
        values = rng.integers(0, hi, size=(b, l))
        offsets = None
        layout = draw(st.sampled_from(["c", "strided", "transposed", "list"]))
    else:
        lengths = [draw(st.integers(0, 6)) for _ in range(draw(st.integers(0, 7)))]
        values = rng.integers(0, hi, size=sum(lengths))
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64) if lengths else np.zeros(0, np.int64)
        layout = draw(st.sampled_from(["c", "strided", "reversed", "list"]))
        offsets = make_indices(offsets, draw(st.sampled_from(INT_DTYPES)),
                               draw(st.sampled_from(["c", "list"])))
    dtype = draw(st.sampled_from(INT_DTYPES))
    indices = make_indices(values, dtype, layout)
    weights = None
    if mode != "max" and draw(st.booleans()):
        if mode == "sum":
            weights = rng.uniform(-2, 2, size=values.shape)
        else:  # positive, so the normaliser is well conditioned
            weights = rng.uniform(0.1, 2, size=values.shape)
    padding_idx = None
    if draw(st.booleans()):
        padding_idx = draw(st.integers(-v, v - 1))
    return dict(indices=indices, offsets=offsets, mode=mode, weights=weights,
                padding_idx=padding_idx, values=values,
                strided_weights=weights is not None and draw(st.booleans()))


def _call_bag(table, case, out=None):
    weights = case["weights"]
    if weights is not None:
        weights = weights.astype(table.dtype)
        if case["strided_weights"] and weights.size:  # a non-contiguous view
            weights = np.repeat(weights, 2, axis=-1)[..., ::2]
    return cembed.embedding_bag(table, case["indices"], offsets=case["offsets"],
                                mode=case["mode"], per_sample_weights=weights,
                                padding_idx=case["padding_idx"], out=out)


def _check_bag(got, table, case):
    weights = case["weights"]
    if weights is not None:
        weights = weights.astype(table.dtype)
    ref, bound = embedding_bag_ref(table, case["values"], case["offsets"], case["mode"],
                                   weights, case["padding_idx"])
    assert got.shape == ref.shape
    assert got.dtype == table.dtype
    if case["mode"] == "max":
        np.testing.assert_array_equal(got, ref)
    else:
        assert_within_bound(got, ref, bound, table.dtype)


@pytest.mark.parametrize("out_given", [False, True])
@PROPERTY
@given(data=st.data(), v=num_rows, d=dims, dtype=st.sampled_from(FLOAT_DTYPES),
       layout=table_layouts)
def test_embedding_bag_equals_bag_matrix_product(out_given, data, v, d, dtype, layout):
    rng = rng_from(data.draw(seeds))
    table, _ = random_table(rng, v, d, dtype, layout)
    case = data.draw(bag_inputs(v))
    before = table.copy()
    _, off = bag_layout(case["values"], case["offsets"])
    out = np.full((off.size - 1, d), np.nan, dtype) if out_given else None

    got = _call_bag(table, case, out=out)

    if out_given:
        assert got is out
    _check_bag(got, table, case)
    np.testing.assert_array_equal(table, before)


@pytest.mark.parametrize("mode", ["sum", "mean", "sqrtn", "max"])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
def test_embedding_bag_2d_equals_offsets_form(mode, dtype):
    rng = np.random.default_rng(1)
    table = rng.standard_normal((20, 5)).astype(dtype)
    idx = rng.integers(0, 20, size=(6, 4))
    a = cembed.embedding_bag(table, idx, mode=mode)
    b = cembed.embedding_bag(table, idx.ravel(), offsets=np.arange(6) * 4, mode=mode)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("mode", ["sum", "mean", "sqrtn", "max"])
def test_embedding_bag_empty_and_all_padding_bags_are_zero(mode):
    table = np.arange(1, 13, dtype=np.float32).reshape(4, 3)
    idx = np.array([1, 2, 3, 3, 0])
    # bags: [1, 2], [], [3, 3] (all padding), [], [0]
    got = cembed.embedding_bag(table, idx, offsets=[0, 2, 2, 4, 4], mode=mode, padding_idx=3)
    assert got.shape == (5, 3)
    np.testing.assert_array_equal(got[[1, 2, 3]], 0)
    np.testing.assert_array_equal(got[4], table[0])
    expected = {"sum": table[1] + table[2], "mean": (table[1] + table[2]) / 2,
                "sqrtn": (table[1] + table[2]) / np.sqrt(np.float32(2)),
                "max": np.maximum(table[1], table[2])}[mode]
    np.testing.assert_allclose(got[0], expected, rtol=1e-6)


def test_embedding_bag_padding_is_not_counted():
    table = np.array([[2.0, 4.0], [10.0, 20.0], [-1.0, 7.0]])
    idx = np.array([[0, 1, 1], [2, 1, 0]])
    np.testing.assert_allclose(cembed.embedding_bag(table, idx, mode="mean", padding_idx=1),
                               [[2.0, 4.0], [0.5, 5.5]])
    np.testing.assert_allclose(cembed.embedding_bag(table, idx, mode="sqrtn", padding_idx=1),
                               [[2.0, 4.0], [1 / np.sqrt(2), 11 / np.sqrt(2)]])
    np.testing.assert_array_equal(cembed.embedding_bag(table, idx, mode="max", padding_idx=1),
                                  [[2.0, 4.0], [2.0, 7.0]])
    # negative padding_idx counts from the end, as torch: -2 is row 1 here
    np.testing.assert_array_equal(cembed.embedding_bag(table, idx, mode="sum", padding_idx=-2),
                                  cembed.embedding_bag(table, idx, mode="sum", padding_idx=1))


def test_embedding_bag_weighted_combiners_as_tensorflow():
    table = np.array([[1.0, 2.0], [3.0, 5.0], [0.0, -4.0]])
    idx = np.array([[0, 1], [2, 2]])
    w = np.array([[2.0, 1.0], [3.0, 4.0]])
    sum_ = np.array([[5.0, 9.0], [0.0, -28.0]])
    np.testing.assert_allclose(cembed.embedding_bag(table, idx, per_sample_weights=w), sum_)
    np.testing.assert_allclose(
        cembed.embedding_bag(table, idx, mode="mean", per_sample_weights=w),
        sum_ / np.array([[3.0], [7.0]]))
    np.testing.assert_allclose(
        cembed.embedding_bag(table, idx, mode="sqrtn", per_sample_weights=w),
        sum_ / np.sqrt([[5.0], [25.0]]))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
def test_embedding_bag_zero_weight_sum_gives_zeros(dtype):
    table = np.array([[1.0, 2.0], [3.0, 5.0]], dtype=dtype)
    idx = np.array([[0, 1], [1, 1]])
    w = np.array([[1.0, -1.0], [0.0, 0.0]], dtype=dtype)
    got = cembed.embedding_bag(table, idx, mode="mean", per_sample_weights=w)
    np.testing.assert_array_equal(got, 0)
    assert np.isfinite(got).all()
    got = cembed.embedding_bag(table, idx, mode="sqrtn", per_sample_weights=w)
    np.testing.assert_allclose(got[0], (table[0] - table[1]) / np.sqrt(2), rtol=1e-6)
    np.testing.assert_array_equal(got[1], 0)
    got = cembed.embedding_bag(table, idx, mode="sum", per_sample_weights=w)
    np.testing.assert_array_equal(got, [table[0] - table[1], [0, 0]])


@pytest.mark.parametrize("mode", ["sum", "mean", "sqrtn", "max"])
def test_embedding_bag_empty_inputs(mode):
    table = np.ones((4, 3), np.float32)
    assert cembed.embedding_bag(table, np.empty((0, 5), np.int64), mode=mode).shape == (0, 3)
    np.testing.assert_array_equal(cembed.embedding_bag(table, np.empty((2, 0), np.int8), mode=mode),
                                  np.zeros((2, 3)))
    assert cembed.embedding_bag(table, [], offsets=[], mode=mode).shape == (0, 3)
    np.testing.assert_array_equal(cembed.embedding_bag(table, [], offsets=[0, 0], mode=mode),
                                  np.zeros((2, 3)))


def test_embedding_bag_strided_and_read_only_tables():
    base = np.arange(48, dtype=np.float64).reshape(8, 6)
    idx = np.array([[0, 3], [2, 2]])
    for view in (base[::2], base[:, :3], base[::-1]):
        np.testing.assert_array_equal(cembed.embedding_bag(view, idx), view[idx].sum(axis=1))
    ro = base.copy()
    ro.setflags(write=False)
    np.testing.assert_array_equal(cembed.embedding_bag(ro, idx, mode="max"), ro[idx].max(axis=1))


def test_embedding_bag_large_parallel_input():
    rng = np.random.default_rng(9)
    table = rng.standard_normal((500, 64))
    idx = rng.integers(0, 500, size=(4000, 50))
    w = rng.uniform(0.5, 1.5, size=idx.shape)
    got = cembed.embedding_bag(table, idx, mode="mean", per_sample_weights=w)
    ref = (table[idx] * w[..., None]).sum(axis=1) / w.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)
