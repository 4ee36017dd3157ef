/*
 * prefetch.h - software prefetching and the compiler hints the hot loops
 * use (restrict, unlikely, always-inline). Internal to src_c/.
 */
#ifndef CEMBED_PREFETCH_H
#define CEMBED_PREFETCH_H

#include <stdint.h>

/* CEMBED_PREFETCH_AT(p, rw, locality) is __builtin_prefetch: rw 0 to read,
 * 1 to write; locality 3 into L1 (prefetcht0), 1 into L2 only
 * (prefetcht2), whose miss buffers keep more lines in flight than L1's.
 * Every prefetch in src_c/ goes through it, so a compiler without
 * __builtin_prefetch compiles them all away. */
#if defined(__GNUC__) || defined(__clang__)
#define CEMBED_PREFETCH_AT(p, rw, locality) __builtin_prefetch((p), (rw), (locality))
#define CEMBED_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define CEMBED_RESTRICT __restrict__
#define CEMBED_INLINE static inline __attribute__((always_inline))
#else
#define CEMBED_PREFETCH_AT(p, rw, locality) ((void)0)
#define CEMBED_UNLIKELY(x) (x)
#define CEMBED_RESTRICT
#define CEMBED_INLINE static inline
#endif
#define CEMBED_PREFETCH(p) CEMBED_PREFETCH_AT(p, 0, 3)
#define CEMBED_PREFETCH_W(p) CEMBED_PREFETCH_AT(p, 1, 3)
#define CEMBED_PREFETCH_L2(p) CEMBED_PREFETCH_AT(p, 0, 1)

/* Prefetch every cache line the nbytes from p touch (for reading or
 * writing): a row that starts past a line boundary, as NumPy's do, touches
 * one line more than nbytes / 64. */
static inline void cembed_prefetch_bytes(const void *p, int64_t nbytes)
{
    const char *c = (const char *)((uintptr_t)p & ~(uintptr_t)63), *end = (const char *)p + nbytes;
    for (; c < end; c += 64)
        CEMBED_PREFETCH(c);
}

/* ... into L2 only (__builtin_prefetch's locality 1: prefetcht2) */
static inline void cembed_prefetch_bytes_l2(const void *p, int64_t nbytes)
{
    const char *c = (const char *)((uintptr_t)p & ~(uintptr_t)63), *end = (const char *)p + nbytes;
    for (; c < end; c += 64)
        CEMBED_PREFETCH_L2(c);
}

static inline void cembed_prefetch_bytes_w(void *p, int64_t nbytes)
{
    char *c = (char *)((uintptr_t)p & ~(uintptr_t)63), *end = (char *)p + nbytes;
    for (; c < end; c += 64)
        CEMBED_PREFETCH_W(c);
}

#endif /* CEMBED_PREFETCH_H */
