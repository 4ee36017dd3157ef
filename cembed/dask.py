"""cembed's text tools and models on Dask, for corpora beyond one machine.

Texts come as a ``dask.bag.Bag`` of ``str`` or a ``dask.dataframe.Series``;
results equal cembed's serial ones on all the texts in partition order.

- :func:`fit_tokenizer` counts each partition where it lives and merges the
  counts in a tree (:class:`cembed.VocabCounts`): no text leaves its worker.
- :func:`texts_to_sequences` and :func:`hashing_trick` give a bag of lists,
  or with ``maxlen`` a ``dask.array`` of padded rows.
- :func:`predict` and :func:`transform` run a ``TextClassifier`` over the
  texts and give ``dask.array`` results.

A tokenizer or model enters the task graph once, as one key that every task
reads; on a ``distributed`` client it is scattered to every worker
(``broadcast=True``) before the tasks run. Nothing here runs until computed,
except :func:`fit_tokenizer`, which returns a fitted ``Tokenizer``. A model
with ``save`` and ``load`` (a ``TextClassifier``) travels in its own file
format.

This module needs Dask (``pip install cembed[dask]``); ``import cembed``
does not import it.
"""
import os
import tempfile
from itertools import chain, islice

import numpy as np

import dask
import dask.array as da
import dask.bag as db

from cembed.text import DEFAULT_FILTERS, Tokenizer, hash_texts, hashing_trick as _hashing_trick
from cembed.vocab import VocabCounts

__all__ = ["fit_tokenizer", "hashing_trick", "predict", "texts_to_sequences", "transform"]

# partial counts merged per task of the reduction tree
SPLIT_EVERY = 8


def _as_bag(texts):
    """texts as a Bag with the same partitions, or TypeError."""
    if isinstance(texts, db.Bag):
        return texts
    try:
        import dask.dataframe as dd
    except ImportError:  # no pandas: texts can't be a Series
        dd = None
    if dd is not None and isinstance(texts, dd.Series):
        return texts.to_bag()
    raise TypeError("texts must be a dask.bag.Bag of str or a dask.dataframe.Series, "
                    f"got {type(texts).__module__}.{type(texts).__qualname__}")


def _checked(partition, start=0):
    """The texts of a partition as a list, each checked to be a str (the
    first is text number start of its partition)."""
    texts = partition if isinstance(partition, list) else list(partition)
    if not all(map(str.__instancecheck__, texts)):  # a C loop, no Python call per text
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise TypeError(f"cembed.dask takes str texts, found {type(t).__name__} "
                                f"at position {start + i} of a partition: {t!r:.60}")
    return texts


def _checked_stream(partition, chunk=4096):
    """The texts of a partition, checked chunk by chunk: a partition read
    lazily (read_text's files) is never held whole in memory."""
    it = iter(partition)
    start = 0
    while True:
        texts = list(islice(it, chunk))
        if not texts:
            return
        yield _checked(texts, start)
        start += len(texts)


def _shared(obj):
    """obj as one key of the task graph: scattered to every worker of the
    current distributed client, else a literal key of the graph."""
    try:
        from distributed import get_client
        client = get_client()
    except (ImportError, ValueError):
        client = None
    if client is not None and dask.base.get_scheduler() == client.get:
        return client.scatter(obj, broadcast=True, hash=False)
    return dask.delayed(obj, pure=False)


# ---------------------------------------------------------------- fitting

def _count(partition, tokenizer_kwargs):
    """The counts of one partition, as part 0 (numbered by _merge)."""
    return VocabCounts.from_texts(chain.from_iterable(_checked_stream(partition)),
                                   **tokenizer_kwargs)


def _merge(*counts, first_part=None):
    """Merge counts; those of partitions first_part, first_part + 1, ...
    when first_part is given."""
    if first_part is not None:
        counts = [c._renumbered(first_part + k) for k, c in enumerate(counts)]
    return counts[0].merge(*counts[1:])


def fit_tokenizer(texts, **tokenizer_kwargs):
    """Fit a ``Tokenizer`` on a Dask collection of texts.

    Each partition is counted where it lives
    (:meth:`cembed.VocabCounts.from_texts`); the counts are merged in a tree
    of tasks, eight at a time; the client builds the tokenizer from the
    merged counts. Texts never travel, only vocabularies.

    Parameters
    ----------
    texts : dask.bag.Bag of str or dask.dataframe.Series of str
    **tokenizer_kwargs
        ``Tokenizer`` arguments (``num_words``, ``oov_token``, ``filters``,
        ``lower``, ``split``, ``char_level``, ``analyzer``,
        ``document_count``).

    Returns
    -------
    Tokenizer
        Equal to ``Tokenizer(**tokenizer_kwargs).fit_on_texts`` on all the
        texts in partition order: ``word_counts`` (its order too),
        ``word_docs``, ``index_docs``, ``word_index`` (ties broken by first
        occurrence), ``document_count`` and ``to_json()``.

    Raises
    ------
    TypeError
        ``texts`` is neither a Bag nor a Series; when computed, a text that
        is not a ``str``.

    Examples
    --------
    >>> import dask.bag as db
    >>> from cembed.dask import fit_tokenizer
    >>> texts = db.from_sequence(["the cat sat", "the dog", "a dog sat"], npartitions=2)
    >>> fit_tokenizer(texts, oov_token="?").word_index
    {'?': 1, 'the': 2, 'sat': 3, 'dog': 4, 'cat': 5, 'a': 6}
    """
    bag = _as_bag(texts)
    Tokenizer(**tokenizer_kwargs)  # unknown arguments: Tokenizer's TypeError, now
    kwargs = _shared(tokenizer_kwargs) if "analyzer" in tokenizer_kwargs else tokenizer_kwargs
    if not bag.npartitions:
        return VocabCounts.from_texts([], **tokenizer_kwargs).to_tokenizer()
    # reading and counting a partition fuse into one task, so that its texts
    # are freed as soon as they are counted; the first merges number the parts
    level = bag.map_partitions(_count, kwargs).to_delayed(optimize_graph=True)
    merge = dask.delayed(_merge, pure=True)
    level = [merge(*level[i:i + SPLIT_EVERY], first_part=i)
             for i in range(0, len(level), SPLIT_EVERY)]
    while len(level) > 1:
        level = [merge(*level[i:i + SPLIT_EVERY]) for i in range(0, len(level), SPLIT_EVERY)]
    (counts,) = dask.compute(level[0])
    counts.tokenizer_kwargs = dict(tokenizer_kwargs)  # the caller's analyzer object
    return counts.to_tokenizer()


# ---------------------------------------------------------------- arrays

def _to_array(bag, meta):
    """The per-partition arrays of bag, stacked along the first axis."""
    blocks = [da.from_delayed(d, shape=(np.nan,) + meta.shape[1:], dtype=meta.dtype, meta=meta)
              for d in bag.to_delayed()]
    if not blocks:
        return da.from_array(meta, chunks=meta.shape or 1)
    return da.concatenate(blocks, axis=0)


def _sequences(partition, tokenizer):
    return tokenizer.texts_to_sequences(_checked(partition))


def _sequences_array(partition, tokenizer, pad):
    return tokenizer.texts_to_array(_checked(partition), **pad)


def texts_to_sequences(tokenizer, texts, maxlen=None, dtype="int32", padding="pre",
                       truncating="pre", value=0):
    """``tokenizer.texts_to_sequences`` over a Dask collection of texts.

    Parameters
    ----------
    tokenizer : Tokenizer
        A fitted tokenizer; sent to each worker once.
    texts : dask.bag.Bag of str or dask.dataframe.Series of str
    maxlen : int >= 1, optional
        Without it, a bag of lists of word indices; with it, a 2-D
        ``dask.array`` ``(n_texts, maxlen)``, the rows of ``pad_sequences``
        (made in one pass by ``Tokenizer.texts_to_array``).
    dtype, padding, truncating, value
        As ``pad_sequences`` (with ``maxlen`` only).

    Returns
    -------
    dask.bag.Bag or dask.array.Array
        The array's chunks follow the partitions (their row counts are
        unknown until computed).

    Examples
    --------
    >>> import dask.bag as db
    >>> from cembed import Tokenizer
    >>> from cembed.dask import texts_to_sequences
    >>> tok = Tokenizer()
    >>> tok.fit_on_texts(["a b b", "b c"])
    >>> texts = db.from_sequence(["b a x", "c", "a a a"], npartitions=2)
    >>> texts_to_sequences(tok, texts).compute()
    [[1, 2], [3], [2, 2, 2]]
    >>> texts_to_sequences(tok, texts, maxlen=2).compute()
    array([[1, 2],
           [0, 3],
           [2, 2]], dtype=int32)
    """
    bag = _as_bag(texts)
    if not isinstance(tokenizer, Tokenizer):
        raise TypeError(f"tokenizer must be a cembed Tokenizer, got {type(tokenizer).__name__}")
    tok = _shared(tokenizer)
    if maxlen is None:
        return bag.map_partitions(_sequences, tok)
    pad = dict(maxlen=maxlen, dtype=dtype, padding=padding, truncating=truncating, value=value)
    # bad arguments raise now; the empty result gives the dtype
    meta = tokenizer.texts_to_array([], **pad)
    return _to_array(bag.map_partitions(_sequences_array, tok, pad), meta)


def _hashed(partition, n, split_args):
    return _hashing_trick(_checked(partition), n, **split_args)


def _hashed_array(partition, n, split_args, pad):
    return hash_texts(_checked(partition), n, **pad, **split_args)


def hashing_trick(texts, n, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """``cembed.hashing_trick`` (MurmurHash3, indices in ``[1, n - 1]``)
    over a Dask collection of texts.

    Parameters
    ----------
    texts : dask.bag.Bag of str or dask.dataframe.Series of str
    n : int
        The hash space: indices are ``murmurhash3_32(word) % (n - 1) + 1``.
    maxlen : int >= 1, optional
        Without it, a bag of lists of indices; with it, a 2-D ``dask.array``
        ``(n_texts, maxlen)`` padded as ``pad_sequences`` (made in one pass
        by ``cembed.hash_texts``).
    dtype, padding, truncating, value
        As ``pad_sequences`` (with ``maxlen`` only).
    filters, lower, split
        How texts are split into words, as ``Tokenizer``.

    Returns
    -------
    dask.bag.Bag or dask.array.Array

    Examples
    --------
    >>> import dask.bag as db
    >>> from cembed.dask import hashing_trick
    >>> texts = db.from_sequence(["The cat sat", "the"], npartitions=2)
    >>> hashing_trick(texts, 10000).compute()
    [[4592, 7919, 7679], [4592]]
    >>> hashing_trick(texts, 10000, maxlen=2, padding="post").compute()
    array([[7919, 7679],
           [4592,    0]], dtype=int32)
    """
    bag = _as_bag(texts)
    split_args = dict(filters=filters, lower=lower, split=split)
    _hashing_trick([], n, **split_args)  # bad n: its TypeError or ValueError, now
    if maxlen is None:
        return bag.map_partitions(_hashed, n, split_args)
    pad = dict(maxlen=maxlen, dtype=dtype, padding=padding, truncating=truncating, value=value)
    meta = hash_texts([], n, **pad, **split_args)  # bad arguments raise now
    return _to_array(bag.map_partitions(_hashed_array, n, split_args, pad), meta)


# ---------------------------------------------------------------- models

class _Saved:
    """A model that travels in its own file format (its ``save`` and
    ``load``), for models whose C state does not pickle; a callable
    ``analyzer``, which the file does not keep, travels beside it."""

    def __init__(self, model):
        self.model = model

    def __reduce__(self):
        with tempfile.TemporaryDirectory(prefix="cembed-") as folder:
            path = os.path.join(folder, "model")
            self.model.save(path)
            with open(path, "rb") as f:
                data = f.read()
        analyzer = getattr(self.model, "analyzer", None)
        return _load_saved, (type(self.model), data, analyzer if callable(analyzer) else None)


def _load_saved(cls, data, analyzer):
    with tempfile.TemporaryDirectory(prefix="cembed-") as folder:
        path = os.path.join(folder, "model")
        with open(path, "wb") as f:
            f.write(data)
        return _Saved(cls.load(path) if analyzer is None else cls.load(path, analyzer=analyzer))


def _model_rows(partition, model, method, kwargs, meta):
    if isinstance(model, _Saved):
        model = model.model
    texts = _checked(partition)
    if not texts:  # the model need not take an empty list
        return meta
    return _as_rows(getattr(model, method)(texts, **kwargs))


def _as_rows(result):
    """A model's result as an array with a row per text: lists (of labels,
    with k > 1 or several labels a text) become a 1-D object array."""
    if isinstance(result, np.ndarray):
        return result
    rows = np.empty(len(result), dtype=object)
    for i, row in enumerate(result):
        rows[i] = row
    return rows


def _apply_model(model, texts, method, kwargs):
    bag = _as_bag(texts)
    if not callable(getattr(model, method, None)):
        raise TypeError(f"model must have a {method} method (a fitted TextClassifier), "
                        f"got {type(model).__name__}")
    # the dtype and row shape, from the model on one text here
    meta = _as_rows(getattr(model, method)(["meta"], **kwargs))[:0]
    if callable(getattr(model, "save", None)) and callable(getattr(type(model), "load", None)):
        model = _Saved(model)
    rows = bag.map_partitions(_model_rows, _shared(model), method, kwargs, meta)
    return _to_array(rows, meta)


def predict(model, texts, **kwargs):
    """``model.predict`` over a Dask collection of texts.

    Parameters
    ----------
    model : TextClassifier
        A fitted classifier; sent to each worker once.
    texts : dask.bag.Bag of str or dask.dataframe.Series of str
    **kwargs
        Passed to ``model.predict`` (``k``, ``threshold``).

    Returns
    -------
    dask.array.Array
        The labels, one per text (chunks follow the partitions); where
        ``model.predict`` gives a list of label lists (``k > 1``,
        multi-label), a 1-D object array of those lists.

    Examples
    --------
    >>> import dask.bag as db
    >>> from cembed import TextClassifier
    >>> from cembed.dask import predict
    >>> model = TextClassifier(dim=8, epochs=5).fit(
    ...     ["good fun", "great fun", "bad dull", "awful dull"], ["+", "+", "-", "-"])
    >>> texts = db.from_sequence(["good great", "dull awful"], npartitions=2)
    >>> predict(model, texts).compute()
    array(['+', '-'], dtype='<U1')
    """
    return _apply_model(model, texts, "predict", kwargs)


def transform(model, texts):
    """``model.transform`` over a Dask collection of texts: the text vectors.

    Parameters
    ----------
    model : TextClassifier
        A fitted classifier; sent to each worker once.
    texts : dask.bag.Bag of str or dask.dataframe.Series of str

    Returns
    -------
    dask.array.Array
        ``(n_texts, dim)``, chunks following the partitions.

    Examples
    --------
    >>> import dask.bag as db
    >>> from cembed import TextClassifier
    >>> from cembed.dask import transform
    >>> model = TextClassifier(dim=8).fit(["good fun", "bad dull"], ["+", "-"])
    >>> transform(model, db.from_sequence(["good", "dull"])).compute().shape
    (2, 8)
    """
    return _apply_model(model, texts, "transform", {})
