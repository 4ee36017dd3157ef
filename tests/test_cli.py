"""`python -m cembed demo | bench`, run as a user would, in a subprocess."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import cembed
from cembed import demo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cli(*args, cwd=None, timeout=300):
    """Run `python -m cembed ARGS` with the cembed these tests import."""
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(cembed.__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = package_parent + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "cembed", *args], capture_output=True,
                          text=True, env=env, timeout=timeout, cwd=cwd or ROOT)


def one_line_error(proc, *fragments):
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "Traceback" not in proc.stderr
    return lines[0]


def write(path, data):
    with open(path, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)
    return str(path)


def test_demo_learns_the_shipped_corpus():
    proc = cli("demo")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "WordNet 3.0 glosses, shipped with cembed" in out
    assert re.search(r"39765 texts, 45 labels \(adj\.all, adj\.pert, adj\.ppl, \.\.\., verb\.weather\); "
                     r"\d+ train / \d+ test", out), out
    assert float(re.search(r"trained in [0-9.]+ s: [0-9,]+ words, ([0-9,]+) words/s", out)
                 .group(1).replace(",", "")) > 0
    accuracy, majority = map(float, re.search(r"test accuracy: ([0-9.]+) \(majority label: ([0-9.]+)\)",
                                              out).groups())
    assert majority < 0.05 and accuracy > 0.5, out  # 45 labels, at most 1200 texts each
    # Sentences it never saw, each with its top 3 labels, best first.
    predictions = re.findall(r"^  '(.*)'\n    -> (\S+) ([0-9.]+), (\S+) ([0-9.]+), (\S+) ([0-9.]+)$",
                             out, re.M)
    assert [p[0] for p in predictions] == list(demo.SENTENCES)
    top = {sentence: label for sentence, label, *_ in predictions}
    assert top["a wild animal that hunts at night"] == "noun.animal", out
    assert top["to move quickly on foot across the field"] == "verb.motion", out
    assert top["a sweet baked food made of flour eggs and sugar"] == "noun.food", out
    assert top["a tall tree with needles and cones"] == "noun.plant", out
    for p in predictions:
        probs = [float(x) for x in p[2::2]]
        assert probs == sorted(probs, reverse=True) and sum(probs) <= 1.0 + 1e-9
    # Neighbours of familiar words: five each, by cosine, best first.
    rows = dict(re.findall(r"^ +(\w+): (.*)$", out.split("nearest neighbours")[1], re.M))
    assert set(demo.FAMILIAR) <= set(rows), out
    for word, neighbours in rows.items():
        near = re.findall(r"(\w+) (-?[0-9.]+)", neighbours)
        assert len(near) == 5 and word not in [w for w, _ in near]
        cosines = [float(c) for _, c in near]
        assert cosines == sorted(cosines, reverse=True)
    colours = {"brown", "reddish", "yellow", "yellowish", "pale", "white", "black", "green", "blue",
               "gray", "grey", "purple", "orange", "pink", "dark", "bright", "colored", "coloured"}
    assert len(colours & set(re.findall(r"(\w+) -?[0-9.]+", rows["red"]))) >= 2, rows["red"]


def test_demo_is_deterministic():
    a, b = (demo.run(epochs=2, out=open(os.devnull, "w")) for _ in range(2))
    assert a == b


def test_demo_reads_a_gzipped_corpus(tmp_path):
    import gzip

    with gzip.open(tmp_path / "c.tsv.gz", "wt", encoding="utf-8") as f:
        f.write("a\tx y\nb\tz w\n")
    assert demo.read_corpus(tmp_path / "c.tsv.gz") == (["x y", "z w"], ["a", "b"])


def test_demo_on_a_user_corpus_with_three_labels_saves_the_classifier(tmp_path):
    rng = np.random.default_rng(1)
    words = {"sport": "ball goal team match coach", "food": "soup bread pasta wine cheese",
             "tech": "code chip data cloud phone"}
    lines = ["# not a comment: a label called '# not a comment'\tfoo"]
    for i in range(300):
        label = list(words)[i % 3]
        text = " ".join(rng.choice(words[label].split(), 6)) + " the a of"
        lines.append(f"{label}\t{text}")
    corpus = write(tmp_path / "topics.tsv", "\n".join(lines) + "\n\n")
    proc = cli("demo", "--corpus", corpus, "--epochs", "20", "--dim", "8",
               "--save", str(tmp_path / "model"))
    assert proc.returncode == 0, proc.stderr
    assert "301 texts, 4 labels" in proc.stdout
    assert float(re.search(r"test accuracy: ([0-9.]+)", proc.stdout).group(1)) > 0.9
    saved = re.search(r"saved: (.*) \(TextClassifier\.load\)", proc.stdout).group(1)
    clf = cembed.TextClassifier.load(saved)
    assert clf.dim == 8
    assert list(clf.predict(["soup bread wine", "ball goal coach"])) == ["food", "sport"]


@pytest.mark.parametrize("content, line, reason", [
    ("pos\tgood\nneg\tbad\nneg bad food\n", 3, "found no tab"),
    ("pos\tgood\n\n\t no label\n", 3, "empty label"),
    (b"pos\tgood\nneg\tbad\npos\tcaf\xe9\n", 3, "not valid UTF-8"),
    ("pos\tgood\n", None, "at least 2 examples"),
    ("pos\tgood\npos\tfine\n", None, "at least 2 labels"),
    ("", None, "at least 2 examples"),
])
def test_malformed_corpus_names_the_line_and_exits_2(tmp_path, content, line, reason):
    corpus = write(tmp_path / "bad.tsv", content)
    where = f"bad.tsv, line {line}: " if line is not None else "bad.tsv: "
    one_line_error(cli("demo", "--corpus", corpus), where, reason)
    with pytest.raises(demo.CorpusError, match=f"{where}.*{reason}") as info:
        demo.read_corpus(corpus)
    assert info.value.line == line


@pytest.mark.parametrize("args, fragment", [
    (["demo", "--dim", "0"], "--dim"),
    (["demo", "--dim", "x"], "--dim"),
    (["demo", "--epochs", "-1"], "--epochs"),
    (["demo", "--learning-rate", "nan"], "--learning-rate"),
    (["demo", "--word-ngrams", "0"], "--word-ngrams"),
    (["demo", "--batch-size", "32"], "unrecognized arguments"),
    (["demo", "--frobnicate"], "unrecognized arguments"),
    (["demo", "--corpus", "/nonexistent/corpus.tsv"], "no such file"),
    (["demo", "--", "x"], "after '--'"),
    (["fly"], "invalid choice"),
    ([], "required"),
    (["bench", "nope"], "unknown benchmark 'nope'"),
    (["bench", "--dir", "/nonexistent"], "no benchmarks/ folder"),
])
def test_bad_arguments_exit_2_with_one_line(args, fragment):
    one_line_error(cli(*args), fragment)


def test_plot(tmp_path):
    out = tmp_path / "emb.png"
    proc = cli("demo", "--epochs", "1", "--plot", str(out))
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        one_line_error(proc, "--plot needs matplotlib")
        assert not out.exists()
        return
    assert proc.returncode == 0, proc.stderr
    with open(out, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_bench_finds_the_checkout_from_elsewhere(tmp_path):
    """Run from another folder, bench finds benchmarks/ beside the package
    (or says clearly that it is not there, for an installed package)."""
    in_checkout = os.path.dirname(os.path.dirname(os.path.abspath(cembed.__file__))) == ROOT
    proc = cli("bench", "nope-not-a-bench", cwd=str(tmp_path))
    # an installed package (CI) has no benchmarks/ beside it
    one_line_error(proc, "unknown benchmark" if in_checkout else "no benchmarks/ folder found")
    from cembed.__main__ import find_benchmarks

    found = find_benchmarks()
    assert (found == os.path.join(ROOT, "benchmarks")) if in_checkout else True


def test_bench_quick_text_prints_a_table():
    proc = cli("bench", "--quick", "--dir", os.path.join(ROOT, "benchmarks"), "text")
    assert proc.returncode == 0, proc.stderr
    assert "== text: " in proc.stdout
    assert re.search(r"^\| fit_on_texts \| cembed \| [0-9.]+ \| 1\.0x \|$", proc.stdout, re.M), proc.stdout


def test_a_source_checkout_without_compiled_modules_says_what_to_do(tmp_path):
    """Imported from a checkout that was not built, cembed raises a plain
    ImportError that says how to build it, as NumPy and scikit-learn do; it
    does not swap in another copy, even when a built one is on sys.path."""
    import shutil

    source = tmp_path / "checkout" / "cembed"
    source.mkdir(parents=True)
    for name in os.listdir(os.path.dirname(cembed.__file__)):
        if name.endswith(".py"):
            shutil.copy(os.path.join(os.path.dirname(cembed.__file__), name), source)
    # A built cembed and NumPy on PYTHONPATH; -S keeps site's path hooks (an
    # editable install's finder) out, so only sys.path decides.
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.dirname(os.path.dirname(os.path.abspath(cembed.__file__))),
         os.path.dirname(os.path.dirname(os.path.abspath(np.__file__)))])
    proc = subprocess.run([sys.executable, "-S", "-m", "cembed", "demo", "--epochs", "1"],
                          cwd=str(source.parent), capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 1, proc.stdout
    for words in ("ImportError: cembed's compiled modules are missing in " + str(source),
                  "python setup.py build_ext --inplace", "pip install -e ."):
        assert words in proc.stderr, proc.stderr
    assert "test accuracy" not in proc.stdout
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-S", "-c", "import cembed"], cwd=str(source.parent),
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1
    assert "cembed's compiled modules are missing" in proc.stderr


def test_demo_on_tiny_and_empty_corpora(tmp_path):
    """Two texts, or texts that tokenize to nothing: the demo still runs."""
    tiny = write(tmp_path / "tiny.tsv", "a\tx\nb\ty\n")
    assert 0.0 <= demo.run(tiny, epochs=1, out=open(os.devnull, "w")) <= 1.0
    empty = write(tmp_path / "empty.tsv", "a\t!!!\nb\t...\na\t\nb\t?\n")
    proc = cli("demo", "--corpus", empty, "--epochs", "1")
    assert proc.returncode == 0, proc.stderr
    assert "test accuracy" in proc.stdout
