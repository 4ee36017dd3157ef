/*
 * vocab.h - the layout of the vocabulary hash table (vocab.c), for the
 * tokenizer's lookups, which hash, prefetch and probe a batch of tokens at
 * a time. Internal to src_c/; the public API is cembed_vocab_* in cembed.h.
 */
#ifndef CEMBED_VOCAB_H
#define CEMBED_VOCAB_H

#include <stdint.h>
#include <string.h>

#include "cembed.h"

#define CEMBED_VOCAB_KEY_PREFIX 12

/* The table's hash of a key: its 8-byte words (the last one zero-filled),
 * little-endian, mixed by multiplication. Tokens are hashed in a padded
 * copy of their text (tokenize.c), where a key's last word may be read
 * whole and masked: both forms give the same hash. */
#if defined(__GNUC__) || defined(__clang__)
#define CEMBED_UNLIKELY_V(x) __builtin_expect(!!(x), 0)
#else
#define CEMBED_UNLIKELY_V(x) (x)
#endif
#define CEMBED_VOCAB_K1 0x9E3779B97F4A7C15ull
#define CEMBED_VOCAB_K2 0xBF58476D1CE4E5B9ull

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ \
    || defined(_M_X64) || defined(_M_ARM64)
#define CEMBED_LITTLE_ENDIAN 1
#endif

/* The low n bytes (0 <= n <= 8) of a little-endian word. */
static inline uint64_t cembed_low_bytes(uint64_t x, int64_t n)
{
    static const uint64_t masks[9] = {0,
                                      0xffull,
                                      0xffffull,
                                      0xffffffull,
                                      0xffffffffull,
                                      0xffffffffffull,
                                      0xffffffffffffull,
                                      0xffffffffffffffull,
                                      ~0ull};
    return x & masks[n];
}

/* The 8 bytes at p as a little-endian word (p may be unaligned). */
static inline uint64_t cembed_load_le64(const void *p)
{
    uint64_t x;
#ifdef CEMBED_LITTLE_ENDIAN
    memcpy(&x, p, 8);
#else
    const uint8_t *b = (const uint8_t *)p;
    x = 0;
    for (int i = 7; i >= 0; i--)
        x = (x << 8) | b[i];
#endif
    return x;
}

/* The n <= 8 bytes at p, zero-filled to a little-endian word, reading
 * nothing past p + n. */
static inline uint64_t cembed_load_le_partial(const void *p, int64_t n)
{
    const uint8_t *b = (const uint8_t *)p;
    uint64_t x = 0;
    for (int64_t i = n - 1; i >= 0; i--)
        x = (x << 8) | b[i];
    return x;
}

static inline uint32_t cembed_vocab_mix(uint64_t h)
{
    h ^= h >> 32;
    h *= CEMBED_VOCAB_K2;
    h ^= h >> 29;
    return (uint32_t)h;
}

/* The hash of the len bytes at key, reading nothing past them. */
static inline uint32_t cembed_vocab_hash(const void *key, int64_t len)
{
    const uint8_t *p = (const uint8_t *)key;
    uint64_t h = (uint64_t)len * CEMBED_VOCAB_K2;
    while (len > 8) {
        h = (h ^ cembed_load_le64(p)) * CEMBED_VOCAB_K1;
        p += 8;
        len -= 8;
    }
    h = (h ^ cembed_load_le_partial(p, len)) * CEMBED_VOCAB_K1;
    return cembed_vocab_mix(h);
}

/* The first min(len, 8) bytes of a key followed by at least 8 readable
 * bytes, zero-filled. */
static inline uint64_t cembed_first_word_padded(const uint8_t *p, int64_t len)
{
    return cembed_low_bytes(cembed_load_le64(p), len < 8 ? len : 8);
}

/* cembed_vocab_hash of a key followed by at least 8 readable bytes, whose
 * first word is w0 (cembed_first_word_padded). */
static inline uint32_t cembed_vocab_hash_padded(const uint8_t *p, int64_t len, uint64_t w0)
{
    uint64_t h = ((uint64_t)len * CEMBED_VOCAB_K2 ^ w0) * CEMBED_VOCAB_K1;
    if (CEMBED_UNLIKELY_V(len > 8)) {
        p += 8;
        len -= 8;
        while (len > 8) {
            h = (h ^ cembed_load_le64(p)) * CEMBED_VOCAB_K1;
            p += 8;
            len -= 8;
        }
        h = (h ^ cembed_low_bytes(cembed_load_le64(p), len)) * CEMBED_VOCAB_K1;
    }
    return cembed_vocab_mix(h);
}

/* 64 bytes; a key of up to CEMBED_VOCAB_KEY_PREFIX bytes (most words) is
 * compared without a visit to the pool */
typedef struct {
    int64_t key_off; /* offset of the key in the pool */
    int64_t key_len;
    int64_t value;
    int64_t count;
    int64_t docs;
    int64_t last_doc; /* the last document that counted toward docs */
    uint32_t hash;
    char prefix[CEMBED_VOCAB_KEY_PREFIX]; /* the key's first bytes */
} cembed_vocab_entry_t;

struct cembed_vocab {
    cembed_vocab_entry_t *entries; /* in insertion order */
    int64_t size, capacity;
    char *pool;
    int64_t pool_size, pool_capacity;
    /* a slot is (hash << 32) | (entry index + 1), 0 when empty: the hash
     * in the slot spares a visit to the entry on a mismatch */
    uint64_t *slots;
    int64_t mask; /* number of slots - 1 (a power of two minus one) */
};

/* memcmp for the short keys of a vocabulary, without a library call */
static inline int cembed_keys_equal(const char *a, const char *b, int64_t len)
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

static inline int cembed_entry_has_key(const cembed_vocab *v, const cembed_vocab_entry_t *e,
                                       const char *key, int64_t len)
{
    const int64_t P = CEMBED_VOCAB_KEY_PREFIX;
    if (len <= P)
        return cembed_keys_equal(e->prefix, key, len);
    return cembed_keys_equal(e->prefix, key, P)
           && cembed_keys_equal(v->pool + e->key_off + P, key + P, len - P);
}

/* The entry id of key (whose hash is h), or -1; *slot_out gets its slot,
 * or the empty slot where it would go. */
static inline int64_t cembed_vocab_find_hashed(const cembed_vocab *v, const char *key, int64_t len,
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
            const cembed_vocab_entry_t *e = &v->entries[id];
            if (e->key_len == len && cembed_entry_has_key(v, e, key, len)) {
                *slot_out = i;
                return id;
            }
        }
        i = (i + 1) & v->mask;
    }
}

/* cembed_vocab_find_hashed for a key followed by at least 8 readable
 * bytes: keys of up to 12 bytes are compared as two masked words. */
static inline int64_t cembed_vocab_find_padded(const cembed_vocab *v, const uint8_t *key,
                                               int64_t len, uint64_t w0, uint32_t h)
{
    int64_t i = (int64_t)h & v->mask;
    for (;;) {
        uint64_t s = v->slots[i];
        if (s == 0)
            return -1;
        if ((uint32_t)(s >> 32) == h) {
            int64_t id = (int64_t)(s & 0xffffffffu) - 1;
            const cembed_vocab_entry_t *e = &v->entries[id];
            if (e->key_len == len && cembed_load_le64(e->prefix) == w0) {
                if (len <= 8)
                    return id;
                uint32_t t0, t1;
                memcpy(&t0, e->prefix + 8, 4);
                t1 = (uint32_t)cembed_low_bytes(cembed_load_le64(key + 8), len - 8 < 4 ? len - 8 : 4);
#ifndef CEMBED_LITTLE_ENDIAN
                t0 = (uint32_t)cembed_load_le_partial(e->prefix + 8, 4);
#endif
                if (t0 == t1 && (len <= CEMBED_VOCAB_KEY_PREFIX
                                 || cembed_keys_equal(v->pool + e->key_off + CEMBED_VOCAB_KEY_PREFIX,
                                                      (const char *)key + CEMBED_VOCAB_KEY_PREFIX,
                                                      len - CEMBED_VOCAB_KEY_PREFIX)))
                    return id;
            }
        }
        i = (i + 1) & v->mask;
    }
}

/* Find key (hash h) or append it with the given value; *id_out is its
 * entry. */
int cembed_vocab_upsert(cembed_vocab *v, const char *key, int64_t len, uint32_t h,
                        int64_t value, int64_t *id_out);

/* One more occurrence of entry id in document doc. */
static inline void cembed_vocab_count(cembed_vocab *v, int64_t id, int64_t doc)
{
    cembed_vocab_entry_t *e = &v->entries[id];
    e->count++;
    if (e->last_doc != doc) {
        e->last_doc = doc;
        e->docs++;
    }
}

#endif /* CEMBED_VOCAB_H */
