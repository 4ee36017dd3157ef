/*
 * accumulate_real.h - group sums and scatter-add for one element type;
 * accumulate.c includes it for float and double.
 */
#include "template.h"

#define SUM_AHEAD 8
/* groups handed to a thread at a time: groups differ in size (Zipf) */
#define GROUP_CHUNK 64
/* groups this large on average are summed by position (sum_groups_stream) */
#ifndef STREAM_AHEAD
#define STREAM_AHEAD 16
#endif
#ifndef STREAM_GROUP_MIN
#define STREAM_GROUP_MIN 2
#endif

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

/* The same sums by position: values[j] += grad row of p for p in
 * increasing order, where code[p] = 2 j + (p is the first of group j).
 * Each group still adds its rows in order of position, from +0, so the
 * result is bitwise sum_range's; but grad is read front to back (the
 * hardware prefetcher streams it) instead of gathered row by row, and the
 * group rows, few when groups are large, stay in cache. */
CEMBED_INLINE void FN(sum_stream_body)(const int isa, const REAL *grad, int64_t dim,
                                       const int64_t *bag_of, const REAL *scale,
                                       const int32_t *code, int64_t n, REAL *values)
{
    (void)isa;
    const int64_t row_bytes = dim * (int64_t)sizeof(REAL);
    for (int64_t p = 0; p < n; p++) {
        /* the group rows come in no order: fetched STREAM_AHEAD on */
        if (p + STREAM_AHEAD < n)
            cembed_prefetch_bytes_w(values + (code[p + STREAM_AHEAD] >> 1) * dim, row_bytes);
        REAL *CEMBED_RESTRICT v = values + (code[p] >> 1) * dim;
        /* a group's first row starts it from +0 (not read: no pass to
         * clear the values first) */
        const REAL *CEMBED_RESTRICT g = grad + (scale ? bag_of[p] : p) * dim;
        if (scale) {
            const REAL f = scale[p];
            if (code[p] & 1)
                for (int64_t d = 0; d < dim; d++)
                    v[d] = (REAL)0 + g[d] * f;
            else
                for (int64_t d = 0; d < dim; d++)
                    v[d] += g[d] * f;
        } else if (code[p] & 1) {
            for (int64_t d = 0; d < dim; d++)
                v[d] = (REAL)0 + g[d];
        } else {
            for (int64_t d = 0; d < dim; d++)
                v[d] += g[d];
        }
    }
}
CEMBED_ISA_KERNEL(FN(sum_stream), FN(sum_stream_body),
                  (const REAL *grad, int64_t dim, const int64_t *bag_of, const REAL *scale,
                   const int32_t *code, int64_t n, REAL *values),
                  (grad, dim, bag_of, scale, code, n, values))

/* sum_groups by position, when groups average at least STREAM_GROUP_MIN
 * rows (Zipf), on one thread: the sum of each group must run in order of
 * position (np.add.at's bits), and a second thread, split by groups or by
 * columns, still streams all of grad through its core -- the hardware
 * prefetcher pulls in the lines between the ones a thread reads (reading
 * half the columns of every row took as long as reading them all), and
 * two threads split by groups measured slower than one (AVX2, D = 64:
 * 7.54 against 5.70 ms). Returns 0 (nothing written) when that does not
 * apply or the scratch cannot be had. */
static int FN(sum_groups_stream)(const REAL *grad, int64_t dim, const int64_t *bag_of,
                                 const REAL *scale, const int64_t *order,
                                 const int64_t *starts, int64_t k, REAL *values)
{
    const int64_t n = starts[k];
    if (k == 0 || k > INT32_MAX / 2 || n < STREAM_GROUP_MIN * k)
        return 0;
    int32_t *code = (int32_t *)malloc((size_t)n * sizeof(int32_t));
    if (!code)
        return 0;
    for (int64_t j = 0; j < k; j++) {
        for (int64_t s = starts[j]; s < starts[j + 1]; s++)
            code[order[s]] = (int32_t)(2 * j + (s == starts[j]));
    }
    FN(sum_stream)(grad, dim, bag_of, scale, code, n, values);
    free(code);
    return 1;
}

static void FN(sum_groups)(const REAL *grad, int64_t dim, const int64_t *bag_of,
                           const REAL *scale, const int64_t *order, const int64_t *starts,
                           int64_t k, REAL *values)
{
    if (FN(sum_groups_stream)(grad, dim, bag_of, scale, order, starts, k, values))
        return;
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
#undef STREAM_GROUP_MIN
#undef STREAM_AHEAD
