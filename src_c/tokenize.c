/*
 * tokenize.c - the default analyzer of Keras' Tokenizer over UTF-8 text:
 * split texts into tokens, then count them into a vocabulary (vocab.c),
 * or map each to a number (its vocabulary entry or value, or its hash: the
 * hashing trick) into per-text lists or into a padded array.
 *
 * The caller lowercases non-ASCII text beforehand (Python's str.lower is
 * the reference for Unicode case mapping); for ASCII text the tokenizer
 * lowercases A-Z itself. Texts are independent: the functions that map
 * them run on several threads, each text's numbers written by one thread,
 * so the output is the same for any number of threads.
 */
#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "cembed.h"
#include "isa.h"
#include "parallel.h"
#include "sequence.h"
#include "vocab.h"

/* ---- growable int64 vector -------------------------------------------- */

void cembed_i64vec_free(cembed_i64vec *v)
{
    free(v->data);
    v->data = NULL;
    v->size = v->capacity = 0;
}

/* ---- the scan ------------------------------------------------------------ */

/* The scan's per-token steps are worth inlining into each loop that uses
 * them (gcc otherwise keeps next_raw_token out of line). */
#if defined(__GNUC__) || defined(__clang__)
#define SCAN_INLINE static inline __attribute__((always_inline))
#define LOWEST_SET_BIT(x) __builtin_ctz(x)
#else
#define SCAN_INLINE static inline
static inline int lowest_set_bit(unsigned x)
{
    int i = 0;
    while (!(x & 1u)) {
        x >>= 1;
        i++;
    }
    return i;
}
#define LOWEST_SET_BIT(x) lowest_set_bit(x)
#endif

/* Byte classes of a scan: what a byte (already lowercased when the text
 * is) starts. */
enum { BYTE_WORD = 0, BYTE_DELIM = 1, BYTE_WIDE = 2 };

/* The padded copy of a text (see prepare_text) has this many bytes after
 * the text, so that a token's last 8-byte word may be read whole. */
#define SCAN_PAD 64
#define SCAN_MAX_RANGES 8

typedef struct {
    const cembed_analyzer *a;
    uint8_t cls[256];
    /* nibble tables of the delimiters: byte b < 0x80 is one when
     * nib_lo[b & 15] & nib_hi[b >> 4] is not 0 (nib_hi is 0 from 8 on) */
    uint8_t nib_lo[16], nib_hi[16];
    /* the delimiters as ranges of bytes [range_lo[i], range_lo[i] +
     * range_span[i]] (the baseline's SSE2 classes; more than
     * SCAN_MAX_RANGES: the byte table) */
    int num_ranges;
    uint8_t range_lo[8], range_span[8];
    uint8_t *low; /* the padded (and lowercased) copy of the current text */
    int64_t low_cap;
    uint64_t *bits; /* its delimiter bitmap */
    int64_t bits_cap;
} scan_ctx;

static void scan_ctx_init(scan_ctx *c, const cembed_analyzer *a)
{
    c->a = a;
    c->low = NULL;
    c->low_cap = 0;
    c->bits = NULL;
    c->bits_cap = 0;
    memset(c->nib_lo, 0, sizeof c->nib_lo);
    memset(c->nib_hi, 0, sizeof c->nib_hi);
    for (int h = 0; h < 8; h++)
        c->nib_hi[h] = (uint8_t)(1u << h);
    for (int b = 0; b < 0x80; b++)
        if (a->ascii_delims[b])
            c->nib_lo[b & 15] |= (uint8_t)(1u << (b >> 4));
    c->num_ranges = 0;
    for (int b = 0; b < 0x80; b++) {
        if (!a->ascii_delims[b] || (b > 0 && a->ascii_delims[b - 1]))
            continue;
        int e = b;
        while (e + 1 < 0x80 && a->ascii_delims[e + 1])
            e++;
        if (c->num_ranges < SCAN_MAX_RANGES) {
            c->range_lo[c->num_ranges] = (uint8_t)b;
            c->range_span[c->num_ranges] = (uint8_t)(e - b);
        }
        c->num_ranges++;
    }
    for (int b = 0; b < 256; b++) {
        uint8_t k;
        if (b < 0x80)
            k = a->ascii_delims[b] ? BYTE_DELIM : BYTE_WORD;
        else
            k = a->num_wide_delims ? BYTE_WIDE : BYTE_WORD;
        c->cls[b] = k;
    }
}

static void scan_ctx_free(scan_ctx *c)
{
    free(c->low);
    free(c->bits);
}

static inline int64_t utf8_seq_len(uint8_t b)
{
    if (b < 0x80)
        return 1;
    if (b < 0xE0)
        return 2;
    if (b < 0xF0)
        return 3;
    return 4;
}

static inline uint32_t utf8_decode(const uint8_t *s, int64_t n)
{
    switch (n) {
    case 2:
        return ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
    case 3:
        return ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    default:
        return ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12)
               | ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
    }
}

static int is_wide_delim(const cembed_analyzer *a, uint32_t cp)
{
    int64_t lo = 0, hi = a->num_wide_delims;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (a->wide_delims[mid] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < a->num_wide_delims && a->wide_delims[lo] == cp;
}

/* The character at p is a multi-byte one (BYTE_WIDE): *n gets its length,
 * and the result says whether it is a delimiter. */
static inline int wide_at(const cembed_analyzer *a, const uint8_t *p, const uint8_t *end,
                          int64_t *n)
{
    int64_t k = utf8_seq_len(*p);
    if (k > end - p)
        k = end - p;
    *n = k;
    return k >= 2 && is_wide_delim(a, utf8_decode(p, k));
}

typedef struct {
    const uint8_t *text, *end, *p;
    const uint8_t *cls;
} scanner;

/* Start a scan of the len bytes at text (already lowercased). */
static inline void scanner_init(scanner *s, scan_ctx *c, const uint8_t *text, int64_t len)
{
    s->cls = c->cls;
    s->text = s->p = text;
    s->end = s->text + len;
}

/* The next token, [*start, *start + *tlen) of the text, or 0 at the end. */
SCAN_INLINE int next_raw_token(scanner *s, const cembed_analyzer *a, const uint8_t **start,
                                 int64_t *tlen)
{
    const uint8_t *p = s->p, *end = s->end;
    const uint8_t *cls = s->cls;
    if (a->mode == CEMBED_SPLIT_DELIMS) {
        int64_t n;
        for (;;) { /* skip delimiters */
            if (p == end) {
                s->p = p;
                return 0;
            }
            uint8_t k = cls[*p];
            if (k == BYTE_DELIM)
                p++;
            else if (k == BYTE_WORD || !wide_at(a, p, end, &n))
                break;
            else
                p += n;
        }
        const uint8_t *t = p;
        while (p < end) {
            /* word bytes 8 at a time: their classes into a mask, with no
             * branch per byte (the byte loop's last test mispredicted) */
            while (end - p >= 8) {
                unsigned stop = 0;
                for (int i = 0; i < 8; i++)
                    stop |= (unsigned)(cls[p[i]] != BYTE_WORD) << i;
                if (stop) {
                    p += LOWEST_SET_BIT(stop);
                    break;
                }
                p += 8;
            }
            if (p == end)
                break;
            uint8_t k = cls[*p];
            if (k == BYTE_WORD)
                p++;
            else if (k == BYTE_DELIM || wide_at(a, p, end, &n))
                break;
            else
                p += n;
        }
        *start = t;
        *tlen = p - t;
        s->p = p;
        return 1;
    }
    if (a->mode == CEMBED_SPLIT_SEPARATOR) {
        const uint8_t *sep = (const uint8_t *)a->separator;
        int64_t m = a->separator_len;
        for (;;) {
            if (p >= end) {
                s->p = end;
                return 0;
            }
            /* the next occurrence of the separator at or after p */
            const uint8_t *q = p, *hit = end;
            while (end - q >= m) {
                const uint8_t *c = (const uint8_t *)memchr(q, sep[0], (size_t)(end - q - m + 1));
                if (!c)
                    break;
                if (memcmp(c, sep, (size_t)m) == 0) {
                    hit = c;
                    break;
                }
                q = c + 1;
            }
            const uint8_t *t = p;
            p = hit == end ? end : hit + m;
            if (hit > t) {
                *start = t;
                *tlen = hit - t;
                s->p = p;
                return 1;
            }
        }
    }
    /* CEMBED_SPLIT_CHARS */
    if (p >= end)
        return 0;
    int64_t n = utf8_seq_len(*p);
    if (n > end - p)
        n = end - p;
    *start = p;
    *tlen = n;
    s->p = p + n;
    return 1;
}

/* ---- the padded copy and its delimiter bitmap ----------------------------
 *
 * Each text is first copied into the worker's buffer, lowercased (A-Z)
 * when asked, with SCAN_PAD bytes after it; the same pass sets bit i % 64
 * of bits[i / 64] for each byte i that is an ASCII delimiter, and every
 * bit from the text's end on: len / 64 + 2 words, the last all ones. In
 * delimiter mode the tokens are then the runs of clear bits, found a word
 * at a time (unless wide delimiters are set and the text has a byte >=
 * 0x80: then the byte scanner splits the copy). The copy is read by whole
 * 8-byte words past a token's end, and never the caller's text past its
 * end. Returns the OR of the text's bytes (>= 0x80: not ASCII). */
typedef unsigned (*prepare_fn)(const scan_ctx *c, const uint8_t *src, int64_t len, int lower,
                               uint8_t *dst, uint64_t *bits);

/* The 64 bytes of a text from byte i: the text itself, or its last
 * len - i < 64 bytes copied into a zeroed block (never read past its end). */
static inline const uint8_t *block_at(const uint8_t *src, int64_t i, int64_t len, uint8_t *block)
{
    if (len - i >= 64)
        return src + i;
    memset(block, 0, 64);
    if (len > i)
        memcpy(block, src + i, (size_t)(len - i));
    return block;
}

/* Store bitmap word w; in the last block (rem = len - 64 w < 64) also set
 * every bit from the text's end on and the whole next word, and return 1. */
static inline int put_bits(uint64_t *bits, int64_t w, uint64_t m, int64_t rem)
{
    if (rem >= 64) {
        bits[w] = m;
        return 0;
    }
    bits[w] = m | (~0ull << rem);
    bits[w + 1] = ~0ull;
    return 1;
}

#ifdef CEMBED_HAVE_SSE2
/* The baseline on x86-64 (SSE2, no byte shuffle): a byte is a delimiter
 * when it lies in one of the ranges. */
static unsigned prepare_sse2(const scan_ctx *c, const uint8_t *src, int64_t len, int lower,
                             uint8_t *dst, uint64_t *bits)
{
    const int nr = c->num_ranges;
    __m128i lo[SCAN_MAX_RANGES], span[SCAN_MAX_RANGES];
    for (int r = 0; r < nr; r++) {
        lo[r] = _mm_set1_epi8((char)c->range_lo[r]);
        span[r] = _mm_set1_epi8((char)c->range_span[r]);
    }
    const __m128i big_a = _mm_set1_epi8('A'), z = _mm_set1_epi8(25);
    const __m128i up = _mm_set1_epi8(lower ? 0x20 : 0);
    __m128i any = _mm_setzero_si128();
    int64_t i = 0, w = 0;
    for (;; i += 64, w++) {
        const int64_t rem = len - i;
        uint8_t block[64];
        const uint8_t *in = block_at(src, i, len, block);
        uint64_t m = 0;
        for (int q = 0; q < 4; q++) {
            __m128i b = _mm_loadu_si128((const __m128i *)(in + 16 * q));
            any = _mm_or_si128(any, b);
            __m128i t = _mm_sub_epi8(b, big_a);
            __m128i is_up = _mm_cmpeq_epi8(_mm_min_epu8(t, z), t);
            b = _mm_add_epi8(b, _mm_and_si128(is_up, up));
            _mm_storeu_si128((__m128i *)(dst + i + 16 * q), b);
            __m128i d = _mm_setzero_si128();
            for (int r = 0; r < nr; r++) {
                __m128i u = _mm_sub_epi8(b, lo[r]);
                d = _mm_or_si128(d, _mm_cmpeq_epi8(_mm_min_epu8(u, span[r]), u));
            }
            m |= (uint64_t)(uint32_t)_mm_movemask_epi8(d) << (16 * q);
        }
        if (put_bits(bits, w, m, rem))
            break;
    }
    return _mm_movemask_epi8(any) ? 0x80u : 0u;
}
#endif

static unsigned prepare_baseline(const scan_ctx *c, const uint8_t *src, int64_t len, int lower,
                                 uint8_t *dst, uint64_t *bits)
{
#ifdef CEMBED_HAVE_SSE2
    if (c->num_ranges <= SCAN_MAX_RANGES)
        return prepare_sse2(c, src, len, lower, dst, bits);
#endif
    const uint8_t *cls = c->cls;
    const uint8_t up = lower ? 0x20 : 0;
    unsigned any = 0;
    int64_t i = 0, w = 0;
    for (;; i += 64, w++) {
        const int64_t rem = len - i;
        uint8_t block[64];
        const uint8_t *in = block_at(src, i, len, block);
        uint64_t m = 0;
        for (int k = 0; k < 64; k++) {
            uint8_t b = in[k];
            any |= b;
            b = (uint8_t)(b + ((uint8_t)(b - 'A') < 26 ? up : 0));
            dst[i + k] = b;
            m |= (uint64_t)(cls[b] == BYTE_DELIM) << k;
        }
        if (put_bits(bits, w, m, rem))
            return any;
    }
}

#ifdef CEMBED_X86_DISPATCH
CEMBED_TARGET_AVX2 static unsigned prepare_avx2(const scan_ctx *c, const uint8_t *src, int64_t len,
                                                int lower, uint8_t *dst, uint64_t *bits)
{
    const __m256i lo_t = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)c->nib_lo));
    const __m256i hi_t = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)c->nib_hi));
    const __m256i nib = _mm256_set1_epi8(0x0f), big_a = _mm256_set1_epi8('A');
    const __m256i z = _mm256_set1_epi8(25), up = _mm256_set1_epi8(lower ? 0x20 : 0);
    const __m256i zero = _mm256_setzero_si256();
    __m256i any = zero;
    int64_t i = 0, w = 0;
    for (;; i += 64, w++) {
        const int64_t rem = len - i;
        uint8_t block[64];
        const uint8_t *in = block_at(src, i, len, block);
        uint64_t m = 0;
        for (int h = 0; h < 2; h++) {
            __m256i b = _mm256_loadu_si256((const __m256i *)(in + 32 * h));
            any = _mm256_or_si256(any, b);
            __m256i t = _mm256_sub_epi8(b, big_a);
            __m256i is_up = _mm256_cmpeq_epi8(_mm256_min_epu8(t, z), t);
            b = _mm256_add_epi8(b, _mm256_and_si256(is_up, up));
            _mm256_storeu_si256((__m256i *)(dst + i + 32 * h), b);
            __m256i d = _mm256_and_si256(_mm256_shuffle_epi8(lo_t, _mm256_and_si256(b, nib)),
                                         _mm256_shuffle_epi8(hi_t, _mm256_and_si256(
                                                                       _mm256_srli_epi16(b, 4), nib)));
            uint32_t word = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(d, zero));
            m |= (uint64_t)word << (32 * h);
        }
        if (put_bits(bits, w, m, rem))
            break;
    }
    return (unsigned)_mm256_movemask_epi8(any) ? 0x80u : 0u;
}

CEMBED_TARGET_AVX512 static unsigned prepare_avx512(const scan_ctx *c, const uint8_t *src,
                                                    int64_t len, int lower, uint8_t *dst,
                                                    uint64_t *bits)
{
    const __m512i lo_t = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)c->nib_lo));
    const __m512i hi_t = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)c->nib_hi));
    const __m512i nib = _mm512_set1_epi8(0x0f), big_a = _mm512_set1_epi8('A');
    const __m512i n26 = _mm512_set1_epi8(26), up = _mm512_set1_epi8(0x20);
    const __mmask64 lower_k = lower ? ~(__mmask64)0 : 0;
    __mmask64 any = 0;
    int64_t i = 0, w = 0;
    for (;; i += 64, w++) {
        const int64_t rem = len - i;
        /* a masked load reads nothing past the text's end */
        const __mmask64 in = rem >= 64 ? ~(__mmask64)0 : rem > 0 ? ~(~0ull << rem) : 0;
        __m512i b = _mm512_maskz_loadu_epi8(in, src + i);
        any |= _mm512_movepi8_mask(b);
        __mmask64 is_up = _mm512_cmplt_epu8_mask(_mm512_sub_epi8(b, big_a), n26) & lower_k;
        b = _mm512_mask_add_epi8(b, is_up, b, up);
        _mm512_storeu_si512((void *)(dst + i), b);
        uint64_t m = _mm512_test_epi8_mask(
            _mm512_shuffle_epi8(lo_t, _mm512_and_si512(b, nib)),
            _mm512_shuffle_epi8(hi_t, _mm512_and_si512(_mm512_srli_epi16(b, 4), nib)));
        if (put_bits(bits, w, m, rem))
            break;
    }
    return any ? 0x80u : 0u;
}
#endif

static prepare_fn choose_prepare(void)
{
#ifdef CEMBED_X86_DISPATCH
    switch (cembed_isa()) {
    case CEMBED_ISA_AVX512:
        return prepare_avx512;
    case CEMBED_ISA_AVX2:
        return prepare_avx2;
    default:
        break;
    }
#endif
    return prepare_baseline;
}

/* ---- tokens --------------------------------------------------------------- */

/* Where the tokens of one text come from: the runs of clear bits of the
 * bitmap (front to back, or back to front), or the byte scanner. A run
 * starts at a clear bit after a set one (or at 0), and ends at a clear
 * bit before a set one; the starts and ends of the bitmap's word ws and
 * we not yet taken are kept as masks. */
typedef struct {
    const uint8_t *text;  /* the padded copy */
    const uint64_t *bits; /* NULL: the scanner */
    int64_t last_word;    /* the bitmap's last word that may have clear bits */
    int64_t ws, we;
    uint64_t ms, me;
    int backward;
    scanner s;
} token_source;

/* The first bytes of the runs of clear bits of word w, and their last. */
static inline uint64_t run_starts(const uint64_t *bits, int64_t w)
{
    return ~bits[w] & ((bits[w] << 1) | (w > 0 ? bits[w - 1] >> 63 : 1));
}

static inline uint64_t run_ends(const uint64_t *bits, int64_t w)
{
    return ~bits[w] & ((bits[w] >> 1) | (bits[w + 1] << 63));
}

/* Copy and mark a text (see prepare_fn) and start its tokens; backward
 * only for the bitmap (*backward is cleared when the scanner runs). */
static int token_source_init(token_source *ts, scan_ctx *c, prepare_fn prepare, const char *text,
                             int64_t len, int lower, int *backward)
{
    if (CEMBED_RESERVE(c->low, c->low_cap, len + SCAN_PAD, 4096) != CEMBED_OK
        || CEMBED_RESERVE(c->bits, c->bits_cap, len / 64 + 2, 64) != CEMBED_OK)
        return CEMBED_ERR_NOMEM;
    const unsigned any = prepare(c, (const uint8_t *)text, len, lower, c->low, c->bits);
    ts->text = c->low;
    if (c->a->mode == CEMBED_SPLIT_DELIMS && !(c->a->num_wide_delims && (any & 0x80))) {
        ts->bits = c->bits;
        ts->last_word = len / 64;
        ts->backward = *backward;
        ts->ws = ts->we = *backward ? ts->last_word : 0;
        ts->ms = run_starts(ts->bits, ts->ws);
        ts->me = run_ends(ts->bits, ts->we);
    } else {
        ts->bits = NULL;
        ts->backward = *backward = 0;
        scanner_init(&ts->s, c, c->low, len);
    }
    return CEMBED_OK;
}

#if defined(__GNUC__) || defined(__clang__)
#define LOWEST_SET_BIT64(x) __builtin_ctzll(x)
#define HIGHEST_SET_BIT64(x) (63 - __builtin_clzll(x))
#else
static inline int lowest_set_bit64(uint64_t x)
{
    int i = 0;
    while (!(x & 1u)) {
        x >>= 1;
        i++;
    }
    return i;
}
static inline int highest_set_bit64(uint64_t x)
{
    int i = 63;
    while (!(x >> 63)) {
        x <<= 1;
        i--;
    }
    return i;
}
#define LOWEST_SET_BIT64(x) lowest_set_bit64(x)
#define HIGHEST_SET_BIT64(x) highest_set_bit64(x)
#endif

/* The next token (in the source's direction) as [*start, *start + *tlen)
 * of the copy, or 0 when there is none. */
SCAN_INLINE int next_token(token_source *ts, const cembed_analyzer *a, const uint8_t **start,
                           int64_t *tlen)
{
    const uint64_t *bits = ts->bits;
    if (bits == NULL)
        return next_raw_token(&ts->s, a, start, tlen);
    int64_t t, e;
    if (!ts->backward) {
        while (ts->ms == 0) {
            if (ts->ws == ts->last_word)
                return 0;
            ts->ms = run_starts(bits, ++ts->ws);
        }
        t = (ts->ws << 6) + LOWEST_SET_BIT64(ts->ms);
        ts->ms &= ts->ms - 1;
        /* ends: every run has one, at the text's end at the latest */
        while (ts->me == 0)
            ts->me = run_ends(bits, ++ts->we);
        e = (ts->we << 6) + LOWEST_SET_BIT64(ts->me);
        ts->me &= ts->me - 1;
    } else {
        while (ts->me == 0) {
            if (ts->we == 0)
                return 0;
            ts->me = run_ends(bits, --ts->we);
        }
        int k = HIGHEST_SET_BIT64(ts->me);
        e = (ts->we << 6) + k;
        ts->me ^= 1ull << k;
        while (ts->ms == 0)
            ts->ms = run_starts(bits, --ts->ws);
        k = HIGHEST_SET_BIT64(ts->ms);
        t = (ts->ws << 6) + k;
        ts->ms ^= 1ull << k;
    }
    *start = ts->text + t;
    *tlen = e + 1 - t;
    return 1;
}

/* Tokens are looked up a batch at a time: hashing a batch and prefetching
 * its slots, then its entries, before the lookups overlaps the cache misses
 * of a vocabulary larger than the cache. */
#define TOKEN_BATCH 32

typedef struct {
    const uint8_t *p;
    int64_t len;
    uint64_t w0; /* its first 8 bytes, zero-filled */
    uint32_t hash;
} token_ref;

/* Up to TOKEN_BATCH next tokens of the scan, hashed, their slots
 * prefetched; returns how many. */
SCAN_INLINE int next_batch_slots(token_source *s, const cembed_analyzer *a, const cembed_vocab *v,
                                 token_ref *batch)
{
    int n = 0;
    while (n < TOKEN_BATCH && next_token(s, a, &batch[n].p, &batch[n].len)) {
        batch[n].w0 = cembed_first_word_padded(batch[n].p, batch[n].len);
        batch[n].hash = cembed_vocab_hash_padded(batch[n].p, batch[n].len, batch[n].w0);
        CEMBED_PREFETCH(&v->slots[(int64_t)batch[n].hash & v->mask]);
        n++;
    }
    return n;
}

/* The entries of a batch's slots prefetched. */
SCAN_INLINE void prefetch_entries(const cembed_vocab *v, const token_ref *batch, int n)
{
    for (int i = 0; i < n; i++) {
        uint64_t slot = v->slots[(int64_t)batch[i].hash & v->mask];
        if (slot != 0 && (uint32_t)(slot >> 32) == batch[i].hash)
            CEMBED_PREFETCH(&v->entries[(int64_t)(slot & 0xffffffffu) - 1]);
    }
}

/* Up to TOKEN_BATCH next tokens of the scan, hashed, their slots and
 * entries prefetched; returns how many. */
SCAN_INLINE int next_batch(token_source *s, const cembed_analyzer *a, const cembed_vocab *v,
                           token_ref *batch)
{
    int n = next_batch_slots(s, a, v, batch);
    prefetch_entries(v, batch, n);
    return n;
}

/* ---- counting ------------------------------------------------------------ */

int cembed_vocab_count_texts(cembed_vocab *v, const cembed_analyzer *a, const char *const *texts,
                             const int64_t *lens, const uint8_t *lower, int64_t n,
                             int64_t first_doc, int64_t *num_tokens)
{
    scan_ctx c;
    scan_ctx_init(&c, a);
    const prepare_fn prepare = choose_prepare();
    int st = CEMBED_OK;
    int64_t total = 0;
    token_ref batch[TOKEN_BATCH];
    for (int64_t d = 0; d < n && st == CEMBED_OK; d++) {
        token_source s;
        int backward = 0;
        st = token_source_init(&s, &c, prepare, texts[d], lens[d], lower ? lower[d] : 0,
                               &backward);
        const int64_t doc = first_doc + d;
        int nb = TOKEN_BATCH;
        while (st == CEMBED_OK && nb == TOKEN_BATCH) {
            nb = next_batch(&s, a, v, batch);
            for (int i = 0; i < nb; i++) {
                int64_t id;
                st = cembed_vocab_upsert(v, (const char *)batch[i].p, batch[i].len,
                                         batch[i].hash, 0, &id);
                if (st != CEMBED_OK)
                    break;
                cembed_vocab_count(v, id, doc);
            }
            total += nb;
        }
    }
    scan_ctx_free(&c);
    if (num_tokens)
        *num_tokens = total;
    return st;
}

/* ---- mapping tokens to numbers ----------------------------------------- */

/* What a token becomes: its vocabulary entry id or value (a token that is
 * absent, or whose value is >= limit when limit > 0, gives oov, or nothing
 * when has_oov is 0), or its hash % modulus + 1. */
typedef struct {
    const cembed_vocab *v; /* NULL: the hashing trick */
    int64_t limit;
    int emit_values;       /* the entry's value (1) or its id (0) */
    int has_oov;
    int64_t oov;
    uint32_t seed;
    uint64_t modulus;
} token_map;

/* The numbers of the tokens of a source, at most `stop` of them, into
 * dst, dst + step, dst + 2 step, ... (step 1 or -1); returns how many. */
SCAN_INLINE int64_t map_tokens(token_source *s, const cembed_analyzer *a, const token_map *m,
                               int64_t *dst, int64_t step, int64_t stop)
{
    int64_t done = 0;
    if (m->v == NULL) {
        const uint8_t *tok;
        int64_t tlen;
        while (done < stop && next_token(s, a, &tok, &tlen)) {
            *dst = (int64_t)((uint64_t)cembed_murmurhash3_32(tok, tlen, m->seed) % m->modulus) + 1;
            dst += step;
            done++;
        }
        return done;
    }
    const cembed_vocab *v = m->v;
    /* in locals: the stores to dst could otherwise alias them */
    const int64_t limit = m->limit, oov = m->oov;
    const int emit_values = m->emit_values, has_oov = m->has_oov;
    /* two batches in a pipeline: a batch's slots load while the batch
     * before is looked up, and its entries while the next is scanned and
     * hashed (a vocabulary larger than the cache misses twice a token) */
    token_ref batches[2][TOKEN_BATCH];
    int cur = 0, nb = next_batch_slots(s, a, v, batches[0]);
    while (nb > 0 && done < stop) {
        const token_ref *batch = batches[cur];
        prefetch_entries(v, batch, nb);
        const int next = nb == TOKEN_BATCH ? next_batch_slots(s, a, v, batches[cur ^ 1]) : 0;
        for (int i = 0; i < nb && done < stop; i++) {
            int64_t id = cembed_vocab_find_padded(v, batch[i].p, batch[i].len, batch[i].w0,
                                                  batch[i].hash);
            int64_t value = id >= 0 ? v->entries[id].value : 0;
            if (id >= 0 && (limit <= 0 || value < limit)) {
                *dst = emit_values ? value : id;
            } else if (has_oov) {
                *dst = oov;
            } else {
                continue;
            }
            dst += step;
            done++;
        }
        cur ^= 1;
        nb = next;
    }
    return done;
}

/* Scanning and mapping a byte of text costs far more than copying it: the
 * work that cembed_threads_for weighs. */
#define TEXT_WORK_PER_BYTE 16

static int text_threads(const int64_t *lens, int64_t n)
{
    int64_t bytes = 0;
    for (int64_t d = 0; d < n; d++)
        bytes += lens[d];
    return cembed_threads_for(bytes * TEXT_WORK_PER_BYTE);
}

/* One thread's state: the scan tables, the copy of the current text and
 * the buffer of its numbers. */
typedef struct {
    scan_ctx c;
    prepare_fn prepare;
    int64_t *seq;
    int64_t cap;
} text_worker;

static void text_worker_init(text_worker *w, const cembed_analyzer *a)
{
    scan_ctx_init(&w->c, a);
    w->prepare = choose_prepare();
    w->seq = NULL;
    w->cap = 0;
}

static void text_worker_free(text_worker *w)
{
    scan_ctx_free(&w->c);
    free(w->seq);
}

/* Scan text d and map its tokens: *first gets their numbers, *len how
 * many. From the front, the first `stop` of them; last_only: only the
 * last `stop` (the text is then split from its end where it can be, so
 * the tokens before those are never looked up), else all of them. */
static int map_text(text_worker *w, const cembed_analyzer *a, const token_map *m,
                    const char *const *texts, const int64_t *lens, const uint8_t *lower,
                    int64_t d, int64_t stop, int last_only, const int64_t **first, int64_t *len)
{
    token_source s;
    int backward = last_only;
    int st = token_source_init(&s, &w->c, w->prepare, texts[d], lens[d], lower ? lower[d] : 0,
                               &backward);
    if (st != CEMBED_OK)
        return st;
    if (!backward && last_only)
        stop = INT64_MAX; /* the scanner: all of them, the caller keeps the last */
    /* a text of L bytes has at most L tokens */
    const int64_t room = stop < lens[d] ? stop : lens[d];
    if (CEMBED_RESERVE(w->seq, w->cap, room + 1, 1024) != CEMBED_OK)
        return CEMBED_ERR_NOMEM;
    if (backward) {
        *len = map_tokens(&s, a, m, w->seq + room - 1, -1, room);
        *first = w->seq + room - *len;
    } else {
        *len = map_tokens(&s, a, m, w->seq, 1, room);
        *first = w->seq;
    }
    return CEMBED_OK;
}

/* Texts into out and offsets (see cembed_vocab_lookup_texts): each thread
 * maps a contiguous share of the texts into its own vector, and the shares
 * are then appended in order. */
static int map_texts_to_vec(const cembed_analyzer *a, const token_map *m,
                            const char *const *texts, const int64_t *lens, const uint8_t *lower,
                            int64_t n, cembed_i64vec *out, int64_t *offsets)
{
    int nt = text_threads(lens, n);
    int st = CEMBED_OK;
    /* thread t's numbers, for texts [first[t], first[t + 1]) */
    cembed_i64vec *parts = (cembed_i64vec *)calloc((size_t)nt, sizeof(cembed_i64vec));
    int64_t *first = (int64_t *)calloc((size_t)nt + 1, sizeof(int64_t));
    if (!parts || !first) {
        free(parts);
        free(first);
        return CEMBED_ERR_NOMEM;
    }
    /* offsets[d + 1] first holds the end of text d within its share */
    CEMBED_OMP(parallel num_threads(nt))
    {
        int t, tn;
        int64_t lo, hi;
        cembed_thread_id(&t, &tn);
        cembed_thread_share(n, &lo, &hi);
        first[t + 1] = hi; /* the team may be smaller than nt: the rest stay empty */
        text_worker w;
        text_worker_init(&w, a);
        cembed_i64vec *part = &parts[t];
        int my = CEMBED_OK;
        for (int64_t d = lo; d < hi && my == CEMBED_OK; d++) {
            int64_t len = 0;
            const int64_t *nums = NULL;
            my = map_text(&w, a, m, texts, lens, lower, d, INT64_MAX, 0, &nums, &len);
            if (my == CEMBED_OK)
                my = CEMBED_RESERVE(part->data, part->capacity, part->size + len, 1024);
            if (my != CEMBED_OK)
                break;
            if (len > 0)
                memcpy(part->data + part->size, nums, (size_t)len * sizeof(int64_t));
            part->size += len;
            offsets[d + 1] = part->size;
        }
        text_worker_free(&w);
        if (my != CEMBED_OK) {
            CEMBED_OMP(critical)
            st = my;
        }
    }
    int64_t total = 0;
    for (int t = 0; t < nt; t++)
        total += parts[t].size;
    if (st == CEMBED_OK)
        st = CEMBED_RESERVE(out->data, out->capacity, out->size + total, 1024);
    if (st == CEMBED_OK) {
        offsets[0] = out->size;
        for (int t = 0; t < nt; t++) {
            int64_t base = out->size;
            if (first[t + 1] < first[t])
                first[t + 1] = first[t];
            for (int64_t d = first[t]; d < first[t + 1]; d++)
                offsets[d + 1] += base;
            if (parts[t].size > 0)
                memcpy(out->data + base, parts[t].data, (size_t)parts[t].size * sizeof(int64_t));
            out->size += parts[t].size;
        }
    }
    for (int t = 0; t < nt; t++)
        cembed_i64vec_free(&parts[t]);
    free(parts);
    free(first);
    return st;
}

/* Texts into the rows of a padded array (see cembed_vocab_lookup_padded). */
static int map_texts_to_padded(const cembed_analyzer *a, const token_map *m,
                               const char *const *texts, const int64_t *lens,
                               const uint8_t *lower, int64_t n, const cembed_padded *p,
                               int64_t *seq_lens)
{
    if (p->out != NULL && p->maxlen < 0)
        return CEMBED_ERR_VALUE;
    /* without the full lengths, a text's first maxlen numbers are needed
     * (post-truncation) or its last maxlen */
    const int clipped = p->out != NULL && !seq_lens;
    const int64_t stop = clipped ? p->maxlen : INT64_MAX;
    const int last_only = clipped && !p->truncate_post;
    int st = CEMBED_OK;
    CEMBED_OMP(parallel num_threads(text_threads(lens, n)))
    {
        text_worker w;
        text_worker_init(&w, a);
        int my = CEMBED_OK;
        CEMBED_OMP(for schedule(dynamic, 64))
        for (int64_t d = 0; d < n; d++) {
            int64_t len = 0, skip, at;
            const int64_t *nums = NULL;
            if (my != CEMBED_OK)
                continue;
            my = map_text(&w, a, m, texts, lens, lower, d, stop, last_only, &nums, &len);
            if (my != CEMBED_OK)
                continue;
            if (seq_lens)
                seq_lens[d] = len;
            if (p->out == NULL)
                continue;
            int64_t kept = cembed_pad_window(len, p->maxlen, p->pad_post, p->truncate_post,
                                             &skip, &at);
            const int64_t *src = nums + skip;
            at += d * p->maxlen;
            if (p->is_i64) {
                if (kept > 0)
                    memcpy((int64_t *)p->out + at, src, (size_t)kept * sizeof(int64_t));
            } else {
                int32_t *dst = (int32_t *)p->out + at;
                for (int64_t k = 0; k < kept; k++)
                    dst[k] = (int32_t)src[k];
            }
        }
        text_worker_free(&w);
        if (my != CEMBED_OK) {
            CEMBED_OMP(critical)
            st = my;
        }
    }
    return st;
}

int cembed_vocab_lookup_texts(const cembed_vocab *v, const cembed_analyzer *a,
                              const char *const *texts, const int64_t *lens, const uint8_t *lower,
                              int64_t n, int64_t limit, int64_t oov_code, cembed_i64vec *out,
                              int64_t *offsets)
{
    token_map m = {.v = v, .limit = limit, .emit_values = 0, .has_oov = oov_code != -1,
                   .oov = oov_code};
    return map_texts_to_vec(a, &m, texts, lens, lower, n, out, offsets);
}

int cembed_hash_texts(const cembed_analyzer *a, const char *const *texts, const int64_t *lens,
                      const uint8_t *lower, int64_t n, uint32_t seed, uint64_t modulus,
                      cembed_i64vec *out, int64_t *offsets)
{
    if (modulus == 0)
        return CEMBED_ERR_VALUE;
    token_map m = {.v = NULL, .seed = seed, .modulus = modulus};
    return map_texts_to_vec(a, &m, texts, lens, lower, n, out, offsets);
}

int cembed_vocab_lookup_padded(const cembed_vocab *v, const cembed_analyzer *a,
                               const char *const *texts, const int64_t *lens,
                               const uint8_t *lower, int64_t n, int64_t limit,
                               const int64_t *oov_value, const cembed_padded *out,
                               int64_t *seq_lens)
{
    token_map m = {.v = v, .limit = limit, .emit_values = 1, .has_oov = oov_value != NULL,
                   .oov = oov_value ? *oov_value : 0};
    return map_texts_to_padded(a, &m, texts, lens, lower, n, out, seq_lens);
}

int cembed_hash_padded(const cembed_analyzer *a, const char *const *texts, const int64_t *lens,
                       const uint8_t *lower, int64_t n, uint32_t seed, uint64_t modulus,
                       const cembed_padded *out, int64_t *seq_lens)
{
    if (modulus == 0)
        return CEMBED_ERR_VALUE;
    token_map m = {.v = NULL, .seed = seed, .modulus = modulus};
    return map_texts_to_padded(a, &m, texts, lens, lower, n, out, seq_lens);
}
