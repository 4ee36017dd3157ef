"""Instruction-set paths (src_c/isa.h): CEMBED_ISA forces one at import,
build_info() reports it, and every path the CPU supports gives bitwise the
same results (tests/isa_battery.py run once per path).

The whole suite also runs under one path: ``CEMBED_ISA=avx2 pytest``.
"""
import os
import pathlib

import numpy as np
import pytest

import cembed

from fresh import run_python

HERE = os.path.dirname(os.path.abspath(__file__))
PATHS = ("baseline", "avx2", "avx512")


def test_build_info():
    info = cembed.build_info()
    assert set(info) == {"compiler", "openmp", "cpu", "isa", "supported_isa", "kernels"}
    assert info["openmp"] is cembed.openmp_enabled()
    assert info["supported_isa"][0] == "baseline"
    assert set(info["supported_isa"]) <= set(PATHS)
    assert info["isa"] in info["supported_isa"]
    assert set(info["kernels"].values()) == {info["isa"]}
    assert isinstance(info["compiler"], str) and info["compiler"]
    if "CEMBED_ISA" not in os.environ:
        # unforced: the best the CPU has
        assert info["isa"] == info["supported_isa"][-1]


@pytest.mark.parametrize("isa", PATHS)
def test_cembed_isa_forces_a_path_or_says_why_not(isa):
    proc = run_python("import cembed; print(cembed.build_info()['isa'])", CEMBED_ISA=isa)
    if isa in cembed.build_info()["supported_isa"]:
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == isa
    else:
        assert proc.returncode != 0
        assert f"ValueError: CEMBED_ISA='{isa}': this CPU cannot run the {isa} path; it supports baseline" in proc.stderr


def test_cembed_isa_case_and_empty():
    proc = run_python("import cembed; print(cembed.build_info()['isa'])", CEMBED_ISA=" Baseline ")
    assert proc.returncode == 0 and proc.stdout.strip() == "baseline", proc.stderr
    proc = run_python("import cembed; print(cembed.build_info()['isa'])", CEMBED_ISA="")
    assert proc.stdout.strip() == cembed.build_info()["supported_isa"][-1], proc.stderr


def test_every_extension_module_runs_the_path_chosen_at_import():
    # each extension module links its own copy of isa.c; all follow the path
    # cembed._core chose (and checked), not the raw or later environment
    code = ("import os, cembed, cembed._core; os.environ['CEMBED_ISA'] = 'no-such-path'; "
            "import cembed._compact, cembed._text, cembed.models._classifier, "
            "cembed.models._word2vec; print(cembed._compact.isa())")
    proc = run_python(code, CEMBED_ISA=" Baseline ")
    assert proc.returncode == 0 and proc.stdout.strip() == "baseline", proc.stderr


def test_unknown_cembed_isa_is_an_error_at_import():
    proc = run_python("import cembed", CEMBED_ISA="sse9")
    assert proc.returncode != 0
    assert "ValueError: CEMBED_ISA='sse9' names no instruction-set path; use one of baseline, avx2, avx512 (this CPU supports baseline" in proc.stderr


def test_every_supported_path_gives_bitwise_the_same_results(tmp_path):
    supported = cembed.build_info()["supported_isa"]
    results = {}
    for isa in supported:
        out = tmp_path / f"{isa}.npz"
        proc = run_python(pathlib.Path(HERE, "isa_battery.py"), out, CEMBED_ISA=isa)
        assert proc.returncode == 0, proc.stderr[-3000:]
        with np.load(out) as data:
            results[isa] = {k: data[k] for k in data.files}
        assert str(results[isa].pop("_isa")) == isa
    reference = results["baseline"]
    assert len(reference) > 400
    for isa in supported[1:]:
        assert results[isa].keys() == reference.keys()
        differ = [k for k in reference
                  if reference[k].dtype != results[isa][k].dtype
                  or reference[k].tobytes() != results[isa][k].tobytes()]
        assert not differ, f"{isa} differs from baseline in {differ[:10]}"
