/*
 * murmur3.c - MurmurHash3 x86 32-bit, after Austin Appleby's public-domain
 * reference (the version scikit-learn vendors). Blocks are read with
 * memcpy, so unaligned keys are fine; the key bytes are read little-endian
 * as on x86, so the hash is the same on every machine.
 */
#include <string.h>

#include "cembed.h"

static inline uint32_t rotl32(uint32_t x, int r)
{
    return (x << r) | (x >> (32 - r));
}

static inline uint32_t fmix32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

static inline uint32_t load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16)
           | ((uint32_t)p[3] << 24);
}

uint32_t cembed_murmurhash3_32(const void *key, int64_t len, uint32_t seed)
{
    const uint8_t *data = (const uint8_t *)key;
    const int64_t nblocks = len / 4;
    const uint32_t c1 = 0xcc9e2d51u, c2 = 0x1b873593u;
    uint32_t h1 = seed;

    for (int64_t i = 0; i < nblocks; i++) {
        uint32_t k1 = load_le32(data + 4 * i);
        k1 *= c1;
        k1 = rotl32(k1, 15);
        k1 *= c2;
        h1 ^= k1;
        h1 = rotl32(h1, 13);
        h1 = h1 * 5 + 0xe6546b64u;
    }

    const uint8_t *tail = data + nblocks * 4;
    uint32_t k1 = 0;
    switch (len & 3) {
    case 3:
        k1 ^= (uint32_t)tail[2] << 16; /* fall through */
    case 2:
        k1 ^= (uint32_t)tail[1] << 8; /* fall through */
    case 1:
        k1 ^= tail[0];
        k1 *= c1;
        k1 = rotl32(k1, 15);
        k1 *= c2;
        h1 ^= k1;
    }

    /* the reference adds the length as a 32-bit int */
    h1 ^= (uint32_t)len;
    return fmix32(h1);
}

uint32_t cembed_murmurhash3_int32(int32_t key, uint32_t seed)
{
    uint8_t bytes[4];
    uint32_t u = (uint32_t)key;
    /* sklearn hashes the int's in-memory bytes; on the little-endian
     * machines it runs on those are the little-endian ones */
    bytes[0] = (uint8_t)u;
    bytes[1] = (uint8_t)(u >> 8);
    bytes[2] = (uint8_t)(u >> 16);
    bytes[3] = (uint8_t)(u >> 24);
    return cembed_murmurhash3_32(bytes, 4, seed);
}
