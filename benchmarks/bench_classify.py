"""Benchmark cembed.TextClassifier against fastText on real labelled text.

    python benchmarks/bench_classify.py            # debian and wordnet, a few minutes
    python benchmarks/bench_classify.py --quick    # smoke run: 10,000 packages and wordnet, dim 10, one run
    python benchmarks/bench_classify.py --datasets debian --dims 100 --ngrams 2 --repeat 5

Peers (each skipped when not installed): fastText's Python package
(``pip install fasttext-community``, ``import fasttext``) and fasttext-new
(``pip install fasttext-new``, ``import fasttext_new``, a Rust port with a
parallel ``predict_batch``). Every tool gets the same training file, the same
hyperparameters (dim, word n-grams, buckets, epochs, learning rate, loss,
min count 1) and the same number of threads (``--threads``, 2).

Datasets:

- ``debian``: Debian's package descriptions (``apt-cache dumpavail``, or a
  saved dump with ``--debian-file``): one example per package, its one-line
  ``Description:``, labelled by its ``Section:`` (``contrib/`` and
  ``non-free/`` prefixes stripped).
- ``wordnet``: the demo's corpus (``cembed/data/wordnet_glosses.tsv.gz``,
  shipped with cembed under WordNet's license): 39,765 WordNet 3.0 glosses
  labelled by their lexicographer file (45 labels such as ``noun.animal``,
  ``verb.motion``), about 8,000 test texts: the dataset that judges
  accuracy and prediction on many short texts.
- ``pang_lee`` (only when asked for): ``pang_lee_polarity.cor`` of gensim's
  test data, 200 movie review sentences (Windows-1252) in fastText's format
  (``__label__pos``/``__label__neg``). Its 40 test texts time prediction;
  its accuracy is 5-fold cross-validated (one text of 40 would be 2.5
  points): each of the 200 texts is predicted by the model trained on the
  other four fifths, the mean over the runs (seeds) is shown.

Texts are lowercased and Keras' filter characters (punctuation, tabs)
replaced by spaces, so that fastText's whitespace split and cembed's default
analyzer see the same tokens. Each dataset is split 80/20 by a stable hash
of the text (CRC-32; equal texts fall on the same side), and the training
examples are shuffled with a fixed seed.

Measured, per dataset and setting (dim 10 and 100, with and without bigrams;
``debian`` and ``wordnet`` at fastText's defaults, 5 epochs and learning
rate 0.1, ``pang_lee`` at 25 epochs and 0.5; on ``debian`` also the issue's
setting: dim 50, 10 epochs, learning rate 0.5):

- accuracy: top-1 prediction on the test texts;
- training words/s: whitespace tokens of the training texts x epochs / the
  wall time of training from the file (reading it included);
- prediction texts/s: the test texts as a list of ``str`` in, a list of
  labels out (tokenization included): ``TextClassifier.predict(list).tolist()``,
  fastText's ``model.predict(list)``, fasttext-new's
  ``predict_batch(list, threads=)`` (their labels with the prefix stripped);
- model file size: ``TextClassifier.save`` against fastText's ``.bin``.

``--compact`` measures instead what issue 14 asks of the compact tables:
cembed's model quantized to each compact dtype (``TextClassifier.quantize``)
against its float32 self, on the demo's WordNet glosses (the demo's split
and hyperparameters) and on the chosen datasets' settings: accuracy, the
points lost (goals: at most 0.3 in int8, 1 in int4), prediction texts/s and
the model file.

Runs are interleaved (tool order rotated each run) and the figures are
medians over ``--repeat`` runs; a training or prediction shorter than
0.2 s is repeated until it lasts that long. The goals, against fastText's
Python package (``fasttext``): training >= 2x its words/s, accuracy at most
0.5 points below, prediction >= 3x its ``predict(list)``, file no larger
than its ``.bin``. Timings on a shared machine are noisy: compare the
ratios of one run, and rerun on a quiet machine before quoting them.
"""
import argparse
import gc
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from bench_kernels import _cpu_model, _import_optional, _mem_total_gib  # noqa: E402

KERAS_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
_TRANSLATE = str.maketrans(KERAS_FILTERS, " " * len(KERAS_FILTERS))
PREFIX = "__label__"
MIN_SECONDS = 0.2
GOALS = {"train": 2.0, "accuracy": -0.5, "predict": 3.0, "size": 1.0}
# datasets whose accuracy is k-fold cross-validated (too few test texts)
CV_FOLDS = {"pang_lee": 5}
DATASETS = ("debian", "wordnet", "pang_lee")
COMPACT_DTYPES = ("int8", "int4", "float16", "bfloat16")
# accuracy points a compact dtype may lose against float32 (issue 14)
COMPACT_GOALS = {"int8": -0.3, "int4": -1.0}


def _import_cembed():
    """cembed from this source tree when it is built there, else the installed one."""
    root = os.path.dirname(HERE)
    package = os.path.join(root, "cembed")
    if os.path.isdir(package) and any(n.startswith("_core") and n.endswith((".so", ".pyd"))
                                      for n in os.listdir(package)):
        sys.path.insert(0, root)
    import cembed

    if not hasattr(cembed, "TextClassifier"):
        raise SystemExit(f"bench_classify: cembed at {os.path.dirname(cembed.__file__)} has no "
                         "TextClassifier; build it first: python setup.py build_ext --inplace")
    return cembed


# -------------------------------------------------------------------- data

def normalize(text):
    """Lowercase, Keras' filter characters to spaces, single spaces.

    >>> normalize("Real-time  strategy game (data files)")
    'real time strategy game data files'
    """
    return " ".join(text.lower().translate(_TRANSLATE).split())


def debian_packages(dump=None, limit=None):
    """``(texts, labels)`` of ``apt-cache dumpavail``: one example a package."""
    if dump is None:
        raw = subprocess.run(["apt-cache", "dumpavail"], capture_output=True, check=True).stdout
    else:
        with open(dump, "rb") as f:
            raw = f.read()
    seen, texts, labels = set(), [], []
    for record in raw.decode("utf-8", "replace").split("\n\n"):
        fields = {}
        for line in record.splitlines():
            if line and not line[0].isspace():
                key, _, value = line.partition(":")
                fields.setdefault(key, value.strip())
        name, section, description = (fields.get(k) for k in ("Package", "Section", "Description"))
        if not (name and section and description) or name in seen:
            continue
        seen.add(name)
        text = normalize(description)
        if text:
            texts.append(text)
            labels.append(section.rsplit("/", 1)[-1])
        if limit is not None and len(texts) >= limit:
            break
    return texts, labels


def pang_lee():
    """``(texts, labels)`` of gensim's ``pang_lee_polarity.cor`` (fastText format)."""
    import gensim

    path = os.path.join(os.path.dirname(gensim.__file__), "test", "test_data", "pang_lee_polarity.cor")
    texts, labels = [], []
    with open(path, encoding="cp1252", errors="replace") as f:  # not UTF-8: its dashes are 0x97
        for line in f:
            words = line.split()
            label = [w[len(PREFIX):] for w in words if w.startswith(PREFIX)]
            text = normalize(" ".join(w for w in words if not w.startswith(PREFIX)))
            if label and text:
                texts.append(text)
                labels.append(label[0])
    return texts, labels


def wordnet():
    """``(texts, labels)`` of the demo's WordNet glosses (``label<TAB>gloss``)."""
    from cembed import demo

    texts, labels = [], []
    for text, label in zip(*demo.read_corpus(demo.DEFAULT_CORPUS)):
        text = normalize(text)
        if text:
            texts.append(text)
            labels.append(label)
    return texts, labels


def load(name, args):
    """``(texts, labels)`` of the dataset called name."""
    if name == "debian":
        return debian_packages(args.debian_file, args.limit)
    if name == "wordnet":
        _import_cembed()
        return wordnet()
    return pang_lee()


def split(texts, labels):
    """80/20 by CRC-32 of the text: ``(train, test)``, each ``(texts, labels)``.

    The training examples are shuffled (a fixed seed): ``apt-cache
    dumpavail`` lists packages by name, so sections come in runs
    (``golang-*``, ``libghc-*``, ``r-cran-*``), and SGD that reads a file in
    order, as every tool here does, would learn the order.
    """
    train, test = [], ([], [])
    for text, label in zip(texts, labels):
        if zlib.crc32(text.encode("utf-8")) % 5 == 0:
            test[0].append(text)
            test[1].append(label)
        else:
            train.append((text, label))
    random.Random(0).shuffle(train)
    return ([t for t, _ in train], [l for _, l in train]), test


def folds(texts, labels, k):
    """k-fold split after a fixed shuffle: ``[(train, test), ...]`` as split's."""
    pairs = list(zip(texts, labels))
    random.Random(0).shuffle(pairs)
    out = []
    for f in range(k):
        train = [p for i, p in enumerate(pairs) if i % k != f]
        test = [p for i, p in enumerate(pairs) if i % k == f]
        out.append((([t for t, _ in train], [l for _, l in train]),
                    ([t for t, _ in test], [l for _, l in test])))
    return out


def write_fasttext(path, texts, labels):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for text, label in zip(texts, labels):
            f.write(f"{PREFIX}{label} {text}\n")


# ------------------------------------------------------------------- tools

class Tool:
    """One contender: ``train(path, setting)`` -> model; ``predict(model, texts)`` -> labels;
    ``save(model, path)`` -> bytes written."""

    def __init__(self, name, train, predict, save):
        self.name, self.train, self.predict, self.save = name, train, predict, save


def _strip(label):
    label = str(label)
    return label[len(PREFIX):] if label.startswith(PREFIX) else label


def make_tools(names, threads):
    tools = []
    if "cembed" in names:
        cembed = _import_cembed()
        cembed.set_num_threads(threads)

        def train(path, s, seed):
            return cembed.TextClassifier(
                dim=s["dim"], word_ngrams=s["ngrams"], buckets=s["buckets"], min_count=1,
                epochs=s["epochs"], learning_rate=s["lr"], loss=s["loss"], seed=seed).fit(path)

        def save(model, path):
            written = model.save(path + ".cembed")
            return os.path.getsize(written if isinstance(written, (str, os.PathLike)) else path + ".cembed")

        # predict returns the labels without fastText's prefix (fit removed
        # it): tolist() makes them the list of Python labels the other tools
        # give, with no per-label strip
        tools.append(Tool("cembed", train, lambda m, texts: m.predict(texts).tolist(), save))
    for module, name in (("fasttext", "fastText"), ("fasttext_new", "fasttext-new")):
        if name not in names and module not in names:
            continue
        ft = _import_optional(module)
        if ft is None:
            print(f"bench_classify: {module} is not installed; {name} skipped", file=sys.stderr)
            continue

        def train(path, s, seed, ft=ft):
            return ft.train_supervised(input=path, dim=s["dim"], wordNgrams=s["ngrams"],
                                       bucket=s["buckets"], epoch=s["epochs"], lr=s["lr"],
                                       loss=s["loss"], minCount=1, thread=threads, seed=seed,
                                       verbose=0)

        if module == "fasttext_new":
            def predict(model, texts):
                return [_strip(x[0]) for x in model.predict_batch(texts, k=1, threads=threads)[0]]
        else:
            def predict(model, texts):
                return [_strip(x[0]) for x in model.predict(texts, k=1)[0]]

        def save(model, path):
            model.save_model(path + ".bin")
            return os.path.getsize(path + ".bin")

        tools.append(Tool(name, train, predict, save))
    return tools


def _timed(fn):
    """Seconds per call of fn() (repeated until MIN_SECONDS have passed) and its last result."""
    gc.collect()
    calls, start = 0, time.perf_counter()
    while True:
        result = fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= MIN_SECONDS:
            return elapsed / calls, result


# --------------------------------------------------------------------- run

def settings(args):
    out = []
    for dataset in args.datasets:
        epochs, lr = (args.epochs_small, args.lr_small) if dataset == "pang_lee" else (args.epochs, args.lr)
        for dim in args.dims:
            for ngrams in args.ngrams:
                out.append(dict(dataset=dataset, dim=dim, ngrams=ngrams, buckets=args.buckets,
                                epochs=epochs, lr=lr, loss=args.loss))
        if dataset == "debian" and args.issue_setting:
            for ngrams in args.ngrams:
                out.append(dict(dataset=dataset, dim=50, ngrams=ngrams, buckets=args.buckets,
                                epochs=10, lr=0.5, loss=args.loss))
    return out


def run_setting(setting, data, tools, repeat, folder, out):
    (train_texts, _), (test_texts, test_labels) = data["train"], data["test"]
    words = sum(len(t.split()) for t in train_texts) * setting["epochs"]
    samples = {t.name: {"accuracy": [], "train": [], "predict": [], "size": []} for t in tools}
    for run in range(repeat):
        order = tools[run % len(tools):] + tools[:run % len(tools)]
        for tool in order:
            try:
                seconds, model = _timed(lambda: tool.train(data["train_path"], setting, run))
            except (ValueError, RuntimeError) as e:  # a diverging run, said as an error
                print(f"  {tool.name:>12}: training failed: {e}", file=out, flush=True)
                continue
            predicted = tool.predict(model, test_texts)
            accuracy = sum(p == y for p, y in zip(predicted, test_labels)) / max(len(test_labels), 1)
            predict_seconds, _ = _timed(lambda: tool.predict(model, test_texts))
            size = tool.save(model, os.path.join(folder, tool.name))
            s = samples[tool.name]
            s["accuracy"].append(100.0 * accuracy)
            s["train"].append(words / seconds)
            s["predict"].append(len(test_texts) / predict_seconds)
            s["size"].append(size)
            del model
            if "folds" in data:
                s["accuracy"][-1] = 100.0 * _cv_accuracy(tool, data["folds"], setting, run)
    average = {k: statistics.median for k in ("accuracy", "train", "predict", "size")}
    if "folds" in data:
        average["accuracy"] = statistics.fmean  # of the runs' cross-validated accuracies
    result = {name: {k: average[k](v) for k, v in s.items()}
              for name, s in samples.items() if s["train"]}
    for name, r in result.items():
        print(f"  {name:>12}: accuracy {r['accuracy']:6.2f} %, train {r['train']:12,.0f} words/s, "
              f"predict {r['predict']:12,.0f} texts/s, file {r['size']:12,.0f} bytes", file=out, flush=True)
    return result


def _cv_accuracy(tool, data_folds, setting, seed):
    """The fraction of all texts right, each predicted by its fold's model."""
    right = total = 0
    for path, texts, labels in data_folds:
        model = tool.train(path, setting, seed)
        right += sum(p == y for p, y in zip(tool.predict(model, texts), labels))
        total += len(labels)
        del model
    return right / max(total, 1)


def goals(result, dataset=None):
    """The issue's goals against fastText's Python package, as ``(goal, value,
    ok)``."""
    if "cembed" not in result or "fastText" not in result:
        return []
    c, f = result["cembed"], result["fastText"]
    return [
        ("training words/s vs fastText (>= 2x)", c["train"] / f["train"], c["train"] / f["train"] >= GOALS["train"]),
        ("accuracy - fastText's (>= -0.5 points)", c["accuracy"] - f["accuracy"],
         c["accuracy"] - f["accuracy"] >= GOALS["accuracy"]),
        ("prediction texts/s vs fastText predict(list) (>= 3x)", c["predict"] / f["predict"],
         c["predict"] / f["predict"] >= GOALS["predict"]),
        ("model file vs fastText .bin (<= 1x)", c["size"] / f["size"], c["size"] / f["size"] <= GOALS["size"]),
    ]


def markdown(report):
    lines = ["| dataset | dim | n-grams | epochs | lr | tool | accuracy % | train words/s | "
             "predict texts/s | model bytes |", "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |"]
    for case in report["cases"]:
        s = case["setting"]
        for name, r in case["result"].items():
            lines.append(f"| {s['dataset']} | {s['dim']} | {s['ngrams']} | {s['epochs']} | {s['lr']} | {name} | "
                         f"{r['accuracy']:.2f} | {r['train']:,.0f} | {r['predict']:,.0f} | {r['size']:,.0f} |")
    lines += ["", "| dataset | dim | n-grams | epochs | lr | train ratio | accuracy diff | predict ratio | "
              "file ratio |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for case in report["cases"]:
        s, g = case["setting"], case["goals"]
        if not g:
            continue
        cells = [f"{v:+.2f}" if i == 1 else f"{v:.2f}x" for i, (_, v, _) in enumerate(g)]
        cells = [c + ("" if ok else " FAIL") for c, (_, _, ok) in zip(cells, g)]
        lines.append(f"| {s['dataset']} | {s['dim']} | {s['ngrams']} | {s['epochs']} | {s['lr']} | "
                     + " | ".join(cells) + " |")
    shown = {case["setting"]["dataset"] for case in report["cases"] if case["goals"]}
    for name, k in CV_FOLDS.items():
        if name in shown:
            lines.append(f"\n{name}: accuracy {k}-fold cross-validated over all its texts, "
                         "mean of the runs.")
    return "\n".join(lines)


def machine(tools):
    versions = {}
    for module in ("cembed", "fasttext", "fasttext_new"):
        mod = sys.modules.get(module)
        if mod is not None:
            versions[module] = getattr(mod, "__version__", None) or _dist_version(module)
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {"cpu": _cpu_model(), "usable_cores": usable, "memory_gib": _mem_total_gib(),
            "python": platform.python_version(), "versions": versions,
            "tools": [t.name for t in tools]}


def _dist_version(module):
    from importlib import metadata

    for dist in {"fasttext": "fasttext-community", "fasttext_new": "fasttext-new"}.get(module, module), module:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return None


# ---------------------------------------------------------- compact tables

def compact_case(name, model, test_texts, test_labels, folder, out):
    """Accuracy, prediction speed and file size of model and its quantized
    copies; returns the rows printed."""
    rows = []
    base = None
    for dtype in ("float32",) + COMPACT_DTYPES:
        m = model if dtype == "float32" else model.quantize(dtype)
        predicted = [str(x) for x in m.predict(test_texts)]
        accuracy = 100.0 * sum(p == str(y) for p, y in zip(predicted, test_labels)) / len(test_labels)
        seconds, _ = _timed(lambda: m.predict(test_texts))
        path = os.path.join(folder, f"compact-{dtype}.cembed")
        m.save(path)
        base = accuracy if base is None else base
        goal = COMPACT_GOALS.get(dtype)
        row = {"case": name, "dtype": dtype, "accuracy": accuracy, "diff": accuracy - base,
               "predict": len(test_texts) / seconds, "size": os.path.getsize(path),
               "ok": None if goal is None else accuracy - base >= goal}
        rows.append(row)
        verdict = "" if goal is None else f" (goal >= {goal:+.1f}: {'met' if row['ok'] else 'FAIL'})"
        print(f"  {dtype:>9}: accuracy {accuracy:6.2f} % ({row['diff']:+.2f} points){verdict}, "
              f"predict {row['predict']:10,.0f} texts/s, file {row['size']:12,d} bytes",
              file=out, flush=True)
    return rows


def compact_main(args, out, folder):
    cembed = _import_cembed()
    cembed.set_num_threads(args.threads)
    from cembed import demo

    report = []
    texts, labels = demo.read_corpus(demo.DEFAULT_CORPUS)
    train, test = demo.split(texts)
    order = random.Random(0).sample(list(train), len(train))
    print("demo: WordNet glosses, TextClassifier(dim=32, word_ngrams=2, buckets=200,000, "
          "epochs=10, learning_rate=0.5)", file=out, flush=True)
    clf = cembed.TextClassifier(dim=32, word_ngrams=2, buckets=200_000, epochs=10,
                                learning_rate=0.5).fit([texts[i] for i in order],
                                                       [labels[i] for i in order])
    report += compact_case("demo", clf, [texts[i] for i in test], [labels[i] for i in test],
                           folder, out)
    for name in args.datasets:
        data_texts, data_labels = load(name, args)
        (train_texts, train_labels), (test_texts, test_labels) = split(data_texts, data_labels)
        path = os.path.join(folder, f"{name}.train")
        write_fasttext(path, train_texts, train_labels)
        for s in settings(args):
            if s["dataset"] != name:
                continue
            print(f"{name}: dim {s['dim']}, word n-grams {s['ngrams']}, buckets {s['buckets']:,}, "
                  f"epochs {s['epochs']}, lr {s['lr']}", file=out, flush=True)
            clf = cembed.TextClassifier(dim=s["dim"], word_ngrams=s["ngrams"], buckets=s["buckets"],
                                        epochs=s["epochs"], learning_rate=s["lr"],
                                        loss=s["loss"]).fit(path)
            report += compact_case(f"{name} dim {s['dim']} n-grams {s['ngrams']}", clf, test_texts,
                                   test_labels, folder, out)
    lines = ["", "| case | dtype | accuracy % | points vs float32 | predict texts/s | model bytes |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    for r in report:
        flag = "" if r["ok"] is None else (" met" if r["ok"] else " FAIL")
        lines.append(f"| {r['case']} | {r['dtype']} | {r['accuracy']:.2f} | {r['diff']:+.2f}{flag} | "
                     f"{r['predict']:,.0f} | {r['size']:,d} |")
    print("\n".join(lines), file=out)
    return {"compact": report}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", nargs="+", choices=DATASETS, default=["debian", "wordnet"],
                   help="debian wordnet (default) pang_lee")
    p.add_argument("--dims", nargs="+", type=int, default=[10, 100])
    p.add_argument("--ngrams", nargs="+", type=int, default=[1, 2], help="word n-grams (1 2)")
    p.add_argument("--buckets", type=int, default=2_000_000)
    p.add_argument("--epochs", type=int, default=5,
                   help="epochs on debian and wordnet (5, fastText's default)")
    p.add_argument("--lr", type=float, default=0.1,
                   help="learning rate on debian and wordnet (0.1, fastText's default)")
    p.add_argument("--epochs-small", type=int, default=25, help="epochs on pang_lee (25)")
    p.add_argument("--lr-small", type=float, default=0.5, help="learning rate on pang_lee (0.5)")
    p.add_argument("--loss", default="softmax", choices=("softmax", "hs", "ova"))
    p.add_argument("--no-issue-setting", dest="issue_setting", action="store_false",
                   help="skip dim 50, 10 epochs, lr 0.5 on debian")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeat", type=int, default=3, help="runs of each tool, medians reported (3)")
    p.add_argument("--limit", type=int, default=None, help="at most this many Debian packages")
    p.add_argument("--debian-file", metavar="FILE", help="a saved `apt-cache dumpavail` output")
    p.add_argument("--tools", nargs="+", default=["cembed", "fastText", "fasttext-new"])
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 10,000 packages, dim 10, one run, 200,000 buckets")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    p.add_argument("--compact", action="store_true",
                   help="accuracy of cembed's model with each compact dtype (TextClassifier.quantize) "
                        "on the demo's WordNet glosses and the datasets, instead of the comparison")
    args = p.parse_args(argv)
    if args.quick:
        args.limit = args.limit or 10_000
        args.dims, args.repeat, args.buckets = [10], 1, 200_000
    return args


def main(argv=None, out=None):
    out = sys.stdout if out is None else out
    args = parse_args(argv)
    if args.compact:
        with tempfile.TemporaryDirectory() as folder:
            report = compact_main(args, out, folder)
        if args.json:
            with open(args.json, "w", encoding="utf-8") as f:
                json.dump(report, f, indent=1)
        return report
    tools = make_tools(args.tools, args.threads)
    if not tools:
        raise SystemExit("bench_classify: none of the tools is installed")
    info = machine(tools)
    print(f"machine: {info['cpu']}, {info['usable_cores']} cores, {info['memory_gib']} GiB; "
          f"Python {info['python']}; " + ", ".join(f"{k} {v}" for k, v in info["versions"].items())
          + f"; {args.threads} threads", file=out)
    report = {"machine": info, "args": vars(args), "cases": []}
    with tempfile.TemporaryDirectory() as folder:
        datasets = {}
        for name in args.datasets:
            texts, labels = load(name, args)
            train, test = split(texts, labels)
            train_path = os.path.join(folder, f"{name}.train")
            write_fasttext(train_path, *train)
            datasets[name] = {"train": train, "test": test, "train_path": train_path}
            if name in CV_FOLDS:
                datasets[name]["folds"] = []
                for f, ((tr_texts, tr_labels), (te_texts, te_labels)) in enumerate(
                        folds(texts, labels, CV_FOLDS[name])):
                    path = os.path.join(folder, f"{name}.fold{f}.train")
                    write_fasttext(path, tr_texts, tr_labels)
                    datasets[name]["folds"].append((path, te_texts, te_labels))
            print(f"{name}: {len(texts)} texts, {len(set(labels))} labels, {len(train[0])} train / "
                  f"{len(test[0])} test, {sum(len(t.split()) for t in train[0]):,} training words", file=out)
        for s in settings(args):
            print(f"{s['dataset']}: dim {s['dim']}, word n-grams {s['ngrams']}, buckets {s['buckets']:,}, "
                  f"epochs {s['epochs']}, lr {s['lr']}, loss {s['loss']}", file=out, flush=True)
            result = run_setting(s, datasets[s["dataset"]], tools, args.repeat, folder, out)
            report["cases"].append({"setting": s, "result": result,
                                    "goals": goals(result, s["dataset"])})
    print("", file=out)
    print(markdown(report), file=out)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1)
    return report


if __name__ == "__main__":
    main()
