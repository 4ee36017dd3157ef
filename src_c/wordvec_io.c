/*
 * wordvec_io.c - word2vec (text and binary), GloVe and fastText .vec readers
 * and writers.
 *
 * The readers stream the file through one growing buffer (fread, a few MiB),
 * so memory stays close to the matrix they fill; the words go to one byte
 * buffer with offsets. Numbers are parsed by decimal.c (locale-independent,
 * correctly rounded); the value is then rounded to float32, as NumPy does
 * for np.float32(str) (and so as gensim reads text files).
 */
#if !defined(_FILE_OFFSET_BITS)
#define _FILE_OFFSET_BITS 64
#endif
#if !defined(_POSIX_C_SOURCE) && !defined(_WIN32)
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "cembed.h"
#include "decimal.h"

/* field separators: ASCII white space but '\n', which ends a line */
static const unsigned char WS_TABLE[256] = {
    ['\t'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, [' '] = 1,
};
#define IS_WS(c) (WS_TABLE[(unsigned char)(c)])

#define INITIAL_BUFFER ((int64_t)1 << 22)
/* A binary record whose word runs this long without a space is not a
 * word2vec file (word2vec.c cuts words at 100 bytes). */
#define MAX_BINARY_WORD ((int64_t)1 << 20)

static void set_error(cembed_w2v_error *err, int64_t line, int64_t offset, const char *fmt, ...)
{
    va_list ap;
    if (!err)
        return;
    err->line = line;
    err->offset = offset;
    err->sys_errno = 0;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

static int io_error(cembed_w2v_error *err, const char *what)
{
    int e = errno;
    set_error(err, 0, -1, "%s", what);
    if (err)
        err->sys_errno = e ? e : EIO;
    return CEMBED_ERR_IO;
}

static int is_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static void byteswap32(void *p, int64_t n)
{
    unsigned char *b = (unsigned char *)p;
    for (int64_t i = 0; i < n; i++, b += 4) {
        unsigned char t0 = b[0], t1 = b[1];
        b[0] = b[3];
        b[1] = b[2];
        b[2] = t1;
        b[3] = t0;
    }
}

/* ---------------------------------------------------------------- reader */

struct cembed_w2v_reader {
    FILE *f;
    char *buf;
    int64_t cap, pos, len, scan; /* unread bytes: buf[pos..len); no '\n' in [pos..scan) */
    int64_t buf_off;             /* file offset of buf[0] */
    int eof;
    int64_t line;                /* lines read so far: the 1-based number of the last */
    int binary, has_header, little;
    int64_t dim;
    int64_t expect;              /* rows the header promises (after limit), or -1 */
    int64_t limit;               /* at most this many rows, or -1 */
    int64_t total;               /* rows read */
    int64_t header_rows;         /* V as written in the header */
    /* words */
    char *wbytes;
    int64_t wlen, wcap;
    int64_t *woff, *wwhere;
    int64_t wcount, woff_cap, wwhere_cap;
    /* fields of a text row: start, end offsets relative to the row */
    int64_t *fields;
    int64_t fields_cap;
};

/* Make at least `need` unread bytes available, unless the file ends. */
static int fill(cembed_w2v_reader *r, int64_t need, cembed_w2v_error *err)
{
    while (r->len - r->pos < need && !r->eof) {
        if (r->pos > 0) {
            memmove(r->buf, r->buf + r->pos, (size_t)(r->len - r->pos));
            r->buf_off += r->pos;
            r->len -= r->pos;
            r->scan -= r->pos;
            r->pos = 0;
        }
        /* room for `need` bytes, and for at least one more when full */
        if (CEMBED_RESERVE(r->buf, r->cap, need > r->len ? need : r->len + 1, INITIAL_BUFFER)
            != CEMBED_OK)
            return CEMBED_ERR_NOMEM;
        size_t got = fread(r->buf + r->len, 1, (size_t)(r->cap - r->len), r->f);
        if (got == 0) {
            if (ferror(r->f))
                return io_error(err, "cannot read the file");
            r->eof = 1;
        }
        r->len += (int64_t)got;
    }
    return CEMBED_OK;
}

/* The next line as buf[*ls..*le) (without '\n'); *got = 0 at end of file.
 * The indices stay valid until the next call that reads. */
static int next_line(cembed_w2v_reader *r, int64_t *ls, int64_t *le, int *got,
                     cembed_w2v_error *err)
{
    for (;;) {
        if (r->scan < r->pos)
            r->scan = r->pos;
        const char *nl = (const char *)memchr(r->buf + r->scan, '\n', (size_t)(r->len - r->scan));
        if (nl) {
            *ls = r->pos;
            *le = (int64_t)(nl - r->buf);
            r->pos = *le + 1;
            r->scan = r->pos;
            r->line++;
            *got = 1;
            return CEMBED_OK;
        }
        r->scan = r->len;
        if (r->eof) {
            if (r->pos == r->len) {
                *got = 0;
                return CEMBED_OK;
            }
            *ls = r->pos;
            *le = r->len;
            r->pos = r->len;
            r->line++;
            *got = 1;
            return CEMBED_OK;
        }
        int st = fill(r, r->len - r->pos + 1, err);
        if (st != CEMBED_OK)
            return st;
    }
}

static int add_word(cembed_w2v_reader *r, const char *w, int64_t n, int64_t where)
{
    /* woff holds wcount + 1 offsets, from woff[0] = 0 */
    int64_t had_offsets = r->woff_cap;
    if (CEMBED_RESERVE(r->wbytes, r->wcap, r->wlen + n, 1 << 16) != CEMBED_OK
        || CEMBED_RESERVE(r->woff, r->woff_cap, r->wcount + 2, 1024) != CEMBED_OK
        || CEMBED_RESERVE(r->wwhere, r->wwhere_cap, r->wcount + 1, 1024) != CEMBED_OK)
        return CEMBED_ERR_NOMEM;
    if (!had_offsets)
        r->woff[0] = 0;
    if (n > 0) /* an empty first word: wbytes is still NULL, and memcpy(NULL, .., 0) is UB */
        memcpy(r->wbytes + r->wlen, w, (size_t)n);
    r->wlen += n;
    r->wwhere[r->wcount] = where;
    r->wcount++;
    r->woff[r->wcount] = r->wlen;
    return CEMBED_OK;
}

/* Split [s, e) (already stripped) into white-space separated fields. */
static int split_fields(cembed_w2v_reader *r, const char *s, const char *e, int64_t *n_out)
{
    int64_t n = 0;
    const char *p = s;
    while (p < e) {
        while (p < e && IS_WS(*p))
            p++;
        if (p == e)
            break;
        const char *q = p;
        while (q < e && !IS_WS(*q))
            q++;
        if (CEMBED_RESERVE(r->fields, r->fields_cap, 2 * (n + 1), 1024) != CEMBED_OK)
            return CEMBED_ERR_NOMEM;
        r->fields[2 * n] = p - s;
        r->fields[2 * n + 1] = q - s;
        n++;
        p = q;
    }
    *n_out = n;
    return CEMBED_OK;
}

static void quote_field(char *dst, size_t cap, const char *s, int64_t n)
{
    int64_t keep = n > 40 ? 40 : n;
    snprintf(dst, cap, "'%.*s%s'", (int)keep, s, n > keep ? "..." : "");
}

/* Parse a text row [s, e) with r->dim numbers into row; the word is
 * [*ws, *we). *blank = 1 for a line of white space only. */
static int parse_text_row(cembed_w2v_reader *r, const char *s, const char *e, int64_t line_no,
                          float *row, const char **ws, const char **we, int *blank,
                          cembed_w2v_error *err)
{
    const int64_t dim = r->dim;
    while (s < e && IS_WS(*s))
        s++;
    while (e > s && IS_WS(e[-1]))
        e--;
    *blank = (s == e);
    if (s == e)
        return CEMBED_OK;
    /* fast path: one word, then exactly dim numbers */
    const char *p = s;
    while (p < e && !IS_WS(*p))
        p++;
    const char *word_end = p;
    int64_t i = 0;
    for (; i < dim; i++) {
        while (p < e && IS_WS(*p))
            p++;
        if (p == e)
            break;
        double v;
        const char *q = cembed_parse_prefix(p, e, &v);
        if (!q || (q < e && !IS_WS(*q)))
            break;
        row[i] = (float)v;
        p = q;
    }
    if (i == dim && p == e) {
        *ws = s;
        *we = word_end;
        return CEMBED_OK;
    }
    /* slow path: a word with spaces in it, or an error */
    int64_t n;
    int st = split_fields(r, s, e, &n);
    if (st != CEMBED_OK)
        return st;
    const int64_t *fl = r->fields;
    if (n < dim + 1) {
        set_error(err, line_no, -1, "expected a word and %lld numbers, found %lld field%s",
                  (long long)dim, (long long)n, n == 1 ? "" : "s");
        return CEMBED_ERR_FORMAT;
    }
    int64_t first_num = n - dim;
    double v;
    if (n > dim + 1 && cembed_parse_double(s + fl[2 * (first_num - 1)], s + fl[2 * (first_num - 1) + 1], &v)) {
        set_error(err, line_no, -1, "expected a word and %lld numbers, found %lld fields",
                  (long long)dim, (long long)n);
        return CEMBED_ERR_FORMAT;
    }
    for (i = 0; i < dim; i++) {
        const char *fs = s + fl[2 * (first_num + i)], *fe = s + fl[2 * (first_num + i) + 1];
        if (!cembed_parse_double(fs, fe, &v)) {
            char q[64];
            quote_field(q, sizeof q, fs, fe - fs);
            set_error(err, line_no, -1, "%s is not a number (value %lld of %lld)", q,
                      (long long)(i + 1), (long long)dim);
            return CEMBED_ERR_FORMAT;
        }
        row[i] = (float)v;
    }
    *ws = s;
    *we = s + fl[2 * (first_num - 1) + 1];
    return CEMBED_OK;
}

static int parse_int_field(const char *s, const char *e, int64_t *out)
{
    if (s == e || e - s > 18)
        return 0;
    int64_t v = 0;
    for (; s < e; s++) {
        if (!CEMBED_IS_DIGIT(*s))
            return 0;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return 1;
}

static int64_t tell64(FILE *f)
{
#if defined(_WIN32)
    return (int64_t)_ftelli64(f);
#else
    return (int64_t)ftello(f);
#endif
}

static int seek64(FILE *f, int64_t off, int whence)
{
#if defined(_WIN32)
    return _fseeki64(f, (__int64)off, whence);
#else
    return fseeko(f, (off_t)off, whence);
#endif
}

/* -1 if the file cannot seek (a pipe). */
static int64_t file_size(FILE *f)
{
    int64_t here = tell64(f);
    if (here < 0 || seek64(f, 0, SEEK_END) != 0)
        return -1;
    int64_t size = tell64(f);
    if (seek64(f, here, SEEK_SET) != 0)
        return -1;
    return size;
}

/* The number of lines from buf[from] to the end of the file (at most
 * `stop`), or -1 if the file cannot be read twice. Leaves the reader as it
 * was: GloVe files have no count, and knowing it lets the caller allocate
 * the matrix once instead of growing (and zero-filling) it. */
static int64_t count_lines(cembed_w2v_reader *r, int64_t from, int64_t stop)
{
    int64_t lines = 0;
    const char *p = r->buf + from, *end = r->buf + r->len;
    const char *nl;
    while ((nl = (const char *)memchr(p, '\n', (size_t)(end - p))) != NULL) {
        lines++;
        p = nl + 1;
    }
    if (!r->eof) {
        int64_t here = tell64(r->f);
        if (here < 0)
            return -1;
        const size_t chunk = (size_t)1 << 20;
        char *tmp = (char *)malloc(chunk);
        if (!tmp)
            return -1;
        size_t got;
        while (lines < stop && (got = fread(tmp, 1, chunk, r->f)) > 0) {
            p = tmp;
            end = tmp + got;
            while ((nl = (const char *)memchr(p, '\n', (size_t)(end - p))) != NULL) {
                lines++;
                p = nl + 1;
            }
        }
        int bad = ferror(r->f);
        free(tmp);
        clearerr(r->f);
        if (seek64(r->f, here, SEEK_SET) != 0 || bad)
            return -1;
    }
    return lines + 1; /* the last line may have no '\n' */
}

void cembed_w2v_close(cembed_w2v_reader *r)
{
    if (!r)
        return;
    if (r->f)
        fclose(r->f);
    free(r->buf);
    free(r->wbytes);
    free(r->woff);
    free(r->wwhere);
    free(r->fields);
    free(r);
}

/* Whether [s, s + n) is valid UTF-8 without control characters other than
 * white space (a sequence cut by the end of the window is fine). */
static int is_plain_text(const unsigned char *s, int64_t n)
{
    int64_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            if ((c < 0x20 && !IS_WS(c) && c != '\n') || c == 0x7f)
                return 0;
            i++;
            continue;
        }
        int len = (c >= 0xc2 && c <= 0xdf) ? 2 : (c >= 0xe0 && c <= 0xef) ? 3
                : (c >= 0xf0 && c <= 0xf4) ? 4 : 0;
        if (len == 0)
            return 0;
        for (int k = 1; k < len; k++) {
            if (i + k >= n)
                return 1;
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
        }
        i += len;
    }
    return 1;
}

/* Whether the rows after the header are text: the first one must read as a
 * word and r->dim numbers. The bytes of binary vectors almost never do; for
 * vectors of 1 or 2 numbers (4 or 8 bytes) once is possible, so there up to
 * 7 more rows in the first window of the file must read as text too. A
 * window of plain UTF-8 text is text even if its rows are malformed, so
 * that the error names the line (binary vectors are never plain text). */
static int looks_like_text(cembed_w2v_reader *r, cembed_w2v_error *err, int *is_text)
{
    int64_t line_bound = 65536 + 64 * (r->dim + 1);
    int64_t window = line_bound > ((int64_t)1 << 20) ? line_bound : ((int64_t)1 << 20);
    int st = fill(r, window, err);
    if (st != CEMBED_OK)
        return st;
    int64_t avail = r->len - r->pos;
    const char *s = r->buf + r->pos, *end = s + (avail < window ? avail : window);
    int at_eof = r->eof && avail <= window;
    float *row = (float *)malloc((size_t)r->dim * sizeof(float));
    if (!row)
        return CEMBED_ERR_NOMEM;
    int64_t checked = 0;
    *is_text = 1;
    const int64_t rows_to_check = r->dim <= 2 ? 8 : 1;
    while (checked < rows_to_check && checked < r->expect) {
        while (s < end && (IS_WS(*s) || *s == '\n'))
            s++; /* blank lines are skipped by the text reader */
        if (s == end)
            break;
        int64_t n = end - s < line_bound ? end - s : line_bound;
        const char *nl = (const char *)memchr(s, '\n', (size_t)n);
        const char *e;
        if (nl)
            e = nl;
        else if (at_eof && end - s <= line_bound)
            e = end;
        else if (checked > 0)
            break; /* the window ends inside a row: judge by the rows seen */
        else {
            *is_text = 0;
            break;
        }
        const char *ws, *we;
        int blank;
        cembed_w2v_error ignored;
        st = parse_text_row(r, s, e, 2, row, &ws, &we, &blank, &ignored);
        if (st == CEMBED_ERR_NOMEM) {
            free(row);
            return st;
        }
        if (st != CEMBED_OK) {
            *is_text = 0;
            break;
        }
        checked++;
        s = e;
    }
    free(row);
    /* Text with a bad row early on: read it as text, to name the bad line. */
    if (!*is_text && is_plain_text((const unsigned char *)r->buf + r->pos,
                                   avail < window ? avail : window))
        *is_text = 1;
    return CEMBED_OK;
}

int cembed_w2v_open(const char *path, int binary, int64_t limit, cembed_w2v_reader **reader,
                    int64_t *num_rows, int64_t *dim, int *is_binary, int *has_header,
                    int64_t *size_hint, cembed_w2v_error *err)
{
    *reader = NULL;
    cembed_w2v_reader *r = (cembed_w2v_reader *)calloc(1, sizeof *r);
    if (!r)
        return CEMBED_ERR_NOMEM;
    r->little = is_little_endian();
    r->limit = limit;
    r->f = fopen(path, "rb");
    if (!r->f) {
        int st = io_error(err, "cannot open the file");
        cembed_w2v_close(r);
        return st;
    }
    int64_t fsize = file_size(r->f);
    r->cap = INITIAL_BUFFER;
    if (fsize >= 0 && fsize + 1 < r->cap)
        r->cap = fsize + 1 > 4096 ? fsize + 1 : 4096;
    r->buf = (char *)malloc((size_t)r->cap);
    if (!r->buf) {
        cembed_w2v_close(r);
        return CEMBED_ERR_NOMEM;
    }
    int st = fill(r, 3, err);
    if (st != CEMBED_OK)
        goto fail;
    if (r->len >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
        r->pos = 3; /* a UTF-8 byte order mark */

    int64_t ls, le;
    int got;
    st = next_line(r, &ls, &le, &got, err);
    if (st != CEMBED_OK)
        goto fail;
    if (!got) {
        set_error(err, 1, -1, "the file is empty");
        st = CEMBED_ERR_FORMAT;
        goto fail;
    }
    const char *s = r->buf + ls, *e = r->buf + le;
    while (s < e && IS_WS(*s))
        s++;
    while (e > s && IS_WS(e[-1]))
        e--;
    const char *f1e = s;
    while (f1e < e && !IS_WS(*f1e))
        f1e++;
    const char *f2s = f1e;
    while (f2s < e && IS_WS(*f2s))
        f2s++;
    const char *f2e = f2s;
    while (f2e < e && !IS_WS(*f2e))
        f2e++;
    int64_t hv, hd;
    r->has_header = (f2e == e && f2s < e && parse_int_field(s, f1e, &hv)
                     && parse_int_field(f2s, f2e, &hd));
    if (r->has_header) {
        if (hd < 1 || hd > ((int64_t)1 << 31)) {
            set_error(err, 1, -1, "the header gives a vector size of %lld (1 to 2**31 allowed)",
                      (long long)hd);
            st = CEMBED_ERR_FORMAT;
            goto fail;
        }
        r->dim = hd;
        r->header_rows = hv;
        r->expect = (limit >= 0 && limit < hv) ? limit : hv;
        int64_t rest = fsize >= 0 ? fsize - (r->buf_off + r->pos) : -1;
        if (rest >= 0 && r->expect > 0 && hd > rest) {
            set_error(err, 1, -1, "the header gives a vector size of %lld, more than the "
                      "%lld bytes that follow it", (long long)hd, (long long)rest);
            st = CEMBED_ERR_FORMAT;
            goto fail;
        }
        if (binary < 0) {
            int is_text = 1;
            if (r->expect > 0) {
                st = looks_like_text(r, err, &is_text);
                if (st != CEMBED_OK)
                    goto fail;
            }
            r->binary = !is_text;
        } else {
            r->binary = binary;
        }
        *size_hint = r->expect;
        if (rest < 0) {
            /* a pipe: trust no header, start with at most 64 MiB and grow */
            int64_t first = ((int64_t)1 << 24) / hd + 1;
            if (*size_hint > first)
                *size_hint = first;
        }
        if (rest >= 0) {
            /* A header count larger than the file is found (and reported, with
             * its line or offset) where the file ends; until then allocate no
             * more rows than the file can hold: a 1-byte word, a separator and
             * the numbers each. */
            int64_t per_row = r->binary ? 4 * hd + 2 : 2 * hd + 1;
            if (r->expect > rest / per_row + 1)
                *size_hint = rest / per_row + 1;
        }
    } else {
        if (binary == 1) {
            set_error(err, 1, -1,
                      "no 'count size' header: word2vec binary files start with one "
                      "(a GloVe text file needs binary=False or None)");
            st = CEMBED_ERR_FORMAT;
            goto fail;
        }
        /* GloVe: the vector size is the number of numbers that end line 1 */
        int64_t n;
        st = split_fields(r, s, e, &n);
        if (st != CEMBED_OK)
            goto fail;
        int64_t t = 0;
        double v;
        while (t < n && cembed_parse_double(s + r->fields[2 * (n - 1 - t)],
                                            s + r->fields[2 * (n - 1 - t) + 1], &v))
            t++;
        r->dim = t < n - 1 ? t : n - 1;
        if (r->dim < 1) {
            set_error(err, 1, -1,
                      "neither a 'count size' header nor a word followed by numbers: "
                      "not a word2vec, GloVe or fastText file");
            st = CEMBED_ERR_FORMAT;
            goto fail;
        }
        r->binary = 0;
        r->expect = -1;
        int64_t hint = count_lines(r, ls, limit >= 0 ? limit : INT64_MAX);
        if (hint < 0) {
            int64_t rest = fsize >= 0 ? fsize - (r->buf_off + ls) : 0;
            hint = rest / (le - ls + 1) + 16;
        }
        if (limit >= 0 && hint > limit)
            hint = limit;
        *size_hint = hint;
        /* read line 1 again as the first row */
        r->pos = ls;
        r->scan = ls;
        r->line = 0;
    }
    *num_rows = r->expect;
    *dim = r->dim;
    *is_binary = r->binary;
    *has_header = r->has_header;
    *reader = r;
    return CEMBED_OK;
fail:
    cembed_w2v_close(r);
    return st;
}

/* Skip white space and blank lines; *at_end = 1 if nothing else is left. */
static int skip_blank(cembed_w2v_reader *r, int *at_end, cembed_w2v_error *err)
{
    for (;;) {
        while (r->pos < r->len && (IS_WS(r->buf[r->pos]) || r->buf[r->pos] == '\n')) {
            if (r->buf[r->pos] == '\n')
                r->line++;
            r->pos++;
        }
        if (r->pos < r->len || r->eof) {
            *at_end = (r->pos == r->len);
            return CEMBED_OK;
        }
        int st = fill(r, 1, err);
        if (st != CEMBED_OK)
            return st;
    }
}

static int read_text(cembed_w2v_reader *r, float *out, int64_t max_rows, int64_t *n_read,
                     int *done, cembed_w2v_error *err)
{
    int64_t n = 0;
    for (;;) {
        if ((r->expect >= 0 && r->total >= r->expect) || (r->limit >= 0 && r->total >= r->limit)) {
            *done = 1;
            break;
        }
        if (n == max_rows) {
            /* A GloVe file read into a matrix of its line count ends here:
             * say so, or the caller would grow the matrix for nothing. */
            if (r->expect < 0) {
                int at_end;
                int st = skip_blank(r, &at_end, err);
                if (st != CEMBED_OK)
                    return st;
                *done = at_end;
            }
            break;
        }
        int64_t ls, le;
        int got;
        int st = next_line(r, &ls, &le, &got, err);
        if (st != CEMBED_OK)
            return st;
        if (!got) {
            if (r->expect >= 0) {
                set_error(err, r->line + 1, -1,
                          "the file ends after %lld vectors, but its header declares %lld",
                          (long long)r->total, (long long)r->header_rows);
                return CEMBED_ERR_FORMAT;
            }
            *done = 1;
            break;
        }
        const char *ws, *we;
        int blank;
        st = parse_text_row(r, r->buf + ls, r->buf + le, r->line, out + n * r->dim, &ws, &we,
                            &blank, err);
        if (st != CEMBED_OK)
            return st;
        if (blank)
            continue;
        st = add_word(r, ws, we - ws, r->line);
        if (st != CEMBED_OK)
            return st;
        n++;
        r->total++;
    }
    *n_read = n;
    return CEMBED_OK;
}

static int read_binary(cembed_w2v_reader *r, float *out, int64_t max_rows, int64_t *n_read,
                       int *done, cembed_w2v_error *err)
{
    const int64_t vec_bytes = 4 * r->dim;
    int64_t n = 0;
    int st;
    for (;;) {
        if (r->total >= r->expect) {
            *done = 1;
            break;
        }
        if (n == max_rows)
            break;
        /* word2vec.c ends each vector with '\n', other writers do not */
        for (;;) {
            if (r->pos == r->len) {
                st = fill(r, 1, err);
                if (st != CEMBED_OK)
                    return st;
                if (r->pos == r->len)
                    break;
            }
            if (r->buf[r->pos] != '\n')
                break;
            r->pos++;
        }
        int64_t rec_off = r->buf_off + r->pos;
        if (r->pos == r->len) {
            set_error(err, 0, rec_off,
                      "the file ends after %lld vectors, but its header declares %lld",
                      (long long)r->total, (long long)r->header_rows);
            return CEMBED_ERR_FORMAT;
        }
        const char *sp;
        int64_t searched = 0;
        for (;;) {
            sp = (const char *)memchr(r->buf + r->pos + searched, ' ',
                                      (size_t)(r->len - r->pos - searched));
            if (sp)
                break;
            searched = r->len - r->pos;
            if (searched > MAX_BINARY_WORD) {
                set_error(err, 0, rec_off,
                          "no space after %lld bytes: not a word (vector %lld of %lld)",
                          (long long)searched, (long long)(r->total + 1),
                          (long long)r->header_rows);
                return CEMBED_ERR_FORMAT;
            }
            if (r->eof) {
                set_error(err, 0, rec_off,
                          "the file ends inside the word of vector %lld of %lld",
                          (long long)(r->total + 1), (long long)r->header_rows);
                return CEMBED_ERR_FORMAT;
            }
            st = fill(r, r->len - r->pos + 1, err);
            if (st != CEMBED_OK)
                return st;
        }
        int64_t wstart = r->pos, wend = (int64_t)(sp - r->buf);
        if (r->len - (wend + 1) < vec_bytes) {
            /* keep the word in the buffer while reading its vector */
            int64_t word_len = wend - wstart;
            st = fill(r, word_len + 1 + vec_bytes, err);
            if (st != CEMBED_OK)
                return st;
            wstart = r->pos;
            wend = wstart + word_len;
            if (r->len - (wend + 1) < vec_bytes) {
                set_error(err, 0, r->buf_off + wend + 1,
                          "the file ends inside vector %lld of %lld (%lld of its %lld bytes "
                          "are there)",
                          (long long)(r->total + 1), (long long)r->header_rows,
                          (long long)(r->len - (wend + 1)), (long long)vec_bytes);
                return CEMBED_ERR_FORMAT;
            }
        }
        float *row = out + n * r->dim;
        memcpy(row, r->buf + wend + 1, (size_t)vec_bytes);
        if (!r->little)
            byteswap32(row, r->dim);
        st = add_word(r, r->buf + wstart, wend - wstart, rec_off);
        if (st != CEMBED_OK)
            return st;
        r->pos = wend + 1 + vec_bytes;
        n++;
        r->total++;
    }
    *n_read = n;
    return CEMBED_OK;
}

int cembed_w2v_read(cembed_w2v_reader *r, float *out, int64_t max_rows, int64_t *n_read,
                    int *done, cembed_w2v_error *err)
{
    *n_read = 0;
    *done = 0;
    return r->binary ? read_binary(r, out, max_rows, n_read, done, err)
                     : read_text(r, out, max_rows, n_read, done, err);
}

void cembed_w2v_words(const cembed_w2v_reader *r, const char **bytes, const int64_t **offsets,
                      const int64_t **where, int64_t *count)
{
    static const int64_t zero = 0;
    *bytes = r->wbytes ? r->wbytes : "";
    *offsets = r->woff ? r->woff : &zero;
    *where = r->wwhere;
    *count = r->wcount;
}

void cembed_compact_rows_f32(float *matrix, int64_t dim, const int64_t *keep, int64_t k)
{
    for (int64_t j = 0; j < k; j++)
        if (keep[j] != j)
            memcpy(matrix + j * dim, matrix + keep[j] * dim, (size_t)dim * sizeof(float));
}

/* ---------------------------------------------------------------- writer */

int cembed_w2v_check_words(const char *words, const int64_t *offsets, int64_t n, int binary,
                           int64_t *bad_row, cembed_w2v_error *err)
{
    for (int64_t i = 0; i < n; i++) {
        const char *s = words + offsets[i], *e = words + offsets[i + 1];
        const char *why = NULL;
        if (s == e)
            why = "is empty";
        else if (memchr(s, '\n', (size_t)(e - s)))
            why = "contains a newline";
        else if (binary && memchr(s, ' ', (size_t)(e - s)))
            why = "contains a space (the binary format ends a word at its first space)";
        else if (!binary && (IS_WS(*s) || IS_WS(e[-1])))
            why = "begins or ends with white space";
        else if (!binary) {
            const char *last = e;
            while (last > s && !IS_WS(last[-1]))
                last--;
            double v;
            if (last > s && cembed_parse_double(last, e, &v))
                why = "ends in a number after white space, which would read back as part of "
                      "the vector";
        }
        if (why) {
            *bad_row = i;
            set_error(err, 0, -1, "%s", why);
            return CEMBED_ERR_VALUE;
        }
    }
    return CEMBED_OK;
}

int cembed_w2v_save(const char *path, const char *words, const int64_t *offsets, int64_t n,
                    const void *matrix, int is_f64, int64_t ld, int64_t dim, int binary,
                    cembed_w2v_error *err)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return io_error(err, "cannot create the file");
    int little = is_little_endian();
    int64_t max_word = 0;
    for (int64_t i = 0; i < n; i++)
        if (offsets[i + 1] - offsets[i] > max_word)
            max_word = offsets[i + 1] - offsets[i];
    /* a text value takes at most 20 bytes with its separator; with no rows
       nothing is formatted, whatever dim the header states */
    int64_t line_cap = n ? max_word + (binary ? 4 : 32) * dim + 8 : 1;
    char *line = (char *)malloc((size_t)line_cap);
    if (!line) {
        fclose(f);
        return CEMBED_ERR_NOMEM;
    }
    int ok = fprintf(f, "%lld %lld\n", (long long)n, (long long)dim) > 0;
    for (int64_t i = 0; i < n && ok; i++) {
        int64_t wl = offsets[i + 1] - offsets[i];
        char *p = line;
        memcpy(p, words + offsets[i], (size_t)wl);
        p += wl;
        *p++ = ' ';
        const float *rf = is_f64 ? NULL : (const float *)matrix + i * ld;
        const double *rd = is_f64 ? (const double *)matrix + i * ld : NULL;
        if (binary) {
            if (rf) {
                memcpy(p, rf, (size_t)dim * sizeof(float));
            } else {
                for (int64_t d = 0; d < dim; d++) {
                    float x = (float)rd[d];
                    memcpy(p + 4 * d, &x, 4);
                }
            }
            if (!little)
                byteswap32(p, dim);
            p += 4 * dim;
        } else {
            for (int64_t d = 0; d < dim; d++) {
                if (d)
                    *p++ = ' ';
                p += cembed_format_f32(rf ? rf[d] : (float)rd[d], p);
            }
        }
        *p++ = '\n';
        ok = fwrite(line, 1, (size_t)(p - line), f) == (size_t)(p - line);
    }
    free(line);
    if (!ok) {
        int st = io_error(err, "cannot write the file");
        fclose(f);
        return st;
    }
    if (fclose(f) != 0)
        return io_error(err, "cannot write the file");
    return CEMBED_OK;
}
