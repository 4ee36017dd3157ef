"""cembed.Word2Vec against gensim's Word2Vec: training speed and analogy
accuracy on real English text.

The corpus is the GNU Collaborative International Dictionary of English
(Debian's dict-gcide, /usr/share/dictd/gcide.dict.dz, gzip-readable),
stripped of its markup (pronunciations, bracketed notes and etymologies),
lowercased, one dictionary paragraph a line: about 4 million words. Both
tools train from the same corpus_file with the same parameters and 2
workers, skip-gram and CBOW, interleaved, and are scored with gensim's
evaluate_word_analogies on gensim's questions-words.txt (cembed's vectors
through cembed's own evaluation, which gives gensim's numbers).

    python benchmarks/bench_word2vec.py            # 3 epochs, 3 runs each
    python benchmarks/bench_word2vec.py --quick    # 1 epoch, a quarter of the text, 1 run
    python benchmarks/bench_word2vec.py --probe --models cbow --runs 1
                                                   # where the time goes: CPU s of one epoch

Words/s counts the corpus tokens times the epochs over the wall time of
training (vocabulary building excluded for both). The machine is shared:
the numbers are indicative; medians of the runs are reported.
"""
import argparse
import gzip
import os
import re
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # the checkout's cembed

GCIDE = "/usr/share/dictd/gcide.dict.dz"


def gcide_corpus(path, fraction=1.0):
    """Write the stripped, lowercased dictionary text to path, one
    paragraph a line; returns the number of words."""
    with gzip.open(GCIDE, "rt", encoding="utf-8", errors="replace") as f:
        text = f.read()
    text = text[: int(len(text) * fraction)]
    text = re.sub(r"\\[^\\\n]*\\", " ", text)  # pronunciations \Ab*jure"\
    text = re.sub(r"\[[^\]]*\]", " ", text)  # [1913 Webster], etymologies
    words = 0
    with open(path, "w", encoding="utf-8") as out:
        for para in re.split(r"\n\s*\n", text.lower()):
            tokens = re.findall(r"[a-z]+(?:'[a-z]+)?", para)
            if tokens:
                out.write(" ".join(tokens) + "\n")
                words += len(tokens)
    return words


def questions_words():
    import gensim

    return os.path.join(os.path.dirname(gensim.__file__), "test", "test_data", "questions-words.txt")


def run_gensim(corpus, words, params, epochs, workers=2, score=True):
    from gensim.models import Word2Vec

    model = Word2Vec(vector_size=params["vector_size"], window=params["window"],
                     min_count=params["min_count"], sg=params["sg"], negative=params["negative"],
                     workers=workers, seed=1)
    model.build_vocab(corpus_file=corpus)
    start, cpu = time.perf_counter(), time.process_time()
    model.train(corpus_file=corpus, total_words=model.corpus_total_words, epochs=epochs)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    accuracy = model.wv.evaluate_word_analogies(questions_words())[0] if score else float("nan")
    return words * epochs / seconds, accuracy, seconds, cpu


def run_cembed(corpus, words, params, epochs, hogwild=False, workers=2, threads=2, score=True):
    import cembed

    cembed.set_num_threads(threads)
    model = cembed.Word2Vec(vector_size=params["vector_size"], window=params["window"],
                            min_count=params["min_count"], sg=params["sg"],
                            negative=params["negative"], workers=workers, seed=1, epochs=epochs)
    model.build_vocab(corpus_file=corpus)
    start, cpu = time.perf_counter(), time.process_time()
    if hogwild:  # the unsynchronised variant, to measure what determinism costs
        from cembed.models import _word2vec

        corpus_ids = _word2vec.Corpus()
        corpus_ids.add_file(model._vocab, corpus)
        ids, ends = corpus_ids.arrays()
        model._train_ids(ids, ends, corpus_ids.raw_words, epochs, hogwild=True, region_decay=True)
    else:
        model.train(corpus_file=corpus, total_words=model.corpus_total_words, epochs=epochs)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    accuracy = model.wv.evaluate_word_analogies(questions_words())[0] if score else float("nan")
    return words * epochs / seconds, accuracy, seconds, cpu


def probe(corpus, words, models, runs):
    """One epoch of each model, CPU and wall seconds: where cembed's time
    goes between one worker, two reproducible workers on one and on two
    threads, and two unsynchronised ones; gensim with one and two workers."""
    print("probe: 1 epoch; CPU s / wall s per configuration, medians of the runs")
    setups = [("gensim, 1 worker", lambda p: run_gensim(corpus, words, p, 1, workers=1, score=False)),
              ("gensim, 2 workers", lambda p: run_gensim(corpus, words, p, 1, score=False)),
              ("cembed, 1 worker, 1 thread",
               lambda p: run_cembed(corpus, words, p, 1, workers=1, threads=1, score=False)),
              ("cembed, 2 workers, 1 thread",
               lambda p: run_cembed(corpus, words, p, 1, threads=1, score=False)),
              ("cembed, 2 workers, 2 threads", lambda p: run_cembed(corpus, words, p, 1, score=False)),
              ("cembed, 2 workers, 2 threads, hogwild",
               lambda p: run_cembed(corpus, words, p, 1, hogwild=True, score=False))]
    for sg, name in ((1, "sg"), (0, "cbow")):
        if name not in models:
            continue
        params = dict(vector_size=100, window=5, min_count=5, sg=sg, negative=5)
        times = {label: [] for label, _ in setups}
        for _ in range(runs):  # interleaved
            for label, run in setups:
                times[label].append(run(params)[2:])
        for label, _ in setups:
            cpu = statistics.median(t[1] for t in times[label])
            wall = statistics.median(t[0] for t in times[label])
            print(f"{name:6} {label:40} {cpu:7.2f} {wall:7.2f}")
        sys.stdout.flush()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 epoch on a quarter of the text, 1 run")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--hogwild", action="store_true", help="also time cembed without synchronisation")
    parser.add_argument("--models", default="sg,cbow", help="sg, cbow or both (sg,cbow)")
    parser.add_argument("--each", action="store_true", help="print every run: wall and CPU seconds")
    parser.add_argument("--probe", action="store_true",
                        help="1 epoch, CPU seconds: 1 and 2 workers on 1 and 2 threads, hogwild, gensim")
    args = parser.parse_args(argv)
    epochs = 1 if args.quick else 3
    runs = args.runs or (1 if args.quick else 3)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "gcide.txt")
        words = gcide_corpus(corpus, 0.25 if args.quick else 1.0)
        if args.probe:
            probe(corpus, words, args.models.split(","), runs)
            return
        print(f"corpus: dict-gcide, {words:,} words; vector_size 100, window 5, min_count 5, "
              f"negative 5, {epochs} epochs, 2 workers; {runs} run(s), medians")
        print(f"{'model':6} {'tool':16} {'words/s':>12} {'analogies':>10} {'speed-up':>9} {'points':>7}")
        print("(goals: speed-up >= 2.50x, points >= -1.0 against gensim; ISA path "
              f"{__import__('cembed').build_info().get('isa', '?')})")
        for sg, name in ((1, "sg"), (0, "cbow")):
            if name not in args.models.split(","):
                continue
            params = dict(vector_size=100, window=5, min_count=5, sg=sg, negative=5)
            results = {"gensim": [], "cembed": []}
            if args.hogwild:
                results["cembed hogwild"] = []
            for _ in range(runs):  # interleaved
                results["gensim"].append(run_gensim(corpus, words, params, epochs))
                results["cembed"].append(run_cembed(corpus, words, params, epochs))
                if args.hogwild:
                    results["cembed hogwild"].append(run_cembed(corpus, words, params, epochs, True))
                if args.each:
                    print("  run: " + "; ".join(f"{tool} {rs[-1][2]:.2f} s wall, {rs[-1][3]:.2f} s CPU, "
                                                 f"{100 * rs[-1][1]:.1f}%" for tool, rs in results.items()))
            base = statistics.median(r[0] for r in results["gensim"])
            base_acc = statistics.median(r[1] for r in results["gensim"])
            for tool, rs in results.items():
                speed = statistics.median(r[0] for r in rs)
                acc = statistics.median(r[1] for r in rs)
                print(f"{name:6} {tool:16} {speed:12,.0f} {100 * acc:9.1f}% {speed / base:8.2f}x "
                      f"{100 * (acc - base_acc):+7.1f}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
