/*
 * accumulate_real.h - group sums and scatter-add for one element type;
 * accumulate.c includes it for float and double.
 */
#include "template.h"

#define SUM_AHEAD 8
/* groups handed to a thread at a time: groups differ in size (Zipf) */
#define GROUP_CHUNK 64

/* The threads for summing n rows of dim into k groups. */
static int FN(sum_threads)(int64_t n, int64_t dim)
{
    return cembed_threads_for(n * dim * (int64_t)sizeof(REAL));
}

CEMBED_INLINE void FN(sum_range_body)(const int isa, const REAL *grad, int64_t dim,
                                      const int64_t *bag_of, const REAL *scale,
                                      const int64_t *order, const int64_t *starts, int64_t j0,
                                      int64_t j1, REAL *values)
{
    (void)isa;
    const int64_t n = starts[j1];
    for (int64_t j = j0; j < j1; j++) {
        REAL *CEMBED_RESTRICT v = values + j * dim;
        /* start from +0 and add, as np.add.at into zeros does (-0.0 + 0) */
        for (int64_t d = 0; d < dim; d++)
            v[d] = 0;
        for (int64_t s = starts[j]; s < starts[j + 1]; s++) {
            if (s + SUM_AHEAD < n) {
                int64_t q = order[s + SUM_AHEAD];
                cembed_prefetch_bytes(grad + (bag_of ? bag_of[q] : q) * dim,
                                      dim * (int64_t)sizeof(REAL));
            }
            const int64_t p = order[s];
            if (scale) {
                const REAL *CEMBED_RESTRICT g = grad + bag_of[p] * dim;
                const REAL f = scale[p];
                for (int64_t d = 0; d < dim; d++)
                    v[d] += g[d] * f;
            } else {
                const REAL *CEMBED_RESTRICT g = grad + p * dim;
                for (int64_t d = 0; d < dim; d++)
                    v[d] += g[d];
            }
        }
    }
}
CEMBED_ISA_KERNEL(FN(sum_range), FN(sum_range_body),
                  (const REAL *grad, int64_t dim, const int64_t *bag_of, const REAL *scale,
                   const int64_t *order, const int64_t *starts, int64_t j0, int64_t j1,
                   REAL *values),
                  (grad, dim, bag_of, scale, order, starts, j0, j1, values))

static void FN(sum_groups)(const REAL *grad, int64_t dim, const int64_t *bag_of,
                           const REAL *scale, const int64_t *order, const int64_t *starts,
                           int64_t k, REAL *values)
{
    int nt = FN(sum_threads)(starts[k], dim);
    if (nt <= 1) {
        FN(sum_range)(grad, dim, bag_of, scale, order, starts, 0, k, values);
        return;
    }
    CEMBED_OMP(parallel for num_threads(nt) schedule(dynamic, 1))
    for (int64_t j0 = 0; j0 < k; j0 += GROUP_CHUNK) {
        int64_t j1 = j0 + GROUP_CHUNK < k ? j0 + GROUP_CHUNK : k;
        FN(sum_range)(grad, dim, bag_of, scale, order, starts, j0, j1, values);
    }
}

void FN(cembed_sum_groups)(const REAL *grad, int64_t dim, const int64_t *order,
                           const int64_t *starts, int64_t k, REAL *values)
{
    FN(sum_groups)(grad, dim, NULL, NULL, order, starts, k, values);
}

void FN(cembed_sum_groups_scaled)(const REAL *grad, int64_t dim, const int64_t *bag_of,
                                  const REAL *scale, const int64_t *order,
                                  const int64_t *starts, int64_t k, REAL *values)
{
    FN(sum_groups)(grad, dim, bag_of, scale, order, starts, k, values);
}

CEMBED_INLINE void FN(scatter_range_body)(const int isa, REAL *table, int64_t ld,
                                          int64_t dim, const int64_t *rows,
                                          const int64_t *order, const int64_t *starts,
                                          int64_t j0, int64_t j1, const REAL *grad)
{
    (void)isa;
    const int64_t n = starts[j1], row_bytes = dim * (int64_t)sizeof(REAL);
    for (int64_t j = j0; j < j1; j++) {
        if (j + SUM_AHEAD < j1)
            cembed_prefetch_bytes_w(table + rows[j + SUM_AHEAD] * ld, row_bytes);
        REAL *CEMBED_RESTRICT w = table + rows[j] * ld;
        for (int64_t s = starts[j]; s < starts[j + 1]; s++) {
            if (s + SUM_AHEAD < n)
                cembed_prefetch_bytes(grad + order[s + SUM_AHEAD] * dim, row_bytes);
            const REAL *CEMBED_RESTRICT g = grad + order[s] * dim;
            for (int64_t d = 0; d < dim; d++)
                w[d] += g[d];
        }
    }
}
CEMBED_ISA_KERNEL(FN(scatter_range), FN(scatter_range_body),
                  (REAL *table, int64_t ld, int64_t dim, const int64_t *rows,
                   const int64_t *order, const int64_t *starts, int64_t j0, int64_t j1,
                   const REAL *grad),
                  (table, ld, dim, rows, order, starts, j0, j1, grad))

int FN(cembed_scatter_add)(REAL *table, int64_t num_rows, int64_t ld, int64_t dim,
                           const int64_t *idx, int64_t n, const REAL *grad, int64_t *bad_pos)
{
    int64_t *buf = (int64_t *)malloc(((size_t)n * 3 + 1) * sizeof(int64_t));
    if (!buf)
        return CEMBED_ERR_NOMEM;
    int64_t *rows = buf, *order = buf + n, *starts = buf + 2 * n, k;
    int status = cembed_group_rows(idx, n, num_rows, rows, order, starts, &k, bad_pos);
    /* k == 0: nothing to add; scatter_range's dim * sizeof would overflow for
     * an empty call with a dim near INT64_MAX */
    if (status == CEMBED_OK && k > 0) {
        int nt = FN(sum_threads)(n, dim);
        if (nt <= 1) {
            FN(scatter_range)(table, ld, dim, rows, order, starts, 0, k, grad);
        } else {
            CEMBED_OMP(parallel for num_threads(nt) schedule(dynamic, 1))
            for (int64_t j0 = 0; j0 < k; j0 += GROUP_CHUNK) {
                int64_t j1 = j0 + GROUP_CHUNK < k ? j0 + GROUP_CHUNK : k;
                FN(scatter_range)(table, ld, dim, rows, order, starts, j0, j1, grad);
            }
        }
    }
    free(buf);
    return status;
}

#include "template_end.h"
#undef SUM_AHEAD
#undef GROUP_CHUNK
