"""The C core under AddressSanitizer and UndefinedBehaviorSanitizer.

tests/c/run_sanitizers.sh builds src_c/*.c with the C test driver
tests/c/driver.c, once with OpenMP and once without, and runs every
cembed_* function on random and adversarial inputs (empty, V = 1, D = 1,
indices at INT64_MIN, -1, V and INT64_MAX, V = 1 with an INT64_MAX row
stride). Any sanitizer report, leak or failed check fails this test.
"""
import os
import shutil
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "c", "run_sanitizers.sh")
SRC_C = os.path.join(os.path.dirname(HERE), "src_c")

# CEMBED_TEST_EXAMPLES deepens the run as it deepens hypothesis' (strategies.py).
ITERATIONS = max(120, int(os.environ.get("CEMBED_TEST_EXAMPLES", "0") or 0) * 2)


def _sanitizers_work():
    """gcc exists and links an ASan/UBSan program (libasan/libubsan present)."""
    cc = os.environ.get("CC", "gcc")
    if shutil.which(cc) is None or shutil.which("bash") is None:
        return f"no {cc} (or no bash) on PATH"
    probe = subprocess.run(
        [cc, "-fsanitize=address,undefined", "-x", "c", "-", "-o", os.devnull],
        input="int main(void){return 0;}", capture_output=True, text=True,
    )
    if probe.returncode != 0:
        return f"{cc} cannot link with -fsanitize=address,undefined: {probe.stderr.strip()[:200]}"
    return None


@pytest.mark.skipif(not os.path.isdir(SRC_C), reason="the C sources (src_c/) are not in this tree")
def test_c_core_is_clean_under_asan_and_ubsan(tmp_path):
    reason = _sanitizers_work()
    if reason:
        pytest.skip(reason)
    env = dict(os.environ, BUILD_DIR=str(tmp_path))
    proc = subprocess.run(
        ["bash", SCRIPT, str(ITERATIONS), "20261121"],
        capture_output=True, text=True, env=env, timeout=600,
    )
    report = proc.stdout[-4000:] + proc.stderr[-8000:]
    assert proc.returncode == 0, report
    assert "no sanitizer reports, all checks passed" in proc.stdout
    assert proc.stdout.count("all checks passed") == 3  # openmp, serial, summary
