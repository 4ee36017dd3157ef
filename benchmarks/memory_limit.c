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
 * lines in flight) and the fastest is the limit. The figure is computed
 * in the setup of bench_kernels.py: V rows x D float32 starting 16 bytes
 * past a line (as NumPy's large arrays do), on transparent huge pages where
 * the OS offers them, 4096 bags of 50 uniform or Zipf(1.1) indices.
 *
 *   cc -O2 -fopenmp benchmarks/memory_limit.c \
 *      -I"$(python -c 'import cembed; print(cembed.get_include())')" \
 *      "$(python -c 'import cembed; print(cembed.get_library_dir())')/libcembed.a" \
 *      -lm -o memory_limit
 *   ./memory_limit [D=64] [V=1000000] [rounds=30]
 *
 * Prints median milliseconds at 1 and 2 threads, the touch loop's at its
 * fastest setting (named), and bag / touch: near 1, the kernel is as fast
 * as the memory system lets any kernel be.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

#include "cembed.h"

#define BAGS 4096
#define BAG_LEN 50
/* the touch loop's settings: rows ahead, whether it prefetches the line a
 * misaligned row straddles into, and whether the prefetches go to L1 or
 * only to L2 (more lines in flight than L1's miss buffers hold) */
static const int AHEADS[] = {4, 8, 16, 32, 64, 128};
#define N_AHEADS ((int)(sizeof AHEADS / sizeof AHEADS[0]))
#define N_SETTINGS (4 * N_AHEADS)

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

/* One load per cache line of each looked-up row, the lines prefetched
 * `ahead` rows on (with the straddled line if `straddle`; to L2 only if
 * `l2`); bags of 64 handed out dynamically, as cembed_bag does. */
static uint32_t touch(const float *table, int64_t D, const int64_t *idx, int threads,
                      int64_t ahead_rows, int straddle, int l2)
{
    const int64_t n = (int64_t)BAGS * BAG_LEN;
    uint32_t total = 0;
    (void)threads; /* unused when built without OpenMP */
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) reduction(^ : total)
    for (int64_t b0 = 0; b0 < BAGS; b0 += 64) {
        const int64_t p1 = (b0 + 64 < BAGS ? b0 + 64 : BAGS) * BAG_LEN;
        uint32_t acc = 0; /* xor of the loaded bits: no chain of float adds */
        for (int64_t p = b0 * BAG_LEN; p < p1; p++) {
            const char *ahead =
                (const char *)(table + idx[p + ahead_rows < n ? p + ahead_rows : p] * D);
            const int64_t row_end = D * (int64_t)sizeof(float) + (straddle ? 63 : 0);
            if (l2)
                for (int64_t c = 0; c < row_end; c += 64)
                    __builtin_prefetch(ahead + c, 0, 1);
            else
                for (int64_t c = 0; c < row_end; c += 64)
                    __builtin_prefetch(ahead + c);
            const uint32_t *x = (const uint32_t *)(table + idx[p] * D);
            const int64_t skip = (int64_t)((64 - (uintptr_t)x % 64) % 64) / 4;
            acc ^= x[0];
            for (int64_t j = skip; j < D; j += 16) /* the first float of each further line */
                acc ^= x[j];
        }
        total += acc;
    }
    return total;
}

int main(int argc, char **argv)
{
    const int64_t D = argc > 1 ? atoll(argv[1]) : 64, V = argc > 2 ? atoll(argv[2]) : 1000000;
    const int rounds = argc > 3 ? atoi(argv[3]) : 30;
    const int64_t n = (int64_t)BAGS * BAG_LEN;
    if (D < 1 || V < 1 || rounds < 1) {
        fprintf(stderr, "usage: %s [D >= 1] [V >= 1] [rounds >= 1]\n", argv[0]);
        return 2;
    }
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
                    sink ^= touch(table, D, idx, threads, AHEADS[k % N_AHEADS],
                                  k / N_AHEADS % 2, k / N_AHEADS / 2);
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
            printf("%-7s %dT: touch every line %7.3f ms (%3d ahead, %s%s)   cembed_bag_f32 %7.3f ms"
                   "   bag / touch %.2f\n",
                   zipf ? "zipf" : "uniform", threads, a * 1e3, AHEADS[best % N_AHEADS],
                   best / N_AHEADS / 2 ? "L2" : "L1", best / N_AHEADS % 2 ? ", straddle" : "          ",
                   b * 1e3, b / a);
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
