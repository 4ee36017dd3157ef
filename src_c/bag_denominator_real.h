/*
 * bag_denominator_real.h - the divisor of a bag's pooled sum, for one
 * element type (REAL, with FN naming it): included by lookup_real.h for the
 * float bags and by quantize.c for the bags over compact tables, so both
 * divide by the same number.
 */
/* The divisor of one bag's pooled sum for `mode` (1 for SUM and MAX; the
 * weight sum for MEAN; the square root of the squared weights' sum for
 * SQRTN; with no weights each counts 1), and in *count the bag's entries,
 * padding left out. */
static REAL FN(bag_denominator)(const int64_t *idx, int64_t lo, int64_t hi, int mode,
                                const REAL *weights, int64_t padding_idx, int64_t *count)
{
    int64_t c = 0;
    REAL s = 0, q = 0;
    for (int64_t p = lo; p < hi; p++) {
        if (idx[p] == padding_idx)
            continue;
        c++;
        if (weights) {
            s += weights[p];
            q += weights[p] * weights[p];
        }
    }
    if (!weights)
        s = q = (REAL)c;
    *count = c;
    if (mode == CEMBED_BAG_MEAN)
        return s;
    if (mode == CEMBED_BAG_SQRTN)
        return SQRT(q);
    return 1;
}
