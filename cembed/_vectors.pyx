# cython: language_level=3
"""The binding of src_c/wordvec_io.c and decimal.c: word2vec / GloVe / fastText readers and
writers. The C code parses without the GIL; this module turns its words
into a list and a dict, its status codes into exceptions, and grows the
matrix (np.ndarray.resize: realloc, so no copy on Linux) when the number of
rows is not known in advance. Only cembed.vectors uses it."""
import codecs
import os

import numpy as np

cimport numpy as cnp
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.unicode cimport PyUnicode_Decode, PyUnicode_DecodeUTF8
from libc.stdint cimport int64_t
from libcembed cimport *

cnp.import_array()


cdef str _where(cembed_w2v_error *err):
    if err.offset >= 0:
        return f"byte {err.offset}"
    return f"line {err.line}"


cdef _raise(int status, cembed_w2v_error *err, str name):
    if status == CEMBED_ERR_NOMEM:
        raise MemoryError(f"{name}: out of memory")
    if status == CEMBED_ERR_IO:
        raise OSError(err.sys_errno, os.strerror(err.sys_errno), name)
    msg = err.message.decode("utf-8", "replace")
    if status == CEMBED_ERR_FORMAT:
        raise ValueError(f"{name}: {_where(err)}: {msg}")
    raise ValueError(f"{name}: {msg}")


def load(bytes path, str name, int binary, int64_t limit, str encoding, str unicode_errors):
    """Read a vectors file. Returns (words, index, matrix, duplicates);
    duplicates lists (word, where first, where again) with where "line N"
    (text formats) or "byte N" (word2vec binary)."""
    cdef const char *cpath = PyBytes_AS_STRING(path)
    cdef cembed_w2v_reader *reader = NULL
    cdef cembed_w2v_error err
    cdef int64_t num_rows = -1, dim = 0, hint = 0, n_read = 0, total = 0, cap
    cdef int is_binary = 0, has_header = 0, done = 0, status
    cdef float *out
    cdef const char *wdata
    cdef const int64_t *woff
    cdef const int64_t *wwhere
    cdef int64_t count, i, j, k
    cdef bint utf8 = codecs.lookup(encoding).name == "utf-8"
    cdef bytes errors_b = unicode_errors.encode("ascii")
    cdef const char *cerrors = PyBytes_AS_STRING(errors_b)
    cdef bytes enc_b = encoding.encode("ascii")
    cdef const char *cenc = PyBytes_AS_STRING(enc_b)
    cdef cnp.ndarray matrix
    cdef cnp.ndarray[cnp.int64_t, ndim=1] keep
    err.message[0] = 0
    with nogil:
        status = cembed_w2v_open(cpath, binary, limit, &reader, &num_rows, &dim,
                                 &is_binary, &has_header, &hint, &err)
    if status != CEMBED_OK:
        _raise(status, &err, name)
    try:
        # the header's count (at most what the file can hold), or for GloVe
        # the number of lines the C reader counted
        cap = hint
        if limit >= 0:
            cap = min(cap, limit)
        matrix = np.empty((cap, dim), dtype=np.float32)
        while True:
            out = <float *>cnp.PyArray_DATA(matrix) + total * dim
            with nogil:
                status = cembed_w2v_read(reader, out, cap - total, &n_read, &done, &err)
            if status != CEMBED_OK:
                _raise(status, &err, name)
            total += n_read
            if done:
                break
            if total == cap:
                # only when the row count is not known beforehand (a pipe, a
                # lying header); resize reallocs (and zero-fills the new rows)
                cap = max(2 * cap, 1024)
                if limit >= 0:
                    cap = min(cap, limit)
                matrix.resize((cap, dim), refcheck=False)

        cembed_w2v_words(reader, &wdata, &woff, &wwhere, &count)
        words = []
        index = {}
        duplicates = []
        keep = None
        k = 0
        for i in range(count):
            try:
                if utf8:
                    w = PyUnicode_DecodeUTF8(wdata + woff[i], woff[i + 1] - woff[i], cerrors)
                else:
                    w = PyUnicode_Decode(wdata + woff[i], woff[i + 1] - woff[i], cenc, cerrors)
            except UnicodeDecodeError as exc:
                raw = wdata[woff[i]:woff[i + 1]]
                loc = f"byte {wwhere[i]}" if is_binary else f"line {wwhere[i]}"
                raise ValueError(
                    f"{name}: {loc}: the word {raw!r} is not valid {encoding} ({exc.reason}); "
                    f"unicode_errors='replace' or 'ignore' reads it anyway"
                ) from exc
            j = index.setdefault(w, k)
            if j != k:
                if keep is None:
                    keep = np.arange(count, dtype=np.int64)
                first = int(keep[j])
                if is_binary:
                    duplicates.append((w, f"byte {wwhere[first]}", f"byte {wwhere[i]}"))
                else:
                    duplicates.append((w, f"line {wwhere[first]}", f"line {wwhere[i]}"))
                continue
            words.append(w)
            if keep is not None:
                keep[k] = i
            k += 1
    finally:
        cembed_w2v_close(reader)
    if keep is not None:
        cembed_compact_rows_f32(<float *>cnp.PyArray_DATA(matrix), dim,
                                <const int64_t *>cnp.PyArray_DATA(keep), k)
    if k != matrix.shape[0]:
        matrix.resize((k, dim), refcheck=False)
    return words, index, matrix, duplicates


def _words_buffer(list words):
    """UTF-8 bytes of all words and their offsets."""
    encoded = [w.encode("utf-8") for w in words]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    if encoded:
        np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)),
                  out=offsets[1:])
    return b"".join(encoded), offsets


def check_words(list words, bint binary):
    """Raise ValueError for a word the format cannot hold."""
    cdef bytes data
    cdef cnp.ndarray[cnp.int64_t, ndim=1] offsets
    cdef int64_t bad = -1
    cdef cembed_w2v_error err
    data, offsets = _words_buffer(words)
    cdef const char *cdata = PyBytes_AS_STRING(data)
    cdef const int64_t *coff = <const int64_t *>cnp.PyArray_DATA(offsets)
    cdef int status
    cdef int64_t n = offsets.shape[0] - 1
    with nogil:
        status = cembed_w2v_check_words(cdata, coff, n, binary, &bad, &err)
    if status != CEMBED_OK:
        fmt = "binary" if binary else "text"
        raise ValueError(
            f"word {bad} ({words[bad]!r}) cannot be saved in the word2vec {fmt} format: "
            + err.message.decode("utf-8", "replace"))
    return data, offsets


def save(bytes path, str name, list words, cnp.ndarray matrix, bint binary):
    """Write words and matrix (2-D float32/float64, rows contiguous) to path."""
    data, offsets = check_words(words, binary)
    cdef bytes cdata_b = data
    cdef cnp.ndarray[cnp.int64_t, ndim=1] coffsets = offsets
    cdef const char *cpath = PyBytes_AS_STRING(path)
    cdef const char *cdata = PyBytes_AS_STRING(cdata_b)
    cdef const int64_t *coff = <const int64_t *>cnp.PyArray_DATA(coffsets)
    cdef int64_t n = matrix.shape[0], dim = matrix.shape[1]
    cdef int is_f64 = matrix.dtype == np.float64
    cdef int64_t ld = matrix.strides[0] // matrix.itemsize if n > 1 else dim
    cdef const void *cmat = cnp.PyArray_DATA(matrix)
    cdef cembed_w2v_error err
    cdef int status
    with nogil:
        status = cembed_w2v_save(cpath, cdata, coff, n, cmat, is_f64, ld, dim, binary, &err)
    if status != CEMBED_OK:
        _raise(status, &err, name)


def parse_number(bytes text):
    """The float32 the readers make of one field, or None if it is not a number."""
    cdef const char *s = PyBytes_AS_STRING(text)
    cdef double v
    cdef float f
    if not cembed_parse_double(s, s + PyBytes_GET_SIZE(text), &v):
        return None
    f = <float>v
    return np.float32(f)


def format_number(x):
    """The text the writer makes of a float32."""
    cdef char buf[40]
    cdef int n = cembed_format_f32(<float>np.float32(x), buf)
    return buf[:n].decode("ascii")
