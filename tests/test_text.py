"""cembed.text against keras_preprocessing 1.1.2, the oracle: every attribute
and output equal (matrices bitwise), errors of the same type, on shipped
public-domain text and on random Unicode text (hypothesis)."""
import json
import pickle
from collections import OrderedDict, defaultdict

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cembed
from cembed import Tokenizer, hashing_trick, one_hot, text_to_word_sequence, tokenizer_from_json
from corpora import ALICE, CORPUS
from oracles import fit_cembed_and_keras
from strategies import text_lists, tokenizer_options

kp_text = pytest.importorskip("keras_preprocessing.text")


CONFIGS = [
    {},
    {"num_words": 10},
    {"num_words": 30, "oov_token": "<OOV>"},
    {"oov_token": "<unk>"},
    {"oov_token": "alice"},  # an OOV token that is also a word
    {"num_words": 1},
    {"num_words": 1, "oov_token": "x"},
    {"char_level": True},
    {"char_level": True, "num_words": 20, "oov_token": "?"},
    {"char_level": True, "lower": False},
    {"lower": False},
    {"split": "\u00e4"},
    {"split": "in"},
    {"split": "\u00df\u00e4", "filters": "e,"},
    {"filters": ""},
    {"filters": "aeiou\u00e4\u00f6\u00fc\u2013\u00bb", "split": "e"},
    {"split": None},
    {"split": "\n", "filters": " "},
]


def _ids(kw):
    return ",".join(f"{k}={v!r}" for k, v in kw.items()) or "default"


def assert_same_state(ours, theirs):
    assert isinstance(ours.word_counts, OrderedDict)
    assert isinstance(ours.word_docs, defaultdict)
    assert isinstance(ours.index_docs, defaultdict)
    assert list(ours.word_counts.items()) == list(theirs.word_counts.items())
    assert dict(ours.word_docs) == dict(theirs.word_docs)
    assert dict(ours.index_docs) == dict(theirs.index_docs)
    assert list(ours.word_index.items()) == list(theirs.word_index.items())
    assert list(ours.index_word.items()) == list(theirs.index_word.items())
    assert ours.document_count == theirs.document_count


def assert_same_outputs(ours, theirs, texts):
    # a long list takes the C lookup, a short one Keras' Python loop
    for batch in (texts * 3, texts[:2], texts[:1]):
        assert ours.texts_to_sequences(batch) == theirs.texts_to_sequences(batch)
    assert list(ours.texts_to_sequences_generator(iter(texts))) == list(
        theirs.texts_to_sequences_generator(iter(texts)))
    seqs = theirs.texts_to_sequences(texts)
    assert ours.sequences_to_texts(seqs) == theirs.sequences_to_texts(seqs)
    for mode in ("binary", "count", "freq", "tfidf"):
        a = ours.texts_to_matrix(texts, mode=mode)
        b = theirs.texts_to_matrix(texts, mode=mode)
        assert a.dtype == b.dtype == np.float64
        assert a.shape == b.shape
        np.testing.assert_array_equal(a, b)  # bitwise for finite values


def same_result(f, ours, theirs):
    """f(ours) equals f(theirs), or both raise the same exception type."""
    try:
        expected = f(theirs)
    except Exception as e:  # noqa: BLE001 - any Keras error must be ours too
        with pytest.raises(type(e)):
            f(ours)
        return
    got = f(ours)
    if isinstance(expected, np.ndarray):
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
    else:
        assert got == expected


@pytest.mark.parametrize("kw", CONFIGS, ids=_ids)
def test_fit_and_transform_match_keras(kw):
    ours, theirs = fit_cembed_and_keras(kw, CORPUS)
    assert_same_state(ours, theirs)
    assert_same_outputs(ours, theirs, CORPUS)


@pytest.mark.parametrize("kw", CONFIGS[:4] + [{"char_level": True}], ids=_ids)
def test_fit_twice_generators_and_token_lists(kw):
    token_docs = [["The", "RABBIT", "ran"], [], ["Straße", "straße", "the", "", " "], [""]]
    mixed = CORPUS[:20] + token_docs + CORPUS[20:40]
    ours, theirs = Tokenizer(**kw), kp_text.Tokenizer(**kw)
    ours.fit_on_texts(t for t in mixed)
    theirs.fit_on_texts(t for t in mixed)
    ours.fit_on_texts(iter(CORPUS[40:]))
    theirs.fit_on_texts(iter(CORPUS[40:]))
    assert_same_state(ours, theirs)
    assert_same_outputs(ours, theirs, mixed)


def test_fit_streams_the_texts():
    import tracemalloc

    words = [f"w{k}" for k in range(997)]
    pad = "x" * 150

    def lines():  # about 8 MB of text, made one line at a time
        for i in range(40_000):
            yield " ".join(words[(i * 7 + k) % 997] for k in range(8)) + " " + pad

    tok = Tokenizer()
    tracemalloc.start()
    try:
        tok.fit_on_texts(lines())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert tok.document_count == 40_000 and len(tok.word_index) == 998
    assert peak < 3_000_000  # the vocabulary and one batch, not the corpus


def test_fit_on_sequences_and_tfidf():
    ours, theirs = Tokenizer(num_words=12), kp_text.Tokenizer(num_words=12)
    seqs = [[1, 2, 2, 5], [3, 11, 40], [], [5, 5, 5, 0]]
    ours.fit_on_sequences(seqs)
    theirs.fit_on_sequences(seqs)
    assert dict(ours.index_docs) == dict(theirs.index_docs)
    assert ours.document_count == theirs.document_count == 4
    for mode in ("binary", "count", "freq", "tfidf"):
        np.testing.assert_array_equal(ours.sequences_to_matrix(seqs, mode=mode),
                                      theirs.sequences_to_matrix(seqs, mode=mode))


def test_sequences_to_matrix_quirks():
    ours, theirs = Tokenizer(num_words=6), kp_text.Tokenizer(num_words=6)
    ours.fit_on_texts(["a b c", "a"])
    theirs.fit_on_texts(["a b c", "a"])
    # negative indices count from the end (NumPy indexing), tuples work,
    # ids >= num_words are left out but count toward the length in "freq"
    seqs = [[1, -1, 3, 9], (2, 2), [], [5, 5, 2**70], [np.int64(2), 3]]
    for mode in ("binary", "count", "freq", "tfidf"):
        np.testing.assert_array_equal(ours.sequences_to_matrix(seqs, mode=mode),
                                      theirs.sequences_to_matrix(seqs, mode=mode))
        # sized iterables that are not lists
        for container in (tuple, lambda s: {i: v for i, v in enumerate(s)}.values()):
            np.testing.assert_array_equal(
                ours.sequences_to_matrix(container(seqs), mode=mode),
                theirs.sequences_to_matrix(container(seqs), mode=mode))
    # rows that are arrays: Keras' `if not seq` fails on them
    same_result(lambda tok: tok.sequences_to_matrix([np.array([1, 2])]), ours, theirs)


def test_matrix_errors_match_keras():
    for cls in (Tokenizer, kp_text.Tokenizer):
        tok = cls()
        with pytest.raises(ValueError, match="Specify a dimension"):
            tok.sequences_to_matrix([[1]])
        tok = cls(num_words=3)
        with pytest.raises(ValueError, match="before using tfidf"):
            tok.sequences_to_matrix([[1]], mode="tfidf")
        with pytest.raises(ValueError, match="Unknown vectorization mode"):
            tok.sequences_to_matrix([[1]], mode="bm25")
        # Keras raises only when a row has an entry
        assert tok.sequences_to_matrix([[]], mode="bm25").shape == (1, 3)


def test_oov_and_num_words_edge_cases():
    texts = ["a a a b b c", "d"]
    # an oov_token set after fitting is not in word_index: Keras then emits
    # None for unknown words and drops ids >= num_words
    ours, theirs = fit_cembed_and_keras({"num_words": 3}, texts)
    for tok in (ours, theirs):
        tok.oov_token = "zzz"
    batch = ["a b c d e"] * 50
    assert ours.texts_to_sequences(batch) == theirs.texts_to_sequences(batch)
    assert ours.texts_to_sequences(batch)[0] == [1, 2, None]
    # num_words=0 means no limit
    ours, theirs = fit_cembed_and_keras({"num_words": 0}, texts)
    assert ours.texts_to_sequences(batch) == theirs.texts_to_sequences(batch)


def test_word_index_edited_by_hand():
    ours, theirs = fit_cembed_and_keras({"oov_token": "<unk>"}, CORPUS)
    batch = CORPUS * 2
    assert ours.texts_to_sequences(batch) == theirs.texts_to_sequences(batch)
    # in place edits after the C table was built: a new word, a moved one,
    # a value of another type, a removed word
    for tok in (ours, theirs):
        tok.word_index["zebra"] = 7
        tok.word_index["alice"] = 3
    assert ours.texts_to_sequences(batch + ["zebra alice"]) == theirs.texts_to_sequences(
        batch + ["zebra alice"])
    for tok in (ours, theirs):
        tok.word_index["the"] = 2.0
        del tok.word_index["rabbit"]
    out = ours.texts_to_sequences(batch)
    assert out == theirs.texts_to_sequences(batch)
    assert any(type(v) is float for row in out for v in row)
    # a new dict
    for tok in (ours, theirs):
        tok.word_index = {"alice": 1, "rabbit": 2}
    assert ours.texts_to_sequences(batch) == theirs.texts_to_sequences(batch)
    # the same words reordered (the table stays valid), then one value
    # swapped in a dict of the same keys in the same order
    for tok in (ours, theirs):
        tok.word_index = {"rabbit": 2, "alice": 1}
    assert ours.texts_to_sequences(batch) == theirs.texts_to_sequences(batch)
    for tok in (ours, theirs):
        tok.word_index = {"rabbit": 1, "alice": 2}
    assert ours.texts_to_sequences(batch) == theirs.texts_to_sequences(batch)
    assert ours.texts_to_sequences(["alice rabbit"]) == [[2, 1]]


def test_lone_surrogates_take_python_path():
    texts = ["abc \ud800 def", "ABC x\udfffy"] * 40
    ours, theirs = fit_cembed_and_keras({}, texts)
    assert_same_state(ours, theirs)
    assert ours.texts_to_sequences(texts) == theirs.texts_to_sequences(texts)
    # a word with a lone surrogate has no UTF-8 to hash: Keras' md5 fails,
    # and so does MurmurHash3 (as scikit-learn's)
    with pytest.raises(UnicodeEncodeError):
        kp_text.hashing_trick(texts[0], 50, hash_function="md5")
    with pytest.raises(UnicodeEncodeError):
        hashing_trick(texts[0], 50, hash_function="md5")
    with pytest.raises(UnicodeEncodeError):
        hashing_trick(texts, 50)
    assert hashing_trick("abc \ud800 def", 50, hash_function=len) == [4, 2, 4]


def test_errors_match_keras():
    for bad in ([None], [3], [b"bytes"]):
        for cls in (Tokenizer, kp_text.Tokenizer):
            with pytest.raises((AttributeError, TypeError)):
                cls().fit_on_texts(bad)
    for cls in (Tokenizer, kp_text.Tokenizer):
        with pytest.raises(ValueError, match="empty separator"):
            cls(split="").fit_on_texts(["a b"])
        with pytest.raises(TypeError, match="Unrecognized keyword"):
            cls(foo=1)
    with pytest.warns(UserWarning):
        assert Tokenizer(nb_words=5).num_words == 5


def test_failed_fit_keeps_what_keras_keeps():
    texts = ["a b", "b c", None, "c d"]
    ours, theirs = Tokenizer(), kp_text.Tokenizer()
    for tok in (ours, theirs):
        with pytest.raises(AttributeError):
            tok.fit_on_texts(iter(texts))
    assert list(ours.word_counts.items()) == list(theirs.word_counts.items())
    assert dict(ours.word_docs) == dict(theirs.word_docs)
    assert ours.document_count == theirs.document_count == 3


def test_analyzer_replaces_word_split():
    def analyzer(text):
        return text.split()

    texts = ALICE.split("\n")
    ours = Tokenizer(analyzer=analyzer, num_words=40)
    ours.fit_on_texts(texts)
    # tf.keras' semantics: the analyzer gets the raw text, nothing else runs
    theirs = kp_text.Tokenizer(lower=False, num_words=40)
    theirs.fit_on_texts([analyzer(t) for t in texts])
    assert_same_state(ours, theirs)
    assert ours.texts_to_sequences(texts) == theirs.texts_to_sequences(
        [analyzer(t) for t in texts])
    assert "analyzer" not in ours.get_config()


# ------------------------------------------------------------------ JSON

@pytest.mark.parametrize("kw", [{}, {"num_words": 20, "oov_token": "<OOV>"},
                                {"char_level": True}], ids=_ids)
def test_json_both_ways(kw):
    ours, theirs = fit_cembed_and_keras(kw, CORPUS)
    config = ours.get_config()
    assert set(config) == set(theirs.get_config())
    for key, value in config.items():
        other = theirs.get_config()[key]
        if key in ("word_counts", "word_docs", "index_docs", "word_index", "index_word"):
            assert isinstance(value, str)
            assert json.loads(value) == json.loads(other)
        else:
            assert value == other
    # Keras reads ours, we read Keras'
    theirs_from_ours = kp_text.tokenizer_from_json(ours.to_json())
    ours_from_theirs = tokenizer_from_json(theirs.to_json())
    for tok in (theirs_from_ours, ours_from_theirs):
        assert tok.word_index == theirs.word_index
        assert tok.index_word == theirs.index_word
        assert tok.texts_to_sequences(CORPUS) == theirs.texts_to_sequences(CORPUS)
        for mode in ("binary", "tfidf"):
            np.testing.assert_array_equal(tok.texts_to_matrix(CORPUS, mode=mode),
                                          theirs.texts_to_matrix(CORPUS, mode=mode))
    assert json.loads(ours.to_json(indent=2)) == json.loads(ours.to_json())
    assert json.loads(ours.to_json())["class_name"] == "Tokenizer"


def test_refit_after_load():
    first, second = CORPUS[:60], CORPUS[60:]
    whole = Tokenizer(oov_token="<OOV>")
    whole.fit_on_texts(first)
    whole.fit_on_texts(second)
    loaded = tokenizer_from_json(Tokenizer(oov_token="<OOV>").to_json())
    part = Tokenizer(oov_token="<OOV>")
    part.fit_on_texts(first)
    loaded = tokenizer_from_json(part.to_json())
    loaded.fit_on_texts(second)
    assert list(loaded.word_counts.items()) == list(whole.word_counts.items())
    assert dict(loaded.word_docs) == dict(whole.word_docs)
    assert dict(loaded.index_docs) == dict(whole.index_docs)
    assert loaded.word_index == whole.word_index
    assert loaded.document_count == whole.document_count
    # and from Keras' JSON too (Keras' own loaded tokenizer cannot refit)
    keras_part = kp_text.Tokenizer(oov_token="<OOV>")
    keras_part.fit_on_texts(first)
    loaded = tokenizer_from_json(keras_part.to_json())
    loaded.fit_on_texts(second)
    assert loaded.word_index == whole.word_index
    keras_loaded = kp_text.tokenizer_from_json(keras_part.to_json())
    with pytest.raises(KeyError):
        keras_loaded.fit_on_texts(["a brand new word"])


def test_word_counts_edited_by_hand():
    # counts of other types (here floats and huge ints) sort as Keras sorts
    for extra in ({"zz": 2.5, "yy": 2}, {"zz": 2**70, "yy": 1}, {"zz": -3}):
        ours, theirs = Tokenizer(), kp_text.Tokenizer()
        for tok in (ours, theirs):
            tok.word_counts.update(extra)
            tok.word_docs.update({w: 1 for w in extra})
            tok.fit_on_texts(["b a b c c", "c"])
        assert_same_state(ours, theirs)


def test_pickle_round_trip():
    tok = Tokenizer(num_words=50)
    tok.fit_on_texts(CORPUS)
    before = tok.texts_to_sequences(CORPUS * 2)  # builds the C lookup table
    copy = pickle.loads(pickle.dumps(tok))
    assert copy.texts_to_sequences(CORPUS * 2) == before
    assert copy.word_index == tok.word_index


# ------------------------------------------------------------------ functions

@pytest.mark.parametrize("kw", [{}, {"lower": False}, {"split": "e", "filters": "a"},
                                {"split": "ab"}, {"filters": "\u00e4"}], ids=_ids)
def test_text_to_word_sequence_and_hashing_match_keras(kw):
    for text in CORPUS:
        assert text_to_word_sequence(text, **kw) == kp_text.text_to_word_sequence(text, **kw)
        assert hashing_trick(text, 97, hash_function="md5", **kw) == kp_text.hashing_trick(
            text, 97, hash_function="md5", **kw)
        assert hashing_trick(text, 13, hash_function=len, **kw) == kp_text.hashing_trick(
            text, 13, hash_function=len, **kw)
        # one_hot is Keras' with Python's hash, which is stable within a run
        assert one_hot(text, 50, hash_function=hash, **kw) == kp_text.one_hot(text, 50, **kw)


def _murmur_reference(text, n, **kw):
    from sklearn.utils import murmurhash3_32
    return [murmurhash3_32(w, seed=0, positive=True) % (n - 1) + 1
            for w in kp_text.text_to_word_sequence(text, **kw)]


@pytest.mark.parametrize("kw", [{}, {"lower": False}, {"split": "e", "filters": "a"},
                                {"split": "ab"}, {"split": None}], ids=_ids)
@pytest.mark.parametrize("n", [2, 3, 1000, 2**31 + 7, 2**40])
def test_default_hash_is_murmurhash3(kw, n):
    expected = [_murmur_reference(t, n, **kw) for t in CORPUS]
    assert hashing_trick(CORPUS, n, **kw) == expected
    assert hashing_trick(tuple(CORPUS), n, **kw) == expected
    assert [hashing_trick(t, n, **kw) for t in CORPUS] == expected
    assert one_hot(CORPUS, n, **kw) == expected
    flat = [i for row in expected for i in row]
    assert all(1 <= i <= n - 1 for i in flat)


def test_hashing_trick_inputs():
    expected = [_murmur_reference(t, 1000) for t in CORPUS[:10]]
    assert hashing_trick(iter(CORPUS[:10]), 1000) == expected
    assert hashing_trick(np.array(CORPUS[:10]), 1000) == expected
    assert hashing_trick(CORPUS[3], np.int64(1000)) == expected[3]
    # the result does not depend on the process: fixed numbers
    assert hashing_trick("The cat sat on the mat", 10000) == [4592, 7919, 7679, 3447, 4592, 6908]


def test_hashing_trick_analyzer_and_errors():
    assert hashing_trick("A b", 100, analyzer=str.split) == [
        _murmur_reference("A", 100, lower=False)[0], _murmur_reference("b", 100)[0]]
    assert hashing_trick("", 10) == []
    assert hashing_trick([], 10) == []
    with pytest.raises(ValueError, match="n must be >= 2"):
        hashing_trick("a", 1)
    with pytest.raises(TypeError):
        hashing_trick("a", 10.0)
    # Keras' error for a hash function with n=1
    with pytest.raises(ZeroDivisionError):
        hashing_trick("a", 1, hash_function="md5")


def test_public_names():
    for name in ("Tokenizer", "pad_sequences", "one_hot", "hashing_trick",
                 "text_to_word_sequence", "tokenizer_from_json"):
        assert name in cembed.__all__
        assert getattr(cembed, name).__doc__


def test_doctests():
    import doctest

    import cembed.text
    result = doctest.testmod(cembed.text)
    assert result.failed == 0 and result.attempted > 10


# ------------------------------------------------------------------ hypothesis

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=text_lists, more=text_lists, kw=tokenizer_options)
def test_random_unicode_matches_keras(texts, more, kw):
    filters, split, lower, char_level = kw["filters"], kw["split"], kw["lower"], kw["char_level"]
    ours, theirs = fit_cembed_and_keras(kw, texts)
    assert_same_state(ours, theirs)
    ours.fit_on_texts(iter(more))
    theirs.fit_on_texts(iter(more))
    assert_same_state(ours, theirs)
    batch = (texts + more) * 20  # long enough for the C lookup
    assert ours.texts_to_sequences(batch) == theirs.texts_to_sequences(batch)
    for mode in ("count", "tfidf"):
        same_result(lambda tok: tok.texts_to_matrix(texts + more, mode=mode), ours, theirs)
    if not char_level:
        for t in texts:
            assert hashing_trick(t, 1000, hash_function="md5", filters=filters, split=split,
                                 lower=lower) == kp_text.hashing_trick(
                t, 1000, hash_function="md5", filters=filters, split=split, lower=lower)
        assert hashing_trick(texts, 1000, filters=filters, split=split, lower=lower) == [
            _murmur_reference(t, 1000, filters=filters, split=split, lower=lower) for t in texts]


@settings(max_examples=80, deadline=None)
@given(
    seqs=st.lists(st.lists(st.integers(-3, 12), max_size=10), max_size=8),
    fitted=st.lists(st.lists(st.integers(0, 9), max_size=6), min_size=1, max_size=5),
    num_words=st.integers(1, 10),
    as_tuples=st.booleans(),
)
def test_random_sequences_to_matrix(seqs, fitted, num_words, as_tuples):
    if as_tuples:
        seqs = [tuple(s) for s in seqs]
    ours, theirs = Tokenizer(num_words=num_words), kp_text.Tokenizer(num_words=num_words)
    ours.fit_on_sequences(fitted)
    theirs.fit_on_sequences(fitted)
    for mode in ("binary", "count", "freq", "tfidf"):
        same_result(lambda tok: tok.sequences_to_matrix(seqs, mode=mode), ours, theirs)
