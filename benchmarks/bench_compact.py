#!/usr/bin/env python
"""Compact tables: cembed's bags and gathers over float16, bfloat16, int8
and int4 rows against PyTorch's, the cost of quantizing, and the quality.

On the headline workload (V = 1,000,000 rows, D = 64 and 256, indices
4096 x 50, uniform and Zipf(1.1), drawn as bench_kernels.py draws them) it
times, at 2 threads:

- cembed's ``embedding_bag`` (sum) and ``gather`` on each compact dtype,
  on the widest instruction-set path the CPU has, or the one ``--isa``
  names (``--isa avx2`` also holds PyTorch to AVX2);
- torch's ``embedding_bag_byte_rowwise_offsets`` (int8) and
  ``embedding_bag_4bit_rowwise_offsets`` (int4) on the same packed rows,
  ``F.embedding_bag`` on a float16 table, and ``F.embedding_bag`` /
  ``F.embedding`` on the float32 table;
- quantizing the table against one float32 pass over it (``np.copyto``: one
  read, one write).

With ``--touch`` (needs a C compiler: ``cc``) it also times a touch probe
per row size, the least work any bag must do (benchmarks/memory_limit.c's
touch loop over rows of bytes, ``memory_limit_touch_rows``): one load from each cache line of every looked-up
row, the same bags of 64 handed to the threads, no arithmetic, with every
line of the rows prefetched 4 to 128 positions ahead, into L1 or only into
L2 (the settings memory_limit.c tries); a row size's touch time is its
fastest setting's, named in the table. ``bag / touch`` near 1 means the bag
is as fast as the memory system lets any kernel be for its bytes, and
``fp32 touch / dtype touch`` is the most any compact bag can lead torch's
float32 bag by (when torch's runs at its touch limit).

Contenders of a case run in a shuffled round-robin, a few calls each, and
the figure is the median, so a noisy machine slows them alike. It prints
one table of times and the goal ratios (the issue's: int8 bag >= 2.5x
torch's float32 bag and >= 1.3x torch's int8; int4 >= 3x and >= 2x torch's
4-bit; float16 >= 1.6x torch's float32; quantizing < 2 float32 passes),
then the quality: top-10 neighbour overlap on a real word-vector table
(gensim's test data, pang_lee_polarity_fasttext.vec, 1694 x 100) and a
word2vec table trained on gensim's Lee corpus.

    python benchmarks/bench_compact.py               # D = 64 and 256
    python benchmarks/bench_compact.py --dims 64 --repeat 7
    python benchmarks/bench_compact.py --quick       # V = 100,000, a smoke run
    python benchmarks/bench_compact.py --isa avx2    # both libraries on AVX2
    python benchmarks/bench_compact.py --isa all --dims 64 --no-quality --touch
"""
import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench_kernels import (BATCH_SHAPE, SEED, TOUCH_AHEADS, _import_cembed,  # noqa: E402
                           make_indices, touch_probe)

DTYPES = ("float16", "bfloat16", "int8", "int4")
THREADS = 2


# the touch probe's settings, as benchmarks/memory_limit.c tries them: rows
# prefetched TOUCH_AHEADS positions ahead, into L1 or only into L2 (whose miss
# buffers keep more lines in flight); each row size's best setting is its limit
TOUCH_SETTINGS = [(a, l2) for l2 in (0, 1) for a in TOUCH_AHEADS]


CLOCK = time.perf_counter


def timed(fn, calls):
    times = []
    for _ in range(calls):
        t0 = CLOCK()
        fn()
        times.append(CLOCK() - t0)
    return times


def race(contenders, repeat, calls=3):
    """Median seconds per contender, interleaved in shuffled rounds."""
    results = {name: [] for name in contenders}
    names = list(contenders)
    rng = random.Random(SEED)
    for name in names:  # warm up: page in the table, start the threads
        contenders[name]()
    for _ in range(repeat):
        rng.shuffle(names)
        for name in names:
            results[name] += timed(contenders[name], calls)
            time.sleep(0.01)
    return {name: statistics.median(t) for name, t in results.items()}


def lookup_case(cembed, torch, table, tables, packed_t, idx, repeat, touch=None, threads=2):
    F = torch.nn.functional
    B, L = idx.shape
    idx_t = torch.from_numpy(idx)
    flat_t = idx_t.reshape(-1)
    offsets_t = torch.arange(0, B * L, L, dtype=torch.int64)
    w32 = torch.from_numpy(table)
    w16 = w32.to(torch.float16)
    c = {
        "torch fp32 bag": lambda: F.embedding_bag(idx_t, w32, mode="sum"),
        "torch fp16 bag": lambda: F.embedding_bag(idx_t, w16, mode="sum"),
        "torch int8 bag": lambda: torch.ops.quantized.embedding_bag_byte_rowwise_offsets(
            packed_t["int8"], flat_t, offsets_t, False, 0),
        "torch int4 bag": lambda: torch.ops.quantized.embedding_bag_4bit_rowwise_offsets(
            packed_t["int4"], flat_t, offsets_t, False, 0),
        "torch fp32 gather": lambda: F.embedding(idx_t, w32),
        "cembed fp32 bag": lambda: cembed.embedding_bag(table, idx),
    }
    if touch is not None:
        for name, a in [("float32", table)] + [(d, tables[d].data) for d in DTYPES]:
            for ahead, l2 in TOUCH_SETTINGS:
                c[f"touch {name} rows {ahead} {'L2' if l2 else 'L1'}"] = (
                    lambda a, ahead, l2: lambda: touch(
                        a.ctypes.data, a.strides[0], a.shape[1] * a.itemsize, idx.ctypes.data,
                        B, L, threads, ahead, 1, l2, 0))(a, ahead, l2)
    for dtype in DTYPES:
        c[f"cembed {dtype} bag"] = (lambda T: lambda: cembed.embedding_bag(T, idx))(tables[dtype])
        c[f"cembed {dtype} gather"] = (lambda T: lambda: cembed.gather(T, idx))(tables[dtype])
    # the results agree with torch's before anything is timed
    want = F.embedding_bag(idx_t, torch.from_numpy(tables["int8"].dequantize()), mode="sum")
    got = cembed.embedding_bag(tables["int8"], idx)
    assert np.allclose(got, c["torch int8 bag"]().numpy(), rtol=1e-4, atol=1e-3)
    assert np.allclose(got, want.numpy(), rtol=1e-4, atol=1e-3)
    r = race(c, repeat)
    if touch is not None:  # each row size's touch time: its fastest setting
        for name in ["float32"] + list(DTYPES):
            keys = [k for k in r if k.startswith(f"touch {name} rows ")]
            best = min(keys, key=r.get)
            r[f"touch {name} rows"] = r[best]
            r[f"touch {name} setting"] = " ".join(best.split()[-2:])
            for k in keys:
                del r[k]
    return r


def quantize_case(cembed, table, repeat):
    dst = np.empty_like(table)
    c = {"float32 pass (copy)": lambda: np.copyto(dst, table)}
    for dtype in DTYPES:
        c[f"quantize {dtype}"] = (lambda d: lambda: cembed.quantize(table, d))(dtype)
    return race(c, repeat, calls=1)


def overlap(cembed, vectors, dtype, topn=10, queries=300):
    q = vectors.quantize(dtype)
    rng = np.random.default_rng(SEED)
    words = [vectors.words[i] for i in rng.choice(len(vectors.words), queries, replace=False)]
    total = 0
    for w in words:
        a = {x for x, _ in vectors.most_similar(w, topn=topn)}
        b = {x for x, _ in q.most_similar(w, topn=topn)}
        total += len(a & b)
    return total / (topn * len(words))


def quality(cembed):
    import gensim

    data = os.path.join(os.path.dirname(gensim.__file__), "test", "test_data")
    tables = {"pang_lee_polarity_fasttext.vec":
              cembed.load_word2vec(os.path.join(data, "pang_lee_polarity_fasttext.vec"),
                                         unicode_errors="replace")}
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence

    model = Word2Vec(LineSentence(os.path.join(data, "lee_background.cor")), vector_size=100,
                     min_count=2, seed=1, workers=1, epochs=10)
    tables["word2vec on lee_background.cor"] = cembed.Vectors(
        list(model.wv.index_to_key), np.ascontiguousarray(model.wv.vectors, dtype=np.float32))
    rows = []
    for name, v in tables.items():
        rows.append((name, len(v), v.dim, [overlap(cembed, v, d) for d in DTYPES]))
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dims", type=int, nargs="+", default=[64, 256])
    p.add_argument("--dists", nargs="+", default=["uniform", "zipf"])
    p.add_argument("--repeat", type=int, default=5, help="rounds of each contender")
    p.add_argument("--quick", action="store_true", help="V = 100,000")
    p.add_argument("--no-quality", action="store_true")
    p.add_argument("--threads", type=int, default=THREADS,
                   help=f"threads for both libraries (default {THREADS}, the goals' setting)")
    p.add_argument("--isa", choices=["baseline", "avx2", "avx512", "all"],
                   help="run cembed on this instruction-set path, and PyTorch on the same "
                        "(ATEN_CPU_CAPABILITY, FBGEMM_ENABLE_INSTRUCTIONS), in a fresh process; "
                        "all: each path this CPU has, one after the other")
    p.add_argument("--cpu-time", action="store_true",
                   help="with --threads 1: time by the thread's CPU time (time.thread_time), "
                        "which a busy machine's descheduling does not inflate")
    p.add_argument("--touch", action="store_true",
                   help="also time the touch probe per row size (compiled with cc)")
    args = p.parse_args(argv)
    if args.isa == "all":
        cembed = _import_cembed()
        argv = sys.argv[1:] if argv is None else list(argv)
        i = argv.index("--isa")
        rest = argv[:i] + argv[i + 2:]
        for isa in cembed.build_info()["supported_isa"]:
            print(f"==== path {isa}", flush=True)
            subprocess.run([sys.executable, os.path.abspath(__file__), "--isa", isa] + rest,
                           check=True)
        return
    if args.isa and os.environ.get("CEMBED_ISA") != args.isa:
        env = dict(os.environ, CEMBED_ISA=args.isa,
                   ATEN_CPU_CAPABILITY={"baseline": "default"}.get(args.isa, args.isa))
        env.pop("FBGEMM_ENABLE_INSTRUCTIONS", None)  # FBGEMM has no path below AVX2
        if args.isa != "baseline":
            env["FBGEMM_ENABLE_INSTRUCTIONS"] = args.isa.upper()
        argv = sys.argv[1:] if argv is None else list(argv)
        os.execve(sys.executable, [sys.executable, os.path.abspath(__file__)] + argv, env)

    if args.cpu_time:
        if args.threads != 1:
            p.error("--cpu-time needs --threads 1 (the work must run on the calling thread)")
        global CLOCK
        CLOCK = time.thread_time
    cembed = _import_cembed()
    import torch

    torch.set_num_threads(args.threads)
    cembed.set_num_threads(args.threads)
    from cembed import _compact

    native = _compact.isa()
    V = 100_000 if args.quick else 1_000_000
    print(f"cembed {cembed.__version__} ({native} kernels), torch {torch.__version__}, "
          f"{args.threads} threads, V = {V:,}, indices {BATCH_SHAPE[0]} x {BATCH_SHAPE[1]}; "
          f"median ms{' of CPU time' if args.cpu_time else ''} "
          "(noisy when the machine is shared)\n")
    goals = []
    tmp = tempfile.mkdtemp(prefix="bench_compact_")
    touch = touch_probe(tmp, rows=True) if args.touch else None
    if args.touch and touch is None:
        print("(no C compiler: the touch probe is left out)\n")
    for D in args.dims:
        rng = np.random.default_rng(SEED + D)
        table = rng.standard_normal((V, D), dtype=np.float32) * 0.1
        q = quantize_case(cembed, table, args.repeat)
        tables = {d: cembed.quantize(table, d) for d in DTYPES}
        packed_t = {"int8": torch.from_numpy(tables["int8"].data),
                    "int4": torch.from_numpy(tables["int4"].data)}
        print(f"D = {D}: quantize {V:,} x {D}")
        for name, t in q.items():
            print(f"  {name:<28} {t * 1e3:8.2f} ms  ({t / q['float32 pass (copy)']:.2f} passes)")
        if D == 64:
            goals.append(("quantize int8 < 2 float32 passes",
                          2 * q["float32 pass (copy)"] / q["quantize int8"], 1.0))
            goals.append(("quantize int4 < 2 float32 passes",
                          2 * q["float32 pass (copy)"] / q["quantize int4"], 1.0))
        for dist in args.dists:
            idx = make_indices(dist, V, BATCH_SHAPE, SEED + (dist == "zipf"))
            r = lookup_case(cembed, torch, table, tables, packed_t, idx, args.repeat, touch,
                            args.threads)
            print(f"D = {D}, {dist}:")
            for name in sorted(r, key=lambda n: (n.split()[-1] != "bag", n)):
                if not name.endswith(" setting"):
                    setting = r.get(name.replace(" rows", " setting"), "") if name.startswith(
                        "touch ") else ""
                    print(f"  {name:<34} {r[name] * 1e3:8.3f} ms"
                          + (f"  (best: {setting.split()[0]} ahead, {setting.split()[1]})"
                             if setting else ""))
            if D == 64:
                f32, i8, i4 = r["torch fp32 bag"], r["torch int8 bag"], r["torch int4 bag"]
                goals += [
                    (f"{dist}: int8 bag vs torch fp32 (>= 2.5)", f32 / r["cembed int8 bag"], 2.5),
                    (f"{dist}: int8 bag vs torch int8 (>= 1.3)", i8 / r["cembed int8 bag"], 1.3),
                    (f"{dist}: int4 bag vs torch fp32 (>= 3)", f32 / r["cembed int4 bag"], 3.0),
                    (f"{dist}: int4 bag vs torch 4-bit (>= 2)", i4 / r["cembed int4 bag"], 2.0),
                    (f"{dist}: float16 bag vs torch fp32 (>= 1.6)",
                     f32 / r["cembed float16 bag"], 1.6),
                ]
            if touch is not None:
                t32 = r["touch float32 rows"]
                print("  bag / touch of its rows (1 = at the memory limit):")
                print(f"    torch fp32 {r['torch fp32 bag'] / t32:.2f}, torch int8 "
                      f"{r['torch int8 bag'] / r['touch int8 rows']:.2f}, torch int4 "
                      f"{r['torch int4 bag'] / r['touch int4 rows']:.2f}; cembed " + ", ".join(
                          f"{d} {r[f'cembed {d} bag'] / r[f'touch {d} rows']:.2f}"
                          for d in DTYPES))
                print("  the most a bag at its touch limit leads by: vs torch fp32 " + ", ".join(
                    f"{d} {r['torch fp32 bag'] / r[f'touch {d} rows']:.2f}" for d in DTYPES)
                    + f"; int8 vs torch int8 {r['torch int8 bag'] / r['touch int8 rows']:.2f}"
                    + f", int4 vs torch 4-bit {r['torch int4 bag'] / r['touch int4 rows']:.2f}")
        del table, tables, packed_t
    shutil.rmtree(tmp, ignore_errors=True)
    if goals:
        print("\ngoals at D = 64 (ratio = how many times faster; noisy machine: indicative)")
        for name, ratio, goal in goals:
            print(f"  {name:<48} {ratio:6.2f}x  {'PASS' if ratio >= goal else 'FAIL'}")
    if not args.no_quality:
        print("\nquality: top-10 neighbour overlap with the float32 table (300 random queries)")
        print(f"  {'table':<34} {'rows x dim':>11}  " + "  ".join(f"{d:>8}" for d in DTYPES))
        for name, n, dim, ov in quality(cembed):
            print(f"  {name:<34} {f'{n} x {dim}':>11}  " + "  ".join(f"{o:8.1%}" for o in ov))
        print("  (the Lee word2vec table is nearly one direction: its 1st and 10th neighbours' "
              "cosines differ by ~1e-4, so any rounding reorders them; the fastText table is "
              "the meaningful one)")
        print("  demo classifier accuracy per dtype: pending (TextClassifier.quantize is not "
              "built yet)")


if __name__ == "__main__":
    main()
