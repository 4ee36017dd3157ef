"""Texts straight to padded arrays, against keras_preprocessing 1.1.2:
``Tokenizer.texts_to_array`` equals ``pad_sequences(texts_to_sequences(...))``
and ``hash_texts`` equals ``pad_sequences([hashing_trick(...) ...])`` with
MurmurHash3 as the hash function (scikit-learn's), for every padding and truncating
side, dtypes, empty inputs, non-ASCII text, oov_token and num_words, on
shipped text and on random Unicode text (hypothesis), on one and on two
threads."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cembed
from cembed import Tokenizer, hash_texts
from oracles import fit_cembed_and_keras, keras_pad_sequences
from corpora import CORPUS
from strategies import text_lists, tokenizer_options

kp_text = pytest.importorskip("keras_preprocessing.text")
kp_sequence = pytest.importorskip("keras_preprocessing.sequence")
murmurhash3_32 = pytest.importorskip("sklearn.utils").murmurhash3_32

SIDES = ["pre", "post"]
PAD_ARGS = [
    dict(padding=p, truncating=t, maxlen=m)
    for p in SIDES for t in SIDES for m in (None, 1, 7, 200)
]


def _ids(kw):
    return ",".join(f"{k}={v!r}" for k, v in kw.items()) or "default"


def keras_pad(seqs, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0):
    """Keras' pad_sequences; np.max of no lengths fails in Keras, where the
    contract gives an empty (0, 0) array."""
    if not seqs and maxlen is None:
        return np.zeros((0, 0), dtype=dtype)
    return keras_pad_sequences(seqs, maxlen=maxlen, dtype=dtype, padding=padding,
                               truncating=truncating, value=value)


def assert_same_array(got, expected):
    assert got.dtype == expected.dtype
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


def murmur_positive(word):
    return murmurhash3_32(word, seed=0, positive=True)


def keras_hash_texts(texts, n, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                     value=0, **kw):
    seqs = [kp_text.hashing_trick(t, n, hash_function=murmur_positive, **kw) for t in texts]
    return keras_pad(seqs, maxlen, dtype, padding, truncating, value)


TOKENIZER_CONFIGS = [
    {},
    {"num_words": 10},
    {"num_words": 30, "oov_token": "<OOV>"},
    {"oov_token": "alice"},
    {"num_words": 1, "oov_token": "x"},
    {"char_level": True},
    {"lower": False},
    {"split": "in"},
    {"filters": "aeiou\u00e4\u00f6\u00fc\u2013\u00bb", "split": "e"},
]


@pytest.mark.parametrize("kw", TOKENIZER_CONFIGS, ids=_ids)
@pytest.mark.parametrize("pad", PAD_ARGS, ids=_ids)
def test_texts_to_array_matches_keras(kw, pad):
    ours, theirs = fit_cembed_and_keras(kw, CORPUS)
    batch = CORPUS * 2  # long enough for the C lookup
    expected = keras_pad(theirs.texts_to_sequences(batch), **pad)
    assert_same_array(ours.texts_to_array(batch, **pad), expected)
    # a short batch takes Python's way, with the same result
    expected = keras_pad(theirs.texts_to_sequences(batch[:3]), **pad)
    assert_same_array(ours.texts_to_array(batch[:3], **pad), expected)


@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "float32"])
def test_texts_to_array_one_long_text_among_short_ones(padding, dtype):
    # maxlen=None: the longest text sets the row length and most of the
    # array is padding; the numbers are placed text by text, not by a mask
    ours, theirs = fit_cembed_and_keras({"num_words": 200}, CORPUS)
    batch = CORPUS * 2 + ["", " ".join(CORPUS) * 3] + CORPUS[:5]
    for value in (0, 3):
        expected = keras_pad(theirs.texts_to_sequences(batch), padding=padding, dtype=dtype,
                             value=value)
        assert_same_array(ours.texts_to_array(batch, padding=padding, dtype=dtype, value=value),
                          expected)


@pytest.mark.parametrize("dtype", ["int32", "int64", "int16", "uint16", "float32", "float64",
                                   "int8", "bool", object])
@pytest.mark.parametrize("value", [0, -1, 2.5])
def test_texts_to_array_dtypes_and_values(dtype, value):
    ours, theirs = fit_cembed_and_keras({"oov_token": "?"}, CORPUS)
    batch = CORPUS * 2
    seqs = theirs.texts_to_sequences(batch)
    try:
        expected = keras_pad(seqs, 9, dtype, "pre", "post", value)
    except OverflowError:  # int8 cannot hold the indices: Keras' NumPy error
        with pytest.raises(OverflowError):
            ours.texts_to_array(batch, 9, dtype, "pre", "post", value)
        return
    assert_same_array(ours.texts_to_array(batch, 9, dtype, "pre", "post", value), expected)


def test_texts_to_array_int64_values_and_edited_word_index():
    ours, theirs = fit_cembed_and_keras({}, CORPUS)
    for tok in (ours, theirs):
        tok.word_index["alice"] = 2**40
        tok.word_index["the"] = -5
    batch = CORPUS * 2
    seqs = theirs.texts_to_sequences(batch)
    assert_same_array(ours.texts_to_array(batch, dtype="int64"), keras_pad(seqs, dtype="int64"))
    assert_same_array(ours.texts_to_array(batch, dtype="float64"),
                      keras_pad(seqs, dtype="float64"))
    with pytest.raises(OverflowError):  # 2**40 in int32, as Keras
        keras_pad(seqs)
    with pytest.raises(OverflowError):
        ours.texts_to_array(batch)


def test_texts_to_array_inputs():
    ours, theirs = fit_cembed_and_keras({"oov_token": "<unk>"}, CORPUS)
    batch = CORPUS * 2
    expected = keras_pad(theirs.texts_to_sequences(batch))
    # any iterable; token lists and texts with lone surrogates take Python's way
    assert_same_array(ours.texts_to_array(iter(batch)), expected)
    assert_same_array(ours.texts_to_array(tuple(batch)), expected)
    mixed = batch + [["Alice", "was"], "caf\udce9 alice", ["x"] * 300]
    assert_same_array(ours.texts_to_array(mixed),
                      keras_pad(theirs.texts_to_sequences(mixed)))
    assert_same_array(ours.texts_to_array(mixed, maxlen=5, padding="post"),
                      keras_pad(theirs.texts_to_sequences(mixed), maxlen=5, padding="post"))
    # empty inputs
    assert_same_array(ours.texts_to_array([]), np.zeros((0, 0), np.int32))
    assert_same_array(ours.texts_to_array([], maxlen=3), np.zeros((0, 3), np.int32))
    assert_same_array(ours.texts_to_array([""] * 2000), np.zeros((2000, 0), np.int32))
    assert_same_array(ours.texts_to_array([""] * 2000, maxlen=2), np.zeros((2000, 2), np.int32))
    # an analyzer callable: Python's way
    tok = Tokenizer(analyzer=str.split)
    tok.fit_on_texts(CORPUS)
    assert_same_array(tok.texts_to_array(CORPUS * 2, maxlen=4),
                      keras_pad(tok.texts_to_sequences(CORPUS * 2), maxlen=4))


def test_texts_to_array_errors():
    ours, _ = fit_cembed_and_keras({}, CORPUS)
    with pytest.raises(ValueError, match='Padding type "middle" not understood'):
        ours.texts_to_array(CORPUS, padding="middle")
    with pytest.raises(ValueError, match='Truncating type "x" not understood'):
        ours.texts_to_array(CORPUS, truncating="x")
    # Keras fails on maxlen=0 (it keeps all of a sequence, s[-0:]); cembed
    # asks for at least 1
    with pytest.raises(ValueError):
        keras_pad([[1, 2]], maxlen=0)
    for bad in (0, -1):
        with pytest.raises(ValueError, match=f"maxlen must be >= 1, got {bad}"):
            ours.texts_to_array(CORPUS, maxlen=bad)
        with pytest.raises(ValueError, match=f"maxlen must be >= 1, got {bad}"):
            hash_texts(CORPUS, 10, maxlen=bad)
    with pytest.raises(TypeError, match="maxlen must be an int or None, got float"):
        ours.texts_to_array(CORPUS, maxlen=2.0)
    with pytest.raises(ValueError, match="not compatible with `value`"):
        ours.texts_to_array(CORPUS * 2, value="x")


def test_texts_to_array_is_the_same_on_any_number_of_threads():
    ours, theirs = fit_cembed_and_keras({"num_words": 50, "oov_token": "?"}, CORPUS)
    batch = CORPUS * 40  # several MB of work: more than one thread
    expected = keras_pad(theirs.texts_to_sequences(batch), maxlen=30)
    try:
        for n in (1, 2, 3):
            cembed.set_num_threads(n)
            assert_same_array(ours.texts_to_array(batch, maxlen=30), expected)
            assert_same_array(ours.texts_to_array(batch), keras_pad(
                theirs.texts_to_sequences(batch)))
            assert ours.texts_to_sequences(batch) == theirs.texts_to_sequences(batch)
            assert_same_array(hash_texts(batch, 5000, maxlen=30),
                              keras_hash_texts(batch, 5000, maxlen=30))
    finally:
        cembed.set_num_threads(None)


HASH_CONFIGS = [{}, {"lower": False}, {"split": "e", "filters": "a"}, {"split": "ab"},
                {"filters": ""}]


@pytest.mark.parametrize("kw", HASH_CONFIGS, ids=_ids)
@pytest.mark.parametrize("pad", PAD_ARGS, ids=_ids)
def test_hash_texts_matches_keras_with_murmurhash3(kw, pad):
    for n in (2, 1000):
        assert_same_array(hash_texts(CORPUS, n, **pad, **kw),
                          keras_hash_texts(CORPUS, n, **pad, **kw))


@pytest.mark.parametrize("n", [2**31 - 1, 2**31, 2**31 + 7, 2**32 + 1, 2**40])
def test_hash_texts_large_n(n):
    try:
        expected = keras_hash_texts(CORPUS, n)
    except OverflowError:  # indices past int32: NumPy's error, in Keras too
        with pytest.raises(OverflowError):
            hash_texts(CORPUS, n)
    else:
        assert_same_array(hash_texts(CORPUS, n), expected)
    assert_same_array(hash_texts(CORPUS, n, dtype="int64"),
                      keras_hash_texts(CORPUS, n, dtype="int64"))


def test_hash_texts_inputs_and_errors():
    assert_same_array(hash_texts([], 10), np.zeros((0, 0), np.int32))
    assert_same_array(hash_texts(["", " "], 10, maxlen=2), np.zeros((2, 2), np.int32))
    assert_same_array(hash_texts(iter(CORPUS), 100, dtype="float32", value=-1),
                      keras_hash_texts(CORPUS, 100, dtype="float32", value=-1))
    surrogate = ["caf\udce9 x"]
    with pytest.raises(UnicodeEncodeError):  # the token's UTF-8, as scikit-learn
        hash_texts(surrogate, 10)
    # the fixed numbers of the docstring: the same in every process
    assert hash_texts(["The cat sat on the mat"], 10000).tolist() == [
        [4592, 7919, 7679, 3447, 4592, 6908]]
    with pytest.raises(ValueError, match="n must be >= 2"):
        hash_texts(["a"], 1)
    with pytest.raises(TypeError, match="n must be an int, got float"):
        hash_texts(["a"], 10.0)
    with pytest.raises(ValueError, match='Padding type "x" not understood'):
        hash_texts(["a"], 10, padding="x")
    with pytest.raises(AttributeError):  # Keras' error for a non-text
        hash_texts([3], 10)


def test_public_names():
    assert "hash_texts" in cembed.__all__
    assert cembed.hash_texts is hash_texts
    assert Tokenizer.texts_to_array.__doc__ and hash_texts.__doc__


# ------------------------------------------------------------------ hypothesis

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=text_lists,
    fit=text_lists,
    kw=tokenizer_options,
    maxlen=st.one_of(st.none(), st.integers(1, 12)),
    padding=st.sampled_from(SIDES),
    truncating=st.sampled_from(SIDES),
    dtype=st.sampled_from(["int32", "int64", "float32"]),
)
def test_random_texts_match_keras(texts, fit, kw, maxlen, padding, truncating, dtype):
    filters, split, lower, char_level = kw["filters"], kw["split"], kw["lower"], kw["char_level"]
    ours, theirs = fit_cembed_and_keras(kw, fit + texts)
    batch = texts * 20  # long enough for the C lookup
    pad = dict(maxlen=maxlen, dtype=dtype, padding=padding, truncating=truncating, value=0)
    assert_same_array(ours.texts_to_array(batch, **pad),
                      keras_pad(theirs.texts_to_sequences(batch), **pad))
    if not char_level:
        assert_same_array(hash_texts(texts, 1000, filters=filters, split=split, lower=lower, **pad),
                          keras_hash_texts(texts, 1000, filters=filters, split=split, lower=lower,
                                           **pad))
