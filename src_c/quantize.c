/*
 * quantize.c - compact tables: float32/float64 tables packed as float16,
 * bfloat16, or FBGEMM's row-wise 8-bit and 4-bit rows, their dequantizing
 * gather, and bags that read the packed rows directly.
 *
 * Row layouts (FBGEMM's, so PyTorch's packed tables are read as they are):
 *   F16   dim float16 (IEEE binary16, round to nearest even)
 *   BF16  dim uint16, the upper half of each float32 (rounded to nearest even)
 *   INT8  dim uint8 codes, then float32 scale and float32 bias
 *         (embedding_bag_byte_prepack); x = code * scale + bias
 *   INT4  ceil(dim / 2) bytes, two codes a byte, low nibble first, then
 *         float16 scale and float16 bias (embedding_bag_4bit_prepack)
 *
 * The quantizer follows FBGEMM's arithmetic (QuantUtils.cc): int8 scale =
 * range / 255, codes lrintf((x - min) * 255 / (range + 1e-8)); int4 bias =
 * float16(min), scale = float16(range / 15) (1 for a constant row), codes
 * clamped to [0, 15]. A float64 table is rounded to float32 first (for the
 * half formats with round-to-odd, so the result is the float64 value rounded
 * once, to nearest even).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cembed.h"
#include "isa.h"
#include "parallel.h"

/* ---- exact conversions ------------------------------------------------- */

static inline uint32_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static inline float bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static inline float half_to_float(uint16_t h)
{
#if defined(__aarch64__) && defined(__GNUC__)
    __fp16 half; /* ARMv8 converts halves in hardware (fcvt), exactly */
    memcpy(&half, &h, 2);
    return (float)half;
#else
    const uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 31, mant = h & 1023;
    if (exp == 0) /* zero or subnormal: mant * 2**-24, exact in float32 */
        return bits_f32(sign | f32_bits((float)mant * 5.9604644775390625e-8f));
    if (exp == 31)
        return bits_f32(sign | 0x7F800000u | (mant << 13));
    return bits_f32(sign | ((exp + 112) << 23) | (mant << 13));
#endif
}

/* Round to nearest even (F. Giesen's float_to_half_fast3_rtne); values at
 * or beyond 65520 become inf, NaN stays NaN. */
static inline uint16_t float_to_half(float f)
{
#if defined(__aarch64__) && defined(__GNUC__)
    const __fp16 half = (__fp16)f; /* rounds to nearest even (the default FPCR mode) */
    uint16_t h;
    memcpy(&h, &half, 2);
    return h;
#else
    uint32_t x = f32_bits(f);
    const uint32_t sign = x & 0x80000000u;
    x ^= sign;
    uint32_t o;
    if (x >= (uint32_t)(127 + 16) << 23) {
        o = x > 0x7F800000u ? 0x7E00 : 0x7C00;
    } else if (x < (uint32_t)113 << 23) {
        /* a subnormal half: adding 0.5 rounds the bits into place */
        const uint32_t magic = (uint32_t)((127 - 15) + (23 - 10) + 1) << 23;
        o = f32_bits(bits_f32(x) + bits_f32(magic)) - magic;
    } else {
        const uint32_t odd = (x >> 13) & 1;
        x += ((uint32_t)(15 - 127) << 23) + 0xFFF + odd;
        o = x >> 13;
    }
    return (uint16_t)(o | (sign >> 16));
#endif
}

static inline float bf16_to_float(uint16_t h)
{
    return bits_f32((uint32_t)h << 16);
}

static inline uint16_t float_to_bf16(float f)
{
    const uint32_t x = f32_bits(f);
    if ((x & 0x7FFFFFFFu) > 0x7F800000u)
        return (uint16_t)((x >> 16) | 0x40);
    return (uint16_t)((x + 0x7FFF + ((x >> 16) & 1)) >> 16);
}

/* A float64 rounded to float32 toward zero, with the lowest bit set when
 * inexact (round to odd): rounding that again to 16 bits gives the float64
 * rounded once to nearest even. */
static inline float round_to_odd(double d)
{
    float f = (float)d;
    if (!isfinite(d) || (double)f == d)
        return f;
    if (fabs((double)f) > fabs(d))
        f = nextafterf(f, 0.0f);
    if (isinf(f))
        return f;
    return bits_f32(f32_bits(f) | 1);
}

/* ---- row layout -------------------------------------------------------- */

static inline int64_t packed_row_bytes(int kind, int64_t dim)
{
    switch (kind) {
    case CEMBED_COMPACT_F16:
    case CEMBED_COMPACT_BF16:
        return 2 * dim;
    case CEMBED_COMPACT_INT8:
        return dim + 8;
    case CEMBED_COMPACT_INT4:
        return (dim + 1) / 2 + 4;
    }
    return -1;
}

int64_t cembed_compact_row_bytes(int kind, int64_t dim)
{
    return dim < 0 ? -1 : packed_row_bytes(kind, dim);
}

static inline void scale_bias(int kind, const uint8_t *row, int64_t dim, float *scale,
                              float *bias)
{
    if (kind == CEMBED_COMPACT_INT8) {
        memcpy(scale, row + dim, 4);
        memcpy(bias, row + dim + 4, 4);
    } else if (kind == CEMBED_COMPACT_INT4) {
        uint16_t h[2];
        memcpy(h, row + (dim + 1) / 2, 4);
        *scale = half_to_float(h[0]);
        *bias = half_to_float(h[1]);
    }
}

/* Code c of a row-wise row, as float32. */
static inline float code_at(int kind, const uint8_t *row, int64_t c)
{
    if (kind == CEMBED_COMPACT_INT8)
        return (float)row[c];
    return (float)((row[c >> 1] >> ((c & 1) * 4)) & 15);
}

#define INT8_EPSILON 1e-8f
#if defined(__SSE2__)
#include <emmintrin.h> /* the portable path's fma_codes on x86 (compact_real.h) */
#endif

/* Whether (float)t may differ from a * b + c rounded once, t that sum in
 * double (the product exact, the sum rounded once): t exactly halfway
 * between two floats (its low 29 bits 1 << 28), or below float's normal
 * range. */
static inline int fma_f32_rare(double t)
{
    uint64_t bits;
    memcpy(&bits, &t, 8);
    return (bits & 0x1FFFFFFFu) == 0x10000000u || !(fabs(t) >= (double)FLT_MIN);
}

/* a * b + c rounded once, as fmaf, for the portable path (a row-wise sum's
 * step, compact_real.h): fmaf itself where the CPU fuses (ARM, or a build
 * for an x86 with FMA); elsewhere exactly so without a call per element
 * (glibc's software fmaf made the x86 baseline bag 11x slower). The
 * product of two floats is exact in double and t = p + c rounds once, so
 * (float)t is the correctly rounded a * b + c unless t fell exactly halfway
 * between two floats (its low 29 bits 1 << 28) or below float's normal
 * range: rare, and then t is rounded to odd (moved one step toward the
 * exact sum when inexact and its last bit even; 53 bits >= 24 + 2 make the
 * rounding to float that follows the correct one). */
static inline float fma_f32(float a, float b, float c)
{
#if defined(__FMA__) || defined(__ARM_FEATURE_FMA) || defined(FP_FAST_FMAF)
    return fmaf(a, b, c);
#else
    const double p = (double)a * (double)b, t = p + (double)c;
    uint64_t bits;
    memcpy(&bits, &t, 8);
    if (!fma_f32_rare(t))
        return (float)t;
    const double z = t - p, err = (p - (t - z)) + ((double)c - z); /* p + c - t, exactly */
    if ((err > 0 || err < 0) && (bits & 1) == 0) {
        bits += (err > 0) == (t > 0) ? 1 : (uint64_t)-1; /* one step toward p + c */
        double odd;
        memcpy(&odd, &bits, 8);
        return (float)odd;
    }
    return (float)t;
#endif
}

/* ---- kernels, one copy per instruction set ----------------------------- */

#define REAL float
#define SUF f32
#define SQRT sqrtf
#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(name, SUF)
#include "bag_denominator_real.h"
#undef FN
#undef CAT
#undef CAT_
#undef REAL
#undef SUF
#undef SQRT

/* The compact kernels prefetch the rows they will read far ahead into L2
 * only (CEMBED_PREFETCH_L2, compact_real.h), and the bags the row a few
 * positions on into L1 as well: on AMD Zen 4 a bag of 72-byte int8 rows, 64 rows
 * ahead, ran 2.5x faster in CPU time this way than prefetched into L1
 * (whose few miss buffers the far prefetches then fill), and Zipf indices
 * a little faster too (docs/compact.rst). */

typedef struct {
    void (*bag_range)(int kind, const uint8_t *data, int64_t ld, int64_t dim,
                      const int64_t *idx, const int64_t *offsets, int64_t b0, int64_t b1,
                      int mode, const float *weights, int64_t padding_idx, float *out);
    void (*gather_range)(int kind, const uint8_t *data, int64_t ld, int64_t dim,
                         const int64_t *idx, int64_t lo, int64_t hi, float *out);
    int (*row_ok)(int kind, const float *x, int64_t dim, float *mm);
    void (*quantize_row)(int kind, const float *x, int64_t dim, const float *mm, uint8_t *out);
} compact_kernels;

#define ISA baseline
#include "compact_real.h"
#undef ISA

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) \
    && !defined(CEMBED_NO_DISPATCH)
#define COMPACT_X86 1
#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#define ISA avx2
#include "compact_real.h"
#undef ISA
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")
#define ISA avx512
#include "compact_real.h"
#undef ISA
#pragma GCC pop_options
#endif

/* The kernels of the path cembed runs (isa.h: CEMBED_ISA or the widest the
 * CPU has). Every path gives the same bits. */
static const compact_kernels *pick_kernels(void)
{
#ifdef COMPACT_X86
    switch (cembed_isa()) {
    case CEMBED_ISA_AVX512:
        return &kernels_avx512;
    case CEMBED_ISA_AVX2:
        return &kernels_avx2;
    }
#endif
    return &kernels_baseline;
}

/* Row r of the table as float32: the row itself (float32), or rounded into
 * buf (float64; to odd for the half formats, see round_to_odd). */
static const float *row_f32(int kind, const void *table, int is_f64, int64_t ld, int64_t dim,
                            int64_t r, float *buf)
{
    if (!is_f64)
        return (const float *)table + r * ld;
    const double *d = (const double *)table + r * ld;
    if (kind == CEMBED_COMPACT_F16 || kind == CEMBED_COMPACT_BF16)
        for (int64_t j = 0; j < dim; j++)
            buf[j] = round_to_odd(d[j]);
    else
        for (int64_t j = 0; j < dim; j++)
            buf[j] = (float)d[j];
    return buf;
}

/* One pass over the rows, each thread over its share: with out NULL,
 * check them and return the smallest row that cannot be packed (num_rows
 * if none, whatever the thread count); else pack them into out. With mm
 * (2 floats a row) the check stores each row's smallest and largest value
 * and the packing reads them, so it finds them once. */
static int64_t rows_pass(const compact_kernels *k, int kind, const void *table, int is_f64,
                         int64_t num_rows, int64_t ld, int64_t dim, uint8_t *out,
                         int64_t out_ld, float *mm, int nt, int *nomem)
{
    int64_t bad = num_rows;
    int oom = 0;
    (void)nt;
    CEMBED_OMP(parallel num_threads(nt) reduction(min : bad) reduction(| : oom))
    {
        int64_t lo, hi;
        cembed_thread_share(num_rows, &lo, &hi);
        float *buf = is_f64 && hi > lo ? malloc((size_t)dim * sizeof(float) + 1) : NULL;
        if (is_f64 && hi > lo && !buf)
            oom = 1;
        else
            for (int64_t r = lo; r < hi; r++) {
                const float *x = row_f32(kind, table, is_f64, ld, dim, r, buf);
                if (out) {
                    k->quantize_row(kind, x, dim, mm ? mm + 2 * r : NULL, out + r * out_ld);
                } else if (!k->row_ok(kind, x, dim, mm ? mm + 2 * r : NULL)) {
                    bad = r;
                    break;
                }
            }
        free(buf);
    }
    *nomem = oom;
    return bad;
}

int cembed_quantize(int kind, const void *table, int is_f64, int64_t num_rows, int64_t ld,
                    int64_t dim, uint8_t *out, int64_t out_ld, int64_t *bad_row)
{
    if (packed_row_bytes(kind, dim) < 0 || num_rows < 0)
        return CEMBED_ERR_VALUE;
    const int64_t bytes = num_rows * dim * (is_f64 ? 8 : 4);
    const int nt = cembed_threads_for(bytes);
    const compact_kernels *k = pick_kernels();
    int nomem = 0;
    /* the row-wise formats keep each row's range from the check (without
     * the memory for it, the packing finds it again) */
    float *mm = (kind == CEMBED_COMPACT_INT8 || kind == CEMBED_COMPACT_INT4) && num_rows > 0
                    ? malloc((size_t)num_rows * 2 * sizeof(float))
                    : NULL;
    /* every row checked before the first is written */
    const int64_t bad =
        rows_pass(k, kind, table, is_f64, num_rows, ld, dim, NULL, 0, mm, nt, &nomem);
    if (!nomem && bad < num_rows) {
        free(mm);
        *bad_row = bad;
        return CEMBED_ERR_VALUE;
    }
    if (!nomem)
        rows_pass(k, kind, table, is_f64, num_rows, ld, dim, out, out_ld, mm, nt, &nomem);
    free(mm);
    return nomem ? CEMBED_ERR_NOMEM : CEMBED_OK;
}

int cembed_compact_gather(int kind, const uint8_t *data, int64_t num_rows, int64_t ld_bytes,
                          int64_t dim, const int64_t *idx, int64_t n, float *out,
                          int64_t *bad_pos)
{
    if (packed_row_bytes(kind, dim) < 0 || (!idx && n > num_rows))
        return CEMBED_ERR_VALUE;
    if (idx) {
        int status = cembed_check_indices(idx, n, num_rows, bad_pos);
        if (status != CEMBED_OK)
            return status;
    }
    const compact_kernels *k = pick_kernels();
    const int nt = cembed_threads_for(n * (dim * 4 + packed_row_bytes(kind, dim)));
    (void)nt;
    CEMBED_OMP(parallel num_threads(nt))
    {
        int64_t lo, hi;
        cembed_thread_share(n, &lo, &hi);
        k->gather_range(kind, data, ld_bytes, dim, idx, lo, hi, out);
    }
    return CEMBED_OK;
}

int cembed_compact_bag(int kind, const uint8_t *data, int64_t num_rows, int64_t ld_bytes,
                       int64_t dim, const int64_t *idx, const int64_t *offsets,
                       int64_t num_bags, int mode, const float *weights, int64_t padding_idx,
                       float *out, int64_t *bad_pos)
{
    if (packed_row_bytes(kind, dim) < 0 || mode < CEMBED_BAG_SUM || mode > CEMBED_BAG_MAX
        || (mode == CEMBED_BAG_MAX && weights) || offsets[0] < 0)
        return CEMBED_ERR_VALUE;
    for (int64_t b = 0; b < num_bags; b++)
        if (offsets[b + 1] < offsets[b])
            return CEMBED_ERR_VALUE;
    const int64_t n = offsets[num_bags];
    int status = cembed_check_indices(idx, n, num_rows, bad_pos);
    if (status != CEMBED_OK)
        return status;
    const compact_kernels *k = pick_kernels();
    const int nt = cembed_threads_for(n * packed_row_bytes(kind, dim) + num_bags * dim * 4);
    if (nt <= 1) {
        k->bag_range(kind, data, ld_bytes, dim, idx, offsets, 0, num_bags, mode, weights,
                     padding_idx, out);
        return CEMBED_OK;
    }
    /* bags of 64 at a time, each pooled by one thread in index order, so
     * the result does not depend on the schedule */
    const int64_t step = 64;
    CEMBED_OMP(parallel for num_threads(nt) schedule(dynamic, 1))
    for (int64_t b0 = 0; b0 < num_bags; b0 += step) {
        const int64_t b1 = b0 + step < num_bags ? b0 + step : num_bags;
        k->bag_range(kind, data, ld_bytes, dim, idx, offsets, b0, b1, mode, weights,
                     padding_idx, out);
    }
    return CEMBED_OK;
}
