"""benchmarks/bench_classify.py reads its datasets as it says, splits them
stably, runs end to end and judges the goals as stated. No timing is
asserted here: the speed goals are checked by the benchmark itself."""
import importlib.util
import json
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DUMP = """\
Package: 0ad
Version: 0.0.26-3
Section: games
Description: Real-time strategy game of ancient warfare
Description-md5: d943033bedada21853d2ae54a2578a7b
Tag: game::strategy, interface::graphical,
 x11::application

Package: 0ad
Version: 0.0.25-1
Section: games
Description: an older version, skipped: one example a package

Package: nvidia-driver
Section: non-free/x11
Description: NVIDIA metapackage (C++, "proprietary")

Package: foo-doc
Section: contrib/doc
Description: Documentation for FOO

Package: no-description
Section: misc
"""


@pytest.fixture(scope="module")
def bench():
    path = os.path.join(ROOT, "benchmarks", "bench_classify.py")
    spec = importlib.util.spec_from_file_location("bench_classify", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_debian_dump_one_example_a_package_sections_without_prefix(bench, tmp_path):
    dump = tmp_path / "dump.txt"
    dump.write_text(DUMP, encoding="utf-8")
    texts, labels = bench.debian_packages(str(dump))
    assert texts == ["real time strategy game of ancient warfare",
                     "nvidia metapackage c proprietary", "documentation for foo"]
    assert labels == ["games", "x11", "doc"]
    assert bench.debian_packages(str(dump), limit=2) == (texts[:2], labels[:2])


def test_normalize_gives_fasttext_and_the_keras_analyzer_the_same_tokens(bench):
    from cembed import text_to_word_sequence

    for raw in ["Real-time  strategy (data files)", "C++/Qt\tlibrary: \"GUI\"", "日本語 テキスト, ok!"]:
        text = bench.normalize(raw)
        assert text.split() == text_to_word_sequence(raw) == text_to_word_sequence(text)


def test_split_is_80_20_by_a_hash_of_the_text(bench):
    texts = [f"text number {i}" for i in range(2000)] + ["same"] * 10
    labels = [str(i % 3) for i in range(len(texts))]
    (train, train_labels), (test, test_labels) = bench.split(texts, labels)
    assert len(train) + len(test) == len(texts) and 0.17 < len(test) / len(texts) < 0.23
    assert ("same" in train) != ("same" in test)  # equal texts on one side
    again = bench.split(list(reversed(texts)), list(reversed(labels)))
    assert sorted(again[1][0]) == sorted(test)  # the order of the corpus does not matter


def test_goals_are_judged_as_stated(bench):
    fast = {"accuracy": 70.0, "train": 1e6, "predict": 1e5, "size": 1000}
    good = {"accuracy": 69.6, "train": 2e6, "predict": 3e5, "size": 1000}
    assert [ok for _, _, ok in bench.goals({"cembed": good, "fastText": fast})] == [True] * 4
    bad = {"accuracy": 69.4, "train": 1.9e6, "predict": 2.9e5, "size": 1001}
    judged = bench.goals({"cembed": bad, "fastText": fast})
    assert [ok for _, _, ok in judged] == [False] * 4
    assert [round(v, 3) for _, v, _ in judged] == [1.9, -0.6, 2.9, 1.001]
    assert bench.goals({"cembed": good}) == []
    assert bench.goals({"cembed": bad, "fastText": fast}, "pang_lee") == judged


def test_folds_predict_every_text_once(bench):
    texts = [f"text {i}" for i in range(23)]
    labels = [str(i % 2) for i in range(23)]
    parts = bench.folds(texts, labels, 5)
    assert len(parts) == 5
    tested = [t for _, (test, _) in parts for t in test]
    assert sorted(tested) == sorted(texts)
    for (train, train_labels), (test, test_labels) in parts:
        assert not set(train) & set(test) and len(train) + len(test) == 23
        assert all(labels[texts.index(t)] == y for t, y in zip(train + test, train_labels + test_labels))


def test_wordnet_glosses_are_a_default_dataset_of_thousands_of_test_texts(bench):
    assert bench.parse_args([]).datasets == ["debian", "wordnet"]
    texts, labels = bench.wordnet()
    assert len(texts) == len(labels) > 39_000 and len(set(labels)) == 45
    assert "noun.animal" in labels and all(t == bench.normalize(t) for t in texts[:500])
    (train, _), (test, test_labels) = bench.split(texts, labels)
    assert len(test) > 7_000 and len(set(test_labels)) == 45


def test_runs_end_to_end_on_pang_lee(bench, tmp_path, capsys):
    pytest.importorskip("gensim")
    out = tmp_path / "results.json"
    report = bench.main(["--datasets", "pang_lee", "--dims", "4", "--ngrams", "1", "2",
                         "--buckets", "1000", "--epochs-small", "5", "--repeat", "1",
                         "--json", str(out)])
    assert json.loads(out.read_text())["cases"] == json.loads(json.dumps(report["cases"]))
    settings = [(c["setting"]["dim"], c["setting"]["ngrams"]) for c in report["cases"]]
    assert settings == [(4, 1), (4, 2)]
    for case in report["cases"]:
        r = case["result"]["cembed"]
        assert 0 <= r["accuracy"] <= 100 and r["train"] > 0 and r["predict"] > 0 and r["size"] > 0
        # cross-validated: a whole number of the 200 texts
        assert abs(r["accuracy"] * 2 - round(r["accuracy"] * 2)) < 1e-9
        if "fastText" in case["result"]:
            assert len(case["goals"]) == 4
    printed = capsys.readouterr().out
    assert "pang_lee: 200 texts, 2 labels, 160 train / 40 test" in printed
    assert "| pang_lee | 4 | 2 | 5 | 0.5 | cembed |" in printed
    if "fastText" in report["cases"][0]["result"]:
        assert "pang_lee: accuracy 5-fold cross-validated over all its texts" in printed


def test_compact_reports_accuracy_per_dtype(bench, tmp_path, capsys):
    pytest.importorskip("gensim")
    report = bench.main(["--compact", "--datasets", "pang_lee", "--dims", "8", "--ngrams", "2",
                         "--buckets", "1000", "--epochs-small", "5"])["compact"]
    cases = sorted({r["case"] for r in report})
    assert cases == ["demo", "pang_lee dim 8 n-grams 2"]
    for case in cases:
        rows = {r["dtype"]: r for r in report if r["case"] == case}
        assert list(rows) == ["float32", "int8", "int4", "float16", "bfloat16"]
        assert rows["float32"]["diff"] == 0 and rows["float32"]["ok"] is None
        for dtype, goal in (("int8", -0.3), ("int4", -1.0)):
            assert rows[dtype]["ok"] == (rows[dtype]["diff"] >= goal)
        assert rows["int4"]["size"] < rows["int8"]["size"] <= rows["float16"]["size"] \
            < rows["float32"]["size"]
    # the demo's corpus: 45 labels, the float model well above the majority label
    assert next(r for r in report if r["case"] == "demo")["accuracy"] > 50
    assert "| demo | int8 |" in capsys.readouterr().out
