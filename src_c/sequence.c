/*
 * sequence.c - the common case of pad_sequences: integer sequences into an
 * int32 matrix that the caller has already filled with the padding value.
 */
#include <string.h>

#include "cembed.h"

void cembed_pad_place_i32(const int32_t *values, const int64_t *offsets, int64_t num_seqs,
                          int64_t maxlen, int pad_post, int truncate_post, int32_t *out)
{
    for (int64_t r = 0; r < num_seqs; r++) {
        const int32_t *src = values + offsets[r];
        int64_t len = offsets[r + 1] - offsets[r];
        if (len > maxlen) {
            if (!truncate_post)
                src += len - maxlen;
            len = maxlen;
        }
        int32_t *row = out + r * maxlen;
        if (len > 0)
            memcpy(pad_post ? row : row + (maxlen - len), src, (size_t)len * sizeof(int32_t));
    }
}
