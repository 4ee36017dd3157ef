# The C API of cembed.h for Cython: one declaration per function of the
# header. cembed's binding cimports it, and it is installed beside the header
# in cembed.get_include(), so another Cython project can call the C core
# directly:
#
#     # setup.py: Extension(..., include_dirs=[cembed.get_include()],
#     #                     library_dirs=[cembed.get_library_dir()],
#     #                     libraries=["cembed"])   (and -fopenmp where
#     #                     cembed.openmp_enabled())
#     # cython: include_path = [cembed.get_include()]
#     from libcembed cimport cembed_gather, CEMBED_OK
#
# (cimport cembed._core instead reaches the kernels through cembed's own
# extension module, with no link step.)
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t

cdef extern from "cembed.h" nogil:
    enum:
        CEMBED_OK
        CEMBED_ERR_INDEX
        CEMBED_ERR_VALUE
        CEMBED_ERR_NOMEM
        CEMBED_ERR_ORDER
        CEMBED_ERR_FORMAT
        CEMBED_ERR_IO
    enum:
        CEMBED_BAG_SUM
        CEMBED_BAG_MEAN
        CEMBED_BAG_SQRTN
        CEMBED_BAG_MAX
    enum:
        CEMBED_SPLIT_DELIMS
        CEMBED_SPLIT_SEPARATOR
        CEMBED_SPLIT_CHARS

    # ---- threads, kernels, optimizers, hashing (lookup.c, accumulate.c, optim.c, murmur3.c)
    int cembed_openmp_enabled() noexcept
    void cembed_set_num_threads(int n) noexcept
    int cembed_get_num_threads() noexcept

    uint32_t cembed_murmurhash3_32(const void *key, int64_t len, uint32_t seed) noexcept
    uint32_t cembed_murmurhash3_int32(int32_t key, uint32_t seed) noexcept

    int cembed_check_indices(const int64_t *idx, int64_t n, int64_t num_rows, int64_t *bad_pos) noexcept
    int cembed_check_rows(const int64_t *rows, int64_t k, int64_t num_rows, int64_t *bad_pos) noexcept

    int cembed_gather(const void *table, int64_t num_rows, int64_t ld_bytes,
                      int64_t row_bytes, const int64_t *idx, int64_t n,
                      void *out, int64_t *bad_pos) noexcept
    int cembed_bag_f32(const float *table, int64_t num_rows, int64_t ld, int64_t dim,
                       const int64_t *idx, const int64_t *offsets, int64_t num_bags,
                       int mode, const float *weights, int64_t padding_idx,
                       float *out, int64_t *bad_pos) noexcept
    int cembed_bag_f64(const double *table, int64_t num_rows, int64_t ld, int64_t dim,
                       const int64_t *idx, const int64_t *offsets, int64_t num_bags,
                       int mode, const double *weights, int64_t padding_idx,
                       double *out, int64_t *bad_pos) noexcept

    int cembed_group_rows(const int64_t *idx, int64_t n, int64_t num_rows,
                          int64_t *rows, int64_t *order, int64_t *starts,
                          int64_t *k_out, int64_t *bad_pos) noexcept
    void cembed_sum_groups_f32(const float *grad, int64_t dim, const int64_t *order,
                               const int64_t *starts, int64_t k, float *values) noexcept
    void cembed_sum_groups_f64(const double *grad, int64_t dim, const int64_t *order,
                               const int64_t *starts, int64_t k, double *values) noexcept
    void cembed_sum_groups_scaled_f32(const float *grad, int64_t dim,
                                      const int64_t *bag_of, const float *scale,
                                      const int64_t *order, const int64_t *starts,
                                      int64_t k, float *values) noexcept
    void cembed_sum_groups_scaled_f64(const double *grad, int64_t dim,
                                      const int64_t *bag_of, const double *scale,
                                      const int64_t *order, const int64_t *starts,
                                      int64_t k, double *values) noexcept
    int cembed_bag_scales_f32(const int64_t *idx, const int64_t *offsets, int64_t num_bags,
                              int mode, const float *weights, int64_t padding_idx,
                              int64_t *idx_kept, int64_t *bag_of, float *scale,
                              int64_t *n_kept) noexcept
    int cembed_bag_scales_f64(const int64_t *idx, const int64_t *offsets, int64_t num_bags,
                              int mode, const double *weights, int64_t padding_idx,
                              int64_t *idx_kept, int64_t *bag_of, double *scale,
                              int64_t *n_kept) noexcept
    int cembed_scatter_add_f32(float *table, int64_t num_rows, int64_t ld, int64_t dim,
                               const int64_t *idx, int64_t n, const float *grad,
                               int64_t *bad_pos) noexcept
    int cembed_scatter_add_f64(double *table, int64_t num_rows, int64_t ld, int64_t dim,
                               const int64_t *idx, int64_t n, const double *grad,
                               int64_t *bad_pos) noexcept

    int cembed_adam_f32(float *table, int64_t ld, float *m, int64_t ld_m, float *v,
                        int64_t ld_v, int64_t num_rows, int64_t dim,
                        const int64_t *rows, int64_t k, const float *grads,
                        int64_t step, double lr, double beta1, double beta2,
                        double eps, int64_t *bad_pos) noexcept
    int cembed_adam_f64(double *table, int64_t ld, double *m, int64_t ld_m, double *v,
                        int64_t ld_v, int64_t num_rows, int64_t dim,
                        const int64_t *rows, int64_t k, const double *grads,
                        int64_t step, double lr, double beta1, double beta2,
                        double eps, int64_t *bad_pos) noexcept
    int cembed_adagrad_f32(float *table, int64_t ld, float *accum, int64_t ld_acc,
                           int64_t num_rows, int64_t dim, const int64_t *rows, int64_t k,
                           const float *grads, double lr, double eps, int64_t *bad_pos) noexcept
    int cembed_adagrad_f64(double *table, int64_t ld, double *accum, int64_t ld_acc,
                           int64_t num_rows, int64_t dim, const int64_t *rows, int64_t k,
                           const double *grads, double lr, double eps, int64_t *bad_pos) noexcept
    int cembed_sgd_f32(float *table, int64_t ld, int64_t num_rows, int64_t dim,
                       const int64_t *rows, int64_t k, const float *grads, double lr,
                       int64_t *bad_pos) noexcept
    int cembed_sgd_f64(double *table, int64_t ld, int64_t num_rows, int64_t dim,
                       const int64_t *rows, int64_t k, const double *grads, double lr,
                       int64_t *bad_pos) noexcept

    # ---- text (tokenize.c, vocab.c, sequence.c)
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

    ctypedef struct cembed_padded:
        void *out
        int64_t maxlen
        int pad_post
        int truncate_post
        int is_i64
    int cembed_vocab_lookup_padded(const cembed_vocab *v, const cembed_analyzer *a,
                                   const char *const *texts, const int64_t *lens,
                                   const uint8_t *lower, int64_t n, int64_t limit,
                                   const int64_t *oov_value, const cembed_padded *out,
                                   int64_t *seq_lens) noexcept
    int cembed_hash_padded(const cembed_analyzer *a, const char *const *texts,
                           const int64_t *lens, const uint8_t *lower, int64_t n,
                           uint32_t seed, uint64_t modulus, const cembed_padded *out,
                           int64_t *seq_lens) noexcept

    void cembed_pad_place_i32(const int32_t *values, const int64_t *offsets,
                              int64_t num_seqs, int64_t maxlen, int pad_post,
                              int32_t *out) noexcept

    # ---- word2vec / GloVe / fastText files (wordvec_io.c, decimal.c)
    ctypedef struct cembed_w2v_error:
        int64_t line
        int64_t offset
        int sys_errno
        char message[256]

    ctypedef struct cembed_w2v_reader:
        pass

    int cembed_w2v_open(const char *path, int binary, int64_t limit,
                        cembed_w2v_reader **reader, int64_t *num_rows, int64_t *dim,
                        int *is_binary, int *has_header, int64_t *size_hint,
                        cembed_w2v_error *err) noexcept
    int cembed_w2v_read(cembed_w2v_reader *reader, float *out, int64_t max_rows,
                        int64_t *n_read, int *done, cembed_w2v_error *err) noexcept
    void cembed_w2v_words(const cembed_w2v_reader *reader, const char **data,
                          const int64_t **offsets, const int64_t **where,
                          int64_t *count) noexcept
    void cembed_w2v_close(cembed_w2v_reader *reader) noexcept
    void cembed_compact_rows_f32(float *matrix, int64_t dim, const int64_t *keep,
                                 int64_t k) noexcept
    int cembed_w2v_check_words(const char *words, const int64_t *offsets, int64_t n,
                               int binary, int64_t *bad_row, cembed_w2v_error *err) noexcept
    int cembed_w2v_save(const char *path, const char *words, const int64_t *offsets,
                        int64_t n, const void *matrix, int is_f64, int64_t ld,
                        int64_t dim, int binary, cembed_w2v_error *err) noexcept
    int cembed_parse_double(const char *s, const char *end, double *out) noexcept
    int cembed_format_f32(float x, char *out) noexcept

    # ---- instruction-set paths (isa.c)
    enum:
        CEMBED_ISA_BASELINE
        CEMBED_ISA_AVX2
        CEMBED_ISA_AVX512
        CEMBED_ISA_COUNT
    int cembed_isa() noexcept
    int cembed_isa_supported(int isa) noexcept
    const char *cembed_isa_name(int isa) noexcept
    int cembed_isa_select(const char *name) noexcept
    const char *cembed_compiler() noexcept

    # ---- text classification (classify.c)
    enum:
        CEMBED_FT_SOFTMAX
        CEMBED_FT_HS
        CEMBED_FT_OVA

    uint32_t cembed_ft_hash(const char *s, int64_t len) noexcept

    ctypedef struct cembed_ft_dict:
        pass
    cembed_ft_dict *cembed_ft_dict_new(const uint8_t *delim, const char *label,
                                       int64_t label_len) noexcept
    void cembed_ft_dict_free(cembed_ft_dict *d) noexcept
    int cembed_ft_dict_count_texts(cembed_ft_dict *d, const char *const *texts,
                                   const int64_t *lens, const uint8_t *lower,
                                   int64_t n) noexcept
    int cembed_ft_dict_count_tokens(cembed_ft_dict *d, const char *buf, const int64_t *tok_off,
                                    const int64_t *text_off, int64_t n) noexcept
    int cembed_ft_dict_count_file(cembed_ft_dict *d, const char *path, int64_t *num_lines,
                                  cembed_w2v_error *err) noexcept
    int cembed_ft_dict_finalize(cembed_ft_dict *d, int64_t min_count, int64_t min_count_label,
                                int64_t buckets, int word_ngrams) noexcept
    int cembed_ft_dict_set_words(cembed_ft_dict *d, const char *buf, const int64_t *offsets,
                                 int64_t n, int64_t buckets, int word_ngrams) noexcept
    int cembed_ft_dict_set_labels(cembed_ft_dict *d, const char *buf, const int64_t *offsets,
                                  int64_t n) noexcept
    int64_t cembed_ft_dict_nwords(const cembed_ft_dict *d) noexcept
    int64_t cembed_ft_dict_nlabels(const cembed_ft_dict *d) noexcept
    int64_t cembed_ft_dict_ntokens(const cembed_ft_dict *d) noexcept
    void cembed_ft_dict_word(const cembed_ft_dict *d, int64_t i, const char **key,
                             int64_t *len, int64_t *count) noexcept
    void cembed_ft_dict_label(const cembed_ft_dict *d, int64_t i, const char **key,
                              int64_t *len, int64_t *count) noexcept

    ctypedef struct cembed_ft_data:
        pass
    cembed_ft_data *cembed_ft_data_new() noexcept
    void cembed_ft_data_free(cembed_ft_data *x) noexcept
    int64_t cembed_ft_data_size(const cembed_ft_data *x) noexcept
    void cembed_ft_data_arrays(const cembed_ft_data *x, const int32_t **rows,
                               const int64_t **row_off, const int32_t **labels,
                               const int64_t **label_off, const int64_t **tokens) noexcept
    int cembed_ft_data_add_texts(cembed_ft_data *x, const cembed_ft_dict *d,
                                 const char *const *texts, const int64_t *lens,
                                 const uint8_t *lower, int64_t n, const int32_t *labels,
                                 const int64_t *label_off) noexcept
    int cembed_ft_data_add_tokens(cembed_ft_data *x, const cembed_ft_dict *d, const char *buf,
                                  const int64_t *tok_off, const int64_t *text_off, int64_t n,
                                  const int32_t *labels, const int64_t *label_off) noexcept
    int cembed_ft_data_add_file(cembed_ft_data *x, const cembed_ft_dict *d, const char *path,
                                cembed_w2v_error *err) noexcept
    int cembed_ft_read_file(cembed_ft_dict *d, cembed_ft_data *x, const char *path,
                            int64_t min_count, int64_t min_count_label, int64_t buckets,
                            int word_ngrams, int64_t *num_lines, cembed_w2v_error *err) noexcept

    void cembed_ft_init_uniform_f32(float *w, int64_t rows, int64_t dim, double bound,
                                    uint64_t seed) noexcept
    int cembed_ft_huffman(const int64_t *counts, int64_t n, int32_t *parent,
                          uint8_t *binary) noexcept
    int cembed_ft_train_f32(float *wi, int64_t in_rows, float *wo, int64_t nlabels,
                            int64_t dim, const cembed_ft_data *x, int loss,
                            const int32_t *parent, const uint8_t *binary, double lr,
                            int64_t epochs, int64_t batch, uint64_t seed, double *epoch_loss,
                            int64_t *bad_pos) noexcept
    enum:
        CEMBED_FT_F32
    int cembed_ft_hidden(int kind, const void *wi, int64_t in_rows, int64_t dim,
                         const cembed_ft_data *x, float *out, int64_t *bad_pos) noexcept
    int cembed_ft_predict_f32(const float *hidden, int64_t n, int64_t dim, const float *wo,
                              int64_t nlabels, int loss, const int32_t *parent,
                              const uint8_t *binary, int64_t k, double threshold, float *proba,
                              int32_t *top, float *top_p) noexcept
    int cembed_ft_predict_texts(const cembed_ft_dict *d, const char *const *texts,
                                const int64_t *lens, const uint8_t *lower, const char *buf,
                                const int64_t *tok_off, const int64_t *text_off, int64_t n,
                                int kind, const void *wi, int64_t in_rows, int64_t dim,
                                const float *wo, int64_t nlabels, int loss,
                                const int32_t *parent, const uint8_t *binary, int64_t k,
                                double threshold, float *hidden, float *proba, int32_t *top,
                                float *top_p) noexcept

    # ---- compact tables (quantize.c)
    enum:
        CEMBED_COMPACT_F16
        CEMBED_COMPACT_BF16
        CEMBED_COMPACT_INT8
        CEMBED_COMPACT_INT4
    int64_t cembed_compact_row_bytes(int kind, int64_t dim) noexcept
    int cembed_quantize(int kind, const void *table, int is_f64, int64_t num_rows, int64_t ld,
                        int64_t dim, uint8_t *out, int64_t out_ld, int64_t *bad_row) noexcept
    int cembed_compact_gather(int kind, const uint8_t *data, int64_t num_rows,
                              int64_t ld_bytes, int64_t dim, const int64_t *idx, int64_t n,
                              float *out, int64_t *bad_pos) noexcept
    int cembed_compact_bag(int kind, const uint8_t *data, int64_t num_rows, int64_t ld_bytes,
                           int64_t dim, const int64_t *idx, const int64_t *offsets,
                           int64_t num_bags, int mode, const float *weights,
                           int64_t padding_idx, float *out, int64_t *bad_pos) noexcept

    # ---- word2vec training (word2vec.c)
    enum: CEMBED_W2V_MAX_SENTENCE
    int cembed_word2vec_scan(cembed_vocab **vocab, const char *buf, const int64_t *tok,
                             const int64_t *sent, int64_t num_sentences, int64_t max_vocab_size,
                             int64_t *min_reduce, int64_t *raw_words, int64_t *bad_sentence) noexcept
    int cembed_word2vec_scan_file(cembed_vocab **vocab, const char *path, int64_t max_vocab_size,
                                  int64_t *min_reduce, int64_t *raw_words, int64_t *num_sentences,
                                  cembed_w2v_error *err) noexcept
    int cembed_word2vec_ids(const cembed_vocab *vocab, const char *buf, const int64_t *tok,
                            const int64_t *sent, int64_t num_sentences, cembed_i64vec *ids,
                            cembed_i64vec *ends, int64_t *raw_words, int64_t *bad_sentence) noexcept
    int cembed_word2vec_ids_file(const cembed_vocab *vocab, const char *path, cembed_i64vec *ids,
                                 cembed_i64vec *ends, int64_t *raw_words,
                                 cembed_w2v_error *err) noexcept
    int cembed_word2vec_train_epoch(float *syn0, float *syn1neg, int64_t num_words, int64_t dim,
                                    const int32_t *ids, const int64_t *ends, int64_t num_sentences,
                                    const uint32_t *sample_int, const uint32_t *cum_table, int sg,
                                    int64_t window, int64_t negative, double alpha, double min_alpha,
                                    int64_t words_done, int64_t words_total, uint64_t seed,
                                    int64_t epoch, int64_t workers, int hogwild, int region_decay,
                                    int64_t *effective_words, int64_t *bad_pos) noexcept
