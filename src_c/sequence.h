/*
 * sequence.h - where Keras' pad_sequences puts a sequence in its row.
 * Internal to src_c/.
 */
#ifndef CEMBED_SEQUENCE_H
#define CEMBED_SEQUENCE_H

#include <stdint.h>

/* A sequence of len values in a row of maxlen: its values
 * [*skip, *skip + kept) go to row[*at, *at + kept); returns kept. The
 * last maxlen values are kept (or, truncate_post, the first), at the end
 * of the row (or, pad_post, the start). */
static inline int64_t cembed_pad_window(int64_t len, int64_t maxlen, int pad_post,
                                        int truncate_post, int64_t *skip, int64_t *at)
{
    int64_t kept = len < maxlen ? len : maxlen;
    *skip = truncate_post ? 0 : len - kept;
    *at = pad_post ? 0 : maxlen - kept;
    return kept;
}

#endif /* CEMBED_SEQUENCE_H */
