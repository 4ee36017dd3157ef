"""Keras-compatible text preprocessing with a C fast path.

``Tokenizer``, ``text_to_word_sequence``, ``one_hot``, ``hashing_trick`` and
``tokenizer_from_json`` behave as ``keras_preprocessing.text`` 1.1.2 (which
``tf.keras.preprocessing.text`` re-exported), quirks included, so code
written for Keras runs unchanged and gives the same output. The default
analyzer (lowercase, filter, split, count or look up) runs in C over UTF-8;
options the C scan cannot reproduce exactly take Keras' own algorithm.

Beyond Keras: a tokenizer loaded from JSON can be fitted further; an
``analyzer`` callable replaces the word split (as in tf.keras); the default
``hash_function`` of ``hashing_trick`` and ``one_hot`` is MurmurHash3, stable
across processes and machines (Keras' default, Python's ``hash``, changes with
every run); both take one text or a list of texts.
"""
import json
import warnings
from collections import OrderedDict, defaultdict
from functools import lru_cache
from hashlib import md5

import numpy as np

from cembed import _core, _text
from cembed._validation import check_int
from cembed.sequence import pad_sequences

__all__ = [
    "Tokenizer",
    "hash_texts",
    "hashing_trick",
    "one_hot",
    "text_to_word_sequence",
    "tokenizer_from_json",
]

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def text_to_word_sequence(text, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Convert a text to a list of words, as Keras does.

    Lowercase (``lower``), replace every character of ``filters`` by
    ``split``, split on ``split`` and drop empty strings.

    >>> from cembed import text_to_word_sequence
    >>> text_to_word_sequence("Hello, World! Hello again.")
    ['hello', 'world', 'hello', 'again']
    >>> text_to_word_sequence("a-b c", filters="", split="-")
    ['a', 'b c']
    """
    if lower:
        text = text.lower()
    translate_map = str.maketrans({c: split for c in filters})
    text = text.translate(translate_map)
    seq = text.split(split)
    return [i for i in seq if i]


@lru_cache(maxsize=64)
def _cached_analyzer(filters, split, lower, char_level):
    return _text.make_analyzer(filters, split, lower, char_level)


def _analyzer(filters, split, lower, char_level=False):
    """The C analyzer for these options, or None (then Python does it)."""
    try:
        return _cached_analyzer(filters, split, bool(lower), bool(char_level))
    except TypeError:  # unhashable options
        return _text.make_analyzer(filters, split, lower, char_level)


def _murmurhash_token(word):
    """The default hash of a token (str, hashed as UTF-8, or bytes)."""
    if not isinstance(word, (str, bytes)):
        raise TypeError(f"the default hash takes str or bytes tokens, got {type(word).__name__}")
    return _core.murmurhash3_32(word, positive=True)


def _hash_modulus(n):
    """The modulus of the default hash for ``n`` (indices in [1, n - 1])."""
    n = check_int("n", n)
    if n < 2:
        raise ValueError(f"n must be >= 2 (indices are in [1, n - 1]), got {n}")
    return min(n - 1, 1 << 63)


def _hash_words(words, modulus):
    return [_murmurhash_token(w) % modulus + 1 for w in words]


def _md5_hash(w):
    return int(md5(w.encode()).hexdigest(), 16)


def _as_texts(text):
    """(texts, single): one text becomes a list of one."""
    if isinstance(text, (str, bytes)):
        return [text], True
    if isinstance(text, list):
        return text, False
    try:
        return list(text), False
    except TypeError:  # not iterable: Keras' own error comes later
        return [text], True


def hashing_trick(text, n, hash_function=None, filters=DEFAULT_FILTERS, lower=True, split=" ",
                  analyzer=None):
    """Hash the words of a text to indices in ``[1, n - 1]``.

    ``text`` is one text (gives a list of ints, as Keras) or a list of texts
    (gives a list of lists). ``hash_function=None`` is MurmurHash3:
    ``murmurhash3_32(word, seed=0, positive=True) % (n - 1) + 1``, the same in
    every process and on every machine, computed in C; ``"md5"`` gives exactly
    Keras' numbers; a callable ``f(word) -> int`` is used as Keras does
    (``f(word) % (n - 1) + 1``). ``analyzer``, a callable ``text -> words``,
    replaces the lowercase-filter-split step. Index 0 is never produced.

    >>> from cembed import hashing_trick
    >>> hashing_trick("The cat sat on the mat", 10000)
    [4592, 7919, 7679, 3447, 4592, 6908]
    >>> hashing_trick(["the cat", "the"], 10000)
    [[4592, 7919], [4592]]
    >>> hashing_trick("the cat", 10000, hash_function="md5")
    [5001, 4854]
    """
    texts, single = _as_texts(text)
    if hash_function is None:
        modulus = _hash_modulus(n)
        if analyzer is not None:
            rows = [_hash_words(analyzer(t), modulus) for t in texts]
        else:
            an = _analyzer(filters, split, lower)
            if an is not None:
                rows, slow = _text.hash_texts(an, texts, modulus)
            else:
                rows, slow = [None] * len(texts), range(len(texts))
            for i in slow:
                rows[i] = _hash_words(
                    text_to_word_sequence(texts[i], filters=filters, lower=lower, split=split),
                    modulus)
    else:
        if hash_function == "md5":
            hash_function = _md5_hash
        rows = []
        for t in texts:
            if analyzer is None:
                seq = text_to_word_sequence(t, filters=filters, lower=lower, split=split)
            else:
                seq = analyzer(t)
            rows.append([(hash_function(w) % (n - 1) + 1) for w in seq])
    return rows[0] if single else rows


def one_hot(text, n, filters=DEFAULT_FILTERS, lower=True, split=" ", analyzer=None,
            hash_function=None):
    """Keras' ``one_hot``: ``hashing_trick`` with the default hash.

    Keras hashes with Python's ``hash``, which changes with every run;
    cembed uses MurmurHash3 (pass ``hash_function=hash`` for Keras' choice).

    >>> from cembed import one_hot
    >>> one_hot("The cat sat on the mat", 10000)
    [4592, 7919, 7679, 3447, 4592, 6908]
    """
    return hashing_trick(text, n, hash_function=hash_function, filters=filters, lower=lower,
                         split=split, analyzer=analyzer)


_PAD_SIDES = ("pre", "post")


_C_DTYPES = (np.dtype(np.int32), np.dtype(np.int64))


def _filled(shape, value, dt):
    """``np.full(shape, value, dt)``; for a value of all zero bits, np.zeros:
    its pages come zeroed from the OS when first written, by the threads
    that fill the rows, rather than filled here first."""
    if np.full(1, value, dtype=dt).tobytes() == bytes(dt.itemsize):
        return np.zeros(shape, dt)
    return np.full(shape, value, dtype=dt)


def _pad_texts(texts, sequences, an, sequence_of, cargs, value_range, maxlen, dtype, padding,
               truncating, value):
    """``pad_sequences(sequences(texts), maxlen, dtype, padding, truncating,
    value)``, where ``sequences`` applies ``sequence_of`` to each text, with
    the texts the C analyzer ``an`` takes mapped by C (``cargs``: the
    arguments ``(lookup, limit, oov, modulus)`` of ``_text.TextBatch.place``
    and ``.numbers``), whose numbers lie in ``value_range``. With ``an`` or
    ``cargs`` None, or a dtype that is not a number, Python does it all."""
    if padding not in _PAD_SIDES:
        raise ValueError('Padding type "%s" not understood' % padding)
    if truncating not in _PAD_SIDES:
        raise ValueError('Truncating type "%s" not understood' % truncating)
    # Keras' pad_sequences fails on maxlen=0 with any non-empty sequence
    # (s[-0:] is all of s): an explicit maxlen is at least 1
    maxlen = check_int("maxlen", maxlen, minimum=1, allow_none=True)
    texts = texts if isinstance(texts, list) else list(texts)
    dt = np.dtype(dtype)
    if an is None or cargs is None or isinstance(value, str) or dt.kind not in "iuf":
        return pad_sequences(sequences(texts), maxlen, dtype, padding, truncating, value)
    batch = _text.TextBatch(an, texts)
    slow = {i: sequence_of(texts[i]) for i in batch.slow}
    pad_post, truncate_post = padding == "post", truncating == "post"
    in_c = dt in _C_DTYPES and (np.iinfo(dt).min <= value_range[0]
                                and value_range[1] <= np.iinfo(dt).max)
    if maxlen is None and in_c:
        # two passes in C, the lengths and then the rows: faster than one
        # pass into an int64 array of all the numbers that NumPy then places
        lengths = batch.place(*cargs, None, pad_post, truncate_post, True)
        maxlen = max(int(lengths.max(initial=0)), max(map(len, slow.values()), default=0))
    if maxlen is None:
        # one pass: the sequences, then the longest one's length
        numbers, offsets = batch.numbers(*cargs)
        kept = np.diff(offsets)
        maxlen = max(int(kept.max(initial=0)), max(map(len, slow.values()), default=0))
        x = _filled((len(texts), maxlen), value, dt)
    else:
        x = _filled((len(texts), maxlen), value, dt)
        if in_c:
            batch.place(*cargs, x, pad_post, truncate_post, False)
            numbers = None
        else:
            # int64 numbers, then cast where the sequences lie
            rows = np.zeros((len(texts), maxlen), np.int64)
            kept = np.minimum(batch.place(*cargs, rows, pad_post, truncate_post, True), maxlen)
            numbers = rows
    if numbers is not None:
        if numbers.ndim == 2:
            columns = np.arange(maxlen)
            where = columns < kept[:, None] if pad_post else columns >= maxlen - kept[:, None]
            values = numbers[where]
        else:
            # untruncated (maxlen is the longest): text i's numbers go to
            # the flat positions from its row's first kept column on; no
            # mask over the whole array, which is mostly padding when one
            # text is long
            values = numbers
            first = np.arange(len(texts), dtype=np.int64) * maxlen
            if not pad_post:
                first += maxlen - kept
            where = np.repeat(first - offsets[:-1], kept) + np.arange(values.size, dtype=np.int64)
            x = x.reshape(-1)
        if dt.kind in "iu" and values.size:
            info = np.iinfo(dt)
            bad = values[(values < info.min) | (values > info.max)]
            if bad.size:
                # NumPy's OverflowError, as Keras gets casting its lists of ints
                np.asarray([int(bad[0])], dtype=dt)
        x[where] = values
        x = x.reshape(len(texts), maxlen)
    for i, seq in slow.items():
        if len(seq):
            x[i] = pad_sequences([seq], maxlen, dt, padding, truncating, value)[0]
    return x


def hash_texts(texts, n, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0,
               filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Hash the words of texts straight into a padded array, in C.

    Equal to ``pad_sequences([hashing_trick(t, n, filters=filters,
    lower=lower, split=split) for t in texts], maxlen, dtype, padding,
    truncating, value)`` with the default hash (MurmurHash3:
    ``murmurhash3_32(word, positive=True) % (n - 1) + 1``), without the
    lists of Python ints in between: the texts are split, hashed and placed
    in one pass over them, on several threads (the result is the same for
    any number) and without the GIL.

    Parameters
    ----------
    texts : iterable of str
    n : int
        Indices are in ``[1, n - 1]``; 0 is left for padding.
    maxlen : int >= 1 or None
        The row length; None is the longest text's word count.
    dtype : NumPy dtype, default ``"int32"``
    padding, truncating : ``"pre"`` or ``"post"``
        Where padding goes, and which words a longer text loses (as
        :func:`pad_sequences`).
    value : padding value
    filters, lower, split :
        As :func:`hashing_trick`.

    Returns
    -------
    ndarray of shape ``(len(texts), maxlen)``

    Examples
    --------
    >>> from cembed import hash_texts
    >>> hash_texts(["The cat sat on the mat", "the dog"], 10000, maxlen=4)
    array([[7679, 3447, 4592, 6908],
           [   0,    0, 4592, 6455]], dtype=int32)
    >>> hash_texts(["a b c", "d"], 100, padding="post", truncating="post", maxlen=2)
    array([[27, 78],
           [68,  0]], dtype=int32)
    """
    modulus = _hash_modulus(n)
    an = _analyzer(filters, split, lower)

    def sequence_of(text):
        return _hash_words(text_to_word_sequence(text, filters=filters, lower=lower, split=split),
                           modulus)

    def sequences(texts):
        return [sequence_of(text) for text in texts]

    return _pad_texts(texts, sequences, an, sequence_of, (None, 0, None, modulus), (1, modulus),
                      maxlen, dtype, padding, truncating, value)


def _by_count(word_counts):
    """The words by decreasing count, ties in their order in word_counts:
    Keras' stable ``sort(key=count, reverse=True)``, in NumPy when every
    count is an int64."""
    words = list(word_counts)
    counts = np.array(list(word_counts.values()))
    if (len(words) and counts.dtype.kind == "i" and counts.shape == (len(words),)
            and counts.min() > np.iinfo(np.int64).min):
        return [words[i] for i in np.argsort(-counts, kind="stable").tolist()]
    return [w for w, _ in sorted(word_counts.items(), key=lambda x: x[1], reverse=True)]


class Tokenizer(object):
    """Keras' text tokenization utility, with its default analyzer in C.

    Turns texts into sequences of word indices (``texts_to_sequences``) or
    into vectors (``texts_to_matrix``: binary, count, freq or tf-idf). Words
    are indexed by decreasing count, ties in first-seen order, from 1 (0 is
    never assigned); ``oov_token``, when given, has index 1. ``num_words``
    keeps only indices ``< num_words`` in sequences and matrices, while
    ``word_index`` keeps every word.

    Arguments and attributes are Keras' (keras_preprocessing 1.1.2), plus
    ``analyzer``: a callable ``text -> tokens`` that replaces the
    lowercase-filter-split step (as in tf.keras; not serialized).

    >>> from cembed import Tokenizer
    >>> tok = Tokenizer(num_words=4, oov_token="<unk>")
    >>> tok.fit_on_texts(["The cat sat.", "The dog sat!", "the end"])
    >>> tok.word_index
    {'<unk>': 1, 'the': 2, 'sat': 3, 'cat': 4, 'dog': 5, 'end': 6}
    >>> tok.texts_to_sequences(["the cat sat on the mat"])
    [[2, 1, 3, 1, 2, 1]]
    >>> tok.texts_to_matrix(["the cat"], mode="count")
    array([[0., 1., 1., 0.]])
    """

    def __init__(self, num_words=None, filters=DEFAULT_FILTERS, lower=True, split=" ",
                 char_level=False, oov_token=None, analyzer=None, document_count=0, **kwargs):
        # Legacy support
        if "nb_words" in kwargs:
            warnings.warn("The `nb_words` argument in `Tokenizer` has been renamed `num_words`.")
            num_words = kwargs.pop("nb_words")
        if kwargs:
            raise TypeError("Unrecognized keyword arguments: " + str(kwargs))

        self.word_counts = OrderedDict()
        self.word_docs = defaultdict(int)
        self.filters = filters
        self.split = split
        self.lower = lower
        self.num_words = num_words
        self.document_count = document_count
        self.char_level = char_level
        self.oov_token = oov_token
        self.index_docs = defaultdict(int)
        self.word_index = {}
        self.index_word = {}
        self.analyzer = analyzer
        self._lookup = None

    # -- pickling: the C lookup table is a cache, rebuilt on demand
    def __getstate__(self):
        state = self.__dict__.copy()
        state["_lookup"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.__dict__.setdefault("_lookup", None)
        self.__dict__.setdefault("analyzer", None)

    # -- the analyzer
    def _c_analyzer(self):
        """The C analyzer for str texts, or None when Python must do them."""
        if self.char_level:
            return _analyzer(None, None, self.lower, True)
        if self.analyzer is not None:
            return None
        return _analyzer(self.filters, self.split, self.lower)

    def _sequence_of(self, text):
        """Keras' tokens of one text (the Python path)."""
        if self.char_level or isinstance(text, list):
            if self.lower:
                if isinstance(text, list):
                    text = [text_elem.lower() for text_elem in text]
                else:
                    text = text.lower()
            return text
        if self.analyzer is None:
            return text_to_word_sequence(text, self.filters, self.lower, self.split)
        return self.analyzer(text)

    def _count_python(self, seq):
        word_counts, word_docs = self.word_counts, self.word_docs
        for w in seq:
            if w in word_counts:
                word_counts[w] += 1
            else:
                word_counts[w] = 1
        for w in set(seq):
            # In how many documents each word occurs
            word_docs[w] = word_docs[w] + 1 if w in word_docs else 1

    # -- fitting
    def fit_on_texts(self, texts):
        """Update the vocabulary from texts.

        ``texts``: any iterable (a generator too) of strings, or of lists of
        tokens (each token only lowercased, as Keras). Only the vocabulary is
        held in memory, not the texts. Required before ``texts_to_sequences``
        or ``texts_to_matrix``; can be called again to add texts.

        >>> from cembed import Tokenizer
        >>> tok = Tokenizer()
        >>> tok.fit_on_texts(line for line in ["a b b", "b c"])
        >>> tok.word_counts
        OrderedDict([('a', 1), ('b', 3), ('c', 1)])
        >>> tok.word_index, dict(tok.word_docs), tok.document_count
        ({'b': 1, 'a': 2, 'c': 3}, {'a': 1, 'b': 2, 'c': 1}, 2)
        """
        # counts in C, a chunk of texts per call; an item the C scan cannot
        # take (a token list, or an option only Keras' Python algorithm
        # reproduces) goes through _sequence_of and _count_python in place
        _text.fit_on_texts(self, self._c_analyzer(), texts)

        # forcing the oov_token to index 1 if it exists
        if self.oov_token is None:
            sorted_voc = []
        else:
            sorted_voc = [self.oov_token]
        sorted_voc.extend(_by_count(self.word_counts))

        # note that index 0 is reserved, never assigned to an existing word
        self.word_index = dict(zip(sorted_voc, range(1, len(sorted_voc) + 1)))

        self.index_word = {c: w for w, c in self.word_index.items()}

        _text.set_index_docs(self.index_docs, self.word_docs, self.word_index)

    def fit_on_sequences(self, sequences):
        """Update ``index_docs`` and ``document_count`` from sequences of
        word indices (for ``sequences_to_matrix`` in tf-idf mode).

        >>> from cembed import Tokenizer
        >>> tok = Tokenizer(num_words=3)
        >>> tok.fit_on_sequences([[1, 2, 2], [2]])
        >>> dict(tok.index_docs), tok.document_count
        ({1: 1, 2: 2}, 2)
        """
        self.document_count += len(sequences)
        for seq in sequences:
            seq = set(seq)
            for i in seq:
                self.index_docs[i] = self.index_docs[i] + 1 if i in self.index_docs else 1

    # -- texts to sequences
    def _lookup_table(self):
        """The C lookup table of the current word_index, or None."""
        word_index = self.word_index
        lk = self._lookup
        if lk is not None and _text.lookup_valid(lk, word_index):
            return lk
        self._lookup = None
        if not isinstance(word_index, dict):
            return None
        self._lookup = _text.build_lookup(word_index)
        return self._lookup

    def _fast_lookup_args(self, num_words, oov_token_index):
        """(limit, oov) for C, or None when Keras' outcome needs Python."""
        if self.oov_token is None:
            if oov_token_index is not None:
                return None
            oov = None
        else:
            if oov_token_index is None:
                return None  # Keras then emits None for unknown words
            oov = oov_token_index
        if num_words is None or (type(num_words) is int and num_words == 0):
            limit = 0
        elif type(num_words) is int and num_words > 0:
            # every value in the C table is an int64: a larger limit is none
            limit = num_words if num_words < 2**63 else 0
        else:
            return None
        return limit, oov

    def _sequence_python(self, text, num_words, oov_token_index):
        seq = self._sequence_of(text)
        vect = []
        for w in seq:
            i = self.word_index.get(w)
            if i is not None:
                if num_words and i >= num_words:
                    if oov_token_index is not None:
                        vect.append(oov_token_index)
                else:
                    vect.append(i)
            elif self.oov_token is not None:
                vect.append(oov_token_index)
        return vect

    def texts_to_sequences(self, texts):
        """Transform each text into a list of word indices.

        Only indices ``< num_words`` are kept (others become the OOV index
        when ``oov_token`` is set); unknown words are dropped or become the
        OOV index. Items that are lists are taken as tokens.

        >>> from cembed import Tokenizer
        >>> tok = Tokenizer()
        >>> tok.fit_on_texts(["a b b", "b c"])
        >>> tok.texts_to_sequences(["b a d", ["C", "b"]])
        [[1, 2], [3, 1]]
        """
        if isinstance(texts, list):
            an = self._c_analyzer()
            if an is not None:
                total = _text.total_length(texts)
                # checking the C table costs O(len(word_index)): for less
                # text than that, Python is quicker
                if total >= len(self.word_index):
                    return self._texts_to_sequences_c(texts, an)
            num_words = self.num_words
            oov_token_index = self.word_index.get(self.oov_token)
            return [self._sequence_python(t, num_words, oov_token_index) for t in texts]
        return list(self.texts_to_sequences_generator(texts))

    def _texts_to_sequences_c(self, texts, an):
        num_words = self.num_words
        oov_token_index = self.word_index.get(self.oov_token)
        args = self._fast_lookup_args(num_words, oov_token_index)
        lk = self._lookup_table() if args is not None else None
        if lk is None:
            return [self._sequence_python(t, num_words, oov_token_index) for t in texts]
        result, slow = _text.lookup_texts(lk, an, texts, args[0], args[1])
        for i in slow:
            result[i] = self._sequence_python(texts[i], num_words, oov_token_index)
        return result

    def texts_to_array(self, texts, maxlen=None, dtype="int32", padding="pre",
                       truncating="pre", value=0):
        """Transform texts straight into a padded array of word indices.

        Equal to ``pad_sequences(self.texts_to_sequences(texts), maxlen,
        dtype, padding, truncating, value)``, without the lists of Python
        ints in between: with the default analyzer the texts are split,
        looked up and placed in one pass in C, on several threads (the
        result is the same for any number) and without the GIL.

        Parameters
        ----------
        texts : iterable of str (or of token lists, as texts_to_sequences)
        maxlen : int >= 1 or None
            The row length; None is the longest sequence's.
        dtype : NumPy dtype, default ``"int32"``
        padding, truncating : ``"pre"`` or ``"post"``
            Where padding goes, and which indices a longer sequence loses
            (as :func:`pad_sequences`).
        value : padding value

        Returns
        -------
        ndarray of shape ``(len(texts), maxlen)``

        Examples
        --------
        >>> from cembed import Tokenizer
        >>> tok = Tokenizer(oov_token="?")
        >>> tok.fit_on_texts(["the cat sat", "the dog sat down"])
        >>> tok.texts_to_array(["the cat sat on the mat", "a dog"], maxlen=4)
        array([[3, 1, 2, 1],
               [0, 0, 1, 5]], dtype=int32)
        >>> tok.texts_to_array(["the cat", "down"], padding="post")
        array([[2, 4],
               [6, 0]], dtype=int32)
        """
        texts = texts if isinstance(texts, list) else list(texts)
        num_words = self.num_words
        oov_token_index = self.word_index.get(self.oov_token)
        an = self._c_analyzer()
        args = self._fast_lookup_args(num_words, oov_token_index) if an is not None else None
        lk = cargs = None
        low = high = 0
        # for less text than word_index, building the C table costs more
        # than Python's way
        if args is not None and _text.total_length(texts) >= len(self.word_index):
            lk = self._lookup_table()
        if lk is not None:
            limit, oov = args
            cargs = (lk, limit, oov, 0)
            low, high = lk.min_value, lk.max_value
            if oov is not None:
                low, high = min(low, oov), max(high, oov)

        def sequence_of(text):
            return self._sequence_python(text, num_words, oov_token_index)

        return _pad_texts(texts, self.texts_to_sequences, an, sequence_of, cargs, (low, high),
                          maxlen, dtype, padding, truncating, value)

    def texts_to_sequences_generator(self, texts):
        """Yield, for each text of the iterable ``texts``, its list of word
        indices (see ``texts_to_sequences``).

        >>> from cembed import Tokenizer
        >>> tok = Tokenizer()
        >>> tok.fit_on_texts(["a b b", "b c"])
        >>> list(tok.texts_to_sequences_generator(iter(["c b", "x"])))
        [[3, 1], []]
        """
        num_words = self.num_words
        oov_token_index = self.word_index.get(self.oov_token)
        an = self._c_analyzer()
        args = self._fast_lookup_args(num_words, oov_token_index) if an is not None else None
        lk = self._lookup_table() if args is not None else None
        for text in texts:
            row = None
            if lk is not None and isinstance(text, str):
                row = _text.lookup_texts(lk, an, [text], args[0], args[1])[0][0]
            if row is None:
                row = self._sequence_python(text, num_words, oov_token_index)
            yield row

    # -- sequences to texts
    def sequences_to_texts(self, sequences):
        """Transform each sequence of indices back into a text (words joined
        by spaces); unknown indices are dropped, or become ``oov_token``.

        >>> from cembed import Tokenizer
        >>> tok = Tokenizer()
        >>> tok.fit_on_texts(["a b b", "b c"])
        >>> tok.sequences_to_texts([[1, 2, 9], [3]])
        ['b a', 'c']
        """
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        """Yield the text of each sequence (see ``sequences_to_texts``).

        >>> from cembed import Tokenizer
        >>> tok = Tokenizer(oov_token="?")
        >>> tok.fit_on_texts(["a b b"])
        >>> next(tok.sequences_to_texts_generator([[2, 7, 3]]))
        'b ? a'
        """
        num_words = self.num_words
        oov_token_index = self.word_index.get(self.oov_token)
        for seq in sequences:
            vect = []
            for num in seq:
                word = self.index_word.get(num)
                if word is not None:
                    if num_words and num >= num_words:
                        if oov_token_index is not None:
                            vect.append(self.index_word[oov_token_index])
                    else:
                        vect.append(word)
                elif self.oov_token is not None:
                    vect.append(self.index_word[oov_token_index])
            vect = " ".join(vect)
            yield vect

    # -- matrices
    def texts_to_matrix(self, texts, mode="binary"):
        """Convert texts to a float64 matrix ``(len(texts), num_words)``
        (``len(word_index) + 1`` columns without ``num_words``).

        ``mode``: ``"binary"``, ``"count"``, ``"freq"`` (count / length) or
        ``"tfidf"`` (``(1 + ln count) * ln(1 + docs / (1 + df))``).

        >>> from cembed import Tokenizer
        >>> tok = Tokenizer()
        >>> tok.fit_on_texts(["a b b", "b c"])
        >>> tok.texts_to_matrix(["b b a"], mode="freq").round(3)
        array([[0.   , 0.667, 0.333, 0.   ]])
        """
        sequences = self.texts_to_sequences(texts)
        return self.sequences_to_matrix(sequences, mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """Convert sequences of indices to a float64 matrix (see
        ``texts_to_matrix``). Indices ``>= num_words`` are left out.

        >>> from cembed import Tokenizer
        >>> tok = Tokenizer(num_words=4)
        >>> tok.sequences_to_matrix([[1, 3, 3, 7]], mode="count")
        array([[0., 1., 0., 2.]])
        """
        if not self.num_words:
            if self.word_index:
                num_words = len(self.word_index) + 1
            else:
                raise ValueError("Specify a dimension (`num_words` argument), "
                                 "or fit on some text data first.")
        else:
            num_words = self.num_words

        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")

        x = np.zeros((len(sequences), num_words))
        if isinstance(sequences, list) and mode in ("binary", "count", "freq", "tfidf"):
            ti, tj, lengths, slow = _text.count_rows(sequences, x)
            if mode == "binary":
                x[ti, tj] = 1
            elif mode == "freq":
                x[ti, tj] = x[ti, tj] / lengths[ti]
            elif mode == "tfidf" and len(tj):
                cols, inverse = np.unique(tj, return_inverse=True)
                index_docs, document_count = self.index_docs, self.document_count
                # Keras' arithmetic: Python division, then NumPy's log
                idf = np.log(np.array(
                    [1 + document_count / (1 + index_docs.get(j, 0)) for j in cols.tolist()],
                    dtype=np.float64))
                x[ti, tj] = (1 + np.log(x[ti, tj])) * idf[inverse.reshape(-1)]
            for i in slow:
                self._matrix_row_python(x, i, sequences[i], num_words, mode)
        else:
            for i, seq in enumerate(sequences):
                self._matrix_row_python(x, i, seq, num_words, mode)
        return x

    def _matrix_row_python(self, x, i, seq, num_words, mode):
        if not seq:
            return
        counts = defaultdict(int)
        for j in seq:
            if j >= num_words:
                continue
            counts[j] += 1
        for j, c in list(counts.items()):
            if mode == "count":
                x[i][j] = c
            elif mode == "freq":
                x[i][j] = c / len(seq)
            elif mode == "binary":
                x[i][j] = 1
            elif mode == "tfidf":
                # Use weighting scheme 2 in
                # https://en.wikipedia.org/wiki/Tf%E2%80%93idf
                tf = 1 + np.log(c)
                idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                x[i][j] = tf * idf
            else:
                raise ValueError("Unknown vectorization mode:", mode)

    # -- serialization
    def get_config(self):
        """The configuration as a dict with exactly Keras' keys; the word
        dictionaries are stored as JSON strings (``analyzer`` is not kept).

        >>> from cembed import Tokenizer
        >>> sorted(Tokenizer().get_config())[:4]
        ['char_level', 'document_count', 'filters', 'index_docs']
        """
        json_word_counts = json.dumps(self.word_counts)
        json_word_docs = json.dumps(self.word_docs)
        json_index_docs = json.dumps(self.index_docs)
        json_word_index = json.dumps(self.word_index)
        json_index_word = json.dumps(self.index_word)

        return {
            "num_words": self.num_words,
            "filters": self.filters,
            "lower": self.lower,
            "split": self.split,
            "char_level": self.char_level,
            "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json_word_counts,
            "word_docs": json_word_docs,
            "index_docs": json_index_docs,
            "index_word": json_index_word,
            "word_index": json_word_index,
        }

    def to_json(self, **kwargs):
        """A JSON string of the configuration, in Keras' format (readable by
        ``keras_preprocessing.text.tokenizer_from_json``); ``kwargs`` go to
        ``json.dumps``.

        >>> from cembed import Tokenizer, tokenizer_from_json
        >>> tok = Tokenizer()
        >>> tok.fit_on_texts(["a b b"])
        >>> tokenizer_from_json(tok.to_json()).word_index
        {'b': 1, 'a': 2}
        """
        config = self.get_config()
        tokenizer_config = {"class_name": self.__class__.__name__, "config": config}
        return json.dumps(tokenizer_config, **kwargs)


def tokenizer_from_json(json_string):
    """A Tokenizer from a JSON string of ``Tokenizer.to_json`` (cembed's or
    Keras'). Unlike Keras', the result can be fitted further.

    >>> from cembed import Tokenizer, tokenizer_from_json
    >>> tok = Tokenizer()
    >>> tok.fit_on_texts(["a b b"])
    >>> tok2 = tokenizer_from_json(tok.to_json())
    >>> tok2.fit_on_texts(["a a a"])
    >>> tok2.word_index
    {'a': 1, 'b': 2}
    """
    tokenizer_config = json.loads(json_string)
    # Keras fails on a malformed document with whatever the first bad access
    # raises (AttributeError, ...); cembed names what is wrong instead
    config = tokenizer_config.get("config") if isinstance(tokenizer_config, dict) else None
    if not isinstance(config, dict):
        raise ValueError("tokenizer JSON must be an object with a \"config\" object, "
                         "as Tokenizer.to_json writes")
    config = dict(config)

    def mapping(key):
        if key not in config:
            raise KeyError(key)  # as Keras
        try:
            value = json.loads(config.pop(key))
        except TypeError:
            value = None
        if not isinstance(value, dict):
            raise ValueError(f"tokenizer JSON: config[{key!r}] must be a JSON object in a string")
        return value

    word_counts = mapping("word_counts")
    word_docs = mapping("word_docs")
    index_docs = mapping("index_docs")
    # Integer indexing gets converted to strings with json.dumps()
    index_docs = {int(k): v for k, v in index_docs.items()}
    index_word = mapping("index_word")
    index_word = {int(k): v for k, v in index_word.items()}
    word_index = mapping("word_index")

    tokenizer = Tokenizer(**config)
    # the types fit_on_texts keeps, so that fitting can go on (Keras leaves
    # plain dicts here, and its fit_on_texts then fails)
    tokenizer.word_counts = OrderedDict(word_counts)
    tokenizer.word_docs = defaultdict(int, word_docs)
    tokenizer.index_docs = defaultdict(int, index_docs)
    tokenizer.word_index = word_index
    tokenizer.index_word = index_word

    return tokenizer
