"""Run every example in examples/ as a user would, so none of them rots."""
import os
import re
import subprocess
import sys

import pytest

import cembed

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")

def run_example(name, *args):
    """Run examples/<name> with the cembed these tests import; return its stdout."""
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(cembed.__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = package_parent + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [sys.executable, os.path.join(EXAMPLES, name), *args],
        capture_output=True, text=True, env=env, timeout=600, cwd=ROOT,
    )
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def test_lasagne_table_prints_the_seed_array_and_the_index_error():
    assert run_example("lasagne_table.py") == (
        "[[[ 0.  1.  2.  3.  4.]\n"
        "  [10. 11. 12. 13. 14.]]\n"
        "\n"
        " [[ 5.  6.  7.  8.  9.]\n"
        "  [10. 11. 12. 13. 14.]]]\n"
        "IndexError: index 5 at position (0, 0) is out of range [0, 3)\n"
    )


def test_keras_tokenizer():
    out = run_example("keras_tokenizer.py")
    assert "word_index: {'this': 1, 'is': 2, 'a': 3, 'text': 4, 'not': 5}" in out
    assert "[[0 0 1 2 3 4]\n [0 1 2 5 3 4]]" in out
    assert "output shape: (2, 6, 3)" in out
    assert "[[False False  True  True  True  True]\n [False  True  True  True  True  True]]" in out
    assert "weight matrix shape: (10, 3)" in out
    assert "lookups equal rows of get_weights()[0]: True" in out


def test_restaurant_reviews():
    out = run_example("restaurant_reviews.py")
    assert "TextClassifier: training accuracy 1.0\n" in out, out
    assert re.search(r"'good food': positive \([0-9.]+\)\n  'poor food': negative", out), out
    assert re.search(r"after \d+ epochs: loss [0-9.]+, accuracy 1\.0\n", out), out
    assert "20 distinct words; words sharing a row (hash collisions):" in out
    assert "used rows changed by training: True" in out
    assert "unused rows still bitwise at their initial values: True" in out
    used = int(re.search(r"(\d+) of 50 rows are used", out).group(1))
    assert 10 < used < 25


def test_sentiment():
    out = run_example("sentiment.py", "--docs", "4000", "--epochs", "5")
    assert "corpus: 4000 generated reviews (3200 train / 800 test)" in out
    accuracy = float(re.search(r"test accuracy: ([0-9.]+)", out).group(1))
    assert accuracy > 0.8, out  # chance is 0.5; 5% of the labels are flipped
    throughput = float(re.search(r"training throughput: ([0-9,]+) words/s", out).group(1).replace(",", ""))
    assert throughput > 0
    assert "'the soup was cold and the waiter rude': negative" in out, out
    assert "'lovely place, delicious pasta': positive" in out, out


def test_quickstart_trains_and_leaves_untouched_rows_alone():
    out = run_example("quickstart.py")
    losses = [float(x) for x in re.findall(r"loss ([0-9.]+)", out)]
    assert len(losses) == 4 and losses[-1] < losses[0] / 5
    assert re.search(r"\d+ rows were never looked up and are unchanged: True", out)


@pytest.mark.skipif(not os.path.isfile("/usr/share/wordnet/data.noun"),
                    reason="WordNet 3.0 is not installed (Debian: apt-get install wordnet-base)")
def test_make_wordnet_corpus_reproduces_the_shipped_corpus_and_license(tmp_path):
    import gzip

    out = run_example("make_wordnet_corpus.py", "--out", str(tmp_path / "wordnet_glosses.tsv.gz"))
    assert re.search(r"wrote 39765 of 117659 synsets, 45 labels", out), out
    shipped = os.path.join(os.path.dirname(os.path.abspath(cembed.__file__)), "data")
    with gzip.open(os.path.join(shipped, "wordnet_glosses.tsv.gz")) as a, \
            gzip.open(tmp_path / "wordnet_glosses.tsv.gz") as b:
        assert a.read() == b.read()
    with open(os.path.join(shipped, "WORDNET_LICENSE"), "rb") as a, \
            open(tmp_path / "WORDNET_LICENSE", "rb") as b:
        notice = a.read()
        assert notice == b.read()
    assert b"WordNet 3.0 Copyright 2006 by Princeton University." in notice
