"""cembed.constraints: Keras' formulas, names and configs, applied to the rows a step touches."""
import numpy as np
import pytest

import cembed
from cembed import constraints, optimizers
from cembed.constraints import MaxNorm, NonNeg, UnitNorm


def _keras_max_norm(w, m=2.0):
    n = np.sqrt((w * w).sum(axis=1, keepdims=True))
    return w * (np.clip(n, 0, m) / (1e-7 + n))


@pytest.mark.parametrize("name, ref", [
    ("max_norm", _keras_max_norm),
    ("unit_norm", lambda w: w / (1e-7 + np.sqrt((w * w).sum(axis=1, keepdims=True)))),
    ("non_neg", lambda w: np.where(w >= 0, w, 0.0)),
    (lambda w: np.clip(w, -0.5, 0.5), lambda w: np.clip(w, -0.5, 0.5)),
])
def test_constraint_on_touched_rows(name, ref):
    W = np.random.default_rng(1).standard_normal((8, 4)) * 3
    emb = cembed.Embedding(8, 4, weights=[W], dtype="float64", embeddings_constraint=name)
    grads = np.random.default_rng(2).standard_normal((3, 4))
    expected = W.copy()
    expected[[1, 3, 6]] -= 0.01 * grads
    expected[[1, 3, 6]] = ref(expected[[1, 3, 6]])
    optimizers.SGD().step(emb, ([1, 3, 6], grads))
    np.testing.assert_allclose(emb.embeddings, expected, rtol=1e-12, atol=1e-12)


def test_constraint_objects_and_errors():
    emb = cembed.Embedding(4, 2, weights=[[[3, 4]] * 4], embeddings_constraint=MaxNorm(1.0))
    optimizers.SGD(0.0).step(emb, ([2], np.zeros((1, 2))))
    np.testing.assert_allclose(emb.embeddings[2], [0.6, 0.8], rtol=1e-6)
    np.testing.assert_array_equal(emb.embeddings[0], [3, 4])
    with pytest.raises(ValueError):
        cembed.Embedding(2, 2, embeddings_constraint="min_max_norm")
    with pytest.raises(TypeError):
        cembed.Embedding(2, 2, embeddings_constraint=3)


def test_constraints_equal_keras_formulas():
    W = np.random.default_rng(3).standard_normal((6, 5)) * 3
    W[2] = 0
    np.testing.assert_allclose(MaxNorm(2.0)(W), _keras_max_norm(W), rtol=1e-12)
    np.testing.assert_allclose(MaxNorm(0.5)(W), _keras_max_norm(W, 0.5), rtol=1e-12)
    np.testing.assert_allclose(
        UnitNorm()(W), W / (1e-7 + np.sqrt((W * W).sum(axis=1, keepdims=True))), rtol=1e-12)
    assert np.array_equal(NonNeg()(W), np.maximum(W, 0))
    assert NonNeg()(W.astype(np.float32)).dtype == np.float32


def test_get_and_serialize_round_trip():
    for name, cls in [("max_norm", MaxNorm), ("maxnorm", MaxNorm), ("UnitNorm", UnitNorm),
                      ("non_neg", NonNeg), ("nonneg", NonNeg)]:
        c = constraints.get(name)
        assert type(c) is cls
        again = constraints.get(constraints.serialize(c))
        assert type(again) is cls and again.get_config() == c.get_config()
    assert constraints.get({"name": "max_norm", "config": {"max_value": 3}}).max_value == 3.0
    assert constraints.get(None) is None and constraints.serialize(None) is None
    m = MaxNorm(1.5)
    assert constraints.get(m) is m

    def clip(rows):
        return rows

    assert constraints.get(clip) is clip
    assert constraints.serialize(clip) == {"custom": "test_get_and_serialize_round_trip.<locals>.clip"}
    with pytest.raises(ValueError, match="unknown embeddings_constraint"):
        constraints.get("min_max_norm")
    with pytest.raises(ValueError):
        constraints.get({"name": "nope", "config": {}})
    with pytest.raises(TypeError):
        constraints.get(3)
    with pytest.raises(ValueError):
        MaxNorm(-1.0)
    with pytest.raises(TypeError):
        MaxNorm("2")


def test_old_import_path_still_works():
    from cembed import embedding

    assert embedding.MaxNorm is MaxNorm and embedding.UnitNorm is UnitNorm
    assert embedding.NonNeg is NonNeg
