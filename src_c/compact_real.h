/*
 * compact_real.h - the kernels over compact rows for one instruction set;
 * quantize.c includes it once per set (ISA the suffix of the names) under
 * GCC's `#pragma GCC target`, which also defines the set's macros
 * (__AVX512F__, __AVX2__, __F16C__) tested below.
 *
 * Every element is decoded exactly (a half or bfloat16 widens to float32
 * exactly; a code to its float) and then, for the row-wise formats,
 * x = code * scale + bias in two roundings (no fused multiply-add), so each
 * instruction set gives the same bits: a gather, a half-float bag and a max
 * bag equal the float32 lookup on the dequantized table, bitwise; a
 * row-wise sum adds code * scale per column in one fused multiply-add
 * (acc = fma(code, scale, acc): one rounding, which every path computes
 * exactly so: fma_f32 on the portable one) and the biases apart (pool).
 */
#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(name, ISA)

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__F16C__)
#define VW 16
typedef __m512 FN(vf);
#define V_ZERO() _mm512_setzero_ps()
#define V_SET1(x) _mm512_set1_ps(x)
#define V_ADD(a, b) _mm512_add_ps(a, b)
#define V_MUL(a, b) _mm512_mul_ps(a, b)
#define V_FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define V_DIV(a, b) _mm512_div_ps(a, b)
#define V_MAX(a, b) _mm512_max_ps(a, b)
#define V_STORE(p, v) _mm512_storeu_ps(p, v)
#elif defined(__AVX2__) && defined(__F16C__)
#define VW 8
typedef __m256 FN(vf);
#define V_ZERO() _mm256_setzero_ps()
#define V_SET1(x) _mm256_set1_ps(x)
#define V_ADD(a, b) _mm256_add_ps(a, b)
#define V_MUL(a, b) _mm256_mul_ps(a, b)
#define V_FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define V_DIV(a, b) _mm256_div_ps(a, b)
#define V_MAX(a, b) _mm256_max_ps(a, b)
#define V_STORE(p, v) _mm256_storeu_ps(p, v)
#endif
#ifdef VW
#define VW_OR_1 VW
#define S_FMA(a, b, c) fmaf(a, b, c) /* one instruction: the set has FMA */
#else
#define VW_OR_1 1
#define S_FMA(a, b, c) fma_f32(a, b, c)
#endif

/* A row-wise row's scale and bias (the half pair of INT4 in one F16C
 * conversion where the set has it). */
static inline __attribute__((always_inline)) void FN(scale_bias)(const int kind,
                                                                const uint8_t *row,
                                                                int64_t dim, float *scale,
                                                                float *bias)
{
#ifdef __F16C__
    if (kind == CEMBED_COMPACT_INT4) {
        int32_t pair;
        memcpy(&pair, row + (dim + 1) / 2, 4);
        const __m128 f = _mm_cvtph_ps(_mm_cvtsi32_si128(pair));
        *scale = _mm_cvtss_f32(f);
        *bias = _mm_cvtss_f32(_mm_shuffle_ps(f, f, 1));
        return;
    }
#endif
    scale_bias(kind, row, dim, scale, bias);
}

/* A bag is pooled in chunks of this many columns, in registers: eight
 * vectors of the set (so D = 64 on AVX2 and D = 128 on AVX-512 take one
 * pass over the bag's rows). */
#ifdef VW
#define CHUNK (8 * VW)
#else
#define CHUNK 64
#endif
/* Rows are prefetched (into L2) this many positions ahead: about 8 KiB of
 * rows in flight, within [32, 64] rows (on Zen 4, AVX2, one thread, the
 * int8 and int4 bags of 64-wide rows ran fastest 64 ahead, both on uniform
 * and on Zipf indices; 32 ahead is memory_limit.c's best for 256-byte
 * rows). */
/* ... and into L1 this many positions ahead, in the row-wise bags of whole
 * vectors: Zipf indices read rows that mostly sit in L2 or L3 already, and
 * the far L2 prefetch alone left their loads to wait there (Zen 4, AVX2,
 * D = 64, one thread: Zipf int8 / int4 bags 1.8 -> 1.2-1.5 ms CPU, the
 * uniform bags unchanged). */
#define NEAR 8
#define AHEAD(row_bytes) \
    ((row_bytes) >= 256 ? 32 : (row_bytes) <= 128 ? 64 : (int64_t)(8192 / (row_bytes)))

/* Element c of a packed row as float32: a half widened exactly, or a code
 * as code * scale + bias (two roundings). */
static inline __attribute__((always_inline)) float FN(decode1)(const int kind,
                                                              const uint8_t *row, int64_t c,
                                                              float scale, float bias)
{
    switch (kind) {
    case CEMBED_COMPACT_F16: {
        uint16_t h;
        memcpy(&h, row + 2 * c, 2);
        return half_to_float(h);
    }
    case CEMBED_COMPACT_BF16: {
        uint16_t h;
        memcpy(&h, row + 2 * c, 2);
        return bf16_to_float(h);
    }
    default:
        return code_at(kind, row, c) * scale + bias;
    }
}

#ifdef VW
#if VW == 16
/* Nibble k of a broadcast 64-bit word lands in lane 2k (k < 8) or lane
 * 2(k - 8) + 1 (k >= 8); UNPERM puts lanes back in column order. */
#define NIBBLE_SHIFTS \
    _mm512_setr_epi32(0, 0, 4, 4, 8, 8, 12, 12, 16, 16, 20, 20, 24, 24, 28, 28)
#define UNPERM _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15)
#endif

/* The codes [c, c + VW) of a row-wise row as float32 (c a multiple of VW,
 * so even). For INT4 on AVX-512 the lanes come in the order NIBBLE_SHIFTS
 * gives (a sum pools them so and puts them back once per bag); elsewhere
 * in column order. */
static inline __attribute__((always_inline)) FN(vf) FN(codes_vec)(const int kind,
                                                                  const uint8_t *row,
                                                                  int64_t c)
{
#if VW == 16
    if (kind == CEMBED_COMPACT_INT8)
        return _mm512_cvtepi32_ps(
            _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(row + c))));
    int64_t eight;
    memcpy(&eight, row + c / 2, 8);
    return _mm512_cvtepi32_ps(_mm512_and_si512(
        _mm512_srlv_epi32(_mm512_set1_epi64(eight), NIBBLE_SHIFTS), _mm512_set1_epi32(15)));
#else
    if (kind == CEMBED_COMPACT_INT8)
        return _mm256_cvtepi32_ps(
            _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(row + c))));
    int32_t four;
    memcpy(&four, row + c / 2, 4);
    return _mm256_cvtepi32_ps(
        _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32(four),
                                           _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28)),
                         _mm256_set1_epi32(15)));
#endif
}

/* Elements [c, c + VW) of a packed row, in column order (c a multiple of
 * VW): as decode1, lane by lane. */
static inline __attribute__((always_inline)) FN(vf) FN(decode)(const int kind,
                                                               const uint8_t *row, int64_t c,
                                                               FN(vf) scale, FN(vf) bias)
{
#if VW == 16
    switch (kind) {
    case CEMBED_COMPACT_F16:
        return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(row + 2 * c)));
    case CEMBED_COMPACT_BF16:
        return _mm512_castsi512_ps(_mm512_slli_epi32(
            _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(row + 2 * c))), 16));
    case CEMBED_COMPACT_INT8:
        return V_ADD(V_MUL(FN(codes_vec)(kind, row, c), scale), bias);
    default:
        return V_ADD(V_MUL(_mm512_permutexvar_ps(UNPERM, FN(codes_vec)(kind, row, c)), scale),
                     bias);
    }
#else
    switch (kind) {
    case CEMBED_COMPACT_F16:
        return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(row + 2 * c)));
    case CEMBED_COMPACT_BF16:
        return _mm256_castsi256_ps(_mm256_slli_epi32(
            _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(row + 2 * c))), 16));
    default:
        return V_ADD(V_MUL(FN(codes_vec)(kind, row, c), scale), bias);
    }
#endif
}
#endif

/* Prefetch the cache lines of a row of row_bytes at r: its first, every
 * 64 bytes on, and its last (a 72-byte row can touch three lines). */
static inline __attribute__((always_inline)) void FN(prefetch_row)(const uint8_t *r,
                                                                   int64_t row_bytes)
{
    CEMBED_PREFETCH_L2(r);
    for (int64_t o = 64; o < row_bytes; o += 64)
        CEMBED_PREFETCH_L2(r + o);
    CEMBED_PREFETCH_L2(r + row_bytes - 1);
}

/* tail[j] = fma(code j0 + j of row, s, tail[j]) for j < n: S_FMA one by
 * one, or, on the portable path of an x86 without FMA, four at a time in
 * SSE2 as fma_f32 computes them (products and sums in double, each group
 * with a sum fma_f32_rare flags done again one by one; the same bits). */
static inline __attribute__((always_inline)) void FN(fma_codes)(const int kind,
                                                               const uint8_t *row, int64_t j0,
                                                               int64_t n, float s, float *tail)
{
    int64_t j = 0;
#if !defined(VW) && defined(__SSE2__) && !defined(__FMA__) && !defined(FP_FAST_FMAF)
    const __m128d vs = _mm_set1_pd((double)s), sign = _mm_set1_pd(-0.0),
                  tiny = _mm_set1_pd((double)FLT_MIN);
    const __m128i low29 = _mm_set_epi32(0, 0x1FFFFFFF, 0, 0x1FFFFFFF),
                  half = _mm_set_epi32(0, 0x10000000, 0, 0x10000000);
    for (; j + 4 <= n; j += 4) {
        __m128i q; /* the four codes as int32 (j0 + j even: INT4's start a byte) */
        if (kind == CEMBED_COMPACT_INT8) {
            int32_t four;
            memcpy(&four, row + j0 + j, 4);
            const __m128i z = _mm_setzero_si128();
            q = _mm_unpacklo_epi16(_mm_unpacklo_epi8(_mm_cvtsi32_si128(four), z), z);
        } else {
            uint16_t two;
            memcpy(&two, row + (j0 + j) / 2, 2);
            q = _mm_setr_epi32(two & 15, (two >> 4) & 15, (two >> 8) & 15, two >> 12);
        }
        const __m128 c = _mm_loadu_ps(tail + j);
        const __m128d t0 = _mm_add_pd(_mm_mul_pd(_mm_cvtepi32_pd(q), vs), _mm_cvtps_pd(c));
        const __m128d t1 =
            _mm_add_pd(_mm_mul_pd(_mm_cvtepi32_pd(_mm_shuffle_epi32(q, 0xEE)), vs),
                       _mm_cvtps_pd(_mm_movehl_ps(c, c)));
        /* fma_f32_rare on the four sums: low 29 bits exactly 1 << 28 (the
         * low 32-bit half of each double), or |t| below FLT_MIN */
        const int mid =
            (_mm_movemask_epi8(
                 _mm_cmpeq_epi32(_mm_and_si128(_mm_castpd_si128(t0), low29), half))
             | _mm_movemask_epi8(
                 _mm_cmpeq_epi32(_mm_and_si128(_mm_castpd_si128(t1), low29), half)))
            & 0x0F0F;
        const int small = _mm_movemask_pd(_mm_cmpnge_pd(_mm_andnot_pd(sign, t0), tiny))
                          | _mm_movemask_pd(_mm_cmpnge_pd(_mm_andnot_pd(sign, t1), tiny));
        if (mid | small) {
            for (int k = 0; k < 4; k++)
                tail[j + k] = fma_f32(code_at(kind, row, j0 + j + k), s, tail[j + k]);
            continue;
        }
        _mm_storeu_ps(tail + j, _mm_movelh_ps(_mm_cvtpd_ps(t0), _mm_cvtpd_ps(t1)));
    }
#endif
    for (; j < n; j++)
        tail[j] = S_FMA(code_at(kind, row, j0 + j), s, tail[j]);
}

/* Pool columns [c0, c0 + w) of the bag idx[lo..hi) into out (divided by
 * denom when it is not 1): NV whole vectors in registers, then the columns
 * past them one by one. Rows are added in order of p, each column the same
 * sequence of float operations on every path:
 *   max          the largest decoded element (decode1's value);
 *   half floats  acc += x, or acc += w * x (x exact);
 *   row-wise     acc = fma(code, s, acc) with s = scale (w * scale when
 *                weighted; one rounding), and the biases (w * bias) summed
 *                apart, in order, and added once:
 *                out = (acc + sum b) / denom. */
static inline __attribute__((always_inline)) void FN(pool)(
    const int kind, const uint8_t *data, int64_t ld, int64_t dim, int64_t row_bytes,
    const int64_t *idx, int64_t lo, int64_t hi, int64_t n, const int mode,
    const float *weights, int64_t padding_idx, int64_t c0, const int NV, int64_t w,
    float denom, float *CEMBED_RESTRICT out)
{
    const int rowwise = kind == CEMBED_COMPACT_INT8 || kind == CEMBED_COMPACT_INT4;
    const int split = rowwise && mode != CEMBED_BAG_MAX; /* biases summed apart */
#ifdef VW
    FN(vf) acc[CHUNK / VW];
    for (int k = 0; k < NV; k++)
        acc[k] = V_ZERO();
#endif
    float tail[CHUNK];
    const int64_t t0 = c0 + (int64_t)NV * VW_OR_1, tw = w - (int64_t)NV * VW_OR_1;
    for (int64_t j = 0; j < tw; j++)
        tail[j] = 0;
    float bsum = 0;
    int first = 1;
    const int64_t ahead = AHEAD(row_bytes);
    for (int64_t p = lo; p < hi; p++) {
        if (c0 == 0 && p + ahead < n)
            FN(prefetch_row)(data + idx[p + ahead] * ld, row_bytes);
        if (idx[p] == padding_idx)
            continue;
        const uint8_t *row = data + idx[p] * ld;
        float scale = 0, bias = 0;
        FN(scale_bias)(kind, row, dim, &scale, &bias);
        const float wt = weights ? weights[p] : 1.0f;
        if (split) {
            if (weights) {
                scale = wt * scale;
                bias = wt * bias;
            }
            bsum += bias;
        }
#ifdef VW
        const FN(vf) vs = V_SET1(scale), vb = V_SET1(bias), vw = V_SET1(wt);
        for (int k = 0; k < NV; k++) {
            if (split) {
                acc[k] = V_FMA(FN(codes_vec)(kind, row, c0 + k * VW), vs, acc[k]);
                continue;
            }
            const FN(vf) x = FN(decode)(kind, row, c0 + k * VW, vs, vb);
            if (mode == CEMBED_BAG_MAX)
                acc[k] = first ? x : V_MAX(x, acc[k]);
            else if (weights)
                acc[k] = V_ADD(acc[k], V_MUL(vw, x));
            else
                acc[k] = V_ADD(acc[k], x);
        }
#endif
        if (split)
            FN(fma_codes)(kind, row, t0, tw, scale, tail);
        for (int64_t j = 0; j < tw && !split; j++) {
            const float x = FN(decode1)(kind, row, t0 + j, scale, bias);
            if (mode == CEMBED_BAG_MAX)
                tail[j] = first || x > tail[j] ? x : tail[j];
            else if (weights)
                tail[j] += wt * x;
            else
                tail[j] += x;
        }
        first = 0;
    }
#ifdef VW
    const FN(vf) vd = V_SET1(denom), vbs = V_SET1(bsum);
    for (int k = 0; k < NV; k++) {
        FN(vf) v = acc[k];
#if VW == 16
        if (split && kind == CEMBED_COMPACT_INT4)
            v = _mm512_permutexvar_ps(UNPERM, v);
#endif
        if (split)
            v = V_ADD(v, vbs);
        V_STORE(out + c0 + k * VW, denom != 1 ? V_DIV(v, vd) : v);
    }
#endif
    for (int64_t j = 0; j < tw; j++) {
        const float v = split ? tail[j] + bsum : tail[j];
        out[t0 + j] = denom != 1 ? v / denom : v;
    }
}

#ifdef VW
/* INT4 codes [c, c + 2 VW) of a row (c a multiple of 2 VW) as two vectors
 * from one load of VW bytes: the low nibbles (columns c, c + 2, ...) and
 * the high ones (c + 1, c + 3, ...). A sum pools them so and interleaves
 * them once per bag (FN(interleave)). */
static inline __attribute__((always_inline)) void FN(nibble_pair)(const uint8_t *row, int64_t c,
                                                                  FN(vf) *lo, FN(vf) *hi)
{
#if VW == 16
    const __m512i x = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(row + c / 2)));
    *lo = _mm512_cvtepi32_ps(_mm512_and_si512(x, _mm512_set1_epi32(15)));
    *hi = _mm512_cvtepi32_ps(_mm512_srli_epi32(x, 4));
#else
    const __m256i x = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(row + c / 2)));
    *lo = _mm256_cvtepi32_ps(_mm256_and_si256(x, _mm256_set1_epi32(15)));
    *hi = _mm256_cvtepi32_ps(_mm256_srli_epi32(x, 4));
#endif
}

/* The columns of nibble_pair's two vectors back in order: *a the first
 * VW, *b the next VW. */
static inline __attribute__((always_inline)) void FN(interleave)(FN(vf) *a, FN(vf) *b)
{
#if VW == 16
    const __m512 lo = *a, hi = *b;
    *a = _mm512_permutex2var_ps(
        lo, _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23), hi);
    *b = _mm512_permutex2var_ps(
        lo, _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31), hi);
#else
    const __m256 x = _mm256_unpacklo_ps(*a, *b), y = _mm256_unpackhi_ps(*a, *b);
    *a = _mm256_permute2f128_ps(x, y, 0x20);
    *b = _mm256_permute2f128_ps(x, y, 0x31);
#endif
}

/* Adds one row-wise row to the accumulators: acc = fma(code, s, acc),
 * column by column (INT4 with NV even: in nibble_pair's order). */
static inline __attribute__((always_inline)) void FN(add_codes)(const int kind, const int NV,
                                                                const uint8_t *row, float s,
                                                                FN(vf) *acc)
{
    const FN(vf) vs = V_SET1(s);
    if (kind == CEMBED_COMPACT_INT4 && NV % 2 == 0) {
        for (int k = 0; k < NV; k += 2) {
            FN(vf) lo, hi;
            FN(nibble_pair)(row, k * VW, &lo, &hi);
            acc[k] = V_FMA(lo, vs, acc[k]);
            acc[k + 1] = V_FMA(hi, vs, acc[k + 1]);
        }
        return;
    }
    for (int k = 0; k < NV; k++)
        acc[k] = V_FMA(FN(codes_vec)(kind, row, k * VW), vs, acc[k]);
}

/* Position p of a row-wise sum: its row's codes into acc (times the
 * scale, times weights[p] when weighted) and its bias into *bsum. */
static inline __attribute__((always_inline)) void FN(add_row)(
    const int kind, const int NV, const uint8_t *data, int64_t ld, const int64_t *idx, int64_t p,
    const float *weights, const int PAD, int64_t padding_idx, float *bsum, FN(vf) *acc)
{
    if (PAD && idx[p] == padding_idx)
        return;
    const uint8_t *row = data + idx[p] * ld;
    float scale, bias;
    FN(scale_bias)(kind, row, (int64_t)NV * VW, &scale, &bias);
    if (weights) {
        scale = weights[p] * scale;
        bias = weights[p] * bias;
    }
    *bsum += bias;
    FN(add_codes)(kind, NV, row, scale, acc);
}

/* pool's row-wise sum when the bag's columns are NV whole vectors (D = 16,
 * 32, 64 ... up to CHUNK): the same operations in the same order, with the
 * least work a row. The width is a constant, so the row's size, the place
 * of its scale and bias and the lines to prefetch are too; the rows
 * `ahead` on are prefetched by a first loop, the last `ahead` rows of the
 * range by none; PAD 0 (no padding row) drops the test. A row's lines are
 * prefetched at its start, every 64 bytes on while more than 8 bytes
 * remain, and at its last byte: every line it touches when rows start at
 * multiples of 8 bytes (quantize's do), one prefetch less a row than a
 * line every 64 bytes for the int8 rows of 72 and 136 bytes, whose byte 64
 * (128) shares the last byte's line (AVX2, Zipf int8, one thread, CPU
 * time, alternated: 1.00-1.18 -> 0.93-1.00 ms). */
static inline __attribute__((always_inline)) void FN(pool_rowwise)(
    const int kind, const uint8_t *data, int64_t ld, const int64_t *idx, int64_t lo, int64_t hi,
    int64_t n, const float *weights, const int PAD, int64_t padding_idx, const int NV,
    float denom, float *CEMBED_RESTRICT out)
{
    const int64_t dim = (int64_t)NV * VW, row_bytes = packed_row_bytes(kind, dim);
    const int64_t ahead = AHEAD(row_bytes);
    FN(vf) acc[CHUNK / VW];
    for (int k = 0; k < NV; k++)
        acc[k] = V_ZERO();
    float bsum = 0;
    /* positions [lo, mid) prefetch the row ahead; [mid, hi) have none */
    const int64_t mid = n - ahead < lo ? lo : n - ahead < hi ? n - ahead : hi;
    for (int64_t p = lo; p < mid; p++) {
        const uint8_t *next = data + idx[p + ahead] * ld;
        for (int64_t o = 0; o < row_bytes - 8; o += 64)
            CEMBED_PREFETCH_L2(next + o);
        CEMBED_PREFETCH_L2(next + row_bytes - 1);
        const uint8_t *soon = data + idx[p + NEAR] * ld; /* p + NEAR < p + ahead < n */
        for (int64_t o = 0; o < row_bytes - 8; o += 64)
            CEMBED_PREFETCH(soon + o);
        CEMBED_PREFETCH(soon + row_bytes - 1);
        FN(add_row)(kind, NV, data, ld, idx, p, weights, PAD, padding_idx, &bsum, acc);
    }
    for (int64_t p = mid; p < hi; p++)
        FN(add_row)(kind, NV, data, ld, idx, p, weights, PAD, padding_idx, &bsum, acc);
    if (kind == CEMBED_COMPACT_INT4 && NV % 2 == 0)
        for (int k = 0; k < NV; k += 2)
            FN(interleave)(&acc[k], &acc[k + 1]);
    const FN(vf) vd = V_SET1(denom), vbs = V_SET1(bsum);
    for (int k = 0; k < NV; k++) {
        FN(vf) v = acc[k];
#if VW == 16
        if (kind == CEMBED_COMPACT_INT4 && NV % 2)
            v = _mm512_permutexvar_ps(UNPERM, v);
#endif
        v = V_ADD(v, vbs);
        V_STORE(out + k * VW, denom != 1 ? V_DIV(v, vd) : v);
    }
}

/* pool_rowwise for each row kind, vector count, weights or not and
 * padding row or not, each its own function (not inlined into the bag
 * loop: its few pointers then stay in registers). */
typedef void (*FN(rowwise_fn))(const uint8_t *data, int64_t ld, const int64_t *idx, int64_t lo,
                               int64_t hi, int64_t n, const float *weights,
                               int64_t padding_idx, float denom, float *out);
#define ROWWISE(KIND, NV, W, PAD)                                                             \
    static __attribute__((noinline)) void FN(rowwise_##KIND##_##NV##_##W##_##PAD)(            \
        const uint8_t *data, int64_t ld, const int64_t *idx, int64_t lo, int64_t hi,          \
        int64_t n, const float *weights, int64_t padding_idx, float denom, float *out)        \
    {                                                                                         \
        (void)weights;                                                                        \
        (void)padding_idx;                                                                    \
        FN(pool_rowwise)(CEMBED_COMPACT_##KIND, data, ld, idx, lo, hi, n, W ? weights : NULL, \
                         PAD, PAD ? padding_idx : -1, NV, denom, out);                        \
    }
#define ROWWISE_NV(KIND, NV)                                                                  \
    ROWWISE(KIND, NV, 0, 0) ROWWISE(KIND, NV, 0, 1) ROWWISE(KIND, NV, 1, 0) ROWWISE(KIND, NV, 1, 1)
#define ROWWISE_KIND(KIND)                                                                    \
    ROWWISE_NV(KIND, 1) ROWWISE_NV(KIND, 2) ROWWISE_NV(KIND, 4) ROWWISE_NV(KIND, 8)
ROWWISE_KIND(INT8)
ROWWISE_KIND(INT4)
#define ROWWISE_ROW(KIND, NV)                                                                 \
    {{FN(rowwise_##KIND##_##NV##_0_0), FN(rowwise_##KIND##_##NV##_0_1)},                      \
     {FN(rowwise_##KIND##_##NV##_1_0), FN(rowwise_##KIND##_##NV##_1_1)}}
#define ROWWISE_TABLE(KIND)                                                                   \
    {ROWWISE_ROW(KIND, 1), ROWWISE_ROW(KIND, 2), ROWWISE_ROW(KIND, 4), ROWWISE_ROW(KIND, 8)}
/* [INT4][log2 NV][weighted][padding row] */
static const FN(rowwise_fn) FN(rowwise)[2][4][2][2] = {ROWWISE_TABLE(INT8), ROWWISE_TABLE(INT4)};
#undef ROWWISE
#undef ROWWISE_NV
#undef ROWWISE_KIND
#undef ROWWISE_ROW
#undef ROWWISE_TABLE
#endif

/* One instance of pool per vector count, so that the accumulators stay in
 * registers; the mode and weights tested once per call, not per row. */
static inline __attribute__((always_inline)) void FN(pool_any)(
    const int kind, const uint8_t *data, int64_t ld, int64_t dim, int64_t row_bytes,
    const int64_t *idx, int64_t lo, int64_t hi, int64_t n, int mode, const float *weights,
    int64_t padding_idx, int64_t c0, int64_t w, float denom, float *out)
{
    const int nv = (int)(w / VW_OR_1);
#ifdef VW
    if ((kind == CEMBED_COMPACT_INT8 || kind == CEMBED_COMPACT_INT4) && mode != CEMBED_BAG_MAX
        && w == dim && nv * VW == dim) {
        const int v = nv == 1 ? 0 : nv == 2 ? 1 : nv == 4 ? 2 : nv == 8 ? 3 : -1;
        if (v >= 0) {
            FN(rowwise)[kind == CEMBED_COMPACT_INT4][v][weights != NULL][padding_idx >= 0](
                data, ld, idx, lo, hi, n, weights, padding_idx, denom, out);
            return;
        }
    }
#endif
#define POOL_MODE(NV)                                                                         \
    if (mode == CEMBED_BAG_MAX)                                                               \
        FN(pool)(kind, data, ld, dim, row_bytes, idx, lo, hi, n, CEMBED_BAG_MAX, NULL,        \
                 padding_idx, c0, NV, w, denom, out);                                         \
    else if (weights)                                                                         \
        FN(pool)(kind, data, ld, dim, row_bytes, idx, lo, hi, n, CEMBED_BAG_SUM, weights,     \
                 padding_idx, c0, NV, w, denom, out);                                         \
    else                                                                                      \
        FN(pool)(kind, data, ld, dim, row_bytes, idx, lo, hi, n, CEMBED_BAG_SUM, NULL,        \
                 padding_idx, c0, NV, w, denom, out);
#ifdef VW
    switch (nv) {
    case 0:
        POOL_MODE(0) break;
    case 1:
        POOL_MODE(1) break;
    case 2:
        POOL_MODE(2) break;
    case 3:
        POOL_MODE(3) break;
    case 4:
        POOL_MODE(4) break;
    case 5:
        POOL_MODE(5) break;
    case 6:
        POOL_MODE(6) break;
    case 7:
        POOL_MODE(7) break;
    case 8:
        POOL_MODE(8) break;
    }
#else
    (void)nv;
    POOL_MODE(0)
#endif
#undef POOL_MODE
}

static inline __attribute__((always_inline)) void FN(bag_kind)(
    const int kind, const uint8_t *data, int64_t ld, int64_t dim, const int64_t *idx,
    const int64_t *offsets, int64_t b0, int64_t b1, int mode, const float *weights,
    int64_t padding_idx, float *out)
{
    const int64_t n = offsets[b1], row_bytes = packed_row_bytes(kind, dim);
    const int scaled = mode == CEMBED_BAG_MEAN || mode == CEMBED_BAG_SQRTN;
    /* the range's first rows, which no earlier position prefetched */
    for (int64_t p = offsets[b0], e = p + AHEAD(row_bytes) < n ? p + AHEAD(row_bytes) : n; p < e;
         p++)
        FN(prefetch_row)(data + idx[p] * ld, row_bytes);
    for (int64_t b = b0; b < b1; b++) {
        const int64_t lo = offsets[b], hi = offsets[b + 1];
        float *o = out + b * dim;
        float denom = 1;
        if (scaled) {
            int64_t count;
            denom = bag_denominator_f32(idx, lo, hi, mode, weights, padding_idx, &count);
            if (count == 0 || denom == 0) {
                memset(o, 0, (size_t)dim * sizeof(float));
                continue;
            }
        }
        for (int64_t c0 = 0; c0 < dim; c0 += CHUNK) {
            const int64_t w = dim - c0 < CHUNK ? dim - c0 : CHUNK;
            FN(pool_any)(kind, data, ld, dim, row_bytes, idx, lo, hi, n, mode, weights,
                         padding_idx, c0, w, denom, o);
        }
    }
}

static void FN(bag_range)(int kind, const uint8_t *data, int64_t ld, int64_t dim,
                          const int64_t *idx, const int64_t *offsets, int64_t b0, int64_t b1,
                          int mode, const float *weights, int64_t padding_idx, float *out)
{
    switch (kind) {
    case CEMBED_COMPACT_F16:
        FN(bag_kind)(CEMBED_COMPACT_F16, data, ld, dim, idx, offsets, b0, b1, mode, weights,
                     padding_idx, out);
        break;
    case CEMBED_COMPACT_BF16:
        FN(bag_kind)(CEMBED_COMPACT_BF16, data, ld, dim, idx, offsets, b0, b1, mode, weights,
                     padding_idx, out);
        break;
    case CEMBED_COMPACT_INT8:
        FN(bag_kind)(CEMBED_COMPACT_INT8, data, ld, dim, idx, offsets, b0, b1, mode, weights,
                     padding_idx, out);
        break;
    default:
        FN(bag_kind)(CEMBED_COMPACT_INT4, data, ld, dim, idx, offsets, b0, b1, mode, weights,
                     padding_idx, out);
    }
}

/* Rows [lo, hi) of the output: out[i, :] = row idx[i] (row i when idx is
 * NULL), dequantized. */
static inline __attribute__((always_inline)) void FN(gather_kind)(
    const int kind, const uint8_t *data, int64_t ld, int64_t dim, const int64_t *idx,
    int64_t lo, int64_t hi, float *out)
{
    const int64_t row_bytes = packed_row_bytes(kind, dim);
    for (int64_t i = lo; i < hi; i++) {
        if (idx && i + AHEAD(row_bytes) < hi)
            FN(prefetch_row)(data + idx[i + AHEAD(row_bytes)] * ld, row_bytes);
        const uint8_t *row = data + (idx ? idx[i] : i) * ld;
        float *o = out + i * dim;
        float scale = 0, bias = 0;
        FN(scale_bias)(kind, row, dim, &scale, &bias);
        int64_t c = 0;
#ifdef VW
        const FN(vf) vs = V_SET1(scale), vb = V_SET1(bias);
        for (; c + VW <= dim; c += VW)
            V_STORE(o + c, FN(decode)(kind, row, c, vs, vb));
#endif
        for (; c < dim; c++)
            o[c] = FN(decode1)(kind, row, c, scale, bias);
    }
}

static void FN(gather_range)(int kind, const uint8_t *data, int64_t ld, int64_t dim,
                             const int64_t *idx, int64_t lo, int64_t hi, float *out)
{
    switch (kind) {
    case CEMBED_COMPACT_F16:
        FN(gather_kind)(CEMBED_COMPACT_F16, data, ld, dim, idx, lo, hi, out);
        break;
    case CEMBED_COMPACT_BF16:
        FN(gather_kind)(CEMBED_COMPACT_BF16, data, ld, dim, idx, lo, hi, out);
        break;
    case CEMBED_COMPACT_INT8:
        FN(gather_kind)(CEMBED_COMPACT_INT8, data, ld, dim, idx, lo, hi, out);
        break;
    default:
        FN(gather_kind)(CEMBED_COMPACT_INT4, data, ld, dim, idx, lo, hi, out);
    }
}

/* ---- quantizing ------------------------------------------------------- */

/* The row's smallest and largest value; 0 when some value is inf or NaN
 * (tested on the bits: an exponent of all ones), else 1. */
static int FN(min_max)(const float *x, int64_t dim, float *lo, float *hi)
{
    float a = x[0], b = x[0];
    uint32_t special = 0;
    int64_t j = 0;
#ifdef VW
    if (dim >= VW) {
#if VW == 16
        __m512 va = _mm512_loadu_ps(x), vb = va;
        __m512i vs = _mm512_setzero_si512();
        const __m512i expo = _mm512_set1_epi32(0x7F800000);
        for (; j + VW <= dim; j += VW) {
            const __m512 v = _mm512_loadu_ps(x + j);
            va = _mm512_min_ps(v, va);
            vb = _mm512_max_ps(v, vb);
            const __m512i e = _mm512_and_si512(_mm512_castps_si512(v), expo);
            vs = _mm512_or_si512(vs, _mm512_maskz_mov_epi32(_mm512_cmpeq_epi32_mask(e, expo),
                                                            expo));
        }
        a = _mm512_reduce_min_ps(va);
        b = _mm512_reduce_max_ps(vb);
        special = (uint32_t)_mm512_reduce_or_epi32(vs);
#else
        __m256 va = _mm256_loadu_ps(x), vb = va;
        __m256i vs = _mm256_setzero_si256();
        const __m256i expo = _mm256_set1_epi32(0x7F800000);
        for (; j + VW <= dim; j += VW) {
            const __m256 v = _mm256_loadu_ps(x + j);
            va = _mm256_min_ps(v, va);
            vb = _mm256_max_ps(v, vb);
            const __m256i e = _mm256_and_si256(_mm256_castps_si256(v), expo);
            vs = _mm256_or_si256(vs, _mm256_cmpeq_epi32(e, expo));
        }
        float ta[8], tb[8];
        _mm256_storeu_ps(ta, va);
        _mm256_storeu_ps(tb, vb);
        for (int k = 0; k < 8; k++) {
            a = ta[k] < a ? ta[k] : a;
            b = tb[k] > b ? tb[k] : b;
        }
        special = (uint32_t)!_mm256_testz_si256(vs, vs);
#endif
    }
#endif
    for (; j < dim; j++) {
        a = x[j] < a ? x[j] : a;
        b = x[j] > b ? x[j] : b;
        special |= (f32_bits(x[j]) & 0x7F800000u) == 0x7F800000u;
    }
    *lo = a;
    *hi = b;
    return special == 0;
}

/* Whether the row quantizes to finite values: no inf or NaN, nothing
 * beyond float16's range (F16; INT4's bias and scale), bfloat16's (BF16),
 * or a range that overflows float32 (INT8). The row's smallest and
 * largest value go to mm[0], mm[1] when mm is not NULL (0 for dim 0). */
static int FN(row_ok)(int kind, const float *x, int64_t dim, float *mm)
{
    float lo = 0, hi = 0;
    const int finite = dim == 0 || FN(min_max)(x, dim, &lo, &hi);
    if (mm) {
        mm[0] = lo;
        mm[1] = hi;
    }
    if (dim == 0)
        return 1;
    if (!finite)
        return 0;
    switch (kind) {
    case CEMBED_COMPACT_F16:
        return fabsf(lo) < 65520.0f && fabsf(hi) < 65520.0f;
    case CEMBED_COMPACT_BF16:
        return f32_bits(fabsf(lo)) < 0x7F7F8000u && f32_bits(fabsf(hi)) < 0x7F7F8000u;
    case CEMBED_COMPACT_INT8:
        return isfinite(hi - lo);
    default: {
        const uint16_t bias = float_to_half(lo);
        if ((bias & 0x7C00) == 0x7C00)
            return 0;
        const float range = hi - half_to_float(bias);
        return isfinite(range) && (float_to_half(range / 15.0f) & 0x7C00) != 0x7C00;
    }
    }
}

/* codes[j] = clamp(round_even((x[j] - lo) * inverse), 0, top), as
 * FBGEMM's lrintf; for nibbles (top = 15) two a byte, low first. */
static inline __attribute__((always_inline)) void FN(codes)(const float *x, int64_t dim,
                                                           float lo, float inverse,
                                                           const int nibbles, uint8_t *out)
{
    int64_t j = 0;
#ifdef VW
    const FN(vf) vlo = V_SET1(lo), vinv = V_SET1(inverse);
#if VW == 16
    const __m512i top = _mm512_set1_epi32(nibbles ? 15 : 255), zero = _mm512_setzero_si512();
    for (; j + VW <= dim; j += VW) {
        __m512i q = _mm512_cvtps_epi32(V_MUL(_mm512_sub_ps(_mm512_loadu_ps(x + j), vlo), vinv));
        q = _mm512_min_epi32(_mm512_max_epi32(q, zero), top);
        const __m128i b = _mm512_cvtepi32_epi8(q);
        if (nibbles) {
            const __m128i t = _mm_and_si128(_mm_or_si128(b, _mm_srli_epi16(b, 4)),
                                            _mm_set1_epi16(0xFF));
            _mm_storel_epi64((__m128i *)(out + j / 2), _mm_packus_epi16(t, t));
        } else {
            _mm_storeu_si128((__m128i *)(out + j), b);
        }
    }
#else
    const __m256i top = _mm256_set1_epi32(nibbles ? 15 : 255), zero = _mm256_setzero_si256();
    for (; j + VW <= dim; j += VW) {
        __m256i q = _mm256_cvtps_epi32(V_MUL(_mm256_sub_ps(_mm256_loadu_ps(x + j), vlo), vinv));
        q = _mm256_min_epi32(_mm256_max_epi32(q, zero), top);
        /* 8 int32 to 8 bytes: two saturating packs, then the two halves */
        __m128i b = _mm_packus_epi16(_mm_packus_epi32(_mm256_castsi256_si128(q),
                                                      _mm256_extracti128_si256(q, 1)),
                                     _mm_setzero_si128());
        if (nibbles) {
            const __m128i t = _mm_and_si128(_mm_or_si128(b, _mm_srli_epi16(b, 4)),
                                            _mm_set1_epi16(0xFF));
            const int32_t four = _mm_cvtsi128_si32(_mm_packus_epi16(t, t));
            memcpy(out + j / 2, &four, 4);
        } else {
            _mm_storel_epi64((__m128i *)(out + j), b);
        }
    }
#endif
#endif
    if (nibbles && (j < dim))
        memset(out + j / 2, 0, (size_t)((dim + 1) / 2 - j / 2));
    for (; j < dim; j++) {
        long q = lrintf((x[j] - lo) * inverse);
        q = q < 0 ? 0 : q > (nibbles ? 15 : 255) ? (nibbles ? 15 : 255) : q;
        if (nibbles)
            out[j >> 1] |= (uint8_t)(q << ((j & 1) * 4));
        else
            out[j] = (uint8_t)q;
    }
}

/* Packs the row x into out; mm its smallest and largest value as row_ok
 * gave them, or NULL to find them again. */
static void FN(quantize_row)(int kind, const float *x, int64_t dim, const float *mm,
                             uint8_t *out)
{
    if (kind == CEMBED_COMPACT_F16) {
        int64_t j = 0;
#if defined(VW) && VW == 16
        for (; j + VW <= dim; j += VW)
            _mm256_storeu_si256((__m256i *)(out + 2 * j),
                                _mm512_cvtps_ph(_mm512_loadu_ps(x + j), _MM_FROUND_TO_NEAREST_INT));
#elif defined(VW)
        for (; j + VW <= dim; j += VW)
            _mm_storeu_si128((__m128i *)(out + 2 * j),
                             _mm256_cvtps_ph(_mm256_loadu_ps(x + j), _MM_FROUND_TO_NEAREST_INT));
#endif
        for (; j < dim; j++) {
            const uint16_t h = float_to_half(x[j]);
            memcpy(out + 2 * j, &h, 2);
        }
        return;
    }
    if (kind == CEMBED_COMPACT_BF16) {
        /* the rows are finite (checked): round to nearest even on the bits,
         * a loop the compiler vectorizes */
        for (int64_t j = 0; j < dim; j++) {
            const uint32_t b = f32_bits(x[j]);
            const uint16_t h = (uint16_t)((b + 0x7FFF + ((b >> 16) & 1)) >> 16);
            memcpy(out + 2 * j, &h, 2);
        }
        return;
    }
    float lo = 0, hi = 0;
    if (mm) {
        lo = mm[0];
        hi = mm[1];
    } else if (dim > 0) {
        FN(min_max)(x, dim, &lo, &hi);
    }
    if (kind == CEMBED_COMPACT_INT8) {
        const float range = hi - lo, scale = range / 255.0f;
        FN(codes)(x, dim, lo, 255.0f / (range + INT8_EPSILON), 0, out);
        memcpy(out + dim, &scale, 4);
        memcpy(out + dim + 4, &lo, 4);
        return;
    }
    /* INT4, as FloatOrHalfToFusedNBitRowwiseQuantizedSBHalf */
    const uint16_t bias = float_to_half(lo);
    lo = half_to_float(bias);
    const float range = hi - lo;
    float scale = half_to_float(float_to_half(range == 0 ? 1.0f : range / 15.0f));
    if (scale == 0)
        scale = 1.0f;
    float inverse = 1.0f / scale;
    if (isinf(inverse)) {
        scale = 1.0f;
        inverse = 1.0f;
    }
    FN(codes)(x, dim, lo, inverse, 1, out);
    const uint16_t sb[2] = {float_to_half(scale), bias};
    memcpy(out + (dim + 1) / 2, sb, 4);
}

static const compact_kernels FN(kernels) = {FN(bag_range), FN(gather_range), FN(row_ok),
                                            FN(quantize_row)};

#undef VW
#undef VW_OR_1
#undef S_FMA
#undef V_ZERO
#undef V_SET1
#undef V_ADD
#undef V_MUL
#undef V_FMA
#undef V_DIV
#undef V_MAX
#undef V_STORE
#undef CHUNK
#undef AHEAD
#ifdef UNPERM
#undef UNPERM
#undef NIBBLE_SHIFTS
#endif
#undef FN
#undef CAT
#undef CAT_
