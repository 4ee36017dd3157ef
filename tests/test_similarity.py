"""cembed.similarity: one cosine top-k for Embedding.most_similar and Vectors.most_similar."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cembed
from cembed import similarity


def _reference(table, query, topn, exclude):
    """The rules in plain NumPy: cosines in the table's dtype, NaN last, then a stable full sort."""
    q = np.asarray(query, np.float64)
    unit = (q / np.linalg.norm(q)).astype(table.dtype)
    norms = np.linalg.norm(table, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sims = np.where(norms == 0, 0, (table @ unit) / norms).astype(table.dtype)  # NaN stays NaN
    key = np.where(np.isnan(sims), np.inf, -sims)
    order = [i for i in np.lexsort((np.arange(len(table)), key)) if i != exclude]
    order = order if topn is None else order[:topn]
    return order, sims[order]


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 50), d=st.integers(1, 5), topn=st.one_of(st.none(), st.integers(0, 60)),
       seed=st.integers(0, 999), dtype=st.sampled_from([np.float32, np.float64]),
       index_query=st.booleans())
def test_most_similar_equals_a_full_sort(n, d, topn, seed, dtype, index_query):
    rng = np.random.default_rng(seed)
    table = rng.integers(-2, 3, size=(n, d)).astype(dtype)  # many ties and zero rows
    if rng.random() < 0.2:
        table[rng.integers(n)] = np.nan
    exclude = int(rng.integers(n)) if index_query else None
    query = table[exclude].copy() if index_query else rng.standard_normal(d)
    if not np.all(np.isfinite(query)) or not query.any():
        query = np.ones(d)
        if index_query:
            table[exclude] = 1
    rows, cosines = similarity.most_similar(table, query, topn, exclude)
    order, expected = _reference(table, query, topn, exclude)
    assert rows.dtype == np.int64 and rows.tolist() == order
    assert cosines.dtype == dtype
    np.testing.assert_array_equal(cosines, expected)


def test_blocks_give_the_same_result(monkeypatch):
    table = np.random.default_rng(1).standard_normal((1000, 7)).astype(np.float32)
    query = table[3]
    whole = similarity.most_similar(table, query, 50, 3)
    monkeypatch.setattr(similarity, "_SCAN_ROWS", 64)
    blocked = similarity.most_similar(table, query, 50, 3)
    assert blocked[0].tolist() == whole[0].tolist()
    np.testing.assert_allclose(blocked[1], whole[1], rtol=1e-6)
    assert len(list(similarity.row_blocks(table))) == 16
    np.testing.assert_allclose(similarity.row_norms(table), np.linalg.norm(table, axis=1), rtol=1e-6)


def test_one_zero_query_rule_for_both_classes():
    """Issue 11: a query of norm zero is a ValueError in Embedding and Vectors alike."""
    W = np.array([[0, 0], [1, 0], [2, 0], [0, 1]], np.float32)
    emb = cembed.Embedding.from_pretrained(W)
    vec = cembed.Vectors(["zero", "a", "b", "c"], W)
    calls = [lambda: emb.most_similar(0), lambda: emb.most_similar([0.0, 0.0]),
             lambda: emb.most_similar([np.nan, 1.0]),
             lambda: vec.most_similar("zero"), lambda: vec.most_similar([0, 0]),
             lambda: vec.most_similar([np.inf, 0.0])]
    messages = set()
    for call in calls:
        with pytest.raises(ValueError, match="zero") as info:
            call()
        messages.add(str(info.value))
    assert len(messages) == 1
    assert emb.most_similar(1) == [(2, 1.0), (0, 0.0), (3, 0.0)]
    assert vec.most_similar("a") == [("b", 1.0), ("zero", 0.0), ("c", 0.0)]


def test_both_classes_give_the_same_neighbours():
    W = np.random.default_rng(4).standard_normal((300, 8)).astype(np.float32)
    emb = cembed.Embedding.from_pretrained(W)
    vec = cembed.Vectors([f"w{i}" for i in range(300)], W)
    for q in (0, 17, 299):
        a = emb.most_similar(q, topn=25)
        b = vec.most_similar(f"w{q}", topn=25)
        assert [f"w{i}" for i, _ in a] == [w for w, _ in b]
        assert [c for _, c in a] == [c for _, c in b]
    q = np.random.default_rng(5).standard_normal(8)
    assert [c for _, c in emb.most_similar(q, topn=None)] == [c for _, c in vec.most_similar(q, topn=None)]


def test_topn_and_query_checks():
    table = np.eye(3)
    with pytest.raises(TypeError, match="topn must be an int or None"):
        similarity.most_similar(table, [1, 0, 0], topn=2.0)
    with pytest.raises(ValueError, match="topn must be >= 0"):
        similarity.most_similar(table, [1, 0, 0], topn=-1)
    with pytest.raises(TypeError, match="numeric"):
        similarity.most_similar(table, ["a", "b", "c"])
    with pytest.raises(ValueError, match="shape"):
        similarity.most_similar(table, [1, 0])
    rows, cosines = similarity.most_similar(table, [0, 0, 0], topn=0)  # empty anyway
    assert rows.size == 0 and cosines.size == 0
    rows, _ = similarity.most_similar(table[:0], [1, 0, 0])
    assert rows.size == 0
    with pytest.raises(TypeError):
        cembed.Embedding(3, 2).most_similar(1, topn=2.0)


class _BlockTable:
    """A table that stores its rows another way and hands out float32 blocks
    (as a compact table does); its own dtype is not a float dtype."""

    dtype = "int8"

    def __init__(self, rows):
        self._rows = np.asarray(rows, np.float64)
        self.shape = self._rows.shape

    def __getitem__(self, key):
        return self._rows[key].astype(np.float32)


def test_a_table_that_hands_out_float_blocks(monkeypatch):
    W = np.random.default_rng(6).standard_normal((200, 5))
    table = _BlockTable(W)
    monkeypatch.setattr(similarity, "_SCAN_ROWS", 64)
    rows, cosines = similarity.most_similar(table, W[4], topn=7, exclude=4)
    expected = similarity.most_similar(W.astype(np.float32), W[4], topn=7, exclude=4)
    assert cosines.dtype == np.float32
    assert rows.tolist() == expected[0].tolist()
    np.testing.assert_array_equal(cosines, expected[1])
    np.testing.assert_array_equal(similarity.row_norms(table),
                                  similarity.row_norms(W.astype(np.float32)))
    assert similarity.most_similar(table, W[0], topn=0)[1].dtype == np.float32
