/*
 * lookup.c - the forward lookups: row gather and pooled bags.
 *
 * Every index is checked before the first write (cembed_check_indices), so
 * a failed call leaves `out` untouched.
 */
#include <math.h>
#include <string.h>

#include "cembed.h"
#include "isa.h"
#include "parallel.h"
#include "prefetch.h"

/* Rows are fetched this many iterations ahead, into L2 only (every line
 * a row touches): enough misses in flight to cover memory latency on one
 * core, more than L1's miss buffers hold. As the bags (see BAG_AHEAD in
 * lookup_real.h): on AMD Zen 4, avx2 path, D = 64, 204,800 uniform rows,
 * one thread (bench_kernels.py's harness, under load) 10.1 ms with 16
 * ahead into L1, 6.3-6.4 ms with 32 or 64 ahead into L2. */
#ifndef GATHER_PREFETCH
#define GATHER_PREFETCH cembed_prefetch_bytes_l2
#endif
#ifndef CEMBED_GATHER_AHEAD
#define CEMBED_GATHER_AHEAD 64
#endif
/* Outputs at least this large are written with streaming stores: they
 * would not stay in cache anyway, and streaming skips reading each output
 * line before writing it, a third of the memory traffic. */
#ifndef CEMBED_STREAM_MIN_BYTES
#define CEMBED_STREAM_MIN_BYTES ((int64_t)4 << 20)
#endif

/* Streaming stores write whole 64-byte lines, aligned, from anywhere:
 * stream_lines(dst, src, k) copies k lines to a 64-byte-aligned dst. The
 * widest form of the path the kernels run (isa.h) is chosen; each thread ends with a
 * fence, so the rows are visible to others when the parallel region ends. */
typedef void (*stream_fn)(char *dst, const char *src, int64_t lines);

#ifdef CEMBED_HAVE_SSE2
/* 64 bytes from src to dst in 16-byte streaming stores: the four loads
 * first, then the four stores. On AMD Zen 4 (baseline path, D = 64,
 * 204,800 uniform rows, one thread, thread CPU time, under load) a gather
 * took 8.4-9.5 ms with each load followed by its store and 6.5-7.0 ms
 * with the loads of a line grouped. */
CEMBED_INLINE void stream_64_16(char *dst, const char *src)
{
    const __m128i a = _mm_loadu_si128((const __m128i *)src);
    const __m128i b = _mm_loadu_si128((const __m128i *)(src + 16));
    const __m128i c = _mm_loadu_si128((const __m128i *)(src + 32));
    const __m128i d = _mm_loadu_si128((const __m128i *)(src + 48));
    _mm_stream_si128((__m128i *)dst, a);
    _mm_stream_si128((__m128i *)(dst + 16), b);
    _mm_stream_si128((__m128i *)(dst + 32), c);
    _mm_stream_si128((__m128i *)(dst + 48), d);
}

static void stream_lines_16(char *dst, const char *src, int64_t lines)
{
    for (int64_t c = 0; c < lines * 64; c += 64)
        stream_64_16(dst + c, src + c);
}
#endif

#ifdef CEMBED_X86_DISPATCH
CEMBED_TARGET_AVX2
static void stream_lines_32(char *dst, const char *src, int64_t lines)
{
    for (int64_t c = 0; c < lines * 64; c += 32)
        _mm256_stream_si256((__m256i *)(dst + c), _mm256_loadu_si256((const __m256i *)(src + c)));
}

CEMBED_TARGET_AVX512
static void stream_lines_64(char *dst, const char *src, int64_t lines)
{
    for (int64_t c = 0; c < lines * 64; c += 64)
        _mm512_stream_si512((void *)(dst + c), _mm512_loadu_si512((const void *)(src + c)));
}
#endif

static stream_fn pick_stream(void)
{
#ifdef CEMBED_X86_DISPATCH
    if (cembed_isa() == CEMBED_ISA_AVX512)
        return stream_lines_64;
    if (cembed_isa() == CEMBED_ISA_AVX2)
        return stream_lines_32;
#endif
#ifdef CEMBED_HAVE_SSE2
    return stream_lines_16;
#else
    return NULL;
#endif
}

/* Output rows that start on a line and fill whole lines stream directly. */
static void gather_range_direct(const char *src, int64_t ld_bytes, int64_t row_bytes,
                                const int64_t *idx, int64_t lo, int64_t hi, char *dst,
                                stream_fn stream)
{
    for (int64_t i = lo; i < hi; i++) {
        if (i + CEMBED_GATHER_AHEAD < hi)
            GATHER_PREFETCH(src + idx[i + CEMBED_GATHER_AHEAD] * ld_bytes, row_bytes);
        stream(dst + i * row_bytes, src + idx[i] * ld_bytes, row_bytes / 64);
    }
}

/* Any other layout, and the baseline path's: rows are copied a few KiB at
 * a time into a staging buffer in L1, placed at the output's offset within
 * a line, and the whole lines stream out from there; the partial lines at
 * the two ends of a block are ordinary stores. The block's rows are copied
 * GATHER_PASS_BYTES of columns at a time, as the bags pool them (see
 * BAG_PASS_BYTES in lookup_real.h). On AMD Zen 4 (D = 64, 204,800 uniform
 * rows, one thread, thread CPU time, alternated, under load) the baseline
 * path took 6.5-7.2 ms streaming each row from the table in 16-byte
 * pieces and 5.1-5.6 ms staged in two passes; the avx2 path's masked
 * straight stream (gather_range_skewed_avx2, 4.8-5.4 ms) stays faster than
 * staging there (5.6-6.5 ms). */
#define STAGE_BYTES 8192
#ifndef GATHER_PASS_BYTES
#define GATHER_PASS_BYTES 128
#endif
static void gather_range_staged(const char *src, int64_t ld_bytes, int64_t row_bytes,
                                const int64_t *idx, int64_t lo, int64_t hi, char *dst,
                                stream_fn stream)
{
    char stage_mem[STAGE_BYTES + 128];
    char *stage_line = stage_mem + ((64 - (uintptr_t)stage_mem % 64) % 64);
    const int64_t block_rows = (STAGE_BYTES - 64) / row_bytes;
    for (int64_t i = lo; i < hi;) {
        const int64_t j = i + block_rows < hi ? i + block_rows : hi;
        char *out = dst + i * row_bytes;
        const int64_t bytes = (j - i) * row_bytes;
        const int64_t skew = (int64_t)((uintptr_t)out % 64);
        char *stage = stage_line + skew;
        for (int64_t c0 = 0; c0 < row_bytes; c0 += GATHER_PASS_BYTES) {
            const int64_t w =
                row_bytes - c0 < GATHER_PASS_BYTES ? row_bytes - c0 : GATHER_PASS_BYTES;
            for (int64_t r = i; r < j; r++) {
                if (r + CEMBED_GATHER_AHEAD < hi)
                    GATHER_PREFETCH(src + idx[r + CEMBED_GATHER_AHEAD] * ld_bytes + c0, w);
                memcpy(stage + (r - i) * row_bytes + c0, src + idx[r] * ld_bytes + c0,
                       (size_t)w);
            }
        }
        int64_t head = (64 - skew) % 64;
        head = head < bytes ? head : bytes;
        const int64_t lines = (bytes - head) / 64, tail = bytes - head - lines * 64;
        memcpy(out, stage, (size_t)head);
        stream(out + head, stage + head, lines);
        memcpy(out + head + lines * 64, stage + head + lines * 64, (size_t)tail);
        i = j;
    }
}

#ifdef CEMBED_HAVE_SSE2
/* Rows of whole 16-byte pieces to an output on a 16-byte boundary (the
 * usual np.empty: 16 bytes past a line), every piece a streaming store
 * straight from the row: the pieces of a line that straddles two rows are
 * written one after the other, so the write-combining buffer still sends
 * out whole lines, without the staging copy. */
static void gather_range_stream16(const char *src, int64_t ld_bytes, int64_t row_bytes,
                                  const int64_t *idx, int64_t lo, int64_t hi, char *dst,
                                  stream_fn stream)
{
    (void)stream;
    for (int64_t i = lo; i < hi; i++) {
        if (i + CEMBED_GATHER_AHEAD < hi)
            GATHER_PREFETCH(src + idx[i + CEMBED_GATHER_AHEAD] * ld_bytes, row_bytes);
        const char *s = src + idx[i] * ld_bytes;
        char *d = dst + i * row_bytes;
        int64_t c = 0;
        for (; c + 64 <= row_bytes; c += 64)
            stream_64_16(d + c, s + c);
        for (; c < row_bytes; c += 16)
            _mm_stream_si128((__m128i *)(d + c), _mm_loadu_si128((const __m128i *)(s + c)));
    }
}

#endif

#ifdef CEMBED_X86_DISPATCH
/* Rows of whole lines written to an output that is not line-aligned (the
 * usual np.empty: 16 bytes past a line), all in streaming stores: the line
 * that straddles rows i and i + 1 is assembled from two masked loads (lanes
 * outside each row are neither read nor faulted). The output's offset
 * within a line is a multiple of 4. */
CEMBED_TARGET_AVX512
static void gather_range_skewed(const char *src, int64_t ld_bytes, int64_t row_bytes,
                                const int64_t *idx, int64_t lo, int64_t hi, char *dst,
                                stream_fn stream)
{
    (void)stream;
    if (lo >= hi)
        return;
    const int64_t head = (64 - (int64_t)((uintptr_t)(dst + lo * row_bytes) % 64)) % 64;
    const int64_t tail = 64 - head, full = (row_bytes - head - tail) / 64;
    const __mmask16 from_row = (__mmask16)((1u << (tail / 4)) - 1);
    const char *s = src + idx[lo] * ld_bytes;
    /* the first row's head shares a line with the row before this range */
    memcpy(dst + lo * row_bytes, s, (size_t)head);
    for (int64_t i = lo; i < hi; i++) {
        if (i + CEMBED_GATHER_AHEAD < hi)
            GATHER_PREFETCH(src + idx[i + CEMBED_GATHER_AHEAD] * ld_bytes, row_bytes);
        char *d = dst + i * row_bytes;
        for (int64_t c = head; c < head + full * 64; c += 64)
            _mm512_stream_si512((void *)(d + c), _mm512_loadu_si512((const void *)(s + c)));
        if (i + 1 < hi) {
            const char *next = src + idx[i + 1] * ld_bytes;
            __m512i a = _mm512_maskz_loadu_epi32(from_row, s + row_bytes - tail);
            __m512i b = _mm512_maskz_loadu_epi32((__mmask16)~from_row, next - tail);
            _mm512_stream_si512((void *)(d + row_bytes - tail), _mm512_or_si512(a, b));
            s = next;
        } else {
            /* the last row's tail shares a line with the row after */
            memcpy(d + row_bytes - tail, s + row_bytes - tail, (size_t)tail);
        }
    }
}
/* The same for the avx2 path: each half of the straddling line from two
 * masked loads (vpmaskmovd: lanes outside each row neither read nor
 * faulted). */
CEMBED_TARGET_AVX2
static void gather_range_skewed_avx2(const char *src, int64_t ld_bytes, int64_t row_bytes,
                                     const int64_t *idx, int64_t lo, int64_t hi, char *dst,
                                     stream_fn stream)
{
    (void)stream;
    if (lo >= hi)
        return;
    const int64_t head = (64 - (int64_t)((uintptr_t)(dst + lo * row_bytes) % 64)) % 64;
    const int64_t tail = 64 - head, full = (row_bytes - head - tail) / 64;
    /* lane l of half h holds bytes 32h + 4l: from this row when below tail */
    const __m256i lanes = _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28);
    const __m256i from_row0 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)tail), lanes);
    const __m256i from_row1 =
        _mm256_cmpgt_epi32(_mm256_set1_epi32((int)tail - 32), lanes);
    const __m256i ones = _mm256_set1_epi32(-1);
    const __m256i from_next0 = _mm256_xor_si256(from_row0, ones);
    const __m256i from_next1 = _mm256_xor_si256(from_row1, ones);
    const char *s = src + idx[lo] * ld_bytes;
    /* the first row's head shares a line with the row before this range */
    memcpy(dst + lo * row_bytes, s, (size_t)head);
    for (int64_t i = lo; i < hi; i++) {
        if (i + CEMBED_GATHER_AHEAD < hi)
            GATHER_PREFETCH(src + idx[i + CEMBED_GATHER_AHEAD] * ld_bytes, row_bytes);
        char *d = dst + i * row_bytes;
        for (int64_t c = head; c < head + full * 64; c += 32)
            _mm256_stream_si256((__m256i *)(d + c), _mm256_loadu_si256((const __m256i *)(s + c)));
        if (i + 1 < hi) {
            const char *next = src + idx[i + 1] * ld_bytes;
            const char *a = s + row_bytes - tail, *b = next - tail;
            __m256i lo_half = _mm256_or_si256(_mm256_maskload_epi32((const int *)a, from_row0),
                                              _mm256_maskload_epi32((const int *)b, from_next0));
            __m256i hi_half =
                _mm256_or_si256(_mm256_maskload_epi32((const int *)(a + 32), from_row1),
                                _mm256_maskload_epi32((const int *)(b + 32), from_next1));
            _mm256_stream_si256((__m256i *)(d + row_bytes - tail), lo_half);
            _mm256_stream_si256((__m256i *)(d + row_bytes - tail + 32), hi_half);
            s = next;
        } else {
            /* the last row's tail shares a line with the row after */
            memcpy(d + row_bytes - tail, s + row_bytes - tail, (size_t)tail);
        }
    }
}
#endif

static void gather_range(const char *src, int64_t ld_bytes, int64_t row_bytes,
                         const int64_t *idx, int64_t lo, int64_t hi, char *dst,
                         stream_fn stream)
{
    (void)stream;
    for (int64_t i = lo; i < hi; i++) {
        if (i + CEMBED_GATHER_AHEAD < hi)
            GATHER_PREFETCH(src + idx[i + CEMBED_GATHER_AHEAD] * ld_bytes, row_bytes);
        memcpy(dst + i * row_bytes, src + idx[i] * ld_bytes, (size_t)row_bytes);
    }
}

typedef void (*gather_fn)(const char *, int64_t, int64_t, const int64_t *, int64_t, int64_t,
                          char *, stream_fn);

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
    (void)nt; /* unused without OpenMP */
    /* Large outputs would not stay in cache: streaming them skips reading
     * each output line before it is written, a third of the traffic. */
    stream_fn stream = n * row_bytes >= CEMBED_STREAM_MIN_BYTES ? pick_stream() : NULL;
    gather_fn copy = gather_range;
#ifdef CEMBED_HAVE_SSE2
    if (stream == stream_lines_16 && row_bytes <= STAGE_BYTES / 4)
        copy = gather_range_staged;
    else
#endif
    if (stream && row_bytes % 64 == 0 && (uintptr_t)dst % 64 == 0)
        copy = gather_range_direct;
#ifdef CEMBED_X86_DISPATCH
    else if (stream == stream_lines_64 && row_bytes % 64 == 0 && (uintptr_t)dst % 4 == 0)
        copy = gather_range_skewed;
    else if (stream == stream_lines_32 && row_bytes % 64 == 0 && (uintptr_t)dst % 4 == 0)
        copy = gather_range_skewed_avx2;
#endif
#ifdef CEMBED_HAVE_SSE2
    else if (stream == stream_lines_16 && row_bytes % 16 == 0 && (uintptr_t)dst % 16 == 0)
        copy = gather_range_stream16;
#endif
    else if (stream && row_bytes <= STAGE_BYTES / 4)
        copy = gather_range_staged;

    CEMBED_OMP(parallel num_threads(nt))
    {
        int64_t lo, hi;
        cembed_thread_share(n, &lo, &hi);
        for (int64_t i = lo; i < lo + CEMBED_GATHER_AHEAD && i < hi; i++)
            cembed_prefetch_bytes(src + idx[i] * ld_bytes, row_bytes);
        copy(src, ld_bytes, row_bytes, idx, lo, hi, dst, stream);
#ifdef CEMBED_HAVE_SSE2
        if (stream)
            _mm_sfence();
#endif
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
#define REAL_BYTES 4
#define REAL_INT int32_t
#define SUF f32
#define SQRT sqrtf
#include "lookup_real.h"
#undef REAL
#undef REAL_BYTES
#undef REAL_INT
#undef SUF
#undef SQRT

#define REAL double
#define REAL_BYTES 8
#define REAL_INT int64_t
#define SUF f64
#define SQRT sqrt
#include "lookup_real.h"
#undef REAL
#undef REAL_BYTES
#undef REAL_INT
#undef SUF
#undef SQRT
