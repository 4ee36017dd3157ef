"""Pretrained word vectors: word2vec, GloVe and fastText files.

``load_word2vec`` reads word2vec text and binary files, GloVe text files (no
header) and fastText ``.vec`` files into a :class:`Vectors`: the words, a
``(V, D)`` float32 matrix, a dict ``index`` from word to row, cosine
neighbours as gensim's ``KeyedVectors``, and ``embedding_matrix``, which
builds the initial table of an :class:`~cembed.Embedding` for a
``Tokenizer``'s ``word_index``. ``save_word2vec`` writes either word2vec
format. The files are parsed in C, without the GIL, into the matrix
directly: memory stays close to the size of the matrix.
"""
import codecs
import os
import warnings

import numpy as np

from cembed import _vectors, initializers, similarity
from cembed._files import atomic_replace
from cembed._validation import check_rows_contiguous, is_int

__all__ = ["Vectors", "load_word2vec", "save_word2vec"]

def _check_words(words):
    if isinstance(words, (str, bytes)):
        raise TypeError("words must be a sequence of str, not a single " + type(words).__name__)
    words = list(words)
    for i, w in enumerate(words):
        if not isinstance(w, str):
            raise TypeError(f"words must be str; word {i} is a {type(w).__name__}: {w!r}")
    return words


def _check_matrix(matrix, n_words, what="matrix"):
    matrix = np.asarray(matrix)
    if matrix.dtype != np.float32 and matrix.dtype != np.float64:
        raise TypeError(
            f"{what} must be float32 or float64 (native byte order), got {matrix.dtype}; "
            f"use {what}.astype(np.float32)"
        )
    if matrix.ndim != 2:
        raise ValueError(f"{what} must be 2-D (words, dim), got shape {matrix.shape}")
    if matrix.shape[0] != n_words:
        raise ValueError(
            f"{what} has {matrix.shape[0]} rows but there are {n_words} words"
        )
    return matrix


class Vectors:
    """Word vectors: ``words``, a ``(V, D)`` ``matrix`` and ``index``.

    ``Vectors(words, matrix)`` keeps ``matrix`` as given (no copy): row ``i``
    is the vector of ``words[i]``; ``index`` maps each word to its row.
    Words must be unique. ``load_word2vec`` returns a ``Vectors``.

    Cosine similarities follow gensim's ``KeyedVectors``. The row norms are
    computed on the first query and kept; after changing ``matrix`` in
    place, call ``clear_cache()``. A row of zeros has cosine 0 with
    everything.

    >>> import numpy as np, cembed
    >>> v = cembed.Vectors(["king", "queen", "apple"],
    ...                    np.array([[1, 0.9], [0.9, 1], [-1, 0.2]], dtype=np.float32))
    >>> v.index["queen"], v.dim, len(v), "king" in v
    (1, 2, 3, True)
    >>> [(w, round(c, 3)) for w, c in v.most_similar("king", topn=2)]
    [('queen', 0.994), ('apple', -0.598)]
    """

    def __init__(self, words, matrix):
        words = _check_words(words)
        matrix = _check_matrix(matrix, len(words))
        index = {}
        for i, w in enumerate(words):
            j = index.setdefault(w, i)
            if j != i:
                raise ValueError(f"duplicate word {w!r} at positions {j} and {i}")
        self._set(words, index, matrix)

    @classmethod
    def _from_parts(cls, words, index, matrix):
        self = cls.__new__(cls)
        self._set(words, index, matrix)
        return self

    def _set(self, words, index, matrix):
        self.words = words
        self.index = index
        self.matrix = matrix
        self._norms = None

    # ------------------------------------------------------------ basics
    @property
    def dim(self):
        """The vector size ``D``.

        >>> import numpy as np, cembed
        >>> cembed.Vectors(["a"], np.zeros((1, 4))).dim
        4
        """
        return self.matrix.shape[1]

    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self.index

    def __iter__(self):
        return iter(self.words)

    def __getitem__(self, word):
        """The vector of ``word`` (a view of its row); ``KeyError`` if absent."""
        return self.matrix[self._row(word)]

    def __repr__(self):
        return f"Vectors({len(self.words)} words x {self.dim}, {self.matrix.dtype})"

    def _row(self, word):
        try:
            return self.index[word]
        except KeyError:
            raise KeyError(f"word {word!r} is not in the vectors") from None
        except TypeError:
            raise TypeError(f"a word must be a str, got {type(word).__name__}") from None

    def clear_cache(self):
        """Forget the row norms (call it after changing ``matrix`` in place).

        >>> import numpy as np, cembed
        >>> v = cembed.Vectors(["a", "b"], np.float32([[1, 0], [1, 1]]))
        >>> v.most_similar("a")[0][0]
        'b'
        >>> v.matrix[1] = [0, 1]; v.clear_cache()
        >>> v.most_similar("a")
        [('b', 0.0)]
        """
        self._norms = None

    def _row_norms(self):
        if self._norms is None:
            self._norms = similarity.row_norms(self.matrix)
        return self._norms

    def _query(self, word_or_vector, what):
        if isinstance(word_or_vector, str):
            row = self._row(word_or_vector)
            return self.matrix[row], row
        return similarity.check_query(word_or_vector, self.dim, what), None

    # ------------------------------------------------------------ queries
    def most_similar(self, word_or_vector, topn=10):
        """The ``topn`` words nearest by cosine, as ``[(word, cosine), ...]``.

        Best first; ties in row order. A word as query is left out of its
        own result (as gensim's ``most_similar``), a vector is not.
        ``topn=None`` ranks every word. A zero query vector has no
        direction: ``ValueError``.

        >>> import numpy as np, cembed
        >>> v = cembed.Vectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
        >>> v.most_similar([1, 1, 0], topn=2)
        [('a', 0.7071067690849304), ('b', 0.7071067690849304)]
        """
        q, exclude = self._query(word_or_vector, "word_or_vector")
        rows, cosines = similarity.most_similar(self.matrix, q, topn, exclude, self._row_norms())
        words = self.words
        return [(words[i], c) for i, c in zip(rows.tolist(), cosines.tolist())]

    def similarity(self, a, b):
        """The cosine similarity of two words (or vectors); 0.0 if one is zero.

        >>> import numpy as np, cembed
        >>> v = cembed.Vectors(["x", "y"], np.array([[1, 0], [1, 1]], dtype=np.float32))
        >>> round(v.similarity("x", "y"), 4)
        0.7071
        """
        va, _ = self._query(a, "a")
        vb, _ = self._query(b, "b")
        va = np.asarray(va, dtype=np.float64)
        vb = np.asarray(vb, dtype=np.float64)
        na, nb = np.linalg.norm(va), np.linalg.norm(vb)
        if na == 0 or nb == 0:
            return 0.0
        return float(np.dot(va, vb) / (na * nb))

    # ---- analogy evaluation (logic in cembed.analogies)
    def evaluate_word_analogies(self, path, restrict_vocab=300000, case_insensitive=True):
        """gensim's analogy evaluation (``questions-words.txt``); see
        :func:`cembed.analogies.evaluate_word_analogies`.

        >>> import numpy as np, os, tempfile, cembed
        >>> v = cembed.Vectors(["a", "b", "c", "d"], np.float32([[1, 0], [1, 1], [2, 0], [2, 1]]))
        >>> path = os.path.join(tempfile.mkdtemp(), "q.txt")
        >>> _ = open(path, "w").write(": s\\na b c d\\n")
        >>> v.evaluate_word_analogies(path)[0]
        1.0
        """
        from cembed.analogies import evaluate_word_analogies

        return evaluate_word_analogies(self, path, restrict_vocab, case_insensitive)

    # ------------------------------------------------------------ tables
    def embedding_matrix(self, word_index, num_words=None, initializer="uniform", seed=None):
        """The initial table of an ``Embedding`` for a tokenizer's ``word_index``.

        Returns ``(matrix, n_found)``. ``matrix`` has shape
        ``(len(word_index) + 1, D)``, or ``(num_words, D)`` as Keras'
        ``Tokenizer(num_words=...)`` (words whose index is ``>= num_words``
        are left out), and the dtype of these vectors. Row ``i`` is the
        vector of the word with index ``i``; row 0 (padding) is zeros; rows
        of words not in the vectors are drawn from ``initializer``, which
        takes what ``Embedding``'s ``embeddings_initializer`` takes
        (:mod:`cembed.initializers`): ``"uniform"`` U(-0.05, 0.05) as Keras,
        ``"normal"`` N(0, 0.05²), ``"zeros"``, ``"ones"``,
        ``"glorot_uniform"``, an initializer object, a callable
        ``f(shape, rng)`` or an array of the table's shape. ``seed`` makes
        them reproducible: the table is drawn whole, as
        ``Embedding(len(matrix), D, seed=seed, dtype=...)`` draws it, before
        the found rows and row 0 are written. ``n_found`` counts the rows
        taken from the vectors.

        >>> import numpy as np, cembed
        >>> v = cembed.Vectors(["cat", "dog"], np.ones((2, 3), dtype=np.float32))
        >>> m, found = v.embedding_matrix({"dog": 1, "unicorn": 2}, initializer="zeros")
        >>> m.shape, found, m[1].tolist(), m[2].tolist()
        ((3, 3), 1, [1.0, 1.0, 1.0], [0.0, 0.0, 0.0])
        """
        if not isinstance(word_index, dict):
            word_index = dict(word_index)
        if num_words is None:
            rows = len(word_index) + 1
        elif not is_int(num_words):
            raise TypeError(f"num_words must be an int or None, got {type(num_words).__name__}")
        elif num_words < 1:
            raise ValueError(f"num_words must be >= 1 (row 0 is padding), got {num_words}")
        else:
            rows = int(num_words)
        rng = np.random.default_rng(seed)
        table = initializers.initial_table(initializer, (rows, self.dim), self.matrix.dtype, rng)
        dst, src = [], []
        index = self.index
        for word, i in word_index.items():
            if not is_int(i):
                raise TypeError(f"word_index values must be ints; {word!r} maps to {i!r}")
            if i < 1:
                raise ValueError(f"word_index value {i} for {word!r}: indices start at 1 (0 is padding)")
            if i >= rows:
                continue
            r = index.get(word)
            if r is not None:
                dst.append(i)
                src.append(r)
        if dst:
            table[np.asarray(dst, dtype=np.int64)] = self.matrix[np.asarray(src, dtype=np.int64)]
        table[0] = 0
        return table, len(dst)

    def quantize(self, dtype):
        """The same words over a compact table (:func:`cembed.quantize`):
        smaller, read-only; neighbours are ranked on the dequantized rows.

        >>> import numpy as np, cembed
        >>> v = cembed.Vectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
        >>> v.quantize("int8").most_similar("a", topn=1)[0][0] in ("b", "c")
        True
        """
        from cembed.compact import quantize_vectors

        return quantize_vectors(self, dtype)

    def save(self, path, binary=False):
        """``save_word2vec(path, self.words, self.matrix, binary)``.

        >>> import os, tempfile, numpy as np, cembed
        >>> path = os.path.join(tempfile.mkdtemp(), "v.bin")
        >>> cembed.Vectors(["a"], np.float32([[0.5, 2]])).save(path, binary=True)
        >>> cembed.load_word2vec(path).matrix.tolist()
        [[0.5, 2.0]]
        """
        save_word2vec(path, self.words, self.matrix, binary=binary)


# ---------------------------------------------------------------- files

def _fs_path(path):
    try:
        fspath = os.fspath(path)
    except TypeError:
        raise TypeError(f"path must be a str, bytes or os.PathLike, got {type(path).__name__}") from None
    return os.fsencode(fspath), os.fsdecode(fspath)


def load_word2vec(path, binary=None, limit=None, encoding="utf-8", unicode_errors="strict"):
    """Read word vectors from a word2vec, GloVe or fastText file.

    Formats: word2vec text (a ``"V D"`` header line, then ``word x1 ... xD``
    lines), word2vec binary (the header, then ``word``, a space and ``D``
    little-endian float32s for each word, with or without a newline after
    each vector), GloVe (text without header; ``D`` is the number of numbers
    that end line 1) and fastText ``.vec`` (word2vec text).
    ``binary=None`` detects the format: a file with a header is binary
    unless the line after it reads as a text row, or the start of the file
    is plain UTF-8 text (then a malformed text row is reported as such; a
    binary file whose vector bytes happen to be printable needs
    ``binary=True``). ``limit`` reads only the first ``limit`` vectors.

    Text rows are split at ASCII white space; a row with more fields than
    ``D + 1`` holds a word with spaces in it (GloVe 840B has some): the last
    ``D`` fields are the vector and the word is everything before them, as
    written. Numbers follow Python's ``float()`` (no underscores), whatever
    the C locale, rounded to float32 as NumPy (and gensim) do. Blank lines
    are skipped; a UTF-8 byte order mark is ignored.

    Words are decoded with ``encoding`` (ASCII-compatible) and
    ``unicode_errors`` (``"strict"``, ``"ignore"``, ``"replace"``, ...):
    word2vec.c cuts long words inside multi-byte characters. A word that
    comes again keeps its first vector, with a warning. The matrix is
    float32, as gensim's.

    A malformed file raises ``ValueError`` naming the line (or, in binary
    files, the byte offset) and nothing is returned: a bad or missing
    header, a short or long row, a value that is not a number, a header
    count larger than the file, a truncated binary file. A header count
    smaller than the file reads that many vectors, as gensim and word2vec.c.

    >>> import os, tempfile, cembed
    >>> path = os.path.join(tempfile.mkdtemp(), "glove.txt")
    >>> with open(path, "w") as f:
    ...     _ = f.write("the 0.5 -1.25\\nnew york 1e-3 2\\n")
    >>> v = cembed.load_word2vec(path)
    >>> v.words, v.matrix.tolist()
    (['the', 'new york'], [[0.5, -1.25], [0.0010000000474974513, 2.0]])
    """
    bpath, name = _fs_path(path)
    if binary is None:
        mode = -1
    elif isinstance(binary, (bool, np.bool_)):
        mode = int(bool(binary))
    else:
        raise TypeError(f"binary must be True, False or None, got {binary!r}")
    if limit is None:
        climit = -1
    elif not is_int(limit):
        raise TypeError(f"limit must be an int or None, got {type(limit).__name__}")
    elif limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    else:
        climit = min(int(limit), 2**62)
    if not isinstance(encoding, str):
        raise TypeError(f"encoding must be a str, got {type(encoding).__name__}")
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise ValueError(f"unknown encoding {encoding!r}") from None
    probe = " \t\n0123456789.+-eE"
    try:
        ascii_ok = probe.encode(info.name) == probe.encode("ascii")
    except (UnicodeError, TypeError, LookupError):
        ascii_ok = False
    if not ascii_ok:
        raise ValueError(f"encoding {encoding!r} is not ASCII-compatible; vector files need one")
    if not isinstance(unicode_errors, str):
        raise TypeError(f"unicode_errors must be a str, got {type(unicode_errors).__name__}")
    try:
        codecs.lookup_error(unicode_errors)
    except LookupError:
        raise ValueError(
            f"unicode_errors must be 'strict', 'ignore', 'replace' or another error handler, "
            f"got {unicode_errors!r}"
        ) from None

    words, index, matrix, duplicates = _vectors.load(
        bpath, name, mode, climit, info.name, unicode_errors
    )
    if duplicates:
        shown = ", ".join(f"{w!r} ({a}, again {b})" for w, a, b in duplicates[:5])
        more = f" and {len(duplicates) - 5} more" if len(duplicates) > 5 else ""
        warnings.warn(
            f"{name}: {len(duplicates)} duplicate word(s) kept their first vector: {shown}{more}",
            UserWarning,
            stacklevel=2,
        )
    return Vectors._from_parts(words, index, matrix)


def save_word2vec(path, words, matrix=None, binary=False):
    """Write words and their vectors as a word2vec text or binary file.

    ``words`` is a sequence of str and ``matrix`` a ``(len(words), D)``
    float32 or float64 array (or pass one :class:`Vectors` as ``words``).
    Values are written as float32, the type of the binary format; text
    uses the shortest decimal (at most 9 significant digits) that reads
    back to the same float32, so every format round-trips exactly. Binary
    files have word2vec.c's layout (a newline after each vector). Words must
    be unique and non-empty, without newlines, and what each format can
    read back: no spaces in binary files, no white space at either end in
    text files; otherwise ``ValueError`` before anything is written.

    The file is written atomically: to a temporary file in the same
    folder, then renamed over ``path``, so a crash leaves the previous file.
    A file replaced keeps its permissions.

    >>> import os, tempfile, numpy as np, cembed
    >>> path = os.path.join(tempfile.mkdtemp(), "vectors.txt")
    >>> cembed.save_word2vec(path, ["hello", "world"], np.array([[0.1, 2], [3, -4.5]]))
    >>> print(open(path).read(), end="")
    2 2
    hello 0.1 2
    world 3 -4.5
    >>> cembed.load_word2vec(path).matrix.tolist() == np.float32([[0.1, 2], [3, -4.5]]).tolist()
    True
    """
    if isinstance(words, Vectors):
        if matrix is not None:
            raise TypeError("pass either a Vectors or words and matrix, not both")
        words, matrix = words.words, words.matrix
    elif matrix is None:
        raise TypeError("save_word2vec() needs words and matrix (or one Vectors)")
    if not isinstance(binary, (bool, np.bool_)):
        raise TypeError(f"binary must be True or False, got {binary!r}")
    words = _check_words(words)
    matrix = _check_matrix(matrix, len(words))
    n, dim = matrix.shape
    if dim < 1:
        raise ValueError("matrix must have at least one column")
    check_rows_contiguous("matrix", matrix)
    seen = {}
    for i, w in enumerate(words):
        j = seen.setdefault(w, i)
        if j != i:
            raise ValueError(f"duplicate word {w!r} at positions {j} and {i}")
    for i, w in enumerate(words):
        try:
            w.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(f"word {i} ({w!r}) cannot be encoded as UTF-8: {exc.reason}") from None
    _vectors.check_words(words, bool(binary))

    bpath, name = _fs_path(path)
    with atomic_replace(bpath) as tmp:
        _vectors.save(tmp, name, words, matrix, bool(binary))
