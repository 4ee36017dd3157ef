"""Hardening: threads, processes, leaks, and the regressions found by the
sanitizer driver and the fuzzers (docs/kernels.rst, ground rules: no crash, nothing lost,
whatever comes in).

- 8 Python threads call every kernel and the tokenizer at once on shared
  tables and get exactly the results of a serial run;
- a child forked after OpenMP ran works (serially: libgomp is not
  fork-safe), asking it for threads is a clear RuntimeError; spawn works;
- 100,000 calls of each public function keep the RSS flat;
- a short run under valgrind memcheck has no definite leak in cembed.
"""
import os
import re
import shutil
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import cembed
from cembed import optimizers

from fresh import PACKAGE_ROOT, run_python

TEXTS = ["The cat sat on the mat.", "Der Hund bellt, der Hund schläft!", "", "a b c d e f g",
         "naïve café — über straße", "the THE The tHe"] * 3


# ------------------------------------------------------------------ regressions


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rowwise_adagrad_with_zero_width_table_writes_no_nan(dtype):
    """Found by tests/c/driver.c: D = 0 made the row-wise accumulator 0/0."""
    table = np.zeros((5, 0), dtype)
    accum = np.ones(5, dtype)
    cembed.adagrad_update(table, accum, [1, 2], np.zeros((2, 0), dtype))
    assert np.array_equal(accum, np.ones(5, dtype))
    full = np.zeros((5, 0), dtype)
    cembed.adagrad_update(table, full, [0, 4], np.zeros((2, 0), dtype))


@pytest.mark.parametrize("doc", ["3", "[]", "{}", '{"config": 1}', '{"config": []}',
                                 '{"class_name": "Tokenizer", "config": {"word_counts": "[1]"}}'])
def test_tokenizer_from_json_malformed_is_value_error(doc):
    """Found by fuzzing: these gave AttributeError from deep inside."""
    with pytest.raises(ValueError, match="tokenizer JSON"):
        cembed.tokenizer_from_json(doc)


def test_tokenizer_from_json_missing_field_is_key_error_as_keras():
    import json
    cfg = json.loads(cembed.Tokenizer().to_json())
    del cfg["config"]["word_index"]
    with pytest.raises(KeyError):
        cembed.tokenizer_from_json(json.dumps(cfg))


# ------------------------------------------------------------------ threads


def _workload(seed):
    """Every kernel and the tokenizer on shared inputs; returns the results.
    Sizes are large enough for the kernels' own OpenMP paths to run too."""
    rng = np.random.default_rng(seed)
    out = {}
    idx = rng.integers(0, SHARED["V"], size=(2000, 16))
    out["gather"] = cembed.gather(SHARED["table"], idx)
    for mode in ("sum", "mean", "sqrtn", "max"):
        out["bag_" + mode] = cembed.embedding_bag(SHARED["table"], idx, mode=mode, padding_idx=3)
    grad = rng.standard_normal(idx.shape + (SHARED["D"],)).astype(np.float32)
    out["acc"] = cembed.accumulate(idx, grad, num_rows=SHARED["V"])
    bag_grad = rng.standard_normal((idx.shape[0], SHARED["D"])).astype(np.float32)
    out["bag_back"] = cembed.embedding_bag_backward(idx.ravel(), np.arange(0, idx.size, 16),
                                                    bag_grad, mode="mean")
    rows, values = out["acc"]
    # writes go to per-thread copies; reads share the table
    t = SHARED["table"].copy()
    cembed.scatter_add(t, idx, grad)
    m, v = np.zeros_like(t), np.zeros_like(t)
    cembed.adam_update(t, m, v, rows, values, step=1)
    acc = np.zeros(SHARED["V"], np.float32)
    cembed.adagrad_update(t, acc, rows, values)
    cembed.sgd_update(t, rows, values)
    out["updated"] = (t, m, v, acc)
    out["hash"] = cembed.murmurhash3_32(np.arange(500) * seed)
    tok = cembed.Tokenizer(num_words=20, oov_token="<oov>")
    tok.fit_on_texts(TEXTS)
    out["word_index"] = tok.word_index
    out["seqs"] = tok.texts_to_sequences(TEXTS)
    out["shared_tok_seqs"] = SHARED["tok"].texts_to_sequences(TEXTS * 20)
    out["shared_tok_matrix"] = SHARED["tok"].texts_to_matrix(TEXTS, mode="tfidf")
    out["hashing"] = [cembed.hashing_trick(t_, 97) for t_ in TEXTS]
    out["padded"] = cembed.pad_sequences(out["shared_tok_seqs"], maxlen=7)
    return out


SHARED = {}


def _same(a, b):
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def test_eight_threads_at_once_equal_a_serial_run():
    rng = np.random.default_rng(7)
    SHARED.update(V=3000, D=48)
    SHARED["table"] = rng.standard_normal((3000, 48)).astype(np.float32)
    SHARED["tok"] = cembed.Tokenizer(oov_token="?")
    SHARED["tok"].fit_on_texts(TEXTS)
    table_before = SHARED["table"].copy()
    seeds = list(range(1, 9))
    serial = {s: _workload(s) for s in seeds}
    results, errors = {}, []
    barrier = threading.Barrier(len(seeds))

    def worker(s):
        try:
            barrier.wait()
            for _ in range(2):
                results[s] = _workload(s)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(s,)) for s in seeds]
    for th in threads:
        th.start()
    for th in threads:
        th.join(300)
    assert not errors, errors
    assert not any(th.is_alive() for th in threads)
    for s in seeds:
        for key in serial[s]:
            assert _same(serial[s][key], results[s][key]), (s, key)
    assert np.array_equal(SHARED["table"], table_before)


# ------------------------------------------------------------------ processes

FORK_CODE = """
import multiprocessing as mp, sys
import numpy as np, cembed

def inputs():
    rng = np.random.default_rng(0)
    return rng.random((20000, 64), dtype=np.float32), rng.integers(0, 20000, 200000)

def child(q):
    import cembed
    table, idx = inputs()
    out = cembed.gather(table, idx)
    rows, vals = cembed.accumulate(idx, out[:, :8].copy())
    bags = cembed.embedding_bag(table, idx.reshape(-1, 10), mode="mean")
    tok = cembed.Tokenizer(); tok.fit_on_texts(["a b c"] * 1000)
    try:
        cembed.set_num_threads(2)
        guard = "no error"
    except RuntimeError as e:
        guard = str(e)
    cembed.set_num_threads(None)
    q.put((out.tobytes() == PARENT_OUT, cembed.get_num_threads(), guard, float(bags.sum())))

if __name__ == "__main__":
    method = sys.argv[1]
    cembed.set_num_threads(2)
    table, idx = inputs()
    PARENT_OUT = cembed.gather(table, idx).tobytes()   # the parent's pool is up now
    bags = float(cembed.embedding_bag(table, idx.reshape(-1, 10), mode="mean").sum())
    ctx = mp.get_context(method)
    q = ctx.Queue()
    p = ctx.Process(target=child, args=(q,))
    p.start()
    p.join(60)
    if p.is_alive():
        p.kill()
        print("HUNG")
        sys.exit(1)
    same, threads, guard, child_bags = q.get(timeout=10)
    print(p.exitcode, same, threads, child_bags == bags, guard)
"""


def _run_start_method(method, tmp_path):
    script = tmp_path / "fork_child.py"
    code = FORK_CODE
    if method != "fork":  # a spawn child re-imports the script: PARENT_OUT at module level
        code += "\nPARENT_OUT = cembed.gather(*inputs()).tobytes()\n"
    script.write_text(code)
    proc = run_python(script, method, timeout=180, OMP_NUM_THREADS="2")
    assert proc.returncode == 0 and "HUNG" not in proc.stdout, proc.stdout + proc.stderr
    return proc.stdout.split(None, 4)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_fork_after_openmp_runs_serially_and_guards_threads(tmp_path):
    code, same, threads, bags_equal, guard = _run_start_method("fork", tmp_path)
    assert code == "0" and same == "True" and bags_equal == "True"
    assert threads == "1"  # serial in the fork child, even after set_num_threads(None)
    if cembed.openmp_enabled():
        assert "fork" in guard and "spawn" in guard
    else:
        assert guard.strip() == "no error"


def test_spawn_child_uses_threads(tmp_path):
    code, same, threads, bags_equal, guard = _run_start_method("spawn", tmp_path)
    assert code == "0" and same == "True" and bags_equal == "True"
    assert guard.strip() == "no error"
    assert int(threads) == (2 if cembed.openmp_enabled() else 1)


def test_fork_child_without_the_handler_would_hang_is_documented():
    """The guard is installed (os.register_at_fork) when OpenMP is on."""
    assert cembed._core._forked_child is False
    assert cembed.set_num_threads.__doc__ and "fork" in cembed.set_num_threads.__doc__


# ------------------------------------------------------------------ leaks

N_CALLS = int(os.environ.get("CEMBED_LEAK_CALLS", "100000"))
SECONDS_PER_FUNCTION = 4.0


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _leak_cases():
    rng = np.random.default_rng(3)
    V, D = 50, 8
    table = rng.standard_normal((V, D)).astype(np.float32)
    idx = rng.integers(0, V, 12)
    idx2 = idx.reshape(3, 4)
    grad = np.ones((12, D), np.float32)
    rows = np.unique(idx)
    g_rows = np.ones((rows.size, D), np.float32)
    m, v, acc = np.zeros_like(table), np.zeros_like(table), np.zeros(V, np.float32)
    out = np.empty((12, D), np.float32)
    bad = np.array([1, 2, V])
    tok = cembed.Tokenizer(num_words=30, oov_token="?")
    tok.fit_on_texts(TEXTS)
    js = tok.to_json()
    seqs = tok.texts_to_sequences(TEXTS)
    emb = cembed.Embedding(V, D, seed=0)
    opt = optimizers.Adam()
    sgrad = emb.backward(idx, grad)

    def expect(exc, f, *a, **k):
        try:
            f(*a, **k)
        except exc:
            return
        raise AssertionError("no error")

    return {
        "gather": lambda: cembed.gather(table, idx),
        "gather_out": lambda: cembed.gather(table, idx, out=out),
        "gather_bad_index": lambda: expect(IndexError, cembed.gather, table, bad),
        "embedding_bag": lambda: cembed.embedding_bag(table, idx2, mode="mean"),
        "embedding_bag_offsets": lambda: cembed.embedding_bag(table, idx, offsets=[0, 5],
                                                              per_sample_weights=grad[:, 0]),
        "accumulate": lambda: cembed.accumulate(idx, grad),
        "accumulate_bad": lambda: expect(IndexError, cembed.accumulate, bad, grad[:3], V),
        "embedding_bag_backward": lambda: cembed.embedding_bag_backward(idx, [0, 6], grad[:2]),
        "scatter_add": lambda: cembed.scatter_add(m, idx, grad),
        "adam_update": lambda: cembed.adam_update(table.copy(), m, v, rows, g_rows, step=1),
        "adagrad_update": lambda: cembed.adagrad_update(table.copy(), acc, rows, g_rows),
        "sgd_update": lambda: cembed.sgd_update(table.copy(), rows, g_rows),
        "sgd_update_bad_order": lambda: expect(ValueError, cembed.sgd_update, table, rows[::-1],
                                               g_rows),
        "murmurhash3_32": lambda: cembed.murmurhash3_32(["ab", "cd"], seed=3),
        "murmurhash3_32_str": lambda: cembed.murmurhash3_32("straße"),
        "threads": lambda: (cembed.get_num_threads(), cembed.openmp_enabled()),
        "Embedding_call_backward_step": lambda: (emb(idx), opt.step(emb, sgrad)),
        "Embedding_bag": lambda: emb.bag(idx2),
        "Tokenizer_fit_on_texts": lambda: cembed.Tokenizer().fit_on_texts(TEXTS),
        "texts_to_sequences": lambda: tok.texts_to_sequences(TEXTS),
        "sequences_to_texts": lambda: tok.sequences_to_texts(seqs),
        "texts_to_matrix": lambda: tok.texts_to_matrix(TEXTS, mode="tfidf"),
        "to_json_from_json": lambda: cembed.tokenizer_from_json(js),
        "tokenizer_from_json_bad": lambda: expect(ValueError, cembed.tokenizer_from_json, "[]"),
        "text_to_word_sequence": lambda: cembed.text_to_word_sequence(TEXTS[1]),
        "hashing_trick": lambda: cembed.hashing_trick(TEXTS[0], 50),
        "one_hot": lambda: cembed.one_hot(TEXTS[4], 50),
        "pad_sequences": lambda: cembed.pad_sequences(seqs, maxlen=5),
    }


LEAK_CASES = sorted(_leak_cases())


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc")
@pytest.mark.parametrize("name", LEAK_CASES)
def test_many_calls_keep_rss_flat(name):
    fn = _leak_cases()[name]
    for _ in range(2000):  # warm up: caches, free lists, arenas
        fn()
    start = time.perf_counter()
    for _ in range(200):
        fn()
    per_call = (time.perf_counter() - start) / 200
    calls = max(10000, min(N_CALLS, int(SECONDS_PER_FUNCTION / max(per_call, 1e-9))))
    before = _rss_bytes()
    for _ in range(calls):
        fn()
    grown = _rss_bytes() - before
    # 100,000 calls leaking even 32 bytes each would grow 3.2 MB
    assert grown < 3 * 2**20, f"{name}: RSS grew {grown / 2**20:.1f} MiB over {calls} calls"


VALGRIND_SCRIPT = """
import numpy as np, cembed
rng = np.random.default_rng(0)
t = rng.standard_normal((100, 8)).astype(np.float32)
idx = rng.integers(0, 100, 40)
for _ in range(20):
    cembed.gather(t, idx); cembed.embedding_bag(t, idx.reshape(4, 10), mode="sqrtn")
    r, v = cembed.accumulate(idx, np.ones((40, 8), np.float32))
    cembed.embedding_bag_backward(idx, [0, 10, 20], np.ones((3, 8), np.float32), mode="mean")
    cembed.scatter_add(t, idx, np.ones((40, 8), np.float32))
    cembed.adam_update(t, np.zeros_like(t), np.zeros_like(t), r, v, step=1)
    cembed.adagrad_update(t, np.zeros(100, np.float32), r, v); cembed.sgd_update(t, r, v)
    try: cembed.gather(t, [1, -1])
    except IndexError: pass
    cembed.murmurhash3_32(["a", "bb"])
    tok = cembed.Tokenizer(oov_token="?"); tok.fit_on_texts(["the cat sat", "naïve café"] * 5)
    tok.texts_to_sequences(["the dog sat"]); tok.texts_to_matrix(["cat"], mode="tfidf")
    cembed.tokenizer_from_json(tok.to_json()); cembed.hashing_trick("a b c", 10)
    cembed.pad_sequences([[1, 2, 3], [4]], maxlen=2)
print("done")
"""


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_valgrind_memcheck_finds_no_definite_leak_in_cembed(tmp_path):
    log = tmp_path / "memcheck.log"
    script = tmp_path / "vg.py"
    script.write_text(VALGRIND_SCRIPT)
    env = dict(os.environ, PYTHONMALLOC="malloc", OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = PACKAGE_ROOT + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        ["valgrind", "--tool=memcheck", "--leak-check=full", "--show-leak-kinds=definite",
         "--errors-for-leak-kinds=definite", "--num-callers=30", f"--log-file={log}",
         sys.executable, str(script)],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0 and "done" in proc.stdout, proc.stderr[-3000:]
    text = log.read_text()
    # one record per blank "==pid== " line; judge the records that name
    # cembed's code (its extension modules live in cembed/), not the
    # interpreter's own one-time allocations
    records = re.split(r"\n==\d+== ?\n", text)
    assert "ERROR SUMMARY" in text
    ours = [r for r in records if "definitely lost in loss record" in r
            and ("cembed" in r or "src_c" in r)]
    assert not ours, "definite leaks in cembed:\n" + "\n".join(r[:2000] for r in ours)
    invalid_ours = [r for r in records if ("Invalid read" in r or "Invalid write" in r
                                           or "uninitialised" in r)
                    and ("cembed" in r or "src_c" in r)]
    assert not invalid_ours, "\n".join(invalid_ours)[:4000]
