"""Thread control, and bitwise determinism of every kernel across thread counts."""
import json
import os
import threading
import time

import numpy as np
import pytest

import cembed

from fresh import python_stdout

# ------------------------------------------------------------ thread control


def test_openmp_enabled_is_bool():
    assert isinstance(cembed.openmp_enabled(), bool)


def test_openmp_is_on_when_the_build_requires_it():
    """CI builds with CEMBED_REQUIRE_OPENMP=1; then OpenMP must really be on."""
    if os.environ.get("CEMBED_REQUIRE_OPENMP", "0") in ("", "0"):
        pytest.skip("CEMBED_REQUIRE_OPENMP is not set for this build")
    assert cembed.openmp_enabled() is True


def test_set_and_get_num_threads():
    try:
        cembed.set_num_threads(3)
        assert cembed.get_num_threads() == (3 if cembed.openmp_enabled() else 1)
        cembed.set_num_threads(1)
        assert cembed.get_num_threads() == 1
    finally:
        cembed.set_num_threads(None)
    assert cembed.get_num_threads() >= 1


@pytest.mark.parametrize("bad, exc", [(-1, ValueError), (1.5, TypeError), ("2", TypeError)])
def test_set_num_threads_rejects_bad_counts(bad, exc):
    before = cembed.get_num_threads()
    with pytest.raises(exc):
        cembed.set_num_threads(bad)
    assert cembed.get_num_threads() == before


@pytest.mark.parametrize("n", [1, 3])
def test_default_follows_omp_num_threads(n):
    out = python_stdout(
        "import cembed; print(cembed.openmp_enabled(), cembed.get_num_threads())",
        OMP_NUM_THREADS=str(n),
    )
    enabled, count = out.split()
    assert int(count) == (n if enabled == "True" else 1)


def test_threadpoolctl_limits_apply():
    pytest.importorskip("threadpoolctl")
    out = python_stdout(
        """
        import cembed
        from threadpoolctl import threadpool_limits
        before = cembed.get_num_threads()
        with threadpool_limits(1):
            inside = cembed.get_num_threads()
        after = cembed.get_num_threads()
        print(cembed.openmp_enabled(), before, inside, after)
        """,
        OMP_NUM_THREADS="2",
    )
    enabled, before, inside, after = out.split()
    if enabled != "True":
        pytest.skip("built without OpenMP: always one thread")
    assert (int(before), int(inside), int(after)) == (2, 1, 2)


# ------------------------------------------------------------- determinism

# Runs every kernel on inputs big enough to go parallel (skewed indices, so
# hot rows repeat thousands of times) and prints a hash of each result.
KERNELS_SCRIPT = """
import hashlib, json, sys
import numpy as np
import cembed
if len(sys.argv) > 1:
    cembed.set_num_threads(int(sys.argv[1]))

def h(*arrays):
    m = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        m.update(str((a.dtype.str, a.shape)).encode()); m.update(a.tobytes())
    return m.hexdigest()

rng = np.random.default_rng(2024)
V, D, N = 50_000, 64, 200_000
res = {}
for dt in (np.float32, np.float64):
    name = np.dtype(dt).name
    W = rng.standard_normal((V, D)).astype(dt)
    idx = (rng.zipf(1.2, size=N) % V).astype(np.int64)
    grad = rng.standard_normal((N, D)).astype(dt)
    res["gather " + name] = h(cembed.gather(W, idx))
    bags = idx.reshape(10_000, 20)
    w = rng.uniform(0.1, 2.0, size=bags.shape).astype(dt)
    bgrad = rng.standard_normal((10_000, D)).astype(dt)
    for mode in ("sum", "mean", "sqrtn", "max"):
        res[f"bag {mode} {name}"] = h(cembed.embedding_bag(W, bags, mode=mode, padding_idx=0))
        if mode != "max":
            res[f"bag {mode} weighted {name}"] = h(
                cembed.embedding_bag(W, bags, mode=mode, per_sample_weights=w))
            res[f"bag_backward {mode} {name}"] = h(*cembed.embedding_bag_backward(
                bags, None, bgrad, mode=mode, per_sample_weights=w, num_rows=V))
    res["accumulate " + name] = h(*cembed.accumulate(idx, grad, num_rows=V))
    res["accumulate 2d " + name] = h(*cembed.accumulate(idx.reshape(-1, 8), grad.reshape(-1, 8, D)))
    T = W.copy(); cembed.scatter_add(T, idx, grad); res["scatter_add " + name] = h(T)
    rows = np.unique(idx)
    g = rng.standard_normal((rows.size, D)).astype(dt)
    T, m, v = W.copy(), np.zeros_like(W), np.zeros_like(W)
    for step in (1, 2, 3):
        cembed.adam_update(T, m, v, rows, g, step)
    res["adam " + name] = h(T, m, v)
    T, acc = W.copy(), np.zeros_like(W); cembed.adagrad_update(T, acc, rows, g)
    res["adagrad " + name] = h(T, acc)
    T, acc = W.copy(), np.zeros(V, dt); cembed.adagrad_update(T, acc, rows, g)
    res["adagrad rowwise " + name] = h(T, acc)
    T = W.copy(); cembed.sgd_update(T, rows, g); res["sgd " + name] = h(T)
keys = np.arange(100_000, dtype=np.int32)
res["murmurhash"] = h(cembed.murmurhash3_32(keys, seed=7))
print(json.dumps(dict(res, threads=cembed.get_num_threads())))
"""


@pytest.fixture(scope="module")
def hashes_by_thread_count():
    out = {}
    for n in (1, 2, 4):
        out[n] = json.loads(python_stdout(KERNELS_SCRIPT, OMP_NUM_THREADS=str(n)))
    return out


@pytest.mark.parametrize("n", [2, 4])
def test_results_bitwise_equal_across_omp_num_threads(hashes_by_thread_count, n):
    one, many = dict(hashes_by_thread_count[1]), dict(hashes_by_thread_count[n])
    assert one.pop("threads") == 1
    assert many.pop("threads") == (n if cembed.openmp_enabled() else 1)
    differing = sorted(k for k in one if one[k] != many.get(k))
    assert not differing, f"results differ with {n} threads: {differing}"


def test_results_bitwise_equal_across_set_num_threads():
    """The same in one process, switching with set_num_threads."""
    rng = np.random.default_rng(7)
    W = rng.standard_normal((20_000, 32)).astype(np.float32)
    idx = (rng.zipf(1.1, size=100_000) % 20_000).astype(np.int64)
    grad = rng.standard_normal((100_000, 32)).astype(np.float32)
    results = []
    try:
        for n in (1, 2, 4):
            cembed.set_num_threads(n)
            T = W.copy()
            cembed.scatter_add(T, idx, grad)
            rows, vals = cembed.accumulate(idx, grad)
            bag = cembed.embedding_bag(W, idx.reshape(-1, 10), mode="sqrtn")
            results.append((T, rows, vals, bag))
    finally:
        cembed.set_num_threads(None)
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_array_equal(a, b)
            assert a.tobytes() == b.tobytes()


# ------------------------------------------------------------------- GIL


def _longest_gil_pause(call):
    """Run `call` in a thread while this thread ticks in a Python loop.

    Returns (longest pause between ticks during the call, its duration). A
    call that holds the GIL stops this thread for its whole duration (C code
    never yields the GIL); one that releases it lets the loop tick on, pausing
    only around the argument checks and for the 5 ms switch interval.
    """
    span = {}

    def worker():
        span["start"] = time.perf_counter()
        call()
        span["end"] = time.perf_counter()

    ticks = []
    t = threading.Thread(target=worker)
    t.start()
    while t.is_alive():
        ticks.append(time.perf_counter())
    t.join()
    inside = [span["start"]] + [x for x in ticks if span["start"] < x < span["end"]] + [span["end"]]
    return float(np.diff(inside).max()), span["end"] - span["start"]


def test_long_gil_holder_is_detected():
    """The probe itself: sorting a long list holds the GIL throughout."""
    keys = np.random.default_rng(0).integers(0, 2**40, 400_000).tolist()
    pause, seconds = _longest_gil_pause(lambda: sorted(keys))
    assert pause > 0.5 * seconds


def test_kernels_release_the_gil():
    rng = np.random.default_rng(11)
    table = rng.standard_normal((1000, 32)).astype(np.float32)
    # large enough that each call takes well over 50 ms on one thread
    bags = rng.integers(0, 1000, size=(4000, 2500))
    idx = rng.integers(0, 1000, size=4_000_000)
    grad = rng.standard_normal((4_000_000, 8)).astype(np.float32)
    narrow = np.zeros((1000, 8), np.float32)
    big = np.zeros((2_000_000, 16), np.float32)
    m, v = np.zeros_like(big), np.zeros_like(big)
    rows = np.arange(0, 2_000_000, dtype=np.int64)
    g_rows = np.ones((rows.size, 16), np.float32)
    calls = {
        "embedding_bag": lambda: cembed.embedding_bag(table, bags, mode="sum"),
        "gather": lambda: cembed.gather(table, bags[:1200]),
        "accumulate": lambda: cembed.accumulate(idx, grad, num_rows=1000),
        "scatter_add": lambda: cembed.scatter_add(narrow, idx, grad),
        "adam_update": lambda: cembed.adam_update(big, m, v, rows, g_rows, 1),
    }
    slow = 0
    try:
        cembed.set_num_threads(1)
        for name, call in calls.items():
            # A busy machine may deschedule this thread for a while: a kernel
            # that holds the GIL fails every attempt, one that releases it
            # passes almost every time.
            for _ in range(3):
                pause, seconds = _longest_gil_pause(call)
                if seconds < 0.05 or pause < 0.5 * seconds:
                    break
            if seconds < 0.05:
                continue  # too quick to tell apart from the switch interval
            slow += 1
            assert pause < 0.5 * seconds, (
                f"{name} held the GIL: this thread paused {pause:.3f} s of {seconds:.3f} s")
    finally:
        cembed.set_num_threads(None)
    assert slow >= 3, "inputs too small to test the GIL on this machine"
