"""Benchmark cembed's text preprocessing against keras_preprocessing,
HuggingFace tokenizers (WordLevel), scikit-learn's HashingVectorizer and a
Python loop of mmh3, on a generated corpus of Zipf-distributed words.

    python benchmarks/bench_text.py            # ~15 MB corpus, 3 repeats
    python benchmarks/bench_text.py --mb 2 --repeat 1   # quick look

Prints the median wall time of each step and the ratio to cembed (x > 1:
cembed is faster). Tools that are not installed are skipped. The machine is
shared, so compare ratios measured side by side, not absolute times.
"""
import argparse
import gc
import os
import platform
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import cembed  # noqa: E402


def make_corpus(megabytes, seed=0, vocab=100_000, words_per_line=12):
    """Lines of Zipf-distributed (s = 1.1) words with some capitals and
    punctuation, about `megabytes` MB of ASCII text."""
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    lengths = rng.integers(2, 11, size=vocab)
    words = ["".join(rng.choice(letters, n)) for n in lengths]
    # every 10th word capitalized, every 15th followed by punctuation
    cap = [w.capitalize() for w in words]
    punct = np.array([",", ".", ";", "!", "?", ":"])
    n_tokens = int(megabytes * 1e6 / 7.0)
    ranks = (rng.zipf(1.1, size=n_tokens) - 1) % vocab
    style = rng.integers(0, 30, size=n_tokens)
    marks = rng.choice(punct, size=n_tokens)
    toks = []
    for r, s, m in zip(ranks.tolist(), style.tolist(), marks.tolist()):
        w = cap[r] if s < 3 else words[r]
        toks.append(w + m if s in (3, 4) else w)
    return [" ".join(toks[i:i + words_per_line]) for i in range(0, len(toks), words_per_line)]


def timed(fn, repeat):
    """Median wall time of fn() over `repeat` runs, and its last result."""
    times, result = [], None
    for _ in range(repeat):
        result = None
        gc.collect()
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def keras_modules():
    try:
        if not hasattr(np, "unicode_"):  # keras_preprocessing 1.1.2 on NumPy 2
            np.unicode_ = np.str_
        import keras_preprocessing.sequence as kseq
        import keras_preprocessing.text as ktext
        return ktext, kseq
    except ImportError:
        return None, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=15.0, help="corpus size in MB (default 15)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    ap.add_argument("--num-words", type=int, default=20000)
    ap.add_argument("--n", type=int, default=2**20, help="hashing space")
    args = ap.parse_args()

    lines = make_corpus(args.mb)
    size = sum(map(len, lines)) / 1e6
    print(f"# corpus: {len(lines)} lines, {size:.1f} MB, Zipf words; "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, NumPy {np.__version__}")
    rows = []
    ktext, kseq = keras_modules()

    # -- fit_on_texts + texts_to_sequences
    def cembed_fit_seq():
        tok = cembed.Tokenizer(num_words=args.num_words)
        tok.fit_on_texts(lines)
        return tok.texts_to_sequences(lines)

    base, ours = timed(cembed_fit_seq, args.repeat)
    rows.append(("fit_on_texts + texts_to_sequences", "cembed", base, 1.0))
    if ktext is not None:
        def keras_fit_seq():
            tok = ktext.Tokenizer(num_words=args.num_words)
            tok.fit_on_texts(lines)
            return tok.texts_to_sequences(lines)

        t, theirs = timed(keras_fit_seq, args.repeat)
        assert theirs == ours, "cembed and keras_preprocessing disagree"
        del theirs
        rows.append(("", "keras_preprocessing 1.1.2", t, t / base))
    try:
        from tokenizers import Tokenizer as HFTokenizer
        from tokenizers import models, normalizers, pre_tokenizers, trainers

        def hf_fit_seq():
            tok = HFTokenizer(models.WordLevel(unk_token="[UNK]"))
            tok.normalizer = normalizers.Lowercase()
            tok.pre_tokenizer = pre_tokenizers.Whitespace()
            trainer = trainers.WordLevelTrainer(vocab_size=args.num_words,
                                                special_tokens=["[UNK]"], show_progress=False)
            tok.train_from_iterator(lines, trainer)
            return [e.ids for e in tok.encode_batch(lines)]

        t, _ = timed(hf_fit_seq, args.repeat)
        rows.append(("", "tokenizers WordLevel (Rust, threads)", t, t / base))
    except ImportError:
        pass
    del ours

    # -- fit_on_texts alone and texts_to_sequences alone
    tok = cembed.Tokenizer(num_words=args.num_words)
    base_fit, _ = timed(lambda: cembed.Tokenizer(num_words=args.num_words).fit_on_texts(lines),
                        args.repeat)
    tok.fit_on_texts(lines)
    base_seq, _ = timed(lambda: tok.texts_to_sequences(lines), args.repeat)
    rows.append(("fit_on_texts", "cembed", base_fit, 1.0))
    if ktext is not None:
        t, _ = timed(lambda: ktext.Tokenizer(num_words=args.num_words).fit_on_texts(lines),
                     args.repeat)
        rows.append(("", "keras_preprocessing 1.1.2", t, t / base_fit))
    rows.append(("texts_to_sequences", "cembed", base_seq, 1.0))
    if ktext is not None:
        ktok = ktext.Tokenizer(num_words=args.num_words)
        ktok.fit_on_texts(lines)
        t, _ = timed(lambda: ktok.texts_to_sequences(lines), args.repeat)
        rows.append(("", "keras_preprocessing 1.1.2", t, t / base_seq))

    # -- hashing trick over the lines
    n = args.n
    base_hash, ours = timed(lambda: cembed.hashing_trick(lines, n), args.repeat)
    rows.append(("hashing_trick (list of lines)", "cembed (MurmurHash3, C)", base_hash, 1.0))
    try:
        import mmh3

        def mmh3_loop():
            return [[mmh3.hash(w, signed=False) % (n - 1) + 1 for w in line.lower().split()]
                    for line in lines]

        t, _ = timed(mmh3_loop, args.repeat)
        rows.append(("", "Python loop of mmh3.hash over line.lower().split()", t, t / base_hash))
    except ImportError:
        pass
    if ktext is not None:
        t, _ = timed(lambda: [ktext.hashing_trick(line, n) for line in lines], args.repeat)
        rows.append(("", "keras_preprocessing hashing_trick (Python hash)", t, t / base_hash))
    try:
        from sklearn.feature_extraction.text import HashingVectorizer

        hv = HashingVectorizer(n_features=n, alternate_sign=False, norm=None)
        t, _ = timed(lambda: hv.transform(lines), args.repeat)
        rows.append(("", "scikit-learn HashingVectorizer.transform (sparse counts)", t,
                     t / base_hash))
    except ImportError:
        pass
    del ours

    # -- pad_sequences
    seqs = tok.texts_to_sequences(lines)
    base_pad, _ = timed(lambda: cembed.pad_sequences(seqs, maxlen=16), args.repeat)
    rows.append(("pad_sequences (maxlen=16)", "cembed", base_pad, 1.0))
    if kseq is not None:
        t, _ = timed(lambda: kseq.pad_sequences(seqs, maxlen=16), args.repeat)
        rows.append(("", "keras_preprocessing 1.1.2", t, t / base_pad))

    print()
    print("| step | implementation | median s | time / cembed |")
    print("| --- | --- | ---: | ---: |")
    for step, impl, t, ratio in rows:
        print(f"| {step} | {impl} | {t:.3f} | {ratio:.1f}x |")


if __name__ == "__main__":
    main()
