"""Bounded fuzzing of the parsers, pad_sequences and the kernels, and the
replay of every saved finding.

The targets live in tests/fuzz/targets.py. With atheris installed each runs
for CEMBED_FUZZ_SECONDS (default 12 s; about a minute for the four) under
libFuzzer, guided by the coverage of cembed's Python code; without atheris,
hypothesis feeds the same targets random bytes for the same time
(CEMBED_FUZZ_ENGINE=hypothesis forces that). A finding
fails the test; save its input under tests/fuzz_regressions/<target>/ so
test_saved_findings replays it forever after.

The search starts from a fixed seed, CEMBED_FUZZ_SEED (default 1), so a
test run explores the same inputs each time and CI does not fail at random
on a commit that did not cause the failure. CEMBED_FUZZ_SEED=0 picks a
random seed (libFuzzer's convention): use it, with a longer
CEMBED_FUZZ_SECONDS, to hunt for new findings.
"""
import glob
import importlib.util
import os
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

import cembed

HERE = os.path.dirname(os.path.abspath(__file__))
TARGETS_PY = os.path.join(HERE, "fuzz", "targets.py")
REGRESSIONS = os.path.join(HERE, "fuzz_regressions")
SECONDS = float(os.environ.get("CEMBED_FUZZ_SECONDS", "12"))
SEED = int(os.environ.get("CEMBED_FUZZ_SEED", "1"))

spec = importlib.util.spec_from_file_location("cembed_fuzz_targets", TARGETS_PY)
targets = importlib.util.module_from_spec(spec)
spec.loader.exec_module(targets)

# CEMBED_FUZZ_ENGINE=hypothesis forces the fallback (to test it, or where
# libFuzzer misbehaves); the default uses atheris when it is installed
ENGINE = os.environ.get("CEMBED_FUZZ_ENGINE", "auto")
HAVE_ATHERIS = ENGINE != "hypothesis" and importlib.util.find_spec("atheris") is not None
NAMES = sorted(targets.TARGETS)


def _saved(name):
    return sorted(glob.glob(os.path.join(REGRESSIONS, name, "*")))


@pytest.mark.parametrize(
    "path", [p for n in NAMES for p in _saved(n)],
    ids=lambda p: os.path.relpath(p, REGRESSIONS),
)
def test_saved_findings(path):
    name = os.path.basename(os.path.dirname(path))
    with open(path, "rb") as f:
        targets.TARGETS[name](f.read())


def test_every_target_has_saved_findings_folder():
    for name in NAMES:
        assert os.path.isdir(os.path.join(REGRESSIONS, name)), name


@pytest.mark.parametrize("name", NAMES)
def test_fuzz(name, tmp_path):
    if name == "word2vec" and not hasattr(cembed, "load_word2vec"):
        pytest.skip("cembed.load_word2vec is not in this build yet")
    if HAVE_ATHERIS:
        env = dict(os.environ)
        root = os.path.dirname(os.path.dirname(os.path.abspath(cembed.__file__)))
        env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
        corpus = tmp_path / "corpus"
        corpus.mkdir()
        # the saved findings seed the search (libFuzzer reads extra corpus folders)
        seeds = [os.path.join(REGRESSIONS, name)] if _saved(name) else []
        # Through a small Python in between: a child spawned straight from
        # pytest inherits pytest's peak RSS as its own (Linux keeps ru_maxrss
        # across vfork + exec), and libFuzzer's -rss_limit_mb reads that peak,
        # so after a large test every target would stop at once with "oom".
        proc = subprocess.run(
            [sys.executable, "-c", "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))",
             sys.executable, TARGETS_PY, name, str(corpus), *seeds,
             f"-max_total_time={SECONDS:g}", f"-seed={SEED}", "-rss_limit_mb=1024", "-max_len=2048",
             f"-artifact_prefix={tmp_path}{os.sep}", "-print_final_stats=1"],
            capture_output=True, text=True, env=env, timeout=SECONDS * 10 + 120,
        )
        crashes = glob.glob(str(tmp_path / "crash-*")) + glob.glob(str(tmp_path / "oom-*"))
        assert proc.returncode == 0 and not crashes, (
            f"atheris found an input that breaks {name!r}: {crashes}; save it under "
            f"tests/fuzz_regressions/{name}/\n" + proc.stderr[-6000:]
        )
        assert "Done" in proc.stderr
    else:  # hypothesis, for the same time budget: rounds of 200 examples
        @settings(max_examples=200, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(st.binary(max_size=512))
        def run(data):
            targets.TARGETS[name](data)

        deadline = time.monotonic() + SECONDS
        round_ = 0
        while time.monotonic() < deadline:
            # with a fixed seed, round r always draws the same examples
            (seed(SEED * 100003 + round_)(run) if SEED else run)()
            round_ += 1
