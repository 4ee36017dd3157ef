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
    CEMBED_ERR_FORMAT = 5   /* malformed input data (text, files)          */
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


/* ---- text (tokenize.c) ------------------------------------------------- */




/* ---- pretrained vectors (vectors.c) ------------------------------------ */




#ifdef __cplusplus
}
#endif

#endif /* CEMBED_H */
