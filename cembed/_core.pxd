# cembed's kernels for other Cython code, reached through cembed's own
# extension module (no link step):
#
#     # setup.py: Extension(..., include_dirs=[cembed.get_include()])
#     # cython: include_path = [cembed.get_include()]
#     from cembed._core cimport gather_rows, CEMBED_OK
#
# Each function is the C function of src_c/cembed.h whose name it carries
# after "cembed_" (gather_rows is cembed_gather, murmurhash3_bytes is
# cembed_murmurhash3_32; see the header for the arguments); every kernel
# comes in float32 and float64. The status codes and modes are those of the
# header, declared once in libcembed.pxd. All are `noexcept nogil`: call
# them without the GIL, check the returned status, and find the first bad
# index in `bad_pos`.
from libc.stdint cimport int32_t, int64_t, uint32_t

from libcembed cimport (
    CEMBED_BAG_MAX,
    CEMBED_BAG_MEAN,
    CEMBED_BAG_SQRTN,
    CEMBED_BAG_SUM,
    CEMBED_ERR_FORMAT,
    CEMBED_ERR_INDEX,
    CEMBED_ERR_IO,
    CEMBED_ERR_NOMEM,
    CEMBED_ERR_ORDER,
    CEMBED_ERR_VALUE,
    CEMBED_OK,
)

# threads: the count the kernels use (cembed.get_num_threads())
cdef int num_threads() noexcept nogil

# index checks
cdef int check_indices(const int64_t *idx, int64_t n, int64_t num_rows,
                       int64_t *bad_pos) noexcept nogil
cdef int check_rows(const int64_t *rows, int64_t k, int64_t num_rows,
                    int64_t *bad_pos) noexcept nogil

# lookups
cdef int gather_rows(const void *table, int64_t num_rows, int64_t ld_bytes, int64_t row_bytes,
                     const int64_t *idx, int64_t n, void *out, int64_t *bad_pos) noexcept nogil
cdef int bag_f32(const float *table, int64_t num_rows, int64_t ld, int64_t dim,
                 const int64_t *idx, const int64_t *offsets, int64_t num_bags, int mode,
                 const float *weights, int64_t padding_idx, float *out,
                 int64_t *bad_pos) noexcept nogil
cdef int bag_f64(const double *table, int64_t num_rows, int64_t ld, int64_t dim,
                 const int64_t *idx, const int64_t *offsets, int64_t num_bags, int mode,
                 const double *weights, int64_t padding_idx, double *out,
                 int64_t *bad_pos) noexcept nogil

# sparse gradients
cdef int group_rows(const int64_t *idx, int64_t n, int64_t num_rows, int64_t *rows,
                    int64_t *order, int64_t *starts, int64_t *k_out,
                    int64_t *bad_pos) noexcept nogil
cdef void sum_groups_f32(const float *grad, int64_t dim, const int64_t *order,
                         const int64_t *starts, int64_t k, float *values) noexcept nogil
cdef void sum_groups_f64(const double *grad, int64_t dim, const int64_t *order,
                         const int64_t *starts, int64_t k, double *values) noexcept nogil
cdef void sum_groups_scaled_f32(const float *grad, int64_t dim, const int64_t *bag_of,
                                const float *scale, const int64_t *order,
                                const int64_t *starts, int64_t k, float *values) noexcept nogil
cdef void sum_groups_scaled_f64(const double *grad, int64_t dim, const int64_t *bag_of,
                                const double *scale, const int64_t *order,
                                const int64_t *starts, int64_t k, double *values) noexcept nogil
cdef int bag_scales_f32(const int64_t *idx, const int64_t *offsets, int64_t num_bags, int mode,
                        const float *weights, int64_t padding_idx, int64_t *idx_kept,
                        int64_t *bag_of, float *scale, int64_t *n_kept) noexcept nogil
cdef int bag_scales_f64(const int64_t *idx, const int64_t *offsets, int64_t num_bags, int mode,
                        const double *weights, int64_t padding_idx, int64_t *idx_kept,
                        int64_t *bag_of, double *scale, int64_t *n_kept) noexcept nogil
cdef int scatter_add_f32(float *table, int64_t num_rows, int64_t ld, int64_t dim,
                         const int64_t *idx, int64_t n, const float *grad,
                         int64_t *bad_pos) noexcept nogil
cdef int scatter_add_f64(double *table, int64_t num_rows, int64_t ld, int64_t dim,
                         const int64_t *idx, int64_t n, const double *grad,
                         int64_t *bad_pos) noexcept nogil

# row optimizers
cdef int adam_f32(float *table, int64_t ld, float *m, int64_t ld_m, float *v, int64_t ld_v,
                  int64_t num_rows, int64_t dim, const int64_t *rows, int64_t k,
                  const float *grads, int64_t step, double lr, double beta1, double beta2,
                  double eps, int64_t *bad_pos) noexcept nogil
cdef int adam_f64(double *table, int64_t ld, double *m, int64_t ld_m, double *v, int64_t ld_v,
                  int64_t num_rows, int64_t dim, const int64_t *rows, int64_t k,
                  const double *grads, int64_t step, double lr, double beta1, double beta2,
                  double eps, int64_t *bad_pos) noexcept nogil
cdef int adagrad_f32(float *table, int64_t ld, float *accum, int64_t ld_acc, int64_t num_rows,
                     int64_t dim, const int64_t *rows, int64_t k, const float *grads,
                     double lr, double eps, int64_t *bad_pos) noexcept nogil
cdef int adagrad_f64(double *table, int64_t ld, double *accum, int64_t ld_acc, int64_t num_rows,
                     int64_t dim, const int64_t *rows, int64_t k, const double *grads,
                     double lr, double eps, int64_t *bad_pos) noexcept nogil
cdef int sgd_f32(float *table, int64_t ld, int64_t num_rows, int64_t dim, const int64_t *rows,
                 int64_t k, const float *grads, double lr, int64_t *bad_pos) noexcept nogil
cdef int sgd_f64(double *table, int64_t ld, int64_t num_rows, int64_t dim, const int64_t *rows,
                 int64_t k, const double *grads, double lr, int64_t *bad_pos) noexcept nogil

# hashing
cdef uint32_t murmurhash3_bytes(const void *key, int64_t length, uint32_t seed) noexcept nogil
cdef uint32_t murmurhash3_int32(int32_t key, uint32_t seed) noexcept nogil
