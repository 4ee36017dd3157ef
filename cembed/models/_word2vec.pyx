# cython: language_level=3
"""The binding of src_c/word2vec.c: the corpus reader (counting words in
the tokenizer's vocabulary table, turning sentences into word ids) and the
training epoch. Checks are done by cembed.models.word2vec; this module
packs sentences into byte buffers, releases the GIL around the C calls and
turns status codes into exceptions."""
import os

import numpy as np

cimport numpy as cnp
from cpython.bytes cimport PyBytes_AS_STRING
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libc.string cimport memcpy
from libcembed cimport *

# This module links its own copy of src_c/isa.c: run the path cembed._core
# chose at import (where CEMBED_ISA is checked), whatever the environment says now.
from cembed._core import _isa_name
cembed_isa_select(_isa_name().encode())

cnp.import_array()

MAX_SENTENCE = CEMBED_W2V_MAX_SENTENCE


cdef _raise_file(int status, cembed_w2v_error *err, str name):
    if status == CEMBED_ERR_NOMEM:
        raise MemoryError(f"{name}: out of memory")
    if status == CEMBED_ERR_IO:
        raise OSError(err.sys_errno, os.strerror(err.sys_errno), name)
    msg = err.message.decode("utf-8", "replace")
    raise ValueError(f"{name}: line {err.line}: {msg}")


cdef _raise(int status):
    if status == CEMBED_ERR_NOMEM:
        raise MemoryError("word2vec: out of memory")
    raise ValueError(f"word2vec: internal error (status {status})")


def pack_texts(list texts):
    """One UTF-8 buffer and the byte offsets of str texts."""
    cdef list enc = [t.encode("utf-8") for t in texts]
    cdef cnp.ndarray[cnp.int64_t, ndim=1] sent = np.zeros(len(enc) + 1, np.int64)
    if enc:
        np.cumsum([len(b) for b in enc], out=sent[1:])
    return b"".join(enc), None, sent


def pack_tokens(list sentences):
    """One UTF-8 buffer, token offsets and sentence offsets (into the
    tokens) of lists of str tokens."""
    cdef list parts = []
    cdef list lens = []
    cdef list counts = []
    cdef str joined
    for sentence in sentences:
        joined = "".join(sentence)
        if joined.isascii():
            parts.append(joined.encode("ascii"))
            lens.extend([len(t) for t in sentence])
        else:
            enc = [t.encode("utf-8") for t in sentence]
            parts.append(b"".join(enc))
            lens.extend([len(b) for b in enc])
        counts.append(len(sentence))
    tok = np.zeros(len(lens) + 1, np.int64)
    sent = np.zeros(len(counts) + 1, np.int64)
    if lens:
        np.cumsum(lens, out=tok[1:])
    if counts:
        np.cumsum(counts, out=sent[1:])
    return b"".join(parts), tok, sent


cdef class Vocab:
    """A cembed_vocab: raw word counts while scanning a corpus, or (made by
    select / from_words) the final vocabulary, whose entry ids are the rows
    of the model."""
    cdef cembed_vocab *v
    cdef public int64_t min_reduce

    def __cinit__(self):
        self.v = cembed_vocab_new()
        if self.v == NULL:
            raise MemoryError("word2vec: out of memory")
        self.min_reduce = 1

    def __dealloc__(self):
        cembed_vocab_free(self.v)

    def __len__(self):
        return cembed_vocab_size(self.v)

    def scan(self, bytes buf, tok, cnp.ndarray[cnp.int64_t, ndim=1] sent, int64_t max_vocab_size):
        """Count the words of packed sentences; returns the tokens read."""
        cdef const char *cbuf = PyBytes_AS_STRING(buf)
        cdef cnp.ndarray[cnp.int64_t, ndim=1] tok_a
        cdef const int64_t *ctok = NULL
        cdef int64_t raw = 0, bad = -1, n = sent.shape[0] - 1
        cdef int st
        if tok is not None:
            tok_a = tok
            ctok = <const int64_t *>tok_a.data
        with nogil:
            st = cembed_word2vec_scan(&self.v, cbuf, ctok, <const int64_t *>sent.data, n,
                                      max_vocab_size, &self.min_reduce, &raw, &bad)
        if st == CEMBED_ERR_FORMAT:
            raise ValueError(f"sentence {bad} is not valid UTF-8")
        if st != CEMBED_OK:
            _raise(st)
        return raw

    def scan_file(self, path, int64_t max_vocab_size):
        """Count the words of a corpus file; returns (tokens, sentences)."""
        cdef bytes bpath = os.fsencode(path)
        cdef const char *cpath = PyBytes_AS_STRING(bpath)
        cdef int64_t raw = 0, pieces = 0
        cdef cembed_w2v_error err
        cdef int st
        err.message[0] = 0
        with nogil:
            st = cembed_word2vec_scan_file(&self.v, cpath, max_vocab_size, &self.min_reduce,
                                           &raw, &pieces, &err)
        if st != CEMBED_OK:
            _raise_file(st, &err, os.fsdecode(path))
        return raw, pieces

    def counts(self):
        """Each entry's count (value + count: see prune_vocab)."""
        cdef int64_t n = cembed_vocab_size(self.v), i, length, value, count, docs
        cdef const char *key
        cdef cnp.ndarray[cnp.int64_t, ndim=1] out = np.empty(n, np.int64)
        for i in range(n):
            cembed_vocab_entry(self.v, i, &key, &length, &value, &count, &docs)
            out[i] = value + count
        return out

    def words(self, cnp.ndarray[cnp.int64_t, ndim=1] entries):
        """The words of the given entries, decoded."""
        cdef int64_t i, length, value, count, docs
        cdef const char *key
        cdef list out = []
        for i in range(entries.shape[0]):
            cembed_vocab_entry(self.v, entries[i], &key, &length, &value, &count, &docs)
            out.append(key[:length].decode("utf-8"))
        return out

    def select(self, cnp.ndarray[cnp.int64_t, ndim=1] entries):
        """A new Vocab holding the given entries' words, in that order."""
        cdef Vocab out = Vocab()
        cdef int64_t i, length, value, count, docs, id_
        cdef const char *key
        for i in range(entries.shape[0]):
            cembed_vocab_entry(self.v, entries[i], &key, &length, &value, &count, &docs)
            if cembed_vocab_insert(out.v, key, length, i, &id_) != CEMBED_OK:
                raise MemoryError("word2vec: out of memory")
        return out

    @staticmethod
    def from_words(list words):
        cdef Vocab out = Vocab()
        cdef bytes b
        cdef int64_t id_
        for w in words:
            b = w.encode("utf-8")
            if cembed_vocab_insert(out.v, PyBytes_AS_STRING(b), len(b), 0, &id_) != CEMBED_OK:
                raise MemoryError("word2vec: out of memory")
        return out


cdef class Corpus:
    """Word ids and sentence ends, appended by the final vocabulary."""
    cdef cembed_i64vec ids, ends
    cdef public int64_t raw_words

    def __dealloc__(self):
        cembed_i64vec_free(&self.ids)
        cembed_i64vec_free(&self.ends)

    def add(self, Vocab vocab, bytes buf, tok, cnp.ndarray[cnp.int64_t, ndim=1] sent):
        cdef const char *cbuf = PyBytes_AS_STRING(buf)
        cdef cnp.ndarray[cnp.int64_t, ndim=1] tok_a
        cdef const int64_t *ctok = NULL
        cdef int64_t bad = -1, n = sent.shape[0] - 1
        cdef int st
        if tok is not None:
            tok_a = tok
            ctok = <const int64_t *>tok_a.data
        with nogil:
            st = cembed_word2vec_ids(vocab.v, cbuf, ctok, <const int64_t *>sent.data, n,
                                     &self.ids, &self.ends, &self.raw_words, &bad)
        if st == CEMBED_ERR_FORMAT:
            raise ValueError(f"sentence {bad} is not valid UTF-8")
        if st != CEMBED_OK:
            _raise(st)

    def add_file(self, Vocab vocab, path):
        cdef bytes bpath = os.fsencode(path)
        cdef const char *cpath = PyBytes_AS_STRING(bpath)
        cdef cembed_w2v_error err
        cdef int st
        err.message[0] = 0
        with nogil:
            st = cembed_word2vec_ids_file(vocab.v, cpath, &self.ids, &self.ends,
                                          &self.raw_words, &err)
        if st != CEMBED_OK:
            _raise_file(st, &err, os.fsdecode(path))

    def arrays(self):
        """(ids int32, ends int64), copies."""
        cdef cnp.ndarray[cnp.int64_t, ndim=1] ids = np.empty(self.ids.size, np.int64)
        cdef cnp.ndarray[cnp.int64_t, ndim=1] ends = np.empty(self.ends.size, np.int64)
        if self.ids.size:
            memcpy(ids.data, self.ids.data, self.ids.size * sizeof(int64_t))
        if self.ends.size:
            memcpy(ends.data, self.ends.data, self.ends.size * sizeof(int64_t))
        return ids.astype(np.int32), ends


def train_epoch(cnp.ndarray[cnp.float32_t, ndim=2] syn0, cnp.ndarray[cnp.float32_t, ndim=2] syn1neg,
                cnp.ndarray[cnp.int32_t, ndim=1] ids, cnp.ndarray[cnp.int64_t, ndim=1] ends,
                sample_int, cnp.ndarray[cnp.uint32_t, ndim=1] cum_table, bint sg,
                int64_t window, int64_t negative, double alpha, double min_alpha,
                int64_t words_done, int64_t words_total, uint64_t seed, int64_t epoch,
                int64_t workers, bint hogwild=False, bint region_decay=False):
    """One epoch in C, without the GIL; returns the words kept by
    subsampling. The arrays are C-contiguous (checked by the caller)."""
    cdef cnp.ndarray[cnp.uint32_t, ndim=1] samp
    cdef const uint32_t *csamp = NULL
    cdef int64_t effective = 0, bad = -1
    cdef int st
    if sample_int is not None:
        samp = sample_int
        csamp = <const uint32_t *>samp.data
    with nogil:
        st = cembed_word2vec_train_epoch(
            <float *>syn0.data, <float *>syn1neg.data, syn0.shape[0], syn0.shape[1],
            <const int32_t *>ids.data, <const int64_t *>ends.data, ends.shape[0], csamp,
            <const uint32_t *>cum_table.data, sg, window, negative, alpha, min_alpha,
            words_done, words_total, seed, epoch, workers, hogwild, region_decay,
            &effective, &bad)
    if st == CEMBED_ERR_INDEX:
        raise IndexError(f"word id {ids[bad]} at position {bad} is out of range [0, {syn0.shape[0]})")
    if st == CEMBED_ERR_ORDER:
        raise ValueError(f"sentence {bad} is empty, out of order or longer than {MAX_SENTENCE} words")
    if st == CEMBED_ERR_VALUE:
        raise ValueError("word2vec: invalid sizes or negative-sampling table")
    if st != CEMBED_OK:
        _raise(st)
    return effective
