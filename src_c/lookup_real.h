/*
 * lookup_real.h - the bag kernels for one element type; lookup.c includes
 * it once with REAL = float and once with REAL = double (REAL_BYTES its
 * size, for the preprocessor).
 */
#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(name, SUF)

/* A bag is pooled in column chunks held in a local accumulator, which the
 * compiler keeps in registers for a full chunk. */
#define BAG_CHUNK 64
#define BAG_AHEAD 16

#include "bag_denominator_real.h"

static inline void FN(add_row)(REAL *CEMBED_RESTRICT acc, const REAL *CEMBED_RESTRICT x,
                               int64_t w)
{
    for (int64_t j = 0; j < w; j++)
        acc[j] += x[j];
}

static inline void FN(add_row_weighted)(REAL *CEMBED_RESTRICT acc,
                                        const REAL *CEMBED_RESTRICT x, REAL wt, int64_t w)
{
    for (int64_t j = 0; j < w; j++)
        acc[j] += wt * x[j];
}

static inline void FN(max_row)(REAL *CEMBED_RESTRICT acc, const REAL *CEMBED_RESTRICT x,
                               int64_t w)
{
    for (int64_t j = 0; j < w; j++)
        acc[j] = x[j] > acc[j] ? x[j] : acc[j];
}

/* Pool columns [c0, c0 + w) of the bag idx[lo..hi) into acc. */
static inline void FN(pool_chunk)(const REAL *table, int64_t ld, const int64_t *idx,
                                  int64_t lo, int64_t hi, int64_t n, int mode,
                                  const REAL *weights, int64_t padding_idx, int64_t c0,
                                  int64_t w, REAL *CEMBED_RESTRICT acc)
{
    int first = 1;
    for (int64_t j = 0; j < w; j++)
        acc[j] = 0;
    for (int64_t p = lo; p < hi; p++) {
        if (p + BAG_AHEAD < n)
            cembed_prefetch_bytes(table + idx[p + BAG_AHEAD] * ld + c0, w * (int64_t)sizeof(REAL));
        if (idx[p] == padding_idx)
            continue;
        const REAL *x = table + idx[p] * ld + c0;
        if (mode == CEMBED_BAG_MAX) {
            if (first)
                memcpy(acc, x, (size_t)w * sizeof(REAL));
            else
                FN(max_row)(acc, x, w);
            first = 0;
        } else if (weights) {
            FN(add_row_weighted)(acc, x, weights[p], w);
        } else {
            FN(add_row)(acc, x, w);
        }
    }
}

#if defined(__GNUC__) || defined(__clang__)
/* A full chunk summed in vector registers (64-byte vectors: the compiler
 * splits them to what each dispatched instruction set has). Each element
 * is still added in order of p, so the result is bitwise the scalar one. */
typedef REAL FN(vec) __attribute__((vector_size(64)));
#define VLEN ((int64_t)(64 / sizeof(REAL)))
#define NVEC (BAG_CHUNK / VLEN)

static inline __attribute__((always_inline)) void FN(pool_full_)(
    const REAL *table, int64_t ld, const int64_t *idx, int64_t lo, int64_t hi, int64_t n,
    const REAL *weights, int64_t padding_idx, int64_t c0, const int nv, REAL denom,
    REAL *CEMBED_RESTRICT out)
{
    FN(vec) acc[NVEC];
    for (int k = 0; k < nv; k++)
        acc[k] = (FN(vec)){0};
    for (int64_t p = lo; p < hi; p++) {
        /* the row BAG_AHEAD positions on (or this one, near the end) */
        const int64_t ahead = idx[p + BAG_AHEAD < n ? p + BAG_AHEAD : p];
        /* nv lines from the row's start, not the one more it straddles
         * when the table is not line-aligned (NumPy's 16-byte offset):
         * prefetching that too measured 8-18% slower at D = 64 */
        const char *a = (const char *)(table + ahead * ld + c0);
        for (int k = 0; k < nv; k++)
            CEMBED_PREFETCH(a + 64 * k);
        if (idx[p] == padding_idx)
            continue;
        const REAL *x = table + idx[p] * ld + c0;
        for (int k = 0; k < nv; k++) {
            FN(vec) xv;
            memcpy(&xv, x + k * VLEN, sizeof xv);
            if (weights)
                acc[k] += weights[p] * xv;
            else
                acc[k] += xv;
        }
    }
    /* straight from the registers to the output */
    for (int k = 0; k < nv; k++) {
        if (denom != 1)
            acc[k] = acc[k] / denom;
        memcpy(out + k * VLEN, &acc[k], sizeof acc[k]);
    }
}

/* Columns [c0, c0 + nv * VLEN) of a bag, 1 <= nv <= NVEC: one loop per
 * vector count (a constant, so the accumulators stay in registers), with
 * weights and without (no test per row). Always inlined, so every copy is
 * compiled for the instruction set of the bag_range clone that calls it. */
static inline __attribute__((always_inline)) void FN(pool_full)(
    const REAL *table, int64_t ld, const int64_t *idx, int64_t lo, int64_t hi, int64_t n,
    const REAL *weights, int64_t padding_idx, int64_t c0, int nv, REAL denom,
    REAL *CEMBED_RESTRICT out)
{
#define POOL_CASE(K)                                                                        \
    case K:                                                                                 \
        if (weights)                                                                        \
            FN(pool_full_)(table, ld, idx, lo, hi, n, weights, padding_idx, c0, K, denom,    \
                           out);                                                            \
        else                                                                                \
            FN(pool_full_)(table, ld, idx, lo, hi, n, NULL, padding_idx, c0, K, denom, out); \
        break;
    switch (nv) {
        POOL_CASE(1)
        POOL_CASE(2)
        POOL_CASE(3)
        POOL_CASE(4)
#if BAG_CHUNK / (64 / REAL_BYTES) > 4
        POOL_CASE(5)
        POOL_CASE(6)
        POOL_CASE(7)
        POOL_CASE(8)
#endif
    }
#undef POOL_CASE
}
#define HAVE_POOL_FULL 1
#endif

CEMBED_DISPATCH
static void FN(bag_range)(const REAL *table, int64_t ld, int64_t dim, const int64_t *idx,
                          const int64_t *offsets, int64_t b0, int64_t b1, int mode,
                          const REAL *weights, int64_t padding_idx, REAL *out)
{
    const int64_t n = offsets[b1];
    const int scaled = mode == CEMBED_BAG_MEAN || mode == CEMBED_BAG_SQRTN;
    REAL acc[BAG_CHUNK];
    for (int64_t b = b0; b < b1; b++) {
        const int64_t lo = offsets[b], hi = offsets[b + 1];
        REAL *o = out + b * dim;
        /* SUM and MAX need no pass over the bag first: with no rows left
         * after padding their accumulators stay at zero */
        REAL denom = 1;
        if (scaled) {
            int64_t count;
            denom = FN(bag_denominator)(idx, lo, hi, mode, weights, padding_idx, &count);
            if (count == 0 || denom == 0) {
                for (int64_t j = 0; j < dim; j++)
                    o[j] = 0;
                continue;
            }
        }
        for (int64_t c0 = 0; c0 < dim; c0 += BAG_CHUNK) {
            int64_t c = c0, w = dim - c0 < BAG_CHUNK ? dim - c0 : BAG_CHUNK;
#ifdef HAVE_POOL_FULL
            /* whole vectors in registers; what is left of the last chunk
             * (fewer columns than a vector) element by element below */
            const int nv = (int)(w / VLEN);
            if (nv > 0 && mode != CEMBED_BAG_MAX) {
                FN(pool_full)(table, ld, idx, lo, hi, n, weights, padding_idx, c, nv, denom,
                              o + c);
                c += nv * VLEN;
                w -= nv * VLEN;
                if (w == 0)
                    continue;
            }
#endif
            FN(pool_chunk)(table, ld, idx, lo, hi, n, mode, weights, padding_idx, c, w, acc);
            if (scaled)
                for (int64_t j = 0; j < w; j++)
                    o[c + j] = acc[j] / denom;
            else
                memcpy(o + c, acc, (size_t)w * sizeof(REAL));
        }
    }
}

int FN(cembed_bag)(const REAL *table, int64_t num_rows, int64_t ld, int64_t dim,
                   const int64_t *idx, const int64_t *offsets, int64_t num_bags, int mode,
                   const REAL *weights, int64_t padding_idx, REAL *out, int64_t *bad_pos)
{
    if (mode < CEMBED_BAG_SUM || mode > CEMBED_BAG_MAX || (mode == CEMBED_BAG_MAX && weights))
        return CEMBED_ERR_VALUE;
    if (check_offsets(offsets, num_bags) != CEMBED_OK)
        return CEMBED_ERR_VALUE;
    const int64_t n = offsets[num_bags];
    int status = cembed_check_indices(idx, n, num_rows, bad_pos);
    if (status != CEMBED_OK)
        return status;
    int nt = cembed_threads_for((n + num_bags) * dim * (int64_t)sizeof(REAL));
    if (nt <= 1) {
        FN(bag_range)(table, ld, dim, idx, offsets, 0, num_bags, mode, weights, padding_idx,
                      out);
        return CEMBED_OK;
    }
    /* bags of 64 at a time, handed out dynamically: bags may differ in
     * length, and each bag is pooled by one thread, so the result does not
     * depend on the schedule */
    const int64_t step = 64;
    CEMBED_OMP(parallel for num_threads(nt) schedule(dynamic, 1))
    for (int64_t b0 = 0; b0 < num_bags; b0 += step) {
        int64_t b1 = b0 + step < num_bags ? b0 + step : num_bags;
        FN(bag_range)(table, ld, dim, idx, offsets, b0, b1, mode, weights, padding_idx, out);
    }
    return CEMBED_OK;
}

int FN(cembed_bag_scales)(const int64_t *idx, const int64_t *offsets, int64_t num_bags,
                          int mode, const REAL *weights, int64_t padding_idx,
                          int64_t *idx_kept, int64_t *bag_of, REAL *scale, int64_t *n_kept)
{
    if (mode < CEMBED_BAG_SUM || mode > CEMBED_BAG_SQRTN)
        return CEMBED_ERR_VALUE;
    if (check_offsets(offsets, num_bags) != CEMBED_OK)
        return CEMBED_ERR_VALUE;
    int64_t k = 0;
    for (int64_t b = 0; b < num_bags; b++) {
        const int64_t lo = offsets[b], hi = offsets[b + 1];
        int64_t count;
        const REAL denom = FN(bag_denominator)(idx, lo, hi, mode, weights, padding_idx, &count);
        for (int64_t p = lo; p < hi; p++) {
            if (idx[p] == padding_idx)
                continue;
            REAL wt = weights ? weights[p] : (REAL)1;
            idx_kept[k] = idx[p];
            bag_of[k] = b;
            /* as the forward: a zero denominator pools to zeros */
            scale[k] = denom == 0 ? (REAL)0 : wt / denom;
            k++;
        }
    }
    *n_kept = k;
    return CEMBED_OK;
}

#undef FN
#undef CAT
#undef CAT_
#undef VLEN
#undef NVEC
#undef HAVE_POOL_FULL
#undef BAG_CHUNK
#undef BAG_AHEAD
