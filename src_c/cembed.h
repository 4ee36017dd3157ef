/*
 * cembed.h - the public C API of cembed's core.
 *
 * Plain C99, no Python. Every size and offset is int64_t. A function that
 * can fail returns a status code (CEMBED_OK on success); a function that
 * checks indices reports the flat position of the first bad one through
 * `bad_pos` and writes nothing at all in that case.
 *
 * Tables are row-major with contiguous rows: element (r, d) of a table with
 * leading dimension `ld` (elements between the starts of two rows) is
 * table[r * ld + d]. `ld` may be larger than D (a slice of a wider table).
 *
 * Kernels run on cembed_get_num_threads() OpenMP threads (serially for small
 * inputs, and always when built without OpenMP); results are bitwise the
 * same for any number of threads.
 */
#ifndef CEMBED_H
#define CEMBED_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes ------------------------------------------------------ */
enum {
    CEMBED_OK = 0,
    CEMBED_ERR_INDEX = 1,   /* an index < 0 or >= num_rows; see bad_pos    */
    CEMBED_ERR_VALUE = 2,   /* an argument out of its domain (see each fn) */
    CEMBED_ERR_NOMEM = 3,   /* an allocation failed                        */
    CEMBED_ERR_ORDER = 4,   /* rows not strictly increasing; see bad_pos   */
    CEMBED_ERR_FORMAT = 5,  /* malformed input data (text, files)          */
    CEMBED_ERR_IO = 6       /* a file could not be opened, read or written;
                               see cembed_w2v_error.sys_errno              */
};

/* pooling modes of cembed_bag_* */
enum {
    CEMBED_BAG_SUM = 0,
    CEMBED_BAG_MEAN = 1,
    CEMBED_BAG_SQRTN = 2,
    CEMBED_BAG_MAX = 3
};

/* ---- threads ----------------------------------------------------------- */
/* 1 when built with OpenMP, else 0. */
int cembed_openmp_enabled(void);
/* n >= 1 fixes the thread count; n <= 0 returns to the default, which is
 * OpenMP's (OMP_NUM_THREADS, threadpoolctl). */
void cembed_set_num_threads(int n);
int cembed_get_num_threads(void);

/* ---- index checks ------------------------------------------------------ */
/* CEMBED_OK if every idx[i] is in [0, num_rows); else CEMBED_ERR_INDEX
 * with *bad_pos the smallest bad i. num_rows < 0 means "only check >= 0". */
int cembed_check_indices(const int64_t *idx, int64_t n, int64_t num_rows, int64_t *bad_pos);
/* CEMBED_OK if rows are in [0, num_rows) and strictly increasing. */
int cembed_check_rows(const int64_t *rows, int64_t k, int64_t num_rows, int64_t *bad_pos);

/* ---- lookup ------------------------------------------------------------ */
/* out[i, :] = table[idx[i], :] for i < n; row_bytes = D * itemsize,
 * ld_bytes the table's row stride in bytes; out is contiguous. Works for
 * any element type. */
int cembed_gather(const void *table, int64_t num_rows, int64_t ld_bytes,
                  int64_t row_bytes, const int64_t *idx, int64_t n,
                  void *out, int64_t *bad_pos);

/* Pooled lookup. Bag b holds idx[offsets[b] .. offsets[b+1]) (offsets has
 * num_bags + 1 entries, non-decreasing, from 0 to n). weights (may be NULL)
 * holds one weight per index; entries equal to padding_idx (-1 for none)
 * are skipped. out is (num_bags, D) contiguous. mode CEMBED_BAG_*; MAX with
 * weights is CEMBED_ERR_VALUE. An empty bag, or one whose weight sum is 0
 * in MEAN/SQRTN, gives zeros. */
int cembed_bag_f32(const float *table, int64_t num_rows, int64_t ld, int64_t dim,
                   const int64_t *idx, const int64_t *offsets, int64_t num_bags,
                   int mode, const float *weights, int64_t padding_idx,
                   float *out, int64_t *bad_pos);
int cembed_bag_f64(const double *table, int64_t num_rows, int64_t ld, int64_t dim,
                   const int64_t *idx, const int64_t *offsets, int64_t num_bags,
                   int mode, const double *weights, int64_t padding_idx,
                   double *out, int64_t *bad_pos);

/* ---- sparse gradients -------------------------------------------------- */
/* Group positions by index, with caller-provided buffers: rows and order
 * hold n entries, starts n + 1. On success rows[0..*k_out) are the sorted
 * unique indices and the positions of rows[j] are
 * order[starts[j] .. starts[j+1]), in increasing order. num_rows < 0:
 * indices need only be >= 0. Uses O(n) temporary memory. */
int cembed_group_rows(const int64_t *idx, int64_t n, int64_t num_rows,
                      int64_t *rows, int64_t *order, int64_t *starts,
                      int64_t *k_out, int64_t *bad_pos);

/* values[j, :] = sum of grad[p, :] over the positions p of group j, added
 * in increasing p (so equal to a sequential np.add.at). grad is (n, dim)
 * contiguous, values (k, dim) contiguous. */
void cembed_sum_groups_f32(const float *grad, int64_t dim, const int64_t *order,
                           const int64_t *starts, int64_t k, float *values);
void cembed_sum_groups_f64(const double *grad, int64_t dim, const int64_t *order,
                           const int64_t *starts, int64_t k, double *values);

/* Backward of cembed_bag_* for SUM/MEAN/SQRTN: values[j, :] = sum over the
 * positions p of group j of grad[bag_of[p], :] * scale[p]. */
void cembed_sum_groups_scaled_f32(const float *grad, int64_t dim,
                                  const int64_t *bag_of, const float *scale,
                                  const int64_t *order, const int64_t *starts,
                                  int64_t k, float *values);
void cembed_sum_groups_scaled_f64(const double *grad, int64_t dim,
                                  const int64_t *bag_of, const double *scale,
                                  const int64_t *order, const int64_t *starts,
                                  int64_t k, double *values);
/* The per-position weights of cembed_bag_*'s backward. Padding entries are
 * dropped: on return idx_kept[0..*n_kept), bag_of[..] and scale[..] hold,
 * for each kept position in order, its index, its bag and the factor its
 * bag's output gradient is multiplied by. Arrays hold n = offsets[num_bags]
 * entries. MAX is CEMBED_ERR_VALUE. */
int cembed_bag_scales_f32(const int64_t *idx, const int64_t *offsets, int64_t num_bags,
                          int mode, const float *weights, int64_t padding_idx,
                          int64_t *idx_kept, int64_t *bag_of, float *scale,
                          int64_t *n_kept);
int cembed_bag_scales_f64(const int64_t *idx, const int64_t *offsets, int64_t num_bags,
                          int mode, const double *weights, int64_t padding_idx,
                          int64_t *idx_kept, int64_t *bag_of, double *scale,
                          int64_t *n_kept);

/* table[idx[p], :] += grad[p, :] for every p, repeats applied in order of
 * p (equal to np.add.at bitwise). Indices are checked first. */
int cembed_scatter_add_f32(float *table, int64_t num_rows, int64_t ld, int64_t dim,
                           const int64_t *idx, int64_t n, const float *grad,
                           int64_t *bad_pos);
int cembed_scatter_add_f64(double *table, int64_t num_rows, int64_t ld, int64_t dim,
                           const int64_t *idx, int64_t n, const double *grad,
                           int64_t *bad_pos);

/* ---- row optimizers ---------------------------------------------------- */
/* rows: k strictly increasing row numbers in [0, num_rows) (checked);
 * grads: (k, dim) contiguous. Each state array has its own ld. */
int cembed_adam_f32(float *table, int64_t ld, float *m, int64_t ld_m, float *v,
                    int64_t ld_v, int64_t num_rows, int64_t dim,
                    const int64_t *rows, int64_t k, const float *grads,
                    int64_t step, double lr, double beta1, double beta2,
                    double eps, int64_t *bad_pos);
int cembed_adam_f64(double *table, int64_t ld, double *m, int64_t ld_m, double *v,
                    int64_t ld_v, int64_t num_rows, int64_t dim,
                    const int64_t *rows, int64_t k, const double *grads,
                    int64_t step, double lr, double beta1, double beta2,
                    double eps, int64_t *bad_pos);
/* ld_acc == 0: row-wise Adagrad, accum holds one value a row (accum[r]). */
int cembed_adagrad_f32(float *table, int64_t ld, float *accum, int64_t ld_acc,
                       int64_t num_rows, int64_t dim, const int64_t *rows, int64_t k,
                       const float *grads, double lr, double eps, int64_t *bad_pos);
int cembed_adagrad_f64(double *table, int64_t ld, double *accum, int64_t ld_acc,
                       int64_t num_rows, int64_t dim, const int64_t *rows, int64_t k,
                       const double *grads, double lr, double eps, int64_t *bad_pos);
int cembed_sgd_f32(float *table, int64_t ld, int64_t num_rows, int64_t dim,
                   const int64_t *rows, int64_t k, const float *grads, double lr,
                   int64_t *bad_pos);
int cembed_sgd_f64(double *table, int64_t ld, int64_t num_rows, int64_t dim,
                   const int64_t *rows, int64_t k, const double *grads, double lr,
                   int64_t *bad_pos);

/* ---- hashing ----------------------------------------------------------- */
/* MurmurHash3 x86 32-bit (Austin Appleby's reference), as scikit-learn. */
uint32_t cembed_murmurhash3_32(const void *key, int64_t len, uint32_t seed);
/* The hash of a 32-bit integer key (its 4 bytes, native order), as
 * sklearn.utils.murmurhash3_32 hashes an int. */
uint32_t cembed_murmurhash3_int32(int32_t key, uint32_t seed);


/* ---- text (tokenize.c, vocab.c, sequence.c) ---------------------------- */
/* The default analyzer of Keras' Tokenizer over UTF-8 text. Non-ASCII text
 * is lowercased by the caller (Python's str.lower is the reference); for
 * ASCII text lower[i] = 1 asks the tokenizer to map A-Z to a-z itself.
 *
 * Split modes:
 *   CEMBED_SPLIT_DELIMS     tokens are the maximal runs of characters that
 *                           are not delimiters (the filters plus a one-
 *                           character split: Keras' translate-then-split)
 *   CEMBED_SPLIT_SEPARATOR  tokens are the non-empty pieces between
 *                           occurrences of a multi-byte separator
 *   CEMBED_SPLIT_CHARS      every character is a token (char_level)
 */
enum {
    CEMBED_SPLIT_DELIMS = 0,
    CEMBED_SPLIT_SEPARATOR = 1,
    CEMBED_SPLIT_CHARS = 2
};

typedef struct {
    int mode;                     /* CEMBED_SPLIT_* */
    uint8_t ascii_delims[128];    /* 1 for an ASCII delimiter */
    const uint32_t *wide_delims;  /* sorted code points >= 128 */
    int64_t num_wide_delims;
    const char *separator;        /* CEMBED_SPLIT_SEPARATOR: UTF-8 bytes */
    int64_t separator_len;
} cembed_analyzer;

/* A growable array of int64 owned by C; start from {NULL, 0, 0}. */
typedef struct {
    int64_t *data;
    int64_t size, capacity;
} cembed_i64vec;
void cembed_i64vec_free(cembed_i64vec *v);

/* A vocabulary (vocab.c): a hash table from UTF-8 keys to entries that keep
 * a value, a count and a document count, in insertion order (entry ids
 * 0, 1, ...). */
typedef struct cembed_vocab cembed_vocab;
cembed_vocab *cembed_vocab_new(void);            /* NULL when out of memory */
void cembed_vocab_free(cembed_vocab *v);
void cembed_vocab_clear(cembed_vocab *v);
int64_t cembed_vocab_size(const cembed_vocab *v);
/* Insert key (or find it) and set its value. */
int cembed_vocab_insert(cembed_vocab *v, const char *key, int64_t len, int64_t value,
                        int64_t *id_out);
/* The entry id of key, or -1. */
int64_t cembed_vocab_find(const cembed_vocab *v, const char *key, int64_t len);
void cembed_vocab_entry(const cembed_vocab *v, int64_t id, const char **key, int64_t *key_len,
                        int64_t *value, int64_t *count, int64_t *docs);

/* Count the tokens of n texts: each token adds 1 to its entry's count
 * (inserted with value 0 when new), and 1 to its docs once per text; text
 * i is document first_doc + i. *num_tokens (may be NULL) gets the total. */
int cembed_vocab_count_texts(cembed_vocab *v, const cembed_analyzer *a,
                             const char *const *texts, const int64_t *lens,
                             const uint8_t *lower, int64_t n, int64_t first_doc,
                             int64_t *num_tokens);
/* Count one document given as tokens: token i is buf[offsets[i]:offsets[i+1]]. */
int cembed_vocab_count_tokens(cembed_vocab *v, const char *buf, const int64_t *offsets,
                              int64_t n, int64_t doc);
/* Look up the tokens of n texts and append to out, per token, its entry id;
 * a token that is absent, or whose value is >= limit (when limit > 0), gives
 * oov_code instead, or nothing when oov_code is -1. Text i's ids are
 * out[offsets[i]:offsets[i+1]] (offsets has n + 1 entries). Runs on several
 * threads (over texts) for large inputs. */
int cembed_vocab_lookup_texts(const cembed_vocab *v, const cembed_analyzer *a,
                              const char *const *texts, const int64_t *lens,
                              const uint8_t *lower, int64_t n, int64_t limit,
                              int64_t oov_code, cembed_i64vec *out, int64_t *offsets);
/* The hashing trick: per token murmurhash3_32(token, seed) % modulus + 1
 * (modulus >= 1, else CEMBED_ERR_VALUE), laid out as in lookup_texts. */
int cembed_hash_texts(const cembed_analyzer *a, const char *const *texts,
                      const int64_t *lens, const uint8_t *lower, int64_t n, uint32_t seed,
                      uint64_t modulus, cembed_i64vec *out, int64_t *offsets);

/* A padded array of texts' numbers, as Keras' pad_sequences makes it:
 * text i's sequence goes to row i of out, (n, maxlen) row-major, int64
 * (is_i64 = 1) or int32 (the caller makes sure the numbers fit), its last
 * maxlen numbers kept (or, truncate_post, its first), at the end of the
 * row (or, pad_post, the start). The caller has written the padding value
 * everywhere; the other entries are left as they are. out == NULL: only
 * the lengths are computed. */
typedef struct {
    void *out;
    int64_t maxlen;
    int pad_post;
    int truncate_post;
    int is_i64;
} cembed_padded;
/* Keras' pad_sequences(texts_to_sequences(texts)) in one pass: each token
 * gives its entry's value; a token that is absent, or whose value is
 * >= limit (when limit > 0), gives *oov_value, or nothing when oov_value
 * is NULL. seq_lens (may be NULL) gets each text's full sequence length.
 * out->maxlen < 0 (with out->out) is CEMBED_ERR_VALUE. Runs on several
 * threads (over texts) for large inputs. */
int cembed_vocab_lookup_padded(const cembed_vocab *v, const cembed_analyzer *a,
                               const char *const *texts, const int64_t *lens,
                               const uint8_t *lower, int64_t n, int64_t limit,
                               const int64_t *oov_value, const cembed_padded *out,
                               int64_t *seq_lens);
/* The hashing trick (as cembed_hash_texts) into a padded array (as
 * cembed_vocab_lookup_padded). */
int cembed_hash_padded(const cembed_analyzer *a, const char *const *texts, const int64_t *lens,
                       const uint8_t *lower, int64_t n, uint32_t seed, uint64_t modulus,
                       const cembed_padded *out, int64_t *seq_lens);

/* pad_sequences (sequence.c): sequence r, values[offsets[r]:offsets[r+1]],
 * at most maxlen values (a longer one is cut to its first maxlen), goes to
 * the end (or, pad_post, the start) of row r of out (num_seqs, maxlen),
 * whose other entries are left as they are. */
void cembed_pad_place_i32(const int32_t *values, const int64_t *offsets, int64_t num_seqs,
                          int64_t maxlen, int pad_post, int32_t *out);


/* ---- pretrained vectors (wordvec_io.c, decimal.c) ---------------------- */
/* Readers and writers of word2vec text/binary, GloVe and fastText .vec
 * files. Numbers are parsed without the C locale: the text grammar is
 * Python's float() without underscores ([+-] digits [. digits] [e[+-]digits],
 * "inf", "infinity", "nan", any case); the value is the correctly rounded
 * double, then rounded to float32 (what NumPy and gensim give). */

/* Where and why a file is malformed. line: 1-based line (text formats, and
 * the header of binary files), 0 if not applicable; offset: byte offset in
 * the file (binary formats), -1 if not applicable. */
typedef struct {
    int64_t line;
    int64_t offset;
    int sys_errno;
    char message[256];
} cembed_w2v_error;

typedef struct cembed_w2v_reader cembed_w2v_reader;

/* Open `path` and read its header. binary: -1 detect, 0 text (with or
 * without a "V D" header), 1 word2vec binary (header required). limit < 0:
 * no limit. On success *num_rows is the number of rows the header promises
 * (min(V, limit)), or -1 without a header (GloVe); *dim the vector size;
 * *is_binary the format; *size_hint the rows to allocate first: the header's
 * count, cut to what the file size can hold, or for GloVe the file's line
 * count (the file is read twice for it); a guess for pipes. Text rows are
 * split at ' ', '\t', '\r', '\v', '\f'; a row with more than D + 1 fields
 * is a word with spaces unless the field before the last D is a number. */
int cembed_w2v_open(const char *path, int binary, int64_t limit,
                    cembed_w2v_reader **reader, int64_t *num_rows, int64_t *dim,
                    int *is_binary, int *has_header, int64_t *size_hint,
                    cembed_w2v_error *err);
/* Parse up to max_rows more rows into out (max_rows * dim float32,
 * contiguous). *n_read rows were written; *done is 1 when the file (or the
 * header count, or the limit) is exhausted; otherwise call again with more
 * room. Malformed data (and a header count larger than the file) is
 * CEMBED_ERR_FORMAT with the line (text) or byte offset (binary) in err. */
int cembed_w2v_read(cembed_w2v_reader *reader, float *out, int64_t max_rows,
                    int64_t *n_read, int *done, cembed_w2v_error *err);
/* The words read so far: word i is bytes[offsets[i] .. offsets[i+1]), found
 * on line where[i] (text) or at byte offset where[i] (binary). */
void cembed_w2v_words(const cembed_w2v_reader *reader, const char **bytes,
                      const int64_t **offsets, const int64_t **where, int64_t *count);
void cembed_w2v_close(cembed_w2v_reader *reader);

/* Move rows keep[0..k) (increasing, keep[j] >= j) to rows 0..k) in place. */
void cembed_compact_rows_f32(float *matrix, int64_t dim, const int64_t *keep, int64_t k);

/* Check that every word can be written in the format (CEMBED_ERR_VALUE and
 * *bad_row otherwise, with a reason in err->message): not empty, no '\n';
 * binary: no ' '; text: no leading or trailing white space, and a word with
 * white space inside must not end in a field that reads as a number. */
int cembed_w2v_check_words(const char *words, const int64_t *offsets, int64_t n,
                           int binary, int64_t *bad_row, cembed_w2v_error *err);
/* Write n words and the (n, dim) matrix (float32 if is_f64 == 0, else
 * float64; row stride ld elements) to `path` as word2vec text or binary,
 * values as float32; text uses the shortest decimal (at most 9 significant
 * digits) that reads back to the same float32. */
int cembed_w2v_save(const char *path, const char *words, const int64_t *offsets,
                    int64_t n, const void *matrix, int is_f64, int64_t ld,
                    int64_t dim, int binary, cembed_w2v_error *err);
/* Parse [s, end) as one number, as the readers do: 1 and *out on success,
 * 0 if [s, end) is not entirely a number. */
int cembed_parse_double(const char *s, const char *end, double *out);
/* Format a float32 as the text writer does; returns the length (< 32). */
int cembed_format_f32(float x, char *out);

/* ---- instruction-set paths (isa.c) ----
 * The kernels are compiled once per path and run the chosen one; every
 * path gives bitwise the same results. The path is chosen on first use
 * from the environment variable CEMBED_ISA (a path's name) if the CPU has
 * it, else the best the CPU has; cembed_isa_select chooses again. */
#define CEMBED_ISA_BASELINE 0 /* the architecture's baseline (SSE2 on x86-64) */
#define CEMBED_ISA_AVX2 1     /* AVX2, FMA and F16C */
#define CEMBED_ISA_AVX512 2   /* AVX-512 F, BW, VL and DQ */
#define CEMBED_ISA_COUNT 3
/* The path the kernels run. */
int cembed_isa(void);
/* 1 if this CPU (and this build) can run path isa, else 0. */
int cembed_isa_supported(int isa);
/* "baseline", "avx2", "avx512"; NULL for any other number. */
const char *cembed_isa_name(int isa);
/* Run path `name` from now on (NULL or "": the best this CPU has);
 * CEMBED_ERR_VALUE, and nothing changed, for an unknown name or a path
 * the CPU does not have. */
int cembed_isa_select(const char *name);
/* The compiler and its version that built the library. */
const char *cembed_compiler(void);

/* ==== text classification (classify.c) ==================================== */
/* fastText's supervised model. A dictionary splits texts into tokens at the
 * bytes marked in `delim` (256 entries); every text ends with the word
 * "</s>". With a label prefix (label_len > 0), tokens that start with it
 * are labels: counted apart and collected when reading files, skipped in
 * texts. Files are split into lines at '\n' and lines into tokens at
 * fastText's white space (' ', '\t', '\v', '\f', '\r', '\0'); a blank
 * line is no example; a line without a label is CEMBED_ERR_FORMAT with its
 * 1-based number in err->line. */
enum { CEMBED_FT_SOFTMAX = 0, CEMBED_FT_HS = 1, CEMBED_FT_OVA = 2 };

/* fastText's 32-bit FNV-1a over the bytes taken as signed chars. */
uint32_t cembed_ft_hash(const char *s, int64_t len);

typedef struct cembed_ft_dict cembed_ft_dict;
cembed_ft_dict *cembed_ft_dict_new(const uint8_t *delim, const char *label, int64_t label_len);
void cembed_ft_dict_free(cembed_ft_dict *d);
/* Count words and labels; lower[i] = 1 lowercases A-Z of text i. */
int cembed_ft_dict_count_texts(cembed_ft_dict *d, const char *const *texts, const int64_t *lens,
                               const uint8_t *lower, int64_t n);
/* Token lists: text i's tokens are j in [text_off[i], text_off[i+1]),
 * token j being buf[tok_off[j] .. tok_off[j+1]). */
int cembed_ft_dict_count_tokens(cembed_ft_dict *d, const char *buf, const int64_t *tok_off,
                                const int64_t *text_off, int64_t n);
int cembed_ft_dict_count_file(cembed_ft_dict *d, const char *path, int64_t *num_lines,
                              cembed_w2v_error *err);
/* Keep words counted >= min_count and labels >= min_count_label, most
 * frequent first (ties in first-seen order); n-gram rows follow the words
 * in `buckets` rows (0 when word_ngrams == 1, as fastText). */
int cembed_ft_dict_finalize(cembed_ft_dict *d, int64_t min_count, int64_t min_count_label,
                            int64_t buckets, int word_ngrams);
/* The word list of a saved model, word i being buf[offsets[i] .. offsets[i+1]);
 * a repeated word is CEMBED_ERR_VALUE. */
int cembed_ft_dict_set_words(cembed_ft_dict *d, const char *buf, const int64_t *offsets,
                             int64_t n, int64_t buckets, int word_ngrams);
/* The label list of a saved model (without the prefix), in id order. */
int cembed_ft_dict_set_labels(cembed_ft_dict *d, const char *buf, const int64_t *offsets,
                              int64_t n);
int64_t cembed_ft_dict_nwords(const cembed_ft_dict *d);
int64_t cembed_ft_dict_nlabels(const cembed_ft_dict *d);
int64_t cembed_ft_dict_ntokens(const cembed_ft_dict *d);
void cembed_ft_dict_word(const cembed_ft_dict *d, int64_t i, const char **key, int64_t *len,
                         int64_t *count);
void cembed_ft_dict_label(const cembed_ft_dict *d, int64_t i, const char **key, int64_t *len,
                          int64_t *count);

/* Examples: each text's input-table rows (its known words in order, then
 * its word n-grams, row n_words + h % buckets), its label ids and the
 * tokens before it (fastText's count, which drives the learning rate). */
typedef struct cembed_ft_data cembed_ft_data;
cembed_ft_data *cembed_ft_data_new(void);
void cembed_ft_data_free(cembed_ft_data *x);
int64_t cembed_ft_data_size(const cembed_ft_data *x);
void cembed_ft_data_arrays(const cembed_ft_data *x, const int32_t **rows, const int64_t **row_off,
                           const int32_t **labels, const int64_t **label_off,
                           const int64_t **tokens);
/* labels (may be NULL): text i's label ids are labels[label_off[i] .. label_off[i+1]) */
int cembed_ft_data_add_texts(cembed_ft_data *x, const cembed_ft_dict *d, const char *const *texts,
                             const int64_t *lens, const uint8_t *lower, int64_t n,
                             const int32_t *labels, const int64_t *label_off);
int cembed_ft_data_add_tokens(cembed_ft_data *x, const cembed_ft_dict *d, const char *buf,
                              const int64_t *tok_off, const int64_t *text_off, int64_t n,
                              const int32_t *labels, const int64_t *label_off);
int cembed_ft_data_add_file(cembed_ft_data *x, const cembed_ft_dict *d, const char *path,
                            cembed_w2v_error *err);
/* A fastText training file read once: its words and labels counted into d
 * (new), d finalized as cembed_ft_dict_finalize, and its examples appended
 * to x (empty): the dictionary and examples of cembed_ft_dict_count_file,
 * cembed_ft_dict_finalize and cembed_ft_data_add_file, in one pass. */
int cembed_ft_read_file(cembed_ft_dict *d, cembed_ft_data *x, const char *path,
                        int64_t min_count, int64_t min_count_label, int64_t buckets,
                        int word_ngrams, int64_t *num_lines, cembed_w2v_error *err);

/* w = uniform in [-bound, bound), from seed and the row number alone. */
void cembed_ft_init_uniform_f32(float *w, int64_t rows, int64_t dim, double bound, uint64_t seed);
/* fastText's Huffman tree over label counts (non-increasing, else
 * CEMBED_ERR_ORDER): parent and binary have 2n - 1 entries; leaves are
 * 0..n-1, internal node i uses output row i - n. */
int cembed_ft_huffman(const int64_t *counts, int64_t n, int32_t *parent, uint8_t *binary);
/* `epochs` passes of SGD over mini-batches of `batch` examples, the
 * learning rate lr * (1 - tokens seen / (epochs * tokens)) per example;
 * epoch_loss (may be NULL) gets each epoch's mean loss. wi is
 * (in_rows, dim), wo (nlabels, dim), both contiguous; bitwise the same for
 * any number of threads. A row or label out of range: CEMBED_ERR_INDEX,
 * nothing written. */
int cembed_ft_train_f32(float *wi, int64_t in_rows, float *wo, int64_t nlabels, int64_t dim,
                        const cembed_ft_data *x, int loss, const int32_t *parent,
                        const uint8_t *binary, double lr, int64_t epochs, int64_t batch,
                        uint64_t seed, double *epoch_loss, int64_t *bad_pos);
/* The input table of prediction: float32 rows (kind CEMBED_FT_F32, wi a
 * contiguous (in_rows, dim) float array) or packed rows of a compact kind
 * (CEMBED_COMPACT_*, wi the packed rows end to end). */
enum { CEMBED_FT_F32 = -1 };
/* out (n, dim): the mean of each example's rows (zeros without rows): the
 * sum in row order times 1/n; over a compact table, the same over the
 * dequantized rows. */
int cembed_ft_hidden(int kind, const void *wi, int64_t in_rows, int64_t dim,
                     const cembed_ft_data *x, float *out, int64_t *bad_pos);
/* From hidden vectors (n, dim): proba (n, nlabels) if not NULL, and if top
 * is not NULL the k most probable labels at or above threshold, best first
 * (ties to the smaller id) in top (n, k) with their probabilities in top_p;
 * -1 fills the rest. For hs the top k come from a pruned depth-first search
 * of the tree (as fastText's), equal to ranking every label's probability. */
int cembed_ft_predict_f32(const float *hidden, int64_t n, int64_t dim, const float *wo,
                          int64_t nlabels, int loss, const int32_t *parent, const uint8_t *binary,
                          int64_t k, double threshold, float *proba, int32_t *top, float *top_p);
/* Prediction from texts in one call: str texts (texts, lens, lower) or
 * token lists (buf, tok_off, text_off; texts NULL) as the dictionary reads
 * them (label tokens skipped), pooled over the input table as
 * cembed_ft_hidden, then scored as cembed_ft_predict_f32. Outputs that are
 * NULL are not computed: hidden (n, dim), proba (n, nlabels), top and
 * top_p (n, k); wo may be NULL when only hidden is asked. Threads take
 * blocks of texts and each text is computed by one thread, so the outputs
 * do not depend on the thread count. The table must hold the dictionary's
 * rows (words and buckets), else CEMBED_ERR_VALUE. */
int cembed_ft_predict_texts(const cembed_ft_dict *d, const char *const *texts,
                            const int64_t *lens, const uint8_t *lower, const char *buf,
                            const int64_t *tok_off, const int64_t *text_off, int64_t n, int kind,
                            const void *wi, int64_t in_rows, int64_t dim, const float *wo,
                            int64_t nlabels, int loss, const int32_t *parent,
                            const uint8_t *binary, int64_t k, double threshold, float *hidden,
                            float *proba, int32_t *top, float *top_p);
/* ==== end of text classification ========================================== */

/* ---- compact tables (quantize.c) --------------------------------------- */
/* Packed row formats (FBGEMM's):
 *   CEMBED_COMPACT_F16   dim float16
 *   CEMBED_COMPACT_BF16  dim bfloat16 (the upper 16 bits of a float32)
 *   CEMBED_COMPACT_INT8  dim uint8 codes, float32 scale, float32 bias
 *   CEMBED_COMPACT_INT4  ceil(dim/2) bytes (low nibble first), float16
 *                        scale, float16 bias
 * A row-wise element is code * scale + bias, rounded after the product and
 * after the sum. Packed rows are ld_bytes apart. */
enum {
    CEMBED_COMPACT_F16 = 0,
    CEMBED_COMPACT_BF16 = 1,
    CEMBED_COMPACT_INT8 = 2,
    CEMBED_COMPACT_INT4 = 3
};
/* The bytes of one packed row (-1 for an unknown kind or dim < 0). */
int64_t cembed_compact_row_bytes(int kind, int64_t dim);
/* Pack a (num_rows, dim) float32 (is_f64 = 0) or float64 table, ld
 * elements between rows, into out (rows out_ld bytes apart). Every row is
 * checked first: one with inf or NaN, or one whose packed values would not
 * be finite (beyond float16's range for F16, and for INT4's bias and scale;
 * beyond bfloat16's for BF16; a range beyond float32's for INT8) is
 * CEMBED_ERR_VALUE with *bad_row the first such row, and nothing written. */
int cembed_quantize(int kind, const void *table, int is_f64, int64_t num_rows, int64_t ld,
                    int64_t dim, uint8_t *out, int64_t out_ld, int64_t *bad_row);
/* out[i, :] = packed row idx[i] as float32 (row i when idx is NULL, the
 * whole table when n = num_rows); out (n, dim) contiguous. */
int cembed_compact_gather(int kind, const uint8_t *data, int64_t num_rows, int64_t ld_bytes,
                          int64_t dim, const int64_t *idx, int64_t n, float *out,
                          int64_t *bad_pos);
/* cembed_bag_f32 over packed rows: the same bags, modes, weights, padding
 * and errors. Bitwise the float32 bag over the dequantized table for the
 * half floats and for max; a row-wise (INT8, INT4) sum, mean or sqrtn adds
 * code * scale per column in a fused multiply-add (acc = fma(code, scale,
 * acc), one rounding) and the biases apart, once per bag (see
 * docs/compact.rst), the same bits on every path and thread count.
 * A single bag (num_bags = 1, offsets {0, n}) gives one text's pooled
 * vector, serially for small bags, so it can be called from a thread. */
int cembed_compact_bag(int kind, const uint8_t *data, int64_t num_rows, int64_t ld_bytes,
                       int64_t dim, const int64_t *idx, const int64_t *offsets,
                       int64_t num_bags, int mode, const float *weights, int64_t padding_idx,
                       float *out, int64_t *bad_pos);
/* ---- end of compact tables --------------------------------------------- */

/* ---- word2vec training (word2vec.c) ------------------------------------ */
/* Sentences longer than this many tokens are cut into pieces this long. */
#define CEMBED_W2V_MAX_SENTENCE 10000

/* Count the words of num_sentences sentences into *vocab (entry value +
 * count is a word's count; with max_vocab_size > 0 the table is pruned of
 * words counted fewer than *min_reduce times whenever it grows past it,
 * after a sentence piece, and *min_reduce grows by one: *vocab may then be
 * a new table). Sentence s is buf[sent[s], sent[s+1]) split at white space
 * as Python's str.split() (tok == NULL), or the tokens tok[sent[s]] ..
 * tok[sent[s+1]) with token i = buf[tok[i], tok[i+1]). *raw_words grows by
 * the tokens read. Invalid UTF-8 is CEMBED_ERR_FORMAT, *bad_sentence its
 * sentence. */
int cembed_word2vec_scan(cembed_vocab **vocab, const char *buf, const int64_t *tok,
                         const int64_t *sent, int64_t num_sentences, int64_t max_vocab_size,
                         int64_t *min_reduce, int64_t *raw_words, int64_t *bad_sentence);
/* The same for a UTF-8 file, one sentence a line ('\n'); *num_sentences
 * grows by the sentence pieces. Errors name the line in err. */
int cembed_word2vec_scan_file(cembed_vocab **vocab, const char *path, int64_t max_vocab_size,
                              int64_t *min_reduce, int64_t *raw_words, int64_t *num_sentences,
                              cembed_w2v_error *err);
/* Append to ids the entry ids in `vocab` of the known words of each
 * sentence piece, and to ends the position one past each piece's last id
 * (pieces without a known word add nothing). */
int cembed_word2vec_ids(const cembed_vocab *vocab, const char *buf, const int64_t *tok,
                        const int64_t *sent, int64_t num_sentences, cembed_i64vec *ids,
                        cembed_i64vec *ends, int64_t *raw_words, int64_t *bad_sentence);
int cembed_word2vec_ids_file(const cembed_vocab *vocab, const char *path, cembed_i64vec *ids,
                             cembed_i64vec *ends, int64_t *raw_words, cembed_w2v_error *err);
/* One epoch of skip-gram (sg = 1) or CBOW (mean of the context) with
 * negative sampling over the sentences ids[ends[s-1], ends[s]) (each 1 ..
 * CEMBED_W2V_MAX_SENTENCE ids in [0, num_words), else CEMBED_ERR_ORDER /
 * CEMBED_ERR_INDEX and *bad_pos). syn0, syn1neg: (num_words, dim)
 * contiguous. sample_int (NULL: no subsampling) keeps a word when >= the
 * next 32-bit draw; cum_table: gensim's cumulative unigram^ns_exponent
 * table (non-decreasing, last entry > 0). The rate decays linearly from
 * alpha to min_alpha over positions words_done .. words_total: position
 * words_done + i for the corpus's word i, or with region_decay for the
 * word i places after its region's first (gensim's corpus_file mode, where
 * each worker counts its own words against all of them). The corpus
 * is cut into `workers` regions, each with its own random stream from
 * (seed, epoch, region); unless hogwild, each writes private copies of
 * rows, merged in a fixed order every round of a few thousand words, so the
 * result is bitwise the same for any number of threads. *effective_words: the words kept by subsampling. */
int cembed_word2vec_train_epoch(float *syn0, float *syn1neg, int64_t num_words, int64_t dim,
                                const int32_t *ids, const int64_t *ends, int64_t num_sentences,
                                const uint32_t *sample_int, const uint32_t *cum_table, int sg,
                                int64_t window, int64_t negative, double alpha, double min_alpha,
                                int64_t words_done, int64_t words_total, uint64_t seed,
                                int64_t epoch, int64_t workers, int hogwild, int region_decay,
                                int64_t *effective_words, int64_t *bad_pos);
/* ---- end of word2vec training ------------------------------------------ */

#ifdef __cplusplus
}
#endif

#endif /* CEMBED_H */
