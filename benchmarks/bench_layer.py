"""Cost of the Python layer over the bare kernels, for one training step.

One step = the sparse gradient of a (B, L) lookup (accumulate) and a lazy
Adam update of the rows it touches. Compared:

  kernels     cembed.accumulate + cembed.adam_update called directly
  train_step  emb.train_step(x, g, opt)            (the layer's one-call step)
  two calls   opt.step(emb, emb.backward(x, g))    (the public two-call form)
  numpy       np.unique + np.add.at + lazy Adam by fancy indexing

The gap between `kernels` and `train_step` is what a fused C step could win
at most on the Python side; `accumulate` and `adam` alone show the split.
Medians of --repeat runs; timings on a shared machine are noisy.

Run: python benchmarks/bench_layer.py [--threads 1] [--repeat 50]
"""
import argparse
import platform
import time

import numpy as np

import cembed
from cembed import optimizers


def median_times(fns, repeat):
    """Median seconds of each function, run round-robin so load spikes hit all alike."""
    for fn in fns.values():
        fn()
    times = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}


def numpy_step(W, m, v, x, g, t, lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    rows, inverse = np.unique(x.reshape(-1), return_inverse=True)
    values = np.zeros((len(rows), W.shape[1]), W.dtype)
    np.add.at(values, inverse, g.reshape(-1, W.shape[1]))
    m[rows] = b1 * m[rows] + (1 - b1) * values
    v[rows] = b2 * v[rows] + (1 - b2) * values * values
    W[rows] -= lr * (m[rows] / (1 - b1**t)) / (np.sqrt(v[rows] / (1 - b2**t)) + eps)


def bench(V, D, B, L, repeat, rng):
    x = rng.integers(0, V, size=(B, L))
    g = rng.standard_normal((B, L, D)).astype(np.float32)
    emb = cembed.Embedding(V, D, seed=0)
    opt = optimizers.Adam()
    W = emb.embeddings.copy()
    m, v = np.zeros_like(W), np.zeros_like(W)
    step = [0]

    def kernels():
        step[0] += 1
        rows, values = cembed.accumulate(x, g, num_rows=V)
        cembed.adam_update(W, m, v, rows, values, step[0])

    rows, values = cembed.accumulate(x, g, num_rows=V)
    results = median_times({
        "kernels": kernels,
        "train_step": lambda: emb.train_step(x, g, opt),
        "two calls": lambda: opt.step(emb, emb.backward(x, g)),
        "accumulate": lambda: cembed.accumulate(x, g, num_rows=V),
        "adam": lambda: cembed.adam_update(W, m, v, rows, values, 5),
    }, repeat)
    Wn, mn, vn = W.copy(), m.copy(), v.copy()
    results.update(median_times({"numpy": lambda: numpy_step(Wn, mn, vn, x, g, 5)}, max(3, repeat // 5)))
    return results, len(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    cembed.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    print(f"# {platform.processor() or platform.machine()}, {cembed.get_num_threads()} thread(s), "
          f"numpy {np.__version__}, cembed {cembed.__version__}")
    print("| V x D | batch (B x L) | rows touched | kernels | train_step | two calls | numpy "
          "| accumulate | adam |")
    print("|---|---|---|---|---|---|---|---|---|")
    for V, D, B, L in [(1000, 16, 1, 8), (4000, 32, 64, 32), (100_000, 64, 256, 20), (1_000_000, 128, 1024, 50)]:
        r, k = bench(V, D, B, L, args.repeat, rng)
        cells = [f"{r[name] * 1e6:,.1f} µs" for name in
                 ("kernels", "train_step", "two calls", "numpy", "accumulate", "adam")]
        print(f"| {V:,} x {D} | {B} x {L} | {k:,} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
