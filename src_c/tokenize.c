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

typedef struct {
    const cembed_analyzer *a;
    uint8_t cls[256];
    uint8_t *low; /* the lowercased copy of the current ASCII text */
    int64_t low_cap;
} scan_ctx;

static void scan_ctx_init(scan_ctx *c, const cembed_analyzer *a)
{
    c->a = a;
    c->low = NULL;
    c->low_cap = 0;
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

/* Start a scan of text; lower: an ASCII text to lowercase first (the
 * tokens then point into the lowercased copy). */
static inline int scanner_init(scanner *s, scan_ctx *c, const char *text, int64_t len, int lower)
{
    s->cls = c->cls;
    if (lower) {
        if (CEMBED_RESERVE(c->low, c->low_cap, len, 4096) != CEMBED_OK)
            return CEMBED_ERR_NOMEM;
        /* restrict: the compiler vectorizes the loop only when it knows
         * the copy does not overlap the text (a byte at a time was 14% of
         * texts_to_array) */
        const uint8_t *CEMBED_RESTRICT src = (const uint8_t *)text;
        uint8_t *CEMBED_RESTRICT dst = c->low;
        for (int64_t i = 0; i < len; i++) {
            uint8_t b = src[i];
            dst[i] = (uint8_t)(b - 'A') < 26 ? (uint8_t)(b + 32) : b;
        }
        text = (const char *)dst;
    }
    s->text = s->p = (const uint8_t *)text;
    s->end = s->text + len;
    return CEMBED_OK;
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

/* Tokens are looked up a batch at a time: hashing a batch and prefetching
 * its slots, then its entries, before the lookups overlaps the cache misses
 * of a vocabulary larger than the cache. */
#define TOKEN_BATCH 32

typedef struct {
    const uint8_t *p;
    int64_t len;
    uint32_t hash;
} token_ref;

/* Up to TOKEN_BATCH next tokens of the scan, hashed, their slots
 * prefetched; returns how many. */
SCAN_INLINE int next_batch_slots(scanner *s, const cembed_analyzer *a, const cembed_vocab *v,
                                   token_ref *batch)
{
    int n = 0;
    while (n < TOKEN_BATCH && next_raw_token(s, a, &batch[n].p, &batch[n].len)) {
        batch[n].hash = cembed_vocab_hash(batch[n].p, batch[n].len);
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
SCAN_INLINE int next_batch(scanner *s, const cembed_analyzer *a, const cembed_vocab *v,
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
    int st = CEMBED_OK;
    int64_t total = 0;
    token_ref batch[TOKEN_BATCH];
    for (int64_t d = 0; d < n && st == CEMBED_OK; d++) {
        scanner s;
        st = scanner_init(&s, &c, texts[d], lens[d], lower ? lower[d] : 0);
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

/* The numbers of the tokens of a scan into seq (room for one a byte of the
 * text: a text of L bytes has at most L tokens), at most `stop` of them;
 * returns how many. */
static int64_t map_tokens(scanner *s, const cembed_analyzer *a, const token_map *m, int64_t *seq,
                          int64_t stop)
{
    int64_t *dst = seq, *end = seq + stop;
    if (m->v == NULL) {
        const uint8_t *tok;
        int64_t tlen;
        while (dst < end && next_raw_token(s, a, &tok, &tlen))
            *dst++ = (int64_t)((uint64_t)cembed_murmurhash3_32(tok, tlen, m->seed) % m->modulus)
                     + 1;
        return dst - seq;
    }
    const cembed_vocab *v = m->v;
    /* two batches in a pipeline: a batch's slots load while the batch
     * before is looked up, and its entries while the next is scanned and
     * hashed (a vocabulary larger than the cache misses twice a token) */
    token_ref batches[2][TOKEN_BATCH];
    int cur = 0, nb = next_batch_slots(s, a, v, batches[0]);
    while (nb > 0 && dst < end) {
        const token_ref *batch = batches[cur];
        prefetch_entries(v, batch, nb);
        const int next = nb == TOKEN_BATCH ? next_batch_slots(s, a, v, batches[cur ^ 1]) : 0;
        for (int i = 0; i < nb && dst < end; i++) {
            int64_t slot;
            int64_t id = cembed_vocab_find_hashed(v, (const char *)batch[i].p, batch[i].len,
                                                  batch[i].hash, &slot);
            if (id >= 0 && (m->limit <= 0 || v->entries[id].value < m->limit))
                *dst++ = m->emit_values ? v->entries[id].value : id;
            else if (m->has_oov)
                *dst++ = m->oov;
        }
        cur ^= 1;
        nb = next;
    }
    return dst - seq;
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

/* One thread's state: the scan tables and the buffer of one text's numbers. */
typedef struct {
    scan_ctx c;
    int64_t *seq;
    int64_t cap;
} text_worker;

/* Scan text d and map its tokens into w->seq (at most stop); *len gets
 * their number. */
static int map_text(text_worker *w, const cembed_analyzer *a, const token_map *m,
                    const char *const *texts, const int64_t *lens, const uint8_t *lower,
                    int64_t d, int64_t stop, int64_t *len)
{
    scanner s;
    int st = scanner_init(&s, &w->c, texts[d], lens[d], lower ? lower[d] : 0);
    if (st == CEMBED_OK)
        st = CEMBED_RESERVE(w->seq, w->cap, lens[d] + 1, 1024);
    if (st != CEMBED_OK)
        return st;
    *len = map_tokens(&s, a, m, w->seq, stop < lens[d] ? stop : lens[d]);
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
        text_worker w = {.seq = NULL, .cap = 0};
        scan_ctx_init(&w.c, a);
        cembed_i64vec *part = &parts[t];
        int my = CEMBED_OK;
        for (int64_t d = lo; d < hi && my == CEMBED_OK; d++) {
            int64_t len = 0;
            my = map_text(&w, a, m, texts, lens, lower, d, INT64_MAX, &len);
            if (my == CEMBED_OK)
                my = CEMBED_RESERVE(part->data, part->capacity, part->size + len, 1024);
            if (my != CEMBED_OK)
                break;
            if (len > 0)
                memcpy(part->data + part->size, w.seq, (size_t)len * sizeof(int64_t));
            part->size += len;
            offsets[d + 1] = part->size;
        }
        scan_ctx_free(&w.c);
        free(w.seq);
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
    /* post-truncation needs only the first maxlen numbers of a text */
    const int64_t stop = (p->out != NULL && p->truncate_post && !seq_lens) ? p->maxlen : INT64_MAX;
    int st = CEMBED_OK;
    CEMBED_OMP(parallel num_threads(text_threads(lens, n)))
    {
        text_worker w = {.seq = NULL, .cap = 0};
        scan_ctx_init(&w.c, a);
        int my = CEMBED_OK;
        CEMBED_OMP(for schedule(dynamic, 64))
        for (int64_t d = 0; d < n; d++) {
            int64_t len = 0, skip, at;
            if (my != CEMBED_OK)
                continue;
            my = map_text(&w, a, m, texts, lens, lower, d, stop, &len);
            if (my != CEMBED_OK)
                continue;
            if (seq_lens)
                seq_lens[d] = len;
            if (p->out == NULL)
                continue;
            int64_t kept = cembed_pad_window(len, p->maxlen, p->pad_post, p->truncate_post,
                                             &skip, &at);
            const int64_t *src = w.seq + skip;
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
        scan_ctx_free(&w.c);
        free(w.seq);
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
