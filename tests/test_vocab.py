"""cembed.VocabCounts: counts of parts merged in any order and tree build the
Tokenizer of the serial fit, exactly (no Dask needed)."""
import pickle
import random

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from cembed import Tokenizer, VocabCounts
from corpora import CORPUS
from strategies import TEXT_ALPHABET, tokenizer_options


def _serial(texts, **kw):
    tok = Tokenizer(**kw)
    tok.fit_on_texts(texts)
    return tok


def _cut(texts, cuts):
    bounds = [0] + sorted(cuts) + [len(texts)]
    return [texts[a:b] for a, b in zip(bounds, bounds[1:])]


def _merge_randomly(counts, rng):
    """Merge the counts in a random tree, in random order."""
    counts = list(counts)
    while len(counts) > 1:
        rng.shuffle(counts)
        k = rng.randint(2, min(4, len(counts)))
        counts = [counts[0].merge(*counts[1:k])] + counts[k:]
    return counts[0]


def assert_same_tokenizer(got, want):
    assert type(got.word_counts) is type(want.word_counts)
    assert list(got.word_counts.items()) == list(want.word_counts.items())
    assert type(got.word_docs) is type(want.word_docs)
    assert list(got.word_docs.items()) == list(want.word_docs.items())
    assert list(got.index_docs.items()) == list(want.index_docs.items())
    assert list(got.word_index.items()) == list(want.word_index.items())
    assert list(got.index_word.items()) == list(want.index_word.items())
    assert got.document_count == want.document_count
    assert got.to_json().encode() == want.to_json().encode()


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(st.text(TEXT_ALPHABET, max_size=30), max_size=12),
       options=tokenizer_options, cuts=st.lists(st.integers(0, 12), max_size=5),
       seed=st.integers(0, 2**16))
def test_any_cut_and_merge_tree_gives_the_serial_tokenizer(texts, options, cuts, seed):
    parts = _cut(texts, [min(c, len(texts)) for c in cuts])
    counts = [VocabCounts.from_texts(p, part=i, **options) for i, p in enumerate(parts)]
    merged = _merge_randomly(counts, random.Random(seed))
    assert_same_tokenizer(merged.to_tokenizer(), _serial(texts, **options))


@pytest.mark.parametrize("analyzer", [str.split, lambda t: [w.upper() for w in t.split(" ")]])
def test_python_counted_texts_keep_their_word_docs_order(analyzer):
    # an analyzer sends every text through Keras' Python algorithm, whose
    # word_docs order is that of a set of each text's tokens
    rng = random.Random(1)
    parts = _cut(CORPUS, [5, 5, 40, 41, 90])
    counts = [VocabCounts.from_texts(p, part=i, analyzer=analyzer) for i, p in enumerate(parts)]
    want = _serial(CORPUS, analyzer=analyzer)
    assert list(want.word_docs) != list(want.word_counts)  # the case is exercised
    assert_same_tokenizer(_merge_randomly(counts, rng).to_tokenizer(), want)


def test_parts_numbered_out_of_order_sort_by_number():
    a = VocabCounts.from_texts(["b a"], part=5)
    b = VocabCounts.from_texts(["a c"], part=2)
    assert a.merge(b).words == ["a", "c", "b"]
    assert_same_tokenizer(a.merge(b).to_tokenizer(), _serial(["a c", "b a"]))


def test_vocab_counts_merge_is_associative_and_commutative():
    lee = CORPUS
    parts = _cut(lee, [10, 10, 60, 200])
    c = [VocabCounts.from_texts(p, part=i) for i, p in enumerate(parts)]
    left = c[0].merge(c[1]).merge(c[2]).merge(c[3], c[4])
    right = c[4].merge(c[3].merge(c[2], c[1]), c[0])
    assert left == right
    assert left.words == list(_serial(lee).word_counts)
    assert left.document_count == len(lee) and left.parts == frozenset(range(5))
    assert_same_tokenizer(right.to_tokenizer(), _serial(lee))


def test_vocab_counts_pickle_and_from_texts_fields():
    c = VocabCounts.from_texts(["b a b", "", "c b"], part=7, oov_token="?")
    c2 = pickle.loads(pickle.dumps(c))
    assert c2 == c
    assert c.words == ["b", "a", "c"] and c.counts.dtype == np.int64
    assert c.counts.tolist() == [3, 1, 1] and c.docs.tolist() == [2, 1, 1]
    assert c.first.tolist() == [[7, 0], [7, 1], [7, 2]] and c.document_count == 3
    assert c.to_tokenizer().word_index == {"?": 1, "b": 2, "a": 3, "c": 4}
    assert c.to_tokenizer(oov_token=None, num_words=2).num_words == 2


def test_vocab_counts_bad_merges():
    a = VocabCounts.from_texts(["a"], part=0)
    with pytest.raises(ValueError, match="part 0 is in two"):
        a.merge(VocabCounts.from_texts(["b"], part=0))
    with pytest.raises(ValueError, match="same filters"):
        a.merge(VocabCounts.from_texts(["b"], part=1, lower=False))
    with pytest.raises(ValueError, match="cannot change how the texts were split"):
        a.to_tokenizer(split=",")
    with pytest.raises(TypeError, match="can only merge VocabCounts, got dict"):
        a.merge({})
    with pytest.raises(TypeError, match="part must be an int, got str"):
        VocabCounts.from_texts(["a"], part="0")
    with pytest.raises(TypeError, match="Unrecognized keyword"):
        VocabCounts.from_texts(["a"], nb_word=3)
