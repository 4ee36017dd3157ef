"""cembed.optimizers against plain NumPy implementations of the same steps."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cembed
from cembed import optimizers


# ---------------------------------------------------------------- references


class RefOptimizer:
    """A dense NumPy model of a lazy row-wise optimizer (the oracle)."""

    def __init__(self, kind, table, l2=0.0, **hyper):
        self.kind, self.w, self.l2, self.hyper = kind, table.astype(np.float64), l2, hyper
        self.t = 0
        V, D = table.shape
        if kind == "adam":
            self.m, self.v = np.zeros((V, D)), np.zeros((V, D))
        elif kind in ("adagrad", "adagrad_rowwise"):
            init = hyper.get("initial_accumulator_value", 0.1)
            self.acc = np.full((V,) if kind == "adagrad_rowwise" else (V, D), init)

    def step(self, indices, grad_output):
        idx = np.asarray(indices).reshape(-1)
        g_rows = np.asarray(grad_output, np.float64).reshape(idx.size, self.w.shape[1])
        dense = np.zeros_like(self.w)
        np.add.at(dense, idx, g_rows)
        rows = np.unique(idx)
        g = dense[rows] + 2 * self.l2 * self.w[rows]
        self.t += 1
        h, t = self.hyper, self.t
        if self.kind == "adam":
            lr, b1, b2, eps = (h.get("learning_rate", 0.001), h.get("beta_1", 0.9),
                               h.get("beta_2", 0.999), h.get("epsilon", 1e-7))
            self.m[rows] = b1 * self.m[rows] + (1 - b1) * g
            self.v[rows] = b2 * self.v[rows] + (1 - b2) * g * g
            mhat = self.m[rows] / (1 - b1 ** t)
            vhat = self.v[rows] / (1 - b2 ** t)
            self.w[rows] -= lr * mhat / (np.sqrt(vhat) + eps)
        elif self.kind == "adagrad":
            lr, eps = h.get("learning_rate", 0.001), h.get("epsilon", 1e-7)
            self.acc[rows] += g * g
            self.w[rows] -= lr * g / (np.sqrt(self.acc[rows]) + eps)
        elif self.kind == "adagrad_rowwise":
            lr, eps = h.get("learning_rate", 0.001), h.get("epsilon", 1e-7)
            self.acc[rows] += (g * g).mean(axis=1)
            self.w[rows] -= lr * g / (np.sqrt(self.acc[rows])[:, None] + eps)
        else:
            self.w[rows] -= h.get("learning_rate", 0.01) * g


def make(kind, **hyper):
    if kind == "adam":
        return optimizers.Adam(**hyper)
    if kind == "adagrad":
        return optimizers.Adagrad(**hyper)
    if kind == "adagrad_rowwise":
        return optimizers.Adagrad(rowwise=True, **hyper)
    return optimizers.SGD(**hyper)


KINDS = ["adam", "adagrad", "adagrad_rowwise", "sgd"]


def batches(rng, V, D, n, shape=(6, 4)):
    for _ in range(n):
        idx = rng.integers(0, V, size=shape)
        yield idx, rng.standard_normal(shape + (D,)).astype(np.float32)


# ---------------------------------------------------------------- defaults


def test_keras_defaults_and_config():
    assert optimizers.Adam().get_config() == {
        "name": "Adam", "learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}
    assert optimizers.Adagrad().get_config() == {
        "name": "Adagrad", "learning_rate": 0.001, "initial_accumulator_value": 0.1,
        "epsilon": 1e-7, "rowwise": False}
    assert optimizers.SGD().get_config() == {"name": "SGD", "learning_rate": 0.01}
    for opt in (optimizers.Adam(0.5, 0.8, 0.99, 1e-3), optimizers.Adagrad(0.2, 0.3, 1e-5, True),
                optimizers.SGD(0.7)):
        again = optimizers.get(opt.get_config())
        assert type(again) is type(opt) and again.get_config() == opt.get_config()
    assert isinstance(optimizers.get("adam"), optimizers.Adam)
    with pytest.raises(ValueError):
        optimizers.get("rmsprop")
    with pytest.raises(ValueError):
        optimizers.Adam.from_config({"name": "SGD"})


@pytest.mark.parametrize("bad", [
    dict(learning_rate=-1.0), dict(beta_1=1.0), dict(beta_2=-0.1), dict(epsilon=float("nan"))])
def test_bad_hyperparameters(bad):
    with pytest.raises(ValueError):
        optimizers.Adam(**bad)
    with pytest.raises(TypeError):
        optimizers.SGD(learning_rate="0.1")


# ---------------------------------------------------------------- against NumPy


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", KINDS)
def test_steps_equal_numpy(kind, dtype):
    rng = np.random.default_rng(0)
    V, D = 40, 7
    hyper = {"learning_rate": 0.05}
    emb = cembed.Embedding(V, D, dtype=dtype, seed=1)
    ref = RefOptimizer(kind, emb.embeddings, **hyper)
    opt = make(kind, **hyper)
    for idx, g in batches(rng, V, D, 5):
        opt.step(emb, emb.backward(idx, g))
        ref.step(idx, g)
    np.testing.assert_allclose(emb.embeddings, ref.w, rtol=0, atol=1e-6)
    assert opt.get_state(emb)["step"] == 5


@pytest.mark.parametrize("kind", KINDS)
def test_lazy_untouched_rows_and_state(kind):
    rng = np.random.default_rng(3)
    V, D = 30, 4
    emb = cembed.Embedding(V, D, seed=2)
    before = emb.embeddings.copy()
    opt = make(kind)
    assert opt.get_state(emb) is None  # state is allocated at the first step
    touched = set()
    for idx, g in batches(rng, 15, D, 3, shape=(5,)):
        touched.update(idx.tolist())
        opt.step(emb, emb.backward(idx, g))
    untouched = np.array(sorted(set(range(V)) - touched))
    touched = np.array(sorted(touched))
    assert np.array_equal(emb.embeddings[untouched], before[untouched])
    assert not np.any(emb.embeddings[touched] == before[touched])
    state = opt.get_state(emb)
    if kind == "adam":
        assert state["m"].shape == (V, D) and state["m"].dtype == np.float32
        assert not state["m"][untouched].any() and not state["v"][untouched].any()
    elif kind.startswith("adagrad"):
        shape = (V,) if kind == "adagrad_rowwise" else (V, D)
        assert state["accum"].shape == shape
        assert np.all(state["accum"][untouched] == np.float32(0.1))
        assert np.all(state["accum"][touched] > np.float32(0.1))
    else:
        assert set(state) == {"step"}


def test_adam_first_step_formula_by_hand():
    # With m = v = 0 the first bias-corrected Adam step is lr * g / (|g| + eps).
    emb = cembed.Embedding(3, 2, embeddings_initializer="zeros", dtype="float64")
    optimizers.Adam(learning_rate=0.1).step(emb, ([1], [[2.0, -0.5]]))
    np.testing.assert_allclose(
        emb.embeddings[1], [-0.1 * 2 / (2 + 1e-7), 0.1 * 0.5 / (0.5 + 1e-7)], rtol=1e-12)
    assert not emb.embeddings[[0, 2]].any()


@settings(max_examples=25, deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    V=st.integers(1, 20),
    D=st.integers(1, 9),
    steps=st.integers(1, 4),
    n=st.integers(0, 12),
    seed=st.integers(0, 2**16),
    l2=st.sampled_from([0.0, 0.01]),
)
def test_random_steps_equal_numpy(kind, V, D, steps, n, seed, l2):
    rng = np.random.default_rng(seed)
    emb = cembed.Embedding(V, D, dtype="float64", seed=seed, embeddings_regularizer=l2 or None)
    ref = RefOptimizer(kind, emb.embeddings, l2=l2, learning_rate=0.03)
    opt = make(kind, learning_rate=0.03)
    for idx, g in batches(rng, V, D, steps, shape=(n,)):
        opt.step(emb, emb.backward(idx, g))
        ref.step(idx, g)
    np.testing.assert_allclose(emb.embeddings, ref.w, rtol=0, atol=1e-9)


# ---------------------------------------------------------------- gradient forms


def test_unsorted_and_repeated_rows_are_summed():
    grads = np.arange(12, dtype=np.float32).reshape(4, 3)
    a = cembed.Embedding(6, 3, seed=0)
    b = cembed.Embedding(6, 3, seed=0)
    optimizers.Adam(0.1).step(a, ([4, 1, 4, 0], grads))
    coalesced = cembed.SparseGrad(np.array([0, 1, 4]),
                                  np.stack([grads[3], grads[1], grads[0] + grads[2]]))
    optimizers.Adam(0.1).step(b, coalesced)
    assert np.array_equal(a.embeddings, b.embeddings)


def test_empty_grad_advances_step_only():
    emb = cembed.Embedding(4, 2, seed=0)
    before = emb.embeddings.copy()
    opt = optimizers.Adam()
    opt.step(emb, emb.backward([], np.zeros((0, 2), np.float32)))
    assert np.array_equal(emb.embeddings, before)
    assert opt.get_state(emb)["step"] == 1


@pytest.mark.parametrize("grad, exc", [
    (([5], np.ones((1, 2))), IndexError),
    (([-1], np.ones((1, 2))), IndexError),
    (([0, 1], np.ones((1, 2))), ValueError),
    (([0], np.ones((1, 3))), ValueError),
    (([0.0], np.ones((1, 2))), TypeError),
    (([0], np.ones((1, 2), np.int64)), TypeError),
    (([[0]], np.ones((1, 2))), ValueError),
    (np.ones(3), TypeError),
])
@pytest.mark.parametrize("kind", KINDS)
def test_bad_grad_changes_nothing(kind, grad, exc):
    emb = cembed.Embedding(5, 2, seed=0)
    opt = make(kind)
    opt.step(emb, emb.backward([1], np.ones((1, 2), np.float32)))
    table = emb.embeddings.copy()
    state = {k: np.copy(v) for k, v in opt.get_state(emb).items()}
    with pytest.raises(exc):
        opt.step(emb, grad)
    assert np.array_equal(emb.embeddings, table)
    for k, v in opt.get_state(emb).items():
        assert np.array_equal(v, state[k])


def test_bad_first_step_allocates_no_state():
    emb = cembed.Embedding(5, 2, seed=0)
    opt = optimizers.Adam()
    with pytest.raises(IndexError):
        opt.step(emb, ([7], np.ones((1, 2), np.float32)))
    assert opt.get_state(emb) is None and emb.optimizer is None


# ---------------------------------------------------------------- layer options


@pytest.mark.parametrize("kind", KINDS)
def test_frozen_layer_is_left_unchanged(kind):
    W = np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32)
    emb = cembed.Embedding.from_pretrained(W.copy(), freeze=True)
    opt = make(kind)
    opt.step(emb, emb.backward([1, 2, 2], np.ones((3, 3), np.float32)))
    emb.train_step([0, 5], np.ones((2, 3), np.float32), opt)
    assert np.array_equal(emb.embeddings, W)
    assert opt.get_state(emb) is None
    with pytest.raises(IndexError):  # still validated
        opt.step(emb, ([9], np.ones((1, 3), np.float32)))
    emb.trainable = True
    opt.step(emb, emb.backward([1], np.ones((1, 3), np.float32)))
    assert not np.array_equal(emb.embeddings[1], W[1])


@pytest.mark.parametrize("kind", KINDS)
def test_l2_regularizer_on_touched_rows(kind):
    rng = np.random.default_rng(5)
    emb = cembed.Embedding(12, 3, embeddings_regularizer="l2", dtype="float64", seed=4)
    ref = RefOptimizer(kind, emb.embeddings, l2=0.01, learning_rate=0.1)
    before = emb.embeddings.copy()
    opt = make(kind, learning_rate=0.1)
    for idx, g in batches(rng, 6, 3, 3, shape=(4,)):
        opt.step(emb, emb.backward(idx, g))
        ref.step(idx, g)
    np.testing.assert_allclose(emb.embeddings, ref.w, rtol=0, atol=1e-9)
    assert np.array_equal(emb.embeddings[6:], before[6:])  # untouched rows do not decay


@pytest.mark.parametrize("kind", KINDS)
def test_train_step_equals_backward_then_step(kind):
    rng = np.random.default_rng(9)
    a = cembed.Embedding(25, 5, seed=3)
    b = cembed.Embedding(25, 5, seed=3)
    oa, ob = make(kind), make(kind)
    for idx, g in batches(rng, 25, 5, 4):
        oa.step(a, a.backward(idx, g))
        b.train_step(idx, g, ob)
    assert np.array_equal(a.embeddings, b.embeddings)
    assert b.optimizer is ob


def test_one_optimizer_keeps_separate_state_per_layer():
    a = cembed.Embedding(5, 2, seed=0)
    b = cembed.Embedding(7, 2, seed=0)
    opt = optimizers.Adam()
    opt.step(a, a.backward([1], np.ones((1, 2), np.float32)))
    opt.step(b, b.backward([1], np.ones((1, 2), np.float32)))
    opt.step(b, b.backward([1], np.ones((1, 2), np.float32)))
    assert opt.get_state(a)["step"] == 1 and opt.get_state(b)["step"] == 2
    assert opt.get_state(b)["m"].shape == (7, 2)


def test_set_state_checks():
    emb = cembed.Embedding(4, 2)
    opt = optimizers.Adam()
    with pytest.raises(ValueError):
        opt.set_state(emb, {"step": 1, "m": np.zeros((4, 2), np.float32)})
    with pytest.raises(ValueError):
        opt.set_state(emb, {"step": 1, "m": np.zeros((4, 3), np.float32),
                            "v": np.zeros((4, 3), np.float32)})
    with pytest.raises(ValueError):
        opt.set_state(emb, {"step": -1, "m": np.zeros((4, 2), np.float32),
                            "v": np.zeros((4, 2), np.float32)})
    assert opt.get_state(emb) is None
    rowwise = optimizers.Adagrad(rowwise=True)
    rowwise.set_state(emb, {"step": 2, "accum": np.ones(4, np.float32)})
    assert rowwise.get_state(emb)["accum"].shape == (4,)


def test_learning_rate_can_be_changed_between_steps_and_saved(tmp_path):
    emb = cembed.Embedding(4, 2, embeddings_initializer="zeros")
    opt = optimizers.SGD(0.1)
    opt.step(emb, ([1], np.ones((1, 2), np.float32)))
    opt.learning_rate = np.float32(0.5)  # a schedule, by hand
    opt.step(emb, ([1], np.ones((1, 2), np.float32)))
    np.testing.assert_allclose(emb.embeddings[1], [-0.6, -0.6], rtol=1e-6)
    loaded = cembed.Embedding.load(emb.save(tmp_path / "e.npz"))
    assert loaded.optimizer.get_config() == {"name": "SGD", "learning_rate": 0.5}


@pytest.mark.parametrize("kind", KINDS)
def test_training_is_bitwise_identical_for_any_thread_count(kind):
    tables = []
    try:
        for threads in (1, 2):
            cembed.set_num_threads(threads)
            rng = np.random.default_rng(0)
            emb = cembed.Embedding(5000, 64, seed=0, mask_zero=True)
            opt = make(kind)
            for _ in range(3):
                x = rng.integers(0, 5000, size=(256, 20))
                emb.train_step(x, rng.standard_normal((256, 20, 64)).astype(np.float32), opt)
                h = emb.bag(x, mode="sqrtn")
                opt.step(emb, emb.bag_backward(x, h, mode="sqrtn"))
            tables.append(emb.embeddings)
    finally:
        cembed.set_num_threads(None)
    assert np.array_equal(tables[0], tables[1])
