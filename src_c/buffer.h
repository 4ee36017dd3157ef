/*
 * buffer.h - the one growable-buffer helper of src_c/: make an array
 * allocated with malloc/realloc hold at least `need` elements, doubling its
 * capacity (amortized O(1) appends). Internal to src_c/.
 *
 *     int64_t *data = NULL, cap = 0;
 *     if (CEMBED_RESERVE(data, cap, n + 1, 1024) != CEMBED_OK)
 *         return CEMBED_ERR_NOMEM;      (data and cap are left as they were)
 */
#ifndef CEMBED_BUFFER_H
#define CEMBED_BUFFER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cembed.h"

/* *data_ptr (a pointer to the array's pointer, of any element type) holds
 * *cap elements of elem_size bytes; grow it to at least need elements,
 * starting from `first` and doubling. Nothing changes on failure. */
static inline int cembed_reserve(void *data_ptr, int64_t *cap, int64_t need, size_t elem_size,
                                 int64_t first)
{
    if (need <= *cap)
        return CEMBED_OK;
    int64_t ncap = *cap > 0 ? *cap : (first > 0 ? first : 1);
    while (ncap < need) {
        if (ncap > INT64_MAX / 2)
            return CEMBED_ERR_NOMEM;
        ncap *= 2;
    }
    if ((uint64_t)ncap > (uint64_t)SIZE_MAX / elem_size)
        return CEMBED_ERR_NOMEM;
    void *old;
    memcpy(&old, data_ptr, sizeof old);
    void *p = realloc(old, (size_t)ncap * elem_size);
    if (!p)
        return CEMBED_ERR_NOMEM;
    memcpy(data_ptr, &p, sizeof p);
    *cap = ncap;
    return CEMBED_OK;
}

/* CEMBED_RESERVE(ptr, cap, need, first): cembed_reserve for a pointer
 * variable `ptr` and its int64_t capacity `cap` (both lvalues). */
#define CEMBED_RESERVE(ptr, cap, need, first) \
    cembed_reserve(&(ptr), &(cap), (need), sizeof *(ptr), (first))

#endif /* CEMBED_BUFFER_H */
