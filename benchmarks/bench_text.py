"""Benchmark cembed's text preprocessing against keras_preprocessing,
HuggingFace tokenizers (WordLevel), scikit-learn's HashingVectorizer and a
Python loop of mmh3, on real English text: gensim's Lee corpus (news
articles, the copy in gensim's wheel, repeated to about 10 MB) and the
definitions of Debian's dict-gcide (the Collaborative International
Dictionary of English, stripped of its markup).

    python benchmarks/bench_text.py                       # both corpora
    python benchmarks/bench_text.py --corpus lee --repeat 1   # quick look
    python benchmarks/bench_text.py --threads 1 --clock cpu   # on a busy machine

Prints the CPU, then per corpus the median wall time of each step and the
ratio to cembed (x > 1: cembed is faster). The compared tools run in turn
within each repeat (interleaved), so a burst of load on a shared machine
hits them alike; still, compare ratios, not absolute times. Tools that are
not installed are skipped. The headline rows:

- texts -> padded array: ``Tokenizer.texts_to_array`` against Keras'
  ``pad_sequences(texts_to_sequences(...))`` (both tokenizers fitted);
- hashing texts -> padded array: ``hash_texts`` against a Python loop of
  ``mmh3.hash`` over ``line.lower().split()`` (no padding at all).
"""
import argparse
import gc
import gzip
import os
import platform
import re
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import cembed  # noqa: E402

GCIDE = "/usr/share/dictd/gcide.dict.dz"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def lee_corpus(target_mb):
    """The Lee background corpus (one article a line), repeated to about
    target_mb MB."""
    import gensim

    path = os.path.join(os.path.dirname(gensim.__file__), "test", "test_data",
                        "lee_background.cor")
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if line.strip()]
    size = sum(map(len, lines)) / 1e6
    return lines * max(1, round(target_mb / size))


_MARKUP = re.compile(r"\\[^\\\n]*\\|\[[^\]]*\]|\{[^}]*\}|<[^>]*>")


def gcide_corpus(target_mb):
    """The entries of GCIDE (dict-gcide's dictd file, gzip-readable), each a
    text, without pronunciations (\\...\\), etymologies and sources ([...])
    and other markup; the first target_mb MB of them."""
    texts, size = [], 0
    with gzip.open(GCIDE, "rt", encoding="utf-8", errors="replace") as f:
        entry = []
        for line in f:
            if line.strip():
                entry.append(line.strip())
                continue
            if entry:
                text = " ".join(_MARKUP.sub(" ", " ".join(entry)).split())
                entry = []
                if text and not text.startswith("00-database"):
                    texts.append(text)
                    size += len(text)
                    if size >= target_mb * 1e6:
                        break
    return texts


CLOCK = time.perf_counter


def interleaved(fns, repeat):
    """Median time of each of fns (run in turn, `repeat` rounds) and each
    one's last result."""
    times = [[] for _ in fns]
    results = [None] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            results[i] = None
            gc.collect()
            t = CLOCK()
            results[i] = fn()
            times[i].append(CLOCK() - t)
    return [statistics.median(ts) for ts in times], results


def keras_modules():
    try:
        if not hasattr(np, "unicode_"):  # keras_preprocessing 1.1.2 on NumPy 2
            np.unicode_ = np.str_
        import keras_preprocessing.sequence as kseq
        import keras_preprocessing.text as ktext
        return ktext, kseq
    except ImportError:
        return None, None


def same(a, b):
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and (a == b).all()
    return a == b


def compare(rows, step, entries, repeat, check=()):
    """Time (name, fn) entries side by side; the first is cembed's. The
    results of the entries named in `check` must equal cembed's."""
    times, results = interleaved([fn for _, fn in entries], repeat)
    for (name, _), result in zip(entries, results):
        if name in check:
            assert same(results[0], result), f"{step}: cembed and {name} disagree"
    for i, ((name, _), t) in enumerate(zip(entries, times)):
        rows.append((step if i == 0 else "", name, t, t / times[0]))


def bench_corpus(label, lines, args):
    size = sum(map(len, lines)) / 1e6
    print(f"\n## {label}: {len(lines)} texts, {size:.1f} MB")
    rows = []
    ktext, kseq = keras_modules()
    nw, n, maxlen = args.num_words, args.n, args.maxlen

    # -- fit_on_texts + texts_to_sequences
    def cembed_fit_seq():
        tok = cembed.Tokenizer(num_words=nw)
        tok.fit_on_texts(lines)
        return tok.texts_to_sequences(lines)

    entries = [("cembed", cembed_fit_seq)]
    if ktext is not None:
        def keras_fit_seq():
            tok = ktext.Tokenizer(num_words=nw)
            tok.fit_on_texts(lines)
            return tok.texts_to_sequences(lines)

        entries.append(("keras_preprocessing 1.1.2", keras_fit_seq))
    try:
        from tokenizers import Tokenizer as HFTokenizer
        from tokenizers import models, normalizers, pre_tokenizers, trainers

        def hf_fit_seq():
            tok = HFTokenizer(models.WordLevel(unk_token="[UNK]"))
            tok.normalizer = normalizers.Lowercase()
            tok.pre_tokenizer = pre_tokenizers.Whitespace()
            trainer = trainers.WordLevelTrainer(vocab_size=nw, special_tokens=["[UNK]"],
                                                show_progress=False)
            tok.train_from_iterator(lines, trainer)
            tok.encode_batch(lines)

        entries.append(("tokenizers WordLevel (Rust, threads)", hf_fit_seq))
    except ImportError:
        pass
    compare(rows, "fit_on_texts + texts_to_sequences", entries, args.repeat,
            check=["keras_preprocessing 1.1.2"])

    # -- the steps alone, on fitted tokenizers
    tok = cembed.Tokenizer(num_words=nw)
    tok.fit_on_texts(lines)
    ktok = None
    entries = [("cembed", lambda: cembed.Tokenizer(num_words=nw).fit_on_texts(lines))]
    if ktext is not None:
        ktok = ktext.Tokenizer(num_words=nw)
        ktok.fit_on_texts(lines)
        entries.append(("keras_preprocessing 1.1.2",
                        lambda: ktext.Tokenizer(num_words=nw).fit_on_texts(lines)))
    compare(rows, "fit_on_texts", entries, args.repeat)

    entries = [("cembed", lambda: tok.texts_to_sequences(lines))]
    if ktok is not None:
        entries.append(("keras_preprocessing 1.1.2", lambda: ktok.texts_to_sequences(lines)))
    compare(rows, "texts_to_sequences", entries, args.repeat, check=["keras_preprocessing 1.1.2"])

    for ml in (maxlen, None):
        entries = [("cembed texts_to_array", lambda: tok.texts_to_array(lines, maxlen=ml))]
        if ktok is not None:
            entries.append(("keras_preprocessing texts_to_sequences + pad_sequences",
                            lambda: kseq.pad_sequences(ktok.texts_to_sequences(lines),
                                                       maxlen=ml)))
        entries.append(("cembed texts_to_sequences + pad_sequences",
                        lambda: cembed.pad_sequences(tok.texts_to_sequences(lines), maxlen=ml)))
        compare(rows, f"texts -> padded array (maxlen={ml})", entries, args.repeat,
                check=[name for name, _ in entries[1:]])

    # -- hashing
    entries = [("cembed hash_texts (MurmurHash3, C)", lambda: cembed.hash_texts(lines, n,
                                                                              maxlen=maxlen))]
    try:
        import mmh3

        entries.append(("Python loop of mmh3.hash over line.lower().split()",
                        lambda: [[mmh3.hash(w, signed=False) % (n - 1) + 1
                                  for w in line.lower().split()] for line in lines]))
    except ImportError:
        pass
    entries.append(("cembed hashing_trick (lists)", lambda: cembed.hashing_trick(lines, n)))
    if ktext is not None:
        entries.append(("keras_preprocessing hashing_trick (Python hash)",
                        lambda: [ktext.hashing_trick(line, n) for line in lines]))
    try:
        from sklearn.feature_extraction.text import HashingVectorizer

        hv = HashingVectorizer(n_features=n, alternate_sign=False, norm=None)
        entries.append(("scikit-learn HashingVectorizer.transform (sparse counts)",
                        lambda: hv.transform(lines)))
    except ImportError:
        pass
    compare(rows, f"hashing texts -> padded array (maxlen={maxlen})", entries, args.repeat)

    # -- pad_sequences alone
    seqs = tok.texts_to_sequences(lines)
    entries = [("cembed", lambda: cembed.pad_sequences(seqs, maxlen=maxlen))]
    if kseq is not None:
        entries.append(("keras_preprocessing 1.1.2",
                        lambda: kseq.pad_sequences(seqs, maxlen=maxlen)))
    compare(rows, f"pad_sequences (maxlen={maxlen})", entries, args.repeat,
            check=["keras_preprocessing 1.1.2"])

    print()
    print("| step | implementation | median s | time / cembed |")
    print("| --- | --- | ---: | ---: |")
    for step, impl, t, ratio in rows:
        print(f"| {step} | {impl} | {t:.3f} | {ratio:.1f}x |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", choices=["lee", "gcide", "both"], default="both")
    ap.add_argument("--mb", type=float, default=10.0,
                    help="corpus size in MB (Lee repeated, GCIDE's first entries; default 10)")
    ap.add_argument("--repeat", type=int, default=3, help="rounds per measurement (median)")
    ap.add_argument("--num-words", type=int, default=20000)
    ap.add_argument("--n", type=int, default=2**20, help="hashing space")
    ap.add_argument("--maxlen", type=int, default=200, help="row length of the padded arrays")
    ap.add_argument("--threads", type=int, default=None, help="cembed's threads (default: all)")
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                    help="wall time, or this process's CPU time (all its threads summed: on a "
                         "busy machine, with --threads 1, the steadier measure)")
    args = ap.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    cembed.set_num_threads(args.threads)

    print(f"# {cpu_model()}, {os.cpu_count()} CPUs, cembed on {cembed.get_num_threads()} "
          f"threads, {args.clock} time; Python {platform.python_version()}, "
          f"NumPy {np.__version__}")
    if args.corpus in ("lee", "both"):
        try:
            lines = lee_corpus(args.mb)
        except ImportError:
            print("\n## Lee corpus: gensim is not installed (it ships the corpus); skipped")
        else:
            bench_corpus("gensim's Lee corpus (lee_background.cor, repeated)", lines, args)
    if args.corpus in ("gcide", "both"):
        if os.path.exists(GCIDE):
            bench_corpus("GCIDE definitions (dict-gcide)", gcide_corpus(args.mb), args)
        else:
            print(f"\n## GCIDE: {GCIDE} not found (Debian package dict-gcide); skipped")


if __name__ == "__main__":
    main()
