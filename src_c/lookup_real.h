/*
 * lookup_real.h - the bag kernels for one element type; lookup.c includes
 * it once with REAL = float and once with REAL = double (REAL_BYTES its
 * size, for the preprocessor).
 */
#include "template.h"

/* A bag is pooled in column chunks held in a local accumulator, which the
 * compiler keeps in registers for a full chunk. */
#define BAG_CHUNK 64
/* The vector loop (lookup_pool.h) prefetches rows BAG_AHEAD positions on
 * into L2 only (__builtin_prefetch's locality BAG_LOCALITY = 1:
 * prefetcht2), with the line a row straddles into when the table is not
 * line-aligned (NumPy's 16-byte offset). L2's miss buffers keep more lines
 * in flight than L1's, and 64 rows of D = 64 are 320 lines. On AMD Zen 4
 * (AVX2 path, D = 64, 4096 bags of 50, benchmarks/bench_kernels.py's
 * harness, under load) one thread took 9.7 ms uniform / 3.7 ms Zipf with
 * 16 rows ahead into L1 and no straddled line, 10.0 / 4.2 ms with 64
 * ahead into L1 and the straddled line, and 7.2-8.2 / 2.9 ms with 64
 * ahead into L2 and the straddled line: the time of the touch loop of
 * benchmarks/memory_limit.c (6.6-7.2 / 3.0 ms). */
#ifndef BAG_AHEAD
#define BAG_AHEAD 64
#endif
#ifndef BAG_LOCALITY
#define BAG_LOCALITY 1
#endif
/* A bag is pooled BAG_PASS_BYTES of columns at a time on every path: at
 * D = 64 float32, two passes over the bag's rows (the second finds them in
 * cache), not one over whole rows. On AMD Zen 4 (D = 64, 4096 uniform
 * bags of 50, one thread, thread CPU time, alternated in one process,
 * under load) the avx2 path took 6.2 ms in one pass of 256 bytes, 2.9 ms
 * in two of 128 and 3.2 ms in four of 64; avx512 5.3 (one pass) against
 * 3.0 (two); the baseline path (eight 16-byte vectors: 128 bytes) already
 * made two passes, which is why it ran at half the touch loop's time of
 * benchmarks/memory_limit.c (one pass over whole rows) and beat the
 * other paths. D = 128 and 256 (avx2): 6.9 -> 6.2 and 13.0 -> 10.7 ms. */
#ifndef BAG_PASS_BYTES
#define BAG_PASS_BYTES 128
#endif

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
/* Whole vectors of columns pooled in registers (GCC's vector extensions),
 * as wide as the path's: 16 bytes (baseline), 32 (avx2), 64 (avx512). */
#define POOL_MAX_VECTORS 8
#define VB 16
#include "lookup_pool.h"
#undef VB
#define VB 32
#include "lookup_pool.h"
#undef VB
#define VB 64
#include "lookup_pool.h"
#undef VB

/* Columns [c0, c0 + nv * the path's vector) of a bag, 0 <= nv <= 8, and
 * one vector more at c0 + tail if tail >= 0 (see lookup_pool.h). */
CEMBED_INLINE void FN(pool_full)(const int isa, const REAL *table, int64_t ld,
                                 const int64_t *idx, int64_t lo, int64_t hi, int64_t n,
                                 const REAL *weights, int64_t padding_idx, int64_t c0, int nv,
                                 int64_t tail, int is_max, REAL denom,
                                 REAL *CEMBED_RESTRICT out)
{
    if (isa == CEMBED_ISA_AVX512)
        FN(pool64)(table, ld, idx, lo, hi, n, weights, padding_idx, c0, nv, tail, is_max, denom,
                   out);
    else if (isa == CEMBED_ISA_AVX2)
        FN(pool32)(table, ld, idx, lo, hi, n, weights, padding_idx, c0, nv, tail, is_max, denom,
                   out);
    else
        FN(pool16)(table, ld, idx, lo, hi, n, weights, padding_idx, c0, nv, tail, is_max, denom,
                   out);
}
#define HAVE_POOL_FULL 1
#endif

CEMBED_INLINE void FN(bag_range_body)(const int isa, const REAL *table, int64_t ld,
                                      int64_t dim, const int64_t *idx, const int64_t *offsets,
                                      int64_t b0, int64_t b1, int mode, const REAL *weights,
                                      int64_t padding_idx, REAL *out)
{
    const int64_t n = offsets[b1];
    const int scaled = mode == CEMBED_BAG_MEAN || mode == CEMBED_BAG_SQRTN;
    REAL acc[BAG_CHUNK];
    /* the loop prefetches BAG_AHEAD rows on; the range's first rows here
     * (a thread's ranges are not consecutive, so nothing fetched them) */
    for (int64_t p = offsets[b0]; p < n && p < offsets[b0] + BAG_AHEAD; p++)
        cembed_prefetch_bytes(table + idx[p] * ld, dim * (int64_t)sizeof(REAL));
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
#ifdef HAVE_POOL_FULL
        /* BAG_PASS_BYTES of columns at a time (at least one of the
         * path's vectors, at most POOL_MAX_VECTORS), in registers; what is
         * left (fewer columns than a vector) element by element below */
        const int64_t vb = CEMBED_ISA_VECTOR_BYTES(isa);
        const int64_t vl = vb / REAL_BYTES;
        const int64_t pass = BAG_PASS_BYTES / vb < 1 ? 1 : BAG_PASS_BYTES / vb;
        const int64_t chunk = (pass < POOL_MAX_VECTORS ? pass : POOL_MAX_VECTORS) * vl;
#else
        (void)isa;
        const int64_t vl = 1, chunk = BAG_CHUNK;
#endif
        for (int64_t c0 = 0, step; c0 < dim; c0 += step) {
            int64_t c = c0, w = dim - c0 < chunk ? dim - c0 : chunk;
            step = w;
#ifdef HAVE_POOL_FULL
            /* fewer columns than a vector left after this chunk (an odd D)
             * ride along as one more vector, the one that ends the row */
            if (dim - c0 - w < vl)
                step = w = dim - c0;
            int nv = (int)(w / vl);
            nv = nv < POOL_MAX_VECTORS ? nv : POOL_MAX_VECTORS;
            const int64_t rest = w - nv * vl, tail = rest > 0 && nv > 0 ? w - vl : -1;
            if (nv > 0) {
                FN(pool_full)(isa, table, ld, idx, lo, hi, n, weights, padding_idx, c, nv, tail,
                              mode == CEMBED_BAG_MAX, denom, o + c);
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
CEMBED_ISA_KERNEL(FN(bag_range), FN(bag_range_body),
                  (const REAL *table, int64_t ld, int64_t dim, const int64_t *idx,
                   const int64_t *offsets, int64_t b0, int64_t b1, int mode,
                   const REAL *weights, int64_t padding_idx, REAL *out),
                  (table, ld, dim, idx, offsets, b0, b1, mode, weights, padding_idx, out))

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

#include "template_end.h"
#undef POOL_MAX_VECTORS
#undef HAVE_POOL_FULL
#undef BAG_CHUNK
#undef BAG_AHEAD
#undef BAG_LOCALITY
#undef BAG_PASS_BYTES
