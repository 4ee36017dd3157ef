"""Mergeable vocabulary counts: fit one ``Tokenizer`` from many parts.

A corpus too large for one process is counted in parts (the partitions of a
Dask bag, the files of a folder, the shards of a dataset), each part by
:meth:`VocabCounts.from_texts`; the counts merge (:meth:`VocabCounts.merge`,
associative and commutative, so in any tree and any order); the merged
counts build the ``Tokenizer`` (:meth:`VocabCounts.to_tokenizer`) that
``Tokenizer(**kwargs).fit_on_texts`` gives on all the texts, part after part
in the order of their part numbers: the same ``word_counts`` (order
included), ``word_docs``, ``index_docs``, ``word_index``, ``document_count``
and the same ``to_json()``.

Keras orders words of equal count by their first occurrence, so each word
carries the global position of its first occurrence, ``(part, offset)``:
the number of its part and its rank among the new words of that part. A
merge sums the counts and keeps the earliest position.

Texts are counted by ``Tokenizer.fit_on_texts`` itself (its default analyzer
runs in C), so a part is tokenized exactly as the serial fit tokenizes it.
"""
from collections import OrderedDict, defaultdict

import numpy as np

from cembed.text import Tokenizer

__all__ = ["VocabCounts"]

# the Tokenizer arguments that decide how texts are counted: counts merge
# only when these agree
_COUNTING = ("filters", "lower", "split", "char_level")


class _PartTokenizer(Tokenizer):
    """A Tokenizer that also notes which words each text counted in Python
    added, with the text's distinct tokens (see ``VocabCounts._docs_order``)."""

    def _count_python(self, seq):
        start = len(self.word_counts)
        super()._count_python(seq)
        if len(self.word_counts) > start:
            self._groups.append((start, len(self.word_counts), tuple(dict.fromkeys(seq))))


def _run(first, part, start, stop):
    """The rows [lo, hi) of ``first`` (sorted by (part, offset)) with that
    part and an offset in [start, stop)."""
    lo = np.searchsorted(first[:, 0], part, side="left")
    hi = np.searchsorted(first[:, 0], part, side="right")
    offsets = first[lo:hi, 1]
    return (int(lo + np.searchsorted(offsets, start, side="left")),
            int(lo + np.searchsorted(offsets, stop, side="left")))


class VocabCounts:
    """The word counts, document counts and first occurrences of a part of
    a corpus, mergeable with the counts of the other parts.

    Build it with :meth:`from_texts`; combine parts with :meth:`merge`; turn
    the whole into a ``Tokenizer`` with :meth:`to_tokenizer`. Instances
    pickle, so parts can be counted in other processes or machines.

    Attributes
    ----------
    words : list
        The words, in the order of their first occurrence.
    counts : numpy.ndarray of int64
        How often each word occurs.
    docs : numpy.ndarray of int64
        In how many texts each word occurs.
    first : numpy.ndarray of int64, shape (len(words), 2)
        Where each word first occurs: ``(part, offset)``, the offset being
        the word's rank among the new words of that part.
    document_count : int
        The number of texts counted.
    parts : frozenset of int
        The part numbers counted.
    tokenizer_kwargs : dict
        The ``Tokenizer`` arguments the texts were counted with.

    Examples
    --------
    >>> from cembed import Tokenizer, VocabCounts
    >>> a = VocabCounts.from_texts(["the cat sat", "the dog"], part=0)
    >>> b = VocabCounts.from_texts(["a dog sat", "dog"], part=1)
    >>> tok = a.merge(b).to_tokenizer()
    >>> tok.word_index
    {'dog': 1, 'the': 2, 'sat': 3, 'cat': 4, 'a': 5}
    >>> serial = Tokenizer()
    >>> serial.fit_on_texts(["the cat sat", "the dog", "a dog sat", "dog"])
    >>> serial.to_json() == tok.to_json()
    True
    """

    def __init__(self, tokenizer_kwargs=None):
        kwargs = dict(tokenizer_kwargs or {})
        Tokenizer(**kwargs)  # unknown arguments raise Tokenizer's TypeError
        self.tokenizer_kwargs = kwargs
        self.words = []
        self.counts = np.zeros(0, dtype=np.int64)
        self.docs = np.zeros(0, dtype=np.int64)
        self.first = np.zeros((0, 2), dtype=np.int64)
        self.document_count = 0
        self.parts = frozenset()
        # texts counted by Keras' Python algorithm, which adds new words to
        # word_docs in the iteration order of a set (which depends on the
        # process' string hashing): (part, start, stop, distinct tokens)
        self._groups = []

    @classmethod
    def from_texts(cls, texts, part=0, **tokenizer_kwargs):
        """Count the texts of one part.

        Parameters
        ----------
        texts : iterable
            The texts of the part, as ``Tokenizer.fit_on_texts`` takes them.
        part : int
            The part's number: parts are ordered by it (a first occurrence
            in part 0 comes before any in part 1). Each part counted once.
        **tokenizer_kwargs
            ``Tokenizer`` arguments. ``filters``, ``lower``, ``split``,
            ``char_level`` and ``analyzer`` decide how texts are split and
            must be the same for all parts; ``num_words``, ``oov_token`` and
            ``document_count`` are only used by :meth:`to_tokenizer`.

        Returns
        -------
        VocabCounts

        Examples
        --------
        >>> from cembed import VocabCounts
        >>> c = VocabCounts.from_texts(["b a b", "c b"], part=3)
        >>> c.words, c.counts.tolist(), c.docs.tolist(), c.first.tolist()
        (['b', 'a', 'c'], [3, 1, 1], [2, 1, 1], [[3, 0], [3, 1], [3, 2]])
        """
        if isinstance(part, bool) or not isinstance(part, (int, np.integer)):
            raise TypeError(f"part must be an int, got {type(part).__name__}")
        self = cls(tokenizer_kwargs)
        kwargs = {k: v for k, v in self.tokenizer_kwargs.items() if k != "document_count"}
        tok = _PartTokenizer(**kwargs)
        tok._groups = []
        tok.fit_on_texts(texts)
        n = len(tok.word_counts)
        self.words = list(tok.word_counts)
        self.counts = np.fromiter(tok.word_counts.values(), dtype=np.int64, count=n)
        self.docs = np.fromiter(map(tok.word_docs.__getitem__, self.words), dtype=np.int64,
                                count=n)
        self.first = np.empty((n, 2), dtype=np.int64)
        self.first[:, 0] = part
        self.first[:, 1] = np.arange(n)
        self.document_count = tok.document_count
        self.parts = frozenset([int(part)])
        self._groups = [(int(part),) + g for g in tok._groups]
        return self

    def _renumbered(self, part):
        """These counts of one part, as part number ``part``."""
        if len(self.parts) != 1:
            raise ValueError("only the counts of one part can be renumbered")
        (old,) = self.parts
        c = VocabCounts.__new__(VocabCounts)
        c.__dict__.update(self.__dict__)
        c.first = self.first.copy()
        c.first[:, 0] = part
        c.parts = frozenset([int(part)])
        c._groups = [(int(part),) + g[1:] for g in self._groups]
        return c

    def __len__(self):
        return len(self.words)

    def __repr__(self):
        return (f"VocabCounts({len(self.words)} words, {self.document_count} texts, "
                f"{len(self.parts)} parts)")

    def __eq__(self, other):
        if not isinstance(other, VocabCounts):
            return NotImplemented
        return (self.words == other.words and np.array_equal(self.counts, other.counts)
                and np.array_equal(self.docs, other.docs)
                and np.array_equal(self.first, other.first)
                and self.document_count == other.document_count
                and self.parts == other.parts and self._groups == other._groups
                and self._config() == other._config())

    __hash__ = None

    def _config(self):
        kw = self.tokenizer_kwargs
        defaults = Tokenizer()
        config = {k: kw.get(k, getattr(defaults, k)) for k in _COUNTING}
        config["analyzer"] = kw.get("analyzer") is not None
        return config

    def merge(self, *others):
        """The counts of this part and of ``others`` together.

        Counts and document counts add up; each word keeps its earliest
        first occurrence. The merge is associative and commutative: any
        grouping and order of the same parts gives equal counts.

        Parameters
        ----------
        *others : VocabCounts
            Counts of other parts (no part counted twice), made with the
            same ``filters``, ``lower``, ``split``, ``char_level`` and with
            or without an ``analyzer`` alike.

        Returns
        -------
        VocabCounts
            A new object; the inputs are left as they were. Its
            ``tokenizer_kwargs`` are this object's.

        Examples
        --------
        >>> from cembed import VocabCounts
        >>> a = VocabCounts.from_texts(["x y"], part=0)
        >>> b = VocabCounts.from_texts(["y z"], part=1)
        >>> m = b.merge(a)
        >>> m.words, m.counts.tolist(), m.first.tolist()
        (['x', 'y', 'z'], [1, 2, 1], [[0, 0], [0, 1], [1, 1]])
        """
        parts = (self,) + others
        seen = set()
        for c in parts:
            if not isinstance(c, VocabCounts):
                raise TypeError(f"can only merge VocabCounts, got {type(c).__name__}")
            if c._config() != self._config():
                raise ValueError("can only merge counts made with the same filters, lower, "
                                 f"split, char_level and analyzer: {self._config()} and "
                                 f"{c._config()}")
            both = seen & c.parts
            if both:
                raise ValueError(f"part {min(both)} is in two of the merged counts: "
                                 "each part must be counted once")
            seen |= c.parts
        # one id per distinct word, in the order the parts list them
        index = dict(zip(self.words, range(len(self.words))))
        ids = [np.arange(len(self.words), dtype=np.int64)]
        setdefault = index.setdefault
        for c in others:
            ids.append(np.fromiter([setdefault(w, len(index)) for w in c.words],
                                   dtype=np.int64, count=len(c.words)))
        n = len(index)
        counts = np.zeros(n, dtype=np.int64)
        docs = np.zeros(n, dtype=np.int64)
        first = np.full((n, 2), np.iinfo(np.int64).max, dtype=np.int64)
        for c, i in zip(parts, ids):
            np.add.at(counts, i, c.counts)
            np.add.at(docs, i, c.docs)
            # a word occurs once in a part's counts: plain assignment is safe
            old = first[i]
            earlier = (c.first[:, 0] < old[:, 0]) | (
                (c.first[:, 0] == old[:, 0]) & (c.first[:, 1] < old[:, 1]))
            first[i[earlier]] = c.first[earlier]
        order = np.lexsort((first[:, 1], first[:, 0]))
        words = list(index)
        merged = VocabCounts.__new__(VocabCounts)
        merged.tokenizer_kwargs = dict(self.tokenizer_kwargs)
        merged.words = [words[k] for k in order.tolist()]
        merged.counts = counts[order]
        merged.docs = docs[order]
        merged.first = first[order]
        merged.document_count = sum(c.document_count for c in parts)
        merged.parts = frozenset(seen)
        # keep the Python-counted texts that still hold a first occurrence
        groups = sorted(g for c in parts for g in c._groups)
        merged._groups = [g for g in groups if np.subtract(*_run(merged.first, *g[:3])) < 0]
        return merged

    def _docs_order(self):
        """The positions of the words in ``word_docs`` order, as the serial
        fit builds it: first occurrence, except that the new words of a
        text counted in Python come in the order of a set of its tokens."""
        order = np.arange(len(self.words))
        for part, start, stop, tokens in self._groups:
            lo, hi = _run(self.first, part, start, stop)
            rank = {w: k for k, w in enumerate(set(tokens))}
            run = sorted(range(lo, hi), key=lambda k: rank[self.words[k]])
            order[lo:hi] = run
        return order

    def to_tokenizer(self, **tokenizer_kwargs):
        """The fitted ``Tokenizer`` of these counts.

        Parameters
        ----------
        **tokenizer_kwargs
            ``Tokenizer`` arguments that replace those the counts were made
            with: ``num_words``, ``oov_token`` and ``document_count`` (the
            number of texts seen before) may change; the arguments that
            decide how texts are split may not.

        Returns
        -------
        Tokenizer
            Equal to ``Tokenizer(**kwargs).fit_on_texts`` on the texts of
            all the parts counted, in the order of their part numbers.

        Examples
        --------
        >>> from cembed import VocabCounts
        >>> c = VocabCounts.from_texts(["a b b", "b c"])
        >>> c.to_tokenizer(num_words=3, oov_token="?").word_index
        {'?': 1, 'b': 2, 'a': 3, 'c': 4}
        """
        kwargs = dict(self.tokenizer_kwargs)
        kwargs.update(tokenizer_kwargs)
        changed = VocabCounts(kwargs)._config()
        if changed != self._config():
            raise ValueError("to_tokenizer cannot change how the texts were split: counted "
                             f"with {self._config()}, asked for {changed}")
        tok = Tokenizer(**kwargs)
        counts = self.counts.tolist()
        docs = self.docs.tolist()
        tok.word_counts = OrderedDict(zip(self.words, counts))
        order = self._docs_order().tolist()
        tok.word_docs = defaultdict(int, ((self.words[k], docs[k]) for k in order))
        tok.document_count += self.document_count
        # fitting on no texts indexes the words as fit_on_texts does
        tok.fit_on_texts([])
        return tok
