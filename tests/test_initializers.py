"""cembed.initializers: Keras' initializers, one draw for Embedding and Vectors.embedding_matrix."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cembed
from cembed import initializers


def test_initializers():
    normal = cembed.Embedding(2000, 20, embeddings_initializer="normal", seed=0).embeddings
    assert abs(float(normal.mean())) < 0.002 and 0.048 < float(normal.std()) < 0.052
    assert not cembed.Embedding(5, 3, embeddings_initializer="zeros").embeddings.any()
    assert np.all(cembed.Embedding(5, 3, embeddings_initializer="ones").embeddings == 1)
    glorot = cembed.Embedding(300, 100, embeddings_initializer="glorot_uniform", seed=0).embeddings
    limit = np.sqrt(6 / 400)
    assert np.abs(glorot).max() <= limit and np.abs(glorot).max() > 0.99 * limit
    assert cembed.Embedding(5, 3, embeddings_initializer="random_uniform", dtype="float64",
                            seed=1).embeddings.dtype == np.float64


def test_callable_and_array_initializers():
    seen = {}

    def init(shape, rng):
        seen["shape"], seen["rng"] = shape, rng
        return rng.integers(0, 3, size=shape)

    emb = cembed.Embedding(4, 3, embeddings_initializer=init, seed=0)
    assert seen["shape"] == (4, 3) and isinstance(seen["rng"], np.random.Generator)
    assert emb.embeddings.dtype == np.float32 and set(np.unique(emb.embeddings)) <= {0, 1, 2}
    A = np.arange(12.0).reshape(4, 3)
    emb = cembed.Embedding(4, 3, embeddings_initializer=A)
    assert np.array_equal(emb.embeddings, A) and not np.shares_memory(emb.embeddings, A)
    with pytest.raises(ValueError, match="shape"):
        cembed.Embedding(4, 3, embeddings_initializer=np.zeros((3, 4)))
    with pytest.raises(ValueError, match="shape"):
        cembed.Embedding(4, 3, embeddings_initializer=lambda shape, rng: np.zeros(3))
    with pytest.raises(ValueError, match="unknown"):
        cembed.Embedding(4, 3, embeddings_initializer="he_normal")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_draw_is_generator_random_in_the_tables_dtype(dtype):
    """The documented draw: U(a, b) is a + (b - a) * Generator.random(shape, dtype)."""
    rng = np.random.default_rng(5)
    expected = rng.random((7, 3), dtype=dtype)
    expected *= dtype(0.1)
    expected -= dtype(0.05)
    got = cembed.Embedding(7, 3, dtype=dtype, seed=5).embeddings
    assert got.tobytes() == expected.tobytes()
    normal = np.random.default_rng(5).standard_normal((7, 3), dtype=dtype) * dtype(0.05)
    got = cembed.Embedding(7, 3, embeddings_initializer="normal", dtype=dtype, seed=5).embeddings
    assert got.tobytes() == normal.tobytes()


@settings(max_examples=25, deadline=None)
@given(rows=st.integers(1, 40), dim=st.integers(1, 9), seed=st.integers(0, 2**32),
       name=st.sampled_from(["uniform", "random_uniform", "normal", "RandomNormal", "zeros",
                             "ones", "glorot_uniform"]),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_embedding_and_vectors_draw_the_same_table(rows, dim, seed, name, dtype):
    """Issue 11: the same seed draws the same table in both places (row 0 and found rows aside)."""
    table = cembed.Embedding(rows, dim, embeddings_initializer=name, dtype=dtype, seed=seed).embeddings
    vectors = cembed.Vectors(["known"], np.full((1, dim), 9, dtype))
    word_index = {"known": 1, **{f"w{i}": i for i in range(2, rows)}}
    matrix, found = vectors.embedding_matrix(word_index, num_words=rows, initializer=name, seed=seed)
    assert matrix.dtype == table.dtype and matrix.shape == table.shape
    assert matrix[2:].tobytes() == table[2:].tobytes()
    assert not matrix[0].any()
    if rows > 1:
        assert found == 1 and (matrix[1] == 9).all()


def test_get_names_aliases_and_configs():
    assert type(initializers.get("uniform")) is initializers.RandomUniform
    assert type(initializers.get("RANDOM_UNIFORM")) is initializers.RandomUniform
    assert type(initializers.get("randomnormal")) is initializers.RandomNormal
    assert type(initializers.get("zero")) is initializers.Zeros
    assert type(initializers.get("one")) is initializers.Ones
    assert type(initializers.get("GlorotUniform")) is initializers.GlorotUniform
    assert type(initializers.get("constant")) is initializers.Constant
    assert initializers.Constant(0.25)((2, 2), None, np.float64).tolist() == [[0.25] * 2] * 2
    for init in (initializers.RandomUniform(-1, 2), initializers.RandomNormal(0.5, 2.0),
                 initializers.Constant(0.25), initializers.Zeros(), initializers.Ones(),
                 initializers.GlorotUniform()):
        again = initializers.get(initializers.serialize(init))
        assert type(again) is type(init) and again.get_config() == init.get_config()
    assert initializers.serialize("normal") == "normal"
    assert initializers.serialize(lambda shape, rng: None) == "custom"
    with pytest.raises(ValueError, match="unknown initializer 'he_normal'"):
        initializers.get("he_normal")
    with pytest.raises(ValueError):
        initializers.RandomUniform(1.0, 0.0)
    with pytest.raises(ValueError):
        initializers.RandomNormal(stddev=-1.0)
    with pytest.raises(TypeError):
        initializers.RandomNormal(mean="0")


def test_initializer_objects_in_a_layer_and_its_config():
    init = initializers.RandomUniform(1.0, 2.0)
    emb = cembed.Embedding(50, 4, embeddings_initializer=init, seed=2)
    W = emb.embeddings
    assert W.min() >= 1.0 and W.max() < 2.0
    again = cembed.Embedding.from_config(emb.get_config())
    assert again.embeddings.tobytes() == W.tobytes()
    assert emb.get_config()["embeddings_initializer"] == {
        "name": "random_uniform", "config": {"minval": 1.0, "maxval": 2.0}}


def test_callable_result_and_array_checks():
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match="numeric"):
        initializers.initial_table(np.full((2, 2), "a"), (2, 2), np.float32, rng)
    with pytest.raises(TypeError, match="numeric"):
        initializers.initial_table(lambda shape, rng: np.full(shape, "a"), (2, 2), np.float32, rng)
    A = np.arange(4).reshape(2, 2)
    got = initializers.initial_table(A, (2, 2), np.float64, rng)
    assert got.dtype == np.float64 and got.flags.c_contiguous and not np.shares_memory(got, A)
