#!/usr/bin/env python
"""Kernel benchmark: cembed against NumPy, SciPy and PyTorch.

Every kernel of an embedding layer (lookup, pooled lookup, sparse gradient,
row-wise Adam, and a whole training step) is timed on a table of
V = 1,000,000 rows x D in {16, 64, 256} float32, with a batch of indices of
shape (4096, 50), drawn uniformly or from a Zipf(1.1) law. Each anchor runs
at its best of 1 and 2 threads; cembed is reported at 2 threads (its 1-thread
time is shown too). All contenders of a case run in short blocks, in a
shuffled round-robin with a pause between blocks, so a noisy machine slows
them all alike and no library's spinning OpenMP workers take the cores from
the next; the figure is the median. Results are checked against NumPy before anything is timed.

    python benchmarks/bench_kernels.py                  # everything
    python benchmarks/bench_kernels.py --quick          # a smoke run, V = 100,000
    python benchmarks/bench_kernels.py --dims 64 --dists uniform --repeat 30
    python benchmarks/bench_kernels.py --json out.json --markdown
    python benchmarks/bench_kernels.py --isa all --dims 64   # every path, ~4 min
    python benchmarks/bench_kernels.py --ops embedding_bag --dims 64 --touch

``--touch`` (needs a C compiler: ``cc``) adds memory_limit.c's touch loop to
the embedding_bag case as one more contender: one load per cache line of
the bag's rows, nothing else, at its fastest prefetch setting (found by a
short scan before the race). It runs in the same rounds as cembed and
torch, so ``bag / touch`` and ``torch / touch`` (the most a bag at its
touch time could lead torch by) are measured in one harness.

cembed runs the instruction-set path the CPU supports best, or the one named
by CEMBED_ISA; ``--isa PATH`` (or ``all``: every path this CPU supports)
runs the benchmark once per path, each in a subprocess with CEMBED_ISA set,
and ends with a table of the goals by path. In those runs PyTorch is held to
the same instruction set (ATEN_CPU_CAPABILITY and FBGEMM's
FBGEMM_ENABLE_INSTRUCTIONS; FBGEMM has no path below AVX2), so a forced
``avx2`` run stands for a CPU without AVX-512.

The speed goals of the project are checked at D = 64 (and D = 256 for the
bandwidth goal), each against the best anchor of its kind in the same run,
and printed as PASS / FAIL. ``--strict`` makes a failed goal exit with 1.

The script runs standalone (no package around it); ``main(argv)`` is its
entry point for ``python -m cembed bench``.
"""
import argparse
import gc
import itertools
import json
import os
import platform
import sys
import time

import numpy as np

NUM_ROWS = 1_000_000
NUM_ROWS_QUICK = 100_000
BATCH_SHAPE = (4096, 50)
DIMS = (16, 64, 256)
DISTS = ("uniform", "zipf")
ZIPF_EXPONENT = 1.1
SEED = 1234
GOAL_DIM = 64
BANDWIDTH_DIM = 256
COPY_BYTES = 512 << 20
LEARNING_RATE, BETA_1, BETA_2, EPSILON = 1e-3, 0.9, 0.999, 1e-7
BLOCK = 3      # timed calls of one contender in a row
PAUSE = 0.05   # seconds between blocks

# The kernels this benchmark times. Without them it stops: there are no
# stand-ins, so every number it prints is cembed's own.
REQUIRED = ("gather", "embedding_bag", "accumulate", "adam_update",
            "set_num_threads", "get_num_threads", "openmp_enabled", "build_info")
ISA_PATHS = ("baseline", "avx2", "avx512")
# The environment that holds PyTorch to one of cembed's paths: ATen's CPU
# capability and FBGEMM's instruction set (FBGEMM needs AVX2 at least).
TORCH_ISA_ENV = ("ATEN_CPU_CAPABILITY", "FBGEMM_ENABLE_INSTRUCTIONS")
TORCH_ISA = {"baseline": ("default", None), "avx2": ("avx2", "AVX2"),
             "avx512": ("avx512", "AVX512")}
BUDGET = 25.0       # seconds per case (one --isa path)
BUDGET_ALL = 5.0    # seconds per case with --isa all


# ------------------------------------------------------------ the libraries

def _import_cembed():
    """cembed from this source tree when it is built there, else the installed one."""
    if "cembed" not in sys.modules:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        package = os.path.join(root, "cembed")
        if os.path.isdir(package) and any(
            name.startswith("_core") and name.endswith((".so", ".pyd"))
            for name in os.listdir(package)
        ):
            sys.path.insert(0, root)
    try:
        import cembed
    except ImportError as exc:
        raise SystemExit(
            f"bench_kernels: cannot import cembed ({exc}); build it first: "
            "python setup.py build_ext --inplace"
        ) from exc
    missing = [name for name in REQUIRED if not hasattr(cembed, name)]
    if missing:
        raise SystemExit(
            f"bench_kernels: cembed {getattr(cembed, '__version__', '?')} at "
            f"{os.path.dirname(cembed.__file__)} lacks {', '.join(missing)}; "
            "nothing to benchmark (build a cembed that has them: "
            "python setup.py build_ext --inplace)"
        )
    return cembed


def _import_optional(name):
    try:
        return __import__(name)
    except ImportError:
        return None


# ------------------------------------------------------------------ machine

def _cpu_model():
    """The model name and widest vector extension, from /proc/cpuinfo."""
    model, flags = None, set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model is None:
                    model = line.split(":", 1)[1].strip()
                elif line.startswith("flags") and not flags:
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    model = model or platform.processor() or platform.machine()
    simd = next((f for f in ("avx512f", "avx2", "neon", "asimd") if f in flags), None)
    return f"{model} ({simd.upper()})" if simd else model


def _mem_total_gib():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def _torch_isa_note():
    """How PyTorch's instruction set was held (empty when it was not)."""
    held = [f"{k}={os.environ[k]}" for k in TORCH_ISA_ENV if os.environ.get(k)]
    return ", ".join(held)


def machine_info(cembed, scipy, torch):
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "memory_gib": _mem_total_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__ if scipy else None,
        "torch": torch.__version__ if torch else None,
        "cembed": getattr(cembed, "__version__", "?"),
        "cembed_path": os.path.dirname(os.path.abspath(cembed.__file__)),
        "cembed_openmp": bool(cembed.openmp_enabled()),
        "cembed_isa": cembed.build_info()["isa"],
        "cembed_supported_isa": cembed.build_info()["supported_isa"],
        "torch_isa": _torch_isa_note() or None,
    }


def machine_line(m):
    libs = f"numpy {m['numpy']}"
    if m["scipy"]:
        libs += f", scipy {m['scipy']}"
    if m["torch"]:
        libs += f", torch {m['torch']}"
    libs += f", cembed {m['cembed']}" + ("" if m["cembed_openmp"] else " (no OpenMP)")
    path = f"cembed path {m['cembed_isa']} (of {', '.join(m['cembed_supported_isa'])})"
    if m["torch"] and m.get("torch_isa"):
        path += f", torch held to it ({m['torch_isa']})"
    return (f"{m['cpu']}, {m['usable_cores']} cores, {m['memory_gib']} GiB; "
            f"Python {m['python']}; {libs}; {path}")


# -------------------------------------------------------------------- data

def make_table(num_rows, dim, seed):
    """U(-0.05, 0.05) float32, built in place so only one copy exists."""
    table = np.random.default_rng(seed).random((num_rows, dim), dtype=np.float32)
    table -= 0.5
    table *= 0.1
    return table


def make_indices(dist, num_rows, shape, seed):
    """int64 indices into [0, num_rows): uniform, or Zipf(1.1) over a finite support.

    Zipf ranks k = 1..num_rows have probability proportional to 1 / k**1.1,
    drawn by inverse CDF; a fixed permutation then maps ranks to rows, so the
    hot rows are spread over the table rather than adjacent.
    """
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dist == "uniform":
        return rng.integers(0, num_rows, size=shape, dtype=np.int64)
    if dist == "zipf":
        cdf = np.cumsum(np.arange(1, num_rows + 1, dtype=np.float64) ** -ZIPF_EXPONENT)
        cdf /= cdf[-1]
        ranks = np.searchsorted(cdf, rng.random(n), side="right")
        rows_of_rank = np.random.default_rng(seed + 1).permutation(num_rows)
        return rows_of_rank[ranks].reshape(shape)
    raise ValueError(f"unknown distribution {dist!r}")


# ------------------------------------------------------------------ timing

class Contender:
    """One way to compute a case's result, at one thread count.

    lib is "cembed", "numpy", "scipy", "torch" or "touch"; role is "cembed"
    (the number reported and checked), "cembed-info" (shown, not compared),
    "probe" (the touch loop: shown, not compared) or "anchor". fn() runs it
    once; its result is dropped after the clock stops.
    """

    def __init__(self, label, lib, threads, fn, role="anchor"):
        self.label, self.lib, self.threads, self.fn, self.role = label, lib, threads, fn, role
        self.times = []

    def stat(self, how):
        return float(np.median(self.times) if how == "median" else np.min(self.times))


class Timer:
    def __init__(self, cembed, torch, repeat, budget, min_repeat, seed):
        self.cembed, self.torch = cembed, torch
        self.repeat, self.budget, self.min_repeat = repeat, budget, min_repeat
        self.rng = np.random.default_rng(seed)

    def _set_threads(self, c):
        if c.lib == "cembed":
            self.cembed.set_num_threads(c.threads)
        elif c.lib == "torch":
            self.torch.set_num_threads(c.threads)

    def _once(self, c):
        self._set_threads(c)
        start = time.perf_counter()
        result = c.fn()
        elapsed = time.perf_counter() - start
        del result
        return elapsed

    def run(self, contenders):
        """Warm up every contender, then time them in shuffled rounds.

        With no fixed --repeat, the number of rounds is the default repeat,
        cut down (not below min_repeat) so a case takes about `budget`
        seconds.
        """
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            round_time = 0.0
            for c in contenders:
                first = self._once(c)
                round_time += first if first > 0.5 else self._once(c)
            rounds = self.repeat
            if self.budget:
                rounds = max(self.min_repeat, min(rounds, int(self.budget / max(round_time, 1e-9))))
            # Contenders run in blocks, not call by call: after a parallel
            # region each OpenMP runtime's workers spin for a while (torch
            # ships its own libgomp), and calls of another library interleaved
            # with them would find the second core taken. A short pause before
            # each block lets the previous contender's workers go to sleep.
            block = min(BLOCK, rounds)
            for _ in range(-(-rounds // block)):
                for i in self.rng.permutation(len(contenders)):
                    time.sleep(PAUSE)
                    for _ in range(block):
                        contenders[i].times.append(self._once(contenders[i]))
        finally:
            if gc_was_enabled:
                gc.enable()
        return rounds


# ------------------------------------------------------------------- cases
#
# Each builder returns (contenders, info): info may carry "bytes" (memory
# traffic of one call, for a bandwidth) and "unique_rows". Builders check cembed's
# result against NumPy before returning, so nothing wrong gets timed.

def _cembed_pair(label, fn):
    return [Contender(label, "cembed", 2, fn, role="cembed"),
            Contender(label, "cembed", 1, fn, role="cembed-info")]


def _torch_pair(label, fn):
    return [Contender(label, "torch", t, fn) for t in (1, 2)]


def _onehot(sp, idx_flat, num_rows):
    n = idx_flat.size
    return sp.csr_matrix(
        (np.ones(n, dtype=np.float32), idx_flat, np.arange(n + 1, dtype=np.int64)),
        shape=(n, num_rows),
    )


def case_gather(ctx):
    ce, sp, torch, W, idx = ctx.cembed, ctx.scipy, ctx.torch, ctx.table, ctx.indices
    V, D = W.shape
    out = np.empty(idx.shape + (D,), dtype=W.dtype)
    ce.gather(W, idx, out=out)
    if not np.array_equal(out, W[idx]):
        raise AssertionError("cembed.gather differs from W[idx]")
    flat = idx.ravel()
    cs = _cembed_pair("cembed.gather(out=)", lambda: ce.gather(W, idx, out=out))
    cs.append(Contender("cembed.gather (allocating)", "cembed", 2,
                        lambda: ce.gather(W, idx), role="cembed-info"))
    cs.append(Contender("numpy W[idx]", "numpy", 1, lambda: W[idx]))
    cs.append(Contender("numpy take(out=)", "numpy", 1,
                        lambda: np.take(W, idx, axis=0, out=out)))
    if sp is not None:
        cs.append(Contender("scipy one-hot @ W", "scipy", 1,
                            lambda: _onehot(sp, flat, V) @ W))
    if torch is not None:
        Wt, it = torch.from_numpy(W), torch.from_numpy(flat)
        ot = torch.from_numpy(out.reshape(-1, D))
        cs += _torch_pair("torch index_select(out=)",
                          lambda: torch.index_select(Wt, 0, it, out=ot))
    return cs, {"bytes": 2 * idx.size * D * W.itemsize}


def case_bag(ctx):
    ce, sp, torch, W, idx = ctx.cembed, ctx.scipy, ctx.torch, ctx.table, ctx.indices
    V, D = W.shape
    B, L = idx.shape
    out = np.empty((B, D), dtype=W.dtype)
    ce.embedding_bag(W, idx, mode="sum", out=out)
    reference = W[idx].sum(axis=1, dtype=np.float64)
    if not np.allclose(out, reference, rtol=1e-5, atol=1e-5):
        raise AssertionError("cembed.embedding_bag(mode='sum') differs from W[idx].sum(1)")
    del reference
    cs = _cembed_pair('cembed.embedding_bag(sum, out=)',
                      lambda: ce.embedding_bag(W, idx, mode="sum", out=out))
    cs.append(Contender("numpy W[idx].sum(1)", "numpy", 1, lambda: W[idx].sum(axis=1)))
    if sp is not None:
        flat = idx.ravel()
        indptr = np.arange(0, idx.size + 1, L, dtype=np.int64)
        ones = np.ones(idx.size, dtype=np.float32)
        cs.append(Contender("scipy bag matrix @ W", "scipy", 1,
                            lambda: sp.csr_matrix((ones, flat, indptr), shape=(B, V)) @ W))
    if torch is not None:
        F = torch.nn.functional
        Wt, it = torch.from_numpy(W), torch.from_numpy(idx)
        cs += _torch_pair("torch F.embedding_bag(sum)",
                          lambda: F.embedding_bag(it, Wt, mode="sum"))
    if ctx.touch is not None:
        cs += _touch_pair(ctx.touch, W, idx)
    return cs, {"bytes": (idx.size * D + B * D) * W.itemsize}


# memory_limit.c's touch settings: rows prefetched ahead, x straddled line
# or not, x into L1 or L2 only, x whole rows (0) or a bag's rows walked once
# per 128 bytes of columns (as cembed's bag pools them)
TOUCH_AHEADS = (4, 8, 16, 32, 64, 128)
TOUCH_PASSES = (0, 128)
TOUCH_LABEL = "touch every line of the rows"


def compile_shared(src, lib, *flags):
    """Build the C file src into the shared library lib with OpenMP (the
    touch probes): its ctypes handle, or None without a working C compiler."""
    import ctypes
    import shutil
    import subprocess
    cc = shutil.which(os.environ.get("CC", "cc"))
    if cc is None or not os.path.exists(src):
        return None
    try:
        subprocess.run([cc, "-O2", "-fopenmp", "-shared", "-fPIC", *flags, src, "-o", lib],
                       check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return ctypes.CDLL(lib)


def touch_probe(tmp, rows=False):
    """memory_limit.c's touch loop built as a shared library:
    memory_limit_touch over a float32 table, or with rows=True
    memory_limit_touch_rows over rows of any bytes (bench_compact.py's);
    None without a C compiler."""
    import ctypes
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "memory_limit.c")
    lib = compile_shared(src, os.path.join(tmp, "memory_limit_touch.so"), "-DMEMORY_LIMIT_TOUCH_ONLY")
    if lib is None:
        return None
    p, i64, i32 = ctypes.c_void_p, ctypes.c_int64, ctypes.c_int
    if rows:  # data, ld, row_bytes, idx, ...
        fn, head = lib.memory_limit_touch_rows, [p, i64, i64, p]
    else:  # table, D, idx, ...
        fn, head = lib.memory_limit_touch, [p, i64, p]
    fn.restype = ctypes.c_uint32
    # ... nbags, bag_len, threads, ahead_rows, straddle, l2, pass_bytes
    fn.argtypes = head + [i64, i64, i32, i64, i32, i32, i64]
    return fn


def _touch_pair(touch, W, idx):
    """The touch loop over the bags' rows at 1 and 2 threads, at the setting
    fastest at 2 threads in a short scan (median of 3 calls each)."""
    B, L = idx.shape
    D = W.shape[1]
    wp, ip = W.ctypes.data, idx.ctypes.data

    def call(threads, setting):
        ahead, straddle, l2, passes = setting
        return lambda: touch(wp, D, ip, B, L, threads, ahead, straddle, l2, passes)

    settings = list(itertools.product(TOUCH_AHEADS, (0, 1), (0, 1), TOUCH_PASSES))
    scan = []
    for setting in settings:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            call(2, setting)()
            times.append(time.perf_counter() - start)
        scan.append((sorted(times)[1], setting))
    best = min(scan)[1]
    label = (f"{TOUCH_LABEL} ({best[0]} ahead, {'L2' if best[2] else 'L1'}"
             f"{', straddle' if best[1] else ''}"
             f"{f', {best[3]} B passes' if best[3] else ''})")
    return [Contender(label, "touch", t, call(t, best), role="probe") for t in (1, 2)]


def _numpy_unique_add_at(idx_flat, grad2d):
    rows, inverse = np.unique(idx_flat, return_inverse=True)
    values = np.zeros((rows.size, grad2d.shape[1]), dtype=grad2d.dtype)
    np.add.at(values, inverse, grad2d)
    return rows, values


def _numpy_argsort_reduceat(idx_flat, grad2d):
    # Not bitwise np.add.at: reduceat may add a segment's rows in another order.
    order = np.argsort(idx_flat, kind="stable")
    ordered = idx_flat[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    return ordered[starts], np.add.reduceat(grad2d[order], starts, axis=0)


def case_accumulate(ctx):
    ce, sp, torch, idx, grad = ctx.cembed, ctx.scipy, ctx.torch, ctx.indices, ctx.grad
    V, D = ctx.table.shape
    flat, grad2d = idx.ravel(), grad.reshape(-1, D)
    rows, values = ce.accumulate(idx, grad, num_rows=V)
    ref_rows, ref_values = _numpy_unique_add_at(flat, grad2d)
    if not (np.array_equal(rows, ref_rows) and np.array_equal(values, ref_values)):
        raise AssertionError("cembed.accumulate differs from np.add.at")
    del rows, values, ref_rows, ref_values
    cs = _cembed_pair("cembed.accumulate", lambda: ce.accumulate(idx, grad, num_rows=V))
    cs.append(Contender("numpy unique + add.at", "numpy", 1,
                        lambda: _numpy_unique_add_at(flat, grad2d)))
    cs.append(Contender("numpy argsort + reduceat", "numpy", 1,
                        lambda: _numpy_argsort_reduceat(flat, grad2d)))
    if sp is not None:
        positions = np.arange(flat.size, dtype=np.int64)
        ones = np.ones(flat.size, dtype=np.float32)

        def scipy_onehot_t():
            rows, inverse = np.unique(flat, return_inverse=True)
            m = sp.csr_matrix((ones, (inverse, positions)), shape=(rows.size, flat.size))
            return rows, m @ grad2d
        cs.append(Contender("scipy unique + one-hot.T @ grad", "scipy", 1, scipy_onehot_t))
    if torch is not None:
        it, gt = torch.from_numpy(flat), torch.from_numpy(grad2d)

        def torch_index_add():
            rows, inverse = torch.unique(it, sorted=True, return_inverse=True)
            return rows, torch.zeros((rows.numel(), D), dtype=gt.dtype).index_add_(0, inverse, gt)

        def torch_coalesce():  # what Embedding(sparse=True)'s gradient goes through
            return torch.sparse_coo_tensor(it[None], gt, (V, D), check_invariants=False).coalesce()
        cs += _torch_pair("torch unique + index_add_", torch_index_add)
        cs += _torch_pair("torch sparse_coo.coalesce", torch_coalesce)
    return cs, {}


def _numpy_lazy_adam(W, m, v, rows, grads, step):
    g = grads
    mr = m[rows]
    mr *= BETA_1
    mr += (1 - BETA_1) * g
    vr = v[rows]
    vr *= BETA_2
    vr += (1 - BETA_2) * (g * g)
    m[rows], v[rows] = mr, vr
    m_hat = mr / (1 - BETA_1 ** step)
    v_hat = vr / (1 - BETA_2 ** step)
    W[rows] -= LEARNING_RATE * m_hat / (np.sqrt(v_hat) + EPSILON)


def _seed_torch_state(opt, param, m_t, v_t, fused):
    """Point a torch optimizer's moments at the shared m, v arrays.

    Every contender then updates the same table and moments, so a case holds
    one copy of them (the table alone is 1 GiB at D = 256) rather than one
    per optimizer. Timing is unaffected: the arithmetic is the same.
    """
    torch = sys.modules["torch"]
    step = torch.zeros((), dtype=torch.float32) if fused else 0
    opt.state[param] = {"step": step, "exp_avg": m_t, "exp_avg_sq": v_t}


def _check_torch_state(opt, param, m_t):
    if opt.state[param]["exp_avg"].data_ptr() != m_t.data_ptr():
        raise AssertionError("torch allocated its own optimizer state")


def case_adam(ctx):
    ce, torch, W, idx = ctx.cembed, ctx.torch, ctx.table, ctx.indices
    V, D = W.shape
    rows = np.unique(idx)
    grads = (np.random.default_rng(SEED + 7).standard_normal((rows.size, D), dtype=np.float32)
             * np.float32(0.01))
    m = np.zeros_like(W)
    v = np.zeros_like(W)
    steps = itertools.count(1)

    # Check one step on the listed rows against the formula (NumPy, float64).
    w0, m0, v0 = W[rows].astype(np.float64), m[rows].astype(np.float64), v[rows].astype(np.float64)
    step = next(steps)
    ce.adam_update(W, m, v, rows, grads, step, learning_rate=LEARNING_RATE,
                   beta_1=BETA_1, beta_2=BETA_2, epsilon=EPSILON)
    g = grads.astype(np.float64)
    m0 = BETA_1 * m0 + (1 - BETA_1) * g
    v0 = BETA_2 * v0 + (1 - BETA_2) * g * g
    w0 -= (LEARNING_RATE * (m0 / (1 - BETA_1 ** step))
           / (np.sqrt(v0 / (1 - BETA_2 ** step)) + EPSILON))
    if not np.allclose(W[rows], w0, rtol=1e-5, atol=1e-6):
        raise AssertionError("cembed.adam_update differs from the Adam formula")
    del w0, m0, v0, g

    def cembed_adam():
        ce.adam_update(W, m, v, rows, grads, next(steps), learning_rate=LEARNING_RATE,
                       beta_1=BETA_1, beta_2=BETA_2, epsilon=EPSILON)
    cs = _cembed_pair("cembed.adam_update (unique rows)", cembed_adam)
    numpy_steps = itertools.count(1)
    cs.append(Contender("numpy lazy Adam (fancy indexing)", "numpy", 1,
                        lambda: _numpy_lazy_adam(W, m, v, rows, grads, next(numpy_steps))))
    info = {"unique_rows": int(rows.size)}
    if torch is not None:
        m_t, v_t = torch.from_numpy(m), torch.from_numpy(v)
        rows_t, grads_t = torch.from_numpy(rows), torch.from_numpy(grads)
        w_dense = torch.nn.Parameter(torch.from_numpy(W))
        w_dense.grad = torch.zeros((V, D), dtype=torch.float32)
        w_dense.grad[rows_t] = grads_t
        fused = torch.optim.Adam([w_dense], lr=LEARNING_RATE, betas=(BETA_1, BETA_2),
                                 eps=EPSILON, fused=True)
        _seed_torch_state(fused, w_dense, m_t, v_t, fused=True)
        w_sparse = torch.nn.Parameter(torch.from_numpy(W))
        w_sparse.grad = torch.sparse_coo_tensor(rows_t[None], grads_t, (V, D),
                                                check_invariants=False).coalesce()
        sparse = torch.optim.SparseAdam([w_sparse], lr=LEARNING_RATE, betas=(BETA_1, BETA_2),
                                        eps=EPSILON)
        _seed_torch_state(sparse, w_sparse, m_t, v_t, fused=False)
        cs += _torch_pair("torch Adam(fused=True), whole table", fused.step)
        cs += _torch_pair("torch SparseAdam", sparse.step)
        ctx.after_checks.append(lambda: (_check_torch_state(fused, w_dense, m_t),
                                         _check_torch_state(sparse, w_sparse, m_t)))
    return cs, info


def case_train(ctx):
    ce, torch, W, idx, grad = ctx.cembed, ctx.torch, ctx.table, ctx.indices, ctx.grad
    V, D = W.shape
    m = np.zeros_like(W)
    v = np.zeros_like(W)
    steps = itertools.count(1)

    def cembed_step():
        embedded = ce.gather(W, idx)
        rows, values = ce.accumulate(idx, grad, num_rows=V)
        ce.adam_update(W, m, v, rows, values, next(steps), learning_rate=LEARNING_RATE,
                       beta_1=BETA_1, beta_2=BETA_2, epsilon=EPSILON)
        return embedded
    cs = _cembed_pair("cembed gather + accumulate + adam_update", cembed_step)
    if torch is not None:
        F = torch.nn.functional
        it, gt = torch.from_numpy(idx), torch.from_numpy(grad)
        m_t, v_t = torch.from_numpy(m), torch.from_numpy(v)
        w_sparse = torch.nn.Parameter(torch.from_numpy(W))
        sparse = torch.optim.SparseAdam([w_sparse], lr=LEARNING_RATE, betas=(BETA_1, BETA_2),
                                        eps=EPSILON)
        _seed_torch_state(sparse, w_sparse, m_t, v_t, fused=False)
        w_dense = torch.nn.Parameter(torch.from_numpy(W))
        fused = torch.optim.Adam([w_dense], lr=LEARNING_RATE, betas=(BETA_1, BETA_2),
                                 eps=EPSILON, fused=True)
        _seed_torch_state(fused, w_dense, m_t, v_t, fused=True)

        def torch_sparse_step():
            embedded = F.embedding(it, w_sparse, sparse=True)
            embedded.backward(gt)
            sparse.step()
            sparse.zero_grad()

        def torch_dense_step():
            embedded = F.embedding(it, w_dense)
            embedded.backward(gt)
            fused.step()
            fused.zero_grad()
        cs += _torch_pair("torch embedding(sparse=True) + SparseAdam", torch_sparse_step)
        cs += _torch_pair("torch embedding + Adam(fused=True)", torch_dense_step)
        ctx.after_checks.append(lambda: (_check_torch_state(fused, w_dense, m_t),
                                         _check_torch_state(sparse, w_sparse, m_t)))
    return cs, {}


CASES = {
    "gather": case_gather,
    "embedding_bag": case_bag,
    "accumulate": case_accumulate,
    "adam_update": case_adam,
    "train_step": case_train,
}


# ------------------------------------------------------------------- goals
#
# (op, dists it applies to, label of cembed's row, anchor labels whose best
# is the reference, least speed-up). Checked at D = GOAL_DIM.

SPEEDUP_GOALS = [
    ("gather", DISTS, "torch index_select(out=)", ("torch index_select(out=)",), 1.3),
    ("embedding_bag", DISTS, "torch F.embedding_bag", ("torch F.embedding_bag(sum)",), 1.1),
    ("accumulate", DISTS, "torch unique + index_add_", ("torch unique + index_add_",), 3.0),
    ("accumulate", DISTS, "np.add.at", ("numpy unique + add.at",), 10.0),
    ("adam_update", ("uniform",), "torch Adam(fused=True) over the table",
     ("torch Adam(fused=True), whole table",), 2.0),
    ("adam_update", ("uniform",), "torch SparseAdam", ("torch SparseAdam",), 5.0),
    ("train_step", DISTS, "torch's fastest Adam training step",
     ("torch embedding(sparse=True) + SparseAdam", "torch embedding + Adam(fused=True)"), 4.0),
]
BANDWIDTH_GOAL = 0.60
ALLOCATION_GOAL = 2.0  # gather allocating its output <= 2x gather(out=)


def summarize(contenders, how="median"):
    """Per label: the statistic (median or min) at each thread count, the
    best and its thread count."""
    rows = {}
    for c in contenders:
        r = rows.setdefault(c.label, {"label": c.label, "lib": c.lib, "role": "anchor",
                                      "ms": {}, "samples_ms": {}})
        if c.role == "cembed":
            r["role"] = "cembed"
        elif c.role in ("cembed-info", "probe") and r["role"] != "cembed":
            r["role"] = c.role
        r["ms"][c.threads] = c.stat(how) * 1e3
        r["samples_ms"][c.threads] = [t * 1e3 for t in c.times]
    for r in rows.values():
        if r["role"] in ("anchor", "probe"):
            r["best_threads"] = min(r["ms"], key=r["ms"].get)
        else:  # cembed is reported at 2 threads (or the only count it ran at)
            r["best_threads"] = 2 if 2 in r["ms"] else min(r["ms"])
        r["best_ms"] = r["ms"][r["best_threads"]]
    return list(rows.values())


def evaluate_goals(cases, copy_bw):
    goals = []
    by_key = {(c["op"], c["dim"], c["dist"]): c for c in cases}

    def row(case, label):
        return next((r for r in case["results"] if r["label"] == label), None)

    for op, dists, anchor_name, labels, target in SPEEDUP_GOALS:
        for dist in dists:
            case = by_key.get((op, GOAL_DIM, dist))
            name = f"{op} >= {target:g}x {anchor_name} (D={GOAL_DIM}, {dist})"
            anchors = [r for r in (row(case, lb) for lb in labels) if r] if case else []
            if not case or not anchors:
                goals.append({"goal": name, "status": "NOT RUN"})
                continue
            best = min(anchors, key=lambda r: r["best_ms"])
            speedup = best["best_ms"] / case["cembed_ms"]
            goals.append({"goal": name, "unit": "x", "measured": round(speedup, 3),
                          "target": target,
                          "detail": f"vs {best['label']} {best['best_threads']}T",
                          "status": "PASS" if speedup >= target else "FAIL"})
    case = by_key.get(("gather", BANDWIDTH_DIM, "uniform"))
    name = f"gather(out=) >= {BANDWIDTH_GOAL:.0%} of copy bandwidth (D={BANDWIDTH_DIM}, uniform)"
    if case and copy_bw:
        fraction = case["gbps"] / copy_bw
        goals.append({"goal": name, "unit": "%", "measured": round(fraction, 3),
                      "target": BANDWIDTH_GOAL,
                      "detail": f"{case['gbps']:.1f} of {copy_bw:.1f} GB/s",
                      "status": "PASS" if fraction >= BANDWIDTH_GOAL else "FAIL"})
    else:
        goals.append({"goal": name, "status": "NOT RUN"})
    for dist in DISTS:
        case = by_key.get(("gather", GOAL_DIM, dist))
        name = f"gather allocating <= {ALLOCATION_GOAL:g}x gather(out=) (D={GOAL_DIM}, {dist})"
        alloc = row(case, "cembed.gather (allocating)") if case else None
        if not alloc:
            goals.append({"goal": name, "status": "NOT RUN"})
            continue
        ratio = alloc["best_ms"] / case["cembed_ms"]
        goals.append({"goal": name, "unit": "x", "measured": round(ratio, 3),
                      "target": ALLOCATION_GOAL,
                      "detail": f"{_ms(alloc['best_ms'])} vs {_ms(case['cembed_ms'])} ms",
                      "status": "PASS" if ratio <= ALLOCATION_GOAL else "FAIL"})
    return goals


# ------------------------------------------------------------------- output

def _ms(ms):
    """Milliseconds to 3 significant digits or more: 1190, 46.8, 3.29, 0.0123."""
    if ms >= 100:
        return f"{ms:.0f}"
    if ms >= 1:
        return f"{ms:.3g}" if ms >= 10 else f"{ms:.2f}"
    return f"{ms:.3g}"


def print_case(case, out):
    head = f"{case['op']}  D={case['dim']}  {case['dist']}"
    extra = f"  ({case['rounds']} rounds"
    if "unique_rows" in case:
        extra += f", {case['unique_rows']} unique rows"
    print(f"\n{head}{extra})", file=out)
    width = max(len(r["label"]) for r in case["results"])
    for r in case["results"]:
        cols = "  ".join(f"{t}T {_ms(ms):>8} ms" for t, ms in sorted(r["ms"].items()))
        mark = "  <- best anchor" if r["label"] == case["best_anchor"] else ""
        if r["role"] == "cembed":
            mark = "  <- cembed (2T)"
        elif r["role"] == "probe":
            mark = "  <- touch limit"
        print(f"  {r['label']:<{width}}  {cols}{mark}", file=out)
    line = f"  cembed {_ms(case['cembed_ms'])} ms"
    if case["best_anchor"]:
        line += (f"; best anchor {case['best_anchor']} {case['best_anchor_threads']}T "
                 f"{_ms(case['best_anchor_ms'])} ms; speed-up {case['speedup']:.2f}x")
    if "gbps" in case:
        line += f"; {case['gbps']:.1f} GB/s"
    print(line, file=out)
    if "touch_ms" in case:
        line = f"  bag / touch: cembed {case['cembed_ms'] / case['touch_ms']:.2f}"
        if case["best_anchor"]:
            line += (f", {case['best_anchor']} {case['best_anchor_ms'] / case['touch_ms']:.2f}"
                     " (the most a bag at its touch time leads it by)")
        print(line, file=out)


def _fmt_goal(g):
    if g["status"] == "NOT RUN":
        return "-"
    return f"{g['measured']:.0%}" if g["unit"] == "%" else f"{g['measured']:.2f}x"


def print_goals(goals, out):
    print("\nGoals (at 2 threads)", file=out)
    width = max(len(g["goal"]) for g in goals)
    for g in goals:
        detail = f"  ({g['detail']})" if "detail" in g else ""
        print(f"  {g['goal']:<{width}}  {_fmt_goal(g):>8}  {g['status']}{detail}", file=out)


def markdown(report):
    m = report["machine"]
    lines = [
        f"Machine: {machine_line(m)}. V = {report['config']['num_rows']:,} rows, "
        f"indices {report['config']['batch_shape'][0]} x {report['config']['batch_shape'][1]}, "
        f"float32; {report['config']['stat']} ms; each anchor at its best of 1 and 2 threads, "
        "cembed at 2 threads; speed-up = best anchor / cembed. "
        f"Copy bandwidth (np.copyto, {report['config']['copy_mib']} MiB, read + write): "
        f"{report['copy_gbps']:.1f} GB/s.",
        "",
        "| kernel | D | indices | cembed 2T | cembed 1T | best anchor | anchor ms | speed-up |",
        "| --- | ---: | --- | ---: | ---: | --- | ---: | ---: |",
    ]
    for c in report["cases"]:
        if c["best_anchor"]:
            anchor = (f"{c['best_anchor']} ({c['best_anchor_threads']}T) | "
                      f"{_ms(c['best_anchor_ms'])} | {c['speedup']:.2f}x")
        else:
            anchor = "- | - | -"
        lines.append(f"| {c['op']} | {c['dim']} | {c['dist']} | {_ms(c['cembed_ms'])} | "
                     f"{_ms(c['cembed_1t_ms'])} | {anchor} |")
    lines += ["", "| goal (at 2 threads) | measured | result |", "| --- | ---: | --- |"]
    for g in report["goals"]:
        lines.append(f"| {g['goal']} | {_fmt_goal(g)} | {g['status']} |")
    lines += ["", f"Command: `{report['command']}`"]
    return "\n".join(lines)


# --------------------------------------------------------------------- main

class _Context:
    pass


def copy_bandwidth(repeat, how="median", nbytes=COPY_BYTES):
    """Read + write bytes per second of np.copyto on `nbytes`, over `repeat` runs."""
    src = np.ones(nbytes // 4, dtype=np.float32)
    dst = np.empty_like(src)
    np.copyto(dst, src)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        np.copyto(dst, src)
        times.append(time.perf_counter() - start)
    best = np.median(times) if how == "median" else np.min(times)
    return 2 * (src.size * 4) / float(best) / 1e9


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="bench_kernels",
        description="Time cembed's kernels against NumPy, SciPy and PyTorch.")
    p.add_argument("--dims", type=int, nargs="+", default=list(DIMS), metavar="D",
                   help="embedding widths (default: 16 64 256)")
    p.add_argument("--dists", nargs="+", default=list(DISTS), choices=DISTS,
                   help="index distributions (default: uniform zipf)")
    p.add_argument("--ops", nargs="+", default=list(CASES), choices=list(CASES),
                   help="kernels to time (default: all)")
    p.add_argument("--repeat", type=int, default=None,
                   help="timed rounds per case (default: 20, fewer for slow cases, at least 5)")
    p.add_argument("--rows", type=int, default=None,
                   help=f"table rows V (default: {NUM_ROWS:,})")
    p.add_argument("--batch", type=int, nargs=2, default=list(BATCH_SHAPE), metavar=("B", "L"),
                   help="shape of the index batch: B bags of L indices (default: 4096 50)")
    p.add_argument("--quick", action="store_true",
                   help=f"smoke run: V = {NUM_ROWS_QUICK:,}, 3 rounds")
    p.add_argument("--copy-mib", type=int, default=COPY_BYTES >> 20, metavar="MIB",
                   help="size of the np.copyto bandwidth probe (default: 512)")
    p.add_argument("--stat", choices=("median", "min"), default="median",
                   help="the figure of each contender (default: median; min is steadier "
                        "on a busy machine)")
    p.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    p.add_argument("--touch", action="store_true",
                   help="time memory_limit.c's touch loop beside the bags (compiled with cc)")
    p.add_argument("--isa", default="auto", choices=("auto", "all") + ISA_PATHS,
                   help="cembed's instruction-set path: auto (CEMBED_ISA or the best the "
                        "CPU has; the default), one path, or all the CPU supports, each "
                        "run in a subprocess")
    p.add_argument("--budget", type=float, default=None, metavar="S",
                   help=f"seconds per case when --repeat is not given (default: {BUDGET:g}; "
                        f"{BUDGET_ALL:g} with --isa all)")
    p.add_argument("--json", metavar="FILE", help="save the results as JSON")
    p.add_argument("--markdown", action="store_true", help="print the README table")
    p.add_argument("--strict", action="store_true", help="exit with 1 when a goal fails")
    args = p.parse_args(argv)
    if any(d < 1 for d in args.dims):
        p.error("--dims must be >= 1")
    if min(args.batch) < 1 or (args.rows is not None and args.rows < 1) or args.copy_mib < 1:
        p.error("--batch, --rows and --copy-mib must be >= 1")
    if args.repeat is not None and args.repeat < 1:
        p.error("--repeat must be >= 1")
    if args.budget is not None and args.budget <= 0:
        p.error("--budget must be > 0")
    return args


def run_cases(args, num_rows, batch, timer, cembed, sparse, torch, out, touch=None):
    """Build, check, time and print every case; one table alive at a time."""
    cases = []
    for dim in args.dims:
        table = make_table(num_rows, dim, SEED + dim)
        for dist in args.dists:
            ctx = _Context()
            ctx.cembed, ctx.scipy, ctx.torch = cembed, sparse, torch
            ctx.table = table
            ctx.touch = touch
            ctx.indices = make_indices(dist, num_rows, batch, SEED + (dist == "zipf"))
            ctx.grad = (np.random.default_rng(SEED + 3)
                        .standard_normal(batch + (dim,), dtype=np.float32))
            for op in args.ops:
                ctx.after_checks = []
                contenders, info = CASES[op](ctx)
                rounds = timer.run(contenders)
                for check in ctx.after_checks:
                    check()
                results = summarize(contenders, args.stat)
                del contenders
                ctx.after_checks = []
                gc.collect()
                case = finish_case(op, dim, dist, rounds, results, info)
                cases.append(case)
                print_case(case, out)
                out.flush()
            del ctx
            gc.collect()
        del table
        gc.collect()
    return cases


def _without_option(argv, name, takes):
    """argv without `name` (and the `takes` values after it) or `name=...`."""
    kept, skip = [], 0
    for a in argv:
        if skip:
            skip -= 1
        elif a == name:
            skip = takes
        elif not a.startswith(name + "="):
            kept.append(a)
    return kept


def run_paths(args, argv, cembed, out):
    """Run this benchmark once per path, each in a subprocess with
    CEMBED_ISA (and PyTorch's instruction set) set; then the goals by path."""
    import subprocess
    import tempfile

    supported = cembed.build_info()["supported_isa"]
    paths = supported if args.isa == "all" else [args.isa]
    if args.isa not in ("all",) + tuple(supported):
        raise SystemExit(f"bench_kernels: this CPU cannot run the {args.isa} path; "
                         f"it supports {', '.join(supported)}")
    child_argv = _without_option(_without_option(argv, "--isa", 1), "--json", 1)
    if args.budget is None and args.repeat is None and args.isa == "all":
        child_argv += ["--budget", str(BUDGET_ALL)]
    reports = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            env = dict(os.environ, CEMBED_ISA=path)
            aten, fbgemm = TORCH_ISA[path]
            env["ATEN_CPU_CAPABILITY"] = aten
            if fbgemm:
                env["FBGEMM_ENABLE_INSTRUCTIONS"] = fbgemm
            else:
                env.pop("FBGEMM_ENABLE_INSTRUCTIONS", None)
            saved = os.path.join(tmp, path + ".json")
            print(f"\n==== path {path} (CEMBED_ISA={path}) ====", file=out)
            out.flush()
            with subprocess.Popen([sys.executable, os.path.abspath(__file__), *child_argv,
                                   "--json", saved], env=env, stdout=subprocess.PIPE,
                                  text=True) as proc:
                for line in proc.stdout:  # as it comes: a run takes minutes
                    out.write(line)
                    out.flush()
            if proc.returncode not in (0, 1):
                raise SystemExit(f"bench_kernels: the {path} run failed ({proc.returncode})")
            with open(saved) as f:
                reports[path] = json.load(f)
    print_goals_by_path(reports, out)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"paths": reports}, f, indent=1)
        print(f"\nSaved {args.json}", file=out)
    failed = any(g["status"] == "FAIL" for r in reports.values() for g in r["goals"])
    return 1 if (args.strict and failed) else 0


def print_goals_by_path(reports, out):
    """One row per goal, one column per path: the measured figure and PASS/FAIL."""
    paths = list(reports)
    first = reports[paths[0]]
    print(f"\nGoals by path ({first['machine']['cpu']}; 2 threads; "
          "PyTorch held to each path's instruction set)", file=out)
    names = [g["goal"] for g in first["goals"]]
    width = max(len(n) for n in names)
    print(f"  {'goal':<{width}}" + "".join(f"  {p:>15}" for p in paths), file=out)
    for i, name in enumerate(names):
        cells = []
        for p in paths:
            g = reports[p]["goals"][i]
            cells.append("-" if g["status"] == "NOT RUN" else f"{_fmt_goal(g)} {g['status']}")
        print(f"  {name:<{width}}" + "".join(f"  {c:>15}" for c in cells), file=out)


def main(argv=None):
    args = parse_args(argv)
    out = sys.stdout
    cembed = _import_cembed()
    if args.isa != "auto":
        return run_paths(args, list(sys.argv[1:] if argv is None else argv), cembed, out)
    scipy = _import_optional("scipy")
    sparse = None
    if scipy is not None:
        import scipy.sparse as sparse
    torch = None if args.no_torch else _import_optional("torch")

    num_rows = args.rows or (NUM_ROWS_QUICK if args.quick else NUM_ROWS)
    if args.repeat is not None:
        repeat, budget = args.repeat, None
    elif args.quick:
        repeat, budget = 3, None
    else:
        repeat, budget = 20, args.budget or BUDGET
    timer = Timer(cembed, torch, repeat, budget, min_repeat=5, seed=SEED)

    machine = machine_info(cembed, scipy, torch)
    print(f"Machine: {machine_line(machine)}", file=out)
    print(f"cembed: {cembed.build_info()['compiler']}, OpenMP "
          f"{'on' if machine['cembed_openmp'] else 'off'}, path {machine['cembed_isa']}", file=out)
    if torch is None and not args.no_torch:
        print("PyTorch not installed (pip install torch==2.13.0): its anchors are left out.",
              file=out)
    copy_gbps = copy_bandwidth(3 if args.quick else 10, args.stat, args.copy_mib << 20)
    print(f"Copy bandwidth (np.copyto of {args.copy_mib} MiB, read + write): "
          f"{copy_gbps:.1f} GB/s", file=out)
    batch = tuple(args.batch)
    print(f"V = {num_rows:,} rows, indices {batch[0]} x {batch[1]}, float32; "
          f"{args.stat} of each contender's times", file=out)

    torch_threads = torch.get_num_threads() if torch is not None else None
    import tempfile
    tmp = tempfile.TemporaryDirectory()
    touch = touch_probe(tmp.name) if args.touch else None
    if args.touch and touch is None:
        print("(no C compiler: the touch probe is left out)", file=out)
    try:
        cases = run_cases(args, num_rows, batch, timer, cembed, sparse, torch, out, touch)
    finally:  # leave the thread settings as they were (cembed: back to its default)
        tmp.cleanup()
        cembed.set_num_threads(None)
        if torch is not None:
            torch.set_num_threads(torch_threads)

    goals = evaluate_goals(cases, copy_gbps)
    print_goals(goals, out)
    report = {
        "machine": machine,
        "config": {"num_rows": num_rows, "batch_shape": list(batch), "dims": args.dims,
                   "dists": args.dists, "ops": args.ops, "repeat": args.repeat,
                   "quick": args.quick, "stat": args.stat, "copy_mib": args.copy_mib,
                   "zipf_exponent": ZIPF_EXPONENT, "seed": SEED},
        "command": " ".join(["python benchmarks/bench_kernels.py"]
                            + list(sys.argv[1:] if argv is None else argv)),
        "copy_gbps": copy_gbps,
        "cases": cases,
        "goals": goals,
    }
    if args.markdown:
        print("\n" + markdown(report), file=out)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
        print(f"\nSaved {args.json}", file=out)
    failed = any(g["status"] == "FAIL" for g in goals)
    return 1 if (args.strict and failed) else 0


def finish_case(op, dim, dist, rounds, results, info):
    cembed_row = next(r for r in results if r["role"] == "cembed")
    anchors = [r for r in results if r["role"] == "anchor"]
    best = min(anchors, key=lambda r: r["best_ms"]) if anchors else None
    case = {
        "op": op, "dim": dim, "dist": dist, "rounds": rounds,
        "cembed_ms": cembed_row["best_ms"],
        "cembed_1t_ms": cembed_row["ms"].get(1, float("nan")),
        "best_anchor": best["label"] if best else None,
        "best_anchor_threads": best["best_threads"] if best else None,
        "best_anchor_ms": best["best_ms"] if best else None,
        "speedup": best["best_ms"] / cembed_row["best_ms"] if best else None,
        "results": results,
    }
    if "bytes" in info:
        case["gbps"] = info["bytes"] / (cembed_row["best_ms"] * 1e-3) / 1e9
    if "unique_rows" in info:
        case["unique_rows"] = info["unique_rows"]
    probe = next((r for r in results if r["role"] == "probe"), None)
    if probe:
        case["touch_ms"] = probe["best_ms"]
    return case


if __name__ == "__main__":
    sys.exit(main())
