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
#ifndef CEMBED_GATHER_AHEAD
#define CEMBED_GATHER_AHEAD 16
#endif
/* Outputs at least this large are written with streaming stores: they
 * would not stay in cache anyway, and streaming skips reading each output
 * line before writing it, a third of the memory traffic. */
#ifndef CEMBED_STREAM_MIN_BYTES
#define CEMBED_STREAM_MIN_BYTES ((int64_t)4 << 20)
#endif

static void gather_range(const char *src, int64_t ld_bytes, int64_t row_bytes,
                         const int64_t *idx, int64_t lo, int64_t hi, char *dst)
{
    for (int64_t i = lo; i < hi; i++) {
        if (i + CEMBED_GATHER_AHEAD < hi)
            cembed_prefetch_bytes(src + idx[i + CEMBED_GATHER_AHEAD] * ld_bytes, row_bytes);
        memcpy(dst + i * row_bytes, src + idx[i] * ld_bytes, (size_t)row_bytes);
    }
}

/* The streaming copies: row_bytes a multiple of the store width, dst
 * aligned to it. Each ends with a store fence, so the rows are visible to
 * other threads once the parallel region ends. */
#ifdef CEMBED_HAVE_SSE2
static void gather_range_stream16(const char *src, int64_t ld_bytes, int64_t row_bytes,
                                  const int64_t *idx, int64_t lo, int64_t hi, char *dst)
{
    for (int64_t i = lo; i < hi; i++) {
        if (i + CEMBED_GATHER_AHEAD < hi)
            cembed_prefetch_bytes(src + idx[i + CEMBED_GATHER_AHEAD] * ld_bytes, row_bytes);
        const char *s = src + idx[i] * ld_bytes;
        char *d = dst + i * row_bytes;
        for (int64_t c = 0; c < row_bytes; c += 16)
            _mm_stream_si128((__m128i *)(d + c), _mm_loadu_si128((const __m128i *)(s + c)));
    }
    _mm_sfence();
}
#endif

#ifdef CEMBED_X86_DISPATCH
__attribute__((target("avx2")))
static void gather_range_stream32(const char *src, int64_t ld_bytes, int64_t row_bytes,
                                  const int64_t *idx, int64_t lo, int64_t hi, char *dst)
{
    for (int64_t i = lo; i < hi; i++) {
        if (i + CEMBED_GATHER_AHEAD < hi)
            cembed_prefetch_bytes(src + idx[i + CEMBED_GATHER_AHEAD] * ld_bytes, row_bytes);
        const char *s = src + idx[i] * ld_bytes;
        char *d = dst + i * row_bytes;
        for (int64_t c = 0; c < row_bytes; c += 32)
            _mm256_stream_si256((__m256i *)(d + c),
                                _mm256_loadu_si256((const __m256i *)(s + c)));
    }
    _mm_sfence();
}

__attribute__((target("avx512f")))
static void gather_range_stream64(const char *src, int64_t ld_bytes, int64_t row_bytes,
                                  const int64_t *idx, int64_t lo, int64_t hi, char *dst)
{
    for (int64_t i = lo; i < hi; i++) {
        if (i + CEMBED_GATHER_AHEAD < hi)
            cembed_prefetch_bytes(src + idx[i + CEMBED_GATHER_AHEAD] * ld_bytes, row_bytes);
        const char *s = src + idx[i] * ld_bytes;
        char *d = dst + i * row_bytes;
        for (int64_t c = 0; c < row_bytes; c += 64)
            _mm512_stream_si512((void *)(d + c), _mm512_loadu_si512((const void *)(s + c)));
    }
    _mm_sfence();
}
#endif

typedef void (*gather_fn)(const char *, int64_t, int64_t, const int64_t *, int64_t, int64_t,
                          char *);

/* The widest copy the CPU, the row size and the output's alignment allow:
 * streaming only for outputs too large to stay in cache. */
static gather_fn pick_gather(int64_t row_bytes, int64_t out_bytes, const char *dst)
{
    if (out_bytes < CEMBED_STREAM_MIN_BYTES)
        return gather_range;
    uintptr_t a = (uintptr_t)dst;
#ifdef CEMBED_X86_DISPATCH
    if (row_bytes % 64 == 0 && a % 64 == 0 && __builtin_cpu_supports("avx512f"))
        return gather_range_stream64;
    if (row_bytes % 32 == 0 && a % 32 == 0 && __builtin_cpu_supports("avx2"))
        return gather_range_stream32;
#endif
#ifdef CEMBED_HAVE_SSE2
    if (row_bytes % 16 == 0 && a % 16 == 0)
        return gather_range_stream16;
#endif
    (void)a;
    (void)row_bytes;
    return gather_range;
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
    gather_fn copy = pick_gather(row_bytes, n * row_bytes, dst);

    CEMBED_OMP(parallel num_threads(nt))
    {
        int64_t lo = 0, hi = n;
#ifdef _OPENMP
        int t = omp_get_thread_num(), tn = omp_get_num_threads();
        lo = n * t / tn;
        hi = n * (t + 1) / tn;
#endif
        for (int64_t i = lo; i < lo + CEMBED_GATHER_AHEAD && i < hi; i++)
            cembed_prefetch_bytes(src + idx[i] * ld_bytes, row_bytes);
        copy(src, ld_bytes, row_bytes, idx, lo, hi, dst);
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
