/*
 * tokenize.c - the default analyzer of Keras' Tokenizer over UTF-8 text:
 * split into tokens, then count them or look them up in a vocabulary hash
 * table, or hash them (the hashing trick).
 *
 * The caller lowercases non-ASCII text beforehand (Python's str.lower is
 * the reference for Unicode case mapping); for ASCII text the tokenizer
 * lowercases A-Z itself. The vocabulary keeps its entries in insertion
 * order (like a Python dict), so "first seen" order is the entry order.
 */
#include <stdlib.h>
#include <string.h>

#include "cembed.h"
#include "parallel.h"

/* ---- growable int64 vector -------------------------------------------- */

static int i64vec_reserve(cembed_i64vec *v, int64_t need)
{
    if (need <= v->capacity)
        return CEMBED_OK;
    int64_t cap = v->capacity > 0 ? v->capacity : 1024;
    while (cap < need)
        cap *= 2;
    int64_t *p = (int64_t *)realloc(v->data, (size_t)cap * sizeof(int64_t));
    if (!p)
        return CEMBED_ERR_NOMEM;
    v->data = p;
    v->capacity = cap;
    return CEMBED_OK;
}

static inline int i64vec_push(cembed_i64vec *v, int64_t x)
{
    if (v->size == v->capacity && i64vec_reserve(v, v->size + 1) != CEMBED_OK)
        return CEMBED_ERR_NOMEM;
    v->data[v->size++] = x;
    return CEMBED_OK;
}

void cembed_i64vec_free(cembed_i64vec *v)
{
    free(v->data);
    v->data = NULL;
    v->size = v->capacity = 0;
}

/* ---- the vocabulary ----------------------------------------------------- */

#define KEY_PREFIX 12

/* 64 bytes; a key of up to KEY_PREFIX bytes (most words) is compared
 * without a visit to the pool */
typedef struct {
    int64_t key_off; /* offset of the key in the pool */
    int64_t key_len;
    int64_t value;
    int64_t count;
    int64_t docs;
    int64_t last_doc; /* the last document that counted toward docs */
    uint32_t hash;
    char prefix[KEY_PREFIX]; /* the key's first bytes */
} vocab_entry;

struct cembed_vocab {
    vocab_entry *entries; /* in insertion order */
    int64_t size, capacity;
    char *pool;
    int64_t pool_size, pool_capacity;
    /* a slot is (hash << 32) | (entry index + 1), 0 when empty: the hash
     * in the slot spares a visit to the entry on a mismatch */
    uint64_t *slots;
    int64_t mask; /* number of slots - 1 (a power of two minus one) */
};

#define VOCAB_SEED 0x9747b28cu

cembed_vocab *cembed_vocab_new(void)
{
    cembed_vocab *v = (cembed_vocab *)calloc(1, sizeof(cembed_vocab));
    if (!v)
        return NULL;
    v->mask = 63;
    v->slots = (uint64_t *)calloc((size_t)(v->mask + 1), sizeof(uint64_t));
    /* the pool is never NULL, so an empty key (a "" token) points into it */
    v->pool_capacity = 4096;
    v->pool = (char *)malloc((size_t)v->pool_capacity);
    if (!v->slots || !v->pool) {
        free(v->slots);
        free(v->pool);
        free(v);
        return NULL;
    }
    return v;
}

void cembed_vocab_free(cembed_vocab *v)
{
    if (!v)
        return;
    free(v->entries);
    free(v->pool);
    free(v->slots);
    free(v);
}

void cembed_vocab_clear(cembed_vocab *v)
{
    v->size = 0;
    v->pool_size = 0;
    memset(v->slots, 0, (size_t)(v->mask + 1) * sizeof(uint64_t));
}

int64_t cembed_vocab_size(const cembed_vocab *v)
{
    return v->size;
}

void cembed_vocab_entry(const cembed_vocab *v, int64_t id, const char **key, int64_t *key_len,
                        int64_t *value, int64_t *count, int64_t *docs)
{
    const vocab_entry *e = &v->entries[id];
    *key = v->pool + e->key_off;
    *key_len = e->key_len;
    *value = e->value;
    *count = e->count;
    *docs = e->docs;
}

/* memcmp for the short keys of a vocabulary, without a library call */
static inline int keys_equal(const char *a, const char *b, int64_t len)
{
    while (len >= 8) {
        uint64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y)
            return 0;
        a += 8;
        b += 8;
        len -= 8;
    }
    while (len > 0) {
        if (*a++ != *b++)
            return 0;
        len--;
    }
    return 1;
}

static inline int entry_has_key(const cembed_vocab *v, const vocab_entry *e, const char *key,
                                int64_t len)
{
    if (len <= KEY_PREFIX)
        return keys_equal(e->prefix, key, len);
    return keys_equal(e->prefix, key, KEY_PREFIX)
           && keys_equal(v->pool + e->key_off + KEY_PREFIX, key + KEY_PREFIX, len - KEY_PREFIX);
}

static inline int64_t vocab_find_hashed(const cembed_vocab *v, const char *key, int64_t len,
                                        uint32_t h, int64_t *slot_out)
{
    int64_t i = (int64_t)h & v->mask;
    for (;;) {
        uint64_t s = v->slots[i];
        if (s == 0) {
            *slot_out = i;
            return -1;
        }
        if ((uint32_t)(s >> 32) == h) {
            int64_t id = (int64_t)(s & 0xffffffffu) - 1;
            const vocab_entry *e = &v->entries[id];
            if (e->key_len == len && entry_has_key(v, e, key, len)) {
                *slot_out = i;
                return id;
            }
        }
        i = (i + 1) & v->mask;
    }
}

static inline uint64_t make_slot(uint32_t h, int64_t id)
{
    return ((uint64_t)h << 32) | (uint64_t)(id + 1);
}

int64_t cembed_vocab_find(const cembed_vocab *v, const char *key, int64_t len)
{
    int64_t slot;
    return vocab_find_hashed(v, key, len, cembed_murmurhash3_32(key, len, VOCAB_SEED), &slot);
}

static int vocab_grow_slots(cembed_vocab *v)
{
    int64_t nslots = (v->mask + 1) * 2;
    uint64_t *slots = (uint64_t *)calloc((size_t)nslots, sizeof(uint64_t));
    if (!slots)
        return CEMBED_ERR_NOMEM;
    int64_t mask = nslots - 1;
    for (int64_t id = 0; id < v->size; id++) {
        int64_t i = (int64_t)v->entries[id].hash & mask;
        while (slots[i] != 0)
            i = (i + 1) & mask;
        slots[i] = make_slot(v->entries[id].hash, id);
    }
    free(v->slots);
    v->slots = slots;
    v->mask = mask;
    return CEMBED_OK;
}

/* Find key or append it with the given value; *id_out is its entry. */
static int vocab_upsert(cembed_vocab *v, const char *key, int64_t len, uint32_t h, int64_t value,
                        int64_t *id_out)
{
    int64_t slot;
    int64_t id = vocab_find_hashed(v, key, len, h, &slot);
    if (id >= 0) {
        *id_out = id;
        return CEMBED_OK;
    }
    if (v->size >= (int64_t)0xfffffffe)
        return CEMBED_ERR_NOMEM; /* slots hold 32-bit entry numbers */
    if (v->size == v->capacity) {
        int64_t cap = v->capacity ? v->capacity * 2 : 256;
        vocab_entry *p = (vocab_entry *)realloc(v->entries, (size_t)cap * sizeof(vocab_entry));
        if (!p)
            return CEMBED_ERR_NOMEM;
        v->entries = p;
        v->capacity = cap;
    }
    if (v->pool_size + len > v->pool_capacity) {
        int64_t cap = v->pool_capacity;
        while (cap < v->pool_size + len)
            cap *= 2;
        char *p = (char *)realloc(v->pool, (size_t)cap);
        if (!p)
            return CEMBED_ERR_NOMEM;
        v->pool = p;
        v->pool_capacity = cap;
    }
    memcpy(v->pool + v->pool_size, key, (size_t)len);
    vocab_entry *e = &v->entries[v->size];
    e->key_off = v->pool_size;
    e->key_len = len;
    e->value = value;
    e->count = 0;
    e->docs = 0;
    e->last_doc = -1;
    e->hash = h;
    memset(e->prefix, 0, KEY_PREFIX);
    memcpy(e->prefix, key, (size_t)(len < KEY_PREFIX ? len : KEY_PREFIX));
    v->pool_size += len;
    id = v->size++;
    v->slots[slot] = make_slot(h, id);
    if (2 * v->size > v->mask + 1) {
        int st = vocab_grow_slots(v);
        if (st != CEMBED_OK)
            return st;
    }
    *id_out = id;
    return CEMBED_OK;
}

int cembed_vocab_insert(cembed_vocab *v, const char *key, int64_t len, int64_t value,
                        int64_t *id_out)
{
    uint32_t h = cembed_murmurhash3_32(key, len, VOCAB_SEED);
    int st = vocab_upsert(v, key, len, h, value, id_out);
    if (st == CEMBED_OK)
        v->entries[*id_out].value = value;
    return st;
}

/* ---- the tokenizer ------------------------------------------------------ */

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
        if (len > c->low_cap) {
            int64_t cap = c->low_cap ? c->low_cap : 4096;
            while (cap < len)
                cap *= 2;
            uint8_t *p = (uint8_t *)realloc(c->low, (size_t)cap);
            if (!p)
                return CEMBED_ERR_NOMEM;
            c->low = p;
            c->low_cap = cap;
        }
        const uint8_t *src = (const uint8_t *)text;
        for (int64_t i = 0; i < len; i++) {
            uint8_t b = src[i];
            c->low[i] = (uint8_t)(b - 'A') < 26 ? (uint8_t)(b + 32) : b;
        }
        text = (const char *)c->low;
    }
    s->text = s->p = (const uint8_t *)text;
    s->end = s->text + len;
    return CEMBED_OK;
}

/* The next token, [*start, *start + *tlen) of the text, or 0 at the end. */
static inline int next_raw_token(scanner *s, const cembed_analyzer *a, const uint8_t **start,
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

/* Up to TOKEN_BATCH next tokens of the scan, hashed, their slots and
 * entries prefetched; returns how many. */
static inline int next_batch(scanner *s, const cembed_analyzer *a, const cembed_vocab *v,
                             token_ref *batch)
{
    int n = 0;
    while (n < TOKEN_BATCH && next_raw_token(s, a, &batch[n].p, &batch[n].len)) {
        batch[n].hash = cembed_murmurhash3_32(batch[n].p, batch[n].len, VOCAB_SEED);
        CEMBED_PREFETCH(&v->slots[(int64_t)batch[n].hash & v->mask]);
        n++;
    }
    for (int i = 0; i < n; i++) {
        uint64_t slot = v->slots[(int64_t)batch[i].hash & v->mask];
        if (slot != 0 && (uint32_t)(slot >> 32) == batch[i].hash)
            CEMBED_PREFETCH(&v->entries[(int64_t)(slot & 0xffffffffu) - 1]);
    }
    return n;
}

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
                st = vocab_upsert(v, (const char *)batch[i].p, batch[i].len, batch[i].hash, 0,
                                  &id);
                if (st != CEMBED_OK)
                    break;
                vocab_entry *e = &v->entries[id];
                e->count++;
                if (e->last_doc != doc) {
                    e->last_doc = doc;
                    e->docs++;
                }
            }
            total += nb;
        }
    }
    scan_ctx_free(&c);
    if (num_tokens)
        *num_tokens = total;
    return st;
}

int cembed_vocab_count_tokens(cembed_vocab *v, const char *buf, const int64_t *offsets, int64_t n,
                              int64_t doc)
{
    for (int64_t i = 0; i < n; i++) {
        const char *tok = buf + offsets[i];
        int64_t tlen = offsets[i + 1] - offsets[i];
        int64_t id;
        int st = vocab_upsert(v, tok, tlen, cembed_murmurhash3_32(tok, tlen, VOCAB_SEED), 0, &id);
        if (st != CEMBED_OK)
            return st;
        vocab_entry *e = &v->entries[id];
        e->count++;
        if (e->last_doc != doc) {
            e->last_doc = doc;
            e->docs++;
        }
    }
    return CEMBED_OK;
}

int cembed_vocab_lookup_texts(const cembed_vocab *v, const cembed_analyzer *a,
                              const char *const *texts, const int64_t *lens, const uint8_t *lower,
                              int64_t n, int64_t limit, int64_t oov_code, cembed_i64vec *out,
                              int64_t *offsets)
{
    scan_ctx c;
    scan_ctx_init(&c, a);
    int st = CEMBED_OK;
    token_ref batch[TOKEN_BATCH];
    offsets[0] = out->size;
    for (int64_t d = 0; d < n && st == CEMBED_OK; d++) {
        scanner s;
        st = scanner_init(&s, &c, texts[d], lens[d], lower ? lower[d] : 0);
        /* a text of L bytes has at most L tokens */
        if (st == CEMBED_OK)
            st = i64vec_reserve(out, out->size + lens[d]);
        if (st != CEMBED_OK)
            break;
        int64_t *dst = out->data + out->size;
        int nb = TOKEN_BATCH;
        while (nb == TOKEN_BATCH) {
            nb = next_batch(&s, a, v, batch);
            for (int i = 0; i < nb; i++) {
                int64_t slot;
                int64_t id = vocab_find_hashed(v, (const char *)batch[i].p, batch[i].len,
                                               batch[i].hash, &slot);
                if (id >= 0 && (limit <= 0 || v->entries[id].value < limit))
                    *dst++ = id;
                else if (oov_code != -1)
                    *dst++ = oov_code;
            }
        }
        out->size = dst - out->data;
        offsets[d + 1] = out->size;
    }
    scan_ctx_free(&c);
    return st;
}

int cembed_hash_texts(const cembed_analyzer *a, const char *const *texts, const int64_t *lens,
                      const uint8_t *lower, int64_t n, uint32_t seed, uint64_t modulus,
                      cembed_i64vec *out, int64_t *offsets)
{
    if (modulus == 0)
        return CEMBED_ERR_VALUE;
    scan_ctx c;
    scan_ctx_init(&c, a);
    int st = CEMBED_OK;
    offsets[0] = out->size;
    for (int64_t d = 0; d < n && st == CEMBED_OK; d++) {
        scanner s;
        st = scanner_init(&s, &c, texts[d], lens[d], lower ? lower[d] : 0);
        if (st == CEMBED_OK)
            st = i64vec_reserve(out, out->size + lens[d]);
        if (st != CEMBED_OK)
            break;
        const uint8_t *tok;
        int64_t tlen;
        int64_t *dst = out->data + out->size;
        while (next_raw_token(&s, a, &tok, &tlen))
            *dst++ = (int64_t)((uint64_t)cembed_murmurhash3_32(tok, tlen, seed) % modulus) + 1;
        out->size = dst - out->data;
        offsets[d + 1] = out->size;
    }
    scan_ctx_free(&c);
    return st;
}
