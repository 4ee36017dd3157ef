# cembed's kernels for other Cython code:
#
#     from cembed._core cimport gather_rows, STATUS_OK
#
# Each function is the C kernel of src_c/cembed.h (see there for the
# arguments), reached through this module, so a downstream extension needs
# no extra link step. All are `noexcept nogil`: call them without the GIL,
# check the returned status, and find the first bad index in `bad_pos`.
from libc.stdint cimport int32_t, int64_t, uint32_t

cdef enum:
    STATUS_OK = 0
    STATUS_ERR_INDEX = 1
    STATUS_ERR_VALUE = 2
    STATUS_ERR_NOMEM = 3
    STATUS_ERR_ORDER = 4

cdef enum:
    BAG_SUM = 0
    BAG_MEAN = 1
    BAG_SQRTN = 2
    BAG_MAX = 3

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
cdef int scatter_add_f32(float *table, int64_t num_rows, int64_t ld, int64_t dim,
                         const int64_t *idx, int64_t n, const float *grad,
                         int64_t *bad_pos) noexcept nogil
cdef int scatter_add_f64(double *table, int64_t num_rows, int64_t ld, int64_t dim,
                         const int64_t *idx, int64_t n, const double *grad,
                         int64_t *bad_pos) noexcept nogil
cdef int adam_f32(float *table, int64_t ld, float *m, int64_t ld_m, float *v, int64_t ld_v,
                  int64_t num_rows, int64_t dim, const int64_t *rows, int64_t k,
                  const float *grads, int64_t step, double lr, double beta1, double beta2,
                  double eps, int64_t *bad_pos) noexcept nogil
cdef int sgd_f32(float *table, int64_t ld, int64_t num_rows, int64_t dim, const int64_t *rows,
                 int64_t k, const float *grads, double lr, int64_t *bad_pos) noexcept nogil
cdef uint32_t murmurhash3_bytes(const void *key, int64_t length, uint32_t seed) noexcept nogil
