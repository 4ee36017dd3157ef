"""The README's code runs: its Python blocks execute, its Quick start is the
two commands CI runs, and every name of cembed.__all__ is mentioned."""
import os
import re

import pytest

import cembed

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")

pytestmark = pytest.mark.skipif(not os.path.exists(README), reason="README.md is not here")


def blocks(language):
    with open(README, encoding="utf-8") as f:
        text = f.read()
    return re.findall(r"```" + language + r"\n(.*?)```", text, re.S)


def test_quick_start_is_two_commands():
    first = blocks("bash")[0].strip().splitlines()
    assert first == ['pip install -e . && python -m cembed demo',
                     'pip install -e ".[test]" && python -m pytest']
    with open(os.path.join(os.path.dirname(README), ".ci", "run"), encoding="utf-8") as f:
        assert f.read().rstrip().endswith(first[1])


@pytest.mark.parametrize("index", range(len(blocks("python"))))
def test_python_blocks_run(index):
    exec(compile(blocks("python")[index], f"README.md python block {index}", "exec"), {})


def test_every_public_name_is_in_the_readme():
    with open(README, encoding="utf-8") as f:
        text = f.read()
    missing = [name for name in cembed.__all__ if f"{name}" not in text]
    assert not missing, missing
