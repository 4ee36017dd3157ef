/*
 * word2vec.c - training word vectors: skip-gram and CBOW with negative
 * sampling (Mikolov et al. 2013), with gensim's update rules, plus the
 * corpus reader that counts a vocabulary and turns text into word ids.
 *
 * Corpus. Text is split at white space as Python's str.split() splits
 * (ASCII and Unicode white space); a file is read line by line (lines end
 * at '\n') and must be UTF-8. A sentence longer than CEMBED_W2V_MAX_SENTENCE
 * tokens is cut into pieces of that many tokens, as gensim's LineSentence
 * cuts the lines of a corpus file. Words are counted in the tokenizer's
 * vocabulary table (cembed_vocab); with max_vocab_size, the words seen fewer
 * than min_reduce times are pruned whenever the table grows past it, after
 * a sentence, and min_reduce then grows by one (gensim's prune_vocab). A
 * pruned table is rebuilt: an entry's value then holds the count it had
 * before, so its total count is value + count.
 *
 * Training. One call trains one epoch. The corpus (word ids, sentence ends)
 * is cut into `workers` regions of about equal word counts at sentence
 * boundaries; each region is trained in order with its own random stream
 * (gensim's 48-bit linear congruential generator, seeded from the seed, the
 * epoch and the region), which draws the subsampling, the reduced windows
 * and the negatives. With workers > 1 the shared matrices are read-only
 * during a round of ROUND_WORDS_SG or ROUND_WORDS_CBOW (65536) words of
 * each region: a region's first write to a row
 * copies it into the region's private rows (w2v_view). Then the rows
 * written are merged: a row one region wrote becomes that region's copy, a
 * row several wrote becomes old + sum over them of (copy - old), in region
 * order, and the next round reads the merged rows. Rows no region wrote
 * are not touched. The result depends on the corpus, the
 * seed and `workers`, never on the number of threads or their timing, so
 * it is bitwise reproducible for any thread count. `hogwild` instead lets
 * the regions update the shared matrices without synchronisation (as
 * word2vec.c and gensim do), which is faster but not reproducible; it is
 * kept to measure what determinism costs.
 *
 * The dot products and updates use GCC vector extensions on 16 floats with
 * a fixed order of additions, so every instruction set gives the same bits;
 * the training loop is compiled per instruction set (isa.h; CEMBED_ISA
 * forces one).
 */
#if !defined(_FILE_OFFSET_BITS)
#define _FILE_OFFSET_BITS 64
#endif
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cembed.h"
#include "buffer.h"
#include "isa.h"
#include "parallel.h"

/* ---- splitting text at white space ------------------------------------- */

/* Length of the valid UTF-8 character at p (< end), or 0 if it is not
 * valid (Python's strict decoder: no overlong forms, no surrogates, nothing
 * above U+10FFFF); its code point in *cp. */
static inline int utf8_char(const unsigned char *p, const unsigned char *end, uint32_t *cp)
{
    unsigned c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    int n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (end - p < n || p[1] < lo || p[1] > hi)
        return 0;
    uint32_t v = c & (0x7F >> n);
    v = (v << 6) | (p[1] & 0x3F);
    for (int i = 2; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    *cp = v;
    return n;
}

/* str.isspace() above ASCII */
static inline int is_wide_space(uint32_t c)
{
    return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028
        || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

static const unsigned char ASCII_SPACE[128] = {
    ['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1,
    [0x1C] = 1, [0x1D] = 1, [0x1E] = 1, [0x1F] = 1, [' '] = 1,
};

/* Token boundaries of one text: start, end pairs into `spans`. */
typedef struct {
    int64_t *spans;
    int64_t size, capacity;
} span_buf;

static int span_push(span_buf *b, int64_t s, int64_t e)
{
    if (CEMBED_RESERVE(b->spans, b->capacity, b->size + 2, 4096) != CEMBED_OK)
        return CEMBED_ERR_NOMEM;
    b->spans[b->size++] = s;
    b->spans[b->size++] = e;
    return CEMBED_OK;
}

/* Split text[0, len) at white space into b (cleared first). Invalid UTF-8
 * is CEMBED_ERR_FORMAT. */
static int split_text(const char *text, int64_t len, span_buf *b)
{
    const unsigned char *p = (const unsigned char *)text, *end = p + len;
    int64_t start = -1;
    b->size = 0;
    while (p < end) {
        int n = 1, space;
        if (*p < 0x80)
            space = ASCII_SPACE[*p];
        else {
            uint32_t cp;
            n = utf8_char(p, end, &cp);
            if (n == 0)
                return CEMBED_ERR_FORMAT;
            space = is_wide_space(cp);
        }
        int64_t at = (int64_t)((const char *)p - text);
        if (space) {
            if (start >= 0 && span_push(b, start, at) != CEMBED_OK)
                return CEMBED_ERR_NOMEM;
            start = -1;
        } else if (start < 0)
            start = at;
        p += n;
    }
    if (start >= 0 && span_push(b, start, len) != CEMBED_OK)
        return CEMBED_ERR_NOMEM;
    return CEMBED_OK;
}

/* ---- counting ---------------------------------------------------------- */

/* Keep the entries counted at least min_reduce times (gensim's prune_vocab):
 * a new table with the survivors in their order, each with its total count
 * as value. */
static int prune_vocab(cembed_vocab **vocab, int64_t min_reduce)
{
    cembed_vocab *old = *vocab, *fresh = cembed_vocab_new();
    if (!fresh)
        return CEMBED_ERR_NOMEM;
    int64_t n = cembed_vocab_size(old);
    for (int64_t i = 0; i < n; i++) {
        const char *key;
        int64_t len, value, count, docs, id;
        cembed_vocab_entry(old, i, &key, &len, &value, &count, &docs);
        if (value + count >= min_reduce && cembed_vocab_insert(fresh, key, len, value + count, &id) != CEMBED_OK) {
            cembed_vocab_free(fresh);
            return CEMBED_ERR_NOMEM;
        }
    }
    cembed_vocab_free(old);
    *vocab = fresh;
    return CEMBED_OK;
}

typedef struct {
    cembed_vocab **vocab;
    int64_t max_vocab_size;
    int64_t *min_reduce;
    int64_t raw_words, pieces;
} scan_state;

/* Count one sentence of n tokens (token i is buf[spans[2i], spans[2i+1]))
 * cut into pieces, pruning after each piece as gensim does after each
 * sentence of LineSentence. */
static int count_spans(scan_state *s, const char *buf, const int64_t *spans, int64_t n)
{
    for (int64_t first = 0; first < n; first += CEMBED_W2V_MAX_SENTENCE) {
        int64_t last = first + CEMBED_W2V_MAX_SENTENCE < n ? first + CEMBED_W2V_MAX_SENTENCE : n;
        for (int64_t i = first; i < last; i++) {
            int st = cembed_vocab_count_tokens(*s->vocab, buf, spans + 2 * i, 1, 0);
            if (st != CEMBED_OK)
                return st;
        }
        s->raw_words += last - first;
        s->pieces++;
        if (s->max_vocab_size > 0 && cembed_vocab_size(*s->vocab) > s->max_vocab_size) {
            int st = prune_vocab(s->vocab, *s->min_reduce);
            if (st != CEMBED_OK)
                return st;
            *s->min_reduce += 1;
        }
    }
    return CEMBED_OK;
}

/* ---- conversion to ids ------------------------------------------------- */

typedef struct {
    const cembed_vocab *vocab;
    cembed_i64vec *ids, *ends;
    int64_t raw_words;
} ids_state;

static int i64_push(cembed_i64vec *v, int64_t x)
{
    if (CEMBED_RESERVE(v->data, v->capacity, v->size + 1, 4096) != CEMBED_OK)
        return CEMBED_ERR_NOMEM;
    v->data[v->size++] = x;
    return CEMBED_OK;
}

/* Append the ids of one sentence's known words, piece by piece; a piece
 * with no known word adds no sentence. */
static int spans_to_ids(ids_state *s, const char *buf, const int64_t *spans, int64_t n)
{
    for (int64_t first = 0; first < n; first += CEMBED_W2V_MAX_SENTENCE) {
        int64_t last = first + CEMBED_W2V_MAX_SENTENCE < n ? first + CEMBED_W2V_MAX_SENTENCE : n;
        int64_t before = s->ids->size;
        for (int64_t i = first; i < last; i++) {
            int64_t id = cembed_vocab_find(s->vocab, buf + spans[2 * i], spans[2 * i + 1] - spans[2 * i]);
            if (id >= 0 && i64_push(s->ids, id) != CEMBED_OK)
                return CEMBED_ERR_NOMEM;
        }
        s->raw_words += last - first;
        if (s->ids->size > before && i64_push(s->ends, s->ids->size) != CEMBED_OK)
            return CEMBED_ERR_NOMEM;
    }
    return CEMBED_OK;
}

/* ---- in-memory sentences and files, for both passes -------------------- */

typedef int (*sentence_fn)(void *state, const char *buf, const int64_t *spans, int64_t n);

static int scan_cb(void *state, const char *buf, const int64_t *spans, int64_t n)
{
    return count_spans((scan_state *)state, buf, spans, n);
}

static int ids_cb(void *state, const char *buf, const int64_t *spans, int64_t n)
{
    return spans_to_ids((ids_state *)state, buf, spans, n);
}

/* Sentence s is buf[sent[s], sent[s+1]) split at white space (tok == NULL),
 * or tokens tok[sent[s]] .. tok[sent[s+1]) with token i buf[tok[i], tok[i+1]). */
static int each_sentence(const char *buf, const int64_t *tok, const int64_t *sent, int64_t n,
                         sentence_fn fn, void *state, int64_t *bad_sentence)
{
    span_buf b = {NULL, 0, 0};
    int st = CEMBED_OK;
    for (int64_t s = 0; s < n && st == CEMBED_OK; s++) {
        if (tok) {
            int64_t k = sent[s + 1] - sent[s];
            b.size = 0;
            for (int64_t i = 0; i < k && st == CEMBED_OK; i++)
                st = span_push(&b, tok[sent[s] + i], tok[sent[s] + i + 1]);
        } else {
            st = split_text(buf + sent[s], sent[s + 1] - sent[s], &b);
            for (int64_t i = 0; i < b.size; i++)
                b.spans[i] += sent[s];
        }
        if (st == CEMBED_OK)
            st = fn(state, buf, b.spans, b.size / 2);
        if (st != CEMBED_OK)
            *bad_sentence = s;
    }
    free(b.spans);
    return st;
}

static int file_error(cembed_w2v_error *err, int code, int64_t line, const char *msg)
{
    if (err) {
        err->line = line;
        err->offset = -1;
        err->sys_errno = code == CEMBED_ERR_IO ? (errno ? errno : EIO) : 0;
        snprintf(err->message, sizeof err->message, "%s", msg);
    }
    return code;
}

/* Read `path` line by line (a line ends at '\n') through one growing
 * buffer and hand each line's tokens to fn. */
static int each_line(const char *path, sentence_fn fn, void *state, cembed_w2v_error *err)
{
    errno = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return file_error(err, CEMBED_ERR_IO, 0, "cannot open the corpus file");
    int64_t cap = (int64_t)1 << 22, have = 0, line = 0;
    char *buf = (char *)malloc((size_t)cap);
    span_buf b = {NULL, 0, 0};
    int st = buf ? CEMBED_OK : CEMBED_ERR_NOMEM, eof = 0;
    while (st == CEMBED_OK && !(eof && have == 0)) {
        if (!eof) {
            if (have == cap && CEMBED_RESERVE(buf, cap, cap + 1, 1) != CEMBED_OK) {
                st = CEMBED_ERR_NOMEM;
                break;
            }
            size_t got = fread(buf + have, 1, (size_t)(cap - have), f);
            have += (int64_t)got;
            if (got == 0) {
                if (ferror(f)) {
                    st = file_error(err, CEMBED_ERR_IO, line + 1, "cannot read the corpus file");
                    break;
                }
                eof = 1;
            }
        }
        /* every complete line (and at the end of the file the last one) */
        int64_t start = 0;
        for (;;) {
            const char *nl = (const char *)memchr(buf + start, '\n', (size_t)(have - start));
            int64_t stop = nl ? (int64_t)(nl - buf) : (eof ? have : -1);
            if (stop < 0 || (stop == start && !nl))
                break;
            line++;
            st = split_text(buf + start, stop - start, &b);
            if (st == CEMBED_ERR_FORMAT) {
                file_error(err, st, line, "the corpus file is not valid UTF-8");
                break;
            }
            if (st == CEMBED_OK) {
                for (int64_t i = 0; i < b.size; i++)
                    b.spans[i] += start;
                st = fn(state, buf, b.spans, b.size / 2);
            }
            if (st != CEMBED_OK)
                break;
            start = nl ? stop + 1 : have;
        }
        memmove(buf, buf + start, (size_t)(have - start));
        have -= start;
    }
    free(b.spans);
    free(buf);
    fclose(f);
    return st;
}

int cembed_word2vec_scan(cembed_vocab **vocab, const char *buf, const int64_t *tok,
                         const int64_t *sent, int64_t num_sentences, int64_t max_vocab_size,
                         int64_t *min_reduce, int64_t *raw_words, int64_t *bad_sentence)
{
    scan_state s = {vocab, max_vocab_size, min_reduce, 0, 0};
    int st = each_sentence(buf, tok, sent, num_sentences, scan_cb, &s, bad_sentence);
    *raw_words += s.raw_words;
    return st;
}

int cembed_word2vec_scan_file(cembed_vocab **vocab, const char *path, int64_t max_vocab_size,
                              int64_t *min_reduce, int64_t *raw_words, int64_t *num_sentences,
                              cembed_w2v_error *err)
{
    scan_state s = {vocab, max_vocab_size, min_reduce, 0, 0};
    int st = each_line(path, scan_cb, &s, err);
    *raw_words += s.raw_words;
    *num_sentences += s.pieces;
    return st;
}

int cembed_word2vec_ids(const cembed_vocab *vocab, const char *buf, const int64_t *tok,
                        const int64_t *sent, int64_t num_sentences, cembed_i64vec *ids,
                        cembed_i64vec *ends, int64_t *raw_words, int64_t *bad_sentence)
{
    ids_state s = {vocab, ids, ends, 0};
    int st = each_sentence(buf, tok, sent, num_sentences, ids_cb, &s, bad_sentence);
    *raw_words += s.raw_words;
    return st;
}

int cembed_word2vec_ids_file(const cembed_vocab *vocab, const char *path, cembed_i64vec *ids,
                             cembed_i64vec *ends, int64_t *raw_words, cembed_w2v_error *err)
{
    ids_state s = {vocab, ids, ends, 0};
    int st = each_line(path, ids_cb, &s, err);
    *raw_words += s.raw_words;
    return st;
}

/* ---- training kernels -------------------------------------------------- */

#define EXP_TABLE_SIZE 1000
#define MAX_EXP 6
/* Words a region trains between two merges. A round's merge and copies
 * grow more slowly than its length (the frequent rows are written in every
 * round), so longer rounds are cheaper per word, but the regions see each
 * other's updates later. CBOW's analogy accuracy on dict-gcide (3 epochs,
 * 2 workers, corpus_file schedule) was 5.8 % at 4096, 6.2 % at 16384 and
 * 6.0 % at 65536 (gensim 5.8 to 6.1 %) while its CPU time per epoch fell
 * from about 4.7 s to 3.4 s, so CBOW merges every 65536 words. Skip-gram
 * scored 10.7 % at 16384 and at 65536 (gensim 10.3 to 10.5 %), 3 epochs
 * taking 12.2 s instead of about 13.5 s at 65536. */
#define ROUND_WORDS_SG 65536
#define ROUND_WORDS_CBOW 65536
#define LCG_MASK 281474976710655ULL
/* rows the merge fetches ahead of the one it merges */
#define MERGE_AHEAD 8

/* gensim's EXP_TABLE: the logistic function at 1000 points of [-6, 6) */
static void fill_exp_table(float *table)
{
    for (int i = 0; i < EXP_TABLE_SIZE; i++) {
        float e = (float)exp(((double)i / EXP_TABLE_SIZE * 2 - 1) * MAX_EXP);
        table[i] = e / (e + 1);
    }
}

CEMBED_INLINE float logistic(const float *table, float f)
{
    return table[(int)((f + MAX_EXP) * ((double)EXP_TABLE_SIZE / MAX_EXP / 2))];
}

static inline uint64_t lcg_next(uint64_t r)
{
    return (r * 25214903917ULL + 11) & LCG_MASK;
}

/* The 64-byte vectors never cross a function boundary that is not inlined;
 * GCC warns that their ABI would differ without AVX-512. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
typedef float v16f __attribute__((vector_size(64)));

typedef float v8f __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));

CEMBED_INLINE v16f load16(const float *p)
{
    v16f v;
    memcpy(&v, p, sizeof v);
    return v;
}

CEMBED_INLINE void store16(float *p, v16f v)
{
    memcpy(p, &v, sizeof v);
}

typedef int32_t v16i __attribute__((vector_size(64)));

/* Rows of 16 columns or more end with an overlapping vector of their last
 * 16 columns, of which the last `tail` lanes are new: a full load and store
 * instead of a partial one (GCC turns element loops into memcpy calls). */
CEMBED_INLINE v16i tail_mask(int64_t tail)
{
    const v16i lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    return lane >= (int32_t)(16 - tail);
}

CEMBED_INLINE v16f select16(v16i mask, v16f a, v16f b)
{
    return (v16f)(((v16i)a & mask) | ((v16i)b & ~mask));
}

/* the last `tail` (< 16) floats of a row shorter than 16, zero-padded */
CEMBED_INLINE v16f load_tail(const float *p, int64_t tail)
{
    v16f v = {0};
    for (int64_t k = 0; k < tail; k++) /* a masked load, not a memcpy call */
        v[k] = p[k];
    return v;
}

CEMBED_INLINE void store_tail(float *p, v16f v, int64_t tail)
{
    for (int64_t k = 0; k < tail; k++)
        p[k] = v[k];
}

/* The sum of 16 lanes in a fixed tree order. */
CEMBED_INLINE float hsum16(v16f v)
{
    v8f a, b;
    memcpy(&a, &v, sizeof a);
    memcpy(&b, (const char *)&v + sizeof a, sizeof b);
    a += b;
    v4f c, d;
    memcpy(&c, &a, sizeof c);
    memcpy(&d, (const char *)&a + sizeof c, sizeof d);
    c += d;
    return (c[0] + c[2]) + (c[1] + c[3]);
}

/* x . y: lane k sums the products of columns k, k + 16, ..., in order;
 * then the lanes are added in a fixed tree. */
CEMBED_INLINE float dot_f32(const float *x, const float *y, int64_t dim)
{
    v16f acc = {0};
    int64_t d = 0;
    for (; d + 16 <= dim; d += 16)
        acc += load16(x + d) * load16(y + d);
    if (d < dim) {
        if (dim >= 16) /* the last 16 columns, the ones done already masked off */
            acc += select16(tail_mask(dim - d), load16(x + dim - 16) * load16(y + dim - 16), (v16f){0});
        else
            acc += load_tail(x + d, dim - d) * load_tail(y + d, dim - d);
    }
    return hsum16(acc);
}

/* y += a * x */
CEMBED_INLINE void axpy_f32(float a, const float *x, float *y, int64_t dim)
{
    v16f av = a - (v16f){0};
    int64_t d = 0;
    for (; d + 16 <= dim; d += 16)
        store16(y + d, load16(y + d) + av * load16(x + d));
    if (d < dim) {
        if (dim >= 16) {
            v16f old = load16(y + dim - 16);
            store16(y + dim - 16, select16(tail_mask(dim - d), old + av * load16(x + dim - 16), old));
        } else
            store_tail(y + d, load_tail(y + d, dim - d) + av * load_tail(x + d, dim - d), dim - d);
    }
}

/* One output row of negative sampling: acc += g * out, then out += g * in
 * (gensim's two saxpy calls, in one pass over the row). */
CEMBED_INLINE void update_pair(float g, const float *in, float *out, float *acc, int64_t dim)
{
    v16f gv = g - (v16f){0};
    int64_t d = 0;
    for (; d + 16 <= dim; d += 16) {
        v16f o = load16(out + d);
        store16(acc + d, load16(acc + d) + gv * o);
        store16(out + d, o + gv * load16(in + d));
    }
    if (d < dim && dim >= 16) {
        const v16i m = tail_mask(dim - d);
        float *a = acc + dim - 16, *po = out + dim - 16;
        v16f o = load16(po), av = load16(a);
        store16(a, select16(m, av + gv * o, av));
        store16(po, select16(m, o + gv * load16(in + dim - 16), o));
    } else if (d < dim) {
        int64_t t = dim - d;
        v16f o = load_tail(out + d, t);
        store_tail(acc + d, load_tail(acc + d, t) + gv * o, t);
        store_tail(out + d, o + gv * load_tail(in + d, t), t);
    }
}

/* The same three operations on 8-float vectors, for the paths without
 * 64-byte registers (GCC keeps a 16-float vector there on the stack). The
 * dot product keeps 16 lanes as two halves, lane k in half k / 8, so its
 * additions are the ones of dot_f32 and the bits the same; the updates
 * are element-wise and give the same bits at any width. */
CEMBED_INLINE v8f load8(const float *p)
{
    v8f v;
    memcpy(&v, p, sizeof v);
    return v;
}

CEMBED_INLINE void store8(float *p, v8f v)
{
    memcpy(p, &v, sizeof v);
}

typedef int32_t v8i __attribute__((vector_size(32)));

CEMBED_INLINE v8f select8(v8i mask, v8f a, v8f b)
{
    return (v8f)(((v8i)a & mask) | ((v8i)b & ~mask));
}

CEMBED_INLINE float dot_f32x8(const float *x, const float *y, int64_t dim)
{
    if (dim < 16)
        return dot_f32(x, y, dim);
    v8f lo = {0}, hi = {0};
    int64_t d = 0;
    for (; d + 16 <= dim; d += 16) {
        lo += load8(x + d) * load8(y + d);
        hi += load8(x + d + 8) * load8(y + d + 8);
    }
    if (d < dim) { /* the last 16 columns, the ones done already masked off */
        const int32_t first = (int32_t)(16 - (dim - d));
        const v8i lane = {0, 1, 2, 3, 4, 5, 6, 7};
        const float *xe = x + dim - 16, *ye = y + dim - 16;
        lo += select8(lane >= first, load8(xe) * load8(ye), (v8f){0});
        hi += select8(lane + 8 >= first, load8(xe + 8) * load8(ye + 8), (v8f){0});
    }
    lo += hi;
    v4f c, e;
    memcpy(&c, &lo, sizeof c);
    memcpy(&e, (const char *)&lo + sizeof c, sizeof e);
    c += e;
    return (c[0] + c[2]) + (c[1] + c[3]);
}

CEMBED_INLINE void axpy_f32x8(float a, const float *x, float *y, int64_t dim)
{
    v8f av = a - (v8f){0};
    int64_t d = 0;
    for (; d + 8 <= dim; d += 8)
        store8(y + d, load8(y + d) + av * load8(x + d));
    for (; d < dim; d++)
        y[d] = y[d] + a * x[d];
}

CEMBED_INLINE void update_pair_x8(float g, const float *in, float *out, float *acc, int64_t dim)
{
    v8f gv = g - (v8f){0};
    int64_t d = 0;
    for (; d + 8 <= dim; d += 8) {
        v8f o = load8(out + d);
        store8(acc + d, load8(acc + d) + gv * o);
        store8(out + d, o + gv * load8(in + d));
    }
    for (; d < dim; d++) {
        const float o = out[d];
        acc[d] = acc[d] + g * o;
        out[d] = o + g * in[d];
    }
}

#define WIDE(isa) ((isa) == CEMBED_ISA_AVX512)
#define DOT(isa, x, y, dim) (WIDE(isa) ? dot_f32(x, y, dim) : dot_f32x8(x, y, dim))
#define AXPY(isa, a, x, y, dim) (WIDE(isa) ? axpy_f32(a, x, y, dim) : axpy_f32x8(a, x, y, dim))
#define UPDATE_PAIR(isa, g, in, out, acc, dim)                                             \
    (WIDE(isa) ? update_pair(g, in, out, acc, dim) : update_pair_x8(g, in, out, acc, dim))

/* ---- one region's share of an epoch ------------------------------------ */

typedef struct {
    int64_t num_words, dim;
    const int32_t *ids;
    const int64_t *ends; /* ends[s]: one past sentence s's last word */
    const uint32_t *sample_int;
    const uint32_t *cum_table;
    const int32_t *guide; /* guide[b]: first entry of cum_table > b << GUIDE_SHIFT */
    int sg;
    int64_t window, negative;
    double alpha, min_alpha;
    int64_t words_done, words_total;
    int region_decay;
    float exp_table[EXP_TABLE_SIZE];
} w2v_task;

#define GUIDE_SHIFT 15

/* gensim's draw: bisect_left(cum_table, (r >> 16) % cum_table[-1]); the
 * guide table narrows the search to one bucket's entries. */
CEMBED_INLINE int64_t draw_negative(const w2v_task *t, uint64_t r)
{
    const uint64_t y = r >> 16, m = t->cum_table[t->num_words - 1];
    uint32_t x;
    if (m == 2147483647u) { /* gensim's domain, 2^31 - 1: y % m without a division */
        uint64_t q = (y & m) + (y >> 31);
        q = (q & m) + (q >> 31);
        x = (uint32_t)(q >= m ? q - m : q);
    } else
        x = (uint32_t)(y % m);
    int64_t lo = t->guide[x >> GUIDE_SHIFT], hi = t->guide[(x >> GUIDE_SHIFT) + 1] + 1;
    if (hi > t->num_words)
        hi = t->num_words;
    while (hi > lo) {
        int64_t mid = (lo + hi) >> 1;
        if (t->cum_table[mid] >= x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* The draws of one centre word, made one word ahead of its training so
 * that the rows they name can be fetched from memory meanwhile: the window
 * [j0, j1) after gensim's reduced window, and the negatives in the order
 * gensim draws them (skip-gram: `negative` for each context word in
 * window order; CBOW: `negative` for the word). */
typedef struct {
    int64_t j0, j1;
    int32_t *neg;
} w2v_plan;

/* A worker's view of one matrix. Without private rows (slot == NULL) it
 * trains the shared matrix in place. With them the shared matrix is
 * read-only during a round: the first write to a row copies it into the
 * next private slot, and later reads and writes of that row use the copy.
 * The private rows are in slot order, so only the rows a round touches
 * occupy memory and cache. */
typedef struct {
    float *master;
    int32_t *slot;    /* slot[row]: the row's private copy, or -1 */
    float *rows;      /* private copy s at rows + s * dim */
    int32_t *touched; /* touched[s]: the row held in slot s */
    int64_t used;
} w2v_view;

CEMBED_INLINE float *row_read(const w2v_view *v, int64_t row, int64_t dim)
{
    if (v->slot) {
        const int32_t s = v->slot[row];
        if (s >= 0)
            return v->rows + (int64_t)s * dim;
    }
    return v->master + row * dim;
}

CEMBED_INLINE float *row_write(w2v_view *v, int64_t row, int64_t dim)
{
    if (!v->slot)
        return v->master + row * dim;
    int32_t s = v->slot[row];
    if (s < 0) {
        s = (int32_t)v->used++;
        v->slot[row] = s;
        v->touched[s] = (int32_t)row;
        memcpy(v->rows + (int64_t)s * dim, v->master + row * dim, (size_t)dim * sizeof(float));
    }
    return v->rows + (int64_t)s * dim;
}

typedef struct {
    w2v_view in, out; /* syn0 and syn1neg */
    float *work, *neu1;
    int32_t *sentence;
    w2v_plan plan[2];
    uint64_t rng;
    int64_t base; /* the region's first position */
    int64_t effective;
} w2v_worker;

/* Draw word i's plan; the draws are gensim's, in gensim's order (the
 * reduced window, then the negatives), so training consumes the stream
 * exactly as drawing just before each use would. */
CEMBED_INLINE uint64_t make_plan(const w2v_task *t, const int32_t *sentence, int64_t n, int64_t i,
                                 uint64_t r, w2v_plan *p)
{
    const int64_t b = (int64_t)((r >> 16) % (uint64_t)t->window);
    r = lcg_next(r);
    p->j0 = i - t->window + b > 0 ? i - t->window + b : 0;
    p->j1 = i + t->window + 1 - b < n ? i + t->window + 1 - b : n;
    const int64_t draws = t->sg ? (p->j1 - p->j0 - 1) * t->negative : t->negative;
    for (int64_t d = 0; d < draws; d++) {
        p->neg[d] = (int32_t)draw_negative(t, r);
        r = lcg_next(r);
    }
    (void)sentence;
    return r;
}

/* Fetch every line of the output rows one update will read: the word's
 * and its negatives'. */
CEMBED_INLINE void prefetch_outputs(const w2v_view *syn1, int64_t dim, int64_t word, const int32_t *neg,
                                    int64_t negative)
{
    cembed_prefetch_bytes(row_read(syn1, word, dim), dim * 4);
    for (int64_t d = 0; d < negative; d++)
        cembed_prefetch_bytes(row_read(syn1, neg[d], dim), dim * 4);
}

/* One update of negative sampling for the input vector l1 (a context
 * row, or CBOW's mean of the context rows): the word is the positive
 * target, neg[0 .. negative) the negatives (one equal to the word is
 * skipped, as gensim does). The output rows are updated in place; work
 * receives the gradient for the input. gensim's fast_sentence_*_neg. */
CEMBED_INLINE void negative_update(const int isa, const w2v_task *t, w2v_view *syn1, const float *l1,
                                   int64_t word, const int32_t *neg, float alpha, float *work)
{
    const int64_t dim = t->dim;
    memset(work, 0, (size_t)dim * sizeof(float));
    for (int64_t d = 0; d <= t->negative; d++) {
        const int64_t target = d == 0 ? word : neg[d - 1];
        if (d > 0 && target == word)
            continue;
        const float f = DOT(isa, l1, row_read(syn1, target, dim), dim);
        if (f <= -MAX_EXP || f >= MAX_EXP)
            continue; /* no change: the row stays shared */
        const float g = ((d == 0 ? 1.0f : 0.0f) - logistic(t->exp_table, f)) * alpha;
        UPDATE_PAIR(isa, g, l1, row_write(syn1, target, dim), work, dim);
    }
}

/* gensim's train_batch_sg / train_batch_cbow on sentences [s0, s1). */
CEMBED_INLINE int64_t train_sentences_body(const int isa, const w2v_task *t, w2v_worker *w,
                                           int64_t s0, int64_t s1)
{
    (void)isa;
    const int64_t dim = t->dim, neg = t->negative;
    w2v_view *const syn0 = &w->in, *const syn1 = &w->out;
    float *const work = w->work, *const neu1 = w->neu1;
    const int32_t *const sentence = w->sentence;
    uint64_t r = w->rng;
    for (int64_t s = s0; s < s1; s++) {
        const int64_t start = s > 0 ? t->ends[s - 1] : 0, stop = t->ends[s];
        const int64_t at = t->region_decay ? start - w->base : start;
        const double progress = (double)(t->words_done + at) / (double)t->words_total;
        double a = t->alpha - (t->alpha - t->min_alpha) * progress;
        const float alpha = (float)(a > t->min_alpha ? a : t->min_alpha);
        /* subsampling: keep a word when its sample_int >= the next draw */
        int64_t n = 0;
        for (int64_t i = start; i < stop; i++) {
            const int32_t word = t->ids[i];
            if (t->sample_int && t->sample_int[word] != UINT32_MAX) {
                uint64_t draw = r >> 16;
                r = lcg_next(r);
                if (t->sample_int[word] < draw)
                    continue;
            }
            w->sentence[n++] = word;
        }
        w->effective += n;
        if (n == 0)
            continue;
        r = make_plan(t, sentence, n, 0, r, &w->plan[0]);
        for (int64_t i = 0; i < n; i++) {
            const w2v_plan *p = &w->plan[i & 1], *next = &w->plan[(i + 1) & 1];
            if (i + 1 < n) {
                r = make_plan(t, sentence, n, i + 1, r, &w->plan[(i + 1) & 1]);
                if (!t->sg) /* the next word's context rows are mostly cached already */
                    prefetch_outputs(syn1, dim, sentence[i + 1], next->neg, neg);
            }
            const int64_t word = sentence[i], j0 = p->j0, j1 = p->j1;
            if (t->sg) {
                const int32_t *pair_neg = p->neg;
                for (int64_t j = j0; j < j1; j++) {
                    if (j == i)
                        continue;
                    /* the next pair's rows: this word's next context, or
                     * the next word's first */
                    int64_t nj = j + 1 == i ? j + 2 : j + 1;
                    if (nj < j1) {
                        cembed_prefetch_bytes(row_read(syn0, sentence[nj], dim), dim * 4);
                        prefetch_outputs(syn1, dim, word, pair_neg + neg, neg);
                    } else if (i + 1 < n) {
                        nj = next->j0 == i + 1 ? next->j0 + 1 : next->j0;
                        if (nj < next->j1) {
                            cembed_prefetch_bytes(row_read(syn0, sentence[nj], dim), dim * 4);
                            prefetch_outputs(syn1, dim, sentence[i + 1], next->neg, neg);
                        }
                    }
                    const int64_t ctx = sentence[j];
                    negative_update(isa, t, syn1, row_read(syn0, ctx, dim), word, pair_neg, alpha, work);
                    pair_neg += neg;
                    AXPY(isa, 1.0f, work, row_write(syn0, ctx, dim), dim);
                }
            } else {
                if (j1 - j0 < 2)
                    continue; /* no context: every update would be zero */
                memset(neu1, 0, (size_t)dim * sizeof(float));
                float count = 0.0f;
                for (int64_t j = j0; j < j1; j++) {
                    if (j == i)
                        continue;
                    count += 1.0f;
                    AXPY(isa, 1.0f, row_read(syn0, sentence[j], dim), neu1, dim);
                }
                const float inv = 1.0f / count;
                for (int64_t d = 0; d < dim; d++)
                    neu1[d] *= inv;
                negative_update(isa, t, syn1, neu1, word, p->neg, alpha, work);
                for (int64_t j = j0; j < j1; j++) {
                    if (j == i)
                        continue;
                    AXPY(isa, 1.0f, work, row_write(syn0, sentence[j], dim), dim);
                }
            }
        }
    }
    w->rng = r;
    return 0;
}

CEMBED_ISA_KERNEL(train_sentences, train_sentences_body,
                  (const w2v_task *t, w2v_worker *w, int64_t s0, int64_t s1), (t, w, s0, s1))

/* The rows the workers wrote in a round go back to the shared matrix: a
 * row one worker wrote becomes that worker's copy; a row several wrote
 * becomes old + the sum over them of (copy - old), in worker order. This
 * thread merges the rows with row % tn == tid, each once (at the first
 * worker that wrote it), then frees their slots. */
CEMBED_INLINE void merge_views_body(const int isa, w2v_view *const *views, int64_t workers, int64_t dim,
                                    int tid, int tn)
{
    (void)isa;
    const size_t bytes = (size_t)dim * sizeof(float);
    for (int64_t k = 0; k < workers; k++) {
        const w2v_view *v = views[k];
        for (int64_t s = 0; s < v->used; s++) {
            /* two stages ahead: the slots of a later row, then the master
             * row and the other workers' copies of a nearer one */
            if (s + 2 * MERGE_AHEAD < v->used) {
                const int64_t far = v->touched[s + 2 * MERGE_AHEAD];
                if (far % tn == tid)
                    for (int64_t j = k + 1; j < workers; j++)
                        cembed_prefetch_bytes(views[j]->slot + far, 4);
            }
            if (s + MERGE_AHEAD < v->used) {
                const int64_t near = v->touched[s + MERGE_AHEAD];
                if (near % tn == tid) {
                    cembed_prefetch_bytes_w(v->master + near * dim, dim * 4);
                    for (int64_t j = k + 1; j < workers; j++) {
                        const int32_t slot = views[j]->slot[near];
                        if (slot >= 0)
                            cembed_prefetch_bytes(views[j]->rows + (int64_t)slot * dim, dim * 4);
                    }
                }
            }
            const int64_t row = v->touched[s];
            if (row % tn != tid)
                continue;
            int64_t j = 0, others = 0;
            while (j < k && views[j]->slot[row] < 0)
                j++;
            if (j < k)
                continue; /* merged with an earlier worker's copy */
            for (j = k + 1; j < workers; j++)
                others += views[j]->slot[row] >= 0;
            float *m = v->master + row * dim;
            const float *own = v->rows + s * dim;
            if (!others) {
                memcpy(m, own, bytes);
                continue;
            }
            int64_t d = 0;
            for (; d + 8 <= dim; d += 8) { /* element-wise: any width, the same bits */
                const v8f old = load8(m + d);
                v8f sum = old + (load8(own + d) - old);
                for (j = k + 1; j < workers; j++)
                    if (views[j]->slot[row] >= 0)
                        sum += load8(views[j]->rows + (int64_t)views[j]->slot[row] * dim + d) - old;
                store8(m + d, sum);
            }
            for (; d < dim; d++) {
                const float old = m[d];
                float sum = old + (own[d] - old);
                for (j = k + 1; j < workers; j++)
                    if (views[j]->slot[row] >= 0)
                        sum += views[j]->rows[(int64_t)views[j]->slot[row] * dim + d] - old;
                m[d] = sum;
            }
        }
    }
    for (int64_t k = 0; k < workers; k++) {
        w2v_view *v = views[k];
        for (int64_t s = 0; s < v->used; s++)
            if (v->touched[s] % tn == tid)
                v->slot[v->touched[s]] = -1;
    }
}

CEMBED_ISA_KERNEL(merge_views, merge_views_body,
                  (w2v_view *const *views, int64_t workers, int64_t dim, int tid, int tn),
                  (views, workers, dim, tid, tn))

/* Room for a private copy of every row; the pages a round never reaches
 * stay unmapped. */
static int private_rows(w2v_view *v, int64_t num_words, int64_t dim)
{
    v->slot = (int32_t *)malloc((size_t)num_words * sizeof(int32_t));
    v->touched = (int32_t *)malloc((size_t)num_words * sizeof(int32_t));
    v->rows = (float *)malloc((size_t)num_words * (size_t)dim * sizeof(float));
    if (!v->slot || !v->touched || !v->rows)
        return CEMBED_ERR_NOMEM;
    memset(v->slot, 0xFF, (size_t)num_words * sizeof(int32_t));
    return CEMBED_OK;
}

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/* first sentence whose first word is at or after position pos */
static int64_t first_sentence_from(const int64_t *ends, int64_t num_sentences, int64_t pos)
{
    int64_t lo = 0, hi = num_sentences;
    while (hi > lo) { /* sentence s starts at ends[s-1] (0 for s = 0) */
        int64_t mid = (lo + hi) >> 1;
        int64_t start = mid > 0 ? ends[mid - 1] : 0;
        if (start >= pos)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static int cum_table_ok(const uint32_t *cum_table, int64_t num_words)
{
    if (num_words < 1 || cum_table[num_words - 1] == 0)
        return 0;
    for (int64_t i = 1; i < num_words; i++)
        if (cum_table[i] < cum_table[i - 1])
            return 0;
    return 1;
}

int cembed_word2vec_train_epoch(float *syn0, float *syn1neg, int64_t num_words, int64_t dim,
                                const int32_t *ids, const int64_t *ends, int64_t num_sentences,
                                const uint32_t *sample_int, const uint32_t *cum_table, int sg,
                                int64_t window, int64_t negative, double alpha, double min_alpha,
                                int64_t words_done, int64_t words_total, uint64_t seed,
                                int64_t epoch, int64_t workers, int hogwild, int region_decay,
                                int64_t *effective_words, int64_t *bad_pos)
{
    if (num_words < 1 || num_words > INT32_MAX || dim < 1 || window < 1 || negative < 1 || workers < 1
        || words_total < 1)
        return CEMBED_ERR_VALUE;
    if (!cum_table_ok(cum_table, num_words))
        return CEMBED_ERR_VALUE;
    const int64_t total = num_sentences > 0 ? ends[num_sentences - 1] : 0;
    for (int64_t s = 0; s < num_sentences; s++) {
        int64_t start = s > 0 ? ends[s - 1] : 0;
        if (ends[s] <= start || ends[s] - start > CEMBED_W2V_MAX_SENTENCE) {
            *bad_pos = s;
            return CEMBED_ERR_ORDER;
        }
    }
    for (int64_t i = 0; i < total; i++)
        if (ids[i] < 0 || ids[i] >= num_words) {
            *bad_pos = i;
            return CEMBED_ERR_INDEX;
        }
    *effective_words = 0;
    if (total == 0)
        return CEMBED_OK;
    int st = CEMBED_OK;

    /* the guide table of draw_negative */
    const int64_t buckets = ((int64_t)UINT32_MAX >> GUIDE_SHIFT) + 2;
    int32_t *guide = (int32_t *)malloc((size_t)buckets * sizeof(int32_t));
    if (!guide)
        return CEMBED_ERR_NOMEM;
    {
        int64_t k = 0;
        for (int64_t bkt = 0; bkt < buckets; bkt++) {
            uint64_t x = (uint64_t)bkt << GUIDE_SHIFT;
            while (k < num_words - 1 && cum_table[k] < x)
                k++;
            guide[bkt] = (int32_t)k;
        }
    }
    /* the last entry the search may return for a bucket is the first entry
     * >= the bucket's largest value: guide[b + 1] (set above), so searching
     * [guide[b], guide[b+1]] is exact */
    w2v_task task = {num_words, dim, ids, ends, sample_int, cum_table, guide, sg, window, negative,
                     alpha, min_alpha, words_done, words_total, region_decay, {0}};
    fill_exp_table(task.exp_table);

    int64_t region_first[65], nregions = workers;
    int64_t *first = region_first;
    if (workers + 1 > 65) {
        first = (int64_t *)malloc((size_t)(workers + 1) * sizeof(int64_t));
        if (!first) {
            free(guide);
            return CEMBED_ERR_NOMEM;
        }
    }
    for (int64_t k = 0; k < nregions; k++)
        first[k] = first_sentence_from(ends, num_sentences, total * k / nregions);
    first[nregions] = num_sentences;

    const int replicate = workers > 1 && !hogwild;
    w2v_view **views0 = NULL, **views1 = NULL;
    w2v_worker *wk = (w2v_worker *)calloc((size_t)workers, sizeof(w2v_worker));
    int64_t longest = 1;
    for (int64_t s = 0; s < num_sentences; s++) {
        int64_t len = ends[s] - (s > 0 ? ends[s - 1] : 0);
        if (len > longest)
            longest = len;
    }
    st = wk ? CEMBED_OK : CEMBED_ERR_NOMEM;
    if (st == CEMBED_OK && replicate) {
        views0 = (w2v_view **)calloc((size_t)workers, sizeof(w2v_view *));
        views1 = (w2v_view **)calloc((size_t)workers, sizeof(w2v_view *));
        if (!views0 || !views1)
            st = CEMBED_ERR_NOMEM;
    }
    for (int64_t k = 0; k < workers && st == CEMBED_OK; k++) {
        w2v_worker *w = &wk[k];
        w->in.master = syn0;
        w->out.master = syn1neg;
        if (replicate) {
            st = private_rows(&w->in, num_words, dim);
            if (st == CEMBED_OK)
                st = private_rows(&w->out, num_words, dim);
            views0[k] = &w->in;
            views1[k] = &w->out;
        }
        w->work = (float *)malloc((size_t)dim * sizeof(float));
        w->neu1 = (float *)malloc((size_t)dim * sizeof(float));
        w->sentence = (int32_t *)malloc((size_t)longest * sizeof(int32_t));
        const int64_t pairs = 2 * window < longest ? 2 * window : longest;
        w->plan[0].neg = (int32_t *)malloc((size_t)(pairs * negative) * sizeof(int32_t));
        w->plan[1].neg = (int32_t *)malloc((size_t)(pairs * negative) * sizeof(int32_t));
        w->base = first[k] > 0 ? ends[first[k] - 1] : 0;
        w->rng = splitmix64(splitmix64(seed ^ splitmix64((uint64_t)epoch)) + (uint64_t)k) & LCG_MASK;
        if (!w->work || !w->neu1 || !w->sentence || !w->plan[0].neg || !w->plan[1].neg)
            st = CEMBED_ERR_NOMEM;
    }

    if (st == CEMBED_OK) {
        /* rounds: sentences of region k starting in
         * [region start + r * round_words, + round_words) */
        const int64_t round_words = sg ? ROUND_WORDS_SG : ROUND_WORDS_CBOW;
        int64_t rounds = 1;
        if (replicate) {
            for (int64_t k = 0; k < nregions; k++) {
                if (first[k + 1] <= first[k])
                    continue;
                int64_t base = first[k] > 0 ? ends[first[k] - 1] : 0;
                int64_t last = first[k + 1] - 1;
                int64_t last_start = last > 0 ? ends[last - 1] : 0;
                int64_t rk = (last_start - base) / round_words + 1;
                if (rk > rounds)
                    rounds = rk;
            }
        }
        int nthreads = cembed_get_num_threads();
        if (!replicate && nthreads > workers)
            nthreads = (int)workers;
        CEMBED_OMP(parallel num_threads(nthreads))
        {
            int tid, tn;
            cembed_thread_id(&tid, &tn);
            for (int64_t r = 0; r < rounds; r++) {
                for (int64_t k = tid; k < nregions; k += tn) {
                    int64_t s0 = first[k], s1 = first[k + 1];
                    if (replicate) {
                        int64_t base = first[k] > 0 ? ends[first[k] - 1] : 0;
                        int64_t a = first_sentence_from(ends, num_sentences, base + r * round_words);
                        int64_t b = first_sentence_from(ends, num_sentences, base + (r + 1) * round_words);
                        s0 = a > s0 ? a : s0;
                        s1 = b < s1 ? b : s1;
                    }
                    wk[k].in.used = wk[k].out.used = 0; /* merged at the last barrier */
                    if (s1 > s0)
                        train_sentences(&task, &wk[k], s0, s1);
                }
                if (replicate) {
                    CEMBED_OMP(barrier)
                    merge_views(views0, workers, dim, tid, tn);
                    merge_views(views1, workers, dim, tid, tn);
                    CEMBED_OMP(barrier)
                }
            }
        }
        for (int64_t k = 0; k < workers; k++)
            *effective_words += wk[k].effective;
    }

    if (wk)
        for (int64_t k = 0; k < workers; k++) {
            free(wk[k].work);
            free(wk[k].neu1);
            free(wk[k].sentence);
            free(wk[k].plan[0].neg);
            free(wk[k].plan[1].neg);
            free(wk[k].in.slot);
            free(wk[k].in.touched);
            free(wk[k].in.rows);
            free(wk[k].out.slot);
            free(wk[k].out.touched);
            free(wk[k].out.rows);
        }
    free(wk);
    free(views0);
    free(views1);
    if (first != region_first)
        free(first);
    free(guide);
    return st;
}
