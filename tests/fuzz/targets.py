"""Fuzz targets: each takes raw bytes, builds an input from them, runs a
public function on it and checks the result against an oracle (NumPy, or
the documented errors). Anything else -- another exception type, a wrong
result, a crash of the process -- is a finding.

Run one with atheris (libFuzzer), for example for a minute:

    python tests/fuzz/targets.py kernels -max_total_time=60

tests/test_fuzz.py runs each for a few seconds (with hypothesis instead
when atheris is not installed) and replays every saved finding under
tests/fuzz_regressions/<target>/.
"""
import json
import os
import sys
import tempfile
import warnings

import numpy as np

if __name__ == "__main__":  # under atheris: cembed's Python code gives coverage
    import atheris

    with atheris.instrument_imports(include=["cembed"]):
        import cembed
else:
    import cembed

INDEX_DTYPES = [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64]


class Finding(AssertionError):
    """The function did something its contract does not allow."""


def _expect(cond, msg):
    if not cond:
        raise Finding(msg)


# ---------------------------------------------------------------- kernels


def _first_bad(idx, v):
    flat = [int(x) for x in np.asarray(idx).ravel()]
    for pos, x in enumerate(flat):
        if x < 0 or x >= v:
            return pos
    return None


def kernels(data: bytes):
    """gather, embedding_bag, accumulate, scatter_add and the optimizers on
    indices read straight from the bytes (any integer dtype, any value)."""
    if len(data) < 4:
        return
    which, v, d, dt = data[0] % 6, data[1] % 9, data[2] % 5, INDEX_DTYPES[data[3] % 8]
    raw = data[4:]
    raw = raw[: len(raw) - len(raw) % np.dtype(dt).itemsize]
    idx = np.frombuffer(raw, dtype=dt).copy()
    real = np.float32 if v % 2 else np.float64
    table = (np.arange(v * d, dtype=real).reshape(v, d) + 1) / 7
    bad = _first_bad(idx, v)

    if which == 0:  # gather, 1-D and 2-D
        shaped = idx.reshape(2, -1) if idx.size % 2 == 0 else idx
        before = np.full(shaped.shape + (d,), -3.0, dtype=real)
        out = before.copy()
        try:
            got = cembed.gather(table, shaped, out=out)
        except IndexError as e:
            _expect(bad is not None, f"IndexError on valid indices: {e}")
            _expect(np.array_equal(out, before), "out written before the IndexError")
            return
        _expect(bad is None, f"no IndexError for index at {bad}")
        _expect(got is out and np.array_equal(got, table[shaped.astype(np.int64)]), "gather != table[idx]")
    elif which == 1:  # embedding_bag with offsets taken from the indices' bytes
        offsets = [int(x) % (idx.size + 2) for x in idx[: max(1, idx.size // 3)]] if idx.size else [0]
        try:
            got = cembed.embedding_bag(table, idx, offsets=offsets, mode="sum")
        except ValueError as e:
            bad_offsets = (offsets[0] != 0 or any(b < a for a, b in zip(offsets, offsets[1:]))
                           or offsets[-1] > idx.size)
            _expect(bad_offsets, f"ValueError on valid offsets {offsets}: {e}")
            return
        except IndexError as e:
            _expect(bad is not None, f"IndexError on valid indices: {e}")
            return
        _expect(bad is None, f"no IndexError for index at {bad}")
        ii = idx.astype(np.int64)
        ends = list(offsets[1:]) + [idx.size]
        want = np.array([table[ii[a:b]].sum(axis=0) for a, b in zip(offsets, ends)],
                        dtype=real).reshape(len(offsets), d)
        _expect(np.allclose(got, want), "embedding_bag sum != oracle")
    elif which == 2:  # accumulate
        grad = np.arange(idx.size * d, dtype=real).reshape(idx.size, d)
        try:
            rows, values = cembed.accumulate(idx, grad, num_rows=v)
        except IndexError as e:
            _expect(bad is not None, f"IndexError on valid indices: {e}")
            return
        _expect(bad is None, f"no IndexError for index at {bad}")
        ii = idx.astype(np.int64)
        want_rows = np.unique(ii)
        want = np.zeros((v, d), dtype=real)
        np.add.at(want, ii, grad)
        _expect(np.array_equal(rows, want_rows), "accumulate rows != np.unique")
        _expect(np.array_equal(values, want[want_rows]), "accumulate values != np.add.at")
    elif which == 3:  # scatter_add
        grad = np.ones((idx.size, d), dtype=real)
        t = table.copy()
        try:
            cembed.scatter_add(t, idx, grad)
        except IndexError as e:
            _expect(bad is not None, f"IndexError on valid indices: {e}")
            _expect(np.array_equal(t, table), "table changed before the IndexError")
            return
        _expect(bad is None, f"no IndexError for index at {bad}")
        want = table.copy()
        np.add.at(want, idx.astype(np.int64), grad)
        _expect(np.array_equal(t, want), "scatter_add != np.add.at")
    else:  # sgd (4) / adam (5): rows must be in range and strictly increasing
        grads = np.ones((idx.size, d), dtype=real)
        t = table.copy()
        m, s = np.zeros_like(t), np.zeros_like(t)
        # both kinds of problem may be present; which is reported first is
        # not part of the contract, so either is accepted then
        flat = [int(x) for x in idx]
        problems = set()
        for pos, x in enumerate(flat):
            if x < 0 or x >= v:
                problems.add(IndexError)
            elif pos and x <= flat[pos - 1]:
                problems.add(ValueError)
        try:
            if which == 4:
                cembed.sgd_update(t, idx, grads, learning_rate=0.5)
            else:
                cembed.adam_update(t, m, s, idx, grads, step=1)
        except (IndexError, ValueError) as e:
            _expect(type(e) in problems, f"{type(e).__name__} for rows {flat}: {e}")
            _expect(np.array_equal(t, table) and not m.any() and not s.any(),
                    "state changed before the error")
            return
        _expect(not problems, f"no error for rows {flat}")
        if which == 4:
            want = table.copy()
            want[idx.astype(np.int64)] -= 0.5 * grads
            _expect(np.allclose(t, want), "sgd_update != oracle")
        _expect(np.isfinite(t).all(), "non-finite table after update")


# ------------------------------------------------------------ pad_sequences


def pad(data: bytes):
    """pad_sequences on sequences cut from the bytes, every padding and
    truncating mode, maxlen None or small, against a plain-Python oracle."""
    if len(data) < 3:
        return
    maxlen = None if data[0] % 4 == 0 else data[0] % 7
    padding = ("pre", "post")[data[1] % 2]
    truncating = ("pre", "post")[(data[1] >> 1) % 2]
    value = int(data[2]) - 128
    seqs, cur = [], []
    for b in data[3:]:
        if b == 0xFF:
            seqs.append(cur)
            cur = []
        else:
            cur.append(int(b) - 100)
    seqs.append(cur)
    try:
        from keras_preprocessing.sequence import pad_sequences as keras_pad
    except ImportError:  # pragma: no cover - keras-preprocessing is in the test extra
        return
    had = hasattr(np, "unicode_")
    if not had:  # keras_preprocessing 1.1.2 uses np.unicode_, gone in NumPy 2
        np.unicode_ = np.str_
    try:
        want = keras_pad(seqs, maxlen=maxlen, padding=padding, truncating=truncating, value=value)
    except ValueError:  # e.g. maxlen=0 with a non-empty sequence: Keras' own error
        want = None
    finally:
        if not had:
            del np.unicode_
    try:
        got = cembed.pad_sequences(seqs, maxlen=maxlen, padding=padding, truncating=truncating,
                                   value=value)
    except ValueError as e:
        _expect(want is None, f"ValueError where Keras pads: {e}")
        return
    _expect(want is not None, f"no ValueError where Keras raises one: {seqs}, maxlen={maxlen}")
    _expect(got.dtype == want.dtype and got.shape == want.shape, f"shape {got.shape} != {want.shape}")
    _expect(np.array_equal(got, want), "pad_sequences != keras_preprocessing")


# ------------------------------------------------------- tokenizer_from_json

_BASE_CONFIG = json.loads(cembed.Tokenizer(num_words=5, oov_token="<unk>").to_json())


def tokenizer_json(data: bytes):
    """tokenizer_from_json on arbitrary text, and on a valid config with one
    field replaced by fuzzed JSON; a tokenizer that loads must then work."""
    text = data.decode("utf-8", "replace")
    candidates = [text]
    if data:
        cfg = json.loads(json.dumps(_BASE_CONFIG))
        keys = sorted(cfg["config"])
        key = keys[data[0] % len(keys)]
        try:
            cfg["config"][key] = json.loads(text[1:])
        except ValueError:
            cfg["config"][key] = text[1:]
        candidates.append(json.dumps(cfg))
    for js in candidates:
        try:
            tok = cembed.tokenizer_from_json(js)
        except (ValueError, TypeError, KeyError):
            continue  # documented: malformed JSON or config
        try:
            tok.fit_on_texts(["the cat sat", "The Cat"])
            seqs = tok.texts_to_sequences(["the cat sat on a mat"])
            tok.sequences_to_texts(seqs)
            tok.texts_to_matrix(["cat sat"], mode="count")
            json.loads(tok.to_json())
        except (ValueError, TypeError, KeyError, MemoryError):
            # a config with wrong types fails when used, with a clear error;
            # a huge num_words asks texts_to_matrix for a huge matrix
            continue


# ------------------------------------------------------------ word2vec files


def word2vec(data: bytes):
    """load_word2vec on arbitrary bytes, as text, binary and detected: it
    returns vectors or raises ValueError (the format's errors) -- never
    anything else; what loads saves and loads back equal."""
    try:
        from cembed import vectors as _vectors  # noqa: F401
    except ImportError:  # the vectors module is not in this build yet
        return
    fd, path = tempfile.mkstemp(suffix=".vec")
    warnings.simplefilter("ignore")  # duplicate words are a warning, by design
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        for binary in (None, False, True):
            try:
                vec = cembed.load_word2vec(path, binary=binary, unicode_errors="replace"
                                           if data[:1] == b"r" else "strict")
            except ValueError:
                continue
            _expect(vec.matrix.ndim == 2 and vec.matrix.shape[0] == len(vec.words), "bad shape")
            fd2, path2 = tempfile.mkstemp(suffix=".bin")
            os.close(fd2)
            try:
                for b in (False, True):
                    if vec.matrix.shape[1] == 0 or any(not w or any(c.isspace() for c in w)
                                                       for w in vec.words):
                        break  # not writable as word2vec: words are space-separated
                    cembed.save_word2vec(path2, vec.words, vec.matrix, binary=b)
                    back = cembed.load_word2vec(path2, binary=b)
                    _expect(list(back.words) == list(vec.words), "words differ after a round trip")
                    _expect(np.array_equal(back.matrix, vec.matrix.astype(back.matrix.dtype))
                            or not b, "binary round trip changed the matrix")
            finally:
                os.unlink(path2)
    finally:
        os.unlink(path)


def fasttext_file(data: bytes):
    """TextClassifier.fit on arbitrary bytes as a fastText training file: it
    trains, or raises ValueError naming the first line without a label;
    the examples, words and labels are those of a Python reading of the
    lines (split at fastText's white space, labels by their prefix)."""
    try:
        from cembed.models.classifier import TextClassifier
    except ImportError:  # the classifier is not in this build yet
        return
    fd, path = tempfile.mkstemp(suffix=".txt")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        lines, words, labels, bad = 0, {"</s>"}, set(), None
        for number, line in enumerate(data.split(b"\n"), 1):
            for space in b"\t\v\f\r\0":  # fastText's white space
                line = line.replace(bytes([space]), b" ")
            tokens = [t for t in line.split(b" ") if t]
            if not tokens:
                continue
            lines += 1
            labs = [t[len(b"__label__"):] for t in tokens if t.startswith(b"__label__")]
            if not labs and bad is None:
                bad = number
            labels.update(t.decode("utf-8", "surrogateescape") for t in labs)
            words.update(t.decode("utf-8", "surrogateescape") for t in tokens
                         if not t.startswith(b"__label__"))
        try:
            clf = TextClassifier(dim=2, epochs=1).fit(path)
        except ValueError as e:
            _expect(bad is not None and f"line {bad} has no label" in str(e)
                    or (bad is None and lines == 0 and "no labels" in str(e)),
                    f"unexpected error {e!r} (first line without a label: {bad})")
            return
        _expect(bad is None and lines > 0, f"trained although line {bad} has no label")
        _expect(set(clf.words_) == words, "words differ from a Python reading")
        _expect(set(clf.classes_.tolist()) == labels, "labels differ from a Python reading")
        n, _, _ = clf.test(path)
        _expect(n == lines, f"test read {n} examples, the file has {lines}")
    finally:
        os.unlink(path)


def corpus_file(data: bytes):
    """Word2Vec's corpus-file reader on arbitrary bytes: the counts, the
    totals and the word ids equal Python's (lines at b'\\n', decoded as
    UTF-8, str.split(), cut every 10,000 tokens as gensim's LineSentence);
    a file Python cannot decode raises ValueError naming its first bad
    line; an empty one ValueError."""
    from collections import Counter

    from cembed.models import _word2vec

    fd, path = tempfile.mkstemp(suffix=".txt")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        lines = data.split(b"\n")
        bad = next((i for i, line in enumerate(lines) if not _decodes(line)), None)
        model = cembed.Word2Vec(min_count=1, vector_size=2, workers=1)
        try:
            model.build_vocab(corpus_file=path)
        except ValueError as e:
            if bad is not None:
                _expect(f"line {bad + 1}:" in str(e), f"wrong line in {e}")
            else:
                _expect("empty" in str(e) and not data.decode("utf-8").split(), f"unexpected {e}")
            return
        _expect(bad is None, f"line {bad} is not UTF-8 but was read")
        pieces = []
        for line in lines:
            tokens = line.decode("utf-8").split()
            pieces += [tokens[i:i + 10000] for i in range(0, len(tokens), 10000)]
        counts = Counter(t for p in pieces for t in p)
        _expect(dict(zip(model.wv.words, model.counts.tolist())) == dict(counts), "counts differ")
        _expect(model.corpus_count == len(pieces), "sentence count differs")
        _expect(model.corpus_total_words == sum(map(len, pieces)), "word count differs")
        corpus = _word2vec.Corpus()
        corpus.add_file(model._vocab, path)
        ids, ends = corpus.arrays()
        want = [model.wv.index[t] for p in pieces for t in p]
        _expect(ids.tolist() == want, "word ids differ")
        _expect(ends.tolist() == np.cumsum([len(p) for p in pieces]).tolist(), "sentence ends differ")
        model.train(corpus_file=path, total_words=model.corpus_total_words, epochs=1)
        _expect(bool(np.isfinite(model.wv.matrix).all()), "training gave non-finite vectors")
    finally:
        os.unlink(path)


def _decodes(line):
    try:
        line.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


TARGETS = {"kernels": kernels, "pad": pad, "tokenizer_json": tokenizer_json, "word2vec": word2vec,
           "fasttext_file": fasttext_file, "corpus_file": corpus_file}


def main(argv):
    import atheris

    name = argv[1]
    # the target's own branches (which kernel, error or result) guide the
    # search too: the compiled kernels give libFuzzer no coverage
    target = atheris.instrument_func(TARGETS[name])
    atheris.Setup([argv[0]] + argv[2:], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
