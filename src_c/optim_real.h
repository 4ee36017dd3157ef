/*
 * optim_real.h - Adam, Adagrad and SGD for one element type; optim.c
 * includes it for float and double.
 */
#include "template.h"

/* Rows are prefetched this many ahead: listed rows are sparse in the
 * table, so the hardware prefetcher does not see them coming. */
#ifndef OPT_AHEAD
#define OPT_AHEAD 4
#endif
/* ... into L2 only (__builtin_prefetch's locality 1: prefetcht2 where
 * there is no PREFETCHW), whose miss buffers keep more lines in flight
 * than L1's: a row of each of param, m and v is 15 lines at D = 64. On
 * AMD Zen 4 (AVX2 path, D = 64, benchmarks/memory_limit.c's adam probe)
 * Adam took 1.35-1.5x the time of a loop that only reads and writes the
 * same lines with prefetches into L1, and 1.0-1.1x with prefetches into
 * L2. */
#ifndef OPT_LOCALITY
#define OPT_LOCALITY 1
#endif

static inline void FN(prefetch_w)(REAL *row, int64_t dim)
{
    char *c = (char *)((uintptr_t)row & ~(uintptr_t)63), *end = (char *)(row + dim);
    for (; c < end; c += 64)
        CEMBED_PREFETCH_AT(c, 1, OPT_LOCALITY);
}

/* The update is the formula of docs/kernels.rst rearranged as PyTorch computes it, one
 * square root and one division an element:
 *   w -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps)                   */
CEMBED_INLINE void FN(adam_rows_body)(const int isa, REAL *table, int64_t ld, REAL *m,
                                      int64_t ld_m, REAL *v, int64_t ld_v, int64_t dim,
                                      const int64_t *rows, int64_t j0, int64_t j1,
                                      const REAL *grads, REAL b1, REAL b2, REAL one_b1,
                                      REAL one_b2, REAL step_size, REAL inv_sqrt_bc2, REAL eps)
{
    (void)isa;
    for (int64_t j = j0; j < j1; j++) {
        if (j + OPT_AHEAD < j1) {
            const int64_t q = rows[j + OPT_AHEAD];
            FN(prefetch_w)(table + q * ld, dim);
            FN(prefetch_w)(m + q * ld_m, dim);
            FN(prefetch_w)(v + q * ld_v, dim);
        }
        const int64_t r = rows[j];
        REAL *CEMBED_RESTRICT w = table + r * ld;
        REAL *CEMBED_RESTRICT mr = m + r * ld_m;
        REAL *CEMBED_RESTRICT vr = v + r * ld_v;
        const REAL *CEMBED_RESTRICT g = grads + j * dim;
        for (int64_t d = 0; d < dim; d++) {
            REAL md = b1 * mr[d] + one_b1 * g[d];
            REAL vd = b2 * vr[d] + one_b2 * g[d] * g[d];
            mr[d] = md;
            vr[d] = vd;
            w[d] -= step_size * md / (SQRT(vd) * inv_sqrt_bc2 + eps);
        }
    }
}
CEMBED_ISA_KERNEL(FN(adam_rows), FN(adam_rows_body),
                  (REAL *table, int64_t ld, REAL *m, int64_t ld_m, REAL *v, int64_t ld_v,
                   int64_t dim, const int64_t *rows, int64_t j0, int64_t j1, const REAL *grads,
                   REAL b1, REAL b2, REAL one_b1, REAL one_b2, REAL step_size,
                   REAL inv_sqrt_bc2, REAL eps),
                  (table, ld, m, ld_m, v, ld_v, dim, rows, j0, j1, grads, b1, b2, one_b1,
                   one_b2, step_size, inv_sqrt_bc2, eps))

int FN(cembed_adam)(REAL *table, int64_t ld, REAL *m, int64_t ld_m, REAL *v, int64_t ld_v,
                    int64_t num_rows, int64_t dim, const int64_t *rows, int64_t k,
                    const REAL *grads, int64_t step, double lr, double beta1, double beta2,
                    double eps, int64_t *bad_pos)
{
    if (step < 1)
        return CEMBED_ERR_VALUE;
    int status = cembed_check_rows(rows, k, num_rows, bad_pos);
    if (status != CEMBED_OK)
        return status;
    const double bc1 = 1.0 - pow(beta1, (double)step);
    const double bc2 = 1.0 - pow(beta2, (double)step);
    const REAL one_b1 = (REAL)(1.0 - beta1), one_b2 = (REAL)(1.0 - beta2);
    int nt = cembed_threads_for(k * dim * 4 * (int64_t)sizeof(REAL));
    (void)nt; /* unused without OpenMP */
    CEMBED_OMP(parallel num_threads(nt))
    {
        int64_t j0, j1;
        cembed_thread_share(k, &j0, &j1);
        FN(adam_rows)(table, ld, m, ld_m, v, ld_v, dim, rows, j0, j1, grads, (REAL)beta1,
                      (REAL)beta2, one_b1, one_b2, (REAL)(lr / bc1), (REAL)(1.0 / sqrt(bc2)),
                      (REAL)eps);
    }
    return CEMBED_OK;
}

CEMBED_INLINE void FN(adagrad_rows_body)(const int isa, REAL *table, int64_t ld, REAL *accum,
                                         int64_t ld_acc, int64_t dim, const int64_t *rows,
                                         int64_t j0, int64_t j1, const REAL *grads, REAL lr,
                                         REAL eps)
{
    (void)isa;
    for (int64_t j = j0; j < j1; j++) {
        if (j + OPT_AHEAD < j1) {
            const int64_t q = rows[j + OPT_AHEAD];
            FN(prefetch_w)(table + q * ld, dim);
            FN(prefetch_w)(accum + q * (ld_acc ? ld_acc : 1), ld_acc ? dim : 1);
        }
        const int64_t r = rows[j];
        REAL *CEMBED_RESTRICT w = table + r * ld;
        const REAL *CEMBED_RESTRICT g = grads + j * dim;
        if (ld_acc == 0) {
            /* row-wise: one accumulator grows by the row's mean g*g */
            double sq = 0;
            for (int64_t d = 0; d < dim; d++)
                sq += (double)g[d] * (double)g[d];
            accum[r] += (REAL)(sq / (double)dim);
            const REAL denom = SQRT(accum[r]) + eps;
            for (int64_t d = 0; d < dim; d++)
                w[d] -= lr * g[d] / denom;
        } else {
            REAL *CEMBED_RESTRICT a = accum + r * ld_acc;
            for (int64_t d = 0; d < dim; d++) {
                a[d] += g[d] * g[d];
                w[d] -= lr * g[d] / (SQRT(a[d]) + eps);
            }
        }
    }
}
CEMBED_ISA_KERNEL(FN(adagrad_rows), FN(adagrad_rows_body),
                  (REAL *table, int64_t ld, REAL *accum, int64_t ld_acc, int64_t dim,
                   const int64_t *rows, int64_t j0, int64_t j1, const REAL *grads, REAL lr,
                   REAL eps),
                  (table, ld, accum, ld_acc, dim, rows, j0, j1, grads, lr, eps))

int FN(cembed_adagrad)(REAL *table, int64_t ld, REAL *accum, int64_t ld_acc,
                       int64_t num_rows, int64_t dim, const int64_t *rows, int64_t k,
                       const REAL *grads, double lr, double eps, int64_t *bad_pos)
{
    int status = cembed_check_rows(rows, k, num_rows, bad_pos);
    if (status != CEMBED_OK)
        return status;
    /* D = 0: nothing to update; the row-wise mean of no g*g would be 0/0,
     * a NaN written into the accumulator */
    if (dim == 0)
        return CEMBED_OK;
    int nt = cembed_threads_for(k * dim * 3 * (int64_t)sizeof(REAL));
    (void)nt; /* unused without OpenMP */
    CEMBED_OMP(parallel num_threads(nt))
    {
        int64_t j0, j1;
        cembed_thread_share(k, &j0, &j1);
        FN(adagrad_rows)(table, ld, accum, ld_acc, dim, rows, j0, j1, grads, (REAL)lr,
                         (REAL)eps);
    }
    return CEMBED_OK;
}

CEMBED_INLINE void FN(sgd_rows_body)(const int isa, REAL *table, int64_t ld, int64_t dim,
                                     const int64_t *rows, int64_t j0, int64_t j1,
                                     const REAL *grads, REAL lr)
{
    (void)isa;
    for (int64_t j = j0; j < j1; j++) {
        if (j + OPT_AHEAD < j1)
            FN(prefetch_w)(table + rows[j + OPT_AHEAD] * ld, dim);
        REAL *CEMBED_RESTRICT w = table + rows[j] * ld;
        const REAL *CEMBED_RESTRICT g = grads + j * dim;
        for (int64_t d = 0; d < dim; d++)
            w[d] -= lr * g[d];
    }
}
CEMBED_ISA_KERNEL(FN(sgd_rows), FN(sgd_rows_body),
                  (REAL *table, int64_t ld, int64_t dim, const int64_t *rows, int64_t j0,
                   int64_t j1, const REAL *grads, REAL lr),
                  (table, ld, dim, rows, j0, j1, grads, lr))

int FN(cembed_sgd)(REAL *table, int64_t ld, int64_t num_rows, int64_t dim,
                   const int64_t *rows, int64_t k, const REAL *grads, double lr,
                   int64_t *bad_pos)
{
    int status = cembed_check_rows(rows, k, num_rows, bad_pos);
    if (status != CEMBED_OK)
        return status;
    int nt = cembed_threads_for(k * dim * 2 * (int64_t)sizeof(REAL));
    (void)nt; /* unused without OpenMP */
    CEMBED_OMP(parallel num_threads(nt))
    {
        int64_t j0, j1;
        cembed_thread_share(k, &j0, &j1);
        FN(sgd_rows)(table, ld, dim, rows, j0, j1, grads, (REAL)lr);
    }
    return CEMBED_OK;
}

#include "template_end.h"
#undef OPT_AHEAD
#undef OPT_LOCALITY
