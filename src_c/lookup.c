/*
 * lookup.c - the forward lookups: row gather and pooled bags.
 *
 * Every index is checked before the first write (cembed_check_indices), so
 * a failed call leaves `out` untouched.
 */
#include <math.h>
#include <string.h>

#include "cembed.h"
#include "parallel.h"

/* Rows are fetched this many iterations ahead: enough misses in flight to
 * cover memory latency on one core. */
#define GATHER_AHEAD 16

static void prefetch_row(const char *row, int64_t row_bytes)
{
    for (int64_t c = 0; c < row_bytes; c += 64)
        CEMBED_PREFETCH(row + c);
}

int cembed_gather(const void *table, int64_t num_rows, int64_t ld_bytes,
                  int64_t row_bytes, const int64_t *idx, int64_t n,
                  void *out, int64_t *bad_pos)
{
    int status = cembed_check_indices(idx, n, num_rows, bad_pos);
    if (status != CEMBED_OK)
        return status;
    const char *src = (const char *)table;
    char *dst = (char *)out;
    int nt = cembed_threads_for(n * row_bytes);

    CEMBED_OMP(parallel num_threads(nt))
    {
        int64_t lo = 0, hi = n;
#ifdef _OPENMP
        int t = omp_get_thread_num(), tn = omp_get_num_threads();
        lo = n * t / tn;
        hi = n * (t + 1) / tn;
#endif
        int64_t ahead = lo + GATHER_AHEAD < hi ? lo + GATHER_AHEAD : hi;
        for (int64_t i = lo; i < ahead; i++)
            prefetch_row(src + idx[i] * ld_bytes, row_bytes);
        for (int64_t i = lo; i < hi; i++) {
            if (i + GATHER_AHEAD < hi)
                prefetch_row(src + idx[i + GATHER_AHEAD] * ld_bytes, row_bytes);
            memcpy(dst + i * row_bytes, src + idx[i] * ld_bytes, (size_t)row_bytes);
        }
    }
    return CEMBED_OK;
}

static int check_offsets(const int64_t *offsets, int64_t num_bags)
{
    if (offsets[0] < 0)
        return CEMBED_ERR_VALUE;
    for (int64_t b = 0; b < num_bags; b++)
        if (offsets[b + 1] < offsets[b])
            return CEMBED_ERR_VALUE;
    return CEMBED_OK;
}

#define REAL float
#define SUF f32
#define SQRT sqrtf
#include "lookup_real.h"
#undef REAL
#undef SUF
#undef SQRT

#define REAL double
#define SUF f64
#define SQRT sqrt
#include "lookup_real.h"
#undef REAL
#undef SUF
#undef SQRT
