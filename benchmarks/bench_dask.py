"""The scale test of cembed.dask: fit a vocabulary on a corpus several times
larger than a worker's memory, and compare the throughput with a single
process.

    python benchmarks/bench_dask.py                  # 2 GB corpus, 512 MiB workers
    python benchmarks/bench_dask.py --size 200 --repeat 3   # quick look

The corpus is real text (gensim's test corpora: lee_background.cor and
crime-and-punishment.txt; and Debian's package descriptions from
``apt-cache dumpavail`` when apt is there) repeated into files of
``--file-mb`` MB in a temporary folder, until ``--size`` MB. Each repeat
numbers its lines, so the vocabulary keeps growing as a real corpus does.

Three contenders fit the same files, in turn, ``--repeat`` times:
- serial: ``Tokenizer().fit_on_texts`` over the lines of every file, in one
  process;
- dask read_text: ``cembed.dask.fit_tokenizer(dask.bag.read_text(files,
  blocksize=...))`` on a ``distributed.LocalCluster`` of ``--workers``
  worker processes of one thread, each limited to ``--memory-limit``;
- dask open: the same fit on a bag of the files' lines read with Python's
  file iteration, one partition per file (read_text's line splitting costs
  about as much as the whole serial fit).

Printed: the median time and throughput of each, the ratio to serial (the
goal: >= 0.8x with 2 workers), each worker's peak resident memory (VmHWM,
reset when the cluster starts), and whether any worker was restarted (its
process id changed). The tokenizers are checked equal (``to_json()``). The
machine may be shared: read the numbers as indicative unless it was quiet.
"""
import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import cembed  # noqa: E402
from cembed import Tokenizer  # noqa: E402


def source_lines():
    """Lines of real text: gensim's test corpora, and Debian's package
    descriptions when apt-cache is there."""
    import gensim

    data = os.path.join(os.path.dirname(gensim.__file__), "test", "test_data")
    lines = []
    for name in ("lee_background.cor", "crime-and-punishment.txt"):
        with open(os.path.join(data, name), encoding="utf-8", errors="replace") as f:
            lines += [line.rstrip("\n") for line in f if line.strip()]
    try:
        out = subprocess.run(["apt-cache", "dumpavail"], capture_output=True, text=True,
                             timeout=120, check=True).stdout
        lines += [line.strip() for line in out.splitlines() if line.startswith(" ")]
    except (OSError, subprocess.SubprocessError):
        pass
    return lines


def write_corpus(folder, size_mb, file_mb):
    """Files of about file_mb MB each, size_mb MB in all; returns their paths."""
    lines = source_lines()
    files, total, rep = [], 0, 0
    target = size_mb * 1e6
    while total < target:
        path = os.path.join(folder, f"part{len(files):04d}.txt")
        written = 0
        with open(path, "w", encoding="utf-8") as f:
            while written < file_mb * 1e6 and total + written < target:
                # a tag per repeat: new words keep appearing, as in a real corpus
                tag = f" r{rep}"
                chunk = "".join(line + (tag if i % 50 == 0 else "") + "\n"
                                for i, line in enumerate(lines))
                f.write(chunk)
                written += len(chunk.encode("utf-8"))
                rep += 1
        files.append(path)
        total += written
    return files, total


def fit_serial(files):
    tok = Tokenizer()
    tok.fit_on_texts(read_lines(files))
    return tok


def _peak_rss():
    """This process' id and peak resident memory in bytes (VmHWM)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return os.getpid(), int(line.split()[1]) * 1024
    return os.getpid(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _reset_peak_rss():
    """Start VmHWM afresh (a forked worker inherits its parent's peak)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    return _peak_rss()


def read_lines(paths):
    """The lines of files, read lazily with Python's own file iteration."""
    for path in paths:
        with open(path, encoding="utf-8") as f:
            yield from f


def bags(files, blocksize):
    """The contenders' bags of lines: dask.bag.read_text, and a bag of
    paths mapped to their lines (one partition per file)."""
    import dask.bag as db

    return {
        "dask read_text": lambda: db.read_text(files, blocksize=blocksize),
        "dask open": lambda: db.from_sequence(files, npartitions=len(files)).map_partitions(
            read_lines),
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=float, default=2000, help="corpus size in MB (default 2000)")
    p.add_argument("--file-mb", type=float, default=64, help="size of each file in MB")
    p.add_argument("--blocksize", default="8MiB",
                   help="dask.bag.read_text's blocksize (its decoding peaks at ~11x the block)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--memory-limit", default="512MiB")
    p.add_argument("--repeat", type=int, default=1, help="rounds of both contenders")
    p.add_argument("--dir", default=None, help="folder for the corpus (default: a temporary one)")
    p.add_argument("--no-serial", action="store_true", help="time the Dask fit only")
    args = p.parse_args(argv)

    import dask.bag as db
    import distributed

    from cembed.dask import fit_tokenizer

    folder = tempfile.mkdtemp(prefix="cembed-dask-", dir=args.dir)
    try:
        t = time.perf_counter()
        files, nbytes = write_corpus(folder, args.size, args.file_mb)
        print(f"corpus: {len(files)} files, {nbytes / 1e6:.0f} MB in {folder} "
              f"(written in {time.perf_counter() - t:.1f} s)")
        print(f"python {platform.python_version()}, cembed {cembed.__version__}, "
              f"{os.cpu_count()} CPUs, {args.workers} workers x 1 thread, "
              f"memory_limit {args.memory_limit}")
        cluster = distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1,
                                           processes=True, memory_limit=args.memory_limit,
                                           dashboard_address=None)
        client = distributed.Client(cluster)
        try:
            before = client.run(_reset_peak_rss)
            contenders = {} if args.no_serial else {"serial": lambda: fit_serial(files)}
            for name, make in bags(files, args.blocksize).items():
                contenders[name] = lambda make=make: fit_tokenizer(make())
            times = {name: [] for name in contenders}
            toks = {}
            for _ in range(args.repeat):
                for name, fit in contenders.items():
                    t = time.perf_counter()
                    toks[name] = fit()
                    times[name].append(time.perf_counter() - t)
            after = client.run(_peak_rss)
        finally:
            client.close()
            cluster.close()
        any_tok = next(iter(toks.values()))
        print(f"vocabulary: {len(any_tok.word_index)} words, {any_tok.document_count} texts")
        for name, ts in times.items():
            m = statistics.median(ts)
            line = (f"{name:15s} median {m:7.2f} s  {nbytes / 1e6 / m:7.1f} MB/s  "
                    f"(runs: {', '.join(f'{x:.2f}' for x in ts)})")
            if "serial" in times and name != "serial":
                ratio = statistics.median(times["serial"]) / m
                goal = "met" if ratio >= 0.8 else "NOT met"
                line += f"  {ratio:.2f}x serial (goal >= 0.8x: {goal})"
            print(line)
        jsons = {name: tok.to_json() for name, tok in toks.items()}
        print(f"tokenizers equal (to_json): {len(set(jsons.values())) == 1}")
        restarted = sorted(set(before) ^ set(after)) or [
            a for a in before if before[a][0] != after[a][0]]
        for addr, (pid, peak) in sorted(after.items()):
            print(f"worker {addr} pid {pid}: peak RSS {peak / 2**20:.0f} MiB")
        print(f"workers restarted: {len(restarted)}")
        return 0 if not restarted and len(set(jsons.values())) == 1 else 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
