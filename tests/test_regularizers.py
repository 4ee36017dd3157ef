"""cembed.regularizers: the forms embeddings_regularizer takes, the penalty and its gradient."""
import numpy as np
import pytest

import cembed
from cembed import regularizers


def test_regularizer_forms():
    for spec, l2 in [("l2", 0.01), ("L2", 0.01), (0.25, 0.25), ({"l2": 0.5}, 0.5),
                     (regularizers.L2(0.75), 0.75)]:
        assert regularizers.get(spec).l2 == l2
        assert cembed.Embedding(2, 2, embeddings_regularizer=spec).get_config()[
            "embeddings_regularizer"] == {"l2": l2}
    for spec in (None, 0.0, {"l2": 0}):
        assert regularizers.get(spec) is None
        assert cembed.Embedding(2, 2, embeddings_regularizer=spec).regularization_loss() == 0.0

    class KerasL2:  # duck-typed like keras.regularizers.L2
        l2 = 0.125

    class KerasL1L2:
        l1, l2 = 0.5, 0.125

    assert regularizers.get(KerasL2()).l2 == 0.125
    with pytest.raises(ValueError, match="not L1"):
        regularizers.get(KerasL1L2())
    with pytest.raises(ValueError):
        cembed.Embedding(2, 2, embeddings_regularizer="l1")
    with pytest.raises(ValueError):
        cembed.Embedding(2, 2, embeddings_regularizer=-1.0)
    with pytest.raises(ValueError):
        regularizers.get({"l1": 0.1})
    with pytest.raises(TypeError):
        regularizers.get(True)
    with pytest.raises(TypeError):
        regularizers.L2("0.1")
    with pytest.raises(ValueError):
        regularizers.L2(float("nan"))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_penalty_and_gradient_equal_numpy(dtype):
    W = np.random.default_rng(0).standard_normal((70, 3)).astype(dtype)
    reg = regularizers.L2(0.3)
    assert reg(W) == pytest.approx(0.3 * float((W.astype(np.float64) ** 2).sum()), rel=1e-12)
    grad = reg.gradient(W[:5])
    assert grad.dtype == dtype
    np.testing.assert_allclose(grad, 2 * 0.3 * W[:5], rtol=1e-6)
    assert reg(W[:0]) == 0.0


def test_penalty_is_summed_block_by_block(monkeypatch):
    from cembed import similarity

    W = np.random.default_rng(1).standard_normal((10, 2))
    whole = regularizers.L2(1.0)(W)
    monkeypatch.setattr(similarity, "_SCAN_ROWS", 3)
    assert len(list(similarity.row_blocks(W))) == 4
    assert regularizers.L2(1.0)(W) == pytest.approx(whole, rel=1e-14)


def test_layer_loss_is_the_regularizers():
    emb = cembed.Embedding(6, 4, embeddings_regularizer=0.2, seed=0)
    assert emb.regularization_loss() == regularizers.L2(0.2)(emb.embeddings)
