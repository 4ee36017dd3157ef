# cython: language_level=3
"""The binding of cembed's text core (src_c/tokenize.c, vocab.c, sequence.c).

Python (cembed.text, cembed.sequence) decides which texts can take the C
path; this module turns Python strings into UTF-8 pointers, runs the C scan
without the GIL, and turns its results back into Python objects. A text the
C path cannot take exactly is reported back (as None in a result list, or
by stopping early), and the caller handles it with Keras' own algorithm.
"""
import gc
from collections import defaultdict

import numpy as np

cimport numpy as cnp
from cpython.dict cimport PyDict_GetItem, PyDict_Next
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE, PyList_New, PyList_SET_ITEM
from cpython.long cimport PyLong_AsLongLongAndOverflow, PyLong_CheckExact, PyLong_FromLongLong
from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE
from libc.stdint cimport INT32_MAX, INT32_MIN, int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset

from libcembed cimport *

from cembed._core cimport num_threads

# This module links its own copy of src_c/isa.c: run the path cembed._core
# chose at import (where CEMBED_ISA is checked), whatever the environment says now.
from cembed._core import _isa_name
cembed_isa_select(_isa_name().encode())

cnp.import_array()

cdef extern from "Python.h":
    # borrowed-pointer forms, to scan list items without reference counting
    PyObject **PySequence_Fast_ITEMS(object o)
    bint PyLong_CheckExact_p "PyLong_CheckExact"(PyObject *o)
    long long PyLong_AsLongLongAndOverflow_p "PyLong_AsLongLongAndOverflow"(PyObject *o,
                                                                          int *overflow)
    const char *PyUnicode_AsUTF8AndSize(object s, Py_ssize_t *size) except NULL
    object PyUnicode_DecodeUTF8(const char *s, Py_ssize_t size, const char *errors)
    bint PyUnicode_IS_ASCII(object s)

# Texts handed to C in one call: enough to amortize the call and to share
# among threads, few enough to keep the results of a call small.
cdef enum:
    CHUNK = 4096
cdef Py_ssize_t CHUNK_BYTES = 1 << 22


cdef inline void _sync_threads() noexcept:
    """Give the text core the thread count cembed.set_num_threads chose
    (each extension module holds its own copy of src_c/parallel.c)."""
    cembed_set_num_threads(num_threads())


cdef inline int _check(int status) except -1:
    if status == CEMBED_OK:
        return 0
    if status == CEMBED_ERR_NOMEM:
        raise MemoryError("cembed: out of memory in the text core")
    raise ValueError(f"cembed: the text core failed with status {status}")


cdef class Analyzer:
    """Keras' default analyzer for given filters, split and lower, in C.

    Build it with :func:`make_analyzer`, which returns None for options the
    C scan cannot reproduce exactly.
    """
    cdef cembed_analyzer c
    cdef object _wide        # np.uint32 array behind c.wide_delims
    cdef bytes _separator    # behind c.separator
    cdef readonly bint lower
    cdef readonly object translate_map   # the pre-pass of separator mode

    def __cinit__(self):
        memset(&self.c, 0, sizeof(cembed_analyzer))


def make_analyzer(filters, split, lower, char_level=False):
    """An Analyzer doing exactly what Keras does with these options, or None."""
    cdef Analyzer an = Analyzer()
    an.lower = bool(lower)
    if char_level:
        an.c.mode = CEMBED_SPLIT_CHARS
        return an
    if not isinstance(split, str) or len(split) == 0 or not isinstance(filters, str):
        return None
    try:
        split.encode("utf-8")
    except UnicodeEncodeError:
        return None
    if len(split) == 1:
        an.c.mode = CEMBED_SPLIT_DELIMS
        wide = sorted({ord(ch) for ch in filters + split if ord(ch) >= 128})
        for ch in filters + split:
            if ord(ch) < 128:
                an.c.ascii_delims[ord(ch)] = 1
        an._wide = np.asarray(wide, dtype=np.uint32)
        an.c.num_wide_delims = len(wide)
        if wide:
            an.c.wide_delims = <const uint32_t *> cnp.PyArray_DATA(an._wide)
    else:
        # Keras replaces every filter by the (multi-character) split and
        # then splits: the replacement runs in Python, the split in C.
        an.c.mode = CEMBED_SPLIT_SEPARATOR
        an.translate_map = str.maketrans({ch: split for ch in filters})
        an._separator = split.encode("utf-8")
        an.c.separator = an._separator
        an.c.separator_len = len(an._separator)
    return an


cdef int _prepare(Analyzer an, object text, list keep, const char **ptr, int64_t *length,
                  uint8_t *lower) except -1:
    """Point ptr at the UTF-8 bytes C should scan for text; 0 if it can't."""
    cdef Py_ssize_t size
    cdef object t = text
    if not isinstance(text, str):
        return 0
    lower[0] = 0
    if an.translate_map is not None:
        if an.lower:
            t = t.lower()
        t = t.translate(an.translate_map)
    elif an.lower:
        if PyUnicode_IS_ASCII(t):
            lower[0] = 1
        else:
            t = t.lower()
    if PyUnicode_IS_ASCII(t):
        # the UTF-8 of an ASCII string is its own buffer: no copy
        ptr[0] = PyUnicode_AsUTF8AndSize(t, &size)
    else:
        try:
            # a temporary bytes object, so that the caller's strings don't
            # grow a cached UTF-8 copy
            t = t.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: Python handles it
            return 0
        ptr[0] = <const char *> t
        size = len(t)
    keep.append(t)
    length[0] = size
    return 1


cdef class _Texts:
    """C arrays describing a chunk of texts for one C call."""
    cdef const char **ptrs
    cdef int64_t *lens
    cdef uint8_t *lower
    cdef int64_t *offsets
    cdef Py_ssize_t n
    cdef Py_ssize_t nbytes
    cdef list keep

    def __cinit__(self, Py_ssize_t cap):
        self.ptrs = <const char **> malloc((cap + 1) * sizeof(char *))
        self.lens = <int64_t *> malloc((cap + 1) * sizeof(int64_t))
        self.lower = <uint8_t *> malloc((cap + 1) * sizeof(uint8_t))
        self.offsets = <int64_t *> malloc((cap + 2) * sizeof(int64_t))
        if not self.ptrs or not self.lens or not self.lower or not self.offsets:
            raise MemoryError()
        self.n = 0
        self.nbytes = 0
        self.keep = []

    def __dealloc__(self):
        free(self.ptrs)
        free(self.lens)
        free(self.lower)
        free(self.offsets)

    cdef int add(self, Analyzer an, object text) except -1:
        cdef int ok = _prepare(an, text, self.keep, &self.ptrs[self.n], &self.lens[self.n],
                               &self.lower[self.n])
        if ok:
            self.nbytes += self.lens[self.n]
            self.n += 1
        return ok

    cdef void add_empty(self):
        """An empty text in the next place (one that Python handles)."""
        self.ptrs[self.n] = ""
        self.lens[self.n] = 0
        self.lower[self.n] = 0
        self.n += 1

    cdef bint full(self):
        return self.n == CHUNK or self.nbytes >= CHUNK_BYTES

    cdef void reset(self):
        self.n = 0
        self.nbytes = 0
        self.keep = []


# ------------------------------------------------------------------ fitting

cdef class _Fit:
    """The counting loop of one fit_on_texts call: token counts and document
    counts in a C vocabulary (first-seen order), moved into the tokenizer's
    dictionaries before a text that Python counts, and at the end."""
    cdef cembed_vocab *v
    cdef int64_t doc
    cdef _Texts texts
    cdef Analyzer an
    cdef object tok

    def __cinit__(self, tok, Analyzer an):
        self.v = cembed_vocab_new()
        if self.v == NULL:
            raise MemoryError()
        self.doc = 0
        self.texts = _Texts(CHUNK)
        self.an = an
        self.tok = tok

    def __dealloc__(self):
        cembed_vocab_free(self.v)

    cdef int count_chunk(self) except -1:
        """Count the texts gathered so far, in one call into C."""
        cdef _Texts t = self.texts
        cdef int status
        if t.n == 0:
            return 0
        with nogil:
            status = cembed_vocab_count_texts(self.v, &self.an.c, t.ptrs, t.lens, t.lower, t.n,
                                              self.doc, NULL)
        self.doc += t.n
        self.tok.document_count += t.n
        t.reset()
        return _check(status)

    cdef int count_tokens(self, list tokens) except -1:
        """Count one document given as a list of str tokens (already
        lowercased); 0, counting nothing, if a token is not UTF-8 text."""
        cdef Py_ssize_t n = len(tokens), i
        for tok in tokens:
            if not isinstance(tok, str):
                return 0  # Keras counts such tokens as they are
        try:
            encoded = [str.encode(tok, "utf-8") for tok in tokens]
        except UnicodeEncodeError:  # lone surrogates
            return 0
        cdef cnp.ndarray offsets = np.zeros(n + 1, dtype=np.int64)
        cdef int64_t *off = <int64_t *> cnp.PyArray_DATA(offsets)
        for i in range(n):
            off[i + 1] = off[i] + len(<bytes> encoded[i])
        cdef bytes buf = b"".join(encoded)
        cdef const char *p = buf
        cdef int status
        with nogil:
            status = cembed_vocab_count_tokens(self.v, p, off, n, self.doc)
        self.doc += 1
        _check(status)
        return 1

    cdef int count_python(self, text) except -1:
        """Keras' algorithm for one item the C scan cannot take: a token
        list, or a text under options only Python reproduces."""
        tok = self.tok
        tok.document_count += 1
        seq = tok._sequence_of(text)
        if not (isinstance(text, list) and self.count_tokens(seq)):
            self.merge()
            tok._count_python(seq)
        return 0

    cdef int merge(self) except -1:
        """Add the counts to Keras' word_counts (new words appended in
        first-seen order) and word_docs, then start afresh."""
        cdef int64_t i, n = cembed_vocab_size(self.v), key_len, value, count, docs
        cdef const char *key
        word_counts, word_docs = self.tok.word_counts, self.tok.word_docs
        try:
            for i in range(n):
                cembed_vocab_entry(self.v, i, &key, &key_len, &value, &count, &docs)
                w = PyUnicode_DecodeUTF8(key, key_len, NULL)
                _add_count(word_counts, w, count)
                _add_count(word_docs, w, docs)
        finally:
            cembed_vocab_clear(self.v)
        return 0


def fit_on_texts(tok, Analyzer an, texts):
    """Keras' counting loop of ``Tokenizer.fit_on_texts`` over the iterable
    ``texts``: ``tok.document_count``, ``tok.word_counts`` and
    ``tok.word_docs`` grow as Keras' do. Texts the analyzer ``an`` takes
    (``an`` may be None) are counted in C, a chunk of texts per call; other
    items go to ``tok._sequence_of`` and are counted in their place, so
    the first-seen order is Keras'. Texts taken from the iterator are
    counted even when it raises, as Keras has counted them by then."""
    cdef _Fit fit = _Fit(tok, an)
    cdef _Texts t = fit.texts
    try:
        for text in texts:
            if an is not None and t.add(an, text):
                if t.full():
                    fit.count_chunk()
            else:
                fit.count_chunk()
                fit.count_python(text)
    finally:
        try:
            fit.count_chunk()
        finally:
            fit.merge()


cdef inline int _add_count(counts, w, int64_t c) except -1:
    """Keras' ``counts[w] = counts[w] + c if w in counts else c``, with the
    read through the C API for dictionaries (OrderedDict and defaultdict
    store their items in the dict itself)."""
    cdef PyObject *old
    if isinstance(counts, dict):
        old = PyDict_GetItem(counts, w)
        if old == NULL:
            counts[w] = c
        else:
            counts[w] = <object> old + c
    elif w in counts:
        counts[w] += c
    else:
        counts[w] = c
    return 0


def set_index_docs(index_docs, word_docs, word_index):
    """Keras' ``for w, c in word_docs.items(): index_docs[word_index[w]] = c``,
    without the Python loop for plain dictionaries."""
    cdef Py_ssize_t pos = 0
    cdef PyObject *key
    cdef PyObject *value
    cdef PyObject *index
    if not (type(word_docs) in (dict, defaultdict) and type(word_index) is dict
            and type(index_docs) in (dict, defaultdict)):
        for w, c in list(word_docs.items()):
            index_docs[word_index[w]] = c
        return
    while PyDict_Next(word_docs, &pos, &key, &value):
        index = PyDict_GetItem(word_index, <object> key)
        if index == NULL:
            word_index[<object> key]  # raises Keras' KeyError
        index_docs[<object> index] = <object> value


# ------------------------------------------------------------------ lookup

def total_length(list texts):
    """The summed length of the str items of texts."""
    cdef Py_ssize_t total = 0, i
    cdef object t
    for i in range(len(texts)):
        t = <object> PyList_GET_ITEM(texts, i)
        if isinstance(t, str):
            total += len(<str> t)
    return total


cdef class Lookup:
    """word_index in a C hash table, with the value objects by entry id.

    `snapshot` is a copy of the word_index it was built from: the caller
    uses the table only while the live word_index still equals it.
    """
    cdef cembed_vocab *v
    cdef list values
    cdef readonly object snapshot
    cdef readonly int64_t min_value, max_value   # of the values (0, 0 when empty)
    cdef cnp.ndarray value_of                    # the values as int64, by entry id

    def __cinit__(self):
        self.v = cembed_vocab_new()
        if self.v == NULL:
            raise MemoryError()
        self.values = []

    def __dealloc__(self):
        cembed_vocab_free(self.v)


def build_lookup(word_index):
    """A Lookup for word_index, or None when a value is not a Python int
    of int64 range (then only Python reproduces Keras' output)."""
    cdef Lookup lk = Lookup()
    cdef int64_t id_, value
    cdef int overflow
    cdef bytes b
    cdef const char *p
    cdef Py_ssize_t size
    for key, val in word_index.items():
        if not PyLong_CheckExact(val):
            return None
        value = PyLong_AsLongLongAndOverflow(val, &overflow)
        if overflow:
            return None
        if not isinstance(key, str):
            continue  # a token is always a str: such a key never matches
        if PyUnicode_IS_ASCII(key):
            p = PyUnicode_AsUTF8AndSize(key, &size)  # its own buffer, no copy
        else:
            try:
                b = str.encode(key, "utf-8")
            except UnicodeEncodeError:
                continue  # texts with lone surrogates take the Python path
            p = b
            size = len(b)
        if not lk.values or value < lk.min_value:
            lk.min_value = value
        if not lk.values or value > lk.max_value:
            lk.max_value = value
        _check(cembed_vocab_insert(lk.v, p, size, value, &id_))
        if id_ == len(lk.values):
            lk.values.append(val)
        else:
            lk.values[id_] = val
    lk.value_of = np.array(lk.values, dtype=np.int64)
    lk.snapshot = dict(word_index)
    return lk


def lookup_valid(Lookup lk, word_index):
    """Whether word_index still has exactly the keys and the very value
    objects that lk was built from (O(len(word_index)), no Python calls)."""
    if not isinstance(word_index, dict) or len(word_index) != len(lk.snapshot):
        return False
    cdef Py_ssize_t pos = 0, pos_s = 0
    cdef PyObject *key
    cdef PyObject *value
    cdef PyObject *key_s
    cdef PyObject *value_s
    cdef PyObject *old
    cdef dict snapshot = lk.snapshot
    # the same key and value objects in the same order (a dict left alone):
    # pointer comparisons only, no hash lookups (10 ms for 90,000 words)
    while PyDict_Next(word_index, &pos, &key, &value):
        PyDict_Next(snapshot, &pos_s, &key_s, &value_s)
        if key != key_s or value != value_s:
            break
    else:
        return True
    # else a lookup of each key
    pos = 0
    while PyDict_Next(word_index, &pos, &key, &value):
        old = PyDict_GetItem(snapshot, <object> key)
        if old == NULL or old != value:
            return False
    return True


cdef list _results(cembed_i64vec *out, int64_t *offsets, Py_ssize_t n, list objects,
                   object oov):
    """Lists of Python objects for C's numbers: objects[id] (oov for -2),
    or, when objects is None, the numbers themselves as ints."""
    # these lists hold only ints, so they can't make cycles: the cyclic GC,
    # triggered by every 700 new lists, would only waste time on them
    cdef bint gc_was_enabled = gc.isenabled()
    if gc_was_enabled:
        gc.disable()
    try:
        return _results_nogc(out, offsets, n, objects, oov)
    finally:
        if gc_was_enabled:
            gc.enable()


cdef list _results_nogc(cembed_i64vec *out, int64_t *offsets, Py_ssize_t n, list objects,
                        object oov):
    cdef list res = PyList_New(n)
    cdef Py_ssize_t d, k, m
    cdef int64_t code
    cdef bint ints = objects is None
    cdef list row
    cdef object o
    for d in range(n):
        m = offsets[d + 1] - offsets[d]
        row = PyList_New(m)
        for k in range(m):
            code = out.data[offsets[d] + k]
            if ints:
                o = PyLong_FromLongLong(code)
            else:
                o = oov if code == -2 else <object> PyList_GET_ITEM(objects, code)
            Py_INCREF(o)
            PyList_SET_ITEM(row, k, o)
        Py_INCREF(row)
        PyList_SET_ITEM(res, d, row)
    return res


def lookup_texts(Lookup lk, Analyzer an, list texts, int64_t limit, oov):
    """Keras' texts_to_sequences for each text of `texts` that C can take.
    limit <= 0: no num_words limit; oov: the object emitted for unknown or
    over-limit words, or None to drop them. Returns (result, slow): slow
    lists the positions of the texts left for Python (None in result)."""
    cdef int64_t oov_code = -1 if oov is None else -2
    return _run_chunks(lk, an, texts, limit, oov_code, oov, 0, 0)


cdef tuple _run_chunks(Lookup lk, Analyzer an, list texts, int64_t limit, int64_t oov_code,
                       object oov, uint32_t seed, uint64_t modulus):
    """Run C over texts in chunks: lookups (lk given) or the hashing trick."""
    cdef Py_ssize_t n = len(texts), i = 0, j, start
    cdef list result = []
    cdef list slow = []
    cdef _Texts t = _Texts(CHUNK)
    cdef cembed_i64vec out
    cdef int status
    cdef list rows, positions
    out.data = NULL
    out.size = out.capacity = 0
    try:
        while i < n:
            t.reset()
            start = i
            positions = None
            while i < n and not t.full():
                if t.add(an, <object> PyList_GET_ITEM(texts, i)):
                    if positions is not None:
                        positions.append(i)
                else:
                    if positions is None:  # the first slow text of the chunk
                        positions = list(range(start, i))
                    slow.append(i)
                i += 1
            out.size = 0
            _sync_threads()
            if lk is not None:
                with nogil:
                    status = cembed_vocab_lookup_texts(lk.v, &an.c, t.ptrs, t.lens, t.lower,
                                                       t.n, limit, oov_code, &out, t.offsets)
                _check(status)
                rows = _results(&out, t.offsets, t.n, lk.values, oov)
            else:
                with nogil:
                    status = cembed_hash_texts(&an.c, t.ptrs, t.lens, t.lower, t.n, seed,
                                               modulus, &out, t.offsets)
                _check(status)
                rows = _results(&out, t.offsets, t.n, None, None)
            if positions is None:
                result.extend(rows)
            else:
                result.extend([None] * (i - start))
                for j in range(t.n):
                    result[<Py_ssize_t> positions[j]] = rows[j]
    finally:
        cembed_i64vec_free(&out)
    return result, slow


# ------------------------------------------------------------------ hashing

def hash_texts(Analyzer an, list texts, uint64_t modulus, uint32_t seed=0):
    """murmurhash3_32(token, seed) % modulus + 1 for the tokens of each text
    of `texts` that C can take. Returns (result, slow) as lookup_texts."""
    if modulus == 0:
        raise ValueError("modulus must be >= 1")
    return _run_chunks(None, an, texts, 0, -1, None, seed, modulus)


# ------------------------------------------------------------ padded arrays

cdef class TextBatch:
    """Texts as C sees them, for the padded-array functions: the texts the
    analyzer takes, and an empty text in the place of each other one (whose
    positions are in ``slow``, for Python to fill in)."""
    cdef _Texts t
    cdef Analyzer an
    cdef readonly list slow

    def __cinit__(self, Analyzer an, list texts):
        cdef Py_ssize_t i, n = len(texts)
        self.an = an
        self.t = _Texts(n)
        self.slow = []
        for i in range(n):
            if not self.t.add(an, <object> PyList_GET_ITEM(texts, i)):
                self.t.add_empty()
                self.slow.append(i)

    def __len__(self):
        return self.t.n

    def numbers(self, Lookup lk, int64_t limit, oov, uint64_t modulus):
        """Each text's numbers, as place() gives them, untruncated: (numbers,
        offsets), text i's being numbers[offsets[i]:offsets[i + 1]]."""
        cdef _Texts t = self.t
        cdef int64_t n = t.n, i, code, oov_value = 0 if oov is None else oov
        cdef cembed_i64vec out
        cdef int status
        cdef cnp.ndarray offsets = np.empty(n + 1, dtype=np.int64)
        cdef int64_t *off = <int64_t *> cnp.PyArray_DATA(offsets)
        cdef const int64_t *value_of
        if lk is None and modulus == 0:
            raise ValueError("modulus must be >= 1")
        out.data = NULL
        out.size = out.capacity = 0
        _sync_threads()
        try:
            if lk is not None:
                value_of = <const int64_t *> cnp.PyArray_DATA(lk.value_of)
                with nogil:
                    status = cembed_vocab_lookup_texts(lk.v, &self.an.c, t.ptrs, t.lens, t.lower,
                                                       n, limit, -1 if oov is None else -2, &out,
                                                       off)
                    if status == CEMBED_OK:
                        for i in range(out.size):
                            code = out.data[i]
                            out.data[i] = oov_value if code == -2 else value_of[code]
            else:
                with nogil:
                    status = cembed_hash_texts(&self.an.c, t.ptrs, t.lens, t.lower, n, 0, modulus,
                                               &out, off)
            _check(status)
            numbers = np.empty(out.size, dtype=np.int64)
            if out.size:
                memcpy(cnp.PyArray_DATA(numbers), out.data, out.size * sizeof(int64_t))
        finally:
            cembed_i64vec_free(&out)
        return numbers, offsets

    def place(self, Lookup lk, int64_t limit, oov, uint64_t modulus, cnp.ndarray out,
              bint pad_post, bint truncate_post, bint lengths):
        """Write each text's numbers into its row of ``out`` (int32 or int64,
        (n, maxlen), C-contiguous, filled with the padding value), or only
        measure them when ``out`` is None. With ``lk``, a token gives its
        word_index value (``limit`` and ``oov`` as in lookup_texts, ``oov``
        the value itself); else its MurmurHash3 % modulus + 1. Returns the
        texts' full sequence lengths (int64) when ``lengths``, else None."""
        cdef cembed_padded p
        cdef int64_t n = self.t.n, oov_value = 0
        cdef const int64_t *oov_ptr = NULL
        cdef cnp.ndarray seq_lens = np.empty(n, dtype=np.int64) if lengths else None
        cdef int64_t *lp = <int64_t *> cnp.PyArray_DATA(seq_lens) if lengths else NULL
        cdef int status
        memset(&p, 0, sizeof(p))
        if out is not None:
            if (out.ndim != 2 or out.shape[0] != n or not out.flags.c_contiguous
                    or out.dtype not in (np.int32, np.int64) or not out.dtype.isnative):
                raise ValueError("out must be a C-contiguous (n, maxlen) int32 or int64 array")
            p.out = cnp.PyArray_DATA(out)
            p.maxlen = out.shape[1]
            p.pad_post = pad_post
            p.truncate_post = truncate_post
            p.is_i64 = out.dtype == np.int64
        if oov is not None:
            oov_value = oov
            oov_ptr = &oov_value
        if lk is None and modulus == 0:
            raise ValueError("modulus must be >= 1")
        _sync_threads()
        cdef _Texts t = self.t
        if lk is not None:
            with nogil:
                status = cembed_vocab_lookup_padded(lk.v, &self.an.c, t.ptrs, t.lens, t.lower, n,
                                                    limit, oov_ptr, &p, lp)
        else:
            with nogil:
                status = cembed_hash_padded(&self.an.c, t.ptrs, t.lens, t.lower, n, 0, modulus,
                                            &p, lp)
        _check(status)
        return seq_lens


# ------------------------------------------------------------------ matrices

def count_rows(list sequences, double[:, ::1] x):
    """Count the entries j < num_words of each sequence into x[i, j].

    Handles rows that are lists or tuples of Python ints >= 0; returns
    (touched_rows, touched_cols, lengths, slow_rows): the cells set, the
    length of each sequence, and the rows left for Python.
    """
    cdef Py_ssize_t n = len(sequences), i, k, m, ntouch = 0
    cdef int64_t num_words = x.shape[1], j
    cdef int overflow
    cdef object seq, item
    cdef list slow = []
    cdef cnp.ndarray lengths = np.zeros(n, dtype=np.int64)
    cdef int64_t *lens = <int64_t *> cnp.PyArray_DATA(lengths)
    cdef cnp.ndarray ti = np.empty(1024, dtype=np.int64), tj = np.empty(1024, dtype=np.int64)
    cdef int64_t *pti = <int64_t *> cnp.PyArray_DATA(ti)
    cdef int64_t *ptj = <int64_t *> cnp.PyArray_DATA(tj)
    cdef bint is_list
    for i in range(n):
        seq = <object> PyList_GET_ITEM(sequences, i)
        is_list = type(seq) is list
        if not is_list and type(seq) is not tuple:
            slow.append(i)
            continue
        m = PyList_GET_SIZE(seq) if is_list else PyTuple_GET_SIZE(seq)
        lens[i] = m
        # check the row first, so that a row left to Python is untouched
        for k in range(m):
            item = <object> (PyList_GET_ITEM(seq, k) if is_list else PyTuple_GET_ITEM(seq, k))
            if not PyLong_CheckExact(item) or item < 0:
                break
        else:
            k = m
        if k < m:
            slow.append(i)
            continue
        for k in range(m):
            item = <object> (PyList_GET_ITEM(seq, k) if is_list else PyTuple_GET_ITEM(seq, k))
            j = PyLong_AsLongLongAndOverflow(item, &overflow)
            if overflow or j >= num_words:
                continue
            if x[i, j] == 0:
                if ntouch == ti.shape[0]:
                    ti = np.resize(ti, 2 * ntouch)
                    tj = np.resize(tj, 2 * ntouch)
                    pti = <int64_t *> cnp.PyArray_DATA(ti)
                    ptj = <int64_t *> cnp.PyArray_DATA(tj)
                pti[ntouch] = i
                ptj[ntouch] = j
                ntouch += 1
            x[i, j] += 1
    return ti[:ntouch], tj[:ntouch], lengths, slow


# ------------------------------------------------------------------ padding

def pad_int32(sequences, Py_ssize_t maxlen, bint pad_post, bint truncate_post,
              cnp.ndarray out):
    """Place Keras' truncated sequences into out (int32, (n, maxlen), already
    filled with the padding value). Takes rows that are lists or tuples of
    Python ints, or 1-D integer arrays; returns False, writing nothing, for
    anything else (then Keras' own algorithm decides, errors included)."""
    cdef Py_ssize_t n = len(sequences), i, k, m, lo, kept
    cdef object seq, item
    cdef int64_t v
    cdef int overflow
    cdef bint first = True
    cdef PyObject **items
    cdef list rows = []
    cdef cnp.ndarray offsets = np.zeros(n + 1, dtype=np.int64)
    cdef int64_t *off = <int64_t *> cnp.PyArray_DATA(offsets)
    # pass 1: the row types and the number of values kept
    for i in range(n):
        seq = sequences[i]
        if type(seq) is list:
            m = PyList_GET_SIZE(seq)
        elif type(seq) is tuple:
            m = PyTuple_GET_SIZE(seq)
        elif isinstance(seq, np.ndarray) and seq.ndim == 1 and seq.dtype.kind in "iu":
            m = seq.shape[0]
        else:
            return False
        rows.append(seq)
        off[i + 1] = off[i] + min(m, maxlen)
    cdef cnp.ndarray values = np.empty(max(off[n], 1), dtype=np.int32)
    cdef int32_t *val = <int32_t *> cnp.PyArray_DATA(values)
    # pass 2: check and gather the kept values
    for i in range(n):
        seq = <object> PyList_GET_ITEM(rows, i)
        kept = off[i + 1] - off[i]
        if type(seq) is list or type(seq) is tuple:
            items = PySequence_Fast_ITEMS(seq)
            m = len(seq)
            lo = 0 if truncate_post else m - kept
            if first and m:
                # Keras takes the sample shape from np.asarray(first row):
                # every value of that row must be a plain int
                first = False
                for k in range(m):
                    if not PyLong_CheckExact_p(items[k]):
                        return False
            for k in range(kept):
                if not PyLong_CheckExact_p(items[lo + k]):
                    return False
                v = PyLong_AsLongLongAndOverflow_p(items[lo + k], &overflow)
                if overflow or v < INT32_MIN or v > INT32_MAX:
                    return False  # NumPy refuses it: Keras' error follows
                val[off[i] + k] = <int32_t> v
        else:
            if seq.shape[0]:
                first = False
            # np.asarray(trunc, dtype=int32), as Keras: an unsafe cast
            values[off[i]:off[i + 1]] = np.asarray(
                seq[:maxlen] if truncate_post else seq[seq.shape[0] - kept:], dtype=np.int32)
    cdef int32_t *dst = <int32_t *> cnp.PyArray_DATA(out)
    with nogil:
        cembed_pad_place_i32(val, off, n, maxlen, pad_post, dst)
    return True
