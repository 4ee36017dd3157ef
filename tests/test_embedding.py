"""cembed.Embedding against NumPy: construction, lookups, gradients, save/load."""
import glob
import json
import os
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cembed
from cembed import optimizers

INT_DTYPES = [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64]


# ---------------------------------------------------------------- construction


def test_defaults_follow_keras():
    emb = cembed.Embedding(1000, 16, seed=0)
    W = emb.embeddings
    assert W.shape == (1000, 16) and W.dtype == np.float32 and W.flags.c_contiguous
    assert W.min() >= -0.05 and W.max() < 0.05
    assert abs(float(W.mean())) < 0.002 and 0.027 < float(W.std()) < 0.031  # U(-a, a): a/sqrt(3)
    assert emb.mask_zero is False and emb.input_length is None and emb.trainable
    assert emb.compute_mask([[0, 1]]) is None
    assert emb.optimizer is None


def test_seed_makes_tables_reproducible():
    a = cembed.Embedding(50, 8, seed=7).embeddings
    assert np.array_equal(a, cembed.Embedding(50, 8, seed=7).embeddings)
    assert not np.array_equal(a, cembed.Embedding(50, 8, seed=8).embeddings)


def test_weights_argument():
    W = np.arange(15).reshape(3, 5)
    emb = cembed.Embedding(3, 5, weights=[W])
    assert emb.embeddings.dtype == np.float32 and np.array_equal(emb.embeddings, W)
    assert np.array_equal(cembed.Embedding(3, 5, weights=[W], dtype="float64").embeddings, W)
    with pytest.raises(ValueError, match=r"\(3, 4\)"):
        cembed.Embedding(3, 4, weights=[W])
    with pytest.raises(ValueError, match="list"):
        cembed.Embedding(3, 5, weights=W)
    with pytest.raises(TypeError):
        cembed.Embedding(3, 5, weights=[np.full((3, 5), "a")])


@pytest.mark.parametrize("kwargs, exc", [
    (dict(input_dim=0, output_dim=3), ValueError),
    (dict(input_dim=3, output_dim=-1), ValueError),
    (dict(input_dim=3.0, output_dim=3), TypeError),
    (dict(input_dim=True, output_dim=3), TypeError),
    (dict(input_dim=3, output_dim=3, dtype="int32"), TypeError),
    (dict(input_dim=3, output_dim=3, dtype="float16"), TypeError),
    (dict(input_dim=3, output_dim=3, input_length=0), ValueError),
    (dict(input_dim=3, output_dim=3, seed=1.5), TypeError),
])
def test_bad_arguments(kwargs, exc):
    with pytest.raises(exc):
        cembed.Embedding(**kwargs)


# ---------------------------------------------------------------- lookups


@settings(max_examples=30, deadline=None)
@given(
    V=st.integers(1, 30), D=st.integers(1, 8),
    shape=st.lists(st.integers(0, 5), min_size=0, max_size=3).map(tuple),
    dtype=st.sampled_from(INT_DTYPES), float64=st.booleans(), seed=st.integers(0, 1000),
)
def test_call_equals_numpy(V, D, shape, dtype, float64, seed):
    rng = np.random.default_rng(seed)
    emb = cembed.Embedding(V, D, dtype="float64" if float64 else "float32", seed=seed)
    x = rng.integers(0, min(V, np.iinfo(dtype).max + 1), size=shape).astype(dtype)
    out = emb(x)
    assert out.shape == shape + (D,) and out.dtype == emb.embeddings.dtype
    assert np.array_equal(out, emb.embeddings[x.astype(np.int64)])


def test_call_out_and_python_lists():
    emb = cembed.Embedding(5, 3, seed=0)
    out = np.empty((2, 2, 3), np.float32)
    assert emb([[0, 4], [1, 1]], out=out) is out
    assert np.array_equal(out, emb.embeddings[[[0, 4], [1, 1]]])
    assert emb([]).shape == (0, 3)


@pytest.mark.parametrize("bad", [-1, 5])
def test_out_of_range_index(bad):
    emb = cembed.Embedding(5, 3, seed=0)
    with pytest.raises(IndexError, match=rf"index {bad} at position \(1, 0\) is out of range \[0, 5\)"):
        emb([[0, 1], [bad, 2]])


def test_float_indices_rejected():
    emb = cembed.Embedding(5, 3)
    for x in ([0.0, 1.0], [True, False]):
        with pytest.raises(TypeError):
            emb(x)
    with pytest.raises(TypeError):
        emb.backward([0.5], np.ones((1, 3), np.float32))


def test_input_length_is_checked():
    emb = cembed.Embedding(5, 3, input_length=4)
    assert emb(np.zeros((2, 4), np.int64)).shape == (2, 4, 3)
    for shape in [(2, 3), (4, 2), ()]:
        with pytest.raises(ValueError, match="input_length"):
            emb(np.zeros(shape, np.int64))
    with pytest.raises(ValueError, match="input_length"):
        emb.backward(np.zeros((1, 3), np.int64), np.zeros((1, 3, 3), np.float32))


def test_compute_mask():
    emb = cembed.Embedding(5, 3, mask_zero=True)
    x = np.array([[0, 0, 1, 2], [3, 0, 4, 4]])
    assert np.array_equal(emb.compute_mask(x), x != 0)
    with pytest.raises(TypeError):
        emb.compute_mask([0.5])


def _bag_reference(W, bags, weights, mode, padding_idx):
    out = np.zeros((len(bags), W.shape[1]))
    for b, (ix, w) in enumerate(zip(bags, weights)):
        keep = np.asarray(ix) != padding_idx if padding_idx is not None else np.ones(len(ix), bool)
        ix, w = np.asarray(ix, np.int64)[keep], np.asarray(w, np.float64)[keep]
        if len(ix) == 0:
            continue
        if mode == "max":
            out[b] = W[ix].max(axis=0)
            continue
        s = (w[:, None] * W[ix]).sum(axis=0)
        out[b] = s / w.sum() if mode == "mean" else s / np.sqrt((w * w).sum()) if mode == "sqrtn" else s
    return out


@pytest.mark.parametrize("mode", ["sum", "mean", "sqrtn", "max"])
def test_bag_equals_numpy(mode):
    rng = np.random.default_rng(0)
    emb = cembed.Embedding(10, 4, seed=0, dtype="float64")
    x = rng.integers(0, 10, size=(6, 5))
    x[2] = 0
    w = rng.random((6, 5)) + 0.1
    np.testing.assert_allclose(emb.bag(x, mode=mode),
                               _bag_reference(emb.embeddings, x, np.ones_like(w), mode, None), atol=1e-12)
    if mode != "max":
        np.testing.assert_allclose(emb.bag(x, mode=mode, per_sample_weights=w),
                                   _bag_reference(emb.embeddings, x, w, mode, None), atol=1e-12)
    flat, offsets = np.array([3, 1, 4, 1, 5, 9, 2]), np.array([0, 2, 2, 6])
    bags = [flat[0:2], flat[2:2], flat[2:6], flat[6:]]
    np.testing.assert_allclose(emb.bag(flat, offsets, mode=mode),
                               _bag_reference(emb.embeddings, bags, [np.ones(len(b)) for b in bags], mode, None),
                               atol=1e-12)


def test_bag_skips_padding_when_mask_zero():
    emb = cembed.Embedding(6, 3, seed=1, mask_zero=True, dtype="float64")
    x = np.array([[0, 0, 2, 3], [1, 0, 5, 5]])
    ones = np.ones(x.shape)
    np.testing.assert_allclose(emb.bag(x, mode="mean"),
                               _bag_reference(emb.embeddings, x, ones, "mean", 0), atol=1e-12)
    np.testing.assert_allclose(emb.bag(x, mode="mean", padding_idx=None),
                               _bag_reference(emb.embeddings, x, ones, "mean", None), atol=1e-12)
    plain = cembed.Embedding(6, 3, seed=1, dtype="float64")
    np.testing.assert_allclose(plain.bag(x, mode="mean"), emb.bag(x, mode="mean", padding_idx=None))


# ---------------------------------------------------------------- gradients


@settings(max_examples=30, deadline=None)
@given(V=st.integers(1, 20), D=st.integers(1, 6),
       shape=st.lists(st.integers(0, 6), min_size=1, max_size=3).map(tuple),
       seed=st.integers(0, 1000))
def test_backward_equals_add_at(V, D, shape, seed):
    rng = np.random.default_rng(seed)
    emb = cembed.Embedding(V, D, seed=seed)
    x = rng.integers(0, V, size=shape)
    g = rng.standard_normal(shape + (D,)).astype(np.float32)
    grad = emb.backward(x, g)
    assert isinstance(grad, cembed.SparseGrad)
    assert grad.rows.dtype == np.int64 and np.array_equal(grad.rows, np.unique(x))
    assert grad.values.dtype == np.float32 and grad.values.shape == (len(grad.rows), D)
    dense = np.zeros((V, D), np.float32)
    np.add.at(dense, x.reshape(-1), g.reshape(-1, D))
    assert np.array_equal(grad.to_dense(V), dense)  # bitwise: same order of summation


def test_backward_casts_grad_to_table_dtype_and_checks_shape():
    emb = cembed.Embedding(4, 2)
    grad = emb.backward([1, 1], np.full((2, 2), 0.1))
    assert grad.values.dtype == np.float32
    np.testing.assert_allclose(grad.values, [[0.2, 0.2]], rtol=1e-6)
    rows, values = emb.backward([], np.zeros((0, 2)))
    assert rows.shape == (0,) and values.shape == (0, 2)
    with pytest.raises(ValueError, match="shape"):
        emb.backward([1, 2], np.ones((2, 3), np.float32))
    with pytest.raises(TypeError):
        emb.backward([1], np.ones((1, 2), np.int32))
    with pytest.raises(IndexError):
        emb.backward([4], np.ones((1, 2), np.float32))


@pytest.mark.parametrize("mode", ["sum", "mean", "sqrtn"])
@pytest.mark.parametrize("weighted", [False, True])
def test_bag_backward_equals_dense_transpose(mode, weighted):
    # bag(x) = A @ W with A the (B, V) pooling matrix, so dL/dW = A.T @ G.
    rng = np.random.default_rng(4)
    V, D, B, L = 9, 3, 5, 4
    emb = cembed.Embedding(V, D, seed=0, dtype="float64", mask_zero=True)
    x = rng.integers(0, V, size=(B, L))
    x[1] = 0
    w = rng.random((B, L)) + 0.5 if weighted else np.ones((B, L))
    A = np.zeros((B, V))
    for b in range(B):
        keep = x[b] != 0
        if not keep.any():
            continue
        scale = {"sum": 1.0, "mean": 1 / w[b][keep].sum(), "sqrtn": 1 / np.sqrt((w[b][keep] ** 2).sum())}[mode]
        np.add.at(A[b], x[b][keep], w[b][keep] * scale)
    np.testing.assert_allclose(emb.bag(x, mode=mode, per_sample_weights=w if weighted else None),
                               A @ emb.embeddings, atol=1e-12)
    G = rng.standard_normal((B, D))
    grad = emb.bag_backward(x, G, mode=mode, per_sample_weights=w if weighted else None)
    np.testing.assert_allclose(grad.to_dense(V), A.T @ G, atol=1e-12)
    assert 0 not in grad.rows.tolist()
    with pytest.raises(ValueError, match="shape"):
        emb.bag_backward(x, np.ones((B, D + 1)), mode=mode)


# ---------------------------------------------------------------- weights


def test_get_and_set_weights():
    emb = cembed.Embedding(4, 3, seed=0)
    table = emb.embeddings
    (W,) = emb.get_weights()
    assert np.array_equal(W, table) and not np.shares_memory(W, table)
    emb.set_weights([np.arange(12).reshape(4, 3)])
    assert emb.embeddings is table and np.array_equal(table, np.arange(12).reshape(4, 3))
    with pytest.raises(ValueError, match="shape"):
        emb.set_weights([np.zeros((3, 4))])
    with pytest.raises(ValueError):
        emb.set_weights(np.zeros((4, 3)))
    assert np.array_equal(table, np.arange(12).reshape(4, 3))


def test_from_pretrained_shares_the_matrix():
    W = np.random.default_rng(0).standard_normal((6, 4))
    emb = cembed.Embedding.from_pretrained(W, mask_zero=True)
    assert emb.embeddings is W and emb.dtype == np.float64 and emb.trainable and emb.mask_zero
    optimizers.SGD(1.0).step(emb, emb.backward([2], np.ones((1, 4))))
    assert emb.embeddings is W  # trained in place
    strided = np.zeros((6, 8))[::2]
    assert cembed.Embedding.from_pretrained(strided).embeddings is strided  # rows contiguous
    with pytest.raises(ValueError, match="ascontiguousarray"):
        cembed.Embedding.from_pretrained(np.zeros((4, 6))[:, ::2])
    with pytest.raises(TypeError, match="astype"):
        cembed.Embedding.from_pretrained(np.arange(6).reshape(2, 3))
    with pytest.raises(ValueError):
        cembed.Embedding.from_pretrained(np.zeros(3))
    with pytest.raises(TypeError):
        cembed.Embedding.from_pretrained([[1.0, 2.0]])
    with pytest.raises(TypeError):
        cembed.Embedding.from_pretrained(W, dtype="float32")


def test_from_pretrained_read_only_and_memmap(tmp_path):
    W = np.arange(12, dtype=np.float32).reshape(4, 3)
    W.flags.writeable = False
    emb = cembed.Embedding.from_pretrained(W)
    assert np.array_equal(emb([3, 0]), W[[3, 0]])
    with pytest.raises(ValueError):
        optimizers.SGD().step(emb, emb.backward([1], np.ones((1, 3), np.float32)))
    with pytest.raises(ValueError):
        emb.set_weights([np.zeros((4, 3))])
    frozen = cembed.Embedding.from_pretrained(W, freeze=True)
    optimizers.Adam().step(frozen, frozen.backward([1], np.ones((1, 3), np.float32)))
    mm = np.memmap(tmp_path / "table.f32", dtype=np.float32, mode="w+", shape=(100, 8))
    mm[:] = 1.0
    emb = cembed.Embedding.from_pretrained(mm)
    optimizers.SGD(0.5).step(emb, emb.backward([7], np.ones((1, 8), np.float32)))
    mm.flush()
    back = np.memmap(tmp_path / "table.f32", dtype=np.float32, mode="r", shape=(100, 8))
    assert np.all(back[7] == 0.5) and np.all(back[6] == 1.0)


# ---------------------------------------------------------------- most_similar


def _cosines(W, q):
    norms = np.linalg.norm(W, axis=1) * np.linalg.norm(q)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norms > 0, W @ q / norms, 0.0)


def test_most_similar_equals_brute_force():
    rng = np.random.default_rng(0)
    emb = cembed.Embedding(50, 6, weights=[rng.standard_normal((50, 6))], dtype="float64")
    W = emb.embeddings
    sims = _cosines(W, W[7])
    sims[7] = -np.inf
    expected = np.argsort(-sims, kind="stable")[:10]
    got = emb.most_similar(7)
    assert [i for i, _ in got] == expected.tolist()
    np.testing.assert_allclose([c for _, c in got], sims[expected], rtol=1e-12)
    assert len(emb.most_similar(np.int16(7), topn=None)) == 49
    assert emb.most_similar(7, topn=0) == []
    q = rng.standard_normal(6)
    got = emb.most_similar(q, topn=3)
    assert [i for i, _ in got] == np.argsort(-_cosines(W, q), kind="stable")[:3].tolist()
    assert len(emb.most_similar(q, topn=500)) == 50


def test_most_similar_edges():
    emb = cembed.Embedding(4, 2, weights=[[[0, 0], [1, 0], [2, 0], [0, 1]]])
    assert emb.most_similar(1) == [(2, pytest.approx(1.0)), (0, 0.0), (3, 0.0)]  # ties: lower index
    with pytest.raises(ValueError, match="zero"):  # row 0 is zero: no direction (issue 11)
        emb.most_similar(0, topn=2)
    assert emb.most_similar(0, topn=0) == []
    assert cembed.Embedding(1, 2).most_similar(0) == []
    with pytest.raises(IndexError):
        emb.most_similar(4)
    with pytest.raises(IndexError):
        emb.most_similar(-1)
    with pytest.raises(ValueError):
        emb.most_similar([1.0, 0.0, 0.0])
    with pytest.raises(ValueError):
        emb.most_similar(1, topn=-2)
    with pytest.raises(TypeError):
        emb.most_similar(["a", "b"])


# ---------------------------------------------------------------- save / load


def _train(emb, opt, seed, steps=3):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        x = rng.integers(0, emb.input_dim, size=(4, 3))
        emb.train_step(x, rng.standard_normal((4, 3, emb.output_dim)).astype(emb.dtype), opt)


@pytest.mark.parametrize("make_opt", [
    lambda: optimizers.Adam(0.01), lambda: optimizers.Adagrad(0.1),
    lambda: optimizers.Adagrad(0.1, rowwise=True), lambda: optimizers.SGD(0.2)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_save_load_round_trip_then_training_continues_identically(tmp_path, make_opt, dtype):
    emb = cembed.Embedding(20, 5, dtype=dtype, seed=3, mask_zero=True, input_length=3,
                           embeddings_regularizer=0.001, embeddings_constraint="max_norm")
    opt = make_opt()
    _train(emb, opt, seed=0)
    path = emb.save(tmp_path / "layer.npz")
    assert path == str(tmp_path / "layer.npz")
    loaded = cembed.Embedding.load(path)
    assert loaded.get_config() == emb.get_config()
    assert loaded.embeddings.dtype == emb.embeddings.dtype
    assert np.array_equal(loaded.embeddings, emb.embeddings)
    assert loaded.optimizer.get_config() == opt.get_config()
    for key, value in opt.get_state(emb).items():
        assert np.array_equal(loaded.optimizer.get_state(loaded)[key], value)
    _train(emb, opt, seed=1)
    _train(loaded, loaded.optimizer, seed=1)
    assert np.array_equal(loaded.embeddings, emb.embeddings)


def test_save_without_optimizer_and_suffix(tmp_path):
    emb = cembed.Embedding(6, 2, seed=0)
    _train(emb, optimizers.Adam(), seed=0, steps=1)
    path = emb.save(tmp_path / "plain", include_optimizer=False)
    assert path.endswith("plain.npz") and os.path.exists(path)
    loaded = cembed.Embedding.load(tmp_path / "plain")
    assert loaded.optimizer is None and np.array_equal(loaded.embeddings, emb.embeddings)
    with np.load(path) as f:
        assert set(f.files) == {"config", "embeddings"}
        assert json.loads(str(f["config"][()]))["format"] == "cembed.Embedding"


def test_custom_constraint_must_be_passed_again(tmp_path):
    def clip(rows):
        return np.clip(rows, -1, 1)

    path = cembed.Embedding(3, 2, embeddings_constraint=clip).save(tmp_path / "c.npz")
    with pytest.raises(ValueError, match="embeddings_constraint"):
        cembed.Embedding.load(path)
    assert cembed.Embedding.load(path, embeddings_constraint=clip).embeddings_constraint is clip


def test_save_is_atomic_when_rename_fails(tmp_path, monkeypatch):
    path = tmp_path / "emb.npz"
    cembed.Embedding(5, 2, seed=0).save(path)
    old = path.read_bytes()

    def failing_replace(src, dst):
        raise OSError("simulated crash during rename")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="simulated"):
        cembed.Embedding(7, 3, seed=1).save(path)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["emb.npz"]  # no temporary file left behind
    monkeypatch.undo()
    assert cembed.Embedding.load(path).embeddings.shape == (5, 2)


def test_save_is_atomic_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "emb.npz"
    cembed.Embedding(5, 2, seed=0).save(path)
    old = path.read_bytes()
    real_savez = np.savez

    def crashing_savez(file, **arrays):
        file.write(b"PK\x03\x04 half an archive")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", crashing_savez)
    with pytest.raises(KeyboardInterrupt):
        cembed.Embedding(7, 3, seed=1).save(path)
    monkeypatch.setattr(np, "savez", real_savez)
    assert path.read_bytes() == old and glob.glob(str(tmp_path / "*")) == [str(path)]


def _write_npz(path, **arrays):
    np.savez(path, **arrays)
    return path


def test_load_rejects_corrupt_and_foreign_files(tmp_path):
    good = cembed.Embedding(5, 2, seed=0)
    _train(good, optimizers.Adam(), seed=0, steps=1)
    path = good.save(tmp_path / "good.npz")
    data = open(path, "rb").read()
    cases = {}
    cases["truncated"] = data[: len(data) // 2]
    cases["garbage"] = b"\x00\x01 not an archive at all" * 10
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 0xFF
    cases["flipped"] = bytes(flipped)
    for name, blob in cases.items():
        p = tmp_path / f"{name}.npz"
        p.write_bytes(blob)
        with pytest.raises(ValueError, match="cembed Embedding file"):
            cembed.Embedding.load(p)
    np.save(tmp_path / "bare.npy", np.zeros((5, 2)))
    with pytest.raises(ValueError, match="npz"):
        cembed.Embedding.load(tmp_path / "bare.npy")
    with np.load(path) as f:
        arrays = dict(f)
    config = json.loads(str(arrays["config"][()]))
    foreign = _write_npz(tmp_path / "foreign.npz", weights=np.zeros((5, 2)))
    wrong_format = _write_npz(tmp_path / "fmt.npz", config=np.array(json.dumps({**config, "format": "x"})),
                              embeddings=arrays["embeddings"])
    wrong_shape = _write_npz(tmp_path / "shape.npz", **{**arrays, "embeddings": np.zeros((4, 2), np.float32)})
    wrong_dtype = _write_npz(tmp_path / "dtype.npz", **{**arrays, "embeddings": np.zeros((5, 2))})
    wrong_state = _write_npz(tmp_path / "state.npz", **{**arrays, "optimizer/m": np.zeros((5, 3), np.float32)})
    no_state = _write_npz(tmp_path / "nostate.npz", **{k: v for k, v in arrays.items() if k != "optimizer/v"})
    bad_json = _write_npz(tmp_path / "json.npz", **{**arrays, "config": np.array("{not json")})
    pickled = _write_npz(tmp_path / "pickle.npz", config=np.array([{"a": 1}], dtype=object),
                         embeddings=arrays["embeddings"])
    for p in (foreign, wrong_format, wrong_shape, wrong_dtype, wrong_state, no_state, bad_json, pickled):
        with pytest.raises(ValueError, match="cembed Embedding file"):
            cembed.Embedding.load(p)
    with pytest.raises(FileNotFoundError):
        cembed.Embedding.load(tmp_path / "missing.npz")
    assert zipfile.is_zipfile(path) and cembed.Embedding.load(path).optimizer is not None


@pytest.mark.parametrize("name", ["cembed.embedding", "cembed.optimizers"])
def test_docstring_examples(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name),
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 10 and result.failed == 0


def test_saved_file_gets_a_normal_mode(tmp_path):
    umask = os.umask(0o022)
    try:
        path = cembed.Embedding(3, 2).save(tmp_path / "a.npz")
        assert os.stat(path).st_mode & 0o777 == 0o644  # not mkstemp's 0600
        os.chmod(path, 0o640)
        cembed.Embedding(3, 2).save(path)
        assert os.stat(path).st_mode & 0o777 == 0o640  # the replaced file's mode is kept
    finally:
        os.umask(umask)


def test_from_config_round_trip():
    emb = cembed.Embedding(6, 3, embeddings_initializer="normal", embeddings_regularizer="l2",
                           embeddings_constraint="max_norm", mask_zero=True, input_length=2,
                           dtype="float64", seed=11, trainable=False)
    again = cembed.Embedding.from_config(emb.get_config())
    assert again.get_config() == emb.get_config()
    assert np.array_equal(again.embeddings, emb.embeddings)
    with pytest.raises(TypeError):
        cembed.Embedding(3, 5, weights=[np.zeros((3, 5))], seed="1")


def test_most_similar_ties_at_the_cut_go_to_lower_indices():
    W = np.tile([[1.0, 0.0]], (40, 1))
    W[0] = [0.0, 1.0]
    W[17] = [1.0, 0.1]
    emb = cembed.Embedding.from_pretrained(W)
    got = emb.most_similar(np.array([1.0, 0.0]), topn=5)
    assert [i for i, _ in got] == [1, 2, 3, 4, 5]
    got = emb.most_similar(0, topn=3)
    assert [i for i, _ in got] == [17, 1, 2]
