/*
 * memory_limit.c - how close embedding_bag is to the memory system's limit.
 *
 * A pooled lookup must bring every cache line of every looked-up row into
 * the core. This program times the least work that does so -- one load per
 * line and the same bags of 64 handed out to the threads, but no
 * arithmetic -- next to cembed_bag_f32(mode sum) on the same rows. How fast
 * the lines come depends on how far ahead they are prefetched, and on
 * whether the line a misaligned row straddles into is prefetched too; the
 * best for one CPU is not the best for another, so the touch loop runs with
 * each of several choices (4 to 128 rows ahead, with and without the
 * straddled line, into L1 or only into L2, whose miss buffers keep more
 * lines in flight, whole rows or a bag's rows walked once per 128 bytes of
 * columns) and the fastest is the limit. The figure is computed
 * in the setup of bench_kernels.py: V rows x D float32 starting 16 bytes
 * past a line (as NumPy's large arrays do), on transparent huge pages where
 * the OS offers them, 4096 bags of 50 uniform or Zipf(1.1) indices.
 *
 *   cc -O2 -fopenmp benchmarks/memory_limit.c \
 *      -I"$(python -c 'import cembed; print(cembed.get_include())')" \
 *      "$(python -c 'import cembed; print(cembed.get_library_dir())')/libcembed.a" \
 *      -lm -o memory_limit
 *   ./memory_limit [D=64] [V=1000000] [rounds=30] [bag|adam]
 *
 * Prints median milliseconds at 1 and 2 threads, the touch loop's at its
 * fastest setting (named), and bag / touch: near 1, the kernel is as fast
 * as the memory system lets any kernel be. `bench_kernels.py --touch`
 * builds the touch loop alone (-DMEMORY_LIMIT_TOUCH_ONLY -shared) and times
 * it in the benchmark's own rounds, beside cembed's and torch's bags.
 *
 * `adam` probes cembed_adam_f32 the same way: on the sorted unique rows of
 * 204,800 uniform indices (bench_kernels.py's adam_update case), the touch
 * loop reads and writes every line of each row's param, m and v and reads
 * its gradient row, prefetched 4 to 128 rows ahead into L1 or L2; it
 * prints adam / touch. torch's fused dense Adam streams the whole three
 * tables and the dense gradient instead, so the touch time against half
 * of torch's says whether 2x torch is within the memory system's reach.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef __linux__
#include <sys/mman.h>
#endif

#ifndef MEMORY_LIMIT_TOUCH_ONLY
#include "cembed.h"
#endif

/* One load per cache line of each looked-up row (row_bytes from data +
 * index * ld), the lines prefetched `ahead_rows` rows on (with the line a
 * row starting past a line boundary straddles into if `straddle`; to L2
 * only if `l2`); bags of 64 handed out dynamically, as cembed_bag does.
 * With 0 < pass_bytes < row_bytes each bag's rows are walked once per
 * pass_bytes of the row, as cembed_bag pools them (BAG_PASS_BYTES in
 * src_c/lookup_real.h): each pass prefetches and loads the lines of its
 * bytes (a line two passes share is loaded once, by the pass its first
 * byte is in). Returns the XOR of the loaded bytes. Built with
 * -DMEMORY_LIMIT_TOUCH_ONLY -shared, the two touch functions are all the
 * file holds: bench_kernels.py --touch (float32 rows) and
 * bench_compact.py --touch (rows of every compact kind) time them beside
 * the bags in their own harnesses. */
uint32_t memory_limit_touch_rows(const uint8_t *data, int64_t ld, int64_t row_bytes,
                                 const int64_t *idx, int64_t nbags, int64_t bag_len,
                                 int threads, int64_t ahead_rows, int straddle, int l2,
                                 int64_t pass_bytes)
{
    const int64_t n = nbags * bag_len;
    const int64_t pass = pass_bytes > 0 && pass_bytes < row_bytes ? pass_bytes : row_bytes;
    uint32_t total = 0;
    (void)threads; /* unused when built without OpenMP */
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) reduction(^ : total)
    for (int64_t b0 = 0; b0 < nbags; b0 += 64) {
        const int64_t b1 = b0 + 64 < nbags ? b0 + 64 : nbags;
        uint32_t acc = 0; /* xor of the loaded bytes: no chain of adds */
        for (int64_t b = b0; b < b1; b++)
            for (int64_t c0 = 0; c0 < row_bytes; c0 += pass) {
                const int64_t c1 = c0 + pass < row_bytes ? c0 + pass : row_bytes;
                const int64_t row_end = c1 - c0 + (straddle ? 63 : 0);
                for (int64_t p = b * bag_len; p < (b + 1) * bag_len; p++) {
                    const uint8_t *ahead =
                        data + idx[p + ahead_rows < n ? p + ahead_rows : p] * ld + c0;
                    if (l2)
                        for (int64_t c = 0; c < row_end; c += 64)
                            __builtin_prefetch(ahead + c, 0, 1);
                    else
                        for (int64_t c = 0; c < row_end; c += 64)
                            __builtin_prefetch(ahead + c);
                    const uint8_t *x = data + idx[p] * ld;
                    int64_t j = (int64_t)((64 - (uintptr_t)x % 64) % 64);
                    if (c0 == 0)
                        acc ^= x[0];
                    if (j < c0)
                        j += (c0 - j + 63) / 64 * 64;
                    for (; j < c1; j += 64) /* the first byte of each further line */
                        acc ^= x[j];
                }
            }
        total ^= acc;
    }
    return total;
}

/* The same over a float32 table of D columns (rows of 4 D bytes). */
uint32_t memory_limit_touch(const float *table, int64_t D, const int64_t *idx, int64_t nbags,
                            int64_t bag_len, int threads, int64_t ahead_rows, int straddle,
                            int l2, int64_t pass_bytes)
{
    const int64_t row_bytes = D * (int64_t)sizeof(float);
    return memory_limit_touch_rows((const uint8_t *)table, row_bytes, row_bytes, idx, nbags,
                                   bag_len, threads, ahead_rows, straddle, l2, pass_bytes);
}

#ifndef MEMORY_LIMIT_TOUCH_ONLY
#define BAGS 4096
#define BAG_LEN 50
/* the touch loop's settings: rows ahead, whether it prefetches the line a
 * misaligned row straddles into, whether the prefetches go to L1 or only
 * to L2 (more lines in flight than L1's miss buffers hold), and whole rows
 * or passes of 128 bytes of columns (as cembed_bag pools) */
static const int AHEADS[] = {4, 8, 16, 32, 64, 128};
#define N_AHEADS ((int)(sizeof AHEADS / sizeof AHEADS[0]))
#define N_SETTINGS (8 * N_AHEADS)
#define PASS_BYTES(k) ((k) / N_AHEADS / 4 ? 128 : 0)

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static uint64_t rng_state = 88172645463325252ull;
static uint64_t next_random(void) /* xorshift64 */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* n indices in [0, V): uniform, or Zipf(1.1) ranks by inverse CDF mapped
 * through a random permutation (so hot rows are spread over the table). */
static void make_indices(int64_t *idx, int64_t n, int64_t V, int zipf)
{
    if (!zipf) {
        for (int64_t i = 0; i < n; i++)
            idx[i] = (int64_t)(next_random() % (uint64_t)V);
        return;
    }
    double *cdf = malloc((size_t)V * sizeof(double)), total = 0;
    int64_t *perm = malloc((size_t)V * sizeof(int64_t));
    for (int64_t k = 0; k < V; k++) {
        total += pow((double)(k + 1), -1.1);
        cdf[k] = total;
        perm[k] = k;
    }
    for (int64_t k = V - 1; k > 0; k--) {
        int64_t j = (int64_t)(next_random() % (uint64_t)(k + 1)), t = perm[k];
        perm[k] = perm[j];
        perm[j] = t;
    }
    for (int64_t i = 0; i < n; i++) {
        double u = (double)(next_random() >> 11) / 9007199254740992.0 * total;
        int64_t lo = 0, hi = V - 1;
        while (lo < hi) {
            int64_t mid = (lo + hi) / 2;
            if (cdf[mid] > u)
                hi = mid;
            else
                lo = mid + 1;
        }
        idx[i] = perm[lo];
    }
    free(cdf);
    free(perm);
}

/* Adam's least traffic: for each listed row, read and write every line of
 * its param, m and v rows (one load and one store a line) and read its
 * gradient row (one load a line), the rows prefetched for writing `ahead`
 * on (to L2 only if `l2`), each thread a contiguous share of the rows as
 * cembed_adam does. */
static uint32_t touch_adam(float *w, float *m, float *v, int64_t D, const int64_t *rows,
                           int64_t k, const float *grads, int threads, int64_t ahead, int l2)
{
    uint32_t total = 0;
    (void)threads; /* unused when built without OpenMP */
#pragma omp parallel num_threads(threads) reduction(^ : total)
    {
        int t = 0, tn = 1;
#ifdef _OPENMP
        t = omp_get_thread_num();
        tn = omp_get_num_threads();
#endif
        const int64_t j0 = k * t / tn, j1 = k * (t + 1) / tn;
        const int64_t bytes = D * (int64_t)sizeof(float);
        uint32_t acc = 0;
        for (int64_t j = j0; j < j1; j++) {
            if (j + ahead < j1) {
                const int64_t q = rows[j + ahead] * D;
                float *const arrays[3] = {w + q, m + q, v + q};
                for (int a = 0; a < 3; a++) {
                    const char *c = (const char *)((uintptr_t)arrays[a] & ~(uintptr_t)63);
                    for (; c < (const char *)arrays[a] + bytes; c += 64) {
                        if (l2)
                            __builtin_prefetch(c, 1, 1);
                        else
                            __builtin_prefetch(c, 1, 3);
                    }
                }
            }
            const uint32_t *g = (const uint32_t *)(grads + j * D);
            const int64_t gskip = (int64_t)((64 - (uintptr_t)g % 64) % 64) / 4;
            uint32_t x = g[0];
            for (int64_t d = gskip; d < D; d += 16)
                x ^= g[d];
            const int64_t r = rows[j] * D;
            uint32_t *const arrays[3] = {(uint32_t *)(w + r), (uint32_t *)(m + r),
                                         (uint32_t *)(v + r)};
            for (int a = 0; a < 3; a++) {
                uint32_t *y = arrays[a];
                const int64_t skip = (int64_t)((64 - (uintptr_t)y % 64) % 64) / 4;
                y[0] ^= x;
                for (int64_t d = skip; d < D; d += 16)
                    y[d] ^= x;
            }
            acc ^= x;
        }
        total ^= acc;
    }
    return total;
}

/* float arrays of n floats starting 16 bytes past a line (as NumPy's large
 * arrays do), on transparent huge pages where the OS offers them */
static float *alloc_table(int64_t n)
{
    const size_t huge = (size_t)1 << 21, bytes = (size_t)n * sizeof(float) + 64;
    const size_t size = (bytes + huge - 1) / huge * huge;
    char *mem = aligned_alloc(huge, size);
    if (!mem)
        return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    madvise(mem, size, MADV_HUGEPAGE);
#endif
    return (float *)(mem + 16);
}

static int cmp_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The Adam probe: the unique rows of BAGS * BAG_LEN uniform indices,
 * sorted (as accumulate hands them over), cembed_adam_f32 on them against
 * touch_adam at its fastest setting. */
static int adam_limit(int64_t D, int64_t V, int rounds)
{
    const int64_t n = (int64_t)BAGS * BAG_LEN;
    float *w = alloc_table(V * D), *m = alloc_table(V * D), *v = alloc_table(V * D);
    int64_t *rows = malloc((size_t)n * sizeof(int64_t));
    float *grads = malloc((size_t)(n * D) * sizeof(float));
    double *t_touch = malloc((size_t)rounds * N_SETTINGS * sizeof(double));
    double *t_adam = malloc((size_t)rounds * sizeof(double));
    if (!w || !m || !v || !rows || !grads || !t_touch || !t_adam) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (int64_t i = 0; i < V * D; i++) {
        w[i] = (float)(i % 1013) * 1e-4f - 0.05f;
        m[i] = 0;
        v[i] = 0;
    }
    make_indices(rows, n, V, 0);
    qsort(rows, (size_t)n, sizeof(int64_t), cmp_int64);
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++)
        if (k == 0 || rows[i] != rows[k - 1])
            rows[k++] = rows[i];
    for (int64_t i = 0; i < k * D; i++)
        grads[i] = (float)(i % 997) * 1e-5f - 0.005f;
    printf("Adam: V = %lld, D = %lld, %lld unique rows of %d uniform indices, median of %d "
           "rounds\n", (long long)V, (long long)D, (long long)k, (int)n, rounds);
    volatile uint32_t sink = 0;
    int64_t step = 1;
    for (int threads = 1; threads <= 2; threads++) {
        cembed_set_num_threads(threads);
        for (int r = 0; r < rounds; r++) {
            double t0 = 0, t1 = 0;
            for (int s = 0; s < 2 * N_AHEADS; s++) {
                t0 = now();
                sink ^= touch_adam(w, m, v, D, rows, k, grads, threads, AHEADS[s % N_AHEADS],
                                   s / N_AHEADS);
                t1 = now();
                t_touch[(int64_t)s * rounds + r] = t1 - t0;
            }
            int64_t bad;
            if (cembed_adam_f32(w, D, m, D, v, D, V, D, rows, k, grads, step++, 1e-3, 0.9,
                                0.999, 1e-7, &bad) != CEMBED_OK) {
                fprintf(stderr, "cembed_adam_f32 failed\n");
                return 1;
            }
            t_adam[r] = now() - t1;
        }
        double a = INFINITY;
        int best = 0;
        for (int s = 0; s < 2 * N_AHEADS; s++) {
            double *t = t_touch + (int64_t)s * rounds;
            qsort(t, (size_t)rounds, sizeof(double), cmp_double);
            if (t[rounds / 2] < a) {
                a = t[rounds / 2];
                best = s;
            }
        }
        qsort(t_adam, (size_t)rounds, sizeof(double), cmp_double);
        const double b = t_adam[rounds / 2];
        printf("adam    %dT: touch every line %7.3f ms (%3d ahead, %s)   cembed_adam_f32 %7.3f ms"
               "   adam / touch %.2f\n",
               threads, a * 1e3, AHEADS[best % N_AHEADS], best / N_AHEADS ? "L2" : "L1",
               b * 1e3, b / a);
    }
    (void)sink;
    return 0;
}

int main(int argc, char **argv)
{
    const int64_t D = argc > 1 ? atoll(argv[1]) : 64, V = argc > 2 ? atoll(argv[2]) : 1000000;
    const int rounds = argc > 3 ? atoi(argv[3]) : 30;
    const char *probe = argc > 4 ? argv[4] : "bag";
    const int64_t n = (int64_t)BAGS * BAG_LEN;
    if (D < 1 || V < 1 || rounds < 1 || (strcmp(probe, "bag") && strcmp(probe, "adam"))) {
        fprintf(stderr, "usage: %s [D >= 1] [V >= 1] [rounds >= 1] [bag|adam]\n", argv[0]);
        return 2;
    }
    if (!strcmp(probe, "adam"))
        return adam_limit(D, V, rounds);
    const size_t bytes = (size_t)(V * D) * sizeof(float) + 64, huge = (size_t)1 << 21;
    char *mem = aligned_alloc(huge, (bytes + huge - 1) / huge * huge);
    float *out = malloc((size_t)(BAGS * D) * sizeof(float));
    int64_t *idx = malloc((size_t)n * sizeof(int64_t));
    int64_t *offsets = malloc((BAGS + 1) * sizeof(int64_t));
    double *t_touch = malloc((size_t)rounds * N_SETTINGS * sizeof(double));
    double *t_bag = malloc((size_t)rounds * sizeof(double));
    if (!mem || !out || !idx || !offsets || !t_touch || !t_bag) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    madvise(mem, (bytes + huge - 1) / huge * huge, MADV_HUGEPAGE);
#endif
    float *table = (float *)(mem + 16);
    for (int64_t i = 0; i < V * D; i++)
        table[i] = (float)(i % 1013) * 1e-3f - 0.5f;
    for (int64_t b = 0; b <= BAGS; b++)
        offsets[b] = b * BAG_LEN;

    printf("V = %lld, D = %lld, %d bags of %d, median of %d rounds\n", (long long)V,
           (long long)D, BAGS, BAG_LEN, rounds);
    volatile uint32_t sink = 0;
    for (int zipf = 0; zipf <= 1; zipf++) {
        make_indices(idx, n, V, zipf);
        for (int threads = 1; threads <= 2; threads++) {
            cembed_set_num_threads(threads);
            int64_t bad;
            for (int r = 0; r < rounds; r++) { /* alternate, so noise hits all */
                double t0 = 0, t1 = 0;
                for (int k = 0; k < N_SETTINGS; k++) {
                    t0 = now();
                    sink ^= memory_limit_touch(table, D, idx, BAGS, BAG_LEN, threads,
                                               AHEADS[k % N_AHEADS], k / N_AHEADS % 2,
                                               k / N_AHEADS / 2 % 2, PASS_BYTES(k));
                    t1 = now();
                    t_touch[(int64_t)k * rounds + r] = t1 - t0;
                }
                if (cembed_bag_f32(table, V, D, D, idx, offsets, BAGS, CEMBED_BAG_SUM, NULL, -1,
                                   out, &bad) != CEMBED_OK) {
                    fprintf(stderr, "cembed_bag_f32 failed\n");
                    return 1;
                }
                double t2 = now();
                t_bag[r] = t2 - t1;
            }
            /* the fastest setting by median */
            double a = INFINITY;
            int best = 0;
            for (int k = 0; k < N_SETTINGS; k++) {
                double *t = t_touch + (int64_t)k * rounds;
                qsort(t, (size_t)rounds, sizeof(double), cmp_double);
                if (t[rounds / 2] < a) {
                    a = t[rounds / 2];
                    best = k;
                }
            }
            qsort(t_bag, (size_t)rounds, sizeof(double), cmp_double);
            const double b = t_bag[rounds / 2];
            printf("%-7s %dT: touch every line %7.3f ms (%3d ahead, %s%s, %s)   cembed_bag_f32 "
                   "%7.3f ms   bag / touch %.2f\n",
                   zipf ? "zipf" : "uniform", threads, a * 1e3, AHEADS[best % N_AHEADS],
                   best / N_AHEADS / 2 % 2 ? "L2" : "L1",
                   best / N_AHEADS % 2 ? ", straddle" : "          ",
                   PASS_BYTES(best) ? "128 B passes" : "whole rows  ", b * 1e3, b / a);
        }
    }
    (void)sink;
    free(mem);
    free(out);
    free(idx);
    free(offsets);
    free(t_touch);
    free(t_bag);
    return 0;
}
#endif /* MEMORY_LIMIT_TOUCH_ONLY */
