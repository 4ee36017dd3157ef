/*
 * accumulate.c - sparse gradients: group positions by row, then sum each
 * group in order of occurrence.
 *
 * Grouping is a stable LSD radix sort. When the row number and the position
 * fit together in 64 bits (always, in practice) each element is the packed
 * word (row << pos_bits | position), so a pass moves 8 bytes and the
 * positions of a row come out in increasing order. Summation runs in
 * parallel over groups: each group is summed by one thread, in order, so the
 * result is bitwise that of a sequential np.add.at, for any thread count.
 * Extra memory is O(n) for the sort; the sums need O(k * dim).
 */
#include <stdlib.h>
#include <string.h>

#include "cembed.h"
#include "isa.h"
#include "parallel.h"
#include "prefetch.h"

#define RADIX_BITS 10
#define RADIX_SIZE (1 << RADIX_BITS)

static int bit_length(uint64_t x)
{
    int b = 0;
    while (x) {
        b++;
        x >>= 1;
    }
    return b;
}

/* Stable sort of a[0..n) by bits [lo, lo + nbits); tmp has n entries. The
 * result ends in a. In parallel, each thread counts and then places its own
 * contiguous slice, at offsets ordered by (digit, thread): the same stable
 * order, so the same result, as one thread. */
static int radix_sort(uint64_t *a, uint64_t *tmp, int64_t n, int lo, int nbits)
{
    int nt = cembed_threads_for(n * (int64_t)sizeof(uint64_t) * 4);
    int64_t *count = (int64_t *)malloc((size_t)nt * RADIX_SIZE * sizeof(int64_t));
    if (!count)
        return CEMBED_ERR_NOMEM;
    uint64_t *src = a, *dst = tmp;
    for (int shift = lo; shift < lo + nbits; shift += RADIX_BITS) {
        const int width = lo + nbits - shift < RADIX_BITS ? lo + nbits - shift : RADIX_BITS;
        const uint64_t mask = ((uint64_t)1 << width) - 1;
        CEMBED_OMP(parallel num_threads(nt))
        {
            int t, tn;
            cembed_thread_id(&t, &tn);
            const int64_t i0 = n * t / tn, i1 = n * (t + 1) / tn;
            int64_t *c = count + (int64_t)t * RADIX_SIZE;
            memset(c, 0, RADIX_SIZE * sizeof(int64_t));
            for (int64_t i = i0; i < i1; i++)
                c[(src[i] >> shift) & mask]++;
            CEMBED_OMP(barrier)
            CEMBED_OMP(single)
            {
                int64_t sum = 0;
                for (int64_t d = 0; d <= (int64_t)mask; d++)
                    for (int u = 0; u < tn; u++) {
                        int64_t k = count[(int64_t)u * RADIX_SIZE + d];
                        count[(int64_t)u * RADIX_SIZE + d] = sum;
                        sum += k;
                    }
            } /* implicit barrier */
            for (int64_t i = i0; i < i1; i++)
                dst[c[(src[i] >> shift) & mask]++] = src[i];
        }
        uint64_t *swap = src;
        src = dst;
        dst = swap;
    }
    if (src != a)
        memcpy(a, src, (size_t)n * sizeof(uint64_t));
    free(count);
    return CEMBED_OK;
}

/* The rare case where row and position do not fit in one word (rows
 * beyond 2**(64 - log2 n)): sort (row, position) pairs by comparison. */
typedef struct {
    int64_t row, pos;
} row_pos;

static int cmp_row_pos(const void *x, const void *y)
{
    const row_pos *a = (const row_pos *)x, *b = (const row_pos *)y;
    if (a->row != b->row)
        return a->row < b->row ? -1 : 1;
    return a->pos < b->pos ? -1 : (a->pos > b->pos);
}

static int group_wide(const int64_t *idx, int64_t n, int64_t *rows, int64_t *order,
                      int64_t *starts, int64_t *k_out)
{
    row_pos *pairs = (row_pos *)malloc((size_t)n * sizeof(row_pos));
    if (!pairs)
        return CEMBED_ERR_NOMEM;
    for (int64_t i = 0; i < n; i++) {
        pairs[i].row = idx[i];
        pairs[i].pos = i;
    }
    qsort(pairs, (size_t)n, sizeof(row_pos), cmp_row_pos);
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++) {
        if (i == 0 || pairs[i].row != pairs[i - 1].row) {
            rows[k] = pairs[i].row;
            starts[k++] = i;
        }
        order[i] = pairs[i].pos;
    }
    starts[k] = n;
    *k_out = k;
    free(pairs);
    return CEMBED_OK;
}

/* From the sorted keys, the groups: rows[j] and starts[j] for each new row,
 * order[i] the position of key i. In parallel, each thread first counts the
 * groups that start in its slice, then writes them at its offset. Returns
 * the number of groups. */
static int64_t extract_groups(const uint64_t *keys, int64_t n, int pos_bits, int nt,
                              int64_t *rows, int64_t *order, int64_t *starts)
{
    const uint64_t pos_mask = pos_bits == 64 ? ~(uint64_t)0 : (((uint64_t)1 << pos_bits) - 1);
    int64_t first[257], total = 0;
    if (nt > 256)
        nt = 256;
    CEMBED_OMP(parallel num_threads(nt))
    {
        int t, tn;
        cembed_thread_id(&t, &tn);
        const int64_t i0 = n * t / tn, i1 = n * (t + 1) / tn;
        int64_t c = 0;
        uint64_t prev = i0 == 0 ? ~(uint64_t)0 : keys[i0 - 1] >> pos_bits;
        for (int64_t i = i0; i < i1; i++) {
            const uint64_t row = keys[i] >> pos_bits;
            c += row != prev;
            prev = row;
        }
        first[t + 1] = c;
        CEMBED_OMP(barrier)
        CEMBED_OMP(single)
        {
            first[0] = 0;
            for (int u = 0; u < tn; u++)
                first[u + 1] += first[u];
            total = first[tn];
        } /* implicit barrier */
        /* branch-free (a new group every few keys is unpredictable): the
         * first key of a group writes at k, the others into a sink */
        int64_t k = first[t], sink[2];
        prev = i0 == 0 ? ~(uint64_t)0 : keys[i0 - 1] >> pos_bits;
        for (int64_t i = i0; i < i1; i++) {
            const uint64_t key = keys[i], row = key >> pos_bits;
            const int is_new = row != prev;
            int64_t *r = is_new ? rows + k : sink, *st = is_new ? starts + k : sink + 1;
            *r = (int64_t)row;
            *st = i;
            k += is_new;
            prev = row;
            order[i] = (int64_t)(key & pos_mask);
        }
    }
    starts[total] = n;
    return total;
}

int cembed_group_rows(const int64_t *idx, int64_t n, int64_t num_rows, int64_t *rows,
                      int64_t *order, int64_t *starts, int64_t *k_out, int64_t *bad_pos)
{
    int status = cembed_check_indices(idx, n, num_rows, bad_pos);
    if (status != CEMBED_OK)
        return status;
    starts[0] = 0;
    *k_out = 0;
    if (n == 0)
        return CEMBED_OK;

    /* the keys, and the OR of every index: it has the bit length of the
     * largest (all are >= 0 by now) */
    const int pos_bits = bit_length((uint64_t)(n - 1));
    uint64_t *keys = (uint64_t *)malloc((size_t)n * 2 * sizeof(uint64_t));
    if (!keys)
        return CEMBED_ERR_NOMEM;
    const int nt = cembed_threads_for(n * (int64_t)sizeof(int64_t));
    uint64_t any = 0;
    CEMBED_OMP(parallel for num_threads(nt) schedule(static) reduction(| : any))
    for (int64_t i = 0; i < n; i++) {
        any |= (uint64_t)idx[i];
        keys[i] = ((uint64_t)idx[i] << pos_bits) | (uint64_t)i;
    }
    const int row_bits = bit_length(any);
    if (pos_bits + row_bits > 64) {
        free(keys);
        return group_wide(idx, n, rows, order, starts, k_out);
    }
    if (radix_sort(keys, keys + n, n, pos_bits, row_bits) != CEMBED_OK) {
        free(keys);
        return CEMBED_ERR_NOMEM;
    }
    *k_out = extract_groups(keys, n, pos_bits, nt, rows, order, starts);
    free(keys);
    return CEMBED_OK;
}

#define REAL float
#define SUF f32
#include "accumulate_real.h"
#undef REAL
#undef SUF

#define REAL double
#define SUF f64
#include "accumulate_real.h"
#undef REAL
#undef SUF
