"""Benchmark: loading word2vec files with cembed and with gensim.

Generates a file of WORDS x DIM random vectors (default 400,000 x 300, the
size of GloVe 6B) in word2vec text and binary format, then loads each with
``cembed.load_word2vec`` and ``gensim.models.KeyedVectors.load_word2vec_format``,
each load in a fresh subprocess, and reports the median wall time and the
peak memory: the process's peak resident set (VmHWM) minus its resident
set just before the load, divided by the size of the float32 matrix. Both
loaders must return the same words and bitwise the same matrix.

    python benchmarks/bench_vectors.py                 # 400000 x 300, 3 runs each
    python benchmarks/bench_vectors.py --words 50000 --repeat 5
    python benchmarks/bench_vectors.py --no-gensim

The text holds each value with 6 decimals (as GloVe and word2vec.c write
them), e.g. ``-0.123457``. Files go to --dir (default: a temporary folder,
removed afterwards unless --keep).
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

WORKER = r"""
import hashlib, json, sys, time
fmt, path, loader = sys.argv[1], sys.argv[2], sys.argv[3]
import numpy as np
if loader == "cembed":
    import cembed
else:
    from gensim.models import KeyedVectors

def status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return -1

before = status("VmRSS")
t = time.perf_counter()
if loader == "cembed":
    v = cembed.load_word2vec(path)
    words, matrix = v.words, v.matrix
else:
    kv = KeyedVectors.load_word2vec_format(path, binary=(fmt == "binary"))
    words, matrix = kv.index_to_key, kv.vectors
seconds = time.perf_counter() - t
peak = status("VmHWM")
digest = hashlib.sha1(matrix.tobytes()).hexdigest()
wdigest = hashlib.sha1("\n".join(words).encode("utf-8")).hexdigest()
print(json.dumps(dict(seconds=seconds, before=before, peak=peak, shape=list(matrix.shape),
                      dtype=str(matrix.dtype), digest=digest, words=wdigest)))
"""


def generate(folder, n, d, seed=0):
    import numpy as np

    import cembed

    rng = np.random.default_rng(seed)
    words = [f"w{i}" if i % 10 else f"mot{i}\u00e9" for i in range(n)]
    matrix = np.empty((n, d), dtype=np.float32)
    step = 50_000
    for i in range(0, n, step):
        block = rng.standard_normal((min(step, n - i), d)) * 0.3
        matrix[i : i + step] = np.round(block, 6)
    paths = {}
    for fmt, binary in (("text", False), ("binary", True)):
        path = os.path.join(folder, f"vectors_{n}x{d}.{'bin' if binary else 'txt'}")
        if not os.path.exists(path):
            t = time.perf_counter()
            cembed.save_word2vec(path, words, matrix, binary=binary)
            print(f"wrote {path} ({os.path.getsize(path) / 1e6:.0f} MB) in "
                  f"{time.perf_counter() - t:.1f} s", file=sys.stderr)
        paths[fmt] = path
    return paths, matrix.nbytes


def warm(path):
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def run(fmt, path, loader):
    out = subprocess.run([sys.executable, "-c", WORKER, fmt, path, loader],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{loader} failed on {path}:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--words", type=int, default=400_000)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--no-gensim", action="store_true")
    args = ap.parse_args()

    loaders = ["cembed"]
    if not args.no_gensim:
        try:
            import gensim  # noqa: F401
            loaders.append("gensim")
        except ImportError:
            print("gensim is not installed: cembed only", file=sys.stderr)

    folder = args.dir or tempfile.mkdtemp(prefix="bench_vectors_")
    os.makedirs(folder, exist_ok=True)
    try:
        paths, matrix_bytes = generate(folder, args.words, args.dim)
        results = {}
        for fmt, path in paths.items():
            warm(path)
            digests = set()
            for loader in loaders:
                runs = []
                for _ in range(args.repeat):
                    r = run(fmt, path, loader)
                    runs.append(r)
                    digests.add((r["digest"], r["words"], tuple(r["shape"]), r["dtype"]))
                results[fmt, loader] = dict(
                    seconds=statistics.median(r["seconds"] for r in runs),
                    growth=max(r["peak"] - r["before"] for r in runs) / matrix_bytes,
                    peak=max(r["peak"] for r in runs) / matrix_bytes,
                )
                print(f"{fmt:6s} {loader:6s} {results[fmt, loader]}", file=sys.stderr)
            if len(digests) != 1:
                raise RuntimeError(f"the loaders disagree on {path}: {digests}")

        print(f"\n{args.words:,} words x {args.dim} dims, float32 matrix "
              f"{matrix_bytes / 1e6:.0f} MB; median of {args.repeat} runs, each in a fresh process")
        print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
              f"{platform.python_version()}, {platform.platform()}\n")
        head = "| format | file | cembed s | peak / matrix |"
        sep = "| --- | --- | --- | --- |"
        if "gensim" in loaders:
            head += " gensim s | peak / matrix | speed-up |"
            sep += " --- | --- | --- |"
        print(head)
        print(sep)
        for fmt, path in paths.items():
            c = results[fmt, "cembed"]
            row = (f"| {fmt} | {os.path.getsize(path) / 1e6:.0f} MB | {c['seconds']:.2f} "
                   f"| {c['growth']:.2f} |")
            if "gensim" in loaders:
                g = results[fmt, "gensim"]
                row += f" {g['seconds']:.2f} | {g['growth']:.2f} | {g['seconds'] / c['seconds']:.1f}x |"
            print(row)
        print("\npeak / matrix: the rise of the process's peak resident memory (VmHWM) during the "
              "load, over the size of the float32 matrix; the words and their index are included.")
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
