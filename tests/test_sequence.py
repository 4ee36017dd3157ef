"""cembed.pad_sequences against keras_preprocessing 1.1.2's, the oracle.

keras_preprocessing's pad_sequences uses np.unicode_, which NumPy 2
removed: the alias is restored only around the calls to Keras."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cembed import pad_sequences
from oracles import keras_pad_sequences as keras_pad
from oracles import numpy_unicode_alias

kp_sequence = pytest.importorskip("keras_preprocessing.sequence")


def assert_same(sequences, **kwargs):
    """Both give the same array (dtype, shape, values), or the same error."""
    try:
        expected = keras_pad(sequences, **kwargs)
    except Exception as e:  # noqa: BLE001 - any Keras error must be ours too
        with pytest.raises(type(e)) as info:
            pad_sequences(sequences, **kwargs)
        assert str(info.value) == str(e)
        return
    got = pad_sequences(sequences, **kwargs)
    assert type(got) is np.ndarray
    assert got.dtype == expected.dtype
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


NUMPY_2 = int(np.__version__.split(".")[0]) >= 2


def test_alias_is_not_left_behind():
    assert not (NUMPY_2 and hasattr(np, "unicode_"))
    keras_pad([[1]])
    assert not (NUMPY_2 and hasattr(np, "unicode_"))


SEQS = [[1, 2, 3], [4], [], [5, 6, 7, 8, 9], [-3, 2**31 - 1, -2**31]]


@pytest.mark.parametrize("maxlen", [None, 1, 2, 3, 5, 9])
@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
@pytest.mark.parametrize("value", [0.0, -1, 7.9])
def test_int_sequences(maxlen, padding, truncating, value):
    kw = dict(maxlen=maxlen, padding=padding, truncating=truncating, value=value)
    assert_same(SEQS, **kw)
    assert_same([tuple(s) for s in SEQS], **kw)
    assert_same([np.asarray(s, dtype=np.int64) for s in SEQS], **kw)
    assert_same([np.asarray(s[:2], dtype=np.uint8) for s in SEQS[:4]], **kw)
    assert_same(np.arange(12).reshape(3, 4), **kw)


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32", "float64", "int8", object])
def test_dtypes(dtype):
    assert_same(SEQS[:4], dtype=dtype)
    assert_same([[1.5, 2.7], [3.2]], dtype=dtype, maxlen=3, value=0.5)


def test_values_numpy_refuses_or_casts():
    # kept values outside int32: NumPy 2 refuses them, as in Keras
    assert_same([[1, 2**31]], dtype="int32")
    assert_same([[1, -2**31 - 1]], dtype="int32")
    # ... unless truncated away
    assert_same([[2**40, 1, 2]], maxlen=2)
    assert_same([[1, 2, 2**40]], maxlen=2, truncating="post")
    assert_same([[2**70, 1, 2]], maxlen=2)
    # floats, bools and NumPy scalars go through NumPy's casts
    assert_same([[1.9, -2.5], [True, False], [np.int64(5), np.float32(2.5)]])
    # arrays cast unsafely (wrap around), as np.asarray(..., dtype) does
    assert_same([np.array([2**40 + 3, 5], dtype=np.int64)])


def test_per_step_shapes_and_strings():
    steps = [np.ones((3, 2)), np.zeros((1, 2)), np.empty((0, 2))]
    assert_same(steps, maxlen=2, dtype="float32")
    assert_same(steps, padding="post", value=9)
    assert_same([np.ones((3, 2)), np.ones((2, 3))])  # shape mismatch error
    assert_same([["a", "bb"], ["ccc"]], dtype=object, value="")
    assert_same([["a", "bb"], ["ccc"]], dtype="<U3", value="-")
    assert_same([["a", "bb"], ["ccc"]], value="x")  # str value, int dtype: Keras' error
    assert_same([["a", "bb"], []], dtype=object, value=None, maxlen=1, truncating="post")


def test_errors():
    assert_same([[1], [2, 3]], padding="middle")
    assert_same([[1], [2, 3]], truncating="middle", maxlen=1)
    assert_same([[], []], padding="middle")  # Keras raises only for a non-empty row
    assert_same([[1, 2], 3])
    assert_same(iter([[1]]))
    assert_same([[1, 2]], maxlen=0)
    assert_same([[1, 2]], maxlen=-1)
    assert_same([[1, [2, 3]]])


def test_empty():
    # Keras fails on np.max([]); cembed returns an empty matrix
    out = pad_sequences([])
    assert out.shape == (0, 0) and out.dtype == np.int32
    assert_same([], maxlen=4)
    assert_same([[], []])
    assert_same([[], []], maxlen=3, value=-1)


@settings(max_examples=150, deadline=None)
@given(
    seqs=st.lists(st.lists(st.integers(-2**31, 2**31 - 1), max_size=12), max_size=10),
    maxlen=st.one_of(st.none(), st.integers(1, 14)),
    padding=st.sampled_from(["pre", "post"]),
    truncating=st.sampled_from(["pre", "post"]),
    value=st.one_of(st.integers(-5, 5), st.floats(-3, 3)),
    as_arrays=st.booleans(),
)
def test_random(seqs, maxlen, padding, truncating, value, as_arrays):
    if as_arrays:
        seqs = [np.asarray(s, dtype=np.int64) for s in seqs]
    if not seqs and maxlen is None:
        return  # Keras fails on np.max([]); see test_empty
    assert_same(seqs, maxlen=maxlen, padding=padding, truncating=truncating, value=value)


def test_doctests():
    import doctest

    import cembed.sequence
    result = doctest.testmod(cembed.sequence)
    assert result.failed == 0 and result.attempted >= 3
