"""cembed.dask and cembed.VocabCounts against the serial Tokenizer.

The exactness tests run on a real scheduler, a distributed.LocalCluster of
two worker processes (each with its own string-hash seed, so a word_docs
order that depended on the process would show), plus the synchronous
scheduler for the small cases.
"""
import os
import pickle
import random

import numpy as np
import pytest

from cembed import Tokenizer, hashing_trick as serial_hashing_trick, pad_sequences

from fresh import python_stdout

dask = pytest.importorskip("dask")
db = pytest.importorskip("dask.bag")
distributed = pytest.importorskip("distributed")
cd = pytest.importorskip("cembed.dask")


def _lee_lines():
    gensim = pytest.importorskip("gensim")
    path = os.path.join(os.path.dirname(gensim.__file__), "test", "test_data",
                        "lee_background.cor")
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


@pytest.fixture(scope="module")
def lee():
    return _lee_lines()


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, memory_limit="1GiB") as cluster:
        with distributed.Client(cluster) as c:
            yield c


def _bag(parts):
    """A bag with exactly these partitions (empty ones included)."""
    return db.from_delayed([dask.delayed(list, pure=True)(p) for p in parts])


def _uneven(lines, cuts):
    bounds = [0] + list(cuts) + [len(lines)]
    return [lines[a:b] for a, b in zip(bounds, bounds[1:])]


def _serial(texts, **kw):
    tok = Tokenizer(**kw)
    tok.fit_on_texts(texts)
    return tok


def assert_same_tokenizer(got, want):
    assert type(got.word_counts) is type(want.word_counts)
    assert list(got.word_counts.items()) == list(want.word_counts.items())
    assert type(got.word_docs) is type(want.word_docs)
    assert list(got.word_docs.items()) == list(want.word_docs.items())
    assert type(got.index_docs) is type(want.index_docs)
    assert list(got.index_docs.items()) == list(want.index_docs.items())
    assert list(got.word_index.items()) == list(want.word_index.items())
    assert list(got.index_word.items()) == list(want.index_word.items())
    assert got.document_count == want.document_count
    assert got.num_words == want.num_words and got.oov_token == want.oov_token
    assert got.to_json().encode() == want.to_json().encode()


# cuts into lee_background.cor's 300 lines: empty partitions at the start,
# in the middle and at the end, one-line and large partitions
CUTS = [0, 1, 1, 40, 41, 170, 300]
KWARGS = [
    {},
    {"num_words": 200, "oov_token": "<oov>"},
    {"oov_token": "the"},  # the OOV token is also a word of the corpus
    {"lower": False, "filters": "", "split": "."},
    {"char_level": True, "document_count": 5},
    {"analyzer": str.split},  # counted by Keras' Python algorithm
]


@pytest.mark.parametrize("kwargs", KWARGS)
def test_fit_tokenizer_equals_serial_fit_on_a_cluster(client, lee, kwargs):
    got = cd.fit_tokenizer(_bag(_uneven(lee, CUTS)), **kwargs)
    assert_same_tokenizer(got, _serial(lee, **kwargs))
    assert got.analyzer is kwargs.get("analyzer")


def test_fit_tokenizer_many_partitions_two_tree_levels(client, lee):
    # 70 partitions: a reduction tree of three levels (70 -> 9 -> 2 -> 1)
    rng = random.Random(0)
    cuts = sorted(rng.randrange(len(lee) + 1) for _ in range(69))
    texts = lee * 2
    got = cd.fit_tokenizer(_bag(_uneven(texts, cuts)), num_words=1000)
    assert_same_tokenizer(got, _serial(texts, num_words=1000))


def test_fit_tokenizer_dataframe_series(client, lee):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    series = dd.from_pandas(pd.Series(lee, dtype=object), npartitions=6)
    assert_same_tokenizer(cd.fit_tokenizer(series, oov_token="?"), _serial(lee, oov_token="?"))


def test_ties_straddling_partitions():
    # every word twice: the order is decided by first occurrences alone,
    # which lie in different partitions, merged out of order in the tree
    texts = ["d", "c b", "a", "e a", "b", "c d e"]
    parts = [[], texts[:1], [], texts[1:3], texts[3:4], [], texts[4:]]
    want = _serial(texts)
    assert list(want.word_index) == ["d", "c", "b", "a", "e"]
    assert_same_tokenizer(cd.fit_tokenizer(_bag(parts)), want)
    # a word whose first occurrence is in the last partition
    parts = [["x y"], ["y"], ["z x z"]]
    with dask.config.set(scheduler="sync"):
        assert_same_tokenizer(cd.fit_tokenizer(_bag(parts)), _serial(["x y", "y", "z x z"]))


def test_fit_tokenizer_empty():
    with dask.config.set(scheduler="sync"):
        assert_same_tokenizer(cd.fit_tokenizer(_bag([[], []]), oov_token="?"),
                              _serial([], oov_token="?"))
        bag = db.from_sequence([], npartitions=1)
        assert_same_tokenizer(cd.fit_tokenizer(bag, num_words=3), _serial([], num_words=3))


# ------------------------------------------------------------ transforms

def _fitted(lee, **kw):
    return _serial(lee, **kw)


@pytest.mark.parametrize("kw", [{}, {"num_words": 100, "oov_token": "<oov>"}])
def test_texts_to_sequences_on_a_cluster(client, lee, kw):
    tok = _fitted(lee, **kw)
    bag = _bag(_uneven(lee, CUTS))
    seqs = cd.texts_to_sequences(tok, bag)
    assert isinstance(seqs, db.Bag)
    assert seqs.compute() == tok.texts_to_sequences(lee)
    arr = cd.texts_to_sequences(tok, bag, maxlen=25, padding="post", truncating="post",
                                value=-1, dtype="int64")
    want = pad_sequences(tok.texts_to_sequences(lee), maxlen=25, padding="post",
                         truncating="post", value=-1, dtype="int64")
    got = arr.compute()
    assert arr.dtype == want.dtype and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_hashing_trick_on_a_cluster(client, lee):
    bag = _bag(_uneven(lee, CUTS))
    want = serial_hashing_trick(lee, 5000, filters="", lower=False)
    assert cd.hashing_trick(bag, 5000, filters="", lower=False).compute() == want
    got = cd.hashing_trick(bag, 5000, maxlen=30, filters="", lower=False).compute()
    np.testing.assert_array_equal(got, pad_sequences(want, maxlen=30))


def test_transforms_of_empty_inputs():
    tok = _serial(["a b"])
    with dask.config.set(scheduler="sync"):
        assert cd.texts_to_sequences(tok, _bag([[], []])).compute() == []
        arr = cd.texts_to_sequences(tok, _bag([[], ["a"], []]), maxlen=3).compute()
        np.testing.assert_array_equal(arr, [[0, 0, 1]])
        empty = cd.hashing_trick(_bag([]), 10, maxlen=4).compute()
        assert empty.shape == (0, 4) and empty.dtype == np.int32


class _Counting:
    """Counts how often the client pickles Tokenizers."""

    def __init__(self, monkeypatch):
        self.n = 0
        original = Tokenizer.__getstate__

        def getstate(tok):
            self.n += 1
            return original(tok)

        monkeypatch.setattr(Tokenizer, "__getstate__", getstate)


def test_tokenizer_sent_once_on_a_cluster(client, lee, monkeypatch):
    tok = _fitted(lee)
    bag = db.from_sequence(lee, npartitions=30)
    counting = _Counting(monkeypatch)
    arr = cd.texts_to_sequences(tok, bag, maxlen=10)
    np.testing.assert_array_equal(arr.compute(), pad_sequences(tok.texts_to_sequences(lee), 10))
    # scattered once (broadcast to both workers), not once per task
    assert counting.n == 1


def test_tokenizer_is_one_key_of_the_graph(lee):
    tok = _fitted(lee)
    bag = db.from_sequence(lee, npartitions=12)
    with dask.config.set(scheduler="sync"):  # a literal key, not a scattered future
        results = (cd.texts_to_sequences(tok, bag), cd.texts_to_sequences(tok, bag, maxlen=4))
    for result in results:
        graph = dict(result.__dask_graph__())
        holders = [k for k, v in graph.items()
                   if isinstance(v, dask._task_spec.DataNode) and v.value is tok]
        assert len(holders) == 1
        # and no task carries a copy of it inline
        pickled = [k for k, v in graph.items() if k not in holders
                   and b"word_counts" in pickle.dumps(v)]
        assert pickled == []


# ------------------------------------------------------------ models

class _Model:
    """A stand-in with TextClassifier's predict and transform signatures:
    the label is the first word, the vector the word count and length."""

    def predict(self, texts, k=1):
        return np.array([(t.split() or ["?"])[0] for t in texts], dtype=object)

    def transform(self, texts):
        return np.array([[len(t.split()), len(t)] for t in texts], dtype=np.float32)


def test_predict_and_transform_mechanics():
    model = _Model()
    texts = ["b x", "a", "", "c d e"]
    with dask.config.set(scheduler="sync"):
        bag = _bag([texts[:1], [], texts[1:]])
        pred = cd.predict(model, bag)
        assert pred.dtype == object
        np.testing.assert_array_equal(pred.compute(), model.predict(texts))
        vec = cd.transform(model, bag)
        assert vec.dtype == np.float32 and vec.shape[1] == 2
        np.testing.assert_array_equal(vec.compute(), model.transform(texts))
    with pytest.raises(TypeError, match="must have a transform method"):
        cd.transform(object(), bag)


def _classifier():
    import cembed

    if not hasattr(cembed, "TextClassifier"):
        pytest.skip("cembed.TextClassifier is not in this build")
    return cembed.TextClassifier


def test_text_classifier_on_a_cluster(client, lee, monkeypatch):
    TextClassifier = _classifier()
    labels = [["short", "medium", "long"][min(len(t) // 1500, 2)] for t in lee]
    model = TextClassifier(dim=16, epochs=3, seed=0).fit(lee, labels)
    saves = []
    save = TextClassifier.save
    monkeypatch.setattr(TextClassifier, "save", lambda self, path: saves.append(path)
                        or save(self, path))
    bag = _bag(_uneven(lee, CUTS))
    pred = cd.predict(model, bag)
    assert pred.dtype == model.predict(lee[:1]).dtype
    np.testing.assert_array_equal(pred.compute(), model.predict(lee))
    vectors = cd.transform(model, bag)
    assert vectors.dtype == np.float32 or vectors.dtype == model.transform(lee[:1]).dtype
    np.testing.assert_array_equal(vectors.compute(), model.transform(lee))
    top2 = cd.predict(model, bag, k=2).compute()
    assert top2.dtype == object and list(top2) == model.predict(lee, k=2)
    # the model travelled once per call, not once per partition
    assert len(saves) == 3


# ------------------------------------------------------------ bad input

@pytest.mark.parametrize("texts", [["a", "b"], "a b", np.array(["a"])])
def test_texts_neither_bag_nor_series(texts):
    tok = _serial(["a"])
    message = "dask.bag.Bag of str or a dask.dataframe.Series, got"
    for call in (lambda: cd.fit_tokenizer(texts), lambda: cd.texts_to_sequences(tok, texts),
                 lambda: cd.hashing_trick(texts, 10), lambda: cd.predict(_Model(), texts),
                 lambda: cd.transform(_Model(), texts)):
        with pytest.raises(TypeError, match=message):
            call()


def test_non_str_item_names_its_type(client):
    tok = _serial(["a"])
    bag = _bag([["a"], ["b", 3.5]])
    for lazy in (lambda: cd.fit_tokenizer(bag), lambda: cd.texts_to_sequences(tok, bag).compute(),
                 lambda: cd.hashing_trick(bag, 10, maxlen=2).compute(),
                 lambda: cd.predict(_Model(), bag).compute()):
        with pytest.raises(TypeError, match="found float at position 1"):
            lazy()
    with dask.config.set(scheduler="sync"):
        with pytest.raises(TypeError, match="found bytes"):
            cd.fit_tokenizer(_bag([[b"a"]]))
        # a missing value of a Series is a float NaN
        pd = pytest.importorskip("pandas")
        dd = pytest.importorskip("dask.dataframe")
        series = dd.from_pandas(pd.Series(["a b", None, "c"], dtype=object), npartitions=2)
        with pytest.raises(TypeError, match="found (float|NoneType|NAType)"):
            cd.fit_tokenizer(series)


def test_bad_arguments_raise_before_computing():
    tok = _serial(["a"])
    bag = _bag([["a"]])
    with pytest.raises(TypeError, match="Unrecognized keyword"):
        cd.fit_tokenizer(bag, num_word=3)
    with pytest.raises(TypeError, match="tokenizer must be a cembed Tokenizer"):
        cd.texts_to_sequences("tok", bag)
    with pytest.raises(ValueError, match='Padding type "middle" not understood'):
        cd.texts_to_sequences(tok, bag, maxlen=3, padding="middle")
    with pytest.raises(ValueError, match="maxlen must be >= 1"):
        cd.hashing_trick(bag, 10, maxlen=0)
    with pytest.raises(TypeError, match="maxlen must be an int or None, got float"):
        cd.texts_to_sequences(tok, bag, maxlen=2.0)
    with pytest.raises(ValueError, match="n must be >= 2"):
        cd.hashing_trick(bag, 1)


def test_import_cembed_does_not_import_dask():
    code = ("import sys, cembed; cembed.Tokenizer; cembed.VocabCounts; "
            "assert 'dask' not in sys.modules and 'distributed' not in sys.modules; "
            "import cembed.dask; assert 'dask' in sys.modules")
    python_stdout(code)
