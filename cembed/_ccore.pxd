# The C API of src_c/cembed.h, for Cython. Only the binding uses it.
from libc.stdint cimport int32_t, int64_t, uint32_t

cdef extern from "cembed.h" nogil:
    enum:
        CEMBED_OK
        CEMBED_ERR_INDEX
        CEMBED_ERR_VALUE
        CEMBED_ERR_NOMEM
        CEMBED_ERR_ORDER
        CEMBED_ERR_FORMAT
    enum:
        CEMBED_BAG_SUM
        CEMBED_BAG_MEAN
        CEMBED_BAG_SQRTN
        CEMBED_BAG_MAX

    int cembed_openmp_enabled() noexcept
    void cembed_set_num_threads(int n) noexcept
    int cembed_get_num_threads() noexcept

    uint32_t cembed_murmurhash3_32(const void *key, int64_t len, uint32_t seed) noexcept
    uint32_t cembed_murmurhash3_int32(int32_t key, uint32_t seed) noexcept

    int cembed_check_indices(const int64_t *idx, int64_t n, int64_t num_rows, int64_t *bad_pos) noexcept

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
