/*
 * classify.c - fastText's supervised text classifier (Joulin et al. 2016):
 * the dictionary (words, labels, hashed word n-grams), the examples as
 * rows of the input table, training by SGD with a linearly decaying
 * learning rate, and batched prediction.
 *
 * A text is split into tokens at the bytes of a delimiter table (fastText's
 * white space for files; Keras' default analyzer, ASCII lowercased here,
 * for Python strings) and ends with the end-of-line word "</s>", counted
 * like any word. Its rows are the ids of its known words, in order, then
 * one row per word n-gram (2 <= n <= word_ngrams) hashed from every token,
 * known or not: n_words + h % buckets with fastText's scheme.
 *
 * Training is synchronous over mini-batches of `batch` examples (a size
 * that does not depend on the thread count): the threads compute every
 * example's forward and backward against the same parameters, then each
 * row of either table is updated by one thread, adding the examples'
 * contributions in example order. So the model is bitwise the same for any
 * number of threads; batch = 1 is fastText's sequential SGD.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cembed.h"
#include "buffer.h"
#include "isa.h"
#include "parallel.h"
#include "vocab.h"

/* The hot kernels below (ft_mean_rows, ft_dots, ft_dot, ft_axpy, ft_scores_t,
 * ft_combine_t, ft_softmax_t, ft_sigmoid_t) are always-inlined bodies
 * compiled once per instruction-set path (isa.h; CEMBED_ISA forces one). Every path gives the same bits: dot
 * products sum in fixed lanes, the rest is element by element. */

/* ---- growable arrays ---------------------------------------------------- */

/* Grow buffer v to hold `need` elements (buffer.h), or return NOMEM. */
#define VEC_RESERVE(v, need)                                                              \
    do {                                                                                  \
        if (CEMBED_RESERVE((v)->data, (v)->cap, (need), 256) != CEMBED_OK)                \
            return CEMBED_ERR_NOMEM;                                                      \
    } while (0)

typedef struct {
    int32_t *data;
    int64_t size, cap;
} i32buf;

typedef struct {
    int64_t *data;
    int64_t size, cap;
} i64buf;

static int i32_push(i32buf *v, int32_t x)
{
    VEC_RESERVE(v, v->size + 1);
    v->data[v->size++] = x;
    return CEMBED_OK;
}

static int i64_push(i64buf *v, int64_t x)
{
    VEC_RESERVE(v, v->size + 1);
    v->data[v->size++] = x;
    return CEMBED_OK;
}

/* ---- fastText's hash ------------------------------------------------------ */

uint32_t cembed_ft_hash(const char *s, int64_t len)
{
    uint32_t h = 2166136261u;
    for (int64_t i = 0; i < len; i++) {
        h = h ^ (uint32_t)(int8_t)s[i];
        h = h * 16777619u;
    }
    return h;
}

/* ---- the dictionary ------------------------------------------------------- */

static const char EOS[] = "</s>";
#define EOS_LEN 4

struct cembed_ft_dict {
    uint8_t delim[256];
    char *label; /* the label prefix (files), NULL for none */
    int64_t label_len;
    cembed_vocab *count_words, *count_labels; /* while counting */
    cembed_vocab *words, *labels;             /* final: entry id = id */
    int64_t *word_counts, *label_counts;
    int64_t nwords, nlabels;
    int64_t buckets;
    int word_ngrams;
    int64_t doc; /* documents counted so far */
    int64_t ntokens;
    /* scratch of the serial readers */
    i64buf spans;
    i32buf hashes;
    char *low;
    int64_t low_cap;
};

cembed_ft_dict *cembed_ft_dict_new(const uint8_t *delim, const char *label, int64_t label_len)
{
    cembed_ft_dict *d = (cembed_ft_dict *)calloc(1, sizeof(cembed_ft_dict));
    if (!d)
        return NULL;
    memcpy(d->delim, delim, 256);
    d->count_words = cembed_vocab_new();
    d->count_labels = cembed_vocab_new();
    d->words = cembed_vocab_new();
    d->labels = cembed_vocab_new();
    if (label_len > 0) {
        d->label = (char *)malloc((size_t)label_len);
        if (d->label) {
            memcpy(d->label, label, (size_t)label_len);
            d->label_len = label_len;
        }
    }
    if (!d->count_words || !d->count_labels || !d->words || !d->labels
        || (label_len > 0 && !d->label)) {
        cembed_ft_dict_free(d);
        return NULL;
    }
    return d;
}

void cembed_ft_dict_free(cembed_ft_dict *d)
{
    if (!d)
        return;
    cembed_vocab_free(d->count_words);
    cembed_vocab_free(d->count_labels);
    cembed_vocab_free(d->words);
    cembed_vocab_free(d->labels);
    free(d->word_counts);
    free(d->label_counts);
    free(d->label);
    free(d->spans.data);
    free(d->hashes.data);
    free(d->low);
    free(d);
}

int64_t cembed_ft_dict_nwords(const cembed_ft_dict *d)
{
    return d->nwords;
}

int64_t cembed_ft_dict_nlabels(const cembed_ft_dict *d)
{
    return d->nlabels;
}

int64_t cembed_ft_dict_ntokens(const cembed_ft_dict *d)
{
    return d->ntokens;
}

void cembed_ft_dict_word(const cembed_ft_dict *d, int64_t i, const char **key, int64_t *len,
                         int64_t *count)
{
    int64_t value, c, docs;
    cembed_vocab_entry(d->words, i, key, len, &value, &c, &docs);
    *count = d->word_counts[i];
}

void cembed_ft_dict_label(const cembed_ft_dict *d, int64_t i, const char **key, int64_t *len,
                          int64_t *count)
{
    int64_t value, c, docs;
    cembed_vocab_entry(d->labels, i, key, len, &value, &c, &docs);
    *count = d->label_counts[i];
}

/* Split text into tokens at the delimiter bytes: spans gets (start, length)
 * pairs, relative to text. */
static int split_spans(const uint8_t *delim, const char *text, int64_t len, i64buf *spans)
{
    spans->size = 0;
    const uint8_t *p = (const uint8_t *)text, *end = p + len;
    while (p < end) {
        while (p < end && delim[*p])
            p++;
        if (p == end)
            break;
        const uint8_t *t = p;
        while (p < end && !delim[*p])
            p++;
        VEC_RESERVE(spans, spans->size + 2);
        spans->data[spans->size++] = (int64_t)(t - (const uint8_t *)text);
        spans->data[spans->size++] = (int64_t)(p - t);
    }
    return CEMBED_OK;
}

/* The text to split: itself, or its ASCII-lowercased copy in *low. */
static int lowered(const char *text, int64_t len, int lower, char **low, int64_t *low_cap,
                   const char **out)
{
    if (!lower) {
        *out = text;
        return CEMBED_OK;
    }
    if (CEMBED_RESERVE(*low, *low_cap, len, 4096) != CEMBED_OK)
        return CEMBED_ERR_NOMEM;
    for (int64_t i = 0; i < len; i++) {
        uint8_t b = (uint8_t)text[i];
        (*low)[i] = (char)((uint8_t)(b - 'A') < 26 ? b + 32 : b);
    }
    *out = *low;
    return CEMBED_OK;
}

static inline int is_label(const cembed_ft_dict *d, const char *tok, int64_t len)
{
    return d->label_len > 0 && len >= d->label_len && memcmp(tok, d->label, (size_t)d->label_len) == 0;
}

static int count_one(cembed_vocab *v, const char *tok, int64_t len, int64_t doc)
{
    int64_t off[2] = {0, len};
    return cembed_vocab_count_tokens(v, tok, off, 1, doc);
}

/* Count the tokens of one text (spans into text) and its "</s>"; labels
 * (with the prefix) are counted apart, *has_label says if there was one. */
static int count_spans(cembed_ft_dict *d, const char *text, const int64_t *spans, int64_t ns,
                       int *has_label)
{
    int st = CEMBED_OK;
    *has_label = 0;
    for (int64_t i = 0; i < ns && st == CEMBED_OK; i++) {
        const char *tok = text + spans[2 * i];
        int64_t len = spans[2 * i + 1];
        if (is_label(d, tok, len)) {
            *has_label = 1;
            st = count_one(d->count_labels, tok + d->label_len, len - d->label_len, d->doc);
        } else {
            st = count_one(d->count_words, tok, len, d->doc);
        }
    }
    if (st == CEMBED_OK)
        st = count_one(d->count_words, EOS, EOS_LEN, d->doc);
    d->ntokens += ns + 1;
    d->doc++;
    return st;
}

/* token lists: text i's tokens are j in [text_off[i], text_off[i+1]), token
 * j being buf[tok_off[j] .. tok_off[j+1]) */
static int token_spans(const int64_t *tok_off, int64_t j0, int64_t j1, i64buf *spans)
{
    spans->size = 0;
    VEC_RESERVE(spans, 2 * (j1 - j0));
    for (int64_t j = j0; j < j1; j++) {
        spans->data[spans->size++] = tok_off[j];
        spans->data[spans->size++] = tok_off[j + 1] - tok_off[j];
    }
    return CEMBED_OK;
}

/* Texts as the caller gives them: str texts (texts, lens, lower) or token
 * lists (buf, tok_off, text_off; texts NULL). */
typedef struct {
    const char *const *texts;
    const int64_t *lens;
    const uint8_t *lower;
    const char *buf;
    const int64_t *tok_off, *text_off;
} text_source;

/* Text i as its tokens: base[spans[2k] .. spans[2k] + spans[2k+1]). */
static int source_spans(const text_source *src, int64_t i, const uint8_t *delim, char **low,
                        int64_t *low_cap, i64buf *spans, const char **base)
{
    if (!src->texts) {
        *base = src->buf;
        return token_spans(src->tok_off, src->text_off[i], src->text_off[i + 1], spans);
    }
    int st = lowered(src->texts[i], src->lens[i], src->lower ? src->lower[i] : 0, low, low_cap,
                     base);
    return st == CEMBED_OK ? split_spans(delim, *base, src->lens[i], spans) : st;
}

static int count_source(cembed_ft_dict *d, const text_source *src, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        const char *base;
        int has_label;
        int st = source_spans(src, i, d->delim, &d->low, &d->low_cap, &d->spans, &base);
        if (st == CEMBED_OK)
            st = count_spans(d, base, d->spans.data, d->spans.size / 2, &has_label);
        if (st != CEMBED_OK)
            return st;
    }
    return CEMBED_OK;
}

int cembed_ft_dict_count_texts(cembed_ft_dict *d, const char *const *texts, const int64_t *lens,
                               const uint8_t *lower, int64_t n)
{
    const text_source src = {texts, lens, lower, NULL, NULL, NULL};
    return count_source(d, &src, n);
}

int cembed_ft_dict_count_tokens(cembed_ft_dict *d, const char *buf, const int64_t *tok_off,
                                const int64_t *text_off, int64_t n)
{
    const text_source src = {NULL, NULL, NULL, buf, tok_off, text_off};
    return count_source(d, &src, n);
}

/* ---- reading a training file ---------------------------------------------- */

/* fastText's white space: a file is split into lines at '\n' and lines into
 * tokens at these bytes. */
static const char FILE_SPACE[] = " \t\v\f\r";

typedef struct {
    FILE *f;
    char *buf;
    int64_t cap, start, end;
    int eof;
    int64_t line; /* 1-based number of the last line returned */
} line_reader;

static int reader_open(line_reader *r, const char *path, cembed_w2v_error *err)
{
    memset(r, 0, sizeof(*r));
    r->f = fopen(path, "rb");
    if (!r->f) {
        err->sys_errno = errno;
        snprintf(err->message, sizeof(err->message), "cannot open the file");
        return CEMBED_ERR_IO;
    }
    r->cap = (int64_t)1 << 20;
    r->buf = (char *)malloc((size_t)r->cap);
    if (!r->buf) {
        fclose(r->f);
        return CEMBED_ERR_NOMEM;
    }
    return CEMBED_OK;
}

static void reader_close(line_reader *r)
{
    if (r->f)
        fclose(r->f);
    free(r->buf);
}

/* The next line (without its '\n') in *line, *len; *got 0 at the end. */
static int reader_next(line_reader *r, const char **line, int64_t *len, int *got,
                       cembed_w2v_error *err)
{
    for (;;) {
        char *nl = r->end > r->start
                       ? (char *)memchr(r->buf + r->start, '\n', (size_t)(r->end - r->start))
                       : NULL;
        if (nl || (r->eof && r->end > r->start)) {
            int64_t stop = nl ? nl - r->buf : r->end;
            *line = r->buf + r->start;
            *len = stop - r->start;
            r->start = nl ? stop + 1 : stop;
            r->line++;
            *got = 1;
            return CEMBED_OK;
        }
        if (r->eof) {
            *got = 0;
            return CEMBED_OK;
        }
        /* move the partial line to the front, grow if it fills the buffer */
        if (r->start > 0) {
            memmove(r->buf, r->buf + r->start, (size_t)(r->end - r->start));
            r->end -= r->start;
            r->start = 0;
        }
        if (r->end == r->cap && CEMBED_RESERVE(r->buf, r->cap, r->cap + 1, 1) != CEMBED_OK)
            return CEMBED_ERR_NOMEM;
        size_t got_bytes = fread(r->buf + r->end, 1, (size_t)(r->cap - r->end), r->f);
        r->end += (int64_t)got_bytes;
        if (got_bytes == 0) {
            if (ferror(r->f)) {
                err->sys_errno = errno;
                snprintf(err->message, sizeof(err->message), "read error");
                return CEMBED_ERR_IO;
            }
            r->eof = 1;
        }
    }
}

static void file_delims(uint8_t *delim)
{
    memset(delim, 0, 256);
    for (const char *c = FILE_SPACE; *c; c++)
        delim[(uint8_t)*c] = 1;
    delim[0] = 1;
    delim['\n'] = 1;
}

/* What is done with each line of a training file: its tokens are
 * line[spans[2k] .. spans[2k] + spans[2k+1]); *has_label says whether one
 * of them is a label. */
typedef int (*line_fn)(void *ctx, const char *line, const int64_t *spans, int64_t ns,
                       int *has_label);

/* fn on each non-blank line of a training file, split at fastText's white
 * space into spans (scratch); a line without a label is a format error that
 * names it. *num_lines (may be NULL): the lines handed to fn. */
static int each_line(const char *path, i64buf *spans, line_fn fn, void *ctx, int64_t *num_lines,
                     cembed_w2v_error *err)
{
    uint8_t delim[256];
    file_delims(delim);
    line_reader r;
    int st = reader_open(&r, path, err);
    if (st != CEMBED_OK)
        return st;
    const char *line;
    int64_t len, n = 0;
    int got = 1;
    while (st == CEMBED_OK) {
        st = reader_next(&r, &line, &len, &got, err);
        if (st != CEMBED_OK || !got)
            break;
        st = split_spans(delim, line, len, spans);
        if (st != CEMBED_OK || spans->size == 0)
            continue; /* a blank line is no example */
        int has_label = 0;
        st = fn(ctx, line, spans->data, spans->size / 2, &has_label);
        if (st == CEMBED_OK && !has_label) {
            err->line = r.line;
            snprintf(err->message, sizeof(err->message), "line %lld has no label (no token starts with the label prefix)", (long long)r.line);
            st = CEMBED_ERR_FORMAT;
        }
        n++;
    }
    reader_close(&r);
    if (num_lines)
        *num_lines = n;
    return st;
}

static int count_line(void *ctx, const char *line, const int64_t *spans, int64_t ns,
                      int *has_label)
{
    return count_spans((cembed_ft_dict *)ctx, line, spans, ns, has_label);
}

int cembed_ft_dict_count_file(cembed_ft_dict *d, const char *path, int64_t *num_lines,
                              cembed_w2v_error *err)
{
    return each_line(path, &d->spans, count_line, d, num_lines, err);
}

/* ---- the final dictionary -------------------------------------------------- */

typedef struct {
    int64_t count, id;
} count_id;

static int by_count_desc(const void *a, const void *b)
{
    const count_id *x = (const count_id *)a, *y = (const count_id *)b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* The entries of `from` counted at least min_count times, by count, most
 * frequent first (ties in first-seen order), into `to`. */
static int finalize(const cembed_vocab *from, int64_t min_count, cembed_vocab *to,
                    int64_t **counts, int64_t *n_out, int32_t *map)
{
    int64_t n = cembed_vocab_size(from), k = 0;
    count_id *order = (count_id *)malloc((size_t)(n > 0 ? n : 1) * sizeof(count_id));
    int64_t *c = (int64_t *)malloc((size_t)(n > 0 ? n : 1) * sizeof(int64_t));
    if (!order || !c) {
        free(order);
        free(c);
        return CEMBED_ERR_NOMEM;
    }
    if (map) /* entry i of `from` becomes map[i], or -1 when dropped */
        for (int64_t i = 0; i < n; i++)
            map[i] = -1;
    for (int64_t i = 0; i < n; i++) {
        const char *key;
        int64_t len, value, count, docs;
        cembed_vocab_entry(from, i, &key, &len, &value, &count, &docs);
        if (count >= min_count) {
            order[k].count = count;
            order[k].id = i;
            k++;
        }
    }
    qsort(order, (size_t)k, sizeof(count_id), by_count_desc);
    cembed_vocab_clear(to);
    int st = CEMBED_OK;
    for (int64_t j = 0; j < k && st == CEMBED_OK; j++) {
        const char *key;
        int64_t len, value, count, docs, id;
        cembed_vocab_entry(from, order[j].id, &key, &len, &value, &count, &docs);
        st = cembed_vocab_insert(to, key, len, j, &id);
        c[j] = count;
        if (map)
            map[order[j].id] = (int32_t)j;
    }
    free(order);
    if (st != CEMBED_OK) {
        free(c);
        return st;
    }
    free(*counts);
    *counts = c;
    *n_out = k;
    return CEMBED_OK;
}

static int dict_finalize(cembed_ft_dict *d, int64_t min_count, int64_t min_count_label,
                         int64_t buckets, int word_ngrams, int32_t *word_map, int32_t *label_map)
{
    if (buckets < 0 || word_ngrams < 1)
        return CEMBED_ERR_VALUE;
    int st = finalize(d->count_words, min_count, d->words, &d->word_counts, &d->nwords, word_map);
    if (st == CEMBED_OK)
        st = finalize(d->count_labels, min_count_label, d->labels, &d->label_counts, &d->nlabels,
                      label_map);
    if (st != CEMBED_OK)
        return st;
    d->buckets = word_ngrams > 1 ? buckets : 0;
    d->word_ngrams = word_ngrams;
    cembed_vocab_clear(d->count_words);
    cembed_vocab_clear(d->count_labels);
    return CEMBED_OK;
}

int cembed_ft_dict_finalize(cembed_ft_dict *d, int64_t min_count, int64_t min_count_label,
                            int64_t buckets, int word_ngrams)
{
    return dict_finalize(d, min_count, min_count_label, buckets, word_ngrams, NULL, NULL);
}

/* Entries of `to` from a list, key i being buf[offsets[i] .. offsets[i+1]). */
static int set_keys(cembed_vocab *to, const char *buf, const int64_t *offsets, int64_t n,
                    int64_t **counts, int64_t *n_out)
{
    int64_t *c = (int64_t *)calloc((size_t)(n > 0 ? n : 1), sizeof(int64_t));
    if (!c)
        return CEMBED_ERR_NOMEM;
    cembed_vocab_clear(to);
    for (int64_t i = 0; i < n; i++) {
        int64_t id;
        int st = cembed_vocab_insert(to, buf + offsets[i], offsets[i + 1] - offsets[i], i, &id);
        if (st == CEMBED_OK && id != i)
            st = CEMBED_ERR_VALUE; /* a repeated key */
        if (st != CEMBED_OK) {
            free(c);
            *n_out = 0;
            return st;
        }
    }
    free(*counts);
    *counts = c;
    *n_out = n;
    return CEMBED_OK;
}

int cembed_ft_dict_set_words(cembed_ft_dict *d, const char *buf, const int64_t *offsets,
                             int64_t n, int64_t buckets, int word_ngrams)
{
    if (buckets < 0 || word_ngrams < 1)
        return CEMBED_ERR_VALUE;
    int st = set_keys(d->words, buf, offsets, n, &d->word_counts, &d->nwords);
    if (st != CEMBED_OK)
        return st;
    d->buckets = word_ngrams > 1 ? buckets : 0;
    d->word_ngrams = word_ngrams;
    return CEMBED_OK;
}

int cembed_ft_dict_set_labels(cembed_ft_dict *d, const char *buf, const int64_t *offsets,
                              int64_t n)
{
    return set_keys(d->labels, buf, offsets, n, &d->label_counts, &d->nlabels);
}

/* ---- examples ------------------------------------------------------------ */

struct cembed_ft_data {
    i32buf rows;     /* input-table rows of every example */
    i64buf row_off;  /* example i: rows[row_off[i] .. row_off[i+1]) */
    i32buf labels;   /* label ids */
    i64buf lab_off;
    i64buf tok;      /* tokens before example i (fastText's count, for lr) */
    i32buf hashes;   /* scratch */
    i64buf spans;
    char *low;
    int64_t low_cap;
};

cembed_ft_data *cembed_ft_data_new(void)
{
    cembed_ft_data *x = (cembed_ft_data *)calloc(1, sizeof(cembed_ft_data));
    if (!x)
        return NULL;
    if (i64_push(&x->row_off, 0) != CEMBED_OK || i64_push(&x->lab_off, 0) != CEMBED_OK
        || i64_push(&x->tok, 0) != CEMBED_OK) {
        cembed_ft_data_free(x);
        return NULL;
    }
    return x;
}

void cembed_ft_data_free(cembed_ft_data *x)
{
    if (!x)
        return;
    free(x->rows.data);
    free(x->row_off.data);
    free(x->labels.data);
    free(x->lab_off.data);
    free(x->tok.data);
    free(x->hashes.data);
    free(x->spans.data);
    free(x->low);
    free(x);
}

int64_t cembed_ft_data_size(const cembed_ft_data *x)
{
    return x->row_off.size - 1;
}

void cembed_ft_data_arrays(const cembed_ft_data *x, const int32_t **rows, const int64_t **row_off,
                           const int32_t **labels, const int64_t **label_off,
                           const int64_t **tokens)
{
    *rows = x->rows.data;
    *row_off = x->row_off.data;
    *labels = x->labels.data;
    *label_off = x->lab_off.data;
    *tokens = x->tok.data;
}

/* One text's input-table rows appended to rows: its known words, "</s>",
 * then its word n-grams (h is scratch for the tokens' hashes); label tokens
 * are appended to labels (when not NULL) or skipped. */
static int encode_rows(const cembed_ft_dict *d, const char *text, const int64_t *spans,
                       int64_t ns, i32buf *rows, i32buf *h, i32buf *labels, int *has_label)
{
    const int ngrams = d->word_ngrams > 1 && d->buckets > 0;
    h->size = 0;
    *has_label = 0;
    VEC_RESERVE(h, ns + 1);
    VEC_RESERVE(rows, rows->size + ns + 1);
    for (int64_t i = 0; i <= ns; i++) {
        const char *tok = i < ns ? text + spans[2 * i] : EOS;
        int64_t len = i < ns ? spans[2 * i + 1] : EOS_LEN;
        if (is_label(d, tok, len)) {
            *has_label = 1;
            if (labels) {
                int64_t lid = cembed_vocab_find(d->labels, tok + d->label_len, len - d->label_len);
                if (lid >= 0 && i32_push(labels, (int32_t)lid) != CEMBED_OK)
                    return CEMBED_ERR_NOMEM;
            }
            continue;
        }
        int64_t id = cembed_vocab_find(d->words, tok, len);
        if (id >= 0)
            rows->data[rows->size++] = (int32_t)id;
        if (ngrams) /* the hashes serve the n-grams alone */
            h->data[h->size++] = (int32_t)cembed_ft_hash(tok, len);
    }
    if (ngrams) {
        const int64_t m = h->size, nw = d->nwords;
        const uint64_t b = (uint64_t)d->buckets;
        VEC_RESERVE(rows, rows->size + m * (d->word_ngrams - 1));
        for (int64_t i = 0; i < m; i++) {
            uint64_t hh = (uint64_t)(int64_t)h->data[i];
            for (int64_t j = i + 1; j < m && j < i + d->word_ngrams; j++) {
                hh = hh * 116049371u + (uint64_t)(int64_t)h->data[j];
                rows->data[rows->size++] = (int32_t)(nw + (int64_t)(hh % b));
            }
        }
    }
    return CEMBED_OK;
}

/* One text as an example: its rows, and labels (when collect_labels). */
static int encode_spans(const cembed_ft_dict *d, cembed_ft_data *x, const char *text,
                        const int64_t *spans, int64_t ns, int collect_labels, int *has_label)
{
    int st = encode_rows(d, text, spans, ns, &x->rows, &x->hashes,
                         collect_labels ? &x->labels : NULL, has_label);
    if (st != CEMBED_OK)
        return st;
    if (i64_push(&x->row_off, x->rows.size) != CEMBED_OK
        || i64_push(&x->tok, x->tok.data[x->tok.size - 1] + ns + 1) != CEMBED_OK)
        return CEMBED_ERR_NOMEM;
    return CEMBED_OK;
}

/* Labels of the example just encoded, given by the caller. */
static int add_labels(cembed_ft_data *x, const int32_t *labels, const int64_t *label_off,
                      int64_t i)
{
    if (labels) {
        for (int64_t j = label_off[i]; j < label_off[i + 1]; j++)
            if (i32_push(&x->labels, labels[j]) != CEMBED_OK)
                return CEMBED_ERR_NOMEM;
    }
    return i64_push(&x->lab_off, x->labels.size);
}

static int add_source(cembed_ft_data *x, const cembed_ft_dict *d, const text_source *src,
                      int64_t n, const int32_t *labels, const int64_t *label_off)
{
    for (int64_t i = 0; i < n; i++) {
        const char *base;
        int has_label;
        int st = source_spans(src, i, d->delim, &x->low, &x->low_cap, &x->spans, &base);
        if (st == CEMBED_OK)
            st = encode_spans(d, x, base, x->spans.data, x->spans.size / 2, 0, &has_label);
        if (st == CEMBED_OK)
            st = add_labels(x, labels, label_off, i);
        if (st != CEMBED_OK)
            return st;
    }
    return CEMBED_OK;
}

int cembed_ft_data_add_texts(cembed_ft_data *x, const cembed_ft_dict *d, const char *const *texts,
                             const int64_t *lens, const uint8_t *lower, int64_t n,
                             const int32_t *labels, const int64_t *label_off)
{
    const text_source src = {texts, lens, lower, NULL, NULL, NULL};
    return add_source(x, d, &src, n, labels, label_off);
}

int cembed_ft_data_add_tokens(cembed_ft_data *x, const cembed_ft_dict *d, const char *buf,
                              const int64_t *tok_off, const int64_t *text_off, int64_t n,
                              const int32_t *labels, const int64_t *label_off)
{
    const text_source src = {NULL, NULL, NULL, buf, tok_off, text_off};
    return add_source(x, d, &src, n, labels, label_off);
}

typedef struct {
    cembed_ft_data *x;
    const cembed_ft_dict *d;
} encode_ctx;

static int encode_line(void *ctx, const char *line, const int64_t *spans, int64_t ns,
                       int *has_label)
{
    const encode_ctx *c = (const encode_ctx *)ctx;
    int st = encode_spans(c->d, c->x, line, spans, ns, 1, has_label);
    return st == CEMBED_OK ? i64_push(&c->x->lab_off, c->x->labels.size) : st;
}

int cembed_ft_data_add_file(cembed_ft_data *x, const cembed_ft_dict *d, const char *path,
                            cembed_w2v_error *err)
{
    encode_ctx c = {x, d};
    return each_line(path, &x->spans, encode_line, &c, NULL, err);
}

/* One line of a file as a provisional example: its words' entries in the
 * counting vocabulary (counted here), then its n-grams as -1 - h % buckets;
 * its labels' entries in the counting label vocabulary. */
static int read_line_counted(cembed_ft_dict *d, cembed_ft_data *x, const char *line,
                             const int64_t *spans, int64_t ns, int64_t buckets, int word_ngrams,
                             int *has_label)
{
    i32buf *rows = &x->rows, *h = &x->hashes;
    h->size = 0;
    *has_label = 0;
    VEC_RESERVE(h, ns + 1);
    VEC_RESERVE(rows, rows->size + ns + 1);
    for (int64_t i = 0; i <= ns; i++) {
        const char *tok = i < ns ? line + spans[2 * i] : EOS;
        const int64_t len = i < ns ? spans[2 * i + 1] : EOS_LEN;
        int64_t id;
        if (is_label(d, tok, len) && i == ns) {
            /* "</s>" under a prefix such as "<": counted as a word, as
             * cembed_ft_dict_count_file does, but no row */
            if (cembed_vocab_upsert(d->count_words, tok, len, cembed_vocab_hash(tok, len), 0, &id)
                != CEMBED_OK)
                return CEMBED_ERR_NOMEM;
            d->count_words->entries[id].count++;
            continue;
        }
        if (is_label(d, tok, len)) {
            const char *key = tok + d->label_len;
            const int64_t klen = len - d->label_len;
            *has_label = 1;
            int st = cembed_vocab_upsert(d->count_labels, key, klen, cembed_vocab_hash(key, klen),
                                         0, &id);
            if (st != CEMBED_OK || i32_push(&x->labels, (int32_t)id) != CEMBED_OK)
                return CEMBED_ERR_NOMEM;
            d->count_labels->entries[id].count++;
            continue;
        }
        int st = cembed_vocab_upsert(d->count_words, tok, len, cembed_vocab_hash(tok, len), 0, &id);
        if (st != CEMBED_OK)
            return st;
        d->count_words->entries[id].count++;
        rows->data[rows->size++] = (int32_t)id;
        if (word_ngrams > 1 && buckets > 0)
            h->data[h->size++] = (int32_t)cembed_ft_hash(tok, len);
    }
    if (word_ngrams > 1 && buckets > 0) {
        const int64_t m = h->size;
        const uint64_t b = (uint64_t)buckets;
        VEC_RESERVE(rows, rows->size + m * (word_ngrams - 1));
        for (int64_t i = 0; i < m; i++) {
            uint64_t hh = (uint64_t)(int64_t)h->data[i];
            for (int64_t j = i + 1; j < m && j < i + word_ngrams; j++) {
                hh = hh * 116049371u + (uint64_t)(int64_t)h->data[j];
                rows->data[rows->size++] = (int32_t)(-1 - (int64_t)(hh % b));
            }
        }
    }
    d->ntokens += ns + 1;
    d->doc++;
    return CEMBED_OK;
}

typedef struct {
    cembed_ft_dict *d;
    cembed_ft_data *x;
    int64_t buckets;
    int word_ngrams;
} read_ctx;

/* read_line_counted, then the example's offsets. */
static int read_line(void *ctx, const char *line, const int64_t *spans, int64_t ns,
                     int *has_label)
{
    const read_ctx *c = (const read_ctx *)ctx;
    cembed_ft_data *x = c->x;
    int st = read_line_counted(c->d, x, line, spans, ns, c->buckets, c->word_ngrams, has_label);
    if (st == CEMBED_OK
        && (i64_push(&x->row_off, x->rows.size) != CEMBED_OK
            || i64_push(&x->lab_off, x->labels.size) != CEMBED_OK
            || i64_push(&x->tok, x->tok.data[x->tok.size - 1] + ns + 1) != CEMBED_OK))
        st = CEMBED_ERR_NOMEM;
    return st;
}

/* Entries [off[e], off[e+1]) of v mapped in place: v >= 0 to map[v]
 * (dropped when -1), v < 0 to base - 1 - v. */
static void remap_entries(int32_t *v, int64_t *off, int64_t n, const int32_t *map, int64_t base)
{
    int64_t w = 0;
    for (int64_t e = 0; e < n; e++) {
        const int64_t a = off[e], b = off[e + 1];
        off[e] = w;
        for (int64_t j = a; j < b; j++) {
            const int32_t u = v[j];
            if (u < 0)
                v[w++] = (int32_t)(base - 1 - (int64_t)u);
            else if (map[u] >= 0)
                v[w++] = map[u];
        }
    }
    off[n] = w;
}

int cembed_ft_read_file(cembed_ft_dict *d, cembed_ft_data *x, const char *path,
                        int64_t min_count, int64_t min_count_label, int64_t buckets,
                        int word_ngrams, int64_t *num_lines, cembed_w2v_error *err)
{
    if (buckets < 0 || word_ngrams < 1 || cembed_ft_data_size(x) != 0 || d->doc != 0)
        return CEMBED_ERR_VALUE;
    read_ctx c = {d, x, word_ngrams > 1 ? buckets : 0, word_ngrams};
    int st = each_line(path, &x->spans, read_line, &c, num_lines, err);
    if (st != CEMBED_OK)
        return st;
    const int64_t nw = cembed_vocab_size(d->count_words), nl = cembed_vocab_size(d->count_labels);
    int32_t *word_map = (int32_t *)malloc((size_t)(nw > 0 ? nw : 1) * sizeof(int32_t));
    int32_t *label_map = (int32_t *)malloc((size_t)(nl > 0 ? nl : 1) * sizeof(int32_t));
    st = word_map && label_map ? dict_finalize(d, min_count, min_count_label, buckets, word_ngrams,
                                               word_map, label_map)
                               : CEMBED_ERR_NOMEM;
    if (st == CEMBED_OK) {
        const int64_t ne = cembed_ft_data_size(x);
        remap_entries(x->rows.data, x->row_off.data, ne, word_map, d->nwords);
        remap_entries(x->labels.data, x->lab_off.data, ne, label_map, 0);
        x->rows.size = x->row_off.data[ne];
        x->labels.size = x->lab_off.data[ne];
    }
    free(word_map);
    free(label_map);
    return st;
}

/* ---- kernels ------------------------------------------------------------- */

/* Rows are prefetched this many ahead: a text's rows are scattered. */
#define FT_AHEAD 4
/* Rows of the next text prefetched while a text is pooled or trained. */
#define FT_PREFETCH_ROWS 32
/* Dot products sum in 16 lanes (lane k takes the elements d = k mod 16),
 * then the lanes pairwise in a fixed tree: the compiler vectorizes that
 * without reassociating, so every instruction set gives the same bits. */
#define FT_LANES 16
/* Multiply-adds a thread must get per batch before a batch is split. */
#define FT_WORK_PER_THREAD ((int64_t)1 << 16)
/* Batches timed together when choosing the thread count; every
 * FT_EXPLORE-th such segment tries the count that was slower. */
#define FT_SEGMENT 64
#define FT_EXPLORE 8
#define FT_EXPLORE_MAX 1024
/* Batches a trial of the other thread count runs: short, as on a busy
 * machine it can cost a time slice a barrier. */
#define FT_PROBE 8

CEMBED_INLINE float dot_body(const int isa, const float *CEMBED_RESTRICT a, const float *CEMBED_RESTRICT b,
                             int64_t dim)
{
    (void)isa;
    float lane[FT_LANES] = {0};
    int64_t d = 0;
    for (; d + FT_LANES <= dim; d += FT_LANES)
        for (int k = 0; k < FT_LANES; k++)
            lane[k] += a[d + k] * b[d + k];
    float tail = 0.0f;
    for (; d < dim; d++)
        tail += a[d] * b[d];
    /* the lanes added pairwise, halves onto halves: 4 vector steps */
    for (int w = FT_LANES / 2; w >= 1; w /= 2)
        for (int k = 0; k < w; k++)
            lane[k] += lane[k + w];
    return lane[0] + tail;
}

CEMBED_INLINE void axpy_body(const int isa, float *CEMBED_RESTRICT y, float a, const float *CEMBED_RESTRICT x,
                             int64_t dim)
{
    (void)isa;
    for (int64_t d = 0; d < dim; d++)
        y[d] += a * x[d];
}

/* h = the mean of the n rows (zeros when n = 0), as fastText's
 * computeHidden: the sum in row order, times 1/n. */
CEMBED_INLINE void mean_rows_body(const int isa, float *CEMBED_RESTRICT h, const float *wi, int64_t dim,
                                  const int32_t *rows, int64_t n)
{
    (void)isa;
    for (int64_t d = 0; d < dim; d++)
        h[d] = 0.0f;
    for (int64_t j = 0; j < n; j++) {
        if (j + FT_AHEAD < n)
            cembed_prefetch_bytes(wi + (int64_t)rows[j + FT_AHEAD] * dim, dim * 4);
        const float *CEMBED_RESTRICT w = wi + (int64_t)rows[j] * dim;
        for (int64_t d = 0; d < dim; d++)
            h[d] += w[d];
    }
    if (n > 0) {
        const float s = (float)(1.0 / (double)n);
        for (int64_t d = 0; d < dim; d++)
            h[d] *= s;
    }
}

/* out[i] = wo[i, :] . h for i < m */
CEMBED_INLINE void dots_body(const int isa, float *out, const float *wo, int64_t m, int64_t dim, const float *h)
{
    for (int64_t i = 0; i < m; i++)
        out[i] = dot_body(isa, wo + i * dim, h, dim);
}


/* e^x with float steps only (no library call, no table): Cephes' expf,
 * x = n ln 2 + r with n rounded by the 1.5 * 2^23 trick, e^r by its degree-6
 * polynomial, 2^n put in the exponent bits. Within 2 ulp of expf; 0 below
 * -87 and +inf above 88. Every step is element by element, so a loop of it
 * vectorizes and gives the same bits on every instruction-set path. */
static inline float ft_expf(float x)
{
    const float xc = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
    const float t = xc * 1.44269504088896341f + 12582912.0f;
    const float n = t - 12582912.0f;
    float r = xc - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    union { float f; int32_t i; } bits = {t}, scale;
    scale.i = (bits.i - 0x4B400000 + 127) * (1 << 23);
    const float y = p * scale.f;
    return x < -87.0f ? 0.0f : (x > 88.0f ? HUGE_VALF : y);
}

/* The output layer of softmax and one-vs-all training is held transposed,
 * woT[d * np + i] = wo[i, d], with the labels padded to np, a multiple of
 * FT_LANES: every label's score is then a vector operation across labels
 * (10 of them at dim 10, where a dot product a label would be 58 short
 * horizontal sums), and the update of the layer too. */

/* s[i] = sum over d of woT[d, i] h[d], d in order, for i < np */
CEMBED_INLINE void scores_t_body(const int isa, float *CEMBED_RESTRICT s,
                                 const float *CEMBED_RESTRICT woT, int64_t np, int64_t dim,
                                 const float *CEMBED_RESTRICT h)
{
    (void)isa;
    for (int64_t i = 0; i < np; i++)
        s[i] = 0.0f;
    for (int64_t d = 0; d < dim; d++) {
        const float hd = h[d];
        const float *CEMBED_RESTRICT w = woT + d * np;
        for (int64_t i = 0; i < np; i++)
            s[i] += w[i] * hd;
    }
}

/* g[d] += sum over i of alpha[i] woT[d, i]: FT_LANES lanes across the
 * labels, then the lanes added pairwise in a fixed tree */
CEMBED_INLINE void combine_t_body(const int isa, float *CEMBED_RESTRICT g,
                                  const float *CEMBED_RESTRICT alpha,
                                  const float *CEMBED_RESTRICT woT, int64_t np, int64_t dim)
{
    (void)isa;
    for (int64_t d = 0; d < dim; d++) {
        const float *CEMBED_RESTRICT w = woT + d * np;
        float lane[FT_LANES] = {0};
        for (int64_t i = 0; i < np; i += FT_LANES)
            for (int k = 0; k < FT_LANES; k++)
                lane[k] += alpha[i + k] * w[i + k];
        for (int wd = FT_LANES / 2; wd >= 1; wd /= 2)
            for (int k = 0; k < wd; k++)
                lane[k] += lane[k + wd];
        g[d] += lane[0];
    }
}

/* Softmax over the first m of np scores, in place, the rest set to 0:
 * e^(s - max) by ft_expf, their sum in FT_LANES lanes and a fixed tree.
 * Returns nothing; p[i] for i < m sum to 1. */
CEMBED_INLINE void softmax_t_body(const int isa, float *CEMBED_RESTRICT p, int64_t m, int64_t np)
{
    (void)isa;
    float mx = p[0];
    for (int64_t i = 1; i < m; i++)
        mx = p[i] > mx ? p[i] : mx;
    for (int64_t i = 0; i < m; i++)
        p[i] = ft_expf(p[i] - mx);
    for (int64_t i = m; i < np; i++)
        p[i] = 0.0f;
    float lane[FT_LANES] = {0};
    for (int64_t i = 0; i < np; i += FT_LANES)
        for (int k = 0; k < FT_LANES; k++)
            lane[k] += p[i + k];
    for (int wd = FT_LANES / 2; wd >= 1; wd /= 2)
        for (int k = 0; k < wd; k++)
            lane[k] += lane[k + wd];
    const float z = lane[0];
    for (int64_t i = 0; i < m; i++)
        p[i] /= z;
}

/* p[i] = 1 / (1 + e^-s[i]) for i < m, in place */
CEMBED_INLINE void sigmoid_t_body(const int isa, float *CEMBED_RESTRICT p, int64_t m)
{
    (void)isa;
    for (int64_t i = 0; i < m; i++)
        p[i] = 1.0f / (1.0f + ft_expf(-p[i]));
}

CEMBED_ISA_KERNEL(ft_scores_t, scores_t_body,
                  (float *s, const float *woT, int64_t np, int64_t dim, const float *h),
                  (s, woT, np, dim, h))
CEMBED_ISA_KERNEL(ft_combine_t, combine_t_body,
                  (float *g, const float *alpha, const float *woT, int64_t np, int64_t dim),
                  (g, alpha, woT, np, dim))
CEMBED_ISA_KERNEL(ft_softmax_t, softmax_t_body, (float *p, int64_t m, int64_t np), (p, m, np))
CEMBED_ISA_KERNEL(ft_sigmoid_t, sigmoid_t_body, (float *p, int64_t m), (p, m))
CEMBED_ISA_KERNEL(ft_mean_rows, mean_rows_body,
                  (float *h, const float *wi, int64_t dim, const int32_t *rows, int64_t n),
                  (h, wi, dim, rows, n))
CEMBED_ISA_KERNEL(ft_dots, dots_body,
                  (float *out, const float *wo, int64_t m, int64_t dim, const float *h),
                  (out, wo, m, dim, h))
CEMBED_ISA_KERNEL_RET(float, ft_dot, dot_body, (const float *a, const float *b, int64_t dim),
                      (a, b, dim))
CEMBED_ISA_KERNEL(ft_axpy, axpy_body, (float *y, float a, const float *x, int64_t dim),
                  (y, a, x, dim))

static inline float sigmoidf(float x)
{
    return 1.0f / (1.0f + expf(-x));
}

/* fastText's log of a probability: log(p + 1e-5) */
static inline double ft_log(double p)
{
    return log(p + 1e-5);
}

static inline void softmax_inplace(float *p, int64_t m)
{
    float mx = p[0], z = 0.0f;
    for (int64_t i = 1; i < m; i++)
        mx = p[i] > mx ? p[i] : mx;
    for (int64_t i = 0; i < m; i++) {
        p[i] = expf(p[i] - mx);
        z += p[i];
    }
    for (int64_t i = 0; i < m; i++)
        p[i] /= z;
}

static inline uint64_t splitmix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* Rows [r0, r1) of w uniform in [-b, b): row r's values are drawn from
 * its own seed, one 64-bit hash of (row seed + pair number) giving two
 * 24-bit uniforms, element p of the row and element p + ceil(dim/2). No
 * value depends on another, so the loop vectorizes (the 2M-row bucket
 * table of bigrams is the largest cost of a short training otherwise),
 * and integer hashing and exact float steps give every path the same bits. */
CEMBED_INLINE void init_rows_body(const int isa, float *CEMBED_RESTRICT w, int64_t r0, int64_t r1,
                                  int64_t dim, uint64_t seed, float b)
{
    (void)isa;
    const int64_t half = (dim + 1) / 2, pairs = dim / 2;
    /* 2u - 1 for u = k / 2^24 is k / 2^23 - 1, exact in float */
    const float step = 1.0f / 8388608.0f;
    for (int64_t r = r0; r < r1; r++) {
        const uint64_t base = splitmix64(seed ^ splitmix64((uint64_t)r));
        float *CEMBED_RESTRICT row = w + r * dim;
        for (int64_t p = 0; p < pairs; p++) {
            const uint64_t z = splitmix64(base + (uint64_t)p * 0x9E3779B97F4A7C15ull);
            row[p] = ((float)(int32_t)(z >> 40) * step - 1.0f) * b;
            row[p + half] = ((float)(int32_t)((z >> 16) & 0xFFFFFF) * step - 1.0f) * b;
        }
        if (half > pairs) {
            const uint64_t z = splitmix64(base + (uint64_t)pairs * 0x9E3779B97F4A7C15ull);
            row[pairs] = ((float)(int32_t)(z >> 40) * step - 1.0f) * b;
        }
    }
}

CEMBED_ISA_KERNEL(ft_init_rows, init_rows_body,
                  (float *w, int64_t r0, int64_t r1, int64_t dim, uint64_t seed, float b),
                  (w, r0, r1, dim, seed, b))

void cembed_ft_init_uniform_f32(float *w, int64_t rows, int64_t dim, double bound, uint64_t seed)
{
    const int nt = cembed_threads_for(rows * dim * 4);
    (void)nt; /* unused without OpenMP */
    const int64_t block = 1024;
    CEMBED_OMP(parallel for schedule(static) num_threads(nt))
    for (int64_t r0 = 0; r0 < rows; r0 += block)
        ft_init_rows(w, r0, rows - r0 < block ? rows : r0 + block, dim, seed, (float)bound);
}

/* ---- hierarchical softmax: fastText's Huffman tree ------------------------ */

int cembed_ft_huffman(const int64_t *counts, int64_t n, int32_t *parent, uint8_t *binary)
{
    if (n < 1)
        return CEMBED_ERR_VALUE;
    for (int64_t i = 1; i < n; i++)
        if (counts[i] > counts[i - 1])
            return CEMBED_ERR_ORDER; /* counts must be non-increasing */
    const int64_t m = 2 * n - 1;
    int64_t *count = (int64_t *)malloc((size_t)m * sizeof(int64_t));
    if (!count)
        return CEMBED_ERR_NOMEM;
    for (int64_t i = 0; i < m; i++) {
        count[i] = i < n ? counts[i] : (int64_t)1e15;
        parent[i] = -1;
        binary[i] = 0;
    }
    int64_t leaf = n - 1, node = n;
    for (int64_t i = n; i < m; i++) {
        int64_t mini[2];
        for (int j = 0; j < 2; j++) {
            if (leaf >= 0 && count[leaf] < count[node])
                mini[j] = leaf--;
            else
                mini[j] = node++;
        }
        count[i] = count[mini[0]] + count[mini[1]];
        parent[mini[0]] = (int32_t)i;
        parent[mini[1]] = (int32_t)i;
        binary[mini[1]] = 1;
    }
    free(count);
    return CEMBED_OK;
}

/* ---- training -------------------------------------------------------------- */

typedef struct {
    float *wi, *wo;
    float *wot;      /* softmax, one-vs-all: wo transposed, labels padded to lp */
    int64_t dim, nlabels, lp;
    const cembed_ft_data *x;
    int loss;
    const int32_t *parent;
    const uint8_t *binary;
    double lr0, t0, t_total; /* lr = lr0 * (1 - (t0 + tok[e]) / t_total) */
    int64_t epoch;
    uint64_t seed;
    int64_t stride; /* alpha entries per slot */
    int64_t streams; /* batch j holds examples j, j + streams, j + 2 streams, ... */
    double seen;     /* tokens of the batches before this one, this epoch */
    /* per batch slot */
    float *hidden, *grad, *alpha;
    int32_t *nodes;
    int64_t *count; /* alpha entries used; -1: the example is skipped */
    double *lossv;
} train_ctx;

static inline int has_label(const int32_t *labels, int64_t j0, int64_t j1, int64_t i)
{
    for (int64_t j = j0; j < j1; j++)
        if (labels[j] == i)
            return 1;
    return 0;
}

/* Forward and backward of example e into batch slot s, against the
 * current parameters (read only). */
static void train_example(const train_ctx *c, int64_t e, int64_t s, double before)
{
    const cembed_ft_data *x = c->x;
    const int64_t r0 = x->row_off.data[e], nr = x->row_off.data[e + 1] - r0;
    const int64_t l0 = x->lab_off.data[e], l1 = x->lab_off.data[e + 1];
    const int64_t dim = c->dim, nl = c->nlabels;
    if (nr == 0 || l1 == l0) {
        c->count[s] = -1;
        c->lossv[s] = 0.0;
        return;
    }
    const float lr = (float)(c->lr0 * (1.0 - (c->t0 + before) / c->t_total));
    float *h = c->hidden + s * dim, *g = c->grad + s * dim, *alpha = c->alpha + s * c->stride;
    const int32_t *labels = x->labels.data;
    ft_mean_rows(h, c->wi, dim, x->rows.data + r0, nr);
    for (int64_t d = 0; d < dim; d++)
        g[d] = 0.0f;
    double loss = 0.0;
    int64_t target = labels[l0];
    if (c->loss != CEMBED_FT_OVA && l1 - l0 > 1) {
        /* fastText draws one of several labels at random */
        uint64_t r = splitmix64(c->seed ^ splitmix64((uint64_t)c->epoch ^ splitmix64((uint64_t)e)));
        target = labels[l0 + (int64_t)(r % (uint64_t)(l1 - l0))];
    }
    if (c->loss == CEMBED_FT_SOFTMAX) {
        ft_scores_t(alpha, c->wot, c->lp, dim, h);
        ft_softmax_t(alpha, nl, c->lp);
        loss = -ft_log(alpha[target]);
        for (int64_t i = 0; i < nl; i++)
            alpha[i] = lr * ((i == target ? 1.0f : 0.0f) - alpha[i]);
        ft_combine_t(g, alpha, c->wot, c->lp, dim);
        c->count[s] = nl;
    } else if (c->loss == CEMBED_FT_OVA) {
        ft_scores_t(alpha, c->wot, c->lp, dim, h);
        ft_sigmoid_t(alpha, nl);
        for (int64_t i = 0; i < nl; i++) {
            const int pos = has_label(labels, l0, l1, i);
            const float f = alpha[i];
            loss -= ft_log(pos ? f : 1.0f - f);
            alpha[i] = lr * ((float)pos - f);
        }
        for (int64_t i = nl; i < c->lp; i++)
            alpha[i] = 0.0f;
        ft_combine_t(g, alpha, c->wot, c->lp, dim);
        c->count[s] = nl;
    } else { /* CEMBED_FT_HS: the binary decisions on the path to the root */
        int32_t *nodes = c->nodes + s * c->stride;
        int64_t k = 0;
        for (int64_t j = target; c->parent[j] != -1; j = c->parent[j], k++) {
            const int64_t node = c->parent[j] - nl;
            const int code = c->binary[j];
            const float f = sigmoidf(ft_dot(c->wo + node * dim, h, dim));
            loss -= ft_log(code ? f : 1.0f - f);
            alpha[k] = lr * ((float)code - f);
            nodes[k] = (int32_t)node;
            ft_axpy(g, alpha[k], c->wo + node * dim, dim);
        }
        c->count[s] = k;
    }
    const float inv = (float)(1.0 / (double)nr);
    for (int64_t d = 0; d < dim; d++)
        g[d] *= inv;
    c->lossv[s] = loss;
}

/* Thread t of tn applies the batch's updates to the rows it owns: output
 * rows of its share (softmax, one-vs-all) or numbered t mod tn (hs), and
 * input rows numbered t mod tn, each adding the slots in order. */
static void apply_updates(const train_ctx *c, int64_t j, int64_t nb, int t, int tn)
{
    const cembed_ft_data *x = c->x;
    const int64_t dim = c->dim;
    if (c->loss == CEMBED_FT_HS) {
        for (int64_t s = 0; s < nb; s++) {
            const int32_t *nodes = c->nodes + s * c->stride;
            const float *alpha = c->alpha + s * c->stride;
            for (int64_t k = 0; k < c->count[s]; k++)
                if (nodes[k] % tn == t)
                    ft_axpy(c->wo + (int64_t)nodes[k] * dim, alpha[k], c->hidden + s * dim, dim);
        }
    } else { /* woT's rows (one a dimension) of this thread's share */
        const int64_t lo = dim * t / tn, hi = dim * (t + 1) / tn;
        for (int64_t s = 0; s < nb; s++) {
            if (c->count[s] < 0)
                continue;
            const float *alpha = c->alpha + s * c->stride, *h = c->hidden + s * dim;
            for (int64_t d = lo; d < hi; d++)
                ft_axpy(c->wot + d * c->lp, h[d], alpha, c->lp);
        }
    }
    for (int64_t s = 0; s < nb; s++) {
        if (c->count[s] < 0)
            continue;
        const int64_t e = s * c->streams + j;
        const int64_t r0 = x->row_off.data[e], r1 = x->row_off.data[e + 1];
        const int32_t *rows = x->rows.data;
        const float *g = c->grad + s * dim;
        for (int64_t j = r0; j < r1; j++) {
            if (j + FT_AHEAD < r1 && rows[j + FT_AHEAD] % tn == t)
                cembed_prefetch_bytes_w(c->wi + (int64_t)rows[j + FT_AHEAD] * dim, dim * 4);
            if (rows[j] % tn == t)
                ft_axpy(c->wi + (int64_t)rows[j] * dim, 1.0f, g, dim);
        }
    }
}

/* The first rows of example e, fetched while the example before it trains
 * (a short text's rows are otherwise all misses before its own prefetch). */
static inline void prefetch_example(const train_ctx *c, int64_t e)
{
    const int64_t r0 = c->x->row_off.data[e], r1 = c->x->row_off.data[e + 1];
    for (int64_t j = r0; j < r1 && j < r0 + FT_PREFETCH_ROWS; j++)
        cembed_prefetch_bytes(c->wi + (int64_t)c->x->rows.data[j] * c->dim, c->dim * 4);
}

static inline int64_t example_tokens(const cembed_ft_data *x, int64_t e)
{
    return x->tok.data[e + 1] - x->tok.data[e];
}

/* Batches [j0, j1) on thread t of a team of tn (inside a parallel region
 * when tn > 1). Batch j holds the examples j + k * streams (k < B): B
 * streams read the data from B evenly spaced places, as fastText's threads
 * start at evenly spaced offsets, so that the examples of a batch are not
 * neighbours (sorted data would otherwise fill a batch with one label and
 * sum B steps the same way). The learning rate follows the tokens seen in
 * that order. */
static void train_batches(train_ctx *c, int64_t j0, int64_t j1, int64_t B, int t, int tn,
                          double *total, int64_t *used)
{
    const int64_t n = cembed_ft_data_size(c->x);
    for (int64_t j = j0; j < j1; j++) {
        int64_t nb = (n - j + c->streams - 1) / c->streams;
        if (nb > B)
            nb = B;
        const int64_t lo = nb * t / tn, hi = nb * (t + 1) / tn;
        double before = c->seen;
        for (int64_t s = 0; s < lo; s++)
            before += (double)example_tokens(c->x, s * c->streams + j);
        for (int64_t s = lo; s < hi; s++) {
            const int64_t e = s * c->streams + j;
            if (s + 1 < hi)
                prefetch_example(c, e + c->streams);
            train_example(c, e, s, before);
            before += (double)example_tokens(c->x, e);
        }
        if (tn > 1) {
            CEMBED_OMP(barrier)
        }
        apply_updates(c, j, nb, t, tn);
        if (t == 0)
            for (int64_t s = 0; s < nb; s++) {
                if (c->count[s] >= 0) {
                    *total += c->lossv[s];
                    (*used)++;
                }
                c->seen += (double)example_tokens(c->x, s * c->streams + j);
            }
        if (tn > 1) {
            CEMBED_OMP(barrier)
        }
    }
}

static double wall_time(void)
{
#ifdef _OPENMP
    return omp_get_wtime();
#else
    return 0.0;
#endif
}

int cembed_ft_train_f32(float *wi, int64_t in_rows, float *wo, int64_t nlabels, int64_t dim,
                        const cembed_ft_data *x, int loss, const int32_t *parent,
                        const uint8_t *binary, double lr, int64_t epochs, int64_t batch,
                        uint64_t seed, double *epoch_loss, int64_t *bad_pos)
{
    const int64_t n = cembed_ft_data_size(x);
    if (dim < 1 || nlabels < 1 || batch < 1 || epochs < 0
        || (loss != CEMBED_FT_SOFTMAX && loss != CEMBED_FT_HS && loss != CEMBED_FT_OVA)
        || (loss == CEMBED_FT_HS && (!parent || !binary)))
        return CEMBED_ERR_VALUE;
    int64_t bad = -1;
    for (int64_t j = 0; j < x->rows.size && bad < 0; j++)
        if (x->rows.data[j] < 0 || x->rows.data[j] >= in_rows)
            bad = j;
    if (bad < 0)
        for (int64_t j = 0; j < x->labels.size && bad < 0; j++)
            if (x->labels.data[j] < 0 || x->labels.data[j] >= nlabels)
                bad = x->rows.size + j;
    if (bad >= 0) {
        *bad_pos = bad;
        return CEMBED_ERR_INDEX;
    }
    train_ctx c;
    memset(&c, 0, sizeof(c));
    c.wi = wi;
    c.wo = wo;
    c.dim = dim;
    c.nlabels = nlabels;
    c.x = x;
    c.loss = loss;
    c.parent = parent;
    c.binary = binary;
    c.lr0 = lr;
    const double tokens = (double)x->tok.data[n];
    c.t_total = (double)epochs * tokens > 0 ? (double)epochs * tokens : 1.0;
    c.seed = seed;
    c.lp = (nlabels + FT_LANES - 1) / FT_LANES * FT_LANES;
    c.stride = loss == CEMBED_FT_HS ? nlabels : c.lp;
    const int64_t B = batch < n ? batch : (n > 0 ? n : 1);
    c.streams = (n + B - 1) / B;
    c.hidden = (float *)malloc((size_t)(B * dim) * sizeof(float));
    c.grad = (float *)malloc((size_t)(B * dim) * sizeof(float));
    c.alpha = (float *)malloc((size_t)(B * c.stride) * sizeof(float));
    c.nodes = (int32_t *)malloc((size_t)(B * c.stride) * sizeof(int32_t));
    c.count = (int64_t *)malloc((size_t)B * sizeof(int64_t));
    c.lossv = (double *)malloc((size_t)B * sizeof(double));
    if (loss != CEMBED_FT_HS)
        c.wot = (float *)calloc((size_t)(dim * c.lp), sizeof(float));
    int st = CEMBED_OK;
    if (!c.hidden || !c.grad || !c.alpha || !c.nodes || !c.count || !c.lossv
        || (loss != CEMBED_FT_HS && !c.wot)) {
        st = CEMBED_ERR_NOMEM;
        goto done;
    }
    if (c.wot)
        for (int64_t i = 0; i < nlabels; i++)
            for (int64_t d = 0; d < dim; d++)
                c.wot[d * c.lp + i] = wo[i * dim + d];
    /* Two barriers a batch: a second thread pays only when a batch is
     * enough work, and on a busy machine, where a thread that waits at a
     * barrier for one that lost its core wastes a time slice, not even
     * then. The model does not depend on the thread count, so the count is
     * chosen as training goes: segments of FT_SEGMENT batches are timed
     * and the faster of one thread and all threads runs; the slower is
     * tried again after `explore` segments, an interval that doubles (up
     * to FT_EXPLORE_MAX) each time it loses again. */
    int64_t out_rows = loss == CEMBED_FT_HS ? 2 + (int64_t)log2((double)nlabels + 1.0) : nlabels;
    int64_t per_batch = B * dim * (x->rows.size / (n > 0 ? n : 1) + 3 * out_rows);
    int nt_max = cembed_get_num_threads();
    if ((int64_t)nt_max > per_batch / FT_WORK_PER_THREAD)
        nt_max = (int)(per_batch / FT_WORK_PER_THREAD);
    if (nt_max > B)
        nt_max = (int)B;
    if (nt_max < 1)
        nt_max = 1;
    double cost[2] = {-1.0, -1.0}; /* seconds an example: 1 thread, nt_max */
    int64_t seg = 0, explore = FT_EXPLORE, next_explore = FT_EXPLORE;
    for (int64_t epoch = 0; epoch < epochs; epoch++) {
        double total = 0.0;
        int64_t used = 0;
        c.epoch = epoch;
        c.t0 = (double)epoch * tokens;
        c.seen = 0.0;
        for (int64_t s0 = 0; s0 < c.streams; seg++) {
            int many, probing = 0;
            if (nt_max == 1 || cost[0] < 0.0) {
                many = 0;
            } else if (cost[1] < 0.0) {
                many = 1;
                probing = 1;
            } else {
                many = cost[1] < cost[0];
                if (seg >= next_explore) {
                    many = !many;
                    probing = 1;
                }
            }
            const int64_t len = probing ? FT_PROBE : FT_SEGMENT;
            const int64_t s1 = c.streams - s0 < len ? c.streams : s0 + len;
            const double t0 = wall_time();
            if (!many) {
                train_batches(&c, s0, s1, B, 0, 1, &total, &used);
            } else {
                CEMBED_OMP(parallel num_threads(nt_max))
                {
                    int t, tn;
                    cembed_thread_id(&t, &tn);
                    train_batches(&c, s0, s1, B, t, tn, &total, &used);
                }
            }
            const double dt = (wall_time() - t0) / (double)(s1 - s0);
            if (probing && cost[!many] >= 0.0) {
                const int won = dt < cost[!many];
                explore = won ? FT_EXPLORE : (2 * explore < FT_EXPLORE_MAX ? 2 * explore : FT_EXPLORE_MAX);
                next_explore = seg + explore;
            }
            cost[many] = cost[many] < 0.0 ? dt : 0.5 * (cost[many] + dt);
            s0 = s1;
        }
        if (epoch_loss)
            epoch_loss[epoch] = used ? total / (double)used : 0.0;
    }
    if (c.wot)
        for (int64_t i = 0; i < nlabels; i++)
            for (int64_t d = 0; d < dim; d++)
                wo[i * dim + d] = c.wot[d * c.lp + i];
done:
    free(c.wot);
    free(c.hidden);
    free(c.grad);
    free(c.alpha);
    free(c.nodes);
    free(c.count);
    free(c.lossv);
    return st;
}

/* ---- prediction ------------------------------------------------------------ */

/* Texts pooled and scored together by one thread: every text's output is
 * computed by one thread alone, so it does not depend on the thread count. */
#define FT_PREDICT_BLOCK 64

/* The input table: float32 rows (CEMBED_FT_F32) or packed compact rows. */
typedef struct {
    int kind;
    const void *data;
    int64_t rows, dim, ld_bytes;
} ft_table;

static int table_of(int kind, const void *wi, int64_t in_rows, int64_t dim, ft_table *t)
{
    const int64_t rb = kind == CEMBED_FT_F32 ? dim * 4 : cembed_compact_row_bytes(kind, dim);
    if (dim < 1 || in_rows < 0 || rb < 0 || (!wi && in_rows > 0))
        return CEMBED_ERR_VALUE;
    t->kind = kind;
    t->data = wi;
    t->rows = in_rows;
    t->dim = dim;
    t->ld_bytes = rb;
    return CEMBED_OK;
}

/* out[b, :] = the mean of the rows rows[off[b] .. off[b+1]) for b < nb
 * (off[0] = 0): their sum in row order times 1/n, as fastText's
 * computeHidden, zeros for none. A compact table is pooled by the fused
 * compact bag (the same sum over the dequantized rows); idx is scratch for
 * off[nb] int64 row numbers. */
static int mean_block(const ft_table *t, const int32_t *rows, const int64_t *off, int64_t nb,
                      float *out, int64_t *idx)
{
    const int64_t dim = t->dim;
    if (t->kind == CEMBED_FT_F32) {
        const float *wi = (const float *)t->data;
        /* a short text's rows are all cache misses before its first
         * prefetch pays: the next text's rows are fetched while this one
         * is pooled */
        for (int64_t j = 0; j < off[1] && j < FT_PREFETCH_ROWS; j++)
            cembed_prefetch_bytes(wi + (int64_t)rows[j] * dim, dim * 4);
        for (int64_t b = 0; b < nb; b++) {
            if (b + 1 < nb)
                for (int64_t j = off[b + 1]; j < off[b + 2] && j < off[b + 1] + FT_PREFETCH_ROWS; j++)
                    cembed_prefetch_bytes(wi + (int64_t)rows[j] * dim, dim * 4);
            ft_mean_rows(out + b * dim, wi, dim, rows + off[b], off[b + 1] - off[b]);
        }
        return CEMBED_OK;
    }
    for (int64_t j = 0; j < off[nb]; j++)
        idx[j] = rows[j];
    int64_t bad = -1;
    int st = cembed_compact_bag(t->kind, (const uint8_t *)t->data, t->rows, t->ld_bytes, dim, idx,
                                off, nb, CEMBED_BAG_SUM, NULL, -1, out, &bad);
    if (st != CEMBED_OK)
        return st;
    for (int64_t b = 0; b < nb; b++) {
        const int64_t m = off[b + 1] - off[b];
        if (m > 0) {
            const float s = (float)(1.0 / (double)m);
            for (int64_t d = 0; d < dim; d++)
                out[b * dim + d] *= s;
        }
    }
    return CEMBED_OK;
}

int cembed_ft_hidden(int kind, const void *wi, int64_t in_rows, int64_t dim,
                     const cembed_ft_data *x, float *out, int64_t *bad_pos)
{
    ft_table t;
    if (table_of(kind, wi, in_rows, dim, &t) != CEMBED_OK)
        return CEMBED_ERR_VALUE;
    const int64_t n = cembed_ft_data_size(x);
    for (int64_t j = 0; j < x->rows.size; j++)
        if (x->rows.data[j] < 0 || x->rows.data[j] >= in_rows) {
            *bad_pos = j;
            return CEMBED_ERR_INDEX;
        }
    const int nt = cembed_threads_for(x->rows.size * t.ld_bytes);
    (void)nt; /* unused without OpenMP */
    int st = CEMBED_OK;
    CEMBED_OMP(parallel num_threads(nt))
    {
        i64buf off = {0}, idx = {0};
        int mine = CEMBED_OK;
        CEMBED_OMP(for schedule(dynamic, 1))
        for (int64_t i0 = 0; i0 < n; i0 += FT_PREDICT_BLOCK) {
            const int64_t nb = n - i0 < FT_PREDICT_BLOCK ? n - i0 : FT_PREDICT_BLOCK;
            const int64_t r0 = x->row_off.data[i0], m = x->row_off.data[i0 + nb] - r0;
            if (mine != CEMBED_OK || CEMBED_RESERVE(off.data, off.cap, nb + 1, 64) != CEMBED_OK
                || CEMBED_RESERVE(idx.data, idx.cap, m + 1, 256) != CEMBED_OK) {
                mine = CEMBED_ERR_NOMEM;
                continue;
            }
            for (int64_t b = 0; b <= nb; b++)
                off.data[b] = x->row_off.data[i0 + b] - r0;
            int s1 = mean_block(&t, x->rows.data + r0, off.data, nb, out + i0 * dim, idx.data);
            if (s1 != CEMBED_OK)
                mine = s1;
        }
        if (mine != CEMBED_OK) {
            CEMBED_OMP(atomic write)
            st = mine;
        }
        free(off.data);
        free(idx.data);
    }
    return st;
}

/* The output layer and what to compute from a hidden vector. */
typedef struct {
    const float *wo;
    int64_t nlabels, dim;
    int loss;
    const int32_t *parent;
    const uint8_t *binary;
    int32_t *child; /* hs: internal node i's children at 2(i - nlabels) + binary */
    int64_t k;
    double threshold;
} ft_head;

static int head_of(const float *wo, int64_t nlabels, int64_t dim, int loss, const int32_t *parent,
                   const uint8_t *binary, int64_t k, double threshold, ft_head *o)
{
    memset(o, 0, sizeof(*o));
    if (dim < 1 || nlabels < 1 || k < 0 || !wo
        || (loss != CEMBED_FT_SOFTMAX && loss != CEMBED_FT_HS && loss != CEMBED_FT_OVA)
        || (loss == CEMBED_FT_HS && (!parent || !binary)))
        return CEMBED_ERR_VALUE;
    *o = (ft_head){wo, nlabels, dim, loss, parent, binary, NULL, k, threshold};
    if (loss == CEMBED_FT_HS && nlabels > 1) {
        o->child = (int32_t *)malloc((size_t)(2 * nlabels) * sizeof(int32_t));
        if (!o->child)
            return CEMBED_ERR_NOMEM;
        for (int64_t j = 0; j < 2 * nlabels - 2; j++) {
            const int64_t p = parent[j];
            if (p < nlabels || p > 2 * nlabels - 2 || p <= j) {
                free(o->child);
                o->child = NULL;
                return CEMBED_ERR_VALUE; /* not a tree of cembed_ft_huffman */
            }
            o->child[2 * (p - nlabels) + (binary[j] ? 1 : 0)] = (int32_t)j;
        }
    }
    return CEMBED_OK;
}

/* Floats of scratch and stack entries a thread needs for one text. */
static inline int64_t head_scratch(const ft_head *o)
{
    return 4 * o->nlabels + 2;
}

/* The probability of every label for one hidden vector: softmax, one
 * sigmoid a label (one-vs-all), or for hs the product of the decisions on
 * the path from the root (computed from the root down, in the order the
 * pruned search multiplies them). scratch holds 3 nlabels floats. */
static void label_probs(const ft_head *o, const float *h, float *p, float *scratch)
{
    const int64_t nl = o->nlabels, dim = o->dim;
    if (o->loss == CEMBED_FT_SOFTMAX) {
        ft_dots(p, o->wo, nl, dim, h);
        softmax_inplace(p, nl);
    } else if (o->loss == CEMBED_FT_OVA) {
        ft_dots(p, o->wo, nl, dim, h);
        for (int64_t i = 0; i < nl; i++)
            p[i] = sigmoidf(p[i]);
    } else {
        float *f = scratch, *q = scratch + nl;
        const int64_t root = 2 * nl - 2;
        ft_dots(f, o->wo, nl - 1, dim, h);
        for (int64_t i = 0; i < nl - 1; i++)
            f[i] = sigmoidf(f[i]);
        q[root] = 1.0f;
        for (int64_t j = root - 1; j >= 0; j--) {
            const int64_t par = o->parent[j];
            const float fj = f[par - nl];
            q[j] = q[par] * (o->binary[j] ? fj : 1.0f - fj);
        }
        for (int64_t i = 0; i < nl; i++)
            p[i] = q[i];
    }
}

/* Label j with probability q into the best m of k, best first, ties to
 * the smaller label id (so any visiting order gives the same list). */
static inline void topk_insert(int32_t *ti, float *tp, int64_t *m, int64_t k, float q, int32_t j)
{
    int64_t at;
    if (*m < k)
        at = (*m)++;
    else if (q > tp[k - 1] || (q == tp[k - 1] && j < ti[k - 1]))
        at = k - 1;
    else
        return;
    while (at > 0 && (q > tp[at - 1] || (q == tp[at - 1] && j < ti[at - 1]))) {
        tp[at] = tp[at - 1];
        ti[at] = ti[at - 1];
        at--;
    }
    tp[at] = q;
    ti[at] = j;
}

/* hs's k best labels by a depth-first search of the tree, as fastText's
 * predict: the more probable child first, and a subtree left out when its
 * probability (which bounds its leaves') is below the threshold or below
 * the k-th best so far. Only the nodes visited are scored; the result is
 * that of scoring every label. */
static int64_t hs_topk(const ft_head *o, const float *h, int32_t *ti, float *tp, float *stack_q,
                       int32_t *stack_node)
{
    const int64_t nl = o->nlabels, k = o->k;
    int64_t m = 0, sp = 0;
    stack_node[sp] = (int32_t)(2 * nl - 2);
    stack_q[sp++] = 1.0f;
    while (sp > 0) {
        const int64_t node = stack_node[--sp];
        const float q = stack_q[sp];
        if (!(q >= o->threshold) || (m == k && q < tp[k - 1]))
            continue;
        if (node < nl) {
            topk_insert(ti, tp, &m, k, q, (int32_t)node);
            continue;
        }
        const float f = sigmoidf(ft_dot(o->wo + (node - nl) * o->dim, h, o->dim));
        const int32_t c0 = o->child[2 * (node - nl)], c1 = o->child[2 * (node - nl) + 1];
        const float q0 = q * (1.0f - f), q1 = q * f;
        const int one_first = q1 >= q0;
        stack_node[sp] = one_first ? c0 : c1;
        stack_q[sp++] = one_first ? q0 : q1;
        stack_node[sp] = one_first ? c1 : c0;
        stack_q[sp++] = one_first ? q1 : q0;
    }
    return m;
}

/* One text's outputs from its hidden vector h: proba (nlabels, or NULL)
 * and the k best at or above the threshold in ti/tp (or NULL); -1 and 0
 * fill the rest. scratch: head_scratch floats, stack: 2 nlabels ints. */
static void head_one(const ft_head *o, const float *h, float *proba, int32_t *ti, float *tp,
                     float *scratch, int32_t *stack)
{
    const int64_t nl = o->nlabels, k = o->k;
    int64_t m = 0;
    if (!ti || k == 0) {
        if (proba)
            label_probs(o, h, proba, scratch + nl);
        return;
    }
    if (o->loss == CEMBED_FT_HS && nl > 1 && !proba) {
        m = hs_topk(o, h, ti, tp, scratch, stack);
    } else {
        float *p = proba ? proba : scratch;
        label_probs(o, h, p, scratch + nl);
        for (int64_t j = 0; j < nl; j++)
            if (p[j] >= o->threshold)
                topk_insert(ti, tp, &m, k, p[j], (int32_t)j);
    }
    for (int64_t j = m; j < k; j++) {
        ti[j] = -1;
        tp[j] = 0.0f;
    }
}

int cembed_ft_predict_f32(const float *hidden, int64_t n, int64_t dim, const float *wo,
                          int64_t nlabels, int loss, const int32_t *parent, const uint8_t *binary,
                          int64_t k, double threshold, float *proba, int32_t *top, float *top_p)
{
    ft_head o;
    int st = head_of(wo, nlabels, dim, loss, parent, binary, top ? k : 0, threshold, &o);
    if (st != CEMBED_OK)
        return st;
    const int nt = cembed_threads_for(n * nlabels * dim * 4);
    (void)nt; /* unused without OpenMP */
    CEMBED_OMP(parallel num_threads(nt))
    {
        float *scratch = (float *)malloc((size_t)head_scratch(&o) * sizeof(float));
        int32_t *stack = (int32_t *)malloc((size_t)(2 * nlabels) * sizeof(int32_t));
        if (!scratch || !stack) {
            CEMBED_OMP(atomic write)
            st = CEMBED_ERR_NOMEM;
        }
        CEMBED_OMP(for schedule(static))
        for (int64_t i = 0; i < n; i++) {
            if (!scratch || !stack)
                continue;
            head_one(&o, hidden + i * dim, proba ? proba + i * nlabels : NULL,
                     top ? top + i * k : NULL, top ? top_p + i * k : NULL, scratch, stack);
        }
        free(scratch);
        free(stack);
    }
    free(o.child);
    return st;
}

/* A thread's scratch for prediction from texts. */
typedef struct {
    i64buf spans, off, idx;
    i32buf hashes, rows;
    char *low;
    int64_t low_cap;
    float *hid, *scratch;
    int32_t *stack;
} predict_scratch;

static void scratch_free(predict_scratch *w)
{
    free(w->spans.data);
    free(w->off.data);
    free(w->idx.data);
    free(w->hashes.data);
    free(w->rows.data);
    free(w->low);
    free(w->hid);
    free(w->scratch);
    free(w->stack);
}

/* Texts [i0, i0 + nb): tokens, rows, hidden vectors (into hid), and the
 * head's outputs when o is not NULL. */
static int predict_block(const cembed_ft_dict *d, const text_source *src, int64_t i0, int64_t nb,
                         const ft_table *t, const ft_head *o, predict_scratch *w, float *hid,
                         float *proba, int32_t *top, float *top_p)
{
    w->rows.size = 0;
    VEC_RESERVE(&w->off, nb + 1);
    w->off.data[0] = 0;
    for (int64_t b = 0; b < nb; b++) {
        const char *base;
        int has_label;
        int st = source_spans(src, i0 + b, d->delim, &w->low, &w->low_cap, &w->spans, &base);
        if (st == CEMBED_OK)
            st = encode_rows(d, base, w->spans.data, w->spans.size / 2, &w->rows, &w->hashes,
                             NULL, &has_label);
        if (st != CEMBED_OK)
            return st;
        w->off.data[b + 1] = w->rows.size;
    }
    if (t->kind != CEMBED_FT_F32)
        VEC_RESERVE(&w->idx, w->rows.size + 1);
    int st = mean_block(t, w->rows.data, w->off.data, nb, hid, w->idx.data);
    if (st != CEMBED_OK || !o)
        return st;
    const int64_t nl = o->nlabels, k = o->k;
    for (int64_t b = 0; b < nb; b++) {
        const int64_t i = i0 + b;
        head_one(o, hid + b * t->dim, proba ? proba + i * nl : NULL, top ? top + i * k : NULL,
                 top ? top_p + i * k : NULL, w->scratch, w->stack);
    }
    return CEMBED_OK;
}

int cembed_ft_predict_texts(const cembed_ft_dict *d, const char *const *texts,
                            const int64_t *lens, const uint8_t *lower, const char *buf,
                            const int64_t *tok_off, const int64_t *text_off, int64_t n, int kind,
                            const void *wi, int64_t in_rows, int64_t dim, const float *wo,
                            int64_t nlabels, int loss, const int32_t *parent,
                            const uint8_t *binary, int64_t k, double threshold, float *hidden,
                            float *proba, int32_t *top, float *top_p)
{
    ft_table t;
    ft_head o;
    const int scored = proba || top;
    if (table_of(kind, wi, in_rows, dim, &t) != CEMBED_OK || n < 0
        || in_rows < d->nwords + d->buckets || (top && !top_p))
        return CEMBED_ERR_VALUE;
    if (scored) {
        int st = head_of(wo, nlabels, dim, loss, parent, binary, top ? k : 0, threshold, &o);
        if (st != CEMBED_OK)
            return st;
    }
    const text_source src = {texts, lens, lower, buf, tok_off, text_off};
    int64_t bytes = 0;
    if (texts)
        for (int64_t i = 0; i < n; i++)
            bytes += lens[i];
    else
        bytes = n > 0 ? tok_off[text_off[n]] - tok_off[text_off[0]] : 0;
    /* a byte of text is about a token's share of rows, lookups and hashing */
    const int nt = cembed_threads_for(bytes * 16 + n * dim * 4 * (scored ? nlabels : 1));
    (void)nt; /* unused without OpenMP */
    int st = CEMBED_OK;
    CEMBED_OMP(parallel num_threads(nt))
    {
        predict_scratch w;
        memset(&w, 0, sizeof(w));
        int mine = CEMBED_OK;
        if (!hidden)
            w.hid = (float *)malloc((size_t)(FT_PREDICT_BLOCK * dim) * sizeof(float));
        if (scored) {
            w.scratch = (float *)malloc((size_t)head_scratch(&o) * sizeof(float));
            w.stack = (int32_t *)malloc((size_t)(2 * nlabels) * sizeof(int32_t));
        }
        if ((!hidden && !w.hid) || (scored && (!w.scratch || !w.stack)))
            mine = CEMBED_ERR_NOMEM;
        CEMBED_OMP(for schedule(dynamic, 1))
        for (int64_t i0 = 0; i0 < n; i0 += FT_PREDICT_BLOCK) {
            if (mine != CEMBED_OK)
                continue;
            const int64_t nb = n - i0 < FT_PREDICT_BLOCK ? n - i0 : FT_PREDICT_BLOCK;
            mine = predict_block(d, &src, i0, nb, &t, scored ? &o : NULL, &w,
                                 hidden ? hidden + i0 * dim : w.hid, proba, top, top_p);
        }
        if (mine != CEMBED_OK) {
            CEMBED_OMP(atomic write)
            st = mine;
        }
        scratch_free(&w);
    }
    if (scored)
        free(o.child);
    return st;
}
