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
/* the seed of the table's MurmurHash3 */
#define CEMBED_VOCAB_SEED 0x9747b28cu

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

static inline uint32_t cembed_vocab_hash(const void *key, int64_t len)
{
    return cembed_murmurhash3_32(key, len, CEMBED_VOCAB_SEED);
}

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
