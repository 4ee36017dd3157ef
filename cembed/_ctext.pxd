# The text part of the C API in src_c/cembed.h (tokenize.c, sequence.c),
# for Cython. Only cembed._text uses it.
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t

cdef extern from "cembed.h" nogil:
    enum:
        CEMBED_OK
        CEMBED_ERR_VALUE
        CEMBED_ERR_NOMEM
    enum:
        CEMBED_SPLIT_DELIMS
        CEMBED_SPLIT_SEPARATOR
        CEMBED_SPLIT_CHARS

    ctypedef struct cembed_analyzer:
        int mode
        uint8_t ascii_delims[128]
        const uint32_t *wide_delims
        int64_t num_wide_delims
        const char *separator
        int64_t separator_len

    ctypedef struct cembed_i64vec:
        int64_t *data
        int64_t size
        int64_t capacity
    void cembed_i64vec_free(cembed_i64vec *v) noexcept

    ctypedef struct cembed_vocab:
        pass
    cembed_vocab *cembed_vocab_new() noexcept
    void cembed_vocab_free(cembed_vocab *v) noexcept
    void cembed_vocab_clear(cembed_vocab *v) noexcept
    int64_t cembed_vocab_size(const cembed_vocab *v) noexcept
    int cembed_vocab_insert(cembed_vocab *v, const char *key, int64_t len, int64_t value,
                            int64_t *id_out) noexcept
    int64_t cembed_vocab_find(const cembed_vocab *v, const char *key, int64_t len) noexcept
    void cembed_vocab_entry(const cembed_vocab *v, int64_t id, const char **key,
                            int64_t *key_len, int64_t *value, int64_t *count,
                            int64_t *docs) noexcept
    int cembed_vocab_count_texts(cembed_vocab *v, const cembed_analyzer *a,
                                 const char *const *texts, const int64_t *lens,
                                 const uint8_t *lower, int64_t n, int64_t first_doc,
                                 int64_t *num_tokens) noexcept
    int cembed_vocab_count_tokens(cembed_vocab *v, const char *buf, const int64_t *offsets,
                                  int64_t n, int64_t doc) noexcept
    int cembed_vocab_lookup_texts(const cembed_vocab *v, const cembed_analyzer *a,
                                  const char *const *texts, const int64_t *lens,
                                  const uint8_t *lower, int64_t n, int64_t limit,
                                  int64_t oov_code, cembed_i64vec *out,
                                  int64_t *offsets) noexcept
    int cembed_hash_texts(const cembed_analyzer *a, const char *const *texts,
                          const int64_t *lens, const uint8_t *lower, int64_t n, uint32_t seed,
                          uint64_t modulus, cembed_i64vec *out, int64_t *offsets) noexcept

    void cembed_pad_place_i32(const int32_t *values, const int64_t *offsets,
                              int64_t num_seqs, int64_t maxlen, int pad_post,
                              int truncate_post, int32_t *out) noexcept

    uint32_t cembed_murmurhash3_32(const void *key, int64_t len, uint32_t seed) noexcept
