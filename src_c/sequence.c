/*
 * sequence.c - the common case of pad_sequences: integer sequences into an
 * int32 matrix that the caller has already filled with the padding value.
 */
#include <string.h>

#include "cembed.h"
#include "sequence.h"

void cembed_pad_place_i32(const int32_t *values, const int64_t *offsets, int64_t num_seqs,
                          int64_t maxlen, int pad_post, int32_t *out)
{
    for (int64_t r = 0; r < num_seqs; r++) {
        int64_t skip, at;
        int64_t kept = cembed_pad_window(offsets[r + 1] - offsets[r], maxlen, pad_post, 1, &skip,
                                         &at);
        if (kept > 0)
            memcpy(out + r * maxlen + at, values + offsets[r], (size_t)kept * sizeof(int32_t));
    }
}
