/*
 * check.c - index validation, run before any kernel writes anything.
 *
 * The scan is branch-free over blocks (it vectorizes), and looks for the
 * exact position only inside a block that holds a bad index. In parallel,
 * each thread scans one contiguous part; the smallest bad position wins, so
 * the answer does not depend on the thread count.
 */
#include "cembed.h"
#include "isa.h"
#include "parallel.h"

#define BLOCK 1024

CEMBED_INLINE int64_t first_bad_body(const int isa, const int64_t *idx, int64_t lo,
                                     int64_t hi, uint64_t limit)
{
    (void)isa;
    const uint64_t last = limit - 1;
    for (int64_t b = lo; b < hi; b += BLOCK) {
        int64_t e = b + BLOCK < hi ? b + BLOCK : hi;
        /* x is in [0, limit) exactly when neither x nor last - x (mod 2**64)
         * has its top bit set: a subtract and an or, which vectorize on
         * every instruction set, where an unsigned 64-bit compare does not
         * before AVX-512 */
        uint64_t bits = 0;
        for (int64_t i = b; i < e; i++)
            bits |= (uint64_t)idx[i] | (last - (uint64_t)idx[i]);
        if (CEMBED_UNLIKELY(bits >> 63))
            for (int64_t i = b; i < e; i++)
                if ((uint64_t)idx[i] >= limit)
                    return i;
    }
    return -1;
}
CEMBED_ISA_KERNEL_RET(int64_t, first_bad, first_bad_body,
                      (const int64_t *idx, int64_t lo, int64_t hi, uint64_t limit),
                      (idx, lo, hi, limit))

int cembed_check_indices(const int64_t *idx, int64_t n, int64_t num_rows, int64_t *bad_pos)
{
    uint64_t limit = num_rows < 0 ? (uint64_t)INT64_MAX + 1 : (uint64_t)num_rows;
    int nt = cembed_threads_for(n * (int64_t)sizeof(int64_t));
    int64_t bad = -1;

    if (nt <= 1) {
        bad = first_bad(idx, 0, n, limit);
    } else {
        int64_t found[256];
        if (nt > 256)
            nt = 256;
        int64_t chunk = (n + nt - 1) / nt;
        CEMBED_OMP(parallel for num_threads(nt) schedule(static, 1))
        for (int t = 0; t < nt; t++) {
            int64_t lo = t * chunk, hi = lo + chunk < n ? lo + chunk : n;
            found[t] = lo < hi ? first_bad(idx, lo, hi, limit) : -1;
        }
        for (int t = 0; t < nt && bad < 0; t++)
            bad = found[t];
    }
    if (bad >= 0) {
        *bad_pos = bad;
        return CEMBED_ERR_INDEX;
    }
    return CEMBED_OK;
}

int cembed_check_rows(const int64_t *rows, int64_t k, int64_t num_rows, int64_t *bad_pos)
{
    for (int64_t i = 0; i < k; i++) {
        if ((uint64_t)rows[i] >= (uint64_t)num_rows) {
            *bad_pos = i;
            return CEMBED_ERR_INDEX;
        }
        if (i > 0 && rows[i] <= rows[i - 1]) {
            *bad_pos = i;
            return CEMBED_ERR_ORDER;
        }
    }
    return CEMBED_OK;
}
