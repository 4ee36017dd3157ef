"""Compact tables (cembed.compact): packing against PyTorch's layouts (live
when torch is installed, and always against fixtures it made, in
tests/data/compact_torch.npz), lookups against dequantize-then-one-hot
products, the stated error bounds, bad inputs, threads and instruction sets,
save/load."""
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cembed
from cembed import _compact
from cembed.compact import CompactTable, load_compact, quantize

from fresh import python_stdout
from oracles import (assert_within_bound, bag_layout, embedding_bag_ref, gather_ref,
                     normalize_padding)

DTYPES = ("float16", "bfloat16", "int8", "int4")
MODES = ("sum", "mean", "sqrtn", "max")
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
EPS32 = np.finfo(np.float32).eps


def random_table(rng, V, D, dtype=np.float32):
    """Rows of varied magnitude, with a constant row and a zero row."""
    W = rng.standard_normal((V, D)) * rng.choice([1e-6, 1e-2, 1.0, 1e3], size=(V, 1))
    if V > 2:
        W[1] = 0.5
        W[2] = 0.0
    return W.astype(dtype)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


# ----------------------------------------------------------- layout: fixtures


@pytest.fixture(scope="module")
def fixture():
    with np.load(os.path.join(DATA, "compact_torch.npz")) as f:
        return {k: f[k] for k in f.files}


@pytest.mark.parametrize("dtype", DTYPES)
def test_quantize_gives_torchs_bytes(fixture, dtype):
    got = quantize(fixture["table"], dtype).data
    want = fixture[dtype]
    assert got.shape == want.shape
    assert np.array_equal(got.view(np.uint8), want.view(np.uint8))


@pytest.mark.parametrize("dtype", ["int8", "int4"])
def test_torch_packed_rows_are_read_as_torch_reads_them(fixture, dtype):
    T = CompactTable.from_packed(fixture[dtype], dtype)
    assert T.shape == fixture["table"].shape
    deq = T.dequantize()
    np.testing.assert_allclose(deq, fixture[f"{dtype}_unpacked"], rtol=1e-6, atol=1e-6)
    idx, offs, w = fixture["indices"], fixture["offsets"], fixture["weights"]
    got = cembed.embedding_bag(T, idx, offsets=offs)
    np.testing.assert_allclose(got, fixture[f"{dtype}_sum"], rtol=1e-5, atol=1e-4)
    got = cembed.embedding_bag(T, idx, offsets=offs, per_sample_weights=w)
    np.testing.assert_allclose(got, fixture[f"{dtype}_weighted"], rtol=1e-5, atol=1e-4)


def test_half_floats_read_from_torch_bits(fixture):
    f16 = CompactTable.from_packed(fixture["float16"].view(np.float16), "float16")
    assert np.array_equal(f16.dequantize(), fixture["float16"].view(np.float16).astype(np.float32))
    bf = CompactTable.from_packed(fixture["bfloat16"], "bfloat16")
    want = (fixture["bfloat16"].astype(np.uint32) << 16).view(np.float32)
    assert np.array_equal(bf.dequantize(), want)


# -------------------------------------------------------- layout: torch live


@pytest.mark.parametrize("D", [2, 8, 16, 64, 66, 130])
def test_torch_live_both_directions(rng, D):
    torch = pytest.importorskip("torch")
    q = torch.ops.quantized
    W = random_table(rng, 200, D)
    t = torch.from_numpy(W)
    idx = rng.integers(0, 200, size=300)
    offs = np.sort(rng.integers(0, 300, size=40))
    offs[0] = 0
    it, ot = torch.from_numpy(idx), torch.from_numpy(offs)
    for dtype, prepack, bag in (("int8", q.embedding_bag_byte_prepack,
                                 q.embedding_bag_byte_rowwise_offsets),
                                ("int4", q.embedding_bag_4bit_prepack,
                                 q.embedding_bag_4bit_rowwise_offsets)):
        theirs = prepack(t).numpy()
        ours = quantize(W, dtype)
        assert np.array_equal(ours.data, theirs)
        # ours read by torch, theirs read by us
        want = bag(torch.from_numpy(ours.data), it, ot, False, 0).numpy()
        got = cembed.embedding_bag(CompactTable.from_packed(theirs, dtype), idx, offsets=offs)
        scale = np.abs(ours.dequantize()).max() + 1
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * scale * 300)
    assert np.array_equal(quantize(W, "float16").data.view(np.uint16),
                          t.to(torch.float16).view(torch.int16).numpy().view(np.uint16))
    assert np.array_equal(quantize(W, "bfloat16").data,
                          t.to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16))


# ----------------------------------------------------------------- lookups


def unpack_rows(T):
    """(codes as float32 (V, D), scale (V,), bias (V,)) of a row-wise table."""
    V, D = T.shape
    raw = T.data.view(np.uint8)
    if T.dtype == "int8":
        return (raw[:, :D].astype(np.float32), raw[:, D:D + 4].copy().view(np.float32)[:, 0],
                raw[:, D + 4:D + 8].copy().view(np.float32)[:, 0])
    half = (D + 1) // 2
    nib = np.stack([raw[:, :half] & 15, raw[:, :half] >> 4], axis=2).reshape(V, 2 * half)[:, :D]
    sb = raw[:, half:half + 4].copy().view(np.float16).astype(np.float32)
    return nib.astype(np.float32), sb[:, 0], sb[:, 1]


def fma32(a, b, c):
    """float32 a * b + c rounded once, elementwise (C's fmaf): the product of
    two float32 is exact in float64, their sum is rounded to odd there (53
    bits, at least 24 + 2, so the rounding to float32 that follows is the
    correct one, never a double rounding)."""
    p = a.astype(np.float64) * b.astype(np.float64)
    c = np.asarray(c, np.float64)
    t = p + c
    z = t - p  # TwoSum: err is exactly p + c - t
    err = (p - (t - z)) + (c - z)
    bits = t.view(np.int64)
    even = (bits & 1) == 0
    fix = (err != 0) & even & np.isfinite(t)
    t = np.where(fix, np.nextafter(t, np.where(err > 0, np.inf, -np.inf)), t)
    return t.astype(np.float32)


def split_bag_ref(T, indices, offsets=None, mode="sum", per_sample_weights=None,
                  padding_idx=None):
    """The row-wise sum's arithmetic (docs/compact.rst), step by step in
    float32: per column acc = fma(code, s, acc) (one rounding) in index
    order, the biases b summed
    apart (s, b the row's scale and bias, each times the row's weight when
    weighted), then (acc + sum b) / denominator."""
    codes, scale, bias = unpack_rows(T)
    flat, off = bag_layout(indices, offsets)
    pad = normalize_padding(padding_idx, T.shape[0])
    w = None if per_sample_weights is None else \
        np.asarray(per_sample_weights, np.float32).ravel()
    f32 = np.float32
    out = np.zeros((off.size - 1, T.shape[1]), np.float32)
    for b in range(off.size - 1):
        acc = np.zeros(T.shape[1], np.float32)
        bsum = s1 = s2 = f32(0)
        count = 0
        for p in range(off[b], off[b + 1]):
            r = flat[p]
            if r == pad:
                continue
            count += 1
            s, bi = scale[r], bias[r]
            if w is not None:
                s, bi = f32(w[p] * s), f32(w[p] * bi)
                s1, s2 = f32(s1 + w[p]), f32(s2 + f32(w[p] * w[p]))
            acc = fma32(codes[r], np.full_like(codes[r], s), acc)
            bsum = f32(bsum + bi)
        denom = f32(1)
        if mode == "mean":
            denom = s1 if w is not None else f32(count)
        elif mode == "sqrtn":
            denom = np.sqrt(s2 if w is not None else f32(count))
        if count == 0 or denom == 0:
            continue
        v = acc + bsum
        out[b] = v / denom if mode != "sum" else v
    return out


def check_bag(T, indices, offsets=None, **kw):
    """A bag on T: bitwise its documented arithmetic (the float32 bag on the
    dequantized table for the half floats and for max; split_bag_ref for
    row-wise sums), and within float rounding of the scipy one-hot product."""
    deq = T.dequantize()
    got = cembed.embedding_bag(T, indices, offsets=offsets, **kw)
    assert got.dtype == np.float32
    ref, bound = embedding_bag_ref(deq, indices, offsets=offsets, **kw)
    if T.dtype in ("int8", "int4") and kw.get("mode", "sum") != "max":
        assert np.array_equal(got, split_bag_ref(T, indices, offsets=offsets, **kw))
        # the partial sums are of code * scale and of the biases, not of x
        codes, scale, bias = unpack_rows(T)
        _, bound = embedding_bag_ref(np.abs(codes * scale[:, None]) + np.abs(bias)[:, None],
                                     indices, offsets=offsets, **kw)
    else:
        assert np.array_equal(got, cembed.embedding_bag(deq, indices, offsets=offsets, **kw))
    assert_within_bound(got, ref, bound, np.float32)
    return got


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("D", [1, 3, 8, 17, 64, 67, 130])
def test_gather_is_the_onehot_product_of_the_dequantized_table(rng, dtype, D):
    T = quantize(random_table(rng, 50, D), dtype)
    idx = rng.integers(0, 50, size=(7, 5))
    got = cembed.gather(T, idx)
    assert got.dtype == np.float32 and got.shape == (7, 5, D)
    deq = T.dequantize()
    assert np.array_equal(got, gather_ref(deq, idx))
    assert np.array_equal(T.dequantize(idx), got)
    out = np.empty((7, 5, D), np.float32)
    assert cembed.gather(T, idx, out=out) is out and np.array_equal(out, got)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("D", [1, 5, 16, 64, 67, 200])
def test_bags_2d(rng, dtype, mode, D):
    T = quantize(random_table(rng, 40, D), dtype)
    idx = rng.integers(0, 40, size=(9, 6))
    check_bag(T, idx, mode=mode)
    check_bag(T, idx, mode=mode, padding_idx=int(idx[0, 0]))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", ["sum", "mean", "sqrtn"])
def test_bags_offsets_weights_padding(rng, dtype, mode):
    T = quantize(random_table(rng, 30, 19), dtype)
    idx = rng.integers(0, 30, size=50)
    offsets = np.array([0, 0, 3, 3, 10, 49])  # empty bags, a last bag of one
    # positive weights: a weight sum near 0 (mean) would amplify any rounding
    w = (rng.random(50) + 0.05).astype(np.float32)
    check_bag(T, idx, offsets=offsets, mode=mode, per_sample_weights=w)
    check_bag(T, idx, offsets=offsets, mode=mode, per_sample_weights=w, padding_idx=-1)
    check_bag(T, idx, offsets=offsets, mode=mode, padding_idx=int(idx[4]))
    out = np.full((6, 19), 7, np.float32)
    got = cembed.embedding_bag(T, idx, offsets=offsets, mode=mode, out=out)
    assert got is out and np.all(out[0] == 0) and np.all(out[2] == 0)


def test_empty_inputs(rng):
    for dtype in DTYPES:
        T = quantize(random_table(rng, 5, 4), dtype)
        assert cembed.gather(T, []).shape == (0, 4)
        assert cembed.embedding_bag(T, np.zeros((0, 3), np.int64)).shape == (0, 4)
        assert cembed.embedding_bag(T, np.zeros((2, 0), np.int64)).tolist() == [[0.0] * 4] * 2
        E = quantize(np.zeros((0, 3), np.float32), dtype)
        assert E.shape == (0, 3) and E.dequantize().shape == (0, 3)
        Z = quantize(np.zeros((4, 0), np.float32), dtype)
        assert Z.shape == (4, 0) and cembed.gather(Z, [1, 2]).shape == (2, 0)


@pytest.mark.parametrize("itype", [np.int8, np.uint8, np.int16, np.uint16, np.int32,
                                   np.uint32, np.int64, np.uint64])
def test_every_integer_dtype_and_views(rng, itype):
    T = quantize(random_table(rng, 100, 6), "int8")
    idx = rng.integers(0, 100, size=(8, 10)).astype(itype)
    view = idx[:, ::2]
    assert np.array_equal(cembed.gather(T, view), T.dequantize()[view.astype(np.int64)])
    assert np.array_equal(cembed.embedding_bag(T, view), split_bag_ref(T, view))


# -------------------------------------------------------------- error bounds


def rowwise_bound(T, W):
    """(error, allowed) for int8/int4 per element, from the stored scale."""
    deq = T.dequantize().astype(np.float64)
    if T.dtype == "int8":
        sb = T.data[:, -8:].copy().view(np.float32).astype(np.float64)
    else:
        sb = T.data[:, -4:].copy().view(np.float16).astype(np.float64)
    scale, bias = sb[:, :1], sb[:, 1:]
    x = W.astype(np.float32).astype(np.float64)
    err = np.abs(deq - x)
    rounding = 4 * EPS32 * (np.abs(x) + np.abs(bias) + 255 * scale)
    return err, scale / 2 + 1e-8 + rounding, x, scale, bias


@pytest.mark.parametrize("D", [1, 2, 7, 64, 255])
def test_int8_error_bound(rng, D):
    W = random_table(rng, 300, D)
    T = quantize(W, "int8")
    err, allowed, *_ = rowwise_bound(T, W)
    assert np.all(err <= allowed)
    assert np.array_equal(T.dequantize()[1], np.full(D, 0.5, np.float32))  # constant row exact
    assert np.all(T.dequantize()[2] == 0)


@pytest.mark.parametrize("D", [1, 2, 7, 64, 255])
def test_int4_error_bound_within_its_range(rng, D):
    W = random_table(rng, 300, D)
    W[3] = 30000 + rng.random(D)  # far from zero: the bias clamps, the bound is lost
    T = quantize(W, "int4")
    err, allowed, x, scale, bias = rowwise_bound(T, W)
    inside = (x >= bias) & (x <= bias + 15 * scale)
    assert np.all(err[inside] <= allowed[inside])
    if D > 2:  # a row of one value has range 0, and float16(x) may lie above x
        assert inside.mean() > 0.7  # the row minimum is outside when float16(min) > min
    assert np.array_equal(T.dequantize()[1], np.full(D, 0.5, np.float32))


def rne_bf16(x32):
    b = x32.view(np.uint32).astype(np.uint64)
    return ((b + 0x7FFF + ((b >> 16) & 1)) >> 16).astype(np.uint16)


@pytest.mark.parametrize("D", [1, 3, 64, 67])
def test_half_floats_round_to_nearest_even(rng, D):
    W = random_table(rng, 200, D)
    assert np.array_equal(quantize(W, "float16").data.view(np.uint16),
                          W.astype(np.float16).view(np.uint16))
    assert np.array_equal(quantize(W, "bfloat16").data, rne_bf16(W))
    W64 = W.astype(np.float64) * (1 + 1e-9)
    assert np.array_equal(quantize(W64, "float16").data.view(np.uint16),
                          W64.astype(np.float16).view(np.uint16))


def test_float64_rounds_once():
    # just above a tie of the 16-bit format, but a tie once rounded to float32
    x16 = np.array([[1 + 2.0**-11 + 2.0**-40, -(2 + 2.0**-10 + 2.0**-38)]])
    assert np.array_equal(quantize(x16, "float16").data.view(np.uint16),
                          x16.astype(np.float16).view(np.uint16))
    assert quantize(x16, "float16").dequantize()[0, 0] == np.float32(1 + 2.0**-10)
    xb = np.array([[1 + 2.0**-8 + 2.0**-40, 3.0]])
    assert quantize(xb, "bfloat16").dequantize()[0, 0] == np.float32(1 + 2.0**-7)
    assert quantize(xb.astype(np.float32), "bfloat16").dequantize()[0, 0] == 1.0


def test_subnormal_and_extreme_half_values():
    x = np.array([[6e-8, 3e-8, 2.9e-8, -1e-7, 65504.0, 65519.0, 5.96e-8, 1e-5]], np.float32)
    assert np.array_equal(quantize(x, "float16").data.view(np.uint16),
                          x.astype(np.float16).view(np.uint16))
    big = np.array([[3.38e38, -1e-40, 1e-45]], np.float32)
    assert np.array_equal(quantize(big, "bfloat16").data, rne_bf16(big))


# ---------------------------------------------------------- bad rows, inputs


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_inf_nan_rows_name_the_row(dtype, bad):
    W = np.ones((300, 5), np.float32)
    W[123, 2] = bad
    W[200, 0] = bad
    with pytest.raises(ValueError, match=r"table row 123 has inf or NaN"):
        quantize(W, dtype)


@pytest.mark.parametrize("dtype,value,match", [
    ("float16", 70000.0, "float16's range"),
    ("float16", 65520.0, "float16's range"),
    ("int4", 1e6, "float16's range"),
    ("bfloat16", 3.4e38, "bfloat16's range"),
])
def test_values_the_format_cannot_hold(dtype, value, match):
    W = np.zeros((4, 3), np.float32)
    W[2, 1] = value
    with pytest.raises(ValueError, match=f"table row 2 .*{match}"):
        quantize(W, dtype)
    quantize(W, "int8")  # int8 keeps a float32 scale


def test_int8_range_overflow():
    W = np.array([[3e38, -3e38]], np.float32)
    with pytest.raises(ValueError, match="table row 0 .*range"):
        quantize(W, "int8")
    assert quantize(W, "bfloat16").dequantize()[0, 0] > 2.9e38
    with pytest.raises(ValueError, match="table row 0 has inf"):
        quantize(np.array([[1e300]]), "int8")  # beyond float32


def test_bad_arguments(rng):
    W = random_table(rng, 10, 4)
    with pytest.raises(ValueError, match="dtype must be one of"):
        quantize(W, "int2")
    with pytest.raises(TypeError, match="dtype must be one of"):
        quantize(W, np.int8)
    with pytest.raises(TypeError, match="float32 or float64"):
        quantize(W.astype(np.int32), "int8")
    with pytest.raises(ValueError, match="2-D"):
        quantize(W[0], "int8")
    with pytest.raises(ValueError, match="np.ascontiguousarray"):
        quantize(np.asfortranarray(W), "int8")
    assert np.array_equal(quantize(W[::2], "int8").data, quantize(W[::2].copy(), "int8").data)
    T = quantize(W, "int4")
    out = np.full((2, 4), 3.0, np.float32)
    with pytest.raises(IndexError, match=r"index 10 at position \(1,\) is out of range \[0, 10\)"):
        cembed.gather(T, [0, 10], out=out)
    with pytest.raises(IndexError, match=r"index -1 at position \(0, 1\)"):
        cembed.embedding_bag(T, [[0, -1]], out=out[:1])
    assert np.all(out == 3.0)
    with pytest.raises(TypeError, match="integers"):
        cembed.gather(T, [0.5])
    with pytest.raises(TypeError, match="integers"):
        cembed.embedding_bag(T, [[True, False]])
    with pytest.raises(ValueError, match="mode must be"):
        cembed.embedding_bag(T, [[0]], mode="median")
    with pytest.raises(ValueError, match="per_sample_weights"):
        cembed.embedding_bag(T, [[0]], mode="max", per_sample_weights=[[1.0]])
    with pytest.raises(ValueError, match="per_sample_weights must have shape"):
        cembed.embedding_bag(T, [[0, 1]], per_sample_weights=[[1.0]])
    with pytest.raises(TypeError, match="out must have dtype float32"):
        cembed.gather(T, [0], out=np.empty((1, 4)))
    with pytest.raises(ValueError, match="offsets must be non-decreasing"):
        cembed.embedding_bag(T, [0, 1, 2], offsets=[0, 2, 1])
    with pytest.raises(ValueError, match="padding_idx"):
        cembed.embedding_bag(T, [[0]], padding_idx=10)


def test_from_packed_checks(rng):
    T = quantize(random_table(rng, 6, 5), "int4")
    assert CompactTable.from_packed(T.data, "int4").shape == (6, 6)
    assert CompactTable.from_packed(T.data, "int4", 5).shape == (6, 5)
    assert CompactTable.from_packed(T.data, "int4", dim=5).data is T.data
    with pytest.raises(ValueError, match="rows of 7 values take 8 bytes"):
        CompactTable.from_packed(T.data, "int4", 7)
    with pytest.raises(TypeError, match="must be uint8"):
        CompactTable.from_packed(T.data.astype(np.int8), "int4")
    with pytest.raises(TypeError, match="NumPy array"):
        CompactTable.from_packed(T.data.tolist(), "int4")
    with pytest.raises(ValueError, match="2-D"):
        CompactTable.from_packed(T.data[0], "int4")
    with pytest.raises(ValueError, match="not contiguous"):
        CompactTable.from_packed(np.asfortranarray(T.data), "int4")
    with pytest.raises(TypeError, match="float16"):
        CompactTable.from_packed(np.zeros((2, 3), np.uint16), "float16")
    with pytest.raises(TypeError, match="dim must be an int"):
        CompactTable.from_packed(T.data, "int4", 5.0)
    # a slice of a longer table is read in place
    W = random_table(rng, 10, 8)
    big = quantize(W, "int8")
    part = CompactTable.from_packed(big.data[2:8:2], "int8")
    assert np.array_equal(part.dequantize(), big.dequantize()[2:8:2])
    assert np.array_equal(cembed.embedding_bag(part, [[0, 2]]),
                          cembed.embedding_bag(big, [[2, 6]]))


def test_attributes_and_array_protocol(rng):
    W = random_table(rng, 9, 7)
    for dtype, cols, view in (("float16", 7, np.float16), ("bfloat16", 7, np.uint16),
                              ("int8", 15, np.uint8), ("int4", 8, np.uint8)):
        T = quantize(W, dtype)
        assert T.shape == (9, 7) and T.dtype == dtype and len(T) == 9
        assert T.data.shape == (9, cols) and T.data.dtype == view
        assert T.nbytes == T.data.nbytes
        assert np.array_equal(np.asarray(T), T.dequantize())
        assert np.array_equal(T[3], T.dequantize()[3]) and np.array_equal(T[-1], T.dequantize()[8])
        assert np.array_equal(T[2:7:2], T.dequantize()[2:7:2])
        v = rng.standard_normal(7).astype(np.float32)
        np.testing.assert_allclose(T @ v, T.dequantize() @ v, rtol=1e-5, atol=1e-3)
        np.testing.assert_allclose(T.row_norms(), np.linalg.norm(T.dequantize(), axis=1),
                                   rtol=1e-6)
        with pytest.raises(IndexError):
            T[9]
        assert "CompactTable(9 x 7" in repr(T)


# ---------------------------------------------------- threads, instruction sets


@pytest.mark.parametrize("dtype", DTYPES)
def test_bitwise_the_same_for_any_thread_count(rng, dtype):
    W = random_table(rng, 20000, 64)
    idx = rng.integers(0, 20000, size=(2000, 40))
    w = rng.random(idx.shape).astype(np.float32)
    results = []
    try:
        for n in (1, 2, 4):
            cembed.set_num_threads(n)
            T = quantize(W, dtype)
            results.append((T.data.copy(), cembed.gather(T, idx),
                            cembed.embedding_bag(T, idx, mode="mean", per_sample_weights=w),
                            cembed.embedding_bag(T, idx, mode="max"), T.dequantize()))
    finally:
        cembed.set_num_threads(None)
    for other in results[1:]:
        for a, b in zip(results[0], other):
            assert np.array_equal(a, b)


ISA_SCRIPT = """
import sys, numpy as np, cembed
from cembed import _compact
rng = np.random.default_rng(7)
out = {"isa": np.array(_compact.isa())}
for D in (5, 16, 32, 64, 67, 128, 200, 256):
    W = rng.standard_normal((500, D)).astype(np.float32) * rng.choice([1e-3, 1, 1e3], (500, 1))
    idx = rng.integers(0, 500, size=(30, 9))
    w = rng.random(idx.shape).astype(np.float32)
    for dtype in ("float16", "bfloat16", "int8", "int4"):
        T = cembed.quantize(W, dtype)
        out[f"{dtype}{D}data"] = T.data.view(np.uint8)
        out[f"{dtype}{D}gather"] = cembed.gather(T, idx)
        out[f"{dtype}{D}sqrtn"] = cembed.embedding_bag(T, idx, mode="sqrtn", per_sample_weights=w)
        out[f"{dtype}{D}sum"] = cembed.embedding_bag(T, idx)
        out[f"{dtype}{D}max"] = cembed.embedding_bag(T, idx, mode="max")
np.savez(sys.argv[1], **out)
"""


def test_every_instruction_set_gives_the_same_bits(tmp_path):
    """Each path the CPU has, in its own process (the path is chosen once)."""
    results = []
    for isa in ("avx512", "avx2", "baseline"):
        path = str(tmp_path / f"{isa}.npz")
        python_stdout(ISA_SCRIPT, path, timeout=300, CEMBED_ISA=isa)
        with np.load(path) as f:
            if str(f["isa"]) != isa:  # a path this CPU lacks: the widest it has ran
                continue
            results.append({k: f[k] for k in f.files if k != "isa"})
    assert results and (len(results) > 1 or _compact.isa() == "baseline")
    for other in results[1:]:
        for key, value in results[0].items():
            assert np.array_equal(value, other[key]), key


# --------------------------------------------------------------- save / load


@pytest.mark.parametrize("dtype", DTYPES)
def test_save_load_compact(tmp_path, rng, dtype):
    T = quantize(random_table(rng, 100, 13), dtype)
    path = str(tmp_path / "t.cet")
    T.save(path)
    assert os.listdir(tmp_path) == ["t.cet"]
    for mmap in (True, False):
        L = load_compact(path, mmap=mmap)
        assert L.shape == T.shape and L.dtype == dtype
        assert np.array_equal(L.data.view(np.uint8), T.data.view(np.uint8))
        assert L.data.dtype == T.data.dtype
        assert isinstance(L._packed, np.memmap) == mmap
        idx = rng.integers(0, 100, size=(5, 4))
        assert np.array_equal(cembed.embedding_bag(L, idx), cembed.embedding_bag(T, idx))
    L = load_compact(path)
    with pytest.raises(ValueError):
        L._packed[0, 0] = 1  # read-only map
    T2 = quantize(random_table(rng, 3, 13), dtype)
    T2.save(path)  # replaces
    assert load_compact(path).shape == (3, 13)
    E = quantize(np.zeros((0, 4), np.float32), dtype)
    E.save(path)
    assert load_compact(path).shape == (0, 4)


def test_load_compact_rejects_bad_files(tmp_path, rng):
    path = str(tmp_path / "t.cet")
    quantize(random_table(rng, 10, 4), "int8").save(path)
    raw = open(path, "rb").read()
    open(path, "wb").write(raw[:-3])
    with pytest.raises(ValueError, match="truncated"):
        load_compact(path)
    open(path, "wb").write(b"not a table at all")
    with pytest.raises(ValueError, match="not a cembed compact table"):
        load_compact(path)
    open(path, "wb").write(raw[:12] + b"{" * (len(raw) - 12))
    with pytest.raises(ValueError, match="malformed"):
        load_compact(path)


# ----------------------------------------------------------------- hypothesis


@settings(max_examples=60, deadline=None)
@given(V=st.integers(1, 25), D=st.integers(1, 40), B=st.integers(0, 6), L=st.integers(0, 7),
       dtype=st.sampled_from(DTYPES), mode=st.sampled_from(MODES), seed=st.integers(0, 2**31),
       weighted=st.booleans(), pad=st.booleans())
def test_bags_any_shape(V, D, B, L, dtype, mode, seed, weighted, pad):
    rng = np.random.default_rng(seed)
    W = random_table(rng, V, D)
    T = quantize(W, dtype)
    idx = rng.integers(0, V, size=(B, L))
    kw = {"mode": mode}
    if weighted and mode != "max":
        w = rng.standard_normal((B, L)).astype(np.float32)
        kw["per_sample_weights"] = w if mode == "sum" else np.abs(w) + 0.05
    if pad:
        kw["padding_idx"] = int(rng.integers(0, V))
    check_bag(T, idx, **kw)
    assert np.array_equal(cembed.gather(T, idx), T.dequantize()[idx])
    assert np.array_equal(CompactTable.from_packed(T.data, dtype, D).dequantize(),
                          T.dequantize())


# -------------------------------------------------------- layers and vectors


def test_embedding_quantize(rng):
    emb = cembed.Embedding(300, 16, seed=0, mask_zero=True)
    q = emb.quantize("int8")
    assert isinstance(q, cembed.Embedding) and not q.trainable
    assert isinstance(q.embeddings, CompactTable) and emb.trainable
    idx = rng.integers(0, 300, size=(4, 6))
    deq = q.embeddings.dequantize()
    assert np.array_equal(q(idx), deq[idx])
    assert np.array_equal(q.bag(idx, mode="mean"),
                          split_bag_ref(q.embeddings, idx, mode="mean", padding_idx=0))
    before = deq.copy()
    opt = cembed.optimizers.SGD(0.5)
    q.train_step(idx, np.ones((4, 6, 16), np.float32), opt)
    assert np.array_equal(q.embeddings.dequantize(), before)
    near = q.most_similar(5, topn=3)
    assert len(near) == 3 and all(i != 5 for i, _ in near)
    np.testing.assert_allclose(np.abs(deq - emb.embeddings).max(), 0, atol=0.1 / 255 * 1.01)


def test_vectors_quantize_keeps_neighbours(rng):
    words = [f"w{i}" for i in range(400)]
    M = rng.standard_normal((400, 50)).astype(np.float32)
    v = cembed.Vectors(words, M)
    for dtype in DTYPES:
        q = v.quantize(dtype)
        assert isinstance(q, cembed.Vectors) and isinstance(q.matrix, CompactTable)
        assert q.words == v.words and q.dim == 50
        assert np.array_equal(q["w3"], q.matrix.dequantize()[3])
        a = {w for w, _ in v.most_similar("w3", topn=10)}
        b = {w for w, _ in q.most_similar("w3", topn=10)}
        assert len(a & b) >= (9 if dtype != "int4" else 6)
        sims = q.most_similar(M[7], topn=1)
        assert sims[0][0] == "w7"
