/*
 * lookup_pool.h - a bag's columns pooled in vector registers VB bytes wide;
 * lookup_real.h includes it for VB = 16, 32 and 64 (the vectors of the
 * baseline, avx2 and avx512 paths), within its REAL template.
 */
#define VEC FN(CEMBED_PASTE(vec, VB))
#define IVEC FN(CEMBED_PASTE(ivec, VB))
#define VL (VB / REAL_BYTES)
#define POOL_ FN(CEMBED_PASTE(pool_, VB))
#define POOL FN(CEMBED_PASTE(pool, VB))

typedef REAL VEC __attribute__((vector_size(VB)));
typedef REAL_INT IVEC __attribute__((vector_size(VB)));

/* Columns [c0, c0 + nv * VL) of the bag idx[lo..hi), nv <= POOL_MAX_VECTORS
 * a constant, so the accumulators stay in registers; weights NULL or not
 * and is_max constants too (no test per row). With has_tail, one vector
 * more: the columns [c0 + tail, c0 + tail + VL), which end the row (an odd
 * D); they may overlap the others, and an element computed twice comes
 * out the same both times. Each element is pooled in order of p, as the
 * scalar loop does, so the result is bitwise its. */
CEMBED_INLINE void POOL_(const REAL *table, int64_t ld, const int64_t *idx, int64_t lo,
                         int64_t hi, int64_t n, const REAL *weights, int64_t padding_idx,
                         int64_t c0, const int nv, const int has_tail, int64_t tail,
                         const int is_max, REAL denom, REAL *CEMBED_RESTRICT out)
{
    VEC acc[POOL_MAX_VECTORS + 1];
    const int nacc = nv + has_tail;
#define ACC_COL(k) ((k) < nv ? (int64_t)(k) * VL : tail)
    /* the lines of a row's columns to prefetch, from the row's start, and
     * the one more they straddle when the rows are not line-aligned
     * (NumPy's 16-byte offset; see BAG_AHEAD in lookup_real.h) */
    const int misaligned = ((uintptr_t)(table + c0) | (uintptr_t)(ld * REAL_BYTES)) % 64 != 0;
    const int lines = ((has_tail ? (int)tail + VL : nv * VL) * REAL_BYTES + 63) / 64 +
                      misaligned;
    for (int k = 0; k < nacc; k++)
        acc[k] = (VEC){0};
    int64_t p = lo;
    if (is_max) {
        /* the maxima start at the first row that is not padding (a NaN
         * there stays, as in the scalar loop) */
        for (; p < hi; p++)
            if (idx[p] != padding_idx) {
                const REAL *x = table + idx[p] * ld + c0;
                for (int k = 0; k < nacc; k++)
                    memcpy(&acc[k], x + ACC_COL(k), sizeof acc[k]);
                p++;
                break;
            }
    }
    for (; p < hi; p++) {
        /* the row BAG_AHEAD positions on (or this one, near the end) */
        const int64_t ahead = idx[p + BAG_AHEAD < n ? p + BAG_AHEAD : p];
        const char *a = (const char *)(table + ahead * ld + c0);
        for (int k = 0; k < lines; k++)
            CEMBED_PREFETCH_AT(a + 64 * k, 0, BAG_LOCALITY);
        if (idx[p] == padding_idx)
            continue;
        const REAL *x = table + idx[p] * ld + c0;
        for (int k = 0; k < nacc; k++) {
            VEC xv;
            memcpy(&xv, x + ACC_COL(k), sizeof xv);
            if (is_max) {
                /* x > acc ? x : acc, lane by lane */
                const IVEC take = xv > acc[k];
                acc[k] = (VEC)(((IVEC)xv & take) | ((IVEC)acc[k] & ~take));
            } else if (weights) {
                acc[k] += weights[p] * xv;
            } else {
                acc[k] += xv;
            }
        }
    }
    /* straight from the registers to the output */
    for (int k = 0; k < nacc; k++) {
        if (denom != 1)
            acc[k] = acc[k] / denom;
        memcpy(out + ACC_COL(k), &acc[k], sizeof acc[k]);
    }
#undef ACC_COL
}

/* POOL_ with nv, has_tail, weights and is_max as constants: one loop for
 * each; tail < 0 for none. */
CEMBED_INLINE void POOL(const REAL *table, int64_t ld, const int64_t *idx, int64_t lo,
                        int64_t hi, int64_t n, const REAL *weights, int64_t padding_idx,
                        int64_t c0, int nv, int64_t tail, int is_max, REAL denom,
                        REAL *CEMBED_RESTRICT out)
{
#define POOL_MODES(K, T)                                                                   \
    if (is_max)                                                                            \
        POOL_(table, ld, idx, lo, hi, n, NULL, padding_idx, c0, K, T, tail, 1, denom, out); \
    else if (weights)                                                                      \
        POOL_(table, ld, idx, lo, hi, n, weights, padding_idx, c0, K, T, tail, 0, denom,    \
              out);                                                                        \
    else                                                                                   \
        POOL_(table, ld, idx, lo, hi, n, NULL, padding_idx, c0, K, T, tail, 0, denom, out);
#define POOL_CASE(K)                                                                       \
    case K:                                                                                \
        if (tail >= 0) {                                                                   \
            POOL_MODES(K, 1)                                                               \
        } else {                                                                           \
            POOL_MODES(K, 0)                                                               \
        }                                                                                  \
        break;
    switch (nv) {
        POOL_CASE(1)
        POOL_CASE(2)
        POOL_CASE(3)
        POOL_CASE(4)
        POOL_CASE(5)
        POOL_CASE(6)
        POOL_CASE(7)
        POOL_CASE(8)
    }
#undef POOL_CASE
#undef POOL_MODES
}

#undef VEC
#undef IVEC
#undef VL
#undef POOL_
#undef POOL
