"""adam_update, adagrad_update and sgd_update against the formulas of docs/kernels.rst."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cembed
from oracles import adagrad_ref, adam_ref, assert_update_close, sgd_ref
from strategies import (
    FLOAT_DTYPES,
    INT_DTYPES,
    PROPERTY,
    dims,
    make_indices,
    num_rows,
    random_table,
    rng_from,
    seeds,
    table_layouts,
)


@st.composite
def row_sets(draw, v):
    """Strictly increasing rows of [0, v), as any integer dtype or a list."""
    rng = rng_from(draw(seeds))
    k = draw(st.integers(0, v))
    rows = np.sort(rng.choice(v, size=k, replace=False)).astype(np.int64)
    dtype = draw(st.sampled_from(INT_DTYPES))
    return make_indices(rows, dtype, draw(st.sampled_from(["c", "strided", "list"]))), rows


def _state(rng, v, d, dtype, layout, positive=False):
    s, base = random_table(rng, v, d, dtype, layout)
    if positive:
        np.abs(base, out=base)
    return s, base


def _grads(rng, data, k, d, dtype):
    """Random (k, d) gradients, sometimes as a non-contiguous view."""
    g = rng.standard_normal((k, d)).astype(dtype)
    if data.draw(st.booleans()):
        base = np.zeros((k, 2 * d), dtype)
        base[:, ::2] = g
        g = base[:, ::2]
    return g


def _untouched(after, before, rows):
    mask = np.ones(len(before), bool)
    mask[rows] = False
    np.testing.assert_array_equal(after[mask], before[mask])


@PROPERTY
@given(st.data(), num_rows, dims, st.sampled_from(FLOAT_DTYPES), table_layouts,
       st.integers(1, 50), st.booleans())
def test_adam_update_matches_formula(data, v, d, dtype, layout, step, defaults):
    rng = rng_from(data.draw(seeds))
    table, _ = _state(rng, v, d, dtype, layout)
    m, _ = _state(rng, v, d, dtype, data.draw(table_layouts))
    v_, _ = _state(rng, v, d, dtype, data.draw(table_layouts), positive=True)
    rows_in, rows = data.draw(row_sets(v))
    grads = _grads(rng, data, rows.size, d, dtype)
    kw = {} if defaults else dict(learning_rate=0.05, beta_1=0.8, beta_2=0.99, epsilon=1e-3)
    before = [table.copy(), m.copy(), v_.copy()]
    ref = adam_ref(table, m, v_, rows, grads, step, **kw)

    cembed.adam_update(table, m, v_, rows_in, grads, step, **kw)

    for got, exp, old in zip((table, m, v_), ref, before):
        assert got.dtype == dtype
        assert_update_close(got, exp, dtype)
        _untouched(got, old, rows)


@PROPERTY
@given(st.data(), num_rows, dims, st.sampled_from(FLOAT_DTYPES), table_layouts,
       st.booleans(), st.booleans())
def test_adagrad_update_matches_formula(data, v, d, dtype, layout, rowwise, defaults):
    rng = rng_from(data.draw(seeds))
    table, _ = _state(rng, v, d, dtype, layout)
    if rowwise:
        accum = np.abs(rng.standard_normal(v)).astype(dtype)
    else:
        accum, _ = _state(rng, v, d, dtype, data.draw(table_layouts), positive=True)
    rows_in, rows = data.draw(row_sets(v))
    grads = _grads(rng, data, rows.size, d, dtype)
    kw = {} if defaults else dict(learning_rate=0.1, epsilon=1e-4)
    before = [table.copy(), accum.copy()]
    ref = adagrad_ref(table, accum, rows, grads, **kw)

    cembed.adagrad_update(table, accum, rows_in, grads, **kw)

    for got, exp, old in zip((table, accum), ref, before):
        assert got.dtype == dtype
        assert_update_close(got, exp, dtype)
        _untouched(got, old, rows)


@PROPERTY
@given(st.data(), num_rows, dims, st.sampled_from(FLOAT_DTYPES), table_layouts, st.booleans())
def test_sgd_update_matches_formula(data, v, d, dtype, layout, defaults):
    rng = rng_from(data.draw(seeds))
    table, _ = _state(rng, v, d, dtype, layout)
    rows_in, rows = data.draw(row_sets(v))
    grads = _grads(rng, data, rows.size, d, dtype)
    kw = {} if defaults else dict(learning_rate=0.3)
    before = table.copy()
    ref = sgd_ref(table, rows, grads, **kw)

    cembed.sgd_update(table, rows_in, grads, **kw)

    assert_update_close(table, ref, dtype)
    _untouched(table, before, rows)


def test_adam_update_several_steps_in_float64():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((6, 4))
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    rw, rm, rv = w.copy(), m.copy(), v.copy()
    for step in range(1, 6):
        rows = np.sort(rng.choice(6, size=3, replace=False))
        g = rng.standard_normal((3, 4))
        cembed.adam_update(w, m, v, rows, g, step)
        rw, rm, rv = adam_ref(rw, rm, rv, rows, g, step)
    np.testing.assert_allclose(w, rw, rtol=1e-12)
    np.testing.assert_allclose(m, rm, rtol=1e-12)
    np.testing.assert_allclose(v, rv, rtol=1e-12)


def test_adam_first_step_moves_by_learning_rate():
    # with m = v = 0 and step 1, Adam moves each element by ~lr * sign(g)
    w = np.zeros((3, 2), np.float32)
    m, v = np.zeros_like(w), np.zeros_like(w)
    cembed.adam_update(w, m, v, [1], np.array([[2.0, -0.5]], np.float32), 1, learning_rate=0.1)
    np.testing.assert_allclose(w[1], [-0.1, 0.1], rtol=1e-5)
    np.testing.assert_array_equal(w[[0, 2]], 0)


@pytest.mark.parametrize("step", [0, -1])
def test_adam_step_must_be_positive(step):
    w = np.ones((3, 2))
    m, v = np.zeros_like(w), np.zeros_like(w)
    with pytest.raises(ValueError):
        cembed.adam_update(w, m, v, [0], np.ones((1, 2)), step)
    np.testing.assert_array_equal(w, 1)
    np.testing.assert_array_equal(m, 0)
    np.testing.assert_array_equal(v, 0)


def test_adagrad_rowwise_uses_mean_of_squares():
    w = np.ones((3, 4), np.float64)
    acc = np.zeros(3)
    g = np.array([[1.0, 2.0, 3.0, 4.0]])
    cembed.adagrad_update(w, acc, [2], g, learning_rate=1.0, epsilon=0.0)
    np.testing.assert_allclose(acc, [0, 0, 7.5])
    np.testing.assert_allclose(w[2], 1 - g[0] / np.sqrt(7.5))
    np.testing.assert_array_equal(w[:2], 1)


def test_adagrad_rowwise_strided_accum():
    """A strided (V,) accumulator: docs/kernels.rst asks only for contiguous rows, and a
    row of one float always is. Either it is used in place, or refused with
    a ValueError that says how to fix it; never updated in a copy."""
    w = np.ones((4, 2))
    base = np.zeros(8)
    acc = base[::2]
    g = np.array([[3.0, 4.0]])
    try:
        cembed.adagrad_update(w, acc, [1], g, learning_rate=1.0, epsilon=0.0)
    except ValueError as e:
        assert "ascontiguousarray" in str(e)
        np.testing.assert_array_equal(w, 1)
        np.testing.assert_array_equal(base, 0)
    else:
        np.testing.assert_array_equal(base, [0, 0, 12.5, 0, 0, 0, 0, 0])
        np.testing.assert_allclose(w[1], 1 - g[0] / np.sqrt(12.5))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
def test_updates_with_no_rows_change_nothing(dtype):
    w = np.ones((3, 2), dtype)
    m, v = np.zeros_like(w), np.zeros_like(w)
    empty_g = np.zeros((0, 2), dtype)
    cembed.adam_update(w, m, v, [], empty_g, 1)
    cembed.adagrad_update(w, m, [], empty_g)
    cembed.adagrad_update(w, np.zeros(3, dtype), np.empty(0, np.uint8), empty_g)
    cembed.sgd_update(w, [], empty_g)
    np.testing.assert_array_equal(w, 1)
    np.testing.assert_array_equal(m, 0)
    np.testing.assert_array_equal(v, 0)


@pytest.mark.parametrize("kernel", ["adam", "adagrad", "adagrad_rowwise", "sgd"])
@pytest.mark.parametrize("rows", [[1, 1], [2, 0], [0, 2, 2], [0, 3, 1]])
def test_rows_must_be_strictly_increasing(kernel, rows):
    w = np.ones((4, 2), np.float32)
    s1, s2 = np.full_like(w, 0.5), np.full_like(w, 0.25)
    acc1 = np.full(4, 0.5, np.float32)
    g = np.ones((len(rows), 2), np.float32)
    call = {
        "adam": lambda: cembed.adam_update(w, s1, s2, rows, g, 1),
        "adagrad": lambda: cembed.adagrad_update(w, s1, rows, g),
        "adagrad_rowwise": lambda: cembed.adagrad_update(w, acc1, rows, g),
        "sgd": lambda: cembed.sgd_update(w, rows, g),
    }[kernel]
    with pytest.raises(ValueError):
        call()
    np.testing.assert_array_equal(w, 1)
    np.testing.assert_array_equal(s1, 0.5)
    np.testing.assert_array_equal(s2, 0.25)
    np.testing.assert_array_equal(acc1, 0.5)


def test_large_parallel_updates():
    rng = np.random.default_rng(8)
    v, d = 20000, 64
    rows = np.sort(rng.choice(v, size=15000, replace=False))
    for dtype in FLOAT_DTYPES:
        w = rng.standard_normal((v, d)).astype(dtype)
        m = rng.standard_normal((v, d)).astype(dtype)
        s = np.abs(rng.standard_normal((v, d))).astype(dtype)
        g = rng.standard_normal((rows.size, d)).astype(dtype)
        ref = adam_ref(w, m, s, rows, g, 7)
        cembed.adam_update(w, m, s, rows, g, 7)
        for got, exp in zip((w, m, s), ref):
            assert_update_close(got, exp, dtype)
