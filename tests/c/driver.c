/*
 * driver.c - exercises every cembed_* function of cembed.h with random and
 * adversarial inputs, for a build under AddressSanitizer and
 * UndefinedBehaviorSanitizer (tests/c/run_sanitizers.sh).
 *
 * Every buffer is malloc'ed at exactly the size the contract promises (an
 * empty one as malloc(0)), so a read or write one element past its end is
 * a sanitizer report. Results are checked against plain loops, failed calls
 * against "nothing was written", and parallel runs against serial ones
 * bitwise. The driver keeps to the C API's contract itself: the sizes it
 * passes are the sizes it allocated.
 *
 * usage: driver [iterations] [seed]     exit status 0 when every check held
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cembed.h"

static int failures = 0;

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);    \
            failures++;                                                                 \
        }                                                                               \
    } while (0)

/* ---- helpers -------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void) /* xorshift64* */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1du;
}

static int64_t rnd_below(int64_t n) /* n >= 1 */
{
    return (int64_t)(rnd() % (uint64_t)n);
}

static double rnd_unit(void)
{
    return (double)(rnd() >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes); /* malloc(0): a unique pointer with no valid byte */
    if (!p && bytes) {
        fprintf(stderr, "driver: out of memory (%zu bytes)\n", bytes);
        exit(2);
    }
    return p;
}

static int64_t *new_i64(int64_t n)
{
    return (int64_t *)xmalloc((size_t)n * sizeof(int64_t));
}

static float *new_f32(int64_t n)
{
    float *p = (float *)xmalloc((size_t)n * sizeof(float));
    for (int64_t i = 0; i < n; i++)
        p[i] = (float)rnd_unit();
    return p;
}

static double *new_f64(int64_t n)
{
    double *p = (double *)xmalloc((size_t)n * sizeof(double));
    for (int64_t i = 0; i < n; i++)
        p[i] = rnd_unit();
    return p;
}

static void *dup_bytes(const void *p, size_t bytes)
{
    void *q = xmalloc(bytes);
    if (bytes)
        memcpy(q, p, bytes);
    return q;
}

static int same_bytes(const void *a, const void *b, size_t bytes)
{
    return bytes == 0 || memcmp(a, b, bytes) == 0;
}

/* The bad indices every kernel must refuse, for a table of v rows. */
static int64_t bad_index(int64_t v, int which)
{
    switch (which & 3) {
    case 0:
        return INT64_MIN;
    case 1:
        return -1;
    case 2:
        return v;
    default:
        return INT64_MAX;
    }
}

/* Random valid indices in [0, v); now and then all equal (hot row). */
static void fill_indices(int64_t *idx, int64_t n, int64_t v)
{
    int hot = rnd_below(4) == 0;
    for (int64_t i = 0; i < n; i++)
        idx[i] = hot ? v - 1 : rnd_below(v);
}

/* A random size: mostly small, sometimes 0 or 1. */
static int64_t rnd_size(int64_t most)
{
    switch (rnd_below(6)) {
    case 0:
        return 0;
    case 1:
        return 1;
    default:
        return 1 + rnd_below(most);
    }
}

/* ---- index checks ---------------------------------------------------------- */

static void test_check_indices(void)
{
    int64_t n = rnd_size(3000), v = 1 + rnd_size(50);
    int64_t *idx = new_i64(n);
    fill_indices(idx, n, v);
    int64_t bad_pos = -7;
    CHECK(cembed_check_indices(idx, n, v, &bad_pos) == CEMBED_OK);
    CHECK(bad_pos == -7);
    CHECK(cembed_check_indices(idx, n, -1, &bad_pos) == CEMBED_OK);
    if (n > 0) {
        int64_t p = rnd_below(n), q = rnd_below(n);
        idx[p] = bad_index(v, (int)rnd_below(4));
        idx[q] = bad_index(v, (int)rnd_below(4));
        CHECK(cembed_check_indices(idx, n, v, &bad_pos) == CEMBED_ERR_INDEX);
        CHECK(bad_pos == (p < q ? p : q));
        /* num_rows < 0 checks only the sign */
        idx[p] = idx[q] = INT64_MAX;
        CHECK(cembed_check_indices(idx, n, -1, &bad_pos) == CEMBED_OK);
        idx[q] = INT64_MIN;
        CHECK(cembed_check_indices(idx, n, INT64_MIN, &bad_pos) == CEMBED_ERR_INDEX);
        CHECK(bad_pos == q);
        /* num_rows 0: every index is bad */
        CHECK(cembed_check_indices(idx, n, 0, &bad_pos) == CEMBED_ERR_INDEX);
        CHECK(bad_pos == 0);
        CHECK(cembed_check_indices(idx, n, INT64_MAX, &bad_pos) == CEMBED_ERR_INDEX);
        CHECK(bad_pos == (p < q ? p : q));
    }
    free(idx);

    /* rows: in range and strictly increasing */
    int64_t k = rnd_size(100);
    int64_t *rows = new_i64(k);
    for (int64_t i = 0; i < k; i++)
        rows[i] = 3 * i + rnd_below(3);
    CHECK(cembed_check_rows(rows, k, 3 * k, &bad_pos) == CEMBED_OK);
    if (k > 1) {
        int64_t p = 1 + rnd_below(k - 1);
        int64_t keep = rows[p];
        rows[p] = rows[p - 1];
        CHECK(cembed_check_rows(rows, k, 3 * k, &bad_pos) == CEMBED_ERR_ORDER);
        CHECK(bad_pos == p);
        rows[p] = keep;
    }
    if (k > 0) {
        int64_t keep = rows[k - 1];
        for (int w = 0; w < 4; w++) {
            rows[k - 1] = bad_index(3 * k, w);
            int st = cembed_check_rows(rows, k, 3 * k, &bad_pos);
            CHECK(st == CEMBED_ERR_INDEX || (st == CEMBED_ERR_ORDER && w < 2));
            CHECK(bad_pos == k - 1);
        }
        rows[0] = INT64_MIN;
        CHECK(cembed_check_rows(rows, k, INT64_MAX, &bad_pos) == CEMBED_ERR_INDEX);
        CHECK(bad_pos == 0);
        rows[k - 1] = keep;
    }
    free(rows);
}

/* ---- gather ----------------------------------------------------------------- */

static void test_gather(void)
{
    int64_t v = 1 + rnd_size(40), d = rnd_size(40), n = rnd_size(500);
    int64_t ld = d + rnd_below(3);
    int esize = rnd_below(2) ? 4 : 8;
    int64_t ld_bytes = ld * esize, row_bytes = d * esize;
    /* the last row only needs its first d elements */
    size_t table_bytes = (size_t)((v - 1) * ld_bytes + row_bytes);
    char *table = (char *)xmalloc(table_bytes);
    for (size_t i = 0; i < table_bytes; i++)
        table[i] = (char)rnd();
    int64_t *idx = new_i64(n);
    fill_indices(idx, n, v);
    char *out = (char *)xmalloc((size_t)(n * row_bytes));
    int64_t bad_pos = -7;
    CHECK(cembed_gather(table, v, ld_bytes, row_bytes, idx, n, out, &bad_pos) == CEMBED_OK);
    for (int64_t i = 0; i < n; i++)
        CHECK(same_bytes(out + i * row_bytes, table + idx[i] * ld_bytes, (size_t)row_bytes));
    if (n > 0) {
        char *before = (char *)dup_bytes(out, (size_t)(n * row_bytes));
        int64_t p = rnd_below(n);
        idx[p] = bad_index(v, (int)rnd_below(4));
        CHECK(cembed_gather(table, v, ld_bytes, row_bytes, idx, n, out, &bad_pos)
              == CEMBED_ERR_INDEX);
        CHECK(bad_pos == p);
        CHECK(same_bytes(before, out, (size_t)(n * row_bytes)));
        free(before);
    }
    free(table);
    free(idx);
    free(out);
}

/* V = 1 with an enormous leading dimension: row 0 is the only row read,
 * so idx * ld must never be formed for any other index. */
static void test_gather_extremes(void)
{
    float row[3] = {1, 2, 3};
    int64_t idx[4] = {0, 0, 0, 0};
    float out[12];
    int64_t bad_pos = -7;
    CHECK(cembed_gather(row, 1, INT64_MAX, 12, idx, 4, out, &bad_pos) == CEMBED_OK);
    CHECK(out[9] == 1 && out[11] == 3);
    idx[3] = 1;
    memset(out, 0, sizeof(out));
    CHECK(cembed_gather(row, 1, INT64_MAX, 12, idx, 4, out, &bad_pos) == CEMBED_ERR_INDEX);
    CHECK(bad_pos == 3 && out[0] == 0);
    /* D = 0: nothing is read or written */
    int64_t many[3] = {0, 0, 0};
    char *none = (char *)xmalloc(0);
    CHECK(cembed_gather(none, 1, 0, 0, many, 3, none, &bad_pos) == CEMBED_OK);
    /* V = 0: every index is bad, even 0 */
    CHECK(cembed_gather(none, 0, 0, 0, many, 3, none, &bad_pos) == CEMBED_ERR_INDEX);
    CHECK(bad_pos == 0);
    /* n = 0 with empty buffers */
    int64_t *noidx = new_i64(0);
    CHECK(cembed_gather(none, 0, 0, 0, noidx, 0, none, &bad_pos) == CEMBED_OK);
    free(noidx);
    free(none);
}

/* Sizes at the int64 limit whose products with an empty dimension are 0:
 * valid calls that touch no memory, where a work estimate such as n * D
 * must neither overflow (UBSan) nor make a kernel read anything. */
static void test_zero_products(void)
{
    const int64_t huge = INT64_MAX;
    char *none = (char *)xmalloc(0);
    int64_t *noidx = new_i64(0), zero_offsets[1] = {0}, bad_pos = -7, k = -1;
    int64_t starts[1];
    CHECK(cembed_check_indices(noidx, 0, huge, &bad_pos) == CEMBED_OK);
    CHECK(cembed_check_rows(noidx, 0, huge, &bad_pos) == CEMBED_OK);
    CHECK(cembed_gather(none, huge, huge, huge, noidx, 0, none, &bad_pos) == CEMBED_OK);
    CHECK(cembed_gather(none, huge, huge / 2, huge / 2, noidx, 0, none, &bad_pos) == CEMBED_OK);
    for (int mode = 0; mode < 4; mode++) {
        CHECK(cembed_bag_f32((float *)none, huge, huge, huge, noidx, zero_offsets, 0, mode, NULL,
                             -1, (float *)none, &bad_pos)
              == CEMBED_OK);
        CHECK(cembed_bag_f64((double *)none, huge, huge, huge, noidx, zero_offsets, 0, mode, NULL,
                             huge, (double *)none, &bad_pos)
              == CEMBED_OK);
    }
    CHECK(cembed_group_rows(noidx, 0, huge, noidx, noidx, starts, &k, &bad_pos) == CEMBED_OK);
    CHECK(k == 0 && starts[0] == 0);
    cembed_sum_groups_f32((float *)none, huge, noidx, starts, 0, (float *)none);
    cembed_sum_groups_f64((double *)none, huge, noidx, starts, 0, (double *)none);
    cembed_sum_groups_scaled_f32((float *)none, huge, noidx, (float *)none, noidx, starts, 0,
                                 (float *)none);
    CHECK(cembed_scatter_add_f32((float *)none, huge, huge, huge, noidx, 0, (float *)none,
                                 &bad_pos)
          == CEMBED_OK);
    CHECK(cembed_scatter_add_f64((double *)none, huge, huge, huge, noidx, 0, (double *)none,
                                 &bad_pos)
          == CEMBED_OK);
    CHECK(cembed_adam_f32((float *)none, huge, (float *)none, huge, (float *)none, huge, huge,
                          huge, noidx, 0, (float *)none, huge, 1e-3, 0.9, 0.999, 1e-7, &bad_pos)
          == CEMBED_OK);
    CHECK(cembed_adagrad_f64((double *)none, huge, (double *)none, 0, huge, huge, noidx, 0,
                             (double *)none, 1e-3, 1e-7, &bad_pos)
          == CEMBED_OK);
    CHECK(cembed_sgd_f32((float *)none, huge, huge, huge, noidx, 0, (float *)none, 0.1, &bad_pos)
          == CEMBED_OK);
    /* a bag of padding only, D = 1, V = 1 */
    float one = 7, out[2] = {-1, -1};
    int64_t pads[3] = {0, 0, 0}, offs[3] = {0, 3, 3};
    CHECK(cembed_bag_f32(&one, 1, huge, 1, pads, offs, 2, CEMBED_BAG_MEAN, NULL, 0, out, &bad_pos)
          == CEMBED_OK);
    CHECK(out[0] == 0 && out[1] == 0);
    int32_t *nov = (int32_t *)xmalloc(0);
    cembed_pad_place_i32(nov, zero_offsets, 0, huge, 0, nov);
    int64_t three_empty[4] = {0, 0, 0, 0};
    cembed_pad_place_i32(nov, three_empty, 3, 0, 1, nov);
    free(nov);
    free(noidx);
    free(none);
}

/* ---- bags ------------------------------------------------------------------- */

#define DEFINE_BAG_TEST(SUF, REAL, NEW)                                                       \
    static void test_bag_##SUF(void)                                                          \
    {                                                                                         \
        int64_t v = 1 + rnd_size(30), d = rnd_size(150), nb = rnd_size(40);                   \
        int64_t ld = d + rnd_below(3);                                                        \
        REAL *table = NEW((v - 1) * ld + d);                                                  \
        int64_t *offsets = new_i64(nb + 1);                                                   \
        offsets[0] = rnd_below(3) == 0 ? rnd_below(3) : 0;                                    \
        for (int64_t b = 0; b < nb; b++)                                                      \
            offsets[b + 1] = offsets[b] + (rnd_below(5) == 0 ? 0 : rnd_below(6));             \
        int64_t n = offsets[nb];                                                              \
        int64_t *idx = new_i64(n);                                                            \
        fill_indices(idx, n, v);                                                              \
        int mode = (int)rnd_below(4);                                                         \
        REAL *weights = (mode != CEMBED_BAG_MAX && rnd_below(2)) ? NEW(n) : NULL;             \
        if (weights && n > 0 && rnd_below(2))                                                 \
            weights[rnd_below(n)] = 0;                                                        \
        int64_t padding = rnd_below(3) == 0 ? -1 : rnd_below(v + 1);                          \
        REAL *out = NEW(nb * d);                                                              \
        int64_t bad_pos = -7;                                                                 \
        int st = cembed_bag_##SUF(table, v, ld, d, idx, offsets, nb, mode, weights, padding,  \
                                  out, &bad_pos);                                             \
        CHECK(st == CEMBED_OK);                                                               \
        for (int64_t b = 0; b < nb && st == CEMBED_OK; b++) {                                 \
            double cnt = 0, ws = 0, wq = 0;                                                   \
            for (int64_t p = offsets[b]; p < offsets[b + 1]; p++) {                           \
                if (idx[p] == padding)                                                        \
                    continue;                                                                 \
                double w = weights ? weights[p] : 1;                                          \
                cnt++, ws += w, wq += w * w;                                                  \
            }                                                                                 \
            double denom = mode == CEMBED_BAG_MEAN ? ws : mode == CEMBED_BAG_SQRTN ? sqrt(wq) \
                                                                                   : 1;       \
            for (int64_t j = 0; j < d; j++) {                                                 \
                double ref = 0;                                                               \
                int first = 1;                                                                \
                for (int64_t p = offsets[b]; p < offsets[b + 1]; p++) {                       \
                    if (idx[p] == padding)                                                    \
                        continue;                                                             \
                    double x = table[idx[p] * ld + j];                                        \
                    if (mode == CEMBED_BAG_MAX)                                               \
                        ref = first || x > ref ? x : ref;                                     \
                    else                                                                      \
                        ref += (weights ? weights[p] : 1) * x;                                \
                    first = 0;                                                                \
                }                                                                             \
                if (cnt == 0 || denom == 0)                                                   \
                    ref = 0;                                                                  \
                else                                                                          \
                    ref /= denom;                                                             \
                double got = out[b * d + j];                                                  \
                CHECK(fabs(got - ref) <= 1e-4 * (1 + fabs(ref)) * (1 + cnt));                 \
            }                                                                                 \
        }                                                                                     \
        if (n > 0) {                                                                          \
            REAL *before = (REAL *)dup_bytes(out, (size_t)(nb * d) * sizeof(REAL));           \
            int64_t p = rnd_below(n), keep = idx[p];                                          \
            idx[p] = bad_index(v, (int)rnd_below(4));                                         \
            int64_t pad2 = idx[p] == padding ? -1 : padding;                                  \
            CHECK(cembed_bag_##SUF(table, v, ld, d, idx, offsets, nb, mode, weights, pad2,    \
                                   out, &bad_pos)                                             \
                  == CEMBED_ERR_INDEX);                                                       \
            CHECK(bad_pos == p);                                     \
            CHECK(same_bytes(before, out, (size_t)(nb * d) * sizeof(REAL)));                  \
            idx[p] = keep;                                                                    \
            free(before);                                                                     \
        }                                                                                     \
        /* bad modes, MAX with weights, decreasing offsets: refused, nothing written */       \
        REAL *before = (REAL *)dup_bytes(out, (size_t)(nb * d) * sizeof(REAL));               \
        int bad_modes[3] = {-1, 4, INT32_MAX};                                                \
        for (int m = 0; m < 3; m++)                                                           \
            CHECK(cembed_bag_##SUF(table, v, ld, d, idx, offsets, nb, bad_modes[m], NULL,     \
                                   padding, out, &bad_pos)                                    \
                  == CEMBED_ERR_VALUE);                                                       \
        REAL one = 1;                                                                         \
        CHECK(cembed_bag_##SUF(table, v, ld, d, idx, offsets, nb, CEMBED_BAG_MAX, &one,       \
                               padding, out, &bad_pos)                                        \
              == CEMBED_ERR_VALUE);                                                           \
        if (nb > 0 && n > 0) {                                                                \
            int64_t keep = offsets[nb];                                                       \
            offsets[nb] = offsets[nb - 1] - 1;                                                \
            CHECK(cembed_bag_##SUF(table, v, ld, d, idx, offsets, nb, CEMBED_BAG_SUM, NULL,   \
                                   padding, out, &bad_pos)                                    \
                  == CEMBED_ERR_VALUE);                                                       \
            offsets[nb] = keep;                                                               \
        }                                                                                     \
        CHECK(same_bytes(before, out, (size_t)(nb * d) * sizeof(REAL)));                      \
        free(before);                                                                         \
        /* the backward's per-position scales */                                              \
        if (mode != CEMBED_BAG_MAX) {                                                         \
            int64_t *kept = new_i64(n), *bag_of = new_i64(n), n_kept = -1;                    \
            REAL *scale = (REAL *)xmalloc((size_t)n * sizeof(REAL));                          \
            CHECK(cembed_bag_scales_##SUF(idx, offsets, nb, mode, weights, padding, kept,     \
                                          bag_of, scale, &n_kept)                             \
                  == CEMBED_OK);                                                              \
            CHECK(n_kept >= 0 && n_kept <= n);                                                \
            for (int64_t i = 0; i < n_kept; i++) {                                            \
                CHECK(kept[i] != padding && kept[i] >= 0 && kept[i] < v);                     \
                CHECK(bag_of[i] >= 0 && bag_of[i] < nb);                                      \
                CHECK(isfinite((double)scale[i]));                                            \
            }                                                                                 \
            free(kept);                                                                       \
            free(bag_of);                                                                     \
            free(scale);                                                                      \
        }                                                                                     \
        CHECK(cembed_bag_scales_##SUF(idx, offsets, nb, CEMBED_BAG_MAX, NULL, padding, NULL,  \
                                      NULL, NULL, &bad_pos)                                   \
              == CEMBED_ERR_VALUE);                                                           \
        free(table);                                                                          \
        free(offsets);                                                                        \
        free(idx);                                                                            \
        free(weights);                                                                        \
        free(out);                                                                            \
    }

DEFINE_BAG_TEST(f32, float, new_f32)
DEFINE_BAG_TEST(f64, double, new_f64)

/* Extremes of a bag: V = 1 with a huge ld, D = 1, padding at INT64_MIN /
 * INT64_MAX, an empty bag list (offsets of one entry). */
static void test_bag_extremes(void)
{
    double row[1] = {2.5};
    int64_t idx[3] = {0, 0, 0}, offsets[3] = {0, 2, 3}, bad_pos = -7;
    double out[2];
    CHECK(cembed_bag_f64(row, 1, INT64_MAX, 1, idx, offsets, 2, CEMBED_BAG_SUM, NULL, INT64_MIN,
                         out, &bad_pos)
          == CEMBED_OK);
    CHECK(out[0] == 5.0 && out[1] == 2.5);
    CHECK(cembed_bag_f64(row, 1, INT64_MAX, 1, idx, offsets, 2, CEMBED_BAG_MEAN, NULL, 0, out,
                         &bad_pos)
          == CEMBED_OK);
    CHECK(out[0] == 0.0 && out[1] == 0.0);
    CHECK(cembed_bag_f64(row, 1, INT64_MAX, 1, idx, offsets, 2, CEMBED_BAG_SQRTN, NULL,
                         INT64_MAX, out, &bad_pos)
          == CEMBED_OK);
    int64_t one_offset[1] = {0};
    double *none = (double *)xmalloc(0);
    CHECK(cembed_bag_f64(none, 0, 0, 0, idx, one_offset, 0, CEMBED_BAG_MAX, NULL, -1, none,
                         &bad_pos)
          == CEMBED_OK);
    /* a negative first offset is refused before anything is read */
    int64_t neg[2] = {INT64_MIN, 0};
    CHECK(cembed_bag_f64(row, 1, 1, 1, idx, neg, 1, CEMBED_BAG_SUM, NULL, -1, out, &bad_pos)
          == CEMBED_ERR_VALUE);
    free(none);
}

/* ---- sparse gradients -------------------------------------------------------- */

/* The group of row r in sorted unique rows[0..k) (r is one of them). */
static int64_t find_row(const int64_t *rows, int64_t k, int64_t r)
{
    int64_t lo = 0, hi = k;
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (rows[mid] <= r)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

#define DEFINE_GROUP_TEST(SUF, REAL, NEW)                                                    \
    static void test_group_##SUF(void)                                                       \
    {                                                                                        \
        int64_t n = rnd_size(800), v = 1 + rnd_size(60), d = rnd_size(20);                   \
        int64_t *idx = new_i64(n);                                                           \
        fill_indices(idx, n, v);                                                             \
        /* sometimes indices near INT64_MAX with num_rows < 0 (the wide path) */             \
        int wide = rnd_below(4) == 0;                                                        \
        if (wide)                                                                            \
            for (int64_t i = 0; i < n; i++)                                                  \
                idx[i] = INT64_MAX - idx[i];                                                 \
        int64_t *rows = new_i64(n), *order = new_i64(n), *starts = new_i64(n + 1), k = -1;   \
        int64_t bad_pos = -7;                                                                \
        CHECK(cembed_group_rows(idx, n, wide ? -1 : v, rows, order, starts, &k, &bad_pos)    \
              == CEMBED_OK);                                                                 \
        CHECK(k >= 0 && k <= n && starts[0] == 0 && starts[k] == n);                         \
        for (int64_t j = 0; j < k; j++) {                                                    \
            CHECK(j == 0 || rows[j] > rows[j - 1]);                                          \
            CHECK(starts[j + 1] > starts[j]);                                                \
            for (int64_t s = starts[j]; s < starts[j + 1]; s++) {                            \
                CHECK(order[s] >= 0 && order[s] < n && idx[order[s]] == rows[j]);            \
                CHECK(s == starts[j] || order[s] > order[s - 1]);                            \
            }                                                                                \
        }                                                                                    \
        REAL *grad = NEW(n * d), *values = NEW(k * d);                                       \
        cembed_sum_groups_##SUF(grad, d, order, starts, k, values);                          \
        REAL *ref = (REAL *)calloc((size_t)(k * d) + 1, sizeof(REAL));                      \
        for (int64_t i = 0; i < n; i++) {                                                    \
            int64_t j = find_row(rows, k, idx[i]);                                           \
            for (int64_t c = 0; c < d; c++)                                                  \
                ref[j * d + c] += grad[i * d + c];                                           \
        }                                                                                    \
        CHECK(same_bytes(ref, values, (size_t)(k * d) * sizeof(REAL)));                      \
        /* scaled: grad of B bags, each position points to a bag */                         \
        int64_t nb = 1 + rnd_below(5);                                                       \
        REAL *bgrad = NEW(nb * d), *scale = NEW(n);                                          \
        int64_t *bag_of = new_i64(n);                                                        \
        for (int64_t i = 0; i < n; i++)                                                      \
            bag_of[i] = rnd_below(nb);                                                       \
        cembed_sum_groups_scaled_##SUF(bgrad, d, bag_of, scale, order, starts, k, values);   \
        memset(ref, 0, (size_t)(k * d) * sizeof(REAL));                                      \
        for (int64_t i = 0; i < n; i++) {                                                    \
            int64_t j = find_row(rows, k, idx[i]);                                           \
            for (int64_t c = 0; c < d; c++)                                                  \
                ref[j * d + c] += bgrad[bag_of[i] * d + c] * scale[i];                       \
        }                                                                                    \
        CHECK(same_bytes(ref, values, (size_t)(k * d) * sizeof(REAL)));                      \
        free(ref);                                                                           \
        if (n > 0) {                                                                         \
            int64_t p = rnd_below(n);                                                        \
            idx[p] = wide ? INT64_MIN + rnd_below(2) * (INT64_MAX) : bad_index(v, (int)rnd_below(4)); \
            int st = cembed_group_rows(idx, n, wide ? -1 : v, rows, order, starts, &k,       \
                                       &bad_pos);                                            \
            CHECK(st == CEMBED_ERR_INDEX && bad_pos == p);                                   \
        }                                                                                    \
        free(idx);                                                                           \
        free(rows);                                                                          \
        free(order);                                                                         \
        free(starts);                                                                        \
        free(grad);                                                                          \
        free(values);                                                                        \
        free(bgrad);                                                                         \
        free(scale);                                                                         \
        free(bag_of);                                                                        \
    }                                                                                        \
                                                                                             \
    static void test_scatter_##SUF(void)                                                     \
    {                                                                                        \
        int64_t n = rnd_size(600), v = 1 + rnd_size(40), d = rnd_size(20);                   \
        int64_t ld = d + rnd_below(2);                                                       \
        REAL *table = NEW((v - 1) * ld + d), *grad = NEW(n * d);                             \
        int64_t *idx = new_i64(n), bad_pos = -7;                                             \
        fill_indices(idx, n, v);                                                             \
        size_t tb = (size_t)((v - 1) * ld + d) * sizeof(REAL);                               \
        REAL *ref = (REAL *)dup_bytes(table, tb);                                            \
        for (int64_t i = 0; i < n; i++)                                                      \
            for (int64_t c = 0; c < d; c++)                                                  \
                ref[idx[i] * ld + c] += grad[i * d + c];                                     \
        CHECK(cembed_scatter_add_##SUF(table, v, ld, d, idx, n, grad, &bad_pos) == CEMBED_OK); \
        CHECK(same_bytes(ref, table, tb));                                                   \
        if (n > 0) {                                                                         \
            int64_t p = rnd_below(n);                                                        \
            idx[p] = bad_index(v, (int)rnd_below(4));                                        \
            CHECK(cembed_scatter_add_##SUF(table, v, ld, d, idx, n, grad, &bad_pos)          \
                  == CEMBED_ERR_INDEX);                                                      \
            CHECK(bad_pos == p && same_bytes(ref, table, tb));                               \
        }                                                                                    \
        free(table);                                                                         \
        free(grad);                                                                          \
        free(idx);                                                                           \
        free(ref);                                                                           \
    }

DEFINE_GROUP_TEST(f32, float, new_f32)
DEFINE_GROUP_TEST(f64, double, new_f64)

/* ---- optimizers ------------------------------------------------------------- */

#define DEFINE_OPTIM_TEST(SUF, REAL, NEW)                                                    \
    static void test_optim_##SUF(void)                                                       \
    {                                                                                        \
        int64_t v = 1 + rnd_size(40), d = rnd_size(20), ld = d + rnd_below(2);               \
        int64_t tn = (v - 1) * ld + d;                                                       \
        size_t tb = (size_t)tn * sizeof(REAL);                                               \
        REAL *table = NEW(tn), *m = NEW(tn), *vv = NEW(tn), *acc = NEW(tn), *racc = NEW(v);  \
        for (int64_t i = 0; i < tn; i++)                                                     \
            vv[i] = vv[i] * vv[i], acc[i] = acc[i] * acc[i];                                 \
        for (int64_t i = 0; i < v; i++)                                                      \
            racc[i] = racc[i] * racc[i];                                                     \
        int64_t k = 0, *rows = new_i64(v);                                                   \
        for (int64_t r = 0; r < v; r++)                                                      \
            if (rnd_below(2))                                                                \
                rows[k++] = r;                                                               \
        REAL *grads = NEW(k * d);                                                            \
        int64_t bad_pos = -7;                                                                \
        int64_t step = rnd_below(3) == 0 ? INT64_MAX : 1 + rnd_below(10);                    \
        CHECK(cembed_adam_##SUF(table, ld, m, ld, vv, ld, v, d, rows, k, grads, step, 1e-3,  \
                                0.9, 0.999, 1e-7, &bad_pos)                                  \
              == CEMBED_OK);                                                                 \
        /* ld_acc 0 means row-wise: a full accumulator of D = 0 gets ld 1 */               \
        int64_t ld_acc = ld ? ld : 1;                                                        \
        CHECK(cembed_adagrad_##SUF(table, ld, acc, ld_acc, v, d, rows, k, grads, 1e-2, 1e-7, \
                                   &bad_pos)                                                 \
              == CEMBED_OK);                                                                 \
        REAL *racc_before = (REAL *)dup_bytes(racc, (size_t)v * sizeof(REAL));               \
        CHECK(cembed_adagrad_##SUF(table, ld, racc, 0, v, d, rows, k, grads, 1e-2, 1e-7,     \
                                   &bad_pos)                                                 \
              == CEMBED_OK);                                                                 \
        /* regression: D = 0 row-wise wrote 0/0 = NaN into the listed rows' accumulators */  \
        CHECK(d > 0 || same_bytes(racc_before, racc, (size_t)v * sizeof(REAL)));             \
        for (int64_t r = 0; r < v; r++)                                                      \
            CHECK(isfinite((double)racc[r]));                                                \
        free(racc_before);                                                                   \
        CHECK(cembed_sgd_##SUF(table, ld, v, d, rows, k, grads, 0.1, &bad_pos) == CEMBED_OK);  \
        for (int64_t i = 0; i < tn; i++)                                                     \
            CHECK(isfinite((double)table[i]));                                               \
        /* refused: bad step, bad rows, rows out of order; nothing changes */                \
        REAL *t0 = (REAL *)dup_bytes(table, tb), *m0 = (REAL *)dup_bytes(m, tb);             \
        REAL *v0 = (REAL *)dup_bytes(vv, tb), *a0 = (REAL *)dup_bytes(acc, tb);              \
        REAL *r0 = (REAL *)dup_bytes(racc, (size_t)v * sizeof(REAL));                        \
        int64_t bad_steps[3] = {0, -1, INT64_MIN};                                           \
        for (int s = 0; s < 3; s++)                                                          \
            CHECK(cembed_adam_##SUF(table, ld, m, ld, vv, ld, v, d, rows, k, grads,          \
                                    bad_steps[s], 1e-3, 0.9, 0.999, 1e-7, &bad_pos)          \
                  == CEMBED_ERR_VALUE);                                                      \
        if (k > 0) {                                                                         \
            int64_t p = rnd_below(k), keep = rows[p];                                        \
            rows[p] = bad_index(v, (int)rnd_below(4));                                       \
            int64_t want_pos = -1;                                                           \
            for (int64_t i = 0; i < k && want_pos < 0; i++)                                  \
                if ((uint64_t)rows[i] >= (uint64_t)v || (i > 0 && rows[i] <= rows[i - 1]))   \
                    want_pos = i;                                                            \
            CHECK(cembed_adam_##SUF(table, ld, m, ld, vv, ld, v, d, rows, k, grads, 1, 1e-3, \
                                    0.9, 0.999, 1e-7, &bad_pos)                              \
                  != CEMBED_OK);                                                             \
            CHECK(bad_pos == want_pos);                                                      \
            CHECK(cembed_adagrad_##SUF(table, ld, acc, ld_acc, v, d, rows, k, grads, 1e-2, 1e-7, \
                                       &bad_pos)                                             \
                  != CEMBED_OK);                                                             \
            CHECK(cembed_adagrad_##SUF(table, ld, racc, 0, v, d, rows, k, grads, 1e-2, 1e-7, \
                                       &bad_pos)                                             \
                  != CEMBED_OK);                                                             \
            CHECK(cembed_sgd_##SUF(table, ld, v, d, rows, k, grads, 0.1, &bad_pos)           \
                  != CEMBED_OK);                                                             \
            rows[p] = keep;                                                                  \
            if (k > 1) {                                                                     \
                rows[k - 1] = rows[k - 2];                                                   \
                CHECK(cembed_sgd_##SUF(table, ld, v, d, rows, k, grads, 0.1, &bad_pos)       \
                      == CEMBED_ERR_ORDER);                                                  \
                CHECK(bad_pos == k - 1);                                                     \
            }                                                                                \
        }                                                                                    \
        CHECK(same_bytes(t0, table, tb) && same_bytes(m0, m, tb) && same_bytes(v0, vv, tb)); \
        CHECK(same_bytes(a0, acc, tb) && same_bytes(r0, racc, (size_t)v * sizeof(REAL)));    \
        free(t0), free(m0), free(v0), free(a0), free(r0);                                    \
        free(table), free(m), free(vv), free(acc), free(racc), free(rows), free(grads);      \
    }

DEFINE_OPTIM_TEST(f32, float, new_f32)
DEFINE_OPTIM_TEST(f64, double, new_f64)

/* ---- hashing ---------------------------------------------------------------- */

static void test_murmur(void)
{
    /* reference values (Appleby's MurmurHash3_x86_32, as sklearn) */
    char *empty = (char *)xmalloc(0);
    CHECK(cembed_murmurhash3_32(empty, 0, 0) == 0u);
    CHECK(cembed_murmurhash3_32(empty, 0, 1) == 0x514E28B7u);
    CHECK(cembed_murmurhash3_32("hello", 5, 0) == 0x248BFA47u);
    free(empty);
    /* any length, any alignment: a key copied to an odd address hashes the same */
    int64_t len = rnd_size(40);
    char *key = (char *)xmalloc((size_t)len), *odd = (char *)xmalloc((size_t)len + 1);
    for (int64_t i = 0; i < len; i++)
        key[i] = (char)rnd();
    if (len)
        memcpy(odd + 1, key, (size_t)len);
    uint32_t seed = (uint32_t)rnd();
    CHECK(cembed_murmurhash3_32(key, len, seed) == cembed_murmurhash3_32(odd + 1, len, seed));
    free(key);
    free(odd);
    int32_t ints[4] = {0, -1, INT32_MIN, INT32_MAX};
    for (int i = 0; i < 4; i++) {
        unsigned char b[4];
        uint32_t u = (uint32_t)ints[i];
        for (int j = 0; j < 4; j++)
            b[j] = (unsigned char)(u >> (8 * j));
        CHECK(cembed_murmurhash3_int32(ints[i], seed) == cembed_murmurhash3_32(b, 4, seed));
    }
}

/* ---- text ------------------------------------------------------------------- */

static const uint32_t WIDE[3] = {0x20A0u, 0x3000u, 0x1F600u}; /* sorted */

static void make_analyzer(cembed_analyzer *a, int mode, const char *sep, int64_t sep_len)
{
    memset(a, 0, sizeof(*a));
    a->mode = mode;
    const char *filters = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n ";
    for (const char *f = filters; *f; f++)
        a->ascii_delims[(unsigned char)*f] = 1;
    a->wide_delims = WIDE;
    a->num_wide_delims = rnd_below(2) ? 3 : 0;
    a->separator = sep;
    a->separator_len = sep_len;
}

/* Random bytes biased toward delimiters, UTF-8 lead bytes and truncated
 * sequences: the tokenizer must stay inside [text, text + len). */
static char *random_text(int64_t len)
{
    static const unsigned char pieces[] = {' ', 'a', 'B', '.', 0xE3, 0x80, 0x80, 0xF0, 0x9F,
                                           0x98, 0x80, 0xC3, 0xA9, 0xFF, 0x00, '\n', 'z'};
    char *t = (char *)xmalloc((size_t)len);
    for (int64_t i = 0; i < len; i++)
        t[i] = rnd_below(3) ? (char)pieces[rnd_below(sizeof(pieces))] : (char)rnd();
    return t;
}

/* The padded forms equal the list forms, placed as pad_sequences places
 * them: lookups give the entries' values rather than their ids. */
static void check_padded(const cembed_vocab *v, const cembed_analyzer *a,
                         const char *const *texts, const int64_t *lens, const uint8_t *lower,
                         int64_t n)
{
    int64_t limits[3] = {0, 2, INT64_MAX}, oov_values[2] = {-7, INT32_MAX};
    int64_t limit = limits[rnd_below(3)];
    const int64_t *oov = rnd_below(2) ? &oov_values[rnd_below(2)] : NULL;
    uint32_t seed = (uint32_t)rnd();
    uint64_t mod = 1 + rnd_below(1000);
    for (int hashed = 0; hashed < 2; hashed++) {
        cembed_i64vec ref = {NULL, 0, 0};
        int64_t *offsets = new_i64(n + 1), *seq_lens = new_i64(n);
        if (hashed)
            CHECK(cembed_hash_texts(a, texts, lens, lower, n, seed, mod, &ref, offsets) == CEMBED_OK);
        else
            CHECK(cembed_vocab_lookup_texts(v, a, texts, lens, lower, n, limit, oov ? -2 : -1, &ref,
                                            offsets)
                  == CEMBED_OK);
        cembed_padded p = {NULL, (int64_t)rnd_below(9), (int)rnd_below(2), (int)rnd_below(2),
                           (int)rnd_below(2)};
        /* lengths only */
        if (hashed)
            CHECK(cembed_hash_padded(a, texts, lens, lower, n, seed, mod, &p, seq_lens) == CEMBED_OK);
        else
            CHECK(cembed_vocab_lookup_padded(v, a, texts, lens, lower, n, limit, oov, &p, seq_lens)
                  == CEMBED_OK);
        for (int64_t i = 0; i < n; i++)
            CHECK(seq_lens[i] == offsets[i + 1] - offsets[i]);
        int64_t cells = n * p.maxlen, elem = p.is_i64 ? 8 : 4;
        p.out = xmalloc((size_t)(cells * elem));
        memset(p.out, 0xAB, (size_t)(cells * elem));
        int64_t *maybe_lens = rnd_below(2) ? seq_lens : NULL;
        if (hashed)
            CHECK(cembed_hash_padded(a, texts, lens, lower, n, seed, mod, &p, maybe_lens) == CEMBED_OK);
        else
            CHECK(cembed_vocab_lookup_padded(v, a, texts, lens, lower, n, limit, oov, &p, maybe_lens)
                  == CEMBED_OK);
        for (int64_t r = 0; r < n; r++) {
            int64_t len = offsets[r + 1] - offsets[r];
            int64_t keep = len < p.maxlen ? len : p.maxlen;
            int64_t src0 = offsets[r] + (p.truncate_post ? 0 : len - keep);
            int64_t dst0 = p.pad_post ? 0 : p.maxlen - keep;
            for (int64_t j = 0; j < p.maxlen; j++) {
                int64_t got = p.is_i64 ? ((int64_t *)p.out)[r * p.maxlen + j]
                                       : ((int32_t *)p.out)[r * p.maxlen + j];
                int64_t want;
                if (j < dst0 || j >= dst0 + keep) {
                    want = p.is_i64 ? (int64_t)0xABABABABABABABABull : (int32_t)0xABABABABu;
                } else {
                    int64_t code = ref.data[src0 + j - dst0];
                    if (hashed || code == -2) {
                        want = hashed ? code : *oov;
                    } else {
                        const char *key;
                        int64_t key_len, count, docs;
                        cembed_vocab_entry(v, code, &key, &key_len, &want, &count, &docs);
                    }
                    if (!p.is_i64)
                        want = (int32_t)want;
                }
                CHECK(got == want);
            }
        }
        if (!hashed) {
            cembed_padded bad = {p.out, -1, 0, 0, 0};
            CHECK(cembed_vocab_lookup_padded(v, a, texts, lens, lower, n, limit, oov, &bad, NULL)
                  == CEMBED_ERR_VALUE);
        } else {
            CHECK(cembed_hash_padded(a, texts, lens, lower, n, seed, 0, &p, NULL) == CEMBED_ERR_VALUE);
        }
        free(p.out);
        free(offsets);
        free(seq_lens);
        cembed_i64vec_free(&ref);
    }
}

static void test_text(void)
{
    int64_t n = rnd_size(8);
    char **texts = (char **)xmalloc((size_t)n * sizeof(char *));
    int64_t *lens = new_i64(n);
    uint8_t *lower = (uint8_t *)xmalloc((size_t)n);
    for (int64_t i = 0; i < n; i++) {
        lens[i] = rnd_size(200);
        texts[i] = random_text(lens[i]);
        lower[i] = (uint8_t)rnd_below(2);
    }
    char sep_bytes[3] = {'a', ' ', (char)0xE3};
    int64_t sep_len = 1 + rnd_below(3);
    char *sep = (char *)dup_bytes(sep_bytes, (size_t)sep_len);
    cembed_analyzer a;
    make_analyzer(&a, (int)rnd_below(3), sep, sep_len);

    cembed_vocab *v = cembed_vocab_new();
    CHECK(v != NULL);
    int64_t ntok = -1;
    CHECK(cembed_vocab_count_texts(v, &a, (const char *const *)texts, lens, rnd_below(2) ? lower : NULL,
                                   n, 5, &ntok)
          == CEMBED_OK);
    CHECK(ntok >= 0);
    int64_t total = 0;
    for (int64_t id = 0; id < cembed_vocab_size(v); id++) {
        const char *key;
        int64_t key_len, value, count, docs;
        cembed_vocab_entry(v, id, &key, &key_len, &value, &count, &docs);
        CHECK(count >= 1 && docs >= 1 && docs <= count && docs <= n && value == 0);
        CHECK(cembed_vocab_find(v, key, key_len) == id);
        total += count;
    }
    CHECK(total == ntok);
    CHECK(cembed_vocab_count_texts(v, &a, (const char *const *)texts, lens, NULL, n, 5, NULL)
          == CEMBED_OK);
    /* values: 1-based ranks, as a word_index */
    for (int64_t id = 0; id < cembed_vocab_size(v); id++) {
        const char *key;
        int64_t key_len, value, count, docs, got;
        cembed_vocab_entry(v, id, &key, &key_len, &value, &count, &docs);
        char *copy = (char *)dup_bytes(key, (size_t)key_len);
        CHECK(cembed_vocab_insert(v, copy, key_len, id + 1, &got) == CEMBED_OK && got == id);
        free(copy);
    }
    /* many fresh keys: the table and the pool grow */
    int64_t extra = rnd_size(300);
    for (int64_t i = 0; i < extra; i++) {
        int64_t klen = rnd_below(30), got;
        char *key = random_text(klen);
        CHECK(cembed_vocab_insert(v, key, klen, INT64_MAX - i, &got) == CEMBED_OK);
        CHECK(cembed_vocab_find(v, key, klen) == got);
        free(key);
    }
    /* token-list counting */
    int64_t nt = rnd_size(20);
    int64_t *toff = new_i64(nt + 1);
    toff[0] = 0;
    for (int64_t i = 0; i < nt; i++)
        toff[i + 1] = toff[i] + rnd_below(5);
    char *buf = random_text(toff[nt]);
    CHECK(cembed_vocab_count_tokens(v, buf, toff, nt, INT64_MAX) == CEMBED_OK);
    free(buf);
    free(toff);

    /* look up and hash; the output vector starts non-empty sometimes */
    int64_t limits[4] = {0, 1, 3, INT64_MAX}, oovs[3] = {-1, 1, INT64_MAX};
    cembed_i64vec out = {NULL, 0, 0};
    int64_t *offsets = new_i64(n + 1);
    CHECK(cembed_vocab_lookup_texts(v, &a, (const char *const *)texts, lens, lower, n,
                                    limits[rnd_below(4)], oovs[rnd_below(3)], &out, offsets)
          == CEMBED_OK);
    CHECK(offsets[0] == 0 && offsets[n] == out.size && out.size <= out.capacity);
    for (int64_t i = 0; i < n; i++)
        CHECK(offsets[i + 1] >= offsets[i] && offsets[i + 1] - offsets[i] <= lens[i]);
    uint64_t moduli[3] = {1, 7, UINT64_MAX};
    uint64_t mod = moduli[rnd_below(3)];
    int64_t before = out.size;
    CHECK(cembed_hash_texts(&a, (const char *const *)texts, lens, lower, n, (uint32_t)rnd(), mod,
                            &out, offsets)
          == CEMBED_OK);
    CHECK(offsets[0] == before && offsets[n] == out.size);
    for (int64_t i = before; i < out.size; i++)
        CHECK(out.data[i] >= 1 && (uint64_t)out.data[i] - 1 < mod);
    CHECK(cembed_hash_texts(&a, (const char *const *)texts, lens, lower, n, 0, 0, &out, offsets)
          == CEMBED_ERR_VALUE);
    check_padded(v, &a, (const char *const *)texts, lens, lower, n);
    cembed_i64vec_free(&out);
    CHECK(out.data == NULL && out.size == 0);
    cembed_i64vec_free(&out); /* twice is fine */

    cembed_vocab_clear(v);
    CHECK(cembed_vocab_size(v) == 0);
    CHECK(n == 0 || lens[0] == 0 || cembed_vocab_find(v, texts[0], lens[0]) == -1);
    CHECK(cembed_vocab_count_texts(v, &a, (const char *const *)texts, lens, lower, n, 0, NULL)
          == CEMBED_OK);
    cembed_vocab_free(v);
    cembed_vocab_free(NULL);

    for (int64_t i = 0; i < n; i++)
        free(texts[i]);
    free(texts);
    free(lens);
    free(lower);
    free(offsets);
    free(sep);
}

/* ---- pad_sequences ------------------------------------------------------------ */

static void test_pad(void)
{
    int64_t ns = rnd_size(20), maxlen = rnd_size(12);
    int64_t *offsets = new_i64(ns + 1);
    offsets[0] = rnd_below(3);
    for (int64_t r = 0; r < ns; r++)
        offsets[r + 1] = offsets[r] + rnd_below(20);
    int32_t *values = (int32_t *)xmalloc((size_t)offsets[ns] * sizeof(int32_t));
    for (int64_t i = 0; i < offsets[ns]; i++)
        values[i] = (int32_t)rnd();
    int32_t *out = (int32_t *)xmalloc((size_t)(ns * maxlen) * sizeof(int32_t));
    for (int64_t i = 0; i < ns * maxlen; i++)
        out[i] = INT32_MIN;
    int post = (int)rnd_below(2);
    cembed_pad_place_i32(values, offsets, ns, maxlen, post, out);
    for (int64_t r = 0; r < ns; r++) {
        int64_t len = offsets[r + 1] - offsets[r];
        int64_t keep = len < maxlen ? len : maxlen;
        int64_t src0 = offsets[r]; /* a longer sequence is cut to its first maxlen */
        int64_t dst0 = post ? 0 : maxlen - keep;
        for (int64_t j = 0; j < maxlen; j++) {
            int32_t want = (j >= dst0 && j < dst0 + keep) ? values[src0 + j - dst0] : INT32_MIN;
            CHECK(out[r * maxlen + j] == want);
        }
    }
    free(offsets);
    free(values);
    free(out);
}


/* ---- pretrained vectors (wordvec_io.c, decimal.c) ------------------------------ */

static char tmp_path[4096];
static cembed_w2v_error last_err; /* of the last failed read_all, for the report */

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "driver: cannot write %s\n", path);
        exit(2);
    }
    if (n)
        fwrite(data, 1, n, f);
    fclose(f);
}

/* Whether the file is plain text as the reader's detection sees it: valid
 * UTF-8 without control characters other than white space. */
static int file_is_printable(const char *path)
{
    unsigned char buf[4096];
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    for (size_t i = 0; i < n;) {
        unsigned char c = buf[i];
        if (c < 0x80) {
            if ((c < 0x20 && !(c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f'))
                || c == 0x7f)
                return 0;
            i++;
            continue;
        }
        size_t len = (c >= 0xc2 && c <= 0xdf) ? 2 : (c >= 0xe0 && c <= 0xef) ? 3
                   : (c >= 0xf0 && c <= 0xf4) ? 4 : 0;
        if (len == 0 || i + len > n)
            return 0;
        for (size_t k = 1; k < len; k++)
            if ((buf[i + k] & 0xc0) != 0x80)
                return 0;
        i += len;
    }
    return 1;
}

/* Read the whole file in chunks of random size (sometimes 1 row, sometimes
 * 0 rows of room); returns the status. Buffers are exact: a row written
 * past max_rows is an ASan report. */
static int read_all(const char *path, int binary, int64_t limit, int64_t *rows_out,
                    int64_t *dim_out, float **matrix_out, cembed_w2v_reader **reader_out)
{
    cembed_w2v_reader *r = NULL;
    cembed_w2v_error err;
    int64_t num_rows = -2, dim = -2, hint = -2;
    int is_binary = -1, has_header = -1;
    int st = cembed_w2v_open(path, binary, limit, &r, &num_rows, &dim, &is_binary, &has_header,
                             &hint, &err);
    *rows_out = 0;
    *matrix_out = NULL;
    *reader_out = NULL;
    if (st != CEMBED_OK) {
        last_err = err;
        CHECK(r == NULL);
        CHECK(st == CEMBED_ERR_FORMAT || st == CEMBED_ERR_VALUE || st == CEMBED_ERR_NOMEM);
        CHECK(memchr(err.message, 0, sizeof(err.message)) != NULL);
        return st;
    }
    CHECK(r != NULL && dim >= 1 && hint >= 0 && (is_binary == 0 || is_binary == 1));
    CHECK(binary < 0 || is_binary == binary);
    CHECK(limit < 0 || num_rows <= limit);
    *dim_out = dim;
    float *all = NULL;
    int64_t total = 0;
    int done = 0;
    for (int rounds = 0; !done && rounds < 100000; rounds++) {
        int64_t room = rnd_below(4) == 0 ? 0 : 1 + rnd_below(4);
        /* a header may promise 0 rows of 2**31 numbers: room for none then */
        if (dim > ((int64_t)1 << 20))
            room = 0;
        float *chunk = (float *)xmalloc((size_t)(room * dim) * sizeof(float));
        int64_t n_read = -1;
        st = cembed_w2v_read(r, chunk, room, &n_read, &done, &err);
        if (st == CEMBED_OK) {
            CHECK(n_read >= 0 && n_read <= room);
            all = (float *)realloc(all, (size_t)((total + n_read) * dim + 1) * sizeof(float));
            if (n_read)
                memcpy(all + total * dim, chunk, (size_t)(n_read * dim) * sizeof(float));
            total += n_read;
        }
        free(chunk);
        if (st != CEMBED_OK) {
            last_err = err;
            CHECK(st == CEMBED_ERR_FORMAT || st == CEMBED_ERR_NOMEM);
            CHECK(memchr(err.message, 0, sizeof(err.message)) != NULL);
            break;
        }
    }
    CHECK(st != CEMBED_OK || done);
    const char *bytes;
    const int64_t *offsets, *where;
    int64_t count = -1;
    cembed_w2v_words(r, &bytes, &offsets, &where, &count);
    CHECK(count >= total);
    for (int64_t i = 0; i < count; i++)
        CHECK(offsets[i + 1] >= offsets[i]);
    *rows_out = total;
    *matrix_out = all;
    *reader_out = r;
    return st;
}

/* Adversarial file contents: pieces of headers, numbers, words, binary
 * floats, blank lines, overlong numbers, truncated rows. */
static size_t random_vectors_file(char *buf, size_t cap)
{
    static const char *pieces[] = {"3 2\n", "2 1\n", "1 2147483648\n", "-1 2\n",
                                   "9223372036854775807 1\n", "0 5\n", "word", " ", "\t",
                                   "\n", "\r\n", "1.5", "-2e-3", "nan", "inf", "-Infinity",
                                   "1e400", "0x10", "1_0", ".", "e5", "caf\xc3\xa9", "\xff\xfe",
                                   "\x00\x00\x80\x3f", "\x00\x00\x00\x40", "\n\n", "1", "2 3",
                                   "00000000000000000000000000000000000001.0000000000000000001"};
    size_t n = 0;
    int parts = (int)rnd_below(30);
    for (int i = 0; i < parts; i++) {
        const char *p = pieces[rnd_below(sizeof(pieces) / sizeof(pieces[0]))];
        size_t len = p[0] == '\x00' ? 4 : strlen(p);
        if (rnd_below(8) == 0) { /* a raw random byte now and then */
            if (n < cap)
                buf[n++] = (char)rnd();
            continue;
        }
        if (n + len > cap)
            break;
        memcpy(buf + n, p, len);
        n += len;
    }
    return n;
}

static void test_vectors(void)
{
    /* 1. arbitrary files: every mode, every limit; no crash, consistent results */
    char content[2048];
    size_t len = random_vectors_file(content, sizeof(content));
    write_file(tmp_path, content, len);
    int64_t limits[4] = {-1, 0, 1, 3};
    for (int binary = -1; binary <= 1; binary++) {
        int64_t rows, dim;
        float *m;
        cembed_w2v_reader *r;
        read_all(tmp_path, binary, limits[rnd_below(4)], &rows, &dim, &m, &r);
        free(m);
        cembed_w2v_close(r);
    }

    /* 2. round trip of random words and vectors, text and binary, f32 and f64 */
    int64_t n = 1 + rnd_below(6), dim = 1 + rnd_below(5), ld = dim + rnd_below(2);
    int64_t *woff = new_i64(n + 1);
    char words[6 * 8];
    woff[0] = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t wl = 1 + rnd_below(6);
        for (int64_t j = 0; j < wl; j++)
            words[woff[i] + j] = (char)('a' + rnd_below(26));
        words[woff[i]] = (char)('A' + i); /* distinct words */
        woff[i + 1] = woff[i] + wl;
    }
    int is_f64 = (int)rnd_below(2);
    void *mat = is_f64 ? (void *)new_f64((n - 1) * ld + dim) : (void *)new_f32((n - 1) * ld + dim);
    if (rnd_below(3) == 0) /* extremes */
        for (int64_t i = 0; i < dim; i++) {
            double x = i % 3 == 0 ? 3.4028234663852886e38 : i % 3 == 1 ? 1.401298464324817e-45 : -0.0;
            if (is_f64)
                ((double *)mat)[i] = x;
            else
                ((float *)mat)[i] = (float)x;
        }
    cembed_w2v_error err;
    int64_t bad_row = -7;
    for (int binary = 0; binary <= 1; binary++) {
        CHECK(cembed_w2v_check_words(words, woff, n, binary, &bad_row, &err) == CEMBED_OK);
        CHECK(cembed_w2v_save(tmp_path, words, woff, n, mat, is_f64, ld, dim, binary, &err)
              == CEMBED_OK);
        int64_t rows, got_dim;
        float *m;
        cembed_w2v_reader *r;
        int mode = rnd_below(2) ? -1 : binary;
        int st = read_all(tmp_path, mode, -1, &rows, &got_dim, &m, &r);
        if (st != CEMBED_OK && mode == -1 && binary && file_is_printable(tmp_path)) {
            /* documented: a binary file whose float bytes all read as plain
             * UTF-8 text is detected as text; binary=1 reads it */
            mode = 1;
            free(m);
            cembed_w2v_close(r); /* the text attempt's reader, which read_all handed back */
            st = read_all(tmp_path, mode, -1, &rows, &got_dim, &m, &r);
        }
        CHECK(st == CEMBED_OK);
        if (st != CEMBED_OK) {
            fprintf(stderr, "round trip: saved %s, read with binary=%d: line %lld offset %lld: %s\n",
                    binary ? "binary" : "text", mode, (long long)last_err.line,
                    (long long)last_err.offset, last_err.message);
            FILE *f = fopen(tmp_path, "rb");
            int ch, shown = 0;
            while (f && (ch = fgetc(f)) != EOF && shown++ < 200)
                fprintf(stderr, "%02x", ch);
            fprintf(stderr, "\n");
            if (f)
                fclose(f);
        }
        CHECK(rows == n && got_dim == dim);
        for (int64_t i = 0; i < n && rows == n && got_dim == dim; i++)
            for (int64_t j = 0; j < dim; j++) {
                float want = is_f64 ? (float)((double *)mat)[i * ld + j] : ((float *)mat)[i * ld + j];
                CHECK(memcmp(&want, &m[i * dim + j], sizeof(float)) == 0);
            }
        const char *bytes;
        const int64_t *offsets, *where;
        int64_t count;
        cembed_w2v_words(r, &bytes, &offsets, &where, &count);
        CHECK(count == n && same_bytes(bytes, words, (size_t)woff[n]));
        free(m);
        cembed_w2v_close(r);
    }
    /* words that cannot be written */
    const char *bad_words[4] = {"", "a\nb", " lead", "two words"};
    for (int w = 0; w < 4; w++) {
        int64_t off[2] = {0, (int64_t)strlen(bad_words[w])};
        char *copy = (char *)dup_bytes(bad_words[w], (size_t)off[1]);
        int st0 = cembed_w2v_check_words(copy, off, 1, 0, &bad_row, &err);
        int st1 = cembed_w2v_check_words(copy, off, 1, 1, &bad_row, &err);
        CHECK(st1 == CEMBED_ERR_VALUE && bad_row == 0); /* binary: none of these */
        CHECK(w == 3 || st0 == CEMBED_ERR_VALUE);
        free(copy);
    }
    free(woff);
    free(mat);

    /* 3. numbers: parse what format writes; random strings never crash */
    char text[40];
    for (int i = 0; i < 8; i++) {
        float x;
        uint32_t bits = (uint32_t)rnd();
        memcpy(&x, &bits, 4);
        int l = cembed_format_f32(x, text);
        CHECK(l > 0 && l < 32);
        double back = 0;
        CHECK(cembed_parse_double(text, text + l, &back) == 1);
        CHECK(isnan(x) ? isnan(back) : (float)back == x);
    }
    int64_t sl = rnd_below(30);
    char *rs = random_text(sl);
    double ignored;
    (void)cembed_parse_double(rs, rs + sl, &ignored);
    free(rs);
    char *empty = (char *)xmalloc(0);
    CHECK(cembed_parse_double(empty, empty, &ignored) == 0);
    free(empty);

    /* 4. compacting rows */
    int64_t rowsn = 1 + rnd_below(10), d2 = rnd_size(5);
    float *cm = new_f32(rowsn * d2), *orig = (float *)dup_bytes(cm, (size_t)(rowsn * d2) * 4);
    int64_t *keep = new_i64(rowsn), k = 0;
    for (int64_t i = 0; i < rowsn; i++)
        if (rnd_below(2))
            keep[k++] = i;
    cembed_compact_rows_f32(cm, d2, keep, k);
    for (int64_t j = 0; j < k; j++)
        CHECK(same_bytes(cm + j * d2, orig + keep[j] * d2, (size_t)d2 * 4));
    free(cm), free(orig), free(keep);

    /* 5. a file that does not exist */
    cembed_w2v_reader *r = NULL;
    int64_t a, b, c;
    int x, y;
    CHECK(cembed_w2v_open("/nonexistent/dir/file.vec", -1, -1, &r, &a, &b, &x, &y, &c, &err)
          != CEMBED_OK);
    CHECK(r == NULL);
}

/* ---- threads: the parallel paths, bitwise equal to the serial ones ------------- */

static void test_parallel_paths(void)
{
    /* large enough (> 1 MiB of work) for the kernels to go parallel */
    int64_t v = 5000, d = 64, n = 40000, nb = 4000;
    float *table = new_f32(v * d);
    int64_t *idx = new_i64(n), *offsets = new_i64(nb + 1), bad_pos;
    fill_indices(idx, n, v);
    for (int64_t b = 0; b <= nb; b++)
        offsets[b] = n * b / nb;
    float *out1 = new_f32(n * d), *out4 = new_f32(n * d);
    float *bag1 = new_f32(nb * d), *bag4 = new_f32(nb * d);
    float *grad = new_f32(n * d);
    float *t1 = (float *)dup_bytes(table, (size_t)(v * d) * sizeof(float));
    float *t4 = (float *)dup_bytes(table, (size_t)(v * d) * sizeof(float));
    int64_t *rows = new_i64(n), *order = new_i64(n), *starts = new_i64(n + 1), k1, k4;
    float *val1 = new_f32(n * d), *val4 = new_f32(n * d);
    for (int pass = 0; pass < 2; pass++) {
        int threads = pass == 0 ? 1 : 4;
        cembed_set_num_threads(threads);
        CHECK(cembed_get_num_threads() == (cembed_openmp_enabled() ? threads : 1));
        float *out = pass ? out4 : out1, *bag = pass ? bag4 : bag1, *t = pass ? t4 : t1;
        float *val = pass ? val4 : val1;
        int64_t *kk = pass ? &k4 : &k1;
        CHECK(cembed_check_indices(idx, n, v, &bad_pos) == CEMBED_OK);
        CHECK(cembed_gather(table, v, d * 4, d * 4, idx, n, out, &bad_pos) == CEMBED_OK);
        CHECK(cembed_bag_f32(table, v, d, d, idx, offsets, nb, CEMBED_BAG_MEAN, NULL, 3, bag,
                             &bad_pos)
              == CEMBED_OK);
        CHECK(cembed_scatter_add_f32(t, v, d, d, idx, n, grad, &bad_pos) == CEMBED_OK);
        CHECK(cembed_group_rows(idx, n, v, rows, order, starts, kk, &bad_pos) == CEMBED_OK);
        cembed_sum_groups_f32(grad, d, order, starts, *kk, val);
        CHECK(cembed_sgd_f32(t, d, v, d, rows, *kk, val, 0.5, &bad_pos) == CEMBED_OK);
        /* a bad index late in the input: found by whichever thread scans it */
        int64_t keep = idx[n - 3];
        idx[n - 3] = -1;
        CHECK(cembed_gather(table, v, d * 4, d * 4, idx, n, out, &bad_pos) == CEMBED_ERR_INDEX);
        CHECK(bad_pos == n - 3);
        idx[n - 3] = keep;
    }
    cembed_set_num_threads(0);
    size_t bytes = (size_t)(n * d) * sizeof(float);
    CHECK(same_bytes(out1, out4, bytes));
    CHECK(same_bytes(bag1, bag4, (size_t)(nb * d) * sizeof(float)));
    CHECK(same_bytes(t1, t4, (size_t)(v * d) * sizeof(float)));
    CHECK(k1 == k4 && same_bytes(val1, val4, (size_t)(k1 * d) * sizeof(float)));
    free(table), free(idx), free(offsets), free(out1), free(out4), free(bag1), free(bag4);
    free(grad), free(t1), free(t4), free(rows), free(order), free(starts), free(val1);
    free(val4);
}

/* ---- compact tables --------------------------------------- */

/* An IEEE half as float32, exactly. */
static float half_f32(uint16_t h)
{
    const float mag = (h & 0x7C00) ? ldexpf((float)(1024 + (h & 1023)), ((h >> 10) & 31) - 25)
                                   : ldexpf((float)(h & 1023), -24);
    return (h & 0x8000) ? -mag : mag;
}

/* The row-wise sum of docs/compact.rst, in its order: per column
 * acc = fma(code, s, acc) (libm's fmaf: one rounding), the biases b summed
 * apart (s, b times the weight when weighted), then (acc + sum b) /
 * denominator. */
static void compact_split_bag_ref(int kind, const uint8_t *packed, int64_t rb, int64_t d,
                                  const int64_t *idx, const int64_t *offsets, int64_t nb,
                                  int mode, const float *w, int64_t pad, float *out)
{
    for (int64_t b = 0; b < nb; b++) {
        float *o = out + b * d, bsum = 0, s1 = 0, s2 = 0;
        int64_t count = 0;
        for (int64_t c = 0; c < d; c++)
            o[c] = 0;
        for (int64_t p = offsets[b]; p < offsets[b + 1]; p++) {
            if (idx[p] == pad)
                continue;
            const uint8_t *row = packed + idx[p] * rb;
            float s, bi;
            if (kind == CEMBED_COMPACT_INT8) {
                memcpy(&s, row + d, 4);
                memcpy(&bi, row + d + 4, 4);
            } else {
                uint16_t h[2];
                memcpy(h, row + (d + 1) / 2, 4);
                s = half_f32(h[0]);
                bi = half_f32(h[1]);
            }
            count++;
            if (w) {
                s = w[p] * s;
                bi = w[p] * bi;
                s1 += w[p];
                s2 += w[p] * w[p];
            }
            for (int64_t c = 0; c < d; c++) {
                const int q = kind == CEMBED_COMPACT_INT8 ? row[c] : (row[c / 2] >> (c % 2 * 4)) & 15;
                o[c] = fmaf((float)q, s, o[c]);
            }
            bsum += bi;
        }
        const float denom = mode == CEMBED_BAG_MEAN    ? (w ? s1 : (float)count)
                            : mode == CEMBED_BAG_SQRTN ? sqrtf(w ? s2 : (float)count)
                                                       : 1.0f;
        for (int64_t c = 0; c < d; c++)
            o[c] = count == 0 || denom == 0 ? 0 : mode == CEMBED_BAG_SUM ? o[c] + bsum
                                                                        : (o[c] + bsum) / denom;
    }
}

/* Every kind at a random size, buffers malloc'ed at the packed size: pack,
 * a row that cannot be packed (nothing written), gather and every bag
 * bitwise against its reference: the float32 kernels on the dequantized
 * table (half floats, max) or compact_split_bag_ref (row-wise sums). */
static void test_compact(void)
{
    const int64_t v = rnd_size(40), d = rnd_size(90), nb = rnd_size(8);
    const int64_t n = v ? rnd_size(60) : 0; /* no valid index into no rows */
    float *table = new_f32(v * d), *deq = new_f32(v * d);
    for (int64_t i = 0; i < v * d; i++)
        table[i] = (float)(rnd_unit() * (i % 5 == 0 ? 1e-4 : 2.0));
    int64_t *idx = new_i64(n), *offsets = new_i64(nb + 1), bad = -7;
    fill_indices(idx, n, v);
    offsets[0] = 0;
    for (int64_t b = 1; b <= nb; b++)
        offsets[b] = b == nb ? n : offsets[b - 1] + rnd_below(n - offsets[b - 1] + 1);
    const int64_t rows_out = n > nb ? n : nb; /* gathers write n rows, bags nb */
    float *weights = new_f32(n), *out = new_f32(rows_out * d), *want = new_f32(rows_out * d);
    for (int64_t i = 0; i < n; i++)
        weights[i] = (float)(rnd_unit() + 1.5);
    for (int kind = CEMBED_COMPACT_F16; kind <= CEMBED_COMPACT_INT4; kind++) {
        const int64_t rb = cembed_compact_row_bytes(kind, d);
        uint8_t *packed = (uint8_t *)xmalloc((size_t)(v * rb));
        CHECK(cembed_quantize(kind, table, 0, v, d, d, packed, rb, &bad) == CEMBED_OK);
        CHECK(cembed_compact_gather(kind, packed, v, rb, d, NULL, v, deq, &bad) == CEMBED_OK);
        CHECK(cembed_compact_gather(kind, packed, v, rb, d, idx, n, out, &bad) == CEMBED_OK);
        CHECK(cembed_gather(deq, v, d * 4, d * 4, idx, n, want, &bad) == CEMBED_OK);
        CHECK(same_bytes(out, want, (size_t)(n * d) * sizeof(float)));
        for (int mode = CEMBED_BAG_SUM; mode <= CEMBED_BAG_MAX; mode++) {
            const float *w = mode == CEMBED_BAG_MAX || rnd_below(2) ? NULL : weights;
            const int64_t pad = v && rnd_below(2) ? rnd_below(v) : -1;
            CHECK(cembed_compact_bag(kind, packed, v, rb, d, idx, offsets, nb, mode, w, pad, out,
                                     &bad)
                  == CEMBED_OK);
            if (kind >= CEMBED_COMPACT_INT8 && mode != CEMBED_BAG_MAX)
                compact_split_bag_ref(kind, packed, rb, d, idx, offsets, nb, mode, w, pad, want);
            else
                CHECK(cembed_bag_f32(deq, v, d, d, idx, offsets, nb, mode, w, pad, want, &bad)
                      == CEMBED_OK);
            CHECK(same_bytes(out, want, (size_t)(nb * d) * sizeof(float)));
        }
        if (v > 0 && d > 0) { /* a NaN in the last row: reported, nothing written */
            float keep = table[v * d - 1];
            table[v * d - 1] = NAN;
            uint8_t *copy = (uint8_t *)dup_bytes(packed, (size_t)(v * rb));
            CHECK(cembed_quantize(kind, table, 0, v, d, d, packed, rb, &bad) == CEMBED_ERR_VALUE);
            CHECK(bad == v - 1 && same_bytes(copy, packed, (size_t)(v * rb)));
            table[v * d - 1] = keep;
            free(copy);
        }
        if (n > 0) {
            int64_t keep = idx[n - 1];
            idx[n - 1] = v;
            CHECK(cembed_compact_gather(kind, packed, v, rb, d, idx, n, out, &bad)
                  == CEMBED_ERR_INDEX);
            CHECK(bad == n - 1);
            idx[n - 1] = keep;
        }
        free(packed);
    }
    CHECK(cembed_compact_row_bytes(7, d) == -1 && cembed_compact_row_bytes(0, -1) == -1);
    free(table), free(deq), free(idx), free(offsets), free(weights), free(out), free(want);
}
/* ---- end of compact tables ------------------------------------------------ */

static void test_threads_api(void)
{
    int enabled = cembed_openmp_enabled();
    CHECK(enabled == 0 || enabled == 1);
    int defaults = cembed_get_num_threads();
    CHECK(defaults >= 1);
    cembed_set_num_threads(INT32_MAX);
    CHECK(cembed_get_num_threads() == (enabled ? INT32_MAX : 1));
    cembed_set_num_threads(INT32_MIN);
    CHECK(cembed_get_num_threads() == defaults);
    cembed_set_num_threads(-1);
    CHECK(cembed_get_num_threads() == defaults);
    /* an absurd thread request with a small input stays serial and correct */
    cembed_set_num_threads(INT32_MAX);
    int64_t idx[2] = {1, 0}, bad_pos;
    double table[4] = {1, 2, 3, 4}, out[4];
    CHECK(cembed_gather(table, 2, 16, 16, idx, 2, out, &bad_pos) == CEMBED_OK);
    CHECK(out[0] == 3 && out[3] == 2);
    cembed_set_num_threads(0);
}

/* The instruction-set paths: a name for each, the baseline always there,
 * and a request the CPU cannot run (or an unknown name) refused with the
 * path unchanged. */
static void test_isa_api(void)
{
    CHECK(cembed_isa_supported(CEMBED_ISA_BASELINE) == 1);
    CHECK(cembed_isa_supported(-1) == 0 && cembed_isa_supported(CEMBED_ISA_COUNT) == 0);
    CHECK(cembed_isa_name(-1) == NULL && cembed_isa_name(CEMBED_ISA_COUNT) == NULL);
    CHECK(strcmp(cembed_isa_name(CEMBED_ISA_AVX2), "avx2") == 0);
    CHECK(cembed_compiler() != NULL && cembed_compiler()[0] != '\0');
    const int before = cembed_isa();
    CHECK(cembed_isa_supported(before));
    CHECK(cembed_isa_select("sse9") == CEMBED_ERR_VALUE && cembed_isa() == before);
    for (int isa = 0; isa < CEMBED_ISA_COUNT; isa++) {
        const int status = cembed_isa_select(cembed_isa_name(isa));
        CHECK(status == (cembed_isa_supported(isa) ? CEMBED_OK : CEMBED_ERR_VALUE));
        if (status == CEMBED_OK)
            CHECK(cembed_isa() == isa);
    }
    CHECK(cembed_isa_select(NULL) == CEMBED_OK && cembed_isa() == before);
    CHECK(cembed_isa_select("") == CEMBED_OK && cembed_isa() == before);
}

/* Iteration `it` runs on the it-th supported path, in turn, so every path's
 * kernels are checked (under the sanitizers too). */
static void select_path(long it)
{
    int supported[CEMBED_ISA_COUNT], count = 0;
    for (int isa = 0; isa < CEMBED_ISA_COUNT; isa++)
        if (cembed_isa_supported(isa))
            supported[count++] = isa;
    CHECK(cembed_isa_select(cembed_isa_name(supported[it % count])) == CEMBED_OK);
}

int main(int argc, char **argv)
{
    long iterations = argc > 1 ? strtol(argv[1], NULL, 10) : 300;
    if (argc > 2)
        rng_state = (uint64_t)strtoull(argv[2], NULL, 10) | 1u;
    const char *tmpdir = getenv("TMPDIR");
    snprintf(tmp_path, sizeof(tmp_path), "%s/cembed_driver_%ld.vec", tmpdir ? tmpdir : "/tmp",
             (long)getpid());
    test_threads_api();
    if (!getenv("CEMBED_ISA"))
        test_isa_api();
    test_gather_extremes();
    test_bag_extremes();
    test_zero_products();
    for (long it = 0; it < iterations; it++) {
        if (!getenv("CEMBED_ISA"))
            select_path(it);
        test_check_indices();
        test_gather();
        test_bag_f32();
        test_bag_f64();
        test_group_f32();
        test_group_f64();
        test_scatter_f32();
        test_scatter_f64();
        test_optim_f32();
        test_optim_f64();
        test_murmur();
        test_text();
        test_pad();
        test_vectors();
        test_compact();
    }
    remove(tmp_path);
    test_parallel_paths();
    if (failures) {
        fprintf(stderr, "driver: %d check(s) failed\n", failures);
        return 1;
    }
    printf("driver: %ld iterations, openmp=%d, all checks passed\n", iterations,
           cembed_openmp_enabled());
    return 0;
}
