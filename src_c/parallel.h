/*
 * parallel.h - the one place that knows about OpenMP, prefetching and
 * run-time instruction-set dispatch. Internal to src_c/.
 */
#ifndef CEMBED_PARALLEL_H
#define CEMBED_PARALLEL_H

#include <stdint.h>

#ifdef _OPENMP
#include <omp.h>
#define CEMBED_PRAGMA(x) _Pragma(#x)
#define CEMBED_OMP(x) CEMBED_PRAGMA(omp x)
#else
#define CEMBED_OMP(x)
#endif

/* Below this much work (bytes touched) a parallel region costs more than
 * it gives: run serially. */
#define CEMBED_PARALLEL_MIN_BYTES ((int64_t)1 << 20)

/* The threads to use for `work_bytes` of work: 1 for small work. */
int cembed_threads_for(int64_t work_bytes);

/* Inside a parallel region: this thread's number and the team's size (0
 * and 1 without OpenMP). */
static inline void cembed_thread_id(int *t, int *tn)
{
#ifdef _OPENMP
    *t = omp_get_thread_num();
    *tn = omp_get_num_threads();
#else
    *t = 0;
    *tn = 1;
#endif
}

/* Inside a parallel region: this thread's contiguous share [*lo, *hi) of
 * n items (all of them without OpenMP). */
static inline void cembed_thread_share(int64_t n, int64_t *lo, int64_t *hi)
{
    int t, tn;
    cembed_thread_id(&t, &tn);
    *lo = n * t / tn;
    *hi = n * (t + 1) / tn;
}

#if defined(__GNUC__) || defined(__clang__)
#define CEMBED_PREFETCH(p) __builtin_prefetch((p), 0, 3)
#define CEMBED_PREFETCH_W(p) __builtin_prefetch((p), 1, 3)
#define CEMBED_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define CEMBED_RESTRICT __restrict__
#else
#define CEMBED_PREFETCH(p) ((void)0)
#define CEMBED_PREFETCH_W(p) ((void)0)
#define CEMBED_UNLIKELY(x) (x)
#define CEMBED_RESTRICT
#endif

/* Prefetch every cache line the nbytes from p touch (for reading or
 * writing): a row that starts past a line boundary, as NumPy's do, touches
 * one line more than nbytes / 64. */
static inline void cembed_prefetch_bytes(const void *p, int64_t nbytes)
{
    const char *c = (const char *)((uintptr_t)p & ~(uintptr_t)63), *end = (const char *)p + nbytes;
    for (; c < end; c += 64)
        CEMBED_PREFETCH(c);
}

static inline void cembed_prefetch_bytes_w(void *p, int64_t nbytes)
{
    char *c = (char *)((uintptr_t)p & ~(uintptr_t)63), *end = (char *)p + nbytes;
    for (; c < end; c += 64)
        CEMBED_PREFETCH_W(c);
}

/* Hot loops are compiled for AVX-512, AVX2 and the baseline; the loader
 * picks the best the CPU has (GCC's ifunc-based target_clones). Elsewhere
 * (ARM, clang on macOS, MSVC) they are compiled once for the baseline. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__) \
    && !defined(CEMBED_NO_DISPATCH)
#define CEMBED_DISPATCH __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CEMBED_DISPATCH
#endif

/* Streaming (non-temporal) stores: SSE2 is part of every x86-64 CPU; the
 * wider AVX2 and AVX-512 forms are compiled with target attributes and
 * chosen at run time with __builtin_cpu_supports. */
#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#define CEMBED_HAVE_SSE2 1
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(CEMBED_NO_DISPATCH)
#include <immintrin.h>
#define CEMBED_X86_DISPATCH 1
#endif

#endif /* CEMBED_PARALLEL_H */
