"""64-bit sizes: a memory-mapped table of more than 2**32 elements.

The table is a sparse file: only the pages the test writes (and the kernels
touch) take disk space, so this runs in well under a second where the file
system supports sparse files.
"""
import os

import numpy as np
import pytest

import cembed

# 2**31 + 7 rows of 2 float32: 2**32 + 14 elements, 16 GiB of address space.
# Row numbers past 2**31 need 64-bit indices; element offsets past 2**32
# need 64-bit arithmetic (32-bit signed or unsigned offsets both wrap).
V, D = 2**31 + 7, 2
LAST = np.array([V - 1, V - 2, 2**31, 2**31 - 1, 0, V - 1], dtype=np.int64)
MAX_DISK_BYTES = 64 << 20


def _sparse_memmap(path, shape, dtype=np.float32):
    mm = np.memmap(path, dtype=dtype, mode="w+", shape=shape)
    if os.stat(path).st_blocks * 512 > MAX_DISK_BYTES:
        pytest.skip("the file system does not make sparse files")
    return mm


def _disk_bytes(path):
    return os.stat(path).st_blocks * 512


@pytest.fixture
def big_table(tmp_path):
    path = tmp_path / "table.f32"
    table = _sparse_memmap(path, (V, D))
    rows = np.unique(LAST)
    table[rows] = (rows[:, None] % 1000 + np.arange(D)).astype(np.float32) / 8
    yield table, path
    del table
    os.remove(path)


def test_big_table_really_is_big(big_table):
    table, _ = big_table
    assert table.size > 2**32 and table.shape == (V, D)
    assert table.flags.c_contiguous


@pytest.mark.parametrize("dtype", [np.int64, np.uint32, np.uint64])
def test_gather_last_rows(big_table, dtype):
    table, path = big_table
    idx = LAST.astype(dtype)
    got = cembed.gather(table, idx)
    np.testing.assert_array_equal(got, np.asarray(table[LAST]))
    assert got[0, 1] == np.float32((V - 1) % 1000 + 1) / 8
    assert _disk_bytes(path) < MAX_DISK_BYTES


def test_gather_read_only_memmap(big_table):
    table, path = big_table
    table.flush()
    ro = np.memmap(path, dtype=np.float32, mode="r", shape=(V, D))
    np.testing.assert_array_equal(cembed.gather(ro, LAST), np.asarray(table[LAST]))
    np.testing.assert_array_equal(cembed.embedding_bag(ro, LAST.reshape(2, 3), mode="max"),
                                  np.asarray(table[LAST]).reshape(2, 3, D).max(axis=1))
    del ro


def test_out_of_range_names_64_bit_values(big_table):
    table, _ = big_table
    with pytest.raises(IndexError, match=rf"index {V} at position \(1,?\) is out of range \[0, {V}\)"):
        cembed.gather(table, np.array([V - 1, V]))


def test_embedding_bag_on_last_rows(big_table):
    table, _ = big_table
    rows = np.asarray(table[LAST], dtype=np.float64)
    got = cembed.embedding_bag(table, LAST, offsets=[0, 2], mode="mean")
    np.testing.assert_allclose(got, [rows[:2].mean(axis=0), rows[2:].mean(axis=0)], rtol=1e-6)


def test_scatter_add_and_sgd_on_last_row(big_table):
    table, path = big_table
    before = np.asarray(table[[V - 1, V - 2, 0]]).copy()
    cembed.scatter_add(table, np.array([V - 1, V - 1]), np.array([[1, 2], [3, 4]], np.float32))
    np.testing.assert_array_equal(table[V - 1], before[0] + [4, 6])
    cembed.sgd_update(table, np.array([V - 2, V - 1]), np.ones((2, D), np.float32),
                      learning_rate=0.5)
    np.testing.assert_array_equal(table[V - 2], before[1] - 0.5)
    np.testing.assert_array_equal(table[V - 1], before[0] + [4, 6] - 0.5)
    np.testing.assert_array_equal(table[0], before[2])
    assert _disk_bytes(path) < MAX_DISK_BYTES


def test_adam_and_rowwise_adagrad_on_last_row(big_table, tmp_path):
    table, _ = big_table
    m = _sparse_memmap(tmp_path / "m.f32", (V, D))
    v = _sparse_memmap(tmp_path / "v.f32", (V, D))
    acc = _sparse_memmap(tmp_path / "acc.f32", (V,))
    try:
        rows = np.array([2**31 + 1, V - 1])
        g = np.array([[1.0, -2.0], [0.5, 0.25]], np.float32)
        before = np.asarray(table[rows], dtype=np.float64)
        cembed.adam_update(table, m, v, rows, g, 1, learning_rate=0.1)
        # step 1 from zero moments moves each element by ~lr * sign(g)
        np.testing.assert_allclose(np.asarray(table[rows]), before - 0.1 * np.sign(g), rtol=1e-5)
        np.testing.assert_allclose(np.asarray(m[rows]), 0.1 * g, rtol=1e-6)
        np.testing.assert_allclose(np.asarray(v[rows]), 0.001 * g * g, rtol=1e-5)
        cembed.adagrad_update(table, acc, rows, g, learning_rate=0.1)
        np.testing.assert_allclose(np.asarray(acc[rows]), (g * g).mean(axis=1), rtol=1e-6)
        # a gradient into rows beyond 2**31 through accumulate
        r, vals = cembed.accumulate(np.array([V - 1, 2**31, V - 1]), np.ones((3, D)), num_rows=V)
        np.testing.assert_array_equal(r, [2**31, V - 1])
        np.testing.assert_array_equal(vals, [[1, 1], [2, 2]])
        for name in ("m.f32", "v.f32", "acc.f32"):
            assert _disk_bytes(tmp_path / name) < MAX_DISK_BYTES
    finally:
        del m, v, acc
        for name in ("m.f32", "v.f32", "acc.f32"):
            os.remove(tmp_path / name)
