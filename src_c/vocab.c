/*
 * vocab.c - the vocabulary: an open-addressing hash table from UTF-8 keys
 * to entries that keep a value, a count and a document count. Entries stay
 * in insertion order (like a Python dict), so "first seen" order is the
 * entry order; the keys live in one byte pool.
 */
#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "cembed.h"
#include "vocab.h"

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
    const cembed_vocab_entry_t *e = &v->entries[id];
    *key = v->pool + e->key_off;
    *key_len = e->key_len;
    *value = e->value;
    *count = e->count;
    *docs = e->docs;
}

static inline uint64_t make_slot(uint32_t h, int64_t id)
{
    return ((uint64_t)h << 32) | (uint64_t)(id + 1);
}

int64_t cembed_vocab_find(const cembed_vocab *v, const char *key, int64_t len)
{
    int64_t slot;
    return cembed_vocab_find_hashed(v, key, len, cembed_vocab_hash(key, len), &slot);
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

int cembed_vocab_upsert(cembed_vocab *v, const char *key, int64_t len, uint32_t h, int64_t value,
                        int64_t *id_out)
{
    int64_t slot;
    int64_t id = cembed_vocab_find_hashed(v, key, len, h, &slot);
    if (id >= 0) {
        *id_out = id;
        return CEMBED_OK;
    }
    if (v->size >= (int64_t)0xfffffffe)
        return CEMBED_ERR_NOMEM; /* slots hold 32-bit entry numbers */
    if (CEMBED_RESERVE(v->entries, v->capacity, v->size + 1, 256) != CEMBED_OK
        || CEMBED_RESERVE(v->pool, v->pool_capacity, v->pool_size + len, 4096) != CEMBED_OK)
        return CEMBED_ERR_NOMEM;
    memcpy(v->pool + v->pool_size, key, (size_t)len);
    cembed_vocab_entry_t *e = &v->entries[v->size];
    e->key_off = v->pool_size;
    e->key_len = len;
    e->value = value;
    e->count = 0;
    e->docs = 0;
    e->last_doc = -1;
    e->hash = h;
    memset(e->prefix, 0, CEMBED_VOCAB_KEY_PREFIX);
    memcpy(e->prefix, key,
           (size_t)(len < CEMBED_VOCAB_KEY_PREFIX ? len : CEMBED_VOCAB_KEY_PREFIX));
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
    int st = cembed_vocab_upsert(v, key, len, cembed_vocab_hash(key, len), value, id_out);
    if (st == CEMBED_OK)
        v->entries[*id_out].value = value;
    return st;
}

int cembed_vocab_count_tokens(cembed_vocab *v, const char *buf, const int64_t *offsets, int64_t n,
                              int64_t doc)
{
    for (int64_t i = 0; i < n; i++) {
        const char *tok = buf + offsets[i];
        int64_t tlen = offsets[i + 1] - offsets[i];
        int64_t id;
        int st = cembed_vocab_upsert(v, tok, tlen, cembed_vocab_hash(tok, tlen), 0, &id);
        if (st != CEMBED_OK)
            return st;
        cembed_vocab_count(v, id, doc);
    }
    return CEMBED_OK;
}
