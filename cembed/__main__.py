"""``python -m cembed demo | bench``: the demo, and the benchmarks of a source checkout.

Errors (a bad argument, a malformed corpus line, missing benchmarks) are
one line on stderr and exit code 2.

>>> main(["demo", "--epochs", "0"])
Traceback (most recent call last):
...
SystemExit: 2
"""
import argparse
import os
import subprocess
import sys

PROG = "python -m cembed"
BENCHMARKS = ("kernels", "text", "vectors", "layer", "classify")
DEFAULT_BENCHMARKS = ("kernels", "text")
# A tiny run of each script, for --quick, where the script has no --quick of its own.
QUICK_ARGS = {
    "kernels": ["--quick"],
    "text": ["--mb", "0.3", "--repeat", "1"],
    "vectors": ["--words", "20000", "--dim", "50", "--repeat", "1"],
    "layer": ["--repeat", "3"],
}


class UsageError(Exception):
    """A bad command line: reported as one line on stderr, exit code 2.

    >>> str(UsageError("python -m cembed demo: error: --dim must be positive"))
    'python -m cembed demo: error: --dim must be positive'
    """


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{self.prog}: error: {message}")


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def build_parser():
    """The argument parser of ``python -m cembed``.

    >>> build_parser().parse_args(["demo", "--dim", "8"]).dim
    8
    """
    parser = _Parser(prog=PROG, description="cembed: a compact CPU embedding runtime.")
    sub = parser.add_subparsers(dest="command", metavar="{demo,bench}", parser_class=_Parser)
    sub.required = True

    demo = sub.add_parser(
        "demo", help="train a text classifier on WordNet's glosses, in a few seconds",
        description="Train a TextClassifier (fastText's model) on a labelled corpus, then print "
        "its test accuracy, predictions for a few sentences and nearest neighbours of words.")
    demo.add_argument("--corpus", metavar="FILE",
                      help="a TSV file (or .tsv.gz), one 'label<TAB>text' a line (default: the "
                      "shipped WordNet 3.0 glosses, labelled by lexicographer file)")
    demo.add_argument("--dim", type=_positive_int, default=32, help="word vector size (32)")
    demo.add_argument("--epochs", type=_positive_int, default=10, help="passes over the data (10)")
    demo.add_argument("--learning-rate", type=_positive_float, default=0.5,
                      help="initial learning rate, decaying linearly to 0 (0.5)")
    demo.add_argument("--word-ngrams", type=_positive_int, default=2,
                      help="word n-grams: 1 = words only, 2 = also bigrams (2)")
    demo.add_argument("--buckets", type=_positive_int, default=200_000,
                      help="hash buckets of the n-grams (200000)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (0)")
    demo.add_argument("--threads", type=_positive_int, default=None,
                      help="cembed threads (default: OMP_NUM_THREADS)")
    demo.add_argument("--save", metavar="PATH", help="save the classifier (TextClassifier.load)")
    demo.add_argument("--plot", metavar="FILE.png",
                      help="draw the word vectors in 2-D (PCA); needs matplotlib (cembed[plot])")

    bench = sub.add_parser(
        "bench", help="run the benchmarks of a source checkout and print their tables",
        description="Run benchmarks/bench_<name>.py of the cembed source checkout. "
        "Arguments after '--' go to every script.")
    bench.add_argument("names", nargs="*", metavar="NAME",
                       help=f"benchmarks to run, of {', '.join(BENCHMARKS)} "
                       f"(default: {' '.join(DEFAULT_BENCHMARKS)})")
    bench.add_argument("--quick", action="store_true", help="a tiny smoke run of each")
    bench.add_argument("--dir", metavar="DIR", help="the benchmarks folder (default: found "
                       "beside the package, or ./benchmarks)")
    return parser


def find_benchmarks(folder=None):
    """The ``benchmarks/`` folder of the source checkout, or None.

    Looked for in ``folder`` when given, else beside the ``cembed`` package
    (an in-place build or an editable install) and in the current folder.

    >>> find_benchmarks("/nonexistent") is None
    True
    """
    if folder is not None:
        candidates = [folder]
    else:
        package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        candidates = [os.path.join(package_parent, "benchmarks"), os.path.join(os.getcwd(), "benchmarks")]
    for candidate in candidates:
        if os.path.isdir(candidate) and any(
            name.startswith("bench_") and name.endswith(".py") for name in os.listdir(candidate)
        ):
            return os.path.abspath(candidate)
    return None


def run_bench(names, quick=False, folder=None, extra=()):
    """Run each ``benchmarks/bench_<name>.py`` with this Python and this cembed.

    Returns the exit code: 0 when every script succeeded, else the first
    failure's. Raises ``UsageError`` when the folder or a named script is missing.

    >>> run_bench(["text"], folder="/nonexistent")
    Traceback (most recent call last):
    ...
    cembed.__main__.UsageError: python -m cembed bench: error: no benchmarks/ folder found; ...
    """
    where = find_benchmarks(folder)
    if where is None:
        raise UsageError(
            f"{PROG} bench: error: no benchmarks/ folder found; the benchmarks are part of the "
            "source checkout, not of the installed package: run this from the checkout "
            "or pass --dir PATH/benchmarks")
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        raise UsageError(f"{PROG} bench: error: unknown benchmark {unknown[0]!r} "
                         f"(choose from {', '.join(BENCHMARKS)})")
    scripts = {n: os.path.join(where, f"bench_{n}.py") for n in (names or DEFAULT_BENCHMARKS)}
    missing = [n for n, s in scripts.items() if not os.path.isfile(s)]
    if names and missing:
        raise UsageError(f"{PROG} bench: error: {scripts[missing[0]]} not found")
    for n in missing:
        print(f"{PROG} bench: {scripts[n]} not found, skipped", file=sys.stderr)
        del scripts[n]
    if not scripts:
        raise UsageError(f"{PROG} bench: error: none of the benchmarks is in {where}")

    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = package_parent + os.pathsep + env.get("PYTHONPATH", "")
    status = 0
    for name, script in scripts.items():
        args = []
        if quick:
            with open(script, encoding="utf-8") as f:
                own_quick = '"--quick"' in f.read()
            args = ["--quick"] if own_quick else QUICK_ARGS[name]
        try:
            shown = os.path.relpath(script)
        except ValueError:  # another drive, on Windows
            shown = script
        print(f"== {name}: {shown} {' '.join(args + list(extra))}".rstrip(), flush=True)
        code = subprocess.call([sys.executable, script, *args, *extra], env=env)
        if code != 0:
            print(f"{PROG} bench: {name} failed with exit code {code}", file=sys.stderr)
            status = status or code
    return status


def main(argv=None):
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit code.

    Errors are one line on stderr and ``SystemExit(2)``.

    >>> main(["bench", "no-such-benchmark"])
    Traceback (most recent call last):
    ...
    SystemExit: 2
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1:]
    try:
        args = build_parser().parse_args(argv)
        if args.command == "bench":
            return run_bench(args.names, quick=args.quick, folder=args.dir, extra=extra)
        if extra:
            raise UsageError(f"{PROG} demo: error: unexpected arguments after '--'")
        from cembed import demo, set_num_threads

        if args.plot is not None:
            try:
                import matplotlib  # noqa: F401
            except ImportError:
                raise UsageError(f"{PROG} demo: error: --plot needs matplotlib: "
                                 "pip install \"cembed[plot]\" (or matplotlib)") from None
        if args.corpus is not None and not os.path.isfile(args.corpus):
            raise UsageError(f"{PROG} demo: error: --corpus {args.corpus}: no such file")
        if args.threads is not None:
            set_num_threads(args.threads)
        try:
            demo.run(corpus=args.corpus, dim=args.dim, epochs=args.epochs,
                     learning_rate=args.learning_rate, word_ngrams=args.word_ngrams,
                     buckets=args.buckets, seed=args.seed, save=args.save, plot=args.plot)
        except demo.CorpusError as e:
            raise UsageError(f"{PROG} demo: error: {e}") from None
        except OSError as e:
            raise UsageError(f"{PROG} demo: error: {e}") from None
        return 0
    except UsageError as e:
        print(str(e), file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    sys.exit(main())
