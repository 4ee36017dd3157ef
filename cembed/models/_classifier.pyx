# cython: language_level=3, boundscheck=False, wraparound=False
"""The binding of cembed's text classifier core (src_c/classify.c).

cembed.models.classifier checks the arguments; this module hands texts to C
(UTF-8 pointers, a chunk of texts per call), runs the dictionary, the
training epochs and the prediction without the GIL, and returns NumPy
arrays.
"""
import os

import numpy as np

cimport numpy as cnp
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memset

from libcembed cimport *

# This module links its own copy of src_c/isa.c: run the path cembed._core
# chose at import (where CEMBED_ISA is checked), whatever the environment says now.
from cembed._core import _isa_name
cembed_isa_select(_isa_name().encode())

cnp.import_array()

cdef extern from "Python.h":
    const char *PyUnicode_AsUTF8AndSize(object s, Py_ssize_t *size) except NULL
    bint PyUnicode_IS_ASCII(object s)

# texts handed to C in one call (counting, encoding for training)
cdef enum:
    CHUNK = 4096
# texts handed to C in one prediction call: threads start once a call, so
# a call should hold many texts
cdef enum:
    PREDICT_CHUNK = 65536

LOSSES = {"softmax": CEMBED_FT_SOFTMAX, "hs": CEMBED_FT_HS, "ova": CEMBED_FT_OVA}
# input-table kinds: float32, or a compact table's dtype
KINDS = {"float32": CEMBED_FT_F32, "float16": CEMBED_COMPACT_F16, "bfloat16": CEMBED_COMPACT_BF16,
         "int8": CEMBED_COMPACT_INT8, "int4": CEMBED_COMPACT_INT4}


cdef int _check(int status, str what="") except -1:
    if status == CEMBED_OK:
        return 0
    if status == CEMBED_ERR_NOMEM:
        raise MemoryError("cembed: out of memory in the classifier core")
    raise ValueError(f"cembed: the classifier core failed with status {status}{what}")


cdef int _check_file(int status, cembed_w2v_error *err, object path) except -1:
    if status == CEMBED_OK:
        return 0
    if status == CEMBED_ERR_IO:
        raise OSError(err.sys_errno, os.strerror(err.sys_errno), os.fsdecode(path))
    if status == CEMBED_ERR_FORMAT:
        msg = err.message.decode("utf-8", "replace")
        raise ValueError(f"{os.fsdecode(path)}: {msg}")
    return _check(status)


# the file readers of the C core, run by _path_call
cdef enum:
    COUNT_FILE = 0
    ADD_FILE = 1
    READ_FILE = 2


cdef struct _file_args:
    cembed_ft_dict *d
    cembed_ft_data *x
    int64_t min_count
    int64_t min_count_label
    int64_t buckets
    int word_ngrams
    int64_t n


cdef int _file_call(int which, _file_args *a, const char *path,
                    cembed_w2v_error *err) noexcept nogil:
    if which == COUNT_FILE:
        return cembed_ft_dict_count_file(a.d, path, &a.n, err)
    if which == ADD_FILE:
        return cembed_ft_data_add_file(a.x, a.d, path, err)
    return cembed_ft_read_file(a.d, a.x, path, a.min_count, a.min_count_label, a.buckets,
                               a.word_ngrams, &a.n, err)


cdef int64_t _path_call(int which, _file_args *a, object path) except -1:
    """One of the C file readers on path, without the GIL; its errors
    raised; the number of examples it read (0 for ADD_FILE)."""
    cdef bytes p = os.fsencode(path)
    cdef const char *cp = p
    cdef cembed_w2v_error err
    cdef int st
    memset(&err, 0, sizeof(err))
    with nogil:
        st = _file_call(which, a, cp, &err)
    _check_file(st, &err, path)
    return a.n


cdef class _Chunk:
    """A chunk of texts as C sees them: str texts as UTF-8 pointers, or
    token lists packed into one buffer with offsets."""
    cdef const char **ptrs
    cdef int64_t *lens
    cdef uint8_t *lower
    cdef Py_ssize_t n
    cdef Py_ssize_t size
    cdef list keep
    cdef bint lowercase
    # token lists
    cdef bytearray buf
    cdef list tok_off
    cdef list text_off

    def __cinit__(self, bint lowercase, Py_ssize_t size):
        self.size = size
        self.ptrs = <const char **> malloc(size * sizeof(char *))
        self.lens = <int64_t *> malloc(size * sizeof(int64_t))
        self.lower = <uint8_t *> malloc(size * sizeof(uint8_t))
        if not self.ptrs or not self.lens or not self.lower:
            raise MemoryError()
        self.lowercase = lowercase
        self.n = 0
        self.keep = []
        self.buf = bytearray()
        self.tok_off = [0]
        self.text_off = [0]

    def __dealloc__(self):
        free(self.ptrs)
        free(self.lens)
        free(self.lower)

    cdef void reset(self):
        self.n = 0
        self.keep = []
        self.buf = bytearray()
        self.tok_off = [0]
        self.text_off = [0]

    cdef int add_str(self, str text) except -1:
        cdef Py_ssize_t size
        cdef object t = text
        self.lower[self.n] = 0
        if self.lowercase:
            if PyUnicode_IS_ASCII(t):
                self.lower[self.n] = 1
            else:
                t = t.lower()
        if PyUnicode_IS_ASCII(t):
            self.ptrs[self.n] = PyUnicode_AsUTF8AndSize(t, &size)
        else:
            t = t.encode("utf-8", "surrogatepass")
            self.ptrs[self.n] = <const char *> t
            size = len(t)
        self.keep.append(t)
        self.lens[self.n] = size
        self.n += 1
        return 0

    cdef int add_tokens(self, object tokens, Py_ssize_t position) except -1:
        for j, tok in enumerate(tokens):
            if not isinstance(tok, str):
                raise TypeError(
                    f"texts must be str or lists of str tokens; token {j} of text "
                    f"{position} is a {type(tok).__name__}: {tok!r}")
            self.buf += (<str> tok).encode("utf-8", "surrogatepass")
            self.tok_off.append(len(self.buf))
        self.text_off.append(len(self.tok_off) - 1)
        self.n += 1
        return 0


def _chunks(texts, bint lowercase, Py_ssize_t size=CHUNK):
    """Yield (chunk, tokens, first): runs of up to size texts of one kind
    (str, or token lists when tokens), the first being texts[first]. The
    consumer resets the chunk before asking for the next."""
    cdef _Chunk c = _Chunk(lowercase, size)
    cdef bint tokens = False
    cdef Py_ssize_t first = 0
    for i, t in enumerate(texts):
        is_str = isinstance(t, str)
        if c.n and (c.n == c.size or tokens == is_str):
            yield c, tokens, first
            first = i
        tokens = not is_str
        if is_str:
            c.add_str(t)
        else:
            c.add_tokens(t, i)
    if c.n:
        yield c, tokens, first


def _pack(strings):
    """(bytes, offsets): the UTF-8 of the strings end to end."""
    encoded = [w.encode("utf-8", "surrogatepass") for w in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    if encoded:
        np.cumsum([len(w) for w in encoded], out=offsets[1:])
    return b"".join(encoded), offsets


cdef class Dictionary:
    """fastText's dictionary: words and labels counted, then kept by count."""
    cdef cembed_ft_dict *d
    cdef readonly bint lowercase
    cdef readonly bytes label

    def __cinit__(self, bytes delim, bint lowercase, label=None):
        if len(delim) != 256:
            raise ValueError("delim must have 256 bytes")
        self.lowercase = lowercase
        self.label = label if label else b""
        self.d = cembed_ft_dict_new(<const uint8_t *> (<const char *> delim), self.label,
                                    len(self.label))
        if self.d == NULL:
            raise MemoryError()

    def __dealloc__(self):
        cembed_ft_dict_free(self.d)

    def count(self, texts):
        """Count the words (and labels) of texts: str or token lists."""
        for c, tokens, _ in _chunks(texts, self.lowercase):
            self._count_chunk(c, tokens)

    cdef int _count_chunk(self, _Chunk c, bint tokens) except -1:
        cdef int st
        cdef cnp.ndarray tok_off, text_off
        cdef const char *buf
        if tokens:
            tok_off = np.asarray(c.tok_off, dtype=np.int64)
            text_off = np.asarray(c.text_off, dtype=np.int64)
            buf = c.buf
            with nogil:
                st = cembed_ft_dict_count_tokens(self.d, buf, <int64_t *> cnp.PyArray_DATA(tok_off),
                                                 <int64_t *> cnp.PyArray_DATA(text_off), c.n)
        else:
            with nogil:
                st = cembed_ft_dict_count_texts(self.d, c.ptrs, c.lens, c.lower, c.n)
        c.reset()
        return _check(st)

    def count_file(self, path):
        """Count the words and labels of a fastText training file; returns
        the number of examples."""
        cdef _file_args a
        memset(&a, 0, sizeof(a))
        a.d = self.d
        return _path_call(COUNT_FILE, &a, path)

    def finalize(self, int64_t min_count, int64_t min_count_label, int64_t buckets,
                 int word_ngrams):
        _check(cembed_ft_dict_finalize(self.d, min_count, min_count_label, buckets, word_ngrams))

    def set_words(self, words, int64_t buckets, int word_ngrams):
        """The word list of a saved model, in row order."""
        cdef bytes buf
        cdef cnp.ndarray off
        buf, off = _pack(words)
        _check(cembed_ft_dict_set_words(self.d, buf, <int64_t *> cnp.PyArray_DATA(off),
                                        off.shape[0] - 1, buckets, word_ngrams),
               ": a word is repeated in the word list")

    def set_labels(self, labels):
        """The label list of a saved model (without the prefix), in id order."""
        cdef bytes buf
        cdef cnp.ndarray off
        buf, off = _pack(labels)
        _check(cembed_ft_dict_set_labels(self.d, buf, <int64_t *> cnp.PyArray_DATA(off),
                                         off.shape[0] - 1),
               ": a label is repeated in the label list")

    @property
    def nwords(self):
        return cembed_ft_dict_nwords(self.d)

    @property
    def nlabels(self):
        return cembed_ft_dict_nlabels(self.d)

    @property
    def ntokens(self):
        return cembed_ft_dict_ntokens(self.d)

    def words(self):
        """(words, counts): the kept words, most frequent first."""
        return self._keys(False)

    def labels(self):
        """(labels, counts) read from files, without the prefix."""
        return self._keys(True)

    cdef tuple _keys(self, bint labels):
        cdef const char *key
        cdef int64_t length, count
        cdef int64_t i
        cdef int64_t n = cembed_ft_dict_nlabels(self.d) if labels else cembed_ft_dict_nwords(self.d)
        out = []
        counts = np.empty(n, dtype=np.int64)
        for i in range(n):
            if labels:
                cembed_ft_dict_label(self.d, i, &key, &length, &count)
            else:
                cembed_ft_dict_word(self.d, i, &key, &length, &count)
            out.append(key[:length].decode("utf-8", "surrogateescape"))
            counts[i] = count
        return out, counts


cdef class Examples:
    """Texts as rows of the input table, with their label ids."""
    cdef cembed_ft_data *x

    def __cinit__(self):
        self.x = cembed_ft_data_new()
        if self.x == NULL:
            raise MemoryError()

    def __dealloc__(self):
        cembed_ft_data_free(self.x)

    def __len__(self):
        return cembed_ft_data_size(self.x)

    def add(self, Dictionary d, texts, labels=None, label_off=None):
        """Append texts (str or token lists); text i's label ids are
        labels[label_off[i]:label_off[i + 1]] (int32, int64) when given."""
        for c, tokens, first in _chunks(texts, d.lowercase):
            self._add_chunk(d, c, tokens, labels, label_off, first)

    cdef int _add_chunk(self, Dictionary d, _Chunk c, bint tokens, object labels,
                        object label_off, Py_ssize_t first) except -1:
        cdef int st
        cdef cnp.ndarray tok_off, text_off, lab, lab_off
        cdef const char *buf
        cdef const int32_t *lp = NULL
        cdef const int64_t *lo = NULL
        if labels is not None:
            lab = labels
            lab_off = label_off
            lp = <const int32_t *> cnp.PyArray_DATA(lab)
            lo = <const int64_t *> cnp.PyArray_DATA(lab_off) + first
        if tokens:
            tok_off = np.asarray(c.tok_off, dtype=np.int64)
            text_off = np.asarray(c.text_off, dtype=np.int64)
            buf = c.buf
            with nogil:
                st = cembed_ft_data_add_tokens(self.x, d.d, buf,
                                               <int64_t *> cnp.PyArray_DATA(tok_off),
                                               <int64_t *> cnp.PyArray_DATA(text_off), c.n,
                                               lp, lo)
        else:
            with nogil:
                st = cembed_ft_data_add_texts(self.x, d.d, c.ptrs, c.lens, c.lower, c.n, lp, lo)
        c.reset()
        return _check(st)

    def add_file(self, Dictionary d, path):
        cdef _file_args a
        memset(&a, 0, sizeof(a))
        a.d, a.x = d.d, self.x
        _path_call(ADD_FILE, &a, path)

    def read_file(self, Dictionary d, path, int64_t min_count, int64_t min_count_label,
                  int64_t buckets, int word_ngrams):
        """Count, finalize and encode a fastText training file in one pass
        (d new, self empty); returns the number of examples."""
        cdef _file_args a
        memset(&a, 0, sizeof(a))
        a.d, a.x = d.d, self.x
        a.min_count, a.min_count_label, a.buckets, a.word_ngrams = (min_count, min_count_label,
                                                                   buckets, word_ngrams)
        return _path_call(READ_FILE, &a, path)

    def max_labels(self):
        """The most labels an example has (0 when there is none)."""
        cdef const int32_t *rows
        cdef const int32_t *labels
        cdef const int64_t *row_off
        cdef const int64_t *lab_off
        cdef const int64_t *tok
        cdef int64_t i, m = 0, n = cembed_ft_data_size(self.x)
        cembed_ft_data_arrays(self.x, &rows, &row_off, &labels, &lab_off, &tok)
        for i in range(n):
            if lab_off[i + 1] - lab_off[i] > m:
                m = lab_off[i + 1] - lab_off[i]
        return m

    def arrays(self):
        """Copies of (rows, row_offsets, labels, label_offsets, tokens)."""
        cdef const int32_t *rows
        cdef const int32_t *labels
        cdef const int64_t *row_off
        cdef const int64_t *lab_off
        cdef const int64_t *tok
        cdef int64_t n = cembed_ft_data_size(self.x)
        cembed_ft_data_arrays(self.x, &rows, &row_off, &labels, &lab_off, &tok)
        ro = np.asarray(<const int64_t[:n + 1]> row_off).copy()
        lo = np.asarray(<const int64_t[:n + 1]> lab_off).copy()
        r = np.asarray(<const int32_t[:ro[n]]> rows).copy() if ro[n] else np.empty(0, np.int32)
        lab = np.asarray(<const int32_t[:lo[n]]> labels).copy() if lo[n] else np.empty(0, np.int32)
        return r, ro, lab, lo, np.asarray(<const int64_t[:n + 1]> tok).copy()


def set_num_threads(int n):
    """This module's thread count (its copy of src_c/parallel.c's setting):
    the estimator passes cembed.get_num_threads() before each call."""
    cembed_set_num_threads(n)


def ft_hash(bytes s):
    """fastText's hash of the bytes s (an unsigned 32-bit int)."""
    return cembed_ft_hash(s, len(s))


cdef class _Block:
    """Owner of a C allocation that a NumPy array views; freed with it."""
    cdef void *ptr

    def __dealloc__(self):
        free(self.ptr)


def new_table(int64_t rows, int64_t dim):
    """An uninitialized (rows, dim) float32 array in memory from C's malloc.

    NumPy advises the kernel to back large arrays with huge pages; on a
    virtual machine the first touch of such pages can cost seconds for the
    2M-row bucket table (the host backs them then), where small pages
    recycled by malloc cost a fraction of that. The array owns the block."""
    cdef _Block owner = _Block()
    cdef size_t nbytes = <size_t> (rows * dim) * sizeof(float)
    owner.ptr = malloc(nbytes if nbytes else 1)
    if owner.ptr == NULL:
        raise MemoryError(f"cannot allocate a {rows} x {dim} float32 table")
    cdef cnp.npy_intp shape[2]
    shape[0] = rows
    shape[1] = dim
    arr = cnp.PyArray_SimpleNewFromData(2, shape, cnp.NPY_FLOAT32, owner.ptr)
    cnp.Py_INCREF(owner)
    cnp.PyArray_SetBaseObject(arr, owner)
    return arr


def init_uniform(float[:, ::1] w, double bound, uint64_t seed):
    with nogil:
        cembed_ft_init_uniform_f32(&w[0, 0] if w.shape[0] else NULL, w.shape[0], w.shape[1],
                                   bound, seed)


def huffman(int64_t[::1] counts):
    """(parent, binary) of fastText's Huffman tree over the label counts."""
    cdef Py_ssize_t n = counts.shape[0]
    parent = np.empty(2 * n - 1, dtype=np.int32)
    binary = np.empty(2 * n - 1, dtype=np.uint8)
    cdef int32_t[::1] p = parent
    cdef uint8_t[::1] b = binary
    _check(cembed_ft_huffman(&counts[0], n, &p[0], &b[0]), ": label counts must be non-increasing")
    return parent, binary


cdef inline const int32_t *_tree_parent(object parent):
    cdef int32_t[::1] p
    if parent is None:
        return NULL
    p = parent
    return &p[0]


cdef inline const uint8_t *_tree_binary(object binary):
    cdef uint8_t[::1] b
    if binary is None:
        return NULL
    b = binary
    return &b[0]


def train(float[:, ::1] wi, float[:, ::1] wo, Examples x, int loss, parent, binary,
          double lr, int64_t epochs, int64_t batch, uint64_t seed):
    """The whole run; returns each epoch's mean loss."""
    cdef int64_t bad = -1
    cdef int st
    cdef const int32_t *pp = _tree_parent(parent)
    cdef const uint8_t *bp = _tree_binary(binary)
    if wi.shape[1] != wo.shape[1]:
        raise ValueError("the tables have different dims")
    losses = np.zeros(epochs, dtype=np.float64)
    cdef double[::1] lv = losses
    with nogil:
        st = cembed_ft_train_f32(&wi[0, 0], wi.shape[0], &wo[0, 0], wo.shape[0], wi.shape[1],
                                 x.x, loss, pp, bp, lr, epochs, batch, seed,
                                 &lv[0] if epochs else NULL, &bad)
    if st == CEMBED_ERR_INDEX:
        raise IndexError(f"example row or label at position {bad} is out of range")
    _check(st)
    return losses


cdef float _NO_ROWS = 0  # the table pointer when there are no rows (never read)


cdef const void *_table_data(object table, int kind, int64_t dim) except NULL:
    """The rows of an input table: a (rows, dim) float32 array (kind
    CEMBED_FT_F32) or a compact table's packed rows (uint8, row-contiguous)."""
    cdef cnp.ndarray a = table
    cdef int64_t rb = dim * 4 if kind == CEMBED_FT_F32 else cembed_compact_row_bytes(kind, dim)
    # the C-level checks: prediction calls this once a call
    if (not cnp.PyArray_IS_C_CONTIGUOUS(a) or cnp.PyArray_NDIM(a) != 2 or rb < 0
            or cnp.PyArray_DIM(a, 1) * cnp.PyArray_ITEMSIZE(a) != rb):
        raise ValueError("the input table is not a contiguous table of the model's rows")
    if kind == CEMBED_FT_F32 and cnp.PyArray_TYPE(a) != cnp.NPY_FLOAT32:
        raise ValueError("the input table must be float32")
    if a.shape[0] == 0:
        return <const void *> &_NO_ROWS
    return <const void *> cnp.PyArray_DATA(a)


def hidden(table, int kind, int64_t dim, Examples x):
    """(n, dim): the mean of each example's rows of the input table (float32,
    or the packed rows of a compact table of that kind)."""
    cdef int64_t n = cembed_ft_data_size(x.x), bad = -1
    cdef const void *wi = _table_data(table, kind, dim)
    cdef int64_t rows = table.shape[0]
    out = np.empty((n, dim), dtype=np.float32)
    cdef float[:, ::1] o = out
    cdef int st
    if n == 0:
        return out
    with nogil:
        st = cembed_ft_hidden(kind, wi, rows, dim, x.x, &o[0, 0], &bad)
    if st == CEMBED_ERR_INDEX:
        raise IndexError(f"example row at position {bad} is out of range")
    _check(st)
    return out


cdef inline cnp.ndarray _empty2(int64_t rows, int64_t cols, int typenum):
    cdef cnp.npy_intp shape[2]
    shape[0] = rows
    shape[1] = cols
    return cnp.PyArray_EMPTY(2, shape, typenum, 0)


def first_labels(cnp.ndarray top, cnp.ndarray by_id):
    """by_id[top[:, 0]], or None when a text has no label there (-1):
    the labels of k = 1 in one pass over top (an int32 (n, k) array from
    predict_texts)."""
    cdef Py_ssize_t i, n = cnp.PyArray_DIM(top, 0), k = cnp.PyArray_DIM(top, 1)
    cdef const int32_t *t
    if cnp.PyArray_TYPE(top) != cnp.NPY_INT32 or not cnp.PyArray_IS_C_CONTIGUOUS(top) \
            or cnp.PyArray_NDIM(top) != 2:
        raise ValueError("top must be a contiguous (n, k) int32 array")
    t = <const int32_t *> cnp.PyArray_DATA(top)
    if k == 0:
        return None
    for i in range(n):
        if t[i * k] < 0:
            return None
    return by_id.take(top[:, 0])


def predict_texts(Dictionary d, list texts, table, int kind, int64_t dim, wo, int loss, parent,
                  binary, int64_t k, double threshold, bint want_hidden, bint want_proba):
    """Texts to (hidden, proba, top, top_p) in one C call per chunk of texts
    (tokens, rows, pooling and scoring, threads over texts); hidden is
    (n, dim) when want_hidden, proba (n, nlabels) when want_proba, top and
    top_p (n, k) when k > 0, else None."""
    cdef const void *wi = _table_data(table, kind, dim)
    cdef int64_t rows = cnp.PyArray_DIM(<cnp.ndarray> table, 0)
    cdef Py_ssize_t n = len(texts)
    cdef cnp.ndarray w
    cdef const float *wp = NULL
    cdef int64_t nl = 0
    cdef const int32_t *pp = _tree_parent(parent)
    cdef const uint8_t *bp = _tree_binary(binary)
    if wo is not None:
        w = wo
        if (cnp.PyArray_TYPE(w) != cnp.NPY_FLOAT32 or cnp.PyArray_NDIM(w) != 2
                or not cnp.PyArray_IS_C_CONTIGUOUS(w)):
            raise ValueError("the output table must be a contiguous 2-d float32 array")
        if cnp.PyArray_DIM(w, 1) != dim:
            raise ValueError("the input and output tables have different dims")
        nl = cnp.PyArray_DIM(w, 0)
        wp = <const float *> cnp.PyArray_DATA(w) if nl else NULL
    hid = _empty2(n, dim, cnp.NPY_FLOAT32) if want_hidden else None
    proba = _empty2(n, nl, cnp.NPY_FLOAT32) if want_proba else None
    top = _empty2(n, k, cnp.NPY_INT32) if k > 0 else None
    top_p = _empty2(n, k, cnp.NPY_FLOAT32) if k > 0 else None
    cdef float *hp
    cdef float *prp
    cdef int32_t *tp
    cdef float *tpp
    cdef _Chunk c
    cdef bint tokens
    cdef Py_ssize_t first
    cdef cnp.ndarray tok_off, text_off
    cdef const char *buf
    cdef int st
    for c, tokens, first in _chunks(texts, d.lowercase, min(max(n, 1), PREDICT_CHUNK)):
        hp = <float *> cnp.PyArray_DATA(<cnp.ndarray> hid) + first * dim if want_hidden else NULL
        prp = <float *> cnp.PyArray_DATA(<cnp.ndarray> proba) + first * nl if want_proba else NULL
        tp = <int32_t *> cnp.PyArray_DATA(<cnp.ndarray> top) + first * k if k > 0 else NULL
        tpp = <float *> cnp.PyArray_DATA(<cnp.ndarray> top_p) + first * k if k > 0 else NULL
        if tokens:
            tok_off = np.asarray(c.tok_off, dtype=np.int64)
            text_off = np.asarray(c.text_off, dtype=np.int64)
            buf = c.buf
            with nogil:
                st = cembed_ft_predict_texts(d.d, NULL, NULL, NULL, buf,
                                             <int64_t *> cnp.PyArray_DATA(tok_off),
                                             <int64_t *> cnp.PyArray_DATA(text_off), c.n, kind,
                                             wi, rows, dim, wp, nl, loss, pp, bp, k, threshold,
                                             hp, prp, tp, tpp)
        else:
            with nogil:
                st = cembed_ft_predict_texts(d.d, c.ptrs, c.lens, c.lower, NULL, NULL, NULL, c.n,
                                             kind, wi, rows, dim, wp, nl, loss, pp, bp, k,
                                             threshold, hp, prp, tp, tpp)
        c.reset()
        _check(st)
    return hid, proba, top, top_p


def predict(const float[:, ::1] h, const float[:, ::1] wo, int loss, parent, binary,
            int64_t k, double threshold, bint proba):
    """proba (n, nlabels) when proba, else (top (n, k) int32, top_p (n, k))."""
    cdef int64_t n = h.shape[0], nl = wo.shape[0], dim = wo.shape[1]
    cdef const int32_t *pp = _tree_parent(parent)
    cdef const uint8_t *bp = _tree_binary(binary)
    cdef int st
    cdef float[:, ::1] pr
    cdef int32_t[:, ::1] top
    cdef float[:, ::1] tp
    if h.shape[1] != dim:
        raise ValueError("hidden vectors and output table have different dims")
    if proba:
        out = np.empty((n, nl), dtype=np.float32)
        if n == 0:
            return out
        pr = out
        with nogil:
            st = cembed_ft_predict_f32(&h[0, 0], n, dim, &wo[0, 0], nl, loss, pp, bp, 0, 0.0,
                                       &pr[0, 0], NULL, NULL)
        _check(st)
        return out
    labels = np.empty((n, k), dtype=np.int32)
    probs = np.empty((n, k), dtype=np.float32)
    if n == 0 or k == 0:
        return labels, probs
    top = labels
    tp = probs
    with nogil:
        st = cembed_ft_predict_f32(&h[0, 0], n, dim, &wo[0, 0], nl, loss, pp, bp, k, threshold,
                                   NULL, &top[0, 0], &tp[0, 0])
    _check(st)
    return labels, probs
